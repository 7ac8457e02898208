"""The risk flags page's data and its Data Docs route, on a local folder and on the S3 server alike.

The browser test covers sign-in and rendering against a real api-server on a local warehouse; this
file shows the same page reads (and serves Data Docs) from S3. Airflow's own `get_user` is replaced
by a fixed user here: authentication is not what these tests are about.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from regime_radar.warehouse import Warehouse
from tests.integration import tiny_warehouse

pytestmark = pytest.mark.integration

PLUGIN_FILE = Path(__file__).resolve().parents[2] / "plugins" / "regime_radar_plugin.py"


@pytest.fixture(scope="module")
def plugin() -> ModuleType:
    """The plugin module, loaded from its file the way Airflow's plugin manager loads it."""
    spec = importlib.util.spec_from_file_location("regime_radar_plugin", PLUGIN_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def built(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    monkeypatch.setenv("REGIME_RADAR_WAREHOUSE", warehouse.url)
    return tiny_warehouse.build(warehouse)


def test_the_page_data(plugin: ModuleType, built: Warehouse) -> None:
    page = plugin.load_page(built, None, 90)
    assert page.asof == tiny_warehouse.LAST_DAY
    assert {r["regime"]: r["level"] for r in page.regimes} == {
        "composite": "amber",
        "ai_capex": "green",
        "tariff": "amber",
    }
    changes = [(r["date"], r["flag"], r["previous_level"], r["level"]) for r in page.events]
    assert (date(2025, 1, 27), "ai_capex_shock", "green", "red") in changes
    shock = next(r for r in page.events if r["date"] == date(2025, 1, 27))
    assert ("NVDA_ret", "-16.97%") in shock["drivers"]
    assert shock["evidence"] == [{"label": "DeepSeek R1 <open weights> & prices", "url": tiny_warehouse.EVIDENCE_URL}]
    assert list(page.series) == ["AI hardware basket", "QQQ"]
    assert page.series["QQQ"][date(2025, 1, 27)] / page.series["QQQ"][date(2025, 1, 24)] == pytest.approx(1 - 0.0297)
    assert page.timeline["ai_capex_shock"][date(2025, 1, 27)]["level"] == "red"

    quality = {q["dataset"]: (q["status"], q["row_count"]) for q in page.quality}
    assert quality["prices_daily"] == ("passed", 42)  # the latest of two results
    assert quality["tariff_actions"] == ("failed", 42)
    assert quality["risk_flags"] == ("1 warning", 42)
    assert quality["market_series"] == ("no results", None)
    assert page.docs_index == "/regime-radar/data-docs/"


def test_an_earlier_day_and_an_empty_warehouse(plugin: ModuleType, built: Warehouse, tmp_path: Path) -> None:
    page = plugin.load_page(built, date(2025, 1, 27), 30)
    assert page.asof == date(2025, 1, 27)
    assert {r["regime"]: r["level"] for r in page.regimes}["ai_capex"] == "red"
    assert page.start == date(2024, 12, 28)
    assert min(page.dates) >= page.start

    empty = plugin.load_page(Warehouse((tmp_path / "empty").as_uri()), None, 90)
    assert empty.asof is None and empty.regimes == [] and empty.events == []
    html = plugin._render("page.html", page=empty, error=None, base="/regime-radar", days=90, chart=None)
    assert "No risk flags in the warehouse" in html


def test_data_docs_are_served_from_the_warehouse(plugin: ModuleType, built: Warehouse) -> None:
    from airflow.api_fastapi.core_api.security import get_user
    from fastapi.testclient import TestClient

    app = plugin.create_app()
    app.dependency_overrides[get_user] = lambda: "tester"
    with TestClient(app) as client:
        index = client.get("/data-docs/")
        assert index.status_code == 200 and "Data Docs for the tiny warehouse" in index.text
        assert index.headers["content-type"].startswith("text/html")
        assert client.get("/data-docs/index.html").text == index.text
        assert client.get("/data-docs/validations/prices_daily/nope.html").status_code == 404
        assert client.get("/data-docs/%2e%2e/%2e%2e/gold/risk_flags/year=2025/part-0.parquet").status_code == 404
        assert client.get("/data-docs/.hidden").status_code == 404
        page = client.get("/", params={"date": "2025-01-27"})
        assert page.status_code == 200 and 'data-flag="ai_capex_shock"' in page.text
        assert "DeepSeek R1 &lt;open weights&gt; &amp; prices" in page.text
        assert client.get("/", params={"date": "27/01/2025"}).status_code == 400
