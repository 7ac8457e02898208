"""Does a flag mean anything? How often each flag and level fired, and what the market did next.

For every (flag, level): the number of days and their share of the flag's days, and the mean forward
1/5/20-session returns of the AI-hardware basket and of the broad market from that day's close,
next to the same numbers over all days. This looks forward on purpose: it is an after-the-fact
evaluation of flags that were computed point in time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from regime_radar import universe
from regime_radar.flags.base import LEVELS, as_dates64, as_instants_ns

if TYPE_CHECKING:
    import pandas as pd

ALL_DAYS = "all days"


def forward_returns(prices: pd.DataFrame, rules: dict[str, Any]) -> pd.DataFrame:
    """Per trading date: the basket's and the market's forward returns over each horizon (date64 index)."""
    import pandas as pd

    cfg = rules["backtest"]
    basket, market = list(universe.basket(cfg["basket"])), list(cfg["market"])
    frame = prices.loc[prices["symbol"].isin(basket + market), ["symbol", "date", "adj_close", "available_at"]]
    frame = pd.DataFrame(
        {
            "symbol": frame["symbol"].astype(str).to_numpy(),
            "date64": as_dates64(frame["date"]),
            "adj_close": frame["adj_close"].astype("float64").to_numpy(),
            "avail_ns": as_instants_ns(frame["available_at"]),
        }
    )
    frame = frame.sort_values(["symbol", "date64", "avail_ns"], kind="mergesort")
    frame = frame.drop_duplicates(["symbol", "date64"], keep="last")
    frame["ret"] = frame["adj_close"] / frame.groupby("symbol", sort=False)["adj_close"].shift(1) - 1.0
    wide = frame.pivot(index="date64", columns="symbol", values="ret").sort_index()
    out = pd.DataFrame(index=wide.index)
    for name, members in (("basket", basket), ("market", market)):
        present = [s for s in members if s in wide.columns]
        daily = wide[present].mean(axis=1) if present else pd.Series(float("nan"), index=wide.index)
        level = (1.0 + daily.fillna(0.0)).cumprod()
        for h in cfg["horizons"]:
            out[f"{name}_{h}d"] = level.shift(-int(h)) / level - 1.0
    return out


def backtest(flags: pd.DataFrame, prices: pd.DataFrame, rules: dict[str, Any] | None = None) -> pd.DataFrame:
    """One row per (flag, level) plus an 'all days' row: days fired, share, mean forward returns."""
    import pandas as pd

    if rules is None:
        from regime_radar.flags.engine import load_rules

        rules = load_rules()
    horizons = [int(h) for h in rules["backtest"]["horizons"]]
    value_columns = [f"{name}_{h}d" for name in ("basket", "market") for h in horizons]
    columns = ["flag", "level", "days", "share", *value_columns]
    if flags is None or flags.empty or prices is None or prices.empty:
        return pd.DataFrame(columns=columns)
    forward = forward_returns(prices, rules)
    fired = pd.DataFrame(
        {"date64": as_dates64(flags["date"]), "flag": flags["flag"].astype(str).to_numpy(), "level": flags["level"]}
    )
    fired = fired.join(forward, on="date64")
    every_day = fired.drop_duplicates("date64")
    rows = [
        {"flag": ALL_DAYS, "level": "all", "days": len(every_day), "share": 1.0, **_means(every_day, value_columns)}
    ]
    for flag, group in fired.groupby("flag", sort=True):
        for level in LEVELS:
            subset = group[group["level"] == level]
            if subset.empty:
                continue
            rows.append(
                {
                    "flag": flag,
                    "level": level,
                    "days": len(subset),
                    "share": len(subset) / len(group),
                    **_means(subset, value_columns),
                }
            )
    return pd.DataFrame(rows, columns=columns)


def _means(frame: pd.DataFrame, columns: list[str]) -> dict[str, float]:
    return {c: float(frame[c].mean()) if frame[c].notna().any() else float("nan") for c in columns}


def format_backtest(df: pd.DataFrame) -> str:
    """The backtest as an aligned text table (returns in percent; n/a where no forward data)."""
    if df.empty:
        return "no flags to backtest"
    value_columns = [c for c in df.columns if c.startswith(("basket_", "market_"))]
    header = f"{'flag':<28} {'level':<6} {'days':>5} {'share':>6}  " + " ".join(
        f"{c.replace('basket_', 'AI ').replace('market_', 'mkt '):>8}" for c in value_columns
    )
    lines = [header, "-" * len(header)]
    for row in df.itertuples(index=False):
        values = " ".join(f"{_pct(getattr(row, c)):>8}" for c in value_columns)
        lines.append(f"{row.flag:<28} {row.level:<6} {row.days:>5} {row.share:>6.0%}  {values}")
    lines.append("")
    lines.append(
        "AI = equal-weight AI-hardware basket, mkt = broad market; mean forward return after the flag's day close."
    )
    return "\n".join(lines)


def _pct(value: float) -> str:
    return "n/a" if value != value else f"{value:+.2%}"
