"""The shared ingest path: quality gates promotion, quarantine keeps refused batches, files load like feeds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from regime_radar import catalog, cli
from regime_radar.config import load_settings
from regime_radar.pipeline import promote_all
from regime_radar.quality.runner import QualityError
from regime_radar.sources.base import Window
from regime_radar.warehouse import Warehouse

pytestmark = pytest.mark.integration

GOOD_CSV = """symbol,date,open,high,low,close,adj_close,volume
NVDA,2023-01-03,14.85,14.99,14.10,14.32,14.30,401277000
NVDA,2023-01-04,14.57,14.85,14.24,14.75,14.73,431324000
NVDA,2024-01-02,49.24,49.29,47.59,48.17,48.15,411254000
AAPL,2024-01-02,187.15,188.44,183.89,185.64,184.73,82488700
AAPL,2025-01-02,248.93,249.10,241.82,243.85,243.26,55740700
"""


def prices_batch(closes: list[float]) -> pa.Table:
    days = [date(2025, 1, 2 + i) for i in range(len(closes))]
    closes_at = [datetime(d.year, d.month, d.day, 21, tzinfo=UTC) for d in days]  # 16:00 New York
    return catalog.conform(
        "prices_daily",
        pa.table(
            {
                "symbol": ["NVDA"] * len(closes),
                "date": days,
                "close": closes,
                "adj_close": closes,
                "source": ["test"] * len(closes),
                "available_at": closes_at,
                "ingested_at": closes_at,
            }
        ),
    )


def test_a_critical_failure_quarantines_the_batch_and_leaves_silver_alone(warehouse: Warehouse) -> None:
    settings = load_settings(warehouse_url=warehouse.url, storage_options=warehouse.storage_options)
    window = Window(date(2025, 1, 2), date(2025, 1, 3))
    promote_all(warehouse, {"prices_daily": prices_batch([138.0, 144.0])}, window, "good-1", settings)
    before = warehouse.read("prices_daily")

    with pytest.raises(QualityError) as caught:
        promote_all(warehouse, {"prices_daily": prices_batch([138.0, -1.0])}, window, "bad-1", settings)
    message = str(caught.value)
    assert "prices_daily" in message and "2025-01-02..2025-01-03" in message
    assert "expect_column_values_to_be_between(close)" in message
    assert "quarantine/prices_daily/bad-1" in message

    assert warehouse.read("prices_daily").equals(before)
    assert warehouse.read_json("quarantine/prices_daily/bad-1/validation.json")["passed"] is False
    assert warehouse.exists("quarantine/prices_daily/bad-1/batch.parquet")
    assert {p.rsplit("/", 1)[-1] for p in warehouse.list("_quality/prices_daily")} == {"good-1.json", "bad-1.json"}
    index = warehouse.read_bytes("_quality/data_docs/index.html").decode()
    assert "bad-1" in index and "QUARANTINED" in index
    assert warehouse.exists("_quality/data_docs/validations/prices_daily/bad-1.html")


def test_an_empty_price_batch_is_refused(warehouse: Warehouse) -> None:
    settings = load_settings(warehouse_url=warehouse.url, storage_options=warehouse.storage_options)
    with pytest.raises(QualityError, match="expect_table_row_count_to_be_between"):
        promote_all(
            warehouse, {"prices_daily": prices_batch([])}, Window(date(2025, 1, 2), date(2025, 1, 3)), "e", settings
        )
    assert warehouse.partition_files("prices_daily") == []


def test_load_a_csv_of_several_symbols_and_years(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = (tmp_path / "wh").as_uri()
    path = tmp_path / "prices.csv"
    path.write_text(GOOD_CSV)
    assert cli.main(["load", "prices_daily", str(path), "--warehouse", url]) == 0
    assert "loaded 5 row(s) into prices_daily" in capsys.readouterr().out
    table = Warehouse(url).read("prices_daily").to_pandas()
    assert len(table) == 5 and set(table["symbol"]) == {"NVDA", "AAPL"}
    assert sorted({d.year for d in table["date"]}) == [2023, 2024, 2025]
    assert (table["source"] == "file:prices.csv").all()
    first = table[(table["symbol"] == "NVDA") & (table["date"] == date(2023, 1, 3))]["available_at"].iloc[0]
    assert first.isoformat() == "2023-01-03T21:00:00+00:00"  # 16:00 New York, winter time
    assert Warehouse(url).list("raw/load_prices_daily"), "the loaded file was not archived"


def test_load_refuses_a_negative_price_and_leaves_silver_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = (tmp_path / "wh").as_uri()
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD_CSV)
    bad.write_text(GOOD_CSV.replace("14.32,14.30", "-14.32,14.30"))
    assert cli.main(["load", "prices_daily", str(good), "--warehouse", url]) == 0
    before = Warehouse(url).read("prices_daily")
    capsys.readouterr()
    assert cli.main(["load", "prices_daily", str(bad), "--warehouse", url]) == 1
    err = capsys.readouterr().err
    assert "refused" in err and "expect_column_values_to_be_between(close)" in err
    assert Warehouse(url).read("prices_daily").equals(before)


def test_validate_names_the_failed_expectations_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD_CSV.replace("14.99,14.10", "14.00,14.10"))  # high < low
    assert cli.main(["validate", "prices_daily", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "expect_column_pair_values_a_to_be_greater_than_b" in out and "critical" in out
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CSV)
    assert cli.main(["validate", "prices_daily", str(good)]) == 0


def test_a_file_with_an_unknown_column_is_refused_with_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "drift.csv"
    path.write_text(GOOD_CSV.replace("volume", "vol_shares"))
    assert cli.main(["load", "prices_daily", str(path), "--warehouse", (tmp_path / "wh").as_uri()]) == 1
    assert "unknown columns ['vol_shares']" in capsys.readouterr().err
