"""The derived `__*` helper columns on tiny batches: each fires where it should and stays quiet elsewhere."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest

from regime_radar import catalog
from regime_radar.quality import derived
from regime_radar.sources.base import Window
from regime_radar.sources.market_calendar import new_york_instant

NOW = datetime(2025, 3, 3, 22, 0, tzinfo=UTC)  # Monday 17:00 New York, after the close
STAMP = datetime(2025, 3, 1, tzinfo=UTC)


def close_of(day: date) -> datetime:
    return new_york_instant(day, 16)


def prices(rows: list[tuple[Any, ...]], **columns: list[Any]) -> pa.Table:
    """A prices_daily batch from (symbol, date[, close[, adj_close]]) tuples, stamped at each day's close."""
    symbols = [r[0] for r in rows]
    days = [r[1] for r in rows]
    closes = [r[2] if len(r) > 2 else 100.0 for r in rows]
    adjusted = [r[3] if len(r) > 3 else c for r, c in zip(rows, closes, strict=True)]
    data = {
        "symbol": symbols,
        "date": days,
        "close": closes,
        "adj_close": adjusted,
        "source": ["test"] * len(rows),
        "available_at": [close_of(d) for d in days],
        "ingested_at": [STAMP] * len(rows),
        **columns,
    }
    return catalog.conform("prices_daily", pa.table(data))


def helper(name: str, table: pa.Table, column: str, window: Window | None = None, now: datetime = NOW) -> list[Any]:
    values = derived.compute(name, table, [column], window, now)[column]
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values.tolist()]


JAN = Window(date(2025, 1, 2), date(2025, 1, 31))


# -- calendar ------------------------------------------------------------------------------------


def test_weekends_exchange_holidays_and_special_closures_are_not_sessions() -> None:
    days = [date(2025, 1, 25), date(2025, 1, 20), date(2025, 1, 9), date(2025, 1, 21), date(2025, 1, 24)]
    table = prices([("NVDA", d) for d in days])
    assert helper("prices_daily", table, "__is_nyse_session") == [False, False, False, True, True]


def test_weekday_check_for_daily_series() -> None:
    table = catalog.conform(
        "market_series",
        pa.table(
            {
                "series_id": ["SP500"] * 3,
                "date": [date(2025, 1, 24), date(2025, 1, 25), date(2025, 1, 26)],
                "value": [1.0, 1.0, 1.0],
                "source": ["fred"] * 3,
                "available_at": [STAMP] * 3,
                "ingested_at": [STAMP] * 3,
            }
        ),
    )
    assert helper("market_series", table, "__is_weekday") == [True, False, False]


def test_dates_must_increase_per_symbol_in_the_batch_as_given() -> None:
    interleaved = prices([("NVDA", date(2025, 1, 2)), ("AAPL", date(2025, 1, 3)), ("NVDA", date(2025, 1, 3))])
    assert helper("prices_daily", interleaved, "__date_not_increasing") == [False, False, False]
    backwards = prices([("NVDA", date(2025, 1, 3)), ("AAPL", date(2025, 1, 2)), ("NVDA", date(2025, 1, 2))])
    assert helper("prices_daily", backwards, "__date_not_increasing") == [False, False, True]
    repeated = prices([("NVDA", date(2025, 1, 3)), ("NVDA", date(2025, 1, 3))])
    assert helper("prices_daily", repeated, "__date_not_increasing") == [False, True]


# -- coverage ------------------------------------------------------------------------------------


def test_a_gap_counts_the_sessions_missing_before_the_next_bar() -> None:
    # 01-09 (national day of mourning) and 01-20 (MLK) are closures, not gaps.
    days = [date(2025, 1, 8), date(2025, 1, 10), date(2025, 1, 17), date(2025, 1, 21), date(2025, 1, 24)]
    table = prices([("NVDA", d) for d in days])
    assert helper("prices_daily", table, "__missing_sessions_before", JAN) == [0, 0, 4, 0, 2]


def test_gaps_are_placed_on_the_right_rows_when_the_batch_is_not_sorted() -> None:
    table = prices([("NVDA", date(2025, 1, 24)), ("AAPL", date(2025, 1, 2)), ("NVDA", date(2025, 1, 2))])
    gaps = helper("prices_daily", table, "__missing_sessions_before", JAN)
    # NVDA jumps from 01-02 to 01-24: 13 sessions in between (01-09 and 01-20 closed).
    assert gaps == [13, 0, 0]


def test_coverage_is_not_checked_without_a_window() -> None:
    table = prices([("NVDA", date(2023, 1, 3)), ("NVDA", date(2024, 1, 2))])
    for column in ("__missing_sessions_before", "__missing_sessions_at_start", "__stale_sessions"):
        assert helper("prices_daily", table, column) == [0, 0]


def test_a_late_start_is_counted_on_the_symbols_first_row() -> None:
    table = prices([("NVDA", date(2025, 1, 8)), ("NVDA", date(2025, 1, 10)), ("AAPL", date(2025, 1, 2))])
    # 01-02, 01-03, 01-06, 01-07 come before NVDA's first bar.
    assert helper("prices_daily", table, "__missing_sessions_at_start", JAN) == [4, 0, 0]


def test_a_symbol_that_stops_short_of_the_window_end_is_stale() -> None:
    nvda = [("NVDA", date(2025, 1, d)) for d in (22, 23, 24)]
    table = prices([*nvda, ("AAPL", date(2025, 1, 31))])
    assert helper("prices_daily", table, "__stale_sessions", JAN) == [0, 0, 5, 0]


def test_staleness_stops_at_the_last_closed_session() -> None:
    table = prices([("NVDA", date(2025, 1, 24))])
    before_close = new_york_instant(date(2025, 1, 31), 15)  # Friday 15:00: Friday's bar cannot exist yet
    assert helper("prices_daily", table, "__stale_sessions", JAN, now=before_close) == [4]
    after_close = new_york_instant(date(2025, 1, 31), 16, 30)
    assert helper("prices_daily", table, "__stale_sessions", JAN, now=after_close) == [5]


def test_stale_days_measure_the_batch_against_the_window_end_or_today() -> None:
    table = catalog.conform(
        "market_series",
        pa.table(
            {
                "series_id": ["SP500", "DGS10"],
                "date": [date(2025, 1, 17), date(2025, 1, 20)],
                "value": [1.0, 4.5],
                "source": ["fred"] * 2,
                "available_at": [STAMP] * 2,
                "ingested_at": [STAMP] * 2,
            }
        ),
    )
    assert helper("market_series", table, "__stale_days", JAN) == [11, 11]
    today = new_york_instant(date(2025, 1, 22), 12)
    assert helper("market_series", table, "__stale_days", JAN, now=today) == [2, 2]
    assert helper("market_series", table, "__stale_days") == [0, 0]


# -- prices --------------------------------------------------------------------------------------


def test_adj_close_ratio_and_its_jumps() -> None:
    day = [date(2025, 1, d) for d in (2, 3, 6, 7)]
    table = prices([("NVDA", day[0], 100.0, 99.0), ("NVDA", day[1], 100.0, 99.0), ("NVDA", day[2], 25.0, 99.0)])
    assert helper("prices_daily", table, "__adj_close_ratio") == pytest.approx([0.99, 0.99, 3.96])
    change = helper("prices_daily", table, "__adj_ratio_change")
    assert change == pytest.approx([0.0, 0.0, 3.0])


def test_open_or_close_outside_the_days_range() -> None:
    table = prices(
        [("NVDA", date(2025, 1, 2), 11.0), ("NVDA", date(2025, 1, 3), 10.0), ("NVDA", date(2025, 1, 6), 10.0)],
        open=[10.0, 12.0, None],
        high=[10.5, 10.5, 10.5],
        low=[9.5, 9.5, 9.5],
    )
    assert helper("prices_daily", table, "__ohlc_outside_range") == [True, True, False]


def test_nan_and_infinity_are_counted_but_a_null_is_not() -> None:
    table = prices(
        [("NVDA", date(2025, 1, 2), math.inf, 100.0), ("NVDA", date(2025, 1, 3)), ("NVDA", date(2025, 1, 6))],
        open=[1.0, math.nan, None],
    )
    assert helper("prices_daily", table, "__nonfinite_values") == [1, 1, 0]


def test_a_bar_available_before_the_sessions_open_is_look_ahead() -> None:
    winter, summer = date(2025, 1, 27), date(2025, 7, 1)
    early = [new_york_instant(winter, 9, 0), new_york_instant(summer, 9, 29), close_of(summer)]
    table = prices([("NVDA", winter), ("NVDA", summer), ("AAPL", summer)]).set_column(
        10, "available_at", pa.array(early, pa.timestamp("us", tz="UTC"))
    )
    assert helper("prices_daily", table, "__available_at_lead_s") == [1800, 60, -6.5 * 3600]


def test_timestamps_and_dates_in_the_future() -> None:
    table = prices([("NVDA", date(2025, 3, 3)), ("NVDA", date(2025, 3, 4))])
    assert helper("prices_daily", table, "__time_ahead_days") == [0, 1]
    ahead = helper("prices_daily", table, "__available_at_ahead_s")
    assert ahead[0] < 0 < ahead[1]


# -- macro ---------------------------------------------------------------------------------------


def macro(rows: list[tuple[str, date, float | None, date, bool]], available: list[datetime] | None = None) -> pa.Table:
    return catalog.conform(
        "macro_observations",
        pa.table(
            {
                "series_id": [r[0] for r in rows],
                "period": [r[1] for r in rows],
                "value": pa.array([r[2] for r in rows], pa.float64()),
                "vintage_date": [r[3] for r in rows],
                "is_first_print": [r[4] for r in rows],
                "available_at": available or [new_york_instant(r[3], 8, 30) for r in rows],
                "ingested_at": [STAMP] * len(rows),
            }
        ),
    )


def test_vintages_dated_before_their_period_or_its_end() -> None:
    jan = date(2025, 1, 1)
    table = macro(
        [
            ("UNRATE", jan, 4.0, date(2024, 12, 31), True),
            ("ADP_CHG", jan, 183.0, date(2025, 1, 31), True),
            ("UNRATE", jan, 4.0, date(2025, 2, 7), False),
        ]
    )
    assert helper("macro_observations", table, "__vintage_lead_days") == [1, -30, -37]
    assert helper("macro_observations", table, "__vintage_lead_period_end_days") == [32, 1, -6]
    lead = helper("macro_observations", table, "__available_at_lead_period_end_s")
    assert lead[0] > 0 and lead[1] > 0 and lead[2] < 0


def test_a_first_print_must_be_the_earliest_valued_vintage_and_unique() -> None:
    dec, jan = date(2024, 12, 1), date(2025, 1, 1)
    table = macro(
        [
            ("PAYEMS", dec, None, date(2025, 1, 10), False),  # missing at first: the next valued row is the first print
            ("PAYEMS", dec, 159000.0, date(2025, 2, 7), True),
            ("PAYEMS", jan, 159100.0, date(2025, 2, 7), False),
            ("PAYEMS", jan, 159200.0, date(2025, 3, 7), True),  # later than a valued vintage: wrong
            ("JTSJOL", jan, 7600.0, date(2025, 3, 11), True),
            ("JTSJOL", jan, 7700.0, date(2025, 4, 1), True),  # two first prints
        ]
    )
    assert helper("macro_observations", table, "__first_print_not_earliest") == [
        False,
        False,
        False,
        True,
        False,
        True,
    ]
    assert helper("macro_observations", table, "__first_prints_per_period") == [1, 1, 1, 1, 2, 2]


def test_a_first_print_without_a_value_is_flagged() -> None:
    table = macro([("UNRATE", date(2025, 1, 1), None, date(2025, 2, 7), True)])
    assert helper("macro_observations", table, "__first_print_not_earliest") == [True]


def test_month_day_of_a_period() -> None:
    table = macro(
        [
            ("UNRATE", date(2025, 1, 1), 4.0, date(2025, 2, 7), True),
            ("ICSA", date(2025, 1, 25), 1.0, date(2025, 1, 30), True),
        ]
    )
    assert helper("macro_observations", table, "__month_day") == [1, 25]


def test_a_release_time_on_another_day_than_its_release_date() -> None:
    day = date(2025, 2, 7)
    table = catalog.conform(
        "release_calendar",
        pa.table(
            {
                "release": ["EMPLOYMENT_SITUATION"] * 3,
                "release_date": [day, day + timedelta(days=7), day + timedelta(days=14)],
                "released_at": [
                    new_york_instant(day, 8, 30),
                    new_york_instant(day + timedelta(days=8), 0, 30),
                    new_york_instant(day + timedelta(days=14), 23, 59),
                ],
                "available_at": [STAMP] * 3,
                "ingested_at": [STAMP] * 3,
            }
        ),
    )
    assert helper("release_calendar", table, "__released_at_day_offset") == [0, 1, 0]


# -- capex, policy, tariffs ----------------------------------------------------------------------


def test_quarter_length_and_filing_before_the_quarter_ends() -> None:
    end = date(2024, 12, 31)
    table = catalog.conform(
        "capex_quarterly",
        pa.table(
            {
                "ticker": ["MSFT", "MSFT"],
                "cik": ["0000789019"] * 2,
                "fiscal_year": pa.array([2025, 2025], pa.int32()),
                "fiscal_period": ["Q2", "Q3"],
                "period_start": [date(2024, 10, 1), date(2024, 7, 1)],
                "period_end": [end, end],
                "capex_usd": [1.0e10, 2.0e10],
                "available_at": [new_york_instant(end, 12), new_york_instant(date(2025, 1, 29), 16)],
                "ingested_at": [STAMP] * 2,
            }
        ),
    )
    assert helper("capex_quarterly", table, "__period_days") == [91, 183]
    lead = helper("capex_quarterly", table, "__available_at_lead_s")
    assert lead[0] == 12 * 3600 and lead[1] < 0


def test_signed_after_published_and_expiring_before_effective() -> None:
    day = date(2025, 2, 1)
    table = catalog.conform(
        "tariff_actions",
        pa.table(
            {
                "action_id": ["a", "b", "c"],
                "action": ["impose", "pause", "impose"],
                "partner": ["CA", "MX", "CN"],
                "scope": ["all_goods"] * 3,
                "signed_on": [day, day + timedelta(days=9), None],
                "published_on": [day + timedelta(days=6), day + timedelta(days=6), day],
                "effective_at": [new_york_instant(day, 12), new_york_instant(day, 12), None],
                "expires_at": [None, new_york_instant(day, 11), None],
                "available_at": [new_york_instant(day, 17), new_york_instant(day, 17), new_york_instant(day, 17)],
                "ingested_at": [STAMP] * 3,
            }
        ),
    )
    assert helper("tariff_actions", table, "__signed_after_published_days") == [-6, 3, None]
    assert helper("tariff_actions", table, "__expires_before_effective_s") == [None, 3600, None]
    lead = helper("tariff_actions", table, "__available_at_lead_s")
    assert lead[0] < 0 and lead[1] > 0 and lead[2] is None


def test_a_pause_without_an_end() -> None:
    table = catalog.conform(
        "tariff_state",
        pa.table(
            {
                "date": [date(2025, 2, 4)] * 3,
                "partner": ["CA", "MX", "CN"],
                "scope": ["all_goods"] * 3,
                "status": ["paused", "paused", "effective"],
                "pause_ends": [date(2025, 3, 4), None, None],
            }
        ),
    )
    assert helper("tariff_state", table, "__paused_without_end") == [False, True, False]


def test_every_helper_copes_with_an_empty_batch() -> None:
    for name, dataset in catalog.DATASETS.items():
        empty = dataset.arrow_schema().empty_table()
        for column, fn in derived.HELPERS.items():
            try:
                values = fn(derived.Batch(name, empty, JAN, NOW))
            except (KeyError, ValueError):
                continue  # the helper needs a column this dataset does not have
            assert len(values) == 0, (name, column)


def test_an_unknown_helper_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown derived column"):
        derived.compute("prices_daily", prices([("NVDA", date(2025, 1, 2))]), ["__nope"], None, NOW)
