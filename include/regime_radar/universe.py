"""Typed accessors for the market universe in `config/universe.yaml` (symbols, baskets, companies, series)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from regime_radar import config

UNIVERSE_FILE = "universe.yaml"
AVAILABILITY_LAGS = ("same_day", "next_business_day", "weekly_monday")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class Company:
    """A hyperscaler whose capital expenditure is read from SEC EDGAR."""

    ticker: str
    cik: int
    name: str
    fiscal_year_end_month: int

    @property
    def cik10(self) -> str:
        return f"{self.cik:010d}"


@dataclass(frozen=True)
class Availability:
    """When the public could know a series' observation: a lag rule and a New York wall-clock time."""

    lag: str
    time: str

    @property
    def hour(self) -> int:
        return int(self.time[:2])

    @property
    def minute(self) -> int:
        return int(self.time[3:])


@dataclass(frozen=True)
class FredSeries:
    """A FRED daily market series with its publication rule."""

    series_id: str
    description: str
    available: Availability


def _raw() -> dict[str, Any]:
    data = config.load_yaml(UNIVERSE_FILE)
    if not isinstance(data, dict):
        raise ValueError(f"{UNIVERSE_FILE}: expected a mapping at the top level")
    return data


def _section(name: str) -> Any:
    data = _raw()
    if name not in data:
        raise ValueError(f"{UNIVERSE_FILE}: section {name!r} is missing")
    return data[name]


def baskets() -> dict[str, tuple[str, ...]]:
    """Every basket name mapped to its symbols, in file order."""
    section = _section("baskets")
    result: dict[str, tuple[str, ...]] = {}
    for name, body in section.items():
        symbols = body.get("symbols") if isinstance(body, dict) else body
        if not symbols or not all(isinstance(s, str) and s.strip() for s in symbols):
            raise ValueError(f"{UNIVERSE_FILE}: basket {name!r} needs a non-empty list of symbols")
        result[str(name)] = tuple(s.strip().upper() for s in symbols)
    return result


def basket(name: str) -> tuple[str, ...]:
    """The symbols of one basket."""
    known = baskets()
    if name not in known:
        raise KeyError(f"unknown basket {name!r}; known: {', '.join(known)}")
    return known[name]


def symbols() -> tuple[str, ...]:
    """Every symbol in any basket, once each, in file order."""
    seen: dict[str, None] = {}
    for members in baskets().values():
        for symbol in members:
            seen.setdefault(symbol, None)
    return tuple(seen)


def hyperscalers() -> tuple[Company, ...]:
    """The companies whose capex is tracked, in file order."""
    companies = []
    for ticker, body in _section("hyperscalers").items():
        month = int(body.get("fiscal_year_end_month", 12))
        if not 1 <= month <= 12:
            raise ValueError(f"{UNIVERSE_FILE}: {ticker} fiscal_year_end_month must be 1..12, not {month}")
        if "cik" not in body:
            raise ValueError(f"{UNIVERSE_FILE}: hyperscaler {ticker} needs a cik")
        companies.append(
            Company(
                ticker=str(ticker).upper(),
                cik=int(body["cik"]),
                name=str(body.get("name", ticker)),
                fiscal_year_end_month=month,
            )
        )
    return tuple(companies)


def company(ticker: str) -> Company:
    """One hyperscaler by ticker."""
    for entry in hyperscalers():
        if entry.ticker == ticker.upper():
            return entry
    raise KeyError(f"unknown hyperscaler {ticker!r}; known: {', '.join(c.ticker for c in hyperscalers())}")


def company_by_cik(cik: int) -> Company:
    """One hyperscaler by its SEC central index key."""
    for entry in hyperscalers():
        if entry.cik == int(cik):
            return entry
    raise KeyError(f"CIK {cik} is not a hyperscaler in {UNIVERSE_FILE}")


def capex_tags() -> tuple[str, ...]:
    """XBRL capex tags in order of preference."""
    tags = _section("capex_tags")
    if not tags:
        raise ValueError(f"{UNIVERSE_FILE}: capex_tags must list at least one tag")
    return tuple(str(t) for t in tags)


def fred_series() -> tuple[FredSeries, ...]:
    """The FRED market series to ingest, with their availability rules."""
    result = []
    for series_id, body in _section("fred_series").items():
        available = body.get("available") or {}
        lag, time = available.get("lag"), str(available.get("time", ""))
        if lag not in AVAILABILITY_LAGS:
            raise ValueError(f"{UNIVERSE_FILE}: {series_id} available.lag must be one of {AVAILABILITY_LAGS}")
        if not _TIME.match(time):
            raise ValueError(f"{UNIVERSE_FILE}: {series_id} available.time must be HH:MM, not {time!r}")
        result.append(FredSeries(str(series_id), str(body.get("description", "")), Availability(lag, time)))
    return tuple(result)


def fred_series_by_id(series_id: str) -> FredSeries:
    """One FRED series by id."""
    for entry in fred_series():
        if entry.series_id == series_id:
            return entry
    raise KeyError(f"unknown FRED series {series_id!r}; known: {', '.join(s.series_id for s in fred_series())}")
