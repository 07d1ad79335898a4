"""Reading uploaded CRM exports: format, encoding, delimiter, header and rejected files."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from coachkit.crm_import import ImportFileError
from coachkit.crm_import import analyse
from coachkit.crm_import import read_table
from coachkit.crm_import import reading

FIXTURES = Path(__file__).parent / "data" / "crm"


def write_file(tmp_path: Path, name: str, data: bytes) -> tuple[bytes, str]:
    """Write ``data`` to a real file and read it back, as an upload would arrive."""
    path = tmp_path / name
    path.write_bytes(data)
    return path.read_bytes(), path.name


def csv_text(rows, delimiter=",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def xlsx_bytes(rows, title="Deals") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def file_error(data: bytes, filename: str, **kwargs) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        read_table(data, filename, **kwargs)
    return caught.value


def test_a_utf8_file_with_bom_semicolons_dutch_numbers_and_day_first_dates_is_read(tmp_path):
    text = csv_text(
        [
            ["Referentie", "Titel", "Bedrijf", "Verantwoordelijke", "Bedrag", "Fase", "Verwachte sluitingsdatum"],
            ["T-1", "Koffiemachines", "Café De Zwaan", "Sanne", "€ 1.234,56", "Offerte", "03-04-2017"],
            ["T-2", "Onderhoud", "Bakkerij Zoet", "Joost", "12.500", "Gewonnen", "25-03-2017"],
            ["T-3", "Licenties", "Zoë's Bloemen", "Sanne", "999,5", "Verloren", "01-02-2017"],
        ],
        delimiter=";",
    )
    data, name = write_file(tmp_path, "teamleader.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))

    table = read_table(data, name)
    result = analyse(table, lang="nl")

    assert (table.kind, table.encoding, table.delimiter) == ("csv", "utf-8-sig", ";")
    assert table.headers[0] == "Referentie"
    assert result.formats["value"].detected == "comma_decimal"
    assert result.formats["expected_close"].detected == "dmy"
    assert result.ok, [e.message() for e in result.errors]
    first, second, third = result.deals
    assert (first.account, first.value, first.currency) == ("Café De Zwaan", Decimal("1234.56"), "EUR")
    assert first.expected_close == date(2017, 4, 3)
    assert second.value == Decimal("12500")
    assert (second.status, second.closed) == ("won", date(2017, 3, 25))
    assert (third.value, third.status) == (Decimal("999.5"), "lost")


def test_a_windows_1252_file_keeps_the_euro_sign_and_accented_names(tmp_path):
    text = csv_text(
        [
            ["Deal", "Klant", "Verkoper", "Waarde", "Fase"],
            ["Renovatie", "Société Générale", "René Müller", "€ 2.500,00", "Open"],
            ["Kassasysteem", "Brasserie Noël", "Zoë Dîaz", "€ 750,25", "Gewonnen"],
        ],
        delimiter=";",
    )
    raw = text.encode("cp1252")
    assert b"\x80" in raw  # the euro sign's Windows-1252 byte
    data, name = write_file(tmp_path, "export.csv", raw)

    table = read_table(data, name)
    result = analyse(table, lang="nl")

    assert table.encoding == "windows-1252"
    assert table.rows[0][1] == "Société Générale"
    assert [deal.owner for deal in result.deals] == ["René Müller", "Zoë Dîaz"]
    assert [(deal.value, deal.currency) for deal in result.deals] == [
        (Decimal("2500.00"), "EUR"),
        (Decimal("750.25"), "EUR"),
    ]


def test_a_utf8_file_without_bom_is_reported_as_plain_utf8(tmp_path):
    data, name = write_file(tmp_path, "deals.csv", "Deal,Klant,Waarde\nÉén,Zoë,10\n".encode())

    assert read_table(data, name).encoding == "utf-8"


def test_excels_unicode_text_export_in_utf16_is_read(tmp_path):
    text = "Deal\tKlant\tWaarde\r\nKoffie\tZoë\t10\r\n"
    data, name = write_file(tmp_path, "deals.txt", text.encode("utf-16"))

    table = read_table(data, name)

    assert (table.encoding, table.delimiter, table.rows) == ("utf-16", "\t", [["Koffie", "Zoë", "10"]])


def test_a_tab_delimited_file_is_split_on_tabs(tmp_path):
    text = csv_text(
        [
            ["Deal Name", "Associated Company", "Deal owner", "Amount", "Deal Stage", "Close Date"],
            ["Laptops, monitors", "Acme, Inc.", "Tom", "1,200.50", "closedwon", "3/14/2017"],
            ["Support", "Globex", "Ann", "300", "appointmentscheduled", ""],
        ],
        delimiter="\t",
    )
    data, name = write_file(tmp_path, "hubspot.tsv", text.encode())

    table = read_table(data, name)

    assert table.delimiter == "\t"
    assert table.rows[0][:2] == ["Laptops, monitors", "Acme, Inc."]
    result = analyse(table)
    assert result.deals[0].value == Decimal("1200.50")
    assert result.deals[0].closed == date(2017, 3, 14)


def test_separators_inside_quotes_do_not_decide_the_delimiter(tmp_path):
    text = 'Deal,Account,Amount\n"A; B; C",Acme,5\n"D; E",Globex,6\n"F; G; H; I",Initech,7\n'
    data, name = write_file(tmp_path, "deals.csv", text.encode())

    table = read_table(data, name)

    assert table.delimiter == ","
    assert table.rows[0] == ["A; B; C", "Acme", "5"]


def test_decimal_commas_in_a_semicolon_file_do_not_make_it_comma_separated(tmp_path):
    text = "Deal;Klant;Waarde\nA;Acme;1234,50\nB;Globex;99,95\nC;Initech;10,00\n"
    data, name = write_file(tmp_path, "deals.csv", text.encode())

    assert read_table(data, name).delimiter == ";"


def test_an_excel_sep_line_sets_the_delimiter_and_row_numbers_still_match_the_file(tmp_path):
    text = "sep=;\r\nDeal;Klant;Waarde\r\nA;Acme;10\r\n"
    data, name = write_file(tmp_path, "deals.csv", text.encode())

    table = read_table(data, name)

    assert table.delimiter == ";"
    assert table.headers == ["Deal", "Klant", "Waarde"]
    assert (table.header_row_number, table.row_numbers) == (2, [3])


def test_a_title_line_above_the_header_and_blank_rows_keep_spreadsheet_row_numbers(tmp_path):
    text = "Pipeline Q1 2017;;\r\n;;\r\nDeal;Klant;Waarde\r\nA;Acme;10\r\n;;\r\nB;Globex;20\r\n"
    data, name = write_file(tmp_path, "deals.csv", text.encode())

    table = read_table(data, name)

    assert table.headers == ["Deal", "Klant", "Waarde"]
    assert table.header_row_number == 3
    assert table.row_numbers == [4, 6]


def test_a_quoted_cell_spanning_lines_counts_as_one_row(tmp_path):
    text = 'Deal,Account,Notes\nA,Acme,"first line\nsecond line"\nB,Globex,short\n'
    data, name = write_file(tmp_path, "deals.csv", text.encode())

    table = read_table(data, name)

    assert table.rows[0][2] == "first line\nsecond line"
    assert table.row_numbers == [2, 3]


def test_an_xlsx_workbook_keeps_native_numbers_and_dates_next_to_their_text(tmp_path):
    rows = [
        ["Opportunity ID", "Opportunity Name", "Account Name", "Amount", "Stage", "Created Date", "Close Date"],
        ["006A", "Big deal", "Acme", 1234.5, "Closed Won", datetime(2017, 1, 9, 14, 30), date(2017, 3, 1)],
        ["006B", "Small deal", "Globex", 300, "Prospecting", datetime(2017, 2, 1), None],
        ["006C", "Typed by hand", "Initech", "1,250.00", "Closed Lost", "13/02/2017", "2017-03-05"],
    ]
    data, name = write_file(tmp_path, "salesforce.xlsx", xlsx_bytes(rows))

    table = read_table(data, name)
    result = analyse(table)

    assert (table.kind, table.encoding, table.delimiter, table.sheet_name) == ("xlsx", None, None, "Deals")
    assert table.rows[0][3:6] == ["1234.5", "Closed Won", "2017-01-09 14:30:00"]
    assert table.raw_rows[0][3] == 1234.5
    assert table.raw_rows[1][5] == datetime(2017, 2, 1)
    assert result.ok, [e.message() for e in result.errors]
    big, small, typed = result.deals
    assert (big.value, big.created, big.closed) == (Decimal("1234.5"), date(2017, 1, 9), date(2017, 3, 1))
    assert (small.value, small.status, small.expected_close) == (Decimal("300"), "open", None)
    assert (typed.value, typed.created, typed.status) == (Decimal("1250.00"), date(2017, 2, 13), "lost")


def test_an_xlsx_title_line_and_gaps_keep_sheet_row_numbers(tmp_path):
    rows = [
        ["Pipeline export"],
        [],
        ["Deal", "Klant", "Waarde"],
        ["A", "Acme", 10],
        [],
        ["B", "Globex", 20],
    ]
    data, name = write_file(tmp_path, "deals.xlsx", xlsx_bytes(rows))

    table = read_table(data, name)

    assert table.header_row_number == 3
    assert table.row_numbers == [4, 6]


def test_an_xlsx_with_an_empty_first_sheet_is_read_from_the_next_one(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Leeg"
    data_sheet = workbook.create_sheet("Deals")
    data_sheet.append(["Deal", "Klant", "Waarde"])
    data_sheet.append(["A", "Acme", 10])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data, name = write_file(tmp_path, "deals.xlsx", buffer.getvalue())

    assert read_table(data, name).sheet_name == "Deals"


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n", b"   \n", b";;;\r\n;;;\r\n"])
def test_an_empty_file_is_rejected(tmp_path, content):
    data, name = write_file(tmp_path, "deals.csv", content)

    assert file_error(data, name).code == "empty"


def test_an_empty_workbook_is_rejected(tmp_path):
    data, name = write_file(tmp_path, "deals.xlsx", xlsx_bytes([]))

    assert file_error(data, name).code == "empty"


def test_a_header_without_rows_is_rejected(tmp_path):
    data, name = write_file(tmp_path, "deals.csv", b"Opportunity ID,Opportunity Name,Amount\r\n")

    error = file_error(data, name)

    assert error.code == "no_rows"
    assert "Opportunity Name" in error.message("en")


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        bytes(range(256)) * 4,
        b"Deal,Value\n" + b"\x00\x01\x02\x03" * 50,
    ],
    ids=["png", "pdf", "random-bytes", "text-with-nul"],
)
def test_a_binary_file_renamed_to_csv_is_rejected(tmp_path, content):
    data, name = write_file(tmp_path, "deals.csv", content)

    error = file_error(data, name)

    assert error.code == "binary"
    assert "'.csv'" in error.message("en")
    assert "je CRM" in error.message("nl")


def test_a_zip_that_is_not_a_workbook_is_binary(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    data, name = write_file(tmp_path, "deals.csv", buffer.getvalue())

    assert file_error(data, name).code == "binary"


def test_an_old_xls_workbook_is_unsupported_with_advice(tmp_path):
    data, name = write_file(tmp_path, "deals.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)

    error = file_error(data, name)

    assert error.code == "unsupported_format"
    assert ".xlsx" in error.message("en")


def test_a_damaged_workbook_is_unreadable(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not-xml")
        archive.writestr("xl/workbook.xml", "<broken")
    data, name = write_file(tmp_path, "deals.xlsx", buffer.getvalue())

    assert file_error(data, name).code == "unreadable"


def test_an_xlsx_renamed_to_csv_is_read_as_a_workbook(tmp_path):
    data, name = write_file(tmp_path, "deals.csv", xlsx_bytes([["Deal", "Klant", "Waarde"], ["A", "Acme", 10]]))

    assert read_table(data, name).kind == "xlsx"


def test_a_file_above_the_size_limit_is_rejected_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_BYTES", 64)
    data, name = write_file(tmp_path, "deals.csv", b"Deal,Account,Amount\n" + b"A,Acme,10\n" * 10)

    error = file_error(data, name)

    assert error.code == "too_large"
    assert error.message_key == "file.too_large"


def test_the_size_limit_is_twenty_megabytes():
    assert reading.MAX_BYTES == 20 * 1024 * 1024
    assert reading.MAX_ROWS == 100_000


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_a_file_with_too_many_rows_is_rejected(tmp_path, monkeypatch, extension):
    monkeypatch.setattr(reading, "MAX_ROWS", 5)
    rows = [["Deal", "Account", "Amount"]] + [[f"D{i}", "Acme", i] for i in range(6)]
    content = xlsx_bytes(rows) if extension == "xlsx" else csv_text(rows).encode()
    data, name = write_file(tmp_path, f"deals.{extension}", content)

    error = file_error(data, name)

    assert (error.code, error.message_key) == ("too_large", "file.too_many_rows")
    assert "5" in error.message("nl")


def test_exactly_the_row_limit_is_accepted(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 5)
    rows = [["Deal", "Account", "Amount"]] + [[f"D{i}", "Acme", i] for i in range(5)]
    data, name = write_file(tmp_path, "deals.csv", csv_text(rows).encode())

    assert len(read_table(data, name).rows) == 5


def test_a_pivot_summary_is_not_a_deal_list():
    data = (FIXTURES / "pivot_summary_nl.csv").read_bytes()

    error = file_error(data, "pivot_summary_nl.csv")

    assert error.code == "not_a_deal_list"
    assert "draaitabel" in error.message("nl")


def test_a_summary_per_rep_with_a_total_row_is_not_a_deal_list(tmp_path):
    rows = [["Verkoper", "Waarde"], ["Sanne", 125000], ["Joost", 48500], ["Totaal", 173500]]
    data, name = write_file(tmp_path, "per_verkoper.xlsx", xlsx_bytes(rows))

    assert file_error(data, name).message_key == "file.not_a_deal_list.pivot"


def test_a_table_without_deal_columns_is_not_a_deal_list(tmp_path):
    text = "Naam,Telefoon,Email\nSanne,0612345678,sanne@example.com\n"
    data, name = write_file(tmp_path, "contacten.csv", text.encode())

    assert file_error(data, name).message_key == "file.not_a_deal_list.no_deal_columns"


def test_a_deal_list_with_a_total_row_at_the_bottom_is_read_and_the_total_skipped(tmp_path):
    text = "Deal;Klant;Waarde\nA;Acme;1.000\nB;Globex;2.500\nTotaal;;3.500\n"
    data, name = write_file(tmp_path, "deals.csv", text.encode())

    result = analyse(read_table(data, name), lang="nl")

    assert [deal.title for deal in result.deals] == ["A", "B"]
    assert result.skipped_rows == [4]
    assert result.ok


def test_a_user_mapping_lets_unknown_headers_through(tmp_path):
    text = "Kansnaam,Klantnaam,Omzet potentieel\nA,Acme,10\n"
    data, name = write_file(tmp_path, "deals.csv", text.encode())
    mapping = {"title": "Kansnaam", "account": "Klantnaam", "value": "Omzet potentieel"}

    assert file_error(data, name).code == "not_a_deal_list"
    assert read_table(data, name, mapping=mapping).rows == [["A", "Acme", "10"]]


def test_empty_and_repeated_headers_get_distinct_names(tmp_path):
    text = "Deal,Account,,Notes,Notes,,\nA,Acme,x,n1,n2,,\n"
    data, name = write_file(tmp_path, "deals.csv", text.encode())

    assert read_table(data, name).headers == ["Deal", "Account", "Column 3", "Notes", "Notes (2)"]


def test_file_errors_speak_english_and_dutch(tmp_path):
    data, name = write_file(tmp_path, "deals.csv", b"")

    error = file_error(data, name)

    assert error.message("en") == "The file is empty."
    assert error.message("nl") == "Het bestand is leeg."
    assert str(error) == "The file is empty."
