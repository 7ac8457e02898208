"""Tariff regime rules: new duties, relief, pauses running out, sector threats, market confirmation, uncertainty.

Every rule reads `tariff_actions` as known at the day's cutoff and rebuilds the tariff state from
them (`tariffs.state.build_tariff_state`), so a pause or an extension published later never
changes an earlier day. An action's *impact* is what it adds to the import-weighted average US
tariff, in percentage points: partner share of US goods imports x scope weight x rate.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from regime_radar.config import load_yaml
from regime_radar.flags.base import (
    Context,
    Flag,
    as_dates64,
    as_instants_ns,
    asof_segments,
    clean,
    cutoff_ns,
    dataset_ref,
    dedupe_evidence,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

REGIME = "tariff"
ALL = "ALL"
# The tariff_actions columns the state builder reads, and how far before a run of days its state starts
# (a recent action may have been signed up to a couple of weeks before the market first saw it).
STATE_INPUTS = (
    "action_id",
    "action",
    "partner",
    "scope",
    "rate_pct",
    "signed_on",
    "effective_at",
    "expires_at",
    "available_at",
)
STATE_MARGIN_DAYS = 21
ACTIVE_STATUSES = ("effective", "announced", "paused")


# -- shared knowledge ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Partners:
    """Partner import shares from trade_partners.yaml."""

    shares: dict[str, float]
    top3: frozenset[str]
    names: dict[str, str]
    unknown_share: float

    def share(self, partner: str) -> float:
        return self.shares.get(partner, self.unknown_share)

    def systemic(self, partner: str) -> bool:
        return partner == ALL or partner in self.top3


def load_partners(rules: dict[str, Any]) -> Partners:
    """The partner table of trade_partners.yaml."""
    data = load_yaml("trade_partners.yaml")
    partners = data.get("partners", {})
    shares = {str(k): float(v["share_pct"]) for k, v in partners.items()}
    shares[ALL] = float(data.get(ALL, {}).get("share_pct", 100.0))
    return Partners(
        shares=shares,
        top3=frozenset(str(k) for k, v in partners.items() if v.get("top3")),
        names={str(k): str(v.get("name", k)) for k, v in partners.items()} | {ALL: "all partners"},
        unknown_share=float(rules["tariffs"].get("unknown_partner_share_pct", 0.5)),
    )


# (status, rate_pct, pause_ends, action_id) of one partner and scope on one day
State = tuple[str, float | None, date | None, str | None]


@dataclass
class Knowledge:
    """What is known about tariffs at one cutoff: visible actions and the state they imply, by day."""

    actions: pd.DataFrame  # visible tariff_actions rows, plus first_day (date) and avail_ns
    states: dict[date, dict[tuple[str, str], State]]  # day -> (partner, scope) -> state
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # every (partner, scope) with a state

    def state(self, day: date, partner: str, scope: str) -> State:
        return self.states.get(day, {}).get((partner, scope), ("none", None, None, None))


class Calendar:
    """NYSE trading days around the window, for 'first market day an action is seen' and ages in sessions."""

    def __init__(self, start: date, end: date) -> None:
        from regime_radar.sources.market_calendar import nyse_trading_days

        self.days = nyse_trading_days(start, end)

    def ordinal(self, day: date) -> int:
        """Index of the last trading day at or before `day`."""
        return bisect.bisect_right(self.days, day) - 1

    def previous(self, day: date) -> date:
        """The last trading day strictly before `day`."""
        i = bisect.bisect_left(self.days, day) - 1
        return self.days[i] if i >= 0 else day - timedelta(days=1)


def _to_date(value: Any) -> date | None:
    import pandas as pd

    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        return None


def _rate(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def prepared_actions(ctx: Context) -> pd.DataFrame | None:
    """tariff_actions above the confidence floor, with avail_ns and the first market day each is seen."""
    import numpy as np
    import pandas as pd

    if "tariff_actions" in ctx.cache:
        return ctx.cache["tariff_actions"]
    actions = ctx.table("tariff_actions")
    if actions is not None:
        actions = actions.copy()
        floor = float(ctx.rules["tariffs"].get("min_confidence", 0.0))
        if "confidence" in actions.columns:
            confidence = pd.to_numeric(actions["confidence"], errors="coerce")
            actions = actions[confidence.isna() | (confidence >= floor)]
    if actions is None or actions.empty:
        ctx.cache["tariff_actions"] = None
        return None
    actions = actions.reset_index(drop=True)
    actions["available_at"] = pd.to_datetime(actions["available_at"], utc=True)
    actions["avail_ns"] = as_instants_ns(actions["available_at"])
    start = min(ctx.days[0], min(a.date() for a in actions["available_at"])) - timedelta(days=40)
    calendar = Calendar(start, ctx.days[-1] + timedelta(days=10))
    ctx.cache["tariff_calendar"] = calendar
    trading64 = np.array(calendar.days, dtype="datetime64[ns]")
    trading_cutoffs = cutoff_ns(trading64, ctx.rules)
    index = np.searchsorted(trading_cutoffs, actions["avail_ns"].to_numpy(), side="left")
    actions["first_day"] = [calendar.days[i] if i < len(calendar.days) else None for i in index]
    actions["partner"] = actions["partner"].astype(str)
    actions["scope"] = actions["scope"].astype(str)
    ctx.cache["tariff_actions"] = actions
    return actions


def knowledge_by_day(ctx: Context) -> list[Knowledge | None]:
    """For every window day, the tariff knowledge at its cutoff (shared by runs of days that see the same actions)."""
    from regime_radar.tariffs.state import build_tariff_state

    if "tariff_knowledge" in ctx.cache:
        return ctx.cache["tariff_knowledge"]
    result: list[Knowledge | None] = [None] * ctx.n
    actions = prepared_actions(ctx)
    if actions is not None:
        records = actions.to_dict("records")
        needed = [c for c in STATE_INPUTS if c in actions.columns]
        for positions, mask in asof_segments(ctx, actions["avail_ns"].to_numpy()):
            if not mask.any():
                continue
            visible = actions[mask]
            first, last = ctx.days[int(positions[0])], ctx.days[int(positions[-1])]
            state = build_tariff_state(visible[needed], first - timedelta(days=STATE_MARGIN_DAYS), last)
            states: dict[date, dict[tuple[str, str], State]] = {}
            for r in state.itertuples(index=False):
                action_id = None if r.action_id is None or r.action_id != r.action_id else str(r.action_id)
                states.setdefault(_to_date(r.date), {})[(str(r.partner), str(r.scope))] = (
                    str(r.status),
                    _rate(r.rate_pct),
                    _to_date(r.pause_ends),
                    action_id,
                )
            pairs = sorted({pair for day in states.values() for pair in day})
            by_id = {str(records[k]["action_id"]): records[k] for k in mask.nonzero()[0]}
            knowledge = Knowledge(visible, states, by_id, pairs)
            for pos in positions:
                result[int(pos)] = knowledge
    ctx.cache["tariff_knowledge"] = result
    return result


def scope_weight(rules: dict[str, Any], scope: str) -> float:
    """The share of US goods imports a product scope covers."""
    cfg = rules["tariffs"]
    return float(cfg["scope_weights"].get(scope, cfg["default_scope_weight"]))


def impact_pp(ctx: Context, partners: Partners, partner: str, scope: str, rate: float | None) -> float:
    """Percentage points the import-weighted average tariff moves by, for a rate on a partner and scope."""
    rate = float(ctx.rules["tariffs"]["assumed_rate_pct"]) if rate is None else rate
    return partners.share(partner) / 100.0 * scope_weight(ctx.rules, scope) * rate


def action_evidence(action: dict[str, Any]) -> dict[str, Any]:
    """An evidence item for a tariff action: its document and link."""
    refs = []
    if isinstance(action.get("eo_number"), str) and action["eo_number"]:
        refs.append(f"EO {action['eo_number']}")
    if isinstance(action.get("document_number"), str) and action["document_number"]:
        refs.append(f"FR Doc. {action['document_number']}")
    title = action.get("title") if isinstance(action.get("title"), str) else "tariff action"
    signed = _to_date(action.get("signed_on"))
    label = (
        f"{title}" + (f" ({', '.join(refs)})" if refs else "") + (f", signed {signed.isoformat()}" if signed else "")
    )
    item: dict[str, Any] = {"label": label, "dataset": "tariff_actions", "action_id": str(action["action_id"])}
    if isinstance(action.get("source_url"), str) and action["source_url"]:
        item["url"] = action["source_url"]
    return item


def _describe(partner: str, scope: str, rate: float | None) -> str:
    rate_text = f"{rate:g}%" if rate is not None else "rate n/a"
    scope_text = "" if scope == "all_goods" else f" {scope}"
    return f"{partner}{scope_text} {rate_text}"


def _age(ctx: Context, day: date, first_day: date | None) -> int | None:
    calendar: Calendar = ctx.cache["tariff_calendar"]
    if first_day is None:
        return None
    return calendar.ordinal(day) - calendar.ordinal(first_day)


def _prior_rate(knowledge: Knowledge, action: dict[str, Any]) -> float | None:
    """The rate in force (or pending) on the action's pair the day before it was signed (or first seen)."""
    before = (_to_date(action.get("signed_on")) or action["first_day"]) - timedelta(days=1)
    status, rate, _ends, _id = knowledge.state(before, action["partner"], action["scope"])
    return rate if status in ACTIVE_STATUSES else None


def _recent(ctx: Context, knowledge: Knowledge, day: date, kinds: list[str]) -> list[tuple[dict[str, Any], int]]:
    hold = int(ctx.rules["tariffs"]["hold_sessions"])
    out = []
    for action in knowledge.by_id.values():
        if action["action"] not in kinds:
            continue
        age = _age(ctx, day, action["first_day"])
        if age is not None and 0 <= age <= hold:
            out.append((action, age))
    out.sort(key=lambda item: (item[1], str(item[0]["partner"]), str(item[0]["scope"])))
    return out


# -- rules -----------------------------------------------------------------------------------------


def tariff_escalation(ctx: Context) -> list[Flag]:
    """New or higher duties (and pauses lapsing), weighted by partner import share and scope."""
    cfg, common = ctx.rules["tariff_escalation"], ctx.rules["tariffs"]
    partners = load_partners(ctx.rules)
    watched = set(ctx.rules["sector_tariff_threat"]["sectors"])
    broad = set(common["broad_scopes"])
    flags = []
    for i, knowledge in enumerate(knowledge_by_day(ctx)):
        day = ctx.days[i]
        if knowledge is None:
            flags.append(Flag(REGIME, "tariff_escalation", "green", 0.0, {"status": "no tariff actions known"}))
            continue
        items: list[dict[str, Any]] = []
        for action, age in _recent(ctx, knowledge, day, [*cfg["actions"], "announce_intent"]):
            rate = _rate(action.get("rate_pct"))
            weight = 1.0
            if action["action"] == "announce_intent":
                if action["scope"] in watched:
                    continue  # sector intents are sector_tariff_threat's
                weight = float(cfg["intent_weight"])
            added = rate
            if action["action"] == "increase" and rate is not None:
                prior = _prior_rate(knowledge, action)
                added = max(rate - prior, 0.0) if prior is not None else rate
            if action["action"] == "resume":
                added = knowledge.state(day, action["partner"], action["scope"])[1]
            items.append(_item(ctx, partners, action, age, added, rate, weight, broad))
        if cfg.get("pause_lapse", True):
            items.extend(_lapses(ctx, knowledge, partners, day, broad))
        flags.append(_escalation_flag(ctx, partners, day, items))
    return flags


def _item(
    ctx: Context,
    partners: Partners,
    action: dict[str, Any],
    age: int,
    added: float | None,
    rate: float | None,
    weight: float,
    broad: set[str],
) -> dict[str, Any]:
    cfg = ctx.rules["tariff_escalation"]
    impact = weight * impact_pp(ctx, partners, action["partner"], action["scope"], added)
    red = (
        age == 0
        and action["action"] in cfg["actions"]
        and action["scope"] in broad
        and partners.systemic(action["partner"])
        and (rate or 0.0) >= float(cfg["red_min_rate_pct"])
    )
    return {
        "action": action["action"],
        "partner": action["partner"],
        "scope": action["scope"],
        "rate_pct": rate,
        "impact_pp": impact,
        "age_sessions": age,
        "red": red,
        "evidence": action_evidence(action),
    }


def _lapses(ctx: Context, knowledge: Knowledge, partners: Partners, day: date, broad: set[str]) -> list[dict[str, Any]]:
    """Pauses that ended without extension in the last few sessions: the tariff bites again."""
    calendar: Calendar = ctx.cache["tariff_calendar"]
    hold = int(ctx.rules["tariffs"]["hold_sessions"])
    pairs = knowledge.pairs
    out = []
    here = calendar.ordinal(day)
    for back in range(hold + 1):
        if here - back < 1:
            break
        today, before = calendar.days[here - back], calendar.days[here - back - 1]
        if today > day:
            continue
        for partner, scope in pairs:
            now, then = knowledge.state(today, partner, scope), knowledge.state(before, partner, scope)
            if then[0] == "paused" and now[0] == "effective":
                action = knowledge.by_id.get(
                    now[3] or "", {"action_id": now[3] or "?", "title": "tariff in force again"}
                )
                item = _item(
                    ctx,
                    partners,
                    {**action, "action": "impose", "partner": partner, "scope": scope},
                    back,
                    now[1],
                    now[1],
                    1.0,
                    broad,
                )
                item["action"] = "pause_lapsed"
                out.append(item)
    return out


def _escalation_flag(ctx: Context, partners: Partners, day: date, items: list[dict[str, Any]]) -> Flag:
    cfg = ctx.rules["tariff_escalation"]
    if not items:
        return Flag(REGIME, "tariff_escalation", "green", 0.0, {"impact_pp": 0.0, "recent_actions": 0})
    total = sum(i["impact_pp"] for i in items)
    fresh = sum(i["impact_pp"] for i in items if i["age_sessions"] == 0)
    red = any(i["red"] for i in items) or fresh >= float(cfg["red_pp"])
    level = "red" if red else "amber" if total >= float(cfg["amber_pp"]) else "green"
    items.sort(key=lambda i: (i["age_sessions"], -i["impact_pp"]))
    drivers: dict[str, Any] = {
        "headline": ", ".join(_describe(i["partner"], i["scope"], i["rate_pct"]) for i in items[:6]),
        "impact_pp": clean(total, 3),
        "fresh_impact_pp": clean(fresh, 3),
        "recent_actions": len(items),
        "systemic_partners": sorted({i["partner"] for i in items if partners.systemic(i["partner"])}),
        "actions": [
            {k: clean(i[k], 3) for k in ("action", "partner", "scope", "rate_pct", "impact_pp", "age_sessions")}
            for i in items[:10]
        ],
    }
    evidence = dedupe_evidence(i["evidence"] for i in items) if level != "green" else []
    return Flag(REGIME, "tariff_escalation", level, clean(total, 3), drivers, evidence)


def tariff_deescalation(ctx: Context) -> list[Flag]:
    """Pauses, exemptions, revocations and cuts, weighted by the relief they bring."""
    cfg = ctx.rules["tariff_deescalation"]
    partners = load_partners(ctx.rules)
    flags = []
    for i, knowledge in enumerate(knowledge_by_day(ctx)):
        day = ctx.days[i]
        if knowledge is None:
            flags.append(Flag(REGIME, "tariff_deescalation", "green", 0.0, {"status": "no tariff actions known"}))
            continue
        items = []
        for action, age in _recent(ctx, knowledge, day, list(cfg["actions"])):
            prior = _prior_rate(knowledge, action)
            rate = _rate(action.get("rate_pct"))
            if action["action"] == "decrease":
                relief = max((prior or 0.0) - (rate or 0.0), 0.0) if prior is not None else rate
            elif action["action"] == "pause":
                relief = prior if prior is not None else knowledge.state(day, action["partner"], action["scope"])[1]
            else:
                relief = prior
            if relief is None:
                relief = rate
            items.append(
                {
                    "action": action["action"],
                    "partner": action["partner"],
                    "scope": action["scope"],
                    "rate_pct": relief,
                    "impact_pp": impact_pp(ctx, partners, action["partner"], action["scope"], relief),
                    "age_sessions": age,
                    "pause_ends": _to_date(action.get("expires_at")),
                    "evidence": action_evidence(action),
                }
            )
        if not items:
            flags.append(Flag(REGIME, "tariff_deescalation", "green", 0.0, {"relief_pp": 0.0, "recent_actions": 0}))
            continue
        total = sum(i["impact_pp"] for i in items)
        fresh = sum(i["impact_pp"] for i in items if i["age_sessions"] == 0)
        red_pp = cfg.get("red_pp")
        level = (
            "red"
            if red_pp is not None and fresh >= float(red_pp)
            else "amber"
            if total >= float(cfg["amber_pp"])
            else "green"
        )
        items.sort(key=lambda i: (i["age_sessions"], -i["impact_pp"]))
        drivers = {
            "headline": ", ".join(
                f"{i['action']} {_describe(i['partner'], i['scope'], i['rate_pct'])}"
                + (f" until {i['pause_ends'].isoformat()}" if i["pause_ends"] else "")
                for i in items[:6]
            ),
            "relief_pp": clean(total, 3),
            "recent_actions": len(items),
            "actions": [
                {k: clean(i[k], 3) for k in ("action", "partner", "scope", "rate_pct", "impact_pp", "age_sessions")}
                for i in items[:10]
            ],
        }
        evidence = dedupe_evidence(i["evidence"] for i in items) if level != "green" else []
        flags.append(Flag(REGIME, "tariff_deescalation", level, clean(total, 3), drivers, evidence))
    return flags


def tariff_pause_expiry(ctx: Context) -> list[Flag]:
    """Amber from a few days before a pause ends, while no extension is known."""
    cfg = ctx.rules["tariff_pause_expiry"]
    partners = load_partners(ctx.rules)
    flags = []
    for i, knowledge in enumerate(knowledge_by_day(ctx)):
        day = ctx.days[i]
        if knowledge is None:
            flags.append(Flag(REGIME, "tariff_pause_expiry", "green", 0.0, {"status": "no tariff actions known"}))
            continue
        ending = []
        paused = 0
        for (partner, scope), (status, rate, ends, action_id) in knowledge.states.get(day, {}).items():
            if status != "paused":
                continue
            paused += 1
            if ends is None:
                continue
            days_left = (ends - day).days
            if 0 <= days_left <= int(cfg["lead_days"]) and not _extended(knowledge, partner, scope, ends):
                ending.append((partner, scope, rate, ends, days_left, action_id))
        impact = sum(impact_pp(ctx, partners, p, s, r) for p, s, r, *_ in ending)
        if not ending or impact < float(cfg["min_pp"]):
            flags.append(
                Flag(
                    REGIME,
                    "tariff_pause_expiry",
                    "green",
                    clean(impact, 3),
                    {"paused_tariffs": paused, "ending_soon": 0},
                )
            )
            continue
        ending.sort()
        first_end = min(e[3] for e in ending)
        drivers = {
            "headline": ", ".join(
                f"{_describe(p, s, r)} pause ends {e.isoformat()}" for p, s, r, e, _l, _a in ending[:6]
            ),
            "pause_ends": first_end.isoformat(),
            "days_left": (first_end - day).days,
            "impact_pp": clean(impact, 3),
            "ending_soon": len(ending),
            "paused_tariffs": paused,
            "partners": sorted({p for p, *_ in ending}),
        }
        evidence = dedupe_evidence(
            action_evidence(knowledge.by_id[a]) for *_rest, a in ending if a is not None and a in knowledge.by_id
        )
        if not evidence:
            evidence = [dataset_ref("tariff_actions", day, "pauses in force")]
        flags.append(Flag(REGIME, "tariff_pause_expiry", "amber", clean(impact, 3), drivers, evidence))
    return flags


def _extended(knowledge: Knowledge, partner: str, scope: str, ends: date) -> bool:
    """A known pause of the same tariff that runs past `ends` (an extension signed before the pause ends)."""
    for action in knowledge.by_id.values():
        if action["action"] != "pause" or action["scope"] != scope or action["partner"] not in (partner, ALL):
            continue
        until = _to_date(action.get("expires_at"))
        if until is None or until > ends:
            return True
    return False


def _superseded(knowledge: Knowledge, intent: dict[str, Any]) -> bool:
    """A later rate action, exemption or revocation on the intent's sector answers it."""
    for action in knowledge.by_id.values():
        if action["action"] not in ("impose", "increase", "exempt", "revoke") or action["scope"] != intent["scope"]:
            continue
        if intent["partner"] not in (action["partner"], ALL) and action["partner"] != ALL:
            continue
        if action["first_day"] is not None and action["first_day"] >= intent["first_day"]:
            return True
    return False


def sector_tariff_threat(ctx: Context) -> list[Flag]:
    """Announced intent to tariff semiconductors, autos or metals (semiconductors also feed the AI regime)."""
    cfg = ctx.rules["sector_tariff_threat"]
    partners = load_partners(ctx.rules)
    sectors, ai_sectors = set(cfg["sectors"]), set(cfg.get("ai_sectors", []))
    flags = []
    for i, knowledge in enumerate(knowledge_by_day(ctx)):
        day = ctx.days[i]
        if knowledge is None:
            flags.append(Flag(REGIME, "sector_tariff_threat", "green", 0.0, {"status": "no tariff actions known"}))
            continue
        threats = []
        for action in knowledge.by_id.values():
            if action["action"] != cfg["action"] or action["scope"] not in sectors or action["first_day"] is None:
                continue
            age_days = (day - action["first_day"]).days
            if 0 <= age_days <= int(cfg["active_days"]) and not _superseded(knowledge, action):
                threats.append((action, age_days))
        if not threats:
            flags.append(
                Flag(REGIME, "sector_tariff_threat", "green", 0.0, {"threats": 0, "ai_sectors_level": "green"})
            )
            continue
        threats.sort(key=lambda t: (t[1], t[0]["scope"], t[0]["partner"]))
        impact = sum(
            impact_pp(ctx, partners, a["partner"], a["scope"], _rate(a.get("rate_pct"))) for a, _age in threats
        )
        red_pp = cfg.get("red_pp")
        level = "red" if red_pp is not None and impact >= float(red_pp) else "amber"
        ai = [a for a, _age in threats if a["scope"] in ai_sectors]
        drivers = {
            "headline": ", ".join(
                f"{_describe(a['partner'], a['scope'], _rate(a.get('rate_pct')))} announced {age}d ago"
                for a, age in threats[:6]
            ),
            "sectors": sorted({a["scope"] for a, _age in threats}),
            "threats": len(threats),
            "impact_pp": clean(impact, 3),
            "ai_sectors_level": level if ai else "green",
            "ai_sectors": sorted({a["scope"] for a in ai}),
        }
        evidence = dedupe_evidence(action_evidence(a) for a, _age in threats)
        flags.append(Flag(REGIME, "sector_tariff_threat", level, clean(impact, 3), drivers, evidence))
    return flags


# -- market confirmation ---------------------------------------------------------------------------


@dataclass
class _Series:
    dataset: str
    key: str
    dates64: np.ndarray
    values: np.ndarray
    avail_ns: np.ndarray


def _signal_series(ctx: Context, dataset: str, key: str) -> _Series | None:
    import numpy as np

    cache_key = ("signal", dataset, key)
    if cache_key in ctx.cache:
        return ctx.cache[cache_key]
    frame = ctx.table(dataset)
    series = None
    if frame is not None:
        if dataset == "prices_daily":
            rows = frame.loc[frame["symbol"] == key, ["date", "adj_close", "available_at"]]
            values = rows["adj_close"]
        else:
            rows = frame.loc[frame["series_id"] == key, ["date", "value", "available_at"]]
            values = rows["value"]
        if len(rows):
            dates64 = as_dates64(rows["date"])
            avail = as_instants_ns(rows["available_at"])
            order = np.lexsort((avail, dates64))  # by date, then publication: a revision comes last
            series = _Series(dataset, key, dates64[order], values.astype("float64").to_numpy()[order], avail[order])
    ctx.cache[cache_key] = series
    return series


def _confirm_signal(ctx: Context, signal: dict[str, Any], action_day: date, i: int) -> dict[str, Any]:
    """The move of one market signal on the action day, against its own daily volatility (as known on day i)."""
    import numpy as np

    cfg = ctx.rules["tariff_market_confirmation"]
    target = np.datetime64(action_day, "ns")
    for dataset, key in signal["sources"]:
        series = _signal_series(ctx, dataset, key)
        if series is None:
            continue
        known = (series.avail_ns <= ctx.cutoffs[i]) & (series.dates64 <= ctx.days64[i]) & ~np.isnan(series.values)
        dates, values = series.dates64[known], series.values[known]
        last = len(dates) - 1 - np.unique(dates[::-1], return_index=True)[1]  # the latest known value of each date
        dates, values = dates[last], values[last]
        before = dates < target
        if before.sum() < int(cfg["min_history"]) + 1:
            continue
        on_day = np.flatnonzero(dates == target)
        result: dict[str, Any] = {"signal": signal["name"], "dataset": dataset, "id": key}
        if len(on_day) == 0:
            result["status"] = "pending"
            return result
        history = values[before][-(int(cfg["vol_window"]) + 1) :]
        base, now = float(values[before][-1]), float(values[on_day[-1]])
        if signal["measure"] == "pct":
            changes = np.diff(history) / history[:-1]
            move = now / base - 1.0
        else:
            changes = np.diff(history)
            move = now - base
        sd = float(np.std(changes, ddof=1)) if len(changes) > 1 else float("nan")
        z = move / sd if sd > 0 else float("nan")
        adverse = z if signal["direction"] == "up" else -z
        result.update(move=move, z=z, confirmed=bool(adverse >= float(cfg["z"])), adverse_z=adverse)
        return result
    return {"signal": signal["name"], "status": "no data"}


def tariff_market_confirmation(ctx: Context) -> list[Flag]:
    """USD/CAD, USD/MXN, VIX and broad-index moves on the day the market first saw a significant action."""
    cfg = ctx.rules["tariff_market_confirmation"]
    partners = load_partners(ctx.rules)
    kinds = [*ctx.rules["tariff_escalation"]["actions"], *ctx.rules["tariff_deescalation"]["actions"]]
    kinds.append("announce_intent")
    flags = []
    for i, knowledge in enumerate(knowledge_by_day(ctx)):
        day = ctx.days[i]
        candidates = []
        for action in knowledge.by_id.values() if knowledge else []:
            if action["action"] not in kinds or action["first_day"] is None:
                continue
            if not 0 <= (day - action["first_day"]).days <= int(cfg["window_days"]):
                continue
            impact = impact_pp(ctx, partners, action["partner"], action["scope"], _rate(action.get("rate_pct")))
            if impact >= float(cfg["min_pp"]):
                candidates.append((action["first_day"], impact, action))
        if not candidates:
            status = "no significant tariff action in the window"
            flags.append(Flag(REGIME, "tariff_market_confirmation", "green", 0.0, {"status": status}))
            continue
        by_day: dict[date, float] = {}
        for first_day, impact, _a in candidates:
            by_day[first_day] = by_day.get(first_day, 0.0) + impact
        action_day = max(by_day, key=lambda d: (by_day[d], d))
        signals = [_confirm_signal(ctx, s, action_day, i) for s in cfg["signals"]]
        confirmed = [s for s in signals if s.get("confirmed")]
        score = sum(max(s["adverse_z"], 0.0) for s in signals if not math.isnan(s.get("adverse_z", math.nan)))
        n = len(confirmed)
        level = "red" if n >= int(cfg["red_signals"]) else "amber" if n >= int(cfg["amber_signals"]) else "green"
        drivers: dict[str, Any] = {
            "action_day": action_day.isoformat(),
            "action_impact_pp": clean(by_day[action_day], 3),
            "confirmed_signals": n,
        }
        for s in signals:
            if "move" in s:
                drivers[f"{s['signal']}_move"] = clean(s["move"])
                drivers[f"{s['signal']}_z"] = clean(s["z"], 2)
            else:
                drivers[f"{s['signal']}_status"] = s.get("status")
        evidence: list[dict[str, Any]] = []
        if level != "green":
            for s in confirmed:
                detail = f"{s['id']} move {s['move']:+.2%} on {action_day.isoformat()} (z {s['z']:+.1f})"
                evidence.append(dataset_ref(s["dataset"], action_day, detail))
            evidence.extend(action_evidence(a) for d, _imp, a in candidates if d == action_day)
            evidence = dedupe_evidence(evidence)
        flags.append(Flag(REGIME, "tariff_market_confirmation", level, clean(score, 2), drivers, evidence))
    return flags


# -- trade-policy uncertainty ----------------------------------------------------------------------


def _uncertainty_series(ctx: Context, name: str, smooth: int) -> pd.DataFrame | None:
    """One index replayed in publication order: at each published row, the smoothed level as then known,
    its percentile among every level published before, and the level code (with hysteresis).

    A revised value replaces its date's value from its own publication on, never before.
    """
    import numpy as np
    import pandas as pd

    frame = ctx.table("policy_uncertainty")
    if frame is None:
        return None
    rows = frame[frame["index_name"] == name]
    rows = rows[pd.to_numeric(rows["value"], errors="coerce").notna()]
    if rows.empty:
        return None
    data = pd.DataFrame(
        {
            "date64": as_dates64(rows["date"]),
            "value": rows["value"].astype("float64").to_numpy(),
            "avail_ns": as_instants_ns(rows["available_at"]),
        }
    ).sort_values(["avail_ns", "date64"], kind="mergesort")
    data = data.reset_index(drop=True)
    cfg = ctx.rules["trade_policy_uncertainty"]
    thresholds = (-math.inf, float(cfg["amber_percentile"]), float(cfg["red_percentile"]))
    band = float(cfg.get("exit_band", 0.0))
    n = len(data)
    levels, ranks, codes, latest = np.empty(n), np.empty(n), np.empty(n, dtype=int), np.empty(n, dtype="datetime64[ns]")
    known: dict[Any, float] = {}
    dates: list[Any] = []
    seen: list[float] = []
    code = 0
    for k, (day, value) in enumerate(zip(data["date64"].to_numpy(), data["value"].to_numpy(), strict=True)):
        if day not in known:
            bisect.insort(dates, day)
        known[day] = float(value)
        level = float(np.mean([known[d] for d in dates[-smooth:]]))
        bisect.insort(seen, level)
        # mid-rank: a value tied with its whole history sits at the 50th percentile, not the 100th
        pct = 50.0 * (bisect.bisect_left(seen, level) + bisect.bisect_right(seen, level)) / len(seen)
        target = max(c for c in range(3) if pct >= thresholds[c])
        # up at once; down only once the percentile is `band` points below the level's threshold
        if target < code:
            code = next(c for c in range(code, -1, -1) if c == 0 or pct >= thresholds[c] - band)
        else:
            code = target
        levels[k], ranks[k], codes[k], latest[k] = level, pct, code, dates[-1]
    data["level"], data["percentile"], data["code"], data["date64"] = levels, ranks, codes, latest
    data["history"] = np.arange(1, n + 1)
    return data


def trade_policy_uncertainty(ctx: Context) -> list[Flag]:
    """The trade-policy uncertainty index as a percentile of its own history."""
    import numpy as np

    cfg = ctx.rules["trade_policy_uncertainty"]
    chosen: list[tuple[dict[str, Any], Any] | None] = [None] * ctx.n
    for index in cfg["indices"]:
        data = _uncertainty_series(ctx, index["name"], int(index.get("smooth", 1)))
        if data is None:
            continue
        # the last row published by each cutoff (ties in publication time: the whole batch is in)
        pos = np.searchsorted(data["avail_ns"].to_numpy(), ctx.cutoffs, side="right") - 1
        for i in range(ctx.n):
            if chosen[i] is None and pos[i] >= 0 and data["history"].iloc[pos[i]] >= int(index["min_history"]):
                chosen[i] = (index, data.iloc[pos[i]])
    flags = []
    for i, day in enumerate(ctx.days):
        if chosen[i] is None:
            status = "no trade-policy uncertainty index with enough history"
            flags.append(Flag(REGIME, "trade_policy_uncertainty", "green", None, {"status": status}))
            continue
        index, row = chosen[i]
        pct = float(row["percentile"])
        level = ("green", "amber", "red")[int(row["code"])]
        observed = row["date64"]
        observed_day = observed.date() if hasattr(observed, "date") else day
        drivers = {
            "index": index["name"],
            "value": clean(row["level"], 2),
            "percentile": clean(pct, 1),
            "as_of": observed_day.isoformat(),
            "history": int(row["history"]),
            "smoothing": int(index.get("smooth", 1)),
        }
        evidence = []
        if level != "green":
            evidence.append(dataset_ref("policy_uncertainty", observed_day, f"{index['name']} {row['level']:.0f}"))
        flags.append(Flag(REGIME, "trade_policy_uncertainty", level, clean(pct, 1), drivers, evidence))
    return flags
