"""Trainer sessions (cohorts): create, join, leave, progress, observer ratings and the group's data.

Every function that returns participants returns only the ones who joined and have not
left: a trainer sees the participants of a session who joined, and a participant who
leaves (``CohortMember.left_at``) disappears from every trainer view, export and report.
Whether the session is the trainer's own is checked by the blueprint before calling these.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from assessments.comparison import Comparison
from assessments.comparison import compare
from assessments.instruments import Instrument
from assessments.instruments import get_instrument
from assessments.maturity import AreaScore
from assessments.maturity import AssessmentResult
from assessments.maturity import score_assessment
from assessments.maturity import validate_answers
from coachkit import services
from coachkit.extensions import db
from coachkit.models import Answer
from coachkit.models import Assessment
from coachkit.models import Cohort
from coachkit.models import CohortMember
from coachkit.models import ObserverAnswer
from coachkit.models import User
from coachkit.models import utcnow

# No 0/O or 1/I: the code is read off a projector and typed on a phone.
JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
SUBMITTED = "submitted"


class CohortError(ValueError):
    """A join that breaks a rule: ``joining_closed`` or ``own_session``."""


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_code(raw: str | None) -> str:
    """Upper case without spaces or dashes, so "abc 123" and "ABC-123" find the same session."""
    return "".join(ch for ch in (raw or "").upper() if ch not in " -\t")


def instrument_of(cohort: Cohort) -> Instrument:
    return get_instrument(cohort.instrument_name, cohort.instrument_version)


def create_cohort(
    trainer: User, name: str, held_on: date, language: str, instrument_name: str = services.DEFAULT_INSTRUMENT
) -> Cohort:
    """Create a session on the newest version of the instrument, open for joining.

    :raise LookupError: when the instrument does not exist.
    """
    instrument = get_instrument(instrument_name)
    for attempt in range(5):
        cohort = Cohort(
            trainer_id=trainer.id,
            name=name,
            held_on=held_on,
            language=language,
            instrument_name=instrument.name,
            instrument_version=instrument.version,
            join_code=new_join_code(),
        )
        db.session.add(cohort)
        try:
            db.session.commit()
            return cohort
        except sa.exc.IntegrityError:
            # Another session drew the same code: draw again.
            db.session.rollback()
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def cohort_by_code(code: str | None) -> Cohort | None:
    code = normalise_code(code)
    if not code:
        return None
    return db.session.scalar(sa.select(Cohort).where(Cohort.join_code == code))


def trainer_cohorts(trainer: User) -> list[Cohort]:
    return list(
        db.session.scalars(
            sa.select(Cohort).where(Cohort.trainer_id == trainer.id).order_by(Cohort.held_on.desc(), Cohort.id.desc())
        )
    )


def active_counts(cohort_ids: list[int]) -> dict[int, int]:
    """Number of participants (joined, not left) per session."""
    if not cohort_ids:
        return {}
    rows = db.session.execute(
        sa.select(CohortMember.cohort_id, sa.func.count())
        .where(CohortMember.cohort_id.in_(cohort_ids), CohortMember.left_at.is_(None))
        .group_by(CohortMember.cohort_id)
    )
    return dict(rows.all())


def joined_memberships(user: User) -> list[CohortMember]:
    """The sessions a user takes part in (not the ones they left), newest first."""
    return list(
        db.session.scalars(
            sa.select(CohortMember)
            .join(Cohort)
            .where(CohortMember.user_id == user.id, CohortMember.left_at.is_(None))
            .options(so.joinedload(CohortMember.cohort).joinedload(Cohort.trainer))
            .order_by(Cohort.held_on.desc(), Cohort.id.desc())
        )
    )


def membership_of(cohort: Cohort, user: User) -> CohortMember | None:
    return db.session.scalar(
        sa.select(CohortMember).where(CohortMember.cohort_id == cohort.id, CohortMember.user_id == user.id)
    )


def set_joining(cohort: Cohort, open_: bool) -> None:
    cohort.joining_open = open_
    db.session.commit()


def set_released(cohort: Cohort, released: bool) -> None:
    """Show the observer ratings to the participants, or take them back."""
    cohort.released_at = utcnow() if released else None
    db.session.commit()


def join(cohort: Cohort, user: User) -> CohortMember:
    """Add ``user`` to the session and link their self-assessment for it.

    The self-assessment is the user's open answer set on the session's instrument, or a
    new one: a normal assessment of theirs, with its own pages, results and report.
    Joining twice returns the same membership; joining again after leaving restores it.

    :raise CohortError: ``joining_closed`` when the trainer closed joining (a current
        member is let through), ``own_session`` for the session's own trainer.
    """
    if cohort.trainer_id == user.id:
        raise CohortError("own_session")
    member = membership_of(cohort, user)
    if member is not None and member.active:
        return member
    if not cohort.joining_open:
        raise CohortError("joining_closed")
    assessment = member.assessment if member is not None else None
    if assessment is None:
        assessment = services.start_assessment(user, cohort.instrument_name)
    if member is None:
        member = CohortMember(cohort_id=cohort.id, user_id=user.id)
        db.session.add(member)
    member.assessment_id = assessment.id
    member.left_at = None
    member.joined_at = utcnow()
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # A double click joined a moment ago.
        db.session.rollback()
        member = membership_of(cohort, user)
        if member is None:
            raise
    return member


def leave(member: CohortMember) -> None:
    """Leave a session: from now on the trainer sees nothing of this participant.

    The self-assessment stays the participant's own; the trainer's ratings are kept
    but hidden, and come back only if the participant joins again.
    """
    member.left_at = utcnow()
    db.session.commit()


# ---------------------------------------------------------------- progress


@dataclass(frozen=True)
class Progress:
    member_id: int
    name: str
    email: str
    joined_at: datetime
    state: str
    page: int | None
    pages: int
    answered: int
    total: int
    rated: int


def _active_rows(cohort: Cohort):
    rows = db.session.execute(
        sa.select(CohortMember, User, Assessment)
        .join(User, User.id == CohortMember.user_id)
        .outerjoin(Assessment, Assessment.id == CohortMember.assessment_id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.left_at.is_(None))
    ).all()
    # Sorted here, not in SQL: SQLite and PostgreSQL collations order names differently.
    return sorted(rows, key=lambda row: (row[1].name.casefold(), row[1].id))


def _values_by_owner(table: sa.Table, owner: sa.Column, owner_ids: list[int]) -> dict[int, dict[str, int]]:
    """``{owner id: {statement id: value}}`` for answer-like rows (self answers or observer ratings)."""
    found: dict[int, dict[str, int]] = {i: {} for i in owner_ids}
    if owner_ids:
        query = sa.select(owner, table.c.statement_id, table.c.value).where(owner.in_(owner_ids))
        # A Core query on the session's connection: half the time of an ORM query for 10,000 rows.
        for owner_id, statement_id, value in db.session.connection().execute(query):
            found[owner_id][statement_id] = value
    return found


def _answered(assessment_ids: list[int]) -> dict[int, dict[str, int]]:
    return _values_by_owner(Answer.__table__, Answer.__table__.c.assessment_id, assessment_ids)


def _observed(member_ids: list[int]) -> dict[int, dict[str, int]]:
    return _values_by_owner(ObserverAnswer.__table__, ObserverAnswer.__table__.c.member_id, member_ids)


def first_open_page(instrument: Instrument, answered) -> int | None:
    """The first page (area) with an unanswered statement, 1-based; None when all are answered."""
    for number, area in enumerate(instrument.areas, start=1):
        if any(s.id not in answered for s in area.statements):
            return number
    return None


def state_of(assessment: Assessment | None, answered: int) -> str:
    if assessment is not None and assessment.submitted:
        return SUBMITTED
    return IN_PROGRESS if answered else NOT_STARTED


def progress(cohort: Cohort) -> list[Progress]:
    """Each participant's place in the self-assessment: not started, page n of m, or submitted.

    "Page n" is the first page with an open statement; a participant who answered every
    page but has not submitted yet is on the last page (the review).
    """
    rows = _active_rows(cohort)
    # A submitted answer set is complete: only the open ones are read answer by answer.
    answers = _answered([a.id for _, _, a in rows if a is not None and not a.submitted])
    counts = (
        dict(
            db.session.execute(
                sa.select(ObserverAnswer.member_id, sa.func.count())
                .where(ObserverAnswer.member_id.in_([m.id for m, _, _ in rows]))
                .group_by(ObserverAnswer.member_id)
            ).all()
        )
        if rows
        else {}
    )
    result = []
    for member, user, assessment in rows:
        instrument = services.instrument_of(assessment) if assessment is not None else instrument_of(cohort)
        total = len(instrument.statement_ids)
        given = answers.get(assessment.id, {}) if assessment is not None else {}
        state = state_of(assessment, len(given))
        answered = total if state == SUBMITTED else len(given)
        page = None
        if state == IN_PROGRESS:
            page = first_open_page(instrument, given) or len(instrument.areas)
        result.append(
            Progress(
                member_id=member.id,
                name=user.name,
                email=user.email,
                joined_at=member.joined_at,
                state=state,
                page=page,
                pages=len(instrument.areas),
                answered=answered,
                total=total,
                rated=counts.get(member.id, 0),
            )
        )
    return result


# ---------------------------------------------------------------- observer ratings


def active_member(cohort: Cohort, member_id: int) -> CohortMember | None:
    member = db.session.get(CohortMember, member_id)
    if member is None or member.cohort_id != cohort.id or not member.active:
        return None
    return member


def observer_answers(member: CohortMember) -> dict[str, int]:
    return _observed([member.id])[member.id]


def save_observer_answers(member: CohortMember, answers: dict[str, int]) -> None:
    """Store the trainer's ratings of one page; ratings not posted are left as they are.

    :raise AnswerError: for unknown statement ids or values outside 1..5.
    """
    validate_answers(instrument_of(member.cohort), answers)
    services.upsert_ratings(
        ObserverAnswer,
        ObserverAnswer.member_id,
        member.id,
        answers,
        lambda now: setattr(member, "observer_updated_at", now),
    )


# ---------------------------------------------------------------- the group's data


@dataclass(frozen=True)
class Participant:
    """One participant's data as the trainer may see it.

    Self data (``answers``, ``result``) is there only once the self-assessment is
    submitted: answers in progress are a draft and stay private.
    """

    member_id: int
    user_id: int
    name: str
    email: str
    joined_at: datetime
    state: str
    submitted_at: datetime | None
    answers: dict[str, int]
    observer: dict[str, int]
    result: AssessmentResult | None
    observer_result: AssessmentResult | None
    comparison: Comparison | None


def participants(cohort: Cohort) -> list[Participant]:
    """Everyone in the session (joined, not left) with answers, results and comparisons, by name."""
    instrument = instrument_of(cohort)
    rows = _active_rows(cohort)
    submitted_ids = [a.id for _, _, a in rows if a is not None and a.submitted]
    answers = _answered(submitted_ids)
    started = _started([a.id for _, _, a in rows if a is not None and not a.submitted])
    observed = _observed([m.id for m, _, _ in rows])
    result = []
    for member, user, assessment in rows:
        submitted = assessment is not None and assessment.submitted
        own = answers.get(assessment.id, {}) if submitted else {}
        seen = observed.get(member.id, {})
        own_result = stored_result(assessment, own) if submitted else None
        seen_result = score_assessment(instrument, seen) if seen else None
        if submitted:
            state = SUBMITTED
        else:
            state = IN_PROGRESS if assessment is not None and assessment.id in started else NOT_STARTED
        result.append(
            Participant(
                member_id=member.id,
                user_id=user.id,
                name=user.name,
                email=user.email,
                joined_at=member.joined_at,
                state=state,
                submitted_at=assessment.submitted_at if submitted else None,
                answers=own,
                observer=seen,
                result=own_result,
                observer_result=seen_result,
                comparison=compare(instrument, own, seen, self_result=own_result, observer_result=seen_result)
                if own and seen
                else None,
            )
        )
    return result


def stored_result(assessment: Assessment, answers: dict[str, int]) -> AssessmentResult:
    """The scores saved at submit time; scored afresh only when they are missing or from another instrument."""
    data = assessment.result
    if data and data.get("instrument_name") == assessment.instrument_name and data.get("areas"):
        try:
            return AssessmentResult(
                instrument_name=data["instrument_name"],
                instrument_version=data["instrument_version"],
                areas=tuple(AreaScore(**area) for area in data["areas"]),
                overall_level=data["overall_level"],
                strengths=tuple(data["strengths"]),
                priorities=tuple(data["priorities"]),
                top_items=tuple(data["top_items"]),
                bottom_items=tuple(data["bottom_items"]),
            )
        except (KeyError, TypeError):
            pass
    return score_assessment(services.instrument_of(assessment), answers)


def _started(assessment_ids: list[int]) -> set[int]:
    """Which of these answer sets have at least one answer."""
    if not assessment_ids:
        return set()
    return set(
        db.session.scalars(sa.select(Answer.assessment_id).where(Answer.assessment_id.in_(assessment_ids)).distinct())
    )


def comparable_cohorts(cohort: Cohort) -> list[Cohort]:
    """The trainer's other sessions on the same instrument: candidates for a before/after comparison."""
    return list(
        db.session.scalars(
            sa.select(Cohort)
            .where(
                Cohort.trainer_id == cohort.trainer_id,
                Cohort.instrument_name == cohort.instrument_name,
                Cohort.id != cohort.id,
            )
            .order_by(Cohort.held_on, Cohort.id)
        )
    )


def released_membership(assessment: Assessment) -> CohortMember | None:
    """The session whose released observer ratings belong with this self-assessment, if any."""
    return db.session.scalar(
        sa.select(CohortMember)
        .join(Cohort)
        .where(
            CohortMember.assessment_id == assessment.id,
            CohortMember.user_id == assessment.user_id,
            CohortMember.left_at.is_(None),
            Cohort.released_at.is_not(None),
            sa.exists().where(ObserverAnswer.member_id == CohortMember.id),
        )
        .order_by(Cohort.held_on.desc(), Cohort.id.desc())
        .limit(1)
    )
