"""Deal analysis in a real browser: import a Dutch CRM export, analyse a deal, see the KPIs move; axe-core.

The import file is built here, in the style of a hand-made Dutch sheet: semicolons, amounts
like ``1.234,56``, dates as day-month-year and a rep column. Expected figures come from that
file, not from the app's import or scoring code. Answers are given by clicking the answer's
label, as a person would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from assessments.deal_instrument import get_deal_instrument
from coachkit.deal_services import DEAL_INSTRUMENT
from tests.browser.test_self_assessment import AxeAudit
from tests.browser.test_self_assessment import new_email
from tests.browser.test_self_assessment import sign_up
from tests.browser.test_self_assessment import submit_main_form
from tests.browser.test_self_assessment import use_language

pytestmark = pytest.mark.browser

INSTRUMENT = get_deal_instrument(DEAL_INSTRUMENT)
QUALIFICATION = [q for group in INSTRUMENT.groups for q in group.questions]
TIMING = list(INSTRUMENT.timing.questions)
HEADER = ["Dealnummer", "Dealnaam", "Klant", "Verkoper", "Bedrag", "Fase", "Aangemaakt op", "Verwachte sluitdatum"]


@dataclass(frozen=True)
class Row:
    external_id: str
    title: str
    account: str
    rep: str
    value: Decimal
    stage: str
    created: date
    close: date

    @property
    def open(self) -> bool:
        return self.stage != "Gewonnen"


def dutch_amount(value: Decimal) -> str:
    """``1234.56`` as ``1.234,56``."""
    whole, cents = f"{value:.2f}".split(".")
    return f"{int(whole):,}".replace(",", ".") + "," + cents


def deal_rows(today: date) -> list[Row]:
    """Four open deals closing later than today and one won deal; every date has a day above 12,
    so the day-month order is decided by the values."""
    year = today.year + 1
    return [
        Row(
            "NL-1001",
            "Vlootbeheer Noord",
            "Bakkerij de Vries",
            "Anouk de Jong",
            Decimal("1234.56"),
            "Offerte",
            date(today.year - 1, 9, 14),
            date(year, 2, 18),
        ),
        Row(
            "NL-1002",
            "Kantoorinrichting",
            "Gemeente Zwolle",
            "Pieter Bos",
            Decimal("12500.00"),
            "Onderhandeling",
            date(today.year - 1, 10, 21),
            date(year, 3, 25),
        ),
        Row(
            "NL-1003",
            "Onderhoudscontract",
            "Van Dijk Techniek",
            "Anouk de Jong",
            Decimal("3999.95"),
            "Kwalificatie",
            date(today.year - 1, 11, 30),
            date(year, 5, 13),
        ),
        Row(
            "NL-1004",
            "Schoonmaak 2027",
            "Zorggroep Oost",
            "Pieter Bos",
            Decimal("250.00"),
            "Offerte",
            date(today.year - 1, 12, 17),
            date(year, 6, 28),
        ),
        Row(
            "NL-0999",
            "Licenties",
            "Bakkerij de Vries",
            "Pieter Bos",
            Decimal("8750.00"),
            "Gewonnen",
            date(today.year - 2, 8, 19),
            date(today.year - 1, 8, 29),
        ),
    ]


def dutch_csv(path: Path, rows: list[Row]) -> Path:
    lines = [";".join(HEADER)]
    for r in rows:
        lines.append(
            ";".join(
                [
                    r.external_id,
                    r.title,
                    r.account,
                    r.rep,
                    dutch_amount(r.value),
                    r.stage,
                    f"{r.created:%d-%m-%Y}",
                    f"{r.close:%d-%m-%Y}",
                ]
            )
        )
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- steps


def counts(page: Page) -> dict[str, int]:
    """The dry run's counts as shown in the preview, keyed by the English label."""
    found = {}
    for item in page.locator("ul.counts li").all_inner_texts():
        match = re.match(r"\s*([\d.,\s]+)\s+(.*)", item)
        assert match, item
        found[match.group(2).split(":")[0].strip()] = int(re.sub(r"\D", "", match.group(1)))
    return found


def upload_file(page: Page, path: Path) -> None:
    page.goto("/deals/import")
    page.locator("#file").set_input_files(str(path))
    submit_main_form(page)
    expect(page).to_have_url(re.compile(r"/deals/import/\d+$"))


def allow_new_reps(page: Page) -> None:
    """Tick "add reps" by its label and update the preview (waiting for the new preview)."""
    page.locator("label.check", has=page.locator("input[name='create_reps']")).click()
    with page.expect_navigation():
        page.locator("button[name='action'][value='preview']").click()
    expect(page.locator("input[name='create_reps']")).to_be_checked()


def import_with_new_reps(page: Page, path: Path) -> None:
    """Upload, allow new reps in the preview, import; ends on the pipeline page."""
    upload_file(page, path)
    allow_new_reps(page)
    page.locator("button[name='action'][value='apply']").click()
    expect(page).to_have_url(re.compile(r"/deals/$"))


def answer(page: Page, answers: dict[str, str]) -> None:
    """Click the label of each answer and check that its radio button is then checked."""
    for question_id, value in answers.items():
        radio = page.locator(f"input[type='radio'][name='a_{question_id}'][value='{value}']")
        page.locator("form.analysis label", has=radio).click()
        expect(radio).to_be_checked()


def save_analysis(page: Page) -> None:
    """Save, and wait for the deal page that comes back (its URL can be the same as before)."""
    with page.expect_navigation():
        page.locator("form.analysis button.primary").click()
    expect(page).to_have_url(re.compile(r"/deals/\d+#kpis$"))


def kpi_card(page: Page, label: str):
    return page.locator("#kpis .kpi").filter(has=page.locator("h3", has_text=label))


def kpi_value(page: Page, label: str) -> int:
    text = kpi_card(page, label).locator(".kpi-value").inner_text()
    match = re.search(r"\d+", text)
    assert match, f"no number in the {label} KPI: {text!r}"
    return int(match.group())


def expect_titles(page: Page, titles: list[str]) -> None:
    """The pipeline table lists exactly these deals, in this order (waits for the page to show them)."""
    expect(page.locator("table.pipeline tbody tr td:first-child a")).to_have_text(titles)


def first_answers() -> dict[str, str]:
    """Every knock-out and every other qualification question yes, the rest unknown; timing all yes."""
    answers = {q.id: "yes" if (q.knockout or n % 2 == 0) else "unknown" for n, q in enumerate(QUALIFICATION)}
    answers.update({q.id: "yes" for q in TIMING})
    return answers


# ---------------------------------------------------------------------------- flows


def test_import_a_dutch_sheet_analyse_a_deal_and_see_the_kpis_change(page: Page, tmp_path):
    today = date.today()
    rows = deal_rows(today)
    path = dutch_csv(tmp_path / "pijplijn.csv", rows)
    sign_up(page, "Mila Deals", new_email("deals"))

    # The preview: how the file was read, and a dry run that rejects reps not in the team.
    upload_file(page, path)
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("UTF-8")
    expect(facts.locator("dt:text-is('Delimiter') + dd")).to_have_text("semicolon")
    value_format = facts.locator("dt", has_text="Value").locator("xpath=following-sibling::dd[1]")
    expect(value_format).to_contain_text("numbers like 1.234,56")
    expect(value_format).to_contain_text("decided by the values in this column")
    close_format = facts.locator("dt", has_text="Expected close date").locator("xpath=following-sibling::dd[1]")
    expect(close_format).to_contain_text("dates as day-month-year")
    expect(page.locator("#map-owner")).to_have_value("Verkoper")
    expect(page.locator("#map-value")).to_have_value("Bedrag")
    assert counts(page) == {"new deals": 0, "deals updated": 0, "unchanged": 0, "rows rejected": len(rows)}
    expect(page.locator("button[name='action'][value='apply']")).to_be_disabled()
    expect(page.locator("main table").first).to_contain_text("is not in your team")

    # Allowing new reps: everything would be created, and the import can be applied.
    allow_new_reps(page)
    assert counts(page) == {
        "new deals": len(rows),
        "deals updated": 0,
        "unchanged": 0,
        "rows rejected": 0,
        "new reps": 2,
    }
    expect(page.locator("ul.counts")).to_contain_text("Anouk de Jong, Pieter Bos")
    rows_table = page.locator("main table").filter(has=page.locator("caption", has_text="Rows"))
    expect(rows_table.locator("tbody tr")).to_have_count(len(rows))
    page.locator("button[name='action'][value='apply']").click()

    # The pipeline lists the open deals only.
    expect(page).to_have_url(re.compile(r"/deals/$"))
    expect(page.locator(".flash-success")).to_contain_text(f"Import complete: {len(rows)} created")
    open_rows = [r for r in rows if r.open]
    expect(page.locator("table.pipeline caption")).to_contain_text(f"{len(open_rows)} open deals")
    expect_titles(page, [r.title for r in sorted(open_rows, key=lambda r: r.close)])
    expect(page.locator("table.summary tbody tr")).to_have_count(2)
    big = next(r for r in open_rows if r.value == Decimal("12500.00"))
    expect(page.locator("table.pipeline tbody tr", has_text=big.title)).to_contain_text("12,500.00")

    # Open a deal: not analysed yet.
    page.locator("table.pipeline a", has_text=big.title).click()
    expect(page).to_have_url(re.compile(r"/deals/\d+$"))
    expect(page.locator("h1")).to_have_text(big.title)
    expect(page.locator("#kpis .kpi")).to_have_count(0)
    expect(page.locator("#kpis .flag-not_analysed")).to_be_visible()

    # First analysis: the four KPIs appear.
    answers = first_answers()
    answer(page, answers)
    save_analysis(page)
    expect(page.locator(".flash-success")).to_contain_text("Analysis saved")
    expect(page.locator("#kpis .kpi")).to_have_count(4)
    for label in ("Qualification", "Chance to win", "Reliability", "Timing"):
        expect(kpi_card(page, label).locator(".kpi-value")).to_have_text(re.compile(r"^\d+%$"))
    chance_before = kpi_value(page, "Chance to win")
    reliability_before = kpi_value(page, "Reliability")
    still_unknown = next(k for k, v in answers.items() if v == "unknown")
    expect(page.locator(f"input[name='a_{still_unknown}'][value='unknown']")).to_be_checked()

    # Unknown becomes yes on five questions: the chance to win goes up, and so does reliability.
    changed = [k for k, v in answers.items() if v == "unknown"][:5]
    answer(page, dict.fromkeys(changed, "yes"))
    save_analysis(page)
    chance_after = kpi_value(page, "Chance to win")
    assert chance_after > chance_before, (chance_before, chance_after)
    assert kpi_value(page, "Reliability") > reliability_before
    expect(
        page.locator("main table").filter(has=page.locator("th", has_text="Analysed on")).locator("tbody tr")
    ).to_have_count(2)

    # "Why this number?" explains the chance to win with the answers that moved it.
    details = kpi_card(page, "Chance to win").locator("details")
    explanation = details.locator("ul").first
    expect(explanation).to_be_hidden()
    details.locator("summary").click()
    expect(details).to_have_attribute("open", "")
    expect(explanation).to_be_visible()
    expect(details).to_contain_text("Raised by")
    changed_texts = {q.text.get("en") for q in INSTRUMENT.questions if q.id in changed}
    shown = details.locator("li").all_inner_texts()
    assert any(text.split(" — ")[0] in changed_texts for text in shown), shown

    # Back on the pipeline the deal carries its KPIs.
    page.locator("main a[href$='/deals/']").first.click()
    deal_row = page.locator("table.pipeline tbody tr", has_text=big.title)
    expect(deal_row.locator("td").nth(7)).to_have_text(f"{chance_after}%")
    expect(deal_row).not_to_contain_text("Not analysed")


def test_the_pipeline_filters_and_sorts_in_the_browser(page: Page, tmp_path):
    rows = deal_rows(date.today())
    sign_up(page, "Filip Filter", new_email("filter"))
    import_with_new_reps(page, dutch_csv(tmp_path / "pijplijn.csv", rows))
    open_rows = [r for r in rows if r.open]
    by_close = [r.title for r in sorted(open_rows, key=lambda r: r.close)]
    expect_titles(page, by_close)

    # Filter on a rep with the form's select and button.
    form = page.locator("form.filters")
    form.locator("#f-rep").select_option(label="Pieter Bos")
    form.locator("button[type='submit']").click()
    expect(page).to_have_url(re.compile(r"[?&]rep=\d+"))
    pieter = [r.title for r in sorted(open_rows, key=lambda r: r.close) if r.rep == "Pieter Bos"]
    expect(page.locator("table.pipeline tbody tr")).to_have_count(len(pieter))
    expect_titles(page, pieter)
    expect(form.locator("#f-rep option:checked")).to_have_text("Pieter Bos")

    # Stage and search combine with it; no match gives the empty-table message.
    form.locator("#f-q").fill("nothing like this")
    form.locator("button[type='submit']").click()
    expect(page.locator("table.pipeline tbody tr")).to_have_count(1)
    expect(page.locator("table.pipeline tbody")).to_contain_text("No open deals match")
    form.locator("#f-q").fill("")
    form.locator("#f-stage").select_option("Offerte")
    form.locator("button[type='submit']").click()
    offerte = [t for t in pieter if next(r for r in open_rows if r.title == t).stage == "Offerte"]
    expect_titles(page, offerte)

    # Clear the filters, then sort by value: ascending first, descending on the second click.
    page.locator("form.filters a", has_text="Clear filters").click()
    expect(page.locator("table.pipeline tbody tr")).to_have_count(len(open_rows))
    header = page.locator("table.pipeline thead th").nth(3).locator("a")
    header.click()
    expect(page).to_have_url(re.compile(r"sort=value"))
    by_value = [r.title for r in sorted(open_rows, key=lambda r: r.value)]
    expect_titles(page, by_value)
    expect(header).to_have_attribute("aria-label", re.compile("sorted ascending"))
    header.click()
    expect(page).to_have_url(re.compile(r"dir=desc"))
    expect_titles(page, list(reversed(by_value)))
    expect(header).to_have_attribute("aria-label", re.compile("sorted descending"))

    # The sort survives a filter, through the form's hidden fields.
    form.locator("#f-rep").select_option(label="Anouk de Jong")
    form.locator("button[type='submit']").click()
    anouk = [r.title for r in sorted(open_rows, key=lambda r: r.value, reverse=True) if r.rep == "Anouk de Jong"]
    expect_titles(page, anouk)


# ---------------------------------------------------------------------------- accessibility


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_deal_pages_pass_axe(page: Page, tmp_path, lang: str):
    audit = AxeAudit(page)
    path = dutch_csv(tmp_path / "pijplijn.csv", deal_rows(date.today()))
    page.goto("/")
    use_language(page, lang)
    sign_up(page, "Axel Deals", new_email("axe-deals"))
    expect(page.locator("html")).to_have_attribute("lang", lang)

    page.goto("/deals/")
    audit.check("pipeline, empty")
    page.goto("/deals/import")
    audit.check("import")
    submit_main_form(page)
    expect(page.locator("main .error").first).to_be_visible()
    audit.check("import with validation errors")
    upload_file(page, path)
    audit.check("preview with rejected rows")
    allow_new_reps(page)
    audit.check("preview")
    page.locator("button[name='action'][value='apply']").click()
    expect(page).to_have_url(re.compile(r"/deals/$"))
    audit.check("pipeline")
    page.goto("/deals/?flag=not_analysed&sort=value&dir=desc&min=abc")
    audit.check("pipeline, filtered and sorted, with a warning")

    page.locator("table.pipeline tbody a").first.click()
    expect(page).to_have_url(re.compile(r"/deals/\d+$"))
    audit.check("deal, not analysed")
    answer(page, first_answers())
    save_analysis(page)
    kpi_details = page.locator("#kpis details")
    for n in range(kpi_details.count()):
        kpi_details.nth(n).locator("summary").click()
    audit.check("deal, analysed, explanations open")
    page.locator("main a[href$='/edit']").first.click()
    expect(page).to_have_url(re.compile(r"/deals/\d+/edit$"))
    audit.check("deal edit")

    page.goto("/deals/forecast")
    audit.check("forecast per month")
    page.goto("/deals/forecast?by=quarter")
    for n in range(page.locator("main details").count()):
        page.locator("main details").nth(n).locator("summary").click()
    audit.check("forecast per quarter, per rep open")
    page.goto("/deals/team")
    audit.check("team")
    submit_main_form(page)
    expect(page.locator("main .error").first).to_be_visible()
    audit.check("team with validation errors")
    page.locator("main table a[href*='/deals/team/']").first.click()
    audit.check("rep edit")
    page.goto("/deals/new")
    audit.check("new deal")
    page.locator("#value").fill("-5")
    submit_main_form(page)
    expect(page.locator("main .error").first).to_be_visible()
    audit.check("new deal with validation errors")

    audit.assert_clean()


# Elements outside data tables that stick out past the right edge of the viewport.
OVERFLOWING_JS = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('main *')]
    .filter(el => !el.closest('table, .table-wrap') && el.getBoundingClientRect().right > width + 1)
    .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + (el.id ? '#' + el.id : ''));
}"""


def test_the_deal_pages_reflow_at_320_px(page: Page, tmp_path):
    """WCAG 1.4.10: at 320 CSS pixels only data tables may need horizontal scrolling."""
    path = dutch_csv(tmp_path / "pijplijn.csv", deal_rows(date.today()))
    sign_up(page, "Rita Reflow", new_email("reflow"))
    import_with_new_reps(page, path)
    deal_url = page.locator("table.pipeline tbody a").first.get_attribute("href")
    page.set_viewport_size({"width": 320, "height": 800})
    problems = {}
    upload_file(page, path)
    problems["preview"] = page.evaluate(OVERFLOWING_JS)
    for url in ["/deals/", deal_url, "/deals/import", "/deals/forecast", "/deals/team", "/deals/new"]:
        page.goto(url)
        problems[url] = page.evaluate(OVERFLOWING_JS)
    assert not {k: v for k, v in problems.items() if v}, problems
