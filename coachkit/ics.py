"""A minimal iCalendar (RFC 5545) writer for one event: pure functions, no Flask.

RFC 5545 rules applied here: lines end with CRLF; a content line longer than 75
octets is folded by a CRLF followed by one space (never inside a UTF-8
character); TEXT values escape backslash, semicolon, comma and newlines
(section 3.3.11); DTSTAMP and DTSTART are written in UTC with a trailing "Z".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta

PRODID = "-//CoachKit//One-on-one agendas//EN"
CRLF = "\r\n"
# Octets per line, excluding the CRLF (RFC 5545, 3.1).
MAX_OCTETS = 75


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    start: datetime  # naive datetimes are taken as UTC
    duration: timedelta
    summary: str
    stamp: datetime  # when this file was made (DTSTAMP)
    description: str = ""
    status: str = "CONFIRMED"


def escape_text(value: str) -> str:
    """Escape a TEXT value: ``\\`` ``;`` ``,`` and newlines (CRLF, CR or LF become ``\\n``)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold one content line into pieces of at most 75 octets, joined by CRLF and a space.

    The space that starts a continuation counts towards its 75 octets, and a
    multi-octet UTF-8 character is never split.
    """
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, MAX_OCTETS - 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return (CRLF + " ").join(pieces)


def utc_stamp(moment: datetime) -> str:
    """``20260115T083000Z``: the moment in UTC (a naive datetime is taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def format_duration(duration: timedelta) -> str:
    """An RFC 5545 DURATION such as ``PT45M``, ``PT1H30M`` or ``P1DT2H``; whole seconds only.

    :raise ValueError: for a negative or zero duration.
    """
    seconds = int(duration.total_seconds())
    if seconds <= 0:
        raise ValueError("a meeting lasts longer than zero seconds")
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "P"
    if days:
        text += f"{days}D"
    if hours or minutes or seconds:
        text += "T"
        if hours:
            text += f"{hours}H"
        if minutes:
            text += f"{minutes}M"
        if seconds:
            text += f"{seconds}S"
    return text


def build_ics(event: CalendarEvent, prodid: str = PRODID) -> str:
    """A VCALENDAR with one VEVENT, as text with CRLF line endings (ending in CRLF)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{prodid}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{utc_stamp(event.stamp)}",
        f"DTSTART:{utc_stamp(event.start)}",
        f"DURATION:{format_duration(event.duration)}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    lines += [f"STATUS:{event.status}", "END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + CRLF for line in lines)
