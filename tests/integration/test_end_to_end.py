"""The whole pipeline through Airflow: every ingest DAG on the demo replay, then the risk DAG, via dag.test().

One run over a short window around the DeepSeek shock, then a second identical run: the warehouse
must not change shape and no alert may be sent twice.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from regime_radar import airflow_local
from regime_radar.cli import _run_plan
from regime_radar.sources.base import Window
from regime_radar.sources.registry import SOURCES
from regime_radar.warehouse import Warehouse
from tests.support import smtp as smtp_support
from tests.support.smtp import read_messages

pytestmark = pytest.mark.integration
smtp_server = smtp_support.smtp_server

FLAG_WINDOW = Window(date(2025, 1, 21), date(2025, 1, 31))
KEYS = {
    "prices_daily": ["symbol", "date"],
    "market_series": ["series_id", "date"],
    "macro_observations": ["series_id", "period", "vintage_date"],
    "policy_documents": ["doc_id"],
    "risk_flags": ["date", "flag"],
}


@pytest.fixture
def demo_env(migrated_airflow: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    url = (tmp_path / "warehouse").as_uri()
    monkeypatch.setenv("REGIME_RADAR_WAREHOUSE", url)
    monkeypatch.setenv("REGIME_RADAR_MODE", "replay")
    return Warehouse(url)


def run_everything() -> None:
    plan = _run_plan(FLAG_WINDOW, None)
    assert [dag_id for dag_id, _ in plan] == [f"ingest_{n}" for n in SOURCES] + ["risk"]
    outcomes = airflow_local.run_dags(plan, on_progress=lambda _: None)
    assert [(o.dag_id, o.state) for o in outcomes] == [(dag_id, "success") for dag_id, _ in plan]


def row_counts(warehouse: Warehouse) -> dict[str, int]:
    return {name: warehouse.read(name).num_rows for name in KEYS}


def test_the_demo_runs_through_airflow_and_a_rerun_changes_nothing(
    demo_env: Warehouse, smtp_server: tuple[int, Path]
) -> None:
    warehouse, (_, mail_dir) = demo_env, smtp_server
    run_everything()

    prices = warehouse.read("prices_daily").to_pandas()
    assert prices["date"].max() == date(2025, 1, 31)
    nvda = prices[prices["symbol"] == "NVDA"].set_index("date")["adj_close"]
    assert nvda[date(2025, 1, 27)] / nvda[date(2025, 1, 24)] - 1 == pytest.approx(-0.17, abs=0.01)

    flags = warehouse.read("risk_flags").to_pandas()
    shock = flags[flags["flag"] == "ai_capex_shock"].set_index("date")["level"]
    assert shock[date(2025, 1, 27)] == "red"
    assert (shock.drop(date(2025, 1, 27)) != "red").all()
    market_days = set(prices[(prices["date"] >= FLAG_WINDOW.start) & (prices["date"] <= FLAG_WINDOW.end)]["date"])
    assert set(flags["date"]) == market_days

    for source in SOURCES:
        archived = warehouse.list(f"raw/{source}")
        assert any(p.endswith(".meta.json") for p in archived), f"no raw payloads archived for {source}"
    assert warehouse.exists("_quality/data_docs/index.html")

    subjects = [m["Subject"] for m in read_messages(mail_dir)]
    assert any(s.startswith("[RED]") and "2025-01-27" in s and "NVDA" in s for s in subjects), subjects

    first_counts, first_mail = row_counts(warehouse), len(subjects)
    run_everything()
    assert row_counts(warehouse) == first_counts
    for name, key in KEYS.items():
        assert not warehouse.read(name).to_pandas().duplicated(key).any(), f"duplicate keys in {name}"
    assert len(read_messages(mail_dir)) == first_mail, "the rerun sent alerts again"
