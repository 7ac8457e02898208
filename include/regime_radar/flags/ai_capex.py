"""AI-capex regime rules: is the AI-hardware trade being re-priced, apart from the market?"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from regime_radar import universe
from regime_radar.flags.engine import Flag

if TYPE_CHECKING:
    import pandas as pd


def daily_returns(prices: pd.DataFrame, symbols: list[str], through: date) -> pd.DataFrame:
    """Close-to-close adjusted returns, one column per symbol, up to and including `through`."""
    import pandas as pd

    frame = prices[prices["symbol"].isin(symbols) & (prices["date"] <= pd.Timestamp(through).date())]
    wide = frame.pivot_table(index="date", columns="symbol", values="adj_close").sort_index()
    return wide.pct_change(fill_method=None).iloc[1:]


def ai_capex_shock(asof: date, tables: dict[str, pd.DataFrame], rules: dict[str, Any]) -> list[Flag]:
    """A one-day fall of the AI-hardware basket that is large against its own volatility AND the market."""
    cfg = rules["ai_capex_shock"]
    basket = list(universe.basket(cfg["basket"]))
    broad = list(cfg["broad"])
    returns = daily_returns(tables["prices_daily"], basket + broad, asof)
    if returns.empty or returns.index[-1] != asof:
        return [Flag("ai_capex", "ai_capex_shock", "green", None, {"status": "no prices for the day"})]
    basket_cols = [s for s in basket if s in returns.columns]
    basket_ret = returns[basket_cols].mean(axis=1, skipna=True)
    broad_ret = returns[[s for s in broad if s in returns.columns]].mean(axis=1, skipna=True)
    history = basket_ret.iloc[:-1].tail(cfg["vol_window"])
    today, market = float(basket_ret.iloc[-1]), float(broad_ret.iloc[-1])
    relative = today - market
    drivers: dict[str, Any] = {
        "basket_ret": round(today, 4),
        "relative_ret": round(relative, 4),
        "basket_members": len(basket_cols),
    }
    for symbol in [*cfg["headline"], *broad]:
        if symbol in returns.columns and returns[symbol].notna().iloc[-1]:
            drivers[f"{symbol}_ret"] = round(float(returns[symbol].iloc[-1]), 4)
    if len(history.dropna()) < cfg["min_history"]:
        drivers["status"] = f"only {len(history.dropna())} sessions of history"
        return [Flag("ai_capex", "ai_capex_shock", "green", None, drivers)]
    vol = float(history.std())
    z = today / vol if vol > 0 else 0.0
    drivers.update(basket_vol=round(vol, 4), z=round(z, 2))
    level = "green"
    for candidate in ("red", "amber"):
        limits = cfg[candidate]
        if z <= limits["z"] and relative <= limits["relative"]:
            level = candidate
            break
    evidence = [
        {"label": f"prices_daily {asof.isoformat()}: {', '.join(basket_cols + broad)}", "dataset": "prices_daily"}
    ]
    return [Flag("ai_capex", "ai_capex_shock", level, round(z, 2), drivers, evidence)]
