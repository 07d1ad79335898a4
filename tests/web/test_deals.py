"""Deals, their analysis and KPIs, the pipeline (filters, sorting, pages, per-rep summary) and the forecast.

Runs on SQLite and PostgreSQL. The expected KPIs, summaries and forecast figures are worked
out here from the instrument file and the rules in docs/scoring.md, not through the app's code.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from datetime import timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from coachkit import deal_services as ds
from coachkit.extensions import db
from coachkit.models import CloseDateChange
from coachkit.models import Deal
from coachkit.models import DealAnalysis
from coachkit.models import ImportUpload
from coachkit.models import Rep
from tests.conftest import AuthActions
from tests.web.deal_helpers import csv_bytes
from tests.web.deal_helpers import deal_rows
from tests.web.deal_helpers import flashes
from tests.web.deal_helpers import fresh
from tests.web.deal_helpers import insert_deals
from tests.web.deal_helpers import money_value
from tests.web.deal_helpers import table_counts
from tests.web.helpers import location_path
from tests.web.helpers import page_text
from tests.web.helpers import parse
from tests.web.helpers import table_rows
from tests.web.helpers import text

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 5, 15)


@pytest.fixture
def fixed_today(monkeypatch):
    """The app's "today" (overdue deals, timing, forecast periods) fixed at TODAY."""
    monkeypatch.setattr(ds, "today", lambda: TODAY)
    return TODAY


# The instrument and the KPIs, from the file and docs/scoring.md -------------------------------

INSTRUMENT = yaml.safe_load((ROOT / "assessments" / "instruments" / "deal-analysis.v1.yaml").read_text("utf-8"))
GROUPS = [[(q["id"], q["weight"], q["knockout"]) for q in g["questions"]] for g in INSTRUMENT["groups"]]
QUALIFICATION = [q for group in GROUPS for q in group]
TIMING = [(q["id"], q["weight"]) for q in INSTRUMENT["timing"]["questions"]]
ALL_IDS = [q[0] for q in QUALIFICATION] + [q[0] for q in TIMING]
TEXT = {q["id"]: " ".join(q["text"]["en"].split()) for g in INSTRUMENT["groups"] for q in g["questions"]} | {
    q["id"]: " ".join(q["text"]["en"].split()) for q in INSTRUMENT["timing"]["questions"]
}


def win_fraction(answers: dict[str, str], unknown: float) -> float:
    values = {"yes": 1.0, "no": 0.0, "unknown": unknown}
    product = 1.0
    for group in GROUPS:
        product *= sum(w * values[answers.get(qid, "unknown")] for qid, w, _ in group) / sum(w for _, w, _ in group)
    return product ** (2 / len(GROUPS))


def expected_kpis(answers: dict[str, str], *, has_close_date: bool = True, slips: int = 0) -> dict[str, float]:
    """Q, W, R and T as docs/scoring.md defines them (deal not overdue)."""
    known = sum(w for qid, w, _ in QUALIFICATION if answers.get(qid, "unknown") != "unknown")
    total = sum(w for _, w, _ in QUALIFICATION)
    q = 100.0 if known == total else min(round(100 * known / total, 1), 99.9)
    w = round(100 * win_fraction(answers, 0.5), 1)
    if any(ko and answers.get(qid) == "no" for qid, _, ko in QUALIFICATION):
        w = min(w, 10.0)
    r = round(100 * win_fraction(answers, 0.0), 1)
    if any(ko and answers.get(qid, "unknown") in ("no", "unknown") for qid, _, ko in QUALIFICATION):
        r = min(r, 10.0)
    timing_values = {"yes": 1.0, "no": 0.0, "unknown": 0.25}
    t = sum(wt * timing_values[answers.get(qid, "unknown")] for qid, wt in TIMING) / sum(wt for _, wt in TIMING)
    t = round(100 * t * (1 if has_close_date else 0.5), 1)
    for _ in range(slips):
        t = max(0.0, min(round(0.8 * t, 1), round(t - 0.1, 1)))
    return {"qualification": q, "chance_to_win": w, "reliability": r, "timing": t}


def all_yes() -> dict[str, str]:
    return dict.fromkeys(ALL_IDS, "yes")


def analysis_form(answers: dict[str, str], notes: dict[str, str] | None = None) -> dict[str, str]:
    form = {f"a_{qid}": answers.get(qid, "unknown") for qid in ALL_IDS}
    form.update({f"n_{qid}": note for qid, note in (notes or {}).items()})
    return form


def kpi_cards(html: bytes) -> dict[str, dict]:
    """Per KPI card on the deal page: its value and the raised/lowered explanation lists."""
    cards = {}
    for div in parse(html).iter("div"):
        if "kpi" not in div.get("class", "").split():
            continue
        title = text(div.find("h3"))
        lists: dict[str, list[str]] = {}
        heading = None
        for el in div.iter():
            if el.tag == "strong" and text(el) in ("Raised by", "Lowered by"):
                heading = text(el)
            elif el.tag == "ul" and heading:
                lists[heading] = [text(li) for li in el.iter("li")]
                heading = None
        value = next(text(p) for p in div.iter("p") if "kpi-value" in p.get("class", "").split())
        cards[title] = {"value": value, **lists}
    return cards


# Deals by hand -------------------------------------------------------------------------------


@pytest.fixture
def reps(logged_in):
    return {name: ds.add_rep(logged_in, name) for name in ("Anna", "Bram", "Cas")}


def deal_form(**changes) -> dict[str, str]:
    form = {
        "external_id": "CRM-1",
        "title": "Fleet renewal",
        "account": "Van Dijk",
        "rep_id": "0",
        "value": "48000.50",
        "currency": "eur",
        "stage": "Proposal",
        "created_on": "2026-03-01",
        "expected_close": "2026-06-30",
        "notes": "Board meets in June.",
    }
    form.update(changes)
    return form


def test_a_deal_is_created_and_edited_through_the_forms(client, reps, fixed_today):
    anna = reps["Anna"]
    created = client.post("/deals/new", data=deal_form(rep_id=str(anna.id)))
    assert created.status_code == 302
    deal = db.session.scalar(sa.select(Deal).where(Deal.external_id == "CRM-1"))
    assert location_path(created) == f"/deals/{deal.id}"
    assert (deal.title, deal.account, deal.rep_id, deal.value, deal.currency, deal.stage) == (
        "Fleet renewal",
        "Van Dijk",
        anna.id,
        Decimal("48000.50"),
        "EUR",
        "Proposal",
    )
    assert (deal.created_on, deal.expected_close, deal.status, deal.slips) == (
        date(2026, 3, 1),
        date(2026, 6, 30),
        "open",
        0,
    )
    page = client.get(f"/deals/{deal.id}")
    assert "This deal has not been analysed yet." in page_text(page.data)

    edited = client.post(
        f"/deals/{deal.id}/edit",
        data=deal_form(
            title="Fleet renewal 2027", rep_id=str(reps["Bram"].id), value="51000", stage="Negotiation", notes=""
        ),
    )
    assert edited.status_code == 302
    fresh()
    deal = db.session.get(Deal, deal.id)
    assert (deal.title, deal.rep_id, deal.value, deal.stage, deal.notes) == (
        "Fleet renewal 2027",
        reps["Bram"].id,
        Decimal("51000.00"),
        "Negotiation",
        None,
    )
    assert deal.external_id == "CRM-1"
    assert deal.close_date_changes == [], "the same close date is no change"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"currency": "euro"}, "Use a three-letter currency code such as EUR."),
        ({"value": "-5"}, "Enter an amount from 0 to 999,999,999,999.99."),
        ({"rep_id": "999999"}, "Not a valid choice."),
    ],
    ids=["no title", "bad currency", "negative value", "rep from elsewhere"],
)
def test_an_invalid_deal_form_is_shown_again_and_nothing_is_stored(client, reps, changes, message):
    response = client.post("/deals/new", data=deal_form(**changes))

    assert response.status_code == 400
    assert message in page_text(response.data)
    assert table_counts()["Deal"] == 0


def test_a_second_deal_with_the_same_id_is_refused(client, reps):
    assert client.post("/deals/new", data=deal_form()).status_code == 302
    again = client.post("/deals/new", data=deal_form(title="Other"))

    assert again.status_code == 400
    assert "You already have a deal with this ID." in page_text(again.data)
    assert table_counts()["Deal"] == 1


@pytest.fixture
def deal(logged_in, reps, fixed_today):
    return ds.create_deal(
        logged_in,
        external_id="D-1",
        title="Fleet renewal",
        account="Van Dijk",
        rep_id=reps["Anna"].id,
        value=Decimal("48000"),
        currency="EUR",
        stage="Proposal",
        expected_close=date(2026, 6, 30),
    )


def test_an_analysis_saves_a_dated_snapshot_and_the_kpis_on_the_deal(client, deal):
    answers = all_yes() | {
        "opp-impact-quantified": "unknown",
        "cmp-competitors-known": "no",
        "win-preferred-supplier": "unknown",
        "tim-plan-agreed": "no",
        "tim-start-date-agreed": "unknown",
    }
    response = client.post(
        f"/deals/{deal.id}",
        data=analysis_form(answers, {"cmp-competitors-known": "  Only Acme  ", "opp-buyer-active": "   "}),
    )
    assert response.status_code == 302
    assert location_path(response) == f"/deals/{deal.id}#kpis"

    expected = expected_kpis(answers)
    fresh()
    snapshot = db.session.scalar(sa.select(DealAnalysis).where(DealAnalysis.deal_id == deal.id))
    stored = db.session.get(Deal, deal.id)
    assert snapshot.answers == answers
    assert snapshot.notes == {"cmp-competitors-known": "Only Acme"}, "notes are trimmed, blank ones dropped"
    assert (snapshot.instrument_name, snapshot.instrument_version) == ("deal-analysis", 1)
    assert snapshot.created_at is not None and stored.analysed_at == snapshot.created_at
    assert {k: getattr(snapshot, k) for k in expected} == expected
    assert {k: getattr(stored, k) for k in expected} == expected
    assert expected["chance_to_win"] > expected["reliability"], "the example has unknowns"

    again = all_yes()
    assert client.post(f"/deals/{deal.id}", data=analysis_form(again)).status_code == 302
    page = client.get(f"/deals/{deal.id}")
    history = table_rows(page.data, caption=None, css_class="table")
    fresh()
    assert len(db.session.get(Deal, deal.id).analyses) == 2
    assert db.session.get(Deal, deal.id).chance_to_win == 100.0
    kpi_history = [row for row in history if len(row) == 6 and row[0] != "Analysed on"]
    assert [row[2] for row in kpi_history] == ["100%", f"{expected['chance_to_win']:.0f}%"], "newest first"
    cards = kpi_cards(page.data)
    assert [cards[k]["value"] for k in ("Qualification", "Chance to win", "Reliability", "Timing")] == ["100%"] * 4


@pytest.mark.parametrize(
    "bad",
    [{"a_opp-budget-exists": "maybe"}, {"a_nope": "yes"}, {"n_nope": "a note"}],
    ids=["answer maybe", "unknown question", "note for an unknown question"],
)
def test_invalid_answers_are_refused_and_nothing_is_stored(client, deal, bad):
    response = client.post(f"/deals/{deal.id}", data=analysis_form(all_yes()) | bad)

    assert response.status_code == 400
    assert "Some answers were not valid. Nothing was saved." in flashes(response.data)
    fresh()
    assert table_counts()["DealAnalysis"] == 0
    assert db.session.get(Deal, deal.id).analysed_at is None


def test_the_deal_page_explains_each_kpi_with_the_biggest_effect_first(client, deal):
    answers = all_yes() | {
        "cmp-competitors-known": "no",
        "win-several-levels": "no",
        "wth-reference-agreed": "no",
        "opp-impact-quantified": "unknown",
        "tim-plan-agreed": "no",
    }
    client.post(f"/deals/{deal.id}", data=analysis_form(answers))

    # The effect of an answer on W: W now minus W with that answer made neutral (0.5).
    now = 100 * win_fraction(answers, 0.5)
    effects = {qid: now - 100 * win_fraction(answers | {qid: "unknown"}, 0.5) for qid, _, _ in QUALIFICATION}
    lowered = sorted((e, qid) for qid, e in effects.items() if e < -0.05)
    raised = sorted(((e, qid) for qid, e in effects.items() if e > 0.05), reverse=True)
    assert lowered[0][0] < lowered[1][0] - 0.1 and raised[0][0] > raised[1][0] + 0.01, "no ties at the top"

    cards = kpi_cards(client.get(f"/deals/{deal.id}").data)
    win = cards["Chance to win"]
    assert win["Lowered by"][0] == f"{TEXT[lowered[0][1]]} — No ({lowered[0][0]:.1f})"
    assert len(win["Lowered by"]) == len(lowered)
    assert win["Raised by"][0].startswith(f"{TEXT[raised[0][1]]} — Yes (+")
    assert any(item.startswith(TEXT["tim-plan-agreed"] + " — No") for item in cards["Timing"]["Lowered by"])
    assert any(
        item.startswith(TEXT["opp-impact-quantified"] + " — Unknown") for item in cards["Qualification"]["Lowered by"]
    )


def test_moving_the_close_date_later_counts_a_slip_and_lowers_timing(client, deal, reps):
    client.post(f"/deals/{deal.id}", data=analysis_form(all_yes()))
    fresh()
    assert db.session.get(Deal, deal.id).timing == 100.0

    form = deal_form(rep_id=str(reps["Anna"].id), expected_close="2026-08-31")
    assert client.post(f"/deals/{deal.id}/edit", data=form).status_code == 302
    fresh()
    moved = db.session.get(Deal, deal.id)
    assert moved.slips == 1
    assert moved.timing == expected_kpis(all_yes(), slips=1)["timing"] == 80.0
    assert [(c.old_date, c.new_date, c.source) for c in moved.close_date_changes] == [
        (date(2026, 6, 30), date(2026, 8, 31), "edit")
    ]
    assert len(moved.analyses) == 1, "the snapshot stays as it was"

    earlier = deal_form(rep_id=str(reps["Anna"].id), expected_close="2026-07-15")
    client.post(f"/deals/{deal.id}/edit", data=earlier)
    fresh()
    moved = db.session.get(Deal, deal.id)
    assert moved.slips == 1, "an earlier date is a change, not a slip"
    assert moved.timing == 80.0
    page = page_text(client.get(f"/deals/{deal.id}").data)
    assert "moved later 1 time" in page

    client.post(f"/deals/{deal.id}/edit", data=deal_form(rep_id=str(reps["Anna"].id), expected_close="2026-09-30"))
    fresh()
    assert db.session.get(Deal, deal.id).timing == expected_kpis(all_yes(), slips=2)["timing"] == 64.0
    assert db.session.get(Deal, deal.id).flag_timing_risk, "two slips are a timing risk"


def pipeline_titles(client, query: str = "") -> list[str]:
    response = client.get("/deals/" + (f"?{query}" if query else ""))
    assert response.status_code == 200
    rows = table_rows(response.data, css_class="pipeline")[1:]
    return [row[0] for row in rows if len(row) > 1]


def test_closing_a_deal_as_won_keeps_its_last_kpis_and_takes_it_out_of_the_pipeline(client, deal):
    client.post(f"/deals/{deal.id}", data=analysis_form(all_yes() | {"tim-plan-agreed": "unknown"}))
    fresh()
    before = {
        k: getattr(db.session.get(Deal, deal.id), k)
        for k in ("qualification", "chance_to_win", "reliability", "timing")
    }
    assert pipeline_titles(client) == ["Fleet renewal"]

    response = client.post(f"/deals/{deal.id}/close", data={"status": "won", "closed_on": "2026-05-20"})
    assert response.status_code == 302
    fresh()
    won = db.session.get(Deal, deal.id)
    assert (won.status, won.closed_on) == ("won", date(2026, 5, 20))
    assert {k: won.final_kpis[k] for k in before} == before
    assert won.final_kpis["expected_close"] == "2026-06-30"
    assert pipeline_titles(client) == []
    page = page_text(client.get(f"/deals/{deal.id}").data)
    assert "KPIs when the deal closed" in page

    client.post(f"/deals/{deal.id}/close", data={"status": "open"})
    fresh()
    reopened = db.session.get(Deal, deal.id)
    assert (reopened.status, reopened.closed_on, reopened.final_kpis) == ("open", None, None)
    assert pipeline_titles(client) == ["Fleet renewal"]


def test_archiving_hides_a_deal_from_the_pipeline_and_restoring_brings_it_back(client, deal):
    assert client.post(f"/deals/{deal.id}/archive").status_code == 302
    fresh()
    assert db.session.get(Deal, deal.id).archived
    assert pipeline_titles(client) == []
    assert client.get(f"/deals/{deal.id}").status_code == 200, "the deal and its history are kept"

    client.post(f"/deals/{deal.id}/archive")
    fresh()
    assert not db.session.get(Deal, deal.id).archived
    assert pipeline_titles(client) == ["Fleet renewal"]


# Privacy -----------------------------------------------------------------------------------

OTHERS_ROUTES = [
    ("get", "/deals/{deal}", {}),
    ("post", "/deals/{deal}", {"a_opp-budget-exists": "no"}),
    ("get", "/deals/{deal}/edit", {}),
    ("post", "/deals/{deal}/edit", {"title": "Taken over", "rep_id": "0", "currency": "EUR"}),
    ("post", "/deals/{deal}/close", {"status": "lost"}),
    ("post", "/deals/{deal}/archive", {}),
    ("get", "/deals/team/{rep}", {}),
    ("post", "/deals/team/{rep}", {"name": "Renamed", "active": ""}),
    ("get", "/deals/import/{upload}", {}),
    ("post", "/deals/import/{upload}", {"action": "apply", "create_reps": "1"}),
]


@pytest.fixture
def someone_elses(make_user):
    """Another manager's rep, deal and upload."""
    other = make_user("other@example.com", name="Otto Other")
    rep = ds.add_rep(other, "Olga")
    deal = ds.create_deal(
        other,
        external_id="O-1",
        title="Their deal",
        rep_id=rep.id,
        value=Decimal("1000"),
        currency="EUR",
        expected_close=date(2030, 1, 31),
    )
    upload = ImportUpload(
        manager_id=other.id,
        filename="theirs.csv",
        data=csv_bytes(deal_rows(("O-2", "More", "Acme", "Olga", "5", "Proposal", "", ""))),
    )
    db.session.add(upload)
    db.session.commit()
    return {"manager": other, "rep": rep.id, "deal": deal.id, "upload": upload.id}


def test_every_deals_route_with_an_id_is_covered_by_the_privacy_test(app):
    rules = {
        (rule.rule, method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("deals.") and rule.arguments
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {
        (
            path.replace("{deal}", "<int:deal_id>")
            .replace("{rep}", "<int:rep_id>")
            .replace("{upload}", "<int:upload_id>"),
            method,
        )
        for method, path, _ in OTHERS_ROUTES
    }
    assert rules == covered


def test_another_managers_deal_rep_and_upload_are_not_found(client, logged_in, someone_elses):
    for method, path, data in OTHERS_ROUTES:
        response = getattr(client, method)(path.format(**someone_elses), data=data)

        assert response.status_code == 404, f"{method} {path}"
    fresh()
    theirs = db.session.get(Deal, someone_elses["deal"])
    assert (theirs.title, theirs.status, theirs.archived, theirs.analysed_at) == ("Their deal", "open", False, None)
    assert db.session.get(Rep, someone_elses["rep"]).name == "Olga"
    assert db.session.get(ImportUpload, someone_elses["upload"]).applied_at is None
    assert table_counts()["Deal"] == 1 and table_counts()["Rep"] == 1


def test_the_pipeline_shows_only_the_managers_own_deals(client, logged_in, someone_elses):
    ds.create_deal(logged_in, external_id="M-1", title="Mine")

    assert pipeline_titles(client) == ["Mine"]
    assert pipeline_titles(client, f"rep={someone_elses['rep']}") == []
    assert "Olga" not in page_text(client.get("/deals/").data)
    assert pipeline_titles(client, "q=their") == []


# The pipeline: filters, sorting, pages, summary ----------------------------------------------

# (title, account, rep, value, stage, close, Q, W, R, T stored, needs help, walk away, timing risk flag, currency)
SPEC = [
    ("Alpha", "Acme", "Anna", 10000, "Proposal", "2026-05-20", 80, 70, 65, 76, False, False, False, "EUR"),
    ("Bravo", "Bolt", "Bram", 25000, "Negotiation", "2026-06-30", 40, 55, 20, 36, True, False, True, "EUR"),
    ("Charlie", "Cobalt", "Anna", 5000, "Discovery", "2026-04-30", 90, 16, 13, 60, False, True, False, "EUR"),
    ("Delta", None, "Cas", 42000, "Proposal", "2026-08-15", None, None, None, None, False, False, False, "EUR"),
    ("Echo", "Dyna", None, 800, None, None, None, None, None, None, False, False, True, "EUR"),
    ("Foxtrot", "Acme Labs", "Bram", 15500, "Negotiation", "2026-05-02", 70, 85, 80, 90, False, False, False, "EUR"),
    ("Golf", "Eagle", "Cas", 30000, "Discovery", "2026-12-01", 20, 45, 5, 10, True, False, True, "EUR"),
    ("Kilo", "Kappa", "Anna", 9999, "Proposal", "2026-07-01", None, None, None, None, False, False, False, "USD"),
]
KPI_INDEX = {"qualification": 6, "chance_to_win": 7, "reliability": 8, "timing": 9}


@pytest.fixture
def pipeline(logged_in, reps, fixed_today, make_user):
    """The SPEC deals plus a won, an archived and another manager's deal that the pipeline must not show."""
    rows = []
    for n, (title, account, rep, value, stage, close, q, w, r, t, help_, walk, risk, cur) in enumerate(SPEC, 1):
        rows.append(
            {
                "external_id": f"EXT-{n}",
                "title": title,
                "account": account,
                "rep_id": reps[rep].id if rep else None,
                "value": Decimal(value),
                "stage": stage,
                "expected_close": date.fromisoformat(close) if close else None,
                "qualification": q,
                "chance_to_win": w,
                "reliability": r,
                "timing": t,
                "analysed_at": ds.utcnow() if q is not None else None,
                "flag_needs_help": help_,
                "flag_walk_away": walk,
                "flag_timing_risk": risk,
                "currency": cur,
            }
        )
    rows.append(
        {
            "external_id": "EXT-WON",
            "title": "Hotel",
            "status": "won",
            "value": Decimal(1),
            "expected_close": date(2026, 5, 1),
            "closed_on": date(2026, 5, 1),
        }
    )
    rows.append(
        {
            "external_id": "EXT-ARCH",
            "title": "India",
            "archived": True,
            "value": Decimal(1),
            "expected_close": date(2026, 5, 1),
        }
    )
    ids = insert_deals(logged_in, rows)
    other = make_user("other@example.com", name="Otto Other")
    insert_deals(other, [{"title": "Juliet", "value": Decimal(1), "expected_close": date(2026, 5, 1)}])
    return {title: deal_id for (title, *_), deal_id in zip(SPEC, ids, strict=False)}


def timing_now(spec) -> float | None:
    close = spec[5]
    if close and date.fromisoformat(close) < TODAY:
        return 0.0
    return spec[9]


def overdue(spec) -> bool:
    return bool(spec[5]) and date.fromisoformat(spec[5]) < TODAY


def expected_order(key, descending: bool = False, where=lambda s: True) -> list[str]:
    """Titles sorted like the pipeline: by the key, ties in order of creation (both in the chosen
    direction), and deals without a value last in either direction."""
    chosen = [(n, s) for n, s in enumerate(SPEC) if where(s)]
    present = sorted(((key(s), n, s[0]) for n, s in chosen if key(s) is not None), reverse=descending)
    missing = sorted(((n, s[0]) for n, s in chosen if key(s) is None), reverse=descending)
    return [title for _, _, title in present] + [title for _, title in missing]


SORT_KEYS = {
    "title": lambda s: s[0],
    "account": lambda s: s[1],
    "rep": lambda s: s[2],
    "value": lambda s: s[3],
    "stage": lambda s: s[4],
    "expected_close": lambda s: s[5],
    "qualification": lambda s: s[6],
    "chance_to_win": lambda s: s[7],
    "reliability": lambda s: s[8],
    "timing": timing_now,
}


def test_the_pipeline_sorts_by_every_column_both_ways(client, pipeline):
    for column, key in SORT_KEYS.items():
        for direction in ("asc", "desc"):
            titles = pipeline_titles(client, f"sort={column}&dir={direction}")

            assert titles == expected_order(key, descending=direction == "desc"), f"sort={column}&dir={direction}"


DEFAULT_ORDER = ["Charlie", "Foxtrot", "Alpha", "Bravo", "Kilo", "Delta", "Golf", "Echo"]


def test_the_default_order_is_by_close_date_with_undated_deals_last(client, pipeline):
    assert pipeline_titles(client) == DEFAULT_ORDER


FILTERS = {
    "flag=needs_help": lambda s: s[10],
    "flag=walk_away": lambda s: s[11],
    "flag=timing_risk": lambda s: s[12] or overdue(s),
    "flag=overdue": overdue,
    "flag=not_analysed": lambda s: s[6] is None,
    "stage=Negotiation": lambda s: s[4] == "Negotiation",
    "kpi=chance_to_win&min=50&max=80": lambda s: s[7] is not None and 50 <= s[7] <= 80,
    "kpi=qualification&min=70": lambda s: s[6] is not None and s[6] >= 70,
    "kpi=reliability&max=20": lambda s: s[8] is not None and s[8] <= 20,
    "kpi=timing&max=10": lambda s: timing_now(s) is not None and timing_now(s) <= 10,
    "kpi=timing&min=60": lambda s: timing_now(s) is not None and timing_now(s) >= 60,
    "period=2026-05": lambda s: bool(s[5]) and s[5].startswith("2026-05"),
    "period=2026-Q2": lambda s: bool(s[5]) and "2026-04-01" <= s[5] <= "2026-06-30",
    "period=2026-Q3": lambda s: bool(s[5]) and "2026-07-01" <= s[5] <= "2026-09-30",
    "q=acme": lambda s: "acme" in (s[0] + " " + (s[1] or "")).lower(),
    "q=ECHO": lambda s: s[0] == "Echo",
    "q=ext-7": lambda s: s[0] == "Golf",
}


def test_the_pipeline_filters_return_the_right_deals(client, pipeline):
    for query, wanted in FILTERS.items():
        titles = pipeline_titles(client, query + "&sort=title")

        assert titles == expected_order(SORT_KEYS["title"], where=wanted), query
        assert titles, f"{query} picks at least one deal"
        assert len(titles) < len(SPEC), f"{query} leaves at least one deal out"


def test_the_pipeline_filters_by_rep_and_combines_filters(client, pipeline, reps):
    assert pipeline_titles(client, f"rep={reps['Anna'].id}&sort=title") == ["Alpha", "Charlie", "Kilo"]
    combined = pipeline_titles(client, f"rep={reps['Bram'].id}&flag=timing_risk&sort=value&dir=desc")
    assert combined == ["Bravo", "Foxtrot"]
    assert pipeline_titles(client, f"rep={reps['Cas'].id}&kpi=timing&min=50") == []


UNUSABLE = {
    "flag=bogus": "flag",
    "kpi=price&min=10": "kpi",
    "kpi=timing&min=abc": "min",
    "kpi=timing&max=150": "max",
    "period=2026-13": "period",
    "sort=price": "sort",
    "rep=anna": "rep",
    "period=Q2&flag=late": "flag, period",
}


def test_unusable_filter_values_are_ignored_with_a_message(client, pipeline):
    for query, names in UNUSABLE.items():
        response = client.get(f"/deals/?{query}")

        assert response.status_code == 200, query
        assert f"Some filters could not be used and were ignored: {names}." in flashes(response.data), query
        rows = table_rows(response.data, css_class="pipeline")[1:]
        assert [row[0] for row in rows] == DEFAULT_ORDER, query


def test_the_pipeline_is_paginated(client, logged_in, fixed_today):
    insert_deals(
        logged_in,
        [
            {"title": f"Deal {n:03d}", "value": Decimal(n), "expected_close": date(2026, 6, 1) + timedelta(days=n)}
            for n in range(120)
        ],
    )

    first = client.get("/deals/")
    assert "120 open deals · page 1 of 3" in page_text(first.data)
    seen = []
    for number, size in ((1, 50), (2, 50), (3, 20)):
        titles = pipeline_titles(client, f"page={number}")
        assert len(titles) == size
        seen += titles
    assert seen == [f"Deal {n:03d}" for n in range(120)]
    assert pipeline_titles(client, "page=99") == seen[100:], "a page past the end shows the last page"
    assert pipeline_titles(client, "page=0") == seen[:50]
    links = [
        a.get("href")
        for a in parse(client.get("/deals/?page=2&sort=value").data).iter("a")
        if text(a) in ("Previous", "Next")
    ]
    assert sorted(links) == ["/deals/?sort=value&dir=asc", "/deals/?sort=value&dir=asc&page=3"]


def percent(value: float) -> str:
    assert abs(value % 1 - 0.5) > 1e-6, f"{value} sits on a rounding boundary; change the test data"
    return f"{round(value):.0f}%"


def test_the_per_rep_summary_adds_up_the_open_pipeline(client, pipeline):
    response = client.get("/deals/")
    shown = {row[0]: row[1:] for row in table_rows(response.data, css_class="summary")[1:]}

    groups: dict[str, list] = defaultdict(list)
    for spec in SPEC:
        groups[spec[2] or "No rep"].append(spec)
    assert set(shown) == set(groups)
    for rep, specs in groups.items():
        own = [s for s in specs if s[13] == "EUR"]
        analysed = [s for s in specs if s[7] is not None]
        value = sum(Decimal(s[3]) for s in own)
        weighted = sum(
            (Decimal(s[3]) * Decimal(s[7]) * Decimal(str(timing_now(s))) / 10000 for s in own if s[7] is not None),
            Decimal(0),
        )
        flags = sum(s[10] for s in specs) + sum(s[11] for s in specs) + sum(s[12] or overdue(s) for s in specs)
        cells = shown[rep]
        assert cells[0] == str(len(specs)), rep
        assert money_value(cells[1].split("+")[0]) == value, rep
        assert ("+ 1 in other currencies" in cells[1]) == (len(own) < len(specs)), rep
        assert money_value(cells[2]) == weighted.quantize(Decimal("0.01"), ROUND_HALF_UP), rep
        assert cells[3] == percent(100 * len(analysed) / len(specs)), rep
        for offset, index in ((4, 6), (5, 7), (6, 8)):
            values = [s[index] for s in analysed]
            assert cells[offset] == (percent(sum(values) / len(values)) if values else "–"), (rep, offset)
        timings = [timing_now(s) for s in analysed]
        assert cells[7] == (percent(sum(timings) / len(timings)) if timings else "–"), rep
        assert cells[8] == str(flags), rep


def count_queries(client, url: str) -> int:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return len(statements)


def many_deals(count: int, reps: dict, start: int = 0) -> list[dict]:
    rep_ids = [r.id for r in reps.values()]
    rows = []
    for n in range(start, start + count):
        analysed = n % 3 != 0
        rows.append(
            {
                "external_id": f"BULK-{n}",
                "title": f"Deal {n}",
                "account": f"Account {n % 40}",
                "rep_id": rep_ids[n % len(rep_ids)],
                "value": Decimal(1000 + n),
                "stage": ("Proposal", "Discovery")[n % 2],
                "expected_close": TODAY + timedelta(days=(n % 200) - 30),
                "analysed_at": ds.utcnow() if analysed else None,
                "qualification": 50.0 + n % 50 if analysed else None,
                "chance_to_win": 20.0 + n % 70 if analysed else None,
                "reliability": 10.0 + n % 60 if analysed else None,
                "timing": 5.0 + n % 90 if analysed else None,
                "flag_needs_help": n % 7 == 0,
                "flag_walk_away": n % 11 == 0,
                "flag_timing_risk": n % 5 == 0,
            }
        )
    return rows


@pytest.mark.parametrize("query", ["", "?sort=timing&dir=desc&flag=timing_risk&page=3", "?kpi=timing&max=40&q=deal"])
def test_the_pipeline_page_issues_as_many_queries_for_5000_deals_as_for_100(
    client, logged_in, reps, fixed_today, query
):
    insert_deals(logged_in, many_deals(100, reps))
    client.get("/deals/")  # the first request of a client loads more than a warm one
    insert_deals(logged_in, many_deals(1, reps, start=100_000))  # a change, so nothing is served from a cache
    small = count_queries(client, "/deals/" + query)

    insert_deals(logged_in, many_deals(4_899, reps, start=100))
    large = count_queries(client, "/deals/" + query)

    assert large == small
    assert "5000 open deals" in page_text(client.get("/deals/").data)


# The forecast --------------------------------------------------------------------------------

# (title, rep, value, currency, status, expected close, closed on, W, R, T stored, walk away, archived)
FORECAST = [
    ("Booked April", "Anna", 5000, "EUR", "won", "2026-04-02", "2026-04-10", 80, 80, 80, False, False),
    ("Booked long ago", "Anna", 7000, "EUR", "won", "2025-09-01", "2025-09-30", 80, 80, 80, False, False),
    ("Committed", "Anna", 10000, "EUR", "open", "2026-05-20", None, 75, 70, 80, False, False),
    ("Best case", "Bram", 4000, "EUR", "open", "2026-05-31", None, 50, 20, 50, False, False),
    ("Long shot", "Bram", 3000, "EUR", "open", "2026-06-10", None, 25, 10, 40, False, False),
    ("Walk away", "Anna", 7000, "EUR", "open", "2026-06-15", None, 40, 10, 70, True, False),
    ("Overdue", "Bram", 9000, "EUR", "open", "2026-05-01", None, 80, 80, 90, False, False),
    ("Not analysed", "Anna", 2000, "EUR", "open", "2026-06-20", None, None, None, None, False, False),
    ("Dollars", "Bram", 20000, "USD", "open", "2026-06-05", None, 90, 90, 90, False, False),
    ("Lost", "Anna", 8000, "EUR", "lost", "2026-05-10", "2026-05-10", 60, 60, 60, False, False),
    ("Archived", "Anna", 50000, "EUR", "open", "2026-05-25", None, 90, 90, 90, False, True),
    ("Summer", "Bram", 6000, "EUR", "open", "2026-08-10", None, 60, 65, 65, False, False),
    ("Too far", "Anna", 1000, "EUR", "open", "2027-07-01", None, 90, 90, 90, False, False),
    ("Undated", "Bram", 1500, "EUR", "open", None, None, 90, 90, 90, False, False),
]


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), ROUND_HALF_UP)


def period_key(day: date, by: str) -> str:
    return f"{day.year}-{day.month:02d}" if by == "month" else f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def expected_forecast(by: str) -> dict[str, dict[str, dict]]:
    """Per period, per rep and "team": booked, commit, best case, weighted, unanalysed, other currencies.

    The page covers the last two quarters and the next twelve months: from the first day of
    the quarter two quarters back to the first day of this month next year.
    """
    quarter_start = date(TODAY.year, 3 * ((TODAY.month - 1) // 3) + 1, 1)
    start = date(quarter_start.year - (1 if quarter_start.month <= 6 else 0), (quarter_start.month - 7) % 12 + 1, 1)
    end = date(TODAY.year + 1, TODAY.month, 1)
    result: dict[str, dict[str, dict]] = {}
    for _title, rep, value, cur, status, close, closed, w, r, t, walk, archived in FORECAST:
        if archived or status == "lost":
            continue
        closed_day = date.fromisoformat(closed) if closed else None
        if status == "won" and not (closed_day and closed_day >= start):
            continue
        day = closed_day if status == "won" else (date.fromisoformat(close) if close else None)
        if day is None:
            continue
        key = period_key(day, by)
        first = date(day.year, day.month if by == "month" else 3 * ((day.month - 1) // 3) + 1, 1)
        months = 1 if by == "month" else 3
        after = first.month + months
        last = date(first.year + (after - 1) // 12, (after - 1) % 12 + 1, 1) - timedelta(1)
        if last < start or first > end:
            continue
        t_now = 0.0 if status == "open" and day < TODAY else t
        for who in (rep, "team"):
            line = result.setdefault(key, {}).setdefault(
                who,
                {
                    "booked": Decimal(0),
                    "commit": Decimal(0),
                    "best": Decimal(0),
                    "weighted": Decimal(0),
                    "unanalysed": [0, Decimal(0)],
                    "other": defaultdict(lambda: [0, Decimal(0)]),
                },
            )
            amount = Decimal(value)
            if cur != "EUR":
                line["other"][cur][0] += 1
                line["other"][cur][1] += amount
            elif status == "won":
                line["booked"] += amount
            elif w is None:
                line["unanalysed"][0] += 1
                line["unanalysed"][1] += amount
            else:
                commit = r >= 60 and t_now >= 60
                if commit:
                    line["commit"] += amount
                if commit or (w >= 30 and t_now > 0 and not walk):
                    line["best"] += amount
                line["weighted"] += cents(amount * Decimal(str(w)) / 100 * Decimal(str(t_now)) / 100)
    return result


@pytest.fixture
def forecast_deals(logged_in, fixed_today):
    reps = {name: ds.add_rep(logged_in, name) for name in ("Anna", "Bram")}
    insert_deals(
        logged_in,
        [
            {
                "title": title,
                "rep_id": reps[rep].id,
                "value": Decimal(value),
                "currency": cur,
                "status": status,
                "expected_close": date.fromisoformat(close) if close else None,
                "closed_on": date.fromisoformat(closed) if closed else None,
                "chance_to_win": w,
                "reliability": r,
                "timing": t,
                "qualification": 70.0 if w is not None else None,
                "analysed_at": ds.utcnow() if w is not None else None,
                "flag_walk_away": walk,
                "archived": archived,
            }
            for title, rep, value, cur, status, close, closed, w, r, t, walk, archived in FORECAST
        ],
    )


def money_cell(amount: Decimal) -> Decimal:
    return cents(amount)


@pytest.mark.parametrize("by", ["month", "quarter"])
def test_the_forecast_follows_the_documented_rules_per_period_and_rep(client, forecast_deals, by):
    response = client.get("/deals/forecast" + ("?by=quarter" if by == "quarter" else ""))
    assert response.status_code == 200
    expected = expected_forecast(by)

    caption = "Team forecast per month" if by == "month" else "Team forecast per quarter"
    team = {row[0]: row[1:] for row in table_rows(response.data, caption=caption)[1:]}
    assert list(team) == sorted(expected), "one row per period that holds a deal, in date order"
    for period, lines in expected.items():
        line, cells = lines["team"], team[period]
        assert [money_value(c) for c in cells[:4]] == [
            cents(line["booked"]),
            cents(line["commit"]),
            cents(line["best"]),
            cents(line["weighted"]),
        ], period
        count, value = line["unanalysed"]
        assert cells[4] == (f"€{value:,.2f} ({count})" if count else "–"), period
        other = ", ".join(f"${v:,.2f} ({n})" for cur, (n, v) in sorted(line["other"].items()))
        assert cells[5] == (other or "–"), period

    per_rep = {}
    for details in parse(response.data).iter("details"):
        summary = text(details.find("summary"))
        rows = [[text(c) for c in tr if c.tag in ("td", "th")] for tr in details.iter("tr")][1:]
        per_rep[summary.removeprefix("Per rep in ")] = {row[0]: [money_value(c) for c in row[1:]] for row in rows}
    assert set(per_rep) == set(expected)
    for period, lines in expected.items():
        for rep in ("Anna", "Bram"):
            if rep not in lines:
                assert rep not in per_rep[period]
                continue
            line = lines[rep]
            assert per_rep[period][rep] == [
                cents(line["booked"]),
                cents(line["commit"]),
                cents(line["best"]),
                cents(line["weighted"]),
            ], (period, rep)


def test_the_forecast_example_figures(client, forecast_deals):
    """A few figures worked out by hand, as a check on the test's own arithmetic."""
    months = expected_forecast("month")
    assert months["2026-04"]["team"]["booked"] == 5000
    may = months["2026-05"]["team"]
    assert (may["commit"], may["best"], may["weighted"]) == (10000, 14000, Decimal("7000.00"))
    june = months["2026-06"]["team"]
    assert june["weighted"] == Decimal("300.00") + Decimal("1960.00")
    assert june["unanalysed"] == [1, 2000] and dict(june["other"]) == {"USD": [1, 20000]}
    assert "2025-09" not in months and "2027-07" not in months
    quarters = expected_forecast("quarter")
    assert quarters["2026-Q2"]["team"]["commit"] == 10000
    assert quarters["2026-Q3"]["team"]["commit"] == 6000


# Demo data -----------------------------------------------------------------------------------


def test_the_demo_pipeline_shows_every_flag(app, runner, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output

    auth = AuthActions(client)
    assert auth.login("manager@demo.coachkit", "demo-manager").status_code == 302
    page = client.get("/deals/")
    flags = set()
    for table in parse(page.data).iter("table"):
        if "pipeline" in table.get("class", "").split():
            flags = {
                cls.removeprefix("flag-")
                for span in table.iter("span")
                for cls in span.get("class", "").split()
                if cls.startswith("flag-")
            }
    assert flags >= {"needs_help", "walk_away", "timing_risk", "overdue", "not_analysed"}
    summary = table_rows(page.data, css_class="summary")
    assert len(summary) - 1 == 4, "the demo team's four reps"
    fresh()
    manager = db.session.scalar(sa.select(Deal.manager_id).where(Deal.external_id == "DEMO-001"))
    statuses = set(db.session.scalars(sa.select(Deal.status).where(Deal.manager_id == manager)))
    assert statuses == {"open", "won", "lost"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CloseDateChange)) > 0
