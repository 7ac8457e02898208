"""`regime-radar bench`: DAG parse, the scale pipeline, the daily increment and queries, each against its floor.

Every figure is set against a baseline measured the same way in the same run (an empty DAG file,
pyarrow writing and reading the same rows, no-op DAGs of the same shape, `SELECT 1`), so a busy
or slow machine moves both and the ratio stays meaningful. Heavy steps run in child processes:
each scale stage's peak memory is that process's own high-water mark.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from regime_radar.bench.measure import BenchError, median, run_child, spread
from regime_radar.bench.report import Measurement, machine_info, render_table, write_json
from regime_radar.config import DEMO_END, DEMO_START, PROJECT_DIR, VAR_DIR

SECTIONS = ("dag_parse", "scale", "increment", "queries")
DEFAULT_OUT = VAR_DIR / "bench" / "report.json"
STAGES = "regime_radar.bench.stages"
PARSE_TARGET = {"ratio": 1.3}
PIPELINE_TARGET = {"ratio": 3.0}
MEMORY_TARGET = {"absolute": 4096, "unit": "MB"}
QUERY_TARGET = {"absolute": 100, "unit": "ms"}


@dataclass
class Plan:
    """What one bench run measures and at which size."""

    mode: str
    symbols: int
    years: int
    parse_sample: int  # symbols run through the Yahoo parser (the rest is extrapolated linearly)
    parse_repeats: int
    query_repeats: int
    sections: tuple[str, ...]
    increment_dags: list[str] | None
    increment_day: date
    flags_start: date
    flags_end: date
    work: Path
    out: Path
    profile: bool = False
    verbose: bool = False
    measurements: list[Measurement] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The bench options (shared by `regime-radar bench` and `python -m regime_radar.bench`)."""
    parser.add_argument("--quick", action="store_true", help="small sizes (100 symbols x 3 years); a few minutes")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"the JSON report (default {DEFAULT_OUT})")
    parser.add_argument("--symbols", type=int, help="symbols in the synthetic universe (default 3000; quick 100)")
    parser.add_argument("--years", type=int, help="years of daily bars (default 20; quick 3)")
    parser.add_argument("--sections", help=f"comma-separated subset of {','.join(SECTIONS)} (queries implies scale)")
    parser.add_argument("--repeat", type=int, help="runs per DAG-parse and query timing (default 7/9; quick 3/5)")
    parser.add_argument(
        "--parse-sample", type=int, help="symbols through the Yahoo parser; more are extrapolated (default 300)"
    )
    parser.add_argument("--increment-dags", help="comma-separated DAG ids for the daily increment (default: all)")
    parser.add_argument("--work-dir", type=Path, help="scratch folder (default: a new temp folder, removed after)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (warehouses, Airflow homes)")
    parser.add_argument("--profile", action="store_true", help="also cProfile each scale stage and the queries")


def make_plan(args: argparse.Namespace) -> Plan:
    """Resolve the options into a plan, with the quick or full defaults."""
    quick = bool(args.quick)
    symbols = args.symbols or (100 if quick else 3000)
    years = args.years or (3 if quick else 20)
    sections = tuple(s.strip() for s in (args.sections or ",".join(SECTIONS)).split(",") if s.strip())
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        raise ValueError(f"unknown bench section(s) {unknown}; known: {', '.join(SECTIONS)}")
    if "queries" in sections and "scale" not in sections:
        sections = (*sections, "scale")
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="regime-radar-bench-"))
    if symbols < 1 or years < 1:
        raise ValueError("--symbols and --years must be at least 1")
    return Plan(
        mode="quick" if quick else "full",
        symbols=symbols,
        years=years,
        parse_sample=min(symbols, args.parse_sample or (symbols if quick else 300)),
        parse_repeats=args.repeat or (3 if quick else 7),
        query_repeats=args.repeat or (5 if quick else 9),
        sections=tuple(s for s in SECTIONS if s in sections),
        increment_dags=[d.strip() for d in args.increment_dags.split(",")] if args.increment_dags else None,
        increment_day=date.fromisoformat(DEMO_END),
        flags_start=date.fromisoformat(DEMO_START),
        flags_end=date.fromisoformat(DEMO_END),
        work=work,
        out=args.out,
        profile=bool(args.profile),
        verbose=bool(getattr(args, "verbose", False)),
    )


def run_from_args(args: argparse.Namespace) -> int:
    """Run the bench for parsed options; print the table; write the report. Exit 1 if a step failed."""
    plan = make_plan(args)
    try:
        run(plan)
    finally:
        if args.keep or args.work_dir:
            print(f"scratch kept in {plan.work}", file=sys.stderr)
        else:
            shutil.rmtree(plan.work, ignore_errors=True)
    machine = machine_info(plan.mode)
    write_json(plan.measurements, plan.out, machine)
    print(
        f"\nRegime Radar bench ({plan.mode}: {plan.symbols} symbols x {plan.years} years; "
        f"{machine['cpu_count']} CPUs, Python {machine['python']}, {machine['date']})"
    )
    print(render_table(plan.measurements))
    print(f"\nreport: {plan.out}")
    for error in plan.errors:
        print(f"FAILED: {error}", file=sys.stderr)
    return 1 if plan.errors else 0


def run(plan: Plan) -> None:
    """Run each section of the plan, recording its measurements; a failed section is noted, the rest still run."""
    plan.work.mkdir(parents=True, exist_ok=True)
    steps: dict[str, Callable[[Plan], None]] = {
        "dag_parse": bench_dag_parse,
        "scale": bench_scale,
        "increment": bench_increment,
        "queries": bench_queries,
    }
    failed: set[str] = set()
    for section in plan.sections:
        progress(f"== {section}")
        if section == "queries" and "scale" in failed:
            plan.errors.append("queries: skipped, they run on the scale warehouse and the scale section failed")
            continue
        try:
            steps[section](plan)
        except BenchError as exc:
            failed.add(section)
            plan.errors.append(f"{section}: {exc}")
            progress(f"{section} failed: {exc}")


def progress(message: str) -> None:
    """A timestamped progress line on stderr (stdout carries the table)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def child(plan: Plan, target: str, params: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Run one step in a child process, reporting how long it took."""
    started = time.monotonic()
    progress(f"{target.rsplit('.', 1)[-1]} ...")
    result = run_child(target, params, verbose=plan.verbose, **kwargs)
    figure = f"; timed {result['seconds']:.2f}s" if "seconds" in result else ""
    progress(f"{target.rsplit('.', 1)[-1]} done in {time.monotonic() - started:.1f}s{figure}")
    return result


# -- DAG parse -----------------------------------------------------------------------------------


def bench_dag_parse(plan: Plan) -> None:
    """Each project DAG file's fresh-interpreter import time against the empty DAG's."""
    from regime_radar.bench import dag_parse

    files = sorted((PROJECT_DIR / "dags").glob("*.py"))
    progress(f"importing {len(files)} DAG file(s) and the empty DAG {plan.parse_repeats}x each")
    measured = dag_parse.measure(files, plan.work / "dag_parse", plan.parse_repeats)
    empty = measured["files"][measured["empty"]]
    for path in files:
        result = measured["files"][str(path)]
        context = {
            "file": str(path.relative_to(PROJECT_DIR)),
            "runs": result["spread"],
            "empty_runs": empty["spread"],
            "airflow_sdk_seconds": round(result["sdk_seconds"], 4),
            "modules_added": result["modules_added"],
        }
        m = Measurement(
            f"dag_parse.{path.stem}",
            result["seconds"],
            "s",
            "empty DAG file",
            empty["seconds"],
            PARSE_TARGET,
            context,
        )
        if m.met is False:
            context["heaviest_imports"] = dag_parse.heaviest_imports(path, Path(measured["empty"]), measured["env"])
        plan.measurements.append(m)
        # The file's cost beyond `import airflow.sdk`: close to what each re-parse costs in the DAG processor,
        # which forks a child per parse after pre-importing the `airflow.*` modules the file names.
        plan.measurements.append(
            Measurement(
                f"dag_parse.{path.stem}.own",
                result["file_seconds"],
                "s",
                "empty DAG file beyond airflow.sdk",
                empty["file_seconds"],
                None,
                {"file": context["file"], "note": "import time after airflow.sdk is loaded"},
            )
        )


# -- scale ---------------------------------------------------------------------------------------


def bench_scale(plan: Plan) -> None:
    """The synthetic universe through parse, validate, silver and flags, against the pyarrow floor."""
    work = str(plan.work / "scale")
    Path(work).mkdir(parents=True, exist_ok=True)
    generated = child(plan, f"{STAGES}:generate", {"work": work, "symbols": plan.symbols, "years": plan.years})
    scale = {
        "symbols": plan.symbols,
        "years": plan.years,
        "rows": generated["rows"],
        "trading_days": generated["trading_days"],
        "generate_seconds": round(generated["seconds"], 2),
    }
    floor = child(plan, f"{STAGES}:floor", {"work": work})
    stages = {
        "parse.yahoo_chart": child(
            plan,
            f"{STAGES}:parse_vendor",
            {"work": work, "symbols": plan.parse_sample, "years": plan.years},
        ),
        "parse.conform": child(plan, f"{STAGES}:parse_conform", {"work": work, "years": plan.years}),
        "validate": child(plan, f"{STAGES}:validate", {"work": work, "years": plan.years}),
        "silver": child(plan, f"{STAGES}:silver", {"work": work, "years": plan.years}),
        "flags": child(
            plan,
            f"{STAGES}:flags",
            {"work": work, "start": plan.flags_start.isoformat(), "end": plan.flags_end.isoformat()},
        ),
    }
    extrapolate_vendor_parse(stages["parse.yahoo_chart"], generated["rows"])
    if not stages["validate"]["passed"]:
        plan.errors.append(f"scale: the synthetic universe failed validation: {stages['validate']['failures']}")
    floor_context = {
        "write_seconds": round(floor["write_seconds"], 3),
        "read_seconds": round(floor["read_seconds"], 3),
        "parquet_bytes": floor["bytes"],
    }
    for name, result in stages.items():
        context = {**scale, **_stage_context(result), "floor": floor_context}
        plan.measurements.append(
            Measurement(f"scale.{name}.time", result["seconds"], "s", "pyarrow floor", floor["seconds"], None, context)
        )
    total = sum(r["seconds"] for r in stages.values())
    plan.measurements.append(
        Measurement(
            "scale.pipeline.time",
            total,
            "s",
            "pyarrow floor",
            floor["seconds"],
            PIPELINE_TARGET,
            {
                **scale,
                "stages": {name: round(r["seconds"], 3) for name, r in stages.items()},
                "extrapolated": [n for n, r in stages.items() if r.get("extrapolated")],
                "flags_window": stages["flags"]["window"],
                "floor": floor_context,
            },
        )
    )
    for name, result in stages.items():
        plan.measurements.append(
            Measurement(
                f"scale.{name}.peak_memory",
                result["peak_rss_mb"],
                "MB",
                "pyarrow floor",
                floor["peak_rss_mb"],
                MEMORY_TARGET,
                {**scale, **_stage_context(result)},
            )
        )
    peak_stage = max(stages, key=lambda n: stages[n]["peak_rss_mb"])
    plan.measurements.append(
        Measurement(
            "scale.pipeline.peak_memory",
            stages[peak_stage]["peak_rss_mb"],
            "MB",
            "pyarrow floor",
            floor["peak_rss_mb"],
            MEMORY_TARGET,
            {**scale, "stage": peak_stage, "note": "the highest per-stage peak RSS"},
        )
    )
    if plan.profile:
        profile_scale(plan, work)


def extrapolate_vendor_parse(result: dict[str, Any], total_rows: int) -> None:
    """Scale a sampled Yahoo parse to the whole universe (time and the memory above the process baseline)."""
    factor = total_rows / result["rows"] if result["rows"] else 1.0
    result["sample_rows"] = result["rows"]
    if factor <= 1.0:
        return
    base = result["rss_before_mb"] - result["payload_bytes"] / 1024**2
    result["measured_seconds"] = result["seconds"]
    result["measured_peak_rss_mb"] = result["peak_rss_mb"]
    result["seconds"] = result["seconds"] * factor
    result["peak_rss_mb"] = base + (result["peak_rss_mb"] - base) * factor
    result["rows"] = total_rows
    result["extrapolated"] = round(factor, 2)


def _stage_context(result: dict[str, Any]) -> dict[str, Any]:
    """A stage's extra figures for the report (everything but its time and memory, rounded)."""
    skip = {"seconds", "peak_rss_mb"}
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in result.items() if k not in skip}


def profile_scale(plan: Plan, work: str) -> None:
    """Re-run each scale stage under cProfile (untimed); profiles go next to the report."""
    folder = plan.out.parent / "profiles"
    stages = {
        "parse_vendor": {"symbols": plan.parse_sample, "years": plan.years},
        "parse_conform": {"years": plan.years},
        "validate": {"years": plan.years},
        "silver": {"years": plan.years},
        "flags": {"start": plan.flags_start.isoformat(), "end": plan.flags_end.isoformat()},
    }
    for stage, params in stages.items():
        child(plan, f"{STAGES}:{stage}", {"work": work, **params, "profile": str(folder / stage)})
    progress(f"profiles in {folder}")


# -- daily increment -----------------------------------------------------------------------------


def bench_increment(plan: Plan) -> None:
    """One day for every DAG through Airflow, against no-op DAGs of the same shape run the same way."""
    from regime_radar.bench import increment

    work = plan.work / "increment"
    warehouse = (work / "warehouse").resolve().as_uri()
    day = plan.increment_day
    dag_plan = increment.daily_plan(day, plan.increment_dags)
    warm = child(plan, "regime_radar.bench.increment:warm", {"warehouse_url": warehouse, "day": day.isoformat()})
    child(plan, "regime_radar.bench.increment:migrate", {"airflow_home": str(work / "airflow-migrated")})
    for variant in ("airflow-real", "airflow-noop"):
        shutil.copytree(work / "airflow-migrated", work / variant)
    common = {"plan": dag_plan, "warehouse_url": warehouse, "mail_dir": str(work / "mail")}
    real = child(
        plan,
        "regime_radar.bench.increment:run",
        {"airflow_home": str(work / "airflow-real"), "dags_folder": str(PROJECT_DIR / "dags"), **common},
    )
    noop_folder = work / "noop-dags"
    increment.write_noop_dags(real["shapes"], noop_folder)
    noop = child(
        plan,
        "regime_radar.bench.increment:run",
        {"airflow_home": str(work / "airflow-noop"), "dags_folder": str(noop_folder), **common},
    )
    for name, result in (("project", real), ("no-op", noop)):
        if result["failed"]:
            raise BenchError(f"{name} DAG run(s) did not succeed: {result['failed']} ({result['runs']})")
    plan.measurements.append(
        Measurement(
            "increment.one_day",
            real["seconds"],
            "s",
            "no-op DAGs of the same shape",
            noop["seconds"],
            None,
            {
                "day": day.isoformat(),
                "dag_runs": len(dag_plan),
                "tasks": sum(len(tasks) for tasks in real["shapes"].values()),
                "per_dag": {r["dag_id"]: r["seconds"] for r in real["runs"]},
                "noop_per_dag": {r["dag_id"]: r["seconds"] for r in noop["runs"]},
                "warmup_run_seconds": {"project": real["warmup_seconds"], "no-op": noop["warmup_seconds"]},
                "warehouse_fill_seconds": round(warm["seconds"], 2),
                "how": "airflow_local.run_dags (dag.test) in a fresh process per variant, after one untimed run",
            },
        )
    )


# -- queries -------------------------------------------------------------------------------------


def bench_queries(plan: Plan) -> None:
    """Latest flags, one symbol's whole history and the macro data as of a date on the scale warehouse."""
    from regime_radar.bench import synthetic
    from regime_radar.bench.stages import warehouse_url

    names = synthetic.symbols(plan.symbols)
    symbol = "NVDA" if "NVDA" in names else names[0]
    result = child(
        plan,
        "regime_radar.bench.queries:run",
        {
            "warehouse_url": warehouse_url(str(plan.work / "scale")),
            "years": plan.years,
            "symbol": symbol,
            "repeats": plan.query_repeats,
        },
    )
    queries = result["queries"]
    baseline = median(queries["select_1"]["fresh_ms"])
    for name, q in queries.items():
        if name == "select_1":
            continue
        plan.measurements.append(
            Measurement(
                f"query.{name}",
                median(q["fresh_ms"]),
                "ms",
                "SELECT 1",
                baseline,
                QUERY_TARGET,
                {
                    "sql": q["sql"],
                    "fresh_connection_ms": spread(q["fresh_ms"]),
                    "open_connection_ms": spread(q["warm_ms"]),
                    "result_rows": q["result_rows"],
                    **q["scan"],
                    "warehouse_rows": {"prices_daily": plan_rows(plan), "macro_observations": result["macro_rows"]},
                },
            )
        )
    if plan.profile:
        child(
            plan,
            "regime_radar.bench.queries:profile",
            {
                "warehouse_url": warehouse_url(str(plan.work / "scale")),
                "sql": queries["symbol_history"]["sql"],
                "profile": str(plan.out.parent / "profiles" / "query"),
            },
        )


def plan_rows(plan: Plan) -> int | None:
    """The scale universe's row count, once the scale section has run."""
    for m in plan.measurements:
        if m.name == "scale.pipeline.time":
            return m.context.get("rows")
    return None


def main(argv: list[str] | None = None) -> int:
    """`python -m regime_radar.bench`: parse the options and run."""
    parser = argparse.ArgumentParser(prog="python -m regime_radar.bench", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="show the child processes' logs")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_from_args(args)
    except ValueError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
