"""Query latency on the scale warehouse through `query.run_query`, with what each query scanned.

Each query is timed the way `regime-radar query` runs it (a fresh connection: list the warehouse,
create the views, run) and on one open connection; the baseline is `SELECT 1` timed the same way,
the fixed cost of a connection. DuckDB's `EXPLAIN (ANALYZE, FORMAT JSON)` gives the rows, row
groups, files and bytes the scans read.
"""

from __future__ import annotations

import json
import time
from typing import Any

from regime_radar.bench import synthetic

ASOF = "2025-01-31 23:00:00+00"
BASELINE_SQL = "SELECT 1"


def query_set(symbol: str) -> dict[str, str]:
    """The benchmark queries by name: latest flags, one symbol's whole history, the macro data as of a date."""
    try:
        from regime_radar.macro import DUCKDB_MACROS  # noqa: F401 - present: the as-of macro exists
    except ImportError:
        macro = f"SELECT * FROM known_at('macro_observations', '{ASOF}')"
    else:
        macro = f"SELECT * FROM macro_asof('{ASOF}') ORDER BY series_id, period"
    return {
        "latest_flags": "SELECT * FROM latest_flags ORDER BY regime, flag",
        "symbol_history": f"SELECT * FROM prices_daily WHERE symbol = '{symbol}' ORDER BY date",
        "macro_asof": macro,
    }


def add_macro(warehouse_url: str, years: int) -> int:
    """Publish the synthetic macro vintages into the warehouse (setup for the as-of query)."""
    from regime_radar.warehouse import Warehouse, new_batch_id

    table = synthetic.macro_observations(years)
    Warehouse(warehouse_url).publish("macro_observations", table, None, new_batch_id("bench-macro-"))
    return table.num_rows


def run(warehouse_url: str, years: int, symbol: str, repeats: int) -> dict[str, Any]:
    """Time every query (fresh connection and warm connection) and profile its scans."""
    import duckdb  # noqa: F401 - imported before any clock starts

    from regime_radar.query import connect, run_query
    from regime_radar.warehouse import Warehouse

    macro_rows = add_macro(warehouse_url, years)
    warehouse = Warehouse(warehouse_url)
    run_query(warehouse, BASELINE_SQL)  # first use pays one-time setup (extension loading, caches)
    out: dict[str, Any] = {"macro_rows": macro_rows, "queries": {}}
    con = connect(warehouse)
    try:
        for name, sql in {"select_1": BASELINE_SQL, **query_set(symbol)}.items():
            fresh, warm = [], []
            result = None
            for _ in range(repeats):
                started = time.perf_counter()
                result = run_query(warehouse, sql)
                fresh.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                run_query(warehouse, sql, con=con)
                warm.append((time.perf_counter() - started) * 1000)
            out["queries"][name] = {
                "sql": sql,
                "fresh_ms": fresh,
                "warm_ms": warm,
                "result_rows": result.num_rows if result is not None else 0,
                "scan": scan_profile(run_query(warehouse, f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", con=con)),
            }
    finally:
        con.close()
    return out


def scan_profile(plan: Any) -> dict[str, int]:
    """Rows, row groups, files and bytes read by the table scans of an `EXPLAIN (ANALYZE, FORMAT JSON)` result."""
    text = plan.column(plan.num_columns - 1)[0].as_py()
    document = json.loads(text)
    totals = {"rows_scanned": 0, "row_groups_scanned": 0, "row_groups_total": 0, "files_read": 0}
    stack = list(document.get("operator") or document.get("children") or [])
    while stack:
        node = stack.pop()
        stack.extend(node.get("children") or [])
        if node.get("type") != "TABLE_SCAN":
            continue
        totals["rows_scanned"] += int(node.get("rows_scanned") or node.get("operator_cardinality") or 0)
        totals["row_groups_scanned"] += int(node.get("row_groups_scanned") or 0)
        totals["row_groups_total"] += int(node.get("total_row_groups_to_scan") or 0)
        totals["files_read"] += int((node.get("extra_info") or {}).get("Total Files Read") or 0)
    totals["bytes_read"] = int((document.get("io") or {}).get("total_bytes_read") or 0)
    return totals


def profile(warehouse_url: str, sql: str, profile: str, runs: int = 20) -> dict[str, Any]:
    """cProfile `runs` fresh-connection runs of one query: where the time of `regime-radar query` goes."""
    from regime_radar.bench.child import timed
    from regime_radar.query import run_query
    from regime_radar.warehouse import Warehouse

    warehouse = Warehouse(warehouse_url)
    run_query(warehouse, sql)
    with timed(profile) as clock:
        for _ in range(runs):
            run_query(warehouse, sql)
    return {"seconds": clock["seconds"] / runs}
