"""Amounts and dates as CRMs and spreadsheets write them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from coachkit.crm_import import COMMA_DECIMAL
from coachkit.crm_import import DOT_DECIMAL
from coachkit.crm_import import ParseError
from coachkit.crm_import import detect_date_order
from coachkit.crm_import import detect_number_format
from coachkit.crm_import import normalise_currency
from coachkit.crm_import import parse_amount
from coachkit.crm_import import parse_date
from coachkit.crm_import.dates import from_excel_serial


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("1.234,56", COMMA_DECIMAL, (Decimal("1234.56"), None)),
        ("1234,5", COMMA_DECIMAL, (Decimal("1234.5"), None)),
        ("1.234", COMMA_DECIMAL, (Decimal("1234"), None)),
        ("1.234.567", COMMA_DECIMAL, (Decimal("1234567"), None)),
        ("€ 1.234,56", COMMA_DECIMAL, (Decimal("1234.56"), "EUR")),
        ("1.234,56 €", COMMA_DECIMAL, (Decimal("1234.56"), "EUR")),
        ("EUR 12,50", COMMA_DECIMAL, (Decimal("12.50"), "EUR")),
        ("1\u00a0234,56\u00a0€", COMMA_DECIMAL, (Decimal("1234.56"), "EUR")),
        ("1 234 567,00", COMMA_DECIMAL, (Decimal("1234567.00"), None)),
        ("-1.234,56", COMMA_DECIMAL, (Decimal("-1234.56"), None)),
        ("1.234,56-", COMMA_DECIMAL, (Decimal("-1234.56"), None)),
        ("€ -12,00", COMMA_DECIMAL, (Decimal("-12.00"), "EUR")),
        ("-€ 12,00", COMMA_DECIMAL, (Decimal("-12.00"), "EUR")),
        ("1,234.56", DOT_DECIMAL, (Decimal("1234.56"), None)),
        ("12.5", DOT_DECIMAL, (Decimal("12.5"), None)),
        ("1.234", DOT_DECIMAL, (Decimal("1.234"), None)),
        ("$1,234.56", DOT_DECIMAL, (Decimal("1234.56"), "USD")),
        ("USD 1,000", DOT_DECIMAL, (Decimal("1000"), "USD")),
        ("£250", DOT_DECIMAL, (Decimal("250"), "GBP")),
        ("250 GBP", DOT_DECIMAL, (Decimal("250"), "GBP")),
        ("(1,234.56)", DOT_DECIMAL, (Decimal("-1234.56"), None)),
        ("−75", DOT_DECIMAL, (Decimal("-75"), None)),
        ("1'234.50", DOT_DECIMAL, (Decimal("1234.50"), None)),
        ("  42  ", DOT_DECIMAL, (Decimal("42"), None)),
        (".5", DOT_DECIMAL, (Decimal("0.5"), None)),
    ],
)
def test_amounts_are_read_with_the_columns_number_format(text, fmt, expected):
    assert parse_amount(text, fmt) == expected


@pytest.mark.parametrize("text", ["", "   ", "\u00a0", None])
def test_a_blank_amount_is_none(text):
    assert parse_amount(text, COMMA_DECIMAL) is None


@pytest.mark.parametrize(
    ("text", "fmt", "reason"),
    [
        ("abc", DOT_DECIMAL, "not_a_number"),
        ("n/a", COMMA_DECIMAL, "not_a_number"),
        ("€", COMMA_DECIMAL, "not_a_number"),
        ("12%", DOT_DECIMAL, "not_a_number"),
        ("1e5", DOT_DECIMAL, "not_a_number"),
        ("--5", DOT_DECIMAL, "not_a_number"),
        ("12k", DOT_DECIMAL, "not_a_number"),
        ("1,234.56", COMMA_DECIMAL, "bad_grouping"),
        ("1.5", COMMA_DECIMAL, "bad_grouping"),
        ("12.34.5", COMMA_DECIMAL, "bad_grouping"),
        ("1,2,3", DOT_DECIMAL, "bad_grouping"),
        ("$5 EUR", DOT_DECIMAL, "mixed_currency"),
    ],
)
def test_garbage_amounts_raise_a_value_error_with_a_reason(text, fmt, reason):
    with pytest.raises(ValueError) as caught:
        parse_amount(text, fmt)

    assert isinstance(caught.value, ParseError)
    assert caught.value.reason == reason
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1.234,56", "99"], COMMA_DECIMAL),
        (["1234,5"], COMMA_DECIMAL),
        (["1.234.567"], COMMA_DECIMAL),
        (["0,125"], COMMA_DECIMAL),
        (["1,234.56"], DOT_DECIMAL),
        (["12.5"], DOT_DECIMAL),
        (["1,234,567"], DOT_DECIMAL),
        (["€ 1.234", "€ 12,50"], COMMA_DECIMAL),
        (["$1,234", "$3.5"], DOT_DECIMAL),
    ],
)
def test_the_number_format_is_decided_by_unambiguous_values(values, expected):
    assert detect_number_format(values, default=DOT_DECIMAL) == expected
    assert detect_number_format(values, default=COMMA_DECIMAL) == expected


def test_an_ambiguous_thousands_value_follows_the_other_values_in_its_column():
    assert detect_number_format(["1.234", "2.500", "17,5"], default=DOT_DECIMAL) == COMMA_DECIMAL
    assert detect_number_format(["1.234", "2.500", "17.25"], default=COMMA_DECIMAL) == DOT_DECIMAL


def test_a_column_of_only_ambiguous_values_falls_back_to_the_hint():
    assert detect_number_format(["1.234", "2.500"], default=COMMA_DECIMAL) == COMMA_DECIMAL
    assert detect_number_format(["1.234", "2.500"], default=DOT_DECIMAL) == DOT_DECIMAL
    assert detect_number_format([], default=COMMA_DECIMAL) == COMMA_DECIMAL


def test_the_majority_of_unambiguous_values_wins_a_mixed_column():
    assert detect_number_format(["1.234,56", "99,95", "12.5"]) == COMMA_DECIMAL


@pytest.mark.parametrize(
    ("text", "expected"),
    [("€", "EUR"), ("eur", "EUR"), (" USD ", "USD"), ("$", "USD"), ("£", "GBP"), ("chf", "CHF"), ("Euro", "EUR")],
)
def test_a_currency_column_gives_upper_case_codes(text, expected):
    assert normalise_currency(text) == expected


def test_a_currency_column_rejects_what_is_no_currency():
    assert normalise_currency("") is None
    with pytest.raises(ParseError):
        normalise_currency("Euros of dollars")


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2017-03-01", "dmy", date(2017, 3, 1)),
        ("2017-03-01", "mdy", date(2017, 3, 1)),
        ("2017/3/1", "mdy", date(2017, 3, 1)),
        ("01-03-2017", "dmy", date(2017, 3, 1)),
        ("01-03-2017", "mdy", date(2017, 1, 3)),
        ("1/3/2017", "dmy", date(2017, 3, 1)),
        ("1/3/2017", "mdy", date(2017, 1, 3)),
        ("01.03.2017", "dmy", date(2017, 3, 1)),
        ("1/3/17", "dmy", date(2017, 3, 1)),
        ("2017-03-01 14:30:00", "dmy", date(2017, 3, 1)),
        ("2017-03-01T14:30:00Z", "mdy", date(2017, 3, 1)),
        ("3/14/2017 2:30 PM", "mdy", date(2017, 3, 14)),
        ("20170301", "dmy", date(2017, 3, 1)),
        ("3 mrt 2017", "mdy", date(2017, 3, 3)),
        ("1 maart 2017", "mdy", date(2017, 3, 1)),
        ("12 okt. 2017", "dmy", date(2017, 10, 12)),
        ("1-Mar-17", "mdy", date(2017, 3, 1)),
        ("March 1, 2017", "dmy", date(2017, 3, 1)),
        ("1 March 2017", "mdy", date(2017, 3, 1)),
        ("Wed, 1 Mar 2017", "dmy", date(2017, 3, 1)),
        ("woensdag 1 maart 2017", "dmy", date(2017, 3, 1)),
    ],
)
def test_dates_are_read_in_every_common_notation(text, order, expected):
    assert parse_date(text, order) == expected


@pytest.mark.parametrize("text", ["", "  ", None])
def test_a_blank_date_is_none(text):
    assert parse_date(text, "dmy") is None


@pytest.mark.parametrize(
    ("text", "order", "reason"),
    [
        ("31-02-2017", "dmy", "impossible"),
        ("13/25/2017", "mdy", "impossible"),
        ("25/12/2017", "mdy", "order_conflict"),
        ("12/25/2017", "dmy", "order_conflict"),
        ("soon", "dmy", "not_a_date"),
        ("Q3 2017", "dmy", "not_a_date"),
        ("01-03-0017", "dmy", "out_of_range"),
        ("2017-03", "dmy", "not_a_date"),
    ],
)
def test_impossible_or_unreadable_dates_raise_with_a_reason(text, order, reason):
    with pytest.raises(ParseError) as caught:
        parse_date(text, order)

    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("values", "default", "expected"),
    [
        (["01-03-2017", "13-03-2017"], "mdy", "dmy"),
        (["03/01/2017", "03/13/2017"], "dmy", "mdy"),
        (["2017-03-01", "2017-12-31"], "dmy", "ymd"),
        (["01-03-2017", "02-03-2017"], "dmy", "dmy"),
        (["01-03-2017", "02-03-2017"], "mdy", "mdy"),
        (["", "3 mrt 2017"], "mdy", "mdy"),
        (["2017-01-05", "01/05/2017", "25/05/2017"], "mdy", "dmy"),
    ],
)
def test_the_date_order_is_decided_by_a_day_above_twelve(values, default, expected):
    assert detect_date_order(values, default=default) == expected


def test_excel_serial_numbers_are_dates():
    assert from_excel_serial(42795) == date(2017, 3, 1)
    assert from_excel_serial(1) == date(1900, 1, 1)


def test_a_dollar_amount_with_a_comma_group_is_read_as_thousands_even_in_a_dutch_sheet():
    from coachkit.crm_import.amounts import COMMA_DECIMAL
    from coachkit.crm_import.amounts import DOT_DECIMAL
    from coachkit.crm_import.amounts import detect_number_format

    assert detect_number_format(["$1,200", "1200"], default=COMMA_DECIMAL) == DOT_DECIMAL
    assert detect_number_format(["1,200"], default=COMMA_DECIMAL) == COMMA_DECIMAL
