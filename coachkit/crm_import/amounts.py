"""Amounts as people type them: ``1.234,56``, ``$1,234.56``, ``EUR -12,50``...

The decimal separator is decided per column (``detect_number_format``) and
then applied to every cell of that column (``parse_amount``), so ``1.234``
means one thousand two hundred and thirty-four in a Dutch column and a
little over one in an English one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from decimal import InvalidOperation

from .errors import ParseError

COMMA_DECIMAL = "comma_decimal"
DOT_DECIMAL = "dot_decimal"
NUMBER_FORMATS = (COMMA_DECIMAL, DOT_DECIMAL)
AMBIGUOUS = "ambiguous"

# How each format writes one thousand two hundred thirty-four and a half,
# for messages that need to show the user what a column expects.
FORMAT_EXAMPLES = {COMMA_DECIMAL: "1.234,56", DOT_DECIMAL: "1,234.56"}

CURRENCY_SYMBOLS = {"€": "EUR", "$": "USD", "US$": "USD", "£": "GBP", "¥": "JPY"}

# ISO 4217 codes accepted inside an amount cell. A dedicated currency column
# accepts any three-letter code (see ``normalise_currency``).
KNOWN_CURRENCY_CODES = frozenset(
    "EUR USD GBP CHF SEK NOK DKK ISK PLN CZK HUF RON BGN TRY JPY CNY HKD SGD INR AUD NZD CAD MXN BRL ZAR AED".split()
)
CURRENCY_WORDS = {"EURO": "EUR", "EUROS": "EUR", "DOLLAR": "USD", "DOLLARS": "USD"}

# Spaces of every kind, plus apostrophes used as thousands separators (1'234.50).
_SPACES = "\u00a0\u202f\u2009\u2007 "
_GROUP_MARKS = _SPACES + "'\u2019"
_TO_PLAIN_SPACE = str.maketrans(dict.fromkeys(_SPACES, " "))
_MINUS_SIGNS = "-\u2212\u2013"
_TOKEN_RE = re.compile(r"US\$|[€$£¥]|[A-Za-z]+")
_BODY_RE = re.compile(r"^[0-9.,'\u2019 ]*[0-9][0-9.,'\u2019 ]*$")
_DIGITS_RE = re.compile(r"[^0-9.,]")
_GROUP_SPLIT_RE = {mark: re.compile(f"[{re.escape(mark + _GROUP_MARKS)}]") for mark in ".,"}
_PLAIN_RE = re.compile(r"^-?[0-9]+$")


_DOT_DECIMAL_CURRENCY_RE = re.compile(r"[$£]|\b(?:USD|GBP)\b", re.IGNORECASE)


def classify_number(text: str) -> str | None:
    """What a single cell says about the column's decimal separator.

    Returns ``COMMA_DECIMAL`` or ``DOT_DECIMAL`` when the cell decides it,
    ``AMBIGUOUS`` for ``1.234`` / ``1,234`` (a thousands separator or a
    decimal one with three decimals), and ``None`` when it holds no
    separator at all (``1234``) or no digits.
    """
    if not text:
        return None
    s = _DIGITS_RE.sub("", text)
    if not any(ch.isdigit() for ch in s):
        return None
    dot = s.rfind(".")
    comma = s.rfind(",")
    if dot >= 0 and comma >= 0:
        return COMMA_DECIMAL if comma > dot else DOT_DECIMAL
    if dot < 0 and comma < 0:
        return None
    sep, other = (",", DOT_DECIMAL) if comma >= 0 else (".", COMMA_DECIMAL)
    own = COMMA_DECIMAL if sep == "," else DOT_DECIMAL
    if s.count(sep) > 1:
        return other  # 1.234.567 can only be thousands separators
    whole, frac = s.split(sep)
    if len(frac) != 3:
        return own
    if whole in ("", "0") or whole.startswith("0"):
        return own  # 0,125 cannot be a thousands group
    if sep == "," and _DOT_DECIMAL_CURRENCY_RE.search(text):
        # "$1,200" is twelve hundred dollars: dollar and pound amounts group
        # thousands with a comma, whatever the language of the sheet.
        return DOT_DECIMAL
    return AMBIGUOUS


def number_format_votes(values: Iterable[str]) -> dict[str, int]:
    """Count the cells that point to each format, and the ambiguous ones."""
    votes = {COMMA_DECIMAL: 0, DOT_DECIMAL: 0, AMBIGUOUS: 0}
    for value in values:
        verdict = classify_number(value)
        if verdict is not None:
            votes[verdict] += 1
    return votes


def decide_number_format(votes: dict[str, int]) -> str | None:
    """The format the unambiguous cells agree on (majority), or None."""
    comma, dot = votes[COMMA_DECIMAL], votes[DOT_DECIMAL]
    if comma > dot:
        return COMMA_DECIMAL
    if dot > comma:
        return DOT_DECIMAL
    return None


def detect_number_format(values: Iterable[str], default: str = DOT_DECIMAL) -> str:
    """The decimal separator of a column, decided from its unambiguous cells.

    ``1.234,56`` and ``1234,5`` vote for comma decimals; ``1,234.56`` and
    ``12.5`` for dot decimals; ``1.234`` votes for neither. When the votes tie
    (typically: none at all) ``default`` is returned, which the caller takes
    from the file (a semicolon-separated file hints at comma decimals) or the
    user's language.
    """
    if default not in NUMBER_FORMATS:
        raise ValueError(f"unknown number format {default!r}")
    return decide_number_format(number_format_votes(values)) or default


def parse_amount(text: str | None, fmt: str = DOT_DECIMAL) -> tuple[Decimal, str | None] | None:
    """Read an amount cell: ``(Decimal, currency code or None)``, or None when blank.

    Currency symbols and codes may stand before or after the number
    (``€ 1.234,56``, ``1,234.56 USD``). Negative amounts may be written
    ``-12``, ``12-``, ``(12)`` or with a currency in front (``-€12``,
    ``€ -12``). Thousands separators must group by three. Raises
    ``ParseError`` (a ``ValueError``) with a reason for anything else.
    """
    if fmt not in NUMBER_FORMATS:
        raise ValueError(f"unknown number format {fmt!r}")
    if text is None:
        return None
    original = str(text)
    s = original.strip()
    if not s:
        return None
    if _PLAIN_RE.match(s):
        return Decimal(s), None  # the common case of exports: 1234
    s = s.translate(_TO_PLAIN_SPACE).strip(" ")
    if not s:
        return None

    currency = None
    for token in _TOKEN_RE.findall(s):
        code = _currency_of_token(token)
        if code is None:
            raise ParseError("amount", "not_a_number", original, "not a number")
        if currency is not None and code != currency:
            raise ParseError("amount", "mixed_currency", original, "two different currencies")
        currency = code
    if currency is not None:
        s = _TOKEN_RE.sub(" ", s)

    s = s.strip(_SPACES)
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip(_SPACES)
    if s and s[0] in _MINUS_SIGNS:
        negative, s = not negative, s[1:].strip(_SPACES)
    elif s.startswith("+"):
        s = s[1:].strip(_SPACES)
    elif s and s[-1] in _MINUS_SIGNS:
        negative, s = not negative, s[:-1].strip(_SPACES)
    if not _BODY_RE.match(s):
        raise ParseError("amount", "not_a_number", original, "not a number")

    decimal_mark, group_mark = (",", ".") if fmt == COMMA_DECIMAL else (".", ",")
    if s.count(decimal_mark) > 1:
        raise ParseError("amount", "bad_grouping", original, f"does not fit {fmt}")
    whole, _, frac = s.partition(decimal_mark)
    if any(not ch.isdigit() for ch in frac):
        raise ParseError("amount", "bad_grouping", original, f"does not fit {fmt}")
    digits = _whole_digits(whole, group_mark)
    if digits is None:
        raise ParseError("amount", "bad_grouping", original, f"does not fit {fmt}")
    try:
        amount = Decimal(f"{digits or '0'}.{frac or '0'}") if frac else Decimal(digits or "0")
    except InvalidOperation:  # pragma: no cover - the regexes above rule this out
        raise ParseError("amount", "not_a_number", original, "not a number") from None
    return (-amount if negative else amount), currency


def normalise_currency(text: str | None) -> str | None:
    """A currency column cell as an upper-case code: ``€`` → ``EUR``, ``usd`` → ``USD``.

    Blank gives None; anything that is not a symbol, a word we know or three
    letters raises ``ParseError``.
    """
    if text is None:
        return None
    s = str(text).strip(_SPACES + "\t")
    if not s:
        return None
    code = _currency_of_token(s)
    if code is None and len(s) == 3 and s.isascii() and s.isalpha():
        code = s.upper()
    if code is None:
        raise ParseError("currency", "invalid", s, "not a currency code")
    return code


def _currency_of_token(token: str) -> str | None:
    if token in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[token]
    upper = token.upper()
    if upper in KNOWN_CURRENCY_CODES:
        return upper
    return CURRENCY_WORDS.get(upper)


def _whole_digits(whole: str, group_mark: str) -> str | None:
    """The digits of the integer part, or None when its grouping is wrong."""
    if whole.isdigit() or whole == "":
        return whole
    parts = _GROUP_SPLIT_RE[group_mark].split(whole)
    if not all(part.isdigit() for part in parts):
        return None
    if not 1 <= len(parts[0]) <= 3 or any(len(part) != 3 for part in parts[1:]):
        return None
    return "".join(parts)
