"""A 30-participant session built through the app's own pages, and everything read back from it.

The group is built once per database backend: the trainer creates the session, thirty
managers join with the code and answer page by page (27 submit, two stop halfway, one
never starts), the trainer rates five of them and releases the ratings. The board, the
cohort view, the four export files, the PDF and a participant's results page are fetched
once; the tests below check them against figures worked out from the instrument file.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime

import openpyxl
import pytest
from pypdf import PdfReader

from coachkit import create_app
from coachkit.extensions import db
from coachkit.models import User
from tests.conftest import FreshContextClient
from tests.conftest import _empty_all_tables
from tests.conftest import config_for
from tests.conftest import password_hash
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
from tests.web.helpers import expected_level
from tests.web.helpers import expected_score
from tests.web.helpers import keyed
from tests.web.helpers import level_names
from tests.web.helpers import page_text
from tests.web.helpers import parse
from tests.web.helpers import text

SIZE = 30
SESSION = "Coaching leadership, group A"
# Names and an email that a spreadsheet would run as formulas.
NAMES = {
    0: '=HYPERLINK("http://example.com","click")',
    1: "+SUM(A1:A2)",
    2: "-2+3",
    3: "@SUM(1)",
    4: "\tTabbed Name",
    5: "\rCarriage Name",
}
EMAILS = {6: "=p06@example.com"}
PAGE_TWO, LAST_PAGE, NOT_STARTED = 27, 28, 29
RATED = range(5)
# The trainer answers "sometimes" to every statement: keyed 3, an area score of 50.0.
OBSERVER_VALUE = 3


@dataclass
class Person:
    index: int
    name: str
    email: str
    answers: dict[str, int]
    state: str

    @property
    def submitted(self) -> bool:
        return self.state == "submitted"

    @property
    def rated(self) -> bool:
        return self.index in RATED


@dataclass
class Group:
    cohort_id: int
    people: list[Person]
    dates: set[date]
    progress: dict = field(default_factory=dict)
    results_html: str = ""
    board_html: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    pdf: bytes = b""
    own_results: dict[int, str] = field(default_factory=dict)

    def person(self, index: int) -> Person:
        return self.people[index]


def _person(i: int) -> Person:
    if i < PAGE_TWO:
        state = "submitted"
    elif i == NOT_STARTED:
        state = "not_started"
    else:
        state = "in_progress"
    return Person(
        i, NAMES.get(i, f"Participant {i:02d}"), EMAILS.get(i, f"p{i:02d}@example.com"), participant_answers(i), state
    )


def _build(app) -> Group:
    trainer = User(
        email="trainer@example.com", name="Tara Trainer", role="trainer", language="en", password_hash=password_hash()
    )
    people = [_person(i) for i in range(SIZE)]
    users = [
        User(email=p.email, name=p.name, role="manager", language="en", password_hash=password_hash()) for p in people
    ]
    db.session.add_all([trainer, *users])
    db.session.commit()

    coach = app.test_client()
    sign_in(coach, trainer)
    cohort_id = create_session(coach, SESSION)
    code = join_code(coach, cohort_id)

    dates = {datetime.now(UTC).date()}
    clients = {}
    for person, user in zip(people, users, strict=True):
        client = app.test_client()
        sign_in(client, user)
        assessment_id = join(client, code)
        clients[person.index] = (client, assessment_id)
        if person.index == PAGE_TWO:
            answer_pages(client, assessment_id, person.answers, pages=1)
        elif person.index == LAST_PAGE:
            answer_pages(client, assessment_id, person.answers, pages=3)
        elif person.submitted:
            answer_pages(client, assessment_id, person.answers)
            submit(client, assessment_id)
    dates.add(datetime.now(UTC).date())

    ids = member_ids(coach, cohort_id)
    for index in RATED:
        rate(coach, cohort_id, ids[people[index].name], {s.id: OBSERVER_VALUE for s in statements()})
    assert coach.post(f"/sessions/{cohort_id}/release", data={"release": "1"}).status_code == 302

    group = Group(cohort_id, people, dates)
    group.progress = coach.get(f"/sessions/{cohort_id}/progress.json").get_json()
    group.board_html = coach.get(f"/sessions/{cohort_id}").get_data(as_text=True)
    group.results_html = coach.get(f"/sessions/{cohort_id}/results").get_data(as_text=True)
    for layout in ("wide", "long"):
        for fmt in ("csv", "xlsx"):
            response = coach.get(f"/sessions/{cohort_id}/export/{layout}.{fmt}")
            assert response.status_code == 200
            group.files[f"{layout}.{fmt}"] = response.data
    response = coach.get(f"/sessions/{cohort_id}/report.pdf")
    assert response.status_code == 200
    group.pdf = response.data
    for index in (0, 5):
        client, assessment_id = clients[index]
        group.own_results[index] = client.get(f"/assessments/{assessment_id}/results").get_data(as_text=True)
    return group


@pytest.fixture(scope="module")
def group(database_url):
    app = create_app(config_for(database_url))
    app.test_client_class = FreshContextClient
    with app.app_context():
        _empty_all_tables()
        try:
            yield _build(app)
        finally:
            db.session.remove()
            _empty_all_tables()
            db.engine.dispose()


# ---------------------------------------------------------------------------- expected figures


def scores(person: Person) -> list[float]:
    return [expected_score(spec, person.answers) for spec in areas()]


def overall(levels: list[int]) -> int:
    return min(sum(levels) // len(levels), min(levels) + 1)


def neutral(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV without a byte-order mark"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_rows(data: bytes) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return list(book.worksheets[0].iter_rows(values_only=True))


def in_xml(value):
    """A text as it reads back from an XLSX file: XML turns a carriage return into a line feed."""
    return value.replace("\r", "\n") if isinstance(value, str) else value


def by_email(rows, email_column: int = 1) -> dict:
    return {row[email_column]: row for row in rows[1:]}


def wide_headers() -> list[str]:
    titles = [spec.title["en"] for spec in areas()]
    headers = ["Participant", "Email", "Status", "Submitted on"]
    for t in titles:
        headers += [f"{t}: score (self)", f"{t}: level (self)"]
    headers.append("Overall level (self)")
    for t in titles:
        headers += [f"{t}: score (observer)", f"{t}: level (observer)"]
    headers.append("Overall level (observer)")
    headers += [f"{s.id} (self)" for s in statements()]
    headers += [f"{s.id} (observer)" for s in statements()]
    return headers


def expected_wide(person: Person) -> list:
    """The wide row as typed values (None for an empty cell); the date is checked apart."""
    status = {"submitted": "Submitted", "in_progress": "In progress", "not_started": "Not started"}[person.state]
    row: list = [neutral(person.name), neutral(person.email), status]
    if person.submitted:
        own = scores(person)
        levels = [expected_level(s) for s in own]
        for score, level in zip(own, levels, strict=True):
            row += [score, level]
        row.append(overall(levels))
    else:
        row += [None] * (2 * len(areas()) + 1)
    if person.rated:
        row += [50.0, 3] * len(areas()) + [3]
    else:
        row += [None] * (2 * len(areas()) + 1)
    row += [person.answers[s.id] if person.submitted else None for s in statements()]
    row += [OBSERVER_VALUE if person.rated else None for s in statements()]
    return row


def as_csv(value) -> str:
    if value is None:
        return ""
    return str(value)


def shown_number(html_cell: str) -> float:
    return float(html_cell.replace(",", ""))


def table_by_id(html: str, table_id: str) -> list[list[str]]:
    for table in parse(html).iter("table"):
        if table.get("id") == table_id:
            return [[text(cell) for cell in row if cell.tag in ("td", "th")] for row in table.iter("tr")]
    raise AssertionError(f"no table with id {table_id!r}")


# ---------------------------------------------------------------------------- the board


def test_thirty_participants_joined_and_the_board_counts_them_by_state(group):
    data = group.progress

    assert data["counts"] == {"not_started": 1, "in_progress": 2, "submitted": 27, "total": 30}
    assert data["summary"] == "30 joined · 1 not started · 2 in progress · 27 submitted"
    labels = {p["name"]: p["label"] for p in data["participants"]}
    assert labels[group.person(PAGE_TWO).name] == "Page 2 of 4"
    assert labels[group.person(LAST_PAGE).name] == "Page 4 of 4"
    assert labels[group.person(NOT_STARTED).name] == "Not started"
    assert {labels[p.name] for p in group.people if p.submitted} == {"Submitted"}
    rated = {p["name"]: p["rating_label"] for p in data["participants"]}
    assert {rated[group.person(i).name] for i in RATED} == {"Rated"}
    assert rated[group.person(10).name] == "Not rated yet"


def test_the_board_without_javascript_shows_every_participant_and_their_state(group):
    rows = table_by_id(group.board_html, "progress-board")[1:]

    assert len(rows) == SIZE
    states = {row[0]: row[1] for row in rows}
    assert states[group.person(PAGE_TWO).name].startswith("Page 2 of 4")
    assert states[group.person(NOT_STARTED).name].startswith("Not started")
    assert "30 joined · 1 not started · 2 in progress · 27 submitted" in page_text(group.board_html)


# ---------------------------------------------------------------------------- exports


def test_the_wide_csv_has_one_row_per_participant_with_exact_scores_levels_and_answers(group):
    rows = csv_rows(group.files["wide.csv"])

    assert rows[0] == wide_headers()
    assert len(rows) == SIZE + 1
    found = by_email(rows)
    for person in group.people:
        row = found[neutral(person.email)]
        expected = expected_wide(person)
        assert row[:3] == expected[:3], person.name
        assert row[4:] == [as_csv(v) for v in expected[3:]], person.name
        if person.submitted:
            assert date.fromisoformat(row[3]) in group.dates
        else:
            assert row[3] == ""


def test_the_wide_xlsx_holds_the_same_values_with_numbers_as_numbers(group):
    rows = xlsx_rows(group.files["wide.xlsx"])

    assert list(rows[0]) == wide_headers()
    assert len(rows) == SIZE + 1
    found = by_email(rows)
    for person in group.people:
        row = list(found[neutral(person.email)])
        expected = [in_xml(v) for v in expected_wide(person)]
        assert row[:3] == expected[:3]
        assert row[4:] == expected[3:], person.name
        if person.submitted:
            assert isinstance(row[3], datetime) and row[3].date() in group.dates
            assert all(isinstance(v, int | float) for v in row[4:13]), "scores and levels must be numbers"
            assert all(isinstance(v, int) for v in row[5:12:2]), "levels must be whole numbers"


def test_the_long_exports_have_a_row_per_participant_and_statement_with_keyed_values_and_gaps(group):
    csv_data = csv_rows(group.files["long.csv"])
    xlsx_data = xlsx_rows(group.files["long.xlsx"])
    header = [
        "Participant",
        "Email",
        "Area",
        "Statement id",
        "Statement",
        "Reverse-keyed",
        "Self answer",
        "Self (keyed)",
        "Observer answer",
        "Observer (keyed)",
        "Gap (self − observer)",
        "Mark",
    ]

    assert csv_data[0] == header
    assert list(xlsx_data[0]) == header
    assert len(csv_data) == len(xlsx_data) == SIZE * len(statements()) + 1
    person = group.person(0)
    mine = [row for row in xlsx_data[1:] if row[1] == neutral(person.email)]
    mine_csv = [row for row in csv_data[1:] if row[1] == neutral(person.email)]
    assert len(mine) == len(mine_csv) == len(statements())
    for spec in areas():
        for item in spec.items:
            row = next(r for r in mine if r[3] == item.id)
            own = person.answers[item.id]
            gap = keyed(item, own) - OBSERVER_VALUE
            mark = "blind spot" if gap >= 2 else ("hidden strength" if gap <= -2 else None)
            expected = [
                neutral(person.name),
                neutral(person.email),
                spec.title["en"],
                item.id,
                item.text["en"],
                "yes" if item.reverse else "no",
                own,
                keyed(item, own),
                OBSERVER_VALUE,
                OBSERVER_VALUE,
                gap,
                mark,
            ]
            assert list(row) == expected
            csv_row = next(r for r in mine_csv if r[3] == item.id)
            assert csv_row == [as_csv(v) for v in expected]
    unrated = [row for row in xlsx_data[1:] if row[1] == group.person(10).email]
    assert all(row[8] is None and row[10] is None and row[11] is None for row in unrated)


def test_exports_neutralise_formula_text_and_keep_negative_numbers_as_numbers(group):
    wide_csv = csv_rows(group.files["wide.csv"])
    wide_xlsx = openpyxl.load_workbook(io.BytesIO(group.files["wide.xlsx"])).worksheets[0]
    long_xlsx = xlsx_rows(group.files["long.xlsx"])
    long_csv = csv_rows(group.files["long.csv"])

    names = {row[0] for row in wide_csv[1:]}
    assert '\'=HYPERLINK("http://example.com","click")' in names
    assert {"'+SUM(A1:A2)", "'-2+3", "'@SUM(1)", "'\tTabbed Name", "'\rCarriage Name"} <= names
    assert "'\nCarriage Name" in {row[0].value for row in wide_xlsx.iter_rows(min_row=2)}
    assert "'=p06@example.com" in {row[1] for row in wide_csv[1:]}
    for row in wide_xlsx.iter_rows(min_row=2):
        assert row[0].data_type == "s" and row[1].data_type == "s"
        assert not str(row[0].value).startswith(("=", "+", "-", "@", "\t", "\r"))
    negative = [row[10] for row in long_xlsx[1:] if isinstance(row[10], int) and row[10] < 0]
    assert negative, "the rated participants have negative gaps"
    assert {row[10] for row in long_csv[1:] if row[10].startswith("-")} <= {"-1", "-2", "-3", "-4"}
    assert not any(row[10].startswith("'") for row in long_csv[1:])


# ---------------------------------------------------------------------------- the cohort view


def test_the_cohort_view_shows_the_mean_and_spread_per_area_over_the_submitted_participants(group):
    done = [p for p in group.people if p.submitted]
    rows = {row[0]: row for row in table_by_id(group.results_html, "area-table")[1:]}

    for i, spec in enumerate(areas()):
        values = [scores(p)[i] for p in done]
        row = rows[spec.title["en"]]
        assert row[1] == str(len(done))
        assert abs(shown_number(row[2]) - sum(values) / len(values)) <= 0.05
        assert shown_number(row[4]) == min(values)
        assert shown_number(row[5]) == max(values)
        assert shown_number(row[7]) == 50.0, "the mean of the trainer's ratings"
    charts = [svg for svg in parse(group.results_html).iter("svg") if "histogram" in svg.get("class", "")]
    assert len(charts) == len(areas())
    assert all(svg.get("role") == "img" and svg.get("aria-label") for svg in charts)


def test_the_cohort_view_counts_maturity_levels_and_development_priorities(group):
    done = [p for p in group.people if p.submitted]
    names = level_names("en")
    levels = table_by_id(group.results_html, "level-table")

    assert levels[0][1:] == [f"{n} · {names[n]}" for n in range(1, 6)]
    for i, spec in enumerate(areas()):
        counted = [sum(1 for p in done if expected_level(scores(p)[i]) == n) for n in range(1, 6)]
        assert levels[1 + i] == [spec.title["en"], *map(str, counted)]
    overall_counts = [sum(1 for p in done if overall([expected_level(s) for s in scores(p)]) == n) for n in range(1, 6)]
    assert levels[-1] == ["Overall level", *map(str, overall_counts)]

    expected = {}
    for p in done:
        for area_id in priorities(scores(p)):
            expected[area_id] = expected.get(area_id, 0) + 1
    titles = {spec.id: spec.title["en"] for spec in areas()}
    shown = {row[0]: int(row[1]) for row in table_by_id(group.results_html, "priority-table")[1:]}
    assert shown == {titles[a]: n for a, n in expected.items()}


def priorities(area_scores: list[float]) -> list[str]:
    """docs/scoring.md: strengths are at most two areas >= 60 and above the mean; priorities the two lowest others."""
    ids = [spec.id for spec in areas()]
    mean = sum(area_scores) / len(area_scores)
    ranked = sorted(range(len(ids)), key=lambda i: (-area_scores[i], i))
    strengths = [ids[i] for i in ranked if area_scores[i] >= 60 and area_scores[i] > mean][:2]
    lowest = sorted(range(len(ids)), key=lambda i: (area_scores[i], i))
    return [ids[i] for i in lowest if ids[i] not in strengths][:2]


def test_the_heat_map_has_a_row_per_submitted_participant_and_a_column_per_statement(group):
    rows = table_by_id(group.results_html, "heatmap")
    body = rows[2:-1]
    done = [p for p in group.people if p.submitted]

    assert len(rows[1]) == 1 + len(statements())
    assert len(body) == len(done)
    found = {row[0]: row[1:] for row in body}
    person = group.person(7)
    assert found[person.name] == [str(keyed(item, person.answers[item.id])) for item in statements()]


# ---------------------------------------------------------------------------- self against observer


def test_a_participant_sees_released_ratings_with_blind_spots_and_hidden_strengths_marked(group):
    person = group.person(0)
    html = group.own_results[0]
    section = next(el for el in parse(html).iter("section") if el.get("id") == "observer")
    lists = [el for el in section.iter("ul")]
    shown_blind = {text(li).rsplit(" (", 1)[0] for li in lists[0].iter("li")}
    shown_hidden = {text(li).rsplit(" (", 1)[0] for li in lists[1].iter("li")}

    items = statements()
    blind = {item.text["en"] for item in items if keyed(item, person.answers[item.id]) - OBSERVER_VALUE >= 2}
    hidden = {item.text["en"] for item in items if keyed(item, person.answers[item.id]) - OBSERVER_VALUE <= -2}
    assert blind and hidden
    area_titles = {spec.title["en"] for spec in areas()}
    assert shown_blind - area_titles == blind
    assert shown_hidden - area_titles == hidden
    for i, spec in enumerate(areas()):
        gap = round(scores(person)[i] - 50.0, 1)
        marked = spec.title["en"] in shown_blind | shown_hidden
        assert marked == (abs(gap) >= 15), spec.id
    assert "Tara Trainer rated you on the same statements." in page_text(html)


def test_a_participant_without_ratings_sees_no_observer_section(group):
    assert 'id="observer"' not in group.own_results[5]


# ---------------------------------------------------------------------------- the PDF


def test_the_cohort_pdf_has_a_cover_page_numbers_every_participant_and_a_landscape_heat_map(group):
    reader = PdfReader(io.BytesIO(group.pdf))
    pages = [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]
    everything = " ".join(pages)

    assert group.pdf.startswith(b"%PDF-")
    assert reader.metadata.title == f"Cohort report – {SESSION}"
    assert SESSION in pages[0]
    assert f"Page 2 of {len(pages)}" in pages[1]
    for person in group.people:
        if person.index not in NAMES:
            assert person.name in everything
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}
    assert sizes == {(595, 842), (842, 595)}, "A4 portrait pages and a landscape heat map"
    for spec in areas():
        assert spec.title["en"] in everything
    assert math.isclose(len(reader.pages), len(pages))
