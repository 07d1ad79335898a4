from flask import Response
from flask import abort
from flask import request
from flask_login import current_user
from flask_login import login_required

from coachkit.access import own_assessment
from coachkit.i18n import current_language
from coachkit.i18n import supported
from coachkit.reports import bp
from coachkit.reports.rendering import development_report_html
from coachkit.reports.rendering import development_report_pdf


def _report_language() -> str:
    lang = request.args.get("lang") or current_language()
    return lang if lang in supported() else current_language()


def _submitted(assessment_id: int):
    assessment = own_assessment(assessment_id)
    if not assessment.submitted:
        abort(404)
    return assessment


@bp.route("/development/<int:assessment_id>")
@login_required
def development(assessment_id: int):
    """Print preview of the development report (the same template and data as the PDF)."""
    assessment = _submitted(assessment_id)
    return development_report_html(assessment, _report_language(), for_pdf=False)


@bp.route("/development/<int:assessment_id>.pdf")
@login_required
def development_pdf(assessment_id: int):
    """The development report as a PDF download."""
    assessment = _submitted(assessment_id)
    lang = _report_language()
    pdf = development_report_pdf(assessment, lang)
    date = assessment.submitted_at.strftime("%Y-%m-%d") if assessment.submitted_at else ""
    filename = f"coachkit-development-report-{date}-{lang}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


@bp.after_request
def no_shared_cache(response):
    if current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response
