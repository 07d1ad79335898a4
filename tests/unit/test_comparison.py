"""The self-against-observer gap rule (assessments/comparison.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.comparison import AGREEMENT
from assessments.comparison import AREA_GAP_THRESHOLD
from assessments.comparison import BLIND_SPOT
from assessments.comparison import HIDDEN_STRENGTH
from assessments.comparison import ITEM_GAP_THRESHOLD
from assessments.comparison import area_gap_kind
from assessments.comparison import compare
from assessments.comparison import gap_kind
from assessments.comparison import gap_of
from assessments.comparison import item_gap_kind
from assessments.instruments import get_instrument

INSTRUMENT = get_instrument("sales-manager-competencies")
SCORES = st.floats(min_value=0, max_value=100, allow_nan=False).map(lambda v: round(v, 1))
VALUES = st.integers(min_value=1, max_value=5)


def raw(statement, keyed: int) -> int:
    return 6 - keyed if statement.reverse else keyed


def answers_at(keyed: int, **per_area: int) -> dict[str, int]:
    """Answers that give every statement the keyed value ``keyed`` (or the area's own)."""
    return {s.id: raw(s, per_area.get(a.id, keyed)) for a in INSTRUMENT.areas for s in a.statements}


def test_the_documented_thresholds_are_fifteen_points_per_area_and_two_steps_per_statement():
    assert AREA_GAP_THRESHOLD == 15.0
    assert ITEM_GAP_THRESHOLD == 2


@pytest.mark.parametrize(
    ("own", "seen", "kind"),
    [
        (75.0, 60.0, BLIND_SPOT),
        (75.0, 60.1, AGREEMENT),
        (60.0, 75.0, HIDDEN_STRENGTH),
        (60.1, 75.0, AGREEMENT),
        (50.0, 50.0, AGREEMENT),
        (100.0, 0.0, BLIND_SPOT),
        (0.0, 100.0, HIDDEN_STRENGTH),
        (72.3, 57.3, BLIND_SPOT),
        (None, 50.0, None),
        (50.0, None, None),
    ],
)
def test_an_area_gap_of_fifteen_points_or_more_is_marked(own, seen, kind):
    assert area_gap_kind(own, seen) == kind


@pytest.mark.parametrize(
    ("own", "seen", "kind"),
    [
        (5, 3, BLIND_SPOT),
        (4, 3, AGREEMENT),
        (3, 5, HIDDEN_STRENGTH),
        (2, 3, AGREEMENT),
        (1, 5, HIDDEN_STRENGTH),
        (5, 1, BLIND_SPOT),
        (3, 3, AGREEMENT),
        (None, 3, None),
    ],
)
def test_a_statement_two_steps_apart_is_marked(own, seen, kind):
    assert item_gap_kind(own, seen) == kind


def test_a_threshold_must_be_positive():
    with pytest.raises(ValueError):
        gap_kind(1, 2, 0)


def test_float_noise_does_not_move_a_gap_across_the_threshold():
    assert gap_of(72.3, 57.3) == 15.0
    assert area_gap_kind(0.1 + 0.2 + 15, 0.3) == BLIND_SPOT


@given(SCORES, SCORES)
def test_swapping_self_and_observer_swaps_blind_spot_and_hidden_strength(own, seen):
    swapped = {BLIND_SPOT: HIDDEN_STRENGTH, HIDDEN_STRENGTH: BLIND_SPOT, AGREEMENT: AGREEMENT}

    assert area_gap_kind(seen, own) == swapped[area_gap_kind(own, seen)]
    assert gap_of(own, seen) == -gap_of(seen, own)


@given(SCORES, SCORES)
def test_a_mark_means_the_difference_reaches_the_threshold(own, seen):
    kind = area_gap_kind(own, seen)

    assert (kind in (BLIND_SPOT, HIDDEN_STRENGTH)) == (abs(round(own - seen, 1)) >= AREA_GAP_THRESHOLD)


def test_a_self_view_one_level_above_the_observer_is_a_blind_spot_in_every_area():
    result = compare(INSTRUMENT, answers_at(4), answers_at(3))

    assert {a.kind for a in result.areas} == {BLIND_SPOT}
    assert {a.gap for a in result.areas} == {25.0}
    assert {i.kind for i in result.items} == {AGREEMENT}, "one step per statement is not marked"


def test_reverse_keyed_statements_are_compared_after_keying():
    statement = next(s for s in INSTRUMENT.areas[0].statements if s.reverse)
    own = answers_at(3)
    seen = answers_at(3)
    own[statement.id] = 5  # "always" on a reverse-keyed statement: keyed 1
    seen[statement.id] = 1  # the observer says "never": keyed 5

    item = next(i for i in compare(INSTRUMENT, own, seen).items if i.statement_id == statement.id)

    assert (item.self_answer, item.observer_answer) == (5, 1)
    assert (item.self_keyed, item.observer_keyed, item.gap) == (1, 5, -4)
    assert item.kind == HIDDEN_STRENGTH


def test_marked_statements_are_listed_largest_gap_first_then_in_instrument_order():
    statements = [s for a in INSTRUMENT.areas for s in a.statements]
    own = answers_at(3)
    seen = answers_at(3)
    for s, (mine, theirs) in zip(statements[:4], [(5, 3), (5, 1), (1, 3), (5, 3)], strict=True):
        own[s.id], seen[s.id] = raw(s, mine), raw(s, theirs)

    result = compare(INSTRUMENT, own, seen)

    assert [i.statement_id for i in result.blind_spot_items] == [statements[1].id, statements[0].id, statements[3].id]
    assert [i.statement_id for i in result.hidden_strength_items] == [statements[2].id]


def test_an_area_without_enough_ratings_gets_no_gap():
    seen = {s.id: 3 for s in INSTRUMENT.areas[0].statements[:5]}

    result = compare(INSTRUMENT, answers_at(4), seen)

    assert result.areas[0].observer_score is None
    assert result.areas[0].kind is None and result.areas[0].gap is None
    unrated = [i for i in result.items if i.statement_id not in seen]
    assert all(i.kind is None and i.gap is None for i in unrated)


@given(
    st.dictionaries(st.sampled_from(sorted(INSTRUMENT.statement_ids)), VALUES),
    st.dictionaries(st.sampled_from(sorted(INSTRUMENT.statement_ids)), VALUES),
)
def test_every_statement_is_compared_once_and_gaps_stay_within_four_steps(own, seen):
    result = compare(INSTRUMENT, own, seen)

    assert [i.statement_id for i in result.items] == [s.id for a in INSTRUMENT.areas for s in a.statements]
    for item in result.items:
        if item.gap is not None:
            assert -4 <= item.gap <= 4
            assert item.statement_id in own and item.statement_id in seen
