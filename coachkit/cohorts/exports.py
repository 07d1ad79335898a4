"""CSV and XLSX exports of a session, safe to open in a spreadsheet.

Two layouts: *wide* (one row per participant: status, scores, levels, every answer) and
*long* (one row per participant and statement). Every text cell goes through
:func:`neutralise_cell`; numbers and dates are written as numbers and dates.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from assessments.comparison import BLIND_SPOT
from assessments.comparison import HIDDEN_STRENGTH
from assessments.instruments import Instrument
from coachkit import cohort_services
from coachkit.cohort_services import IN_PROGRESS
from coachkit.cohort_services import SUBMITTED
from coachkit.cohort_services import Participant
from coachkit.models import Cohort

# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and
# carriage return, may shift it into one).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """Make a value safe for a spreadsheet cell.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    apostrophe, so a spreadsheet shows it as text instead of running it as a formula.
    Everything else, numbers (also negative ones) and dates included, comes back unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def status_label(state: str) -> str:
    if state == SUBMITTED:
        return _("Submitted")
    if state == IN_PROGRESS:
        return _("In progress")
    return _("Not started")


def mark_label(kind: str | None) -> str:
    if kind == BLIND_SPOT:
        return _("blind spot")
    if kind == HIDDEN_STRENGTH:
        return _("hidden strength")
    return ""


def _area_value(result, area_id: str, attribute: str):
    if result is None:
        return None
    return getattr(result.area(area_id), attribute)


def wide_table(instrument: Instrument, people: Sequence[Participant], lang: str) -> tuple[list[str], list[list]]:
    """One row per participant: status, self and observer scores and levels, then every answer.

    Answers are the values as given on the 1-5 scale (not reversed for reverse-keyed
    statements). Self data is filled in once the self-assessment is submitted.
    """
    areas = instrument.areas
    statements = [s for area in areas for s in area.statements]
    headers = [_("Participant"), _("Email"), _("Status"), _("Submitted on")]
    for area in areas:
        title = area.title.get(lang)
        headers += [_("%(area)s: score (self)", area=title), _("%(area)s: level (self)", area=title)]
    headers.append(_("Overall level (self)"))
    for area in areas:
        title = area.title.get(lang)
        headers += [_("%(area)s: score (observer)", area=title), _("%(area)s: level (observer)", area=title)]
    headers.append(_("Overall level (observer)"))
    headers += [_("%(statement)s (self)", statement=s.id) for s in statements]
    headers += [_("%(statement)s (observer)", statement=s.id) for s in statements]

    rows = []
    for p in people:
        row = [p.name, p.email, status_label(p.state), p.submitted_at.date() if p.submitted_at else None]
        for area in areas:
            row += [_area_value(p.result, area.id, "score"), _area_value(p.result, area.id, "level")]
        row.append(p.result.overall_level if p.result else None)
        for area in areas:
            row += [
                _area_value(p.observer_result, area.id, "score"),
                _area_value(p.observer_result, area.id, "level"),
            ]
        row.append(p.observer_result.overall_level if p.observer_result else None)
        row += [p.answers.get(s.id) for s in statements]
        row += [p.observer.get(s.id) for s in statements]
        rows.append(row)
    return headers, rows


def long_table(instrument: Instrument, people: Sequence[Participant], lang: str) -> tuple[list[str], list[list]]:
    """One row per participant and statement: answers as given, keyed values, gap and mark."""
    headers = [
        _("Participant"),
        _("Email"),
        _("Area"),
        _("Statement id"),
        _("Statement"),
        _("Reverse-keyed"),
        _("Self answer"),
        _("Self (keyed)"),
        _("Observer answer"),
        _("Observer (keyed)"),
        _("Gap (self − observer)"),
        _("Mark"),
    ]
    yes, no = _("yes"), _("no")
    rows = []
    for p in people:
        gaps = {g.statement_id: g for g in p.comparison.items} if p.comparison else {}
        for area in instrument.areas:
            title = area.title.get(lang)
            for s in area.statements:
                own = p.answers.get(s.id)
                seen = p.observer.get(s.id)
                gap = gaps.get(s.id)
                rows.append(
                    [
                        p.name,
                        p.email,
                        title,
                        s.id,
                        s.text.get(lang),
                        yes if s.reverse else no,
                        own,
                        (6 - own if s.reverse else own) if own is not None else None,
                        seen,
                        (6 - seen if s.reverse else seen) if seen is not None else None,
                        gap.gap if gap else None,
                        (mark_label(gap.kind) or None) if gap else None,
                    ]
                )
    return headers, rows


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(neutralise_cell(value))


def to_csv(headers: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    """Comma-separated UTF-8 with a byte-order mark (so Excel reads the accents), decimal point."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_value(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(headers: Sequence[str], rows: Sequence[Sequence], sheet_title: str) -> bytes:
    """One sheet with a bold, frozen header row; numbers as numbers, dates as dates."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(sheet_title))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for title in headers:
        cell = WriteOnlyCell(sheet, value=neutralise_cell(title))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str):
                # Control characters cannot be stored in an XLSX file at all.
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = WriteOnlyCell(sheet, value=neutralise_cell(value))
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    # Excel forbids these characters in sheet names and allows at most 31 characters.
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'") or "Sheet"
    return cleaned[:31]


def export_file(cohort: Cohort, layout: str, fmt: str, lang: str) -> bytes:
    """The session's participants (joined, not left) as a ``wide`` or ``long`` ``csv`` or ``xlsx`` file.

    :param lang: language of the headers, labels and statement texts.
    """
    instrument = cohort_services.instrument_of(cohort)
    people = cohort_services.participants(cohort)
    with force_locale(lang):
        table = wide_table if layout == "wide" else long_table
        headers, rows = table(instrument, people, lang)
        if fmt == "csv":
            return to_csv(headers, rows)
        sheet = _("Participants") if layout == "wide" else _("Answers")
        return to_xlsx(headers, rows, sheet)
