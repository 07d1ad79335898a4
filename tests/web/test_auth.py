"""Accounts: sign up, log in and out, safe redirects, password storage, language, settings, admin."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from coachkit.extensions import db
from coachkit.models import User
from coachkit.models import utcnow
from tests.conftest import PASSWORD
from tests.conftest import AuthActions
from tests.web.helpers import count
from tests.web.helpers import form_values
from tests.web.helpers import input_value
from tests.web.helpers import location_path
from tests.web.helpers import page_text
from tests.web.helpers import parse
from tests.web.helpers import table_rows

NEW_PASSWORD = "a brand new secret"


def user_row(email: str):
    return db.session.execute(
        sa.select(User.name, User.role, User.language, User.active, User.password_hash, User.reset_token_hash).where(
            User.email == email
        )
    ).one_or_none()


def is_logged_in(client) -> bool:
    response = client.get("/auth/settings")
    return response.status_code == 200


def signup_form(**changes) -> dict[str, str]:
    form = {
        "name": "Noor Nieuw",
        "email": "noor@example.com",
        "password": "a long password",
        "password2": "a long password",
        "language": "en",
    }
    form.update(changes)
    return form


# Sign up -----------------------------------------------------------------------------------


def test_signing_up_creates_a_manager_account_and_logs_in(client):
    response = client.post("/auth/signup", data=signup_form(email="  Noor@Example.COM ", language="nl"))

    assert response.status_code == 302
    assert location_path(response) == "/"
    row = user_row("noor@example.com")
    assert row is not None, "the email address is stored trimmed and in lower case"
    assert (row.name, row.role, row.language, row.active) == ("Noor Nieuw", "manager", "nl", True)
    home = client.get("/")
    assert "Noor Nieuw" in page_text(home.data)
    assert is_logged_in(client)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": "seven77", "password2": "seven77"}, "Use at least 8 characters."),
        ({"password2": "a long passwork"}, "The two passwords are not the same."),
        ({"email": "Manager@EXAMPLE.com"}, "An account with this email address already exists."),
        ({"email": "not-an-email"}, "Invalid email address."),
        ({"name": "   "}, "This field is required."),
    ],
    ids=["short password", "passwords differ", "email taken in other case", "invalid email", "blank name"],
)
def test_signing_up_with_a_mistake_shows_the_message_and_creates_no_account(client, manager, changes, message):
    response = client.post("/auth/signup", data=signup_form(**changes))

    assert response.status_code == 200
    assert message in page_text(response.data)
    assert count(User) == 1, "only the existing manager"
    assert not is_logged_in(client)


def test_a_password_of_exactly_eight_characters_is_accepted(client):
    response = client.post("/auth/signup", data=signup_form(password="8 chars!", password2="8 chars!"))

    assert response.status_code == 302
    assert user_row("noor@example.com") is not None


def test_passwords_are_stored_as_argon2id_at_owasp_minimum_or_above(client):
    client.post("/auth/signup", data=signup_form())

    stored = user_row("noor@example.com").password_hash
    match = re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+", stored)
    assert match, stored
    memory_kib, passes, lanes = (int(g) for g in match.groups())
    assert memory_kib >= 19456
    assert passes >= 2
    assert lanes >= 1
    assert "a long password" not in stored


# Log in and out ----------------------------------------------------------------------------


def test_logging_in_opens_the_dashboard(client, auth, manager):
    response = auth.login()

    assert response.status_code == 302
    assert location_path(response) == "/"
    assert "Welcome, Mila Manager" in page_text(client.get("/").data)


def test_the_login_email_is_not_case_sensitive(client, auth, manager):
    response = auth.login(email="  MANAGER@Example.com")

    assert response.status_code == 302
    assert is_logged_in(client)


@pytest.mark.parametrize(
    ("email", "password"),
    [("manager@example.com", "wrong horse 42"), ("nobody@example.com", PASSWORD)],
    ids=["wrong password", "unknown email"],
)
def test_a_wrong_login_is_refused_without_saying_which_part_was_wrong(client, auth, manager, email, password):
    response = auth.login(email=email, password=password)

    assert response.status_code == 200
    assert "Wrong email address or password." in page_text(response.data)
    assert not is_logged_in(client)


def test_logging_out_ends_the_session(client, auth, manager):
    auth.login()

    response = auth.logout()

    assert location_path(response) == "/auth/login"
    assert "You are logged out." in page_text(client.get("/auth/login").data)
    protected = client.get("/assessments/")
    assert protected.status_code == 302
    assert location_path(protected).startswith("/auth/login")


def test_a_deactivated_user_cannot_log_in(client, auth, make_user):
    make_user(active=False)

    response = auth.login()

    assert response.status_code == 200
    assert "This account has been deactivated" in page_text(response.data)
    assert not is_logged_in(client)


def test_deactivating_a_user_ends_their_open_session(client, auth, manager):
    auth.login()
    assert is_logged_in(client)

    db.session.execute(sa.update(User).where(User.id == manager.id).values(active=False))
    db.session.commit()

    assert not is_logged_in(client)


def test_a_protected_page_sends_to_login_and_back_after_it(client, auth, manager):
    response = client.get("/auth/settings")
    assert response.status_code == 302
    target = urlsplit(location_path(response))
    assert target.path == "/auth/login"
    assert parse_qs(target.query) == {"next": ["/auth/settings"]}

    login_page = client.get(location_path(response))
    assert form_values(login_page.data, "/auth/login")["next"] == "/auth/settings"

    response = auth.login(next="/auth/settings")
    assert location_path(response) == "/auth/settings"


@pytest.mark.parametrize("target", ["/assessments/", "/auth/settings?tab=language"])
def test_next_accepts_a_same_site_path(client, auth, manager, target):
    response = auth.login(next=target)

    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com",
        "/\\evil.com",
        "javascript:alert(1)",
        "http:/x",
        "///evil.com",
        " //evil.com",
        "/\t/evil.com",
    ],
)
def test_next_ignores_anything_but_a_same_site_path(client, auth, manager, target):
    response = auth.login(next=target)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert is_logged_in(client)


# Language and settings ---------------------------------------------------------------------


def test_switching_language_stores_the_choice_and_the_pages_turn_dutch(app, client, auth, manager):
    auth.login()
    assert '<html lang="en">' in client.get("/").text

    response = client.post("/auth/language", data={"language": "nl", "next": "/assessments/"})

    assert location_path(response) == "/assessments/"
    assert user_row(manager.email).language == "nl"
    page = client.get("/assessments/")
    assert '<html lang="nl">' in page.text
    assert "Uitloggen" in page_text(page.data)
    # The choice belongs to the account, so it follows the user to another browser.
    other_browser = app.test_client()
    AuthActions(other_browser).login()
    assert '<html lang="nl">' in other_browser.get("/").text


def test_a_visitor_can_switch_language_before_logging_in(client):
    client.post("/auth/language", data={"language": "nl", "next": "/auth/login"})

    assert '<html lang="nl">' in client.get("/auth/login").text


def test_an_unknown_language_is_not_stored(client, auth, manager):
    auth.login()

    for language in ("de", "", "nl<script>"):
        response = client.post("/auth/language", data={"language": language, "next": "/"})
        assert response.status_code == 302
        assert user_row(manager.email).language == "en", language
    assert '<html lang="en">' in client.get("/").text


def test_the_language_switch_does_not_redirect_off_site(client):
    response = client.post("/auth/language", data={"language": "nl", "next": "//evil.com"})

    assert response.headers["Location"] == "/"


def test_the_settings_page_shows_and_saves_name_and_language(client, auth, manager):
    auth.login()
    page = client.get("/auth/settings")
    assert page.status_code == 200
    assert input_value(page.data, "name") == "Mila Manager"
    assert "manager@example.com" in page_text(page.data)

    response = client.post("/auth/settings", data={"name": "  Mila de Vries ", "language": "nl"})

    assert location_path(response) == "/auth/settings"
    row = user_row(manager.email)
    assert (row.name, row.language) == ("Mila de Vries", "nl")
    assert '<html lang="nl">' in client.get("/auth/settings").text


def test_the_settings_page_refuses_invalid_input(client, auth, manager):
    auth.login()

    for changes in ({"name": "  "}, {"language": "fr"}):
        response = client.post("/auth/settings", data={"name": "Someone Else", "language": "nl", **changes})
        assert response.status_code == 200
        row = user_row(manager.email)
        assert (row.name, row.language) == ("Mila Manager", "en"), changes


# Administration ----------------------------------------------------------------------------


@pytest.fixture
def admin(make_user):
    return make_user("admin@example.com", name="Ada Admin", role="admin")


@pytest.fixture
def as_admin(client, auth, admin):
    assert auth.login("admin@example.com").status_code == 302
    return client


def test_an_admin_sees_every_account_and_can_search(as_admin, manager, other_user):
    rows = table_rows(as_admin.get("/admin/users").data, css_class="table")
    emails = {cells[1] for cells in rows[1:]}
    assert emails == {"admin@example.com", "manager@example.com", "other@example.com"}

    rows = table_rows(as_admin.get("/admin/users?q=OTTO").data, css_class="table")
    assert [cells[1] for cells in rows[1:]] == ["other@example.com"]


def test_an_admin_can_deactivate_a_user_who_then_cannot_log_in(app, as_admin, manager):
    response = as_admin.post(f"/admin/users/{manager.id}/active")

    assert response.status_code == 302
    assert user_row(manager.email).active is False
    other_browser = app.test_client()
    refused = AuthActions(other_browser).login()
    assert "This account has been deactivated" in page_text(refused.data)

    as_admin.post(f"/admin/users/{manager.id}/active")
    assert user_row(manager.email).active is True


def test_an_admin_cannot_deactivate_their_own_account(as_admin, admin):
    response = as_admin.post(f"/admin/users/{admin.id}/active", follow_redirects=True)

    assert "You cannot deactivate your own account." in page_text(response.data)
    assert user_row(admin.email).active is True


def test_an_admin_can_change_a_users_role(as_admin, manager):
    response = as_admin.post(f"/admin/users/{manager.id}/role", data={"role": "trainer"}, follow_redirects=True)

    assert user_row(manager.email).role == "trainer"
    assert "Mila Manager is now: Trainer." in page_text(response.data)


def test_an_unknown_role_is_refused(as_admin, manager):
    for role in ("owner", "", "Admin"):
        response = as_admin.post(f"/admin/users/{manager.id}/role", data={"role": role}, follow_redirects=True)
        assert "Choose a valid role." in page_text(response.data), role
        assert user_row(manager.email).role == "manager", role


def test_an_admin_cannot_take_away_their_own_admin_role(as_admin, admin):
    as_admin.post(f"/admin/users/{admin.id}/role", data={"role": "manager"})

    assert user_row(admin.email).role == "admin"


def _reset_link(as_admin, user) -> str:
    response = as_admin.post(f"/admin/users/{user.id}/reset-link")
    assert response.status_code == 200
    links = [el.get("value") for el in parse(response.data).iter("input") if el.get("id") == "link"]
    assert len(links) == 1, "the page shows the link once"
    return urlsplit(links[0]).path


def test_a_reset_link_sets_a_new_password_once(app, as_admin, manager):
    path = _reset_link(as_admin, manager)
    token = path.rsplit("/", 1)[1]
    row = user_row(manager.email)
    assert row.reset_token_hash and token not in row.reset_token_hash, "only a hash of the token is stored"

    visitor = app.test_client()
    assert visitor.get(path).status_code == 200
    response = visitor.post(path, data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert location_path(response) == "/auth/login"

    assert visitor.get(path).status_code == 404
    assert visitor.post(path, data={"password": "yet another one", "password2": "yet another one"}).status_code == 404
    visitor_auth = AuthActions(visitor)
    assert visitor_auth.login(password=PASSWORD).status_code == 200, "the old password no longer works"
    assert visitor_auth.login(password=NEW_PASSWORD).status_code == 302


def test_a_reset_link_refuses_a_short_password_and_stays_valid(app, as_admin, manager):
    path = _reset_link(as_admin, manager)
    visitor = app.test_client()

    response = visitor.post(path, data={"password": "short", "password2": "short"})

    assert response.status_code == 200
    assert "Use at least 8 characters." in page_text(response.data)
    assert visitor.get(path).status_code == 200


def test_a_new_reset_link_replaces_the_previous_one(app, as_admin, manager):
    first = _reset_link(as_admin, manager)
    second = _reset_link(as_admin, manager)

    visitor = app.test_client()
    assert visitor.get(first).status_code == 404
    assert visitor.get(second).status_code == 200


def test_an_expired_reset_link_is_refused(app, as_admin, manager):
    path = _reset_link(as_admin, manager)
    db.session.execute(
        sa.update(User).where(User.id == manager.id).values(reset_expires_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()

    assert app.test_client().get(path).status_code == 404


ADMIN_REQUESTS = [
    ("get", "/admin/users", None),
    ("post", "/admin/users/{id}/active", None),
    ("post", "/admin/users/{id}/role", {"role": "admin"}),
    ("post", "/admin/users/{id}/reset-link", None),
]


@pytest.mark.parametrize("role", ["manager", "trainer"])
def test_admin_pages_do_not_exist_for_non_admins(client, auth, make_user, role):
    make_user("user@example.com", role=role)
    target = make_user("target@example.com", name="Tara Target")
    auth.login("user@example.com")

    for method, url, data in ADMIN_REQUESTS:
        response = getattr(client, method)(url.format(id=target.id), data=data)
        assert response.status_code == 404, (method, url)

    row = user_row("target@example.com")
    assert (row.role, row.active, row.reset_token_hash) == ("manager", True, None)
    assert user_row("user@example.com").role == role


def test_admin_pages_send_visitors_to_the_login_page(client):
    response = client.get("/admin/users")

    assert response.status_code == 302
    assert location_path(response).startswith("/auth/login")


# create-admin ------------------------------------------------------------------------------


def test_create_admin_makes_an_administrator_who_can_log_in(app, runner):
    result = runner.invoke(
        args=["create-admin", "--email", " Boss@Example.com ", "--name", "Bea Boss", "--password", NEW_PASSWORD]
    )

    assert result.exit_code == 0, result.output
    assert "boss@example.com" in result.output
    row = user_row("boss@example.com")
    assert (row.name, row.role, row.active) == ("Bea Boss", "admin", True)
    browser = app.test_client()
    assert AuthActions(browser).login("boss@example.com", NEW_PASSWORD).status_code == 302
    assert browser.get("/admin/users").status_code == 200


def test_create_admin_promotes_an_existing_account(runner, manager):
    result = runner.invoke(args=["create-admin", "--email", "manager@example.com", "--password", NEW_PASSWORD])

    assert result.exit_code == 0, result.output
    assert count(User) == 1
    assert user_row("manager@example.com").role == "admin"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "boss@example.com", "--password", "seven77"], "8 characters"),
        (["--email", "not-an-email", "--password", NEW_PASSWORD], "not an email address"),
    ],
    ids=["short password", "bad email"],
)
def test_create_admin_refuses_bad_input(runner, args, message):
    result = runner.invoke(args=["create-admin", *args])

    assert result.exit_code != 0
    assert message in result.output
    assert count(User) == 0
