"""Preparing one-on-one agendas: selection on a team of the shared sample, regeneration, carry-over, team page data.

These run through the service layer on SQLite and on PostgreSQL; the pages have their own tests.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from assessments.agenda import get_topics
from assessments.deal_scoring import NEEDS_HELP
from assessments.deal_scoring import TIMING_RISK
from assessments.deal_scoring import WALK_AWAY
from coachkit import coaching_services as cs
from coachkit import deal_services as ds
from coachkit.coaching.reporting import agenda_pdf
from coachkit.extensions import db
from coachkit.models import Meeting
from tests.web.coaching_helpers import TODAY
from tests.web.coaching_helpers import action
from tests.web.coaching_helpers import action_ids
from tests.web.coaching_helpers import answers
from tests.web.coaching_helpers import at
from tests.web.coaching_helpers import coaching_text
from tests.web.coaching_helpers import deal_ids
from tests.web.coaching_helpers import import_sample_team
from tests.web.coaching_helpers import items
from tests.web.coaching_helpers import make_deal
from tests.web.coaching_helpers import make_rep
from tests.web.coaching_helpers import meetings_of
from tests.web.coaching_helpers import pdf_pages
from tests.web.coaching_helpers import sample_deal
from tests.web.coaching_helpers import sample_open_deals
from tests.web.coaching_helpers import sample_team
from tests.web.coaching_helpers import squash


def test_the_answer_profiles_give_the_flags_the_tests_rely_on(app, manager):
    rep = make_rep(manager)
    expected = {"strong": (), "walk_away": (WALK_AWAY,), "needs_help": (NEEDS_HELP,), "timing_risk": (TIMING_RISK,)}
    for profile, flags in expected.items():
        deal = make_deal(manager, rep, profile, profile=profile)
        assert ds.score_of(deal).flags == flags, profile


# ---------------------------------------------------------------------------- selection on the shared sample

AGENT = "Cecily Lampkin"
OTHER_AGENT = "Anna Snelling"


def set_deal(manager, external_id, *, value, close_in, profile=None):
    deal = sample_deal(manager, external_id)
    assert deal is not None and deal.status == "open", external_id
    ds.update_deal(deal, value=Decimal(value), expected_close=TODAY + timedelta(days=close_in))
    if profile:
        ds.analyse_deal(deal, answers(profile), {}, manager)
    return deal


@pytest.fixture
def sample_agenda(app, manager):
    """One team of the shared sample, imported; some of one rep's open deals given values, dates and analyses."""
    assert AGENT in sample_team() and OTHER_AGENT in sample_team()
    import_sample_team(manager)
    ids = sample_open_deals(AGENT)
    assert len(ids) >= 10
    deals = {
        "walk": set_deal(manager, ids[0], value="5000", close_in=50, profile="walk_away"),
        "help": set_deal(manager, ids[1], value="12000", close_in=40, profile="needs_help"),
        "overdue": set_deal(manager, ids[2], value="30000", close_in=-5, profile="strong"),
        "timing": set_deal(manager, ids[3], value="9000", close_in=60, profile="timing_risk"),
        "soon_big": set_deal(manager, ids[4], value="20000", close_in=10),
        "soon_small": set_deal(manager, ids[5], value="800", close_in=20),
        "strong": set_deal(manager, ids[6], value="50000", close_in=10, profile="strong"),
        "later": set_deal(manager, ids[7], value="99000", close_in=45),
    }
    other = set_deal(manager, sample_open_deals(OTHER_AGENT)[0], value="70000", close_in=5, profile="walk_away")
    rep = ds.find_rep(manager, AGENT)
    meeting = cs.plan_meeting(manager, rep, at(2))
    return meeting, deals, other


def test_the_agenda_lists_the_deals_that_need_attention_in_the_documented_order(sample_agenda):
    meeting, deals, other = sample_agenda

    deal_items = items(meeting.id, part=2)

    # Walk-away and needs-help first (largest first), then overdue and timing risk, then the
    # unanalysed deal closing within 30 days; five at most, so the smaller one closing soon is left out.
    assert [i.deal_id for i in deal_items] == [
        deals["help"].id,
        deals["walk"].id,
        deals["overdue"].id,
        deals["timing"].id,
        deals["soon_big"].id,
    ]
    assert [i.reasons for i in deal_items] == [
        ["needs_help"],
        ["walk_away"],
        ["overdue", "timing_risk"],
        ["timing_risk"],
        ["closing_not_analysed"],
    ]
    left_out = {deals["soon_small"].id, deals["strong"].id, deals["later"].id, other.id}
    assert not left_out & set(deal_ids(meeting.id))


def test_each_deal_on_the_agenda_carries_coaching_questions_from_its_no_and_unknown_answers(sample_agenda):
    meeting, deals, _other = sample_agenda
    by_deal = {i.deal_id: i for i in items(meeting.id, part=2)}

    walk = by_deal[deals["walk"].id]
    assert walk.body.splitlines()[0] == coaching_text("cmp-must-haves-met")
    assert walk.title.startswith(deals["walk"].title)
    assert by_deal[deals["overdue"].id].body == ""  # everything answered yes: nothing to ask
    help_questions = by_deal[deals["help"].id].body.splitlines()
    assert len(help_questions) == 3
    assert coaching_text("opp-problem-described") in help_questions


def test_the_sample_reps_development_topic_is_where_most_answers_are_open(sample_agenda):
    meeting, _deals, _other = sample_agenda
    (development,) = items(meeting.id, part=3)
    # Of the five analysed deals, the timing-risk one has every timing answer "no": 20 % of the
    # timing weight is open, more than under any qualification heading.
    assert development.title == get_topics()["timing"].title.get("en")
    assert "20% of the weight, over 5 analysed deals" in development.body


def test_the_agenda_pdf_holds_the_deals_and_their_coaching_questions(sample_agenda):
    meeting, deals, _other = sample_agenda

    pages = pdf_pages(agenda_pdf(meeting, "en"))

    text = squash(" ".join(pages))
    for key in ("help", "walk", "overdue", "timing", "soon_big"):
        assert squash(deals[key].account or deals[key].title) in text
    assert squash(coaching_text("cmp-must-haves-met")) in text
    assert squash(coaching_text("opp-problem-described")) in text
    assert "Coaching plan" in pages[0] and "Agenda: one-on-one with" not in pages[0]
    assert "Agenda: one-on-one with Cecily Lampkin" in pages[1]
    assert squash("Deals of Cecily Lampkin") in text


# ---------------------------------------------------------------------------- regeneration keeps the manager's work


@pytest.fixture
def prepared(app, manager):
    rep = make_rep(manager)
    deals = {
        "a": make_deal(manager, rep, "Alpha", value="30000", profile="needs_help"),
        "b": make_deal(manager, rep, "Bravo", value="20000", profile="walk_away"),
        "c": make_deal(manager, rep, "Charlie", value="10000", profile="timing_risk"),
    }
    meeting = cs.plan_meeting(manager, rep, at(3))
    return meeting, rep, deals


def item_for(meeting, deal):
    return next(i for i in items(meeting.id, removed=None) if i.deal_id == deal.id)


def test_regenerating_keeps_edits_removals_order_notes_and_own_items(manager, prepared):
    meeting, rep, deals = prepared
    assert deal_ids(meeting.id) == [deals["a"].id, deals["b"].id, deals["c"].id]
    alpha, bravo, charlie = (item_for(meeting, deals[k]) for k in "abc")
    cs.edit_item(alpha, "Alpha: ask about the budget holder", "My own question")
    cs.remove_item(bravo)
    cs.move_item(charlie, "up")
    (development,) = items(meeting.id, part=3)
    cs.save_notes(development, "only for me", "for both of us")
    own = cs.add_item(meeting, 2, "Holiday planning", "Who covers the accounts?")
    # The data change: Alpha's analysis changes and a new, larger walk-away deal appears.
    ds.analyse_deal(deals["a"], {**answers("needs_help"), "opp-budget-exists": "unknown"}, {}, manager)
    delta = make_deal(manager, rep, "Delta", value="90000", profile="walk_away")

    db.session.refresh(meeting)
    cs.generate_agenda(meeting)

    part2 = items(meeting.id, part=2)
    # The manager's order stays (Charlie above Alpha, their own item after); the new deal joins at the end.
    assert [i.deal_id for i in part2] == [deals["c"].id, deals["a"].id, None, delta.id]
    alpha = item_for(meeting, deals["a"])
    assert (alpha.title, alpha.body, alpha.edited) == ("Alpha: ask about the budget holder", "My own question", True)
    bravo = item_for(meeting, deals["b"])
    assert bravo.removed is True
    assert own.id in [i.id for i in part2]
    (development,) = items(meeting.id, part=3)
    assert (development.private_note, development.shared_note) == ("only for me", "for both of us")


def test_regenerating_an_unarranged_part_follows_the_rule_and_refreshes_unedited_text(manager, prepared):
    meeting, rep, deals = prepared
    delta = make_deal(manager, rep, "Delta", value="90000", profile="walk_away")
    ds.analyse_deal(deals["b"], {**answers("walk_away"), "cmp-competitors-known": "unknown"}, {}, manager)

    db.session.refresh(meeting)
    cs.generate_agenda(meeting)

    assert deal_ids(meeting.id) == [delta.id, deals["a"].id, deals["b"].id, deals["c"].id]
    assert coaching_text("cmp-competitors-known") in item_for(meeting, deals["b"]).body


def test_an_item_no_longer_suggested_is_dropped_unless_the_manager_worked_on_it(manager, prepared):
    meeting, rep, deals = prepared
    cs.save_notes(item_for(meeting, deals["c"]), None, "ask for the signed plan")
    for key in ("b", "c"):
        ds.analyse_deal(deals[key], answers("strong"), {}, manager)

    db.session.refresh(meeting)
    result = cs.generate_agenda(meeting)

    assert deal_ids(meeting.id) == [deals["a"].id, deals["c"].id]
    assert (result.dropped, result.kept) == (1, 1)


def test_a_held_meeting_is_not_prepared_again(manager, prepared):
    meeting, _rep, _deals = prepared
    cs.close_meeting(meeting)
    with pytest.raises(cs.CoachingError, match="meeting_held"):
        cs.generate_agenda(meeting)


def test_moving_stops_at_the_ends_and_skips_removed_items(prepared):
    meeting, _rep, deals = prepared
    alpha, bravo, charlie = (item_for(meeting, deals[k]) for k in "abc")
    assert cs.move_item(alpha, "up") is False
    cs.remove_item(bravo)
    assert cs.move_item(charlie, "up") is True
    assert deal_ids(meeting.id) == [deals["c"].id, deals["a"].id]
    assert cs.move_item(charlie, "up") is False


# ---------------------------------------------------------------------------- carry-over


def test_open_actions_carry_over_across_three_meetings_until_done(manager):
    rep = make_rep(manager)
    first = cs.plan_meeting(manager, rep, at(-28))
    call = cs.add_action(first, "Call the buyer about the budget", "rep", TODAY + timedelta(days=3))
    visit = cs.add_action(first, "Join Rosa on a customer visit", "manager", None)
    assert action_ids(first.id) == []

    second = cs.close_meeting(first, at(-14))

    assert first.status == "held" and first.closed_at is not None
    assert [m.id for m in meetings_of(manager, rep)] == [first.id, second.id]
    assert second.status == "planned"
    assert action_ids(second.id) == [call.id, visit.id]  # due date first, then no due date

    cs.set_action_done(action(call.id), True, second)
    quote = cs.add_action(second, "Send the revised quote", "rep", TODAY)
    third = cs.close_meeting(second, at(0))

    # Still open from the first meeting, and new from the second; the done one stays behind.
    assert action_ids(third.id) == [quote.id, visit.id]
    assert action(call.id).done_meeting_id == second.id
    # The second meeting's record keeps the action that was ticked off in it.
    assert action_ids(second.id) == [call.id, visit.id]
    assert [i.action_item_id for i in items(second.id, part=1) if action(i.action_item_id).done] == [call.id]

    cs.set_action_done(action(visit.id), True, third)
    fourth = cs.close_meeting(third, at(14))
    assert action_ids(fourth.id) == [quote.id]


def test_closing_uses_the_next_planned_meeting_when_there_is_one(manager):
    rep = make_rep(manager)
    now = cs.plan_meeting(manager, rep, at(1))
    later = cs.plan_meeting(manager, rep, at(8))
    agreed = cs.add_action(now, "Update the forecast", "rep", None)
    assert action_ids(later.id) == [agreed.id]  # a planned later meeting follows at once

    following = cs.close_meeting(now, at(30))

    assert following.id == later.id
    assert len(meetings_of(manager, rep)) == 2


def test_without_a_date_the_next_meeting_is_two_weeks_later_at_the_same_time(manager):
    rep = make_rep(manager)
    meeting = cs.plan_meeting(manager, rep, at(2, hour=14))
    following = cs.close_meeting(meeting)
    assert following.scheduled_at == at(16, hour=14)


def test_the_next_meeting_cannot_be_planned_before_the_one_that_closes(manager):
    rep = make_rep(manager)
    meeting = cs.plan_meeting(manager, rep, at(2))
    with pytest.raises(cs.CoachingError, match="next_before_this"):
        cs.close_meeting(meeting, at(1))
    db.session.refresh(meeting)
    assert meeting.status == "planned"


def test_reopening_an_action_puts_it_back_on_the_next_agenda(manager):
    rep = make_rep(manager)
    first = cs.plan_meeting(manager, rep, at(-7))
    agreed = cs.add_action(first, "Check the credit limit", "rep", None)
    second = cs.close_meeting(first, at(7))
    cs.set_action_done(action(agreed.id), True, first)
    assert action_ids(second.id) == []
    cs.set_action_done(action(agreed.id), False, first)
    assert action_ids(second.id) == [agreed.id]


# ---------------------------------------------------------------------------- the manager's focus and the team


def test_the_focus_part_holds_the_plan_goals_and_the_coaching_suggestions(manager, submitted_assessment):
    from coachkit import services

    assessment = submitted_assessment(answers=None)
    services.add_goal(assessment, "people", "Keep my best reps", "Talk about ambitions with each rep", None)
    services.add_goal(assessment, "coaching", "Ask before I tell", "Two questions before any advice", None)
    rep = make_rep(manager)

    meeting = cs.plan_meeting(manager, rep, at(1))

    focus = items(meeting.id, part=4)
    assert [i.title for i in focus][:2] == ["Ask before I tell", "Keep my best reps"]
    assert "Two questions before any advice" in focus[0].body
    assert focus[2].source_key == "focus:coaching"
    assert focus[2].title.startswith("Coaching style, level 4")


def test_without_an_assessment_the_focus_part_asks_for_one(manager):
    meeting = cs.plan_meeting(manager, make_rep(manager), at(1))
    (focus,) = items(meeting.id, part=4)
    assert focus.source_key == "focus:assessment"
    assert "self-assessment" in focus.body


def test_generated_texts_are_in_the_managers_language(make_user):
    dutch = make_user("sanne@example.com", name="Sanne", language="nl")
    rep = make_rep(dutch)
    make_deal(dutch, rep, "Vloot", profile="walk_away")
    meeting = cs.plan_meeting(dutch, rep, at(1))
    (deal_item,) = items(meeting.id, part=2)
    assert deal_item.body.splitlines()[0] == coaching_text("cmp-must-haves-met", "nl")
    (development,) = items(meeting.id, part=3)
    assert development.title == get_topics()["compete"].title.get("nl")


def test_the_team_overview_shows_last_held_next_planned_and_open_actions(manager, make_user):
    rosa, idle = make_rep(manager, "Rosa"), make_rep(manager, "Ida")
    make_rep(manager, "Sam")
    ds.update_rep(idle, "Ida", None, False)
    held = cs.plan_meeting(manager, rosa, at(-10))
    cs.add_action(held, "One", "rep", None)
    done = cs.add_action(held, "Two", "manager", None)
    following = cs.close_meeting(held, at(4))
    cs.set_action_done(action(done.id), True, following)
    other_manager = make_user("other@example.com")
    cs.plan_meeting(other_manager, make_rep(other_manager, "Rosa"), at(1))

    rows = {row.rep.name: row for row in cs.team_overview(manager)}

    assert set(rows) == {"Rosa", "Sam"}  # an inactive rep without meetings is left out
    assert rows["Rosa"].last_held == at(-10)
    assert rows["Rosa"].next_planned.id == following.id
    assert rows["Rosa"].open_actions == 1
    assert (rows["Sam"].last_held, rows["Sam"].next_planned, rows["Sam"].open_actions) == (None, None, 0)


def test_planning_with_another_managers_rep_is_refused(manager, make_user):
    other = make_user("other@example.com")
    with pytest.raises(cs.CoachingError, match="unknown_rep"):
        cs.plan_meeting(manager, make_rep(other), at(1))
    assert db.session.query(Meeting).count() == 0


def test_rescheduling_changes_what_part_one_carries(manager):
    rep = make_rep(manager)
    first = cs.plan_meeting(manager, rep, at(1))
    second = cs.plan_meeting(manager, rep, at(8))
    agreed = cs.add_action(second, "Agreed in the later one", "rep", None)
    assert action_ids(first.id) == []

    cs.reschedule(second, at(-6), 45)  # the "later" meeting now comes first

    assert action_ids(first.id) == [agreed.id]


# ---------------------------------------------------------------------------- demo data


def test_the_demo_has_a_held_one_on_one_whose_open_actions_wait_in_the_next(app, runner):
    from coachkit.demo import DEMO_LOGINS
    from coachkit.demo import DEMO_REPS
    from coachkit.models import User

    def state():
        db.session.expire_all()
        result = {}
        for login in DEMO_LOGINS:
            if login.role != "manager":
                continue
            manager = db.session.query(User).filter_by(email=login.email).one()
            rep = ds.find_rep(manager, DEMO_REPS[0])
            meetings = meetings_of(manager, rep)
            result[login.email] = [
                (m.status, len(items(m.id)), [action(a).description for a in action_ids(m.id)]) for m in meetings
            ]
        return result

    assert runner.invoke(args=["demo"]).exit_code == 0
    first = state()
    assert runner.invoke(args=["demo"]).exit_code == 0

    assert state() == first
    for meetings in first.values():
        (held, held_items, held_actions), (planned, planned_items, carried) = meetings
        assert (held, planned) == ("held", "planned")
        assert held_actions == [] and len(carried) == 2
        assert planned_items > held_items  # the carried actions come on top
