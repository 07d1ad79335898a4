"""The self-assessment in a real browser: sign up, answer, review, submit, plan, PDF; and axe-core.

Selectors lean on the markup's structure (ids, names, values) so that the same steps work in
both languages; language checks use texts that come from the instrument data file.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect
from pypdf import PdfReader

from assessments.instruments import Area
from assessments.instruments import get_instrument
from coachkit.services import DEFAULT_INSTRUMENT
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

INSTRUMENT = get_instrument(DEFAULT_INSTRUMENT)
# Keyed answer level per area: a profile with a clear strength and a clear priority.
PROFILE = {"people": 4, "pipeline": 3, "accounts": 2, "coaching": 4}
BLOCKING_IMPACTS = ("serious", "critical")


def answers_for(area: Area) -> dict[str, int]:
    level = PROFILE.get(area.id, 3)
    values = {}
    for i, statement in enumerate(area.statements):
        keyed = max(1, min(5, level + (i % 3) - 1))
        values[statement.id] = 6 - keyed if statement.reverse else keyed
    return values


def scale_label(value: int, lang: str) -> str:
    return next(p.label.get(lang) for p in INSTRUMENT.scale if p.value == value)


def new_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in reader.pages))


# ---------------------------------------------------------------------------- steps


def submit_main_form(page: Page) -> None:
    """Press the primary button of the page's (only) form in the main content."""
    page.locator("main form button.primary").click()


def sign_up(page: Page, name: str, email: str) -> None:
    page.goto("/auth/signup")
    page.locator("#name").fill(name)
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password2").fill(PASSWORD)
    submit_main_form(page)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("h1")).to_contain_text(name)


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    submit_main_form(page)
    expect(page).to_have_url(re.compile(r"/$"))


def log_out(page: Page) -> None:
    page.locator("header form[action$='/auth/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/auth/login$"))


def start_assessment(page: Page) -> None:
    """From the dashboard, start the self-assessment; lands on page 1."""
    page.goto("/")
    page.locator("main form[action$='/assessments/start'] button").click()
    expect(page).to_have_url(re.compile(r"/assessments/\d+/page/1$"))


def answer_area(page: Page, area: Area, lang: str) -> None:
    """Answer every statement of the shown page by clicking the answer's label text."""
    for statement_id, value in answers_for(area).items():
        fieldset = page.locator(f"fieldset#s-{statement_id}")
        fieldset.get_by_text(scale_label(value, lang), exact=True).click()
        expect(fieldset.locator(f"input[value='{value}']")).to_be_checked()


def expect_answers_kept(page: Page, area: Area) -> None:
    for statement_id, value in answers_for(area).items():
        expect(page.locator(f"input[name='q_{statement_id}'][value='{value}']")).to_be_checked()


def press(page: Page, action: str) -> None:
    """Press a questionnaire button by its action: previous, save, next or review."""
    page.locator(f"form.questionnaire button[name='action'][value='{action}']").click()


def expect_on_page(page: Page, number: int) -> None:
    expect(page).to_have_url(re.compile(rf"/assessments/\d+/page/{number}$"))


def answer_questionnaire(page: Page, lang: str, on_page: Callable[[int, Area], None] | None = None) -> None:
    """Answer all pages, going back once from page 2 to check that answers are kept both ways."""
    areas = INSTRUMENT.areas
    for number, area in enumerate(areas, start=1):
        expect_on_page(page, number)
        expect(page.locator("h1")).to_have_text(area.title.get(lang))
        if on_page:
            on_page(number, area)
        answer_area(page, area, lang)
        if number == 2:
            press(page, "previous")
            expect_on_page(page, 1)
            expect_answers_kept(page, areas[0])
            press(page, "next")
            expect_on_page(page, 2)
            expect_answers_kept(page, area)
        press(page, "next" if number < len(areas) else "review")
    expect(page).to_have_url(re.compile(r"/assessments/\d+/review$"))


def review_and_submit(page: Page, lang: str) -> None:
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(sum(len(a.statements) for a in INSTRUMENT.areas))
    expect(page.locator("tr.missing")).to_have_count(0)
    first = INSTRUMENT.areas[0].statements[0]
    first_row = rows.filter(has_text=first.text.get(lang))
    expect(first_row.locator("td").nth(1)).to_have_text(scale_label(answers_for(INSTRUMENT.areas[0])[first.id], lang))
    submit_main_form(page)
    expect(page).to_have_url(re.compile(r"/assessments/\d+/results$"))


def expect_radar(page: Page, lang: str) -> None:
    svg = page.locator("figure.radar-figure svg")
    expect(svg).to_be_visible()
    expect(svg.locator("text.radar-label")).to_have_text([a.title.get(lang) for a in INSTRUMENT.areas])
    expect(svg.locator("polygon.radar-series")).to_have_count(1)


def add_goal(page: Page, goal: str, action: str) -> None:
    page.locator("main a[href$='/plan']").first.click()
    expect(page).to_have_url(re.compile(r"/assessments/\d+/plan$"))
    form = page.locator("main form[action$='/plan']")
    form.locator("#goal").fill(goal)
    form.locator("#action").fill(action)
    form.locator("#target_date").fill("2031-03-15")
    form.locator("button.primary").click()
    expect(page).to_have_url(re.compile(r"/assessments/\d+/plan$"))
    expect(page.locator("section.goal .goal-text")).to_have_text(goal)
    expect(page.locator("section.goal table")).to_contain_text(action)


def download_report(page: Page) -> tuple[str, str]:
    """Download the PDF through the results page's link; returns its file name and its text."""
    expect(page).to_have_url(re.compile(r"/assessments/\d+/results$"))
    with page.expect_download() as info:
        page.locator("main a[href$='.pdf']").first.click()
    download = info.value
    assert download.failure() is None
    with open(download.path(), "rb") as fh:
        data = fh.read()
    assert data.startswith(b"%PDF-")
    return download.suggested_filename, pdf_text(data)


# ---------------------------------------------------------------------------- flows


def test_new_user_completes_the_flow_in_english(page: Page):
    name = "Mila Manager"
    sign_up(page, name, new_email("mila"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    start_assessment(page)
    answer_questionnaire(page, "en")
    expect(page.locator("h1")).to_have_text("Review your answers")
    review_and_submit(page, "en")

    expect(page.locator("h1")).to_have_text("Your results")
    expect(page.locator(".overall")).to_contain_text("Overall level")
    expect_radar(page, "en")
    for area in INSTRUMENT.areas:
        expect(page.locator(f"#area-{area.id} h2")).to_contain_text(area.title.get("en"))

    add_goal(page, "I ask before I tell in every one-on-one.", "Record one one-on-one a week")
    expect(page.locator(".flash-success")).to_contain_text("Goal added")
    page.locator("main a[href$='/results']").first.click()
    expect(page).to_have_url(re.compile(r"/assessments/\d+/results$"))

    filename, text = download_report(page)
    assert filename.endswith("-en.pdf"), filename
    assert name in text
    for area in INSTRUMENT.areas:
        assert area.title.get("en") in text, f"{area.title.get('en')!r} missing from the PDF"
    assert "Development report" in text
    assert "I ask before I tell in every one-on-one." in text


def test_new_user_completes_the_flow_in_dutch(page: Page):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("header form.lang-switch button[value='nl']").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.locator("header form.lang-switch button[value='en']")).to_have_text("English")

    name = "Sanne Jansen-Bakker"
    page.goto("/auth/signup")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.locator("#language")).to_have_value("nl")
    sign_up(page, name, new_email("sanne"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    start_assessment(page)

    def dutch_page(number: int, area: Area) -> None:
        expect(page.locator("html")).to_have_attribute("lang", "nl")
        for statement in area.statements:
            expect(page.locator(f"fieldset#s-{statement.id} legend")).to_contain_text(statement.text.get("nl"))
        first = page.locator(f"fieldset#s-{area.statements[0].id}")
        expect(first.locator("label")).to_have_text(["Nooit", "Zelden", "Soms", "Vaak", "Altijd"])

    answer_questionnaire(page, "nl", on_page=dutch_page)
    review_and_submit(page, "nl")

    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect_radar(page, "nl")
    for area in INSTRUMENT.areas:
        expect(page.locator(f"#area-{area.id} h2")).to_contain_text(area.title.get("nl"))

    add_goal(page, "Ik stel eerst vragen voordat ik advies geef.", "Elke week één gesprek terugluisteren")
    page.locator("main a[href$='/results']").first.click()
    expect(page).to_have_url(re.compile(r"/assessments/\d+/results$"))

    filename, text = download_report(page)
    assert filename.endswith("-nl.pdf"), filename
    assert name in text
    for area in INSTRUMENT.areas:
        assert area.title.get("nl") in text, f"{area.title.get('nl')!r} missing from the PDF"
    assert any(level.name.get("nl") in text for level in INSTRUMENT.levels), "no Dutch level name in the PDF"
    assert "Ik stel eerst vragen voordat ik advies geef." in text


# ---------------------------------------------------------------------------- accessibility


@dataclass
class AxeAudit:
    page: Page
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def check(self, label: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.page.wait_for_load_state("load")
        results = Axe().run(self.page)
        self.checked.append(label)
        for violation in results.response["violations"]:
            if violation.get("impact") not in BLOCKING_IMPACTS:
                continue
            targets = "; ".join(", ".join(map(str, node["target"])) for node in violation["nodes"])
            self.problems.append(
                f"[{label}] {self.page.url}\n    {violation['id']} ({violation['impact']}): "
                f"{violation['help']}\n    nodes: {targets}"
            )

    def assert_clean(self) -> None:
        assert not self.problems, (
            f"axe found {len(self.problems)} serious or critical violation(s) on {len(self.checked)} pages:\n"
            + "\n".join(self.problems)
        )


def use_language(page: Page, lang: str) -> None:
    """Switch the interface language with the navigation button when it is not the shown one."""
    if page.locator("html").get_attribute("lang") != lang:
        page.locator(f"header form.lang-switch button[value='{lang}']").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_every_page_of_the_flow_passes_axe(page: Page, live_server, lang: str):
    audit = AxeAudit(page)

    page.goto("/")
    use_language(page, lang)
    audit.check("welcome")
    page.goto("/auth/login")
    audit.check("login")
    page.goto("/auth/signup")
    audit.check("signup")
    submit_main_form(page)
    expect(page.locator("main .error").first).to_be_visible()
    audit.check("signup with validation errors")

    sign_up(page, "Noor Axe", new_email("axe"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    audit.check("dashboard")
    page.goto("/assessments/")
    audit.check("assessment index")
    start_assessment(page)

    press(page, "next")
    expect(page.locator("fieldset.statement.has-error").first).to_be_visible()
    audit.check("questionnaire page 1 with validation errors")

    areas = INSTRUMENT.areas
    for number, area in enumerate(areas, start=1):
        if number > 1:
            expect_on_page(page, number)
            audit.check(f"questionnaire page {number}")
        answer_area(page, area, lang)
        if number == 1:
            audit.check("questionnaire page 1 answered")
        press(page, "next" if number < len(areas) else "review")
    audit.check("review")
    submit_main_form(page)
    expect(page).to_have_url(re.compile(r"/assessments/\d+/results$"))
    audit.check("results")
    results_url = page.url

    add_goal(page, "Ask before I tell.", "Count my questions in one meeting")
    audit.check("development plan")
    page.locator("section.goal a[href*='/goals/'][href$='/edit']").first.click()
    expect(page).to_have_url(re.compile(r"/assessments/goals/\d+/edit$"))
    audit.check("goal edit")
    page.go_back()
    page.locator("section.goal a[href*='/actions/'][href$='/edit']").first.click()
    expect(page).to_have_url(re.compile(r"/assessments/actions/\d+/edit$"))
    audit.check("action edit")

    page.goto(results_url)
    page.locator("main a[href*='/reports/development/']:not([href$='.pdf'])").first.click()
    expect(page).to_have_url(re.compile(r"/reports/development/\d+$"))
    audit.check("print preview")

    page.goto("/auth/settings")
    audit.check("settings")
    log_out(page)

    log_in(page, live_server.admin_email, live_server.admin_password)
    use_language(page, lang)
    page.goto("/admin/users")
    expect(page.locator("main table tbody tr")).not_to_have_count(0)
    audit.check("admin users")

    audit.assert_clean()
