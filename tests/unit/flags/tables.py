"""Tiny hand-made input tables for the flag rules, in the catalog's column shapes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import numpy as np
import pandas as pd

from regime_radar import universe
from regime_radar.sources.market_calendar import nyse_trading_days
from regime_radar.timeutil import at_new_york

BASKET = list(universe.basket("ai_hardware"))
MARKET = ["QQQ", "SPY"]


def trading_days(start: str, end: str) -> list[date]:
    """NYSE trading days between two ISO dates."""
    return nyse_trading_days(date.fromisoformat(start), date.fromisoformat(end))


def ny(day: date | str, clock: str = "16:00") -> datetime:
    """A New York wall-clock time on a day, as a UTC instant."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    hour, minute = (int(x) for x in clock.split(":"))
    return at_new_york(day, time(hour, minute))


def prices(
    days: list[date],
    moves: dict[date, dict[str, float]] | None = None,
    symbols: list[str] | None = None,
    seed: int = 1,
    vol: float = 0.01,
) -> pd.DataFrame:
    """prices_daily rows: small random daily returns, with the given moves ({day: {symbol: return}}) imposed."""
    rng = np.random.default_rng(seed)
    symbols = symbols or [*BASKET, *MARKET]
    moves = moves or {}
    rows = []
    for symbol in symbols:
        level = 100.0
        for i, day in enumerate(days):
            if i:
                move = moves.get(day, {}).get(symbol)
                if move is None:
                    move = moves.get(day, {}).get("*", float(rng.normal(0.0, vol)))
                level *= 1.0 + move
            rows.append(
                {
                    "symbol": symbol,
                    "date": day,
                    "close": level,
                    "adj_close": level,
                    "source": "test",
                    "available_at": ny(day),
                    "ingested_at": ny(day, "22:00"),
                }
            )
    return pd.DataFrame(rows)


def crash(day: date, basket: float, market: float) -> dict[date, dict[str, float]]:
    """A one-day move: every basket member by `basket`, the broad market by `market`."""
    return {day: {**{s: basket for s in BASKET}, **{s: market for s in MARKET}}}


def event(day: str, kind: str, title: str, clock: str = "16:00", url: str | None = None) -> dict[str, Any]:
    """One tech_events row."""
    return {
        "date": date.fromisoformat(day),
        "kind": kind,
        "title": title,
        "url": url,
        "company": "TestCo",
        "available_at": ny(day, clock),
        "ingested_at": ny(day, "23:00"),
    }


def capex(ticker: str, quarters: list[tuple[str, float, str]]) -> list[dict[str, Any]]:
    """capex_quarterly rows from (period_end, capex in $bn, filed on) triples."""
    rows = []
    for period_end, billions, filed in quarters:
        end = date.fromisoformat(period_end)
        rows.append(
            {
                "ticker": ticker,
                "cik": "0000000001",
                "fiscal_year": end.year,
                "fiscal_period": f"Q{(end.month - 1) // 3 + 1}",
                "period_start": date(end.year, end.month - 2, 1),
                "period_end": end,
                "capex_usd": billions * 1e9,
                "form": "10-Q",
                "accession": "0000000001-25-000001",
                "available_at": ny(filed, "06:00"),
                "ingested_at": ny(filed, "07:00"),
            }
        )
    return rows


def quarter_ends(first_year: int, count: int) -> list[str]:
    """Calendar quarter ends from Q1 of `first_year`."""
    out = []
    for k in range(count):
        year, q = first_year + k // 4, k % 4
        out.append(date(year, 3 * q + 3, [31, 30, 30, 31][q]).isoformat())
    return out


def release(name: str, period: str, actual: float, released: str, surprise_z: float | None = None) -> dict[str, Any]:
    """One macro_releases row."""
    at = ny(released, "10:00")
    return {
        "release": name,
        "period": date.fromisoformat(period),
        "actual": actual,
        "consensus": None,
        "surprise": None,
        "surprise_z": surprise_z,
        "prior": None,
        "prior_revised": None,
        "released_at": at,
        "available_at": at,
    }


def observation(series: str, period: str, value: float, vintage: str, first: bool = True) -> dict[str, Any]:
    """One macro_observations row."""
    return {
        "series_id": series,
        "period": date.fromisoformat(period),
        "value": value,
        "vintage_date": date.fromisoformat(vintage),
        "is_first_print": first,
        "source": "test",
        "available_at": ny(vintage, "10:00"),
        "ingested_at": ny(vintage, "11:00"),
    }


def series(series_id: str, days: list[date], values: list[float], lag_days: int = 0) -> pd.DataFrame:
    """market_series rows, each available at 17:00 New York `lag_days` calendar days after its date."""
    return pd.DataFrame(
        {
            "series_id": series_id,
            "date": days,
            "value": values,
            "source": "test",
            "available_at": [ny((pd.Timestamp(d) + pd.Timedelta(days=lag_days)).date(), "17:00") for d in days],
            "ingested_at": datetime(2030, 1, 1, tzinfo=UTC),
        }
    )


def uncertainty(index_name: str, days: list[date], values: list[float]) -> pd.DataFrame:
    """policy_uncertainty rows, each public at noon New York the next day."""
    return pd.DataFrame(
        {
            "index_name": index_name,
            "date": days,
            "value": values,
            "source": "test",
            "available_at": [ny((pd.Timestamp(d) + pd.Timedelta(days=1)).date(), "12:00") for d in days],
            "ingested_at": datetime(2030, 1, 1, tzinfo=UTC),
        }
    )


def by_flag(rows: list[dict[str, Any]], flag: str) -> dict[date, dict[str, Any]]:
    """risk_flags rows of one flag keyed by date."""
    return {r["date"]: r for r in rows if r["flag"] == flag}


def levels(rows: list[dict[str, Any]], flag: str) -> dict[date, str]:
    """The level of one flag per date."""
    return {d: r["level"] for d, r in by_flag(rows, flag).items()}
