"""Self against observer: where a manager's own answers and a trainer's ratings differ.

Both answer sets are on the same instrument: the manager answers the first-person
statements, the trainer the same behaviours in observer wording. Everything is compared
after keying (see :func:`assessments.maturity.item_score`), so 5 is always the most
mature answer, also on reverse-keyed statements.

The gap rule, for an area and for a single statement alike::

    gap = self - observer
    gap >= threshold   -> blind spot       (the manager sees themself much higher)
    gap <= -threshold  -> hidden strength  (the manager sees themself much lower)
    otherwise          -> agreement

Thresholds:

- areas, on the 0-100 score: ``AREA_GAP_THRESHOLD = 15`` points. That is three quarters
  of a level band (20 points) and means the keyed answers differ by 0.6 scale points on
  average over the whole area: a consistent difference, not one stray answer.
- statements, on the keyed 1-5 value: ``ITEM_GAP_THRESHOLD = 2`` scale points
  ("always" against "sometimes"). One point ("often" against "always") is the normal
  spread between two raters and is not marked.

Area gaps are rounded to one decimal before the comparison, so a difference of exactly
15.0 counts. A side without a score (too few answers) gives no gap and no mark.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from assessments.instruments import Area
from assessments.instruments import Instrument
from assessments.instruments import Statement
from assessments.maturity import SCALE_MAX
from assessments.maturity import SCALE_MIN
from assessments.maturity import AssessmentResult
from assessments.maturity import score_area

AREA_GAP_THRESHOLD = 15.0
ITEM_GAP_THRESHOLD = 2

BLIND_SPOT = "blind_spot"
HIDDEN_STRENGTH = "hidden_strength"
AGREEMENT = "agreement"


def gap_of(self_value: float | None, observer_value: float | None) -> float | None:
    """``self - observer`` rounded to one decimal; None when either side is missing."""
    if self_value is None or observer_value is None:
        return None
    return round(self_value - observer_value, 1)


def gap_kind(self_value: float | None, observer_value: float | None, threshold: float) -> str | None:
    """Classify one difference: ``BLIND_SPOT``, ``HIDDEN_STRENGTH``, ``AGREEMENT`` or None.

    :param threshold: the smallest difference that counts (positive).
    :return: None when either side is missing.
    :raise ValueError: when ``threshold`` is not positive.
    """
    if threshold <= 0:
        raise ValueError(f"threshold must be positive, found {threshold!r}")
    gap = gap_of(self_value, observer_value)
    if gap is None:
        return None
    if gap >= threshold:
        return BLIND_SPOT
    if gap <= -threshold:
        return HIDDEN_STRENGTH
    return AGREEMENT


def area_gap_kind(self_score: float | None, observer_score: float | None) -> str | None:
    """The gap rule for area scores (0-100) with :data:`AREA_GAP_THRESHOLD`."""
    return gap_kind(self_score, observer_score, AREA_GAP_THRESHOLD)


def item_gap_kind(self_keyed: int | None, observer_keyed: int | None) -> str | None:
    """The gap rule for keyed statement values (1-5) with :data:`ITEM_GAP_THRESHOLD`."""
    return gap_kind(self_keyed, observer_keyed, ITEM_GAP_THRESHOLD)


class AreaGap(NamedTuple):
    area_id: str
    self_score: float | None
    observer_score: float | None
    gap: float | None
    kind: str | None


class ItemGap(NamedTuple):
    statement_id: str
    area_id: str
    self_answer: int | None
    observer_answer: int | None
    self_keyed: int | None
    observer_keyed: int | None
    gap: float | None
    kind: str | None


@dataclass(frozen=True)
class Comparison:
    areas: tuple[AreaGap, ...]
    items: tuple[ItemGap, ...]

    def _marked(self, rows, kind: str) -> tuple:
        marked = [(position, row) for position, row in enumerate(rows) if row.kind == kind]
        return tuple(row for _, row in sorted(marked, key=lambda pr: (-abs(pr[1].gap), pr[0])))

    @property
    def blind_spot_areas(self) -> tuple[AreaGap, ...]:
        """Areas marked as blind spots, largest gap first (ties in instrument order)."""
        return self._marked(self.areas, BLIND_SPOT)

    @property
    def hidden_strength_areas(self) -> tuple[AreaGap, ...]:
        return self._marked(self.areas, HIDDEN_STRENGTH)

    @property
    def blind_spot_items(self) -> tuple[ItemGap, ...]:
        """Statements marked as blind spots, largest gap first (ties in instrument order)."""
        return self._marked(self.items, BLIND_SPOT)

    @property
    def hidden_strength_items(self) -> tuple[ItemGap, ...]:
        return self._marked(self.items, HIDDEN_STRENGTH)


def compare(
    instrument: Instrument,
    self_answers: Mapping[str, int],
    observer_answers: Mapping[str, int],
    *,
    self_result: AssessmentResult | None = None,
    observer_result: AssessmentResult | None = None,
) -> Comparison:
    """Compare a manager's answers with an observer's, per area and per statement.

    Area scores follow :func:`assessments.maturity.score_area` for each side (so an area
    with fewer than 80 % of its statements answered has no score and no gap). Answers
    must already be valid for ``instrument``; statements one side left open get no gap.

    :param self_result: the self-assessment already scored from ``self_answers``, to save
        scoring it again (likewise ``observer_result``).
    """
    areas = []
    items = []
    for area in instrument.areas:
        own = _area_score(instrument, area, self_answers, self_result)
        seen = _area_score(instrument, area, observer_answers, observer_result)
        areas.append(AreaGap(area.id, own, seen, gap_of(own, seen), area_gap_kind(own, seen)))
        for statement in area.statements:
            raw_self = self_answers.get(statement.id)
            raw_observer = observer_answers.get(statement.id)
            keyed_self = _keyed(statement, raw_self)
            keyed_observer = _keyed(statement, raw_observer)
            if keyed_self is None or keyed_observer is None:
                items.append(
                    ItemGap(statement.id, area.id, raw_self, raw_observer, keyed_self, keyed_observer, None, None)
                )
                continue
            # Whole steps: the rule of item_gap_kind, written out because it runs for every cell of a group.
            gap = keyed_self - keyed_observer
            kind = (
                BLIND_SPOT
                if gap >= ITEM_GAP_THRESHOLD
                else HIDDEN_STRENGTH
                if gap <= -ITEM_GAP_THRESHOLD
                else AGREEMENT
            )
            items.append(ItemGap(statement.id, area.id, raw_self, raw_observer, keyed_self, keyed_observer, gap, kind))
    return Comparison(tuple(areas), tuple(items))


def _keyed(statement: Statement, value: int | None) -> int | None:
    """:func:`assessments.maturity.item_score` without the check: the answers are valid already."""
    if value is None:
        return None
    return SCALE_MIN + SCALE_MAX - value if statement.reverse else value


def _area_score(instrument: Instrument, area: Area, answers: Mapping[str, int], result: AssessmentResult | None):
    if result is not None:
        for scored in result.areas:
            if scored.area_id == area.id:
                return scored.score
    return score_area(instrument, area, answers).score
