"""The inline chart of a flag digest: the AI-hardware basket against the broad market."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from regime_radar.config import load_yaml

if TYPE_CHECKING:
    import pandas as pd


def basket_symbols() -> list[str]:
    """The symbols of the basket the chart draws (alerts.yaml `chart.basket`, defined in universe.yaml)."""
    from regime_radar import universe

    return list(universe.basket(load_yaml("alerts.yaml")["chart"]["basket"]))


def rebased_lines(prices: pd.DataFrame, asof: date, sessions: int = 60) -> pd.DataFrame:
    """Closes up to `asof` over the last `sessions` sessions, rebased to 100: `basket` plus each market symbol."""
    import pandas as pd

    chart: dict[str, Any] = load_yaml("alerts.yaml")["chart"]
    basket = basket_symbols()
    market = list(chart["market"])
    if prices.empty:
        return pd.DataFrame()
    frame = prices[prices["symbol"].isin(basket + market)].copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    frame = frame[frame["date"] <= asof]
    if frame.empty:
        return pd.DataFrame()
    close = frame["adj_close"] if "adj_close" in frame else frame["close"]
    if "close" in frame:
        close = close.fillna(frame["close"])
    wide = (
        frame.assign(value=close.astype(float))
        .pivot_table(index="date", columns="symbol", values="value", aggfunc="last")
        .sort_index()
        .tail(sessions)
        .ffill()
    )
    rebased = wide / wide.bfill().iloc[0] * 100.0
    lines = pd.DataFrame(index=rebased.index)
    present = [s for s in basket if s in rebased.columns]
    if present:
        lines["basket"] = rebased[present].mean(axis=1, skipna=True)
    for symbol in market:
        if symbol in rebased.columns:
            lines[symbol] = rebased[symbol]
    return lines.dropna(how="all")


def basket_chart(prices: pd.DataFrame, asof: date, sessions: int = 60) -> bytes | None:
    """A PNG of the basket and the broad market over the last sessions with `asof` marked; None without data."""
    import io

    import matplotlib.dates as mdates
    import pandas as pd
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    lines = rebased_lines(prices, asof, sessions)
    if lines.empty:
        return None
    basket_label = load_yaml("alerts.yaml")["chart"]["basket_label"]
    x = pd.to_datetime(pd.Series(lines.index))
    # A bare Figure on the Agg canvas: no pyplot, no global backend switch, safe in threads.
    figure = Figure(figsize=(8, 3.6), dpi=100)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    styles = {
        "basket": {"color": "#6a1b9a", "linewidth": 2.2},
        "QQQ": {"color": "#1565c0"},
        "SPY": {"color": "#607d8b"},
    }
    for column in lines.columns:
        label = basket_label if column == "basket" else column
        ax.plot(x, lines[column].to_numpy(), label=label, **styles.get(column, {"linewidth": 1.2}))
    ax.axhline(100, color="#9e9e9e", linewidth=0.8, linestyle=":")
    flag_day = pd.Timestamp(asof)
    ax.axvline(flag_day, color="#c62828", linewidth=1.2, linestyle="--")
    ax.annotate(
        f"flag day {asof.isoformat()}",
        xy=(flag_day, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(-4, -12),
        textcoords="offset points",
        ha="right",
        fontsize=8,
        color="#c62828",
    )
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylabel("rebased to 100")
    ax.set_title(f"{basket_label} vs broad market: last {len(lines)} sessions to {asof.isoformat()}", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
