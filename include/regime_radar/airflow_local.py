"""Run the project's DAGs through a local Airflow: an Airflow home under var/, SQLite, `dag.test()`.

This is what `regime-radar run` (and so `make run`) uses. Each DAG runs once for a whole
window (window params), not once per day, so a three-month demo is a handful of DAG runs.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regime_radar.config import PROJECT_DIR, VAR_DIR

log = logging.getLogger(__name__)


def airflow_env(airflow_home: Path, dags_folder: Path | None = None) -> dict[str, str]:
    """The environment that points Airflow at the project's DAGs, plugins and a SQLite DB under var/."""
    return {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder or PROJECT_DIR / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_DIR / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        # New DAGs start paused: nothing runs on its schedule until a user unpauses it in the UI.
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"),
    }


def prepare(airflow_home: Path | None = None, dags_folder: Path | None = None) -> Path:
    """Create (or reuse) the Airflow home and migrate its DB; must run before `import airflow`."""
    airflow_home = (airflow_home or VAR_DIR / "airflow").resolve()
    airflow_home.mkdir(parents=True, exist_ok=True)
    env = airflow_env(airflow_home, dags_folder)
    os.environ.update(env)
    marker = airflow_home / ".migrated"
    version = _airflow_version()
    if not marker.exists() or marker.read_text().strip() != version:
        log.info("migrating the Airflow metadata DB in %s", airflow_home)
        subprocess.run(
            [str(Path(sys.executable).with_name("airflow")), "db", "migrate"],
            env=os.environ.copy(),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        marker.write_text(version)
    return airflow_home


def _airflow_version() -> str:
    from importlib.metadata import version

    return version("apache-airflow-core")


@dataclass
class DagRunOutcome:
    dag_id: str
    state: str
    conf: dict[str, Any]
    seconds: float


def run_dags(
    plan: list[tuple[str, dict[str, Any]]],
    on_progress: Callable[[str], None] = print,
) -> list[DagRunOutcome]:
    """Run each (dag_id, conf) through `dag.test()` in order; stop at the first failed run."""
    import time

    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    outcomes = []
    for i, (dag_id, conf) in enumerate(plan, 1):
        dag = bag.dags.get(dag_id)
        if dag is None:
            raise KeyError(f"no DAG {dag_id!r}; known: {sorted(bag.dag_ids)}")
        for task in dag.tasks:
            # Interactive runs fail fast: dag.test() would otherwise sit out every retry delay.
            task.retries = 0
        on_progress(f"[{i}/{len(plan)}] {dag_id} {conf.get('start')}..{conf.get('end')} ...")
        started = time.monotonic()
        dag_run = dag.test(run_conf=conf)
        state = str(getattr(dag_run.state, "value", dag_run.state))
        outcome = DagRunOutcome(dag_id, state, conf, time.monotonic() - started)
        outcomes.append(outcome)
        on_progress(f"[{i}/{len(plan)}] {dag_id}: {state} in {outcome.seconds:.1f}s")
        if state != "success":
            break
    return outcomes


def start_mail_catcher(directory: Path, port: int) -> Any:
    """Start the local SMTP catcher (any free port if `port` is taken) and point the smtp connection at it."""
    from regime_radar.alerts.catcher import MailCatcher
    from regime_radar.config import CONNECTION_IDS, local_smtp_connection

    directory.mkdir(parents=True, exist_ok=True)
    try:
        catcher = MailCatcher(directory, port=port).start()
    except OSError:
        catcher = MailCatcher(directory, port=0).start()
    os.environ[f"AIRFLOW_CONN_{CONNECTION_IDS['smtp'].upper()}"] = local_smtp_connection(catcher.port)
    return catcher


def standalone() -> int:
    """`make airflow`: `airflow standalone` on the project's DAGs and plugin, with the local SMTP catcher."""
    airflow_home = prepare()
    # standalone starts its components as `airflow ...` subprocesses: they must find this venv's airflow.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ.setdefault("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "admin:admin")
    catcher = start_mail_catcher(VAR_DIR / "mail", 8025)
    passwords = airflow_home / "simple_auth_manager_passwords.json.generated"
    print(
        "Starting Airflow standalone on http://localhost:8080\n"
        f"  sign in as 'admin'; the password is in {passwords} (created on first start)\n"
        "  the risk flags page: http://localhost:8080/regime-radar/\n"
        f"  mail sent by the DAGs lands in {VAR_DIR / 'mail'}\n"
        "  the DAGs start paused: trigger one with start/end params (Trigger DAG w/ config), or unpause it\n"
        "  Ctrl-C stops it."
    )
    try:
        return subprocess.call([str(Path(sys.executable).with_name("airflow")), "standalone"], env=os.environ.copy())
    except KeyboardInterrupt:
        return 0
    finally:
        catcher.stop()


if __name__ == "__main__":
    if sys.argv[1:] != ["standalone"]:
        sys.exit("usage: python -m regime_radar.airflow_local standalone")
    sys.exit(standalone())
