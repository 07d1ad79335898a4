"""One-on-one agendas in a real browser: plan, edit, note, reorder, print and download; and axe-core on the pages."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect
from pypdf import PdfReader

from assessments.deal_instrument import get_deal_instrument
from coachkit.extensions import db
from tests.browser.test_self_assessment import BLOCKING_IMPACTS
from tests.conftest import PASSWORD
from tests.conftest import password_hash

pytestmark = pytest.mark.browser

INSTRUMENT = get_deal_instrument()
REP = "Rosa Rep"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def seed_manager(live_server, lang: str = "en") -> str:
    """A manager with one rep and two analysed deals (walk away, needs help); returns the email."""
    from coachkit import deal_services as ds
    from coachkit.models import User

    email = f"coach-{uuid.uuid4().hex[:10]}@example.com"
    with live_server.app.app_context():
        manager = User(email=email, name="Mila Manager", role="manager", language=lang, password_hash=password_hash())
        db.session.add(manager)
        db.session.commit()
        rep = ds.add_rep(manager, REP)
        profiles = {
            "walk": {q.id: ("no" if q.id == "cmp-must-haves-met" else "yes") for q in INSTRUMENT.questions},
            "help": {q.id: ("yes" if q.knockout or q.is_timing else "unknown") for q in INSTRUMENT.questions},
        }
        for title, account, value, profile in (
            ("Fleet renewal", "Van Dijk", "40000", "walk"),
            ("Service contract", "Hollander", "25000", "help"),
        ):
            deal = ds.create_deal(
                manager,
                title=title,
                account=account,
                rep_id=rep.id,
                value=Decimal(value),
                currency="EUR",
                expected_close=date.today() + timedelta(days=40),
            )
            ds.analyse_deal(deal, profiles[profile], {}, manager)
        db.session.remove()
    return email


def log_in(page: Page, email: str) -> None:
    page.goto("/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button.primary").click()
    expect(page).to_have_url(re.compile(r"/$"))


def plan_meeting(page: Page) -> None:
    page.locator("header nav a[href='/one-on-ones/']").click()
    expect(page).to_have_url(re.compile(r"/one-on-ones/$"))
    page.locator("main table a.button[href*='/one-on-ones/new?rep=']").click()
    expect(page.locator("#rep_id option:checked")).to_have_text(REP)
    page.locator("#scheduled_at").fill("2031-05-12T10:30")
    page.locator("#duration_minutes").fill("30")
    page.locator("main form button.primary").click()
    expect(page).to_have_url(re.compile(r"/one-on-ones/\d+$"))


def deal_items(page: Page):
    return page.locator("#part-2 li.agenda-item")


def pdf_text(data: bytes) -> str:
    return " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)


def test_a_manager_prepares_edits_and_prints_an_agenda(page: Page, live_server):
    log_in(page, seed_manager(live_server))

    plan_meeting(page)
    expect(page.locator("h1")).to_have_text(f"One-on-one with {REP}")
    expect(deal_items(page).locator("h3")).to_have_text(["Fleet renewal – Van Dijk", "Service contract – Hollander"])
    question = INSTRUMENT.question("cmp-must-haves-met").coaching.get("en")
    expect(deal_items(page).first.locator("ul.questions li").first).to_have_text(question)

    # Edit the first deal item's title (the form is inside a <details>: no script needed).
    first = deal_items(page).first
    first.locator("details.edit-item summary").click()
    first.locator("input[name='title']").fill("Fleet renewal: walk away or fight?")
    first.locator("details.edit-item button[type='submit']").click()
    expect(page.locator(".flash-success")).to_contain_text("Item saved.")
    expect(deal_items(page).first.locator("h3")).to_contain_text("Fleet renewal: walk away or fight?")

    # Move it down with the plain form button.
    deal_items(page).first.locator("button[value='down']").click()
    expect(deal_items(page).locator("h3").first).to_have_text("Service contract – Hollander")

    # A shared and a private note on the development topic.
    topic = page.locator("#part-3 li.agenda-item").first
    topic.locator("textarea[name='shared_note']").fill("Rosa prepares the timeline with the buyer.")
    topic.locator("textarea[name='private_note']").fill("Ask HR about the training budget.")
    topic.locator("form.notes button[type='submit']").click()
    expect(page.locator(".flash-success")).to_contain_text("Notes saved.")
    shared = page.locator("#part-3 textarea[name='shared_note']")
    expect(shared).to_have_value("Rosa prepares the timeline with the buyer.")

    # An action item for the rep.
    page.locator("#action-description").fill("Send the revised quote")
    page.locator("#action-owner").select_option("rep")
    page.locator("#actions form.inline-form button[type='submit']").click()
    expect(page.locator("#actions table")).to_contain_text("Send the revised quote")

    # The print view: plan and agenda, the shared note but not the private one.
    page.locator(".toolbar a[href$='/print']").click()
    expect(page).to_have_url(re.compile(r"/one-on-ones/\d+/print$"))
    expect(page.locator("section.plan h1")).to_contain_text(f"Coaching plan: {REP}")
    expect(page.locator("section.agenda-print")).to_contain_text("Rosa prepares the timeline with the buyer.")
    expect(page.locator("body")).not_to_contain_text("Ask HR about the training budget.")

    # The PDF from the print view's toolbar.
    with page.expect_download() as info:
        page.locator("nav.print-toolbar a[href$='.pdf?lang=en']").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.startswith("coachkit-one-on-one-rosa-rep-2031-05-12")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    text = squash(pdf_text(data))
    for expected in (
        "Fleet renewal: walk away or fight?",
        "Service contract – Hollander",
        question,
        "Rosa prepares the timeline with the buyer.",
        "Send the revised quote",
    ):
        assert squash(expected) in text, expected
    assert squash("Ask HR about the training budget.") not in text

    # The calendar file from the meeting page.
    page.go_back()
    with page.expect_download() as info:
        page.locator(".toolbar a[href$='.ics']").click()
    ics = Path(info.value.path()).read_bytes().decode("utf-8")
    assert ics.startswith("BEGIN:VCALENDAR\r\n")
    assert "DTSTART:20310512T083000Z" in ics


def test_closing_in_the_browser_carries_the_action_to_the_next_one_on_one(page: Page, live_server):
    log_in(page, seed_manager(live_server))
    plan_meeting(page)
    page.locator("#action-description").fill("Call the CFO")
    page.locator("#actions form.inline-form button[type='submit']").click()
    page.locator("#next_at").fill("2031-05-26T10:30")
    page.locator("#close button.primary").click()
    expect(page.locator(".flash-success")).to_contain_text("The one-on-one is closed.")
    expect(page.locator("#part-1 li.agenda-item h3")).to_have_text(["Call the CFO"])
    expect(page.locator("dl.facts")).to_contain_text("26 May 2031")


# ---------------------------------------------------------------------------- accessibility


def axe_problems(page: Page, label: str) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    results = Axe().run(page)
    problems = []
    for violation in results.response["violations"]:
        if violation.get("impact") in BLOCKING_IMPACTS:
            targets = "; ".join(", ".join(map(str, node["target"])) for node in violation["nodes"])
            problems.append(
                f"[{label}] {page.url}: {violation['id']} ({violation['impact']}): {violation['help']} nodes: {targets}"
            )
    return problems


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_one_on_one_pages_pass_axe(page: Page, live_server, lang: str):
    log_in(page, seed_manager(live_server, lang))
    problems = []
    page.goto("/one-on-ones/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    problems += axe_problems(page, "team")
    page.goto("/one-on-ones/new")
    problems += axe_problems(page, "plan")
    page.locator("#scheduled_at").fill("")
    page.locator("main form button.primary").click()  # no date: the form comes back with its errors
    expect(page.locator("main .error").first).to_be_visible()
    problems += axe_problems(page, "plan with errors")
    plan_meeting(page)
    page.locator("#action-description").fill("Send the revised quote")
    page.locator("#actions form.inline-form button[type='submit']").click()
    deal_items(page).first.locator("form[action$='/remove'] button").click()
    page.locator("#part-2 li.agenda-item").first.locator("details.edit-item summary").click()
    problems += axe_problems(page, "meeting")
    meeting_url = page.url
    page.goto(meeting_url + "/edit")
    problems += axe_problems(page, "change date")
    page.goto(meeting_url + "/print?private=1")
    problems += axe_problems(page, "print view")
    page.goto(meeting_url)
    page.locator("a[href*='/one-on-ones/reps/']").first.click()
    problems += axe_problems(page, "rep history")
    assert not problems, "\n".join(problems)
