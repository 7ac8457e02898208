"""Composite flags per regime and overall, and the regime state of each day.

States by regime:
- ai_capex: expansion | stress | shock | recovery
- tariff: calm | uncertainty (trade-policy uncertainty high) | deferred (a pause in force) |
  de-escalation | escalation | shock
- macro: expansion | slowdown | contraction
- composite: expansion | recovery | stress | shock (the most severe regime state; uncertainty alone
  and deferred tariffs count as expansion); its level is tempered by firm fundamentals.
"""

from __future__ import annotations

from typing import Any

from regime_radar.flags import ai_capex
from regime_radar.flags.base import RANK, Context, Flag, capped, clean, dataset_ref, dedupe_evidence, worst

REGIMES = ("ai_capex", "tariff", "macro", "composite")
_COMPOSITE_STATE = {
    "shock": "shock",
    "stress": "stress",
    "escalation": "stress",
    "contraction": "stress",
    "recovery": "recovery",
    "de-escalation": "recovery",
}
_STATE_ORDER = ("expansion", "recovery", "stress", "shock")


def _member_level(name: str, spec: dict[str, Any], flag: Flag) -> str:
    level = flag.drivers.get("ai_sectors_level", "green") if spec.get("ai_only") else flag.level
    return capped(level, spec.get("cap", "red"))


def _summary(name: str, flag: Flag, level: str) -> str:
    detail = flag.drivers.get("headline")
    if not detail and flag.score is not None:
        detail = f"score {flag.score:g}"
    return f"{name} {level}" + (f" ({detail})" if detail else "")


def _regime_flag(ctx: Context, regime: str, members: dict[str, Flag], state: str, force: str | None = None) -> Flag:
    """One regime's composite: the worst capped member level, a weighted score, and the members' reasons."""
    specs = ctx.rules["regimes"][regime]["members"]
    levels = {name: _member_level(name, spec, members[name]) for name, spec in specs.items() if name in members}
    level = worst(levels.values())
    if force is not None:
        level = worst([level, force])
    weights = {name: float(specs[name].get("weight", 1)) for name in levels}
    total = sum(weights.values()) or 1.0
    score = sum(weights[n] * RANK[levels[n]] for n in levels) / total
    loud = [n for n in levels if levels[n] != "green"]
    drivers: dict[str, Any] = {
        "state": state,
        "members": {n: levels[n] for n in levels},
        "headline": "; ".join(_summary(n, members[n], levels[n]) for n in loud) or f"{regime} {state}",
    }
    # the members' return drivers make the alert headline of the regime (NVDA -17% vs QQQ -3%)
    for name in loud:
        for key, value in members[name].drivers.items():
            if key.endswith("_ret") and key[:-4].isupper():
                drivers.setdefault(key, value)
    evidence = dedupe_evidence(item for n in loud for item in members[n].evidence)
    return Flag(regime, regime, level, clean(score, 3), drivers, evidence, state=state)


def ai_capex_composites(ctx: Context, flags: dict[str, list[Flag]]) -> list[Flag]:
    """The AI-capex regime per day: shock for a few sessions after a red shock, then stress, recovery, expansion."""
    rows = ai_capex.rows_for_days(ctx)
    out = []
    for i, (day, row, _segment) in enumerate(rows):
        members = {name: series[i] for name, series in flags.items()}
        force = None
        evidence_extra = []
        shock_level = members["ai_capex_shock"].level
        if row is not None and bool(row["shock_recent"]):
            state, force = "shock", "red"
            if shock_level != "red":
                evidence_extra.append(dataset_ref("risk_flags", day, "ai_capex_shock was red in the last sessions"))
        elif (
            members["ai_capex_stress"].level != "green"
            or shock_level != "green"
            or members["capex_momentum"].level == "red"
        ):
            state = "stress"
        elif row is not None and bool(row["issue_recent"]):
            state = "recovery"
        else:
            state = "expansion"
        flag = _regime_flag(ctx, "ai_capex", members, state, force)
        if evidence_extra:
            flag.evidence = dedupe_evidence([*flag.evidence, *evidence_extra])
        out.append(flag)
    return out


def tariff_composites(ctx: Context, flags: dict[str, list[Flag]]) -> list[Flag]:
    """The tariff regime per day."""
    out = []
    for i in range(ctx.n):
        members = {name: series[i] for name, series in flags.items()}
        pressure = ("tariff_escalation", "sector_tariff_threat", "tariff_pause_expiry", "tariff_market_confirmation")
        if members["tariff_escalation"].level == "red":
            state = "shock"
        elif any(members[n].level != "green" for n in pressure):
            state = "escalation"
        elif members["tariff_deescalation"].level != "green":
            state = "de-escalation"
        elif members["tariff_pause_expiry"].drivers.get("paused_tariffs", 0):
            state = "deferred"
        elif members["trade_policy_uncertainty"].level != "green":
            state = "uncertainty"
        else:
            state = "calm"
        out.append(_regime_flag(ctx, "tariff", members, state))
    return out


def macro_composites(ctx: Context, flags: dict[str, list[Flag]]) -> list[Flag]:
    """The macro regime per day: the fundamentals verdict."""
    names = {"green": "expansion", "amber": "slowdown", "red": "contraction"}
    out = []
    for i in range(ctx.n):
        members = {name: series[i] for name, series in flags.items()}
        out.append(_regime_flag(ctx, "macro", members, names[members["fundamentals"].level]))
    return out


def overall(ctx: Context, regimes: dict[str, list[Flag]], flags: dict[str, list[Flag]]) -> list[Flag]:
    """The overall composite: the worst regime, tempered by firm fundamentals ("a shock, not a deep correction")."""
    cfg = ctx.rules["regimes"]["composite"]
    weights = {name: float(w) for name, w in cfg["members"].items()}
    backdrop = flags[cfg["temper_with"]]
    out = []
    for i in range(ctx.n):
        members = {name: regimes[name][i] for name in weights}
        raw = worst(f.level for f in members.values())
        reds = sum(f.level == "red" for f in members.values())
        fundamentals = backdrop[i]
        level, note = raw, None
        if raw == "red" and fundamentals.level == "green" and reds < int(cfg["untempered_red_regimes"]):
            level = "amber"
            note = f"tempered: fundamentals firm ({fundamentals.drivers.get('headline', 'green')})"
        elif raw == "amber" and fundamentals.level == "red" and cfg.get("amplify", True):
            level = "red"
            note = f"amplified: fundamentals weak ({fundamentals.drivers.get('headline', 'red')})"
        states = [_COMPOSITE_STATE.get(f.state or "", "expansion") for f in members.values()]
        state = max(states, key=_STATE_ORDER.index, default="expansion")
        effective = {n: (capped(f.level, level)) for n, f in members.items()}
        total = sum(weights.values()) or 1.0
        score = sum(weights[n] * RANK[effective[n]] for n in members) / total
        loud = [n for n, f in members.items() if f.level != "green"]
        drivers: dict[str, Any] = {
            "state": state,
            "raw_level": raw,
            "regimes": {n: {"level": f.level, "state": f.state} for n, f in members.items()},
            "fundamentals": fundamentals.level,
            "headline": "; ".join(f"{n} {members[n].level} ({members[n].state})" for n in loud) or "all regimes green",
        }
        if note:
            drivers["modifier"] = note
        for name in loud:
            for key, value in members[name].drivers.items():
                if key.endswith("_ret") and key[:-4].isupper():
                    drivers.setdefault(key, value)
        evidence = [item for n in loud for item in members[n].evidence]
        if note:
            evidence.extend(fundamentals.evidence)
        out.append(
            Flag("composite", "composite", level, clean(score, 3), drivers, dedupe_evidence(evidence), state=state)
        )
    return out
