"""What every rule shares: the Flag verdict, levels, the window context and the point-in-time helpers.

A rule computes a whole window at once. Each day D of the window sees only rows whose `available_at`
is at or before D's cutoff; rules get there in one of two ways, both exact:

- `date_segments`: for dated series (prices). Rows visible from their own date on are used once for
  the whole window by causal (past-only) computations; a row published after its date's cutoff (a
  late or revised row) splits the window so days before its publication never see it.
- `asof_segments`: for event tables (filings, tariff actions, releases). The window is split at
  each day on which new rows become visible; every run of days sees the same rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

LEVELS = ("green", "amber", "red")
RANK = {level: i for i, level in enumerate(LEVELS)}
NEW_YORK = "America/New_York"


@dataclass
class Flag:
    """One rule's verdict for one day: the level, a score and the facts that decided it."""

    regime: str
    flag: str
    level: str
    score: float | None
    drivers: dict[str, Any] = field(default_factory=dict)
    evidence: list[Any] = field(default_factory=list)
    state: str | None = None  # composite flags only: the regime's state that day


def worst(levels: Iterable[str]) -> str:
    """The most severe of some levels (green when there are none)."""
    return max(levels, key=RANK.__getitem__, default="green")


def capped(level: str, cap: str) -> str:
    """A level no higher than `cap`."""
    return level if RANK[level] <= RANK[cap] else cap


def clean(value: Any, digits: int = 4) -> Any:
    """A driver value fit for JSON: floats rounded, NaN and numpy scalars turned into plain Python."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, digits)
    return value


def level_from(value: float | None, red: float | None, amber: float | None, below: bool = True) -> str:
    """green/amber/red for a value against thresholds (below=True: lower is worse)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "green"
    for level, limit in (("red", red), ("amber", amber)):
        if limit is not None and (value <= limit if below else value >= limit):
            return level
    return "green"


@dataclass
class Context:
    """The window being computed: its market days, their cutoffs, the input tables and the rules."""

    days: list[date]  # sorted, unique
    tables: dict[str, pd.DataFrame]
    rules: dict[str, Any]
    cache: dict[Any, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.days)

    @property
    def days64(self) -> np.ndarray:
        """The days as datetime64[ns] (midnight)."""
        if "days64" not in self.cache:
            import numpy as np

            self.cache["days64"] = np.array(self.days, dtype="datetime64[ns]")
        return self.cache["days64"]

    @property
    def cutoffs(self) -> np.ndarray:
        """Each day's cutoff as int64 nanoseconds since the epoch (UTC)."""
        if "cutoffs" not in self.cache:
            self.cache["cutoffs"] = cutoff_ns(self.days64, self.rules)
        return self.cache["cutoffs"]

    def table(self, name: str) -> pd.DataFrame | None:
        """An input table, or None when it was not loaded or is empty."""
        frame = self.tables.get(name)
        return None if frame is None or len(frame) == 0 else frame

    def green(self, regime: str, flag: str, status: str) -> list[Flag]:
        """A quiet verdict for every day, saying why there is nothing to judge."""
        return [Flag(regime, flag, "green", None, {"status": status}) for _ in self.days]


def cutoff_ns(dates64: np.ndarray, rules: dict[str, Any]) -> np.ndarray:
    """The cutoff instant of each date (datetime64 midnight) as int64 UTC nanoseconds, DST-aware."""
    import numpy as np
    import pandas as pd

    hour, minute = (int(x) for x in str(rules["cutoff_new_york"]).split(":"))
    local = pd.DatetimeIndex(dates64) + pd.Timedelta(hours=hour, minutes=minute)
    instants = local.tz_localize(NEW_YORK).tz_convert("UTC").as_unit("ns")
    return np.asarray(instants.asi8, dtype="int64")


def as_dates64(values: Any) -> np.ndarray:
    """A column of dates (date objects, ISO strings, timestamps) as datetime64[ns] at midnight."""
    import numpy as np
    import pandas as pd

    converted = pd.to_datetime(pd.Series(values).reset_index(drop=True))
    if getattr(converted.dt, "tz", None) is not None:
        converted = converted.dt.tz_localize(None)
    return np.asarray(converted.dt.normalize().dt.as_unit("ns").to_numpy(), dtype="datetime64[ns]")


def as_instants_ns(values: Any) -> np.ndarray:
    """A column of instants (naive = UTC) as int64 UTC nanoseconds."""
    import numpy as np
    import pandas as pd

    converted = pd.DatetimeIndex(pd.to_datetime(pd.Series(values).reset_index(drop=True), utc=True))
    return np.asarray(converted.as_unit("ns").asi8, dtype="int64")


def first_visible(ctx: Context, available_ns: np.ndarray) -> np.ndarray:
    """For each row, the index of the first window day whose cutoff is at or after it (n = never)."""
    import numpy as np

    return np.searchsorted(ctx.cutoffs, available_ns, side="left")


def date_segments(ctx: Context, dates64: np.ndarray, available_ns: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Runs of window days (positions) with the row mask a causal computation over dated rows may use."""
    import numpy as np

    n = ctx.n
    relevant = np.searchsorted(ctx.days64, dates64, side="left")
    visible = first_visible(ctx, available_ns)
    usable = (relevant < n) & (visible < n)
    late = usable & (visible > relevant)
    on_time = usable & ~late
    starts = sorted({0, *visible[late].tolist()})
    out = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else n
        if start < end:
            out.append((np.arange(start, end), on_time | (late & (visible <= start))))
    return out


def asof_segments(ctx: Context, available_ns: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Runs of window days (positions) that see the same rows, with the mask of those rows."""
    import numpy as np

    visible = first_visible(ctx, available_ns)
    starts = sorted({0, *visible[visible < ctx.n].tolist()})
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else ctx.n
        if start < end:
            yield np.arange(start, end), visible <= start


def dataset_ref(dataset: str, day: date, detail: str = "") -> dict[str, str]:
    """An evidence item that points at warehouse rows rather than a URL."""
    label = f"{dataset} {day.isoformat()}" + (f": {detail}" if detail else "")
    return {"label": label, "dataset": dataset, "date": day.isoformat()}


def dedupe_evidence(items: Iterable[dict[str, Any]], limit: int = 12) -> list[dict[str, Any]]:
    """Evidence items once each (by label and url), in order, at most `limit`."""
    seen: set[tuple[Any, Any]] = set()
    out = []
    for item in items:
        key = (item.get("label"), item.get("url"))
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out[:limit]
