"""The iCalendar writer (coachkit/ics.py) against RFC 5545: line endings, folding, escaping, UTC times.

The checks parse the output with a small reader written here from the RFC's rules
(unfold, split name and value, unescape), not with the writer's own helpers.
"""

import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coachkit.ics import CalendarEvent
from coachkit.ics import build_ics
from coachkit.ics import escape_text
from coachkit.ics import fold
from coachkit.ics import format_duration

START = datetime(2026, 1, 15, 8, 30)
STAMP = datetime(2026, 1, 10, 12, 0, 5)


def event(**changes) -> CalendarEvent:
    values = {
        "uid": "3f2a9c@coachkit",
        "start": START,
        "duration": timedelta(minutes=45),
        "summary": "One-on-one with Anna Snelling",
        "stamp": STAMP,
        "description": "1. Open actions\n- Call the buyer, then; report back \\ done\n",
    }
    values.update(changes)
    return CalendarEvent(**values)


def unfold(text: str) -> list[str]:
    """RFC 5545 3.1: a CRLF followed by one space or tab is removed."""
    return re.sub(r"\r\n[ \t]", "", text).split("\r\n")[:-1]


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def properties(text: str) -> list[tuple[str, str]]:
    result = []
    for line in unfold(text):
        name, _, value = line.partition(":")
        result.append((name, value))
    return result


def prop(text: str, name: str) -> str:
    values = [v for n, v in properties(text) if n == name]
    assert len(values) == 1, f"{name} appears {len(values)} times"
    return values[0]


# ---------------------------------------------------------------------------- structure


def test_the_calendar_holds_one_event_with_the_required_properties():
    text = build_ics(event())
    names = [name for name, _value in properties(text)]
    assert names[0] == "BEGIN" and names[-1] == "END"
    assert [v for n, v in properties(text) if n in ("BEGIN", "END")] == ["VCALENDAR", "VEVENT", "VEVENT", "VCALENDAR"]
    for required in ("VERSION", "PRODID", "UID", "DTSTAMP", "DTSTART", "DURATION", "SUMMARY", "DESCRIPTION"):
        assert required in names
    assert prop(text, "VERSION") == "2.0"
    assert prop(text, "UID") == "3f2a9c@coachkit"


def test_every_line_ends_with_crlf_and_no_bare_newline_is_left():
    text = build_ics(event())
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert "\r" not in text.replace("\r\n", "")


def test_times_are_written_in_utc_with_a_z():
    text = build_ics(event())
    assert prop(text, "DTSTART") == "20260115T083000Z"
    assert prop(text, "DTSTAMP") == "20260110T120005Z"


def test_an_aware_start_is_converted_to_utc():
    amsterdam = datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))  # summer time, UTC+2
    assert prop(build_ics(event(start=amsterdam)), "DTSTART") == "20260701T080000Z"
    utc = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert prop(build_ics(event(start=utc)), "DTSTART") == "20260701T080000Z"


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(minutes=45), "PT45M"),
        (timedelta(minutes=90), "PT1H30M"),
        (timedelta(hours=1), "PT1H"),
        (timedelta(days=1), "P1D"),
        (timedelta(days=1, hours=2), "P1DT2H"),
        (timedelta(seconds=30), "PT30S"),
    ],
)
def test_durations_follow_the_rfc_grammar(duration, text):
    assert format_duration(duration) == text


def test_a_duration_of_zero_is_refused():
    with pytest.raises(ValueError):
        format_duration(timedelta(0))


# ---------------------------------------------------------------------------- escaping


def test_comma_semicolon_backslash_and_newlines_are_escaped_in_text():
    assert escape_text("a,b;c\\d\ne\r\nf\rg") == "a\\,b\\;c\\\\d\\ne\\nf\\ng"


def test_the_description_reads_back_as_it_was_written():
    description = "Deals: GTX Pro, MG Advanced; due 12/3\nPath C:\\temp\n– € 1.234,56"
    text = build_ics(event(description=description, summary="Één-op-één, met Anna; Q1"))
    assert unescape(prop(text, "DESCRIPTION")) == description
    assert unescape(prop(text, "SUMMARY")) == "Één-op-één, met Anna; Q1"


def test_the_description_is_left_out_when_there_is_none():
    assert "DESCRIPTION" not in [n for n, _v in properties(build_ics(event(description="")))]


# ---------------------------------------------------------------------------- folding


def test_long_lines_are_folded_at_75_octets():
    text = build_ics(event(description="word " * 100))
    physical = text.split("\r\n")[:-1]
    assert max(len(line.encode("utf-8")) for line in physical) <= 75
    assert any(line.startswith(" ") for line in physical)
    assert unescape(prop(text, "DESCRIPTION")) == "word " * 100


def test_folding_never_splits_a_multi_octet_character():
    line = "DESCRIPTION:" + "één € ✓ " * 40
    for piece in fold(line).split("\r\n"):
        assert len(piece.encode("utf-8")) <= 75
        piece.encode("utf-8").decode("utf-8")  # every piece is whole UTF-8 on its own
    assert fold(line).replace("\r\n ", "") == line


def test_a_line_of_exactly_75_octets_is_not_folded():
    line = "X" * 75
    assert fold(line) == line
    assert fold(line + "Y") == line + "\r\n Y"


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_any_text_survives_escaping_and_folding(text):
    ics = build_ics(event(description=text or "x"))
    assert all(len(line.encode("utf-8")) <= 75 for line in ics.split("\r\n"))
    assert unescape(prop(ics, "DESCRIPTION")) == (text or "x").replace("\r\n", "\n").replace("\r", "\n")
