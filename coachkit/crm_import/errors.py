"""Exceptions raised while reading a CRM export or its column mapping."""

from __future__ import annotations

from .messages import render


class CrmImportError(Exception):
    """Base class: carries a message key and parameters, rendered per language."""

    def __init__(self, message_key: str, params: dict | None = None):
        self.message_key = message_key
        self.params = dict(params or {})
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        return render(self.message_key, self.params, lang)


class ImportFileError(CrmImportError):
    """The file as a whole cannot be imported; nothing should be written.

    ``code`` is one of ``FILE_ERROR_CODES`` and is meant for program logic;
    ``message_key`` may be more specific (``too_large`` covers both bytes and
    rows, with keys ``file.too_large`` and ``file.too_many_rows``).
    """

    def __init__(self, code: str, message_key: str | None = None, **params):
        if code not in FILE_ERROR_CODES:
            raise ValueError(f"unknown file error code {code!r}")
        self.code = code
        super().__init__(message_key or f"file.{code}", params)


FILE_ERROR_CODES = frozenset(
    {
        "empty",  # no bytes, or only blank lines / blank cells
        "no_rows",  # a header row but no data rows below it
        "not_a_deal_list",  # a pivot summary or a table without deal columns
        "too_large",  # more than MAX_BYTES or more than MAX_ROWS
        "unreadable",  # looks like CSV or XLSX but cannot be parsed
        "binary",  # binary content, whatever the file name says
        "unsupported_format",  # a known spreadsheet format we do not read (xls, ods)
    }
)


class MappingError(CrmImportError):
    """A column mapping is invalid (unknown field, missing column, bad JSON)."""


class ParseError(ValueError):
    """A single cell cannot be read as an amount or a date.

    ``reason`` is a short code (``not_a_number``, ``bad_grouping``...) that,
    prefixed with ``amount.`` or ``date.``, is a key in ``MESSAGES``.
    """

    def __init__(self, kind: str, reason: str, value: str, detail: str):
        self.kind = kind
        self.reason = reason
        self.value = value
        super().__init__(f"{value!r}: {detail}")

    @property
    def message_key(self) -> str:
        return f"{self.kind}.{self.reason}"
