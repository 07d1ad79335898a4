"""Trainer-session figures: a session of 200 participants built through the services, not HTTP.

Every participant joins, answers all statements, submits, and is rated by the trainer, so
the cohort view has the most to show: 200 scored self-assessments, 200 observer ratings,
a heat map of 200 × 48 cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench import Env
    from bench import Operation

PARTICIPANTS = 200
PASSWORD = "bench trainer 42"


@dataclass(frozen=True)
class BenchSession:
    client: object  # the trainer's logged-in test client
    cohort_id: int


def _answers(instrument, i: int, observer: bool = False) -> dict[str, int]:
    statements = [s for area in instrument.areas for s in area.statements]
    shift = 1 if observer else 0
    return {s.id: 1 + (3 * i + 2 * j + shift + (j * j) % 7) % 5 for j, s in enumerate(statements)}


def large_session(env: Env) -> BenchSession:
    """The trainer, the session and its 200 participants (built once, shared by the figures)."""
    key = ("cohort", PARTICIPANTS)
    if key in env.shared:
        return env.shared[key]
    from coachkit import cohort_services
    from coachkit import services
    from coachkit.extensions import db
    from coachkit.models import User
    from coachkit.passwords import hash_password

    with env.app.app_context():
        trainer = User(
            email="bench-trainer@example.com",
            name="Bench Trainer",
            role="trainer",
            language="en",
            password_hash=hash_password(PASSWORD),
        )
        people = [
            User(
                email=f"bench-participant-{i:03d}@example.com",
                name=f"Participant {i:03d}",
                role="manager",
                language="en",
            )
            for i in range(PARTICIPANTS)
        ]
        db.session.add_all([trainer, *people])
        db.session.commit()
        cohort = cohort_services.create_cohort(trainer, "Bench group of 200", date(2026, 3, 2), "en")
        instrument = cohort_services.instrument_of(cohort)
        for i, user in enumerate(people):
            member = cohort_services.join(cohort, user)
            services.save_answers(member.assessment, _answers(instrument, i))
            services.submit_assessment(member.assessment)
            cohort_services.save_observer_answers(member, _answers(instrument, i, observer=True))
        cohort_id = cohort.id
        db.session.remove()
    client = env.app.test_client()
    response = client.post("/auth/login", data={"email": "bench-trainer@example.com", "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"bench login failed with HTTP {response.status_code}")
    env.shared[key] = BenchSession(client, cohort_id)
    return env.shared[key]


def _get(client, url: str, expect: bytes) -> Operation:
    def operation() -> None:
        response = client.get(url)
        if response.status_code != 200 or expect not in response.data:
            raise RuntimeError(f"{url} answered HTTP {response.status_code} without {expect!r}")

    return operation


def cohort_view(env: Env) -> Operation:
    """Server time of the cohort view (group results) of a session with 200 participants."""
    session = large_session(env)
    return _get(session.client, f"/sessions/{session.cohort_id}/results", b"200 participants, 200 submitted")


def cohort_progress(env: Env) -> Operation:
    """Server time of one poll of the progress board (JSON) with 200 participants."""
    session = large_session(env)
    return _get(session.client, f"/sessions/{session.cohort_id}/progress.json", b'"total":200')
