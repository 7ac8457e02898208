"""Macro vintages from FRED/ALFRED (payrolls, unemployment, JOLTS, ADP, claims) and their release calendar.

Requests (≤ 2 per second). The API key is the password of Airflow connection `regime_radar_fred`,
else FRED_API_KEY; REGIME_RADAR_FRED_BASE_URL overrides the base URL (both shared with fred_markets).

- `fred/series/observations?series_id=S&output_type=1&realtime_start=X&observation_start=X&realtime_end=E`,
  one per series, saved as `series/<S>.json`. output_type=1 ("observations by real-time period")
  gives every value of every period with the span of days it was the published one
  (realtime_start … realtime_end); a new row starts whenever a release changes the value, and its
  realtime_start is the vintage date. output_type=4 would give first releases only, and 2/3 a wide
  table with a column per vintage. Asking with realtime_start = observation_start means no row is
  clipped to the start of the real-time range, so the earliest row of a period is its first release.
- `fred/release/dates?release_id=R&include_release_dates_with_no_data=true`, one per publication,
  saved as `release_dates/<R>.json` (release ids in `RELEASE_IDS`).

Parsing (pure; the replay directory holds the same files):

- every row becomes a `macro_observations` vintage; "." (missing) becomes a null value. A row whose
  realtime_start is not after the response's realtime_start may have been clipped, so it is never a
  first print. The first print of a period is its earliest non-missing row.
- PAYEMS_CHG (thousands) and ADP_CHG (thousands; ADPMNUSNERSA is in persons) are level changes on
  each vintage day of the level series: period P minus period P−1 as both read that day. A row is
  written when the change first becomes known and whenever a later vintage changes it.
- JOLTS_PER_UNEMPLOYED = JTSJOL / UNEMPLOY for each JTSJOL vintage row: the openings of that vintage
  over the unemployment level of the same period in the latest UNEMPLOY vintage available by the
  JOLTS release time (10:00 ET). UNEMPLOY revisions between JOLTS releases do not add ratio rows; the
  next JTSJOL vintage of the period picks them up.
- available_at is the publication's standard release time on the vintage date (`macro.PUBLICATION_TIMES`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from regime_radar.macro import release_instant
from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.fred_markets import connect, fred_base_url
from regime_radar.sources.parsing import load_json, to_table

if TYPE_CHECKING:
    from regime_radar.config import Settings
    from regime_radar.sources.http import HttpClient

NAME = "fred_macro"
OBSERVATIONS = "macro_observations"
CALENDAR = "release_calendar"
# Periods this far before the window are fetched too, so the first vintages in the window can be
# differenced against the period before and JOLTS (released ~5 weeks after its month) is covered.
HISTORY_DAYS = 92

# FRED series → the publication whose release time stamps its vintages.
SERIES: dict[str, str] = {
    "PAYEMS": "EMPLOYMENT_SITUATION",  # all employees, total nonfarm, thousands, SA
    "UNRATE": "EMPLOYMENT_SITUATION",  # unemployment rate, percent, SA
    "UNEMPLOY": "EMPLOYMENT_SITUATION",  # unemployment level, thousands, SA
    "JTSJOL": "JOLTS",  # job openings, total nonfarm, thousands, SA
    "ADPMNUSNERSA": "ADP_NER",  # ADP total nonfarm private employment, persons, SA
    "ICSA": "JOBLESS_CLAIMS",  # initial claims, number, SA, week ending Saturday
}
# FRED release ids → publication names in release_calendar.
RELEASE_IDS: dict[int, str] = {
    50: "EMPLOYMENT_SITUATION",
    192: "JOLTS",
    194: "ADP_NER",
    180: "JOBLESS_CLAIMS",
}


@dataclass(frozen=True)
class Change:
    """A month-on-month change derived from a level series."""

    series_id: str
    level: str
    divisor: float  # change in the level's units / divisor = change in the derived series' units


CHANGES = (Change("PAYEMS_CHG", "PAYEMS", 1.0), Change("ADP_CHG", "ADPMNUSNERSA", 1000.0))
RATIO_ID, RATIO_NUMERATOR, RATIO_DENOMINATOR = "JOLTS_PER_UNEMPLOYED", "JTSJOL", "UNEMPLOY"


@dataclass(frozen=True)
class Vintage:
    """One ALFRED row: a period's value from `start` (the vintage date) through `end`."""

    period: date
    start: date
    end: date
    value: float | None


@dataclass
class _Series:
    vintages: list[Vintage]
    clip_day: date  # rows starting on or before this day may have been clipped by the request
    fetched_at: datetime


class FredMacro:
    """The ALFRED macro source; the base URL is overridable so tests can point it at a local server."""

    name = NAME
    datasets = (OBSERVATIONS, CALENDAR)

    def __init__(self, base_url: str | None = None, api_key: str | None = None) -> None:
        self._base_url = base_url
        self._api_key = api_key

    @property
    def base_url(self) -> str:
        return fred_base_url(self._base_url)

    def fetch(self, window: Window, http: HttpClient, settings: Settings) -> list[Payload]:
        """Download every vintage of each series around `window`, and each publication's release dates."""
        key = connect(http, self.base_url, self._api_key)
        start = (window.start - timedelta(days=HISTORY_DAYS)).replace(day=1).isoformat()
        common = {"api_key": key, "file_type": "json"}
        payloads = []
        for series_id in SERIES:
            params = {
                **common,
                "series_id": series_id,
                "output_type": 1,
                "observation_start": start,
                "realtime_start": start,
                "realtime_end": window.end.isoformat(),
            }
            url = f"{self.base_url}/fred/series/observations"
            payloads.append(http.get(url, name=f"series/{series_id}.json", params=params, expect="json"))
        for release_id in RELEASE_IDS:
            params = {
                **common,
                "release_id": release_id,
                "realtime_start": window.start.isoformat(),
                "realtime_end": window.end.isoformat(),
                "include_release_dates_with_no_data": "true",
                "sort_order": "asc",
            }
            url = f"{self.base_url}/fred/release/dates"
            payloads.append(http.get(url, name=f"release_dates/{release_id}.json", params=params, expect="json"))
        return payloads

    def parse(self, payloads: Sequence[Payload]) -> dict[str, pa.Table]:
        """ALFRED payloads → macro_observations (levels and derived series) and release_calendar."""
        series: dict[str, _Series] = {}
        calendar: dict[tuple[str, date], dict[str, Any]] = {}
        for payload in payloads:
            document = _load_json(payload)
            if "observations" in document:
                series_id = PurePosixPath(payload.name).stem.upper()
                if series_id not in SERIES:
                    raise SourceError(
                        f"{NAME}: {payload.name}: unknown series {series_id!r} (the file name names the series); "
                        f"known: {', '.join(SERIES)}"
                    )
                parsed = _parse_observations(document, payload)
                if series_id in series:
                    parsed = _merge(series_id, series[series_id], parsed, payload)
                series[series_id] = parsed
            elif "release_dates" in document:
                for row in _parse_release_dates(document, payload):
                    calendar[(row["release"], row["release_date"])] = row
            else:
                raise SourceError(
                    f"{NAME}: {payload.name} ({payload.url}) has neither 'observations' nor 'release_dates'"
                )
        rows = _observation_rows(series)
        return {
            OBSERVATIONS: to_table(OBSERVATIONS, rows),
            CALENDAR: to_table(CALENDAR, [calendar[k] for k in sorted(calendar)]),
        }


def _observation_rows(series: dict[str, _Series]) -> list[dict[str, Any]]:
    """Every stored and derived vintage as macro_observations rows."""
    rows: list[dict[str, Any]] = []
    for series_id, parsed in sorted(series.items()):
        rows += _rows(series_id, SERIES[series_id], parsed.vintages, parsed.clip_day, parsed.fetched_at)
    for change in CHANGES:
        if change.level in series:
            level = series[change.level]
            derived = derive_change(level.vintages, change.divisor)
            rows += _rows(change.series_id, SERIES[change.level], derived, level.clip_day, level.fetched_at)
    if RATIO_NUMERATOR in series and RATIO_DENOMINATOR in series:
        numerator, denominator = series[RATIO_NUMERATOR], series[RATIO_DENOMINATOR]
        derived = derive_ratio(
            numerator.vintages, SERIES[RATIO_NUMERATOR], denominator.vintages, SERIES[RATIO_DENOMINATOR]
        )
        rows += _rows(RATIO_ID, SERIES[RATIO_NUMERATOR], derived, numerator.clip_day, numerator.fetched_at)
    return rows


def derive_change(levels: Sequence[Vintage], divisor: float = 1.0) -> list[Vintage]:
    """Month-on-month changes of a monthly level series, one row per vintage day on which a change is new."""
    by_period = _by_period(levels)
    days = sorted({v.start for v in levels})
    out: list[Vintage] = []
    for period in sorted(by_period):
        before = _previous_month(period)
        if before not in by_period:
            continue
        last: tuple[bool, float | None] = (False, None)
        for day in days:
            known_now, now = _value_on(by_period[period], day)
            known_before, then = _value_on(by_period[before], day)
            if not (known_now and known_before):
                continue
            value = None if now is None or then is None else round((now - then) / divisor, 6)
            if last != (True, value):
                out.append(Vintage(period, day, day, value))
                last = (True, value)
    return out


def derive_ratio(
    numerator: Sequence[Vintage], numerator_pub: str, denominator: Sequence[Vintage], denominator_pub: str
) -> list[Vintage]:
    """numerator / denominator per numerator vintage row, with the denominator as known at its release time."""
    by_period = _by_period(denominator)
    out: list[Vintage] = []
    last: dict[date, float | None] = {}
    for row in sorted(numerator, key=lambda v: (v.period, v.start)):
        at = release_instant(numerator_pub, row.start)
        known = [v for v in by_period.get(row.period, []) if release_instant(denominator_pub, v.start) <= at]
        if not known:
            continue
        below = known[-1].value
        value = None if row.value is None or not below else row.value / below
        if row.period in last and last[row.period] == value:
            continue
        out.append(Vintage(row.period, row.start, row.start, value))
        last[row.period] = value
    return out


def _rows(
    series_id: str, publication: str, vintages: Sequence[Vintage], clip_day: date, fetched_at: datetime
) -> list[dict[str, Any]]:
    """macro_observations rows of one series; a period's earliest non-missing, unclipped row is its first print."""
    rows = []
    for period, history in sorted(_by_period(vintages).items()):
        first = next((v for v in history if v.value is not None), None)
        for v in history:
            rows.append(
                {
                    "series_id": series_id,
                    "period": period,
                    "value": v.value,
                    "vintage_date": v.start,
                    "is_first_print": v is first and v.start > clip_day,
                    "source": NAME,
                    "available_at": release_instant(publication, v.start),
                    "ingested_at": fetched_at,
                }
            )
    return rows


def _parse_observations(document: dict[str, Any], payload: Payload) -> _Series:
    where = f"{NAME}: {payload.name} ({payload.url})"
    output_type = document.get("output_type", 1)
    if str(output_type) != "1":
        raise SourceError(
            f"{where}: output_type={output_type}; request output_type=1 (observations by real-time period)"
        )
    observations = document["observations"]
    if not isinstance(observations, list):
        raise SourceError(f"{where}: 'observations' is not a list")
    clip_day = _date(document.get("realtime_start"), where, "realtime_start") if "realtime_start" in document else None
    vintages: dict[tuple[date, date], Vintage] = {}
    for i, item in enumerate(observations):
        at = f"{where}: observation {i}"
        if not isinstance(item, dict):
            raise SourceError(f"{at} is not an object")
        missing = [k for k in ("date", "value", "realtime_start", "realtime_end") if k not in item]
        if missing:
            raise SourceError(f"{at} lacks {', '.join(missing)} (was the request made with output_type=1?)")
        period = _date(item["date"], at, "date")
        start = _date(item["realtime_start"], at, "realtime_start")
        end = _date(item["realtime_end"], at, "realtime_end")
        if end < start:
            raise SourceError(f"{at}: realtime_end {end} is before realtime_start {start}")
        vintage = Vintage(period, start, end, _value(item["value"], at))
        previous = vintages.get((period, start))
        if previous is not None and previous.value != vintage.value:
            raise SourceError(f"{at}: two values for {period} in the vintage of {start}")
        vintages[(period, start)] = vintage
    if clip_day is None:
        clip_day = min((v.start for v in vintages.values()), default=date.min) - timedelta(days=1)
    ordered = [vintages[k] for k in sorted(vintages)]
    return _Series(ordered, clip_day, payload.fetched_at)


def _merge(series_id: str, old: _Series, new: _Series, payload: Payload) -> _Series:
    """Two recordings of one series (e.g. pages): union of rows; the same row must agree."""
    merged = {(v.period, v.start): v for v in old.vintages}
    for v in new.vintages:
        if (v.period, v.start) in merged and merged[(v.period, v.start)].value != v.value:
            raise SourceError(
                f"{NAME}: {payload.name}: {series_id} {v.period} vintage {v.start} disagrees with another payload"
            )
        merged[(v.period, v.start)] = v
    return _Series([merged[k] for k in sorted(merged)], min(old.clip_day, new.clip_day), old.fetched_at)


def _parse_release_dates(document: dict[str, Any], payload: Payload) -> list[dict[str, Any]]:
    where = f"{NAME}: {payload.name} ({payload.url})"
    items = document["release_dates"]
    if not isinstance(items, list):
        raise SourceError(f"{where}: 'release_dates' is not a list")
    rows = []
    for i, item in enumerate(items):
        at = f"{where}: release date {i}"
        if not isinstance(item, dict) or "release_id" not in item or "date" not in item:
            raise SourceError(f"{at} lacks release_id or date")
        try:
            release_id = int(item["release_id"])
        except (TypeError, ValueError):
            raise SourceError(f"{at}: release_id {item['release_id']!r} is not a number") from None
        if release_id not in RELEASE_IDS:
            raise SourceError(f"{at}: unknown FRED release_id {release_id}; known: {sorted(RELEASE_IDS)}")
        publication = RELEASE_IDS[release_id]
        day = _date(item["date"], at, "date")
        released_at = release_instant(publication, day)
        rows.append(
            {
                "release": publication,
                "release_date": day,
                "released_at": released_at,
                "source_release_id": str(release_id),
                # A schedule is public well before the day; the release time is a safe lower bound.
                "available_at": released_at,
                "ingested_at": payload.fetched_at,
            }
        )
    return rows


def _load_json(payload: Payload) -> dict[str, Any]:
    where = f"{NAME}: {payload.name} ({payload.url})"
    document = load_json(payload, NAME)
    if not isinstance(document, dict):
        raise SourceError(f"{where}: expected a JSON object, got {type(document).__name__}")
    if "error_message" in document or "error_code" in document:
        detail = document.get("error_message") or document.get("error_code")
        raise SourceError(f"{where}: FRED answered an error: {detail}")
    return document


def _by_period(vintages: Sequence[Vintage]) -> dict[date, list[Vintage]]:
    out: dict[date, list[Vintage]] = {}
    for v in sorted(vintages, key=lambda v: (v.period, v.start)):
        out.setdefault(v.period, []).append(v)
    return out


def _value_on(history: Sequence[Vintage], day: date) -> tuple[bool, float | None]:
    """(published?, value) of a period on `day`: the row whose real-time span covers that day."""
    current = None
    for v in history:
        if v.start <= day:
            current = v
    if current is None or current.end < day:
        return False, None
    return True, current.value


def _previous_month(period: date) -> date:
    return (period.replace(day=1) - timedelta(days=1)).replace(day=1)


def _date(value: Any, where: str, field: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise SourceError(f"{where}: {field} {value!r} is not a YYYY-MM-DD date") from None


def _value(raw: Any, where: str) -> float | None:
    if raw is None or str(raw).strip() == ".":
        return None
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise SourceError(f"{where}: value {raw!r} is neither a number nor '.'") from None


SOURCE = FredMacro()
