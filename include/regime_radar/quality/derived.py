"""Derived helper columns (`__*`) that expectation suites check with plain GX expectations.

A rule that needs several columns, other rows, a calendar or the batch's window (trading-day
coverage, vintage order, a stale feed, point-in-time bounds) becomes one numeric or boolean column
aligned with the batch's rows, so GX counts it, names the failing rows and renders it in Data Docs
like any other expectation. Helpers are vectorised (numpy over Arrow buffers, lookup tables over the
batch's day range) so a 15-million-row batch costs seconds. Only the helpers a suite references are
computed (see `compute`).

Sign conventions: `*_lead_s` / `*_lead_days` is how far a value comes BEFORE the earliest instant it
may have (≤ 0 is fine); `*_ahead_s` / `*_ahead_days` how far it lies beyond now (≤ 0 is fine);
`__stale_*` and `__missing_*` count what is absent (0 is fine). Coverage and staleness need the
window the batch claims; without one (a user's file, merged by key) they are 0.

Imported only while validating, so numpy and pyarrow are imported at the top.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from regime_radar import catalog
from regime_radar.sources.base import Window
from regime_radar.sources.market_calendar import NEW_YORK, is_nyse_trading_day, new_york_instant, nyse_trading_days

EPOCH = date(1970, 1, 1)
CLOSE = time(16, 0)
MAX_LOOKUP_DAYS = 40_000

# The earliest instant a row can be known, by dataset: (date column, days added, New York wall time).
# prices: the session's open; capex: the day after its quarter ends; others: the start of their day.
REFERENCE_INSTANTS: dict[str, tuple[str, int, time]] = {
    "prices_daily": ("date", 0, time(9, 30)),
    "market_series": ("date", 0, time(0, 0)),
    "policy_uncertainty": ("date", 0, time(0, 0)),
    "capex_quarterly": ("period_end", 1, time(0, 0)),
    "tech_events": ("date", 0, time(0, 0)),
    "macro_observations": ("vintage_date", 0, time(0, 0)),
    "policy_documents": ("published_on", 0, time(0, 0)),
    "tariff_actions": ("signed_on", 0, time(0, 0)),
}
# The column naming the (monthly) period a row describes, for month-end bounds and day-of-month checks.
PERIOD_COLUMNS: dict[str, str] = {
    "macro_observations": "period",
    "macro_consensus": "period",
    "macro_releases": "period",
    "policy_uncertainty": "date",
}
TIMESTAMP_COLUMNS = ("available_at", "ingested_at", "computed_at", "released_at")


class Batch:
    """What a helper may look at: the batch, its dataset, the window it claims and the validation instant."""

    def __init__(self, name: str, table: pa.Table, window: Window | None, now: datetime) -> None:
        self.dataset = catalog.get(name)
        self.table = table
        self.window = window
        self.now = now.astimezone(UTC)
        self.cache: dict[str, Any] = {}

    @property
    def rows(self) -> int:
        return self.table.num_rows

    @cached_property
    def now_s(self) -> float:
        return self.now.timestamp()

    @cached_property
    def today(self) -> date:
        """Today's date in New York, where the markets and most publishers keep their calendars."""
        return self.now.astimezone(NEW_YORK).date()

    def days(self, column: str) -> np.ndarray:
        """A date column as float days since 1970-01-01 (NaN where null)."""
        return pc.cast(pc.cast(self.table.column(column), pa.int32()), pa.float64()).to_numpy()

    def seconds(self, column: str) -> np.ndarray:
        """A UTC timestamp column as float seconds since the epoch (NaN where null)."""
        micros = pc.cast(self.table.column(column).cast(pa.timestamp("us", tz="UTC")), pa.int64())
        return pc.cast(micros, pa.float64()).to_numpy() / 1e6

    def floats(self, column: str) -> np.ndarray:
        """A numeric column as float64 (NaN where null), converted once per batch."""
        key = f"floats:{column}"
        if key not in self.cache:
            self.cache[key] = pc.cast(self.table.column(column), pa.float64()).to_numpy()
        return self.cache[key]

    def present(self, column: str) -> np.ndarray:
        return pc.is_valid(self.table.column(column)).to_numpy(zero_copy_only=False)

    @cached_property
    def time_days(self) -> np.ndarray:
        return self.days(self.dataset.time_column)

    @cached_property
    def scope_codes(self) -> np.ndarray:
        """An integer per row naming its scope (symbol, series …); one scope when the dataset has none."""
        if not self.dataset.scope_column:
            return np.zeros(self.rows, np.int32)
        encoded = pc.dictionary_encode(self.table.column(self.dataset.scope_column)).combine_chunks()
        return pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)

    @cached_property
    def scope_order(self) -> Ordering:
        """Rows grouped by scope, keeping the batch's own order inside each scope."""
        codes = self.scope_codes
        if np.all(codes[1:] >= codes[:-1]):
            return Ordering(None, codes)
        return Ordering(np.argsort(codes, kind="stable"), codes)

    @cached_property
    def time_order(self) -> Ordering:
        """Rows sorted by scope, then time (the scope order itself when times already increase in it)."""
        order = self.scope_order
        days = order.gather(self.time_days)
        if not np.any(order.has_previous[1:] & (days[1:] < days[:-1])):
            return order
        return Ordering(np.lexsort((self.time_days, self.scope_codes)), self.scope_codes)


class Ordering:
    """The batch's rows in some order (None: as given), and which rows follow / precede one of their scope."""

    def __init__(self, positions: np.ndarray | None, codes: np.ndarray) -> None:
        self.positions = positions
        ordered = self.gather(codes)
        same = ordered[1:] == ordered[:-1]
        self.has_previous = np.zeros(len(ordered), bool)
        self.has_next = np.zeros(len(ordered), bool)
        self.has_previous[1:] = same
        self.has_next[:-1] = same

    def gather(self, values: np.ndarray) -> np.ndarray:
        """Values in this order."""
        return values if self.positions is None else values[self.positions]

    def scatter(self, values: np.ndarray) -> np.ndarray:
        """Values given in this order, back in the batch's order."""
        if self.positions is None:
            return values
        out = np.empty_like(values)
        out[self.positions] = values
        return out

    def previous(self, values: np.ndarray, fill: float = np.nan) -> np.ndarray:
        """For values in this order: the value of the previous row of the same scope (`fill` for a scope's first)."""
        out = np.empty(len(values))
        out[1:] = values[:-1]
        out[~self.has_previous] = fill
        return out


def ny_seconds(days: np.ndarray, wall: time) -> np.ndarray:
    """Epoch seconds of New York wall time `wall` on each day (NaN days stay NaN); one zone lookup per distinct day."""
    out = np.full(days.shape, np.nan)
    valid = ~np.isnan(days)
    if not valid.any():
        return out
    low, high = int(days[valid].min()), int(days[valid].max())
    if high - low > MAX_LOOKUP_DAYS:  # a corrupt far-off date: look up the distinct days instead
        distinct, inverse = np.unique(days[valid].astype(np.int64), return_inverse=True)
        out[valid] = np.array([_ny_instant(int(d), wall) for d in distinct])[inverse]
        return out
    table = np.array([_ny_instant(d, wall) for d in range(low, high + 1)])
    out[valid] = table[days[valid].astype(np.int64) - low]
    return out


def _ny_instant(day: int, wall: time) -> float:
    return datetime.combine(EPOCH + timedelta(days=day), wall, tzinfo=NEW_YORK).timestamp()


def next_month_start(days: np.ndarray) -> np.ndarray:
    """The first day of the month after each day's month, as float days (NaN stays NaN)."""
    out = np.full(days.shape, np.nan)
    valid = ~np.isnan(days)
    months = days[valid].astype(np.int64).astype("datetime64[D]").astype("datetime64[M]") + 1
    out[valid] = months.astype("datetime64[D]").astype(np.int64)
    return out


def day_number(day: date) -> int:
    return (day - EPOCH).days


class SessionCounter:
    """Counts NYSE sessions in day ranges by table lookup: O(1) per row after one pass over the calendar."""

    def __init__(self, first: int, last: int) -> None:
        self.base = first - 1
        sessions = nyse_trading_days(EPOCH + timedelta(days=first), EPOCH + timedelta(days=last))
        is_session = np.zeros(last - first + 2, np.int64)
        is_session[[day_number(d) - self.base for d in sessions]] = 1
        self.is_session = is_session.astype(bool)
        self.upto = np.cumsum(is_session)  # sessions on or before base + i

    def on_or_before(self, days: np.ndarray) -> np.ndarray:
        return self.upto[days.astype(np.int64) - self.base]

    def before(self, days: np.ndarray) -> np.ndarray:
        return self.upto[days.astype(np.int64) - 1 - self.base]


def last_closed_session(now: datetime) -> date:
    """The latest NYSE session whose 16:00 New York close has passed at `now`."""
    day = now.astimezone(NEW_YORK).date()
    if is_nyse_trading_day(day) and new_york_instant(day, CLOSE.hour) <= now:
        return day
    day -= timedelta(days=1)
    while not is_nyse_trading_day(day):
        day -= timedelta(days=1)
    return day


Helper = Callable[[Batch], np.ndarray]
HELPERS: dict[str, Helper] = {}


def helper(name: str) -> Callable[[Helper], Helper]:
    def register(fn: Helper) -> Helper:
        HELPERS[name] = fn
        return fn

    return register


def compute(
    name: str, table: pa.Table, columns: list[str], window: Window | None, now: datetime
) -> dict[str, np.ndarray]:
    """The helper columns `columns` for one batch, in the order asked."""
    unknown = [c for c in columns if c not in HELPERS]
    if unknown:
        raise ValueError(f"{name}: unknown derived column(s) {unknown}; known: {sorted(HELPERS)}")
    batch = Batch(name, table, window, now)
    return {column: HELPERS[column](batch) for column in columns}


# -- any dataset ---------------------------------------------------------------------------------


def _ahead(column: str) -> Helper:
    return lambda batch: batch.seconds(column) - batch.now_s


for _column in TIMESTAMP_COLUMNS:
    helper(f"__{_column}_ahead_s")(_ahead(_column))


@helper("__nonfinite_values")
def nonfinite_values(batch: Batch) -> np.ndarray:
    """How many float values of the row are present but NaN or infinite (a null is missing, not wrong)."""
    count = np.zeros(batch.rows)
    for field in batch.table.schema:
        if pa.types.is_floating(field.type):
            values = batch.floats(field.name)
            count += batch.present(field.name) & ~np.isfinite(values)
    return count


@helper("__time_ahead_days")
def time_ahead_days(batch: Batch) -> np.ndarray:
    """Days the row's time column lies after today (New York)."""
    return batch.time_days - day_number(batch.today)


@helper("__available_at_lead_s")
def available_at_lead_s(batch: Batch) -> np.ndarray:
    """Seconds available_at comes before the earliest instant the row could be known (REFERENCE_INSTANTS)."""
    column, offset, wall = REFERENCE_INSTANTS[batch.dataset.name]
    return ny_seconds(batch.days(column) + offset, wall) - batch.seconds("available_at")


@helper("__available_at_lead_period_end_s")
def available_at_lead_period_end_s(batch: Batch) -> np.ndarray:
    """Seconds available_at comes before the end of the row's month (for monthly series)."""
    end = next_month_start(batch.days(PERIOD_COLUMNS[batch.dataset.name]))
    return ny_seconds(end, time(0, 0)) - batch.seconds("available_at")


@helper("__month_day")
def month_day(batch: Batch) -> np.ndarray:
    """Day of the month of the row's period (1 for a monthly period)."""
    days = batch.days(PERIOD_COLUMNS[batch.dataset.name])
    out = np.full(days.shape, np.nan)
    valid = ~np.isnan(days)
    stamps = days[valid].astype(np.int64).astype("datetime64[D]")
    out[valid] = (stamps - stamps.astype("datetime64[M]")).astype(np.int64) + 1
    return out


@helper("__is_nyse_session")
def is_nyse_session(batch: Batch) -> np.ndarray:
    """True when the row's date is an NYSE trading day (not a weekend or an exchange holiday)."""
    days = batch.time_days
    if not batch.rows:
        return np.zeros(0, bool)
    counter = SessionCounter(int(np.nanmin(days)), int(np.nanmax(days)))
    return counter.is_session[days.astype(np.int64) - counter.base]


@helper("__is_weekday")
def is_weekday(batch: Batch) -> np.ndarray:
    """True when the row's date is Monday to Friday (1970-01-01 was a Thursday)."""
    return (np.nan_to_num(batch.time_days).astype(np.int64) + 3) % 7 < 5


@helper("__date_not_increasing")
def date_not_increasing(batch: Batch) -> np.ndarray:
    """True where a row's date is not after the previous row of its scope, in the batch's own order."""
    order = batch.scope_order
    days = order.gather(batch.time_days)
    return order.scatter(days <= order.previous(days))


# -- trading-day coverage (prices) ---------------------------------------------------------------


def _coverage(batch: Batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Missing NYSE sessions per row: before it (since its scope's previous row), at the window's start, at its end.

    Head counts go on each scope's first row and tail counts on its last, so GX names those rows.
    """
    if "coverage" not in batch.cache:
        batch.cache["coverage"] = _count_missing_sessions(batch)
    return batch.cache["coverage"]


def _count_missing_sessions(batch: Batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    window = batch.window
    if window is None or not batch.rows:
        return np.zeros(batch.rows), np.zeros(batch.rows), np.zeros(batch.rows)
    order = batch.time_order
    days = order.gather(batch.time_days)
    end = min(window.end, last_closed_session(batch.now))
    counter = SessionCounter(min(day_number(window.start), int(days.min())), max(day_number(end), int(days.max())))
    upto, before = counter.on_or_before(days).astype(float), counter.before(days).astype(float)
    gap = before - order.previous(upto, 0.0)
    gap[~order.has_previous] = 0.0
    head = before - counter.before(np.array([day_number(window.start)]))[0]
    head[order.has_previous] = 0.0
    tail = counter.on_or_before(np.array([day_number(end)]))[0] - upto
    tail[order.has_next] = 0.0
    return tuple(order.scatter(np.maximum(values, 0.0, out=values)) for values in (gap, head, tail))


@helper("__missing_sessions_before")
def missing_sessions_before(batch: Batch) -> np.ndarray:
    """NYSE sessions missing between a row and the previous row of its symbol (windowed batches)."""
    return _coverage(batch)[0]


@helper("__missing_sessions_at_start")
def missing_sessions_at_start(batch: Batch) -> np.ndarray:
    """On a symbol's first row: sessions of the window before it (a late start or a listing in the window)."""
    return _coverage(batch)[1]


@helper("__stale_sessions")
def stale_sessions(batch: Batch) -> np.ndarray:
    """On a symbol's last row: closed sessions of the window after it (the feed stopped short of the window's end)."""
    return _coverage(batch)[2]


@helper("__stale_days")
def stale_days(batch: Batch) -> np.ndarray:
    """Days from the batch's latest date to the window's end (capped at today), on every row (windowed batches)."""
    if batch.window is None or not batch.rows:
        return np.zeros(batch.rows)
    end = day_number(min(batch.window.end, batch.today))
    return np.full(batch.rows, max(0.0, end - np.nanmax(batch.time_days)))


# -- prices --------------------------------------------------------------------------------------


@helper("__adj_close_ratio")
def adj_close_ratio(batch: Batch) -> np.ndarray:
    """adj_close / close: at most 1 under dividend adjustment, far below 1 only over long histories."""
    close, adj = batch.floats("close"), batch.floats("adj_close")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(close > 0, adj / close, np.nan)


@helper("__adj_ratio_change")
def adj_ratio_change(batch: Batch) -> np.ndarray:
    """Relative change of adj_close/close since the symbol's previous row; a jump means a split hit one column only."""
    order = batch.time_order
    ratio = order.gather(adj_close_ratio(batch))
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.abs(ratio / order.previous(ratio) - 1.0)
    change[~order.has_previous] = 0.0  # a symbol's first bar has nothing to jump from
    return order.scatter(change)


@helper("__ohlc_outside_range")
def ohlc_outside_range(batch: Batch) -> np.ndarray:
    """True where open or close lies outside [low, high] (comparisons with a missing value are not flagged)."""
    high, low = batch.floats("high"), batch.floats("low")
    flag = np.zeros(batch.rows, bool)
    for column in ("open", "close"):
        value = batch.floats(column)
        flag |= (value > high) | (value < low)
    return flag


# -- macro ---------------------------------------------------------------------------------------


@helper("__vintage_lead_days")
def vintage_lead_days(batch: Batch) -> np.ndarray:
    """Days a vintage is dated before the start of the period it describes."""
    return batch.days("period") - batch.days("vintage_date")


@helper("__vintage_lead_period_end_days")
def vintage_lead_period_end_days(batch: Batch) -> np.ndarray:
    """Days a vintage is dated before its period's month has ended (for monthly series)."""
    return next_month_start(batch.days("period")) - batch.days("vintage_date")


def _period_groups(batch: Batch) -> np.ndarray:
    keys = np.stack([batch.scope_codes, batch.days("period")], axis=1)
    return np.unique(keys, axis=0, return_inverse=True)[1].reshape(-1)


@helper("__first_print_not_earliest")
def first_print_not_earliest(batch: Batch) -> np.ndarray:
    """True for a first print that has no value or is not the earliest valued vintage of its period in the batch."""
    if not batch.rows:
        return np.zeros(0, bool)
    groups = _period_groups(batch)
    vintage = batch.days("vintage_date")
    valued = batch.present("value") & ~np.isnan(batch.floats("value"))
    earliest = np.full(groups.max() + 1, np.inf)
    np.minimum.at(earliest, groups[valued], vintage[valued])
    first = pc.fill_null(batch.table.column("is_first_print"), False).to_numpy(zero_copy_only=False)
    return first & (~valued | (vintage > earliest[groups]))


@helper("__first_prints_per_period")
def first_prints_per_period(batch: Batch) -> np.ndarray:
    """How many rows of the row's (series, period) are flagged as its first print."""
    if not batch.rows:
        return np.zeros(0)
    groups = _period_groups(batch)
    first = pc.fill_null(batch.table.column("is_first_print"), False).to_numpy(zero_copy_only=False)
    return np.bincount(groups, weights=first.astype(float))[groups]


@helper("__released_at_day_offset")
def released_at_day_offset(batch: Batch) -> np.ndarray:
    """Days between released_at's New York date and release_date (0 when they agree)."""
    released = batch.seconds("released_at")
    start = ny_seconds(batch.days("release_date"), time(0, 0))
    end = ny_seconds(batch.days("release_date") + 1, time(0, 0))
    return np.where(released < start, -1.0, np.where(released >= end, 1.0, 0.0)) * (~np.isnan(released))


# -- capex, policy, tariffs ----------------------------------------------------------------------


@helper("__period_days")
def period_days(batch: Batch) -> np.ndarray:
    """Days from period_start to period_end (a fiscal quarter is 13 or 14 weeks, 89–98 days)."""
    return batch.days("period_end") - batch.days("period_start")


@helper("__signed_after_published_days")
def signed_after_published_days(batch: Batch) -> np.ndarray:
    """Days a document is signed after it was published (NaN when either date is missing)."""
    return batch.days("signed_on") - batch.days("published_on")


@helper("__expires_before_effective_s")
def expires_before_effective_s(batch: Batch) -> np.ndarray:
    """Seconds an action expires before it takes effect (NaN when either is missing)."""
    return batch.seconds("effective_at") - batch.seconds("expires_at")


@helper("__paused_without_end")
def paused_without_end(batch: Batch) -> np.ndarray:
    """True for a paused tariff whose pause has no end date."""
    paused = pc.fill_null(pc.equal(batch.table.column("status"), "paused"), False).to_numpy(zero_copy_only=False)
    return paused & ~batch.present("pause_ends")
