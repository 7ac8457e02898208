"""The engine's contract: row shapes, the cutoff, window = day by day, composites and regime states."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from regime_radar import catalog
from regime_radar.flags import engine
from regime_radar.flags.base import Context, cutoff_ns
from tests.unit.flags.episode import episode_actions
from tests.unit.flags.tables import crash, event, prices, release, trading_days

DAYS = trading_days("2024-09-03", "2025-02-28")
WINDOW = trading_days("2025-01-21", "2025-02-07")


@pytest.fixture(scope="module")
def rules() -> dict:
    return engine.load_rules()


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {
        "prices_daily": prices(DAYS, crash(date(2025, 1, 27), -0.12, -0.03)),
        "tech_events": pd.DataFrame([event("2025-01-20", "model_release", "An open-weight model at low cost")]),
        "tariff_actions": episode_actions(),
        "macro_releases": pd.DataFrame(
            [
                release("ISM_MFG_PMI", "2024-12-01", 49.2, "2025-01-03"),
                release("ISM_MFG_PMI", "2025-01-01", 50.9, "2025-02-03"),
            ]
        ),
    }


@pytest.fixture(scope="module")
def window(tables: dict, rules: dict) -> tuple[list[dict], list[dict]]:
    return engine.compute_window(WINDOW, tables, rules)


def test_inputs_name_catalog_datasets() -> None:
    assert set(engine.INPUTS) <= set(catalog.DATASETS)
    assert "prices_daily" in engine.INPUTS and "tariff_actions" in engine.INPUTS


def test_rows_have_the_catalog_shapes(window: tuple[list[dict], list[dict]], rules: dict) -> None:
    flags, states = window
    table = catalog.conform("risk_flags", pd.DataFrame(flags))
    assert table.num_rows == len(flags) == len(WINDOW) * 15
    assert catalog.conform("regime_state", pd.DataFrame(states)).num_rows == len(WINDOW) * 4
    assert {r["rule_version"] for r in flags} == {str(rules["version"])}
    assert {r["level"] for r in flags} <= {"green", "amber", "red"}
    for row in flags:
        assert isinstance(json.loads(row["drivers"]), dict)
        assert isinstance(json.loads(row["evidence"]), list)
    keys = [(r["date"], r["flag"]) for r in flags]
    assert len(keys) == len(set(keys))
    assert {(s["date"], s["regime"]) for s in states} == {
        (d, r) for d in WINDOW for r in ("ai_capex", "tariff", "macro", "composite")
    }


def test_every_loud_row_says_why(window: tuple[list[dict], list[dict]]) -> None:
    loud = [r for r in window[0] if r["level"] != "green"]
    assert loud
    for row in loud:
        assert json.loads(row["drivers"]), row["flag"]
        assert json.loads(row["evidence"]), row["flag"]


def test_cutoff_is_18h_new_york_across_daylight_saving(rules: dict) -> None:
    assert engine.cutoff(date(2025, 2, 3), rules) == datetime(2025, 2, 3, 23, 0, tzinfo=UTC)
    assert engine.cutoff(date(2025, 7, 1), rules) == datetime(2025, 7, 1, 22, 0, tzinfo=UTC)
    days = [date(2025, 3, 7), date(2025, 3, 10), date(2025, 11, 3)]
    ctx = Context(days, {}, rules)
    expected = [int(pd.Timestamp(engine.cutoff(d, rules)).value) for d in days]
    assert list(ctx.cutoffs) == expected
    assert list(cutoff_ns(ctx.days64, rules)) == expected


def test_window_equals_day_by_day(window: tuple[list[dict], list[dict]], tables: dict, rules: dict) -> None:
    def strip(rows: list[dict]) -> list[dict]:
        return [{k: v for k, v in r.items() if k != "computed_at"} for r in rows]

    by_day = [row for day in WINDOW for row in engine.compute_flags(day, tables, rules)]
    assert strip(by_day) == strip(window[0])


def test_composite_is_tempered_by_firm_fundamentals(
    window: tuple[list[dict], list[dict]], tables: dict, rules: dict
) -> None:
    flags = {(r["date"], r["flag"]): r for r in window[0]}
    # 01-27: the AI shock on a soft-manufacturing backdrop (ISM 49.2) is red overall
    assert flags[(date(2025, 1, 27), "ai_capex")]["level"] == "red"
    assert flags[(date(2025, 1, 27), "composite")]["level"] == "red"
    # 02-03: the tariff shock with ISM back at 50.9 is a shock, not a deep correction: amber overall
    assert flags[(date(2025, 2, 3), "tariff")]["level"] == "red"
    tempered = flags[(date(2025, 2, 3), "composite")]
    assert tempered["level"] == "amber"
    drivers = json.loads(tempered["drivers"])
    assert drivers["raw_level"] == "red" and drivers["state"] == "shock"
    assert drivers["modifier"].startswith("tempered")
    assert "macro_releases" in {e.get("dataset") for e in json.loads(tempered["evidence"])}

    strict = copy.deepcopy(rules)
    strict["regimes"]["composite"]["untempered_red_regimes"] = 1
    rows = engine.compute_flags(date(2025, 2, 3), tables, strict)
    assert {r["flag"]: r["level"] for r in rows}["composite"] == "red"


def test_ai_regime_holds_shock_then_stress(window: tuple[list[dict], list[dict]]) -> None:
    states = {(s["date"], s["regime"]): s for s in window[1]}
    shock = [d for d in WINDOW if states[(d, "ai_capex")]["state"] == "shock"]
    assert shock == trading_days("2025-01-27", "2025-01-31")
    assert all(states[(d, "ai_capex")]["level"] == "red" for d in shock)
    assert states[(date(2025, 1, 24), "ai_capex")]["state"] == "expansion"
    assert states[(date(2025, 2, 3), "tariff")] == {
        "date": date(2025, 2, 3),
        "regime": "tariff",
        "state": "shock",
        "level": "red",
    }
    assert states[(date(2025, 2, 4), "tariff")]["state"] == "escalation"


def test_regime_states_from_flag_rows_match_the_window(window: tuple[list[dict], list[dict]]) -> None:
    assert engine.regime_states(window[0]) == window[1]


def test_derive_inputs_builds_missing_macro_releases() -> None:
    from tests.unit.flags.tables import observation

    observations = pd.DataFrame(
        [
            observation("ISM_MFG_PMI", "2024-12-01", 49.2, "2025-01-03"),
            observation("ISM_MFG_PMI", "2025-01-01", 50.9, "2025-02-03"),
        ]
    )
    derived = engine.derive_inputs({"macro_observations": observations})
    assert list(derived["macro_releases"]["actual"]) == [49.2, 50.9]
    assert "macro_releases" not in engine.derive_inputs({})


def test_empty_window_gives_no_rows(tables: dict, rules: dict) -> None:
    assert engine.compute_window([], tables, rules) == ([], [])
