"""One-on-one meetings: planning, the generated agenda, notes, action items and carry-over.

Each function takes rows, calls the pure rules in ``assessments.agenda`` where
there are any, changes the rows and commits. Timestamps are naive UTC.

Carry-over: an action item agreed in a meeting stays open until it is ticked
off. Every open action item from the rep's earlier meetings (earlier by
scheduled time) is an item of part 1 of a later meeting's agenda. Closing a
meeting marks it held and makes sure the rep has a next planned meeting (the
earliest later planned one, or a new one), whose agenda is then prepared.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import force_locale
from flask_babel import format_date
from flask_babel import format_percent
from flask_babel import gettext as _

from assessments import agenda
from assessments.deal_scoring import NOT_ANALYSED
from assessments.deal_scoring import DealScore
from coachkit import deal_services as ds
from coachkit import services
from coachkit.extensions import db
from coachkit.models import ActionItem
from coachkit.models import AgendaItem
from coachkit.models import Deal
from coachkit.models import Meeting
from coachkit.models import Rep
from coachkit.models import User
from coachkit.models import utcnow

ACTIONS, DEALS, DEVELOPMENT, FOCUS = 1, 2, 3, 4
PARTS = (ACTIONS, DEALS, DEVELOPMENT, FOCUS)
KIND_PART = {"action": ACTIONS, "deal": DEALS, "development": DEVELOPMENT, "focus": FOCUS}
DEFAULT_DURATION = 45
# A new next meeting is planned this many days after the one that is closed.
NEXT_MEETING_DAYS = 14
MAX_TITLE = 255
MAX_TEXT = 5000


class CoachingError(ValueError):
    """A one-on-one change that breaks a rule; the message is a key for the view to translate."""


# ---------------------------------------------------------------- meetings


def rep_meetings(rep: Rep) -> list[Meeting]:
    """The rep's meetings with their manager, latest first."""
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(Meeting.manager_id == rep.manager_id, Meeting.rep_id == rep.id)
            .order_by(Meeting.scheduled_at.desc(), Meeting.id.desc())
        )
    )


def plan_meeting(
    manager: User,
    rep: Rep,
    scheduled_at: datetime,
    duration_minutes: int = DEFAULT_DURATION,
    *,
    today: date | None = None,
) -> Meeting:
    """Plan a one-on-one with a rep of the manager's team and prepare its agenda.

    :raise CoachingError: ``unknown_rep`` when the rep is not in the manager's team.
    """
    if rep.manager_id != manager.id:
        raise CoachingError("unknown_rep")
    meeting = Meeting(
        manager_id=manager.id,
        rep_id=rep.id,
        scheduled_at=scheduled_at,
        duration_minutes=duration_minutes,
        status="planned",
        uid=f"{uuid.uuid4().hex}@coachkit",
        arranged_parts=[],
    )
    db.session.add(meeting)
    db.session.flush()
    generate_agenda(meeting, today=today)
    return meeting


def reschedule(meeting: Meeting, scheduled_at: datetime, duration_minutes: int) -> None:
    meeting.scheduled_at = scheduled_at
    meeting.duration_minutes = duration_minutes
    db.session.flush()
    # A new date can change which meetings come earlier, and so what part 1 carries.
    _sync_later_planned(meeting.manager_id, meeting.rep_id, None)
    db.session.commit()


def delete_meeting(meeting: Meeting) -> None:
    """Delete a planned meeting (with the action items agreed in it).

    :raise CoachingError: ``meeting_held`` for a meeting that took place: it is history.
    """
    if meeting.held:
        raise CoachingError("meeting_held")
    manager_id, rep_id = meeting.manager_id, meeting.rep_id
    db.session.delete(meeting)
    db.session.flush()
    _sync_later_planned(manager_id, rep_id, None)
    db.session.commit()


def next_planned(meeting: Meeting) -> Meeting | None:
    """The rep's earliest planned meeting after this one."""
    return db.session.scalar(
        sa.select(Meeting)
        .where(
            Meeting.manager_id == meeting.manager_id,
            Meeting.rep_id == meeting.rep_id,
            Meeting.status == "planned",
            Meeting.id != meeting.id,
            _after(meeting),
        )
        .order_by(Meeting.scheduled_at, Meeting.id)
        .limit(1)
    )


def _after(meeting: Meeting):
    return sa.or_(
        Meeting.scheduled_at > meeting.scheduled_at,
        sa.and_(Meeting.scheduled_at == meeting.scheduled_at, Meeting.id > meeting.id),
    )


def _before(meeting: Meeting):
    return sa.or_(
        Meeting.scheduled_at < meeting.scheduled_at,
        sa.and_(Meeting.scheduled_at == meeting.scheduled_at, Meeting.id < meeting.id),
    )


def default_next_start(meeting: Meeting, now: datetime | None = None) -> datetime:
    """Two weeks after the meeting (or after now, if that is later), at the meeting's time of day."""
    now = now or utcnow()
    base = max(meeting.scheduled_at, now)
    day = (base + timedelta(days=NEXT_MEETING_DAYS)).date()
    return datetime.combine(day, meeting.scheduled_at.time())


def close_meeting(
    meeting: Meeting,
    next_at: datetime | None = None,
    *,
    now: datetime | None = None,
    today: date | None = None,
) -> Meeting:
    """Mark a meeting as held and carry its open action items to the rep's next meeting.

    The next meeting is the earliest planned one after this meeting; when there
    is none, one is planned at ``next_at`` (default: :func:`default_next_start`).
    Its agenda is prepared (again), so part 1 lists every action item still open.

    :return: the next meeting.
    :raise CoachingError: ``meeting_held`` when the meeting was closed already.
    """
    if meeting.held:
        raise CoachingError("meeting_held")
    following = next_planned(meeting)
    start = None
    if following is None:
        start = next_at or default_next_start(meeting, now)
        if start <= meeting.scheduled_at:
            raise CoachingError("next_before_this")
    meeting.status = "held"
    meeting.closed_at = now or utcnow()
    db.session.flush()
    if following is None:
        following = plan_meeting(meeting.manager, meeting.rep, start, meeting.duration_minutes, today=today)
    else:
        generate_agenda(following, today=today)
    db.session.commit()
    return following


def save_meeting_notes(meeting: Meeting, notes: str | None) -> None:
    meeting.notes = (notes or "").strip() or None
    db.session.commit()


# ---------------------------------------------------------------- action items


def carried_actions(meeting: Meeting) -> list[ActionItem]:
    """Action items from the rep's earlier meetings that belong in part 1 of this one.

    That is every item still open, plus the items ticked off in this very meeting
    (they stay on its record, done).
    """
    return list(
        db.session.scalars(
            sa.select(ActionItem)
            .join(Meeting, ActionItem.meeting_id == Meeting.id)
            .where(
                Meeting.manager_id == meeting.manager_id,
                Meeting.rep_id == meeting.rep_id,
                Meeting.id != meeting.id,
                _before(meeting),
                sa.or_(ActionItem.done_at.is_(None), ActionItem.done_meeting_id == meeting.id),
            )
            .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.created_at, ActionItem.id)
        )
    )


def agreed_actions(meeting: Meeting) -> list[ActionItem]:
    """The action items agreed in this meeting."""
    return list(
        db.session.scalars(sa.select(ActionItem).where(ActionItem.meeting_id == meeting.id).order_by(ActionItem.id))
    )


def add_action(meeting: Meeting, description: str, owner: str, due_on: date | None) -> ActionItem:
    """Record an action item agreed in this meeting; it returns in later meetings until done.

    :raise CoachingError: ``bad_owner`` unless the owner is ``manager`` or ``rep``; ``empty`` for no text.
    """
    if owner not in ("manager", "rep"):
        raise CoachingError("bad_owner")
    description = (description or "").strip()
    if not description:
        raise CoachingError("empty")
    action = ActionItem(meeting_id=meeting.id, description=description[:MAX_TEXT], owner=owner, due_on=due_on)
    db.session.add(action)
    db.session.flush()
    _sync_later_planned(meeting.manager_id, meeting.rep_id, meeting)
    db.session.commit()
    return action


def set_action_done(action: ActionItem, done: bool, meeting: Meeting) -> None:
    """Tick an action item off (in ``meeting``) or open it again."""
    if done and action.done_at is None:
        action.done_at = utcnow()
        action.done_meeting_id = meeting.id
    elif not done:
        action.done_at = None
        action.done_meeting_id = None
    db.session.flush()
    _sync_later_planned(meeting.manager_id, meeting.rep_id, None)
    db.session.commit()


def delete_action(action: ActionItem) -> None:
    origin = action.meeting
    db.session.delete(action)
    db.session.flush()
    _sync_later_planned(origin.manager_id, origin.rep_id, None)
    db.session.commit()


def _sync_later_planned(manager_id: int, rep_id: int, origin: Meeting | None) -> None:
    """Bring part 1 of the rep's planned meetings up to date after an action item changed."""
    stmt = sa.select(Meeting).where(
        Meeting.manager_id == manager_id, Meeting.rep_id == rep_id, Meeting.status == "planned"
    )
    if origin is not None:
        stmt = stmt.where(Meeting.id != origin.id, _after(origin))
    for planned in db.session.scalars(stmt):
        if planned.agenda_generated_at is not None:
            _sync_actions(planned)


def _sync_actions(meeting: Meeting) -> None:
    _sync(meeting, _action_candidates(meeting), parts=(ACTIONS,))


# ---------------------------------------------------------------- the generated agenda


@dataclass
class Candidate:
    key: str
    kind: str
    title: str
    body: str = ""
    deal_id: int | None = None
    action_item_id: int | None = None
    reasons: list[str] | None = None

    @property
    def part(self) -> int:
        return KIND_PART[self.kind]


@dataclass
class SyncResult:
    added: int = 0
    refreshed: int = 0
    kept: int = 0
    dropped: int = 0
    keys: list[str] = field(default_factory=list)


def generate_agenda(meeting: Meeting, *, today: date | None = None) -> SyncResult:
    """Prepare (or prepare again) the meeting's agenda: the four parts from the current data.

    Matching on ``source_key``, regeneration keeps what the manager did: an edited
    item keeps its title and text, a removed item stays removed, a part the
    manager put in their own order keeps it (new items join at its end), and
    notes are never touched. A generated item that is no longer suggested is
    dropped unless the manager edited it or wrote a note on it.

    :raise CoachingError: ``meeting_held`` for a meeting that took place.
    """
    if meeting.held:
        raise CoachingError("meeting_held")
    today = today or ds.today()
    lang = meeting.manager.language or "en"
    scored = scored_deals(meeting.rep, today)
    with force_locale(lang):
        candidates = [
            *_action_candidates(meeting),
            *_deal_candidates(scored, today, lang),
            _development_candidate(scored, lang),
            *_focus_candidates(meeting.manager, lang),
        ]
    result = _sync(meeting, candidates, parts=PARTS)
    meeting.agenda_generated_at = utcnow()
    db.session.commit()
    return result


def _sync(meeting: Meeting, candidates: list[Candidate], parts: tuple[int, ...]) -> SyncResult:
    result = SyncResult(keys=[c.key for c in candidates])
    existing = {item.source_key: item for item in meeting.items if item.source_key}
    wanted = {c.key for c in candidates}
    arranged = set(meeting.arranged_parts or [])
    now = utcnow()
    for key, item in existing.items():
        if item.part in parts and key not in wanted:
            if item.edited or item.private_note or item.shared_note:
                result.kept += 1
            else:
                meeting.items.remove(item)
                result.dropped += 1
    for part in parts:
        in_part = [c for c in candidates if c.part == part]
        current = [i for i in meeting.items if i.part == part]
        for c in in_part:
            item = existing.get(c.key)
            if item is None:
                item = AgendaItem(
                    kind=c.kind, part=part, source_key=c.key, title="", body="", position=0, edited=False, removed=False
                )
                meeting.items.append(item)
                current.append(item)
                result.added += 1
            else:
                result.refreshed += 1
            item.deal_id, item.action_item_id, item.reasons = c.deal_id, c.action_item_id, c.reasons
            if not item.edited:
                item.title, item.body = c.title[:MAX_TITLE], c.body
                item.updated_at = now
        if part in arranged:
            # Keep the manager's order; items new to the part join at its end.
            old = [i for i in current if i.id is not None]
            new = [i for i in current if i.id is None]
            ordered = sorted(old, key=lambda i: (i.position, i.id)) + new
        else:
            # The rule's order, then kept items that are no longer suggested, then the manager's own.
            rank = {c.key: n for n, c in enumerate(in_part)}
            ordered = sorted(
                current,
                key=lambda i: (
                    0 if i.source_key in rank else (1 if i.source_key else 2),
                    rank.get(i.source_key, 0),
                    i.position,
                    i.id or 0,
                ),
            )
        for position, item in enumerate(ordered):
            item.position = position
    db.session.flush()
    return result


def _action_candidates(meeting: Meeting) -> list[Candidate]:
    return [
        Candidate(key=f"action:{a.id}", kind="action", title=a.description, action_item_id=a.id)
        for a in carried_actions(meeting)
    ]


def rep_open_deals(rep: Rep) -> list[Deal]:
    """The rep's open deals that are not archived, with their analyses loaded."""
    return list(
        db.session.scalars(
            sa.select(Deal)
            .where(
                Deal.manager_id == rep.manager_id,
                Deal.rep_id == rep.id,
                Deal.status == "open",
                Deal.archived.is_(False),
            )
            .options(so.selectinload(Deal.analyses))
            .order_by(Deal.id)
        )
    )


def _agenda_deal(deal: Deal, score: DealScore) -> agenda.AgendaDeal:
    analysis = ds.latest_analysis(deal)
    return agenda.AgendaDeal(
        deal_id=deal.id,
        value=deal.value,
        expected_close=deal.expected_close,
        flags=score.flags,
        answers=analysis.answers if analysis else None,
        status=deal.status,
        instrument=ds.instrument_for(analysis) if analysis else None,
    )


def scored_deals(rep: Rep, today: date) -> list[tuple[Deal, DealScore]]:
    return [(deal, ds.score_of(deal, today)) for deal in rep_open_deals(rep)]


def deal_title(deal: Deal) -> str:
    return f"{deal.title} – {deal.account}" if deal.account else deal.title


def _deal_candidates(scored: list[tuple[Deal, DealScore]], today: date, lang: str) -> list[Candidate]:
    by_id = {deal.id: deal for deal, _score in scored}
    picks = agenda.select_deals([_agenda_deal(d, s) for d, s in scored], today, ds.instrument_for())
    return [
        Candidate(
            key=f"deal:{pick.deal_id}",
            kind="deal",
            title=deal_title(by_id[pick.deal_id]),
            body="\n".join(question.get(lang) for _qid, question in pick.questions),
            deal_id=pick.deal_id,
            reasons=list(pick.reasons),
        )
        for pick in picks
    ]


def development_choice(scored: list[tuple[Deal, DealScore]]) -> agenda.TopicChoice:
    """The rep's development topic from the answers of their analysed open deals."""
    analyses = [ds.latest_analysis(deal).answers for deal, score in scored if NOT_ANALYSED not in score.flags]
    return agenda.development_topic(ds.instrument_for(), analyses)


def _development_candidate(scored: list[tuple[Deal, DealScore]], lang: str) -> Candidate:
    choice = development_choice(scored)
    lines = [choice.topic.text.get(lang)]
    if choice.heading is not None:
        heading = ds.instrument_for().group(choice.heading).title.get(lang)
        lines.append(
            _(
                "Open (no or unknown) under “%(heading)s”: %(share)s of the weight, over %(count)d analysed deals.",
                heading=heading,
                share=format_percent(choice.open_share or 0, format="#,##0%"),
                count=choice.analysed_deals,
            )
        )
    lines.append(_("Before the next one-on-one: %(practice)s", practice=choice.topic.practice.get(lang)))
    return Candidate(key="development", kind="development", title=choice.topic.title.get(lang), body="\n".join(lines))


def manager_focus(manager: User) -> agenda.CoachingFocus | None:
    """The manager's focus from their latest submitted assessment; None without one."""
    done = services.submitted_assessments(manager)
    if not done:
        return None
    latest = done[-1]
    instrument = services.instrument_of(latest)
    try:
        area = instrument.area(agenda.COACHING_AREA)
    except KeyError:
        area = None
    level = None
    for row in (latest.result or {}).get("areas", []):
        if row.get("area_id") == agenda.COACHING_AREA:
            level = row.get("level")
    goals = [
        agenda.PlanGoalInfo(
            goal_id=goal.id,
            area_id=goal.area_id,
            goal=goal.goal,
            open_actions=tuple(agenda.PlanStep(a.description, a.target_date) for a in goal.actions if not a.done),
            actions_total=len(goal.actions),
        )
        for goal in latest.plan_goals
    ]
    return agenda.coaching_focus(goals, area, level)


def _focus_candidates(manager: User, lang: str) -> list[Candidate]:
    focus = manager_focus(manager)
    if focus is None:
        return [
            Candidate(
                key="focus:assessment",
                kind="focus",
                title=_("Your own coaching focus"),
                body=_(
                    "Take the self-assessment and write a development plan: your goals and the suggestions "
                    "for your coaching style will then appear here."
                ),
            )
        ]
    instrument = services.instrument_of(services.submitted_assessments(manager)[-1])
    titles = {a.id: a.title.get(lang) for a in instrument.areas}
    items = []
    for goal in focus.goals:
        lines = [titles.get(goal.area_id, goal.area_id)]
        for step in goal.open_actions:
            when = f" ({format_date(step.target_date, 'medium')})" if step.target_date else ""
            lines.append(f"– {step.description}{when}")
        items.append(Candidate(key=f"focus:goal:{goal.goal_id}", kind="focus", title=goal.goal, body="\n".join(lines)))
    if focus.suggestions:
        level_name = next((b.name.get(lang) for b in instrument.levels if b.level == focus.level), "")
        items.append(
            Candidate(
                key="focus:coaching",
                kind="focus",
                title=_("Coaching style, level %(level)d (%(name)s)", level=focus.level, name=level_name),
                body="\n".join(f"– {s.get(lang)}" for s in focus.suggestions),
            )
        )
    return items


# ---------------------------------------------------------------- editing the agenda


def add_item(meeting: Meeting, part: int, title: str, body: str = "") -> AgendaItem:
    """Add the manager's own item at the end of a part.

    :raise CoachingError: ``bad_part`` for a part other than 1-4; ``empty`` without a title.
    """
    if part not in PARTS:
        raise CoachingError("bad_part")
    title = (title or "").strip()
    if not title:
        raise CoachingError("empty")
    position = max((i.position for i in meeting.items if i.part == part), default=-1) + 1
    item = AgendaItem(
        kind="custom",
        part=part,
        position=position,
        title=title[:MAX_TITLE],
        body=(body or "").strip(),
        edited=True,
        removed=False,
    )
    meeting.items.append(item)
    db.session.commit()
    return item


def edit_item(item: AgendaItem, title: str, body: str) -> None:
    """Change an item's title and text; regeneration keeps them from now on.

    :raise CoachingError: ``empty`` without a title; ``not_editable`` for an action item
        (its text is the action itself).
    """
    if item.kind == "action":
        raise CoachingError("not_editable")
    title = (title or "").strip()
    if not title:
        raise CoachingError("empty")
    item.title, item.body = title[:MAX_TITLE], (body or "").strip()
    item.edited = True
    item.updated_at = utcnow()
    db.session.commit()


def remove_item(item: AgendaItem, removed: bool = True) -> None:
    """Take an item off the agenda (or put it back); a removed generated item does not come back."""
    item.removed = removed
    item.updated_at = utcnow()
    if not removed:
        others = [i.position for i in item.meeting.items if i.part == item.part and i.id != item.id]
        item.position = max(others, default=-1) + 1
    db.session.commit()


def move_item(item: AgendaItem, direction: str) -> bool:
    """Swap an item with its neighbour above (``up``) or below (``down``) in its part.

    Removed items are skipped. The part counts as arranged by the manager from now on.

    :return: False when the item is already first or last.
    """
    if direction not in ("up", "down"):
        raise CoachingError("bad_direction")
    meeting = item.meeting
    ordered = sorted((i for i in meeting.items if i.part == item.part), key=lambda i: (i.position, i.id))
    for position, other in enumerate(ordered):
        other.position = position
    visible = [i for i in ordered if not i.removed]
    index = visible.index(item)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(visible):
        return False
    neighbour = visible[target]
    item.position, neighbour.position = neighbour.position, item.position
    meeting.arranged_parts = sorted({*(meeting.arranged_parts or []), item.part})
    db.session.commit()
    return True


def save_notes(item: AgendaItem, private_note: str | None, shared_note: str | None) -> None:
    """Store an item's notes: the private one is for the manager only, the shared one is printed."""
    item.private_note = (private_note or "").strip() or None
    item.shared_note = (shared_note or "").strip() or None
    item.updated_at = utcnow()
    db.session.commit()


# ---------------------------------------------------------------- team overview


@dataclass(frozen=True)
class RepOverview:
    rep: Rep
    last_held: datetime | None
    next_planned: Meeting | None
    open_actions: int


def team_overview(manager: User) -> list[RepOverview]:
    """Per rep of the team: the last held one-on-one, the next planned one, open action items.

    Inactive reps are listed only when they have meetings. Three queries, whatever the team size.
    """
    reps = ds.team(manager)
    last_held = dict(
        db.session.execute(
            sa.select(Meeting.rep_id, sa.func.max(Meeting.scheduled_at))
            .where(Meeting.manager_id == manager.id, Meeting.status == "held")
            .group_by(Meeting.rep_id)
        ).all()
    )
    planned: dict[int, Meeting] = {}
    for meeting in db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.manager_id == manager.id, Meeting.status == "planned")
        .order_by(Meeting.scheduled_at.desc(), Meeting.id.desc())
    ):
        planned[meeting.rep_id] = meeting  # the earliest one wins, as it comes last
    open_counts = dict(
        db.session.execute(
            sa.select(Meeting.rep_id, sa.func.count(ActionItem.id))
            .join(ActionItem, ActionItem.meeting_id == Meeting.id)
            .where(Meeting.manager_id == manager.id, ActionItem.done_at.is_(None))
            .group_by(Meeting.rep_id)
        ).all()
    )
    rows = []
    for rep in reps:
        has_meetings = rep.id in last_held or rep.id in planned
        if not rep.active and not has_meetings:
            continue
        rows.append(RepOverview(rep, last_held.get(rep.id), planned.get(rep.id), open_counts.get(rep.id, 0)))
    return rows
