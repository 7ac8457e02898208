"""The flag backtest: how often each flag and level fired and the forward returns after it."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from regime_radar.flags import engine
from regime_radar.flags.backtest import ALL_DAYS, backtest, format_backtest
from tests.unit.flags.tables import BASKET, prices, trading_days

DAYS = trading_days("2025-01-02", "2025-02-28")


@pytest.fixture(scope="module")
def rules() -> dict:
    return engine.load_rules()


def _flags(red_days: list[date]) -> pd.DataFrame:
    return pd.DataFrame([{"date": d, "flag": "toy", "level": "red" if d in red_days else "green"} for d in DAYS[:20]])


def test_forward_returns_after_a_flag_against_all_days(rules: dict) -> None:
    # the basket gains 1% a day, the market is flat, except the day after each red day: basket -10%
    red_days = [DAYS[3], DAYS[10]]
    moves = {d: {**{s: 0.01 for s in BASKET}, "QQQ": 0.0, "SPY": 0.0} for d in DAYS}
    for d in red_days:
        after = DAYS[DAYS.index(d) + 1]
        moves[after] = {**{s: -0.10 for s in BASKET}, "QQQ": 0.0, "SPY": -0.02}
    result = backtest(_flags(red_days), prices(DAYS, moves), rules).set_index(["flag", "level"])
    red, green, every = result.loc[("toy", "red")], result.loc[("toy", "green")], result.loc[(ALL_DAYS, "all")]
    assert red["days"] == 2 and green["days"] == 18 and every["days"] == 20
    assert red["share"] == pytest.approx(0.1)
    assert red["basket_1d"] == pytest.approx(-0.10)
    assert red["market_1d"] == pytest.approx(-0.02)
    assert green["basket_1d"] == pytest.approx(0.01)
    assert red["basket_5d"] == pytest.approx(0.9 * 1.01**4 - 1)
    assert every["basket_1d"] == pytest.approx((2 * -0.10 + 18 * 0.01) / 20)


def test_horizons_past_the_data_are_missing(rules: dict) -> None:
    flags = pd.DataFrame([{"date": DAYS[-3], "flag": "toy", "level": "amber"}])
    row = backtest(flags, prices(DAYS), rules).set_index(["flag", "level"]).loc[("toy", "amber")]
    assert row["basket_1d"] == row["basket_1d"]  # known
    assert row["basket_5d"] != row["basket_5d"]  # NaN: only two sessions follow
    assert "n/a" in format_backtest(backtest(flags, prices(DAYS), rules))


def test_format_lists_every_row(rules: dict) -> None:
    result = backtest(_flags([DAYS[3]]), prices(DAYS), rules)
    text = format_backtest(result)
    assert text.splitlines()[2].startswith(ALL_DAYS)
    assert len([line for line in text.splitlines() if line.startswith("toy")]) == 2
    assert format_backtest(backtest(pd.DataFrame(), prices(DAYS), rules)) == "no flags to backtest"
