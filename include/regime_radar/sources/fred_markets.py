"""FRED daily market series (indices, VIX, the 10-year yield, FX, the broad dollar) into market_series.

One payload per series, named `<SERIES_ID>.json`, in the shape of FRED's `series/observations`
(file_type=json). FRED writes "." for a day without a value; that is a null, never a zero.
`available_at` follows each series' publication rule in `config/universe.yaml`:

- same_day HH:MM — the value is an official market close (S&P 500, NASDAQ, VIX), public when the
  market closes; FRED mirrors it later but the number itself was known that evening.
- next_business_day HH:MM — published on the following Federal Reserve business day (H.15 yields).
- weekly_monday HH:MM — published with the next week's Monday release (H.10 exchange rates and
  dollar indexes, 16:15 ET; the next business day when that Monday is a holiday).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from regime_radar import config, universe
from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.market_calendar import is_fed_business_day, new_york_instant, next_fed_business_day
from regime_radar.sources.parsing import load_json, to_table

if TYPE_CHECKING:
    from regime_radar.config import Settings
    from regime_radar.sources.http import HttpClient

DATASET = "market_series"
DEFAULT_BASE_URL = "https://api.stlouisfed.org"
BASE_URL_ENV = "REGIME_RADAR_FRED_BASE_URL"
API_KEY_ENV = "FRED_API_KEY"
REQUESTS_PER_SECOND = 2.0
MISSING = "."


def api_key() -> str:
    """The FRED API key: the password of the FRED Airflow connection, else $FRED_API_KEY."""
    conn = config.connection_extra(config.CONNECTION_IDS["fred"]) or {}
    key = conn.get("password") or (conn.get("extra") or {}).get("api_key") or os.environ.get(API_KEY_ENV)
    if not key:
        raise SourceError(
            f"fred_markets: no FRED API key; set the password of Airflow connection "
            f"{config.CONNECTION_IDS['fred']!r} or the {API_KEY_ENV} environment variable"
        )
    return str(key)


def fred_base_url(override: str | None = None) -> str:
    """The FRED API root: an explicit override, else $REGIME_RADAR_FRED_BASE_URL, else the public API."""
    return (override or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")


def connect(http: HttpClient, base_url: str, key: str | None = None) -> str:
    """Prepare a client for FRED: the API key registered as a secret, FRED's rate limit set; returns the key."""
    from urllib.parse import urlsplit

    key = key or api_key()
    http.add_secret(key)
    http.set_rate_limit(urlsplit(base_url).netloc, REQUESTS_PER_SECOND)
    return key


class FredMarkets:
    """The FRED market-series source; the base URL is overridable so tests can use a local server."""

    name = "fred_markets"
    datasets = (DATASET,)

    def __init__(self, base_url: str | None = None, series: Sequence[str] | None = None) -> None:
        self._base_url = base_url
        self._series = tuple(series) if series is not None else None

    @property
    def base_url(self) -> str:
        return fred_base_url(self._base_url)

    @property
    def series(self) -> tuple[str, ...]:
        return self._series if self._series is not None else tuple(s.series_id for s in universe.fred_series())

    def fetch(self, window: Window, http: HttpClient, settings: Settings) -> list[Payload]:
        """Download every configured series' observations in `window`; any failure raises, nothing partial."""
        key = connect(http, self.base_url)
        payloads = []
        for series_id in self.series:
            payload = http.get(
                f"{self.base_url}/fred/series/observations",
                name=f"{series_id}.json",
                params={
                    "series_id": series_id,
                    "api_key": key,
                    "file_type": "json",
                    "observation_start": window.start.isoformat(),
                    "observation_end": window.end.isoformat(),
                },
                expect="json",
            )
            payload.meta["series_id"] = series_id
            payloads.append(payload)
        return payloads

    def parse(self, payloads: Sequence[Payload]) -> dict[str, pa.Table]:
        """Turn observation payloads into market_series rows; "." becomes a null value."""
        rows: list[dict[str, Any]] = []
        for payload in payloads:
            rows.extend(parse_observations(payload))
        return {DATASET: to_table(DATASET, rows)}


def series_of(payload: Payload) -> str:
    """The series a payload holds: recorded in its meta, else its file name."""
    return str(payload.meta.get("series_id") or PurePosixPath(payload.name).stem).upper()


def parse_observations(payload: Payload) -> list[dict[str, Any]]:
    """Rows of one series/observations payload."""
    series_id = series_of(payload)
    where = f"fred_markets: {payload.name} ({payload.url})"
    try:
        rule = universe.fred_series_by_id(series_id).available
    except KeyError as exc:
        raise SourceError(f"{where}: {exc.args[0]}; add it to fred_series in universe.yaml") from None
    document = load_json(payload, "fred_markets")
    if not isinstance(document, dict):
        raise SourceError(f"{where}: expected a JSON object")
    if "error_code" in document or "error_message" in document:
        raise SourceError(f"{where}: FRED error {document.get('error_code')}: {document.get('error_message')}")
    observations = document.get("observations")
    if not isinstance(observations, list):
        raise SourceError(f"{where}: no 'observations' list in the response")
    by_date: dict[date, dict[str, Any]] = {}
    for obs in observations:
        try:
            day = date.fromisoformat(obs["date"])
            raw = str(obs["value"]).strip()
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(f"{where}: malformed observation {obs!r}: {exc}") from None
        by_date[day] = {
            "series_id": series_id,
            "date": day,
            "value": _value(raw, where, day),
            "source": "fred",
            "available_at": available_at(day, rule),
            "ingested_at": payload.fetched_at,
        }
    return [by_date[d] for d in sorted(by_date)]


def _value(raw: str, where: str, day: date) -> float | None:
    if raw == MISSING or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise SourceError(f"{where}: value {raw!r} on {day} is neither a number nor '.'") from None


def available_at(day: date, rule: universe.Availability) -> datetime:
    """The UTC instant an observation dated `day` became public under `rule`."""
    if rule.lag == "same_day":
        published = day
    elif rule.lag == "next_business_day":
        published = next_fed_business_day(day)
    elif rule.lag == "weekly_monday":
        published = day + timedelta(days=7 - day.weekday())
        while not is_fed_business_day(published):
            published += timedelta(days=1)
    else:  # pragma: no cover - universe.fred_series() refuses other lags
        raise ValueError(f"unknown availability lag {rule.lag!r}")
    return new_york_instant(published, rule.hour, rule.minute)


SOURCE = FredMarkets()
