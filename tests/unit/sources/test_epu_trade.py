"""FRED EPUTRADE: observations, missing values, availability, FRED errors, the live client and its key."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from regime_radar import catalog
from regime_radar.config import DEMO_REPLAY_DIR, load_settings
from regime_radar.sources import replay
from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.epu_trade import SOURCE, EpuTrade
from regime_radar.sources.http import HttpClient
from tests.support.fault_server import Fault, FaultServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "epu_trade"
API_KEY = "0123456789abcdef0123456789abcdef"
OBSERVATIONS = "/fred/series/observations"


def fixture(file: str, name: str = "observations/EPUTRADE.json") -> Payload:
    return Payload(name=name, body=(FIXTURES / file).read_bytes(), url=f"replay://epu_trade/{name}")


def rows(*payloads: Payload) -> dict[date, dict[str, Any]]:
    table = SOURCE.parse(list(payloads))["policy_uncertainty"]
    assert table.schema.equals(catalog.get("policy_uncertainty").arrow_schema())
    return {r["date"]: r for r in table.to_pylist()}


def test_observations_become_monthly_index_values() -> None:
    got = rows(fixture("EPUTRADE.json"))
    assert set(got) == {date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)}
    assert got[date(2024, 11, 1)]["value"] == pytest.approx(312.8841)
    assert got[date(2024, 12, 1)]["value"] is None, "FRED's '.' is missing, not zero"
    assert got[date(2025, 1, 1)]["value"] == 0.0, "a real zero stays zero"
    assert {r["index_name"] for r in got.values()} == {"EPUTRADE"}
    assert got[date(2025, 2, 1)]["source"] == "epu_trade"


def test_a_month_is_available_after_the_first_week_of_the_next() -> None:
    got = rows(fixture("EPUTRADE.json"))
    assert got[date(2025, 1, 1)]["available_at"] == datetime(2025, 2, 8, 5, 0, tzinfo=UTC)
    assert got[date(2024, 12, 1)]["available_at"] == datetime(2025, 1, 8, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("error_bad_key.json", "FRED answered an error: Bad Request"),
        ("EPUTRADE_truncated.json", "not valid JSON"),
        ("bad_value.json", "observation 0 is malformed"),
        ("no_observations.json", "no 'observations' list"),
    ],
)
def test_unusable_payloads_raise_a_clear_source_error(file: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as caught:
        rows(fixture(file))
    assert "observations/EPUTRADE.json" in str(caught.value)


def test_a_payload_of_another_series_is_refused() -> None:
    with pytest.raises(SourceError, match="expected EPUTRADE"):
        rows(fixture("EPUTRADE.json", name="observations/SP500.json"))


def test_demo_replay_reaches_back_to_2015() -> None:
    got = rows(*replay.load(DEMO_REPLAY_DIR, "epu_trade"))
    assert min(got) == date(2015, 1, 1) and max(got) == date(2025, 2, 1)
    assert sum(r["value"] is None for r in got.values()) == 1


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


def test_live_fetch_backs_off_and_never_leaks_the_key(
    server: FaultServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The key comes from the fred connection (given here as AIRFLOW_CONN_*, as a deployment would).
    monkeypatch.setenv("AIRFLOW_CONN_REGIME_RADAR_FRED", json.dumps({"conn_type": "http", "password": API_KEY}))
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    body = (FIXTURES / "EPUTRADE.json").read_bytes()
    server.script(OBSERVATIONS, [Fault.status(429, retry_after=0), Fault.ok(body, "application/json")])
    caplog.set_level(logging.DEBUG)
    with HttpClient(sleep=lambda s: None, timeout=5.0) as http:
        (payload,) = EpuTrade(base_url=server.base_url).fetch(
            Window(date(2025, 1, 15), date(2025, 2, 28)), http, load_settings()
        )
    requests = server.requests_to(OBSERVATIONS)
    assert len(requests) == 2
    query = requests[-1].query
    assert query["series_id"] == "EPUTRADE" and query["file_type"] == "json"
    assert query["api_key"] == API_KEY
    assert (query["observation_start"], query["observation_end"]) == ("2025-01-01", "2025-02-28")
    assert API_KEY not in payload.url and "api_key=***" in payload.url
    assert API_KEY not in caplog.text
    assert rows(payload)[date(2025, 2, 1)]["value"] == pytest.approx(941.221)


def test_live_fetch_without_a_key_says_where_to_put_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_REGIME_RADAR_FRED", json.dumps({"conn_type": "http"}))  # defined, no password
    with HttpClient(sleep=lambda s: None) as http, pytest.raises(SourceError, match="FRED_API_KEY"):
        EpuTrade(base_url="http://127.0.0.1:9").fetch(
            Window(date(2025, 1, 1), date(2025, 1, 31)), http, load_settings()
        )
