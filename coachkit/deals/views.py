"""Plain-data contexts for the deal pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from assessments import deal_scoring
from assessments.forecast import ForecastDeal
from assessments.forecast import build_forecast
from assessments.forecast import win_rate_by_chance
from coachkit import deal_services as ds
from coachkit.deals.labels import ANSWER_LABELS
from coachkit.deals.labels import FACT_LABELS
from coachkit.extensions import db
from coachkit.models import Deal
from coachkit.models import Rep
from coachkit.models import User
from coachkit.pipeline import timing_expr


def deal_context(deal: Deal, lang: str) -> dict:
    instrument = ds.instrument_for()
    score = ds.score_of(deal)
    questions = {q.id: q for q in instrument.questions}

    def label(question_id: str) -> str:
        if question_id in questions:
            return questions[question_id].text.get(lang)
        return str(FACT_LABELS.get(question_id.split("=")[0], question_id))

    explanations = {}
    for kpi, explanation in score.explanations.items():
        explanations[kpi] = {
            "raised": [
                {
                    "label": label(c.question_id),
                    "answer": str(ANSWER_LABELS.get(c.answer, c.answer)),
                    "effect": c.effect,
                }
                for c in explanation.raised
            ],
            "lowered": [
                {
                    "label": label(c.question_id),
                    "answer": str(ANSWER_LABELS.get(c.answer, c.answer)),
                    "effect": c.effect,
                }
                for c in explanation.lowered
            ],
        }
    latest = ds.latest_analysis(deal)
    coaching = []
    if latest is not None:
        coaching = [
            {"question": questions[qid].text.get(lang), "coaching": text.get(lang), "knockout": questions[qid].knockout}
            for qid, text in deal_scoring.coaching_questions(instrument, latest.answers)
        ]
    analysed = deal_scoring.NOT_ANALYSED not in score.flags
    return {
        "deal": deal,
        "instrument": instrument,
        "lang": lang,
        "score": score,
        "analysed": analysed,
        "flags": list(score.flags),
        "explanations": explanations,
        "history": list(reversed(deal.analyses)),
        "close_changes": list(reversed(deal.close_date_changes)),
        "coaching": coaching,
        "groups": [*instrument.groups, instrument.timing],
    }


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def forecast_context(manager: User, granularity: str, today: date) -> dict:
    """Forecast for the last two quarters and the next four, plus the win rate by chance to win."""
    start = _quarter_start(today)
    start = date(start.year - 1, start.month + 6, 1) if start.month <= 6 else date(start.year, start.month - 6, 1)
    end = date(today.year + 1, today.month, 1)
    timing_now = timing_expr(today)
    rows = db.session.execute(
        sa.select(
            Rep.name,
            Deal.value,
            Deal.currency,
            Deal.status,
            Deal.expected_close,
            Deal.closed_on,
            Deal.chance_to_win,
            timing_now,
            Deal.reliability,
            Deal.flag_walk_away,
        )
        .outerjoin(Rep, Deal.rep_id == Rep.id)
        .where(
            Deal.manager_id == manager.id,
            Deal.archived.is_(False),
            sa.or_(
                Deal.status == "open",
                sa.and_(Deal.status == "won", Deal.closed_on >= start),
            ),
        )
    )
    deals = [
        ForecastDeal(
            rep=name or "—",
            value=Decimal(value) if value is not None else Decimal(0),
            currency=currency,
            status=status,
            expected_close=expected,
            closed_on=closed,
            chance_to_win=w,
            timing=t,
            reliability=r,
            walk_away=bool(walk),
        )
        for name, value, currency, status, expected, closed, w, t, r, walk in rows
    ]
    forecast = build_forecast(deals, granularity, currency=manager.currency, start=start, end=end)
    closed = db.session.execute(
        sa.select(Deal.status, Deal.final_kpis).where(
            Deal.manager_id == manager.id, Deal.status.in_(("won", "lost")), Deal.final_kpis.is_not(None)
        )
    )
    history = [((kpis or {}).get("chance_to_win"), status == "won") for status, kpis in closed]
    reps = sorted({rep for p in forecast.periods for rep in p.reps})
    return {
        "forecast": forecast,
        "granularity": granularity,
        "reps": reps,
        "currency": manager.currency,
        "calibration": win_rate_by_chance(history),
        "today": today,
    }
