"""The dry run: rows read as deals or reported with row numbers and reasons."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from coachkit.crm_import import COMPOSITE_KEY
from coachkit.crm_import import FILE_ERROR_CODES
from coachkit.crm_import import MESSAGES
from coachkit.crm_import import MappingError
from coachkit.crm_import import analyse
from coachkit.crm_import import read_table

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "coachkit" / "crm_import"
FIXTURES = Path(__file__).parent / "data" / "crm"


def table_from(tmp_path: Path, text: str, name: str = "deals.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return read_table(path.read_bytes(), path.name)


def errors_of(result) -> list[tuple[int, str | None, str]]:
    return [(error.row_number, error.field, error.message_key) for error in result.errors]


def test_a_garbage_amount_is_reported_with_its_spreadsheet_row_number(tmp_path):
    table = table_from(tmp_path, "Deal ID;Deal;Waarde\nD1;A;1.000,00\nD2;B;veel geld\nD3;C;250,00\n")

    result = analyse(table, lang="nl")

    assert errors_of(result) == [(3, "value", "amount.not_a_number")]
    error = result.errors[0]
    assert error.params["value"] == "veel geld"
    assert error.message("en") == "Waarde: 'veel geld' is not an amount."
    assert error.message("nl") == "Waarde: 'veel geld' is geen bedrag."
    assert [deal.external_id for deal in result.deals] == ["D1", "D3"]
    assert not result.ok
    assert result.error_rows == [3]


def test_an_amount_against_the_columns_format_shows_the_expected_notation(tmp_path):
    table = table_from(tmp_path, "Deal ID;Deal;Waarde\nD1;A;1.000,00\nD2;B;1,250.00\n")

    result = analyse(table, lang="nl")

    assert errors_of(result) == [(3, "value", "amount.bad_grouping")]
    assert "1.234,56" in result.errors[0].message("nl")


def test_a_later_row_with_the_same_key_is_rejected_and_points_to_the_first(tmp_path):
    text = "Deal ID,Deal,Amount\nD1,A,10\nD2,B,20\nd1 ,A again,30\nD1,A,10\n"
    table = table_from(tmp_path, text)

    result = analyse(table)

    assert errors_of(result) == [(4, "external_id", "key.duplicate"), (5, "external_id", "key.duplicate")]
    assert (result.errors[0].params["key"], result.errors[0].params["first_row"]) == ("d1", 2)
    assert "row 2" in result.errors[0].message("en")
    assert "rij 2" in result.errors[0].message("nl")
    assert [deal.row_number for deal in result.deals] == [2, 3]


def test_a_blank_id_is_rejected_when_the_file_has_an_id_column(tmp_path):
    table = table_from(tmp_path, "Deal ID,Deal,Amount\nD1,A,10\n,B,20\n")

    result = analyse(table)

    assert errors_of(result) == [(3, "external_id", "key.missing")]


def test_without_an_id_column_deals_are_keyed_on_title_account_and_created(tmp_path):
    text = "Deal;Klant;Aangemaakt op\nA;Acme;01-02-2017\nA;Globex;01-02-2017\nA;Acme;2017-02-01\n"
    table = table_from(tmp_path, text)

    result = analyse(table, lang="nl")

    assert result.key_fields == COMPOSITE_KEY == ("title", "account", "created")
    assert [deal.key for deal in result.deals] == [("a", "acme", "2017-02-01"), ("a", "globex", "2017-02-01")]
    assert errors_of(result) == [(4, "title", "key.duplicate")]
    assert "notice.composite_key" in [notice.message_key for notice in result.notices]


def test_without_an_id_column_the_key_uses_the_composite_fields_present(tmp_path):
    result = analyse(table_from(tmp_path, "Deal,Amount\nA,10\nB,20\n"))

    assert result.key_fields == ("title",)
    assert result.ok


def test_without_an_id_or_a_title_column_there_is_no_key(tmp_path):
    table = table_from(tmp_path, "Klant,Waarde,Fase\nAcme,10,Open\n")

    with pytest.raises(MappingError) as caught:
        analyse(table)

    assert caught.value.message_key == "mapping.key_not_mapped"


def test_a_user_picked_key_is_used_for_matching_and_duplicates(tmp_path):
    table = table_from(tmp_path, "Deal ID,Deal,Account\nD1,A,Acme\nD2,A,Acme\n")

    result = analyse(table, key=("title", "account"))

    assert result.key_fields == ("title", "account")
    assert errors_of(result) == [(3, "title", "key.duplicate")]


def test_a_key_on_an_unmapped_field_is_a_mapping_error(tmp_path):
    table = table_from(tmp_path, "Deal,Account\nA,Acme\n")

    with pytest.raises(MappingError) as caught:
        analyse(table, key="owner")

    assert caught.value.message_key == "mapping.key_not_mapped"


def test_a_mapping_that_names_a_missing_column_is_an_error(tmp_path):
    table = table_from(tmp_path, "Deal,Account\nA,Acme\n")

    with pytest.raises(MappingError) as caught:
        analyse(table, {"title": "Deal", "value": "Amount"})

    assert caught.value.message_key == "mapping.unknown_column"
    assert "value → Amount" in caught.value.message("en")


def test_a_user_mapping_overrides_the_suggestion(tmp_path):
    table = table_from(tmp_path, 'Nr,Omschrijving,Klant,Omzet\n7,Koffie,Acme,"1,000.50"\n')

    result = analyse(table, {"external_id": "Nr", "title": "Omschrijving", "account": "Klant", "value": "Omzet"})

    assert result.deals[0].title == "Koffie"
    assert result.deals[0].value == Decimal("1000.50")


def test_amounts_in_another_currency_keep_it_and_are_counted(tmp_path):
    text = "Deal ID;Deal;Waarde\nD1;A;€ 1.000\nD2;B;$ 2.500\nD3;C;GBP 300,50\nD4;D;400\nD5;E;£ 12\n"
    table = table_from(tmp_path, text)

    result = analyse(table, default_currency="eur", lang="nl")

    assert [(deal.value, deal.currency) for deal in result.deals] == [
        (Decimal("1000"), "EUR"),
        (Decimal("2500"), "USD"),
        (Decimal("300.50"), "GBP"),
        (Decimal("400"), "EUR"),
        (Decimal("12"), "GBP"),
    ]
    assert result.foreign_currency == {"USD": 1, "GBP": 2}
    notice = next(n for n in result.notices if n.message_key == "notice.foreign_currency")
    assert notice.message("nl") == (
        "3 deal(s) staan in GBP, USD, niet in EUR. Ze houden hun eigen valuta en worden niet omgerekend."
    )


def test_a_currency_column_wins_and_a_contradicting_symbol_is_an_error(tmp_path):
    table = table_from(
        tmp_path, "Deal - ID,Deal - Title,Deal - Value,Deal - Currency\n1,A,100,USD\n2,B,€ 5,USD\n3,C,7,\n"
    )

    result = analyse(table)

    assert errors_of(result) == [(3, "currency", "currency.conflict")]
    assert [(deal.currency, deal.value) for deal in result.deals] == [("USD", Decimal("100")), ("EUR", Decimal("7"))]


def test_an_invalid_currency_and_a_negative_value_are_reported(tmp_path):
    table = table_from(tmp_path, "Deal ID,Deal,Amount,Currency\nD1,A,-5,EUR\nD2,B,5,Euro's\n")

    result = analyse(table)

    assert errors_of(result) == [(2, "value", "value.negative"), (3, "currency", "currency.invalid")]


def test_blank_close_dates_keep_open_deals_open_and_closed_deals_take_the_close_date(tmp_path):
    text = (
        "Opportunity ID,Opportunity Name,Stage,Close Date,Amount\n"
        "1,A,Prospecting,,\n"
        "2,B,Closed Won,3/14/2017,100\n"
        "3,C,Closed Lost,,0\n"
        "4,D,Negotiation,4/30/2017,50\n"
    )
    result = analyse(table_from(tmp_path, text))

    assert result.ok
    assert [(d.status, d.expected_close, d.closed, d.value) for d in result.deals] == [
        ("open", None, None, None),
        ("won", date(2017, 3, 14), date(2017, 3, 14), Decimal("100")),
        ("lost", None, None, Decimal("0")),
        ("open", date(2017, 4, 30), None, Decimal("50")),
    ]


def test_an_explicit_status_column_wins_over_the_stage(tmp_path):
    data = (FIXTURES / "pipedrive_deals.csv").read_bytes()

    result = analyse(read_table(data, "pipedrive_deals.csv"))

    assert result.ok, [error.message() for error in result.errors]
    won, open_deal, lost = result.deals
    assert (won.stage, won.status, won.closed) == ("Negotiations Started", "won", date(2017, 3, 28))
    assert (open_deal.status, open_deal.currency, open_deal.value) == ("open", "GBP", Decimal("8400.50"))
    assert (lost.status, lost.closed) == ("lost", date(2017, 4, 1))
    assert won.created == date(2017, 1, 9)
    assert result.foreign_currency == {"GBP": 1}


def test_an_unknown_or_deleted_status_is_reported(tmp_path):
    table = table_from(tmp_path, "Deal - ID,Deal - Title,Deal - Status\n1,A,deleted\n2,B,perhaps\n3,C,\n")

    result = analyse(table)

    assert errors_of(result) == [(2, "status", "status.rejected"), (3, "status", "status.invalid")]
    assert result.deals[0].status == "open"


def test_each_date_column_gets_its_own_order(tmp_path):
    text = "Deal ID,Deal,Created,Expected close\n1,A,13/01/2017,01/02/2017\n2,B,02/01/2017,01/20/2017\n"
    result = analyse(table_from(tmp_path, text))

    assert result.formats["created"].detected == "dmy"
    assert result.formats["expected_close"].detected == "mdy"
    assert [(d.created, d.expected_close) for d in result.deals] == [
        (date(2017, 1, 13), date(2017, 1, 2)),
        (date(2017, 1, 2), date(2017, 1, 20)),
    ]


def test_an_undecided_date_column_follows_a_decided_one_and_says_so(tmp_path):
    text = "Deal ID,Deal,Created,Expected close\n1,A,13/01/2017,01/02/2017\n2,B,02/01/2017,03/04/2017\n"

    result = analyse(table_from(tmp_path, text), lang="en")

    assert (result.formats["expected_close"].detected, result.formats["expected_close"].decided_by) == (
        "dmy",
        "other_columns",
    )
    assert result.deals[0].expected_close == date(2017, 2, 1)
    assert "notice.date_order_other_columns" in [n.message_key for n in result.notices]


@pytest.mark.parametrize(
    ("lang", "order", "expected"), [("nl", "dmy", date(2017, 2, 1)), ("en", "mdy", date(2017, 1, 2))]
)
def test_an_undecided_date_column_uses_the_language_default_and_says_so(tmp_path, lang, order, expected):
    result = analyse(table_from(tmp_path, "Deal ID,Deal,Close date\n1,A,01/02/2017\n2,B,03/04/2017\n"), lang=lang)

    column = result.formats["expected_close"]
    assert (column.detected, column.decided_by) == (order, "default")
    assert result.deals[0].expected_close == expected
    notice = next(n for n in result.notices if n.message_key == "notice.date_order_default")
    assert "Close date" in notice.message(lang)


def test_a_date_against_the_columns_order_is_reported(tmp_path):
    text = "Deal ID,Deal,Close date\n1,A,13/01/2017\n2,B,14/01/2017\n3,C,01/15/2017\n"

    result = analyse(table_from(tmp_path, text))

    assert errors_of(result) == [(4, "expected_close", "date.order_conflict")]
    assert "31-12-2017" in result.errors[0].message("en")


def test_ambiguous_thousands_in_a_semicolon_file_are_read_as_thousands_and_flagged(tmp_path):
    result = analyse(table_from(tmp_path, "Deal ID;Deal;Amount\n1;A;1.234\n2;B;2.500\n"), lang="en")

    assert [deal.value for deal in result.deals] == [Decimal("1234"), Decimal("2500")]
    assert result.formats["value"].decided_by == "file"
    assert "notice.number_format_file" in [n.message_key for n in result.notices]


@pytest.mark.parametrize(("lang", "expected"), [("nl", Decimal("1234")), ("en", Decimal("1.234"))])
def test_ambiguous_amounts_in_a_comma_file_follow_the_language_and_are_flagged(tmp_path, lang, expected):
    result = analyse(table_from(tmp_path, 'Deal ID,Deal,Amount\n1,A,"€ 1.234"\n2,B,"€ 2.500"\n'), lang=lang)

    assert result.deals[0].value == expected
    assert result.formats["value"].decided_by == "default"
    notice = next(n for n in result.notices if n.message_key == "notice.number_format_default")
    assert "Amount" in notice.message(lang)


def test_ambiguous_amounts_follow_the_other_amounts_of_their_column(tmp_path):
    result = analyse(table_from(tmp_path, "Deal ID\tDeal\tAmount\n1\tA\t1.234\n2\tB\t12,5\n"), lang="en")

    assert [deal.value for deal in result.deals] == [Decimal("1234"), Decimal("12.5")]
    assert result.formats["value"].decided_by == "values"


def test_a_row_with_more_cells_than_the_header_is_reported(tmp_path):
    table = table_from(tmp_path, "Deal ID,Deal,Account,Amount\n1,A,Acme,10\n2,B,Acme, Inc,20\n")

    result = analyse(table)

    # The shifted cells would give more errors; only the cause is reported.
    assert errors_of(result) == [(3, None, "row.extra_cells")]
    assert "stray separator" in result.errors[0].message("en")


def test_a_deal_without_a_name_is_reported(tmp_path):
    result = analyse(table_from(tmp_path, "Deal ID,Deal,Amount\n1,,10\n"))

    assert errors_of(result) == [(2, "title", "title.missing")]


def test_all_problems_of_a_row_are_reported_together(tmp_path):
    result = analyse(table_from(tmp_path, "Deal ID,Deal,Amount,Close date\n1,,lots,someday\n"))

    assert errors_of(result) == [
        (2, "title", "title.missing"),
        (2, "value", "amount.not_a_number"),
        (2, "expected_close", "date.not_a_date"),
    ]
    assert list(result.errors_by_row()) == [2]


def test_status_counts_and_totals_describe_the_dry_run(tmp_path):
    text = "Deal ID,Deal,Stage\n1,A,Won\n2,B,Lost\n3,C,Open\n4,D,Gewonnen\n5,,Won\n"

    result = analyse(table_from(tmp_path, text))

    assert result.status_counts() == {"open": 1, "won": 2, "lost": 1}
    assert (result.total_rows, len(result.deals), len(result.errors)) == (5, 4, 1)


def test_every_message_exists_in_english_and_dutch_with_the_same_placeholders():
    import string

    assert set(MESSAGES["en"]) == set(MESSAGES["nl"])
    for key, english in MESSAGES["en"].items():
        fields = {name for _, name, _, _ in string.Formatter().parse(english) if name}
        dutch = {name for _, name, _, _ in string.Formatter().parse(MESSAGES["nl"][key]) if name}
        assert fields == dutch, key


def test_dutch_messages_address_the_user_informally():
    dutch = " ".join(MESSAGES["nl"].values()).lower()

    assert " je " in dutch
    assert " u " not in dutch and " uw " not in dutch


def test_every_message_key_used_by_the_package_has_a_text():
    prefixes = ("file.", "mapping.", "key.", "row.", "title.", "value.", "currency.", "status.", "notice.")
    used = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if text.startswith(prefixes) and not text.endswith(("_", ".")) and " " not in text:
                    used.add(text)
    file_codes = {f"file.{code}" for code in FILE_ERROR_CODES}
    parse_reasons = {
        "amount.not_a_number",
        "amount.bad_grouping",
        "amount.mixed_currency",
        "date.not_a_date",
        "date.impossible",
        "date.out_of_range",
        "date.order_conflict",
        "notice.number_format_file",
        "notice.number_format_default",
    }

    assert "key.duplicate" in used
    assert not (used | file_codes | parse_reasons) - set(MESSAGES["en"])


def test_the_package_needs_only_the_standard_library_and_openpyxl():
    allowed = set(sys.stdlib_module_names) | {"openpyxl", "__future__"}
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"


def test_the_package_imports_and_runs_without_flask_being_loaded(tmp_path):
    script = f"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location(
    "crm_import", {str(PACKAGE / "__init__.py")!r}, submodule_search_locations=[{str(PACKAGE)!r}]
)
module = importlib.util.module_from_spec(spec)
sys.modules["crm_import"] = module
spec.loader.exec_module(module)
table = module.read_table(b"Deal ID,Deal,Amount\\n1,A,10\\n", "deals.csv")
assert module.analyse(table).ok
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("flask", "sqlalchemy", "coachkit"))
assert not loaded, loaded
"""
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)

    assert completed.returncode == 0, completed.stderr
