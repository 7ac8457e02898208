"""Baker–Bloom–Davis economic policy uncertainty, trade category (FRED series EPUTRADE), into `policy_uncertainty`.

Live: FRED `/fred/series/observations` (file_type=json) for EPUTRADE from the first day of the
window's first month to its end; one payload `observations/EPUTRADE.json`. The API key, the base-URL
override (REGIME_RADAR_FRED_BASE_URL) and the pace (2 requests per second) are those of every FRED
feed (`fred_markets.api_key`: the password of Airflow connection `CONNECTION_IDS["fred"]`, else
FRED_API_KEY); the key is registered with the HTTP client so it never reaches a log, a sidecar or an
error.

Rows: index_name `EPUTRADE`, date = the month's first day, value (FRED's "." = missing is null).
available_at: monthly values at the end of the following month's first week (day 8, 00:00 New York),
the same conservative rule as the monthly TPU.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.fred_markets import connect, fred_base_url
from regime_radar.sources.parsing import load_json, to_table
from regime_radar.sources.tpu import monthly_available_at

if TYPE_CHECKING:
    from regime_radar.config import Settings
    from regime_radar.sources.http import HttpClient

NAME = "epu_trade"
DATASET = "policy_uncertainty"
SERIES_ID = "EPUTRADE"
OBSERVATIONS_PATH = "/fred/series/observations"


class EpuTrade:
    """The FRED EPUTRADE source; the base URL is overridable so tests can point it at a local server."""

    name = NAME
    datasets = (DATASET,)

    def __init__(self, base_url: str | None = None, api_key: str | None = None) -> None:
        self._base_url = base_url
        self._api_key = api_key

    @property
    def base_url(self) -> str:
        return fred_base_url(self._base_url)

    def fetch(self, window: Window, http: HttpClient, settings: Settings) -> list[Payload]:
        """Download the EPUTRADE observations of every month the window touches."""
        key = connect(http, self.base_url, self._api_key)
        payload = http.get(
            self.base_url + OBSERVATIONS_PATH,
            name=f"observations/{SERIES_ID}.json",
            params={
                "series_id": SERIES_ID,
                "api_key": key,
                "file_type": "json",
                "observation_start": window.start.replace(day=1).isoformat(),
                "observation_end": window.end.isoformat(),
            },
            expect="json",
        )
        payload.meta["series_id"] = SERIES_ID
        return [payload]

    def parse(self, payloads: Sequence[Payload]) -> dict[str, pa.Table]:
        """FRED observation payloads as policy_uncertainty rows."""
        rows: dict[date, dict[str, Any]] = {}
        for payload in payloads:
            for row in observation_rows(payload):
                rows[row["date"]] = row
        return {DATASET: to_table(DATASET, [rows[k] for k in sorted(rows)])}


def observation_rows(payload: Payload) -> list[dict[str, Any]]:
    """The rows of one FRED observations payload; error answers and malformed JSON raise SourceError."""
    where = f"{NAME}: {payload.name} ({payload.url})"
    series = str(payload.meta.get("series_id") or PurePosixPath(payload.name).stem).upper()
    if series != SERIES_ID:
        raise SourceError(f"{where} is for series {series!r}, expected {SERIES_ID}")
    document = load_json(payload, NAME)
    if not isinstance(document, dict):
        raise SourceError(f"{where}: expected a JSON object")
    if "error_code" in document or "error_message" in document:
        raise SourceError(f"{where}: FRED answered an error: {document.get('error_message') or document}")
    observations = document.get("observations")
    if not isinstance(observations, list):
        raise SourceError(f"{where}: no 'observations' list in the response")
    rows = []
    for i, observation in enumerate(observations):
        try:
            day = date.fromisoformat(str(observation["date"]))
            raw = str(observation["value"]).strip()
            value = None if raw in (".", "") else float(raw)
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(f"{where}: observation {i} is malformed ({observation!r}): {exc}") from None
        rows.append(
            {
                "index_name": SERIES_ID,
                "date": day,
                "value": value,
                "source": NAME,
                "available_at": monthly_available_at(day),
                "ingested_at": payload.fetched_at,
            }
        )
    return rows


SOURCE = EpuTrade()
