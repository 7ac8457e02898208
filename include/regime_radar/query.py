"""Read-only DuckDB over the warehouse: one view per dataset over its Hive-partitioned Parquet.

On s3:// the warehouse's fsspec filesystem (s3fs, with the same endpoint and credentials the DAGs
use) is registered on the connection, so no DuckDB extension download is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from regime_radar import catalog
from regime_radar.warehouse import Warehouse

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


class ReadOnlyError(ValueError):
    """A statement that would write was refused."""


def connect(warehouse: Warehouse) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view per dataset of the warehouse."""
    import duckdb

    con = duckdb.connect(":memory:")
    if warehouse.protocol == "s3":
        con.register_filesystem(warehouse.fs)
    for name in catalog.DATASETS:
        files = warehouse.partition_files(name)
        if files:
            urls = ", ".join(f"'{_engine_url(warehouse, f)}'" for f in files)
            source = f"read_parquet([{urls}], hive_partitioning = true, union_by_name = true)"
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM {source}")
        else:
            empty = catalog.get(name).arrow_schema().empty_table()
            con.register(f"__empty_{name}", empty)
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM __empty_{name}")
    for statement in _helper_sql():
        con.execute(statement)
    return con


def _engine_url(warehouse: Warehouse, path: str) -> str:
    return f"s3://{path}" if warehouse.protocol == "s3" else path


def _helper_sql() -> list[str]:
    """As-of macros and derived views contributed by other modules (empty until they exist)."""
    statements: list[str] = []
    try:
        from regime_radar.macro import DUCKDB_MACROS
    except ImportError:
        DUCKDB_MACROS = []
    statements.extend(DUCKDB_MACROS)
    return statements


def ensure_read_only(sql: str) -> None:
    """Refuse anything but queries: the warehouse is written only by the pipeline."""
    import duckdb

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise ValueError(f"could not parse the SQL: {exc}") from None
    if not statements:
        raise ValueError("no SQL statement given")
    allowed = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
    for statement in statements:
        if statement.type not in allowed:
            kind = statement.type.name
            raise ReadOnlyError(f"refused: {kind} statements are not allowed; `regime-radar query` is read-only")


def run_query(warehouse: Warehouse, sql: str) -> pa.Table:
    """Run one read-only query and return the result as Arrow."""
    ensure_read_only(sql)
    con = connect(warehouse)
    try:
        return con.execute(sql).fetch_arrow_table()
    finally:
        con.close()


def format_table(table: pa.Table, fmt: str = "table", max_rows: int = 200) -> str:
    """Render a query result as an aligned text table, CSV or JSON (records)."""
    import json

    rows: list[dict[str, Any]] = table.to_pylist()
    if fmt == "json":
        return json.dumps(rows, default=str, indent=2)
    if fmt == "csv":
        import io

        import pyarrow.csv as pcsv

        buf = io.BytesIO()
        pcsv.write_csv(table, buf)
        return buf.getvalue().decode()
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r}: use table, csv or json")
    names = table.column_names
    cells = [[_cell(row[n]) for n in names] for row in rows[:max_rows]]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    if len(rows) > max_rows:
        lines.append(f"... {len(rows) - max_rows} more rows (use --format csv for all)")
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
