"""The daily increment: one day for every DAG through Airflow, against no-op DAGs of the same shape.

A warehouse is first filled from the demo replay as the days before `day` would have left it (feeds,
derived tables, flags; not timed). Then each variant runs in its own child process with its own
Airflow home (a copy of one migrated home) through `airflow_local.run_dags`: the project's DAGs
over the one-day window, and a generated DAG file whose DAGs have the same ids, tasks and dependencies
but whose tasks do nothing — Airflow's own cost for that shape, the floor.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

NOOP_FILE = "bench_noop_dags.py"
NOOP_TEMPLATE = '''"""No-op DAGs shaped like the project's (same ids, tasks and dependencies): Airflow's own floor."""

from airflow.sdk import dag, task

SHAPES = {shapes!r}


def _noop(**context):
    return None


def _build(dag_id, tasks):
    @dag(dag_id=dag_id, schedule=None, catchup=False, params={{"start": None, "end": None}})
    def shaped():
        made = {{task_id: task(task_id=task_id)(_noop)().operator for task_id in tasks}}
        for task_id, upstream in tasks.items():
            for up in upstream:
                made[up] >> made[task_id]

    return shaped()


for _dag_id, _tasks in SHAPES.items():
    globals()[_dag_id] = _build(_dag_id, _tasks)
'''


def daily_plan(day: date, dags: list[str] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Every ingest DAG, then risk, each over the one-day window `day` (optionally only `dags`)."""
    from regime_radar.sources.registry import SOURCES

    conf = {"start": day.isoformat(), "end": day.isoformat()}
    plan = [(f"ingest_{name}", dict(conf)) for name in SOURCES] + [("risk", dict(conf))]
    if dags:
        unknown = sorted(set(dags) - {dag_id for dag_id, _ in plan})
        if unknown:
            raise ValueError(f"unknown DAG(s) {unknown} for the daily increment")
        plan = [step for step in plan if step[0] in dags]
    return plan


def warm(warehouse_url: str, day: str, sources: list[str] | None = None) -> dict[str, Any]:
    """Fill the warehouse from the demo replay up to the day before `day`: feeds, derived tables, flags."""
    import time

    from regime_radar.config import DEMO_START, load_settings
    from regime_radar.derive import run_derive
    from regime_radar.flags.engine import load_rules
    from regime_radar.pipeline import ingest
    from regime_radar.risk import run_risk
    from regime_radar.sources.base import Window
    from regime_radar.sources.registry import SOURCES

    started = time.perf_counter()
    settings = load_settings(warehouse_url=warehouse_url, mode="replay")
    last = date.fromisoformat(day) - timedelta(days=1)
    first = date.fromisoformat(DEMO_START)
    warmup = int(load_rules()["warmup_days"])
    for name, spec in SOURCES.items():
        if sources is None or name in sources:
            ingest(name, Window(first - timedelta(days=max(warmup, spec.warmup_days)), last), settings)
    window = Window(first, last)
    run_derive(window, settings)
    run_risk(window, settings)
    return {"seconds": time.perf_counter() - started, "window": str(window)}


def migrate(airflow_home: str) -> dict[str, Any]:
    """Create and migrate an Airflow home once; each variant runs on a copy of it."""
    import time

    from regime_radar import airflow_local

    started = time.perf_counter()
    airflow_local.prepare(airflow_home=Path(airflow_home))
    return {"seconds": time.perf_counter() - started}


def run(
    airflow_home: str, dags_folder: str, plan: list[list[Any]], warehouse_url: str, mail_dir: str
) -> dict[str, Any]:
    """Run `plan` through Airflow with its own home and a local SMTP catcher; time the `dag.test()` runs."""
    os.environ["REGIME_RADAR_WAREHOUSE"] = warehouse_url
    os.environ["REGIME_RADAR_MODE"] = "replay"
    from regime_radar import airflow_local

    airflow_local.prepare(airflow_home=Path(airflow_home), dags_folder=Path(dags_folder))
    from regime_radar.alerts.catcher import MailCatcher
    from regime_radar.config import CONNECTION_IDS, local_smtp_connection

    catcher = MailCatcher(Path(mail_dir), port=0)
    catcher.start()
    os.environ[f"AIRFLOW_CONN_{CONNECTION_IDS['smtp'].upper()}"] = local_smtp_connection(catcher.port)
    steps = [(dag_id, dict(conf)) for dag_id, conf in plan]
    try:
        # Airflow's first dag.test() in a process pays one-time setup (and the first task its imports):
        # an untimed run of the plan's first DAG absorbs it, so the timed runs are the steady state.
        warmup = airflow_local.run_dags(steps[:1], on_progress=_progress)
        outcomes = airflow_local.run_dags(steps, on_progress=_progress)
    finally:
        catcher.stop()
    return {
        "seconds": sum(o.seconds for o in outcomes),
        "warmup_seconds": sum(o.seconds for o in warmup),
        "runs": [{"dag_id": o.dag_id, "state": o.state, "seconds": round(o.seconds, 3)} for o in outcomes],
        "failed": [o.dag_id for o in outcomes if o.state != "success"] + [d for d, _ in plan[len(outcomes) :]],
        "shapes": dag_shapes(Path(dags_folder), [dag_id for dag_id, _ in plan]),
    }


def _progress(message: str) -> None:
    print(message, file=sys.stderr)  # stdout carries the step's result


def dag_shapes(dags_folder: Path, dag_ids: list[str]) -> dict[str, dict[str, list[str]]]:
    """Each DAG's tasks with their upstream task ids (the shape a no-op copy must have)."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(dags_folder))
    return {
        dag_id: {t.task_id: sorted(t.upstream_task_ids) for t in bag.dags[dag_id].tasks}
        for dag_id in dag_ids
        if dag_id in bag.dags
    }


def write_noop_dags(shapes: dict[str, dict[str, list[str]]], folder: Path) -> Path:
    """A DAG file whose DAGs copy `shapes` with tasks that do nothing."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / NOOP_FILE
    path.write_text(NOOP_TEMPLATE.format(shapes=shapes))
    return path
