"""ISM manufacturing and services PMIs (with sub-indices) from the DBnomics mirror.

One request per series, `GET {base}/series/ISM/<dataset>/<series>?observations=1` (DBnomics API v22),
saved as `<dataset>/<series>.json` in DBnomics' own JSON shape (`series.docs[0]` with parallel
`period_start_day` and `value` arrays; "NA" or null = missing).

DBnomics keeps only the current value of each month, not its vintages, so each period gets one
`macro_observations` row: vintage_date = the ISM release date of that month, computed by ISM's rule
(manufacturing on the first business day of the next month, services on the third), where business
days skip weekends, US federal holidays and January 2 (ISM does not publish that day: the December
2023 and 2024 manufacturing reports came out on January 3, the services ones on January 5 and 7).
It is a rule, not ISM's published calendar, so an odd year can differ. The row is flagged as first
print, although after ISM's annual seasonal revision the mirror holds revised values. Each release
date is also written to `release_calendar` (10:00 ET).

The mirror is known to carry bad values, so a value outside its series' plausible range refuses the
whole batch (SourceError naming series, period and value): 30–80 for the headline PMIs, 15–90 for
sub-indices, which legitimately went below 30 (new orders 27.1 in April 2020). Months before
`EARLIEST_PERIOD` (the mirror returns history back to 1948) are not kept.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from regime_radar.macro import release_instant
from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.market_calendar import fed_holidays
from regime_radar.sources.parsing import load_json, to_table

if TYPE_CHECKING:
    from regime_radar.config import Settings
    from regime_radar.sources.http import HttpClient

NAME = "ism"
OBSERVATIONS = "macro_observations"
CALENDAR = "release_calendar"
PROVIDER = "ISM"
DEFAULT_BASE_URL = "https://api.db.nomics.world/v22"
BASE_URL_ENV = "REGIME_RADAR_DBNOMICS_URL"
REQUESTS_PER_SECOND = 2.0
EARLIEST_PERIOD = date(2000, 1, 1)
HEADLINE_RANGE = (30.0, 80.0)
SUB_INDEX_RANGE = (15.0, 90.0)

# Which business day of the month after the reference month each publication comes out on.
BUSINESS_DAY_OF_RELEASE = {"ISM_MANUFACTURING": 1, "ISM_SERVICES": 3}


@dataclass(frozen=True)
class IsmSeries:
    """One DBnomics series and the macro_observations series it becomes."""

    dataset: str
    code: str
    series_id: str
    publication: str
    plausible: tuple[float, float]


SERIES: tuple[IsmSeries, ...] = (
    IsmSeries("pmi", "pm", "ISM_MFG_PMI", "ISM_MANUFACTURING", HEADLINE_RANGE),
    IsmSeries("neword", "in", "ISM_MFG_NEW_ORDERS", "ISM_MANUFACTURING", SUB_INDEX_RANGE),
    IsmSeries("production", "in", "ISM_MFG_PRODUCTION", "ISM_MANUFACTURING", SUB_INDEX_RANGE),
    IsmSeries("nm-pmi", "pm", "ISM_SERVICES_PMI", "ISM_SERVICES", HEADLINE_RANGE),
    IsmSeries("nm-busact", "in", "ISM_SERVICES_BUSINESS_ACTIVITY", "ISM_SERVICES", SUB_INDEX_RANGE),
    IsmSeries("nm-neword", "in", "ISM_SERVICES_NEW_ORDERS", "ISM_SERVICES", SUB_INDEX_RANGE),
)
_BY_CODE = {(s.dataset, s.code): s for s in SERIES}
_BY_SERIES_ID = {s.series_id: s for s in SERIES}


class Ism:
    """The DBnomics ISM source; the base URL is overridable so tests can point it at a local server."""

    name = NAME
    datasets = (OBSERVATIONS, CALENDAR)

    def __init__(self, base_url: str | None = None) -> None:
        self._base_url = base_url

    @property
    def base_url(self) -> str:
        return (self._base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")

    def fetch(self, window: Window, http: HttpClient, settings: Settings) -> list[Payload]:
        """Download each ISM series whole (DBnomics has no period filter); the pipeline clips to `window`."""
        from urllib.parse import urlsplit

        http.set_rate_limit(urlsplit(self.base_url).netloc, REQUESTS_PER_SECOND)
        return [
            http.get(
                f"{self.base_url}/series/{PROVIDER}/{s.dataset}/{s.code}",
                name=f"{s.dataset}/{s.code}.json",
                params={"observations": 1, "metadata": "false"},
                expect="json",
            )
            for s in SERIES
        ]

    def parse(self, payloads: Sequence[Payload]) -> dict[str, pa.Table]:
        """DBnomics series payloads → one macro_observations row per month, plus the release dates."""
        observations: dict[tuple[str, date], dict[str, Any]] = {}
        calendar: dict[tuple[str, date], dict[str, Any]] = {}
        for payload in payloads:
            for row in parse_series(payload):
                key = (row["series_id"], row["period"])
                if key in observations and observations[key]["value"] != row["value"]:
                    raise SourceError(f"{NAME}: {payload.name}: {key[0]} {key[1]:%Y-%m} differs between payloads")
                observations[key] = row
                publication = _BY_SERIES_ID[row["series_id"]].publication
                calendar[(publication, row["vintage_date"])] = {
                    "release": publication,
                    "release_date": row["vintage_date"],
                    "released_at": row["available_at"],
                    "source_release_id": None,
                    "available_at": row["available_at"],
                    "ingested_at": row["ingested_at"],
                }
        return {
            OBSERVATIONS: to_table(OBSERVATIONS, [observations[k] for k in sorted(observations)]),
            CALENDAR: to_table(CALENDAR, [calendar[k] for k in sorted(calendar)]),
        }


def parse_series(payload: Payload) -> list[dict[str, Any]]:
    """Rows of one DBnomics payload, range-checked; missing months are skipped."""
    where = f"{NAME}: {payload.name} ({payload.url})"
    document = _load_json(payload, where)
    if document.get("errors") or (document.get("message") and "series" not in document):
        raise SourceError(f"{where}: DBnomics answered an error: {document.get('errors') or document.get('message')}")
    docs = (document.get("series") or {}).get("docs") if isinstance(document.get("series"), dict) else None
    if not isinstance(docs, list):
        raise SourceError(f"{where}: no 'series.docs' list (is this a DBnomics v22 series response?)")
    if not docs:
        raise SourceError(f"{where}: DBnomics returned no series")
    rows = []
    for doc in docs:
        rows += _doc_rows(doc, payload, where)
    return rows


def _doc_rows(doc: dict[str, Any], payload: Payload, where: str) -> list[dict[str, Any]]:
    provider = doc.get("provider_code")
    key = (doc.get("dataset_code"), doc.get("series_code"))
    if provider != PROVIDER or key not in _BY_CODE:
        known = ", ".join(f"{PROVIDER}/{d}/{c}" for d, c in _BY_CODE)
        raise SourceError(f"{where}: unexpected series {provider}/{key[0]}/{key[1]}; known: {known}")
    spec = _BY_CODE[key]
    days = doc.get("period_start_day") or [_month_start(p, where) for p in doc.get("period") or []]
    values = doc.get("value")
    if not isinstance(values, list) or len(values) != len(days):
        count = len(values) if isinstance(values, list) else "no"
        raise SourceError(f"{where}: {spec.series_id} has {len(days)} periods but {count} values")
    low, high = spec.plausible
    rows = []
    for raw_day, raw_value in zip(days, values, strict=True):
        period = _parse_day(raw_day, where).replace(day=1)
        if period < EARLIEST_PERIOD or raw_value is None or raw_value == "NA":
            continue
        try:
            value = float(raw_value)
        except (TypeError, ValueError):
            raise SourceError(
                f"{where}: {spec.series_id} {period:%Y-%m}: value {raw_value!r} is not a number"
            ) from None
        if not low <= value <= high:
            raise SourceError(
                f"{where}: {spec.series_id} {period:%Y-%m} value {value:g} is outside the plausible range "
                f"{low:g}–{high:g}; the DBnomics mirror is known to carry bad values — batch refused"
            )
        released = release_date(spec.publication, period)
        rows.append(
            {
                "series_id": spec.series_id,
                "period": period,
                "value": value,
                "vintage_date": released,
                "is_first_print": True,
                "source": "dbnomics",
                "available_at": release_instant(spec.publication, released),
                "ingested_at": payload.fetched_at,
            }
        )
    return rows


def release_date(publication: str, period: date) -> date:
    """ISM's release day for a reference month: the Nth ISM business day of the following month."""
    nth = BUSINESS_DAY_OF_RELEASE[publication]
    day = (period.replace(day=1) + timedelta(days=32)).replace(day=1)
    count = 0
    while True:
        if is_ism_business_day(day):
            count += 1
            if count == nth:
                return day
        day += timedelta(days=1)


def is_ism_business_day(day: date) -> bool:
    """A weekday that is not a US federal holiday and not January 2."""
    return day.weekday() < 5 and day not in fed_holidays(day.year) and (day.month, day.day) != (1, 2)


def _load_json(payload: Payload, where: str) -> dict[str, Any]:
    document = load_json(payload, NAME)
    if not isinstance(document, dict):
        raise SourceError(f"{where}: expected a JSON object, got {type(document).__name__}")
    return document


def _parse_day(raw: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise SourceError(f"{where}: period start {raw!r} is not a YYYY-MM-DD date") from None


def _month_start(period: Any, where: str) -> str:
    text = str(period)
    if len(text) == 7 and text[4] == "-":
        return text + "-01"
    raise SourceError(f"{where}: period {period!r} is not a YYYY-MM month")


SOURCE = Ism()
