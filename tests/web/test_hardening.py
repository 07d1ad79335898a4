"""Edge cases found by trying the product as a sceptical user: each keeps data safe and messages clear."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from coachkit import deal_services as ds
from coachkit.extensions import db
from coachkit.models import Deal
from coachkit.models import DealAnalysis
from coachkit.models import User
from coachkit.team_import import email_for
from tests.conftest import PASSWORD
from tests.conftest import AuthActions
from tests.web.deal_helpers import csv_bytes
from tests.web.deal_helpers import deal_rows
from tests.web.deal_helpers import preview_form
from tests.web.deal_helpers import upload_ok


@pytest.fixture
def deal(manager):
    rep = ds.add_rep(manager, "Ria Rep")
    return ds.create_deal(manager, external_id="D-1", title="Fleet", rep_id=rep.id, value=None, currency="EUR")


@pytest.mark.parametrize("value", ["1e308", "Infinity", "NaN", "-5", "1000000000000"])
def test_a_deal_value_out_of_range_is_refused_on_the_form_and_nothing_changes(client, auth, manager, deal, value):
    auth.login()

    response = client.post(
        f"/deals/{deal.id}/edit", data={"title": "Fleet", "currency": "EUR", "rep_id": "0", "value": value}
    )

    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Deal, deal.id).value is None
    assert client.get("/deals/").status_code == 200


def test_an_import_row_with_an_impossible_amount_is_rejected_with_its_row_number(client, auth, manager):
    auth.login()
    rows = deal_rows(("A-1", "Big", "Acme", "", "2000000000000", "Open", "2026-01-05", "2026-03-01"))

    upload_id = upload_ok(client, csv_bytes(rows))
    page = client.get(f"/deals/import/{upload_id}").get_data(as_text=True)

    assert "larger than a deal value can be" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Deal)) == 0


def test_an_analysis_post_missing_questions_is_refused_and_keeps_the_saved_answers(client, auth, manager, deal):
    auth.login()
    instrument = ds.instrument_for()
    ds.analyse_deal(deal, {q.id: "yes" for q in instrument.questions}, {}, manager)

    response = client.post(f"/deals/{deal.id}", data={f"a_{instrument.questions[0].id}": "no"})

    assert response.status_code == 400
    assert "Answer every question" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DealAnalysis)) == 1


def test_an_expired_analysis_form_comes_back_with_the_answers_given(csrf_app, manager, deal):
    client = csrf_app.test_client()
    instrument = ds.instrument_for()
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/auth/login", data={"email": manager.email, "password": PASSWORD, "csrf_token": token})
    answers = {f"a_{q.id}": ("no" if n % 2 else "yes") for n, q in enumerate(instrument.questions)}

    response = client.post(f"/deals/{deal.id}", data={**answers, "csrf_token": "expired"})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "security check expired" in page
    second = instrument.questions[1].id
    assert f'id="a_{second}-1" name="a_{second}" type="radio" value="no"' in page.replace("checked ", "") or (
        f'name="a_{second}" type="radio" value="no" checked' in page or f'checked id="a_{second}-1"' in page
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DealAnalysis)) == 0


def test_a_new_password_ends_every_session_of_that_user(app, client, manager, make_user):
    other_browser = app.test_client()
    AuthActions(other_browser).login()
    assert other_browser.get("/deals/").status_code == 200
    admin = make_user("admin@example.com", name="Ada Admin", role="admin")
    AuthActions(client).login(admin.email)
    link = client.post(f"/admin/users/{manager.id}/reset-link").get_data(as_text=True)
    token = link.split("/auth/reset/")[1].split('"')[0]
    AuthActions(client).logout()

    client.post(f"/auth/reset/{token}", data={"password": "a brand new one", "password2": "a brand new one"})

    assert other_browser.get("/deals/").status_code == 302


def test_a_deactivated_user_is_logged_out_and_reactivation_does_not_revive_the_old_session(
    app, client, manager, make_user
):
    browser = app.test_client()
    AuthActions(browser).login()
    admin = make_user("admin@example.com", name="Ada Admin", role="admin")
    AuthActions(client).login(admin.email)

    client.post(f"/admin/users/{manager.id}/active")
    assert browser.get("/deals/").status_code == 302
    client.post(f"/admin/users/{manager.id}/active")

    assert db.session.get(User, manager.id).active
    assert browser.get("/deals/").status_code == 302


def test_a_strength_from_a_reverse_keyed_statement_says_it_is_something_you_rarely_do(
    client, auth, manager, submitted_assessment
):
    from assessments.instruments import get_instrument

    instrument = get_instrument("sales-manager-competencies")
    answers = {s.id: (1 if s.reverse else 3) for a in instrument.areas for s in a.statements}
    assessment = submitted_assessment(answers=answers)
    auth.login()

    page = client.get(f"/assessments/{assessment.id}/results").get_data(as_text=True)

    strengths = page.split("Your strongest behaviours")[1].split("</ul>")[0]
    assert "you rarely do this" in strengths
    assert "you often do this" not in strengths
    grow = page.split("Where you can grow")[1].split("</ul>")[0]
    assert "do this more often" in grow


def test_invented_manager_addresses_drop_accents_instead_of_letters():
    assert email_for("Jóse Ñúñez-Van der Berg", "bedrijf.nl") == "jose.nunez.van.der.berg@bedrijf.nl"


def test_a_file_with_the_same_columns_gets_the_mapping_chosen_last_time(client, auth, manager):
    auth.login()
    header = ["Ref", "Omschrijving", "Klant", "Bedrag"]  # neither an ID nor a title header CoachKit knows
    first = csv_bytes([header, ["R-1", "Vloot", "Acme", "100"]])
    upload_id = upload_ok(client, first)
    choose = client.get(f"/deals/import/{upload_id}")
    assert choose.status_code == 400 and "Choose a column" in choose.get_data(as_text=True)
    fields = preview_form(choose.data)
    fields.update({"map_external_id": "Ref", "map_title": "Omschrijving", "map_notes": "", "action": "apply"})
    assert client.post(f"/deals/import/{upload_id}", data=fields).status_code == 302

    second = csv_bytes([header, ["R-1", "Vloot", "Acme", "100"], ["R-2", "Scanners", "Beta", "50"]])
    upload_id = upload_ok(client, second)
    form = preview_form(client.get(f"/deals/import/{upload_id}").data)

    assert form["map_title"] == "Omschrijving" and form["map_notes"] == ""
    fields = {**form, "action": "apply"}
    client.post(f"/deals/import/{upload_id}", data=fields)
    titles = set(db.session.scalars(sa.select(Deal.title)))
    assert titles == {"Vloot", "Scanners"}
    assert all(d.notes is None for d in db.session.scalars(sa.select(Deal)))


def test_changing_your_own_password_keeps_you_in_and_logs_out_other_devices(app, client, auth, manager):
    other_device = app.test_client()
    AuthActions(other_device).login()
    auth.login()

    wrong = client.post(
        "/auth/password", data={"current": "not it", "password": "new secret 99", "password2": "new secret 99"}
    )
    assert wrong.status_code == 400 and "not your current password" in wrong.get_data(as_text=True)
    done = client.post(
        "/auth/password", data={"current": PASSWORD, "password": "new secret 99", "password2": "new secret 99"}
    )

    assert done.status_code == 302
    assert client.get("/auth/settings").status_code == 200
    assert other_device.get("/auth/settings").status_code == 302
    AuthActions(client).logout()
    assert AuthActions(client).login(password="new secret 99").status_code == 302
    assert client.get("/auth/settings").status_code == 200
