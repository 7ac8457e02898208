"""Shared fixtures: an isolated Airflow home, a real S3 server (moto) and warehouses on both backends.

The environment is isolated at import time, before anything imports Airflow: each test process
(each xdist worker) gets its own Airflow home and var/ folder under the system temp dir.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

_SCRATCH = Path(tempfile.mkdtemp(prefix="regime-radar-tests-"))
(_SCRATCH / "airflow").mkdir()
os.environ["REGIME_RADAR_VAR"] = str(_SCRATCH / "var")
os.environ["AIRFLOW_HOME"] = str(_SCRATCH / "airflow")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).resolve().parents[1] / "dags")
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_SCRATCH / 'airflow' / 'airflow.db'}"
os.environ.pop("REGIME_RADAR_WAREHOUSE", None)
os.environ.pop("REGIME_RADAR_MODE", None)
for _key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(_key, None)

PROJECT_DIR = Path(__file__).resolve().parents[1]
S3_KEY, S3_SECRET = "testing-key", "testing-secret"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SCRATCH, ignore_errors=True)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """A real S3-protocol server (moto in server mode) on loopback; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket on the S3 server, with the warehouse connection pointing at it."""
    import boto3

    from tests.support.connections import aws_conn_json

    bucket = f"rr-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3", endpoint_url=s3_server, aws_access_key_id=S3_KEY, aws_secret_access_key=S3_SECRET, region_name="us-east-1"
    ).create_bucket(Bucket=bucket)
    monkeypatch.setenv("AIRFLOW_CONN_REGIME_RADAR_WAREHOUSE", aws_conn_json(s3_server, S3_KEY, S3_SECRET))
    return bucket


@pytest.fixture(params=["file", "s3"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test runs against a local folder and against the S3 server."""
    if request.param == "file":
        return (tmp_path / "warehouse").as_uri()
    bucket = request.getfixturevalue("s3_bucket")
    return f"s3://{bucket}/warehouse"


@pytest.fixture
def warehouse(warehouse_url: str):
    from regime_radar.warehouse import Warehouse

    return Warehouse(warehouse_url)


@pytest.fixture(scope="session")
def migrated_airflow() -> Path:
    """The test process's Airflow home with a migrated SQLite metadata DB (what dag.test() needs)."""
    home = Path(os.environ["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "db", "migrate"],
        check=True,
        stdout=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    return home
