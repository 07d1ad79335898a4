"""Which column of an export feeds which deal field.

Header names are compared after normalisation (``normalise_header``): case,
accents, punctuation, underscores and a leading byte-order mark do not
matter, so ``Deal - Expected close date``, ``deal_expected_close_date`` and
``DEAL EXPECTED CLOSE DATE`` are the same header. Text in brackets is tried
without the brackets as a second chance (``Bedrag (€)`` → ``bedrag``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from collections.abc import Mapping
from functools import lru_cache
from os import PathLike
from pathlib import Path

from .errors import MappingError

TARGET_FIELDS = (
    "external_id",
    "title",
    "account",
    "owner",
    "value",
    "currency",
    "stage",
    "status",
    "created",
    "expected_close",
    "closed",
    "notes",
)

DATE_FIELDS = ("created", "expected_close", "closed")

# Known header names per field, best match first. A header is used for one
# field only; fields are filled in the order of TARGET_FIELDS.
#
# "Close Date" (Salesforce, HubSpot, the Maven sample) is the expected close
# date while a deal is open and the actual one once it is closed; it maps to
# expected_close, and ``analyse`` copies it to ``closed`` for closed deals.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": (
        "opportunity id",
        "opportunity_id",
        "record id",
        "deal id",
        "deal - id",
        "hs object id",
        "external id",
        "id",
        "crm id",
        "dealnummer",
        "deal nummer",
        "referentie",
        "kans id",
        "verkoopkans id",
        "nummer",
        "nr",
    ),
    "title": (
        "opportunity name",
        "deal name",
        "deal - title",
        "deal title",
        "opportunity",
        "titel",
        "title",
        "deal",
        "dealnaam",
        "naam deal",
        "deal naam",
        "onderwerp",
        "verkoopkans",
        "omschrijving deal",
        "name",
        "naam",
        "product",
    ),
    "account": (
        "account name",
        "account",
        "associated company",
        "associated company primary",
        "company",
        "company name",
        "deal - organization",
        "deal organization",
        "organization",
        "organisation",
        "customer",
        "client",
        "klant",
        "klantnaam",
        "bedrijf",
        "bedrijfsnaam",
        "organisatie",
        "relatie",
        "partner",
    ),
    "owner": (
        "opportunity owner",
        "deal owner",
        "deal - owner",
        "owner",
        "owner name",
        "salesperson",
        "sales person",
        "sales rep",
        "sales representative",
        "rep",
        "sales agent",
        "sales_agent",
        "account manager",
        "account owner",
        "user",
        "verkoper",
        "verantwoordelijke",
        "eigenaar",
        "accountmanager",
        "vertegenwoordiger",
        "medewerker",
    ),
    "value": (
        "amount",
        "deal - value",
        "deal value",
        "value",
        "close value",
        "close_value",
        "opportunity amount",
        "total amount",
        "waarde",
        "bedrag",
        "dealwaarde",
        "deal waarde",
        "omzet",
        "verwachte omzet",
        "expected revenue",
        "revenue",
    ),
    "currency": (
        "currency",
        "deal - currency",
        "deal currency",
        "opportunity currency",
        "amount currency",
        "currency code",
        "deal currency code",
        "valuta",
        "munteenheid",
    ),
    "stage": (
        "stage",
        "deal stage",
        "deal - stage",
        "deal_stage",
        "opportunity stage",
        "pipeline stage",
        "fase",
        "dealfase",
        "deal fase",
        "stadium",
    ),
    "status": (
        "status",
        "deal - status",
        "deal status",
        "opportunity status",
        "resultaat",
    ),
    "created": (
        "created date",
        "create date",
        "deal - deal created",
        "deal created",
        "deal - add time",
        "deal add time",
        "created on",
        "created",
        "creation date",
        "date created",
        "engage date",
        "engage_date",
        "start date",
        "aangemaakt op",
        "aanmaakdatum",
        "datum aangemaakt",
        "gemaakt op",
        "startdatum",
        "begindatum",
        "aangemaakt",
    ),
    "expected_close": (
        "deal - expected close date",
        "expected close date",
        "expected close",
        "expected closing",
        "expected closing date",
        "expected close_date",
        "verwachte sluitingsdatum",
        "verwachte sluitdatum",
        "verwachte afsluiting",
        "verwachte afsluitdatum",
        "verwachte einddatum",
        "close date",
        "close_date",
        "sluitdatum",
        "sluitingsdatum",
        "deadline",
    ),
    "closed": (
        "closed date",
        "closed on",
        "date closed",
        "close time",
        "deal - close time",
        "deal - deal closed on",
        "deal closed on",
        "actual close date",
        "won date",
        "deal - won time",
        "deal won time",
        "lost date",
        "deal - lost time",
        "deal lost time",
        "gesloten op",
        "afgesloten op",
        "datum gesloten",
        "datum afgesloten",
        "gewonnen op",
        "verloren op",
        "afsluitdatum",
        # Only reached when an expected close date column took the field above.
        "close date",
        "sluitdatum",
        "sluitingsdatum",
    ),
    "notes": (
        "notes",
        "note",
        "description",
        "opportunity description",
        "deal description",
        "internal notes",
        "comments",
        "comment",
        "next step",
        "notities",
        "notitie",
        "opmerkingen",
        "opmerking",
        "omschrijving",
        "beschrijving",
        "toelichting",
    ),
}

_PUNCTUATION_RE = re.compile(r"[^0-9a-z]+")
_BRACKETS_RE = re.compile(r"[(\[][^)\]]*[)\]]")


@lru_cache(maxsize=4096)
def normalise_header(text: str | None) -> str:
    """``' Deal - Expected Close Date '`` → ``'deal expected close date'``."""
    if not text:
        return ""
    s = str(text).replace("\ufeff", "")
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    return _PUNCTUATION_RE.sub(" ", s).strip()


def _header_keys(text: str) -> tuple[str, ...]:
    full = normalise_header(text)
    bare = normalise_header(_BRACKETS_RE.sub(" ", str(text)))
    return (full, bare) if bare and bare != full else (full,)


_ALIAS_KEYS = {
    target: tuple(dict.fromkeys(normalise_header(alias) for alias in aliases))
    for target, aliases in HEADER_ALIASES.items()
}


def suggest_mapping(headers: Iterable[str]) -> dict[str, str | None]:
    """Map each target field to the header that best matches it, or None.

    Exact (normalised) header matches come first; a header with text in
    brackets is then tried without it. Each header feeds one field at most.
    """
    headers = [h for h in headers if h is not None]
    exact: dict[str, str] = {}
    loose: dict[str, str] = {}
    for header in headers:
        keys = _header_keys(header)
        exact.setdefault(keys[0], header)
        for key in keys[1:]:
            loose.setdefault(key, header)

    mapping: dict[str, str | None] = {}
    used: set[str] = set()
    for lookup in (exact, loose):
        for target in TARGET_FIELDS:
            if mapping.get(target):
                continue
            mapping[target] = None
            for alias in _ALIAS_KEYS[target]:
                header = lookup.get(alias)
                if header is not None and header not in used:
                    mapping[target] = header
                    used.add(header)
                    break
    return mapping


def recognised_fields(mapping: Mapping[str, str | None]) -> set[str]:
    return {target for target, header in mapping.items() if header}


def load_mapping(path_or_dict: str | PathLike | Mapping) -> dict[str, str | None]:
    """Read and check a mapping such as ``{"external_id": "Opportunity ID", ...}``.

    Accepts a dict or the path of a JSON file holding one. Keys must be target
    fields; values are header names, or null/"" to leave a field unmapped.
    Returns every target field, unmapped ones as None. Raises
    ``MappingError`` for unreadable JSON, unknown fields and non-text values.
    """
    if isinstance(path_or_dict, Mapping):
        raw = path_or_dict
    else:
        path = Path(path_or_dict)
        try:
            raw = json.loads(path.read_text(encoding="utf-8-sig"))
        except OSError as exc:
            raise MappingError("mapping.unreadable", {"path": str(path), "reason": exc.strerror or str(exc)}) from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise MappingError("mapping.unreadable", {"path": str(path), "reason": str(exc)}) from exc
        if not isinstance(raw, dict):
            raise MappingError("mapping.not_an_object", {"path": str(path)})

    unknown = sorted(str(key) for key in raw if key not in TARGET_FIELDS)
    if unknown:
        raise MappingError(
            "mapping.unknown_field",
            {"fields": ", ".join(unknown), "known": ", ".join(TARGET_FIELDS)},
        )
    mapping: dict[str, str | None] = dict.fromkeys(TARGET_FIELDS)
    for target, header in raw.items():
        if header is None:
            continue
        if not isinstance(header, str):
            raise MappingError("mapping.not_a_header", {"field": target, "value": repr(header)})
        mapping[target] = header.strip() or None
    return mapping


def resolve_columns(mapping: Mapping[str, str | None], headers: list[str]) -> dict[str, int]:
    """Column index per mapped field; a header may be matched after normalisation.

    Raises ``MappingError`` naming the fields whose header is not in the file.
    """
    exact = {}
    normalised = {}
    for index, header in enumerate(headers):
        exact.setdefault(header, index)
        normalised.setdefault(normalise_header(header), index)
    columns = {}
    missing = []
    for target in TARGET_FIELDS:
        header = mapping.get(target)
        if not header:
            continue
        index = exact.get(header)
        if index is None:
            index = normalised.get(normalise_header(header))
        if index is None:
            missing.append(f"{target} → {header}")
        else:
            columns[target] = index
    unknown = sorted(set(mapping) - set(TARGET_FIELDS))
    if unknown:
        raise MappingError(
            "mapping.unknown_field",
            {"fields": ", ".join(unknown), "known": ", ".join(TARGET_FIELDS)},
        )
    if missing:
        raise MappingError("mapping.unknown_column", {"columns": "; ".join(missing)})
    return columns
