"""DAG integrity: the DAG folder loads cleanly and every DAG follows the project's rules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from regime_radar import catalog
from regime_radar.config import CONNECTION_IDS
from regime_radar.sources.registry import SOURCES

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
HEAVY = ["pandas", "pyarrow", "great_expectations", "duckdb", "matplotlib", "numpy"]


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}


def test_ingest_dags_are_generated_from_the_registry(dagbag) -> None:
    assert set(dagbag.dag_ids) == {f"ingest_{name}" for name in SOURCES} | {"risk"}


@pytest.mark.parametrize("dag_id", [f"ingest_{n}" for n in SOURCES] + ["risk"])
def test_each_dag_follows_the_rules(dagbag, dag_id: str) -> None:
    dag = dagbag.dags[dag_id]
    assert dag.tags and "regime-radar" in dag.tags
    assert dag.doc_md and len(dag.doc_md) > 40
    assert {"start", "end"} <= set(dag.params.keys()), "window params missing"
    for task in dag.tasks:
        assert task.owner not in ("", "airflow"), f"{task.task_id} has no real owner"
        assert task.retries >= 2, f"{task.task_id} retries={task.retries}"
        notifiers = (
            task.on_failure_callback if isinstance(task.on_failure_callback, list) else [task.on_failure_callback]
        )
        smtp = [n for n in notifiers if type(n).__name__ == "SmtpNotifier"]
        assert smtp and smtp[0].smtp_conn_id == CONNECTION_IDS["smtp"], f"{task.task_id} has no SmtpNotifier"


def test_no_cycles(dagbag) -> None:
    for dag in dagbag.dags.values():
        visiting, done = set(), set()

        def visit(task_id: str, dag=dag, visiting=visiting, done=done) -> None:
            assert task_id not in visiting, f"cycle through {dag.dag_id}.{task_id}"
            if task_id in done:
                return
            visiting.add(task_id)
            for child in dag.get_task(task_id).downstream_task_ids:
                visit(child)
            visiting.discard(task_id)
            done.add(task_id)

        for task_id in dag.task_ids:
            visit(task_id)


def test_ingest_dags_emit_one_asset_per_dataset(dagbag) -> None:
    for name, spec in SOURCES.items():
        dag = dagbag.dags[f"ingest_{name}"]
        outlets = {o.name for task in dag.tasks for o in task.outlets}
        assert outlets == set(spec.datasets)
        for dataset in spec.datasets:
            catalog.get(dataset)  # every dataset a feed writes is in the catalog


def test_risk_dag_is_triggered_by_its_input_assets(dagbag) -> None:
    dag = dagbag.dags["risk"]
    from dags.risk import INPUTS

    condition = dag.timetable.asset_condition
    assets = condition.objects if hasattr(condition, "objects") else (condition,)
    assert {a.name for a in assets} == set(INPUTS)
    assert "prices_daily" in INPUTS


@pytest.mark.parametrize("dag_file", sorted(p.name for p in DAGS_DIR.glob("*.py")))
def test_dag_files_import_nothing_heavy(dag_file: str) -> None:
    code = (
        "import json, runpy, sys\n"
        f"runpy.run_path({str(DAGS_DIR / dag_file)!r})\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ.copy()
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [], f"{dag_file} loads {loaded} at parse time"
