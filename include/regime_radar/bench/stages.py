"""The scale steps, each run in its own child process: generate, the pyarrow floor, parse, validate, silver, flags.

Every step reads the generated universe from `<work>/prices.arrow` (memory-mapped, so loading costs
nothing up front), times only the pipeline call it stands for (modules are imported before the
clock starts; their import time is reported apart), and returns a small dict of figures.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from regime_radar.bench import synthetic
from regime_radar.bench.child import current_rss_mb, timed

PRICES_FILE = "prices.arrow"
FLOOR_FILE = "floor.parquet"
WAREHOUSE_DIR = "warehouse"
FLAG_MODULES = ("regime_radar.flags.ai_capex", "regime_radar.flags.tariff", "regime_radar.flags.fundamentals")


def warm_imports(*extra: str) -> float:
    """Import the libraries a step uses before its clock starts; return how long that took."""
    import importlib

    started = time.perf_counter()
    for module in ("pandas", "pyarrow.compute", "pyarrow.dataset", "pyarrow.parquet", "fsspec", *extra):
        importlib.import_module(module)
    return time.perf_counter() - started


def warehouse_url(work: str) -> str:
    """The scale warehouse under the scratch folder, as a file:// URL."""
    return (Path(work) / WAREHOUSE_DIR).resolve().as_uri()


def history_window(years: int) -> tuple[str, str]:
    """The calendar window the synthetic history covers (a backfill run's window)."""
    days = synthetic.trading_days(years)
    return str(days[0]), str(days[-1])


def generate(work: str, symbols: int, years: int) -> dict[str, Any]:
    """Write the synthetic universe; the figure is context (how long the generator took)."""
    started = time.perf_counter()
    rows = synthetic.write_prices(Path(work) / PRICES_FILE, symbols, years)
    return {
        "seconds": time.perf_counter() - started,
        "rows": rows,
        "bytes": (Path(work) / PRICES_FILE).stat().st_size,
        "trading_days": len(synthetic.trading_days(years)),
    }


def floor(work: str, profile: str | None = None) -> dict[str, Any]:
    """The floor: pyarrow writing the same rows as one zstd Parquet file, then reading them back."""
    import pyarrow.parquet as pq

    import_seconds = warm_imports()
    table = synthetic.read_prices(Path(work) / PRICES_FILE)
    target = Path(work) / FLOOR_FILE
    with timed(profile) as write:
        pq.write_table(table, target, compression="zstd")
    with timed() as read:
        back = pq.read_table(target)
    return {
        "seconds": write["seconds"] + read["seconds"],
        "write_seconds": write["seconds"],
        "read_seconds": read["seconds"],
        "import_seconds": import_seconds,
        "rows": back.num_rows,
        "bytes": target.stat().st_size,
    }


def parse_vendor(work: str, symbols: int, years: int, profile: str | None = None) -> dict[str, Any]:
    """The Yahoo chart feed's real `parse` on chart JSON payloads for `symbols` symbols of the universe."""
    from regime_radar.sources.yahoo_chart import SOURCE

    import_seconds = warm_imports()
    payloads = synthetic.yahoo_payloads(symbols, years)
    before = current_rss_mb()
    with timed(profile) as clock:
        tables = SOURCE.parse(payloads)
    return {
        "seconds": clock["seconds"],
        "rows": tables["prices_daily"].num_rows,
        "payloads": len(payloads),
        "payload_bytes": sum(len(p.body) for p in payloads),
        "rss_before_mb": round(before, 1),
        "import_seconds": import_seconds,
    }


def parse_conform(work: str, years: int, profile: str | None = None) -> dict[str, Any]:
    """The pipeline's own step after a feed's parse: stamp ingested_at, conform to the catalog, clip to the window."""
    from regime_radar.pipeline import clip_to_window, stamp_ingested_at
    from regime_radar.sources.base import Window

    import_seconds = warm_imports()
    table = synthetic.read_prices(Path(work) / PRICES_FILE)
    window = Window.parse(*history_window(years))
    with timed(profile) as clock:
        out = clip_to_window("prices_daily", stamp_ingested_at("prices_daily", table, datetime.now(UTC)), window)
    return {"seconds": clock["seconds"], "rows": out.num_rows, "import_seconds": import_seconds}


def validate(work: str, years: int, profile: str | None = None) -> dict[str, Any]:
    """The quality gate as the pipeline runs it: the GX suite, the stored result and the Data Docs page."""
    from regime_radar.pipeline import check
    from regime_radar.sources.base import Window
    from regime_radar.warehouse import Warehouse, new_batch_id

    import_seconds = warm_imports("great_expectations")
    table = synthetic.read_prices(Path(work) / PRICES_FILE)
    warehouse = Warehouse(warehouse_url(work))
    window = Window.parse(*history_window(years))
    with timed(profile) as clock:
        report = check(warehouse, "prices_daily", table, new_batch_id("bench-"), window)
    return {
        "seconds": clock["seconds"],
        "import_seconds": import_seconds,
        "rows": report.row_count,
        "expectations": report.evaluated,
        "passed": report.passed,
        "failures": [f["expectation"] for f in report.failures],
    }


def silver(work: str, years: int, profile: str | None = None) -> dict[str, Any]:
    """`Warehouse.publish` of the whole history into an empty file:// warehouse (a backfill's window)."""
    import shutil

    from regime_radar.sources.base import Window
    from regime_radar.warehouse import Warehouse, new_batch_id

    import_seconds = warm_imports()
    table = synthetic.read_prices(Path(work) / PRICES_FILE)
    warehouse = Warehouse(warehouse_url(work))
    shutil.rmtree(warehouse.dataset_path("prices_daily"), ignore_errors=True)  # a first backfill, every time
    window = Window.parse(*history_window(years))
    with timed(profile) as clock:
        published = warehouse.publish("prices_daily", table, window, new_batch_id("bench-"))
    files = warehouse.partition_files("prices_daily")
    return {
        "seconds": clock["seconds"],
        "rows": published.rows_written,
        "files": len(files),
        "bytes": sum(warehouse.fs.size(f) for f in files),
        "import_seconds": import_seconds,
    }


def flags(work: str, start: str, end: str, profile: str | None = None) -> dict[str, Any]:
    """`risk.run_risk` over a window on the scale warehouse: read the inputs, compute, validate, publish."""
    from regime_radar.config import load_settings
    from regime_radar.risk import run_risk
    from regime_radar.sources.base import Window

    import_seconds = warm_imports("great_expectations", "regime_radar.flags.engine", *FLAG_MODULES)
    settings = load_settings(warehouse_url=warehouse_url(work), mode="replay")
    window = Window(date.fromisoformat(start), date.fromisoformat(end))
    with timed(profile) as clock:
        result = run_risk(window, settings)
    return {
        "seconds": clock["seconds"],
        "market_days": result["market_days"],
        "flag_rows": result["flags"],
        "window": str(window),
        "import_seconds": import_seconds,
    }
