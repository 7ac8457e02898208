"""Run every rule for the market days of a window, strictly point in time, and shape the output rows.

`compute_window(days, tables)` is the entry point: each rule computes the whole window at once
(prices as causal series, event tables as runs of days that see the same rows), and day D only
ever reads rows whose `available_at` is at or before D's cutoff (`cutoff(day, rules)`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from regime_radar.config import load_yaml
from regime_radar.flags.base import LEVELS, Context, Flag, worst
from regime_radar.timeutil import at_new_york

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "INPUTS",
    "LEVELS",
    "Flag",
    "compute_flags",
    "compute_window",
    "cutoff",
    "derive_inputs",
    "load_rules",
    "regime_states",
    "worst",
]

# Every dataset the rules read (missing ones make their rules quiet, with a status driver).
INPUTS: tuple[str, ...] = (
    "prices_daily",
    "market_series",
    "capex_quarterly",
    "tech_events",
    "macro_observations",
    "macro_releases",
    "tariff_actions",
    "policy_uncertainty",
)

WindowRule = Callable[[Context], list[Flag]]


def load_rules() -> dict[str, Any]:
    """The versioned rules file (thresholds and weights)."""
    return load_yaml("rules.yaml")


def cutoff(day: date, rules: dict[str, Any]) -> datetime:
    """The instant after which nothing may influence the flags of `day` (rules' New York cutoff)."""
    hour, minute = (int(x) for x in str(rules["cutoff_new_york"]).split(":"))
    return at_new_york(day, time(hour, minute))


def base_rules() -> list[tuple[str, WindowRule]]:
    """(flag name, rule) for every flag computed from the input tables, in output order."""
    from regime_radar.flags import ai_capex, fundamentals, tariff

    return [
        ("ai_capex_shock", ai_capex.ai_capex_shock),
        ("ai_capex_stress", ai_capex.ai_capex_stress),
        ("capex_momentum", ai_capex.capex_momentum),
        ("ai_efficiency_event", ai_capex.ai_efficiency_event),
        ("tariff_escalation", tariff.tariff_escalation),
        ("tariff_deescalation", tariff.tariff_deescalation),
        ("tariff_pause_expiry", tariff.tariff_pause_expiry),
        ("sector_tariff_threat", tariff.sector_tariff_threat),
        ("tariff_market_confirmation", tariff.tariff_market_confirmation),
        ("trade_policy_uncertainty", tariff.trade_policy_uncertainty),
        ("fundamentals", fundamentals.fundamentals),
    ]


def compute_window(
    days: Iterable[date], tables: dict[str, pd.DataFrame], rules: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The risk_flags and regime_state rows for the market days `days` (each day strictly point in time)."""
    from regime_radar.flags import composite

    rules = rules or load_rules()
    unique = sorted({_as_date(d) for d in days})
    if not unique:
        return [], []
    ctx = Context(unique, tables, rules)
    flags: dict[str, list[Flag]] = {}
    for name, rule in base_rules():
        flags[name] = rule(ctx)
        if len(flags[name]) != ctx.n:
            raise RuntimeError(f"rule {name} returned {len(flags[name])} verdicts for {ctx.n} days")
    members = {regime: set(rules["regimes"][regime]["members"]) for regime in ("ai_capex", "tariff", "macro")}
    regimes = {
        "ai_capex": composite.ai_capex_composites(ctx, {n: flags[n] for n in members["ai_capex"]}),
        "tariff": composite.tariff_composites(ctx, {n: flags[n] for n in members["tariff"]}),
        "macro": composite.macro_composites(ctx, {n: flags[n] for n in members["macro"]}),
    }
    regimes["composite"] = composite.overall(ctx, regimes, flags)

    version = str(rules["version"])
    computed_at = datetime.now(UTC)
    flag_rows: list[dict[str, Any]] = []
    state_rows: list[dict[str, Any]] = []
    for i, day in enumerate(unique):
        for series in [*flags.values(), *regimes.values()]:
            flag_rows.append(_row(day, series[i], version, computed_at))
        for regime in composite.REGIMES:
            verdict = regimes[regime][i]
            state_rows.append({"date": day, "regime": regime, "state": verdict.state, "level": verdict.level})
    return flag_rows, state_rows


def compute_flags(
    asof: date, tables: dict[str, pd.DataFrame], rules: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The risk_flags rows for one market day, computed only from rows available by its cutoff."""
    return compute_window([asof], tables, rules)[0]


def regime_states(flag_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The regime_state rows implied by risk_flags rows (the per-regime composite rows and their states)."""
    from regime_radar.flags.composite import REGIMES

    out = []
    for row in flag_rows:
        if row["flag"] in REGIMES and row["regime"] == row["flag"]:
            state = json.loads(row["drivers"]).get("state", "unknown")
            out.append({"date": row["date"], "regime": row["regime"], "state": state, "level": row["level"]})
    return sorted(out, key=lambda r: (r["date"], REGIMES.index(r["regime"])))


def derive_inputs(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables plus derived inputs that are missing: macro_releases and tariff_actions from their sources."""
    out = dict(tables)
    if _empty(out.get("macro_releases")) and not _empty(out.get("macro_observations")):
        import pandas as pd

        from regime_radar.macro import build_macro_releases

        calendar = out.get("release_calendar")
        consensus = out.get("macro_consensus")
        out["macro_releases"] = build_macro_releases(
            out["macro_observations"],
            calendar if calendar is not None else pd.DataFrame(columns=["release", "release_date", "released_at"]),
            consensus if consensus is not None else pd.DataFrame(columns=["release", "period", "consensus"]),
        )
    if _empty(out.get("tariff_actions")) and not _empty(out.get("policy_documents")):
        from regime_radar.tariffs.extract import extract_actions

        out["tariff_actions"] = extract_actions(out["policy_documents"])
    return out


def _empty(frame: pd.DataFrame | None) -> bool:
    return frame is None or len(frame) == 0


def _row(day: date, flag: Flag, version: str, computed_at: datetime) -> dict[str, Any]:
    if flag.level not in LEVELS:
        raise ValueError(f"{flag.flag}: unknown level {flag.level!r}")
    return {
        "date": day,
        "regime": flag.regime,
        "flag": flag.flag,
        "level": flag.level,
        "score": None if flag.score is None else float(flag.score),
        "drivers": json.dumps(flag.drivers, sort_keys=True, default=str),
        "evidence": json.dumps(flag.evidence, sort_keys=True, default=str),
        "rule_version": version,
        "computed_at": computed_at,
    }


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
