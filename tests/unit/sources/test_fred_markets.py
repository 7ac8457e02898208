"""FRED market series: parsing recorded payloads, publication times, the demo replay and the live client."""

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
from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.fred_markets import SOURCE, FredMarkets
from regime_radar.sources.http import FetchError, HttpClient
from tests.support.fault_server import Fault, FaultServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fred_markets"
REPLAY = DEMO_REPLAY_DIR / "fred_markets"
API_KEY = "abcdef0123456789abcdef0123456789"


def fixture(file: str, name: str) -> Payload:
    return Payload(name=name, body=(FIXTURES / file).read_bytes(), url=f"replay://fred_markets/{name}")


def rows(*payloads: Payload) -> list[dict[str, Any]]:
    return SOURCE.parse(list(payloads))["market_series"].to_pylist()


def test_dot_is_a_missing_value_kept_as_null_never_zero() -> None:
    table = SOURCE.parse([fixture("SP500.json", "SP500.json")])["market_series"]
    assert table.schema.equals(catalog.get("market_series").arrow_schema())
    by_day = {r["date"]: r["value"] for r in table.to_pylist()}
    assert by_day[date(2024, 7, 4)] is None
    assert by_day[date(2024, 7, 5)] == pytest.approx(5567.19)
    zeros = {r["date"]: r["value"] for r in rows(fixture("zero_is_not_missing.json", "DGS10.json"))}
    assert zeros == {date(2024, 7, 1): 0.0, date(2024, 7, 2): None}


def test_index_closes_are_available_the_same_evening() -> None:
    sp = {r["date"]: r for r in rows(fixture("SP500.json", "SP500.json"))}
    assert sp[date(2024, 7, 3)]["available_at"] == datetime(2024, 7, 3, 21, 0, tzinfo=UTC)  # 17:00 EDT
    assert sp[date(2024, 7, 3)]["source"] == "fred"


def test_h15_yields_wait_for_the_next_fed_business_day() -> None:
    dgs = {r["date"]: r["available_at"] for r in rows(fixture("DGS10.json", "DGS10.json"))}
    # Friday 2024-10-11 is published on Tuesday 10-15 (Monday was Columbus Day), 16:15 EDT.
    assert dgs[date(2024, 10, 11)] == datetime(2024, 10, 15, 20, 15, tzinfo=UTC)


def test_h10_exchange_rates_wait_for_the_weekly_monday_release() -> None:
    cad = {r["date"]: r for r in rows(fixture("DEXCAUS.json", "DEXCAUS.json"))}
    assert cad[date(2025, 1, 29)]["available_at"] == datetime(2025, 2, 3, 21, 15, tzinfo=UTC)
    assert cad[date(2025, 2, 3)]["available_at"] == datetime(2025, 2, 10, 21, 15, tzinfo=UTC)
    # The week of 02-10 is released on Tuesday 02-18: Monday 02-17 is Presidents' Day.
    assert cad[date(2025, 2, 14)]["available_at"] == datetime(2025, 2, 18, 21, 15, tzinfo=UTC)
    assert cad[date(2025, 2, 17)]["value"] is None


def test_an_empty_response_gives_an_empty_table() -> None:
    assert SOURCE.parse([fixture("VIXCLS_empty.json", "VIXCLS.json")])["market_series"].num_rows == 0


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("error_bad_key.json", "FRED error 400"),
        ("SP500_truncated.json", "not valid JSON"),
        ("maintenance.html", "HTML"),
        ("bad_value.json", "'n/a'"),
    ],
)
def test_unusable_payloads_raise_a_clear_source_error(file: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as caught:
        SOURCE.parse([fixture(file, "SP500.json")])
    assert "SP500.json" in str(caught.value)


def test_a_series_missing_from_the_universe_is_refused() -> None:
    with pytest.raises(SourceError, match=r"UNRATE.*universe\.yaml"):
        SOURCE.parse([fixture("SP500.json", "UNRATE.json")])


# --- the demo replay -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def replay() -> dict[str, dict[date, float | None]]:
    payloads = [Payload(p.name, p.read_bytes(), f"replay://fred_markets/{p.name}") for p in REPLAY.glob("*.json")]
    series: dict[str, dict[date, float | None]] = {}
    for row in SOURCE.parse(payloads)["market_series"].to_pylist():
        series.setdefault(row["series_id"], {})[row["date"]] = row["value"]
    return series


def test_replay_has_every_series_and_nulls_only_on_holidays(
    replay: dict[str, dict[date, float | None]],
) -> None:
    assert set(replay) == {
        "SP500",
        "NASDAQCOM",
        "NASDAQ100",
        "VIXCLS",
        "DGS10",
        "DEXCAUS",
        "DEXMXUS",
        "DTWEXBGS",
    }
    assert replay["SP500"][date(2025, 1, 9)] is None  # NYSE closed for President Carter's funeral
    assert replay["DGS10"][date(2024, 10, 14)] is None and replay["SP500"][date(2024, 10, 14)] is not None
    assert all(v is None or v > 0 for values in replay.values() for v in values.values())


def test_replay_matches_the_story(replay: dict[str, dict[date, float | None]]) -> None:
    def change(series: str, before: str, after: str) -> float:
        return replay[series][date.fromisoformat(after)] / replay[series][date.fromisoformat(before)] - 1.0

    assert change("SP500", "2025-01-24", "2025-01-27") == pytest.approx(-0.0146, abs=0.002)
    assert change("NASDAQ100", "2025-01-24", "2025-01-27") == pytest.approx(-0.03, abs=0.004)
    assert change("NASDAQCOM", "2025-01-24", "2025-01-27") == pytest.approx(-0.0307, abs=0.001)
    assert change("VIXCLS", "2025-01-24", "2025-01-27") > 0.15
    assert change("VIXCLS", "2025-01-31", "2025-02-03") > 0.05
    for fx in ("DEXCAUS", "DEXMXUS"):
        assert change(fx, "2025-01-31", "2025-02-03") > 0.008, fx
        assert change(fx, "2025-02-03", "2025-02-04") < -0.01, fx


# --- the live client against a misbehaving server on loopback ---------------------------------

PATH = "/fred/series/observations"
WINDOW = Window.parse("2024-07-01", "2024-07-08")


@pytest.fixture
def fred_key(monkeypatch: pytest.MonkeyPatch) -> str:
    connection = {"conn_type": "http", "host": "api.stlouisfed.org", "password": API_KEY}
    monkeypatch.setenv("AIRFLOW_CONN_REGIME_RADAR_FRED", json.dumps(connection))
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    return API_KEY


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(sleep=lambda s: None, timeout=0.5, connect_timeout=0.5, max_attempts=3) as http:
        yield http


def ok(file: str = "SP500.json") -> Fault:
    return Fault.ok((FIXTURES / file).read_bytes(), content_type="application/json; charset=UTF-8")


def fetch(server: FaultServer, client: HttpClient, series: tuple[str, ...] = ("SP500",)) -> list[Payload]:
    return FredMarkets(base_url=server.base_url, series=series).fetch(WINDOW, client, load_settings(mode="live"))


def test_live_fetch_sends_the_key_from_the_connection_and_records_no_secret(
    server: FaultServer, client: HttpClient, fred_key: str
) -> None:
    server.route(PATH, ok())
    payloads = fetch(server, client)
    request = server.requests_to(PATH)[0]
    assert request.query == {
        "series_id": "SP500",
        "api_key": fred_key,
        "file_type": "json",
        "observation_start": "2024-07-01",
        "observation_end": "2024-07-08",
    }
    assert fred_key not in payloads[0].url and "api_key=***" in payloads[0].url
    assert len(SOURCE.parse(payloads)["market_series"]) == 6


def test_the_key_falls_back_to_the_environment(
    server: FaultServer, client: HttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The connection exists without a key (a connection-less lookup would go through Airflow's metadata DB).
    monkeypatch.setenv("AIRFLOW_CONN_REGIME_RADAR_FRED", json.dumps({"conn_type": "http"}))
    monkeypatch.setenv("FRED_API_KEY", "env-key-0000000000000000000000000")
    server.route(PATH, ok())
    fetch(server, client)
    assert server.requests_to(PATH)[0].query["api_key"] == "env-key-0000000000000000000000000"


def test_without_a_key_the_fetch_fails_before_any_request(
    server: FaultServer, client: HttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_REGIME_RADAR_FRED", json.dumps({"conn_type": "http"}))
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    with pytest.raises(SourceError, match=r"regime_radar_fred.*FRED_API_KEY"):
        fetch(server, client)
    assert server.requests == []


@pytest.mark.parametrize(
    "first_answer",
    [
        Fault.status(429, retry_after=0),
        Fault.status(500),
        Fault.delay(1.5),
        Fault.truncated(b'{"observations": [', 2048),
    ],
    ids=["429", "500", "timeout", "truncated"],
)
def test_transient_faults_are_retried(
    server: FaultServer, client: HttpClient, fred_key: str, first_answer: Fault
) -> None:
    server.script(PATH, [first_answer, ok()])
    assert len(fetch(server, client)) == 1
    assert len(server.requests_to(PATH)) == 2


def test_an_html_page_is_a_clear_final_failure(server: FaultServer, client: HttpClient, fred_key: str) -> None:
    server.script(PATH, [Fault.html(), ok()])
    with pytest.raises(FetchError, match=r"expected JSON.*HTML"):
        fetch(server, client)
    assert len(server.requests_to(PATH)) == 1


def test_a_slow_answer_within_the_timeout_is_accepted(server: FaultServer, client: HttpClient, fred_key: str) -> None:
    server.route(PATH, Fault.delay(0.2, then=ok()))
    assert len(fetch(server, client)) == 1


def test_persistent_failure_raises_without_leaking_the_key(
    server: FaultServer, client: HttpClient, fred_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    server.route(PATH, Fault.status(500, b"internal error for api_key=" + fred_key.encode()))
    result: list[Payload] | None = None
    with caplog.at_level(logging.DEBUG), pytest.raises(FetchError, match="after 3 attempts") as caught:
        result = fetch(server, client, ("SP500", "VIXCLS"))
    assert result is None
    assert fred_key not in str(caught.value)
    assert fred_key not in caplog.text
    assert len(server.requests_to(PATH)) == 3  # the second series was never asked for


def test_requests_are_paced_to_two_per_second(server: FaultServer, fred_key: str) -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    server.route(PATH, ok())
    with HttpClient(sleep=sleep, clock=lambda: now[0]) as http:
        FredMarkets(base_url=server.base_url, series=("SP500", "VIXCLS", "DGS10")).fetch(WINDOW, http, load_settings())
    assert sum(waits) == pytest.approx(1.0)  # three requests, two half-second gaps
