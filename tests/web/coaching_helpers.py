"""Helpers for the one-on-one tests: reps, deals with chosen answers, the shared sample, agenda rows read afresh."""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from assessments.deal_instrument import get_deal_instrument
from coachkit import deal_services as ds
from coachkit.extensions import db
from coachkit.models import ActionItem
from coachkit.models import AgendaItem
from coachkit.models import Deal
from coachkit.models import Meeting
from coachkit.models import Rep
from coachkit.models import User

ROOT = Path(__file__).resolve().parents[2]
INSTRUMENT = get_deal_instrument()
TODAY = date.today()


def answers(profile: str) -> dict[str, str]:
    """Analysis answers that give one flag each (checked against the flags in the tests that use them).

    - ``strong``: everything yes, no flag;
    - ``walk_away``: everything yes but one knock-out (can we meet the must-haves?) no;
    - ``needs_help``: knock-outs and timing yes, the other qualification questions unknown;
    - ``timing_risk``: qualification yes, every timing question no.
    """
    result = {}
    for q in INSTRUMENT.questions:
        if profile == "strong":
            result[q.id] = "yes"
        elif profile == "walk_away":
            result[q.id] = "no" if q.id == "cmp-must-haves-met" else "yes"
        elif profile == "needs_help":
            result[q.id] = "yes" if q.knockout or q.is_timing else "unknown"
        elif profile == "timing_risk":
            result[q.id] = "no" if q.is_timing else "yes"
        else:
            raise ValueError(profile)
    return result


def coaching_text(question_id: str, lang: str = "en") -> str:
    return INSTRUMENT.question(question_id).coaching.get(lang)


def make_rep(manager: User, name: str = "Rosa Rep") -> Rep:
    return ds.add_rep(manager, name)


def make_deal(
    manager: User,
    rep: Rep,
    title: str,
    value: str | None = "10000",
    close_in: int | None = 40,
    profile: str | None = None,
    account: str | None = None,
) -> Deal:
    deal = ds.create_deal(
        manager,
        title=title,
        account=account,
        rep_id=rep.id,
        value=None if value is None else Decimal(value),
        currency="EUR",
        expected_close=None if close_in is None else TODAY + timedelta(days=close_in),
    )
    if profile:
        ds.analyse_deal(deal, answers(profile), {}, manager)
    return deal


def at(days: int, hour: int = 9) -> datetime:
    """A naive UTC start ``days`` from today at ``hour``:00."""
    return datetime.combine(TODAY + timedelta(days=days), time(hour, 0))


def items(meeting_id: int, part: int | None = None, removed: bool | None = False) -> list[AgendaItem]:
    """The meeting's agenda items read afresh, in agenda order."""
    db.session.expire_all()
    stmt = sa.select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
    if part is not None:
        stmt = stmt.where(AgendaItem.part == part)
    if removed is not None:
        stmt = stmt.where(AgendaItem.removed.is_(removed))
    return list(db.session.scalars(stmt.order_by(AgendaItem.part, AgendaItem.position, AgendaItem.id)))


def deal_ids(meeting_id: int) -> list[int]:
    return [i.deal_id for i in items(meeting_id, part=2)]


def action_ids(meeting_id: int) -> list[int]:
    return [i.action_item_id for i in items(meeting_id, part=1)]


def meetings_of(manager: User, rep: Rep) -> list[Meeting]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .where(Meeting.manager_id == manager.id, Meeting.rep_id == rep.id)
            .order_by(Meeting.scheduled_at, Meeting.id)
        )
    )


def action(action_id: int) -> ActionItem:
    db.session.expire_all()
    return db.session.get(ActionItem, action_id)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def pdf_pages(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]


def squash(text: str) -> str:
    """Text without any whitespace: PDF extraction breaks lines wherever the layout does."""
    return re.sub(r"\s+", "", text)


# The shared CRM sample ---------------------------------------------------------------------

SAMPLE_MANAGER = "Dustin Brinkmann"


def sample_dir() -> Path:
    return Path(os.environ.get("COACHKIT_SAMPLE_DIR") or ROOT.parent / "shared" / "data" / "crm-sample")


def _sample_rows(name: str) -> list[dict[str, str]]:
    path = sample_dir() / name
    if not path.is_file():
        pytest.fail(
            f"The shared CRM sample is missing: {path} does not exist. "
            "Set COACHKIT_SAMPLE_DIR to the folder holding sales_pipeline.csv and sales_teams.csv."
        )
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@lru_cache
def sample_team() -> tuple[str, ...]:
    """The reps of one of the sample's managers, from sales_teams.csv."""
    return tuple(row["sales_agent"] for row in _sample_rows("sales_teams.csv") if row["manager"] == SAMPLE_MANAGER)


@lru_cache
def sample_team_file() -> bytes:
    """The sample's pipeline rows of that team, as a CRM export of its own (header as in the sample)."""
    rows = [row for row in _sample_rows("sales_pipeline.csv") if row["sales_agent"] in sample_team()]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@lru_cache
def sample_open_deals(agent: str) -> tuple[str, ...]:
    """External ids of an agent's open deals (Prospecting, Engaging), in file order."""
    return tuple(
        row["opportunity_id"]
        for row in _sample_rows("sales_pipeline.csv")
        if row["sales_agent"] == agent and row["deal_stage"] not in ("Won", "Lost")
    )


def import_sample_team(manager: User) -> None:
    _table, analysis = ds.read_deal_file(sample_team_file(), "sample-team.csv", currency="EUR")
    plan = ds.apply_import(manager, analysis, create_reps=True)
    assert plan.importable, plan.summary()


def sample_deal(manager: User, external_id: str) -> Deal:
    return db.session.scalar(sa.select(Deal).where(Deal.manager_id == manager.id, Deal.external_id == external_id))
