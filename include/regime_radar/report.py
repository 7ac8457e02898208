"""The flag report: what fired, when, and why — as plain text for the terminal."""

from __future__ import annotations

import json
from typing import Any

from regime_radar.sources.base import Window
from regime_radar.warehouse import Warehouse

LEVEL_MARK = {"green": "  ", "amber": "! ", "red": "!!"}


def flag_report(warehouse: Warehouse, window: Window | None = None, *, only_changes: bool = False) -> str:
    """A table of every non-green flag in the window, then a count per flag and level."""
    flags = warehouse.read("risk_flags").to_pandas()
    if window is not None:
        flags = flags[(flags["date"] >= window.start) & (flags["date"] <= window.end)]
    if flags.empty:
        return "No risk flags in the warehouse for this window. Run `regime-radar run` first."
    flags = flags.sort_values(["date", "regime", "flag"])
    first, last = flags["date"].min(), flags["date"].max()
    days, version = flags["date"].nunique(), flags["rule_version"].iloc[-1]
    lines = [f"Risk flags {first} .. {last}  ({days} market days, rules {version})", ""]
    hot = flags[flags["level"] != "green"]
    if only_changes:
        previous = flags.groupby("flag")["level"].shift()
        hot = flags[(flags["level"] != previous) & ~(previous.isna() & (flags["level"] == "green"))]
    if hot.empty:
        lines.append("All flags green.")
    else:
        lines.append(f"{'date':<11} {'regime':<9} {'flag':<26} {'level':<6} {'score':>7}  drivers")
        for row in hot.itertuples():
            lines.append(
                f"{row.date!s:<11} {row.regime:<9} {row.flag:<26} {LEVEL_MARK[row.level]}{row.level:<4} "
                f"{_score(row.score):>7}  {_drivers(row.drivers)}"
            )
    lines += ["", "Days per level:"]
    counts = flags.pivot_table(index="flag", columns="level", values="date", aggfunc="count", fill_value=0)
    for flag, counts_row in counts.iterrows():
        parts = [f"{level} {int(counts_row.get(level, 0))}" for level in ("red", "amber", "green")]
        lines.append(f"  {flag:<26} " + "  ".join(parts))
    return "\n".join(lines)


def _score(score: Any) -> str:
    return "" if score is None or score != score else f"{score:.2f}"


def _drivers(text: str, limit: int = 6) -> str:
    drivers = json.loads(text)
    items = [f"{k}={_fmt(v)}" for k, v in drivers.items()][:limit]
    return ", ".join(items)


def _fmt(value: Any) -> str:
    return f"{value:+.4g}" if isinstance(value, float) else str(value)
