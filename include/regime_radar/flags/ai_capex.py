"""AI-capex regime rules: is the AI-hardware trade being re-priced, apart from the market?

The price rules are computed once per window on causal series (rolling windows that end on the day)
and read on each market day; `base.date_segments` keeps them point in time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from regime_radar import universe
from regime_radar.flags.base import (
    RANK,
    Context,
    Flag,
    as_dates64,
    as_instants_ns,
    asof_segments,
    clean,
    cutoff_ns,
    dataset_ref,
    date_segments,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

REGIME = "ai_capex"
CODES = ("green", "amber", "red")


def _to_date(value: Any) -> date:
    import pandas as pd

    return pd.Timestamp(value).date()


# -- events ----------------------------------------------------------------------------------------


def events_of_kind(ctx: Context, kind: str, keywords: list[str] | None = None) -> pd.DataFrame:
    """tech_events of one kind (and, with keywords, whose title names one), with date64 and avail_ns."""
    import pandas as pd

    frame = ctx.table("tech_events")
    if frame is None:
        return pd.DataFrame(columns=["date64", "avail_ns", "title", "url", "company"])
    frame = frame[frame["kind"] == kind]
    if keywords:
        titles = frame["title"].astype(str).str.lower()
        named = pd.Series(False, index=frame.index)
        for keyword in keywords:
            named |= titles.str.contains(keyword.lower(), regex=False)
        frame = frame[named]
    out = pd.DataFrame(
        {
            "date64": as_dates64(frame["date"]),
            "avail_ns": as_instants_ns(frame["available_at"]),
            "title": frame["title"].astype(str).to_numpy(),
            "url": frame["url"].to_numpy() if "url" in frame.columns else None,
            "company": frame["company"].to_numpy() if "company" in frame.columns else None,
        }
    )
    return out.sort_values(["date64", "avail_ns", "title"], kind="mergesort").reset_index(drop=True)


def active_events(
    events: pd.DataFrame, dates64: np.ndarray, cutoffs: np.ndarray, window_days: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per date: whether an event is active (public by the date's cutoff, at most window_days old) and which."""
    import numpy as np

    if events.empty or len(dates64) == 0:
        return np.zeros(len(dates64), dtype=bool), np.full(len(dates64), -1)
    ev_dates = events["date64"].to_numpy()[None, :]
    known = events["avail_ns"].to_numpy()[None, :] <= cutoffs[:, None]
    age = (dates64[:, None] - ev_dates) / np.timedelta64(1, "D")
    active = known & (age >= 0) & (age <= window_days)
    # the most recent active event (events are sorted by date)
    latest = np.where(active.any(axis=1), active.shape[1] - 1 - np.argmax(active[:, ::-1], axis=1), -1)
    return active.any(axis=1), latest


def event_evidence(event: Any) -> dict[str, Any]:
    """An evidence item for a tech event row."""
    day = _to_date(event["date64"])
    company = event.get("company")
    who = f"{company}: " if isinstance(company, str) and company else ""
    item: dict[str, Any] = {"label": f"{day.isoformat()} {who}{event['title']}", "dataset": "tech_events"}
    if isinstance(event.get("url"), str) and event["url"]:
        item["url"] = event["url"]
    return item


# -- the price panel -------------------------------------------------------------------------------


def _symbols(ctx: Context) -> tuple[list[str], list[str], list[str]]:
    cfg = ctx.rules["ai_capex_shock"]
    return list(universe.basket(cfg["basket"])), list(cfg["broad"]), list(cfg["headline"])


def _returns_wide(prices: pd.DataFrame) -> pd.DataFrame:
    """Close-to-close adjusted returns (each symbol against its own previous row), date x symbol."""
    frame = prices.sort_values(["symbol", "date64", "avail_ns"], kind="mergesort")
    frame = frame.drop_duplicates(["symbol", "date64"], keep="last")
    previous = frame.groupby("symbol", sort=False)["adj_close"].shift(1)
    frame = frame.assign(ret=frame["adj_close"] / previous - 1.0)
    return frame.pivot(index="date64", columns="symbol", values="ret").sort_index()


@dataclass
class Segment:
    """A run of window days that see the same price rows, and the causal series computed from them."""

    positions: np.ndarray
    frame: pd.DataFrame  # indexed by trading date (datetime64)
    members: list[str] = field(default_factory=list)
    markets: list[str] = field(default_factory=list)
    events: pd.DataFrame | None = None


def panel(ctx: Context) -> list[Segment]:
    """Per run of window days: the AI basket's causal series by trading date (returns, z, drawdown, levels)."""
    import numpy as np
    import pandas as pd

    if "ai_panel" in ctx.cache:
        return ctx.cache["ai_panel"]
    basket, broad, headline = _symbols(ctx)
    wanted = list(dict.fromkeys(basket + broad + headline))
    prices = ctx.table("prices_daily")
    if prices is not None:
        prices = prices.loc[prices["symbol"].isin(wanted), ["symbol", "date", "adj_close", "available_at"]]
    if prices is None or prices.empty:
        ctx.cache["ai_panel"] = [Segment(np.arange(ctx.n), pd.DataFrame())]
        return ctx.cache["ai_panel"]
    prices = pd.DataFrame(
        {
            "symbol": prices["symbol"].astype(str).to_numpy(),
            "date64": as_dates64(prices["date"]),
            "adj_close": prices["adj_close"].astype("float64").to_numpy(),
            "avail_ns": as_instants_ns(prices["available_at"]),
        }
    )
    efficiency = ctx.rules["ai_efficiency_event"]
    events = events_of_kind(ctx, efficiency["kind"], efficiency.get("keywords"))
    segments = []
    for positions, mask in date_segments(ctx, prices["date64"].to_numpy(), prices["avail_ns"].to_numpy()):
        visible = prices[mask]
        if visible.empty:
            segments.append(Segment(positions, pd.DataFrame()))
            continue
        wide = _returns_wide(visible)
        members = [s for s in basket if s in wide.columns]
        markets = [s for s in broad if s in wide.columns]
        frame = _series(ctx, wide, basket, members, markets, headline + broad, events)
        segments.append(Segment(positions, frame, members, markets, events))
    ctx.cache["ai_panel"] = segments
    return segments


def _series(
    ctx: Context,
    wide: pd.DataFrame,
    basket: list[str],
    members: list[str],
    markets: list[str],
    quoted: list[str],
    events: pd.DataFrame,
) -> pd.DataFrame:
    """Every causal series the AI rules read, indexed by trading date."""
    import numpy as np
    import pandas as pd

    shock, stress = ctx.rules["ai_capex_shock"], ctx.rules["ai_capex_stress"]
    out = pd.DataFrame(index=wide.index)
    count = wide[members].notna().sum(axis=1) if members else pd.Series(0, index=wide.index)
    need = max(1, math.ceil(float(shock.get("min_members", 0.5)) * len(basket)))
    out["basket_members"] = count
    out["basket_ret"] = wide[members].mean(axis=1).where(count >= need) if members else np.nan
    out["broad_ret"] = wide[markets].mean(axis=1) if markets else np.nan
    for symbol in dict.fromkeys(quoted):
        out[f"{symbol}_ret"] = wide[symbol] if symbol in wide.columns else np.nan
    basket_ret = out["basket_ret"]
    out["history"] = basket_ret.notna().astype(int).rolling(int(shock["vol_window"]), min_periods=1).sum().shift(1)
    vol = basket_ret.rolling(int(shock["vol_window"]), min_periods=int(shock["min_history"])).std().shift(1)
    out["basket_vol"] = vol
    out["z"] = (basket_ret / vol).where(vol > 0)
    out["relative_ret"] = basket_ret - out["broad_ret"]

    dates64 = out.index.to_numpy().astype("datetime64[ns]")
    active, latest = active_events(
        events, dates64, cutoff_ns(dates64, ctx.rules), int(ctx.rules["ai_efficiency_event"]["window_days"])
    )
    out["efficiency_event"] = latest
    scale = np.where(active, float(shock.get("efficiency_factor", 1.0)), 1.0)
    out["threshold_scale"] = scale
    z, rel = out["z"].to_numpy(), out["relative_ret"].to_numpy()
    code = np.zeros(len(out), dtype=int)
    with np.errstate(invalid="ignore"):
        amber = (z <= shock["amber"]["z"] * scale) & (rel <= shock["amber"]["relative"] * scale)
        red = (z <= shock["red"]["z"] * scale) & (rel <= shock["red"]["relative"] * scale)
    code[amber] = 1
    code[red] = 2
    out["shock_code"] = code

    index = (1.0 + basket_ret.fillna(0.0)).cumprod()
    market = (1.0 + out["broad_ret"].fillna(0.0)).cumprod()
    window, rel_window = int(stress["drawdown_window"]), int(stress["relative_window"])
    out["drawdown"] = index / index.rolling(window, min_periods=1).max() - 1.0
    out["basket_ret_window"] = index / index.shift(rel_window) - 1.0
    out["broad_ret_window"] = market / market.shift(rel_window) - 1.0
    out["relative_window"] = out["basket_ret_window"] - out["broad_ret_window"]
    enough = basket_ret.notna().cumsum() >= max(int(stress["min_history"]), rel_window)
    dd, rw = out["drawdown"].to_numpy(), out["relative_window"].to_numpy()
    stress_code = np.zeros(len(out), dtype=int)
    with np.errstate(invalid="ignore"):
        stress_code[(dd <= stress["amber"]["drawdown"]) & (rw <= stress["amber"]["relative"])] = 1
        stress_code[(dd <= stress["red"]["drawdown"]) & (rw <= stress["red"]["relative"])] = 2
    out["stress_code"] = np.where(enough.to_numpy(), stress_code, 0)
    out["stress_ready"] = enough.to_numpy()

    regime = ctx.rules["regimes"]["ai_capex"]
    red_shock = pd.Series(code == 2, index=out.index).astype(int)
    issue = pd.Series((code >= 1) | (out["stress_code"].to_numpy() >= 1), index=out.index).astype(int)
    out["shock_recent"] = red_shock.rolling(int(regime["shock_hold_sessions"]), min_periods=1).max().astype(bool)
    out["issue_recent"] = issue.rolling(int(regime["recovery_sessions"]) + 1, min_periods=1).max().astype(bool)
    return out


def rows_for_days(ctx: Context) -> list[tuple[date, dict[str, Any] | None, Segment | None]]:
    """(day, the panel row of that trading day or None, its segment) for every window day."""
    if "ai_rows" in ctx.cache:
        return ctx.cache["ai_rows"]
    result: list[tuple[date, dict[str, Any] | None, Segment | None]] = [(d, None, None) for d in ctx.days]
    for segment in panel(ctx):
        if segment.frame.empty:
            continue
        picked = segment.frame.reindex(ctx.days64[segment.positions])
        has = picked["basket_members"].notna().to_numpy()
        records = picked.to_dict("records")
        for i, pos in enumerate(segment.positions):
            if has[i]:
                result[int(pos)] = (ctx.days[int(pos)], records[i], segment)
    ctx.cache["ai_rows"] = result
    return result


# -- rules -----------------------------------------------------------------------------------------


def _event_row(row: dict[str, Any], segment: Segment) -> dict[str, Any] | None:
    index = int(row["efficiency_event"])
    if index < 0 or segment.events is None:
        return None
    return segment.events.iloc[index].to_dict()


def ai_capex_shock(ctx: Context) -> list[Flag]:
    """A one-day fall of the AI-hardware basket that is large against its own volatility AND the market."""
    _basket, broad, headline = _symbols(ctx)
    flags = []
    for day, row, segment in rows_for_days(ctx):
        if row is None or segment is None or math.isnan(row["basket_ret"]):
            flags.append(Flag(REGIME, "ai_capex_shock", "green", None, {"status": "no basket prices for the day"}))
            continue
        drivers: dict[str, Any] = {
            "basket_ret": clean(row["basket_ret"]),
            "relative_ret": clean(row["relative_ret"]),
            "basket_members": int(row["basket_members"]),
        }
        for symbol in dict.fromkeys(headline + broad):
            value = row.get(f"{symbol}_ret")
            if value is not None and not math.isnan(value):
                drivers[f"{symbol}_ret"] = clean(value)
        if math.isnan(row["z"]):
            drivers["status"] = f"only {int(row['history'] or 0)} sessions of history"
            flags.append(Flag(REGIME, "ai_capex_shock", "green", None, drivers))
            continue
        drivers.update(basket_vol=clean(row["basket_vol"]), z=clean(row["z"], 2))
        event = _event_row(row, segment)
        if event is not None:
            drivers["efficiency_event"] = str(event["title"])
            drivers["threshold_scale"] = clean(row["threshold_scale"])
        level = CODES[int(row["shock_code"])]
        evidence = []
        if level != "green":
            symbols = ", ".join(segment.members + segment.markets)
            evidence.append(dataset_ref("prices_daily", day, f"one-day returns of {symbols}"))
            if event is not None:
                evidence.append(event_evidence(event))
        flags.append(Flag(REGIME, "ai_capex_shock", level, clean(row["z"], 2), drivers, evidence))
    return flags


def ai_capex_stress(ctx: Context) -> list[Flag]:
    """The basket's drawdown from its recent high together with its underperformance over weeks."""
    cfg = ctx.rules["ai_capex_stress"]
    flags = []
    for day, row, segment in rows_for_days(ctx):
        if row is None or segment is None or not bool(row["stress_ready"]):
            flags.append(Flag(REGIME, "ai_capex_stress", "green", None, {"status": "not enough basket history"}))
            continue
        window = int(cfg["relative_window"])
        drivers = {
            "drawdown": clean(row["drawdown"]),
            "drawdown_window": int(cfg["drawdown_window"]),
            f"basket_ret_{window}d": clean(row["basket_ret_window"]),
            f"broad_ret_{window}d": clean(row["broad_ret_window"]),
            f"relative_ret_{window}d": clean(row["relative_window"]),
        }
        level = CODES[int(row["stress_code"])]
        evidence = []
        if level != "green":
            markets = ", ".join(segment.markets)
            detail = f"AI-hardware basket vs {markets} over {window} and {cfg['drawdown_window']} sessions"
            evidence.append(dataset_ref("prices_daily", day, detail))
        flags.append(Flag(REGIME, "ai_capex_stress", level, clean(row["drawdown"]), drivers, evidence))
    return flags


def ai_efficiency_event(ctx: Context) -> list[Flag]:
    """A cheap or open frontier-model release in the recent window: the evidence for a shock is higher."""
    cfg = ctx.rules["ai_efficiency_event"]
    events = events_of_kind(ctx, cfg["kind"], cfg.get("keywords"))
    active, latest = active_events(events, ctx.days64, ctx.cutoffs, int(cfg["window_days"]))
    shocks = {day: row for day, row, _segment in rows_for_days(ctx)}
    confirm = RANK[cfg["red_with_shock"]] if cfg.get("red_with_shock") else None
    flags = []
    for i, day in enumerate(ctx.days):
        if not active[i]:
            flags.append(Flag(REGIME, "ai_efficiency_event", "green", 0.0, {"active_events": 0}))
            continue
        known = events[(events["avail_ns"] <= ctx.cutoffs[i])]
        ages = (ctx.days64[i] - known["date64"].to_numpy()).astype("timedelta64[D]").astype(int)
        recent = known[(ages >= 0) & (ages <= int(cfg["window_days"]))]
        event = events.iloc[int(latest[i])]
        row = shocks.get(day)
        shock_code = int(row["shock_code"]) if row is not None and not math.isnan(row["z"]) else 0
        level = "red" if confirm is not None and shock_code >= confirm else "amber"
        drivers = {
            "event": str(event["title"]),
            "company": event["company"] if isinstance(event["company"], str) else None,
            "event_date": _to_date(event["date64"]).isoformat(),
            "days_since": (day - _to_date(event["date64"])).days,
            "active_events": len(recent),
            "shock_level": CODES[shock_code],
        }
        evidence = [event_evidence(e) for _, e in recent.iloc[::-1].iterrows()]
        flags.append(Flag(REGIME, "ai_efficiency_event", level, float(len(recent)), drivers, evidence))
    return flags


def _capex_growth(filings: pd.DataFrame, max_gap_days: int) -> dict[str, Any]:
    """Aggregate year-on-year growth of trailing-four-quarter capex over companies with 8 quarters."""
    ttm = prior = 0.0
    companies: dict[str, float] = {}
    latest = None
    for ticker, group in filings.groupby("ticker", sort=True):
        quarters = group.sort_values(["period_end", "avail_ns"]).drop_duplicates("period_end", keep="last")
        last8 = quarters.tail(8)
        if len(last8) < 8:
            continue
        span = (last8["period_end"].iloc[-1] - last8["period_end"].iloc[0]).days
        if span > max_gap_days:
            continue
        now, before = float(last8["capex_usd"].iloc[4:].sum()), float(last8["capex_usd"].iloc[:4].sum())
        if before <= 0:
            continue
        ttm, prior = ttm + now, prior + before
        companies[str(ticker)] = now / before - 1.0
        newest = last8.iloc[-1]
        if latest is None or newest["avail_ns"] > latest["avail_ns"]:
            latest = newest
    growth = ttm / prior - 1.0 if prior > 0 else None
    return {"growth": growth, "ttm": ttm, "companies": companies, "latest": latest}


def capex_momentum(ctx: Context) -> list[Flag]:
    """Hyperscaler capex growth from filings, with the recent capex-guidance events as evidence."""
    import numpy as np
    import pandas as pd

    cfg = ctx.rules["capex_momentum"]
    guidance = events_of_kind(ctx, cfg["guidance_kind"])
    active, _latest = active_events(guidance, ctx.days64, ctx.cutoffs, int(cfg["guidance_days"]))
    filings = ctx.table("capex_quarterly")
    results: list[dict[str, Any] | None] = [None] * ctx.n
    if filings is not None:
        frame = pd.DataFrame(
            {
                "ticker": filings["ticker"].astype(str).to_numpy(),
                "cik": filings["cik"].astype(str).to_numpy(),
                "period_end": [_to_date(v) for v in filings["period_end"]],
                "fiscal_year": filings["fiscal_year"].to_numpy(),
                "fiscal_period": filings["fiscal_period"].astype(str).to_numpy(),
                "capex_usd": filings["capex_usd"].astype("float64").to_numpy(),
                "form": filings["form"].to_numpy() if "form" in filings.columns else None,
                "accession": filings["accession"].to_numpy() if "accession" in filings.columns else None,
                "avail_ns": as_instants_ns(filings["available_at"]),
            }
        )
        for positions, mask in asof_segments(ctx, frame["avail_ns"].to_numpy()):
            result = _capex_growth(frame[mask], int(cfg["max_quarter_gap_days"])) if mask.any() else None
            for pos in positions:
                results[int(pos)] = result
    flags = []
    for i in range(ctx.n):
        result = results[i]
        drivers: dict[str, Any] = {}
        evidence: list[dict[str, Any]] = []
        if active[i]:
            ages = (ctx.days64[i] - guidance["date64"].to_numpy()) / np.timedelta64(1, "D")
            recent = guidance[(guidance["avail_ns"].to_numpy() <= ctx.cutoffs[i]) & (ages >= 0)]
            recent = recent[
                (ctx.days64[i] - recent["date64"].to_numpy()) / np.timedelta64(1, "D") <= cfg["guidance_days"]
            ]
            drivers["guidance_events"] = len(recent)
            drivers["latest_guidance"] = str(recent.iloc[-1]["title"])
            evidence.extend(event_evidence(e) for _, e in recent.iloc[::-1].iterrows())
        if result is None or result["growth"] is None:
            drivers["status"] = "no hyperscaler with eight quarters of filed capex"
            flags.append(Flag(REGIME, "capex_momentum", "green", None, drivers, evidence))
            continue
        growth = result["growth"]
        drivers.update(
            capex_yoy=clean(growth),
            capex_ttm_usd_bn=clean(result["ttm"] / 1e9, 1),
            companies=len(result["companies"]),
        )
        for ticker, value in result["companies"].items():
            drivers[f"{ticker}_capex_yoy"] = clean(value)
        latest = result["latest"]
        form = latest["form"] if isinstance(latest["form"], str) and latest["form"] else "filing"
        level = "red" if growth <= cfg["red_growth"] else "amber" if growth <= cfg["amber_growth"] else "green"
        filing = {
            "label": (
                f"{latest['ticker']} {form} FY{latest['fiscal_year']} {latest['fiscal_period']}: "
                f"capex ${latest['capex_usd'] / 1e9:.1f}B (period ending {latest['period_end'].isoformat()})"
            ),
            "dataset": "capex_quarterly",
        }
        if isinstance(latest["accession"], str) and latest["accession"]:
            cik = int(str(latest["cik"]).lstrip("0") or 0)
            filing["url"] = f"https://www.sec.gov/Archives/edgar/data/{cik}/{latest['accession'].replace('-', '')}/"
        evidence.insert(0, filing)
        flags.append(Flag(REGIME, "capex_momentum", level, clean(growth), drivers, evidence))
    return flags
