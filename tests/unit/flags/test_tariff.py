"""Tariff rules on hand-made tariff_actions (the February 2025 orders) and small market tables."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from regime_radar.flags import engine
from tests.unit.flags.episode import action, episode_actions
from tests.unit.flags.tables import by_flag, levels, series, trading_days, uncertainty

WINDOW = trading_days("2025-01-27", "2025-02-28")


@pytest.fixture(scope="module")
def rules() -> dict:
    return engine.load_rules()


@pytest.fixture(scope="module")
def episode(rules: dict) -> list[dict]:
    return engine.compute_window(WINDOW, {"tariff_actions": episode_actions()}, rules)[0]


def _loud(rows: list[dict], flag: str) -> dict[date, str]:
    return {d: level for d, level in levels(rows, flag).items() if level != "green"}


def test_broad_tariff_on_top3_partners_is_red_on_the_first_market_day_after_signing(episode: list[dict]) -> None:
    escalation = by_flag(episode, "tariff_escalation")
    assert escalation[date(2025, 1, 31)]["level"] == "green"  # signed on Saturday 02-01: not known on Friday
    assert escalation[date(2025, 2, 3)]["level"] == "red"
    drivers = json.loads(escalation[date(2025, 2, 3)]["drivers"])
    assert drivers["systemic_partners"] == ["CA", "CN", "MX"]
    assert drivers["impact_pp"] == pytest.approx(0.155 * 25 + 0.126 * 25 + 0.134 * 10 + 0.126 * 0.07 * 10, abs=1e-3)
    urls = [e["url"] for e in json.loads(escalation[date(2025, 2, 3)]["evidence"])]
    assert any(u.endswith("ca-goods") for u in urls) and any(u.endswith("cn-goods") for u in urls)


def test_escalation_decays_to_amber_then_quiets(episode: list[dict]) -> None:
    loud = _loud(episode, "tariff_escalation")
    assert loud[date(2025, 2, 3)] == "red"
    assert [loud.get(d) for d in trading_days("2025-02-04", "2025-02-07")] == ["amber"] * 4
    assert date(2025, 2, 10) not in loud
    # the steel and aluminium proclamations (signed Monday evening 02-10) are sectoral: amber from 02-11
    assert loud[date(2025, 2, 11)] == "amber"
    assert set(v for d, v in loud.items() if d > date(2025, 2, 3)) == {"amber"}


def test_pause_is_a_deescalation_with_the_relief_it_brings(episode: list[dict]) -> None:
    loud = _loud(episode, "tariff_deescalation")
    assert sorted(loud) == trading_days("2025-02-03", "2025-02-07")
    assert set(loud.values()) == {"amber"}
    row = by_flag(episode, "tariff_deescalation")[date(2025, 2, 3)]
    assert json.loads(row["drivers"])["relief_pp"] == pytest.approx(
        0.155 * 25 + 0.126 * 25 + 0.126 * 0.07 * 10, abs=1e-3
    )
    assert json.loads(row["evidence"])


def test_pause_expiry_is_amber_from_a_week_before_the_end(episode: list[dict]) -> None:
    loud = _loud(episode, "tariff_pause_expiry")
    assert sorted(loud) == trading_days("2025-02-25", "2025-02-28")
    drivers = json.loads(by_flag(episode, "tariff_pause_expiry")[date(2025, 2, 25)]["drivers"])
    assert drivers["pause_ends"] == "2025-03-04" and drivers["days_left"] == 7
    assert drivers["partners"] == ["CA", "MX"]


def test_known_extension_silences_the_expiry(rules: dict) -> None:
    extension = action(
        "ca-ext",
        "pause",
        "CA",
        "all_goods",
        None,
        "2025-02-24",
        "2025-02-24T20:00:00",
        "2025-03-04T05:01:00",
        "2025-04-02T04:01:00",
        eo="14999",
        modifies="14193",
    )
    mx_ext = {**extension, "action_id": "mx-ext", "partner": "MX"}
    energy_ext = {**extension, "action_id": "ca-energy-ext", "scope": "energy"}
    actions = pd.concat([episode_actions(), pd.DataFrame([extension, mx_ext, energy_ext])], ignore_index=True)
    rows = engine.compute_window(trading_days("2025-02-21", "2025-02-28"), {"tariff_actions": actions}, rules)[0]
    assert _loud(rows, "tariff_pause_expiry") == {}


def test_lapsed_pause_bites_again(rules: dict) -> None:
    days = trading_days("2025-03-03", "2025-03-07")
    rows = engine.compute_window(days, {"tariff_actions": episode_actions()}, rules)[0]
    escalation = by_flag(rows, "tariff_escalation")
    assert escalation[date(2025, 3, 4)]["level"] == "red"  # 25% on Canada and Mexico in force again
    assert "pause_lapsed" in {a["action"] for a in json.loads(escalation[date(2025, 3, 4)]["drivers"])["actions"]}
    assert escalation[date(2025, 3, 3)]["level"] == "green"


def test_sector_intent_is_a_threat_that_feeds_the_ai_regime(episode: list[dict]) -> None:
    threat = _loud(episode, "sector_tariff_threat")
    assert sorted(threat) == trading_days("2025-02-19", "2025-02-28")
    drivers = json.loads(by_flag(episode, "sector_tariff_threat")[date(2025, 2, 19)]["drivers"])
    assert drivers["sectors"] == ["autos", "semiconductors"]
    assert drivers["ai_sectors_level"] == "amber"
    ai = by_flag(episode, "ai_capex")
    assert ai[date(2025, 2, 19)]["level"] == "amber"
    assert json.loads(ai[date(2025, 2, 19)]["drivers"])["members"]["sector_tariff_threat"] == "amber"
    assert ai[date(2025, 2, 18)]["level"] == "green"


def test_intent_answered_by_a_tariff_is_no_longer_a_threat(rules: dict) -> None:
    chips = action("chips", "impose", "ALL", "semiconductors", 25.0, "2025-02-24", "2025-02-24T20:00:00")
    actions = pd.concat([episode_actions(), pd.DataFrame([chips])], ignore_index=True)
    rows = engine.compute_window([date(2025, 2, 25)], {"tariff_actions": actions}, rules)[0]
    drivers = json.loads(by_flag(rows, "sector_tariff_threat")[date(2025, 2, 25)]["drivers"])
    assert drivers["sectors"] == ["autos"]


def test_low_confidence_actions_are_ignored(rules: dict) -> None:
    actions = episode_actions()
    actions["confidence"] = 0.3
    rows = engine.compute_window([date(2025, 2, 3)], {"tariff_actions": actions}, rules)[0]
    assert levels(rows, "tariff_escalation")[date(2025, 2, 3)] == "green"


def test_market_confirmation_counts_signals_on_the_action_day(rules: dict) -> None:
    days = trading_days("2024-10-01", "2025-02-14")
    rng = np.random.default_rng(3)

    def path(start: float, sd: float, jump_on: date, jump: float) -> list[float]:
        values, level = [], start
        for d in days:
            level *= 1 + (jump if d == jump_on else rng.normal(0, sd))
            values.append(level)
        return values

    action_day = date(2025, 2, 3)
    market = pd.concat(
        [
            series("DEXCAUS", days, path(1.40, 0.002, action_day, 0.012)),
            series("DEXMXUS", days, path(20.0, 0.004, action_day, 0.013), lag_days=7),  # weekly H.10: known 02-10
            series("VIXCLS", days, path(15.0, 0.01, action_day, 0.0)),
            series("SP500", days, path(6000, 0.005, action_day, -0.001)),
        ],
        ignore_index=True,
    )
    tables = {"tariff_actions": episode_actions(), "market_series": market}
    rows = engine.compute_window([date(2025, 1, 31), action_day, date(2025, 2, 10)], tables, rules)[0]
    confirm = by_flag(rows, "tariff_market_confirmation")
    assert confirm[date(2025, 1, 31)]["level"] == "green"
    first = json.loads(confirm[action_day]["drivers"])
    assert first["USDCAD_z"] > 1.5 and first["USDMXN_status"] == "pending"
    assert confirm[action_day]["level"] == "green"  # one signal so far
    later = json.loads(confirm[date(2025, 2, 10)]["drivers"])
    assert later["confirmed_signals"] == 2 and later["action_day"] == "2025-02-03"
    assert confirm[date(2025, 2, 10)]["level"] == "amber"
    assert any("DEXMXUS" in e["label"] for e in json.loads(confirm[date(2025, 2, 10)]["evidence"]))


def test_uncertainty_percentile_with_hysteresis(rules: dict) -> None:
    days = [d.date() for d in pd.bdate_range("2023-01-02", "2025-02-28")]
    values = [100.0] * len(days)
    spike = [i for i, d in enumerate(days) if d >= date(2025, 1, 20)]
    for k, i in enumerate(spike):
        values[i] = 400.0 if k < 10 else 130.0  # a burst, then elevated but not extreme
    frame = uncertainty("TPU_DAILY", days, values)
    window = [date(2025, 1, 15), date(2025, 1, 31), date(2025, 2, 4), date(2025, 2, 28)]
    rows = engine.compute_window(window, {"policy_uncertainty": frame}, rules)[0]
    tpu = by_flag(rows, "trade_policy_uncertainty")
    assert tpu[date(2025, 1, 15)]["level"] == "green"
    assert tpu[date(2025, 1, 31)]["level"] == "red"
    assert json.loads(tpu[date(2025, 1, 31)]["drivers"])["percentile"] >= 98
    # the 7-day average falls back below the 98th percentile but not 10 points below: still red, no flicker
    assert tpu[date(2025, 2, 4)]["level"] == "red"
    assert tpu[date(2025, 2, 28)]["level"] in ("amber", "red")
    assert json.loads(tpu[date(2025, 1, 31)]["evidence"])[0]["dataset"] == "policy_uncertainty"


def test_uncertainty_without_history_is_quiet(rules: dict) -> None:
    days = [d.date() for d in pd.bdate_range("2025-01-02", "2025-01-31")]
    rows = engine.compute_window(
        [date(2025, 1, 31)], {"policy_uncertainty": uncertainty("TPU_DAILY", days, [500.0] * len(days))}, rules
    )[0]
    assert levels(rows, "trade_policy_uncertainty")[date(2025, 1, 31)] == "green"
