"""The Data Docs index: newest validation first by its validated_at, whatever the batch ids look like."""

from __future__ import annotations

import re
from pathlib import Path

from regime_radar.quality import docs
from regime_radar.warehouse import Warehouse


def result(dataset: str, batch_id: str, validated_at: str, passed: bool = True, failures: int = 0) -> dict:
    return {
        "dataset": dataset,
        "batch_id": batch_id,
        "window": "2025-01-02..2025-01-31",
        "row_count": 10,
        "passed": passed,
        "failures": [{"expectation": "expect_column_values_to_be_between", "severity": "warning"}] * failures,
        "validated_at": validated_at,
    }


def test_index_lists_validations_newest_first_across_sources(tmp_path: Path) -> None:
    warehouse = Warehouse((tmp_path / "wh").as_uri())
    written = [  # written in this order; names sort differently from their validation times
        result("prices_daily", "yahoo_chart-20250301T000000-aaaa", "2025-03-01T00:00:00+00:00"),
        result("prices_daily", "load-prices_daily-20250101T000000-bbbb", "2025-03-03T09:00:00.5+00:00", False),
        result("market_series", "fred_markets-20250302T000000-cccc", "2025-03-02T00:00:00+00:00", True, 2),
        result("prices_daily", "bench-20990101T000000-dddd", "2025-02-01T00:00:00+00:00"),
    ]
    for item in written:
        warehouse.write_json(f"_quality/{item['dataset']}/{item['batch_id']}.json", item)
    docs.rebuild_index(warehouse)
    page = warehouse.read_bytes("_quality/data_docs/index.html").decode()
    recent = page.split("Recent validations", 1)[1]
    order = re.findall(r">([a-z_]+-[^<]*-[a-z]{4})</a>", recent)
    assert order == [
        "load-prices_daily-20250101T000000-bbbb",
        "fred_markets-20250302T000000-cccc",
        "yahoo_chart-20250301T000000-aaaa",
        "bench-20990101T000000-dddd",
    ]
    latest = page.split("Recent validations", 1)[0]
    assert re.findall(r">([a-z_]+-[^<]*-[a-z]{4})</a>", latest) == [
        "fred_markets-20250302T000000-cccc",
        "load-prices_daily-20250101T000000-bbbb",
    ]
    assert "QUARANTINED" in latest and "passed with 2 warning(s)" in latest
    assert "validations/prices_daily/load-prices_daily-20250101T000000-bbbb.html" in page


def test_index_keeps_the_latest_per_dataset(tmp_path: Path) -> None:
    warehouse = Warehouse((tmp_path / "wh").as_uri())
    for day in range(1, 8):
        item = result("tech_events", f"tech_events-b{day}", f"2025-03-0{day}T00:00:00+00:00")
        warehouse.write_json(f"_quality/tech_events/{item['batch_id']}.json", item)
    kept = [r["batch_id"] for r in docs.refresh_dataset(warehouse, "tech_events", per_dataset=3)]
    assert kept == ["tech_events-b7", "tech_events-b6", "tech_events-b5"]
    assert [r["batch_id"] for r in docs.recent_results(warehouse)] == kept


def test_publishing_a_validation_refreshes_its_dataset_and_keeps_the_others(tmp_path: Path) -> None:
    from regime_radar.quality.runner import ValidationReport

    warehouse = Warehouse((tmp_path / "wh").as_uri())
    old = result("market_series", "fred_markets-1", "2025-03-01T00:00:00+00:00")
    warehouse.write_json("_quality/market_series/fred_markets-1.json", old)
    docs.rebuild_index(warehouse)
    report = ValidationReport("prices_daily", "yahoo_chart-2", "2025-01-02..2025-01-31", 5)
    warehouse.write_json("_quality/prices_daily/yahoo_chart-2.json", report.as_dict())
    url = docs.publish(warehouse, report)
    assert url.endswith("_quality/data_docs/validations/prices_daily/yahoo_chart-2.html")
    assert (
        "yahoo_chart-2"
        in warehouse.read_bytes("_quality/data_docs/validations/prices_daily/yahoo_chart-2.html").decode()
    )
    assert [r["batch_id"] for r in docs.recent_results(warehouse)] == ["yahoo_chart-2", "fred_markets-1"]
    assert "fred_markets-1" in warehouse.read_bytes("_quality/data_docs/index.html").decode()
