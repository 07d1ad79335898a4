"""A trainer session in a real browser: create, two participants join, live progress, rating, release; axe.

Three browser contexts (own cookies each): the trainer and two participants. The board is
opened once and never reloaded while the participants join and answer: its rows change
through the page's own polling.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from dataclasses import field

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import expect

from assessments.instruments import Area
from assessments.instruments import get_instrument
from coachkit.extensions import db
from coachkit.services import DEFAULT_INSTRUMENT
from tests.browser.conftest import TIMEOUT_MS
from tests.conftest import PASSWORD
from tests.conftest import password_hash

pytestmark = pytest.mark.browser

INSTRUMENT = get_instrument(DEFAULT_INSTRUMENT)
BLOCKING_IMPACTS = ("serious", "critical")
SESSION = "Coaching leadership, group B"


def new_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


@dataclass
class Audit:
    """axe-core on each page visited; serious and critical violations are collected."""

    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def check(self, page: Page, label: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        page.wait_for_load_state("load")
        results = Axe().run(page)
        self.checked.append(label)
        for violation in results.response["violations"]:
            if violation.get("impact") in BLOCKING_IMPACTS:
                targets = "; ".join(", ".join(map(str, node["target"])) for node in violation["nodes"])
                self.problems.append(
                    f"[{label}] {page.url}\n    {violation['id']} ({violation['impact']}): "
                    f"{violation['help']}\n    nodes: {targets}"
                )

    def assert_clean(self) -> None:
        assert not self.problems, (
            f"axe found {len(self.problems)} serious or critical violation(s) on {len(self.checked)} pages:\n"
            + "\n".join(self.problems)
        )


@pytest.fixture
def trainer(live_server):
    email = new_email("trainer")
    from coachkit.models import User

    with live_server.app.app_context():
        db.session.add(
            User(email=email, name="Tara Trainer", role="trainer", language="en", password_hash=password_hash())
        )
        db.session.commit()
        db.session.remove()
    return email


@pytest.fixture
def new_context(browser: Browser, live_server):
    """Open more browser contexts (each with its own cookies), closed after the test."""
    opened: list[BrowserContext] = []

    def make(**options) -> BrowserContext:
        ctx = browser.new_context(base_url=live_server.url, locale="en-GB", **options)
        ctx.set_default_timeout(TIMEOUT_MS)
        ctx.set_default_navigation_timeout(TIMEOUT_MS)
        opened.append(ctx)
        return ctx

    yield make
    for ctx in opened:
        ctx.close()


def log_in(page: Page, email: str) -> None:
    page.goto("/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button.primary").click()
    expect(page).to_have_url(re.compile(r"/$"))


def create_session(page: Page) -> tuple[str, str]:
    """From the sessions list, create a session; returns the join code and the join link."""
    page.goto("/sessions/")
    page.locator("main a[href$='/sessions/new']").click()
    page.locator("#name").fill(SESSION)
    page.locator("#held_on").fill("2026-04-14")
    page.locator("main form button.primary").click()
    expect(page).to_have_url(re.compile(r"/sessions/\d+$"))
    expect(page.locator("h1")).to_have_text(SESSION)
    code = page.locator("#join-code").inner_text().strip()
    link = page.locator("a.join-link").get_attribute("href")
    assert re.fullmatch(r"[A-Z2-9]{6}", code)
    assert link.endswith(f"/sessions/join/{code}")
    return code, link


def sign_up_on_join_page(page: Page, name: str) -> None:
    expect(page.locator("h1")).to_have_text(f"Join {SESSION}")
    expect(page.locator("main")).to_contain_text("What your trainer will see")
    form = page.locator("main form[action$='/signup']")
    form.locator("#name").fill(name)
    form.locator("#email").fill(new_email("participant"))
    form.locator("#password").fill(PASSWORD)
    form.locator("#password2").fill(PASSWORD)
    form.locator("button.primary").click()
    expect(page).to_have_url(re.compile(r"/sessions/joined/\d+$"))
    expect(page.locator(".flash-success")).to_contain_text(f"You joined {SESSION}")


def answers_for(area: Area) -> dict[str, int]:
    """Answers as posted; keyed 5 on the first statements, so the trainer's 3 makes blind spots."""
    values = {}
    for i, statement in enumerate(area.statements):
        keyed = 5 if i < 3 else (1 if i == 3 else 4)
        values[statement.id] = 6 - keyed if statement.reverse else keyed
    return values


def answer_page(page: Page, area: Area, values: dict[str, int]) -> None:
    for statement_id, value in values.items():
        page.locator(f"input[name='q_{statement_id}'][value='{value}']").check()


def board_row(board: Page, name: str):
    return board.locator("#progress-board tbody tr").filter(has_text=name)


# ---------------------------------------------------------------------------- the flow


def test_a_trainer_runs_a_session_with_two_participants_and_releases_ratings(page: Page, trainer, new_context):
    audit = Audit()
    board = page
    log_in(board, trainer)
    board.goto("/sessions/")
    audit.check(board, "sessions list (trainer)")
    code, link = create_session(board)
    audit.check(board, "empty progress board")
    expect(board.locator("#progress-empty")).to_be_visible()
    expect(board.locator(".qr img")).to_have_js_property("complete", True)
    assert board.locator(".qr img").evaluate("img => img.naturalWidth") > 0, "the QR code image did not load"
    board.evaluate("window.boardNeverReloaded = true")

    # First participant: opens the link and signs up on the join page.
    anna = new_context().new_page()
    anna.goto(link)
    audit.check(anna, "join page (visitor)")
    sign_up_on_join_page(anna, "Anna Apeldoorn")
    audit.check(anna, "joined session page")
    expect(board_row(board, "Anna Apeldoorn")).to_contain_text("Not started")

    anna.locator("main a[href*='/assessments/']").first.click()
    expect(anna).to_have_url(re.compile(r"/assessments/\d+/page/1$"))
    area = INSTRUMENT.areas[0]
    answer_page(anna, area, answers_for(area))
    anna.locator("form.questionnaire button[value='next']").click()
    expect(anna).to_have_url(re.compile(r"/assessments/\d+/page/2$"))
    expect(board_row(board, "Anna Apeldoorn")).to_contain_text("Page 2 of 4")

    # Second participant: types the code on the join form.
    bram = new_context().new_page()
    bram.goto("/sessions/join")
    bram.locator("#code").fill(code.lower())
    bram.locator("main form button.primary").click()
    sign_up_on_join_page(bram, "Bram Bakker")
    expect(board.locator("#progress-board tbody tr")).to_have_count(2)
    expect(board_row(board, "Bram Bakker")).to_contain_text("Not started")
    expect(board.locator("#progress-summary")).to_have_text("2 joined · 1 not started · 1 in progress · 0 submitted")

    # Anna finishes and submits; the board follows without a reload.
    for number, area in enumerate(INSTRUMENT.areas[1:], start=2):
        answer_page(anna, area, answers_for(area))
        anna.locator("form.questionnaire button.primary").click()
        if number < len(INSTRUMENT.areas):
            expect(anna).to_have_url(re.compile(rf"/assessments/\d+/page/{number + 1}$"))
    expect(anna).to_have_url(re.compile(r"/assessments/\d+/review$"))
    anna.locator("main form button.primary").click()
    expect(anna).to_have_url(re.compile(r"/assessments/\d+/results$"))
    results_url = anna.url
    expect(board_row(board, "Anna Apeldoorn")).to_contain_text("Submitted")
    assert board.evaluate("window.boardNeverReloaded === true"), "the board was reloaded"

    # The trainer rates Anna on every page, in observer wording, and releases the ratings.
    board_row(board, "Anna Apeldoorn").get_by_role("link", name="Rate").click()
    expect(board).to_have_url(re.compile(r"/participants/\d+/rate/1$"))
    first = INSTRUMENT.areas[0].statements[0]
    expect(board.locator(f"fieldset#s-{first.id} legend")).to_contain_text(first.observer.en)
    audit.check(board, "rating page")
    for area in INSTRUMENT.areas:
        answer_page(board, area, {s.id: 3 for s in area.statements})
        board.locator("form.questionnaire button.primary").click()
    expect(board).to_have_url(re.compile(r"/participants/\d+$"))
    expect(board.locator(".flash-success")).to_contain_text("Your ratings of Anna Apeldoorn are saved")
    audit.check(board, "participant page (trainer)")

    anna.reload()
    expect(anna.locator("#observer")).to_have_count(0)
    board.locator("main a", has_text=SESSION).first.click()
    board.locator("main form[action$='/release'] button").click()
    expect(board.locator(".flash-success")).to_contain_text("Your ratings are released")
    expect(board_row(board, "Anna Apeldoorn").locator(".p-rating")).to_have_text("Rated")
    audit.check(board, "progress board with participants")

    anna.goto(results_url)
    observer = anna.locator("#observer")
    expect(observer).to_be_visible()
    expect(observer.locator("h2")).to_contain_text(SESSION)
    expect(observer.locator("h3").first).to_have_text("Blind spots")
    expect(observer.locator("ul").first.locator("li")).not_to_have_count(0)
    audit.check(anna, "results with the trainer's ratings")

    # Bram's view never shows Anna.
    bram.goto("/sessions/")
    expect(bram.locator("main")).not_to_contain_text("Anna Apeldoorn")

    # The trainer's other pages.
    board.locator("nav.controls a[href$='/results']").click()
    expect(board.locator("#heatmap tbody tr")).to_have_count(2)
    audit.check(board, "group results")
    board.locator("nav.controls a[href$='/compare']").click()
    audit.check(board, "before and after")
    board.goto(board.url.replace("/compare", "/present"))
    expect(board.locator(".join-code")).to_have_text(code)
    audit.check(board, "join code for the room")
    board.goto(board.url.replace("/present", "/report"))
    audit.check(board, "cohort print preview")
    board.goto("/sessions/new")
    audit.check(board, "new session form")
    board.locator("main form button.primary").click()
    expect(board.locator("main .error").first).to_be_visible()
    audit.check(board, "new session form with errors")

    audit.assert_clean()


def test_the_board_works_without_javascript(page: Page, trainer, new_context):
    log_in(page, trainer)
    _, link = create_session(page)
    board_url = page.url
    visitor = new_context().new_page()
    visitor.goto(link)
    sign_up_on_join_page(visitor, "Nina Noscript")

    plain = new_context(java_script_enabled=False).new_page()
    log_in(plain, trainer)
    plain.goto(board_url)

    expect(board_row(plain, "Nina Noscript")).to_contain_text("Not started")
    expect(plain.locator("#live-note")).to_be_hidden()
    expect(plain.locator("main a", has_text="Refresh")).to_be_visible()


def test_a_participant_leaves_and_the_board_drops_them(page: Page, trainer, new_context):
    log_in(page, trainer)
    _, link = create_session(page)
    leaver = new_context().new_page()
    leaver.goto(link)
    sign_up_on_join_page(leaver, "Lena Leaving")
    expect(board_row(page, "Lena Leaving")).to_have_count(1)

    leaver.locator("main form[action$='/leave'] button").click()

    expect(leaver).to_have_url(re.compile(r"/sessions/$"))
    expect(leaver.locator(".flash-info")).to_contain_text("Your trainer no longer sees your data")
    expect(board_row(page, "Lena Leaving")).to_have_count(0)
    expect(page.locator("#progress-empty")).to_be_visible()
