from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.forecast import ForecastDeal
from assessments.forecast import Tally
from assessments.forecast import build_forecast
from assessments.forecast import period_of


def deal(
    value="1000",
    *,
    rep="Anna",
    currency="EUR",
    status="open",
    close=date(2025, 3, 20),
    closed_on=None,
    win=80.0,
    timing=80.0,
    reliability=70.0,
    walk_away=False,
):
    return ForecastDeal(
        rep=rep,
        value=Decimal(value),
        currency=currency,
        status=status,
        expected_close=close,
        closed_on=closed_on,
        chance_to_win=win,
        timing=timing,
        reliability=reliability,
        walk_away=walk_away,
    )


def test_periods_are_months_or_quarters_with_their_first_and_last_day():
    assert period_of(date(2024, 2, 10), "month") == ("2024-02", date(2024, 2, 1), date(2024, 2, 29))
    assert period_of(date(2025, 12, 31), "month") == ("2025-12", date(2025, 12, 1), date(2025, 12, 31))
    assert period_of(date(2025, 5, 1), "quarter") == ("2025-Q2", date(2025, 4, 1), date(2025, 6, 30))
    assert period_of(date(2025, 11, 30), "quarter") == ("2025-Q4", date(2025, 10, 1), date(2025, 12, 31))
    with pytest.raises(ValueError, match="granularity"):
        period_of(date(2025, 1, 1), "week")


def test_deals_are_bucketed_by_month_and_merged_by_quarter():
    deals = [
        deal("100", close=date(2025, 1, 15)),
        deal("200", close=date(2025, 2, 3)),
        deal("400", close=date(2025, 4, 1)),
    ]

    by_month = build_forecast(deals, "month")
    by_quarter = build_forecast(deals, "quarter")

    assert [p.period for p in by_month.periods] == ["2025-01", "2025-02", "2025-04"]
    assert [p.period for p in by_quarter.periods] == ["2025-Q1", "2025-Q2"]
    assert by_quarter.period("2025-Q1").team.commit == Decimal("300.00")
    assert by_quarter.period("2025-Q2").team.commit == Decimal("400.00")


def test_a_won_deal_is_booked_in_the_period_it_closed_not_the_one_it_was_expected():
    won = deal("5000", status="won", close=date(2025, 3, 31), closed_on=date(2025, 4, 2))

    forecast = build_forecast([won], "month")

    april = forecast.period("2025-04").team
    assert april.booked == Decimal("5000.00")
    assert april.commit == april.best_case == april.weighted == Decimal("0.00")
    assert [p.period for p in forecast.periods] == ["2025-04"]


def test_a_won_deal_without_closed_date_is_booked_in_its_expected_period():
    forecast = build_forecast([deal("10", status="won", close=date(2025, 3, 5))], "quarter")

    assert forecast.period("2025-Q1").team.booked == Decimal("10.00")


def test_commit_needs_reliability_and_timing_and_best_case_includes_commit():
    deals = [
        deal("1000", reliability=60.0, timing=60.0),  # commit
        deal("2000", reliability=59.9, timing=90.0, win=70.0),  # best case only
        deal("4000", reliability=90.0, timing=59.9, win=95.0),  # best case only
        deal("8000", reliability=5.0, timing=50.0, win=29.9),  # neither
    ]

    team = build_forecast(deals).period("2025-03").team

    assert team.commit == Decimal("1000.00")
    assert team.best_case == Decimal("7000.00")


def test_best_case_leaves_out_walk_away_deals_and_deals_that_cannot_close_on_time():
    deals = [
        deal("1000", win=90.0, reliability=50.0, walk_away=True),
        deal("2000", win=90.0, reliability=50.0, timing=0.0),
        deal("4000", win=90.0, reliability=50.0, timing=10.0),
    ]

    assert build_forecast(deals).period("2025-03").team.best_case == Decimal("4000.00")


def test_weighted_is_value_times_chance_to_win_times_timing_rounded_to_cents():
    deals = [deal("1234.56", win=62.5, timing=80.0), deal("999.99", win=33.3, timing=33.3)]

    team = build_forecast(deals).period("2025-03").team

    # 1234.56 * 0.625 * 0.8 = 617.28; 999.99 * 0.333 * 0.333 = 110.8878... -> 110.89
    assert team.weighted == Decimal("728.17")


def test_lost_deals_play_no_part():
    forecast = build_forecast([deal("1000", status="lost", closed_on=date(2025, 3, 1))])

    assert forecast.periods == ()


def test_unanalysed_open_deals_are_counted_but_not_forecast():
    deals = [deal("300", win=None, timing=None, reliability=None), deal("100")]

    team = build_forecast(deals).period("2025-03").team

    assert team.unanalysed == Tally("EUR", 1, Decimal("300.00"))
    assert team.best_case == Decimal("100.00")


def test_open_deals_without_a_close_date_are_listed_per_rep_as_undated():
    deals = [deal("300", close=None), deal("50", close=None, currency="USD"), deal("10", rep="Bram", close=None)]

    forecast = build_forecast(deals)

    assert forecast.periods == ()
    assert forecast.undated == {
        "Anna": (Tally("EUR", 1, Decimal("300.00")), Tally("USD", 1, Decimal("50.00"))),
        "Bram": (Tally("EUR", 1, Decimal("10.00")),),
    }


def test_amounts_in_another_currency_are_never_summed_without_a_rate():
    deals = [deal("1000"), deal("500", currency="USD"), deal("250", currency="USD"), deal("70", currency="GBP")]

    team = build_forecast(deals, currency="EUR").period("2025-03").team

    assert team.commit == Decimal("1000.00")
    assert team.excluded == (Tally("GBP", 1, Decimal("70.00")), Tally("USD", 2, Decimal("750.00")))


def test_a_rate_converts_another_currency_into_the_target_currency():
    deals = [deal("1000"), deal("500", currency="USD")]

    team = build_forecast(deals, currency="EUR", rates={"USD": Decimal("0.9")}).period("2025-03").team

    assert team.commit == Decimal("1450.00")
    assert team.excluded == ()


def test_rates_must_be_positive_decimals():
    with pytest.raises(ValueError, match="rate for USD"):
        build_forecast([deal()], rates={"USD": 0.9})


def test_the_forecast_is_given_per_rep_and_for_the_team():
    deals = [
        deal("100", rep="Bram"),
        deal("200", rep="Anna"),
        deal("400", rep="Anna", status="won", closed_on=date(2025, 3, 2)),
    ]

    march = build_forecast(deals).period("2025-03")

    assert list(march.reps) == ["Anna", "Bram"]
    assert march.reps["Anna"].commit == Decimal("200.00")
    assert march.reps["Anna"].booked == Decimal("400.00")
    assert march.reps["Bram"].commit == Decimal("100.00")
    assert march.team.commit == Decimal("300.00")


def test_start_and_end_keep_only_the_periods_that_overlap_them():
    deals = [deal("1", close=date(2025, m, 1)) for m in range(1, 13)]

    forecast = build_forecast(deals, "quarter", start=date(2025, 5, 15), end=date(2025, 7, 1))

    assert [p.period for p in forecast.periods] == ["2025-Q2", "2025-Q3"]


money = st.decimals(min_value=0, max_value=10**7, places=2)
kpi = st.none() | st.floats(0, 100).map(lambda x: round(x, 1))
forecast_deals = st.builds(
    ForecastDeal,
    rep=st.sampled_from(["Anna", "Bram", "Chloé"]),
    value=money,
    currency=st.sampled_from(["EUR", "EUR", "USD"]),
    status=st.sampled_from(["open", "won", "lost"]),
    expected_close=st.none() | st.dates(date(2025, 1, 1), date(2025, 12, 31)),
    closed_on=st.none() | st.dates(date(2025, 1, 1), date(2025, 12, 31)),
    chance_to_win=kpi,
    timing=kpi,
    reliability=kpi,
    walk_away=st.booleans(),
)


@given(deals=st.lists(forecast_deals, max_size=30), granularity=st.sampled_from(["month", "quarter"]))
def test_the_team_is_the_sum_of_its_reps_and_commit_never_exceeds_best_case(deals, granularity):
    forecast = build_forecast(deals, granularity)

    for period in forecast.periods:
        for name in ("booked", "commit", "best_case", "weighted"):
            assert getattr(period.team, name) == sum(getattr(line, name) for line in period.reps.values())
        for line in (period.team, *period.reps.values()):
            assert line.commit <= line.best_case
            assert line.weighted >= 0
            assert line.weighted.as_tuple().exponent == -2


# -- win rate by chance to win -------------------------------------------------


def test_win_rate_by_chance_puts_each_closed_deal_in_its_band_and_counts_wins():
    from assessments.forecast import win_rate_by_chance

    bands = win_rate_by_chance([(10.0, False), (19.9, True), (20.0, True), (85.0, True), (100.0, False), (None, True)])

    assert [(b.low, b.deals, b.won) for b in bands] == [
        (0.0, 2, 1),
        (20.0, 1, 1),
        (40.0, 0, 0),
        (60.0, 0, 0),
        (80.0, 2, 1),
        (None, 1, 1),
    ]
    assert bands[0].win_rate == 50.0
    assert bands[2].win_rate is None


def test_win_rate_by_chance_rejects_a_chance_outside_0_to_100():
    import pytest

    from assessments.forecast import win_rate_by_chance

    with pytest.raises(ValueError):
        win_rate_by_chance([(120.0, True)])
