"""Deal status (open, won, lost) from a status column or a stage name."""

from __future__ import annotations

from .mapping import normalise_header

OPEN = "open"
WON = "won"
LOST = "lost"
STATUSES = (OPEN, WON, LOST)
CLOSED_STATUSES = (WON, LOST)

# Values of an explicit status column, normalised like headers.
_STATUS_WORDS = {
    OPEN: {
        "open",
        "opened",
        "active",
        "in progress",
        "pending",
        "lopend",
        "actief",
        "in behandeling",
        "openstaand",
    },
    WON: {
        "won",
        "closed won",
        "closedwon",
        "win",
        "gewonnen",
        "gesloten gewonnen",
        "deal won",
    },
    LOST: {
        "lost",
        "closed lost",
        "closedlost",
        "loss",
        "verloren",
        "gesloten verloren",
        "deal lost",
        "afgewezen",
    },
}
_STATUS_OF_WORD = {word: status for status, words in _STATUS_WORDS.items() for word in words}

# Stage names that close a deal. Every other stage means the deal is open.
_WON_STAGES = {
    "won",
    "closed won",
    "closedwon",
    "deal won",
    "won deal",
    "gewonnen",
    "gesloten gewonnen",
    "deal gewonnen",
}
_LOST_STAGES = {
    "lost",
    "closed lost",
    "closedlost",
    "deal lost",
    "lost deal",
    "verloren",
    "gesloten verloren",
    "deal verloren",
    "afgewezen",
}

# Statuses some CRMs export that do not describe a deal we can import.
REJECTED_STATUSES = {"deleted", "verwijderd", "archived", "gearchiveerd"}


def normalise_status(text: str | None) -> str | None:
    """An explicit status cell as ``open``/``won``/``lost``; None when blank.

    Raises ``ValueError`` for a value we do not know (including Pipedrive's
    ``deleted``), so the row is reported rather than guessed.
    """
    key = normalise_header(text)
    if not key:
        return None
    status = _STATUS_OF_WORD.get(key)
    if status is None:
        raise ValueError(key)
    return status


def status_from_stage(stage: str | None) -> str:
    """``Closed Won``/``Gewonnen`` → won, ``Closed Lost``/``Verloren`` → lost, else open."""
    key = normalise_header(stage)
    if key in _WON_STAGES or key.startswith("closed won"):
        return WON
    if key in _LOST_STAGES or key.startswith("closed lost"):
        return LOST
    return OPEN
