from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from coachkit.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


ROLES = ("manager", "trainer", "admin")


class User(UserMixin, db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True, index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    role: so.Mapped[str] = so.mapped_column(sa.String(16), default="manager")
    language: so.Mapped[str] = so.mapped_column(sa.String(5), default="en")
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # Only a hash of the one-time reset token is stored; the link itself is shown once.
    reset_token_hash: so.Mapped[str | None] = so.mapped_column(sa.String(128))
    reset_expires_at: so.Mapped[datetime | None]
    organisation_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("organisation.id"), index=True)
    # Currency of the manager's pipeline and forecast (ISO 4217).
    currency: so.Mapped[str] = so.mapped_column(sa.String(3), default="EUR", server_default="EUR")
    # Raised on every change to the user's deals: cached pipeline summaries keyed on it go stale.
    pipeline_version: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    # Part of the login session's id: raising it (new password, deactivation) ends every session.
    session_version: so.Mapped[int] = so.mapped_column(default=0, server_default="0")

    assessments: so.WriteOnlyMapped[Assessment] = so.relationship(back_populates="user")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version or 0}"

    def end_sessions(self) -> None:
        """Log this user out everywhere (their session ids stop matching)."""
        self.session_version = (self.session_version or 0) + 1

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_trainer(self) -> bool:
        return self.role in ("trainer", "admin")

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Organisation(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(160), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class Assessment(db.Model):
    """One answer set of a self-assessment, tied to the instrument version it started with."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id), index=True)
    instrument_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    instrument_version: so.Mapped[int]
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="in_progress")
    # Set to the user id while in progress and cleared on submit, so a unique
    # constraint allows only one open answer set per user and instrument.
    open_key: so.Mapped[int | None]
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    submitted_at: so.Mapped[datetime | None]
    # Scores and levels computed at submit time (see assessments.maturity).
    result: so.Mapped[dict | None] = so.mapped_column(sa.JSON)

    user: so.Mapped[User] = so.relationship(back_populates="assessments")
    answers: so.Mapped[list[Answer]] = so.relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="Answer.id"
    )
    plan_goals: so.Mapped[list[PlanGoal]] = so.relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="PlanGoal.position"
    )

    __table_args__ = (sa.UniqueConstraint("open_key", "instrument_name", name="uq_assessment_open"),)

    @property
    def submitted(self) -> bool:
        return self.status == "submitted"

    def answer_map(self) -> dict[str, int]:
        return {a.statement_id: a.value for a in self.answers}


class Answer(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    assessment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Assessment.id, ondelete="CASCADE"))
    statement_id: so.Mapped[str] = so.mapped_column(sa.String(40))
    value: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    assessment: so.Mapped[Assessment] = so.relationship(back_populates="answers")

    __table_args__ = (
        sa.UniqueConstraint("assessment_id", "statement_id", name="uq_answer_statement"),
        sa.CheckConstraint("value BETWEEN 1 AND 5", name="value_range"),
    )


class PlanGoal(db.Model):
    """A development-plan goal for one priority area of a submitted assessment."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    assessment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Assessment.id, ondelete="CASCADE"), index=True)
    area_id: so.Mapped[str] = so.mapped_column(sa.String(40))
    position: so.Mapped[int] = so.mapped_column(default=0)
    goal: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    assessment: so.Mapped[Assessment] = so.relationship(back_populates="plan_goals")
    actions: so.Mapped[list[PlanAction]] = so.relationship(
        back_populates="goal", cascade="all, delete-orphan", order_by="PlanAction.id"
    )


class PlanAction(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    goal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(PlanGoal.id, ondelete="CASCADE"), index=True)
    description: so.Mapped[str] = so.mapped_column(sa.Text)
    target_date: so.Mapped[date | None]
    done: so.Mapped[bool] = so.mapped_column(default=False)

    goal: so.Mapped[PlanGoal] = so.relationship(back_populates="actions")


# ---------------------------------------------------------------- deal analysis


class Rep(db.Model):
    """A sales rep in a manager's team."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    manager_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    # Lower-cased, single-spaced name: reps in import files are matched on it.
    name_key: so.Mapped[str] = so.mapped_column(sa.String(120))
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    manager: so.Mapped[User] = so.relationship()

    __table_args__ = (sa.UniqueConstraint("manager_id", "name_key", name="uq_rep_manager_name"),)


class Deal(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    manager_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id))
    rep_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(Rep.id), index=True)
    external_id: so.Mapped[str] = so.mapped_column(sa.String(120))
    title: so.Mapped[str] = so.mapped_column(sa.String(255))
    account: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    value: so.Mapped[Decimal | None] = so.mapped_column(sa.Numeric(16, 2))
    currency: so.Mapped[str] = so.mapped_column(sa.String(3), default="EUR")
    stage: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    status: so.Mapped[str] = so.mapped_column(sa.String(8), default="open")
    created_on: so.Mapped[date | None]
    expected_close: so.Mapped[date | None]
    # expected_close with blanks as the last possible day: the pipeline's default
    # order (blank dates last) then runs on an index on every database.
    close_key: so.Mapped[date] = so.mapped_column(default=date.max)
    closed_on: so.Mapped[date | None]
    notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    archived: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # Number of times the expected close date moved later (see CloseDateChange).
    slips: so.Mapped[int] = so.mapped_column(default=0)
    # KPIs of the latest analysis, kept on the deal so the pipeline can filter and sort in SQL.
    analysed_at: so.Mapped[datetime | None]
    qualification: so.Mapped[float | None]
    chance_to_win: so.Mapped[float | None]
    reliability: so.Mapped[float | None]
    timing: so.Mapped[float | None]
    flag_needs_help: so.Mapped[bool] = so.mapped_column(default=False)
    flag_walk_away: so.Mapped[bool] = so.mapped_column(default=False)
    flag_timing_risk: so.Mapped[bool] = so.mapped_column(default=False)
    # The last KPIs when the deal was closed as won or lost: forecast accuracy over time.
    final_kpis: so.Mapped[dict | None] = so.mapped_column(sa.JSON)

    manager: so.Mapped[User] = so.relationship()
    rep: so.Mapped[Rep | None] = so.relationship()
    analyses: so.Mapped[list[DealAnalysis]] = so.relationship(
        back_populates="deal", cascade="all, delete-orphan", order_by="DealAnalysis.id"
    )
    close_date_changes: so.Mapped[list[CloseDateChange]] = so.relationship(
        back_populates="deal", cascade="all, delete-orphan", order_by="CloseDateChange.id"
    )

    __table_args__ = (
        sa.UniqueConstraint("manager_id", "external_id", name="uq_deal_manager_external"),
        sa.Index("ix_deal_pipeline", "manager_id", "archived", "status", "close_key"),
    )


@sa.event.listens_for(Deal, "before_insert")
@sa.event.listens_for(Deal, "before_update")
def _set_close_key(_mapper, _connection, deal: Deal) -> None:
    deal.close_key = deal.expected_close or date.max


class CloseDateChange(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    deal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Deal.id, ondelete="CASCADE"), index=True)
    old_date: so.Mapped[date | None]
    new_date: so.Mapped[date | None]
    changed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    source: so.Mapped[str] = so.mapped_column(sa.String(16), default="edit")

    deal: so.Mapped[Deal] = so.relationship(back_populates="close_date_changes")

    @property
    def is_slip(self) -> bool:
        return self.old_date is not None and (self.new_date is None or self.new_date > self.old_date)


class DealAnalysis(db.Model):
    """A dated snapshot of a deal's analysis answers and the KPIs they gave."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    deal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Deal.id, ondelete="CASCADE"), index=True)
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(User.id))
    instrument_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    instrument_version: so.Mapped[int]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    answers: so.Mapped[dict] = so.mapped_column(sa.JSON)
    notes: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    qualification: so.Mapped[float]
    chance_to_win: so.Mapped[float]
    reliability: so.Mapped[float]
    timing: so.Mapped[float]
    flags: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)

    deal: so.Mapped[Deal] = so.relationship(back_populates="analyses")


class ImportUpload(db.Model):
    """An uploaded deal file kept between the preview and the apply step."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    manager_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id), index=True)
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    applied_at: so.Mapped[datetime | None]
    # The column choice and match key used when the file was applied; reused for
    # later files with the same headers.
    headers: so.Mapped[list | None] = so.mapped_column(sa.JSON)
    mapping: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    match_key: so.Mapped[str | None] = so.mapped_column(sa.String(40))


# ---- trainer sessions


class Cohort(db.Model):
    """A trainer's assessment session for a group of managers, joined with a code."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    trainer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(160))
    held_on: so.Mapped[date]
    instrument_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    instrument_version: so.Mapped[int]
    # Language of the session's reports and exports.
    language: so.Mapped[str] = so.mapped_column(sa.String(5), default="nl")
    join_code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    joining_open: so.Mapped[bool] = so.mapped_column(default=True)
    # Participants see the trainer's observer ratings from this moment on.
    released_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    trainer: so.Mapped[User] = so.relationship()


class CohortMember(db.Model):
    """A manager in a session; after leaving (``left_at``) the trainer no longer sees them."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cohort_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Cohort.id, ondelete="CASCADE"), index=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id), index=True)
    # The participant's own self-assessment for this session: a normal answer set of theirs.
    assessment_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey(Assessment.id, ondelete="SET NULL"), index=True
    )
    joined_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    left_at: so.Mapped[datetime | None]
    observer_updated_at: so.Mapped[datetime | None]

    cohort: so.Mapped[Cohort] = so.relationship()
    user: so.Mapped[User] = so.relationship()
    assessment: so.Mapped[Assessment | None] = so.relationship()

    __table_args__ = (sa.UniqueConstraint("cohort_id", "user_id", name="uq_cohort_member_user"),)

    @property
    def active(self) -> bool:
        return self.left_at is None


class ObserverAnswer(db.Model):
    """The trainer's rating of one statement (in observer wording) for one participant."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    member_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(CohortMember.id, ondelete="CASCADE"))
    statement_id: so.Mapped[str] = so.mapped_column(sa.String(40))
    value: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("member_id", "statement_id", name="uq_observer_answer_statement"),
        sa.CheckConstraint("value BETWEEN 1 AND 5", name="value_range"),
    )


# ---- one-on-one meetings

MEETING_STATUSES = ("planned", "held")
AGENDA_KINDS = ("action", "deal", "development", "focus", "custom")
ACTION_OWNERS = ("manager", "rep")


class Meeting(db.Model):
    """A one-on-one of a manager with one rep of their team, and its agenda."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Indexed through ix_meeting_manager_rep_scheduled (manager first).
    manager_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id))
    rep_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Rep.id), index=True)
    # Start of the meeting in UTC (naive, like every timestamp here).
    scheduled_at: so.Mapped[datetime]
    duration_minutes: so.Mapped[int] = so.mapped_column(default=45)
    status: so.Mapped[str] = so.mapped_column(sa.String(8), default="planned")
    closed_at: so.Mapped[datetime | None]
    # The manager's own notes on the meeting as a whole: private, never printed by default.
    notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # iCalendar UID: the same event every time the meeting is downloaded.
    uid: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    agenda_generated_at: so.Mapped[datetime | None]
    # Parts (1-4) the manager has put in an order of their own: regeneration keeps that order.
    arranged_parts: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    manager: so.Mapped[User] = so.relationship()
    rep: so.Mapped[Rep] = so.relationship()
    items: so.Mapped[list[AgendaItem]] = so.relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="(AgendaItem.part, AgendaItem.position, AgendaItem.id)",
    )

    __table_args__ = (
        sa.Index("ix_meeting_manager_rep_scheduled", "manager_id", "rep_id", "scheduled_at"),
        sa.CheckConstraint("status IN ('planned', 'held')", name="status_known"),
    )

    @property
    def held(self) -> bool:
        return self.status == "held"


class ActionItem(db.Model):
    """Something agreed in a one-on-one; open items return in the rep's next meetings until done."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # The meeting in which it was agreed.
    meeting_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Meeting.id, ondelete="CASCADE"), index=True)
    description: so.Mapped[str] = so.mapped_column(sa.Text)
    owner: so.Mapped[str] = so.mapped_column(sa.String(8), default="rep")
    due_on: so.Mapped[date | None]
    done_at: so.Mapped[datetime | None]
    # The meeting on whose page it was ticked off (it stays visible there, done).
    done_meeting_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey(Meeting.id, ondelete="SET NULL"), index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    meeting: so.Mapped[Meeting] = so.relationship(foreign_keys=[meeting_id])

    __table_args__ = (sa.CheckConstraint("owner IN ('manager', 'rep')", name="owner_known"),)

    @property
    def done(self) -> bool:
        return self.done_at is not None


class AgendaItem(db.Model):
    """One point of a meeting's agenda, generated (``source_key`` set) or added by the manager."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    meeting_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(Meeting.id, ondelete="CASCADE"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(12))
    # 1 open actions, 2 deals, 3 development topic, 4 the manager's focus.
    part: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    position: so.Mapped[int] = so.mapped_column(default=0)
    title: so.Mapped[str] = so.mapped_column(sa.String(255))
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    deal_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey(Deal.id, ondelete="SET NULL"), index=True)
    action_item_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey(ActionItem.id, ondelete="CASCADE"), index=True
    )
    # What generated the item ("deal:42", "action:7", "development", ...); regeneration matches on it.
    source_key: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    # Reason codes of a deal item (see assessments.agenda.REASONS).
    reasons: so.Mapped[list | None] = so.mapped_column(sa.JSON)
    # Set when the manager changed the title or text: regeneration keeps them.
    edited: so.Mapped[bool] = so.mapped_column(default=False)
    # Set when the manager took the item off the agenda: regeneration does not bring it back.
    removed: so.Mapped[bool] = so.mapped_column(default=False)
    # Only the manager sees a private note; a shared note is for the rep too and is printed.
    private_note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    shared_note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    meeting: so.Mapped[Meeting] = so.relationship(back_populates="items")
    deal: so.Mapped[Deal | None] = so.relationship()
    action_item: so.Mapped[ActionItem | None] = so.relationship()

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "source_key", name="uq_agenda_item_source"),
        sa.CheckConstraint("part BETWEEN 1 AND 4", name="part_range"),
    )
