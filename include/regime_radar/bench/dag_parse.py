"""DAG parse cost: each DAG file imported in a fresh interpreter, against an empty Airflow DAG file.

The files are imported the way Airflow's DAG processor loads them (a module executed from its path),
round-robin so that a busy machine slows every file alike; the figure is the median over the runs.
When a file is slower than the target allows, `-X importtime` names the imports it adds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from regime_radar.bench.measure import BenchError, median, spread

EMPTY_DAG = """from airflow.sdk import dag


@dag(dag_id="bench_empty", schedule=None)
def bench_empty():
    pass


bench_empty()
"""

# Runs in the fresh interpreter: time `airflow.sdk`, then the file itself; print one JSON line.
IMPORT_SNIPPET = """
import importlib.util, json, sys, time
started = time.perf_counter()
import airflow.sdk
sdk = time.perf_counter()
before = set(sys.modules)
spec = importlib.util.spec_from_file_location("bench_dag_file", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
done = time.perf_counter()
print(json.dumps({"seconds": done - started, "sdk_seconds": sdk - started, "file_seconds": done - sdk,
                  "modules_added": len(set(sys.modules) - before)}))
"""


def write_empty_dag(folder: Path) -> Path:
    """The baseline: a DAG file with one trivial @dag and nothing else."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench_empty_dag.py"
    path.write_text(EMPTY_DAG)
    return path


def parse_env(airflow_home: Path) -> dict[str, str]:
    """A throwaway Airflow home for the importing interpreters (nothing is written to the real one)."""
    from regime_radar.airflow_local import airflow_env

    airflow_home.mkdir(parents=True, exist_ok=True)
    return {**os.environ, **airflow_env(airflow_home)}


def import_once(path: Path, env: dict[str, str], importtime: bool = False) -> dict[str, Any]:
    """Import one DAG file in a fresh interpreter; with `importtime`, also return Python's import log."""
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-c", IMPORT_SNIPPET, str(path)]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise BenchError(f"importing {path} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(lines[-1])
    if importtime:
        result["importtime"] = proc.stderr
    return result


def measure(dag_files: list[Path], work: Path, repeats: int) -> dict[str, Any]:
    """Median fresh-interpreter import time of the empty DAG and of each file, interleaved round-robin."""
    env = parse_env(work / "airflow-home")
    empty = write_empty_dag(work / "empty-dags")
    files = [empty, *dag_files]
    runs: dict[Path, list[dict[str, Any]]] = {f: [] for f in files}
    for _ in range(repeats):
        for path in files:
            runs[path].append(import_once(path, env))
    out = {}
    for path, results in runs.items():
        out[str(path)] = {
            "seconds": median([r["seconds"] for r in results]),
            "spread": spread([r["seconds"] for r in results]),
            "file_seconds": median([r["file_seconds"] for r in results]),
            "sdk_seconds": median([r["sdk_seconds"] for r in results]),
            "modules_added": results[-1]["modules_added"],
        }
    return {"empty": str(empty), "files": out, "env": env}


def heaviest_imports(path: Path, empty: Path, env: dict[str, str], top: int = 8) -> list[dict[str, Any]]:
    """The top-level imports a DAG file adds beyond the empty DAG's, by cumulative import time."""
    baseline = {name for name, _, _ in _import_log(import_once(empty, env, importtime=True)["importtime"])}
    added = [
        (name, cumulative, depth)
        for name, cumulative, depth in _import_log(import_once(path, env, importtime=True)["importtime"])
        if name not in baseline
    ]
    # The outermost import of each chain carries the whole chain's cost: keep the shallowest ones.
    shallowest = min((depth for _, _, depth in added), default=0)
    heads = sorted((a for a in added if a[2] == shallowest), key=lambda a: -a[1])[:top]
    return [{"module": name, "cumulative_ms": round(us / 1000, 1)} for name, us, _ in heads]


def _import_log(text: str) -> list[tuple[str, int, int]]:
    """(module, cumulative µs, nesting depth) for each line of `-X importtime` output."""
    out = []
    for line in text.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|", 2)
        if not cumulative.strip().isdigit():
            continue
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        out.append((name.strip(), int(cumulative), depth))
    return out
