from flask import render_template
from flask import url_for
from flask_babel import force_locale

from coachkit.models import Assessment
from coachkit.reports.context import development_context
from coachkit.reports.pdf import SCHEME
from coachkit.reports.pdf import render_pdf


def print_html(template: str, *, for_pdf: bool, lang: str, **context) -> str:
    """Render a print template; assets point at the static route or at the PDF fetcher's scheme."""

    def asset(path: str) -> str:
        return SCHEME + path if for_pdf else url_for("static", filename=path)

    with force_locale(lang):
        return render_template(template, asset=asset, for_pdf=for_pdf, lang=lang, **context)


def development_report_html(assessment: Assessment, lang: str, *, for_pdf: bool) -> str:
    return print_html("reports/development.html", for_pdf=for_pdf, lang=lang, r=development_context(assessment, lang))


def development_report_pdf(assessment: Assessment, lang: str) -> bytes:
    return render_pdf(development_report_html(assessment, lang, for_pdf=True))
