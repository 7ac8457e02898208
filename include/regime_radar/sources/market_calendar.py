"""US market and Federal Reserve business-day calendars, and New York wall-clock instants in UTC."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache

from regime_radar.timeutil import NEW_YORK as NEW_YORK  # re-exported: readers of the calendar use it
from regime_radar.timeutil import at_new_york

# Unscheduled NYSE closures (national days of mourning, storms) that no weekday rule produces.
NYSE_SPECIAL_CLOSURES = frozenset(
    {
        date(2001, 9, 11),
        date(2001, 9, 12),
        date(2001, 9, 13),
        date(2001, 9, 14),
        date(2004, 6, 11),
        date(2007, 1, 2),
        date(2012, 10, 29),
        date(2012, 10, 30),
        date(2018, 12, 5),
        date(2025, 1, 9),
    }
)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _easter(year: int) -> date:
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _observed(day: date, saturday_to_friday: bool) -> date | None:
    if day.weekday() == 6:
        return day + timedelta(days=1)
    if day.weekday() == 5:
        return day - timedelta(days=1) if saturday_to_friday else None
    return day


@cache
def nyse_holidays(year: int) -> frozenset[date]:
    """Full-day NYSE closures in `year` (early closes are trading days)."""
    fixed = [date(year, 7, 4), date(year, 12, 25)]
    if year >= 2022:
        fixed.append(date(year, 6, 19))
    days = {_observed(d, saturday_to_friday=True) for d in fixed}
    days.add(_observed(date(year, 1, 1), saturday_to_friday=False))  # a Saturday New Year is not moved
    days |= {
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        _easter(year) - timedelta(days=2),  # Good Friday
        _last_weekday(year, 5, 0),  # Memorial Day
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving
    }
    days |= {d for d in NYSE_SPECIAL_CLOSURES if d.year == year}
    return frozenset(d for d in days if d is not None)


@cache
def fed_holidays(year: int) -> frozenset[date]:
    """Federal Reserve holidays in `year` (a Sunday holiday moves to Monday; a Saturday one is not moved)."""
    fixed = [date(year, 1, 1), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    if year >= 2021:
        fixed.append(date(year, 6, 19))
    days = {_observed(d, saturday_to_friday=False) for d in fixed}
    days |= {
        _nth_weekday(year, 1, 0, 3),
        _nth_weekday(year, 2, 0, 3),
        _last_weekday(year, 5, 0),
        _nth_weekday(year, 9, 0, 1),
        _nth_weekday(year, 10, 0, 2),  # Columbus Day
        _nth_weekday(year, 11, 3, 4),
    }
    return frozenset(d for d in days if d is not None)


def is_nyse_trading_day(day: date) -> bool:
    """True when the NYSE is open (for at least part of) `day`."""
    return day.weekday() < 5 and day not in nyse_holidays(day.year)


def nyse_trading_days(start: date, end: date) -> list[date]:
    """NYSE trading days from `start` to `end` inclusive."""
    days = (start + timedelta(days=i) for i in range((end - start).days + 1))
    return [d for d in days if is_nyse_trading_day(d)]


def is_fed_business_day(day: date) -> bool:
    """True on weekdays the Federal Reserve is open."""
    return day.weekday() < 5 and day not in fed_holidays(day.year)


def next_fed_business_day(day: date) -> date:
    """The first Federal Reserve business day strictly after `day`."""
    day += timedelta(days=1)
    while not is_fed_business_day(day):
        day += timedelta(days=1)
    return day


def new_york_instant(day: date, hour: int, minute: int = 0) -> datetime:
    """The UTC instant of wall-clock `hour:minute` in New York on `day`."""
    return at_new_york(day, time(hour, minute))
