from __future__ import annotations

from datetime import date, datetime, timezone

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from coachkit.extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


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

    assessments: so.WriteOnlyMapped[Assessment] = so.relationship(back_populates="user")

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
    assessment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey(Assessment.id, ondelete="CASCADE"), index=True
    )
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
