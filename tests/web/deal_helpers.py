"""Helpers for the deal-analysis web tests: files to upload, the shared sample, rows read afresh.

Expected figures are worked out here from the files and the documented rules, not
through the app's import or scoring code.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from coachkit.extensions import db
from coachkit.models import CloseDateChange
from coachkit.models import Deal
from coachkit.models import DealAnalysis
from coachkit.models import ImportUpload
from coachkit.models import Rep
from coachkit.models import User
from tests.web.helpers import location_path
from tests.web.helpers import page_text
from tests.web.helpers import parse
from tests.web.helpers import text

ROOT = Path(__file__).resolve().parents[2]


# The shared CRM sample ---------------------------------------------------------------------


def sample_dir() -> Path:
    return Path(os.environ.get("COACHKIT_SAMPLE_DIR") or ROOT.parent / "shared" / "data" / "crm-sample")


def sample_file(name: str) -> Path:
    """A file of the shared sample; the test fails (not skips) when it is missing."""
    path = sample_dir() / name
    if not path.is_file():
        pytest.fail(
            f"The shared CRM sample is missing: {path} does not exist. "
            "Set COACHKIT_SAMPLE_DIR to the folder holding sales_pipeline.csv and sales_teams.csv."
        )
    return path


def sample_pipeline_facts() -> dict:
    """Counts of the sample's pipeline, read with the csv module."""
    with sample_file("sales_pipeline.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    stages = Counter(row["deal_stage"] for row in rows)
    return {
        "rows": len(rows),
        "won": stages["Won"],
        "lost": stages["Lost"],
        "open": sum(n for stage, n in stages.items() if stage not in ("Won", "Lost")),
        "agents": {row["sales_agent"] for row in rows},
        "ids": {row["opportunity_id"] for row in rows},
        "open_value_rows": [row for row in rows if row["deal_stage"] not in ("Won", "Lost")],
    }


def sample_team_facts() -> dict:
    with sample_file("sales_teams.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    managers: dict[str, set[str]] = {}
    for row in rows:
        managers.setdefault(row["manager"], set()).add(row["sales_agent"])
    return {"rows": len(rows), "managers": managers, "reps": {row["sales_agent"] for row in rows}}


# Files -------------------------------------------------------------------------------------


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (codecs.BOM_UTF8 + data) if bom else data


DEAL_HEADER = ["Deal ID", "Deal Name", "Account", "Owner", "Amount", "Stage", "Created", "Close Date"]


def deal_rows(*rows: tuple) -> list[list[str]]:
    """A header plus rows of (id, title, account, owner, amount, stage, created, close) as text."""
    return [DEAL_HEADER, *[[str(c) for c in row] for row in rows]]


# Web steps ---------------------------------------------------------------------------------


def upload(client, data: bytes, filename: str = "deals.csv"):
    response = client.post(
        "/deals/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    # The test client spools a large request body to a temporary file and, without
    # follow_redirects, leaves closing it to the caller.
    response.request.environ["wsgi.input"].close()
    return response


def upload_ok(client, data: bytes, filename: str = "deals.csv") -> int:
    """Upload a file that must be readable; return the upload id of its preview."""
    response = upload(client, data, filename)
    assert response.status_code == 302, page_text(response.data)[:2000]
    match = re.fullmatch(r"/deals/import/(\d+)", location_path(response))
    assert match, response.headers["Location"]
    return int(match.group(1))


def preview_form(html: bytes) -> dict[str, str]:
    """The fields the preview form would post as it stands (selected options, checked boxes)."""
    for form in parse(html).iter("form"):
        if re.fullmatch(r"/deals/import/\d+", form.get("action", "")):
            break
    else:
        raise AssertionError("no preview form")
    values: dict[str, str] = {}
    for el in form.iter("input"):
        name = el.get("name")
        if not name:
            continue
        if el.get("type") == "checkbox":
            if "checked" in el.attrib:
                values[name] = el.get("value", "on")
        else:
            values[name] = el.get("value", "")
    for select in form.iter("select"):
        chosen = [o for o in select.iter("option") if "selected" in o.attrib]
        values[select.get("name")] = chosen[0].get("value", text(chosen[0])) if chosen else ""
    return values


def preview_counts(html: bytes) -> dict[str, int]:
    """The dry run's counts as the preview states them."""
    labels = {"new deals": "create", "deals updated": "update", "unchanged": "unchanged", "rows rejected": "rejected"}
    labels |= {"new deal": "create", "deal updated": "update", "row rejected": "rejected", "new rep": "new reps"}
    for ul in parse(html).iter("ul"):
        if "counts" in ul.get("class", "").split():
            counts = {}
            for li in ul.iter("li"):
                number = int(text(li.find("strong")).replace(",", ""))
                label = text(li).split(" ", 1)[1]
                label = label.split(":")[0]
                counts[labels.get(label, label)] = number
            return counts
    raise AssertionError("no counts on the preview")


def import_button(html: bytes):
    for button in parse(html).iter("button"):
        if button.get("name") == "action" and button.get("value") == "apply":
            return button
    raise AssertionError("no Import button")


def flashes(html: bytes) -> list[str]:
    return [text(p) for p in parse(html).iter("p") if "flash" in p.get("class", "").split()]


# The database, read afresh -----------------------------------------------------------------


def fresh() -> None:
    """Forget what the test's session holds, so reads see what requests committed."""
    db.session.expire_all()


def deals_of(manager: User) -> dict[str, Deal]:
    fresh()
    return {d.external_id: d for d in db.session.scalars(sa.select(Deal).where(Deal.manager_id == manager.id))}


def table_counts() -> dict[str, int]:
    """Rows per table as committed (read on a connection of its own)."""
    with db.engine.connect() as conn:
        return {
            model.__name__: conn.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (User, Rep, Deal, CloseDateChange, DealAnalysis, ImportUpload)
        }


def uploads() -> int:
    return table_counts()["ImportUpload"]


def deal_snapshot(manager: User) -> list[tuple]:
    """Every column of every deal of a manager, plus the reps: to show that nothing changed."""
    with db.engine.connect() as conn:
        rows = conn.execute(sa.select(Deal.__table__).where(Deal.manager_id == manager.id).order_by(Deal.id)).all()
        reps = conn.execute(sa.select(Rep.__table__).where(Rep.manager_id == manager.id).order_by(Rep.id)).all()
        changes = conn.execute(sa.select(CloseDateChange.__table__).order_by(CloseDateChange.id)).all()
    return [tuple(r) for r in rows] + [tuple(r) for r in reps] + [tuple(r) for r in changes]


def money_value(cell: str) -> Decimal:
    """An amount as the English pages show it (€48,000.00, US$20.00 or –) as a Decimal."""
    cleaned = re.sub(r"[^\d.\-]", "", cell.replace("–", ""))
    return Decimal(cleaned) if cleaned else Decimal("0")


def d(text_value: str) -> date:
    return date.fromisoformat(text_value)


# Deals built in bulk -----------------------------------------------------------------------

DEAL_DEFAULTS = {
    "status": "open",
    "archived": False,
    "currency": "EUR",
    "slips": 0,
    "flag_needs_help": False,
    "flag_walk_away": False,
    "flag_timing_risk": False,
}


def insert_deals(manager: User, rows: list[dict]) -> list[int]:
    """Insert deals with one statement per call (fast for thousands), then mark the pipeline changed.

    Each row needs ``title``; ``external_id`` defaults to ``BULK-<n>``. KPI columns are
    stored as given, as an analysis would have left them.
    """
    from coachkit import deal_services as ds
    from coachkit.models import utcnow

    now = utcnow()
    start = db.session.scalar(sa.select(sa.func.count()).select_from(Deal).where(Deal.manager_id == manager.id))
    full = [
        DEAL_DEFAULTS
        | {"manager_id": manager.id, "external_id": f"BULK-{start + n}", "created_at": now, "updated_at": now}
        | row
        for n, row in enumerate(rows, start=1)
    ]
    if "close_key" in Deal.__table__.c:
        # What Deal's before_insert hook sets; a bulk insert runs no ORM events.
        for row in full:
            row.setdefault("close_key", row.get("expected_close") or date.max)
    keys = set().union(*full)
    db.session.connection().execute(Deal.__table__.insert(), [{k: r.get(k) for k in keys} for r in full])
    ds.commit_pipeline(manager.id)
    return list(
        db.session.scalars(
            sa.select(Deal.id)
            .where(Deal.manager_id == manager.id, Deal.external_id.in_([r["external_id"] for r in full]))
            .order_by(Deal.id)
        )
    )
