import io
from functools import wraps

import segno
import sqlalchemy as sa
from flask import Response
from flask import abort
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_babel import refresh as refresh_locale
from flask_login import current_user
from flask_login import login_required

from assessments.errors import AnswerError
from assessments.instruments import list_instruments
from coachkit import cohort_services
from coachkit.auth.accounts import sign_up
from coachkit.auth.forms import SignupForm
from coachkit.cohorts import bp
from coachkit.cohorts import exports
from coachkit.cohorts.context import cohort_context
from coachkit.cohorts.context import compare_context
from coachkit.cohorts.context import participant_context
from coachkit.cohorts.context import progress_data
from coachkit.cohorts.context import released_comparison
from coachkit.cohorts.forms import ButtonForm
from coachkit.cohorts.forms import CohortForm
from coachkit.cohorts.forms import JoinCodeForm
from coachkit.cohorts.forms import observer_page_form
from coachkit.cohorts.reporting import cohort_report_html
from coachkit.cohorts.reporting import cohort_report_pdf
from coachkit.extensions import db
from coachkit.i18n import current_language
from coachkit.i18n import supported
from coachkit.maturity.forms import FIELD_PREFIX
from coachkit.maturity.forms import answers_from
from coachkit.maturity.forms import field_name
from coachkit.maturity.forms import unexpected_fields
from coachkit.models import Cohort
from coachkit.models import CohortMember
from coachkit.models import User

# How often the progress board asks for fresh figures (milliseconds).
POLL_INTERVAL_MS = 3000
EXPORT_TYPES = {
    "csv": "text/csv",  # Flask adds "; charset=utf-8"
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# ---------------------------------------------------------------- access


def trainer_required(view):
    """Only trainers (and administrators); anyone else gets a 404, as if the page did not exist."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_trainer:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def own_cohort(cohort_id: int) -> Cohort:
    """A session of the current trainer; any other session is a 404."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or cohort.trainer_id != current_user.id:
        abort(404)
    return cohort


def own_member(cohort: Cohort, member_id: int) -> CohortMember:
    """A participant of the trainer's session who has not left; anyone else is a 404."""
    member = cohort_services.active_member(cohort, member_id)
    if member is None:
        abort(404)
    return member


def my_membership(cohort_id: int) -> CohortMember:
    """The current user's own place in a session they joined and did not leave."""
    member = db.session.scalar(
        sa.select(CohortMember).where(
            CohortMember.cohort_id == cohort_id,
            CohortMember.user_id == current_user.id,
            CohortMember.left_at.is_(None),
        )
    )
    if member is None:
        abort(404)
    return member


def _report_language(cohort: Cohort) -> str:
    lang = request.args.get("lang") or cohort.language
    return lang if lang in supported() else current_language()


@bp.after_request
def no_shared_cache(response):
    if current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response


@bp.app_template_global()
def observer_comparison(assessment):
    """Self against the trainer's released ratings, for the participant's own results page."""
    return released_comparison(assessment, current_language())


# ---------------------------------------------------------------- lists and creating


@bp.route("/")
@login_required
def index():
    """A trainer's sessions, the sessions the user joined, and joining by code."""
    cohorts = cohort_services.trainer_cohorts(current_user) if current_user.is_trainer else []
    counts = cohort_services.active_counts([c.id for c in cohorts])
    return render_template(
        "cohorts/index.html",
        cohorts=cohorts,
        counts=counts,
        memberships=cohort_services.joined_memberships(current_user),
        code_form=JoinCodeForm(formdata=None),
    )


@bp.route("/new", methods=["GET", "POST"])
@trainer_required
def new():
    """Create a session: name, date, questionnaire and the language of its reports."""
    form = CohortForm()
    lang = current_language()
    form.instrument.choices = [(i.name, i.title.get(lang)) for i in list_instruments()]
    if request.method == "GET":
        form.language.data = lang
    if form.validate_on_submit():
        cohort = cohort_services.create_cohort(
            current_user, form.name.data, form.held_on.data, form.language.data, form.instrument.data
        )
        flash(_("Session created. Show the join code or the QR code to your group."), "success")
        return redirect(url_for("cohorts.board", cohort_id=cohort.id))
    return render_template("cohorts/new.html", form=form), (400 if form.errors else 200)


# ---------------------------------------------------------------- the trainer's board


def _join_url(cohort: Cohort) -> str:
    return url_for("cohorts.join_page", code=cohort.join_code, _external=True)


@bp.route("/<int:cohort_id>")
@trainer_required
def board(cohort_id: int):
    """The live progress board: join details, each participant's progress and rating status."""
    cohort = own_cohort(cohort_id)
    return render_template(
        "cohorts/board.html",
        cohort=cohort,
        data=progress_data(cohort),
        join_url=_join_url(cohort),
        form=ButtonForm(),
        poll_interval=POLL_INTERVAL_MS,
    )


@bp.route("/<int:cohort_id>/progress.json")
@trainer_required
def progress(cohort_id: int):
    """The board's figures as JSON, polled by the board page."""
    cohort = own_cohort(cohort_id)
    return jsonify(progress_data(cohort))


@bp.route("/<int:cohort_id>/qr.svg")
@trainer_required
def qr(cohort_id: int):
    """A QR code of the join link, to show in the room."""
    cohort = own_cohort(cohort_id)
    out = io.BytesIO()
    segno.make(_join_url(cohort), error="m").save(
        out, kind="svg", scale=8, border=2, xmldecl=False, title=_("Join link for %(name)s", name=cohort.name)
    )
    return Response(out.getvalue(), mimetype="image/svg+xml")


@bp.route("/<int:cohort_id>/present")
@trainer_required
def present(cohort_id: int):
    """The join code, link and QR code in large type, for a projector."""
    cohort = own_cohort(cohort_id)
    return render_template("cohorts/present.html", cohort=cohort, join_url=_join_url(cohort))


@bp.route("/<int:cohort_id>/joining", methods=["POST"])
@trainer_required
def joining(cohort_id: int):
    """Close or reopen joining."""
    cohort = own_cohort(cohort_id)
    if ButtonForm().validate_on_submit():
        open_ = request.form.get("open") == "1"
        cohort_services.set_joining(cohort, open_)
        flash(
            _("Joining is open again.") if open_ else _("Joining is closed. Participants who joined carry on."), "info"
        )
    return redirect(url_for("cohorts.board", cohort_id=cohort.id))


@bp.route("/<int:cohort_id>/release", methods=["POST"])
@trainer_required
def release(cohort_id: int):
    """Show the observer ratings to the participants, or take them back."""
    cohort = own_cohort(cohort_id)
    if ButtonForm().validate_on_submit():
        released = request.form.get("release") == "1"
        cohort_services.set_released(cohort, released)
        if released:
            flash(_("Your ratings are released: participants see them next to their own results."), "success")
        else:
            flash(_("Your ratings are hidden from the participants again."), "info")
    return redirect(url_for("cohorts.board", cohort_id=cohort.id))


# ---------------------------------------------------------------- observer ratings


def _rating_page(cohort, member, number, form, message=None, status=200):
    instrument = cohort_services.instrument_of(cohort)
    area = instrument.areas[number - 1]
    rated = cohort_services.observer_answers(member)
    return render_template(
        "cohorts/rate.html",
        cohort=cohort,
        member=member,
        instrument=instrument,
        area=area,
        lang=current_language(),
        number=number,
        pages=len(instrument.areas),
        rated=len(rated),
        total=len(instrument.statement_ids),
        form=form,
        message=message,
        field_name=field_name,
    ), status


def _has_bad_values(form) -> bool:
    """True when a rating carries a value that is not one of its choices (as opposed to a blank)."""
    return any(f.name.startswith(FIELD_PREFIX) and f.raw_data and f.raw_data[0] != "" and f.errors for f in form)


@bp.route("/<int:cohort_id>/participants/<int:member_id>")
@trainer_required
def participant(cohort_id: int, member_id: int):
    """One participant: progress, the trainer's rating and self against observer."""
    cohort = own_cohort(cohort_id)
    member = own_member(cohort, member_id)
    ctx = participant_context(cohort, member, current_language())
    return render_template("cohorts/participant.html", cohort=cohort, member=member, p=ctx)


@bp.route("/<int:cohort_id>/participants/<int:member_id>/rate")
@trainer_required
def rate_start(cohort_id: int, member_id: int):
    """Continue rating a participant on the first page with an open statement."""
    cohort = own_cohort(cohort_id)
    member = own_member(cohort, member_id)
    instrument = cohort_services.instrument_of(cohort)
    number = cohort_services.first_open_page(instrument, cohort_services.observer_answers(member)) or 1
    return redirect(url_for("cohorts.rate", cohort_id=cohort.id, member_id=member.id, number=number))


@bp.route("/<int:cohort_id>/participants/<int:member_id>/rate/<int:number>", methods=["GET", "POST"])
@trainer_required
def rate(cohort_id: int, member_id: int, number: int):
    """One page of the observer rating; Next, Previous and Save all store the ratings."""
    cohort = own_cohort(cohort_id)
    member = own_member(cohort, member_id)
    instrument = cohort_services.instrument_of(cohort)
    if not 1 <= number <= len(instrument.areas):
        abort(404)
    area = instrument.areas[number - 1]
    lang = current_language()
    if request.method == "GET":
        data = cohort_services.observer_answers(member)
        return _rating_page(
            cohort, member, number, observer_page_form(instrument, area, lang, require=False, data=data)
        )

    action = request.form.get("action", "next")
    require = action in ("next", "finish")
    form = observer_page_form(instrument, area, lang, require=require, formdata=request.form)
    if unexpected_fields(request.form, area):
        message = _("This page received ratings it did not ask for. Nothing was saved; please rate again.")
        return _rating_page(cohort, member, number, form, message, 400)
    valid = form.validate()
    if _has_bad_values(form):
        return _rating_page(cohort, member, number, form, _("Some ratings were not valid. Nothing was saved."), 400)
    try:
        cohort_services.save_observer_answers(member, answers_from(form, area))
    except AnswerError:
        return _rating_page(cohort, member, number, form, _("Some ratings were not valid. Nothing was saved."), 400)
    if action == "previous":
        return redirect(url_for("cohorts.rate", cohort_id=cohort.id, member_id=member.id, number=max(1, number - 1)))
    if action == "save":
        flash(_("Your ratings are saved."), "success")
        return redirect(url_for("cohorts.board", cohort_id=cohort.id))
    if not valid:
        message = _("Your ratings are saved. Please rate the statements marked below.")
        return _rating_page(cohort, member, number, form, message, 400)
    if number < len(instrument.areas) and action == "next":
        return redirect(url_for("cohorts.rate", cohort_id=cohort.id, member_id=member.id, number=number + 1))
    flash(_("Your ratings of %(name)s are saved.", name=member.user.name), "success")
    return redirect(url_for("cohorts.participant", cohort_id=cohort.id, member_id=member.id))


# ---------------------------------------------------------------- the group


@bp.route("/<int:cohort_id>/results")
@trainer_required
def results(cohort_id: int):
    """The cohort view: averages, distributions, levels, priorities, heat map, self against observer."""
    cohort = own_cohort(cohort_id)
    lang = current_language()
    return render_template(
        "cohorts/results.html",
        cohort=cohort,
        r=cohort_context(cohort, lang),
        others=cohort_services.comparable_cohorts(cohort),
    )


@bp.route("/<int:cohort_id>/compare")
@trainer_required
def compare(cohort_id: int):
    """Before and after: this session against another session of the same group."""
    cohort = own_cohort(cohort_id)
    others = cohort_services.comparable_cohorts(cohort)
    other_id = request.args.get("with", type=int)
    other = next((c for c in others if c.id == other_id), None)
    if other is None:
        if other_id is not None:
            abort(404)
        return render_template("cohorts/compare.html", cohort=cohort, others=others, c=None)
    return render_template(
        "cohorts/compare.html",
        cohort=cohort,
        others=others,
        other=other,
        c=compare_context(cohort, other, current_language()),
    )


@bp.route("/<int:cohort_id>/export/<layout>.<fmt>")
@trainer_required
def export(cohort_id: int, layout: str, fmt: str):
    """Answers, scores and levels as CSV or XLSX: wide (a row per participant) or long (a row per item)."""
    cohort = own_cohort(cohort_id)
    if layout not in ("wide", "long") or fmt not in EXPORT_TYPES:
        abort(404)
    lang = _report_language(cohort)
    body = exports.export_file(cohort, layout, fmt, lang)
    filename = f"coachkit-session-{cohort.id}-{layout}.{fmt}"
    return Response(
        body,
        mimetype=EXPORT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/<int:cohort_id>/report")
@trainer_required
def report(cohort_id: int):
    """Print preview of the cohort report (the same template and data as the PDF)."""
    cohort = own_cohort(cohort_id)
    return cohort_report_html(cohort, _report_language(cohort), for_pdf=False)


@bp.route("/<int:cohort_id>/report.pdf")
@trainer_required
def report_pdf(cohort_id: int):
    """The cohort report as a PDF download."""
    cohort = own_cohort(cohort_id)
    lang = _report_language(cohort)
    pdf = cohort_report_pdf(cohort, lang)
    filename = f"coachkit-session-{cohort.id}-{cohort.held_on:%Y-%m-%d}-{lang}.pdf"
    return Response(
        pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


# ---------------------------------------------------------------- joining and leaving


@bp.route("/join")
def join_by_code():
    """Find a session by the code the trainer shows."""
    form = JoinCodeForm(request.args)
    if request.args and form.validate():
        cohort = cohort_services.cohort_by_code(form.code.data)
        if cohort is not None:
            return redirect(url_for("cohorts.join_page", code=cohort.join_code))
        form.code.errors.append(_("No session has this code. Check the code with your trainer."))
    status = 404 if form.code.errors else 200
    return render_template("cohorts/join_code.html", form=form), status


def _join_view(cohort: Cohort, signup: SignupForm, status: int = 200):
    member = None
    if current_user.is_authenticated:
        member = cohort_services.membership_of(cohort, current_user)
    return render_template(
        "cohorts/join.html",
        cohort=cohort,
        member=member if member is not None and member.active else None,
        form=ButtonForm(),
        signup=signup,
    ), status


@bp.route("/join/<code>", methods=["GET", "POST"])
def join_page(code: str):
    """The join page: what the trainer will see, then join with an account or sign up."""
    cohort = cohort_services.cohort_by_code(code)
    if cohort is None:
        abort(404)
    if request.method == "GET":
        if not current_user.is_authenticated and "lang" not in session:
            # A visitor sees the session's language until they pick one.
            session["lang"] = cohort.language
            refresh_locale()
        signup = SignupForm(formdata=None)
        signup.language.data = current_language()
        return _join_view(cohort, signup)
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=url_for("cohorts.join_page", code=cohort.join_code)))
    if not ButtonForm().validate_on_submit():
        abort(400)
    return _join(cohort, current_user)


def _join(cohort: Cohort, user: User):
    try:
        member = cohort_services.join(cohort, user)
    except cohort_services.CohortError as exc:
        if str(exc) == "own_session":
            flash(_("This is your own session: you run it, so you cannot join it."), "error")
        else:
            flash(_("This session is closed for joining. Ask your trainer to open it."), "error")
        return redirect(url_for("cohorts.join_page", code=cohort.join_code))
    flash(_("You joined %(name)s.", name=cohort.name), "success")
    return redirect(url_for("cohorts.joined", cohort_id=member.cohort_id))


@bp.route("/join/<code>/signup", methods=["POST"])
def join_signup(code: str):
    """Create an account and join the session in one step."""
    cohort = cohort_services.cohort_by_code(code)
    if cohort is None:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("cohorts.join_page", code=cohort.join_code))
    form = SignupForm()
    if not cohort.joining_open:
        flash(_("This session is closed for joining. Ask your trainer to open it."), "error")
        return redirect(url_for("cohorts.join_page", code=cohort.join_code))
    if not form.validate_on_submit():
        return _join_view(cohort, form, 400)
    user = sign_up(form)
    if user is None:
        return _join_view(cohort, form, 400)
    return _join(cohort, user)


@bp.route("/joined/<int:cohort_id>")
@login_required
def joined(cohort_id: int):
    """A participant's own page for a session: what the trainer sees, progress, leaving."""
    member = my_membership(cohort_id)
    return render_template(
        "cohorts/joined.html",
        member=member,
        cohort=member.cohort,
        assessment=member.assessment,
        released=released_comparison(member.assessment, current_language()) is not None,
        form=ButtonForm(),
    )


@bp.route("/joined/<int:cohort_id>/leave", methods=["POST"])
@login_required
def leave(cohort_id: int):
    """Leave a session; the trainer no longer sees anything of you."""
    member = my_membership(cohort_id)
    if ButtonForm().validate_on_submit():
        name = member.cohort.name
        cohort_services.leave(member)
        flash(_("You left %(name)s. Your trainer no longer sees your data.", name=name), "info")
        return redirect(url_for("cohorts.index"))
    return redirect(url_for("cohorts.joined", cohort_id=cohort_id))
