from datetime import date
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from assessments.deal_instrument import get_deal_instrument
from assessments.deal_scoring import FACT_NO_CLOSE_DATE
from assessments.deal_scoring import FACT_OVERDUE
from assessments.deal_scoring import FACT_SLIPS
from assessments.deal_scoring import KNOCKOUT_CAP
from assessments.deal_scoring import Contribution
from assessments.deal_scoring import DealFacts
from assessments.deal_scoring import chance_to_win
from assessments.deal_scoring import coaching_questions
from assessments.deal_scoring import deal_timing
from assessments.deal_scoring import reliability_factor
from assessments.deal_scoring import score_deal
from assessments.deal_scoring import validate_answers
from assessments.errors import AnswerError

INSTRUMENT = get_deal_instrument()
QUAL = INSTRUMENT.qualification_questions
TIMING_QS = INSTRUMENT.timing_questions
ALL_IDS = [q.id for q in INSTRUMENT.questions]
KNOCKOUTS = [q.id for q in QUAL if q.knockout]
TODAY = date(2025, 3, 10)


def facts(status="open", close=date(2025, 3, 31), slips=0, today=TODAY):
    return DealFacts(status=status, expected_close=close, today=today, slips=slips)


def answer_all(value, ids=ALL_IDS):
    return {qid: value for qid in ids}


def with_answers(base, changes):
    return {**base, **changes}


answer_values = st.sampled_from(["yes", "no", "unknown", None])


@st.composite
def answer_sets(draw, values=answer_values):
    """Answers for any subset of the questions; None leaves a question out."""
    drawn = draw(st.lists(values, min_size=len(ALL_IDS), max_size=len(ALL_IDS)))
    return {qid: v for qid, v in zip(ALL_IDS, drawn, strict=True) if v is not None}


deal_facts = st.builds(
    DealFacts,
    status=st.sampled_from(["open", "won", "lost"]),
    expected_close=st.none() | st.dates(date(2024, 1, 1), date(2026, 12, 31)),
    today=st.dates(date(2024, 1, 1), date(2026, 12, 31)),
    slips=st.integers(0, 12),
)


# -- properties ----------------------------------------------------------------


@given(answers=answer_sets(), index=st.integers(0, len(QUAL) - 1))
def test_answering_an_unknown_with_yes_never_lowers_the_chance_to_win(answers, index):
    qid = QUAL[index].id
    answers = with_answers(answers, {qid: "unknown"})

    before = chance_to_win(INSTRUMENT, answers)
    after = chance_to_win(INSTRUMENT, with_answers(answers, {qid: "yes"}))

    assert after >= before


@given(answers=answer_sets(), index=st.integers(0, len(QUAL) - 1))
def test_answering_an_unknown_with_no_never_raises_the_chance_to_win(answers, index):
    qid = QUAL[index].id
    answers = with_answers(answers, {qid: "unknown"})

    assert chance_to_win(INSTRUMENT, with_answers(answers, {qid: "no"})) <= chance_to_win(INSTRUMENT, answers)


@given(answers=answer_sets())
def test_reliability_never_exceeds_the_chance_to_win(answers):
    assert reliability_factor(INSTRUMENT, answers) <= chance_to_win(INSTRUMENT, answers)


@given(answers=answer_sets(values=st.sampled_from(["yes", "no"])))
def test_reliability_equals_the_chance_to_win_when_nothing_is_unknown(answers):
    assert len(answers) == len(ALL_IDS)

    assert reliability_factor(INSTRUMENT, answers) == chance_to_win(INSTRUMENT, answers)


@given(answers=answer_sets(), knockout=st.sampled_from(KNOCKOUTS))
def test_a_knockout_answered_no_caps_the_chance_to_win(answers, knockout):
    answers = with_answers(answers, {knockout: "no"})

    assert chance_to_win(INSTRUMENT, answers) <= KNOCKOUT_CAP
    assert reliability_factor(INSTRUMENT, answers) <= KNOCKOUT_CAP


@given(answers=answer_sets(), f=deal_facts)
def test_each_close_date_slip_lowers_timing_while_it_is_above_zero(answers, f):
    f = DealFacts(status="open", expected_close=f.expected_close, today=date(2024, 1, 1), slips=f.slips)
    more = DealFacts(status="open", expected_close=f.expected_close, today=f.today, slips=f.slips + 1)

    before = deal_timing(INSTRUMENT, answers, f)
    after = deal_timing(INSTRUMENT, answers, more)

    assert after < before or before == after == 0


@given(answers=answer_sets(), close=st.dates(date(2024, 1, 1), date(2026, 12, 31)), late=st.integers(1, 400))
def test_an_open_deal_past_its_close_date_gets_timing_zero_and_the_overdue_flag(answers, close, late):
    score = score_deal(INSTRUMENT, answers, facts(close=close, today=close + timedelta(days=late)))

    assert score.timing == 0
    assert "overdue" in score.flags


@given(answers=answer_sets(), f=deal_facts)
def test_all_kpis_are_percentages_with_one_decimal(answers, f):
    score = score_deal(INSTRUMENT, answers, f)

    for value in (score.qualification, score.chance_to_win, score.reliability, score.timing):
        assert 0 <= value <= 100
        assert round(value, 1) == value


@given(answers=answer_sets())
def test_qualification_is_100_exactly_when_every_qualification_question_is_answered(answers):
    everything_answered = all(answers.get(q.id, "unknown") != "unknown" for q in QUAL)

    assert (score_deal(INSTRUMENT, answers, facts()).qualification == 100) == everything_answered


@settings(max_examples=50)
@given(answers=answer_sets(), f=deal_facts)
def test_flags_are_known_names_in_a_fixed_order_and_walk_away_excludes_needs_help(answers, f):
    flags = score_deal(INSTRUMENT, answers, f).flags

    order = ("needs_help", "walk_away", "timing_risk", "overdue", "not_analysed")
    assert list(flags) == [name for name in order if name in flags]
    assert not {"needs_help", "walk_away"} <= set(flags)


# -- examples --------------------------------------------------------------------


def test_a_deal_with_everything_confirmed_scores_100_on_every_kpi_without_flags():
    score = score_deal(INSTRUMENT, answer_all("yes"), facts())

    assert (score.qualification, score.chance_to_win, score.reliability, score.timing) == (100, 100, 100, 100)
    assert score.flags == ()


def test_a_deal_nobody_analysed_is_a_one_in_four_deal_with_reliability_zero():
    score = score_deal(INSTRUMENT, {}, facts())

    assert (score.qualification, score.chance_to_win, score.reliability, score.timing) == (0, 25, 0, 25)
    assert score.flags == ("not_analysed",)


def test_a_deal_answered_only_with_unknown_still_counts_as_not_analysed():
    score = score_deal(INSTRUMENT, answer_all("unknown"), facts(close=None))

    assert score.flags == ("timing_risk", "not_analysed")


def test_a_knockout_no_on_an_otherwise_perfect_deal_means_walk_away():
    answers = with_answers(answer_all("yes"), {"opp-budget-exists": "no"})

    score = score_deal(INSTRUMENT, answers, facts())

    assert score.chance_to_win == KNOCKOUT_CAP
    assert score.qualification == 100
    assert score.flags == ("walk_away",)


def test_a_well_qualified_deal_with_a_low_chance_to_win_means_walk_away():
    answers = answer_all("yes")
    for q in QUAL:
        if not q.knockout:
            answers[q.id] = "no"

    score = score_deal(INSTRUMENT, answers, facts())

    assert score.qualification == 100
    assert score.chance_to_win < 20
    assert "walk_away" in score.flags


def test_a_promising_deal_with_many_unknowns_needs_help():
    answers = {q.id: "yes" for q in INSTRUMENT.questions[::2]}

    score = score_deal(INSTRUMENT, answers, facts())

    assert score.chance_to_win >= 40
    assert score.qualification < 60
    assert "needs_help" in score.flags
    assert "walk_away" not in score.flags


def test_a_blank_close_date_halves_timing_and_is_a_timing_risk():
    dated = score_deal(INSTRUMENT, answer_all("yes"), facts())
    blank = score_deal(INSTRUMENT, answer_all("yes"), facts(close=None))

    assert blank.timing == dated.timing / 2
    assert "timing_risk" in blank.flags


def test_two_slips_are_a_timing_risk_even_when_timing_is_high():
    score = score_deal(INSTRUMENT, answer_all("yes"), facts(slips=2))

    assert score.timing == 64.0
    assert score.flags == ("timing_risk",)


def test_a_closed_deal_past_its_close_date_is_not_overdue_and_carries_no_action_flags():
    answers = with_answers(answer_all("yes"), {"opp-budget-exists": "no"})

    score = score_deal(INSTRUMENT, answers, facts(status="won", close=date(2025, 1, 31)))

    assert score.timing == 100
    assert score.flags == ()


def test_deal_facts_reject_an_unknown_status_and_negative_slips():
    with pytest.raises(ValueError, match="status"):
        DealFacts(status="pending", expected_close=None, today=TODAY)
    with pytest.raises(ValueError, match="slips"):
        DealFacts(status="open", expected_close=None, today=TODAY, slips=-1)


# -- explanations ------------------------------------------------------------------


def test_the_answer_with_the_biggest_effect_is_listed_first():
    answers = with_answers(answer_all("yes"), {"cmp-must-haves-met": "no", "wth-reference-agreed": "no"})

    explanation = score_deal(INSTRUMENT, answers, facts()).explanations["chance_to_win"]

    assert [c.question_id for c in explanation.lowered] == ["cmp-must-haves-met", "wth-reference-agreed"]
    assert explanation.lowered[0].effect < explanation.lowered[1].effect < 0
    effects = [abs(c.effect) for c in explanation.raised]
    assert effects == sorted(effects, reverse=True)


def test_a_capping_knockout_is_charged_what_the_cap_takes_off():
    answers = with_answers(answer_all("yes"), {"opp-budget-exists": "no"})

    lowered = score_deal(INSTRUMENT, answers, facts()).explanations["chance_to_win"].lowered

    assert lowered[0].question_id == "opp-budget-exists"
    assert lowered[0].effect == pytest.approx(KNOCKOUT_CAP - 94.4, abs=0.1)


def test_unknown_answers_lower_reliability_but_do_not_move_the_chance_to_win():
    answers = with_answers(answer_all("yes"), {"win-preferred-supplier": "unknown"})

    explanations = score_deal(INSTRUMENT, answers, facts()).explanations

    assert "win-preferred-supplier" not in [c.question_id for c in explanations["chance_to_win"].lowered]
    assert explanations["reliability"].lowered[0].question_id == "win-preferred-supplier"


def test_qualification_explanation_adds_up_to_the_qualification_degree():
    answers = {q.id: "yes" for q in QUAL[:10]}

    score = score_deal(INSTRUMENT, answers, facts())
    explanation = score.explanations["qualification"]

    assert sum(c.effect for c in explanation.raised) == pytest.approx(score.qualification, abs=0.5)
    assert sum(-c.effect for c in explanation.lowered) == pytest.approx(100 - score.qualification, abs=0.5)


def test_timing_explanation_lists_the_blank_date_and_the_slips():
    score = score_deal(INSTRUMENT, answer_all("yes"), facts(close=None, slips=1))

    lowered = {c.question_id: c for c in score.explanations["timing"].lowered}

    assert lowered[FACT_NO_CLOSE_DATE].effect == -40.0
    assert lowered[FACT_SLIPS].answer == "1"
    assert lowered[FACT_SLIPS].effect == -10.0
    assert score.timing == 40.0


def test_an_overdue_deal_explains_its_zero_timing_by_the_overdue_close_date():
    score = score_deal(INSTRUMENT, answer_all("yes"), facts(close=date(2025, 2, 28)))

    first = score.explanations["timing"].lowered[0]

    assert (first.question_id, first.answer, first.effect) == (FACT_OVERDUE, "2025-02-28", -100.0)


def test_every_kpi_has_an_explanation():
    explanations = score_deal(INSTRUMENT, {}, facts()).explanations

    assert set(explanations) == {"qualification", "chance_to_win", "reliability", "timing"}
    assert all(e.kpi == name for name, e in explanations.items())


# -- coaching questions and answer validation ------------------------------------------


def test_coaching_questions_come_knockouts_first_then_by_weight():
    answers = with_answers(
        answer_all("yes"),
        {
            "wth-reference-agreed": "no",
            "tim-compelling-event": "unknown",
            "cmp-price-fits-budget": "unknown",
            "opp-budget-exists": "no",
            "opp-account-fits-profile": "no",
        },
    )

    ids = [qid for qid, _ in coaching_questions(INSTRUMENT, answers)]

    assert ids == [
        "opp-budget-exists",
        "cmp-price-fits-budget",
        "tim-compelling-event",
        "opp-account-fits-profile",
        "wth-reference-agreed",
    ]


def test_coaching_questions_carry_both_languages_and_skip_yes_answers():
    answers = with_answers(answer_all("yes"), {"win-decision-maker-met": "unknown"})

    questions = coaching_questions(INSTRUMENT, answers)

    assert len(questions) == 1
    qid, text = questions[0]
    assert qid == "win-decision-maker-met"
    assert text == INSTRUMENT.question(qid).coaching
    assert text.get("nl") != text.get("en")


def test_a_missing_answer_gets_a_coaching_question_like_an_unknown_one():
    assert len(coaching_questions(INSTRUMENT, {})) == len(ALL_IDS)


@pytest.mark.parametrize(
    "answers, message",
    [
        ({"no_such_question": "yes"}, "'no_such_question' is not a question of deal-analysis v1"),
        ({"opp-budget-exists": "maybe"}, "answer 'maybe' is not one of yes, no, unknown"),
        ({"opp-budget-exists": True}, "answer True"),
        ({"opp-budget-exists": "Yes"}, "answer 'Yes'"),
    ],
)
def test_answers_with_unknown_ids_or_values_are_rejected(answers, message):
    with pytest.raises(AnswerError, match=message):
        validate_answers(INSTRUMENT, answers)
    with pytest.raises(AnswerError):
        score_deal(INSTRUMENT, answers, facts())


# -- the worked example of docs/scoring.md (deal analysis part) ------------------------------------------

WORKED_EXAMPLE = {
    "yes": (
        "opp-problem-described opp-budget-exists opp-project-approved opp-requirements-written "
        "opp-account-fits-profile opp-buyer-active cmp-must-haves-met cmp-invited-to-propose cmp-criteria-known "
        "cmp-reference-available cmp-capacity-to-deliver win-free-to-switch win-inside-help win-solution-seen "
        "win-next-step-dated wth-margin-met wth-quote-validated wth-risk-accepted wth-in-sales-plan "
        "wth-cost-of-sale-in-budget tim-decision-steps-known tim-budget-in-period"
    ),
    "no": "cmp-competitors-known win-unique-criterion win-several-levels tim-compelling-event tim-plan-agreed",
    "unknown": (
        "opp-impact-quantified cmp-price-fits-budget cmp-terms-acceptable win-decision-maker-met "
        "win-preferred-supplier wth-credit-checked wth-follow-on-named wth-reference-agreed "
        "tim-close-date-confirmed tim-approval-steps-known tim-start-date-agreed"
    ),
}


def worked_example_answers():
    return {qid: value for value, ids in WORKED_EXAMPLE.items() for qid in ids.split()}


def test_the_documented_worked_example_scores_as_documented():
    example = facts(close=date(2025, 6, 27), today=date(2025, 5, 12), slips=1)

    score = score_deal(INSTRUMENT, worked_example_answers(), example)

    assert len(worked_example_answers()) == len(ALL_IDS)
    assert (score.qualification, score.chance_to_win, score.reliability, score.timing) == (74.5, 63.3, 10.0, 31.4)
    assert score.flags == ("needs_help", "timing_risk")
    assert [c.question_id for c in score.explanations["reliability"].lowered[:3]] == [
        "win-decision-maker-met",
        "wth-credit-checked",
        "cmp-price-fits-budget",
    ]


def test_the_documented_worked_example_is_a_walk_away_once_the_decision_maker_is_out_of_reach():
    answers = with_answers(worked_example_answers(), {"win-decision-maker-met": "no"})
    example = facts(close=date(2025, 6, 27), today=date(2025, 5, 12), slips=1)

    score = score_deal(INSTRUMENT, answers, example)

    assert (score.qualification, score.chance_to_win) == (79.4, 10.0)
    assert score.flags == ("walk_away", "timing_risk")
    assert score.explanations["chance_to_win"].lowered[0] == Contribution("win-decision-maker-met", "no", -53.3)
