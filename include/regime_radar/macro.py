"""Point-in-time macro logic: as-of snapshots, one row per release with its surprise, DuckDB as-of macros.

Conventions shared by the macro feeds (`fred_macro`, `ism`, `macro_consensus`) and their readers:

- A *publication* is a scheduled release in `release_calendar` (EMPLOYMENT_SITUATION, JOLTS, …); its
  standard release time in New York is in `PUBLICATION_TIMES`. A vintage published on day D is
  available at that time on D.
- A *release* is one headline number of a publication (NFP_CHANGE, UNRATE, …): `RELEASES` maps it to
  the `macro_observations` series it reads and the units it is reported in. Consensus files use the
  same units: thousands of jobs for NFP_CHANGE and ADP_CHANGE, millions of openings for
  JOLTS_OPENINGS (JTSJOL is stored in thousands and divided by 1,000), percent for UNRATE and
  index points for the ISM PMIs.

This module is imported by the query module, so heavy imports stay inside functions.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from regime_radar.timeutil import at_new_york

if TYPE_CHECKING:
    import pandas as pd

# Standard release times, America/New_York. ADP publishes at 08:15; 08:30 is used for it as for the
# BLS releases, which can only make a print available later than it really was, never earlier.
PUBLICATION_TIMES: dict[str, time] = {
    "EMPLOYMENT_SITUATION": time(8, 30),
    "ADP_NER": time(8, 30),
    "JOBLESS_CLAIMS": time(8, 30),
    "JOLTS": time(10, 0),
    "ISM_MANUFACTURING": time(10, 0),
    "ISM_SERVICES": time(10, 0),
}


@dataclass(frozen=True)
class ReleaseSpec:
    """One headline number: the series it reads, its publication, and how to turn the series into its units."""

    release: str
    series_id: str
    publication: str
    unit: str
    divisor: float = 1.0  # actual = first print / divisor


RELEASES: dict[str, ReleaseSpec] = {
    spec.release: spec
    for spec in [
        ReleaseSpec("ISM_MFG_PMI", "ISM_MFG_PMI", "ISM_MANUFACTURING", "index"),
        ReleaseSpec("ISM_SERVICES_PMI", "ISM_SERVICES_PMI", "ISM_SERVICES", "index"),
        ReleaseSpec("JOLTS_OPENINGS", "JTSJOL", "JOLTS", "millions", divisor=1000.0),
        ReleaseSpec("ADP_CHANGE", "ADP_CHG", "ADP_NER", "thousands"),
        ReleaseSpec("NFP_CHANGE", "PAYEMS_CHG", "EMPLOYMENT_SITUATION", "thousands"),
        ReleaseSpec("UNRATE", "UNRATE", "EMPLOYMENT_SITUATION", "percent"),
    ]
}

# Fewer earlier surprises (or first-print moves) than this and surprise_z stays null.
MIN_SURPRISE_HISTORY = 6

_OBSERVATION_COLUMNS = "series_id, period, value, vintage_date, is_first_print, source, available_at"

# Run after a view named macro_observations exists. Pass instants with an explicit offset, e.g.
# TIMESTAMPTZ '2025-02-07 09:00:00-05:00', so the answer does not depend on the session time zone.
DUCKDB_MACROS: list[str] = [
    # Every (series_id, period) as known at `ts`: its latest vintage available by then.
    f"""CREATE OR REPLACE MACRO macro_asof(ts) AS TABLE
SELECT {_OBSERVATION_COLUMNS}
FROM macro_observations
WHERE available_at <= CAST(ts AS TIMESTAMPTZ)
QUALIFY row_number() OVER (PARTITION BY series_id, period ORDER BY vintage_date DESC, available_at DESC) = 1""",
    # One series as known at `ts`, oldest period first.
    """CREATE OR REPLACE MACRO macro_series_asof(sid, ts) AS TABLE
SELECT period, value, vintage_date, is_first_print, available_at
FROM macro_asof(ts)
WHERE series_id = sid
ORDER BY period""",
    # The value of one observation as known at `ts` (NULL when it was not yet published).
    """CREATE OR REPLACE MACRO macro_value_asof(sid, p, ts) AS (
SELECT value
FROM macro_observations
WHERE series_id = sid AND period = CAST(p AS DATE) AND available_at <= CAST(ts AS TIMESTAMPTZ)
ORDER BY vintage_date DESC, available_at DESC
LIMIT 1)""",
    # The first print of every observation.
    f"""CREATE OR REPLACE MACRO macro_first_prints() AS TABLE
SELECT {_OBSERVATION_COLUMNS}
FROM macro_observations
WHERE is_first_print
ORDER BY series_id, period""",
]

_RELEASE_COLUMNS = [
    "release",
    "period",
    "actual",
    "consensus",
    "surprise",
    "surprise_z",
    "prior",
    "prior_revised",
    "released_at",
    "available_at",
]


def release_instant(publication: str, day: date) -> datetime:
    """The UTC instant a publication released on `day` becomes public (its standard New York time)."""
    try:
        clock = PUBLICATION_TIMES[publication]
    except KeyError:
        raise KeyError(f"unknown publication {publication!r}; known: {', '.join(sorted(PUBLICATION_TIMES))}") from None
    return at_new_york(day, clock)


def asof(observations: pd.DataFrame, instant: datetime) -> pd.DataFrame:
    """For each series_id and period, the latest vintage whose available_at is at or before `instant`."""
    import pandas as pd

    if instant.tzinfo is None:
        raise ValueError(f"asof needs a time-zone-aware instant, got naive {instant!r}")
    cutoff = pd.Timestamp(instant).tz_convert("UTC")
    available = pd.to_datetime(observations["available_at"], utc=True)
    known = observations[available <= cutoff]
    known = known.sort_values(["series_id", "period", "vintage_date", "available_at"], kind="mergesort")
    latest = known.drop_duplicates(["series_id", "period"], keep="last")
    return latest.sort_values(["series_id", "period"], kind="mergesort").reset_index(drop=True)


def series_asof(observations: pd.DataFrame, series_id: str, instant: datetime) -> pd.Series:
    """One series as known at `instant`: values indexed by period, oldest first."""
    known = asof(observations[observations["series_id"] == series_id], instant)
    return known.set_index("period")["value"].rename(series_id)


def releases_on(calendar: pd.DataFrame, day: date) -> list[str]:
    """The publications the calendar schedules on `day` (empty on a day without macro releases)."""
    days = _as_dates(calendar["release_date"])
    return sorted(set(calendar.loc[days == day, "release"]))


def build_macro_releases(
    observations: pd.DataFrame,
    calendar: pd.DataFrame,
    consensus: pd.DataFrame,
    min_history: int = MIN_SURPRISE_HISTORY,
) -> pd.DataFrame:
    """One `macro_releases` row per release and period, from first prints, the calendar and the consensus file.

    - actual: the first print, in the release's units (see `RELEASES`).
    - surprise = actual − consensus; surprise_z = surprise / the standard deviation of this release's
      earlier surprises (those released before it), or — with fewer than `min_history` of those — of
      its earlier first-print moves (actual minus the previous period's actual); null if neither
      history is long enough or the consensus is missing. It is not demeaned: z = 0 means on consensus.
    - prior: the previous period's value in the latest vintage before this release's vintage date
      (what the market knew going in); prior_revised: its value in this release's vintage.
    - released_at: the calendar's time for the publication on the first print's vintage date
      (else the first print's available_at); available_at: the first print's available_at.
    """
    import pandas as pd

    obs = observations.copy()
    obs["period"] = _as_dates(obs["period"])
    obs["vintage_date"] = _as_dates(obs["vintage_date"])
    obs["available_at"] = pd.to_datetime(obs["available_at"], utc=True)
    calendar_times = _calendar_times(calendar)
    consensus_values = _consensus_values(consensus)

    rows: list[dict[str, Any]] = []
    for spec in RELEASES.values():
        series = obs[obs["series_id"] == spec.series_id]
        if series.empty:
            continue
        vintages = _vintages_by_period(series)
        periods = sorted(vintages)
        firsts = series[series["is_first_print"].astype(bool)].sort_values(["period", "vintage_date"])
        firsts = firsts.drop_duplicates("period", keep="first")
        release_rows = []
        for first in firsts.itertuples(index=False):
            if pd.isna(first.value):
                continue
            previous = [p for p in periods if p < first.period]
            prior = prior_revised = None
            if previous:
                history = vintages[previous[-1]]
                prior = _value_before(history, first.vintage_date, inclusive=False)
                prior_revised = _value_before(history, first.vintage_date, inclusive=True)
            available_at = first.available_at
            released_at = calendar_times.get((spec.publication, first.vintage_date), available_at)
            actual = float(first.value) / spec.divisor
            consensus_value = consensus_values.get((spec.release, first.period))
            release_rows.append(
                {
                    "release": spec.release,
                    "period": first.period,
                    "actual": _clean(actual),
                    "consensus": consensus_value,
                    "surprise": _clean(actual - consensus_value) if consensus_value is not None else None,
                    "prior": _clean(prior / spec.divisor) if prior is not None else None,
                    "prior_revised": _clean(prior_revised / spec.divisor) if prior_revised is not None else None,
                    "released_at": released_at,
                    "available_at": available_at,
                }
            )
        _standardise(release_rows, min_history)
        rows.extend(release_rows)

    frame = pd.DataFrame(rows, columns=_RELEASE_COLUMNS)
    for column in ("released_at", "available_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    for column in ("actual", "consensus", "surprise", "surprise_z", "prior", "prior_revised"):
        frame[column] = frame[column].astype("float64")
    return frame.sort_values(["release", "period"], kind="mergesort").reset_index(drop=True)


def _standardise(rows: list[dict[str, Any]], min_history: int) -> None:
    """Fill surprise_z for one release's rows using only what was released before each row."""
    import statistics

    ordered = sorted(rows, key=lambda r: (r["released_at"], r["period"]))
    for i, row in enumerate(ordered):
        row["surprise_z"] = None
        if row["surprise"] is None:
            continue
        earlier = ordered[:i]
        surprises = [r["surprise"] for r in earlier if r["surprise"] is not None]
        if len(surprises) >= min_history:
            scale = statistics.stdev(surprises)
        else:
            actuals = [r["actual"] for r in earlier]
            moves = [b - a for a, b in itertools.pairwise(actuals)]
            if len(moves) < min_history:
                continue
            scale = statistics.stdev(moves)
        if scale > 0:
            row["surprise_z"] = _clean(row["surprise"] / scale)


def _vintages_by_period(series: pd.DataFrame) -> dict[date, list[tuple[date, float | None]]]:
    """Each period's (vintage_date, value) pairs, oldest vintage first."""
    import pandas as pd

    out: dict[date, list[tuple[date, float | None]]] = {}
    ordered = series.sort_values(["period", "vintage_date", "available_at"], kind="mergesort")
    for period, vintage, value in zip(ordered["period"], ordered["vintage_date"], ordered["value"], strict=True):
        out.setdefault(period, []).append((vintage, None if pd.isna(value) else float(value)))
    return out


def _value_before(history: list[tuple[date, float | None]], day: date, inclusive: bool) -> float | None:
    """The value in the latest vintage dated before `day` (or on it, when inclusive)."""
    value = None
    for vintage, v in history:
        if vintage < day or (inclusive and vintage == day):
            value = v
    return value


def _calendar_times(calendar: pd.DataFrame) -> dict[tuple[str, date], Any]:
    import pandas as pd

    if calendar is None or calendar.empty:
        return {}
    days = _as_dates(calendar["release_date"])
    times = pd.to_datetime(calendar["released_at"], utc=True)
    return {(str(r), d): t for r, d, t in zip(calendar["release"], days, times, strict=True)}


def _consensus_values(consensus: pd.DataFrame) -> dict[tuple[str, date], float]:
    import pandas as pd

    if consensus is None or consensus.empty:
        return {}
    periods = _as_dates(consensus["period"])
    return {
        (str(r), p): float(v)
        for r, p, v in zip(consensus["release"], periods, consensus["consensus"], strict=True)
        if not pd.isna(v)
    }


def _as_dates(values: Iterable[Any]) -> Any:
    """A column of dates, timestamps or ISO strings as plain `datetime.date` objects."""
    import pandas as pd

    series = values if isinstance(values, pd.Series) else pd.Series(list(values))
    if series.empty:
        return series.astype(object)
    return pd.to_datetime(series).dt.date


def _clean(value: float) -> float:
    """Round away binary noise (7.6 − 8.0 = −0.40000000000000036) so reports print what people expect."""
    return round(float(value), 9)
