"""CSRF protection, and answers kept when a questionnaire page's token or session has run out."""

from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer

from coachkit import services
from coachkit.extensions import db
from coachkit.models import Answer
from coachkit.models import Assessment
from coachkit.models import PlanGoal
from coachkit.models import User
from tests.conftest import PASSWORD
from tests.conftest import full_answers
from tests.conftest import password_hash
from tests.web.conftest import Questionnaire
from tests.web.helpers import MIXED_PROFILE
from tests.web.helpers import areas
from tests.web.helpers import checked_radios
from tests.web.helpers import count
from tests.web.helpers import csrf_token
from tests.web.helpers import form_values
from tests.web.helpers import location_path
from tests.web.helpers import page_fields
from tests.web.helpers import page_text
from tests.web.helpers import parse
from tests.web.helpers import profile_answers
from tests.web.helpers import stored_answers

EXPIRED_MESSAGE = "its security check expired"
SESSION_ENDED = "Your session had ended. Log in again: your answers are kept and shown again."
FILLED_AGAIN = "Your answers from before the session ended are filled in again."


@pytest.fixture
def user(csrf_app):
    row = User(
        email="manager@example.com", name="Mila Manager", role="manager", language="en", password_hash=password_hash()
    )
    db.session.add(row)
    db.session.commit()
    return row


def log_in(client, email="manager@example.com", password=PASSWORD, **extra):
    """Log in through the real form, CSRF token included."""
    form = form_values(client.get("/auth/login").data, "/auth/login")
    return client.post("/auth/login", data={**form, "email": email, "password": password, **extra})


@pytest.fixture
def browser(csrf_app, user):
    client = csrf_app.test_client()
    assert log_in(client).status_code == 302
    return client


def token_of(client, path="/") -> str:
    return csrf_token(client.get(path).data)


@pytest.fixture
def open_assessment(browser):
    response = browser.post("/assessments/start", data={"csrf_token": token_of(browser)})
    assert response.status_code == 302
    return int(location_path(response).rsplit("/", 1)[1])


def expired_token(client, app) -> str:
    """A correctly signed token for this session, issued longer ago than the time limit."""
    with client.session_transaction() as session:
        raw = session["csrf_token"]

    class LongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - app.config["WTF_CSRF_TIME_LIMIT"] - 60

    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token", signer=LongAgo).dumps(raw)


# Questionnaire pages -----------------------------------------------------------------------


@pytest.mark.parametrize("token", ["missing", "invalid", "expired"])
def test_a_page_with_a_failed_security_check_comes_back_with_the_answers_checked(
    csrf_app, browser, open_assessment, token
):
    spec = areas()[1]
    posted = page_fields(spec, profile_answers(MIXED_PROFILE))
    page_url = Questionnaire.url(open_assessment, 2)
    token_value = {"missing": None, "invalid": "not-a-token", "expired": expired_token(browser, csrf_app)}[token]
    data = {**posted, "action": "next"}
    if token_value is not None:
        data["csrf_token"] = token_value

    response = browser.post(page_url, data=data)

    assert response.status_code == 400
    assert EXPIRED_MESSAGE in page_text(response.data)
    assert checked_radios(response.data) == posted
    assert stored_answers(open_assessment) == {}
    # The page carries a fresh token, so sending it once more saves the answers.
    again = browser.post(page_url, data={**posted, "action": "next", "csrf_token": csrf_token(response.data)})
    assert again.status_code == 302
    assert stored_answers(open_assessment) == {item.id: int(posted[item.field]) for item in spec.items}


def test_when_the_session_has_ended_the_login_page_keeps_the_answers(csrf_app, user, browser, open_assessment):
    spec = areas()[0]
    page_url = Questionnaire.url(open_assessment, 1)
    # The page was saved once before; the user then changed every answer.
    earlier = {item.id: 3 for item in spec.items}
    token = token_of(browser, page_url)
    browser.post(page_url, data={**page_fields(spec, earlier), "action": "save", "csrf_token": token})
    assert stored_answers(open_assessment) == earlier
    posted = page_fields(spec, {item.id: 1 if i % 2 else 5 for i, item in enumerate(spec.items)})
    new_browser = csrf_app.test_client()  # the session cookie is gone

    response = new_browser.post(page_url, data={**posted, "action": "next", "csrf_token": token})

    assert response.status_code == 401
    assert SESSION_ENDED in page_text(response.data)
    login_form = form_values(response.data, "/auth/login")
    assert login_form["next"] == page_url
    assert json.loads(login_form["carry"]) == posted
    assert stored_answers(open_assessment) == earlier

    logged_in = new_browser.post(
        "/auth/login", data={**login_form, "email": "manager@example.com", "password": PASSWORD}
    )
    assert logged_in.status_code == 302
    assert location_path(logged_in) == page_url

    page = new_browser.get(page_url)
    assert page.status_code == 200
    assert FILLED_AGAIN in page_text(page.data)
    assert checked_radios(page.data) == posted, "the answers typed before the session ended, not the saved ones"
    assert stored_answers(open_assessment) == earlier, "shown again, but not saved until the user saves"

    saved = new_browser.post(page_url, data={**posted, "action": "next", "csrf_token": csrf_token(page.data)})
    assert saved.status_code == 302
    assert stored_answers(open_assessment) == {item.id: int(posted[item.field]) for item in spec.items}
    reloaded = new_browser.get(page_url)
    assert FILLED_AGAIN not in page_text(reloaded.data)
    assert checked_radios(reloaded.data) == posted


def test_a_page_posted_after_logging_out_keeps_the_answers_too(client, auth, manager):
    """Without a CSRF check in the way, the login requirement itself keeps the answers."""
    auth.login()
    questionnaire = Questionnaire(client)
    assessment_id = questionnaire.start()
    auth.logout()
    posted = page_fields(areas()[2], profile_answers(MIXED_PROFILE))

    response = questionnaire.post_page(assessment_id, 3, posted, "next")

    assert response.status_code == 401
    assert json.loads(form_values(response.data, "/auth/login")["carry"]) == posted
    assert stored_answers(assessment_id) == {}


# Other forms -------------------------------------------------------------------------------


@pytest.fixture
def submitted(user):
    assessment = services.start_assessment(user)
    services.save_answers(assessment, full_answers(services.instrument_of(assessment)))
    services.submit_assessment(assessment)
    return assessment


def snapshot() -> tuple:
    """Everything a form here could change."""
    return (
        db.session.execute(sa.select(User.id, User.name, User.language, User.role, User.active)).all(),
        db.session.execute(sa.select(Assessment.id, Assessment.status, Assessment.submitted_at)).all(),
        count(Answer),
        count(PlanGoal),
    )


FORMS = {
    "settings": ("/auth/settings", {"name": "Changed", "language": "nl"}),
    "language": ("/auth/language", {"language": "nl", "next": "/"}),
    "submit": ("/assessments/{open}/submit", {}),
    "plan": ("/assessments/{done}/plan", {"area": "coaching", "goal": "A goal"}),
}


def test_a_form_without_a_token_shows_the_expired_page_and_changes_nothing(browser, user, submitted):
    before = snapshot()
    response = browser.post("/assessments/start")
    assert response.status_code == 400
    assert "The form has expired" in page_text(response.data)
    assert snapshot() == before, "no assessment started"

    open_one = services.start_assessment(user)
    services.save_answers(open_one, full_answers(services.instrument_of(open_one)))
    before = snapshot()

    for form, (url, data) in FORMS.items():
        response = browser.post(url.format(open=open_one.id, done=submitted.id), data=data)
        assert response.status_code == 400, form
        assert "The form has expired" in page_text(response.data), form
        assert snapshot() == before, form


def test_logging_out_without_a_token_keeps_the_session(browser):
    response = browser.post("/auth/logout")

    assert response.status_code == 400
    assert browser.get("/auth/settings").status_code == 200


def test_logging_in_without_a_token_is_refused(csrf_app, user):
    client = csrf_app.test_client()

    response = client.post("/auth/login", data={"email": "manager@example.com", "password": PASSWORD})

    assert response.status_code == 400
    assert "The form has expired" in page_text(response.data)
    assert client.get("/auth/settings").status_code == 302


def test_every_form_that_posts_carries_a_token(csrf_app, browser, user, submitted, open_assessment):
    goal = services.add_goal(submitted, "coaching", "A goal", "An action", None)
    pages = [
        "/",
        "/auth/settings",
        "/assessments/",
        Questionnaire.url(open_assessment, 1),
        f"/assessments/{open_assessment}/review",
        f"/assessments/{submitted.id}/results",
        f"/assessments/{submitted.id}/plan",
        f"/assessments/goals/{goal.id}/edit",
        f"/assessments/actions/{goal.actions[0].id}/edit",
    ]
    visitor = csrf_app.test_client()
    for path in ("/auth/login", "/auth/signup"):
        forms = [f for f in parse(visitor.get(path).data).iter("form") if f.get("method", "get").lower() == "post"]
        assert forms and all("csrf_token" in [el.get("name") for el in f.iter("input")] for f in forms), path
    for path in pages:
        forms = [f for f in parse(browser.get(path).data).iter("form") if f.get("method", "get").lower() == "post"]
        assert forms, path
        for form in forms:
            names = [el.get("name") for el in form.iter("input")]
            assert "csrf_token" in names, (path, form.get("action"))


def test_the_admin_forms_carry_a_token_and_refuse_a_post_without_it(csrf_app, user):
    db.session.add(User(email="admin@example.com", name="Ada Admin", role="admin", password_hash=password_hash()))
    db.session.commit()
    admin = csrf_app.test_client()
    assert log_in(admin, "admin@example.com").status_code == 302
    users_page = admin.get("/admin/users")
    forms = [f for f in parse(users_page.data).iter("form") if f.get("method", "get").lower() == "post"]
    assert forms and all("csrf_token" in [el.get("name") for el in f.iter("input")] for f in forms)
    before = snapshot()

    for url, data in (
        (f"/admin/users/{user.id}/active", {}),
        (f"/admin/users/{user.id}/role", {"role": "admin"}),
        (f"/admin/users/{user.id}/reset-link", {}),
    ):
        response = admin.post(url, data=data)
        assert response.status_code == 400, url
        assert "The form has expired" in page_text(response.data), url

    assert snapshot() == before
    assert db.session.scalar(sa.select(User.reset_token_hash).where(User.id == user.id)) is None
