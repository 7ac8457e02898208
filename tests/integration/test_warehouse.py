"""The warehouse layer, run against a local folder and a real S3 server (moto) alike."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime

import pyarrow as pa
import pytest

from regime_radar import catalog
from regime_radar.sources.base import Payload, Window
from regime_radar.warehouse import Warehouse

pytestmark = pytest.mark.integration


def prices(rows: list[tuple[str, date, float]]) -> pa.Table:
    stamp = datetime(2025, 1, 1, tzinfo=UTC)
    return catalog.conform(
        "prices_daily",
        pa.table(
            {
                "symbol": [r[0] for r in rows],
                "date": [r[1] for r in rows],
                "close": [r[2] for r in rows],
                "adj_close": [r[2] for r in rows],
                "source": ["test"] * len(rows),
                "available_at": [stamp] * len(rows),
                "ingested_at": [stamp] * len(rows),
            }
        ),
    )


def keyed(table: pa.Table) -> dict[tuple[str, date], float]:
    return {(r["symbol"], r["date"]): r["close"] for r in table.to_pylist()}


BASE = [
    ("NVDA", date(2024, 12, 30), 137.0),
    ("NVDA", date(2024, 12, 31), 134.0),
    ("NVDA", date(2025, 1, 2), 138.0),
    ("NVDA", date(2025, 1, 3), 144.0),
    ("QQQ", date(2025, 1, 2), 510.0),
]
WINDOW = Window(date(2024, 12, 30), date(2025, 1, 3))


def test_publish_then_read_round_trips_and_partitions_by_year(warehouse: Warehouse) -> None:
    result = warehouse.publish("prices_daily", prices(BASE), WINDOW)
    assert result.rows_written == 5
    assert result.partitions == ("year=2024", "year=2025")
    files = warehouse.partition_files("prices_daily")
    assert [f.rsplit("/", 2)[-2] for f in files] == ["year=2024", "year=2025"]
    assert keyed(warehouse.read("prices_daily")) == {(s, d): c for s, d, c in BASE}


def test_rerunning_the_same_window_is_idempotent(warehouse: Warehouse) -> None:
    warehouse.publish("prices_daily", prices(BASE), WINDOW)
    first = warehouse.read("prices_daily")
    warehouse.publish("prices_daily", prices(BASE), WINDOW)
    second = warehouse.read("prices_daily")
    assert second.num_rows == first.num_rows == 5
    assert second.equals(first)
    pairs = [(r["symbol"], r["date"]) for r in second.to_pylist()]
    assert len(pairs) == len(set(pairs)), "duplicate primary keys after a rerun"


def test_a_window_replaces_only_its_own_rows_and_scope(warehouse: Warehouse) -> None:
    warehouse.publish("prices_daily", prices(BASE), WINDOW)
    # A corrected NVDA batch for 2025-01-02..03 that no longer has 01-03 (a bad print was withdrawn).
    fix = prices([("NVDA", date(2025, 1, 2), 139.5)])
    warehouse.publish("prices_daily", fix, Window(date(2025, 1, 2), date(2025, 1, 3)))
    after = keyed(warehouse.read("prices_daily"))
    assert after[("NVDA", date(2025, 1, 2))] == 139.5
    assert ("NVDA", date(2025, 1, 3)) not in after  # inside the window and the batch's scope: replaced
    assert after[("NVDA", date(2024, 12, 31))] == 134.0  # outside the window: untouched
    assert after[("QQQ", date(2025, 1, 2))] == 510.0  # another symbol: untouched


def test_interrupted_publish_leaves_the_old_partition_intact_and_a_rerun_heals(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse.publish("prices_daily", prices(BASE), WINDOW)
    before = keyed(warehouse.read("prices_daily"))
    update = prices([(s, d, c + 1) for s, d, c in BASE])

    real_swap = warehouse._swap_in
    swaps: list[str] = []

    def swap_then_die(stage: str, final: str) -> None:
        if swaps:
            raise OSError("injected failure: storage went away mid-publish")
        swaps.append(final)
        real_swap(stage, final)

    monkeypatch.setattr(warehouse, "_swap_in", swap_then_die)
    with pytest.raises(OSError, match="injected failure"):
        warehouse.publish("prices_daily", update, WINDOW)

    after = keyed(warehouse.read("prices_daily"))  # every partition still reads completely
    assert len(after) == len(before)
    old_2025 = {k: v for k, v in before.items() if k[1].year == 2025}
    assert {k: v for k, v in after.items() if k[1].year == 2025} == old_2025, "the unswapped partition changed"
    assert warehouse.list("_staging") == [], "staging files left behind"

    monkeypatch.setattr(warehouse, "_swap_in", real_swap)
    warehouse.publish("prices_daily", update, WINDOW)
    assert keyed(warehouse.read("prices_daily")) == {k: v + 1 for k, v in before.items()}


def test_failure_while_staging_changes_nothing(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    warehouse.publish("prices_daily", prices(BASE), WINDOW)
    before = warehouse.read("prices_daily")

    def broken_write(target: str, table: pa.Table) -> None:
        raise OSError("injected failure: disk full while staging")

    monkeypatch.setattr(warehouse, "_write_parquet", broken_write)
    with pytest.raises(OSError, match="disk full"):
        warehouse.publish("prices_daily", prices([(s, d, 1.0) for s, d, _ in BASE]), WINDOW)
    assert warehouse.read("prices_daily").equals(before)


def test_raw_payloads_are_archived_byte_for_byte_with_a_sidecar(warehouse: Warehouse) -> None:
    body = b'{"chart": {"result": []}}'
    fetched = datetime(2025, 1, 27, 22, 30, tzinfo=UTC)
    payload = Payload(name="chart/NVDA.json", body=body, url="https://example.test/chart/NVDA", fetched_at=fetched)
    warehouse.archive_raw("yahoo_chart", "batch-1", [payload])
    rel = "raw/yahoo_chart/2025-01-27/batch-1/chart/NVDA.json"
    assert warehouse.read_bytes(rel) == body
    sidecar = warehouse.read_json(rel + ".meta.json")
    assert sidecar["sha256"] == hashlib.sha256(body).hexdigest()
    assert sidecar["url"] == "https://example.test/chart/NVDA"
    assert sidecar["status"] == 200 and sidecar["fetched_at"].startswith("2025-01-27T22:30")


def test_quarantine_keeps_the_batch_and_its_result(warehouse: Warehouse) -> None:
    where = warehouse.quarantine("prices_daily", prices(BASE[:1]), "batch-q", {"passed": False})
    assert where.endswith("quarantine/prices_daily/batch-q")
    assert warehouse.read_json("quarantine/prices_daily/batch-q/validation.json") == {"passed": False}
    assert warehouse.exists("quarantine/prices_daily/batch-q/batch.parquet")
    assert warehouse.partition_files("prices_daily") == []  # silver untouched


def test_reading_an_absent_dataset_gives_an_empty_table_with_the_schema(warehouse: Warehouse) -> None:
    table = warehouse.read("market_series")
    assert table.num_rows == 0
    assert table.schema.names == catalog.get("market_series").column_names


def test_json_documents_round_trip(warehouse: Warehouse) -> None:
    warehouse.write_json("_alerts/x.json", {"a": 1})
    warehouse.write_json("_alerts/x.json", {"a": 2})
    assert json.loads(warehouse.read_bytes("_alerts/x.json")) == {"a": 2}
    assert warehouse.list("_alerts") == ["_alerts/x.json"]


def test_empty_batches_into_empty_partitions_keep_working(warehouse: Warehouse) -> None:
    empty = prices([])
    warehouse.publish("prices_daily", empty, WINDOW)  # writes empty partitions for 2024 and 2025
    warehouse.publish("prices_daily", empty, WINDOW)  # merging into an empty partition
    warehouse.publish("prices_daily", prices(BASE), WINDOW)
    assert keyed(warehouse.read("prices_daily")) == {(s, d): c for s, d, c in BASE}
