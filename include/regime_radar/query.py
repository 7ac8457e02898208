"""Read-only DuckDB over the warehouse: one view per dataset over its Hive-partitioned Parquet.

Partitioned datasets expose the Hive key as a `year` column; a filter on it (`WHERE year = 2025`)
prunes whole files before anything is read (`scan_stats` shows how many). On s3:// the warehouse's
fsspec filesystem (s3fs, with the endpoint, credentials and region of the DAGs' connection) is
registered on the connection, so no DuckDB extension download is needed.

Besides the dataset views every connection has these helpers:

- `known_at(view, ts)`: the rows of any view with `available_at` at or before instant `ts`;
- `macro_asof(ts)`, `macro_series_asof(series, ts)`, `macro_value_asof(series, period, ts)`,
  `macro_first_prints()` from `regime_radar.macro`;
- `latest_flags`, `flag_changes`, `daily_returns`, `basket_members`, `basket_returns`;
- `tariff_actions_in_force(day)`: every tariff in force on a day, with the action that imposed it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from regime_radar import catalog
from regime_radar.warehouse import Warehouse

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

FORMATS = ("table", "csv", "json")
PARTITION_COLUMN = "year"

# PRAGMAs that only report; every other PRAGMA (profiling output, imports, checkpoints...) is refused.
READ_ONLY_PRAGMAS = frozenset(
    {
        "collations",
        "database_list",
        "database_size",
        "functions",
        "platform",
        "show",
        "show_databases",
        "show_tables",
        "show_tables_expanded",
        "storage_info",
        "table_info",
        "user_agent",
        "version",
    }
)

HELPER_SQL: list[str] = [
    """CREATE OR REPLACE MACRO known_at(view_name, ts) AS TABLE
SELECT * FROM query_table(view_name) WHERE available_at <= CAST(ts AS TIMESTAMPTZ)""",
    """CREATE OR REPLACE VIEW latest_flags AS
SELECT * FROM risk_flags WHERE date = (SELECT max(date) FROM risk_flags)""",
    """CREATE OR REPLACE VIEW flag_changes AS
SELECT date, regime, flag, previous_level, level, score, drivers, evidence
FROM (
    SELECT *, lag(level) OVER (PARTITION BY flag ORDER BY date) AS previous_level FROM risk_flags
)
WHERE level IS DISTINCT FROM coalesce(previous_level, 'green')
ORDER BY date, regime, flag""",
    """CREATE OR REPLACE VIEW daily_returns AS
SELECT symbol, date, adj_close,
       adj_close / lag(adj_close) OVER (PARTITION BY symbol ORDER BY date) - 1 AS ret
FROM prices_daily""",
    """CREATE OR REPLACE VIEW basket_returns AS
SELECT m.basket, r.date, avg(r.ret) AS ret, count(r.ret) AS members
FROM daily_returns r JOIN basket_members m USING (symbol)
WHERE r.ret IS NOT NULL
GROUP BY ALL""",
    """CREATE OR REPLACE MACRO tariff_actions_in_force(day) AS TABLE
SELECT s.date, s.partner, s.scope, s.rate_pct, s.action_id, a.action, a.eo_number, a.document_number,
       a.title, a.signed_on, a.effective_at, a.expires_at, a.source_url
FROM tariff_state s LEFT JOIN tariff_actions a ON a.action_id = s.action_id
WHERE s.date = CAST(day AS DATE) AND s.status = 'effective'
ORDER BY s.partner, s.scope""",
]


class ReadOnlyError(ValueError):
    """A statement that would write was refused."""


class QueryError(ValueError):
    """DuckDB could not run a query (syntax, unknown column, bad cast...)."""


def connect(warehouse: Warehouse) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view per dataset and the helper macros; settings locked."""
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    if warehouse.protocol == "s3":
        warehouse.fs.invalidate_cache()  # s3fs keeps listings per process; the pipeline writes from elsewhere
        con.register_filesystem(warehouse.fs)
    present = _datasets_with_files(warehouse)
    for name in catalog.DATASETS:
        con.execute(_dataset_view_sql(con, warehouse, name, name in present))
    _register_baskets(con)
    for statement in _helper_sql():
        con.execute(statement)
    con.execute("SET lock_configuration = true")
    return con


def _datasets_with_files(warehouse: Warehouse) -> set[str]:
    """Datasets with at least one Parquet file, from one listing per layer (cheap on S3)."""
    present = set()
    for layer in sorted({d.layer for d in catalog.DATASETS.values()}):
        for path in warehouse.list(layer):
            parts = path.split("/")
            if len(parts) > 2 and parts[-1].endswith(".parquet"):
                present.add(parts[1])
    return present


def _dataset_view_sql(con: duckdb.DuckDBPyConnection, warehouse: Warehouse, name: str, has_files: bool) -> str:
    dataset = catalog.get(name)
    partitioned = dataset.partition_by is not None
    if not has_files:
        con.register(f"__empty_{name}", dataset.arrow_schema().empty_table())
        extra = f", CAST(NULL AS BIGINT) AS {PARTITION_COLUMN}" if partitioned else ""
        return f"CREATE VIEW {name} AS SELECT *{extra} FROM __empty_{name} WHERE false"
    base = warehouse.uri(dataset.layer, dataset.name)
    if warehouse.protocol == "file":
        base = base.removeprefix("file://")
    pattern = f"{base}/{PARTITION_COLUMN}=*/*.parquet" if partitioned else f"{base}/*.parquet"
    hive = f"hive_partitioning = true, hive_types = {{'{PARTITION_COLUMN}': BIGINT}}" if partitioned else ""
    options = ", ".join(o for o in (hive, "union_by_name = true") if o)
    return f"CREATE VIEW {name} AS SELECT * FROM read_parquet({_literal(pattern)}, {options})"


def _register_baskets(con: duckdb.DuckDBPyConnection) -> None:
    import pyarrow as pa

    from regime_radar import universe

    pairs = [(basket, symbol) for basket, members in universe.baskets().items() for symbol in members]
    table = pa.table({"basket": [b for b, _ in pairs], "symbol": [s for _, s in pairs]})
    con.register("__basket_members", table)
    con.execute("CREATE VIEW basket_members AS SELECT * FROM __basket_members")


def _helper_sql() -> list[str]:
    """The as-of macros from `regime_radar.macro` (when present) and this module's helpers."""
    try:
        from regime_radar.macro import DUCKDB_MACROS
    except ImportError:
        DUCKDB_MACROS = []
    return [*DUCKDB_MACROS, *HELPER_SQL]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# -- read-only guard ---------------------------------------------------------------------------

_EXPLAIN = re.compile(r"^\s*explain\s*(\([^)]*\)\s*)?(analy[sz]e\s+)?", re.IGNORECASE)
_PRAGMA = re.compile(r"^\s*pragma\s+([a-z_][a-z0-9_]*)\s*(\(|$|;)", re.IGNORECASE)
_PIVOT = re.compile(r"^\s*(pivot|unpivot)\b", re.IGNORECASE)


def ensure_read_only(sql: str) -> list[str]:
    """Refuse anything but queries (the warehouse is written only by the pipeline); return the statements."""
    statements = _parse(sql)
    if not statements:
        raise QueryError("no SQL statement given")
    for statement in statements:
        text = statement.query.strip()
        kind = _statement_kind(statement)
        if kind == "EXPLAIN":  # EXPLAIN ANALYZE runs its statement: judge that one
            text = _EXPLAIN.sub("", text, count=1)
            inner = _parse(text)
            kind = _statement_kind(inner[0]) if len(inner) == 1 else "MULTIPLE"
        if not _reads_only(kind, text):
            raise ReadOnlyError(
                f"refused: {kind} statement ({_head(text)}); the warehouse is read-only here — "
                "use SELECT, WITH, FROM, DESCRIBE, SUMMARIZE, PIVOT or EXPLAIN"
            )
    return [s.query for s in statements]


def _reads_only(kind: str, text: str) -> bool:
    if kind == "SELECT":
        return True
    if kind == "MULTI":  # PIVOT without an IN list: DuckDB first reads the distinct values, then pivots
        return bool(_PIVOT.match(text))
    if kind == "PRAGMA":
        match = _PRAGMA.match(text)
        return bool(match) and match.group(1).lower() in READ_ONLY_PRAGMAS
    return False


def _parse(sql: str) -> list[Any]:
    import duckdb

    try:
        return duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"could not parse the SQL: {exc}") from None


def _statement_kind(statement: Any) -> str:
    try:
        return statement.type.name
    except ValueError:  # a statement type the Python binding has no name for (e.g. UPDATE EXTENSIONS)
        return "UNKNOWN"


def _head(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# -- running queries ---------------------------------------------------------------------------


def run_query(warehouse: Warehouse, sql: str, con: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """Run read-only SQL (one or more queries) and return the last result as Arrow.

    Pass `con` (from `connect`) to run several queries on one connection; otherwise one is opened.
    """
    statements = ensure_read_only(sql)
    if con is not None:
        return _execute(con, statements)
    con = connect(warehouse)
    try:
        return _execute(con, statements)
    finally:
        con.close()


def _execute(con: duckdb.DuckDBPyConnection, statements: list[str]) -> pa.Table:
    import duckdb

    result = None
    try:
        for statement in statements:
            result = con.sql(statement).to_arrow_table()
    except duckdb.Error as exc:
        raise QueryError(str(exc)) from None
    assert result is not None
    return result


@dataclass(frozen=True)
class ScanStats:
    """How many Parquet files DuckDB read for a query, out of those the scans could have read."""

    files_read: int
    files_total: int


def scan_stats(warehouse: Warehouse, sql: str) -> ScanStats:
    """Run a query under EXPLAIN ANALYZE and count the Parquet files its scans opened (partition pruning)."""
    statements = ensure_read_only(sql)
    if len(statements) != 1:
        raise QueryError("scan_stats needs exactly one query")
    plan = run_query(warehouse, f"EXPLAIN ANALYZE {_EXPLAIN.sub('', statements[0], count=1)}")
    text = "\n".join(str(v) for v in plan.column(plan.num_columns - 1).to_pylist())
    scanned = [(int(a), int(b)) for a, b in re.findall(r"Scanning Files:\s*(\d+)\s*/\s*(\d+)", text)]
    read = [int(n) for n in re.findall(r"Total Files Read:\s*(\d+)", text)]
    return ScanStats(files_read=sum(read), files_total=sum(b for _, b in scanned) or sum(read))


# -- output ------------------------------------------------------------------------------------


def format_table(table: pa.Table, fmt: str = "table", max_rows: int = 200) -> str:
    """Render a query result as an aligned text table, CSV or JSON (records)."""
    import json

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use table, csv or json")
    if fmt == "csv":
        import io

        import pyarrow.csv as pcsv

        buf = io.BytesIO()
        pcsv.write_csv(table, buf)
        return buf.getvalue().decode().rstrip("\n")  # print() ends the last line
    rows: list[dict[str, Any]] = table.to_pylist()
    if fmt == "json":
        return json.dumps(rows, default=str, indent=2)
    if table.column_names == ["explain_key", "explain_value"]:
        return "\n".join(str(row["explain_value"]) for row in rows)
    names = table.column_names
    cells = [[_cell(row[n]) for n in names] for row in rows[:max_rows]]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    if len(rows) > max_rows:
        lines.append(f"... {len(rows) - max_rows} more rows (use --format csv for all)")
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value).replace("\n", " ")


# -- interactive shell -------------------------------------------------------------------------

SHELL_HELP = """Statements end with ';'. Only queries run: SELECT, WITH, FROM, DESCRIBE, SUMMARIZE, PIVOT, EXPLAIN.
  .tables            the views and table macros
  .schema VIEW       the columns of a view
  .mode table|csv|json   how results are printed
  .help              this text
  .quit              leave (Ctrl-D works too)"""


def shell(warehouse: Warehouse, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """An interactive read-only DuckDB session over the warehouse (statements end with ';')."""
    out = stdout or sys.stdout
    interactive = stdin is None and sys.stdin.isatty()
    buffer: list[str] = []
    lines = _prompted_lines(buffer) if interactive else _plain_lines(stdin or sys.stdin)
    con = connect(warehouse)
    mode = "table"
    if interactive:
        print(f"Regime Radar warehouse {warehouse.url} (read-only). .help for help, .quit to leave.", file=out)
    try:
        for line in lines:
            stripped = line.strip()
            if not buffer and stripped.startswith("."):
                command, _, argument = stripped.partition(" ")
                if command in (".quit", ".exit"):
                    break
                mode = _dot_command(con, command, argument.strip(), mode, out)
                continue
            buffer.append(line)
            text = "\n".join(buffer)
            if not _complete(text):
                continue
            buffer.clear()
            try:
                statements = ensure_read_only(text)
                print(format_table(_execute(con, statements), mode), file=out)
            except ValueError as exc:
                print(f"Error: {exc}", file=out)
        if buffer and "\n".join(buffer).strip():
            print("Error: unterminated statement (end it with ';')", file=out)
    finally:
        con.close()
    return 0


def _dot_command(con: duckdb.DuckDBPyConnection, command: str, argument: str, mode: str, out: TextIO) -> str:
    """Run one of the shell's dot commands; return the output mode that applies afterwards."""
    if command == ".help":
        print(SHELL_HELP, file=out)
    elif command == ".tables":
        views = con.sql(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT starts_with(view_name, '__') "
            "ORDER BY view_name"
        ).fetchall()
        macros = con.sql(
            "SELECT DISTINCT function_name FROM duckdb_functions() "
            "WHERE function_type IN ('macro', 'table_macro') AND NOT internal ORDER BY function_name"
        ).fetchall()
        print("views:  " + "  ".join(v for (v,) in views), file=out)
        print("macros: " + "  ".join(f"{m}(...)" for (m,) in macros), file=out)
    elif command == ".schema":
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", argument):
            print("usage: .schema VIEW", file=out)
        else:
            try:
                print(format_table(con.sql(f"DESCRIBE {argument}").to_arrow_table()), file=out)
            except Exception as exc:  # any DuckDB error is shown to the user
                print(f"Error: {exc}", file=out)
    elif command == ".mode":
        if argument in FORMATS:
            return argument
        print(f"usage: .mode {'|'.join(FORMATS)}", file=out)
    else:
        print(f"unknown command {command}; .help lists them", file=out)
    return mode


def _complete(text: str) -> bool:
    """True when the buffered text ends a statement: its last non-comment character is ';'."""
    import duckdb

    stripped = re.sub(r"--[^\n]*$", "", text.rstrip()).rstrip()
    if not stripped.endswith(";"):
        return False
    try:
        duckdb.extract_statements(stripped)
    except duckdb.Error as exc:
        return "unterminated" not in str(exc).lower()  # an open quote or comment: keep reading
    return True


def _prompted_lines(buffer: list[str]) -> Iterator[str]:
    """Lines typed at a terminal, with readline editing; the prompt shows whether a statement is open."""
    import contextlib

    with contextlib.suppress(ImportError):
        import readline  # noqa: F401 - importing it gives input() line editing and history
    while True:
        try:
            yield input("   ...> " if buffer else "radar> ")
        except EOFError:
            print()
            return
        except KeyboardInterrupt:
            print("^C")
            buffer.clear()


def _plain_lines(stream: TextIO) -> Iterator[str]:
    for line in stream:
        yield line.rstrip("\n")
