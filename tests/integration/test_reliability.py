"""Reliability suite: faults production brings, each injected on purpose and named in the test id.

- s3-server-stopped-mid-publish: the object store goes away between two partition swaps
- overlapping-window-runs: two processes publish overlapping windows into one partition at once
- publisher-killed-mid-publish: SIGKILL between two partition swaps, then the retry

(Other faults live beside the code they exercise: HTTP 429/500/resets/timeouts/truncated and
oversized bodies in tests/unit/sources/, SMTP down in tests/integration/test_alerts_smtp.py, an
interrupted publish and a failed staging write in test_warehouse.py, idempotent reruns of every
DAG in test_end_to_end.py.)
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid
from datetime import date
from pathlib import Path

import boto3
import pytest

from regime_radar.warehouse import Warehouse
from tests.conftest import S3_KEY, S3_SECRET
from tests.integration.test_warehouse import BASE, WINDOW, keyed, prices
from tests.support.connections import aws_conn_json

pytestmark = pytest.mark.integration
PROJECT = Path(__file__).resolve().parents[2]


def run_script(code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a publisher in its own process (the env, with the warehouse connection, is inherited)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=PROJECT,
    )


WRITER = """
    import sys
    from datetime import date
    from regime_radar.sources.base import Window
    from regime_radar.warehouse import Warehouse
    from tests.integration.test_warehouse import prices

    url, symbol, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    warehouse = Warehouse(url)
    days = [date(2025, 1, 2), date(2025, 1, 3), date(2025, 1, 6)]
    for i in range(rounds):
        warehouse.publish("prices_daily", prices([(symbol, d, float(i + 1)) for d in days]),
                          Window(date(2025, 1, 2), date(2025, 1, 6)))
"""


@pytest.mark.parametrize("fault", ["overlapping-window-runs"])
def test_overlapping_window_runs_do_not_lose_each_others_rows(warehouse: Warehouse, fault: str) -> None:
    warehouse.publish("prices_daily", prices(BASE), WINDOW)
    rounds = "6"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(WRITER), warehouse.url, symbol, rounds],
            cwd=PROJECT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for symbol in ("NVDA", "QQQ")
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    after = keyed(warehouse.read("prices_daily"))
    for symbol in ("NVDA", "QQQ"):
        for day in (date(2025, 1, 2), date(2025, 1, 3), date(2025, 1, 6)):
            assert after[(symbol, day)] == float(rounds), f"{symbol} {day}: a concurrent publish lost this row"
    assert after[("NVDA", date(2024, 12, 31))] == 134.0  # outside both windows: untouched
    assert warehouse.list("_staging") == []


KILLER = """
    import os, signal, sys
    from regime_radar.warehouse import Warehouse
    from tests.integration.test_warehouse import BASE, WINDOW, prices

    real_swap = Warehouse._swap_in
    swaps = []

    def swap_then_die(self, stage, final):
        if swaps:
            os.kill(os.getpid(), signal.SIGKILL)  # the worker is killed between two partition swaps
        swaps.append(final)
        real_swap(self, stage, final)

    Warehouse._swap_in = swap_then_die
    Warehouse(sys.argv[1]).publish("prices_daily", prices([(s, d, c + 1) for s, d, c in BASE]), WINDOW)
"""


@pytest.mark.parametrize("fault", ["publisher-killed-mid-publish"])
def test_a_killed_publisher_leaves_no_partial_output_and_the_retry_succeeds(
    warehouse: Warehouse, fault: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGIME_RADAR_LOCK_STALE_S", "2")  # a dead holder's S3 lock expires quickly here
    warehouse.publish("prices_daily", prices(BASE), WINDOW)
    before = keyed(warehouse.read("prices_daily"))

    killed = run_script(KILLER, warehouse.url)
    assert killed.returncode == -9, killed.stderr

    after = keyed(warehouse.read("prices_daily"))  # every partition is whole: old or new, never half
    assert set(after) == set(before)
    for year in (2024, 2025):
        part = {k: v for k, v in after.items() if k[1].year == year}
        old = {k: v for k, v in before.items() if k[1].year == year}
        assert part in (old, {k: v + 1 for k, v in old.items()}), f"partition {year} is a mix of old and new"

    # The retried task publishes the same batch and sweeps the dead run's staging files.
    warehouse.publish("prices_daily", prices([(s, d, c + 1) for s, d, c in BASE]), WINDOW)
    assert keyed(warehouse.read("prices_daily")) == {k: v + 1 for k, v in before.items()}
    assert warehouse.list("_staging") == []


@pytest.mark.parametrize("fault", ["s3-server-stopped-mid-publish"])
def test_s3_server_stopped_mid_publish_keeps_the_old_partition_and_a_rerun_heals(
    fault: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    bucket = f"rr-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=S3_KEY, aws_secret_access_key=S3_SECRET, region_name="us-east-1"
    ).create_bucket(Bucket=bucket)
    monkeypatch.setenv("AIRFLOW_CONN_REGIME_RADAR_WAREHOUSE", aws_conn_json(endpoint, S3_KEY, S3_SECRET))
    monkeypatch.setenv("REGIME_RADAR_LOCK_STALE_S", "2")
    storage = {"config_kwargs": {"retries": {"max_attempts": 1}, "connect_timeout": 2, "read_timeout": 5}}
    url = f"s3://{bucket}/warehouse"
    warehouse = Warehouse(url, storage_options=_with_credentials(storage, endpoint))
    warehouse.publish("prices_daily", prices(BASE), WINDOW)
    before = keyed(warehouse.read("prices_daily"))

    real_swap = warehouse._swap_in
    swaps: list[str] = []

    def swap_with_outage(stage: str, final: str) -> None:
        if swaps:
            server._server.shutdown()
            server._server.server_close()  # the object store is gone: connections are refused
        swaps.append(final)
        real_swap(stage, final)

    monkeypatch.setattr(warehouse, "_swap_in", swap_with_outage)
    with pytest.raises(Exception) as outage:
        warehouse.publish("prices_daily", prices([(s, d, c + 1) for s, d, c in BASE]), WINDOW)
    assert "connect" in f"{type(outage.value).__name__} {outage.value}".lower()

    revived = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    revived.start()
    try:
        healed = Warehouse(url, storage_options=_with_credentials(storage, endpoint))
        after = keyed(healed.read("prices_daily"))
        assert {k: v for k, v in after.items() if k[1].year == 2025} == {
            k: v for k, v in before.items() if k[1].year == 2025
        }, "the partition that was not swapped changed"
        assert set(after) == set(before)
        healed.publish("prices_daily", prices([(s, d, c + 1) for s, d, c in BASE]), WINDOW)
        assert keyed(healed.read("prices_daily")) == {k: v + 1 for k, v in before.items()}
        assert json.dumps(healed.list("_staging")) == "[]"
    finally:
        revived.stop()


def _with_credentials(options: dict, endpoint: str) -> dict:
    return {
        **options,
        "key": S3_KEY,
        "secret": S3_SECRET,
        "endpoint_url": endpoint,
        "client_kwargs": {"region_name": "us-east-1"},
        "skip_instance_cache": True,
    }
