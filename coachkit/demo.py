"""Demo accounts and data; safe to load more than once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta

import sqlalchemy as sa

from assessments.instruments import get_instrument
from coachkit import passwords
from coachkit import services
from coachkit.extensions import db
from coachkit.models import Assessment
from coachkit.models import User
from coachkit.models import utcnow


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    name: str
    language: str


DEMO_LOGINS = (
    DemoLogin("manager", "manager@demo.coachkit", "demo-manager", "Sanne de Vries", "nl"),
    DemoLogin("manager", "manager.en@demo.coachkit", "demo-manager", "Alex Morgan", "en"),
    DemoLogin("trainer", "trainer@demo.coachkit", "demo-trainer", "Jeroen Peeters", "nl"),
    DemoLogin("admin", "admin@demo.coachkit", "demo-admin", "Admin CoachKit", "en"),
)

# Answer levels per area for the demo manager's two assessments: a clear profile
# with strengths (pipeline) and priorities (coaching), and growth between the two.
DEMO_PROFILES = (
    {"people": 3, "pipeline": 3, "accounts": 2, "coaching": 2},
    {"people": 4, "pipeline": 4, "accounts": 3, "coaching": 2},
)


def ensure_user(login: DemoLogin) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == login.email))
    if user is None:
        user = User(email=login.email, name=login.name, role=login.role, language=login.language)
        db.session.add(user)
    user.password_hash = passwords.hash_password(login.password)
    user.active = True
    user.role = login.role
    db.session.commit()
    return user


def demo_answers(profile: dict[str, int], variation: int) -> dict[str, int]:
    """Answers that land each area near the profile's level; reverse items answered consistently."""
    instrument = get_instrument(services.DEFAULT_INSTRUMENT)
    answers = {}
    for area in instrument.areas:
        base = profile.get(area.id, 3)
        for i, statement in enumerate(area.statements):
            wobble = ((i + variation) % 3) - 1
            value = max(1, min(5, base + wobble))
            answers[statement.id] = 6 - value if statement.reverse else value
    return answers


def ensure_assessments(user: User) -> None:
    has_any = db.session.scalar(
        sa.select(sa.func.count()).select_from(Assessment).where(Assessment.user_id == user.id)
    )
    if has_any:
        return
    today = date.today()
    for n, profile in enumerate(DEMO_PROFILES):
        assessment = services.start_assessment(user)
        services.save_answers(assessment, demo_answers(profile, n))
        services.submit_assessment(assessment)
        assessment.started_at = assessment.submitted_at = utcnow() - timedelta(days=180 * (len(DEMO_PROFILES) - 1 - n))
        db.session.commit()
    latest = services.submitted_assessments(user)[-1]
    priorities = list((latest.result or {}).get("priorities") or ["coaching"])
    texts = {
        "nl": [
            ("Ik stel in elk één-op-één eerst vragen voordat ik advies geef.",
             "Elke week één gesprek opnemen en terugluisteren hoe vaak ik zelf het antwoord geef", 30),
            ("Elke verkoper heeft een persoonlijk ontwikkelplan dat we samen bijhouden.",
             "Met elke verkoper één ontwikkeldoel voor dit kwartaal afspreken", 60),
        ],
        "en": [
            ("In every one-on-one I ask questions before I give advice.",
             "Record one conversation a week and count how often I give the answer myself", 30),
            ("Every rep has a personal development plan that we keep up together.",
             "Agree one development goal for this quarter with each rep", 60),
        ],
    }[user.language if user.language in ("nl", "en") else "en"]
    for area_id, (goal, action, days) in zip(priorities * 2, texts):
        services.add_goal(latest, area_id, goal, action, today + timedelta(days=days))


def load_demo() -> list[DemoLogin]:
    for login in DEMO_LOGINS:
        user = ensure_user(login)
        if login.role == "manager":
            ensure_assessments(user)
    return list(DEMO_LOGINS)
