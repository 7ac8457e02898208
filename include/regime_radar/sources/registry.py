"""The source registry: one line per feed. Ingest DAGs are generated from it.

Kept as plain data so DAG files can read it without importing any feed's code; a feed's
module is imported only when a task runs (`load_source`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regime_radar.sources.base import Source


@dataclass(frozen=True)
class SourceSpec:
    name: str
    module: str  # importable module exposing `SOURCE`, an object implementing the Source protocol
    datasets: tuple[str, ...]
    schedule: str  # cron in UTC
    description: str
    lookback_days: int = 7  # a scheduled run re-fetches this many days to pick up corrections
    warmup_days: int = 0  # a first run reaches this far back for the history rules look at


# Weekday evenings after the US close (16:00 ET = 21:00 UTC in winter, 20:00 UTC in summer).
AFTER_CLOSE = "30 22 * * 1-5"
# Weekdays 16:30 UTC = 11:30 EST / 12:30 EDT: after the 08:30 and 10:00 ET releases in both DST regimes.
# A daily schedule rather than a calendar-built timetable: a timetable from the release calendar would
# need warehouse I/O at DAG parse time, and on a day without a release the run is a clean no-op.
AFTER_MACRO_RELEASES = "30 16 * * 1-5"
# Ten years of uncertainty-index history, so "percentile of its history" means something from day one.
TEN_YEARS = 3700

SOURCES: dict[str, SourceSpec] = {
    s.name: s
    for s in [
        SourceSpec(
            "yahoo_chart",
            "regime_radar.sources.yahoo_chart",
            ("prices_daily",),
            AFTER_CLOSE,
            "Daily bars for the universe from Yahoo's chart API v8.",
        ),
        SourceSpec(
            "fred_markets",
            "regime_radar.sources.fred_markets",
            ("market_series",),
            AFTER_CLOSE,
            "FRED daily market series: S&P 500, Nasdaq, VIX, 10-year yield, USD/CAD, USD/MXN, broad dollar.",
            lookback_days=14,
        ),
        SourceSpec(
            "sec_capex",
            "regime_radar.sources.sec_capex",
            ("capex_quarterly",),
            "0 12 * * 1-5",
            "Hyperscaler capital expenditure per quarter from SEC EDGAR XBRL filings.",
            # A quarter is filed up to ~90 days after it ends; the window selects on period_end.
            lookback_days=200,
            warmup_days=1100,
        ),
        SourceSpec(
            "tech_events",
            "regime_radar.sources.tech_events",
            ("tech_events",),
            AFTER_CLOSE,
            "User-maintained AI events (model releases, capex guidance) from the warehouse's inputs/.",
            lookback_days=30,
        ),
        SourceSpec(
            "fred_macro",
            "regime_radar.sources.fred_macro",
            ("macro_observations", "release_calendar"),
            AFTER_MACRO_RELEASES,
            "ALFRED vintages of payrolls, unemployment, JOLTS, ADP and claims; derived changes and"
            " openings per unemployed; FRED release dates.",
            lookback_days=10,
            warmup_days=400,
        ),
        SourceSpec(
            "ism",
            "regime_radar.sources.ism",
            ("macro_observations", "release_calendar"),
            AFTER_MACRO_RELEASES,
            "ISM manufacturing and services PMIs and sub-indices from the DBnomics mirror, range-checked.",
            lookback_days=10,
            warmup_days=400,
        ),
        SourceSpec(
            "macro_consensus",
            "regime_radar.sources.consensus",
            ("macro_consensus",),
            "0 12 * * 1-5",
            "User-maintained consensus forecasts for the macro releases, from the warehouse's inputs/.",
            lookback_days=400,
            warmup_days=400,
        ),
        SourceSpec(
            "federal_register",
            "regime_radar.sources.federal_register",
            ("policy_documents",),
            "30 14 * * 1-5",
            "Federal Register API v1: executive orders, proclamations and trade-agency notices about duties.",
            lookback_days=10,
        ),
        SourceSpec(
            "whitehouse_actions",
            "regime_radar.sources.whitehouse_actions",
            ("policy_documents",),
            "10 * * * *",  # hourly, every day: orders are signed on weekends too (2025-02-01 was a Saturday)
            "White House RSS: presidential actions, fact sheets and statements, posted the day they are signed.",
            lookback_days=3,
        ),
        SourceSpec(
            "tpu",
            "regime_radar.sources.tpu",
            ("policy_uncertainty",),
            "0 12 * * *",
            "Caldara–Iacoviello trade policy uncertainty, daily and monthly (tpu_web_latest.xlsx).",
            lookback_days=60,
            warmup_days=TEN_YEARS,
        ),
        SourceSpec(
            "epu_trade",
            "regime_radar.sources.epu_trade",
            ("policy_uncertainty",),
            "0 13 * * *",
            "Baker–Bloom–Davis trade policy uncertainty (FRED EPUTRADE, monthly).",
            lookback_days=62,
            warmup_days=TEN_YEARS,
        ),
    ]
}


def get_spec(name: str) -> SourceSpec:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}") from None


def load_source(name: str) -> Source:
    """Import a feed's module and return its Source object."""
    spec = get_spec(name)
    module = importlib.import_module(spec.module)
    return module.SOURCE
