"""Plain-data contexts for result pages and reports: no ORM objects reach a template that prints."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from assessments.instruments import Instrument
from assessments.maturity import score_assessment
from coachkit.charts import Series
from coachkit.charts import radar_svg
from coachkit.models import Assessment
from coachkit.services import instrument_of
from coachkit.services import submitted_assessments

CURRENT_COLOR = "#1d5fa8"
PREVIOUS_COLOR = "#b5651d"


def _level_name(instrument: Instrument, level: int | None, lang: str) -> str:
    if level is None:
        return ""
    for band in instrument.levels:
        if band.level == level:
            return band.name.get(lang)
    return ""


def development_context(assessment: Assessment, lang: str) -> dict:
    """Everything the results page and the development report show, as plain data.

    :param assessment: a submitted assessment of the report's owner.
    :param lang: ``"nl"`` or ``"en"``.
    """
    with force_locale(lang):
        return _development_context(assessment, lang)


def _development_context(assessment: Assessment, lang: str) -> dict:
    instrument = instrument_of(assessment)
    answers = assessment.answer_map()
    result = score_assessment(instrument, answers)
    scores = {a.area_id: a for a in result.areas}
    scale = {p.value: p.label.get(lang) for p in instrument.scale}
    statements = {s.id: s for area in instrument.areas for s in area.statements}

    history = [a for a in submitted_assessments(assessment.user) if a.id != assessment.id]
    history = [
        a for a in history if a.submitted_at and assessment.submitted_at and a.submitted_at < assessment.submitted_at
    ]
    previous = history[-1] if history else None
    previous_scores: dict[str, float | None] = {}
    if previous is not None and previous.result:
        previous_scores = {a["area_id"]: a["score"] for a in previous.result["areas"]}

    areas = []
    for area in instrument.areas:
        score = scores[area.id]
        level = score.level
        current = area.maturity_level(level) if level else None
        following = area.maturity_level(level + 1) if level and level < 5 else None
        areas.append(
            {
                "id": area.id,
                "title": area.title.get(lang),
                "description": area.description.get(lang),
                "score": score.score,
                "previous_score": previous_scores.get(area.id),
                "level": level,
                "level_name": _level_name(instrument, level, lang),
                "descriptor": current.descriptor.get(lang) if current else "",
                "next_level": level + 1 if following else None,
                "next_level_name": _level_name(instrument, level + 1, lang) if following else "",
                "next_descriptor": following.descriptor.get(lang) if following else "",
                "actions": [a.get(lang) for a in current.actions] if current else [],
                "answered": score.answered,
                "total": score.total,
                "items": [
                    {
                        "id": s.id,
                        "text": s.text.get(lang),
                        "answer": scale.get(answers.get(s.id), ""),
                        "value": answers.get(s.id),
                        "reverse": s.reverse,
                    }
                    for s in area.statements
                ],
            }
        )
    titles = {a["id"]: a["title"] for a in areas}
    series = [Series(_("This assessment"), [a["score"] for a in areas], CURRENT_COLOR)]
    if previous is not None:
        series.insert(
            0, Series(_("Previous assessment"), [a["previous_score"] for a in areas], PREVIOUS_COLOR, dashed=True)
        )
    radar = radar_svg(
        [a["title"] for a in areas],
        series,
        title=_("Maturity profile: score per area, 0 to 100"),
    )
    plan = [
        {
            "area": titles.get(goal.area_id, goal.area_id),
            "area_id": goal.area_id,
            "goal": goal.goal,
            "actions": [
                {"description": act.description, "target_date": act.target_date, "done": act.done}
                for act in goal.actions
            ],
        }
        for goal in assessment.plan_goals
    ]
    trend = [
        {
            "date": a.submitted_at,
            "scores": {row["area_id"]: row["score"] for row in (a.result or {}).get("areas", [])},
        }
        for a in [*history, assessment]
    ]
    return {
        "lang": lang,
        "name": assessment.user.name,
        "email": assessment.user.email,
        "submitted_at": assessment.submitted_at,
        "instrument_title": instrument.title.get(lang),
        "instrument_version": instrument.version,
        "overall_level": result.overall_level,
        "overall_level_name": _level_name(instrument, result.overall_level, lang),
        "levels": [{"level": b.level, "min": b.min, "name": b.name.get(lang)} for b in instrument.levels],
        "areas": areas,
        "strengths": [titles[a] for a in result.strengths],
        "priorities": [titles[a] for a in result.priorities],
        # A reverse-keyed statement describes the less mature behaviour: as a
        # strength it is something the manager rarely does, as a growth point
        # something to do less often.
        "top_items": [
            {
                "text": statements[s].text.get(lang),
                "hint": _("you rarely do this") if statements[s].reverse else _("you often do this"),
            }
            for s in result.top_items
        ],
        "bottom_items": [
            {
                "text": statements[s].text.get(lang),
                "hint": _("do this less often") if statements[s].reverse else _("do this more often"),
            }
            for s in result.bottom_items
        ],
        "radar_svg": radar,
        "has_previous": previous is not None,
        "plan": plan,
        "trend": trend,
        "trend_areas": [{"id": a["id"], "title": a["title"]} for a in areas],
    }
