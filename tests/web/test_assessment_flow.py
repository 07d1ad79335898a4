"""The self-assessment: pages, saving, resuming, review, submit, results and what must never be lost."""

from __future__ import annotations

import shutil
from datetime import datetime

import pytest
import sqlalchemy as sa
import yaml
from werkzeug.datastructures import MultiDict

from assessments import instruments
from coachkit import services
from coachkit.extensions import db
from coachkit.models import Assessment
from coachkit.models import PlanGoal
from tests.web.helpers import INSTRUMENT_FILE
from tests.web.helpers import MIXED_PROFILE
from tests.web.helpers import areas
from tests.web.helpers import assessment_row
from tests.web.helpers import checked_radios
from tests.web.helpers import count
from tests.web.helpers import every_row
from tests.web.helpers import expected_level
from tests.web.helpers import expected_score
from tests.web.helpers import instrument_file
from tests.web.helpers import level_names
from tests.web.helpers import list_after_heading
from tests.web.helpers import location_path
from tests.web.helpers import marked_statements
from tests.web.helpers import page_fields
from tests.web.helpers import page_text
from tests.web.helpers import parse
from tests.web.helpers import profile_answers
from tests.web.helpers import shown
from tests.web.helpers import stored_answers
from tests.web.helpers import table_rows
from tests.web.helpers import text

PAGES = len(areas())
NOT_SAVED = "Some answers were not valid. Nothing was saved."


def all_fields(answers: dict[str, int]) -> dict[str, str]:
    return {f: v for spec in areas() for f, v in page_fields(spec, answers).items()}


# The whole flow ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_whole_flow_ends_with_each_areas_score_and_level(client, auth, make_user, questionnaire, lang):
    make_user(language=lang)
    auth.login()
    answers = profile_answers(MIXED_PROFILE)

    assessment_id = questionnaire.start()
    assert location_path(client.get(f"/assessments/{assessment_id}")) == questionnaire.url(assessment_id, 1)

    for number, spec in enumerate(areas(), start=1):
        page = client.get(questionnaire.url(assessment_id, number))
        assert page.status_code == 200
        text = page_text(page.data)
        assert spec.title[lang] in text
        assert all(item.text[lang] in text for item in spec.items)
        assert {el.get("name") for el in parse(page.data).iter("input") if el.get("type") == "radio"} == {
            item.field for item in spec.items
        }
        action = "next" if number < PAGES else "review"
        response = questionnaire.post_page(assessment_id, number, page_fields(spec, answers), action)
        assert response.status_code == 302
        following = (
            questionnaire.url(assessment_id, number + 1) if number < PAGES else f"/assessments/{assessment_id}/review"
        )
        assert location_path(response) == following

    assert stored_answers(assessment_id) == answers
    review = client.get(f"/assessments/{assessment_id}/review")
    assert review.status_code == 200
    assert f'action="/assessments/{assessment_id}/submit"' in review.text

    response = questionnaire.submit(assessment_id)
    assert location_path(response) == f"/assessments/{assessment_id}/results"
    results = client.get(location_path(response))
    assert results.status_code == 200

    names = level_names(lang)
    scores = {spec.id: expected_score(spec, answers) for spec in areas()}
    levels = {area_id: expected_level(score) for area_id, score in scores.items()}
    rows = table_rows(results.data, css_class="profile")
    assert rows[1:] == [
        [spec.title[lang], shown(scores[spec.id], lang), f"{levels[spec.id]} · {names[levels[spec.id]]}"]
        for spec in areas()
    ]
    assert len(set(levels.values())) > 2, "the answers give the areas different levels"
    # The overall level is the mean level rounded down, at most one above the weakest area.
    overall = min(sum(levels.values()) // len(levels), min(levels.values()) + 1)
    assert f"{overall} · {names[overall]}" in page_text(results.data)
    labels = [el for el in parse(results.data).iter("text") if "radar-label" in el.get("class", "")]
    # A label may wrap over several lines (tspans); read it back as one line.
    assert [" ".join(part.strip() for part in el.itertext() if part.strip()) for el in labels] == [
        spec.title[lang] for spec in areas()
    ]


def test_the_results_name_the_weakest_area_as_a_development_priority(client, logged_in, submitted_assessment):
    answers = profile_answers(MIXED_PROFILE)
    assessment = submitted_assessment(answers=answers)
    weakest = min(areas(), key=lambda spec: expected_score(spec, answers))
    strongest = max(areas(), key=lambda spec: expected_score(spec, answers))

    page = client.get(f"/assessments/{assessment.id}/results")

    assert weakest.title["en"] in list_after_heading(page.data, "Development priorities")
    assert strongest.title["en"] in list_after_heading(page.data, "Strengths")


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_results_describe_each_areas_level_and_the_actions_towards_the_next(
    client, logged_in, submitted_assessment, lang
):
    logged_in.language = lang
    db.session.commit()
    answers = profile_answers(MIXED_PROFILE)
    assessment = submitted_assessment(answers=answers)

    page = parse(client.get(f"/assessments/{assessment.id}/results").data)

    sections = {el.get("id"): text(el) for el in page.iter("section") if el.get("id", "").startswith("area-")}
    source = {a["id"]: a for a in instrument_file()["areas"]}
    for spec in areas():
        level = expected_level(expected_score(spec, answers))
        maturity = source[spec.id]["maturity"][level - 1]
        section = sections[f"area-{spec.id}"]
        assert " ".join(maturity["descriptor"][lang].split()) in section
        for action in maturity["actions"]:
            assert " ".join(action[lang].split()) in section


def test_each_page_shows_the_progress_so_far(client, logged_in, questionnaire):
    assessment_id = questionnaire.start()
    first = areas()[0]
    questionnaire.post_page(assessment_id, 1, page_fields(first, profile_answers(MIXED_PROFILE)))

    text = page_text(client.get(questionnaire.url(assessment_id, 2)).data)

    total = sum(len(spec.items) for spec in areas())
    assert f"Page 2 of {PAGES}" in text
    assert f"{len(first.items)} of {total} statements answered" in text


# Saving a page -----------------------------------------------------------------------------


def test_previous_saves_the_page_without_requiring_every_answer(client, logged_in, questionnaire):
    assessment_id = questionnaire.start()
    spec = areas()[1]
    some = {spec.items[0].id: 2, spec.items[5].id: 4}

    response = questionnaire.post_page(assessment_id, 2, page_fields(spec, some), "previous")

    assert response.status_code == 302
    assert location_path(response) == questionnaire.url(assessment_id, 1)
    assert stored_answers(assessment_id) == some


def test_previous_on_an_empty_page_is_not_an_error(client, logged_in, questionnaire):
    assessment_id = questionnaire.start()

    response = questionnaire.post_page(assessment_id, 3, {}, "previous")

    assert location_path(response) == questionnaire.url(assessment_id, 2)
    assert stored_answers(assessment_id) == {}


def test_save_and_continue_later_keeps_a_partial_page(client, logged_in, questionnaire):
    assessment_id = questionnaire.start()
    spec = areas()[0]
    some = {item.id: 3 for item in spec.items[:4]}

    response = questionnaire.post_page(assessment_id, 1, page_fields(spec, some), "save")

    assert location_path(response) == "/assessments/"
    assert stored_answers(assessment_id) == some


@pytest.mark.parametrize("action", ["next", "review"])
def test_next_with_blanks_saves_the_given_answers_and_marks_the_missing_ones(client, logged_in, questionnaire, action):
    assessment_id = questionnaire.start()
    number = 1 if action == "next" else PAGES
    spec = areas()[number - 1]
    answers = profile_answers(MIXED_PROFILE)
    given = {item.id: answers[item.id] for item in spec.items[:7]}

    response = questionnaire.post_page(assessment_id, number, page_fields(spec, given), action)

    assert response.status_code == 400
    assert "Please answer the statements marked below." in page_text(response.data)
    assert marked_statements(response.data) == {item.id for item in spec.items[7:]}
    assert checked_radios(response.data) == page_fields(spec, given)
    assert stored_answers(assessment_id) == given


# Resuming ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answered", "lands_on"),
    [
        ({}, "page 1"),
        ({1: 12, 2: 5}, "page 2"),
        ({1: 12, 2: 12, 3: 11, 4: 12}, "page 3"),
        ({2: 12, 3: 12}, "page 1"),
        ({1: 12, 2: 12, 3: 12, 4: 12}, "review"),
    ],
    ids=["nothing", "half of page 2", "one missing on page 3", "skipped page 1", "all"],
)
def test_resuming_lands_on_the_first_unfinished_page(client, logged_in, questionnaire, answered, lands_on):
    assessment_id = questionnaire.start()
    answers = profile_answers(MIXED_PROFILE)
    for number, how_many in answered.items():
        spec = areas()[number - 1]
        given = {item.id: answers[item.id] for item in spec.items[:how_many]}
        assert questionnaire.post_page(assessment_id, number, page_fields(spec, given), "save").status_code == 302

    response = client.get(f"/assessments/{assessment_id}")

    expected = (
        f"/assessments/{assessment_id}/review"
        if lands_on == "review"
        else questionnaire.url(assessment_id, int(lands_on.split()[1]))
    )
    assert location_path(response) == expected


def test_a_page_shows_the_saved_answers_again(client, logged_in, questionnaire):
    assessment_id = questionnaire.start()
    spec = areas()[2]
    answers = profile_answers(MIXED_PROFILE)
    questionnaire.post_page(assessment_id, 3, page_fields(spec, answers), "save")

    page = client.get(questionnaire.url(assessment_id, 3))

    assert checked_radios(page.data) == page_fields(spec, answers)


def test_the_review_page_shows_what_is_unanswered_and_submit_sends_there(client, logged_in, questionnaire):
    answers = profile_answers(MIXED_PROFILE)
    missing = areas()[3].items[-1]
    assessment_id = questionnaire.start()
    for number, spec in enumerate(areas(), start=1):
        given = {item.id: answers[item.id] for item in spec.items if item != missing}
        questionnaire.post_page(assessment_id, number, page_fields(spec, given), "save")

    review = client.get(f"/assessments/{assessment_id}/review")

    rows = [row for row in every_row(review.data) if row[0] == missing.text["en"]]
    assert rows == [[missing.text["en"], "Not answered"]]
    assert f'action="/assessments/{assessment_id}/submit"' not in review.text
    response = questionnaire.submit(assessment_id)
    assert location_path(response) == questionnaire.url(assessment_id, PAGES)
    assert assessment_row(assessment_id).status == "in_progress"


# Submitting --------------------------------------------------------------------------------


def test_submitting_twice_stores_one_result(client, logged_in, questionnaire):
    assessment_id = questionnaire.start()
    questionnaire.answer_all(assessment_id, profile_answers(MIXED_PROFILE))
    assert location_path(questionnaire.submit(assessment_id)) == f"/assessments/{assessment_id}/results"
    first = assessment_row(assessment_id)

    again = questionnaire.submit(assessment_id)

    assert location_path(again) == f"/assessments/{assessment_id}/results"
    second = assessment_row(assessment_id)
    assert second.status == "submitted"
    assert second.submitted_at == first.submitted_at
    assert second.result == first.result
    assert count(Assessment) == 1


def test_a_submit_that_read_the_answers_before_another_submit_stores_nothing_new(client, logged_in, questionnaire):
    assessment_id = questionnaire.start()
    questionnaire.answer_all(assessment_id, profile_answers(MIXED_PROFILE))
    # A second request (a double click) has loaded the assessment while it was still open ...
    stale = db.session.get(Assessment, assessment_id)
    assert stale.status == "in_progress"
    # ... and the first request submits it.
    questionnaire.submit(assessment_id)
    first = assessment_row(assessment_id)

    assert services.submit_assessment(stale) is False
    assert assessment_row(assessment_id) == first


def test_after_submitting_the_answers_are_locked(client, logged_in, questionnaire):
    answers = profile_answers(MIXED_PROFILE)
    assessment_id = questionnaire.start()
    questionnaire.answer_all(assessment_id, answers)
    questionnaire.submit(assessment_id)

    changed = {item.id: 1 for item in areas()[0].items}
    response = questionnaire.post_page(assessment_id, 1, page_fields(areas()[0], changed), "next")

    assert location_path(response) == f"/assessments/{assessment_id}/results"
    assert stored_answers(assessment_id) == answers
    followed = client.get(location_path(response))
    assert "These answers are submitted and can no longer be changed." in page_text(followed.data)
    for path in (
        questionnaire.url(assessment_id, 2),
        f"/assessments/{assessment_id}/review",
        f"/assessments/{assessment_id}",
    ):
        assert location_path(client.get(path)) == f"/assessments/{assessment_id}/results"


def test_starting_twice_gives_one_open_assessment(client, logged_in, questionnaire):
    first = questionnaire.start()
    second = questionnaire.start()

    assert first == second
    assert count(Assessment) == 1


def test_starting_after_a_submit_opens_a_new_assessment(client, logged_in, questionnaire):
    first = questionnaire.start()
    questionnaire.answer_all(first, profile_answers(MIXED_PROFILE))
    questionnaire.submit(first)

    second = questionnaire.start()

    assert second != first
    assert assessment_row(second).status == "in_progress"
    assert stored_answers(second) == {}
    assert count(Assessment) == 2


def test_a_stale_tab_saving_part_of_a_page_does_not_wipe_other_answers(client, logged_in, questionnaire):
    answers = profile_answers(MIXED_PROFILE)
    assessment_id = questionnaire.start()
    first, second = areas()[0], areas()[1]
    # Tab A answers pages 1 and 2.
    questionnaire.post_page(assessment_id, 1, page_fields(first, answers), "next")
    questionnaire.post_page(assessment_id, 2, page_fields(second, answers), "next")
    # Tab B still shows page 1 as it was before; the user changes two answers there and saves.
    changed = {item.id: 6 - answers[item.id] if answers[item.id] != 3 else 1 for item in first.items[:2]}
    assert all(changed[k] != answers[k] for k in changed)

    response = questionnaire.post_page(assessment_id, 1, page_fields(first, changed), "save")

    assert response.status_code == 302
    expected = {item.id: answers[item.id] for spec in (first, second) for item in spec.items} | changed
    assert stored_answers(assessment_id) == expected


# Invalid input -----------------------------------------------------------------------------


@pytest.fixture
def saved_first_page(client, logged_in, questionnaire):
    """An assessment with page 1 saved, and those answers."""
    answers = profile_answers(MIXED_PROFILE)
    assessment_id = questionnaire.start()
    spec = areas()[0]
    questionnaire.post_page(assessment_id, 1, page_fields(spec, answers), "save")
    saved = stored_answers(assessment_id)
    assert len(saved) == len(spec.items)
    return assessment_id, saved


def _changed_page(spec, saved):
    """Page 1 with every answer changed, so a partial save would show."""
    return {item.field: str(6 - saved[item.id] if saved[item.id] != 3 else 1) for item in spec.items}


def test_an_out_of_range_answer_is_refused_and_nothing_is_saved(questionnaire, saved_first_page):
    assessment_id, saved = saved_first_page
    spec = areas()[0]

    for bad in ("9", "abc", "-1", "0", "3.5"):
        fields = _changed_page(spec, saved)
        fields[spec.items[4].field] = bad
        response = questionnaire.post_page(assessment_id, 1, fields, "next")
        assert response.status_code == 400, bad
        assert NOT_SAVED in page_text(response.data), bad
        assert stored_answers(assessment_id) == saved, bad


def test_an_invalid_answer_is_refused_whichever_button_was_used(questionnaire, saved_first_page):
    assessment_id, saved = saved_first_page
    spec = areas()[1]
    fields = page_fields(spec, profile_answers(MIXED_PROFILE))
    fields[spec.items[0].field] = "9"

    for action in ("previous", "save", "review", "anything"):
        response = questionnaire.post_page(assessment_id, 2, fields, action)
        assert response.status_code == 400, action
        assert NOT_SAVED in page_text(response.data), action
        assert stored_answers(assessment_id) == saved, action


def test_a_statement_answered_twice_in_one_post_is_refused_and_nothing_is_saved(questionnaire, saved_first_page):
    assessment_id, saved = saved_first_page
    spec = areas()[0]
    fields = _changed_page(spec, saved)
    # A browser sends one value per radio group; a valid value followed by a second one is tampering.
    data = MultiDict([*fields.items(), (spec.items[0].field, "9"), ("action", "next")])

    response = questionnaire.client.post(questionnaire.url(assessment_id, 1), data=data)

    assert response.status_code == 400
    assert NOT_SAVED in page_text(response.data)
    assert stored_answers(assessment_id) == saved


def test_a_field_the_page_did_not_ask_for_is_refused_and_nothing_is_saved(questionnaire, saved_first_page):
    assessment_id, saved = saved_first_page
    spec = areas()[0]

    for stranger in ("q_nope", "q_pipeline-01", "q_people-01x", "q_"):
        fields = _changed_page(spec, saved)
        fields[stranger] = "3"
        response = questionnaire.post_page(assessment_id, 1, fields, "next")
        assert response.status_code == 400, stranger
        assert "This page received answers it did not ask for. Nothing was saved" in page_text(response.data)
        assert stored_answers(assessment_id) == saved, stranger


def test_a_page_number_outside_the_instrument_does_not_exist(client, questionnaire, saved_first_page):
    assessment_id, saved = saved_first_page

    for number in (0, PAGES + 1):
        assert client.get(questionnaire.url(assessment_id, number)).status_code == 404
        assert questionnaire.post_page(assessment_id, number, {}, "save").status_code == 404
    assert stored_answers(assessment_id) == saved


# Privacy -----------------------------------------------------------------------------------

IN_PROGRESS_URLS = [
    ("get", "/assessments/{id}"),
    ("get", "/assessments/{id}/page/1"),
    ("post", "/assessments/{id}/page/1"),
    ("get", "/assessments/{id}/review"),
    ("post", "/assessments/{id}/submit"),
]
SUBMITTED_URLS = [
    ("get", "/assessments/{id}/results"),
    ("get", "/assessments/{id}/plan"),
    ("post", "/assessments/{id}/plan"),
    ("get", "/reports/development/{id}"),
    ("get", "/reports/development/{id}.pdf"),
]


def test_another_users_open_assessment_does_not_exist_for_me(client, logged_in, other_user):
    theirs = services.start_assessment(other_user)
    theirs_id = theirs.id
    answers = profile_answers(MIXED_PROFILE)
    services.save_answers(theirs, {item.id: answers[item.id] for item in areas()[0].items[:3]})
    before = stored_answers(theirs_id)

    for method, url in IN_PROGRESS_URLS:
        data = {**page_fields(areas()[0], answers), "action": "next"} if method == "post" else None
        response = getattr(client, method)(url.format(id=theirs_id), data=data)
        assert response.status_code == 404, url

    assert stored_answers(theirs_id) == before
    assert assessment_row(theirs_id).status == "in_progress"


def test_another_users_results_plan_and_report_do_not_exist_for_me(client, logged_in, other_user, submitted_assessment):
    theirs = submitted_assessment(user=other_user)

    for method, url in SUBMITTED_URLS:
        data = {"area": "people", "goal": "Take over their plan"} if method == "post" else None
        response = getattr(client, method)(url.format(id=theirs.id), data=data)
        assert response.status_code == 404, url
        assert "Otto Other" not in response.get_data(as_text=True), url

    assert count(PlanGoal) == 0


def test_an_assessment_that_does_not_exist_is_a_404(client, logged_in):
    for method, url in IN_PROGRESS_URLS + SUBMITTED_URLS:
        assert getattr(client, method)(url.format(id=987654)).status_code == 404, url


def test_assessment_pages_send_visitors_to_the_login_page(client, manager):
    assessment = services.start_assessment(manager)

    response = client.get(f"/assessments/{assessment.id}/page/1")

    assert response.status_code == 302
    assert location_path(response).startswith("/auth/login")


# Instrument versions -----------------------------------------------------------------------


@pytest.fixture
def instrument_dir(tmp_path, monkeypatch):
    """The shipped instrument, copied to a folder where a new version can be published."""
    shutil.copy(INSTRUMENT_FILE, tmp_path)
    monkeypatch.setattr(instruments, "INSTRUMENT_DIR", tmp_path)
    instruments.clear_cache()
    yield tmp_path
    instruments.clear_cache()


V2_TEXT = "I meet each rep one-on-one every second week."


def publish_second_version(directory) -> None:
    data = yaml.safe_load(INSTRUMENT_FILE.read_text(encoding="utf-8"))
    data["version"] = 2
    first = data["areas"][0]["statements"][0]
    first["id"] = "people-21"
    first["text"] = {"en": V2_TEXT, "nl": "Ik spreek elke verkoper om de week één op één."}
    path = directory / "sales-manager-competencies.v2.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    instruments.clear_cache()


def test_an_assessment_keeps_the_instrument_version_it_started_with(client, logged_in, questionnaire, instrument_dir):
    answers = profile_answers(MIXED_PROFILE)
    first_item = areas()[0].items[0]
    started = questionnaire.start()
    questionnaire.post_page(started, 1, page_fields(areas()[0], answers), "save")

    publish_second_version(instrument_dir)

    page = client.get(questionnaire.url(started, 1))
    assert first_item.text["en"] in page_text(page.data)
    assert V2_TEXT not in page_text(page.data)
    questionnaire.answer_all(started, answers)
    assert location_path(questionnaire.submit(started)) == f"/assessments/{started}/results"
    row = assessment_row(started)
    assert (row.status, row.instrument_version) == ("submitted", 1)
    results = client.get(f"/assessments/{started}/results")
    assert results.status_code == 200
    rows = table_rows(results.data, css_class="profile")
    assert [r[1] for r in rows[1:]] == [shown(expected_score(spec, answers), "en") for spec in areas()]

    newer = questionnaire.start()
    assert assessment_row(newer).instrument_version == 2
    assert V2_TEXT in page_text(client.get(questionnaire.url(newer, 1)).data)
    response = questionnaire.post_page(newer, 1, {first_item.field: "4"}, "save")
    assert response.status_code == 400, "a statement that version 2 dropped is not accepted"
    assert stored_answers(newer) == {}


def test_an_answer_set_of_an_older_version_still_renders(client, logged_in, instrument_dir):
    publish_second_version(instrument_dir)
    old = Assessment(
        user_id=logged_in.id,
        instrument_name=services.DEFAULT_INSTRUMENT,
        instrument_version=1,
        open_key=logged_in.id,
    )
    db.session.add(old)
    db.session.commit()

    assert location_path(client.post("/assessments/start")) == f"/assessments/{old.id}"
    page = client.get(f"/assessments/{old.id}/page/1")
    assert page.status_code == 200
    assert areas()[0].items[0].text["en"] in page_text(page.data)


# History -----------------------------------------------------------------------------------


def _set_submitted_at(assessment, when: datetime) -> None:
    db.session.execute(sa.update(Assessment).where(Assessment.id == assessment.id).values(submitted_at=when))
    db.session.commit()


def test_results_show_the_scores_of_past_assessments_side_by_side(client, logged_in, submitted_assessment):
    earlier_answers = profile_answers({"people": 2, "pipeline": 3, "accounts": 2, "coaching": 1})
    later_answers = profile_answers(MIXED_PROFILE)
    earlier = submitted_assessment(answers=earlier_answers)
    _set_submitted_at(earlier, datetime(2024, 3, 15, 10, 0))
    later = submitted_assessment(answers=later_answers)
    _set_submitted_at(later, datetime(2025, 9, 1, 10, 0))

    page = client.get(f"/assessments/{later.id}/results")

    rows = table_rows(page.data, caption="Score per area at each assessment")
    assert rows[0] == ["Area", "Mar 15, 2024", "Sep 1, 2025"]
    assert rows[1:] == [
        [
            spec.title["en"],
            shown(expected_score(spec, earlier_answers), "en"),
            shown(expected_score(spec, later_answers), "en"),
        ]
        for spec in areas()
    ]
    profile = table_rows(page.data, css_class="profile")
    assert profile[0][2] == "Previous"
    assert [r[2] for r in profile[1:]] == [shown(expected_score(spec, earlier_answers), "en") for spec in areas()]

    older_page = client.get(f"/assessments/{earlier.id}/results")
    assert "Score per area at each assessment" not in page_text(older_page.data)

    index = page_text(client.get("/assessments/").data)
    assert "Results of Mar 15, 2024" in index
    assert "Results of Sep 1, 2025" in index
