"""Trainer sessions through the test client: creating, joining, closing, rating, releasing, leaving, access."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from coachkit.extensions import db
from coachkit.models import Assessment
from coachkit.models import Cohort
from coachkit.models import CohortMember
from coachkit.models import ObserverAnswer
from coachkit.models import User
from tests.conftest import PASSWORD
from tests.web.cohort_flows import answer_pages
from tests.web.cohort_flows import create_session
from tests.web.cohort_flows import join
from tests.web.cohort_flows import join_code
from tests.web.cohort_flows import member_ids
from tests.web.cohort_flows import participant_answers
from tests.web.cohort_flows import rate
from tests.web.cohort_flows import sign_in
from tests.web.cohort_flows import statements
from tests.web.cohort_flows import submit
from tests.web.helpers import areas
from tests.web.helpers import count
from tests.web.helpers import location_path
from tests.web.helpers import page_fields
from tests.web.helpers import page_text


@pytest.fixture
def trainer(make_user):
    return make_user("trainer@example.com", name="Tara Trainer", role="trainer")


@pytest.fixture
def coach(app, trainer):
    """A client logged in as the trainer."""
    client = app.test_client()
    sign_in(client, trainer)
    return client


@pytest.fixture
def session_id(coach):
    return create_session(coach)


@pytest.fixture
def code(coach, session_id):
    return join_code(coach, session_id)


@pytest.fixture
def participant(app, make_user):
    """Make a manager with a client of their own, logged in."""

    def make(email: str, name: str):
        user = make_user(email, name=name)
        client = app.test_client()
        sign_in(client, user)
        return user, client

    return make


def joined(participant, code, email="mila@example.com", name="Mila Manager"):
    user, client = participant(email, name)
    assessment_id = join(client, code)
    return user, client, assessment_id


# ---------------------------------------------------------------------------- creating


def test_a_trainer_creates_a_session_with_a_join_code_a_link_and_a_qr_code(coach, session_id):
    board = coach.get(f"/sessions/{session_id}")
    code = join_code(coach, session_id)
    qr = coach.get(f"/sessions/{session_id}/qr.svg")

    assert board.status_code == 200
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", code)
    assert f"http://localhost/sessions/join/{code}" in board.get_data(as_text=True)
    assert qr.status_code == 200
    assert qr.mimetype == "image/svg+xml"
    assert qr.data.startswith(b"<svg") and b"<path" in qr.data
    cohort = db.session.get(Cohort, session_id)
    assert (cohort.name, cohort.held_on.isoformat(), cohort.language) == (
        "Coaching leadership, group A",
        "2026-03-02",
        "en",
    )
    assert cohort.joining_open and cohort.released_at is None


def test_a_session_needs_a_name_and_a_date(coach):
    response = coach.post(
        "/sessions/new", data={"name": "", "held_on": "", "instrument": "sales-manager-competencies", "language": "en"}
    )

    assert response.status_code == 400
    assert count(Cohort) == 0


def test_a_manager_cannot_create_sessions(participant):
    _, client = participant("mila@example.com", "Mila Manager")

    assert client.get("/sessions/new").status_code == 404
    assert client.post("/sessions/new", data={"name": "x", "held_on": "2026-01-01"}).status_code == 404


# ---------------------------------------------------------------------------- joining


def test_the_join_page_says_plainly_what_the_trainer_will_see(client, code):
    text = page_text(client.get(f"/sessions/join/{code}").data)

    assert "What your trainer will see" in text
    assert "your name and email address" in text
    assert "how far you are in the questionnaire: not started, which page, or submitted" in text
    assert "once you submit: your answers, your scores and your levels in this self-assessment" in text
    assert "does not see your other assessments, your development plan or your deals" in text
    assert "You can leave the session at any time" in text


def test_joining_with_an_existing_account_links_a_new_self_assessment_to_the_session(participant, code, session_id):
    user, client, assessment_id = joined(participant, code)

    member = db.session.scalar(sa.select(CohortMember).where(CohortMember.user_id == user.id))
    assessment = db.session.get(Assessment, assessment_id)
    assert member.cohort_id == session_id and member.assessment_id == assessment_id
    assert assessment.user_id == user.id and assessment.status == "in_progress"
    resume = client.get(f"/assessments/{assessment_id}")
    assert location_path(resume) == f"/assessments/{assessment_id}/page/1"


def test_joining_continues_an_assessment_already_in_progress(participant, code):
    user, client = participant("mila@example.com", "Mila Manager")
    started = client.post("/assessments/start")
    open_id = int(location_path(started).rsplit("/", 1)[1])

    assert join(client, code) == open_id
    assert count(Assessment, Assessment.user_id == user.id) == 1


def test_joining_twice_keeps_one_membership(participant, code):
    user, client, first = joined(participant, code)

    assert join(client, code) == first
    assert count(CohortMember, CohortMember.user_id == user.id) == 1


def test_a_visitor_logs_in_from_the_join_page_and_comes_back_to_it(client, make_user, code):
    make_user("mila@example.com")
    page = client.get(f"/sessions/join/{code}")
    login_link = re.search(r'href="(/auth/login\?next=[^"]+)"', page.get_data(as_text=True)).group(1)

    response = client.post(
        login_link.replace("&amp;", "&"),
        data={"email": "mila@example.com", "password": PASSWORD, "next": f"/sessions/join/{code}"},
    )

    assert location_path(response) == f"/sessions/join/{code}"
    assert client.post(f"/sessions/join/{code}").status_code == 302


def test_signing_up_on_the_join_page_creates_an_account_and_joins(client, code, session_id):
    response = client.post(
        f"/sessions/join/{code}/signup",
        data={
            "name": "Noor Nieuw",
            "email": "Noor@Example.com",
            "password": PASSWORD,
            "password2": PASSWORD,
            "language": "nl",
        },
    )

    assert location_path(response) == f"/sessions/joined/{session_id}"
    user = db.session.scalar(sa.select(User).where(User.email == "noor@example.com"))
    assert (user.name, user.role, user.language) == ("Noor Nieuw", "manager", "nl")
    assert count(CohortMember, CohortMember.user_id == user.id, CohortMember.cohort_id == session_id) == 1
    assert "Noor Nieuw" in client.get(f"/sessions/joined/{session_id}").get_data(as_text=True)


def test_signing_up_with_mistakes_shows_the_join_page_again_and_creates_nothing(client, code):
    response = client.post(
        f"/sessions/join/{code}/signup",
        data={"name": "Noor", "email": "not-an-email", "password": "short", "password2": "other", "language": "en"},
    )

    assert response.status_code == 400
    assert "What your trainer will see" in page_text(response.data)
    assert count(User, User.email == "not-an-email") == 0
    assert count(CohortMember) == 0


def test_the_code_form_finds_a_session_whatever_the_case_or_spaces(client, code):
    spaced = f"{code[:3].lower()} {code[3:].lower()}"

    response = client.get("/sessions/join", query_string={"code": spaced})
    unknown = client.get("/sessions/join", query_string={"code": "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY"})

    assert location_path(response) == f"/sessions/join/{code}"
    assert unknown.status_code == 404
    assert "No session has this code" in page_text(unknown.data)
    assert client.get("/sessions/join/NOPE42").status_code == 404


def test_a_closed_session_refuses_newcomers_but_keeps_its_participants_until_it_reopens(
    coach, session_id, code, participant
):
    member, member_client, assessment_id = joined(participant, code)
    assert coach.post(f"/sessions/{session_id}/joining", data={"open": "0"}).status_code == 302
    late, late_client = participant("late@example.com", "Lars Late")

    refused = late_client.post(f"/sessions/join/{code}")
    assert location_path(refused) == f"/sessions/join/{code}"
    assert count(CohortMember, CohortMember.user_id == late.id) == 0
    assert "closed for joining" in page_text(late_client.get(f"/sessions/join/{code}").data)
    answer_pages(member_client, assessment_id, participant_answers(1), pages=1)
    assert coach.get(f"/sessions/{session_id}/progress.json").get_json()["counts"]["in_progress"] == 1

    coach.post(f"/sessions/{session_id}/joining", data={"open": "1"})
    assert join(late_client, code)
    assert count(CohortMember, CohortMember.user_id == late.id) == 1


def test_a_trainer_cannot_join_their_own_session(coach, code, trainer):
    response = coach.post(f"/sessions/join/{code}")

    assert location_path(response) == f"/sessions/join/{code}"
    assert count(CohortMember) == 0


# ---------------------------------------------------------------------------- progress


def test_progress_moves_from_not_started_to_a_page_to_submitted(coach, session_id, code, participant):
    _, client, assessment_id = joined(participant, code)
    answers = participant_answers(3)

    def state():
        data = coach.get(f"/sessions/{session_id}/progress.json").get_json()
        (row,) = data["participants"]
        return row["state"], row["label"], row["page"], row["answered"]

    assert state() == ("not_started", "Not started", None, 0)
    answer_pages(client, assessment_id, answers, pages=1)
    assert state() == ("in_progress", "Page 2 of 4", 2, len(areas()[0].items))
    answer_pages(client, assessment_id, answers)
    assert state() == ("in_progress", "Page 4 of 4", 4, len(statements()))
    submit(client, assessment_id)
    assert state() == ("submitted", "Submitted", None, len(statements()))


def test_the_progress_json_is_never_cached(coach, session_id):
    response = coach.get(f"/sessions/{session_id}/progress.json")

    assert response.mimetype == "application/json"
    assert "no-store" in response.headers["Cache-Control"]


# ---------------------------------------------------------------------------- observer ratings


def test_the_rating_pages_use_the_observer_wording(coach, session_id, code, participant):
    joined(participant, code)
    member_id = member_ids(coach, session_id)["Mila Manager"]

    start = coach.get(f"/sessions/{session_id}/participants/{member_id}/rate")
    page = coach.get(location_path(start))

    assert location_path(start).endswith("/rate/1")
    text = page_text(page.data)
    from assessments.instruments import get_instrument

    first_area = get_instrument("sales-manager-competencies").areas[0]
    for statement in first_area.statements:
        assert statement.observer.en in text
        assert statement.text.en not in text


def test_ratings_are_saved_per_page_and_previous_never_asks_for_missing_ones(coach, session_id, code, participant):
    joined(participant, code)
    member_id = member_ids(coach, session_id)["Mila Manager"]
    spec = areas()[1]
    half = {item.id: 4 for item in spec.items[:5]}
    url = f"/sessions/{session_id}/participants/{member_id}/rate/2"

    previous = coach.post(url, data={**page_fields(spec, half), "action": "previous"})
    missing = coach.post(url, data={**page_fields(spec, half), "action": "next"})

    assert location_path(previous).endswith("/rate/1")
    assert missing.status_code == 400
    assert "Please rate the statements marked below" in page_text(missing.data)
    stored = dict(db.session.execute(sa.select(ObserverAnswer.statement_id, ObserverAnswer.value)).all())
    assert stored == half
    resume = coach.get(f"/sessions/{session_id}/participants/{member_id}/rate")
    assert location_path(resume).endswith("/rate/1")


@pytest.mark.parametrize(
    "fields",
    [
        {"q_people-01": "9"},
        {"q_pipeline-01": "3"},
        {"q_people-01": "true"},
    ],
)
def test_tampered_ratings_are_rejected_and_nothing_is_stored(coach, session_id, code, participant, fields):
    joined(participant, code)
    member_id = member_ids(coach, session_id)["Mila Manager"]

    response = coach.post(f"/sessions/{session_id}/participants/{member_id}/rate/1", data={**fields, "action": "save"})

    assert response.status_code == 400
    assert count(ObserverAnswer) == 0


def test_participants_see_ratings_only_after_release_and_not_after_it_is_withdrawn(
    coach, session_id, code, participant
):
    _, client, assessment_id = joined(participant, code)
    answer_pages(client, assessment_id, participant_answers(2))
    submit(client, assessment_id)
    member_id = member_ids(coach, session_id)["Mila Manager"]
    rate(coach, session_id, member_id, {s.id: 3 for s in statements()})
    results = f"/assessments/{assessment_id}/results"

    assert 'id="observer"' not in client.get(results).get_data(as_text=True)
    coach.post(f"/sessions/{session_id}/release", data={"release": "1"})
    shown = client.get(results).get_data(as_text=True)
    assert 'id="observer"' in shown and "Blind spots" in shown and "Hidden strengths" in shown
    coach.post(f"/sessions/{session_id}/release", data={"release": "0"})
    assert 'id="observer"' not in client.get(results).get_data(as_text=True)


def test_the_trainer_sees_self_against_observer_once_the_participant_submitted(coach, session_id, code, participant):
    _, client, assessment_id = joined(participant, code)
    member_id = member_ids(coach, session_id)["Mila Manager"]
    rate(coach, session_id, member_id, {s.id: 3 for s in statements()})
    page = f"/sessions/{session_id}/participants/{member_id}"
    answer_pages(client, assessment_id, participant_answers(2))

    before = page_text(coach.get(page).data)
    submit(client, assessment_id)
    after = page_text(coach.get(page).data)

    assert "not submitted yet" in before
    assert "Self-assessment and your rating" in after
    assert "Blind spots" in after


# ---------------------------------------------------------------------------- leaving


def test_a_participant_who_leaves_disappears_from_everything_the_trainer_sees(coach, session_id, code, participant):
    _, stay_client, stay_id = joined(participant, code, "stay@example.com", "Stella Stay")
    _, leave_client, leave_id = joined(participant, code, "leave@example.com", "Leon Leave")
    for client, assessment_id, i in ((stay_client, stay_id, 1), (leave_client, leave_id, 2)):
        answer_pages(client, assessment_id, participant_answers(i))
        submit(client, assessment_id)
    leaver = member_ids(coach, session_id)["Leon Leave"]
    rate(coach, session_id, leaver, {s.id: 4 for s in statements()})

    response = leave_client.post(f"/sessions/joined/{session_id}/leave")

    assert location_path(response) == "/sessions/"
    assert list(member_ids(coach, session_id)) == ["Stella Stay"]
    for path in ("", "/results", "/export/wide.csv", "/export/long.csv", "/report"):
        assert "Leon Leave" not in coach.get(f"/sessions/{session_id}{path}").get_data(as_text=True), path
    pdf = PdfReader(io.BytesIO(coach.get(f"/sessions/{session_id}/report.pdf").data))
    assert "Leon Leave" not in " ".join(p.extract_text() or "" for p in pdf.pages)
    for path in (f"/participants/{leaver}", f"/participants/{leaver}/rate", f"/participants/{leaver}/rate/1"):
        assert coach.get(f"/sessions/{session_id}{path}").status_code == 404, path
    assert leave_client.get(f"/sessions/joined/{session_id}").status_code == 404
    assert leave_client.get(f"/assessments/{leave_id}/results").status_code == 200, "the assessment stays theirs"


def test_after_leaving_new_answers_never_reach_the_trainer(coach, session_id, code, participant):
    _, client, assessment_id = joined(participant, code)
    client.post(f"/sessions/joined/{session_id}/leave")

    answer_pages(client, assessment_id, participant_answers(4))
    submit(client, assessment_id)

    data = coach.get(f"/sessions/{session_id}/progress.json").get_json()
    assert data["counts"]["total"] == 0
    assert "Mila Manager" not in coach.get(f"/sessions/{session_id}/export/wide.csv").get_data(as_text=True)


def test_a_participant_who_left_can_join_again_while_joining_is_open(coach, session_id, code, participant):
    user, client, assessment_id = joined(participant, code)
    client.post(f"/sessions/joined/{session_id}/leave")

    again = join(client, code)

    assert again == assessment_id
    assert count(CohortMember, CohortMember.user_id == user.id) == 1
    assert "Mila Manager" in member_ids(coach, session_id)


# ---------------------------------------------------------------------------- access


TRAINER_PAGES = (
    "",
    "/progress.json",
    "/qr.svg",
    "/present",
    "/results",
    "/compare",
    "/report",
    "/report.pdf",
    "/export/wide.csv",
    "/export/long.xlsx",
    "/participants/{member}",
    "/participants/{member}/rate",
    "/participants/{member}/rate/1",
)
TRAINER_POSTS = ("/joining", "/release", "/participants/{member}/rate/1")


@pytest.fixture
def matrix(app, make_user, coach, session_id, code, participant):
    """The owner, a participant, another participant, another trainer and a visitor, around one session."""
    _, member_client, assessment_id = joined(participant, code)
    _, other_client, _ = joined(participant, code, "olga@example.com", "Olga Other")
    other_trainer = make_user("rival@example.com", name="Rita Rival", role="trainer")
    rival = app.test_client()
    sign_in(rival, other_trainer)
    create_session(rival, "Rita's group")
    member = member_ids(coach, session_id)["Mila Manager"]
    return {
        "owner": coach,
        "participant": member_client,
        "other participant": other_client,
        "other trainer": rival,
        "visitor": app.test_client(),
        "member": member,
        "assessment": assessment_id,
    }


def test_only_the_owning_trainer_opens_the_session_pages(matrix, session_id):
    for path in TRAINER_PAGES:
        url = f"/sessions/{session_id}" + path.format(member=matrix["member"])
        assert matrix["owner"].get(url).status_code in (200, 302), url
        for who in ("participant", "other participant", "other trainer"):
            assert matrix[who].get(url).status_code == 404, (who, url)
        assert location_path(matrix["visitor"].get(url)).startswith("/auth/login"), url


def test_only_the_owning_trainer_changes_the_session(matrix, session_id):
    for path in TRAINER_POSTS:
        url = f"/sessions/{session_id}" + path.format(member=matrix["member"])
        for who in ("participant", "other participant", "other trainer"):
            response = matrix[who].post(url, data={"open": "0", "release": "1", "action": "save", "q_people-01": "4"})
            assert response.status_code == 404, (who, url)
    cohort = db.session.get(Cohort, session_id)
    db.session.refresh(cohort)
    assert cohort.joining_open and cohort.released_at is None
    assert count(ObserverAnswer) == 0


def test_participants_never_see_each_other(matrix, session_id):
    mine = matrix["participant"].get(f"/sessions/joined/{session_id}")

    assert mine.status_code == 200
    assert "Olga Other" not in mine.get_data(as_text=True)
    assert "Olga Other" not in matrix["participant"].get("/sessions/").get_data(as_text=True)
    assert matrix["other participant"].get(f"/assessments/{matrix['assessment']}/results").status_code == 404
    assert matrix["other participant"].get(f"/assessments/{matrix['assessment']}").status_code == 404
    assert matrix["other trainer"].get(f"/sessions/joined/{session_id}").status_code == 404
    assert matrix["owner"].get(f"/sessions/joined/{session_id}").status_code == 404


def test_the_other_trainers_list_shows_only_their_own_sessions(matrix):
    assert "Coaching leadership, group A" not in matrix["other trainer"].get("/sessions/").get_data(as_text=True)
    assert "Coaching leadership, group A" in matrix["owner"].get("/sessions/").get_data(as_text=True)


def test_a_trainer_cannot_read_a_participant_of_another_session_through_their_own(matrix, app, make_user):
    rival_session = db.session.scalar(sa.select(Cohort.id).where(Cohort.name == "Rita's group"))

    response = matrix["other trainer"].get(f"/sessions/{rival_session}/participants/{matrix['member']}")

    assert response.status_code == 404


# ---------------------------------------------------------------------------- before and after, PDF, CLI


def test_before_and_after_compares_the_people_in_both_sessions(coach, session_id, code, participant):
    first = [joined(participant, code, f"m{i}@example.com", f"Manager {i}") for i in range(3)]
    for i, (_, client, assessment_id) in enumerate(first):
        answer_pages(client, assessment_id, participant_answers(i))
        submit(client, assessment_id)
    later = create_session(coach, "Group A, follow-up", held_on="2026-09-01")
    later_code = join_code(coach, later)
    for i, (_, client, _) in enumerate(first[:2]):
        assessment_id = join(client, later_code)
        answer_pages(client, assessment_id, participant_answers(i + 5))
        submit(client, assessment_id)

    page = coach.get(f"/sessions/{later}/compare", query_string={"with": session_id})
    text = page_text(page.data)

    assert page.status_code == 200
    assert "2 participants submitted a self-assessment in both sessions" in text
    assert "Before: Coaching leadership, group A" in text and "After: Group A, follow-up" in text
    assert "Manager 0" in text and "Manager 1" in text and "Manager 2" not in text
    assert coach.get(f"/sessions/{later}/compare", query_string={"with": 99999}).status_code == 404


def test_the_cohort_report_renders_from_the_command_line(app, coach, session_id, code, participant, tmp_path):
    _, client, assessment_id = joined(participant, code)
    answer_pages(client, assessment_id, participant_answers(1))
    submit(client, assessment_id)
    output = tmp_path / "cohort.pdf"

    result = app.test_cli_runner().invoke(
        args=["report", "cohort", "--session", str(session_id), "--output", str(output), "--lang", "nl"]
    )
    missing = app.test_cli_runner().invoke(args=["report", "cohort", "--session", "99999", "--output", str(output)])

    assert result.exit_code == 0, result.output
    reader = PdfReader(str(output))
    text = " ".join(p.extract_text() or "" for p in reader.pages)
    assert "Coaching leadership, group A" in text and "Mila Manager" in text
    assert "Pagina 2 van" in text
    assert missing.exit_code == 1


def test_the_demo_trainer_gets_a_finished_session_once(app, make_user):
    from coachkit.cohort_demo import ensure_demo_sessions

    make_user("trainer@demo.coachkit", name="Jeroen Peeters", role="trainer", language="nl")

    ensure_demo_sessions()
    ensure_demo_sessions()

    cohorts = db.session.scalars(sa.select(Cohort)).all()
    assert len(cohorts) == 2
    for cohort in cohorts:
        members = db.session.scalars(sa.select(CohortMember).where(CohortMember.cohort_id == cohort.id)).all()
        assert len(members) >= 12
        assert all(m.assessment.submitted for m in members)
        assert not cohort.joining_open and cohort.released_at is not None
        rated = {m for (m,) in db.session.execute(sa.select(ObserverAnswer.member_id).distinct())}
        assert {m.id for m in members} <= rated
