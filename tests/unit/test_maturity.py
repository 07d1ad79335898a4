import math

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from assessments.errors import AnswerError
from assessments.instruments import Area
from assessments.instruments import Instrument
from assessments.instruments import LevelBand
from assessments.instruments import Localized
from assessments.instruments import MaturityLevel
from assessments.instruments import ScalePoint
from assessments.instruments import Statement
from assessments.instruments import get_instrument
from assessments.maturity import AreaScore
from assessments.maturity import AssessmentResult
from assessments.maturity import item_score
from assessments.maturity import level_for_score
from assessments.maturity import overall_level
from assessments.maturity import score_assessment
from assessments.maturity import trend
from assessments.maturity import validate_answers

INSTRUMENT = get_instrument("sales-manager-competencies")
AREA_IDS = [a.id for a in INSTRUMENT.areas]
STATEMENT_IDS = sorted(INSTRUMENT.statement_ids)
property_test = settings(database=None, max_examples=150, deadline=None)

answer_values = st.integers(min_value=1, max_value=5)
complete_answers = st.fixed_dictionaries({s: answer_values for s in STATEMENT_IDS})
partial_answers = st.dictionaries(st.sampled_from(STATEMENT_IDS), answer_values)


def same_text(value):
    return Localized(en=value, nl=value)


def make_instrument(name="test", sizes=(12, 12), reverse=3):
    """An instrument with areas a0, a1, ...; in each, the first ``reverse`` statements are reverse-keyed."""
    maturity = tuple(MaturityLevel(n, same_text(f"level {n}"), (same_text("x"), same_text("y"))) for n in range(1, 6))
    areas = tuple(
        Area(
            id=f"a{i}",
            title=same_text(f"area {i}"),
            description=same_text(f"area {i}"),
            statements=tuple(
                Statement(f"a{i}-{j:02d}", same_text("I do"), same_text("Does"), j <= reverse)
                for j in range(1, size + 1)
            ),
            maturity=maturity,
        )
        for i, size in enumerate(sizes)
    )
    return Instrument(
        name=name,
        version=1,
        title=same_text(name),
        description=same_text(name),
        scale=tuple(ScalePoint(v, same_text(str(v))) for v in range(1, 6)),
        levels=tuple(LevelBand(n, (n - 1) * 20.0, same_text(str(n))) for n in range(1, 6)),
        areas=areas,
    )


def keyed_answers(instrument, keyed_by_area):
    """Answers that give every statement of an area the same keyed value."""
    answers = {}
    for area in instrument.areas:
        keyed = keyed_by_area[area.id]
        for s in area.statements:
            answers[s.id] = 6 - keyed if s.reverse else keyed
    return answers


def scores(result):
    return {a.area_id: a.score for a in result.areas}


# Keying -------------------------------------------------------------------


NORMAL = Statement("n", same_text("I do"), same_text("Does"), reverse=False)
REVERSED = Statement("r", same_text("I do not"), same_text("Does not"), reverse=True)


@pytest.mark.parametrize("value", [1, 2, 3, 4, 5])
def test_a_normal_item_keeps_its_value_and_a_reverse_item_is_mirrored(value):
    assert item_score(NORMAL, value) == value
    assert item_score(REVERSED, value) == 6 - value


@property_test
@given(answer_values)
def test_answering_a_reverse_item_equals_the_mirrored_answer_to_a_normal_one(value):
    assert item_score(REVERSED, value) == item_score(NORMAL, 6 - value)


def test_answering_one_to_a_reverse_item_counts_like_five_to_a_normal_one():
    instrument = make_instrument(sizes=(10,), reverse=2)
    all_five = {s.id: 5 for s in instrument.areas[0].statements}  # a0-01 and a0-02 are reverse-keyed
    mirrored = dict(all_five, **{"a0-01": 1, "a0-02": 1})

    assert scores(score_assessment(instrument, all_five)) == {"a0": 80.0}
    assert scores(score_assessment(instrument, mirrored)) == {"a0": 100.0}


# Area scores --------------------------------------------------------------


def test_all_five_on_normal_and_all_one_on_reverse_items_scores_one_hundred():
    result = score_assessment(INSTRUMENT, keyed_answers(INSTRUMENT, dict.fromkeys(AREA_IDS, 5)))

    assert set(scores(result).values()) == {100.0}
    assert result.overall_level == 5


def test_the_least_mature_answers_score_zero_everywhere():
    result = score_assessment(INSTRUMENT, keyed_answers(INSTRUMENT, dict.fromkeys(AREA_IDS, 1)))

    assert set(scores(result).values()) == {0.0}
    assert result.overall_level == 1


@pytest.mark.parametrize("keyed, expected", [(1, 0.0), (2, 25.0), (3, 50.0), (4, 75.0), (5, 100.0)])
def test_the_mean_keyed_value_maps_linearly_onto_zero_to_one_hundred(keyed, expected):
    result = score_assessment(INSTRUMENT, keyed_answers(INSTRUMENT, dict.fromkeys(AREA_IDS, keyed)))

    assert set(scores(result).values()) == {expected}


def test_scores_are_rounded_half_up_to_one_decimal():
    instrument = make_instrument(sizes=(12,), reverse=0)
    answers = {s.id: 1 for s in instrument.areas[0].statements}
    answers.update({"a0-01": 2, "a0-02": 2, "a0-03": 2})  # mean 1.25 -> 6.25

    assert scores(score_assessment(instrument, answers)) == {"a0": 6.3}


@property_test
@given(partial_answers)
def test_every_area_score_lies_between_zero_and_one_hundred(answers):
    for area in score_assessment(INSTRUMENT, answers).areas:
        assert area.score is None or 0 <= area.score <= 100
        assert (area.score is None) == (area.level is None)


@property_test
@given(complete_answers, st.sampled_from(STATEMENT_IDS))
def test_a_more_mature_answer_never_lowers_the_area_score(answers, statement_id):
    statement = INSTRUMENT.statement(statement_id)
    better = 5 if not statement.reverse else 1
    area = next(a.id for a in INSTRUMENT.areas if statement in a.statements)

    before = scores(score_assessment(INSTRUMENT, answers))[area]
    after = scores(score_assessment(INSTRUMENT, {**answers, statement_id: better}))[area]

    assert after >= before


@pytest.mark.parametrize(
    "size, answered, scored",
    [(12, 12, True), (12, 10, True), (12, 9, False), (10, 8, True), (10, 7, False), (12, 0, False)],
)
def test_an_area_is_scored_only_when_at_least_eighty_percent_is_answered(size, answered, scored):
    instrument = make_instrument(sizes=(size,), reverse=2)
    answers = {s.id: 4 for s in instrument.areas[0].statements[:answered]}

    area = score_assessment(instrument, answers).areas[0]

    assert (area.score is not None) is scored
    assert (area.answered, area.total) == (answered, size)


def test_the_mean_of_a_partly_answered_area_uses_only_the_answered_statements():
    instrument = make_instrument(sizes=(10,), reverse=0)
    answers = {s.id: 5 for s in instrument.areas[0].statements[:8]}

    assert scores(score_assessment(instrument, answers)) == {"a0": 100.0}


def test_an_unscored_area_leaves_the_overall_level_open():
    answers = keyed_answers(INSTRUMENT, dict.fromkeys(AREA_IDS, 4))
    for statement in INSTRUMENT.area("accounts").statements[:3]:
        del answers[statement.id]

    result = score_assessment(INSTRUMENT, answers)

    assert result.area("accounts").score is None
    assert result.area("people").score == 75.0
    assert result.overall_level is None


def test_no_answers_give_an_empty_result():
    result = score_assessment(INSTRUMENT, {})

    assert all(a.score is None and a.answered == 0 for a in result.areas)
    assert result.overall_level is None
    assert result.strengths == result.priorities == result.top_items == result.bottom_items == ()


# Levels -------------------------------------------------------------------


@pytest.mark.parametrize(
    "score, level",
    [
        (0, 1),
        (19.9, 1),
        (20, 2),
        (39.9, 2),
        (40, 3),
        (59.9, 3),
        (60, 4),
        (79.9, 4),
        (80, 5),
        (100, 5),
    ],
)
def test_each_band_starts_exactly_at_its_lower_edge(score, level):
    assert level_for_score(INSTRUMENT, score) == level


@pytest.mark.parametrize("score", [-0.1, 100.1, math.nan])
def test_a_score_outside_zero_to_one_hundred_has_no_level(score):
    with pytest.raises(ValueError):
        level_for_score(INSTRUMENT, score)


@property_test
@given(st.floats(0, 100), st.floats(0, 100))
def test_a_higher_score_never_gives_a_lower_level(a, b):
    low, high = sorted((a, b))

    assert level_for_score(INSTRUMENT, low) <= level_for_score(INSTRUMENT, high)


@pytest.mark.parametrize(
    "levels, expected",
    [
        ((3, 3, 3, 3), 3),
        ((5, 5, 5, 5), 5),
        ((4, 4, 4, 3), 3),
        ((4, 4, 5, 5), 4),
        ((5, 5, 5, 1), 2),
        ((1, 1, 1, 2), 1),
        ((2, 3, 4, 5), 3),
        ((4, 4, 4, None), None),
    ],
)
def test_the_overall_level_is_the_rounded_down_mean_capped_one_above_the_weakest_area(levels, expected):
    assert overall_level(levels) == expected


@property_test
@given(st.lists(st.integers(1, 5), min_size=1, max_size=6))
def test_the_overall_level_lies_between_the_weakest_area_and_one_level_above_it(levels):
    overall = overall_level(levels)

    assert min(levels) <= overall <= min(levels) + 1
    assert overall <= sum(levels) / len(levels)


# Strengths and priorities -------------------------------------------------


def test_strengths_are_high_areas_above_the_own_mean_best_first():
    answers = keyed_answers(INSTRUMENT, {"people": 4, "pipeline": 5, "accounts": 3, "coaching": 2})

    result = score_assessment(INSTRUMENT, answers)

    assert result.strengths == ("pipeline", "people")
    assert result.priorities == ("coaching", "accounts")


def test_an_even_profile_has_no_strengths_and_priorities_follow_instrument_order():
    result = score_assessment(INSTRUMENT, keyed_answers(INSTRUMENT, dict.fromkeys(AREA_IDS, 4)))

    assert result.strengths == ()
    assert result.priorities == ("people", "pipeline")


def test_an_area_below_sixty_is_no_strength_even_when_it_is_the_best():
    answers = keyed_answers(INSTRUMENT, {"people": 3, "pipeline": 1, "accounts": 2, "coaching": 1})

    result = score_assessment(INSTRUMENT, answers)

    assert result.strengths == ()
    assert result.priorities == ("pipeline", "coaching")


def test_a_strength_is_never_also_a_priority():
    answers = keyed_answers(INSTRUMENT, {"people": 5, "pipeline": 2, "accounts": 2, "coaching": 2})

    result = score_assessment(INSTRUMENT, answers)

    assert result.strengths == ("people",)
    assert result.priorities == ("pipeline", "accounts")


@property_test
@given(partial_answers)
def test_strengths_and_priorities_are_disjoint_scored_areas_of_at_most_two(answers):
    result = score_assessment(INSTRUMENT, answers)
    by_id = scores(result)

    assert len(result.strengths) <= 2 and len(result.priorities) <= 2
    assert not set(result.strengths) & set(result.priorities)
    assert all(by_id[a] is not None and by_id[a] >= 60 for a in result.strengths)
    assert all(by_id[a] is not None for a in result.priorities)
    assert [by_id[a] for a in result.priorities] == sorted(by_id[a] for a in result.priorities)


# Top and bottom items -----------------------------------------------------


def test_top_and_bottom_items_are_the_highest_and_lowest_keyed_answers():
    answers = keyed_answers(INSTRUMENT, dict.fromkeys(AREA_IDS, 3))
    answers.update({"coaching-04": 1, "pipeline-07": 5, "people-06": 5})  # coaching-04 is reverse-keyed
    answers.update({"accounts-09": 5, "coaching-11": 1})  # accounts-09 is reverse-keyed

    result = score_assessment(INSTRUMENT, answers)

    assert result.top_items == ("people-06", "pipeline-07", "coaching-04")
    assert result.bottom_items == ("accounts-09", "coaching-11", "people-01")


@property_test
@given(partial_answers)
def test_top_items_never_score_below_bottom_items_and_the_two_never_overlap(answers):
    result = score_assessment(INSTRUMENT, answers)

    def keyed(statement_id):
        return item_score(INSTRUMENT.statement(statement_id), answers[statement_id])

    assert len(result.top_items) == min(3, len(answers))
    assert not set(result.top_items) & set(result.bottom_items)
    if result.top_items and result.bottom_items:
        assert min(map(keyed, result.top_items)) >= max(map(keyed, result.bottom_items))


# Invalid answers ----------------------------------------------------------


@pytest.mark.parametrize("value", [0, 6, -1, True, False, 3.0, "3", None])
def test_an_answer_outside_the_scale_is_rejected(value):
    with pytest.raises(AnswerError, match="people-01"):
        score_assessment(INSTRUMENT, {"people-01": value})


def test_an_answer_to_an_unknown_statement_is_rejected():
    with pytest.raises(AnswerError, match="people-99"):
        validate_answers(INSTRUMENT, {"people-01": 3, "people-99": 3})


def test_answers_must_be_a_mapping():
    with pytest.raises(AnswerError):
        validate_answers(INSTRUMENT, [("people-01", 3)])


def test_item_score_rejects_values_outside_the_scale():
    with pytest.raises(AnswerError):
        item_score(NORMAL, 7)


def test_answer_errors_are_value_errors():
    assert issubclass(AnswerError, ValueError)


# Trend --------------------------------------------------------------------


def result_with(people, pipeline, name="sales-manager-competencies"):
    return AssessmentResult(
        instrument_name=name,
        instrument_version=1,
        areas=(AreaScore("people", people, None, 12, 12), AreaScore("pipeline", pipeline, None, 12, 12)),
        overall_level=None,
        strengths=(),
        priorities=(),
        top_items=(),
        bottom_items=(),
    )


def test_the_trend_lists_each_area_score_oldest_first():
    history = [result_with(40.0, 55.0), result_with(None, 60.0), result_with(62.5, 70.0)]

    assert trend(history) == {"people": [40.0, None, 62.5], "pipeline": [55.0, 60.0, 70.0]}


def test_the_trend_of_no_results_is_empty():
    assert trend([]) == {}


def test_the_trend_refuses_to_mix_instruments():
    with pytest.raises(ValueError):
        trend([result_with(40.0, 55.0), result_with(40.0, 55.0, name="other")])


def test_the_trend_follows_real_results():
    first = score_assessment(INSTRUMENT, keyed_answers(INSTRUMENT, dict.fromkeys(AREA_IDS, 2)))
    second = score_assessment(INSTRUMENT, keyed_answers(INSTRUMENT, dict.fromkeys(AREA_IDS, 4)))

    assert trend([first, second]) == {area: [25.0, 75.0] for area in AREA_IDS}
