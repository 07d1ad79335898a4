"""Demo trainer sessions: a group that took the self-assessment twice, rated by the demo trainer.

Loaded by ``flask --app wsgi demo``; safe to run more than once (a session that exists
is left as it is). The two demo managers take part with the assessments they already
have, so their results page shows the trainer's view next to their own.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import sqlalchemy as sa

from coachkit import cohort_services
from coachkit import services
from coachkit.extensions import db
from coachkit.models import Cohort
from coachkit.models import CohortMember
from coachkit.models import User
from coachkit.models import utcnow

TRAINER_EMAIL = "trainer@demo.coachkit"
MANAGER_EMAILS = ("manager@demo.coachkit", "manager.en@demo.coachkit")
SESSION_NAMES = ("Coachend leidinggeven, groep A: startdag", "Coachend leidinggeven, groep A: terugkomdag")
# Days before today on which the two sessions were held (the demo managers' assessments match).
SESSION_AGES = (180, 7)

# Name and keyed answer level per area (people, pipeline, accounts, coaching) at the first
# session; each rises by the growth at the second. Demo participants cannot log in.
PARTICIPANTS = (
    ("Lotte Janssens", (3, 4, 2, 2), (1, 0, 1, 1)),
    ("Bram de Groot", (2, 3, 3, 2), (1, 1, 0, 1)),
    ("Fatima El Amrani", (4, 3, 3, 3), (0, 1, 1, 1)),
    ("Koen Willems", (2, 2, 2, 1), (1, 1, 1, 2)),
    ("Eva Maes", (3, 3, 4, 3), (1, 0, 0, 1)),
    ("Thomas Bakker", (3, 4, 3, 2), (0, 0, 1, 1)),
    ("Sofie Claes", (4, 4, 3, 3), (0, 1, 1, 1)),
    ("Ruben Visser", (2, 3, 2, 2), (2, 1, 1, 1)),
    ("Iris van Dijk", (3, 2, 3, 4), (1, 2, 0, 0)),
    ("Daan Mulder", (3, 3, 2, 2), (0, 1, 1, 2)),
    ("Youssef Bouzid", (2, 4, 3, 3), (1, 0, 1, 1)),
    ("Mirte de Wit", (4, 3, 4, 2), (0, 1, 0, 2)),
)
AREA_IDS = ("people", "pipeline", "accounts", "coaching")
# How the trainer sees a participant compared with their own view, per area: coaching
# is often seen lower than people think (blind spot), account work higher (hidden strength).
OBSERVER_SHIFTS = (
    {"coaching": -1},
    {"accounts": 1},
    {"coaching": -1, "people": -1},
    {},
    {"pipeline": 1},
    {"coaching": -1},
    {"accounts": 1, "coaching": -1},
    {},
)


def _participant_email(n: int) -> str:
    return f"deelnemer{n:02d}@demo.coachkit"


def _ensure_participant(n: int, name: str) -> User:
    email = _participant_email(n)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, role="manager", language="nl", password_hash=None)
        db.session.add(user)
        db.session.commit()
    return user


def _profile(levels: tuple[int, ...]) -> dict[str, int]:
    return {area: max(1, min(5, level)) for area, level in zip(AREA_IDS, levels, strict=True)}


def _submitted(user: User, profile: dict[str, int], variation: int, on: date):
    from coachkit.demo import demo_answers

    assessment = services.start_assessment(user)
    services.save_answers(assessment, demo_answers(profile, variation))
    services.submit_assessment(assessment)
    moment = datetime.combine(on, time(11, 30))
    assessment.started_at = moment - timedelta(minutes=25)
    assessment.submitted_at = assessment.updated_at = moment
    db.session.commit()
    return assessment


def _member(cohort: Cohort, user: User, assessment_id: int, joined: datetime) -> CohortMember:
    member = CohortMember(cohort_id=cohort.id, user_id=user.id, assessment_id=assessment_id, joined_at=joined)
    db.session.add(member)
    db.session.commit()
    return member


def _rate(member: CohortMember, profile: dict[str, int], shift: dict[str, int], variation: int, marked: bool) -> None:
    """The trainer's ratings: the participant's own pattern, shifted per area.

    With ``marked`` two statements differ by two steps: one rated lower by the trainer
    (a blind spot) and one rated higher (a hidden strength).
    """
    from coachkit.demo import demo_answers

    seen = {area: max(1, min(5, level + shift.get(area, 0))) for area, level in profile.items()}
    answers = demo_answers(seen, variation)
    if marked:
        instrument = cohort_services.instrument_of(member.cohort)
        for statement, delta in (
            (instrument.area("coaching").statements[0], -2),
            (instrument.area("accounts").statements[2], 2),
        ):
            keyed = 6 - answers[statement.id] if statement.reverse else answers[statement.id]
            keyed = max(1, min(5, keyed + delta))
            answers[statement.id] = 6 - keyed if statement.reverse else keyed
    cohort_services.save_observer_answers(member, answers)


def ensure_demo_sessions() -> None:
    """Two finished sessions of the demo trainer with 14 participants, observer ratings released."""
    trainer = db.session.scalar(sa.select(User).where(User.email == TRAINER_EMAIL))
    if trainer is None:
        return
    existing = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Cohort)
        .where(Cohort.trainer_id == trainer.id, Cohort.name.in_(SESSION_NAMES))
    )
    if existing:
        return
    today = date.today()
    days = [today - timedelta(days=age) for age in SESSION_AGES]
    cohorts = [
        cohort_services.create_cohort(trainer, name, day, "nl") for name, day in zip(SESSION_NAMES, days, strict=True)
    ]

    for n, (name, start, growth) in enumerate(PARTICIPANTS, start=1):
        user = _ensure_participant(n, name)
        if services.submitted_assessments(user):
            continue
        profiles = [_profile(start), _profile(tuple(a + b for a, b in zip(start, growth, strict=True)))]
        for k, (cohort, profile, day) in enumerate(zip(cohorts, profiles, days, strict=True)):
            assessment = _submitted(user, profile, n + k, day)
            member = _member(cohort, user, assessment.id, datetime.combine(day, time(9, 5 + n)))
            _rate(member, profile, OBSERVER_SHIFTS[n % len(OBSERVER_SHIFTS)], n + k, marked=n % 3 == 0)

    from coachkit.demo import DEMO_PROFILES

    for n, email in enumerate(MANAGER_EMAILS):
        user = db.session.scalar(sa.select(User).where(User.email == email))
        done = services.submitted_assessments(user) if user is not None else []
        if len(done) != len(DEMO_PROFILES) or len(done) != len(cohorts):
            continue
        # The demo managers' two assessments were answered with DEMO_PROFILES[k], pattern k.
        for k, (cohort, assessment, day) in enumerate(zip(cohorts, done, days, strict=True)):
            member = _member(cohort, user, assessment.id, datetime.combine(day, time(9, 2 + n)))
            _rate(member, DEMO_PROFILES[k], {"coaching": -1, "accounts": 1}, k, marked=True)

    for cohort in cohorts:
        cohort.joining_open = False
        cohort.released_at = utcnow()
    db.session.commit()
