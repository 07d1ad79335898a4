"""Forecast per period (month or quarter), per rep and for the team.

For each period the forecast gives, in the target currency:

* **booked**: deals won in the period (by closed date; by expected close date
  when a won deal has no closed date);
* **commit**: open deals expected to close in the period with reliability
  >= :data:`COMMIT_MIN_RELIABILITY` and timing >= :data:`COMMIT_MIN_TIMING`;
* **best case**: commit plus the open deals expected to close in the period
  with chance to win >= :data:`BEST_CASE_MIN_CHANCE`, timing above 0 and no
  walk-away flag;
* **weighted**: the sum of ``value * W/100 * T/100`` over the open deals
  expected to close in the period.

Open deals without KPIs (not analysed) are left out of commit, best case and
weighted and counted as ``unanalysed``. Open deals without an expected close
date belong to no period and are counted per rep in ``Forecast.undated``.
Amounts in another currency are converted only when a rate is given;
otherwise they are never added to the totals and are listed per currency as
``excluded``. Lost deals play no part. Money is Decimal; every deal's amount
(and weighted amount) is rounded to cents before it is added, so a team's
figures are exactly the sum of its reps' figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal

GRANULARITIES = ("month", "quarter")
STATUSES = ("open", "won", "lost")

COMMIT_MIN_RELIABILITY = 60.0
COMMIT_MIN_TIMING = 60.0
BEST_CASE_MIN_CHANCE = 30.0

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ForecastDeal:
    """One deal as the forecast needs it; KPIs are percentages or None (not analysed)."""

    rep: str
    value: Decimal
    currency: str
    status: str
    expected_close: date | None
    closed_on: date | None
    chance_to_win: float | None
    timing: float | None
    reliability: float | None
    walk_away: bool = False

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {self.status!r}")
        if not isinstance(self.value, Decimal):
            raise ValueError(f"value must be a Decimal, not {type(self.value).__name__}")

    @property
    def analysed(self) -> bool:
        return self.chance_to_win is not None and self.timing is not None and self.reliability is not None


@dataclass(frozen=True)
class Tally:
    """A number of deals and their total value, in one currency."""

    currency: str
    count: int
    value: Decimal


@dataclass(frozen=True)
class ForecastLine:
    """The forecast of one rep, or of the team, in one period."""

    booked: Decimal = ZERO
    commit: Decimal = ZERO
    best_case: Decimal = ZERO
    weighted: Decimal = ZERO
    unanalysed: Tally | None = None
    excluded: tuple[Tally, ...] = ()


@dataclass(frozen=True)
class PeriodForecast:
    period: str
    start: date
    end: date
    team: ForecastLine
    reps: dict[str, ForecastLine] = field(default_factory=dict)


@dataclass(frozen=True)
class Forecast:
    currency: str
    granularity: str
    periods: tuple[PeriodForecast, ...]
    undated: dict[str, tuple[Tally, ...]] = field(default_factory=dict)

    def period(self, key: str) -> PeriodForecast:
        for p in self.periods:
            if p.period == key:
                return p
        raise KeyError(key)


def period_of(day: date, granularity: str) -> tuple[str, date, date]:
    """The period a day falls in: its key (``2025-03`` or ``2025-Q1``), first and last day."""
    if granularity == "month":
        first_month = day.month
        months = 1
        key = f"{day.year:04d}-{day.month:02d}"
    elif granularity == "quarter":
        quarter = (day.month - 1) // 3 + 1
        first_month = 3 * quarter - 2
        months = 3
        key = f"{day.year:04d}-Q{quarter}"
    else:
        raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}, not {granularity!r}")
    start = date(day.year, first_month, 1)
    after_month = first_month + months
    if after_month > 12:
        end = date(day.year + 1, after_month - 12, 1)
    else:
        end = date(day.year, after_month, 1)
    return key, start, date.fromordinal(end.toordinal() - 1)


def _pct(value: float) -> Decimal:
    return Decimal(str(value)) / 100


class _Line:
    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.booked = Decimal(0)
        self.commit = Decimal(0)
        self.best_case = Decimal(0)
        self.weighted = Decimal(0)
        self.unanalysed_count = 0
        self.unanalysed_value = Decimal(0)
        self.excluded: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])

    def add(self, deal: ForecastDeal, value: Decimal | None) -> None:
        if value is None:
            tally = self.excluded[deal.currency]
            tally[0] += 1
            tally[1] += deal.value
            return
        if deal.status == "won":
            self.booked += value
            return
        if not deal.analysed:
            self.unanalysed_count += 1
            self.unanalysed_value += value
            return
        commit = deal.reliability >= COMMIT_MIN_RELIABILITY and deal.timing >= COMMIT_MIN_TIMING
        if commit:
            self.commit += value
        if commit or (deal.chance_to_win >= BEST_CASE_MIN_CHANCE and deal.timing > 0 and not deal.walk_away):
            self.best_case += value
        self.weighted += to_cents(value * _pct(deal.chance_to_win) * _pct(deal.timing))

    def freeze(self) -> ForecastLine:
        return ForecastLine(
            booked=to_cents(self.booked),
            commit=to_cents(self.commit),
            best_case=to_cents(self.best_case),
            weighted=to_cents(self.weighted),
            unanalysed=Tally(self.currency, self.unanalysed_count, to_cents(self.unanalysed_value)),
            excluded=tuple(Tally(cur, count, to_cents(value)) for cur, (count, value) in sorted(self.excluded.items())),
        )


def build_forecast(
    deals: Iterable[ForecastDeal],
    granularity: str = "month",
    currency: str = "EUR",
    rates: Mapping[str, Decimal] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Forecast:
    """Forecast per period and per rep.

    :param deals: the deals; lost deals are ignored.
    :param granularity: ``"month"`` or ``"quarter"``.
    :param currency: the currency of every amount in the result.
    :param rates: optional ``{currency: rate}``; one unit of ``currency`` is
        ``rate`` units of the target currency. Without a rate, deals in another
        currency are listed as ``excluded`` and never summed.
    :param start: leave out periods that end before this day.
    :param end: leave out periods that start after this day.
    :return: the periods that hold at least one deal, in date order.
    """
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}, not {granularity!r}")
    rates = dict(rates or {})
    for cur, rate in rates.items():
        if not isinstance(rate, Decimal) or rate <= 0:
            raise ValueError(f"rate for {cur} must be a positive Decimal, not {rate!r}")

    def converted(deal: ForecastDeal) -> Decimal | None:
        if deal.currency == currency:
            return to_cents(deal.value)
        if deal.currency in rates:
            return to_cents(deal.value * rates[deal.currency])
        return None

    periods: dict[str, tuple[date, date]] = {}
    reps: dict[str, dict[str, _Line]] = defaultdict(dict)
    teams: dict[str, _Line] = {}
    undated: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(lambda: [0, Decimal(0)]))

    for deal in deals:
        if deal.status == "lost":
            continue
        day = deal.expected_close
        if deal.status == "won" and deal.closed_on is not None:
            day = deal.closed_on
        if day is None:
            if deal.status == "open":
                tally = undated[deal.rep][deal.currency]
                tally[0] += 1
                tally[1] += deal.value
            continue
        key, first, last = period_of(day, granularity)
        if (start is not None and last < start) or (end is not None and first > end):
            continue
        periods[key] = (first, last)
        value = converted(deal)
        if key not in teams:
            teams[key] = _Line(currency)
        teams[key].add(deal, value)
        if deal.rep not in reps[key]:
            reps[key][deal.rep] = _Line(currency)
        reps[key][deal.rep].add(deal, value)

    return Forecast(
        currency=currency,
        granularity=granularity,
        periods=tuple(
            PeriodForecast(
                period=key,
                start=first,
                end=last,
                team=teams[key].freeze(),
                reps={rep: line.freeze() for rep, line in sorted(reps[key].items())},
            )
            for key, (first, last) in sorted(periods.items(), key=lambda item: item[1][0])
        ),
        undated={
            rep: tuple(Tally(cur, count, to_cents(value)) for cur, (count, value) in sorted(by_cur.items()))
            for rep, by_cur in sorted(undated.items())
        },
    )


CALIBRATION_EDGES = (0.0, 20.0, 40.0, 60.0, 80.0, 100.0)


@dataclass(frozen=True)
class CalibrationBucket:
    """Closed deals whose last chance to win fell in ``[low, high)`` (the top band includes 100).

    ``low`` and ``high`` are None for deals that were never analysed.
    """

    low: float | None
    high: float | None
    deals: int
    won: int

    @property
    def win_rate(self) -> float | None:
        return None if not self.deals else round(100.0 * self.won / self.deals, 1)


def win_rate_by_chance(closed: Iterable[tuple[float | None, bool]]) -> tuple[CalibrationBucket, ...]:
    """How often closed deals were won, grouped by their last chance to win before closing.

    A defensible forecast has win rates that rise with the chance to win; a band
    whose win rate is far from its chance shows where the team's analyses are
    too optimistic or too careful.

    :param closed: ``(chance_to_win at closing or None, won)`` per closed deal.
    :return: five bands of 20 points, then the never-analysed deals.
    """
    counts = [[0, 0] for _ in range(len(CALIBRATION_EDGES) - 1)]
    unanalysed = [0, 0]
    for chance, won in closed:
        if chance is None:
            bucket = unanalysed
        else:
            if not 0.0 <= chance <= 100.0:
                raise ValueError(f"chance to win must be within 0..100, not {chance!r}")
            index = min(int(chance // 20), len(counts) - 1)
            bucket = counts[index]
        bucket[0] += 1
        bucket[1] += 1 if won else 0
    bands = tuple(
        CalibrationBucket(CALIBRATION_EDGES[i], CALIBRATION_EDGES[i + 1], n, w) for i, (n, w) in enumerate(counts)
    )
    return (*bands, CalibrationBucket(None, None, unanalysed[0], unanalysed[1]))
