"""Dates as CRMs and spreadsheets write them.

Numeric dates with the year last (``01-03-2017``, ``1/3/17``) are ambiguous
until a column holds a day above 12, so the order is decided per column
(``detect_date_order``) and applied to every cell (``parse_date``). ISO dates,
year-first dates and dates with a month name (``3 mrt 2017``, ``March 1,
2017``) read the same whatever the column's order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from datetime import datetime
from datetime import timedelta

from .errors import ParseError

YMD = "ymd"
DMY = "dmy"
MDY = "mdy"
DATE_ORDERS = (YMD, DMY, MDY)
AMBIGUOUS = "ambiguous"

DEFAULT_DATE_ORDER = {"nl": DMY, "en": MDY}

# How each order writes the last day of 2017, for messages.
ORDER_EXAMPLES = {YMD: "2017-12-31", DMY: "31-12-2017", MDY: "12/31/2017"}

# Deal dates outside this range are typing errors (0217 for 2017).
MIN_YEAR = 1900
MAX_YEAR = 2199

_MONTH_NAMES = {
    # English
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
    # Dutch (where it differs)
    "januari": 1,
    "februari": 2,
    "mrt": 3,
    "maart": 3,
    "mei": 5,
    "juni": 6,
    "juli": 7,
    "augustus": 8,
    "okt": 10,
    "oktober": 10,
}
_WEEKDAY_NAMES = frozenset(
    "mon monday tue tues tuesday wed wednesday thu thur thurs thursday fri friday "
    "sat saturday sun sunday ma maandag di dinsdag wo woensdag do donderdag vr vrijdag "
    "za zaterdag zo zondag".split()
)

_TIME = r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?"
_NUMERIC_RE = re.compile(r"^(\d{1,4})([-/.])(\d{1,2})\2(\d{1,4})\.?" + _TIME + "$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME_TAIL_RE = re.compile(_TIME.replace("(?:[ T]+", "(?:[ T,]+", 1) + "$")
_WORD_SPLIT_RE = re.compile(r"[\s,/\-.]+")


def classify_date(text: str) -> str | None:
    """What a single cell says about the column's date order.

    ``DMY`` or ``MDY`` when a numeric date has a day above 12; ``YMD`` for
    year-first dates; ``AMBIGUOUS`` for ``01-03-2017``; None for blanks,
    dates with a month name and anything unreadable.
    """
    match = _NUMERIC_RE.match(text.strip()) if text else None
    if match is None:
        if text and _COMPACT_RE.match(text.strip()):
            return YMD
        return None
    first, _, second, last = match.groups()
    if len(first) == 4:
        return YMD
    if len(first) == 3 or len(last) not in (2, 4):
        return None
    a, b = int(first), int(second)
    if a > 12 and 1 <= b <= 12:
        return DMY
    if b > 12 and 1 <= a <= 12:
        return MDY
    if 1 <= a <= 12 and 1 <= b <= 12:
        return AMBIGUOUS
    return None


def date_order_votes(values: Iterable[str]) -> dict[str, int]:
    votes = {YMD: 0, DMY: 0, MDY: 0, AMBIGUOUS: 0}
    for value in values:
        verdict = classify_date(value)
        if verdict is not None:
            votes[verdict] += 1
    return votes


def decide_date_order(votes: dict[str, int]) -> str | None:
    """The order the unambiguous cells agree on, or None when nothing decides.

    A column of only year-first dates is ``YMD``. As soon as day-first or
    month-first cells exist, a day above 12 decides between them (majority;
    the cells that disagree will fail to parse). Year-first cells never
    decide between day-first and month-first.
    """
    dmy, mdy = votes[DMY], votes[MDY]
    if dmy > mdy:
        return DMY
    if mdy > dmy:
        return MDY
    if dmy == 0 and votes[AMBIGUOUS] == 0 and votes[YMD] > 0:
        return YMD
    return None


def detect_date_order(values: Iterable[str], default: str = DMY) -> str:
    """The date order of a column: ``'ymd'``, ``'dmy'`` or ``'mdy'``.

    Decided from unambiguous cells (see ``decide_date_order``); ``default``
    when nothing decides, which callers take from the language ('dmy' for
    Dutch, 'mdy' for English) and report to the user.
    """
    if default not in DATE_ORDERS:
        raise ValueError(f"unknown date order {default!r}")
    return decide_date_order(date_order_votes(values)) or default


def parse_date(text: str | None, order: str = DMY) -> date | None:
    """Read a date cell (times are dropped); None when blank.

    ``order`` applies to numeric dates with the year last. Two-digit years
    below 70 are read as 20xx, the others as 19xx. Raises ``ParseError``
    with reason ``not_a_date``, ``impossible`` (31-02-2017),
    ``out_of_range`` (a year before 1900 or after 2199) or
    ``order_conflict`` (a month above 12 for the column's order).
    """
    if order not in DATE_ORDERS:
        raise ValueError(f"unknown date order {order!r}")
    if text is None:
        return None
    original = str(text)
    s = original.strip()
    if not s:
        return None

    match = _NUMERIC_RE.match(s)
    if match:
        first, _, second, last = match.groups()
        if len(first) >= 3:
            if len(first) != 4 or len(last) > 2:
                raise ParseError("date", "not_a_date", original, "not a date")
            return _make_date(int(first), int(second), int(last), original)
        if len(last) not in (2, 4):
            raise ParseError("date", "not_a_date", original, "not a date")
        a, b, year = int(first), int(second), _full_year(last)
        if order == MDY:
            month, day = a, b
        else:
            # A 'ymd' column only holds year-first dates; a stray day-first
            # date in it is read the way most of the world writes it.
            day, month = a, b
        if month > 12 and day <= 12:
            raise ParseError("date", "order_conflict", original, f"month above 12 for {order}")
        return _make_date(year, month, day, original)

    match = _COMPACT_RE.match(s)
    if match:
        return _make_date(int(match[1]), int(match[2]), int(match[3]), original)

    return _parse_named_month(s, original)


def from_excel_serial(value: float) -> date:
    """An Excel serial day number (1900 date system) as a date."""
    if not 1 <= value < 2958466:
        raise ParseError("date", "not_a_date", str(value), "not an Excel date")
    # Excel counts 1900-02-29, which never existed; serials from March 1900 on
    # are therefore one day ahead of a plain count from 1899-12-31.
    base = date(1899, 12, 30) if value >= 61 else date(1899, 12, 31)
    return base + timedelta(days=int(value))


def date_of_value(value: object) -> date | None:
    """A native spreadsheet value as a date, or None when it is not one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def _parse_named_month(s: str, original: str) -> date:
    s = _TIME_TAIL_RE.sub("", s)
    tokens = [t for t in _WORD_SPLIT_RE.split(s.lower()) if t]
    month = None
    numbers = []
    for token in tokens:
        if token.isdigit():
            numbers.append(token)
        elif token in _MONTH_NAMES and month is None:
            month = _MONTH_NAMES[token]
        elif token in _WEEKDAY_NAMES:
            continue
        else:
            raise ParseError("date", "not_a_date", original, "not a date")
    if month is None or len(numbers) != 2:
        raise ParseError("date", "not_a_date", original, "not a date")
    if len(numbers[0]) == 4:
        year, day = int(numbers[0]), int(numbers[1])
    elif len(numbers[1]) in (2, 4) and len(numbers[0]) <= 2:
        day, year = int(numbers[0]), _full_year(numbers[1])
    else:
        raise ParseError("date", "not_a_date", original, "not a date")
    return _make_date(year, month, day, original)


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _make_date(year: int, month: int, day: int, original: str) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ParseError("date", "out_of_range", original, "year out of range")
    try:
        return date(year, month, day)
    except ValueError:
        raise ParseError("date", "impossible", original, "no such date") from None
