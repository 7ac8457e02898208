"""AI-capex rules on tiny hand-made tables: each fires when it should and stays quiet when it should not."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from regime_radar.flags import engine
from tests.unit.flags.tables import BASKET, by_flag, capex, crash, event, levels, prices, quarter_ends, trading_days

DAYS = trading_days("2024-09-03", "2025-01-31")
SHOCK_DAY = date(2025, 1, 27)
WINDOW = [d for d in DAYS if d >= date(2025, 1, 2)]


@pytest.fixture(scope="module")
def rules() -> dict:
    return engine.load_rules()


def _run(tables: dict, rules: dict, days: list[date] = WINDOW) -> list[dict]:
    return engine.compute_window(days, tables, rules)[0]


def test_sector_crash_is_red_with_the_deciding_numbers(rules: dict) -> None:
    rows = _run({"prices_daily": prices(DAYS, crash(SHOCK_DAY, -0.12, -0.03))}, rules)
    shock = by_flag(rows, "ai_capex_shock")
    assert shock[SHOCK_DAY]["level"] == "red"
    drivers = json.loads(shock[SHOCK_DAY]["drivers"])
    assert {"NVDA_ret", "SMH_ret", "QQQ_ret", "basket_ret", "relative_ret", "z"} <= set(drivers)
    assert drivers["NVDA_ret"] == pytest.approx(-0.12, abs=1e-4)
    assert drivers["relative_ret"] == pytest.approx(-0.09, abs=1e-4)
    assert drivers["z"] < -4
    assert json.loads(shock[SHOCK_DAY]["evidence"])
    assert [d for d, level in levels(rows, "ai_capex_shock").items() if level != "green"] == [SHOCK_DAY]


def test_market_wide_crash_is_not_an_ai_shock(rules: dict) -> None:
    rows = _run({"prices_daily": prices(DAYS, crash(SHOCK_DAY, -0.10, -0.09))}, rules)
    assert levels(rows, "ai_capex_shock")[SHOCK_DAY] == "green"


def test_moderate_sector_drop_is_amber(rules: dict) -> None:
    rows = _run({"prices_daily": prices(DAYS, crash(SHOCK_DAY, -0.04, -0.005))}, rules)
    assert levels(rows, "ai_capex_shock")[SHOCK_DAY] == "amber"


def test_short_history_gives_no_verdict(rules: dict) -> None:
    short = trading_days("2025-01-13", "2025-01-31")
    rows = _run({"prices_daily": prices(short, crash(SHOCK_DAY, -0.12, -0.03))}, rules, [SHOCK_DAY])
    row = by_flag(rows, "ai_capex_shock")[SHOCK_DAY]
    assert row["level"] == "green"
    assert "sessions of history" in json.loads(row["drivers"])["status"]


def test_missing_prices_keep_every_ai_flag_quiet(rules: dict) -> None:
    rows = _run({}, rules, [SHOCK_DAY])
    assert {r["flag"]: r["level"] for r in rows if r["regime"] == "ai_capex"} == {
        "ai_capex_shock": "green",
        "ai_capex_stress": "green",
        "capex_momentum": "green",
        "ai_efficiency_event": "green",
        "ai_capex": "green",
    }


def test_efficiency_event_lowers_the_bar_and_is_cited(rules: dict) -> None:
    # -3.5 sd and -4.5% against the market: amber on its own, red while a cheap open model is news
    table = prices(DAYS, crash(SHOCK_DAY, -0.045, 0.0), vol=0.0)
    noise = prices(DAYS, seed=7, vol=0.0125)
    table["adj_close"] = table["adj_close"] * noise["adj_close"] / 100.0
    release = event(
        "2025-01-20",
        "model_release",
        "Lab X releases an open-weight frontier model at low cost",
        url="https://x.test/r1",
    )
    plain = by_flag(_run({"prices_daily": table}, rules), "ai_capex_shock")[SHOCK_DAY]
    assert plain["level"] == "amber", plain["drivers"]
    with_event = by_flag(_run({"prices_daily": table, "tech_events": pd.DataFrame([release])}, rules), "ai_capex_shock")
    assert with_event[SHOCK_DAY]["level"] == "red", with_event[SHOCK_DAY]["drivers"]
    assert "https://x.test/r1" in [e.get("url") for e in json.loads(with_event[SHOCK_DAY]["evidence"])]


def test_efficiency_event_is_amber_for_its_window_only(rules: dict) -> None:
    table = {
        "prices_daily": prices(DAYS),
        "tech_events": pd.DataFrame(
            [
                event("2025-01-20", "model_release", "An open-weight model trained for about $6M"),
                event("2025-01-06", "model_release", "A bigger closed model, priced as before"),
            ]
        ),
    }
    result = levels(_run(table, rules), "ai_efficiency_event")
    amber = sorted(d for d, level in result.items() if level == "amber")
    assert amber == [d for d in WINDOW if date(2025, 1, 21) <= d <= date(2025, 1, 30)]
    assert "red" not in result.values()


def test_release_after_the_cutoff_counts_from_the_next_day(rules: dict) -> None:
    late = event("2025-01-21", "model_release", "An open-weight model", clock="19:30")
    result = levels(_run({"tech_events": pd.DataFrame([late])}, rules), "ai_efficiency_event")
    assert result[date(2025, 1, 21)] == "green"
    assert result[date(2025, 1, 22)] == "amber"


def test_stress_needs_drawdown_and_underperformance(rules: dict) -> None:
    days = trading_days("2024-09-03", "2025-02-28")
    slide = {
        d: {**{s: -0.012 for s in BASKET}, "QQQ": 0.0, "SPY": 0.0}
        for d in days
        if date(2025, 1, 6) <= d <= date(2025, 1, 31)
    }
    rows = _run({"prices_daily": prices(days, slide, vol=0.003)}, rules, [date(2024, 12, 16), date(2025, 1, 31)])
    stress = by_flag(rows, "ai_capex_stress")
    assert stress[date(2024, 12, 16)]["level"] == "green"
    assert stress[date(2025, 1, 31)]["level"] == "amber"
    drivers = json.loads(stress[date(2025, 1, 31)]["drivers"])
    assert drivers["drawdown"] < -0.10 and drivers["relative_ret_20d"] < -0.05

    together = {d: {"*": -0.012} for d in slide}  # the whole market falls: no relative stress
    rows = _run({"prices_daily": prices(days, together, vol=0.003)}, rules, [date(2025, 1, 31)])
    assert levels(rows, "ai_capex_stress")[date(2025, 1, 31)] == "green"


def _hyperscaler(growth: float) -> pd.DataFrame:
    ends = quarter_ends(2023, 8)
    values = [10.0] * 4 + [10.0 * (1 + growth)] * 4
    filed = [(pd.Timestamp(e) + pd.Timedelta(days=30)).date().isoformat() for e in ends]
    return pd.DataFrame(capex("MSFT", list(zip(ends, values, filed, strict=True))))


@pytest.mark.parametrize(("growth", "expected"), [(0.5, "green"), (0.05, "amber"), (-0.2, "red")])
def test_capex_momentum_follows_filed_growth(rules: dict, growth: float, expected: str) -> None:
    rows = _run({"capex_quarterly": _hyperscaler(growth)}, rules, [date(2025, 1, 31)])
    row = by_flag(rows, "capex_momentum")[date(2025, 1, 31)]
    assert row["level"] == expected
    assert json.loads(row["drivers"])["capex_yoy"] == pytest.approx(growth, abs=1e-3)
    assert json.loads(row["evidence"])[0]["dataset"] == "capex_quarterly"


def test_capex_momentum_waits_for_the_filing(rules: dict) -> None:
    frame = _hyperscaler(-0.2)
    # before the last quarter is filed (2025-01-30) only seven quarters are known
    rows = _run({"capex_quarterly": frame}, rules, [date(2025, 1, 29), date(2025, 1, 30)])
    assert levels(rows, "capex_momentum") == {date(2025, 1, 29): "green", date(2025, 1, 30): "red"}


def test_guidance_events_are_quoted(rules: dict) -> None:
    guide = event("2025-01-24", "capex_guidance", "MegaCloud guides 2025 capex to $60-65B", url="https://m.test/q4")
    rows = _run(
        {"capex_quarterly": _hyperscaler(0.5), "tech_events": pd.DataFrame([guide])}, rules, [date(2025, 1, 31)]
    )
    row = by_flag(rows, "capex_momentum")[date(2025, 1, 31)]
    assert json.loads(row["drivers"])["guidance_events"] == 1
    assert "https://m.test/q4" in [e.get("url") for e in json.loads(row["evidence"])]
