"""Export cells are safe in a spreadsheet: formula-like text neutralised, numbers left as numbers."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachkit.cohorts.exports import neutralise_cell
from coachkit.cohorts.exports import to_csv
from coachkit.cohorts.exports import to_xlsx

DANGEROUS = [
    '=HYPERLINK("http://evil.example","click")',
    "=1+1",
    "+31 6 1234 5678",
    "-2+3",
    "@SUM(A1:A3)",
    "\tleading tab",
    "\rleading carriage return",
    "=",
]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_a_spreadsheet_would_run_gets_a_leading_apostrophe(text):
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Mila Manager", "", " =not first", "a=b", "'already quoted", "3 + 4", "é=mc²"])
def test_other_text_is_left_alone(text):
    assert neutralise_cell(text) == text


@pytest.mark.parametrize("value", [0, -2, -2.5, 62.5, 3, Decimal("-1.5"), None, True, date(2026, 3, 1)])
def test_numbers_dates_and_empty_cells_stay_what_they_are(value):
    assert neutralise_cell(value) is value


@given(st.text())
def test_neutralised_text_never_starts_with_a_formula_character(text):
    safe = neutralise_cell(text)

    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert safe.removeprefix("'") == text or safe == text


def test_a_csv_file_keeps_negative_numbers_as_numbers_and_quotes_formulas():
    data = to_csv(["name", "gap", "day"], [["=cmd|' /C calc'!A0", -2, date(2026, 3, 1)], ["-x", 62.5, None]])

    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))

    assert data.startswith(b"\xef\xbb\xbf")
    assert rows == [["name", "gap", "day"], ["'=cmd|' /C calc'!A0", "-2", "2026-03-01"], ["'-x", "62.5", ""]]


def test_an_xlsx_file_stores_text_as_text_and_numbers_as_numbers():
    data = to_xlsx(["=head", "gap"], [["=SUM(A1:A2)", -2], ["@me", 62.5], ["ok\x07", None]], "Sheet/1?")

    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cells = list(sheet.iter_rows())

    assert sheet.title == "Sheet_1_"
    assert [c.value for c in cells[0]] == ["'=head", "gap"]
    assert [(c.value, c.data_type) for c in cells[1]] == [("'=SUM(A1:A2)", "s"), (-2, "n")]
    assert [(c.value, c.data_type) for c in cells[2]] == [("'@me", "s"), (62.5, "n")]
    assert cells[3][0].value == "ok", "control characters cannot be stored and are dropped"
    assert sheet.freeze_panes == "A2"
