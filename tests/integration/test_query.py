"""`regime-radar query` and the DuckDB layer, on a local folder and on the S3 server alike."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from regime_radar import query
from regime_radar.cli import main
from regime_radar.warehouse import Warehouse
from tests.integration import tiny_warehouse

pytestmark = pytest.mark.integration


@pytest.fixture
def built(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    # The CLI writes --warehouse into the environment; setting it here first lets monkeypatch restore it.
    monkeypatch.setenv("REGIME_RADAR_WAREHOUSE", warehouse.url)
    return tiny_warehouse.build(warehouse)


def cli(capsys: pytest.CaptureFixture[str], warehouse: Warehouse, *args: str) -> tuple[int, str, str]:
    code = main(["query", *args, "--warehouse", warehouse.url])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_days_flags_as_json(built: Warehouse, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, built, "select * from risk_flags where date = '2025-01-27'", "--format", "json")
    assert code == 0, err
    rows = {r["flag"]: r for r in json.loads(out)}
    assert set(rows) == {"ai_capex_shock", "tariff_escalation"}
    shock = rows["ai_capex_shock"]
    assert (shock["date"], shock["regime"], shock["level"]) == ("2025-01-27", "ai_capex", "red")
    assert json.loads(shock["drivers"])["NVDA_ret"] == pytest.approx(-0.1697)
    assert rows["tariff_escalation"]["level"] == "green"


def test_csv_and_table_formats(built: Warehouse, capsys: pytest.CaptureFixture[str]) -> None:
    sql = "select date, flag, level, score from risk_flags where date = '2025-01-27' order by flag"
    code, out, _ = cli(capsys, built, sql, "--format", "csv")
    assert code == 0
    assert list(csv.reader(io.StringIO(out))) == [
        ["date", "flag", "level", "score"],
        ["2025-01-27", "ai_capex_shock", "red", "-6.41"],
        ["2025-01-27", "tariff_escalation", "green", "0"],
    ]
    code, out, _ = cli(capsys, built, sql)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["date", "flag", "level", "score"]
    assert lines[2].split() == ["2025-01-27", "ai_capex_shock", "red", "-6.41"]
    assert lines[-1] == "(2 rows)"


WRITES = [
    "COPY risk_flags TO '{target}'",
    "COPY (SELECT 1) TO '{target}' (FORMAT parquet)",
    "select 1; COPY risk_flags TO '{target}'",
    "EXPLAIN ANALYZE COPY risk_flags TO '{target}'",
    "EXPORT DATABASE '{target}'",
    "ATTACH '{target}' AS scratch",
    "INSERT INTO risk_flags SELECT * FROM risk_flags",
    "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
    "CREATE TABLE t AS SELECT * FROM risk_flags",
    "CREATE OR REPLACE VIEW risk_flags AS SELECT 1",
    "DROP VIEW risk_flags",
    "ALTER VIEW risk_flags RENAME TO gone",
    "UPDATE risk_flags SET level = 'green'",
    "DELETE FROM risk_flags",
    "PRAGMA enable_profiling = 'json'",
    "PRAGMA profile_output = '{target}'",
    "SET profile_output = '{target}'",
    "SET enable_external_access = true",
    "RESET lock_configuration",
    "CALL checkpoint()",
    "CHECKPOINT",
    "INSTALL httpfs",
    "LOAD httpfs",
    "BEGIN TRANSACTION",
    "VACUUM",
    "CREATE SECRET s (TYPE s3, KEY_ID 'k', SECRET 's')",
    "UPDATE EXTENSIONS",
]


def test_statements_that_write_are_refused(built: Warehouse, capsys: pytest.CaptureFixture[str]) -> None:
    target = built.uri("gold", "stolen.parquet").removeprefix("file://")
    for statement in WRITES:
        code, out, err = cli(capsys, built, statement.format(target=target))
        assert (code, out) == (1, ""), statement
        assert err.startswith("regime-radar query: refused:") and "read-only" in err, statement
    # Table functions that would write (logs, profiles) pass the parser but hit the locked configuration.
    for statement in (
        f"select * from enable_logging(storage = 'file', storage_path = '{target}')",
        f"select * from enable_profiling(format := 'json', save_location := '{target}')",
    ):
        code, out, err = cli(capsys, built, statement)
        assert (code, out) == (1, ""), statement
        assert "locked" in err, statement
    assert not built.exists("gold/stolen.parquet")
    levels = query.run_query(built, "select level from risk_flags").column("level").to_pylist()
    assert len(levels) == 2 * len(tiny_warehouse.FLAG_DAYS) and levels.count("red") == 2


READS = [
    "DESCRIBE risk_flags",
    "SUMMARIZE risk_flags",
    "SHOW TABLES",
    "PRAGMA table_info('risk_flags')",
    "FROM risk_flags SELECT count(*)",
    "PIVOT (SELECT flag, level FROM risk_flags) ON level USING count(*)",
    "EXPLAIN SELECT * FROM risk_flags",
    "/* a comment */ WITH t AS (SELECT 1 AS x) SELECT x FROM t",
]


def test_queries_that_only_read_are_allowed(built: Warehouse) -> None:
    con = query.connect(built)
    try:
        for statement in READS:
            assert query.run_query(built, statement, con).num_rows >= 1, statement
    finally:
        con.close()


def test_the_connection_cannot_be_reconfigured(warehouse: Warehouse) -> None:
    con = query.connect(warehouse)
    try:
        with pytest.raises(Exception, match="locked"):
            con.execute("SET enable_external_access = true")
    finally:
        con.close()


def test_a_bad_query_is_an_error_message_not_a_traceback(
    warehouse: Warehouse, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGIME_RADAR_WAREHOUSE", warehouse.url)
    code, out, err = cli(capsys, warehouse, "select no_such_column from risk_flags")
    assert code == 1 and out == ""
    assert err.startswith("regime-radar query:") and "no_such_column" in err


def test_year_filter_prunes_partitions(built: Warehouse) -> None:
    assert query.scan_stats(built, "select count(*) from risk_flags") == query.ScanStats(2, 2)
    assert query.scan_stats(built, "select count(*) from risk_flags where year = 2025") == query.ScanStats(1, 2)
    pruned = query.scan_stats(built, "select * from prices_daily where year = 2024 and symbol = 'NVDA'")
    assert pruned == query.ScanStats(1, 2)
    rows = query.run_query(built, "select count(*) as n, min(date) as first from prices_daily where year = 2024")
    assert rows.to_pylist() == [{"n": 5 * 22, "first": date(2024, 12, 2)}]


def test_as_of_macros_answer_what_was_known_then(built: Warehouse) -> None:
    before = query.run_query(
        built, "select period, value from macro_asof(TIMESTAMPTZ '2025-02-04 09:59:00-05:00') order by period"
    )
    assert before.to_pylist() == [{"period": date(2024, 11, 1), "value": 8098.0}]
    after = query.run_query(
        built, "select period, value from macro_asof(TIMESTAMPTZ '2025-02-04 18:00:00-05:00') order by period"
    )
    assert after.to_pylist() == [
        {"period": date(2024, 11, 1), "value": 8156.0},
        {"period": date(2024, 12, 1), "value": 7600.0},
    ]
    known = query.run_query(
        built,
        "select action_id from known_at('tariff_actions', TIMESTAMPTZ '2025-02-03 12:00:00-05:00') order by 1",
    )
    assert known.column("action_id").to_pylist() == ["eo14193-impose-CA", "eo14194-impose-MX", "eo14195-impose-CN"]


def test_helper_views_and_macros(built: Warehouse) -> None:
    in_force = query.run_query(built, "select partner, rate_pct, eo_number from tariff_actions_in_force('2025-02-04')")
    assert in_force.to_pylist() == [{"partner": "CN", "rate_pct": 10.0, "eo_number": "14195"}]
    changes = query.run_query(built, "select date, flag, previous_level, level from flag_changes")
    assert [tuple(r.values()) for r in changes.to_pylist()] == [
        (date(2025, 1, 27), "ai_capex_shock", "green", "red"),
        (date(2025, 1, 28), "ai_capex_shock", "red", "green"),
        (date(2025, 2, 3), "tariff_escalation", "green", "red"),
        (date(2025, 2, 4), "tariff_escalation", "red", "amber"),
    ]
    latest = query.run_query(built, "select distinct date from latest_flags")
    assert latest.column("date").to_pylist() == [date(2025, 2, 4)]
    week = query.run_query(
        built,
        "select symbol, ret from daily_returns where date = '2025-01-27' and symbol in ('NVDA', 'QQQ') order by 1",
    )
    assert [(r["symbol"], round(r["ret"], 4)) for r in week.to_pylist()] == [("NVDA", -0.1697), ("QQQ", -0.0297)]
    basket = query.run_query(built, "select members, ret from basket_returns where basket = 'ai_hardware' and "
                             "date = '2025-01-27'").to_pylist()  # fmt: skip
    assert basket[0]["members"] == 3
    assert basket[0]["ret"] == pytest.approx((-0.1697 - 0.1735 - 0.0974) / 3, abs=1e-4)


def test_an_empty_warehouse_has_every_view_with_no_rows(warehouse: Warehouse) -> None:
    result = query.run_query(warehouse, "select * from risk_flags")
    assert result.num_rows == 0
    assert "year" in result.column_names and "drivers" in result.column_names
    assert query.run_query(warehouse, "select * from latest_flags").num_rows == 0


def test_shell_runs_queries_and_refuses_writes(built: Warehouse) -> None:
    script = "\n".join(
        [
            ".tables",
            "select flag, level",
            "  from risk_flags where date = '2025-01-27' order by flag;",
            "COPY risk_flags TO 'stolen.csv';",
            ".mode json",
            "select count(*) as n from risk_flags where year = 2025;",
            ".quit",
            "select 'never reached';",
        ]
    )
    out = io.StringIO()
    assert query.shell(built, stdin=io.StringIO(script), stdout=out) == 0
    text = out.getvalue()
    assert "views:" in text and "risk_flags" in text and "tariff_actions_in_force(...)" in text
    assert "ai_capex_shock     red" in text
    assert "Error: refused: COPY" in text
    assert '"n": 22' in text
    assert "never reached" not in text
