"""The `regime-radar` command: run the DAGs, load a file, validate, query, report flags."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import date, timedelta
from pathlib import Path

from regime_radar.bench.harness import add_arguments as add_bench_arguments
from regime_radar.config import DEMO_END, DEMO_START, VAR_DIR

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if getattr(args, "warehouse", None):
        os.environ["REGIME_RADAR_WAREHOUSE"] = args.warehouse
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except (ValueError, KeyError, FileNotFoundError) as exc:
        print(f"regime-radar {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="regime-radar", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the DAGs through Airflow for a window")
    run.add_argument("--start", default=DEMO_START, help=f"first flag day (default {DEMO_START})")
    run.add_argument("--end", default=DEMO_END, help=f"last flag day (default {DEMO_END})")
    run.add_argument("--dags", help="comma-separated DAG ids (default: every ingest DAG, then risk)")
    run.add_argument("--warehouse", help="warehouse URL: a folder, file:// or s3://bucket/prefix")
    feeds = run.add_mutually_exclusive_group()
    feeds.add_argument("--replay", type=Path, help="replay recorded payloads from this directory (default: the demo)")
    feeds.add_argument("--live", action="store_true", help="fetch from the live endpoints")
    run.add_argument("--mail-dir", type=Path, default=VAR_DIR / "mail", help="where the local SMTP catcher keeps mail")
    run.add_argument("--smtp-port", type=int, default=8025, help="local SMTP catcher port (0 = any free port)")
    run.add_argument(
        "--no-smtp",
        action="store_true",
        help="do not start the local SMTP catcher: alerts go to the configured regime_radar_smtp connection "
        "(without one the alert task fails and the alerts wait in the outbox)",
    )
    run.set_defaults(func=cmd_run)

    load = sub.add_parser("load", help="load a CSV or Parquet file into a dataset through validation")
    load.add_argument("dataset")
    load.add_argument("file", type=Path)
    load.add_argument("--warehouse")
    load.set_defaults(func=cmd_load)

    validate = sub.add_parser("validate", help="run a dataset's expectation suite on a file")
    validate.add_argument("dataset")
    validate.add_argument("file", type=Path)
    validate.set_defaults(func=cmd_validate)

    query = sub.add_parser("query", help="read-only SQL over the warehouse (one view per dataset)")
    query.add_argument("sql")
    query.add_argument("--format", choices=["table", "csv", "json"], default="table")
    query.add_argument("--warehouse")
    query.set_defaults(func=cmd_query)

    shell = sub.add_parser("shell", help="an interactive read-only DuckDB session over the warehouse")
    shell.add_argument("--warehouse")
    shell.set_defaults(func=cmd_shell)

    bench = sub.add_parser("bench", help="the benchmarks: DAG parse, scale, daily increment, queries")
    add_bench_arguments(bench)
    bench.set_defaults(func=cmd_bench)

    flags = sub.add_parser("flags", help="the flag report")
    flags.add_argument("--date", help="one day")
    flags.add_argument("--start")
    flags.add_argument("--end")
    flags.add_argument("--all", action="store_true", help="every non-green flag, not only level changes")
    flags.add_argument("--backtest", action="store_true", help="forward returns after each flag level")
    flags.add_argument("--warehouse")
    flags.set_defaults(func=cmd_flags)
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    from regime_radar import airflow_local
    from regime_radar.sources.base import Window

    flag_window = Window.parse(args.start, args.end)
    if args.live:
        os.environ["REGIME_RADAR_MODE"] = "live"
    else:
        os.environ["REGIME_RADAR_MODE"] = "replay"
        if args.replay:
            os.environ["REGIME_RADAR_REPLAY_DIR"] = str(args.replay.resolve())
    airflow_home = airflow_local.prepare()
    catcher = None
    if not args.no_smtp:
        catcher = airflow_local.start_mail_catcher(args.mail_dir, args.smtp_port)
    try:
        plan = _run_plan(flag_window, args.dags)
        print(f"Running {len(plan)} DAG run(s) through Airflow (home {airflow_home}); flags for {flag_window}")
        outcomes = airflow_local.run_dags(plan)
    finally:
        if catcher is not None:
            catcher.stop()
    failed = [o for o in outcomes if o.state != "success"]
    from regime_radar.config import load_settings
    from regime_radar.report import flag_report
    from regime_radar.warehouse import Warehouse

    settings = load_settings()
    print()
    if not failed:
        print(flag_report(Warehouse.from_settings(settings), flag_window))
        print()
    print(f"Warehouse: {settings.warehouse_url}")
    if catcher is not None:
        print(f"Mail:      {args.mail_dir.resolve()} ({len(list(args.mail_dir.glob('*.eml')))} message(s))")
    print(f"Airflow:   {airflow_home} (logs under logs/; `make airflow` opens the UI)")
    if failed:
        print(f"FAILED: {', '.join(o.dag_id for o in failed)} — see the task log above", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _run_plan(flag_window, dags: str | None) -> list[tuple[str, dict]]:
    """Ingest DAGs over the flag window plus each feed's warm-up, then the risk DAG over the flag window."""
    from regime_radar.flags.engine import load_rules
    from regime_radar.sources.registry import SOURCES

    warmup = int(load_rules()["warmup_days"])
    end = flag_window.end.isoformat()
    plan = [
        (
            f"ingest_{name}",
            {"start": (flag_window.start - timedelta(days=max(warmup, spec.warmup_days))).isoformat(), "end": end},
        )
        for name, spec in SOURCES.items()
    ]
    plan.append(("risk", {"start": flag_window.start.isoformat(), "end": flag_window.end.isoformat()}))
    if dags:
        wanted = [d.strip() for d in dags.split(",") if d.strip()]
        known = {dag_id for dag_id, _ in plan}
        unknown = sorted(set(wanted) - known)
        if unknown:
            raise ValueError(f"unknown DAG(s) {unknown}; known: {sorted(known)}")
        plan = [step for step in plan if step[0] in wanted]
    return plan


def cmd_load(args: argparse.Namespace) -> int:
    from regime_radar.pipeline import load_file
    from regime_radar.quality.runner import QualityError

    try:
        result = load_file(args.dataset, args.file)
    except QualityError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        _print_failures(exc.report)
        return EXIT_FAILED
    for dataset, info in result.items():
        print(f"loaded {info['rows_written']} row(s) into {dataset} ({', '.join(info['partitions']) or 'one file'})")
        for warning in info["warnings"]:
            print(f"  warning: {warning}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from regime_radar.pipeline import prepare_user_file
    from regime_radar.quality.runner import validate

    report = validate(args.dataset, prepare_user_file(args.dataset, args.file), batch_id="cli", window=args.file.name)
    print(report.summary())
    _print_failures(report)
    return EXIT_OK if report.passed else EXIT_FAILED


def _print_failures(report) -> None:
    for failure in report.failures:
        column = failure.get("column")
        print(
            f"  {failure['severity']:<8} {failure['expectation']}"
            f"{f' [{column}]' if column else ''}: {failure.get('unexpected_count') or ''} "
            f"{failure.get('description') or ''} sample={failure.get('sample')}"
        )


def cmd_query(args: argparse.Namespace) -> int:
    from regime_radar.config import load_settings
    from regime_radar.query import format_table, run_query
    from regime_radar.warehouse import Warehouse

    table = run_query(Warehouse.from_settings(load_settings()), args.sql)
    print(format_table(table, args.format))
    return EXIT_OK


def cmd_shell(args: argparse.Namespace) -> int:
    from regime_radar.config import load_settings
    from regime_radar.query import shell
    from regime_radar.warehouse import Warehouse

    return shell(Warehouse.from_settings(load_settings()))


def cmd_bench(args: argparse.Namespace) -> int:
    from regime_radar.bench.harness import run_from_args

    return run_from_args(args)


def cmd_flags(args: argparse.Namespace) -> int:
    from regime_radar.config import load_settings
    from regime_radar.report import flag_report
    from regime_radar.sources.base import Window
    from regime_radar.warehouse import Warehouse

    window = None
    if args.date:
        window = Window.parse(args.date, args.date)
    elif args.start or args.end:
        window = Window.parse(args.start or "1900-01-01", args.end or date.today().isoformat())
    warehouse = Warehouse.from_settings(load_settings())
    if args.backtest:
        from regime_radar.flags.backtest import backtest, format_backtest

        flags = warehouse.read("risk_flags").to_pandas()
        if window is not None:
            flags = flags[(flags["date"] >= window.start) & (flags["date"] <= window.end)]
        print(format_backtest(backtest(flags, warehouse.read("prices_daily").to_pandas())))
        return EXIT_OK
    print(flag_report(warehouse, window, every_day=args.all))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
