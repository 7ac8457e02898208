"""The flag report: what fired, when, and why — as plain text for the terminal."""

from __future__ import annotations

import json
from typing import Any

from regime_radar.sources.base import Window
from regime_radar.warehouse import Warehouse

LEVEL_MARK = {"green": "  ", "amber": "! ", "red": "!!"}


def flag_report(warehouse: Warehouse, window: Window | None = None, *, every_day: bool = False) -> str:
    """Each level change in the window (or every non-green row), the regimes' latest state, and a count per level."""
    flags = warehouse.read("risk_flags").to_pandas()
    if window is not None:
        flags = flags[(flags["date"] >= window.start) & (flags["date"] <= window.end)]
    if flags.empty:
        return "No risk flags in the warehouse for this window. Run `regime-radar run` first."
    flags = flags.sort_values(["date", "regime", "flag"])
    first, last = flags["date"].min(), flags["date"].max()
    days, version = flags["date"].nunique(), flags["rule_version"].iloc[-1]
    lines = [f"Risk flags {first} .. {last}  ({days} market days, rules {version})", ""]
    if every_day:
        shown, title = flags[flags["level"] != "green"], "Every non-green flag:"
    else:
        previous = flags.groupby("flag")["level"].shift()
        changed = (flags["level"] != previous) & ~(previous.isna() & (flags["level"] == "green"))
        shown, title = flags[changed], "Level changes (the days an alert e-mail goes out):"
    if shown.empty:
        lines.append("All flags green.")
    else:
        lines += [title, f"{'date':<11} {'flag':<27} {'level':<8} {'score':>7}  drivers"]
        for row in shown.itertuples():
            lines.append(
                f"{row.date!s:<11} {row.flag:<27} {LEVEL_MARK[row.level]}{row.level:<6} "
                f"{_score(row.score):>7}  {_drivers(row.drivers)}"
            )
    latest = flags[flags["date"] == last]
    regimes = latest[latest["flag"] == latest["regime"]]
    if not regimes.empty:
        lines += ["", f"Regimes on {last}: " + ", ".join(f"{r.regime} {r.level}" for r in regimes.itertuples())]
    lines += ["", "Days per level:"]
    counts = flags.pivot_table(index="flag", columns="level", values="date", aggfunc="count", fill_value=0)
    for flag, counts_row in counts.iterrows():
        parts = [f"{level} {int(counts_row.get(level, 0)):>2}" for level in ("red", "amber", "green")]
        lines.append(f"  {flag:<27} " + "  ".join(parts))
    return "\n".join(lines)


def _score(score: Any) -> str:
    return "" if score is None or score != score else f"{score:.2f}"


def _drivers(text: str, width: int = 110) -> str:
    """The drivers on one line: the headline when a rule gives one, else the first few numbers."""
    drivers = json.loads(text)
    if "headline" in drivers:
        line = str(drivers["headline"])
    else:
        line = ", ".join(f"{k}={_fmt(v)}" for k, v in drivers.items() if not isinstance(v, (dict, list)))
    return line if len(line) <= width else line[: width - 1] + "…"


def _fmt(value: Any) -> str:
    return f"{value:+.4g}" if isinstance(value, float) else str(value)
