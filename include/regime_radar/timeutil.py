"""Market-time helpers: the New York close, release times and the daily flag cutoff."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
MARKET_CLOSE = time(16, 0)


def at_new_york(day: date, clock: time) -> datetime:
    """The UTC instant of a New York wall-clock time on a given day (DST-aware)."""
    return datetime.combine(day, clock, tzinfo=NEW_YORK).astimezone(UTC)


def market_close_utc(day: date) -> datetime:
    """When a day's closing prices become public: 16:00 America/New_York."""
    return at_new_york(day, MARKET_CLOSE)
