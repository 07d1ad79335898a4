import re
from datetime import datetime
from datetime import time
from datetime import timedelta

from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_babel import to_utc
from flask_login import current_user
from flask_login import login_required

from coachkit import coaching_services as cs
from coachkit import deal_services as ds
from coachkit.access import own_rep
from coachkit.access import owned
from coachkit.coaching import bp
from coachkit.coaching.context import calendar_event
from coachkit.coaching.context import meeting_context
from coachkit.coaching.forms import ActionForm
from coachkit.coaching.forms import ButtonForm
from coachkit.coaching.forms import CloseForm
from coachkit.coaching.forms import ItemForm
from coachkit.coaching.forms import MeetingForm
from coachkit.coaching.forms import MeetingNotesForm
from coachkit.coaching.forms import NewItemForm
from coachkit.coaching.forms import NotesForm
from coachkit.coaching.labels import COACHING_ERRORS
from coachkit.coaching.labels import OWNER_LABELS
from coachkit.coaching.reporting import agenda_html
from coachkit.coaching.reporting import agenda_pdf
from coachkit.extensions import db
from coachkit.i18n import current_language
from coachkit.i18n import supported
from coachkit.ics import build_ics
from coachkit.models import ActionItem
from coachkit.models import AgendaItem
from coachkit.models import Meeting
from coachkit.models import utcnow

# ---------------------------------------------------------------- access: anything not the manager's own is a 404


def own_meeting(meeting_id: int) -> Meeting:
    return owned(Meeting, meeting_id)


def own_item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    return item


def own_action(meeting: Meeting, action_id: int) -> ActionItem:
    """An action item of the same manager and rep as ``meeting``."""
    action = db.session.get(ActionItem, action_id)
    if action is None or action.meeting.manager_id != current_user.id or action.meeting.rep_id != meeting.rep_id:
        abort(404)
    return action


def _to_local(moment: datetime) -> datetime:
    return to_user_timezone(moment).replace(tzinfo=None)


def _to_utc(local: datetime) -> datetime:
    return to_utc(local)


def _back(meeting: Meeting, anchor: str | None = None):
    return redirect(url_for("coaching.meeting", meeting_id=meeting.id, _anchor=anchor))


def _error(exc: cs.CoachingError) -> str:
    return COACHING_ERRORS.get(str(exc), lambda: str(exc))()


def _form_errors(form) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "error")


# ---------------------------------------------------------------- team, rep history, planning


@bp.route("/")
@login_required
def index():
    """The team: per rep the last one-on-one, the next planned one and the open action items."""
    return render_template("coaching/index.html", rows=cs.team_overview(current_user))


@bp.route("/reps/<int:rep_id>")
@login_required
def rep_history(rep_id: int):
    """All one-on-ones with one rep, latest first."""
    rep = own_rep(rep_id)
    return render_template("coaching/rep.html", rep=rep, meetings=cs.rep_meetings(rep))


def _rep_choices() -> list[tuple[int, str]]:
    return [(r.id, r.name) for r in ds.team(current_user, include_inactive=False)]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Plan a one-on-one with a rep; the agenda is prepared straight away."""
    form = MeetingForm()
    form.rep_id.choices = _rep_choices()
    if request.method == "GET":
        rep_arg = request.args.get("rep", "")
        if rep_arg.isdigit():
            form.rep_id.data = own_rep(int(rep_arg)).id
        tomorrow = _to_local(utcnow()).date() + timedelta(days=1)
        form.scheduled_at.data = datetime.combine(tomorrow, time(9, 0))
    if form.validate_on_submit():
        rep = own_rep(form.rep_id.data)
        meeting = cs.plan_meeting(current_user, rep, _to_utc(form.scheduled_at.data), form.duration_minutes.data)
        flash(_("The one-on-one is planned and its agenda is prepared."), "success")
        return _back(meeting)
    return render_template("coaching/new.html", form=form, has_reps=bool(form.rep_id.choices)), (
        400 if form.errors else 200
    )


# ---------------------------------------------------------------- the meeting


@bp.route("/<int:meeting_id>")
@login_required
def meeting(meeting_id: int):
    """The meeting's agenda in four parts, with editing, notes and action items."""
    meeting = own_meeting(meeting_id)
    lang = current_language()
    close_form = CloseForm()
    following = cs.next_planned(meeting)
    if not meeting.held and following is None:
        close_form.next_at.data = _to_local(cs.default_next_start(meeting))
    return render_template(
        "coaching/meeting.html",
        r=meeting_context(meeting, lang, include_private=True),
        meeting=meeting,
        following=following,
        new_item_form=NewItemForm(formdata=None),
        close_form=close_form,
        owners=OWNER_LABELS,
        lang=lang,
    )


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):
    """Change the date, time or duration of a one-on-one."""
    meeting = own_meeting(meeting_id)
    form = MeetingForm(obj=None if request.method == "POST" else meeting)
    form.rep_id.choices = [(meeting.rep_id, meeting.rep.name)]
    if request.method == "GET":
        form.rep_id.data = meeting.rep_id
        form.scheduled_at.data = _to_local(meeting.scheduled_at)
    if form.validate_on_submit():
        cs.reschedule(meeting, _to_utc(form.scheduled_at.data), form.duration_minutes.data)
        flash(_("Saved."), "success")
        return _back(meeting)
    return render_template("coaching/edit.html", form=form, meeting=meeting), (400 if form.errors else 200)


@bp.route("/<int:meeting_id>/delete", methods=["POST"])
@login_required
def delete(meeting_id: int):
    """Delete a planned one-on-one."""
    meeting = own_meeting(meeting_id)
    rep_id = meeting.rep_id
    if ButtonForm().validate_on_submit():
        try:
            cs.delete_meeting(meeting)
        except cs.CoachingError as exc:
            flash(_error(exc), "error")
            return _back(meeting)
        flash(_("The one-on-one is deleted."), "success")
    return redirect(url_for("coaching.rep_history", rep_id=rep_id))


@bp.route("/<int:meeting_id>/prepare", methods=["POST"])
@login_required
def prepare(meeting_id: int):
    """Prepare the agenda again from the current deals, analyses and plan; the manager's changes stay."""
    meeting = own_meeting(meeting_id)
    if ButtonForm().validate_on_submit():
        try:
            result = cs.generate_agenda(meeting)
        except cs.CoachingError as exc:
            flash(_error(exc), "error")
        else:
            flash(
                _(
                    "Agenda prepared again: %(added)d new, %(dropped)d no longer suggested.",
                    added=result.added,
                    dropped=result.dropped,
                ),
                "success",
            )
    return _back(meeting)


@bp.route("/<int:meeting_id>/close", methods=["POST"])
@login_required
def close(meeting_id: int):
    """Mark the one-on-one as held; its open actions move to the next one."""
    meeting = own_meeting(meeting_id)
    form = CloseForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _back(meeting, "close")
    next_at = _to_utc(form.next_at.data) if form.next_at.data else None
    try:
        following = cs.close_meeting(meeting, next_at)
    except cs.CoachingError as exc:
        db.session.rollback()
        flash(_error(exc), "error")
        return _back(meeting, "close")
    flash(_("The one-on-one is closed. Open actions are on the agenda of the next one."), "success")
    return redirect(url_for("coaching.meeting", meeting_id=following.id))


@bp.route("/<int:meeting_id>/notes", methods=["POST"])
@login_required
def meeting_notes(meeting_id: int):
    """Save the manager's own (private) notes on the meeting."""
    meeting = own_meeting(meeting_id)
    form = MeetingNotesForm()
    if form.validate_on_submit():
        cs.save_meeting_notes(meeting, form.notes.data)
        flash(_("Notes saved."), "success")
    else:
        _form_errors(form)
    return _back(meeting, "meeting-notes")


# ---------------------------------------------------------------- agenda items


@bp.route("/<int:meeting_id>/items", methods=["POST"])
@login_required
def add_item(meeting_id: int):
    """Add the manager's own item to a part of the agenda."""
    meeting = own_meeting(meeting_id)
    form = NewItemForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _back(meeting, "add-item")
    item = cs.add_item(meeting, form.part.data, form.title.data, form.body.data or "")
    flash(_("Item added."), "success")
    return _back(meeting, f"item-{item.id}")


@bp.route("/<int:meeting_id>/items/<int:item_id>/edit", methods=["POST"])
@login_required
def edit_item(meeting_id: int, item_id: int):
    """Change an item's title and text."""
    meeting = own_meeting(meeting_id)
    item = own_item(meeting, item_id)
    form = ItemForm()
    if not form.validate_on_submit():
        _form_errors(form)
    else:
        try:
            cs.edit_item(item, form.title.data, form.body.data or "")
        except cs.CoachingError as exc:
            flash(_error(exc), "error")
        else:
            flash(_("Item saved."), "success")
    return _back(meeting, f"item-{item.id}")


@bp.route("/<int:meeting_id>/items/<int:item_id>/notes", methods=["POST"])
@login_required
def item_notes(meeting_id: int, item_id: int):
    """Save an item's private and shared notes."""
    meeting = own_meeting(meeting_id)
    item = own_item(meeting, item_id)
    form = NotesForm()
    if form.validate_on_submit():
        cs.save_notes(item, form.private_note.data, form.shared_note.data)
        flash(_("Notes saved."), "success")
    else:
        _form_errors(form)
    return _back(meeting, f"item-{item.id}")


@bp.route("/<int:meeting_id>/items/<int:item_id>/move", methods=["POST"])
@login_required
def move_item(meeting_id: int, item_id: int):
    """Move an item up or down within its part."""
    meeting = own_meeting(meeting_id)
    item = own_item(meeting, item_id)
    direction = request.form.get("direction")
    if ButtonForm().validate_on_submit() and direction in ("up", "down"):
        cs.move_item(item, direction)
    return _back(meeting, f"item-{item.id}")


@bp.route("/<int:meeting_id>/items/<int:item_id>/remove", methods=["POST"])
@login_required
def remove_item(meeting_id: int, item_id: int):
    """Take an item off the agenda, or put a removed one back."""
    meeting = own_meeting(meeting_id)
    item = own_item(meeting, item_id)
    if ButtonForm().validate_on_submit():
        restore = request.form.get("restore") == "1"
        cs.remove_item(item, removed=not restore)
        flash(_("Item put back on the agenda.") if restore else _("Item removed from the agenda."), "success")
    return _back(meeting, f"item-{item.id}" if request.form.get("restore") == "1" else f"part-{item.part}")


# ---------------------------------------------------------------- action items


@bp.route("/<int:meeting_id>/actions", methods=["POST"])
@login_required
def add_action(meeting_id: int):
    """Record an action item agreed in this one-on-one."""
    meeting = own_meeting(meeting_id)
    form = ActionForm()
    if form.validate_on_submit():
        cs.add_action(meeting, form.description.data, form.owner.data, form.due_on.data)
        flash(_("Action added."), "success")
    else:
        _form_errors(form)
    return _back(meeting, "actions")


@bp.route("/<int:meeting_id>/actions/<int:action_id>/done", methods=["POST"])
@login_required
def action_done(meeting_id: int, action_id: int):
    """Tick an action item off, or open it again."""
    meeting = own_meeting(meeting_id)
    action = own_action(meeting, action_id)
    if ButtonForm().validate_on_submit():
        cs.set_action_done(action, request.form.get("done") == "1", meeting)
    anchor = "actions" if action.meeting_id == meeting.id else "part-1"
    return _back(meeting, anchor)


@bp.route("/<int:meeting_id>/actions/<int:action_id>/delete", methods=["POST"])
@login_required
def delete_action(meeting_id: int, action_id: int):
    """Delete an action item agreed in this one-on-one (a mistake, not a done action)."""
    meeting = own_meeting(meeting_id)
    action = own_action(meeting, action_id)
    if action.meeting_id != meeting.id:
        abort(404)
    if ButtonForm().validate_on_submit():
        cs.delete_action(action)
        flash(_("Action deleted."), "success")
    return _back(meeting, "actions")


# ---------------------------------------------------------------- print, PDF and calendar


def _print_language() -> str:
    lang = request.args.get("lang") or current_language()
    return lang if lang in supported() else current_language()


def _include_private() -> bool:
    return request.args.get("private") == "1"


def _file_stem(meeting: Meeting) -> str:
    rep = re.sub(r"[^a-z0-9]+", "-", meeting.rep.name.lower()).strip("-") or "rep"
    return f"one-on-one-{rep}-{meeting.scheduled_at:%Y-%m-%d}"


@bp.route("/<int:meeting_id>/print")
@login_required
def print_view(meeting_id: int):
    """Print-friendly agenda: the same template and data as the PDF."""
    meeting = own_meeting(meeting_id)
    return agenda_html(meeting, _print_language(), for_pdf=False, include_private=_include_private())


@bp.route("/<int:meeting_id>.pdf")
@login_required
def pdf(meeting_id: int):
    """The coaching plan and the full agenda as a PDF download."""
    meeting = own_meeting(meeting_id)
    lang = _print_language()
    data = agenda_pdf(meeting, lang, include_private=_include_private())
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="coachkit-{_file_stem(meeting)}-{lang}.pdf"'},
    )


@bp.route("/<int:meeting_id>.ics")
@login_required
def ics(meeting_id: int):
    """The one-on-one as a calendar event, with the agenda (no private notes) in its description."""
    meeting = own_meeting(meeting_id)
    text = build_ics(calendar_event(meeting, current_language()))
    return Response(
        text.encode("utf-8"),
        content_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_file_stem(meeting)}.ics"'},
    )


@bp.after_request
def no_shared_cache(response):
    if current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response
