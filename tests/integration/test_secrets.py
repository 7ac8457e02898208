"""Secrets only by reference: an API key used for a live fetch and the S3 credentials never land in the
warehouse (raw payloads, sidecars, silver, quality results) nor in the logs."""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest

from regime_radar import universe
from regime_radar.config import DEMO_REPLAY_DIR, load_settings
from regime_radar.pipeline import ingest
from regime_radar.sources.base import Window
from regime_radar.warehouse import Warehouse
from tests.conftest import S3_KEY, S3_SECRET
from tests.support.fault_server import Fault, FaultServer

pytestmark = pytest.mark.integration

API_KEY = "fredkey-5ecret-0123456789abcdef"


def test_no_credential_is_stored_or_logged(
    warehouse: Warehouse,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    recordings = [
        Fault.ok(
            (DEMO_REPLAY_DIR / "fred_markets" / f"{s.series_id}.json").read_bytes(), content_type="application/json"
        )
        for s in universe.fred_series()
    ]
    with FaultServer() as server:
        server.script("/fred/series/observations", recordings)  # each series gets its own recording, in order
        monkeypatch.setenv("REGIME_RADAR_FRED_BASE_URL", server.base_url)
        monkeypatch.setenv("AIRFLOW_CONN_REGIME_RADAR_FRED", json.dumps({"conn_type": "http", "password": API_KEY}))
        settings = load_settings(warehouse_url=warehouse.url, mode="live", storage_options=warehouse.storage_options)
        with caplog.at_level(logging.DEBUG):
            result = ingest("fred_markets", Window(date(2024, 12, 2), date(2025, 1, 31)), settings)
        requests = server.requests

    assert result.datasets["market_series"]["rows_written"] > 0
    assert requests and all(r.query.get("api_key") == API_KEY for r in requests), "the key was not used"

    secrets = [API_KEY.encode()]
    if warehouse.protocol == "s3":
        secrets += [S3_SECRET.encode()]
    stored = [*secrets, S3_KEY.encode()] if warehouse.protocol == "s3" else secrets
    files = warehouse.list("")
    assert any(f.startswith("raw/fred_markets/") and f.endswith(".meta.json") for f in files)
    assert any(f.startswith("silver/market_series/") for f in files)
    for rel in files:
        data = warehouse.read_bytes(rel)
        for secret in stored:
            assert secret not in data, f"a credential is stored in {rel}"
    sidecar = next(f for f in files if f.startswith("raw/fred_markets/") and f.endswith(".meta.json"))
    assert "api_key=" in warehouse.read_json(sidecar)["url"], "the sidecar should keep the (redacted) URL"

    logged = "\n".join(r.getMessage() for r in caplog.records) + "".join(capsys.readouterr())
    assert "observations" in logged  # the fetches were logged...
    # ...without the credential. (botocore's own DEBUG lines name the S3 access key *id* in the
    # signed header, as AWS does in its errors; it identifies, it does not authenticate.)
    for secret in secrets:
        assert secret.decode() not in logged
