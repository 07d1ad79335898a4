"""The shared public CRM sample, read as real input (never copied into the project).

The sample's location is ``$COACHKIT_SAMPLE_DIR``, by default
``<repo>/../shared/data/crm-sample``. Expected counts are computed from the
file with the csv module, and cross-checked against the figures the product
brief gives for it.
"""

from __future__ import annotations

import csv
import os
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from coachkit.crm_import import analyse
from coachkit.crm_import import read_table
from coachkit.crm_import import suggest_mapping

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = Path(os.environ.get("COACHKIT_SAMPLE_DIR", ROOT.parent / "shared" / "data" / "crm-sample"))

# The brief states that 6,711 of the sample's deals are closed.
BRIEF_CLOSED = 6_711


@pytest.fixture(scope="module")
def pipeline_path() -> Path:
    path = SAMPLE_DIR / "sales_pipeline.csv"
    if not path.is_file():
        pytest.fail(
            f"The shared CRM sample is missing: {path} does not exist. "
            "Set COACHKIT_SAMPLE_DIR to the folder holding sales_pipeline.csv."
        )
    return path


@pytest.fixture(scope="module")
def expected(pipeline_path) -> dict:
    with pipeline_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    stages = Counter(row["deal_stage"] for row in rows)
    return {
        "rows": len(rows),
        "won": stages["Won"],
        "lost": stages["Lost"],
        "open": sum(count for stage, count in stages.items() if stage not in ("Won", "Lost")),
        "ids": [row["opportunity_id"] for row in rows],
        "value_total": sum(Decimal(row["close_value"]) for row in rows if row["close_value"]),
        "agents": {row["sales_agent"] for row in rows},
        "no_account": sum(1 for row in rows if not row["account"]),
    }


@pytest.fixture(scope="module")
def analysis(pipeline_path):
    table = read_table(pipeline_path.read_bytes(), pipeline_path.name)
    return table, analyse(table)


def test_the_sample_headers_get_the_expected_mapping(pipeline_path):
    with pipeline_path.open(newline="", encoding="utf-8") as handle:
        headers = next(csv.reader(handle))

    assert suggest_mapping(headers) == {
        "external_id": "opportunity_id",
        "title": "product",
        "account": "account",
        "owner": "sales_agent",
        "value": "close_value",
        "currency": None,
        "stage": "deal_stage",
        "status": None,
        "created": "engage_date",
        "expected_close": "close_date",
        "closed": None,
        "notes": None,
    }


def test_every_sample_deal_is_parsed_without_errors(analysis, expected):
    table, result = analysis

    assert (table.kind, table.encoding, table.delimiter) == ("csv", "utf-8", ",")
    assert len(table.rows) == expected["rows"]
    assert result.errors == []
    assert len(result.deals) == expected["rows"]
    assert [deal.external_id for deal in result.deals] == expected["ids"]


def test_the_sample_has_the_closed_and_open_counts_of_the_file(analysis, expected):
    _, result = analysis
    counts = result.status_counts()

    assert counts["won"] == expected["won"]
    assert counts["lost"] == expected["lost"]
    assert counts["open"] == expected["open"]
    assert counts["won"] + counts["lost"] == BRIEF_CLOSED
    assert sum(counts.values()) == expected["rows"]


def test_closed_sample_deals_have_a_closed_date_and_open_ones_none(analysis):
    _, result = analysis

    for deal in result.deals:
        if deal.status == "open":
            assert (deal.closed, deal.expected_close, deal.value) == (None, None, None), deal
        else:
            assert deal.closed is not None and deal.closed == deal.expected_close, deal
            assert deal.value is not None, deal


def test_sample_values_dates_and_blanks_are_typed(analysis, expected):
    _, result = analysis
    first = result.deals[0]

    assert sum(deal.value for deal in result.deals if deal.value is not None) == expected["value_total"]
    assert {deal.currency for deal in result.deals} == {"EUR"}
    assert sum(1 for deal in result.deals if deal.account is None) == expected["no_account"]
    assert {deal.owner for deal in result.deals} == expected["agents"]
    assert isinstance(first.created, date) and first.row_number == 2
    assert result.formats["created"].detected == result.formats["expected_close"].detected == "ymd"


def test_every_sample_owner_is_a_rep_of_the_sample_teams(analysis):
    _, result = analysis
    with (SAMPLE_DIR / "sales_teams.csv").open(newline="", encoding="utf-8") as handle:
        reps = {row["sales_agent"] for row in csv.DictReader(handle)}

    assert len(reps) == 35
    assert {deal.owner for deal in result.deals} <= reps


def test_analysing_the_sample_takes_well_under_two_seconds(pipeline_path):
    data = pipeline_path.read_bytes()

    started = time.perf_counter()
    result = analyse(read_table(data, pipeline_path.name))
    elapsed = time.perf_counter() - started

    assert result.ok
    assert elapsed < 2.0, f"{elapsed:.2f} s"
