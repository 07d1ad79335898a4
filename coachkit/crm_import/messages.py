"""Texts for file errors, row errors and notices, in English and Dutch.

Keys are stable; the web layer and the CLI show ``MESSAGES[lang][key]``
formatted with the error's parameters (see ``render``).
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        # The file as a whole
        "file.empty": "The file is empty.",
        "file.no_rows": "The file has a header row ({headers}) but no deals below it.",
        "file.not_a_deal_list": "This file does not look like a list of deals.",
        "file.not_a_deal_list.pivot": (
            "This looks like a summary (a pivot table with totals), not a list of deals. "
            "Export the deals themselves, one row per deal."
        ),
        "file.not_a_deal_list.no_deal_columns": (
            "This does not look like a list of deals: we recognise too few deal columns "
            "(such as an id, a name or a value) in {headers}."
        ),
        "file.too_large": "The file is {size_mb} MB; the limit is {limit_mb} MB.",
        "file.too_many_rows": "The file has more than {limit} rows; split it into smaller files.",
        "file.unreadable": "The file cannot be read.",
        "file.unreadable.csv": "The file cannot be read as CSV (near row {row}: {reason}).",
        "file.unreadable.xlsx": "The Excel file is damaged or cannot be read. Save it again as .xlsx or CSV.",
        "file.binary": (
            "This is not a CSV or Excel file, even though its name ends in '{suffix}'. "
            "Export the deals from your CRM as CSV or XLSX."
        ),
        "file.unsupported_format": "This file format is not supported. Use CSV or XLSX.",
        "file.unsupported_format.xls": (
            "This is an old Excel file (.xls) or a password-protected workbook. "
            "Save it as .xlsx or CSV without a password."
        ),
        "file.unsupported_format.ods": "OpenDocument spreadsheets are not supported. Save the file as .xlsx or CSV.",
        # Column mappings
        "mapping.unreadable": "The mapping file {path} cannot be read: {reason}",
        "mapping.not_an_object": ('The mapping file {path} must hold a JSON object such as {{"title": "Deal Name"}}.'),
        "mapping.unknown_field": "Unknown field(s) in the mapping: {fields}. Known fields: {known}.",
        "mapping.not_a_header": "The mapping for '{field}' must be a column name, not {value}.",
        "mapping.unknown_column": "The mapping names columns this file does not have: {columns}.",
        "mapping.key_not_mapped": "Choose a column for {fields} to tell deals apart.",
        # Rows
        "key.missing": "The key ({fields}) is empty, so this deal cannot be matched.",
        "key.duplicate": "'{key}' already appears in row {first_row}. Remove one of the two rows.",
        "row.extra_cells": (
            "This row has {count} more cell(s) than the {columns} columns of the header; check for a stray separator."
        ),
        "title.missing": "{column}: the deal has no name.",
        "amount.not_a_number": "{column}: '{value}' is not an amount.",
        "amount.bad_grouping": "{column}: '{value}' does not match the number format of this column ({example}).",
        "amount.mixed_currency": "{column}: '{value}' names two different currencies.",
        "value.negative": "{column}: '{value}' is negative; a deal value cannot be.",
        "value.too_large": "{column}: '{value}' is larger than a deal value can be (at most 999,999,999,999.99).",
        "currency.invalid": "{column}: '{value}' is not a currency code such as EUR or USD.",
        "currency.conflict": "The amount '{value}' is in a different currency than {column} ({currency}).",
        "date.not_a_date": "{column}: '{value}' is not a date.",
        "date.impossible": "{column}: '{value}' does not exist as a date.",
        "date.out_of_range": "{column}: '{value}' has an unlikely year.",
        "date.order_conflict": "{column}: '{value}' does not match the date order of this column ({example}).",
        "status.invalid": "{column}: '{value}' is not a status; use open, won or lost.",
        "status.rejected": "{column}: deals marked '{value}' cannot be imported; remove this row.",
        # Notices about the whole file
        "notice.composite_key": (
            "The file has no id column, so deals are matched on {fields}. "
            "Changing one of these in your CRM makes the deal look new on the next import."
        ),
        "notice.total_rows_skipped": "Total rows skipped: row(s) {rows}.",
        "notice.foreign_currency": (
            "{count} deal(s) are in {currencies}, not {default}. They keep their own currency and are not converted."
        ),
        "notice.number_format_file": (
            "{column}: numbers like 1.234 could be read two ways; following the file's separator, "
            "they are read as {example}."
        ),
        "notice.number_format_default": (
            "{column}: numbers like 1.234 could be read two ways; they are read as {example}. Check the preview."
        ),
        "notice.date_order_other_columns": (
            "{column}: no date decides between day and month first; read like the other date columns ({example})."
        ),
        "notice.date_order_default": (
            "{column}: no date decides between day and month first; read as {example}. Check the preview."
        ),
    },
    "nl": {
        "file.empty": "Het bestand is leeg.",
        "file.no_rows": "Het bestand heeft een kopregel ({headers}) maar geen deals daaronder.",
        "file.not_a_deal_list": "Dit bestand lijkt geen lijst met deals.",
        "file.not_a_deal_list.pivot": (
            "Dit lijkt een overzicht (een draaitabel met totalen), geen lijst met deals. "
            "Exporteer de deals zelf, één rij per deal."
        ),
        "file.not_a_deal_list.no_deal_columns": (
            "Dit lijkt geen lijst met deals: we herkennen te weinig dealkolommen "
            "(zoals een id, een naam of een waarde) in {headers}."
        ),
        "file.too_large": "Het bestand is {size_mb} MB; de grens is {limit_mb} MB.",
        "file.too_many_rows": "Het bestand heeft meer dan {limit} rijen; splits het in kleinere bestanden.",
        "file.unreadable": "Het bestand kan niet gelezen worden.",
        "file.unreadable.csv": "Het bestand kan niet als CSV gelezen worden (bij rij {row}: {reason}).",
        "file.unreadable.xlsx": "Het Excel-bestand is beschadigd of onleesbaar. Sla het opnieuw op als .xlsx of CSV.",
        "file.binary": (
            "Dit is geen CSV- of Excel-bestand, ook al eindigt de naam op '{suffix}'. "
            "Exporteer de deals uit je CRM als CSV of XLSX."
        ),
        "file.unsupported_format": "Dit bestandsformaat wordt niet ondersteund. Gebruik CSV of XLSX.",
        "file.unsupported_format.xls": (
            "Dit is een oud Excel-bestand (.xls) of een werkmap met wachtwoord. "
            "Sla het op als .xlsx of CSV zonder wachtwoord."
        ),
        "file.unsupported_format.ods": (
            "OpenDocument-rekenbladen worden niet ondersteund. Sla het bestand op als .xlsx of CSV."
        ),
        "mapping.unreadable": "Het koppelingsbestand {path} kan niet gelezen worden: {reason}",
        "mapping.not_an_object": (
            'Het koppelingsbestand {path} moet een JSON-object bevatten, zoals {{"title": "Dealnaam"}}.'
        ),
        "mapping.unknown_field": "Onbekende velden in de koppeling: {fields}. Bekende velden: {known}.",
        "mapping.not_a_header": "De koppeling voor '{field}' moet een kolomnaam zijn, niet {value}.",
        "mapping.unknown_column": "De koppeling noemt kolommen die niet in dit bestand staan: {columns}.",
        "mapping.key_not_mapped": "Kies een kolom voor {fields} om deals uit elkaar te houden.",
        "key.missing": "De sleutel ({fields}) is leeg, dus deze deal kan niet gekoppeld worden.",
        "key.duplicate": "'{key}' staat ook al in rij {first_row}. Haal een van de twee rijen weg.",
        "row.extra_cells": (
            "Deze rij heeft {count} cel(len) meer dan de {columns} kolommen van de kopregel; "
            "kijk of er een los scheidingsteken in staat."
        ),
        "title.missing": "{column}: de deal heeft geen naam.",
        "amount.not_a_number": "{column}: '{value}' is geen bedrag.",
        "amount.bad_grouping": "{column}: '{value}' past niet bij de getalnotatie van deze kolom ({example}).",
        "amount.mixed_currency": "{column}: in '{value}' staan twee verschillende valuta.",
        "value.negative": "{column}: '{value}' is negatief; een dealwaarde kan dat niet zijn.",
        "value.too_large": "{column}: '{value}' is groter dan een dealwaarde kan zijn (hoogstens 999.999.999.999,99).",
        "currency.invalid": "{column}: '{value}' is geen valutacode zoals EUR of USD.",
        "currency.conflict": "Het bedrag '{value}' staat in een andere valuta dan {column} ({currency}).",
        "date.not_a_date": "{column}: '{value}' is geen datum.",
        "date.impossible": "{column}: '{value}' bestaat niet als datum.",
        "date.out_of_range": "{column}: '{value}' heeft een onwaarschijnlijk jaartal.",
        "date.order_conflict": "{column}: '{value}' past niet bij de datumvolgorde van deze kolom ({example}).",
        "status.invalid": "{column}: '{value}' is geen status; gebruik open, gewonnen of verloren.",
        "status.rejected": "{column}: deals met '{value}' kun je niet importeren; haal deze rij weg.",
        "notice.composite_key": (
            "Het bestand heeft geen id-kolom, dus deals worden gekoppeld op {fields}. "
            "Pas je een daarvan aan in je CRM, dan lijkt de deal bij de volgende import nieuw."
        ),
        "notice.total_rows_skipped": "Totaalrijen overgeslagen: rij(en) {rows}.",
        "notice.foreign_currency": (
            "{count} deal(s) staan in {currencies}, niet in {default}. Ze houden hun eigen valuta "
            "en worden niet omgerekend."
        ),
        "notice.number_format_file": (
            "{column}: getallen als 1.234 kun je op twee manieren lezen; volgens het scheidingsteken "
            "van het bestand lezen we ze als {example}."
        ),
        "notice.number_format_default": (
            "{column}: getallen als 1.234 kun je op twee manieren lezen; we lezen ze als {example}. "
            "Controleer de voorvertoning."
        ),
        "notice.date_order_other_columns": (
            "{column}: geen enkele datum beslist of de dag of de maand voorop staat; "
            "gelezen zoals de andere datumkolommen ({example})."
        ),
        "notice.date_order_default": (
            "{column}: geen enkele datum beslist of de dag of de maand voorop staat; gelezen als {example}. "
            "Controleer de voorvertoning."
        ),
    },
}

DEFAULT_LANG = "en"


class _KeepMissing(dict):
    def __missing__(self, name):
        return "{" + name + "}"


def render(key: str, params: dict | None = None, lang: str = DEFAULT_LANG) -> str:
    """The text for ``key`` in ``lang`` (English when missing), with ``params`` filled in."""
    template = MESSAGES.get(lang, {}).get(key) or MESSAGES[DEFAULT_LANG].get(key) or key
    return template.format_map(_KeepMissing(params or {}))
