"""Scoring a competency self-assessment against its maturity model.

Everything here is a pure function of an :class:`~assessments.instruments.Instrument`
and a mapping of answers (statement id -> scale value 1..5). The rules are
written out in ``docs/scoring.md``; the docstrings below state them briefly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from assessments.errors import AnswerError
from assessments.instruments import Area
from assessments.instruments import Instrument
from assessments.instruments import Statement

SCALE_MIN = 1
SCALE_MAX = 5

# An area is scored only when at least this share of its statements is answered.
MIN_ANSWERED_SHARE = Fraction(4, 5)
# A strength must reach this score (the start of level 4 in the shipped bands).
STRENGTH_MIN_SCORE = 60.0
MAX_STRENGTHS = 2
MAX_PRIORITIES = 2
ITEMS_SHOWN = 3


@dataclass(frozen=True)
class AreaScore:
    area_id: str
    score: float | None
    level: int | None
    answered: int
    total: int


@dataclass(frozen=True)
class AssessmentResult:
    instrument_name: str
    instrument_version: int
    areas: tuple[AreaScore, ...]
    overall_level: int | None
    strengths: tuple[str, ...]
    priorities: tuple[str, ...]
    top_items: tuple[str, ...]
    bottom_items: tuple[str, ...]

    def area(self, area_id: str) -> AreaScore:
        for area in self.areas:
            if area.area_id == area_id:
                return area
        raise KeyError(f"no score for area {area_id!r}")


def _is_scale_value(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and SCALE_MIN <= value <= SCALE_MAX


def validate_answers(instrument: Instrument, answers: Mapping[str, int]) -> None:
    """Check that every answer belongs to ``instrument`` and is a whole number 1..5.

    Unanswered statements are fine; ``True``/``False`` and ``3.0`` are not answers.

    :raise AnswerError: naming the first unknown statement id or invalid value.
    """
    if not isinstance(answers, Mapping):
        raise AnswerError(f"answers must be a mapping of statement id to value, found {type(answers).__name__}")
    known = instrument.statement_ids
    for statement_id, value in answers.items():
        if statement_id not in known:
            raise AnswerError(f"unknown statement id {statement_id!r} for {instrument.name} v{instrument.version}")
        if not _is_scale_value(value):
            raise AnswerError(
                f"answer to {statement_id!r} must be a whole number from {SCALE_MIN} to {SCALE_MAX}, found {value!r}"
            )


def item_score(statement: Statement, value: int) -> int:
    """Return the keyed value of one answer: ``value``, or ``6 - value`` when reverse-keyed.

    After keying, 5 is always the most mature answer: "always" on a normal
    statement and "never" on a reverse-keyed one both give 5.

    :raise AnswerError: when ``value`` is not a whole number 1..5.
    """
    if not _is_scale_value(value):
        raise AnswerError(
            f"answer to {statement.id!r} must be a whole number from {SCALE_MIN} to {SCALE_MAX}, found {value!r}"
        )
    return SCALE_MIN + SCALE_MAX - value if statement.reverse else value


def level_for_score(instrument: Instrument, score: float) -> int:
    """Return the maturity level whose band holds ``score`` (0..100).

    A band runs from its own ``min`` up to, but not including, the next band's
    ``min``; the top band includes 100. With the shipped bands: level 1 is
    [0, 20), 2 is [20, 40), 3 is [40, 60), 4 is [60, 80) and 5 is [80, 100].

    :raise ValueError: when ``score`` is outside 0..100.
    """
    if not 0 <= score <= 100:
        raise ValueError(f"score must be between 0 and 100, found {score!r}")
    return max(band.level for band in instrument.levels if band.min <= score)


def score_area(instrument: Instrument, area: Area, answers: Mapping[str, int]) -> AreaScore:
    """Score one area from (already validated) answers.

    ``score = (mean keyed value - 1) / 4 * 100``, rounded half up to one decimal,
    so a mean of 1 gives 0 and a mean of 5 gives 100. The mean is taken over the
    answered statements only, and the area gets a score only when at least 80 %
    of its statements are answered (10 of 12; 8 of 10); otherwise ``score`` and
    ``level`` are None.
    """
    keyed = [item_score(s, answers[s.id]) for s in area.statements if s.id in answers]
    answered, total = len(keyed), len(area.statements)
    if answered == 0 or Fraction(answered, total) < MIN_ANSWERED_SHARE:
        return AreaScore(area.id, None, None, answered, total)
    # Exact arithmetic: ten times the score is 250 * (sum - n) / n.
    tenths = Fraction(250 * (sum(keyed) - answered), answered)
    score = math.floor(tenths + Fraction(1, 2)) / 10
    return AreaScore(area.id, score, level_for_score(instrument, score), answered, total)


def overall_level(levels: Sequence[int | None]) -> int | None:
    """Combine the area levels into one overall level.

    The overall level is the mean of the area levels rounded down, but never more
    than one level above the weakest area: ``min(floor(mean), min + 1)``. So
    (4, 4, 4, 3) gives 3 and (5, 5, 5, 1) gives 2. None when any area has no level.
    """
    if not levels or any(level is None for level in levels):
        return None
    known = [level for level in levels if level is not None]
    return min(sum(known) // len(known), min(known) + 1)


def _strengths_and_priorities(areas: Sequence[AreaScore]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    scored = [(a.score, position, a.area_id) for position, a in enumerate(areas) if a.score is not None]
    if not scored:
        return (), ()
    mean = sum(score for score, _, _ in scored) / len(scored)
    best_first = sorted(scored, key=lambda s: (-s[0], s[1]))
    strengths = tuple(area_id for score, _, area_id in best_first if score >= STRENGTH_MIN_SCORE and score > mean)[
        :MAX_STRENGTHS
    ]
    lowest_first = sorted(scored, key=lambda s: (s[0], s[1]))
    priorities = tuple(area_id for _, _, area_id in lowest_first if area_id not in strengths)[:MAX_PRIORITIES]
    return strengths, priorities


def _top_and_bottom(instrument: Instrument, answers: Mapping[str, int]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    keyed = [
        (item_score(s, answers[s.id]), position, s.id)
        for position, s in enumerate(s for area in instrument.areas for s in area.statements)
        if s.id in answers
    ]
    top = tuple(s_id for _, _, s_id in sorted(keyed, key=lambda k: (-k[0], k[1]))[:ITEMS_SHOWN])
    rest = [k for k in keyed if k[2] not in top]
    bottom = tuple(s_id for _, _, s_id in sorted(rest, key=lambda k: (k[0], k[1]))[:ITEMS_SHOWN])
    return top, bottom


def score_assessment(instrument: Instrument, answers: Mapping[str, int]) -> AssessmentResult:
    """Score a whole assessment.

    - ``areas``: one :class:`AreaScore` per area, in instrument order
      (see :func:`score_area`).
    - ``overall_level``: see :func:`overall_level`.
    - ``strengths``: at most 2 areas scoring at least 60 and above the mean of
      the scored areas, best first.
    - ``priorities``: at most 2 of the remaining scored areas, lowest first.
    - ``top_items`` / ``bottom_items``: the 3 answered statements with the
      highest / lowest keyed value; the two never overlap.

    Ties are broken by instrument order. Unscored areas are neither strengths
    nor priorities.

    :raise AnswerError: when the answers do not fit the instrument.
    """
    validate_answers(instrument, answers)
    areas = tuple(score_area(instrument, area, answers) for area in instrument.areas)
    strengths, priorities = _strengths_and_priorities(areas)
    top, bottom = _top_and_bottom(instrument, answers)
    return AssessmentResult(
        instrument_name=instrument.name,
        instrument_version=instrument.version,
        areas=areas,
        overall_level=overall_level([a.level for a in areas]),
        strengths=strengths,
        priorities=priorities,
        top_items=top,
        bottom_items=bottom,
    )


def trend(results: Sequence[AssessmentResult]) -> dict[str, list[float | None]]:
    """Return each area's score across ``results`` (given oldest first).

    Areas appear in the order first seen; a result without a score for an area
    contributes None, so every list has one entry per result.

    :raise ValueError: when the results come from different instruments.
    """
    names = {r.instrument_name for r in results}
    if len(names) > 1:
        raise ValueError(f"cannot compare results of different instruments: {sorted(names)}")
    area_ids: list[str] = []
    for result in results:
        for area in result.areas:
            if area.area_id not in area_ids:
                area_ids.append(area.area_id)
    series: dict[str, list[float | None]] = {area_id: [] for area_id in area_ids}
    for result in results:
        scores = {a.area_id: a.score for a in result.areas}
        for area_id in area_ids:
            series[area_id].append(scores.get(area_id))
    return series
