"""The dry run: every row of a ``RawTable`` read as a deal, or reported.

``analyse`` decides each column's number format and date order, then reads
every row into a ``ParsedDeal`` or one or more ``RowError`` objects. It does
not look at the database: matching deals to existing ones (create, update,
unchanged) is the caller's work, using ``ParsedDeal.key``.

Rules worth knowing:

* Key. Rows are identified by ``key`` (``external_id`` by default, or any
  target field or tuple of fields the user picks). A row whose key is blank
  is rejected. When the key is ``external_id`` and the file has no id
  column at all, the key falls back to ``COMPOSITE_KEY`` (title, account,
  created date; those of them that are mapped, title at least), and a
  notice says so. Key values are compared without case and surplus spaces.
* Duplicates. The first row with a key wins; every later row with the same
  key is rejected with a reference to the first one, even when the rows are
  identical: an import is all or nothing, so the user decides which to keep.
* Status. An explicit status column wins; otherwise the stage decides
  (Won/Gewonnen/Closed Won → won, Lost/Verloren/Closed Lost → lost,
  anything else → open).
* Close dates. A single "Close Date" column is the expected close date.
  For a closed deal without a closed date, the expected close date is
  copied to ``closed`` (the expected date stays as well). Open deals never
  get a closed date.
* Currency. A currency column wins, then a symbol or code in the amount
  cell, then ``default_currency``. Amounts are never converted: deals in
  another currency keep it and are counted in ``foreign_currency``.
* Totals. A row whose first cell is a total label ("Total", "Totaal") and
  whose other mapped cells are blank except amounts is skipped and listed in
  ``skipped_rows``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal

from . import amounts
from . import dates
from .errors import MappingError
from .errors import ParseError
from .mapping import DATE_FIELDS
from .mapping import TARGET_FIELDS
from .mapping import resolve_columns
from .mapping import suggest_mapping
from .messages import render
from .reading import RawTable
from .reading import is_total_label
from .status import CLOSED_STATUSES
from .status import OPEN
from .status import REJECTED_STATUSES
from .status import normalise_status
from .status import status_from_stage

COMPOSITE_KEY = ("title", "account", "created")
# The largest deal value the database stores exactly (Numeric(16, 2) leaves room above it).
MAX_VALUE = Decimal("999999999999.99")
TEXT_FIELDS = ("external_id", "title", "account", "owner", "stage", "notes")
DEFAULT_NUMBER_FORMAT = {"nl": amounts.COMMA_DECIMAL, "en": amounts.DOT_DECIMAL}

# How a column's format or order was decided, from strongest to weakest.
BY_VALUES = "values"  # unambiguous cells in the column itself
BY_OTHER_COLUMNS = "other_columns"  # another date column of the same file
BY_FILE = "file"  # a semicolon-separated file: it comes from a comma-decimal locale
BY_DEFAULT = "default"  # the language default: nothing in the file decided it
NOT_NEEDED = "not_needed"  # no cell in the column depends on it


@dataclass(frozen=True, slots=True)
class ParsedDeal:
    row_number: int
    key: tuple[str, ...]
    external_id: str | None
    title: str | None
    account: str | None
    owner: str | None
    value: Decimal | None
    currency: str
    stage: str | None
    status: str
    created: date | None
    expected_close: date | None
    closed: date | None
    notes: str | None


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one row. ``row_number`` is the spreadsheet row (header = 1)."""

    row_number: int
    field: str | None
    message_key: str
    params: dict = field(default_factory=dict, hash=False, compare=True)

    def message(self, lang: str = "en") -> str:
        return render(self.message_key, self.params, lang)


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the preview should tell the user about the file as a whole."""

    message_key: str
    params: dict = field(default_factory=dict, hash=False, compare=True)

    def message(self, lang: str = "en") -> str:
        return render(self.message_key, self.params, lang)


@dataclass(frozen=True, slots=True)
class ColumnFormat:
    """How a value or date column will be read, and why."""

    field: str
    header: str
    detected: str  # a number format or a date order
    decided_by: str
    votes: dict = field(default_factory=dict, hash=False, compare=True)


@dataclass
class Analysis:
    filename: str
    kind: str
    encoding: str | None
    delimiter: str | None
    mapping: dict[str, str | None]
    key_fields: tuple[str, ...]
    default_currency: str
    formats: dict[str, ColumnFormat]
    deals: list[ParsedDeal]
    errors: list[RowError]
    notices: list[Notice]
    skipped_rows: list[int]
    foreign_currency: dict[str, int]
    total_rows: int

    @property
    def ok(self) -> bool:
        """True when every row can be imported."""
        return not self.errors

    @property
    def error_rows(self) -> list[int]:
        return sorted({error.row_number for error in self.errors})

    def errors_by_row(self) -> dict[int, list[RowError]]:
        grouped: dict[int, list[RowError]] = {}
        for error in self.errors:
            grouped.setdefault(error.row_number, []).append(error)
        return dict(sorted(grouped.items()))

    def status_counts(self) -> dict[str, int]:
        counts = Counter({"open": 0, "won": 0, "lost": 0})
        counts.update(deal.status for deal in self.deals)
        return dict(counts)


def analyse(
    table: RawTable,
    mapping: Mapping[str, str | None] | None = None,
    *,
    default_currency: str = "EUR",
    lang: str = "en",
    key: str | Sequence[str] = "external_id",
) -> Analysis:
    """Read every row of ``table`` as a deal, without touching any database.

    ``mapping`` defaults to ``suggest_mapping(table.headers)``. ``lang``
    ('en' or 'nl') picks the default number format and date order for
    columns whose cells do not decide it. Raises ``MappingError`` when the
    mapping names a column the file lacks or the key is not mapped.
    """
    if mapping is None:
        mapping = suggest_mapping(table.headers)
    mapping = {target: mapping.get(target) or None for target in TARGET_FIELDS} | {
        k: v for k, v in mapping.items() if k not in TARGET_FIELDS
    }
    columns = resolve_columns(mapping, table.headers)
    mapping = {target: (table.headers[columns[target]] if target in columns else None) for target in TARGET_FIELDS}
    default_currency = default_currency.upper()
    notices: list[Notice] = []

    key_fields = _key_fields(key, columns)
    if key == "external_id" and key_fields != ("external_id",):
        notices.append(Notice("notice.composite_key", {"fields": ", ".join(key_fields)}))

    reader = _RowReader(table, columns, mapping, lang, default_currency, notices)
    deals: list[ParsedDeal] = []
    errors: list[RowError] = []
    skipped: list[int] = []
    first_row_of_key: dict[tuple[str, ...], int] = {}
    foreign: Counter = Counter()
    width = len(table.headers)

    for index, row in enumerate(table.rows):
        row_number = table.row_numbers[index]
        raw = table.raw_rows[index] if table.raw_rows is not None else None
        row_errors: list[RowError] = []

        if _looks_like_total(row, columns):
            skipped.append(row_number)
            continue
        extra = [cell for cell in row[width:] if cell.strip()]
        if extra:
            # A stray separator shifts every later cell; reporting the shifted
            # cells one by one would only hide the cause.
            errors.append(RowError(row_number, None, "row.extra_cells", {"count": len(extra), "columns": width}))
            continue
        values = reader.read(row, raw, row_number, row_errors)
        key_value = tuple(_key_text(values.get(f)) for f in key_fields)
        if not any(key_value):
            row_errors.append(RowError(row_number, key_fields[0], "key.missing", {"fields": ", ".join(key_fields)}))
        elif key_value in first_row_of_key:
            row_errors.append(
                RowError(
                    row_number,
                    key_fields[0],
                    "key.duplicate",
                    {"key": _key_display(values, key_fields), "first_row": first_row_of_key[key_value]},
                )
            )
        else:
            first_row_of_key[key_value] = row_number

        if row_errors:
            errors.extend(row_errors)
            continue
        deal = ParsedDeal(row_number=row_number, key=key_value, **values)
        if deal.currency != default_currency:
            foreign[deal.currency] += 1
        deals.append(deal)

    if skipped:
        notices.append(Notice("notice.total_rows_skipped", {"rows": ", ".join(map(str, skipped))}))
    if foreign:
        notices.append(
            Notice(
                "notice.foreign_currency",
                {
                    "count": sum(foreign.values()),
                    "currencies": ", ".join(sorted(foreign)),
                    "default": default_currency,
                },
            )
        )
    return Analysis(
        filename=table.filename,
        kind=table.kind,
        encoding=table.encoding,
        delimiter=table.delimiter,
        mapping=mapping,
        key_fields=key_fields,
        default_currency=default_currency,
        formats=reader.formats,
        deals=deals,
        errors=errors,
        notices=notices,
        skipped_rows=skipped,
        foreign_currency=dict(foreign),
        total_rows=len(table.rows),
    )


def _key_fields(key: str | Sequence[str], columns: Mapping[str, int]) -> tuple[str, ...]:
    fields = (key,) if isinstance(key, str) else tuple(key)
    unknown = [f for f in fields if f not in TARGET_FIELDS]
    if not fields or unknown:
        raise MappingError(
            "mapping.unknown_field",
            {"fields": ", ".join(unknown) or "-", "known": ", ".join(TARGET_FIELDS)},
        )
    if fields == ("external_id",) and "external_id" not in columns:
        if "title" not in columns:
            raise MappingError("mapping.key_not_mapped", {"fields": "external_id, title"})
        return tuple(f for f in COMPOSITE_KEY if f in columns)
    missing = [f for f in fields if f not in columns]
    if missing:
        raise MappingError("mapping.key_not_mapped", {"fields": ", ".join(missing)})
    return fields


def _looks_like_total(row: list[str], columns: Mapping[str, int]) -> bool:
    """A total label in the first cell, and nothing but amounts in the other mapped cells."""
    if not row or not is_total_label(row[0]):
        return False
    return not any(
        row[index].strip() for target, index in columns.items() if index != 0 and target not in ("value", "currency")
    )


def _key_display(values: Mapping[str, object], key_fields: tuple[str, ...]) -> str:
    parts = (values.get(f) for f in key_fields)
    return " / ".join(p.isoformat() if isinstance(p, date) else str(p) for p in parts if p is not None)


def _key_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split()).casefold()


class _RowReader:
    """Reads the mapped cells of one row into typed values, collecting errors."""

    def __init__(self, table, columns, mapping, lang, default_currency, notices):
        self.columns = columns
        self.mapping = mapping
        self.default_currency = default_currency
        self.is_xlsx = table.raw_rows is not None
        self.formats: dict[str, ColumnFormat] = {}
        self.number_format = amounts.DOT_DECIMAL
        self.date_orders: dict[str, str] = {}
        self._decide_formats(table, lang, notices)

    def _text_cells(self, table, index):
        """The cells of a column that were typed as text (native XLSX numbers excluded)."""
        if table.raw_rows is None:
            return [row[index] for row in table.rows]
        return [row[index] for row, raw in zip(table.rows, table.raw_rows, strict=True) if isinstance(raw[index], str)]

    def _decide_formats(self, table, lang, notices):
        if "value" in self.columns:
            header = self.mapping["value"]
            votes = amounts.number_format_votes(self._text_cells(table, self.columns["value"]))
            fmt = amounts.decide_number_format(votes)
            decided_by = BY_VALUES
            if fmt is None:
                if table.delimiter == ";":
                    # Spreadsheets separate with semicolons where the comma is the decimal mark.
                    fmt, decided_by = amounts.COMMA_DECIMAL, BY_FILE
                else:
                    fmt, decided_by = DEFAULT_NUMBER_FORMAT.get(lang, amounts.DOT_DECIMAL), BY_DEFAULT
                if not votes[amounts.AMBIGUOUS]:
                    decided_by = NOT_NEEDED
                else:
                    notices.append(
                        Notice(
                            f"notice.number_format_{decided_by}",
                            {"column": header, "example": amounts.FORMAT_EXAMPLES[fmt]},
                        )
                    )
            self.number_format = fmt
            self.formats["value"] = ColumnFormat("value", header, fmt, decided_by, votes)

        decided: dict[str, str] = {}
        undecided: dict[str, dict] = {}
        for target in DATE_FIELDS:
            if target not in self.columns:
                continue
            votes = dates.date_order_votes(self._text_cells(table, self.columns[target]))
            order = dates.decide_date_order(votes)
            if order is None:
                undecided[target] = votes
            else:
                decided[target] = order
                self.formats[target] = ColumnFormat(target, self.mapping[target], order, BY_VALUES, votes)
        sibling = next((o for o in decided.values() if o != dates.YMD), None)
        for target, votes in undecided.items():
            header = self.mapping[target]
            if not votes[dates.AMBIGUOUS]:
                order, decided_by = dates.DEFAULT_DATE_ORDER.get(lang, dates.DMY), NOT_NEEDED
            elif sibling is not None:
                order, decided_by = sibling, BY_OTHER_COLUMNS
                notices.append(
                    Notice(
                        "notice.date_order_other_columns",
                        {"column": header, "order": order, "example": dates.ORDER_EXAMPLES[order]},
                    )
                )
            else:
                order, decided_by = dates.DEFAULT_DATE_ORDER.get(lang, dates.DMY), BY_DEFAULT
                notices.append(
                    Notice(
                        "notice.date_order_default",
                        {"column": header, "order": order, "example": dates.ORDER_EXAMPLES[order]},
                    )
                )
            self.formats[target] = ColumnFormat(target, header, order, decided_by, votes)
        self.date_orders = {target: fmt.detected for target, fmt in self.formats.items() if target in DATE_FIELDS}

    def read(self, row, raw, row_number, errors) -> dict:
        columns = self.columns
        values: dict = {}
        for target in TEXT_FIELDS:
            index = columns.get(target)
            text = row[index].strip() if index is not None else ""
            values[target] = text or None
        if values["title"] is None and "title" in columns:
            errors.append(RowError(row_number, "title", "title.missing", {"column": self.mapping["title"]}))

        currency = None
        if "currency" in columns:
            cell = row[columns["currency"]]
            try:
                currency = amounts.normalise_currency(cell)
            except ParseError:
                errors.append(self._error(row_number, "currency", "currency.invalid", cell))
        values["value"] = None
        if "value" in columns:
            index = columns["value"]
            native = raw[index] if raw is not None else None
            if isinstance(native, (int, float)) and not isinstance(native, bool):
                amount, cell_currency = _decimal_of_number(native), None
            else:
                try:
                    parsed = amounts.parse_amount(row[index], self.number_format)
                except ParseError as exc:
                    parsed = None
                    errors.append(
                        self._error(
                            row_number,
                            "value",
                            exc.message_key,
                            row[index],
                            example=amounts.FORMAT_EXAMPLES[self.number_format],
                        )
                    )
                amount, cell_currency = parsed if parsed is not None else (None, None)
            if amount is not None and not amount.is_finite():
                errors.append(self._error(row_number, "value", "value.too_large", row[index]))
                amount = None
            if amount is not None and amount < 0:
                errors.append(self._error(row_number, "value", "value.negative", row[index]))
            elif amount is not None and amount > MAX_VALUE:
                errors.append(self._error(row_number, "value", "value.too_large", row[index]))
            if cell_currency and currency and cell_currency != currency:
                errors.append(
                    RowError(
                        row_number,
                        "currency",
                        "currency.conflict",
                        {"value": row[index], "currency": currency, "column": self.mapping["currency"]},
                    )
                )
            currency = currency or cell_currency
            values["value"] = amount
        values["currency"] = currency or self.default_currency

        for target in DATE_FIELDS:
            values[target] = None
            index = columns.get(target)
            if index is None:
                continue
            native = raw[index] if raw is not None else None
            try:
                values[target] = self._date(row[index], native, self.date_orders[target])
            except ParseError as exc:
                order = self.date_orders[target]
                errors.append(
                    self._error(
                        row_number,
                        target,
                        exc.message_key,
                        row[index],
                        order=order,
                        example=dates.ORDER_EXAMPLES[order],
                    )
                )

        status = None
        if "status" in columns:
            cell = row[columns["status"]]
            try:
                status = normalise_status(cell)
            except ValueError as exc:
                key = "status.rejected" if str(exc) in REJECTED_STATUSES else "status.invalid"
                errors.append(self._error(row_number, "status", key, cell))
        if status is None:
            status = status_from_stage(values["stage"])
        values["status"] = status
        if status == OPEN:
            values["closed"] = None
        elif status in CLOSED_STATUSES and values["closed"] is None:
            values["closed"] = values["expected_close"]
        return values

    def _date(self, text, native, order):
        if self.is_xlsx and native is not None and not isinstance(native, str):
            as_date = dates.date_of_value(native)
            if as_date is not None:
                return as_date
            if isinstance(native, (int, float)) and not isinstance(native, bool):
                return dates.from_excel_serial(native)
        return dates.parse_date(text, order)

    def _error(self, row_number, target, key, value, **params):
        return RowError(row_number, target, key, {"column": self.mapping.get(target) or "", "value": value, **params})


def _decimal_of_number(value: int | float) -> Decimal:
    if isinstance(value, int):
        return Decimal(value)
    amount = Decimal(repr(value))
    # Spreadsheet arithmetic leaves tails like 0.30000000000000004.
    if amount.as_tuple().exponent < -6:
        amount = amount.quantize(Decimal("0.000001")).normalize()
    return amount
