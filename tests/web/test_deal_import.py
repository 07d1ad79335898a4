"""Importing deals from CRM exports and teams from a team list: preview, dry run, all or nothing.

Runs on SQLite and PostgreSQL. Expected counts come from the files themselves (read with
the csv module), never from the app's reader.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from coachkit import deal_services as ds
from coachkit.extensions import db
from coachkit.models import CloseDateChange
from coachkit.models import Deal
from coachkit.models import ImportUpload
from coachkit.models import Organisation
from coachkit.models import User
from tests.conftest import AuthActions
from tests.web.deal_helpers import DEAL_HEADER
from tests.web.deal_helpers import csv_bytes
from tests.web.deal_helpers import deal_rows
from tests.web.deal_helpers import deal_snapshot
from tests.web.deal_helpers import deals_of
from tests.web.deal_helpers import flashes
from tests.web.deal_helpers import import_button
from tests.web.deal_helpers import money_value
from tests.web.deal_helpers import preview_counts
from tests.web.deal_helpers import preview_form
from tests.web.deal_helpers import sample_file
from tests.web.deal_helpers import sample_pipeline_facts
from tests.web.deal_helpers import sample_team_facts
from tests.web.deal_helpers import table_counts
from tests.web.deal_helpers import upload
from tests.web.deal_helpers import upload_ok
from tests.web.deal_helpers import uploads
from tests.web.helpers import location_path
from tests.web.helpers import page_text
from tests.web.helpers import parse
from tests.web.helpers import table_rows
from tests.web.helpers import text

ANNA, BRAM = "Anna Jansen", "Bram de Wit"

# Four deals: two open, one won, one lost.
BASE = deal_rows(
    ("D-1", "Fleet renewal", "Van Dijk", ANNA, "48000", "Proposal", "2030-01-10", "2030-09-30"),
    ("D-2", "Service north", "Hollander", BRAM, "18500.50", "Negotiation", "2030-02-01", "2030-10-15"),
    ("D-3", "Scanners", "Brouwer", ANNA, "9200", "Won", "2030-01-05", "2030-03-01"),
    ("D-4", "Pilot", "Meijer", BRAM, "2700", "Lost", "2030-01-20", "2030-02-14"),
)


@pytest.fixture
def team(logged_in):
    """The logged-in manager with Anna and Bram in the team."""
    ds.add_rep(logged_in, ANNA)
    ds.add_rep(logged_in, BRAM)
    return logged_in


def open_preview(client, upload_id: int, **args):
    response = client.get(f"/deals/import/{upload_id}", query_string=args)
    assert response.status_code == 200, page_text(response.data)[:1000]
    return response


def post_preview(client, upload_id: int, html: bytes, action: str, **changes):
    """Post the preview form as the page shows it, with some fields changed."""
    form = preview_form(html) | {"action": action}
    for name, value in changes.items():
        if value is None:
            form.pop(name, None)
        else:
            form[name] = value
    return client.post(f"/deals/import/{upload_id}", data=form)


def import_file(client, data: bytes, filename: str = "deals.csv", **changes) -> int:
    """Upload, preview and apply a file that must import; return the upload id."""
    upload_id = upload_ok(client, data, filename)
    page = open_preview(client, upload_id)
    response = post_preview(client, upload_id, page.data, "apply", **changes)
    assert response.status_code == 302, flashes(response.data) or page_text(response.data)[:2000]
    assert location_path(response) == "/deals/"
    return upload_id


def facts(html: bytes) -> dict[str, str]:
    """The preview's "how the file was read" list: label -> value."""
    for dl in parse(html).iter("dl"):
        if "facts" in dl.get("class", "").split():
            items = list(dl)
            return {text(dt): text(dd) for dt, dd in zip(items[::2], items[1::2], strict=True)}
    raise AssertionError("no facts list")


def rejected_rows(html: bytes) -> list[list[str]]:
    return table_rows(html, caption="Rejected rows")[1:]


# Files in the formats users bring ----------------------------------------------------------

DUTCH = csv_bytes(
    [
        ["Dealnummer", "Dealnaam", "Klant", "Verkoper", "Bedrag", "Fase", "Aangemaakt", "Verwachte sluitdatum"],
        ["NL-1", "Vlootvernieuwing", "Van Dijk Logistiek", ANNA, "1.234,56", "Offerte", "15-01-2030", "31-01-2030"],
        ["NL-2", "Onderhoud noord", "Hollander Bouw", ANNA, "€ 48.000", "Onderhandeling", "02-02-2030", "28-02-2030"],
        ["NL-3", "Scanners", "Brouwer & Zn", ANNA, "950,5", "Gewonnen", "03-01-2030", "13-03-2030"],
    ],
    delimiter=";",
    bom=True,
)

WINDOWS = csv_bytes(
    [
        ["Opportunity ID", "Opportunity Name", "Account Name", "Opportunity Owner", "Amount", "Stage", "Close Date"],
        ["US-1", "Espresso machines", "Café Müller", ANNA, "1,234.56", "Proposal", "12/31/2030"],
        ["US-2", "Coffee beans", "Señor Café", ANNA, "12,500.00", "Closed Won", "01/15/2030"],
        ["US-3", "Grinders", "Café Müller", ANNA, "800", "Negotiation", "06/30/2030"],
    ],
    encoding="cp1252",
)

TABS = csv_bytes(
    [
        [
            "Deal - ID",
            "Deal - Title",
            "Deal - Organization",
            "Deal - Owner",
            "Deal - Value",
            "Deal - Stage",
            "Deal - Expected close date",
        ],
        ["PD-1", "Website", "Acme", ANNA, "2500", "Proposal Made", "2030-04-30"],
    ],
    delimiter="\t",
)


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter", "number_format", "date_order", "mapping"),
    [
        (
            DUTCH,
            "UTF-8 with BOM",
            "semicolon",
            "numbers like 1.234,56",
            "dates as day-month-year",
            {
                "external_id": "Dealnummer",
                "title": "Dealnaam",
                "account": "Klant",
                "owner": "Verkoper",
                "value": "Bedrag",
                "stage": "Fase",
                "created": "Aangemaakt",
                "expected_close": "Verwachte sluitdatum",
            },
        ),
        (
            WINDOWS,
            "Windows-1252",
            "comma",
            "numbers like 1,234.56",
            "dates as month-day-year",
            {
                "external_id": "Opportunity ID",
                "title": "Opportunity Name",
                "account": "Account Name",
                "owner": "Opportunity Owner",
                "value": "Amount",
                "stage": "Stage",
                "expected_close": "Close Date",
            },
        ),
        (
            TABS,
            "UTF-8",
            "tab",
            None,
            "dates as year-month-day",
            {
                "external_id": "Deal - ID",
                "title": "Deal - Title",
                "account": "Deal - Organization",
                "owner": "Deal - Owner",
                "value": "Deal - Value",
                "stage": "Deal - Stage",
                "expected_close": "Deal - Expected close date",
            },
        ),
    ],
    ids=["dutch semicolons with BOM", "windows-1252 salesforce", "pipedrive tabs"],
)
def test_the_preview_shows_how_the_file_was_read_and_the_suggested_columns(
    client, team, data, encoding, delimiter, number_format, date_order, mapping
):
    upload_id = upload_ok(client, data)
    page = open_preview(client, upload_id)

    read = facts(page.data)
    assert read["Format"] == "CSV"
    assert read["Encoding"] == encoding
    assert read["Delimiter"] == delimiter
    value_label = next(label for label in read if label.startswith("Value ("))
    if number_format:
        assert read[value_label].startswith(number_format), read[value_label]
    close_label = next(label for label in read if label.startswith("Expected close date ("))
    assert read[close_label].startswith(date_order), read[close_label]
    chosen = {
        name.removeprefix("map_"): value
        for name, value in preview_form(page.data).items()
        if name.startswith("map_") and value
    }
    assert chosen == mapping
    assert table_counts()["Deal"] == 0, "a preview writes nothing"


def test_a_dutch_export_imports_the_right_amounts_and_dates(client, team):
    import_file(client, DUTCH)

    deals = deals_of(team)
    assert {k: (v.value, v.currency) for k, v in deals.items()} == {
        "NL-1": (Decimal("1234.56"), "EUR"),
        "NL-2": (Decimal("48000.00"), "EUR"),
        "NL-3": (Decimal("950.50"), "EUR"),
    }
    assert deals["NL-1"].created_on == date(2030, 1, 15)
    assert deals["NL-1"].expected_close == date(2030, 1, 31)
    assert deals["NL-2"].expected_close == date(2030, 2, 28)
    assert (deals["NL-3"].status, deals["NL-3"].closed_on) == ("won", date(2030, 3, 13))
    assert (deals["NL-1"].status, deals["NL-1"].closed_on) == ("open", None)
    assert deals["NL-1"].account == "Van Dijk Logistiek"


def test_a_windows_1252_export_keeps_its_accents(client, team):
    import_file(client, WINDOWS)

    deals = deals_of(team)
    assert deals["US-1"].account == "Café Müller"
    assert deals["US-2"].account == "Señor Café"
    assert deals["US-1"].value == Decimal("1234.56")
    assert deals["US-1"].expected_close == date(2030, 12, 31)
    assert deals["US-2"].status == "won"
    pipeline = table_rows(client.get("/deals/").data, css_class="pipeline")[1:]
    assert [row[0] for row in pipeline] == ["Grinders", "Espresso machines"], "open deals by close date"


# The dry run and the import ----------------------------------------------------------------


def test_the_dry_run_counts_are_exactly_what_the_import_does(client, team):
    import_file(client, csv_bytes(BASE))
    before = deals_of(team)
    before_rows = {k: (d.title, d.value, d.stage, d.expected_close, d.updated_at) for k, d in before.items()}
    changed = csv_bytes(
        deal_rows(
            ("D-1", "Fleet renewal", "Van Dijk", ANNA, "48000", "Proposal", "2030-01-10", "2030-09-30"),
            ("D-2", "Service north", "Hollander", BRAM, "21000", "Negotiation", "2030-02-01", "2030-10-15"),
            ("D-3", "Scanners", "Brouwer", ANNA, "9200", "Won", "2030-01-05", "2030-03-01"),
            ("D-4", "Pilot", "Meijer", BRAM, "2700", "Lost", "2030-01-20", "2030-02-14"),
            ("D-5", "Printers", "Visser", ANNA, "12800", "Proposal", "2030-03-01", "2030-11-20"),
            ("D-6", "Licence", "Mertens", "Cas Claes", "88000", "Qualification", "2030-03-02", "2030-12-01"),
        )
    )
    upload_id = upload_ok(client, changed)
    page = post_preview(client, upload_id, open_preview(client, upload_id).data, "preview", create_reps="1")
    assert page.status_code == 200
    planned = preview_counts(page.data)
    report = client.post(f"/deals/import/{upload_id}", data=preview_form(page.data) | {"action": "report"})
    assert report.status_code == 200
    assert report.mimetype == "text/csv"
    dry_run = list(csv.DictReader(io.StringIO(report.data.decode("utf-8-sig"))))
    assert table_counts()["Deal"] == 4, "neither the preview nor the report writes anything"

    applied = post_preview(client, upload_id, page.data, "apply")
    assert applied.status_code == 302
    done = client.get("/deals/")

    after = deals_of(team)
    assert planned == {"create": 2, "update": 1, "unchanged": 3, "rejected": 0, "new reps": 1}
    assert "Import complete: 2 created, 1 updated, 3 unchanged, 1 new reps." in flashes(done.data)
    assert len(after) == len(before) + planned["create"]
    by_action: dict[str, set[str]] = {}
    for row in dry_run:
        by_action.setdefault(row["action"], set()).add(row["key"].upper())
    assert {a: len(keys) for a, keys in by_action.items()} == {"create": 2, "update": 1, "unchanged": 3}
    assert set(after) - set(before) == by_action["create"] == {"D-5", "D-6"}
    assert by_action["update"] == {"D-2"} and after["D-2"].value == Decimal("21000.00")
    assert next(r for r in dry_run if r["key"].upper() == "D-2")["changes"] == "value"
    for key in by_action["unchanged"]:
        deal = after[key]
        assert (deal.title, deal.value, deal.stage, deal.expected_close, deal.updated_at) == before_rows[key]
    assert {r.name for r in ds.team(team)} == {ANNA, BRAM, "Cas Claes"}
    assert after["D-6"].rep.name == "Cas Claes"


def test_the_shared_sample_imports_with_exact_counts_and_again_changes_nothing(client, logged_in):
    team = logged_in
    sample = sample_pipeline_facts()
    data = sample_file("sales_pipeline.csv").read_bytes()

    upload_id = upload_ok(client, data, "sales_pipeline.csv")
    page = client.post(f"/deals/import/{upload_id}", data={"action": "preview", "create_reps": "1"})
    planned = preview_counts(page.data)
    applied = post_preview(client, upload_id, page.data, "apply")
    assert applied.status_code == 302, flashes(applied.data)

    assert planned == {
        "create": sample["rows"],
        "update": 0,
        "unchanged": 0,
        "rejected": 0,
        "new reps": len(sample["agents"]),
    }
    counts = dict(
        db.session.execute(
            sa.select(Deal.status, sa.func.count()).where(Deal.manager_id == team.id).group_by(Deal.status)
        ).all()
    )
    assert counts == {"won": sample["won"], "lost": sample["lost"], "open": sample["open"]}
    assert sum(counts.values()) == sample["rows"]
    ids = set(db.session.scalars(sa.select(Deal.external_id).where(Deal.manager_id == team.id)))
    assert ids == sample["ids"], "deal ids are kept as the file writes them"
    assert {r.name for r in ds.team(team)} == sample["agents"]
    assert len(ds.team(team)) == len(sample["agents"])
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Deal).where(Deal.manager_id == team.id, Deal.rep_id.is_(None))
        )
        == 0
    )
    before = deal_snapshot(team)

    again = upload_ok(client, data, "sales_pipeline.csv")
    page = client.post(f"/deals/import/{again}", data={"action": "preview", "create_reps": "1"})
    assert preview_counts(page.data) == {"create": 0, "update": 0, "unchanged": sample["rows"], "rejected": 0}
    applied = post_preview(client, again, page.data, "apply")
    assert applied.status_code == 302
    assert deal_snapshot(team) == before, "importing the same file again changes nothing"


def test_a_bad_last_row_rejects_the_whole_file_and_writes_nothing(client, team):
    import_file(client, csv_bytes(BASE))
    before, counts = deal_snapshot(team), table_counts()
    rows = deal_rows(
        ("D-1", "Fleet renewal", "Van Dijk", ANNA, "50000", "Proposal", "2030-01-10", "2030-12-30"),
        ("D-5", "Printers", "Visser", ANNA, "12800", "Proposal", "2030-03-01", "2030-11-20"),
        ("D-6", "Licence", "Mertens", "Cas Claes", "88000", "Qualification", "2030-03-02", "2030-12-01"),
        ("D-7", "Training", "Claes", BRAM, "6400", "Discovery", "2030-03-03", "2030-12-02"),
        ("D-8", "Spare parts", "Van Dijk", BRAM, "twelve", "Proposal", "2030-03-04", "2030-12-03"),
    )
    upload_id = upload_ok(client, csv_bytes(rows))
    page = post_preview(client, upload_id, open_preview(client, upload_id).data, "preview", create_reps="1")

    assert preview_counts(page.data)["rejected"] == 1
    assert [(row[0], row[2]) for row in rejected_rows(page.data)] == [("6", "Amount: 'twelve' is not an amount.")]
    button = import_button(page.data)
    assert "disabled" in button.attrib
    forced = post_preview(client, upload_id, page.data, "apply")
    assert forced.status_code == 200
    assert "Nothing was imported: fix the rejected rows first (or change the mapping)." in flashes(forced.data)
    assert deal_snapshot(team) == before
    assert table_counts() == counts | {"ImportUpload": counts["ImportUpload"] + 1}, "only the upload is kept"
    assert db.session.get(ImportUpload, upload_id).applied_at is None


def test_reps_who_are_not_in_the_team_are_rejected_unless_creating_them_is_allowed(client, logged_in):
    ds.add_rep(logged_in, ANNA)
    upload_id = upload_ok(client, csv_bytes(BASE))
    page = open_preview(client, upload_id)

    assert preview_counts(page.data) == {"create": 2, "update": 0, "unchanged": 0, "rejected": 2}
    reason = f"rep “{BRAM}” is not in your team (allow creating reps, or add the rep first)"
    assert rejected_rows(page.data) == [["3", "Service north", reason], ["5", "Pilot", reason]]
    assert "disabled" in import_button(page.data).attrib
    forced = post_preview(client, upload_id, page.data, "apply")
    assert forced.status_code == 200
    assert table_counts()["Deal"] == 0
    assert [r.name for r in ds.team(logged_in)] == [ANNA]

    allowed = post_preview(client, upload_id, page.data, "preview", create_reps="1")
    assert preview_counts(allowed.data) == {"create": 4, "update": 0, "unchanged": 0, "rejected": 0, "new reps": 1}
    assert "disabled" not in import_button(allowed.data).attrib
    assert post_preview(client, upload_id, allowed.data, "apply").status_code == 302
    assert [r.name for r in ds.team(logged_in)] == [ANNA, BRAM]
    owners = {k: d.rep.name for k, d in deals_of(logged_in).items()}
    assert owners == {"D-1": ANNA, "D-2": BRAM, "D-3": ANNA, "D-4": BRAM}


PIVOT = csv_bytes(
    [
        ["Row Labels", "Sum of Amount", "Count of Deal"],
        ["Anna", "48000", "3"],
        ["Bram", "9000", "1"],
        ["Grand Total", "57000", "4"],
    ]
)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


NOT_DEAL_LISTS = [
    ("pivot", PIVOT, "pivot.csv", "This looks like a summary (a pivot table with totals), not a list of deals."),
    (
        "no deal columns",
        csv_bytes([["Naam", "Adres"], ["Jan", "Dorpsstraat 1"]]),
        "people.csv",
        "This does not look like a list of deals",
    ),
    ("empty", b"", "empty.csv", "The file is empty."),
    ("blank cells only", b";;;\r\n;;;\r\n", "blank.csv", "The file is empty."),
    ("header only", csv_bytes([DEAL_HEADER]), "header.csv", "but no deals below it"),
    ("binary renamed", PNG, "photo.csv", "This is not a CSV or Excel file, even though its name ends in '.csv'."),
    (
        "damaged xlsx",
        b"PK\x03\x04" + b"\x00garbage" * 20,
        "broken.xlsx",
        "The Excel file is damaged or cannot be read.",
    ),
    ("old xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.xls", "This is an old Excel file (.xls)"),
]


def test_a_file_that_is_not_a_deal_list_gets_a_clear_message_and_nothing_is_written(client, team):
    for name, data, filename, message in NOT_DEAL_LISTS:
        response = upload(client, data, filename)

        assert response.status_code == 400, name
        assert message in page_text(response.data), name
    assert uploads() == 0
    assert table_counts()["Deal"] == 0


def test_a_file_over_the_size_limit_is_refused(client, team, monkeypatch):
    import coachkit.crm_import.reading as reading

    data = csv_bytes(BASE)
    monkeypatch.setattr(reading, "MAX_BYTES", len(data) - 1)
    response = upload(client, data)

    assert response.status_code == 400
    assert re.search(r"The file is [\d.]+ MB; the limit is [\d.]+ MB\.", page_text(response.data))
    assert uploads() == 0
    assert table_counts()["Deal"] == 0


def test_deals_in_another_currency_keep_it_and_are_never_added_to_the_pipeline_value(client, team):
    close = (ds.today() + timedelta(days=45)).isoformat()
    rows = [
        ["Deal ID", "Deal Name", "Account", "Owner", "Amount", "Currency", "Stage", "Close Date"],
        ["C-1", "Home deal", "Van Dijk", ANNA, "10000", "EUR", "Proposal", close],
        ["C-2", "Dollar deal", "Acme Inc", ANNA, "20000", "USD", "Proposal", close],
        ["C-3", "Pound deal", "Brit Ltd", ANNA, "£3,000", "", "Proposal", close],
    ]
    upload_id = upload_ok(client, csv_bytes(rows))
    page = open_preview(client, upload_id)
    assert "2 deal(s) are in GBP, USD, not EUR. They keep their own currency and are not converted." in page_text(
        page.data
    )
    assert post_preview(client, upload_id, page.data, "apply").status_code == 302

    deals = deals_of(team)
    assert {k: (d.value, d.currency) for k, d in deals.items()} == {
        "C-1": (Decimal("10000.00"), "EUR"),
        "C-2": (Decimal("20000.00"), "USD"),
        "C-3": (Decimal("3000.00"), "GBP"),
    }
    instrument = ds.instrument_for()
    for deal in deals.values():
        ds.analyse_deal(deal, {q.id: "yes" for q in instrument.questions}, {}, team)

    pipeline = client.get("/deals/")
    summary = table_rows(pipeline.data, css_class="summary")
    anna = next(row for row in summary if row[0] == ANNA)
    # All yes and a close date ahead: W = T = 100, so the weighted value is the value itself.
    assert anna[1] == "3"
    assert money_value(anna[2].split("+")[0]) == Decimal("10000.00")
    assert "+ 2 in other currencies" in anna[2]
    assert money_value(anna[3]) == Decimal("10000.00")

    forecast = client.get("/deals/forecast")
    month = close[:7]
    team_rows = table_rows(forecast.data, caption="Team forecast per month")
    line = next(row for row in team_rows if row[0] == month)
    assert [money_value(cell) for cell in line[2:5]] == [Decimal("10000.00")] * 3
    assert line[6] == "£3,000.00 (1), $20,000.00 (1)"


def test_a_changed_mapping_in_the_preview_is_what_gets_imported(client, team):
    rows = [
        ["Opportunity ID", "Opportunity Name", "Product", "Account", "Owner", "Amount", "Close Date"],
        ["M-1", "Q3 order", "GTX Pro", "Acme", ANNA, "4821", "2030-06-30"],
        ["M-2", "Q4 order", "MG Special", "Betasoloin", ANNA, "55", "2030-09-30"],
    ]
    upload_id = upload_ok(client, csv_bytes(rows))
    page = open_preview(client, upload_id)
    assert preview_form(page.data)["map_title"] == "Opportunity Name"

    remapped = post_preview(client, upload_id, page.data, "preview", map_title="Product")
    assert remapped.status_code == 200
    assert preview_form(remapped.data)["map_title"] == "Product"
    shown = table_rows(remapped.data, caption="Rows")
    assert [row[3] for row in shown[1:]] == ["GTX Pro", "MG Special"]
    assert post_preview(client, upload_id, remapped.data, "apply").status_code == 302

    assert {k: d.title for k, d in deals_of(team).items()} == {"M-1": "GTX Pro", "M-2": "MG Special"}


def test_rows_can_be_matched_on_deal_and_account_instead_of_the_id(client, team):
    import_file(client, csv_bytes(BASE))
    before = deals_of(team)
    before_ids = {k: d.id for k, d in before.items()}
    without_ids = [
        ["Deal Name", "Account", "Owner", "Amount", "Stage", "Close Date"],
        ["Fleet renewal", "Van Dijk", ANNA, "48000", "Proposal", "2030-09-30"],
        ["Service north", "Hollander", BRAM, "19999", "Negotiation", "2030-10-15"],
        ["Scanners", "Brouwer", ANNA, "9200", "Won", "2030-03-01"],
        ["Pilot", "Meijer", BRAM, "2700", "Lost", "2030-02-14"],
        ["Brand new", "Meijer", BRAM, "1000", "Proposal", "2030-12-14"],
    ]
    upload_id = upload_ok(client, csv_bytes(without_ids))
    page = post_preview(client, upload_id, open_preview(client, upload_id).data, "preview", key="title,account")

    assert preview_form(page.data)["key"] == "title,account"
    assert preview_counts(page.data) == {"create": 1, "update": 1, "unchanged": 3, "rejected": 0}
    assert post_preview(client, upload_id, page.data, "apply").status_code == 302

    after = deals_of(team)
    assert len(after) == 5
    assert {k: d.id for k, d in after.items() if k in before_ids} == before_ids
    assert after["D-2"].value == Decimal("19999.00")
    new = next(d for k, d in after.items() if k not in before_ids)
    assert (new.title, new.account) == ("Brand new", "Meijer")

    # The same file again, on the same key: nothing to do.
    again = upload_ok(client, csv_bytes(without_ids))
    page = post_preview(client, again, open_preview(client, again).data, "preview", key="title,account")
    assert preview_counts(page.data) == {"create": 0, "update": 0, "unchanged": 5, "rejected": 0}


def test_a_file_without_an_id_column_is_matched_on_deal_account_and_created_date(client, team):
    rows = [
        ["Deal Name", "Account", "Owner", "Amount", "Created", "Close Date"],
        ["Fleet renewal", "Van Dijk", ANNA, "48000", "2030-01-10", "2030-09-30"],
        ["Fleet renewal", "Van Dijk", ANNA, "12000", "2030-05-10", "2030-11-30"],
    ]
    upload_id = upload_ok(client, csv_bytes(rows))
    page = open_preview(client, upload_id)
    assert "The file has no id column, so deals are matched on title, account, created." in page_text(page.data)
    assert post_preview(client, upload_id, page.data, "apply").status_code == 302
    assert len(deals_of(team)) == 2

    rows[2][3] = "13000"
    again = upload_ok(client, csv_bytes(rows))
    assert preview_counts(open_preview(client, again).data) == {"create": 0, "update": 1, "unchanged": 1, "rejected": 0}


def test_a_later_close_date_in_the_file_updates_the_deal_and_counts_a_slip(client, team):
    import_file(client, csv_bytes(BASE))
    instrument = ds.instrument_for()
    ds.analyse_deal(deals_of(team)["D-1"], {q.id: "yes" for q in instrument.questions}, {}, team)
    assert deals_of(team)["D-1"].timing == 100.0
    moved = [list(row) for row in BASE]
    moved[1][7] = "2030-11-30"  # D-1 later: a slip
    moved[2][7] = "2030-08-01"  # D-2 earlier: a change, not a slip

    upload_id = upload_ok(client, csv_bytes(moved))
    page = open_preview(client, upload_id)
    assert preview_counts(page.data) == {"create": 0, "update": 2, "unchanged": 2, "rejected": 0}
    shown = {row[2].upper(): row for row in table_rows(page.data, caption="Rows")[1:]}
    assert shown["D-1"][1] == "update" and shown["D-1"][5] == "expected_close"
    assert post_preview(client, upload_id, page.data, "apply").status_code == 302

    deals = deals_of(team)
    changes = db.session.execute(
        sa.select(Deal.external_id, CloseDateChange.old_date, CloseDateChange.new_date, CloseDateChange.source)
        .select_from(CloseDateChange)
        .join(Deal)
        .order_by(Deal.external_id)
    ).all()
    assert [tuple(c) for c in changes] == [
        ("D-1", date(2030, 9, 30), date(2030, 11, 30), "import"),
        ("D-2", date(2030, 10, 15), date(2030, 8, 1), "import"),
    ]
    assert (deals["D-1"].slips, deals["D-2"].slips) == (1, 0)
    assert deals["D-1"].expected_close == date(2030, 11, 30)
    assert deals["D-1"].timing == 80.0, "a slip multiplies timing by 0.8 (docs/scoring.md)"


def test_a_new_row_with_an_id_that_another_deal_has_is_rejected(client, team):
    import_file(client, csv_bytes(BASE))
    before = deal_snapshot(team)
    rows = deal_rows(("D-1", "Brand new", "Elsewhere", ANNA, "100", "Proposal", "2030-01-10", "2030-09-30"))
    upload_id = upload_ok(client, csv_bytes(rows))
    page = post_preview(client, upload_id, open_preview(client, upload_id).data, "preview", key="title,account")

    assert rejected_rows(page.data) == [["2", "Brand new", "deal ID “D-1” already belongs to another deal"]]
    forced = post_preview(client, upload_id, page.data, "apply")
    assert forced.status_code == 200
    assert deal_snapshot(team) == before


def test_an_excel_workbook_imports_like_a_csv_file(client, team):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Pipeline export"])
    sheet.append([])
    sheet.append(["Deal ID", "Deal Name", "Account", "Owner", "Amount", "Stage", "Close Date"])
    sheet.append(["X-1", "Fleet renewal", "Van Dijk", ANNA, 48000.5, "Proposal", date(2030, 9, 30)])
    sheet.append(["X-2", "Scanners", "Brouwer", BRAM, "9.200,00", "Won", "15-03-2030"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    upload_id = upload_ok(client, buffer.getvalue(), "export.xlsx")
    page = open_preview(client, upload_id)
    assert facts(page.data)["Format"] == "XLSX"
    assert [row[0] for row in table_rows(page.data, caption="Rows")[1:]] == ["4", "5"], "rows as the sheet numbers them"
    assert post_preview(client, upload_id, page.data, "apply").status_code == 302

    deals = deals_of(team)
    assert (deals["X-1"].value, deals["X-1"].expected_close) == (Decimal("48000.50"), date(2030, 9, 30))
    assert (deals["X-2"].value, deals["X-2"].status, deals["X-2"].closed_on) == (
        Decimal("9200.00"),
        "won",
        date(2030, 3, 15),
    )


# The command line --------------------------------------------------------------------------


def write(tmp_path, rows, name="deals.csv") -> str:
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows))
    return str(path)


def test_import_deals_dry_run_writes_nothing_and_the_real_run_imports(runner, manager, tmp_path):
    path = write(tmp_path, BASE)

    dry = runner.invoke(args=["import-deals", path, "--manager", manager.email, "--dry-run", "--create-reps"])
    assert dry.exit_code == 0, dry.output
    counts = "deals.csv: 4 created, 0 updated, 0 unchanged, 0 rejected, 2 new reps (dry run, nothing changed)"
    assert counts in dry.output
    assert table_counts()["Deal"] == 0 and table_counts()["Rep"] == 0

    real = runner.invoke(args=["import-deals", path, "--manager", manager.email, "--create-reps"])
    assert real.exit_code == 0, real.output
    assert "deals.csv: 4 created, 0 updated, 0 unchanged, 0 rejected, 2 new reps (applied)" in real.output
    assert set(deals_of(manager)) == {"D-1", "D-2", "D-3", "D-4"}
    before = deal_snapshot(manager)

    again = runner.invoke(args=["import-deals", path, "--manager", manager.email])
    assert again.exit_code == 0, again.output
    assert "deals.csv: 0 created, 0 updated, 4 unchanged, 0 rejected, 0 new reps (applied)" in again.output
    assert deal_snapshot(manager) == before


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "real run"])
def test_import_deals_exits_1_and_writes_nothing_when_a_row_is_rejected(runner, manager, tmp_path, dry_run):
    ds.add_rep(manager, ANNA)
    ds.add_rep(manager, BRAM)
    rows = [list(row) for row in BASE]
    rows[-1][4] = "lots"
    args = ["import-deals", write(tmp_path, rows), "--manager", manager.email] + (["--dry-run"] if dry_run else [])

    result = runner.invoke(args=args)

    assert result.exit_code == 1
    assert "row 5: rejected: Amount: 'lots' is not an amount." in result.output
    assert "deals.csv: 3 created, 0 updated, 0 unchanged, 1 rejected, 0 new reps" in result.output
    assert table_counts()["Deal"] == 0


def test_import_deals_rejects_reps_outside_the_team_without_create_reps(runner, manager, tmp_path):
    result = runner.invoke(args=["import-deals", write(tmp_path, BASE), "--manager", manager.email])

    assert result.exit_code == 1
    assert f"row 2: rejected: rep “{ANNA}” is not in your team" in result.output
    assert table_counts()["Deal"] == 0 and table_counts()["Rep"] == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [(PNG, "This is not a CSV or Excel file"), (PIVOT, "This looks like a summary"), (b"", "The file is empty.")],
    ids=["binary", "pivot", "empty"],
)
def test_import_deals_exits_1_on_a_file_it_cannot_read(runner, manager, tmp_path, content, message):
    path = tmp_path / "export.csv"
    path.write_bytes(content)

    result = runner.invoke(args=["import-deals", str(path), "--manager", manager.email, "--create-reps"])

    assert result.exit_code == 1
    assert f"cannot import {path}: {message}" in result.output
    assert table_counts()["Deal"] == 0


def test_import_deals_follows_a_mapping_file_and_a_chosen_key(runner, manager, tmp_path):
    rows = [
        ["Ref", "Product", "Customer name", "Seller", "Total", "Close Date"],
        ["X-1", "GTX Pro", "Acme", ANNA, "4821", "2030-06-30"],
    ]
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "external_id": "Ref",
                "title": "Product",
                "account": "Customer name",
                "owner": "Seller",
                "value": "Total",
                "expected_close": "Close Date",
            }
        )
    )
    args = [
        "import-deals",
        write(tmp_path, rows),
        "--manager",
        manager.email,
        "--create-reps",
        "--mapping",
        str(mapping),
    ]

    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    deal = deals_of(manager)["X-1"]
    assert (deal.title, deal.account, deal.rep.name, deal.value) == ("GTX Pro", "Acme", ANNA, Decimal("4821.00"))

    rows[1][0] = "X-2"  # a new id, but the same deal and account
    write(tmp_path, rows)
    again = runner.invoke(args=args[:-2] + ["--mapping", str(mapping), "--key", "title,account"])
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated, 1 unchanged" in again.output


def test_import_deals_exits_1_for_an_unknown_manager(runner, tmp_path):
    result = runner.invoke(args=["import-deals", write(tmp_path, BASE), "--manager", "nobody@example.com"])

    assert result.exit_code == 1
    assert "no user with email nobody@example.com" in result.output


# Teams -------------------------------------------------------------------------------------


def test_import_teams_invites_the_sample_managers_and_creates_their_reps(app, runner, client):
    teams = sample_team_facts()
    path = sample_file("sales_teams.csv")

    result = runner.invoke(
        args=["import-teams", str(path), "--organisation", "Maven Hardware", "--email-domain", "maven.example"]
    )

    assert result.exit_code == 0, result.output
    assert len(teams["managers"]) == 6 and len(teams["reps"]) == 35
    assert f"Maven Hardware: {len(teams['managers'])} managers, {len(teams['reps'])} new reps" in result.output
    links = re.findall(r"invite (.+?) <(.+?)>: (http\S+)", result.output)
    assert sorted(name for name, _, _ in links) == sorted(teams["managers"])
    users = {u.name: u for u in db.session.scalars(sa.select(User))}
    organisation = db.session.scalar(sa.select(Organisation))
    for name, reps in teams["managers"].items():
        user = users[name]
        assert (user.role, user.password_hash, user.organisation_id) == ("manager", None, organisation.id)
        assert {r.name for r in ds.team(user)} == reps

    name, email, link = links[0]
    path_only = re.sub(r"^https?://[^/]+", "", link)
    assert client.get(path_only).status_code == 200
    done = client.post(path_only, data={"password": "a fresh password", "password2": "a fresh password"})
    assert done.status_code == 302
    auth = AuthActions(client)
    assert auth.login(email, "a fresh password").status_code == 302
    assert client.get("/deals/team").status_code == 200
    assert client.get(path_only).status_code == 404, "an invitation works once"

    again = runner.invoke(
        args=["import-teams", str(path), "--organisation", "Maven Hardware", "--email-domain", "maven.example"]
    )
    assert again.exit_code == 0, again.output
    assert "6 managers, 0 new reps" in again.output and "invite" not in again.output


def test_import_teams_rejects_a_file_with_a_missing_manager_and_writes_nothing(runner, tmp_path):
    path = tmp_path / "teams.csv"
    path.write_bytes(csv_bytes([["sales_agent", "manager"], [ANNA, "Mila Manager"], [BRAM, ""]]))

    result = runner.invoke(args=["import-teams", str(path), "--organisation", "Acme", "--email-domain", "acme.example"])

    assert result.exit_code == 1
    assert "row 3: rejected: The rep or the manager is empty." in result.output
    assert table_counts()["User"] == 0 and table_counts()["Rep"] == 0


@pytest.fixture
def admin(make_user, auth):
    user = make_user("admin@example.com", name="Ada Admin", role="admin")
    assert auth.login("admin@example.com").status_code == 302
    return user


def upload_team_file(client, data: bytes, filename: str = "teams.csv", **form):
    return client.post(
        "/admin/teams/import",
        data={
            "organisation": "Maven Hardware",
            "email_domain": "maven.example",
            **form,
            "file": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )


def test_the_admin_team_import_previews_then_invites_and_shows_the_links(client, admin):
    teams = sample_team_facts()
    response = upload_team_file(client, sample_file("sales_teams.csv").read_bytes(), "sales_teams.csv")
    assert response.status_code == 302
    preview_url = location_path(response)

    preview = client.get(preview_url)
    assert preview.status_code == 200
    rows = table_rows(preview.data, caption="6 managers, 35 new reps")[1:]
    assert sorted(row[0] for row in rows) == sorted(teams["managers"])
    assert {row[2] for row in rows} == {"will be invited"}
    assert table_counts()["User"] == 1, "the preview writes nothing"

    done = client.post(preview_url.split("?")[0], data={"organisation": "Maven Hardware", "domain": "maven.example"})
    assert done.status_code == 200
    assert "Organisation Maven Hardware: 6 managers, 35 new reps." in page_text(done.data)
    links = [el.get("value") for el in parse(done.data).iter("input") if "/auth/reset/" in (el.get("value") or "")]
    assert len(links) == 6
    assert table_counts()["User"] == 7 and table_counts()["Rep"] == 35


def test_the_admin_team_import_rejects_rows_without_a_manager_and_writes_nothing(client, admin):
    data = csv_bytes([["sales_agent", "manager"], [ANNA, "Mila Manager"], [BRAM, ""], ["Cas Claes", "Mila Manager"]])
    response = upload_team_file(client, data)
    preview_url = location_path(response)

    preview = client.get(preview_url)
    assert table_rows(preview.data, caption="Rejected rows")[1:] == [["3", "The rep or the manager is empty."]]
    assert "Import teams" not in [text(b) for b in parse(preview.data).iter("button")]
    forced = client.post(preview_url.split("?")[0], data={"organisation": "Maven Hardware", "domain": "maven.example"})
    assert forced.status_code == 200
    assert table_counts()["User"] == 1 and table_counts()["Rep"] == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
