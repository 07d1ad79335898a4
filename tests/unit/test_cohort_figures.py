"""Group figures of a session (assessments/cohort.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.cohort import area_stats
from assessments.cohort import compare_sessions
from assessments.cohort import item_means
from assessments.cohort import priority_counts
from assessments.cohort import score_bin
from assessments.cohort import summarise
from assessments.instruments import get_instrument
from assessments.maturity import score_assessment

INSTRUMENT = get_instrument("sales-manager-competencies")
AREA_IDS = [a.id for a in INSTRUMENT.areas]


def result_at(**levels: int):
    """A scored assessment whose areas all have the given keyed answer (default 3)."""
    answers = {}
    for area in INSTRUMENT.areas:
        keyed = levels.get(area.id, 3)
        for s in area.statements:
            answers[s.id] = 6 - keyed if s.reverse else keyed
    return score_assessment(INSTRUMENT, answers), answers


@pytest.mark.parametrize(("score", "index"), [(0, 0), (9.9, 0), (10, 1), (59.9, 5), (60, 6), (99.9, 9), (100, 9)])
def test_scores_fall_in_ten_point_bins_with_100_in_the_last(score, index):
    assert score_bin(score) == index


def test_a_score_outside_0_to_100_has_no_bin():
    with pytest.raises(ValueError):
        score_bin(100.1)


def test_area_statistics_leave_unscored_participants_out():
    stats = area_stats("people", [50.0, None, 75.0, 100.0], [3, None, 4, 5])

    assert stats.n == 3
    assert stats.mean == 75.0
    assert stats.median == 75.0
    assert (stats.minimum, stats.maximum) == (50.0, 100.0)
    assert round(stats.stdev, 4) == 20.4124
    assert stats.bins == (0, 0, 0, 0, 0, 1, 0, 1, 0, 1)
    assert stats.level_counts == (0, 0, 1, 1, 1)


def test_an_area_nobody_scored_has_no_mean():
    stats = area_stats("people", [None], [None])

    assert stats.n == 0 and stats.mean is None and stats.stdev is None
    assert sum(stats.bins) == 0


def test_the_summary_counts_levels_and_the_most_common_priorities():
    results = [
        result_at(people=5, pipeline=4, accounts=2, coaching=1)[0],
        result_at(people=4, pipeline=4, accounts=3, coaching=2)[0],
        result_at(people=2, pipeline=5, accounts=4, coaching=3)[0],
    ]

    summary = summarise(INSTRUMENT, results)

    assert summary.n == 3
    assert summary.area("people").mean == pytest.approx((100 + 75 + 25) / 3)
    assert summary.area("coaching").level_counts == (1, 1, 1, 0, 0)
    assert summary.priority_counts == (("coaching", 3), ("accounts", 2), ("people", 1))
    assert sum(summary.overall_level_counts) == 3


def test_priorities_tie_in_instrument_order_and_unnamed_areas_are_left_out():
    results = [result_at(people=1, pipeline=1, accounts=5, coaching=5)[0]]

    assert priority_counts(INSTRUMENT, results) == (("people", 1), ("pipeline", 1))


def test_item_means_are_keyed_so_five_is_always_the_most_effective():
    _, high = result_at(people=5)
    _, low = result_at(people=1)

    means = item_means(INSTRUMENT, [high, low, high])

    reverse = next(s for s in INSTRUMENT.area("people").statements if s.reverse)
    assert means[reverse.id] == pytest.approx(11 / 3)
    assert item_means(INSTRUMENT, [])[reverse.id] is None


def test_before_and_after_pairs_the_same_people_only():
    before = {1: result_at(people=2)[0], 2: result_at(people=3)[0], 3: result_at(people=1)[0]}
    after = {1: result_at(people=4)[0], 2: result_at(people=3)[0], 4: result_at(people=5)[0]}

    change = compare_sessions(INSTRUMENT, before, after)

    assert change.paired == 2
    people = change.areas[AREA_IDS.index("people")]
    assert (people.n, people.mean_before, people.mean_after, people.change) == (2, 37.5, 62.5, 25.0)
    assert {p.key: p.changes["people"] for p in change.participants} == {1: 50.0, 2: 0.0}


def test_sessions_without_common_participants_compare_nothing():
    change = compare_sessions(INSTRUMENT, {1: result_at()[0]}, {2: result_at()[0]})

    assert change.paired == 0
    assert all(a.change is None for a in change.areas)


@given(st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=100, allow_nan=False)), max_size=40))
def test_the_bins_hold_every_known_score_and_the_mean_lies_between_min_and_max(scores):
    stats = area_stats("people", scores, [None] * len(scores))

    known = [s for s in scores if s is not None]
    assert sum(stats.bins) == len(known) == stats.n
    if known:
        assert stats.minimum - 1e-9 <= stats.mean <= stats.maximum + 1e-9
