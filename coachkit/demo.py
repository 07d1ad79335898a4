"""Demo accounts and data; safe to load more than once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from decimal import Decimal

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
    has_any = db.session.scalar(sa.select(sa.func.count()).select_from(Assessment).where(Assessment.user_id == user.id))
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
            (
                "Ik stel in elk één-op-één eerst vragen voordat ik advies geef.",
                "Elke week één gesprek opnemen en terugluisteren hoe vaak ik zelf het antwoord geef",
                30,
            ),
            (
                "Elke verkoper heeft een persoonlijk ontwikkelplan dat we samen bijhouden.",
                "Met elke verkoper één ontwikkeldoel voor dit kwartaal afspreken",
                60,
            ),
        ],
        "en": [
            (
                "In every one-on-one I ask questions before I give advice.",
                "Record one conversation a week and count how often I give the answer myself",
                30,
            ),
            (
                "Every rep has a personal development plan that we keep up together.",
                "Agree one development goal for this quarter with each rep",
                60,
            ),
        ],
    }[user.language if user.language in ("nl", "en") else "en"]
    for area_id, (goal, action, days) in zip(priorities * 2, texts, strict=False):
        services.add_goal(latest, area_id, goal, action, today + timedelta(days=days))


def load_demo() -> list[DemoLogin]:
    for login in DEMO_LOGINS:
        user = ensure_user(login)
        if login.role == "manager":
            ensure_assessments(user)
            ensure_pipeline(user)
            ensure_one_on_one(user)
    from coachkit.cohort_demo import ensure_demo_sessions

    ensure_demo_sessions()
    return list(DEMO_LOGINS)


# ---------------------------------------------------------------- demo team and pipeline

DEMO_REPS = ("Daan Jansen", "Emma Peeters", "Lotte Bakker", "Noah Willems")

# (title, account, rep index, value, stage, days until expected close, answer profile, slips, status)
DEMO_DEALS = (
    ("Fleet renewal 2027", "Van Dijk Logistiek", 0, "48000", "Proposal", 25, "strong", 0, "open"),
    ("Service contract north", "Hollander Bouw", 0, "18500", "Negotiation", 40, "needs_help", 0, "open"),
    ("Warehouse scanners", "Brouwer & Zn", 1, "9200", "Qualification", 60, "walk_away", 0, "open"),
    ("Pilot data platform", "Meijer Retail", 1, "27000", "Proposal", 35, "late", 2, "open"),
    ("Expansion Antwerp", "De Smet Industrie", 2, "64000", "Negotiation", -12, "strong", 1, "open"),
    ("Training package", "Claes Consult", 2, "6400", "Discovery", 75, None, 0, "open"),
    ("Replacement printers", "Visser Zorg", 3, "12800", "Proposal", 20, "needs_help", 0, "open"),
    ("Multi-year licence", "Mertens Groep", 3, "88000", "Qualification", None, "unknowns", 0, "open"),
    ("Spare parts Q3", "Van Dijk Logistiek", 0, "15600", "Won", -40, "strong", 0, "won"),
    ("Consultancy block", "Brouwer & Zn", 1, "7800", "Lost", -30, "walk_away", 1, "lost"),
)


def _demo_answers(instrument, profile: str) -> dict[str, str]:
    answers: dict[str, str] = {}
    for i, q in enumerate(instrument.questions):
        if profile == "strong":
            answers[q.id] = "yes"
        elif profile == "needs_help":
            answers[q.id] = "yes" if q.is_timing or i % 2 == 0 else "unknown"
        elif profile == "walk_away":
            answers[q.id] = "no" if q.knockout and q.group == "win" else "yes"
        elif profile == "late":
            answers[q.id] = "no" if q.is_timing else "yes"
        elif profile == "unknowns":
            answers[q.id] = "yes" if q.knockout else "unknown"
    if profile == "walk_away" and "no" not in answers.values():
        first_knockout = next(q for q in instrument.questions if q.knockout)
        answers[first_knockout.id] = "no"
    return answers


def ensure_pipeline(user: User) -> None:
    from coachkit import deal_services as ds
    from coachkit.models import Deal

    if db.session.scalar(sa.select(sa.func.count()).select_from(Deal).where(Deal.manager_id == user.id)):
        return
    reps = [ds.find_rep(user, name) or ds.add_rep(user, name) for name in DEMO_REPS]
    instrument = ds.instrument_for()
    today = date.today()
    for n, (title, account, rep, value, stage, days, profile, slips, status) in enumerate(DEMO_DEALS, start=1):
        first_close = None if days is None else today + timedelta(days=days - 21 * slips)
        deal = ds.create_deal(
            user,
            external_id=f"DEMO-{n:03d}",
            title=title,
            account=account,
            rep_id=reps[rep].id,
            value=Decimal(value),
            currency="EUR",
            stage=stage,
            created_on=today - timedelta(days=90),
            expected_close=first_close,
        )
        for slip in range(slips):
            ds.update_deal(deal, expected_close=first_close + timedelta(days=21 * (slip + 1)))
        if profile:
            ds.analyse_deal(deal, _demo_answers(instrument, profile), {}, user)
        if status != "open":
            ds.close_deal(deal, status, today + timedelta(days=days))


# ---------------------------------------------------------------- demo one-on-one

# (text, owner, due in days from today, done in the held meeting)
DEMO_ACTIONS = {
    "nl": (
        ("Bij Hollander Bouw navragen wie het budget voor het servicecontract goedkeurt", "rep", 5, False),
        ("Samen het bezoek aan Van Dijk Logistiek voorbereiden: wie beslist er mee?", "manager", 2, False),
        ("De offerte voor Spare parts Q3 laten valideren", "rep", -7, True),
    ),
    "en": (
        ("Ask Hollander Bouw who approves the budget for the service contract", "rep", 5, False),
        ("Prepare the visit to Van Dijk Logistiek together: who else decides?", "manager", 2, False),
        ("Have the quote for Spare parts Q3 validated", "rep", -7, True),
    ),
}
DEMO_NOTES = {
    "nl": (
        "Daan wil eerst zelf de beslisser spreken; ik ga alleen mee als hij dat vraagt.",
        "Daan twijfelt of het budget dit jaar nog vrijkomt.",
    ),
    "en": (
        "Daan wants to meet the decision maker himself first; I only join if he asks.",
        "Daan doubts the budget will be released this year.",
    ),
}


def ensure_one_on_one(user: User) -> None:
    """A held one-on-one with the first demo rep, with open actions carried to the next, planned one."""
    from datetime import datetime
    from datetime import time

    from coachkit import coaching_services as cs
    from coachkit import deal_services as ds
    from coachkit.models import Meeting

    if db.session.scalar(sa.select(sa.func.count()).select_from(Meeting).where(Meeting.manager_id == user.id)):
        return
    rep = ds.find_rep(user, DEMO_REPS[0])
    if rep is None:
        return
    lang = user.language if user.language in DEMO_ACTIONS else "en"
    today = date.today()
    held_at = datetime.combine(today - timedelta(days=14), time(8, 30))
    meeting = cs.plan_meeting(user, rep, held_at)
    deal_items = [item for item in meeting.items if item.kind == "deal"]
    if deal_items:
        shared, private = DEMO_NOTES[lang]
        cs.save_notes(deal_items[0], private, shared)
    for text, owner, days, done in DEMO_ACTIONS[lang]:
        action = cs.add_action(meeting, text, owner, today + timedelta(days=days))
        if done:
            cs.set_action_done(action, True, meeting)
    cs.close_meeting(
        meeting, datetime.combine(today + timedelta(days=3), time(8, 30)), now=held_at + timedelta(minutes=45)
    )
