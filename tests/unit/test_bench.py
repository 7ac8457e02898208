"""The bench harness: the synthetic universe, the report's shape, and tiny end-to-end runs so it cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from regime_radar.bench import increment, synthetic
from regime_radar.bench.harness import extrapolate_vendor_parse
from regime_radar.bench.queries import scan_profile
from regime_radar.bench.report import Measurement, render_table
from regime_radar.sources.market_calendar import nyse_trading_days
from regime_radar.sources.yahoo_chart import SOURCE as YAHOO

SCALE_STAGES = ("parse.yahoo_chart", "parse.conform", "validate", "silver", "flags")
QUERIES = ("latest_flags", "symbol_history", "macro_asof")


def run_bench(out: Path, *options: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "regime_radar.bench", "--quick", "--out", str(out), *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def assert_well_formed(entry: dict[str, Any]) -> None:
    assert isinstance(entry["name"], str) and entry["name"]
    assert isinstance(entry["figure"], (int, float)) and entry["figure"] >= 0
    assert entry["unit"] in ("s", "ms", "MB")
    assert entry["baseline"]["name"] and entry["baseline"]["figure"] > 0
    assert entry["ratio"] == pytest.approx(entry["figure"] / entry["baseline"]["figure"], rel=1e-2, abs=1e-3)
    target = entry["target"]
    if target is None:
        assert entry["met"] is None
    elif "ratio" in target:
        assert entry["met"] is (entry["ratio"] <= target["ratio"])
    else:
        assert entry["met"] is (entry["figure"] <= target["absolute"])
    assert isinstance(entry["context"], dict)
    assert entry["machine"]["cpu_count"] >= 1 and entry["machine"]["python"].startswith("3.")
    assert date.fromisoformat(entry["machine"]["date"][:10])


# -- the synthetic universe ----------------------------------------------------------------------


def test_trading_days_are_the_nyse_calendar() -> None:
    days = synthetic.trading_days(1)
    as_dates = [d.item() for d in days]
    assert as_dates == nyse_trading_days(as_dates[0], synthetic.END)
    assert as_dates[-1] == synthetic.END and date(2025, 1, 9) not in as_dates  # the Carter day of mourning


def test_a_symbols_bars_do_not_depend_on_the_universe_size_and_are_valid_bars() -> None:
    small = synthetic.symbols(3)
    large = synthetic.symbols(40)
    assert large[:3] == small and small[0] == "QQQ" and "SYN0001" in large
    one = synthetic.bars(2, 300)
    again = synthetic.bars(2, 300)
    assert all((one[k] == again[k]).all() for k in one)
    assert (one["low"] <= one["open"]).all() and (one["open"] <= one["high"]).all()
    assert (one["low"] <= one["close"]).all() and (one["close"] <= one["high"]).all()
    assert (one["adj_close"] > 0).all() and (one["adj_close"] <= one["close"]).all()


def test_yahoo_payloads_parse_back_to_the_canonical_rows(tmp_path: Path) -> None:
    path = tmp_path / "prices.arrow"
    rows = synthetic.write_prices(path, 3, 1)
    canonical = synthetic.read_prices(path)
    parsed = YAHOO.parse(synthetic.yahoo_payloads(3, 1))["prices_daily"]
    assert rows == canonical.num_rows == parsed.num_rows == 3 * len(synthetic.trading_days(1))
    for column in ("symbol", "date", "open", "high", "low", "close", "adj_close", "volume", "available_at"):
        assert parsed.column(column).equals(canonical.column(column)), column


def test_macro_vintages_have_one_first_print_per_period_and_nothing_after_the_end() -> None:
    frame = synthetic.macro_observations(2).to_pandas()
    first = frame[frame["is_first_print"]]
    assert not first.duplicated(["series_id", "period"]).any()
    assert frame["vintage_date"].max() <= synthetic.END
    assert (frame.groupby(["series_id", "period"])["vintage_date"].nunique() >= 1).all()
    assert frame["series_id"].nunique() == len(synthetic.MACRO_SERIES)


# -- report pieces -------------------------------------------------------------------------------


def test_measurement_ratio_and_target() -> None:
    fast = Measurement("a", 1.2, "s", "empty", 1.0, {"ratio": 1.3})
    slow = Measurement("b", 1.4, "s", "empty", 1.0, {"ratio": 1.3})
    query = Measurement("c", 120.0, "ms", "SELECT 1", 60.0, {"absolute": 100, "unit": "ms"})
    info = Measurement("d", 2.0, "s", "floor", 1.0)
    assert (fast.met, slow.met, query.met, info.met) == (True, False, False, None)
    assert query.ratio == pytest.approx(2.0)
    table = render_table([fast, slow, query, info])
    assert "| NO " in table and "<= 100 ms" in table and "2.00x" in table


def test_a_sampled_parse_is_scaled_to_the_universe() -> None:
    result = {"seconds": 2.0, "rows": 100, "rss_before_mb": 300.0, "payload_bytes": 100 * 1024**2, "peak_rss_mb": 600.0}
    extrapolate_vendor_parse(result, 1000)
    assert result["seconds"] == pytest.approx(20.0)
    assert result["peak_rss_mb"] == pytest.approx(200.0 + 400.0 * 10)  # base 200 MB + 10x the 400 MB above it
    assert (result["rows"], result["sample_rows"], result["extrapolated"]) == (1000, 100, 10.0)


def test_scan_profile_reads_duckdbs_json_plan(tmp_path: Path) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute(f"COPY (SELECT range AS i, range % 7 AS s FROM range(50000)) TO '{tmp_path / 't.parquet'}'")
    plan = con.sql(f"EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM '{tmp_path / 't.parquet'}' WHERE s = 3")
    scan = scan_profile(plan.to_arrow_table())
    assert scan["rows_scanned"] == 7143 and scan["files_read"] == 1
    assert scan["row_groups_scanned"] == scan["row_groups_total"] == 1 and scan["bytes_read"] > 0


def test_noop_dags_copy_the_shape_of_the_project_dags(tmp_path: Path) -> None:
    from airflow.dag_processing.dagbag import DagBag

    shapes = {
        "risk": {"derive": [], "compute_flags": ["derive"], "send_alerts": ["compute_flags"]},
        "ingest_x": {"ingest": []},
    }
    folder = tmp_path / "dags"
    increment.write_noop_dags(shapes, folder)
    assert DagBag(dag_folder=str(folder)).import_errors == {}
    assert increment.dag_shapes(folder, ["risk", "ingest_x"]) == shapes
    plan = increment.daily_plan(date(2025, 2, 28), ["risk", "ingest_tpu"])
    assert plan == [("ingest_tpu", {"start": "2025-02-28", "end": "2025-02-28"}), ("risk", plan[1][1])]


# -- end to end ----------------------------------------------------------------------------------


def test_bench_quick_at_a_tiny_size_writes_a_well_formed_report(tmp_path: Path) -> None:
    out = tmp_path / "bench" / "report.json"
    proc = run_bench(out, "--symbols", "5", "--years", "1", "--repeat", "1", "--sections", "scale,queries")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| measurement" in proc.stdout and f"report: {out}" in proc.stdout
    report = json.loads(out.read_text())
    assert isinstance(report, list)
    for entry in report:
        assert_well_formed(entry)
    by_name = {entry["name"]: entry for entry in report}
    expected = {f"scale.{s}.{kind}" for s in (*SCALE_STAGES, "pipeline") for kind in ("time", "peak_memory")}
    expected |= {f"query.{q}" for q in QUERIES}
    assert set(by_name) == expected
    days = len(synthetic.trading_days(1))
    pipeline = by_name["scale.pipeline.time"]
    assert pipeline["context"]["rows"] == 5 * days
    assert pipeline["target"] == {"ratio": 3.0} and pipeline["baseline"]["name"] == "pyarrow floor"
    assert pipeline["figure"] == pytest.approx(sum(pipeline["context"]["stages"].values()), rel=1e-2)
    assert by_name["scale.validate.time"]["context"]["passed"] is True
    # The queries ran on what the pipeline published: all of NVDA's bars, and the flags of the last day.
    assert by_name["query.symbol_history"]["context"]["result_rows"] == days
    assert by_name["query.latest_flags"]["context"]["result_rows"] > 0
    assert by_name["query.macro_asof"]["context"]["result_rows"] > 0
    assert by_name["query.symbol_history"]["context"]["files_read"] == 2  # the two calendar years of one year


@pytest.mark.integration
def test_bench_dag_parse_and_daily_increment_through_airflow(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    options = ["--repeat", "1", "--sections", "dag_parse,increment", "--increment-dags", "ingest_tpu,risk"]
    proc = run_bench(out, *options, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    by_name = {entry["name"]: entry for entry in json.loads(out.read_text())}
    for entry in by_name.values():
        assert_well_formed(entry)
    dag_files = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "dags").glob("*.py"))
    assert {f"dag_parse.{f}" for f in dag_files} | {f"dag_parse.{f}.own" for f in dag_files} | {
        "increment.one_day"
    } == set(by_name)
    assert by_name["dag_parse.risk"]["baseline"]["name"] == "empty DAG file"
    day = by_name["increment.one_day"]["context"]
    assert (day["dag_runs"], day["tasks"]) == (2, 4)
    assert set(day["per_dag"]) == set(day["noop_per_dag"]) == {"ingest_tpu", "risk"}
