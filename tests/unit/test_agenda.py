"""The one-on-one agenda rules in assessments/agenda.py: deal selection, development topic, manager's focus."""

import subprocess
import sys
from datetime import date
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from assessments import agenda
from assessments.agenda import ANALYSE
from assessments.agenda import CLOSING_NOT_ANALYSED
from assessments.agenda import MASTERY
from assessments.agenda import OVERDUE
from assessments.agenda import AgendaDeal
from assessments.agenda import PlanGoalInfo
from assessments.agenda import PlanStep
from assessments.agenda import coaching_focus
from assessments.agenda import deal_reasons
from assessments.agenda import development_topic
from assessments.agenda import get_topics
from assessments.agenda import load_topics
from assessments.agenda import open_shares
from assessments.agenda import select_deals
from assessments.deal_instrument import get_deal_instrument
from assessments.deal_scoring import coaching_questions
from assessments.errors import InstrumentError
from assessments.instruments import get_instrument

ROOT = Path(__file__).resolve().parents[2]
INSTRUMENT = get_deal_instrument()
TODAY = date(2026, 3, 10)
ALL_YES = {q.id: "yes" for q in INSTRUMENT.questions}


def deal(deal_id, *flags, value="1000", close=TODAY + timedelta(days=60), answers=None, status="open"):
    return AgendaDeal(
        deal_id=deal_id,
        value=None if value is None else Decimal(value),
        expected_close=close,
        flags=tuple(flags),
        answers=answers if answers is not None else ({} if "not_analysed" in flags else dict(ALL_YES)),
        status=status,
    )


def ids(picks):
    return [p.deal_id for p in picks]


# ---------------------------------------------------------------------------- reasons


def test_a_deal_without_flags_that_is_analysed_needs_no_attention():
    assert deal_reasons(deal(1), TODAY) == ()


def test_closed_deals_are_never_on_the_agenda():
    assert deal_reasons(deal(1, "walk_away", status="won"), TODAY) == ()
    assert deal_reasons(deal(2, "needs_help", status="lost"), TODAY) == ()


def test_the_analysis_flags_are_reasons_in_the_documented_order():
    assert deal_reasons(deal(1, "needs_help", "walk_away", "timing_risk"), TODAY) == (
        "walk_away",
        "needs_help",
        "timing_risk",
    )


def test_overdue_is_worked_out_from_the_close_date_and_today():
    late = deal(1, close=TODAY - timedelta(days=1))
    assert deal_reasons(late, TODAY) == (OVERDUE,)
    assert deal_reasons(deal(2, close=TODAY), TODAY) == ()


def test_timing_risk_counts_only_for_an_analysed_deal():
    assert deal_reasons(deal(1, "timing_risk"), TODAY) == ("timing_risk",)
    # A blank close date flags timing risk on every unanalysed deal of a typical CRM export.
    assert deal_reasons(deal(2, "timing_risk", "not_analysed", close=None), TODAY) == ()


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, (CLOSING_NOT_ANALYSED,)), (30, (CLOSING_NOT_ANALYSED,)), (31, ()), (-1, (OVERDUE,))],
)
def test_an_unanalysed_deal_is_on_the_agenda_when_it_closes_within_thirty_days(days, expected):
    item = deal(1, "not_analysed", close=TODAY + timedelta(days=days))
    assert deal_reasons(item, TODAY) == expected


# ---------------------------------------------------------------------------- order and cap


def test_deals_are_ordered_by_group_then_value_then_close_date_then_id():
    deals = [
        deal(1, "not_analysed", value="90000", close=TODAY + timedelta(days=5)),
        deal(2, "timing_risk", value="50000"),
        deal(3, "needs_help", value="2000"),
        deal(4, "walk_away", value="8000"),
        deal(5, value="70000", close=TODAY - timedelta(days=3)),
        deal(6, "needs_help", value="2000", close=TODAY + timedelta(days=10)),
        deal(7, "needs_help", value="2000", close=TODAY + timedelta(days=10)),
    ]

    picks = select_deals(deals, TODAY, INSTRUMENT, limit=10)

    # group 1 by value (4), then equal values by close date (6, 7 before 3) and id (6 before 7);
    # group 2 by value (5, 2); group 3 last (1), whatever its value.
    assert ids(picks) == [4, 6, 7, 3, 5, 2, 1]
    assert [p.group for p in picks] == [1, 1, 1, 1, 2, 2, 3]


def test_the_documented_example_gives_the_documented_agenda():
    on = date(2026, 3, 10)
    timing_no = {**ALL_YES, **{q.id: "no" for q in INSTRUMENT.timing_questions}}
    deals = [
        deal("A", "walk_away", value="5000", close=on + timedelta(days=50)),
        deal("B", "needs_help", value="12000", close=on + timedelta(days=40)),
        deal("C", "timing_risk", "overdue", value="30000", close=date(2026, 3, 5)),
        deal("D", "timing_risk", value="9000", close=on + timedelta(days=60), answers=timing_no),
        deal("E", "not_analysed", value="20000", close=date(2026, 3, 20)),
        deal("F", "not_analysed", value="800", close=date(2026, 3, 30)),
        deal("G", value="50000", close=on + timedelta(days=10)),
        deal("H", "not_analysed", value="99000", close=date(2026, 4, 24)),
    ]
    picks = select_deals(deals, on, INSTRUMENT)
    assert ids(picks) == ["B", "A", "C", "D", "E"]
    assert [p.reasons for p in picks] == [
        ("needs_help",),
        ("walk_away",),
        ("overdue", "timing_risk"),
        ("timing_risk",),
        ("closing_not_analysed",),
    ]


def test_a_deal_without_value_counts_as_zero_and_without_close_date_comes_last():
    deals = [
        deal(1, "needs_help", value=None),
        deal(2, "needs_help", value="1", close=None),
        deal(3, "needs_help", value="1"),
    ]
    assert ids(select_deals(deals, TODAY, INSTRUMENT)) == [3, 2, 1]


def test_at_most_five_deals_are_chosen():
    deals = [deal(n, "needs_help", value=str(n * 100)) for n in range(1, 9)]
    picks = select_deals(deals, TODAY, INSTRUMENT)
    assert ids(picks) == [8, 7, 6, 5, 4]


def test_a_deal_with_several_reasons_counts_in_its_best_group():
    picks = select_deals(
        [deal(1, "timing_risk", value="100000"), deal(2, "needs_help", "timing_risk", value="10")], TODAY, INSTRUMENT
    )
    assert ids(picks) == [2, 1]
    assert picks[0].reasons == ("needs_help", "timing_risk")
    assert picks[0].reason == "needs_help"


# ---------------------------------------------------------------------------- coaching questions


def test_coaching_questions_come_from_the_no_and_unknown_answers_most_important_first():
    answers = {**ALL_YES, "cmp-competitors-known": "no", "win-decision-maker-met": "unknown", "opp-buyer-active": "no"}
    picks = select_deals([deal(1, "needs_help", answers=answers)], TODAY, INSTRUMENT)
    asked = [qid for qid, _text in picks[0].questions]
    assert asked == [qid for qid, _text in coaching_questions(INSTRUMENT, answers)][:3]
    assert asked[0] == "win-decision-maker-met"  # the knock-out first
    assert set(asked) == {"win-decision-maker-met", "cmp-competitors-known", "opp-buyer-active"}
    text = dict(picks[0].questions)["win-decision-maker-met"]
    assert text.get("nl") and text.get("en") and text.get("nl") != text.get("en")


def test_a_deal_answered_yes_everywhere_has_no_coaching_questions():
    picks = select_deals([deal(1, close=TODAY - timedelta(days=2))], TODAY, INSTRUMENT)
    assert picks[0].questions == ()


def test_an_unanalysed_deal_gets_the_heaviest_knock_out_questions():
    picks = select_deals([deal(1, "not_analysed", close=TODAY + timedelta(days=3))], TODAY, INSTRUMENT)
    questions = [INSTRUMENT.question(qid) for qid, _ in picks[0].questions]
    assert len(questions) == 3
    assert all(q.knockout and q.weight == 5 for q in questions)


# ---------------------------------------------------------------------------- development topic


def answers_open_in(heading: str, value: str = "unknown") -> dict[str, str]:
    group = INSTRUMENT.group(heading)
    return {**ALL_YES, **{q.id: value for q in group.questions}}


def test_without_an_analysed_deal_the_topic_is_learning_to_analyse():
    choice = development_topic(INSTRUMENT, [])
    assert choice.topic.id == ANALYSE
    assert choice.heading is None
    assert choice.analysed_deals == 0


def test_the_heading_with_the_most_open_answers_becomes_the_topic():
    analyses = [answers_open_in("win"), answers_open_in("win", "no"), answers_open_in("timing")]
    choice = development_topic(INSTRUMENT, analyses)
    assert choice.heading == "win"
    assert choice.topic.id == "win"
    assert choice.open_share == pytest.approx(2 / 3)
    assert dict(choice.open_shares)["timing"] == pytest.approx(1 / 3)
    assert choice.analysed_deals == 3


def test_a_tie_goes_to_the_heading_that_comes_first_in_a_sale():
    choice = development_topic(INSTRUMENT, [answers_open_in("worth"), answers_open_in("compete")])
    assert choice.heading == "compete"


def test_weights_count_one_heavy_open_question_outweighs_a_light_one():
    heavy = next(q for q in INSTRUMENT.group("worth").questions if q.weight == 5)
    light = min(INSTRUMENT.group("opportunity").questions, key=lambda q: q.weight)
    shares = dict(open_shares(INSTRUMENT, [{**ALL_YES, heavy.id: "no", light.id: "no"}]))
    assert shares["worth"] == pytest.approx(heavy.weight / INSTRUMENT.group("worth").total_weight)
    assert shares["worth"] > shares["opportunity"]


def test_a_missing_answer_counts_as_unknown():
    assert dict(open_shares(INSTRUMENT, [{}])) == {h: 1.0 for h in agenda.HEADINGS}


def test_when_hardly_anything_is_open_the_topic_is_mastery():
    choice = development_topic(INSTRUMENT, [ALL_YES, ALL_YES])
    assert choice.topic.id == MASTERY
    assert choice.heading is None
    assert choice.open_share is None


@given(
    st.lists(
        st.dictionaries(
            st.sampled_from([q.id for q in INSTRUMENT.questions]), st.sampled_from(["yes", "no", "unknown"])
        ),
        max_size=6,
    )
)
def test_open_shares_are_fractions_and_the_topic_is_always_a_known_one(analyses):
    shares = open_shares(INSTRUMENT, analyses)
    assert all(0.0 <= share <= 1.0 for _h, share in shares)
    choice = development_topic(INSTRUMENT, analyses)
    assert choice.topic.id in agenda.TOPIC_IDS
    if choice.heading is not None:
        assert choice.open_share == max(share for _h, share in shares)


# ---------------------------------------------------------------------------- the topic file


def test_the_shipped_topic_file_has_every_topic_in_both_languages():
    topics = get_topics()
    assert set(topics) == set(agenda.TOPIC_IDS)
    for topic in topics.values():
        for text in (topic.title, topic.text, topic.practice):
            assert text.en and text.nl and text.en != text.nl


def write_topics(tmp_path, change) -> Path:
    data = yaml.safe_load(agenda.TOPIC_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "topics.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_topic_without_dutch_text_is_refused_naming_the_file(tmp_path):
    def drop_dutch(data):
        del data["topics"][2]["practice"]["nl"]

    path = write_topics(tmp_path, drop_dutch)
    with pytest.raises(InstrumentError, match=r"topics\.yaml: topics\[2\]\.practice: missing Dutch text"):
        load_topics(path)


def test_a_missing_topic_and_an_unknown_topic_are_refused(tmp_path):
    with pytest.raises(InstrumentError, match="missing topic"):
        load_topics(write_topics(tmp_path, lambda d: d["topics"].pop()))
    with pytest.raises(InstrumentError, match="unknown topic 'closing'"):
        load_topics(write_topics(tmp_path, lambda d: d["topics"][0].update(id="closing")))


# ---------------------------------------------------------------------------- the manager's focus

COACHING = get_instrument("sales-manager-competencies").area("coaching")


def goal(goal_id, area_id, open_actions=1, total=None):
    steps = tuple(PlanStep(f"step {goal_id}.{n}", None) for n in range(open_actions))
    return PlanGoalInfo(goal_id, area_id, f"goal {goal_id}", steps, open_actions if total is None else total)


def test_the_focus_puts_coaching_goals_first_and_leaves_finished_goals_out():
    goals = [
        goal(1, "people"),
        goal(2, "coaching"),
        goal(3, "pipeline", open_actions=0, total=2),  # every action done
        goal(4, "accounts", open_actions=0, total=0),  # no actions yet
    ]
    focus = coaching_focus(goals, COACHING, 2)
    assert [g.goal_id for g in focus.goals] == [2, 1, 4]


def test_the_focus_keeps_at_most_three_goals():
    focus = coaching_focus([goal(n, "people") for n in range(1, 6)], COACHING, 3)
    assert [g.goal_id for g in focus.goals] == [1, 2, 3]


def test_the_suggestions_are_the_coaching_actions_at_the_managers_level():
    focus = coaching_focus([], COACHING, 2)
    assert focus.level == 2
    assert focus.suggestions == COACHING.maturity_level(2).actions
    assert len(focus.suggestions) >= 2


def test_without_a_level_there_are_no_suggestions():
    assert coaching_focus([goal(1, "people")], COACHING, None).suggestions == ()


# ---------------------------------------------------------------------------- purity


def test_the_agenda_rules_import_neither_flask_nor_sqlalchemy():
    code = "import sys, assessments.agenda; print(any(m in sys.modules for m in ('flask', 'sqlalchemy')))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
