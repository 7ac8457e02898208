"""The vertical slice through Airflow: demo replay → raw → silver → flags → gold, via dag.test()."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from regime_radar import airflow_local
from regime_radar.warehouse import Warehouse

pytestmark = pytest.mark.integration

PLAN = [
    ("ingest_yahoo_chart", {"start": "2024-08-01", "end": "2025-01-31"}),
    ("risk", {"start": "2025-01-21", "end": "2025-01-31"}),
]


@pytest.fixture
def demo_env(migrated_airflow: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    url = (tmp_path / "warehouse").as_uri()
    monkeypatch.setenv("REGIME_RADAR_WAREHOUSE", url)
    monkeypatch.setenv("REGIME_RADAR_MODE", "replay")
    return Warehouse(url)


def run_plan() -> None:
    outcomes = airflow_local.run_dags(PLAN, on_progress=lambda _: None)
    assert [(o.dag_id, o.state) for o in outcomes] == [(dag_id, "success") for dag_id, _ in PLAN]


def silver_counts(warehouse: Warehouse) -> dict[str, int]:
    return {name: warehouse.read(name).num_rows for name in ("prices_daily", "risk_flags", "regime_state")}


def test_demo_slice_runs_through_airflow_and_reruns_idempotently(demo_env: Warehouse) -> None:
    warehouse = demo_env
    run_plan()

    prices = warehouse.read("prices_daily").to_pandas()
    assert prices["date"].min() == date(2024, 8, 1) and prices["date"].max() == date(2025, 1, 31)
    nvda = prices[prices["symbol"] == "NVDA"].set_index("date")["adj_close"]
    assert nvda[date(2025, 1, 27)] / nvda[date(2025, 1, 24)] - 1 == pytest.approx(-0.17, abs=0.01)

    flags = warehouse.read("risk_flags").to_pandas()
    shock = flags[flags["flag"] == "ai_capex_shock"].set_index("date")["level"]
    assert shock[date(2025, 1, 27)] == "red"
    assert (shock.drop(date(2025, 1, 27)) != "red").all()
    assert sorted(set(flags["date"])) == sorted(set(prices[prices["date"] >= date(2025, 1, 21)]["date"]))

    assert warehouse.list("raw/yahoo_chart"), "raw payloads were not archived"
    assert any(p.endswith(".meta.json") for p in warehouse.list("raw/yahoo_chart"))
    assert len(warehouse.list("_quality/prices_daily")) == 1

    first = silver_counts(warehouse)
    run_plan()
    assert silver_counts(warehouse) == first
    for name, key in (("prices_daily", ["symbol", "date"]), ("risk_flags", ["date", "flag"])):
        assert not warehouse.read(name).to_pandas().duplicated(key).any(), f"duplicate keys in {name}"
