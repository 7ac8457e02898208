"""Daily bars for the universe from Yahoo's chart API v8 (unofficial; cookie + crumb handshake).

One payload per symbol, named `<SYMBOL>.json`, in the API's own JSON shape. `close` is Yahoo's
split-adjusted close and `adj_close` its split- and dividend-adjusted close (`indicators.adjclose`).
A bar is available at the 16:00 America/New_York close of its date.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from regime_radar import universe
from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.market_calendar import new_york_instant
from regime_radar.sources.parsing import load_json, to_table

if TYPE_CHECKING:
    from regime_radar.config import Settings
    from regime_radar.sources.http import HttpClient

DATASET = "prices_daily"
DEFAULT_BASE_URL = "https://query2.finance.yahoo.com"
DEFAULT_COOKIE_URL = "https://fc.yahoo.com"
BASE_URL_ENV = "REGIME_RADAR_YAHOO_BASE_URL"
COOKIE_URL_ENV = "REGIME_RADAR_YAHOO_COOKIE_URL"
REQUESTS_PER_SECOND = 2.0
CLOSE_HOUR = 16


class YahooChart:
    """The Yahoo chart source; base URLs are overridable so tests can point it at a local server."""

    name = "yahoo_chart"
    datasets = (DATASET,)

    def __init__(
        self,
        base_url: str | None = None,
        cookie_url: str | None = None,
        symbols: Sequence[str] | None = None,
    ) -> None:
        self._base_url = base_url
        self._cookie_url = cookie_url
        self._symbols = tuple(symbols) if symbols is not None else None

    @property
    def symbols(self) -> tuple[str, ...]:
        return self._symbols if self._symbols is not None else universe.symbols()

    @property
    def base_url(self) -> str:
        return (self._base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")

    @property
    def cookie_url(self) -> str:
        if self._cookie_url or os.environ.get(COOKIE_URL_ENV):
            return self._cookie_url or os.environ[COOKIE_URL_ENV]
        if self._base_url or os.environ.get(BASE_URL_ENV):
            return self.base_url + "/"
        return DEFAULT_COOKIE_URL

    def fetch(self, window: Window, http: HttpClient, settings: Settings) -> list[Payload]:
        """Download one chart per universe symbol covering `window`; any failure raises, nothing partial."""
        from urllib.parse import urlsplit

        http.set_rate_limit(urlsplit(self.base_url).netloc, REQUESTS_PER_SECOND)
        crumb = self._handshake(http)
        period1 = int(datetime.combine(window.start, time(), tzinfo=UTC).timestamp())
        period2 = int(datetime.combine(window.end + timedelta(days=1), time(), tzinfo=UTC).timestamp())
        payloads = []
        for symbol in self.symbols:
            payload = http.get(
                f"{self.base_url}/v8/finance/chart/{symbol}",
                name=f"{symbol}.json",
                params={
                    "period1": period1,
                    "period2": period2,
                    "interval": "1d",
                    "events": "div,split",
                    "includeAdjustedClose": "true",
                    "crumb": crumb,
                },
                expect="json",
            )
            payload.meta["symbol"] = symbol
            payloads.append(payload)
        return payloads

    def _handshake(self, http: HttpClient) -> str:
        """Collect Yahoo's consent cookie, then the crumb that must accompany chart requests."""
        from regime_radar.sources.http import FetchError

        try:
            http.get(self.cookie_url, name="handshake/cookie")
        except FetchError as exc:
            # fc.yahoo.com answers 404 while setting the cookie; a missing cookie shows up as a
            # refused crumb below.
            if exc.status != 404:
                raise
        crumb_payload = http.get(f"{self.base_url}/v1/test/getcrumb", name="handshake/crumb")
        crumb = crumb_payload.body.decode("utf-8", "replace").strip()
        if not crumb or crumb.startswith(("<", "{")) or len(crumb) > 64:
            raise SourceError(f"yahoo_chart: no usable crumb from {crumb_payload.url} (cookie missing?)")
        http.add_secret(crumb)
        return crumb

    def parse(self, payloads: Sequence[Payload]) -> dict[str, pa.Table]:
        """Turn chart payloads into prices_daily rows; one symbol per payload."""
        rows: list[dict[str, Any]] = []
        for payload in payloads:
            rows.extend(parse_chart(payload))
        return {DATASET: to_table(DATASET, rows)}


def expected_symbol(payload: Payload) -> str:
    """The symbol a payload was requested for: recorded in its meta, else its file name."""
    if payload.meta.get("symbol"):
        return str(payload.meta["symbol"]).upper()
    return PurePosixPath(payload.name).stem.upper()


def parse_chart(payload: Payload) -> list[dict[str, Any]]:
    """Rows of one chart payload; bars without a close (holidays, halts) are dropped."""
    where = f"yahoo_chart: {payload.name} ({payload.url})"
    document = load_json(payload, "yahoo_chart")
    chart = document.get("chart") if isinstance(document, dict) else None
    if not isinstance(chart, dict):
        raise SourceError(f"{where}: no 'chart' object in the response")
    if chart.get("error"):
        error = chart["error"]
        detail = error.get("description") or error.get("code") if isinstance(error, dict) else error
        raise SourceError(f"{where}: Yahoo returned an error: {detail}")
    results = chart.get("result") or []
    if not results:
        return []
    result = results[0]
    meta = result.get("meta") or {}
    symbol = str(meta.get("symbol") or "").upper()
    wanted = expected_symbol(payload)
    if symbol != wanted:
        raise SourceError(f"{where}: payload is for symbol {symbol or '?'!r}, expected {wanted!r}")
    timestamps = result.get("timestamp") or []
    if not timestamps:
        return []
    quotes = (result.get("indicators") or {}).get("quote") or [{}]
    quote = quotes[0] or {}
    adjclose_blocks = (result.get("indicators") or {}).get("adjclose") or []
    adjclose = (adjclose_blocks[0] or {}).get("adjclose") if adjclose_blocks else None
    if adjclose is None:
        raise SourceError(f"{where}: no indicators.adjclose (request with includeAdjustedClose=true)")
    columns = {key: quote.get(key) or [None] * len(timestamps) for key in ("open", "high", "low", "close", "volume")}
    columns["adj_close"] = adjclose
    for key, values in columns.items():
        if len(values) != len(timestamps):
            raise SourceError(f"{where}: {key} has {len(values)} values for {len(timestamps)} timestamps")
    zone = _exchange_zone(meta)
    currency = meta.get("currency")
    by_date: dict[date, dict[str, Any]] = {}
    for i, stamp in enumerate(timestamps):
        close, adj = columns["close"][i], columns["adj_close"][i]
        if close is None or adj is None:
            continue
        day = datetime.fromtimestamp(int(stamp), tz=UTC).astimezone(zone).date()
        volume = columns["volume"][i]
        # A later bar for the same date (Yahoo appends the live bar of the current session) wins.
        by_date[day] = {
            "symbol": symbol,
            "date": day,
            "open": _num(columns["open"][i]),
            "high": _num(columns["high"][i]),
            "low": _num(columns["low"][i]),
            "close": float(close),
            "adj_close": float(adj),
            "volume": int(volume) if volume is not None else None,
            "currency": currency,
            "source": "yahoo_chart",
            "available_at": new_york_instant(day, CLOSE_HOUR),
            "ingested_at": payload.fetched_at,
        }
    return [by_date[d] for d in sorted(by_date)]


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _exchange_zone(meta: dict[str, Any]) -> ZoneInfo | Any:
    from datetime import timezone

    name = meta.get("exchangeTimezoneName")
    if name:
        return ZoneInfo(name)
    return timezone(timedelta(seconds=int(meta.get("gmtoffset") or 0)))


SOURCE = YahooChart()
