"""Team, deal, analysis and import operations: rows in, domain calls, rows out, commit."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from assessments import deal_scoring
from assessments.deal_instrument import DealInstrument
from assessments.deal_instrument import get_deal_instrument
from assessments.deal_scoring import DealFacts
from assessments.deal_scoring import DealScore
from coachkit.crm_import import Analysis
from coachkit.crm_import import ParsedDeal
from coachkit.extensions import db
from coachkit.models import CloseDateChange
from coachkit.models import Deal
from coachkit.models import DealAnalysis
from coachkit.models import Rep
from coachkit.models import User
from coachkit.models import utcnow

DEAL_INSTRUMENT = "deal-analysis"
EDITABLE_FIELDS = ("title", "account", "rep_id", "value", "currency", "stage", "created_on", "expected_close", "notes")


class DealError(ValueError):
    """A deal change that breaks a rule; the message is a key for the view to translate."""


def rep_key(name: str) -> str:
    return re.sub(r"\s+", " ", name or "").strip().casefold()


def today() -> date:
    return date.today()


def commit_pipeline(manager_id: int) -> None:
    """Commit a change to a manager's team or deals and mark cached pipeline figures stale."""
    db.session.execute(sa.update(User).where(User.id == manager_id).values(pipeline_version=User.pipeline_version + 1))
    db.session.commit()


# ---------------------------------------------------------------- team


def team(manager: User, *, include_inactive: bool = True) -> list[Rep]:
    stmt = sa.select(Rep).where(Rep.manager_id == manager.id).order_by(Rep.name)
    if not include_inactive:
        stmt = stmt.where(Rep.active.is_(True))
    return list(db.session.scalars(stmt))


def find_rep(manager: User, name: str) -> Rep | None:
    return db.session.scalar(sa.select(Rep).where(Rep.manager_id == manager.id, Rep.name_key == rep_key(name)))


def add_rep(manager: User, name: str, email: str | None = None) -> Rep:
    """Add a rep to the manager's team.

    :raise DealError: ``rep_exists`` when a rep of that name is already in the team.
    """
    name = re.sub(r"\s+", " ", name).strip()
    if find_rep(manager, name) is not None:
        raise DealError("rep_exists")
    rep = Rep(manager_id=manager.id, name=name, name_key=rep_key(name), email=(email or None))
    db.session.add(rep)
    commit_pipeline(manager.id)
    return rep


def update_rep(rep: Rep, name: str, email: str | None, active: bool) -> None:
    name = re.sub(r"\s+", " ", name).strip()
    other = find_rep(rep.manager, name)
    if other is not None and other.id != rep.id:
        raise DealError("rep_exists")
    rep.name, rep.name_key, rep.email, rep.active = name, rep_key(name), (email or None), active
    commit_pipeline(rep.manager_id)


# ---------------------------------------------------------------- KPIs


def instrument_for(analysis: DealAnalysis | None = None) -> DealInstrument:
    if analysis is None:
        return get_deal_instrument(DEAL_INSTRUMENT)
    return get_deal_instrument(analysis.instrument_name, analysis.instrument_version)


def latest_analysis(deal: Deal) -> DealAnalysis | None:
    return deal.analyses[-1] if deal.analyses else None


def facts_of(deal: Deal, on: date | None = None) -> DealFacts:
    return DealFacts(
        status=deal.status,
        expected_close=deal.expected_close,
        today=on or today(),
        slips=deal.slips,
        value=deal.value,
    )


def score_of(deal: Deal, on: date | None = None) -> DealScore:
    """The deal's KPIs today, from its latest analysis (or no answers at all)."""
    analysis = latest_analysis(deal)
    answers = analysis.answers if analysis else {}
    return deal_scoring.score_deal(instrument_for(analysis), answers, facts_of(deal, on))


def refresh_kpis(deal: Deal, on: date | None = None) -> tuple[str, ...]:
    """Store the KPIs and flags of the latest analysis on the deal (no commit); return the flags."""
    analysis = latest_analysis(deal)
    instrument = instrument_for(analysis)
    answers = analysis.answers if analysis else {}
    facts = facts_of(deal, on)
    q = deal_scoring.qualification_degree(instrument, answers)
    w = deal_scoring.chance_to_win(instrument, answers)
    r = deal_scoring.reliability_factor(instrument, answers)
    t = deal_scoring.deal_timing(instrument, answers, facts)
    flags = deal_scoring.deal_flags(instrument, answers, facts, q, w, r, t)
    analysed = deal_scoring.NOT_ANALYSED not in flags
    deal.qualification, deal.chance_to_win = (q, w) if analysed else (None, None)
    deal.reliability, deal.timing = (r, t) if analysed else (None, None)
    deal.flag_needs_help = deal_scoring.NEEDS_HELP in flags
    deal.flag_walk_away = deal_scoring.WALK_AWAY in flags
    deal.flag_timing_risk = deal_scoring.TIMING_RISK in flags
    return flags


def analyse_deal(deal: Deal, answers: dict[str, str], notes: dict[str, str], author: User) -> DealAnalysis:
    """Save a dated snapshot of the answers and update the deal's KPIs.

    :raise AnswerError: for unknown question ids or answers other than yes/no/unknown.
    """
    instrument = instrument_for()
    deal_scoring.validate_answers(instrument, answers)
    notes = {k: v.strip() for k, v in notes.items() if k in answers and v and v.strip()}
    score = deal_scoring.score_deal(instrument, answers, facts_of(deal))
    snapshot = DealAnalysis(
        deal=deal,
        author_id=author.id,
        instrument_name=instrument.name,
        instrument_version=instrument.version,
        answers=dict(answers),
        notes=notes,
        qualification=score.qualification,
        chance_to_win=score.chance_to_win,
        reliability=score.reliability,
        timing=score.timing,
        flags=list(score.flags),
    )
    db.session.add(snapshot)
    deal.analysed_at = snapshot.created_at = utcnow()
    refresh_kpis(deal)
    deal.updated_at = utcnow()
    commit_pipeline(deal.manager_id)
    return snapshot


# ---------------------------------------------------------------- deals


def _record_close_date(deal: Deal, new: date | None, source: str) -> None:
    old = deal.expected_close
    if old == new:
        return
    change = CloseDateChange(deal=deal, old_date=old, new_date=new, source=source)
    db.session.add(change)
    if change.is_slip:
        deal.slips += 1
    deal.expected_close = new


def create_deal(manager: User, **values) -> Deal:
    external_id = (values.pop("external_id", None) or "").strip()
    if not external_id:
        external_id = f"CK-{utcnow():%Y%m%d%H%M%S%f}"
    if db.session.scalar(sa.select(Deal.id).where(Deal.manager_id == manager.id, Deal.external_id == external_id)):
        raise DealError("external_id_exists")
    _check_rep(manager, values.get("rep_id"))
    values.setdefault("status", "open")
    values.setdefault("slips", 0)
    values.setdefault("archived", False)
    deal = Deal(manager_id=manager.id, external_id=external_id, **values)
    db.session.add(deal)
    refresh_kpis(deal)
    commit_pipeline(manager.id)
    return deal


def _check_rep(manager: User, rep_id: int | None) -> None:
    if rep_id is None:
        return
    rep = db.session.get(Rep, rep_id)
    if rep is None or rep.manager_id != manager.id:
        raise DealError("unknown_rep")


def update_deal(deal: Deal, **values) -> None:
    """Change a deal's fields; a new expected close date is recorded (later = a slip)."""
    _check_rep(deal.manager, values.get("rep_id"))
    if "expected_close" in values:
        _record_close_date(deal, values.pop("expected_close"), "edit")
    for name, value in values.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"not an editable deal field: {name}")
        setattr(deal, name, value)
    deal.updated_at = utcnow()
    refresh_kpis(deal)
    commit_pipeline(deal.manager_id)


def _close(deal: Deal, status: str, closed_on: date | None) -> None:
    if deal.status == "open" and status in ("won", "lost"):
        # Keep the last KPIs before closing, so forecast accuracy can be shown later.
        deal.final_kpis = {
            "qualification": deal.qualification,
            "chance_to_win": deal.chance_to_win,
            "reliability": deal.reliability,
            "timing": deal.timing,
            "analysed_at": deal.analysed_at.isoformat() if deal.analysed_at else None,
            "expected_close": deal.expected_close.isoformat() if deal.expected_close else None,
            "slips": deal.slips,
        }
    if status == "open":
        deal.closed_on = None
        deal.final_kpis = None
    else:
        deal.closed_on = closed_on or today()
    deal.status = status


def close_deal(deal: Deal, status: str, closed_on: date | None = None) -> None:
    if status not in ("won", "lost", "open"):
        raise DealError("bad_status")
    _close(deal, status, closed_on)
    deal.updated_at = utcnow()
    refresh_kpis(deal)
    commit_pipeline(deal.manager_id)


def archive_deal(deal: Deal, archived: bool = True) -> None:
    deal.archived = archived
    deal.updated_at = utcnow()
    commit_pipeline(deal.manager_id)


# ---------------------------------------------------------------- import

IMPORT_COMPARED = (
    ("title", "title"),
    ("account", "account"),
    ("value", "value"),
    ("currency", "currency"),
    ("stage", "stage"),
    ("status", "status"),
    ("created", "created_on"),
    ("expected_close", "expected_close"),
    ("closed", "closed_on"),
    ("notes", "notes"),
)
# File fields rows can be matched on, and the deal column each one is compared with ("owner": the rep's name).
KEY_TARGETS = {"external_id": "external_id", **dict(IMPORT_COMPARED)}


@dataclass
class PlannedRow:
    row_number: int
    action: str  # create, update, unchanged, rejected
    key: str
    title: str | None = None
    rep: str | None = None
    changes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    deal_id: int | None = None  # the matched deal of an update or unchanged row


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    new_reps: list[str]
    counts: dict[str, int]
    file_errors: list[str] = field(default_factory=list)

    @property
    def importable(self) -> bool:
        """All-or-nothing: only a file without rejected rows is applied."""
        return not self.counts.get("rejected") and not self.file_errors

    def summary(self) -> dict[str, int]:
        return {k: self.counts.get(k, 0) for k in ("create", "update", "unchanged", "rejected")} | {
            "new_reps": len(self.new_reps)
        }


def _key_text(value) -> str:
    """A key part as the file reader compares it: no case, single spaces, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split()).casefold()


def _key_column(field_name: str):
    if field_name == "owner":
        return Rep.name
    target = KEY_TARGETS.get(field_name)
    if target is None:
        raise ValueError(f"deals cannot be matched on {field_name!r}")
    return getattr(Deal, target)


@dataclass
class ExistingDeals:
    """The manager's deals by match key (as the file reader writes keys), and every deal id in use."""

    ids_by_key: dict[tuple[str, ...], int]
    external_ids: set[str]


def existing_deals(manager: User, key_fields: tuple[str, ...]) -> ExistingDeals:
    """Match keys of all the manager's deals, read as plain columns (no ORM objects)."""
    columns = [_key_column(f) for f in key_fields]
    rows = db.session.execute(
        sa.select(Deal.id, Deal.external_id, *columns)
        .outerjoin(Rep, Deal.rep_id == Rep.id)
        .where(Deal.manager_id == manager.id)
        .order_by(Deal.id)
    )
    ids_by_key: dict[tuple[str, ...], int] = {}
    external_ids: set[str] = set()
    for deal_id, external_id, *parts in rows:
        external_ids.add(external_id)
        ids_by_key.setdefault(tuple(_key_text(p) for p in parts), deal_id)
    return ExistingDeals(ids_by_key, external_ids)


def deals_by_id(ids, chunk: int = 900) -> dict[int, Deal]:
    """Deals by primary key, fetched in chunks (SQLite limits bound parameters)."""
    found: dict[int, Deal] = {}
    unique = sorted(set(ids))
    for start in range(0, len(unique), chunk):
        part = unique[start : start + chunk]
        found.update((d.id, d) for d in db.session.scalars(sa.select(Deal).where(Deal.id.in_(part))))
    return found


def _compared_columns(ids, chunk: int = 900) -> dict[int, sa.Row]:
    """The columns an import compares, per deal id, as plain rows (cheaper than ORM objects)."""
    columns = [Deal.id, Deal.rep_id, *(getattr(Deal, target) for _source, target in IMPORT_COMPARED)]
    found: dict[int, sa.Row] = {}
    unique = sorted(set(ids))
    for start in range(0, len(unique), chunk):
        part = unique[start : start + chunk]
        found.update((row.id, row) for row in db.session.execute(sa.select(*columns).where(Deal.id.in_(part))))
    return found


def new_external_id(parsed: ParsedDeal, key_fields: tuple[str, ...]) -> str:
    """The id a new deal gets: the file's deal id as written, else the row's key as written."""
    return (parsed.external_id or _display_key(parsed, key_fields))[:120]


def plan_import(manager: User, analysis: Analysis, *, create_reps: bool, lang: str = "en") -> ImportPlan:
    """Decide, row by row, what importing ``analysis`` would do; changes nothing.

    Rows are matched to the manager's deals on the analysis's key fields (the
    deal id, or a key the user picked such as deal + account), without case.
    A row is rejected when the file reader rejected it, when it names a rep who
    is not in the team and ``create_reps`` is off, or when it would create a
    deal with an id that another deal already has.
    """
    lang = lang if lang in REP_NOT_IN_TEAM else "en"
    rows: list[PlannedRow] = []
    for row_number, errors in analysis.errors_by_row().items():
        rows.append(PlannedRow(row_number, "rejected", "", reasons=[e.message(lang) for e in errors]))

    mapped = {target for target, header in analysis.mapping.items() if header}
    reps = {r.name_key: r for r in team(manager)}
    key_fields = tuple(analysis.key_fields)
    existing = existing_deals(manager, key_fields)
    ids_in_use = {i.casefold() for i in existing.external_ids}
    deals = _compared_columns(existing.ids_by_key[p.key] for p in analysis.deals if p.key in existing.ids_by_key)
    new_reps: dict[str, str] = {}
    for parsed in analysis.deals:
        key = _display_key(parsed, key_fields)
        row = PlannedRow(parsed.row_number, "create", key, title=parsed.title, rep=parsed.owner)
        if parsed.owner:
            owner_key = rep_key(parsed.owner)
            if owner_key not in reps:
                if create_reps:
                    new_reps.setdefault(owner_key, re.sub(r"\s+", " ", parsed.owner).strip())
                else:
                    row.action = "rejected"
                    row.reasons.append(REP_NOT_IN_TEAM[lang].format(rep=parsed.owner))
        deal_id = existing.ids_by_key.get(parsed.key)
        if deal_id is None:
            new_id = new_external_id(parsed, key_fields)
            if new_id.casefold() in ids_in_use:
                row.action = "rejected"
                row.reasons.append(ID_IN_USE[lang].format(id=new_id))
            ids_in_use.add(new_id.casefold())
        elif row.action != "rejected":
            row.deal_id = deal_id
            row.changes = _changes(deals[deal_id], parsed, mapped, reps)
            row.action = "update" if row.changes else "unchanged"
        rows.append(row)
    rows.sort(key=lambda r: r.row_number)
    counts = Counter(r.action for r in rows)
    return ImportPlan(rows=rows, new_reps=sorted(new_reps.values()), counts=dict(counts))


def _display_key(parsed: ParsedDeal, key_fields: tuple[str, ...]) -> str:
    """The row's key as the file writes it (the reader's key is case-folded)."""
    parts = []
    for f in key_fields:
        value = getattr(parsed, f, None)
        if value is not None and value != "":
            parts.append(value.isoformat() if isinstance(value, date) else str(value))
    return " / ".join(parts)


ID_IN_USE = {
    "en": "deal ID “{id}” already belongs to another deal",
    "nl": "deal-ID “{id}” hoort al bij een andere deal",
}


REP_NOT_IN_TEAM = {
    "en": "rep “{rep}” is not in your team (allow creating reps, or add the rep first)",
    "nl": "verkoper “{rep}” zit niet in je team (sta nieuwe verkopers toe, of voeg de verkoper eerst toe)",
}


def _changes(deal, parsed: ParsedDeal, mapped: set[str], reps: dict[str, Rep]) -> list[str]:
    changes = []
    for source, target in IMPORT_COMPARED:
        if source not in mapped and source not in ("status", "currency"):
            continue
        new = getattr(parsed, source)
        old = getattr(deal, target)
        if isinstance(old, Decimal) or isinstance(new, Decimal):
            if (old is None) != (new is None) or (old is not None and Decimal(old) != Decimal(new)):
                changes.append(target)
        elif (old or None) != (new or None):
            changes.append(target)
    if "owner" in mapped and parsed.owner:
        rep = reps.get(rep_key(parsed.owner))
        if rep is None or rep.id != deal.rep_id:
            changes.append("rep")
    return changes


def apply_import(manager: User, analysis: Analysis, *, create_reps: bool, lang: str = "en") -> ImportPlan:
    """Apply an import completely or not at all, and return what was done.

    The plan is made again inside the transaction, so what is applied is exactly
    what the dry run showed for the same data.
    """
    plan = plan_import(manager, analysis, create_reps=create_reps, lang=lang)
    if not plan.importable:
        return plan
    try:
        reps = {r.name_key: r for r in team(manager)}
        for name in plan.new_reps:
            rep = Rep(manager_id=manager.id, name=name, name_key=rep_key(name))
            db.session.add(rep)
            reps[rep.name_key] = rep
        db.session.flush()
        planned = {r.row_number: r for r in plan.rows}
        key_fields = tuple(analysis.key_fields)
        existing = deals_by_id(r.deal_id for r in plan.rows if r.action == "update")
        mapped = {target for target, header in analysis.mapping.items() if header}
        now = utcnow()
        created: list[dict] = []
        for parsed in analysis.deals:
            row = planned[parsed.row_number]
            action = row.action
            rep = reps.get(rep_key(parsed.owner)) if parsed.owner else None
            if action == "create":
                # Plain rows for one bulk insert: thousands of ORM objects would take seconds.
                created.append(
                    dict(
                        manager_id=manager.id,
                        external_id=new_external_id(parsed, key_fields),
                        title=(parsed.title or _display_key(parsed, key_fields))[:255],
                        account=parsed.account,
                        rep_id=rep.id if rep else None,
                        value=parsed.value,
                        currency=parsed.currency,
                        stage=parsed.stage,
                        status=parsed.status,
                        created_on=parsed.created,
                        expected_close=parsed.expected_close,
                        # A bulk insert runs no ORM events: set what Deal's before_insert hook would.
                        close_key=parsed.expected_close or date.max,
                        closed_on=(parsed.closed or parsed.expected_close) if parsed.status != "open" else None,
                        notes=parsed.notes,
                        created_at=now,
                        updated_at=now,
                        flag_timing_risk=parsed.status == "open" and parsed.expected_close is None,
                    )
                )
            elif action == "update":
                _apply_update(existing[row.deal_id], parsed, mapped, rep)
        db.session.flush()
        if created:
            db.session.connection().execute(Deal.__table__.insert(), created)
        commit_pipeline(manager.id)
    except Exception:
        db.session.rollback()
        raise
    return plan


def _apply_update(deal: Deal, parsed: ParsedDeal, mapped: set[str], rep: Rep | None) -> None:
    for source, target in IMPORT_COMPARED:
        if source not in mapped and source not in ("status", "currency"):
            continue
        new = getattr(parsed, source)
        if target == "expected_close":
            _record_close_date(deal, new, "import")
        elif target == "status":
            if new != deal.status:
                _close(deal, new, parsed.closed)
        elif target == "title":
            deal.title = (new or deal.external_id)[:255]
        else:
            setattr(deal, target, new)
    if rep is not None:
        deal.rep_id = rep.id
    deal.updated_at = utcnow()
    refresh_kpis(deal)


def read_deal_file(data: bytes, filename: str, *, mapping=None, key="external_id", currency="EUR", lang="en"):
    """Parse an uploaded deal file and check every row; raises ``CrmImportError`` for a hopeless file.

    :return: ``(table, analysis)``.
    """
    from coachkit.crm_import import analyse
    from coachkit.crm_import import read_table

    table = read_table(data, filename, mapping=mapping or None)
    analysis = analyse(table, mapping or None, default_currency=currency, lang=lang, key=key)
    return table, analysis


def read_deal_upload(data: bytes, filename: str, choose_mapping, *, key="external_id", currency="EUR", lang="en"):
    """Like ``read_deal_file``, with the mapping chosen from the file's headers by ``choose_mapping(headers)``.

    ``key`` may also be a function of the headers.

    The file is read again only when the chosen mapping differs from the suggested one.
    """
    from coachkit.crm_import import analyse
    from coachkit.crm_import import read_table
    from coachkit.crm_import import suggest_mapping

    table = read_table(data, filename)
    mapping = choose_mapping(table.headers)
    if callable(key):
        key = key(table.headers)
    if mapping is not None and mapping == suggest_mapping(table.headers):
        mapping = None
    if mapping is not None:
        table = read_table(data, filename, mapping=mapping)
    analysis = analyse(table, mapping, default_currency=currency, lang=lang, key=key)
    return table, analysis


def remembered_choice(manager: User, headers: list[str]) -> dict | None:
    """The mapping and match key of the manager's latest applied import of a file with these headers."""
    from coachkit.models import ImportUpload

    rows = db.session.execute(
        sa.select(ImportUpload.headers, ImportUpload.mapping, ImportUpload.match_key)
        .where(ImportUpload.manager_id == manager.id, ImportUpload.applied_at.is_not(None))
        .where(ImportUpload.mapping.is_not(None))
        .order_by(ImportUpload.applied_at.desc())
        .limit(20)
    )
    for saved_headers, mapping, match_key in rows:
        if saved_headers == list(headers):
            return {"mapping": mapping, "key": match_key or "external_id"}
    return None
