"""The early-2025 episode replayed from the demo recordings: the acceptance of the risk flags.

Tables are built the way the pipeline builds them: each source's `parse` on its replay payloads
(`regime_radar.sources.replay.load(DEMO_REPLAY_DIR, name)`), the user-file sources (tech events,
consensus) on their shipped seeds, then the pure builders (macro releases, tariff actions).
"""

from __future__ import annotations

import importlib
import json
from datetime import date

import pandas as pd
import pytest

from regime_radar.config import DEMO_END, DEMO_REPLAY_DIR, DEMO_START
from regime_radar.flags import engine
from regime_radar.sources import replay
from regime_radar.sources.base import Payload
from regime_radar.sources.market_calendar import nyse_trading_days

REPLAYED = (
    "yahoo_chart",
    "fred_markets",
    "sec_capex",
    "fred_macro",
    "ism",
    "federal_register",
    "whitehouse_actions",
    "tpu",
    "epu_trade",
)
SEEDED = {"tech_events": "SEED_FILE", "consensus": "SEED_PATH"}
DAYS = nyse_trading_days(date.fromisoformat(DEMO_START), date.fromisoformat(DEMO_END))
SHOCK, SIGNING_MONDAY = date(2025, 1, 27), date(2025, 2, 3)


def _build() -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    parts: dict[str, list[pd.DataFrame]] = {}
    missing: dict[str, str] = {}

    def add(tables: dict) -> None:
        for dataset, table in tables.items():
            parts.setdefault(dataset, []).append(table.to_pandas())

    for name in REPLAYED:
        try:
            source = importlib.import_module(f"regime_radar.sources.{name}").SOURCE
        except ModuleNotFoundError:
            missing[name] = f"source module regime_radar.sources.{name} does not exist yet"
            continue
        if not (DEMO_REPLAY_DIR / name).is_dir():
            missing[name] = f"no demo recordings under {DEMO_REPLAY_DIR / name}"
            continue
        add(source.parse(replay.load(DEMO_REPLAY_DIR, name)))
    for name, attribute in SEEDED.items():
        module = importlib.import_module(f"regime_radar.sources.{name}")
        seed = getattr(module, attribute)
        add(module.SOURCE.parse([Payload(name=seed.name, body=seed.read_bytes(), url=f"file://{seed}")]))
    tables = {dataset: pd.concat(frames, ignore_index=True) for dataset, frames in parts.items()}
    return engine.derive_inputs(tables), missing


TABLES, MISSING = _build()


def _need(*sources: str) -> None:
    gaps = [MISSING[s] for s in sources if s in MISSING]
    if gaps:
        pytest.skip("; ".join(gaps))


@pytest.fixture(scope="module")
def rules() -> dict:
    return engine.load_rules()


@pytest.fixture(scope="module")
def episode(rules: dict) -> tuple[list[dict], list[dict]]:
    return engine.compute_window(DAYS, TABLES, rules)


def _levels(rows: list[dict], flag: str) -> dict[date, str]:
    return {r["date"]: r["level"] for r in rows if r["flag"] == flag}


def _row(rows: list[dict], flag: str, day: date) -> dict:
    return next(r for r in rows if r["flag"] == flag and r["date"] == day)


def test_ai_capex_shock_is_red_on_the_deepseek_monday_only(episode: tuple[list[dict], list[dict]]) -> None:
    _need("yahoo_chart")
    levels = _levels(episode[0], "ai_capex_shock")
    assert levels[SHOCK] == "red"
    assert [d for d in DAYS if date(2024, 12, 2) <= d <= date(2025, 1, 24) and levels[d] == "red"] == []
    drivers = json.loads(_row(episode[0], "ai_capex_shock", SHOCK)["drivers"])
    assert drivers["NVDA_ret"] < -0.15 and drivers["SMH_ret"] < -0.08 and drivers["QQQ_ret"] > -0.05
    assert {"basket_ret", "relative_ret", "z"} <= set(drivers)


def test_the_r1_release_is_cited_in_the_shock_evidence(episode: tuple[list[dict], list[dict]]) -> None:
    _need("yahoo_chart")
    evidence = json.loads(_row(episode[0], "ai_capex_shock", SHOCK)["evidence"])
    assert "https://api-docs.deepseek.com/news/news250120" in [e.get("url") for e in evidence]
    assert _levels(episode[0], "ai_efficiency_event")[SHOCK] == "amber"


def test_tariff_escalation_is_red_on_the_first_market_day_after_the_signing(
    episode: tuple[list[dict], list[dict]], rules: dict
) -> None:
    _need("federal_register", "whitehouse_actions")
    actions = TABLES["tariff_actions"]
    orders = actions[(actions["action"] == "impose") & (actions["partner"].isin(["CA", "MX", "CN"]))]
    published = pd.to_datetime(orders["available_at"], utc=True)
    # signed on Saturday 2025-02-01: after Friday's cutoff, before Monday's
    assert (published > pd.Timestamp(engine.cutoff(date(2025, 1, 31), rules))).all()
    assert (published <= pd.Timestamp(engine.cutoff(SIGNING_MONDAY, rules))).all()
    levels = _levels(episode[0], "tariff_escalation")
    assert levels[SIGNING_MONDAY] == "red"
    assert [d for d, level in levels.items() if level == "red"] == [SIGNING_MONDAY]
    drivers = json.loads(_row(episode[0], "tariff_escalation", SIGNING_MONDAY)["drivers"])
    assert {"CA", "MX", "CN"} <= set(drivers["systemic_partners"])


def test_canada_and_mexico_paused_while_china_stays_effective() -> None:
    _need("federal_register", "whitehouse_actions")
    from regime_radar.tariffs.state import build_tariff_state

    state = build_tariff_state(TABLES["tariff_actions"], date(2025, 2, 1), date(2025, 2, 28))
    goods = state[state["scope"] == "all_goods"].set_index(["partner", "date"])["status"]
    february = [d for d in DAYS if d >= SIGNING_MONDAY]
    for partner in ("CA", "MX"):
        assert {goods[(partner, d)] for d in february} == {"paused"}, partner
    assert {goods[("CN", d)] for d in february if d >= date(2025, 2, 4)} == {"effective"}
    assert goods[("CN", SIGNING_MONDAY)] == "announced"


def test_pause_expiry_warns_in_the_last_week(episode: tuple[list[dict], list[dict]]) -> None:
    _need("federal_register", "whitehouse_actions")
    loud = sorted(d for d, level in _levels(episode[0], "tariff_pause_expiry").items() if level != "green")
    assert loud == [d for d in DAYS if d >= date(2025, 2, 25)]


def test_fundamentals_green_from_the_ism_release(episode: tuple[list[dict], list[dict]]) -> None:
    _need("ism", "fred_macro")
    levels = _levels(episode[0], "fundamentals")
    assert {levels[d] for d in DAYS if d >= SIGNING_MONDAY} == {"green"}
    assert json.loads(_row(episode[0], "fundamentals", SIGNING_MONDAY)["drivers"])["ISM_MFG_PMI"] == 50.9
    assert levels[date(2025, 1, 31)] == "amber"  # ISM 49.2 until the release


def test_every_loud_row_has_drivers_and_evidence(episode: tuple[list[dict], list[dict]]) -> None:
    loud = [r for r in episode[0] if r["level"] != "green"]
    assert loud
    for row in loud:
        assert json.loads(row["drivers"]), (row["date"], row["flag"])
        assert json.loads(row["evidence"]), (row["date"], row["flag"])


def test_no_flag_flaps(episode: tuple[list[dict], list[dict]]) -> None:
    """At most two level changes in any five consecutive market days, for every flag and regime state."""
    rows = episode[0]
    series = {flag: [lv for _d, lv in sorted(_levels(rows, flag).items())] for flag in {r["flag"] for r in rows}}
    for regime in ("ai_capex", "tariff", "macro", "composite"):
        series[f"state:{regime}"] = [
            s["state"] for s in sorted(episode[1], key=lambda s: s["date"]) if s["regime"] == regime
        ]
    for name, values in series.items():
        changes = [i for i in range(1, len(values)) if values[i] != values[i - 1]]
        for i in changes:
            assert len([c for c in changes if i <= c < i + 5]) <= 2, (name, DAYS[i])


def test_quiet_days_stay_quiet(episode: tuple[list[dict], list[dict]]) -> None:
    rows = episode[0]
    december = [d for d in DAYS if d <= date(2024, 12, 24)]
    for flag in ("ai_capex_shock", "ai_capex_stress", "ai_efficiency_event", "tariff_escalation", "composite"):
        assert {_levels(rows, flag)[d] for d in december} == {"green"}, flag
    states = {(s["date"], s["regime"]): s["state"] for s in episode[1]}
    assert states[(SHOCK, "ai_capex")] == "shock" and states[(SIGNING_MONDAY, "tariff")] == "shock"
    assert states[(date(2025, 1, 24), "ai_capex")] == "expansion"
