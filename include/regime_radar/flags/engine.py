"""Run every rule for each market day of a window, strictly point in time."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from regime_radar.config import load_yaml
from regime_radar.timeutil import at_new_york

if TYPE_CHECKING:
    import pandas as pd

LEVELS = ("green", "amber", "red")


@dataclass
class Flag:
    """One rule's verdict for one day: the level, a score and the facts that decided it."""

    regime: str
    flag: str
    level: str
    score: float | None
    drivers: dict[str, Any] = field(default_factory=dict)
    evidence: list[Any] = field(default_factory=list)


Rule = Callable[[date, dict[str, "pd.DataFrame"], dict[str, Any]], list[Flag]]


def load_rules() -> dict[str, Any]:
    """The versioned rules file (thresholds and weights)."""
    return load_yaml("rules.yaml")


def cutoff(day: date, rules: dict[str, Any]) -> datetime:
    """The instant after which nothing may influence the flags of `day`."""
    hour, minute = (int(x) for x in rules["cutoff_new_york"].split(":"))
    return at_new_york(day, time(hour, minute))


def visible(tables: dict[str, pd.DataFrame], instant: datetime) -> dict[str, pd.DataFrame]:
    """Each table restricted to rows public at `instant` (tables without available_at pass whole)."""
    import pandas as pd

    stamp = pd.Timestamp(instant).tz_convert("UTC")
    return {
        name: (df[df["available_at"] <= stamp] if "available_at" in df.columns else df) for name, df in tables.items()
    }


def all_rules() -> list[Rule]:
    from regime_radar.flags import ai_capex

    return [ai_capex.ai_capex_shock]


def compute_flags(
    asof: date,
    tables: dict[str, pd.DataFrame],
    rules: dict[str, Any] | None = None,
    rule_functions: Iterable[Rule] | None = None,
) -> list[dict[str, Any]]:
    """The risk_flags rows for market day `asof`, computed only from rows available by its cutoff."""
    rules = rules or load_rules()
    known = visible(tables, cutoff(asof, rules))
    computed_at = datetime.now(UTC)
    rows = []
    for rule in rule_functions or all_rules():
        for flag in rule(asof, known, rules):
            if flag.level not in LEVELS:
                raise ValueError(f"{flag.flag}: unknown level {flag.level!r}")
            rows.append(
                {
                    "date": asof,
                    "regime": flag.regime,
                    "flag": flag.flag,
                    "level": flag.level,
                    "score": flag.score,
                    "drivers": json.dumps(flag.drivers, sort_keys=True, default=str),
                    "evidence": json.dumps(flag.evidence, sort_keys=True, default=str),
                    "rule_version": str(rules["version"]),
                    "computed_at": computed_at,
                }
            )
    return rows


def worst(levels: Iterable[str]) -> str:
    """The most severe of some levels (green when there are none)."""
    return max(levels, key=LEVELS.index, default="green")


def regime_states(flag_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per day and regime the worst flag level, plus a composite over every regime."""
    by_day: dict[tuple[date, str], list[str]] = {}
    for row in flag_rows:
        by_day.setdefault((row["date"], row["regime"]), []).append(row["level"])
        by_day.setdefault((row["date"], "composite"), []).append(row["level"])
    names = {"green": "calm", "amber": "stress", "red": "shock"}
    return [
        {"date": day, "regime": regime, "state": names[worst(levels)], "level": worst(levels)}
        for (day, regime), levels in sorted(by_day.items())
    ]
