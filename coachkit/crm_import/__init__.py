"""Reading CRM deal exports (CSV and XLSX) into checked, typed deals.

Pure Python (standard library and openpyxl): no web framework and no
database. The flow is::

    table = read_table(data, filename)          # ImportFileError if hopeless
    mapping = suggest_mapping(table.headers)    # or load_mapping(path)
    result = analyse(table, mapping, default_currency="EUR", lang="nl")
    result.deals, result.errors, result.notices

Matching the deals against the database (create, update, unchanged) and
applying them is the caller's job.
"""

from .amounts import COMMA_DECIMAL
from .amounts import DOT_DECIMAL
from .amounts import detect_number_format
from .amounts import normalise_currency
from .amounts import parse_amount
from .analysis import COMPOSITE_KEY
from .analysis import Analysis
from .analysis import ColumnFormat
from .analysis import Notice
from .analysis import ParsedDeal
from .analysis import RowError
from .analysis import analyse
from .dates import DMY
from .dates import MDY
from .dates import YMD
from .dates import detect_date_order
from .dates import parse_date
from .errors import FILE_ERROR_CODES
from .errors import CrmImportError
from .errors import ImportFileError
from .errors import MappingError
from .errors import ParseError
from .mapping import TARGET_FIELDS
from .mapping import load_mapping
from .mapping import normalise_header
from .mapping import suggest_mapping
from .messages import MESSAGES
from .reading import MAX_BYTES
from .reading import MAX_ROWS
from .reading import RawTable
from .reading import read_table
from .status import normalise_status
from .status import status_from_stage

__all__ = [
    "COMMA_DECIMAL",
    "COMPOSITE_KEY",
    "DMY",
    "DOT_DECIMAL",
    "FILE_ERROR_CODES",
    "MAX_BYTES",
    "MAX_ROWS",
    "MDY",
    "MESSAGES",
    "TARGET_FIELDS",
    "YMD",
    "Analysis",
    "ColumnFormat",
    "CrmImportError",
    "ImportFileError",
    "MappingError",
    "Notice",
    "ParseError",
    "ParsedDeal",
    "RawTable",
    "RowError",
    "analyse",
    "detect_date_order",
    "detect_number_format",
    "load_mapping",
    "normalise_currency",
    "normalise_header",
    "normalise_status",
    "parse_amount",
    "parse_date",
    "read_table",
    "status_from_stage",
    "suggest_mapping",
]
