"""Group figures for a trainer session: averages, distributions, levels, priorities, before/after.

Pure functions over :class:`~assessments.maturity.AssessmentResult` objects and answer
mappings; who belongs to the group is decided elsewhere.

- Averages are arithmetic means over the participants with a score for that area; the
  standard deviation is the population one (the group is the whole population here).
- A distribution counts scores in ten bins of ten points: [0, 10), [10, 20), ... [90, 100],
  the last bin including 100. Level counts use each result's own level.
- The most common development priorities count how often each area is among a result's
  priorities (see :func:`assessments.maturity.score_assessment`), most often first, ties in
  instrument order; areas that nobody has as a priority are left out.
- Before/after compares the same people: only participants with a score in both sessions
  count for an area's change.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Hashable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass

from assessments.instruments import Instrument
from assessments.maturity import AssessmentResult

BINS = 10
LEVELS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class AreaStats:
    area_id: str
    n: int
    mean: float | None
    median: float | None
    minimum: float | None
    maximum: float | None
    stdev: float | None
    bins: tuple[int, ...]
    level_counts: tuple[int, ...]


@dataclass(frozen=True)
class CohortSummary:
    n: int
    areas: tuple[AreaStats, ...]
    overall_level_counts: tuple[int, ...]
    priority_counts: tuple[tuple[str, int], ...]
    item_means: Mapping[str, float | None]

    def area(self, area_id: str) -> AreaStats:
        for stats in self.areas:
            if stats.area_id == area_id:
                return stats
        raise KeyError(f"no statistics for area {area_id!r}")


def score_bin(score: float) -> int:
    """The index (0-9) of the ten-point bin that holds ``score``; 100 falls in the last bin.

    :raise ValueError: when ``score`` is outside 0..100.
    """
    if not 0 <= score <= 100:
        raise ValueError(f"score must be between 0 and 100, found {score!r}")
    return min(BINS - 1, math.floor(score / (100 / BINS)))


def mean(values: Sequence[float | None]) -> float | None:
    """Mean of the known values, None when there are none."""
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def level_counts(levels: Sequence[int | None]) -> tuple[int, ...]:
    """How many of ``levels`` are 1, 2, 3, 4 and 5 (None is not counted)."""
    return tuple(sum(1 for level in levels if level == n) for n in LEVELS)


def area_stats(area_id: str, scores: Sequence[float | None], levels: Sequence[int | None]) -> AreaStats:
    """Statistics of one area over a group; unscored participants are left out."""
    known = [s for s in scores if s is not None]
    bins = [0] * BINS
    for score in known:
        bins[score_bin(score)] += 1
    if not known:
        return AreaStats(area_id, 0, None, None, None, None, None, tuple(bins), level_counts(levels))
    return AreaStats(
        area_id=area_id,
        n=len(known),
        mean=sum(known) / len(known),
        median=statistics.median(known),
        minimum=min(known),
        maximum=max(known),
        stdev=statistics.pstdev(known),
        bins=tuple(bins),
        level_counts=level_counts(levels),
    )


def priority_counts(instrument: Instrument, results: Sequence[AssessmentResult]) -> tuple[tuple[str, int], ...]:
    """``(area_id, count)`` of development priorities, most common first, ties in instrument order."""
    order = [area.id for area in instrument.areas]
    counts = {area_id: 0 for area_id in order}
    for result in results:
        for area_id in result.priorities:
            if area_id in counts:
                counts[area_id] += 1
    ranked = sorted(
        ((count, order.index(area_id), area_id) for area_id, count in counts.items() if count),
        key=lambda c: (-c[0], c[1]),
    )
    return tuple((area_id, count) for count, _, area_id in ranked)


def item_means(instrument: Instrument, answer_sets: Sequence[Mapping[str, int]]) -> dict[str, float | None]:
    """Mean keyed value (1-5) per statement over the answer sets that answered it."""
    means: dict[str, float | None] = {}
    for area in instrument.areas:
        for statement in area.statements:
            # Keyed as item_score does; the answers are valid already, so the check is skipped.
            flip = statement.reverse
            keyed = [
                6 - answers[statement.id] if flip else answers[statement.id]
                for answers in answer_sets
                if statement.id in answers
            ]
            means[statement.id] = sum(keyed) / len(keyed) if keyed else None
    return means


def summarise(
    instrument: Instrument, results: Sequence[AssessmentResult], answer_sets: Sequence[Mapping[str, int]] = ()
) -> CohortSummary:
    """Averages, distributions, levels and priorities of a group's results.

    :param results: one result per participant, all on ``instrument``.
    :param answer_sets: the participants' answers, for the per-statement means.
    """
    areas = []
    for area in instrument.areas:
        scores = []
        levels = []
        for result in results:
            try:
                score = result.area(area.id)
            except KeyError:
                continue
            scores.append(score.score)
            levels.append(score.level)
        areas.append(area_stats(area.id, scores, levels))
    return CohortSummary(
        n=len(results),
        areas=tuple(areas),
        overall_level_counts=level_counts([r.overall_level for r in results]),
        priority_counts=priority_counts(instrument, results),
        item_means=item_means(instrument, answer_sets),
    )


@dataclass(frozen=True)
class AreaChange:
    area_id: str
    n: int
    mean_before: float | None
    mean_after: float | None
    change: float | None


@dataclass(frozen=True)
class ParticipantChange:
    key: Hashable
    overall_before: int | None
    overall_after: int | None
    changes: Mapping[str, float | None]


@dataclass(frozen=True)
class SessionComparison:
    paired: int
    areas: tuple[AreaChange, ...]
    participants: tuple[ParticipantChange, ...]


def compare_sessions(
    instrument: Instrument,
    before: Mapping[Hashable, AssessmentResult],
    after: Mapping[Hashable, AssessmentResult],
) -> SessionComparison:
    """Before/after figures for the people present in both sessions.

    :param before: results of the earlier session, keyed by participant (e.g. user id).
    :param after: results of the later session, keyed the same way.
    :return: per area the paired means and the mean change (after - before) over the
        participants with a score in both; per participant the change per area.
    """
    keys = [key for key in after if key in before]
    areas = []
    for area in instrument.areas:
        pairs = []
        for key in keys:
            old, new = _score(before[key], area.id), _score(after[key], area.id)
            if old is not None and new is not None:
                pairs.append((old, new))
        if pairs:
            old_mean = sum(p[0] for p in pairs) / len(pairs)
            new_mean = sum(p[1] for p in pairs) / len(pairs)
            areas.append(AreaChange(area.id, len(pairs), old_mean, new_mean, new_mean - old_mean))
        else:
            areas.append(AreaChange(area.id, 0, None, None, None))
    participants = []
    for key in keys:
        changes = {}
        for area in instrument.areas:
            old, new = _score(before[key], area.id), _score(after[key], area.id)
            changes[area.id] = round(new - old, 1) if old is not None and new is not None else None
        participants.append(ParticipantChange(key, before[key].overall_level, after[key].overall_level, changes))
    return SessionComparison(len(keys), tuple(areas), tuple(participants))


def _score(result: AssessmentResult, area_id: str) -> float | None:
    try:
        return result.area(area_id).score
    except KeyError:
        return None
