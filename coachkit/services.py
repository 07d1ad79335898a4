"""Write operations: each turns rows into domain inputs, calls the domain, persists and commits."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import sqlalchemy as sa

from assessments.instruments import Instrument
from assessments.instruments import get_instrument
from assessments.maturity import AssessmentResult
from assessments.maturity import score_assessment
from assessments.maturity import validate_answers
from coachkit.extensions import db
from coachkit.models import Answer
from coachkit.models import Assessment
from coachkit.models import PlanAction
from coachkit.models import PlanGoal
from coachkit.models import User
from coachkit.models import utcnow

DEFAULT_INSTRUMENT = "sales-manager-competencies"
MAX_PLAN_AREAS = 3


class PlanError(ValueError):
    """A development-plan change that breaks a rule (for example a fourth priority area)."""


def instrument_of(assessment: Assessment) -> Instrument:
    return get_instrument(assessment.instrument_name, assessment.instrument_version)


def open_assessment(user: User, instrument_name: str = DEFAULT_INSTRUMENT) -> Assessment | None:
    return db.session.scalar(
        sa.select(Assessment).where(
            Assessment.user_id == user.id,
            Assessment.instrument_name == instrument_name,
            Assessment.status == "in_progress",
        )
    )


def start_assessment(user: User, instrument_name: str = DEFAULT_INSTRUMENT) -> Assessment:
    """Return the user's open answer set, or start one on the newest instrument version.

    A double click or a second tab never creates a second open answer set: the
    ``open_key`` unique constraint rejects it and the existing one is returned.
    """
    existing = open_assessment(user, instrument_name)
    if existing is not None:
        return existing
    instrument = get_instrument(instrument_name)
    assessment = Assessment(
        user_id=user.id,
        instrument_name=instrument.name,
        instrument_version=instrument.version,
        open_key=user.id,
    )
    db.session.add(assessment)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        existing = open_assessment(user, instrument_name)
        if existing is None:
            raise
        return existing
    return assessment


def save_answers(assessment: Assessment, answers: dict[str, int]) -> None:
    """Store answers of one page; answers not posted are left as they are.

    Upserting per statement means two tabs on different pages never wipe each
    other's answers, and a blank field never deletes a saved answer.

    :raise AnswerError: for unknown statement ids or values outside 1..5.
    """
    if assessment.submitted:
        raise ValueError("answers of a submitted assessment are locked")
    validate_answers(instrument_of(assessment), answers)
    upsert_ratings(
        Answer, Answer.assessment_id, assessment.id, answers, lambda now: setattr(assessment, "updated_at", now)
    )


def upsert_ratings(model, owner_column, owner_id: int, answers: dict[str, int], touch) -> None:
    """Insert or update one row per statement for one owner, then commit.

    Shared by self-assessment answers and observer ratings: both are rows of
    ``(owner, statement_id, value, updated_at)`` with one row per statement.

    :param model: the row class (with ``statement_id``, ``value``, ``updated_at``).
    :param owner_column: the column that ties a row to its owner.
    :param touch: called with the save time, to stamp the owner.
    """
    if not answers:
        return
    for attempt in range(2):
        existing = {
            row.statement_id: row
            for row in db.session.scalars(
                sa.select(model).where(owner_column == owner_id, model.statement_id.in_(list(answers)))
            )
        }
        now = utcnow()
        for statement_id, value in answers.items():
            row = existing.get(statement_id)
            if row is None:
                fields = {owner_column.key: owner_id, "statement_id": statement_id, "value": value, "updated_at": now}
                db.session.add(model(**fields))
            elif row.value != value:
                row.value = value
                row.updated_at = now
        touch(now)
        try:
            db.session.commit()
            return
        except sa.exc.IntegrityError:
            # The same page saved from another tab a moment ago: retry as an update.
            db.session.rollback()
            if attempt:
                raise


def result_of(assessment: Assessment) -> AssessmentResult:
    return score_assessment(instrument_of(assessment), assessment.answer_map())


def submit_assessment(assessment: Assessment) -> bool:
    """Lock the answers and store the scores.

    The status change is a conditional UPDATE, so a double submit or a resubmit
    after the back button stores one result and reports ``False`` the second time.
    """
    result = result_of(assessment)
    done = db.session.execute(
        sa.update(Assessment)
        .where(Assessment.id == assessment.id, Assessment.status == "in_progress")
        .values(
            status="submitted",
            open_key=None,
            submitted_at=utcnow(),
            result=result_to_json(result),
        )
    )
    db.session.commit()
    db.session.refresh(assessment)
    return done.rowcount == 1


def result_to_json(result: AssessmentResult) -> dict:
    data = asdict(result)
    data["areas"] = [dict(a) for a in data["areas"]]
    return data


def submitted_assessments(user: User) -> list[Assessment]:
    return list(
        db.session.scalars(
            sa.select(Assessment)
            .where(Assessment.user_id == user.id, Assessment.status == "submitted")
            .order_by(Assessment.submitted_at, Assessment.id)
        )
    )


def plan_areas(assessment: Assessment) -> list[str]:
    seen: list[str] = []
    for goal in assessment.plan_goals:
        if goal.area_id not in seen:
            seen.append(goal.area_id)
    return seen


def add_goal(assessment: Assessment, area_id: str, goal: str, action: str | None, target: date | None) -> PlanGoal:
    """Add a development goal (and optionally its first action) to a submitted assessment's plan.

    :raise PlanError: when the area is unknown or it would be a fourth priority area.
    """
    instrument = instrument_of(assessment)
    if area_id not in {a.id for a in instrument.areas}:
        raise PlanError("unknown_area")
    areas = plan_areas(assessment)
    if area_id not in areas and len(areas) >= MAX_PLAN_AREAS:
        raise PlanError("too_many_areas")
    row = PlanGoal(assessment=assessment, area_id=area_id, goal=goal, position=len(assessment.plan_goals))
    if action:
        row.actions.append(PlanAction(description=action, target_date=target))
    db.session.add(row)
    db.session.commit()
    return row


def update_goal(goal: PlanGoal, area_id: str, text: str) -> None:
    assessment = goal.assessment
    instrument = instrument_of(assessment)
    if area_id not in {a.id for a in instrument.areas}:
        raise PlanError("unknown_area")
    others = {g.area_id for g in assessment.plan_goals if g.id != goal.id}
    if area_id not in others and len(others) >= MAX_PLAN_AREAS:
        raise PlanError("too_many_areas")
    goal.area_id = area_id
    goal.goal = text
    db.session.commit()


def delete_goal(goal: PlanGoal) -> None:
    db.session.delete(goal)
    db.session.commit()


def add_action(goal: PlanGoal, description: str, target: date | None) -> PlanAction:
    action = PlanAction(goal=goal, description=description, target_date=target)
    db.session.add(action)
    db.session.commit()
    return action


def update_action(action: PlanAction, description: str, target: date | None, done: bool) -> None:
    action.description = description
    action.target_date = target
    action.done = done
    db.session.commit()


def delete_action(action: PlanAction) -> None:
    db.session.delete(action)
    db.session.commit()
