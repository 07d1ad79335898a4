"""The development plan: goals in one to three priority areas, with dated actions."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from coachkit import services
from coachkit.extensions import db
from coachkit.models import PlanAction
from coachkit.models import PlanGoal
from tests.web.helpers import MIXED_PROFILE
from tests.web.helpers import area
from tests.web.helpers import count
from tests.web.helpers import location_path
from tests.web.helpers import page_text
from tests.web.helpers import parse
from tests.web.helpers import profile_answers
from tests.web.helpers import table_rows

TOO_MANY = "A development plan focuses on at most 3 areas."


@pytest.fixture
def assessment(logged_in, submitted_assessment):
    return submitted_assessment(answers=profile_answers(MIXED_PROFILE))


def add_goal(client, assessment_id, area_id="coaching", goal="Ask before I tell in every one-on-one.", **extra):
    data = {"area": area_id, "goal": goal, "action": "", "target_date": ""}
    data.update(extra)
    return client.post(f"/assessments/{assessment_id}/plan", data=data)


def goals(assessment_id) -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(PlanGoal.area_id, PlanGoal.goal)
        .where(PlanGoal.assessment_id == assessment_id)
        .order_by(PlanGoal.position, PlanGoal.id)
    )
    return [tuple(row) for row in rows]


def goal_id(assessment_id, text) -> int:
    return db.session.scalar(
        sa.select(PlanGoal.id).where(PlanGoal.assessment_id == assessment_id, PlanGoal.goal == text)
    )


def actions(goal_pk) -> list[tuple[str, date | None, bool]]:
    rows = db.session.execute(
        sa.select(PlanAction.description, PlanAction.target_date, PlanAction.done)
        .where(PlanAction.goal_id == goal_pk)
        .order_by(PlanAction.id)
    )
    return [tuple(row) for row in rows]


def action_id(goal_pk) -> int:
    return db.session.scalar(sa.select(PlanAction.id).where(PlanAction.goal_id == goal_pk))


def test_adding_a_goal_with_a_first_action_and_date_puts_it_in_the_plan(client, assessment):
    response = add_goal(
        client,
        assessment.id,
        "coaching",
        "Ask before I tell in every one-on-one.",
        action="Record one conversation a week",
        target_date="2030-06-30",
    )

    assert response.status_code == 302
    assert location_path(response) == f"/assessments/{assessment.id}/plan"
    assert goals(assessment.id) == [("coaching", "Ask before I tell in every one-on-one.")]
    pk = goal_id(assessment.id, "Ask before I tell in every one-on-one.")
    assert actions(pk) == [("Record one conversation a week", date(2030, 6, 30), False)]
    page = client.get(f"/assessments/{assessment.id}/plan")
    assert area("coaching").title["en"] in page_text(page.data)
    assert ["Record one conversation a week", "Jun 30, 2030", "Open", "Edit Delete"] in table_rows(
        page.data, caption="Actions"
    )


def test_the_plan_shows_goals_in_the_users_language(client, assessment, logged_in):
    logged_in.language = "nl"
    db.session.commit()
    add_goal(
        client,
        assessment.id,
        "pipeline",
        "Elke week de pijplijn doorlopen",
        action="Dealreview",
        target_date="2030-06-30",
    )

    page = client.get(f"/assessments/{assessment.id}/plan")

    assert area("pipeline").title["nl"] in page_text(page.data)
    assert "30 jun 2030" in page_text(page.data)


def test_an_action_can_be_added_to_a_goal_with_or_without_a_date(client, assessment):
    add_goal(client, assessment.id)
    pk = goal_id(assessment.id, "Ask before I tell in every one-on-one.")

    first = client.post(
        f"/assessments/goals/{pk}/actions", data={"description": "Read a coaching book", "target_date": "2030-09-15"}
    )
    second = client.post(
        f"/assessments/goals/{pk}/actions", data={"description": "Ask a peer for feedback", "target_date": ""}
    )

    assert first.status_code == second.status_code == 302
    assert actions(pk) == [("Read a coaching book", date(2030, 9, 15), False), ("Ask a peer for feedback", None, False)]


def test_an_invalid_action_is_refused(client, assessment):
    add_goal(client, assessment.id)
    pk = goal_id(assessment.id, "Ask before I tell in every one-on-one.")

    for data in (
        {"description": " ", "target_date": "2030-09-15"},
        {"description": "Read", "target_date": "2030-02-30"},
    ):
        response = client.post(f"/assessments/goals/{pk}/actions", data=data)
        assert response.status_code == 400, data
        assert actions(pk) == [], data


def test_a_goal_can_be_edited(client, assessment):
    add_goal(client, assessment.id, "coaching", "Old text")
    pk = goal_id(assessment.id, "Old text")

    form = parse(client.get(f"/assessments/goals/{pk}/edit").data)
    assert "".join(next(form.iter("textarea")).itertext()).strip() == "Old text"
    selected = [o.get("value") for o in form.iter("option") if "selected" in o.attrib]
    assert selected == ["coaching"]

    response = client.post(f"/assessments/goals/{pk}/edit", data={"area": "people", "goal": "  New text "})

    assert location_path(response) == f"/assessments/{assessment.id}/plan"
    assert goals(assessment.id) == [("people", "New text")]


def test_an_action_can_be_marked_done_and_open_again(client, assessment):
    add_goal(client, assessment.id, action="Record one conversation a week", target_date="2030-06-30")
    pk = goal_id(assessment.id, "Ask before I tell in every one-on-one.")
    action_pk = action_id(pk)

    response = client.post(
        f"/assessments/actions/{action_pk}/edit",
        data={"description": "Record one conversation a week", "target_date": "2030-07-15", "done": "y"},
    )

    assert location_path(response) == f"/assessments/{assessment.id}/plan"
    assert actions(pk) == [("Record one conversation a week", date(2030, 7, 15), True)]
    rows = table_rows(client.get(f"/assessments/{assessment.id}/plan").data, caption="Actions")
    assert rows[1][:3] == ["Record one conversation a week", "Jul 15, 2030", "Done"]

    client.post(
        f"/assessments/actions/{action_pk}/edit",
        data={"description": "Record one conversation a week", "target_date": "2030-07-15"},
    )
    assert actions(pk) == [("Record one conversation a week", date(2030, 7, 15), False)]


def test_deleting_an_action_and_a_goal(client, assessment):
    add_goal(client, assessment.id, "coaching", "First goal", action="First action")
    add_goal(client, assessment.id, "people", "Second goal", action="Second action")
    first, second = goal_id(assessment.id, "First goal"), goal_id(assessment.id, "Second goal")

    assert client.post(f"/assessments/actions/{action_id(first)}/delete").status_code == 302
    assert actions(first) == []
    assert actions(second) == [("Second action", None, False)]

    assert client.post(f"/assessments/goals/{second}/delete").status_code == 302
    assert goals(assessment.id) == [("coaching", "First goal")]
    assert count(PlanAction) == 0, "a goal's actions go with it"


def test_a_fourth_priority_area_is_refused_and_nothing_is_stored(client, assessment):
    for area_id in ("people", "pipeline", "accounts"):
        assert add_goal(client, assessment.id, area_id, f"Goal for {area_id}").status_code == 302
    assert add_goal(client, assessment.id, "people", "Another goal for people").status_code == 302

    response = add_goal(client, assessment.id, "coaching", "Goal for coaching", action="An action")

    assert response.status_code == 400
    assert TOO_MANY in page_text(response.data)
    assert [g[0] for g in goals(assessment.id)] == ["people", "pipeline", "accounts", "people"]
    assert count(PlanAction) == 0


def test_moving_a_goal_into_a_fourth_area_is_refused(client, assessment):
    for area_id in ("people", "pipeline", "accounts"):
        add_goal(client, assessment.id, area_id, f"Goal for {area_id}")
    add_goal(client, assessment.id, "people", "Second people goal")

    refused = client.post(
        f"/assessments/goals/{goal_id(assessment.id, 'Second people goal')}/edit",
        data={"area": "coaching", "goal": "Changed"},
    )
    # Moving the only goal of an area keeps the plan at three areas, so that is fine.
    allowed = client.post(
        f"/assessments/goals/{goal_id(assessment.id, 'Goal for accounts')}/edit",
        data={"area": "coaching", "goal": "Goal for coaching"},
    )

    assert refused.status_code == 400
    assert TOO_MANY in page_text(refused.data)
    assert allowed.status_code == 302
    assert goals(assessment.id) == [
        ("people", "Goal for people"),
        ("pipeline", "Goal for pipeline"),
        ("coaching", "Goal for coaching"),
        ("people", "Second people goal"),
    ]


def test_an_unknown_area_is_refused_with_a_message(client, assessment):
    for area_id in ("finance", "", "PEOPLE"):
        response = add_goal(client, assessment.id, area_id, "A goal", action="An action")
        assert response.status_code == 400, area_id
        errors = [el for el in parse(response.data).iter("p") if el.get("id") == "area-error"]
        assert errors and "".join(errors[0].itertext()).strip(), area_id
    assert goals(assessment.id) == []
    assert count(PlanAction) == 0


def test_a_goal_needs_text(client, assessment):
    response = add_goal(client, assessment.id, "coaching", "   ")

    assert response.status_code == 400
    assert goals(assessment.id) == []


def test_goal_text_is_shown_as_text_not_markup(client, assessment):
    add_goal(client, assessment.id, "coaching", "<script>alert(1)</script>")

    page = client.get(f"/assessments/{assessment.id}/plan")

    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_an_unsubmitted_assessment_has_no_plan_yet(client, logged_in):
    open_one = services.start_assessment(logged_in)

    response = add_goal(client, open_one.id)

    assert location_path(response) == f"/assessments/{open_one.id}"
    assert count(PlanGoal) == 0


OTHER_USERS_REQUESTS = [
    ("get", "/assessments/goals/{goal}/edit", None),
    ("post", "/assessments/goals/{goal}/edit", {"area": "people", "goal": "Hijacked"}),
    ("post", "/assessments/goals/{goal}/delete", None),
    ("post", "/assessments/goals/{goal}/actions", {"description": "Hijacked", "target_date": ""}),
    ("get", "/assessments/actions/{action}/edit", None),
    ("post", "/assessments/actions/{action}/edit", {"description": "Hijacked", "target_date": "", "done": "y"}),
    ("post", "/assessments/actions/{action}/delete", None),
]


def test_another_users_goals_and_actions_do_not_exist_for_me(client, logged_in, other_user, submitted_assessment):
    theirs = submitted_assessment(user=other_user)
    goal = services.add_goal(theirs, "coaching", "Their goal", "Their action", date(2030, 1, 31))
    goal_pk, action_pk = goal.id, goal.actions[0].id

    for method, url, data in OTHER_USERS_REQUESTS:
        response = getattr(client, method)(url.format(goal=goal_pk, action=action_pk), data=data)
        assert response.status_code == 404, (method, url)
        assert "Their goal" not in response.get_data(as_text=True)

    assert goals(theirs.id) == [("coaching", "Their goal")]
    assert actions(goal_pk) == [("Their action", date(2030, 1, 31), False)]
