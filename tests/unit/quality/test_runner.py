"""The runner with real GX: clean batches pass, each corruption is reported with its rows, GX stays quiet and lazy."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
import pytest

from regime_radar import catalog
from regime_radar.quality import runner
from regime_radar.sources.base import Window
from regime_radar.sources.market_calendar import new_york_instant, nyse_trading_days

JAN = Window(date(2025, 1, 2), date(2025, 1, 31))
STAMP = datetime(2025, 2, 3, tzinfo=UTC)


def bar_rows() -> list[dict[str, Any]]:
    """Two symbols over every January 2025 session, consistent in every way the suite checks."""
    rows = []
    for symbol, level in (("NVDA", 140.0), ("AAPL", 240.0)):
        for i, day in enumerate(nyse_trading_days(JAN.start, JAN.end)):
            close = level + i
            rows.append(
                {
                    "symbol": symbol,
                    "date": day,
                    "open": close - 0.5,
                    "high": close + 1.0,
                    "low": close - 1.0,
                    "close": close,
                    "adj_close": close * 0.99,
                    "volume": 1000 + i,
                    "currency": "USD",
                    "source": "test",
                    "available_at": new_york_instant(day, 16),
                    "ingested_at": STAMP,
                }
            )
    return rows


def table(rows: list[dict[str, Any]]) -> pa.Table:
    return catalog.conform("prices_daily", pa.Table.from_pylist(rows))


def failures_by_column(report: runner.ValidationReport) -> dict[tuple[str, str], dict[str, Any]]:
    return {(f["severity"], str(f["column"])): f for f in report.failures}


def test_a_clean_batch_passes_every_expectation() -> None:
    report = runner.validate("prices_daily", table(bar_rows()), "clean", JAN)
    assert report.passed and report.failures == [], report.summary()
    assert report.evaluated == len(runner.suite_definition("prices_daily"))
    assert report.window == "2025-01-02..2025-01-31"
    assert "[critical] no missing week" in (report.docs_html or "")


def test_each_corruption_is_reported_with_the_rows_that_carry_it() -> None:
    rows = bar_rows()
    rows[3]["close"] = -1.0
    rows[5]["high"], rows[5]["low"] = 100.0, 200.0
    rows[7]["adj_close"] = rows[7]["close"] * 2
    rows[9]["available_at"] = datetime(2099, 1, 1, tzinfo=UTC)
    rows[30]["volume"] = -5
    del rows[12:18]  # NVDA misses six sessions: a missing week
    report = runner.validate("prices_daily", table(rows), "bad", JAN)
    assert not report.passed
    failed = failures_by_column(report)
    assert failed[("critical", "close")]["failing_rows"] == [3]
    assert failed[("critical", "close")]["sample"] == [-1.0]
    assert failed[("critical", "['high', 'low']")]["failing_rows"] == [5]
    assert failed[("critical", "__adj_close_ratio")]["failing_rows"] == [7]
    assert failed[("critical", "__available_at_ahead_s")]["failing_rows"] == [9]
    assert failed[("critical", "volume")]["failing_rows"] == [24]  # row 30 before six were removed
    assert failed[("critical", "__missing_sessions_before")]["failing_rows"] == [12]
    assert failed[("warning", "__missing_sessions_before")]["failing_rows"] == [12]
    assert report.failing_rows == [3, 5, 7, 9, 12, 24]
    assert "expect_column_values_to_be_between(__missing_sessions_before)" in report.summary()
    json.dumps(report.as_dict(), default=str)


def test_warnings_promote_and_are_reported() -> None:
    rows = bar_rows()
    rows[2]["close"] = rows[2]["high"] + 0.01  # a tick above the high
    rows[-1], rows[-2] = rows[-2], rows[-1]  # AAPL's last two bars swapped
    report = runner.validate("prices_daily", table(rows), "warn", JAN)
    assert report.passed, report.summary()
    assert {(f["column"], tuple(f["failing_rows"])) for f in report.warnings} == {
        ("__ohlc_outside_range", (2,)),
        ("__date_not_increasing", (len(rows) - 1,)),
    }


def test_a_stale_symbol_is_critical_only_from_a_missing_week() -> None:
    rows = [r for r in bar_rows() if not (r["symbol"] == "AAPL" and r["date"] > date(2025, 1, 27))]
    report = runner.validate("prices_daily", table(rows), "stale", JAN)
    assert report.passed and [f["column"] for f in report.warnings] == ["__stale_sessions"]
    rows = [r for r in rows if not (r["symbol"] == "AAPL" and r["date"] > date(2025, 1, 23))]
    report = runner.validate("prices_daily", table(rows), "stale", JAN)
    assert [f["column"] for f in report.critical] == ["__stale_sessions"]
    assert report.critical[0]["failing_rows"] == [len(rows) - 1]


def test_a_row_condition_failure_points_at_the_original_row() -> None:
    rows = []
    for series, value in (
        ("UNRATE", 4.1),
        ("ISM_MFG_PMI", 50.9),
        ("ISM_MFG_NEW_ORDERS", 55.1),
        ("ISM_SERVICES_PMI", 11.0),
    ):
        rows.append(
            {
                "series_id": series,
                "period": date(2025, 1, 1),
                "value": value,
                "vintage_date": date(2025, 2, 3),
                "is_first_print": True,
                "source": "test",
                "available_at": new_york_instant(date(2025, 2, 3), 10),
                "ingested_at": STAMP,
            }
        )
    report = runner.validate(
        "macro_observations", catalog.conform("macro_observations", pa.Table.from_pylist(rows)), "pmi"
    )
    (failure,) = report.failures
    assert failure["column"] == "value" and failure["failing_rows"] == [3] and failure["sample"] == [11.0]
    assert "30–80" in failure["description"]


def test_every_suite_expectation_is_a_valid_gx_expectation() -> None:
    for name in catalog.DATASETS:
        for index, spec in enumerate(runner.suite_definition(name)):
            expectation = runner._expectation(spec, index, [])
            assert expectation.severity == spec["severity"]


def test_gx_logs_nothing_below_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    runner.validate("prices_daily", table(bar_rows()[:3]), "quiet")
    assert [r for r in caplog.records if r.name.startswith("great_expectations")] == []


def test_an_empty_batch_returns_without_importing_gx() -> None:
    code = """
import sys
from regime_radar import catalog
from regime_radar.quality import runner
assert "great_expectations" not in sys.modules and "pandas" not in sys.modules
empty = runner.validate("tech_events", catalog.get("tech_events").arrow_schema().empty_table(), "e", "file.csv")
prices = runner.validate("prices_daily", catalog.get("prices_daily").arrow_schema().empty_table(), "e", "file.csv")
assert "great_expectations" not in sys.modules
print(empty.passed, empty.evaluated == len(runner.suite_definition("tech_events")), prices.passed,
      [f["expectation"] for f in prices.failures])
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.split() == ["True", "True", "False", "['expect_table_row_count_to_be_between']"]
