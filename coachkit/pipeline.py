"""Read-side queries for the pipeline: filters, sorting, pages and per-rep summaries.

Every list is one paginated query plus one count, whatever the number of deals,
so the page costs the same number of SQL statements for 100 deals as for 100,000.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from dataclasses import replace
from datetime import date

import sqlalchemy as sa

from coachkit.extensions import db
from coachkit.models import Deal
from coachkit.models import Rep
from coachkit.models import User

PER_PAGE = 50
FLAGS = ("needs_help", "walk_away", "timing_risk", "overdue", "not_analysed")
KPI_COLUMNS = ("qualification", "chance_to_win", "reliability", "timing")
SORTABLE = ("title", "account", "rep", "value", "stage", "expected_close", *KPI_COLUMNS)
PERIOD_RE = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")


@dataclass(frozen=True)
class PipelineQuery:
    rep_id: int | None = None
    stage: str | None = None
    flag: str | None = None
    kpi: str | None = None
    kpi_min: float | None = None
    kpi_max: float | None = None
    period: str | None = None
    search: str | None = None
    sort: str = "expected_close"
    direction: str = "asc"
    page: int = 1

    def args(self, **changes) -> dict:
        """Query-string arguments for a link to this view with some changes."""
        q = replace(self, **changes)
        out = {
            "rep": q.rep_id,
            "stage": q.stage,
            "flag": q.flag,
            "kpi": q.kpi,
            "min": _num(q.kpi_min),
            "max": _num(q.kpi_max),
            "period": q.period,
            "q": q.search,
            "sort": q.sort,
            "dir": q.direction,
            "page": q.page if q.page != 1 else None,
        }
        return {k: v for k, v in out.items() if v not in (None, "")}


def _num(value: float | None) -> str | None:
    if value is None:
        return None
    return f"{value:g}"


def parse_query(args) -> tuple[PipelineQuery, list[str]]:
    """Read filters from query-string arguments; unusable values are dropped and reported."""
    problems: list[str] = []

    def number(name: str) -> float | None:
        raw = (args.get(name) or "").strip().replace(",", ".")
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            problems.append(name)
            return None
        if not 0 <= value <= 100:
            problems.append(name)
            return None
        return value

    rep_raw = (args.get("rep") or "").strip()
    rep_id = int(rep_raw) if rep_raw.isdigit() else None
    if rep_raw and rep_id is None:
        problems.append("rep")
    flag = args.get("flag") or None
    if flag and flag not in FLAGS:
        problems.append("flag")
        flag = None
    kpi = args.get("kpi") or None
    if kpi and kpi not in KPI_COLUMNS:
        problems.append("kpi")
        kpi = None
    period = (args.get("period") or "").strip() or None
    if period and not PERIOD_RE.match(period):
        problems.append("period")
        period = None
    sort = args.get("sort") or "expected_close"
    if sort not in SORTABLE:
        problems.append("sort")
        sort = "expected_close"
    direction = "desc" if args.get("dir") == "desc" else "asc"
    page_raw = (args.get("page") or "1").strip()
    page = int(page_raw) if page_raw.isdigit() and int(page_raw) > 0 else 1
    query = PipelineQuery(
        rep_id=rep_id,
        stage=(args.get("stage") or "").strip() or None,
        flag=flag,
        kpi=kpi,
        kpi_min=number("min"),
        kpi_max=number("max"),
        period=period,
        search=(args.get("q") or "").strip() or None,
        sort=sort,
        direction=direction,
        page=page,
    )
    return query, problems


def period_range(period: str) -> tuple[date, date]:
    """First and last day of ``2026-03`` (a month) or ``2026-Q1`` (a quarter)."""
    match = PERIOD_RE.match(period)
    if not match:
        raise ValueError(period)
    year = int(match.group(1))
    if match.group(2):
        first_month = last_month = int(match.group(2))
    else:
        quarter = int(match.group(3))
        first_month, last_month = 3 * quarter - 2, 3 * quarter
    start = date(year, first_month, 1)
    end = date(year + 1, 1, 1) if last_month == 12 else date(year, last_month + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def overdue_expr(today: date):
    return sa.and_(Deal.status == "open", Deal.expected_close.is_not(None), Deal.expected_close < today)


def timing_expr(today: date):
    """Timing as shown today: an open deal past its close date has timing 0."""
    return sa.case((overdue_expr(today), 0.0), else_=Deal.timing)


def flag_expr(flag: str, today: date):
    if flag == "needs_help":
        return Deal.flag_needs_help.is_(True)
    if flag == "walk_away":
        return Deal.flag_walk_away.is_(True)
    if flag == "timing_risk":
        return sa.or_(Deal.flag_timing_risk.is_(True), overdue_expr(today))
    if flag == "overdue":
        return overdue_expr(today)
    if flag == "not_analysed":
        return Deal.analysed_at.is_(None)
    raise ValueError(flag)


def open_deals(manager: User):
    return sa.and_(Deal.manager_id == manager.id, Deal.archived.is_(False), Deal.status == "open")


def pipeline_conditions(manager: User, query: PipelineQuery, today: date) -> list:
    conditions = [open_deals(manager)]
    if query.rep_id is not None:
        conditions.append(Deal.rep_id == query.rep_id)
    if query.stage:
        conditions.append(Deal.stage == query.stage)
    if query.flag:
        conditions.append(flag_expr(query.flag, today))
    if query.kpi:
        column = timing_expr(today) if query.kpi == "timing" else getattr(Deal, query.kpi)
        if query.kpi_min is not None:
            conditions.append(column >= query.kpi_min)
        if query.kpi_max is not None:
            conditions.append(column <= query.kpi_max)
    if query.period:
        start, end = period_range(query.period)
        conditions.append(Deal.expected_close.between(start, end))
    if query.search:
        like = f"%{query.search.lower()}%"
        conditions.append(
            sa.or_(
                sa.func.lower(Deal.title).like(like),
                sa.func.lower(Deal.account).like(like),
                sa.func.lower(Deal.external_id).like(like),
            )
        )
    return conditions


def pipeline_statement(manager: User, query: PipelineQuery, today: date):
    conditions = pipeline_conditions(manager, query, today)
    sort_columns = {
        "title": Deal.title,
        "account": Deal.account,
        "rep": Rep.name,
        "value": Deal.value,
        "stage": Deal.stage,
        "expected_close": Deal.close_key,
        "qualification": Deal.qualification,
        "chance_to_win": Deal.chance_to_win,
        "reliability": Deal.reliability,
        "timing": timing_expr(today),
    }
    column = sort_columns[query.sort]
    descending = query.direction == "desc"
    ordered = column.desc() if descending else column.asc()
    if query.sort == "expected_close" and descending:
        # close_key writes a blank date as the last possible day: descending, blanks would come first.
        ordered = Deal.expected_close.desc().nulls_last()
    elif query.sort != "expected_close":
        # Blank values last in both directions; close_key has no blanks, so its
        # order (the default view) comes straight from the pipeline index.
        ordered = ordered.nulls_last()
    return (
        sa.select(
            Deal,
            Rep.name.label("rep_name"),
            overdue_expr(today).label("overdue"),
            timing_expr(today).label("timing_now"),
        )
        .outerjoin(Rep, Deal.rep_id == Rep.id)
        .where(*conditions)
        .order_by(ordered, Deal.id.desc() if descending else Deal.id)
    )


@dataclass(frozen=True)
class PipelineRow:
    deal: Deal
    rep_name: str | None
    overdue: bool
    timing_now: float | None

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.deal.flag_needs_help:
            flags.append("needs_help")
        if self.deal.flag_walk_away:
            flags.append("walk_away")
        if self.deal.flag_timing_risk or self.overdue:
            flags.append("timing_risk")
        if self.overdue:
            flags.append("overdue")
        if self.deal.analysed_at is None:
            flags.append("not_analysed")
        return flags


@dataclass(frozen=True)
class PipelinePage:
    rows: list[PipelineRow]
    total: int
    page: int
    pages: int
    per_page: int


def pipeline_page(manager: User, query: PipelineQuery, today: date, per_page: int = PER_PAGE) -> PipelinePage:
    stmt = pipeline_statement(manager, query, today)
    total = db.session.scalar(sa.select(sa.func.count(Deal.id)).where(*pipeline_conditions(manager, query, today)))
    pages = max(1, -(-total // per_page))
    page = min(query.page, pages)
    result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    rows = [PipelineRow(r.Deal, r.rep_name, bool(r.overdue), r.timing_now) for r in result]
    return PipelinePage(rows=rows, total=total, page=page, pages=pages, per_page=per_page)


@dataclass(frozen=True)
class RepSummary:
    rep_id: int | None
    rep_name: str | None
    deals: int
    value: float
    weighted: float
    analysed: int
    avg_qualification: float | None
    avg_chance_to_win: float | None
    avg_reliability: float | None
    avg_timing: float | None
    needs_help: int
    walk_away: int
    timing_risk: int
    overdue: int
    foreign: int

    @property
    def analysed_share(self) -> float:
        return 100.0 * self.analysed / self.deals if self.deals else 0.0

    @property
    def flags(self) -> int:
        return self.needs_help + self.walk_away + self.timing_risk


_cache: OrderedDict = OrderedDict()
CACHE_SIZE = 512


def cached(manager: User, today: date, name: str, compute):
    """Aggregates over the whole pipeline, kept until the manager's deals change or the day ends.

    The key holds ``pipeline_version``, which every write to the manager's deals
    raises, so a stale result is never served, in any worker process.
    """
    # The database URL keeps figures of one database from ever serving another (tests, several sites).
    key = (db.engine.url.render_as_string(), manager.id, manager.pipeline_version, manager.currency, today, name)
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    value = compute()
    _cache[key] = value
    if len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return value


def clear_cache() -> None:
    _cache.clear()


def rep_summaries(manager: User, today: date) -> list[RepSummary]:
    """Per rep: pipeline value and weighted value (manager's currency only), analysed share, KPI averages, flags."""
    return cached(manager, today, "rep_summaries", lambda: _rep_summaries(manager, today))


def _rep_summaries(manager: User, today: date) -> list[RepSummary]:
    overdue = overdue_expr(today)
    timing_now = timing_expr(today)
    own_currency = Deal.currency == manager.currency
    count_if = lambda cond: sa.func.sum(sa.case((cond, 1), else_=0))  # noqa: E731
    stmt = (
        sa.select(
            Deal.rep_id,
            Rep.name,
            sa.func.count(Deal.id),
            sa.func.coalesce(sa.func.sum(sa.case((own_currency, Deal.value), else_=0)), 0),
            sa.func.coalesce(
                sa.func.sum(
                    sa.case(
                        (
                            sa.and_(own_currency, Deal.chance_to_win.is_not(None)),
                            Deal.value * Deal.chance_to_win * timing_now / 10000.0,
                        ),
                        else_=0,
                    )
                ),
                0,
            ),
            count_if(Deal.analysed_at.is_not(None)),
            sa.func.avg(Deal.qualification),
            sa.func.avg(Deal.chance_to_win),
            sa.func.avg(Deal.reliability),
            sa.func.avg(sa.case((Deal.analysed_at.is_not(None), timing_now), else_=None)),
            count_if(Deal.flag_needs_help.is_(True)),
            count_if(Deal.flag_walk_away.is_(True)),
            count_if(sa.or_(Deal.flag_timing_risk.is_(True), overdue)),
            count_if(overdue),
            count_if(sa.not_(own_currency)),
        )
        .outerjoin(Rep, Deal.rep_id == Rep.id)
        .where(open_deals(manager))
        .group_by(Deal.rep_id, Rep.name)
        .order_by(Rep.name.nulls_last())
    )
    return [
        RepSummary(
            rep_id=row[0],
            rep_name=row[1],
            deals=row[2],
            value=float(row[3] or 0),
            weighted=float(row[4] or 0),
            analysed=int(row[5] or 0),
            avg_qualification=_f(row[6]),
            avg_chance_to_win=_f(row[7]),
            avg_reliability=_f(row[8]),
            avg_timing=_f(row[9]),
            needs_help=int(row[10] or 0),
            walk_away=int(row[11] or 0),
            timing_risk=int(row[12] or 0),
            overdue=int(row[13] or 0),
            foreign=int(row[14] or 0),
        )
        for row in db.session.execute(stmt)
    ]


def _f(value) -> float | None:
    return None if value is None else float(value)


def stages(manager: User, today: date) -> list[str]:
    return cached(manager, today, "stages", lambda: _stages(manager))


def _stages(manager: User) -> list[str]:
    return [
        s
        for s in db.session.scalars(
            sa.select(Deal.stage).where(open_deals(manager), Deal.stage.is_not(None)).distinct().order_by(Deal.stage)
        )
    ]
