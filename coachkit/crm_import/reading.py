"""From uploaded bytes to a table of strings: format, encoding, delimiter, header.

Everything is decided from the content; the file name only picks the
wording of an error (an old ``.xls`` gets a different message than a
picture renamed to ``.csv``).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time
from decimal import Decimal
from pathlib import PurePath

from .errors import ImportFileError
from .mapping import normalise_header
from .mapping import recognised_fields
from .mapping import suggest_mapping

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000

DELIMITERS = (",", ";", "\t")

# The header is looked for among the first non-blank rows, so a title line
# or two above the table ("Pipeline Q1 2017") does not get in the way.
HEADER_SEARCH_ROWS = 10
_SNIFF_CHARS = 64 * 1024
_SNIFF_LINES = 50

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
_BINARY_MAGICS = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"\x1f\x8b",
    b"7z\xbc\xaf",
    b"Rar!",
    b"\x7fELF",
)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\x0c\x1a")
_SEP_LINE_RE = re.compile(r"^\s*sep=(.)\s*$", re.IGNORECASE)

# Pivot tables give themselves away in their headers and first column.
_PIVOT_HEADER_RE = re.compile(
    r"^(row labels|rijlabels|column labels|kolomlabels|grand total|eindtotaal|"
    r"(sum|count|average|som|aantal|gemiddelde) (of|van) .*)$"
)
_TOTAL_LABEL_RE = re.compile(
    r"^((grand |sub)?totals?|(eind|sub|generaal |algemeen )?totaal|sum|som)$"
    r"|^.+ (totals?|totaal)$"
)
_DEAL_DEFINING_FIELDS = ("external_id", "title", "value")


@dataclass
class RawTable:
    """A parsed file: header names and data rows as strings.

    ``row_numbers[i]`` is the spreadsheet row number of ``rows[i]`` (the
    first line of a CSV file is row 1; blank rows are skipped but still
    counted). For XLSX files ``raw_rows`` holds the cells' native values
    (numbers, datetimes) next to their text in ``rows``.
    """

    headers: list[str]
    rows: list[list[str]]
    encoding: str | None
    delimiter: str | None
    kind: str
    row_numbers: list[int] = field(default_factory=list)
    raw_rows: list[list[object]] | None = None
    header_row_number: int = 1
    filename: str = ""
    sheet_name: str | None = None

    def __post_init__(self):
        if not self.row_numbers:
            start = self.header_row_number + 1
            self.row_numbers = list(range(start, start + len(self.rows)))


def read_table(
    data: bytes,
    filename: str = "",
    *,
    mapping: Mapping[str, str | None] | None = None,
    max_bytes: int | None = None,
    max_rows: int | None = None,
    require_deals: bool = True,
) -> RawTable:
    """Parse an uploaded CSV or XLSX file into a ``RawTable``.

    Raises ``ImportFileError`` when the file cannot be a deal list: see
    ``FILE_ERROR_CODES``. ``mapping`` (a user's column choice) is used to find
    the header row and to judge whether the table holds deals; without it
    the suggested mapping is used. ``max_bytes`` and ``max_rows`` default to
    ``MAX_BYTES`` and ``MAX_ROWS``. ``require_deals=False`` reads any table
    (a team list, say) without judging whether it holds deals.
    """
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    max_rows = MAX_ROWS if max_rows is None else max_rows
    if len(data) > max_bytes:
        raise ImportFileError("too_large", size_mb=_megabytes(len(data)), limit_mb=_megabytes(max_bytes))
    if not data.strip():
        raise ImportFileError("empty")

    kind = _sniff_kind(data, filename)
    if kind == "xlsx":
        records, raw_records, sheet_name = _read_xlsx(data, max_rows)
        encoding = delimiter = None
    else:
        text, encoding = decode_text(data)
        text, delimiter = _split_sep_line(text)
        delimiter = delimiter or detect_delimiter(text)
        records = _read_csv(text, delimiter, max_rows)
        raw_records = None
        sheet_name = None

    table = _build_table(records, raw_records, mapping, max_rows)
    table.encoding, table.delimiter, table.kind = encoding, delimiter, kind
    table.filename, table.sheet_name = filename, sheet_name
    if require_deals:
        check_deal_list(table, mapping)
    return table


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text file: ``(text, encoding)``.

    The encoding is ``utf-8-sig`` (UTF-8 with a byte-order mark), ``utf-16``
    (with a byte-order mark, as Excel's "Unicode text" export), ``utf-8``, or
    ``windows-1252`` when the bytes are not valid UTF-8. Windows-1252 reads
    every byte except five unused ones, which become U+FFFD.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"


def detect_delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever splits the first lines most consistently.

    Counts each candidate per line outside double quotes, over the first
    lines of the file. The winner has the most lines sharing its most common
    (non-zero) count; ties go to the larger count, then to semicolon and tab
    over comma. A file without any of them is read as one comma column.
    """
    counts: dict[str, list[int]] = {d: [] for d in DELIMITERS}
    line = dict.fromkeys(DELIMITERS, 0)
    has_content = False
    in_quotes = False
    for ch in text[:_SNIFF_CHARS]:
        if ch == '"':
            in_quotes = not in_quotes
            has_content = True
        elif in_quotes:
            continue
        elif ch == "\n" or ch == "\r":
            if has_content:
                for d in DELIMITERS:
                    counts[d].append(line[d])
                if len(counts[","]) >= _SNIFF_LINES:
                    break
            line = dict.fromkeys(DELIMITERS, 0)
            has_content = False
        elif ch in line:
            line[ch] += 1
            has_content = True
        elif not ch.isspace():
            has_content = True
    else:
        if has_content:
            for d in DELIMITERS:
                counts[d].append(line[d])

    best, best_score = ",", (0, 0, 0)
    for preference, d in enumerate((",", "\t", ";")):
        non_zero = [c for c in counts[d] if c]
        if not non_zero:
            continue
        mode, _ = Counter(non_zero).most_common(1)[0]
        score = (sum(1 for c in counts[d] if c == mode), mode, preference)
        if score > best_score:
            best, best_score = d, score
    return best


def check_deal_list(table: RawTable, mapping: Mapping[str, str | None] | None = None) -> None:
    """Raise ``not_a_deal_list`` for pivot summaries and tables without deal columns.

    A table is a deal list when at least two columns are recognised (or
    mapped by the user), one of them an id, a title or a value, and it shows
    none of the signs of a pivot table: "Row Labels" or "Sum of ..." headers,
    or total rows in the first column with neither an id nor a title column.
    """
    if mapping is None:
        fields = recognised_fields(suggest_mapping(table.headers))
    else:
        # A user's mapping may name columns this file lacks; ``analyse``
        # reports those. Here only the columns that exist count.
        present = {normalise_header(h) for h in table.headers}
        fields = {t for t, h in mapping.items() if h and normalise_header(h) in present}
    pivot_headers = [h for h in table.headers if _PIVOT_HEADER_RE.match(normalise_header(h))]
    first_column_totals = any(row and is_total_label(row[0]) for row in table.rows)
    if pivot_headers:
        reason = "pivot"
    elif len(fields) < 2 or not fields.intersection(_DEAL_DEFINING_FIELDS):
        reason = "no_deal_columns"
    elif first_column_totals and not fields.intersection(("external_id", "title")):
        reason = "pivot"
    else:
        return
    raise ImportFileError(
        "not_a_deal_list",
        f"file.not_a_deal_list.{reason}",
        headers=", ".join(h for h in table.headers if h)[:200],
    )


def is_total_label(text: str) -> bool:
    lowered = text.lower()
    if "tot" not in lowered and "som" not in lowered and "sum" not in lowered:
        return False  # the cheap test first: this runs on every row
    return bool(_TOTAL_LABEL_RE.match(normalise_header(text)))


def cell_text(value: object) -> str:
    """A native spreadsheet value as the text a user would type for it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def _suffix(filename: str) -> str:
    return PurePath(filename or "").suffix.lower()


def _sniff_kind(data: bytes, filename: str) -> str:
    suffix = _suffix(filename)
    if data.startswith(_XLSX_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            raise ImportFileError("unreadable", "file.unreadable.xlsx") from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names:
            raise ImportFileError("unsupported_format", "file.unsupported_format.ods")
        raise ImportFileError("binary", suffix=suffix)
    if data.startswith(_OLE_MAGIC):
        if suffix in (".xls", ".xlsx", ".xlsm"):
            raise ImportFileError("unsupported_format", "file.unsupported_format.xls")
        raise ImportFileError("binary", suffix=suffix)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    head = data[:_SNIFF_CHARS]
    if data.startswith(_BINARY_MAGICS) or b"\x00" in head:
        raise ImportFileError("binary", suffix=suffix)
    controls = sum(head.count(bytes([b])) for b in _CONTROL_BYTES)
    if controls > len(head) * 0.01:
        raise ImportFileError("binary", suffix=suffix)
    return "csv"


def _split_sep_line(text: str) -> tuple[str, str | None]:
    """Honour Excel's optional first line ``sep=;``."""
    if text.startswith("\ufeff"):
        text = text[1:]
    first, newline, rest = text.partition("\n")
    match = _SEP_LINE_RE.match(first)
    if match and match.group(1) in DELIMITERS + ("|",):
        # Keep an empty first line so row numbers still match the file.
        return newline + rest, match.group(1)
    return text, None


def _read_csv(text: str, delimiter: str, max_rows: int) -> list[list[str]]:
    limit = max_rows + HEADER_SEARCH_ROWS + 1
    records = []
    filled = 0
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False):
            records.append(record)
            if any(cell.strip() for cell in record):
                filled += 1
                if filled > limit:
                    raise ImportFileError("too_large", "file.too_many_rows", limit=max_rows)
    except csv.Error as exc:
        raise ImportFileError("unreadable", "file.unreadable.csv", row=len(records) + 1, reason=str(exc)) from None
    return records


def _read_xlsx(data: bytes, max_rows: int) -> tuple[list[list[str]], list[list[object]], str]:
    # openpyxl warns about workbook features it drops (data validation
    # extensions, unknown styles); none of them matter for reading values.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\..*)?$")
        return _read_xlsx_sheets(data, max_rows)


def _read_xlsx_sheets(data: bytes, max_rows: int) -> tuple[list[list[str]], list[list[object]], str]:
    import openpyxl

    limit = max_rows + HEADER_SEARCH_ROWS + 1
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any damage inside the archive: bad XML, missing parts...
        raise ImportFileError("unreadable", "file.unreadable.xlsx") from None
    try:
        records: list[list[str]] = []
        raw_records: list[list[object]] = []
        sheet_name = ""
        for sheet in workbook.worksheets:
            if not hasattr(sheet, "iter_rows"):
                continue  # a chart sheet
            sheet.reset_dimensions()  # some writers store a wrong sheet size
            sheet_name = sheet.title
            filled = 0
            for values in sheet.iter_rows(values_only=True):
                raw = list(values)
                while raw and raw[-1] is None:
                    raw.pop()
                raw_records.append(raw)
                records.append([cell_text(v) for v in raw])
                if raw and any(cell.strip() for cell in records[-1]):
                    filled += 1
                    if filled > limit:
                        raise ImportFileError("too_large", "file.too_many_rows", limit=max_rows)
            if filled:
                break  # the first sheet that holds anything
            records, raw_records = [], []
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError("unreadable", "file.unreadable.xlsx") from None
    finally:
        workbook.close()
    return records, raw_records, sheet_name


def _build_table(records, raw_records, mapping, max_rows) -> RawTable:
    filled = [i for i, record in enumerate(records) if any(cell.strip() for cell in record)]
    if not filled:
        raise ImportFileError("empty")
    header_index = _find_header(records, filled[:HEADER_SEARCH_ROWS], mapping)
    headers = _clean_headers(records[header_index])
    width = len(headers)

    rows, row_numbers, raw_rows = [], [], [] if raw_records is not None else None
    for i in filled:
        if i <= header_index:
            continue
        record = records[i]
        if len(record) < width:
            record = record + [""] * (width - len(record))
        rows.append(record)
        row_numbers.append(i + 1)
        if raw_rows is not None:
            raw = raw_records[i]
            raw_rows.append(raw + [None] * (len(record) - len(raw)))
    if not rows:
        raise ImportFileError("no_rows", headers=", ".join(h for h in headers if h)[:200])
    if len(rows) > max_rows:
        raise ImportFileError("too_large", "file.too_many_rows", limit=max_rows)
    return RawTable(
        headers=headers,
        rows=rows,
        encoding=None,
        delimiter=None,
        kind="csv",
        row_numbers=row_numbers,
        raw_rows=raw_rows,
        header_row_number=header_index + 1,
    )


def _find_header(records, candidates, mapping) -> int:
    """The first row that names two known columns, else the first with two cells."""
    wanted = None
    if mapping:
        wanted = {normalise_header(h) for h in mapping.values() if h}
    for i in candidates:
        cells = [c for c in records[i] if c.strip()]
        if len(cells) < 2:
            continue
        if wanted is not None:
            if len(wanted.intersection(normalise_header(c) for c in cells)) >= 2:
                return i
        elif len(recognised_fields(suggest_mapping(cells))) >= 2:
            return i
    for i in candidates:
        if sum(1 for c in records[i] if c.strip()) >= 2:
            return i
    return candidates[0]


def _clean_headers(record: list[str]) -> list[str]:
    headers = [cell.replace("\ufeff", "").strip() for cell in record]
    while headers and not headers[-1]:
        headers.pop()
    seen: Counter = Counter()
    result = []
    for position, header in enumerate(headers, start=1):
        name = header or f"Column {position}"
        seen[name] += 1
        if seen[name] > 1:
            name = f"{name} ({seen[name]})"
        result.append(name)
    return result
