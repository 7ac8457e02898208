"""SEC EDGAR capex: YTD differencing, fiscal calendars, duplicates, the demo replay and the live client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from regime_radar import catalog
from regime_radar.config import DEMO_REPLAY_DIR, load_settings
from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.http import FetchError, HttpClient
from regime_radar.sources.sec_capex import SOURCE, SecCapex
from tests.support.fault_server import Fault, FaultServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sec_capex"
REPLAY = DEMO_REPLAY_DIR / "sec_capex"
PPE = "PaymentsToAcquirePropertyPlantAndEquipment"
PRODUCTIVE = "PaymentsToAcquireProductiveAssets"
USER_AGENT = "Regime Radar tests ops@example.com"


def fixture(file: str) -> Payload:
    return Payload(name=file, body=(FIXTURES / file).read_bytes(), url=f"replay://sec_capex/{file}")


def quarters(*files: str) -> list[dict[str, Any]]:
    return SOURCE.parse([fixture(f) for f in files])["capex_quarterly"].to_pylist()


def by_period(rows: list[dict[str, Any]]) -> dict[tuple[int, str], dict[str, Any]]:
    return {(r["fiscal_year"], r["fiscal_period"]): r for r in rows}


def test_microsoft_ytd_values_are_differenced_within_its_july_to_june_year() -> None:
    table = SOURCE.parse([fixture("MSFT.json")])["capex_quarterly"]
    assert table.schema.equals(catalog.get("capex_quarterly").arrow_schema())
    rows = by_period(table.to_pylist())
    amounts = {key: row["capex_usd"] / 1e6 for key, row in rows.items()}
    assert amounts == {
        (2023, "Q1"): 6283,  # from a comparative: FY2023 has no other quarter to difference
        (2024, "Q1"): 9917,
        (2024, "Q2"): 9735,  # 19652 - 9917
        (2024, "Q3"): 10952,  # 30604 - 19652
        (2024, "Q4"): 13873,  # FY 44477 - 9M 30604
        (2025, "Q1"): 14923,
        (2025, "Q2"): 15804,
    }
    q2 = rows[(2025, "Q2")]
    assert (q2["period_start"], q2["period_end"]) == (date(2024, 10, 1), date(2024, 12, 31))
    assert (q2["ticker"], q2["cik"], q2["tag"], q2["form"]) == ("MSFT", "0000789019", PPE, "10-Q")
    assert q2["accession"] == "0000950170-25-010491"
    q4 = rows[(2024, "Q4")]
    assert (q4["period_start"], q4["period_end"], q4["form"]) == (date(2024, 4, 1), date(2024, 6, 30), "10-K")


def test_available_at_is_the_end_of_the_first_filing_date() -> None:
    rows = by_period(quarters("MSFT.json"))
    # FY2024 Q1 was filed 2023-10-24 and repeated on 2024-10-30: the first filing counts.
    assert rows[(2024, "Q1")]["available_at"] == datetime(2023, 10, 25, 4, 0, tzinfo=UTC)  # 00:00 EDT
    assert rows[(2025, "Q2")]["available_at"] == datetime(2025, 1, 30, 5, 0, tzinfo=UTC)  # 00:00 EST
    # A quarter needs two YTD facts; it is known once the later one is filed.
    assert rows[(2024, "Q4")]["available_at"] == datetime(2024, 7, 31, 4, 0, tzinfo=UTC)


def test_duplicates_keep_the_first_filing_and_restatements_are_ignored() -> None:
    rows = by_period(quarters("META.json"))
    assert {k: r["capex_usd"] / 1e6 for k, r in rows.items()} == {
        (2023, "Q1"): 6823,  # the 10-Q of 2023-04-27, not the 6900 restated a year later
        (2023, "Q2"): 6134,
        (2023, "Q3"): 6543,  # the original 10-Q beats the same-day 10-Q/A
        (2023, "Q4"): 7545,
    }
    assert rows[(2023, "Q1")]["available_at"] == datetime(2023, 4, 28, 4, 0, tzinfo=UTC)
    assert rows[(2023, "Q3")]["form"] == "10-Q"


def test_the_tag_reaching_the_latest_period_wins() -> None:
    rows = quarters("AMZN_ppe_old.json", "AMZN_productive.json")
    assert {r["tag"] for r in rows} == {PRODUCTIVE}
    assert [(r["period_end"], r["capex_usd"] / 1e6) for r in rows] == [
        (date(2024, 3, 31), 14925),
        (date(2024, 6, 30), 17620),
    ]
    # With only the old tag, the old tag is used.
    assert {r["tag"] for r in quarters("AMZN_ppe_old.json")} == {PPE}


def test_a_company_without_facts_gives_no_rows() -> None:
    assert quarters("GOOGL_empty.json") == []
    assert SOURCE.parse([])["capex_quarterly"].num_rows == 0


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("MSFT_truncated.json", "not valid JSON"),
        ("undeclared_tool.html", "HTML"),
        ("unknown_cik.json", "CIK 320193 is not a hyperscaler"),
        ("GOOGL_shrinking_ytd.json", r"GOOGL FY2024 Q2 .* negative"),
    ],
)
def test_unusable_payloads_raise_a_clear_source_error(file: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        SOURCE.parse([fixture(file)])


# --- the demo replay -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def replay_rows() -> list[dict[str, Any]]:
    payloads = [Payload(p.name, p.read_bytes(), f"replay://sec_capex/{p.name}") for p in REPLAY.glob("*.json")]
    return SOURCE.parse(payloads)["capex_quarterly"].to_pylist()


def test_replay_holds_at_least_eight_quarters_per_hyperscaler_through_2024q4(
    replay_rows: list[dict[str, Any]],
) -> None:
    for ticker in ("MSFT", "GOOGL", "AMZN", "META"):
        own = [r for r in replay_rows if r["ticker"] == ticker and r["period_end"] <= date(2024, 12, 31)]
        assert len(own) >= 8, ticker
        assert max(r["period_end"] for r in own) == date(2024, 12, 31), ticker


def test_replay_amounts_are_quarters_not_year_to_date(replay_rows: list[dict[str, Any]]) -> None:
    ytd_values: dict[tuple[str, date], set[float]] = {}
    for path in REPLAY.glob("*.json"):
        document = json.loads(path.read_bytes())
        for fact in document["units"]["USD"]:
            ytd_values.setdefault((path.stem, date.fromisoformat(fact["end"])), set()).add(float(fact["val"]))
    later_quarters = 0
    for row in replay_rows:
        assert 85 <= (row["period_end"] - row["period_start"]).days <= 95, row
        if row["fiscal_period"] != "Q1":
            # A later quarter is the difference of two YTD facts, never a reported YTD value itself.
            assert row["capex_usd"] not in ytd_values[(row["ticker"], row["period_end"])], row
            later_quarters += 1
    assert later_quarters >= 30


def test_replay_matches_reported_annual_totals(replay_rows: list[dict[str, Any]]) -> None:
    def total(ticker: str, fiscal_year: int) -> float:
        return sum(r["capex_usd"] for r in replay_rows if r["ticker"] == ticker and r["fiscal_year"] == fiscal_year)

    assert total("MSFT", 2024) == 44_477e6
    assert total("GOOGL", 2024) == 52_535e6
    assert total("AMZN", 2024) == 83_004e6
    assert total("META", 2024) == 37_256e6


# --- the live client against a misbehaving server on loopback ---------------------------------


def concept_path(cik: int, tag: str) -> str:
    return f"/api/xbrl/companyconcept/CIK{cik:010d}/us-gaap/{tag}.json"


@pytest.fixture
def sec_agent(monkeypatch: pytest.MonkeyPatch) -> str:
    connection = {"conn_type": "http", "extra": {"user_agent": USER_AGENT}}
    monkeypatch.setenv("AIRFLOW_CONN_REGIME_RADAR_SEC", json.dumps(connection))
    monkeypatch.delenv("REGIME_RADAR_SEC_USER_AGENT", raising=False)
    return USER_AGENT


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(sleep=lambda s: None, timeout=0.5, connect_timeout=0.5, max_attempts=3) as http:
        yield http


def ok(file: str) -> Fault:
    return Fault.ok((FIXTURES / file).read_bytes(), content_type="application/json")


WINDOW = Window.parse("2024-12-02", "2025-02-28")


def fetch(server: FaultServer, client: HttpClient, tickers: tuple[str, ...]) -> list[Payload]:
    return SecCapex(base_url=server.base_url, tickers=tickers).fetch(WINDOW, client, load_settings(mode="live"))


def test_live_fetch_sends_the_configured_user_agent_and_tries_both_tags(
    server: FaultServer, client: HttpClient, sec_agent: str
) -> None:
    server.route(concept_path(789019, PPE), ok("MSFT.json"))
    payloads = fetch(server, client, ("MSFT",))  # PaymentsToAcquireProductiveAssets answers 404
    assert [p.name for p in payloads] == [f"MSFT/{PPE}.json"]
    requests = server.requests
    assert [r.path for r in requests] == [concept_path(789019, PPE), concept_path(789019, PRODUCTIVE)]
    assert all(r.headers["User-Agent"] == sec_agent for r in requests)
    assert len(SOURCE.parse(payloads)["capex_quarterly"]) == 7


def test_the_user_agent_falls_back_to_the_environment(
    server: FaultServer, client: HttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_REGIME_RADAR_SEC", json.dumps({"conn_type": "http"}))
    monkeypatch.setenv("REGIME_RADAR_SEC_USER_AGENT", "Env Person env@example.com")
    server.route(concept_path(789019, PPE), ok("MSFT.json"))
    fetch(server, client, ("MSFT",))
    assert server.requests[0].headers["User-Agent"] == "Env Person env@example.com"


def test_without_a_user_agent_live_mode_fails_before_any_request(
    server: FaultServer, client: HttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_REGIME_RADAR_SEC", json.dumps({"conn_type": "http", "extra": {}}))
    monkeypatch.delenv("REGIME_RADAR_SEC_USER_AGENT", raising=False)
    with pytest.raises(SourceError, match=r"User-Agent.*regime_radar_sec.*REGIME_RADAR_SEC_USER_AGENT"):
        fetch(server, client, ("MSFT",))
    assert server.requests == []


def test_a_company_with_neither_tag_is_a_clear_failure(server: FaultServer, client: HttpClient, sec_agent: str) -> None:
    with pytest.raises(SourceError, match="for META"):
        fetch(server, client, ("META",))


@pytest.mark.parametrize(
    "first_answer",
    [Fault.status(429, retry_after=0), Fault.status(503), Fault.delay(1.5), Fault.truncated(b'{"cik": 78', 999)],
    ids=["429", "503", "timeout", "truncated"],
)
def test_transient_faults_are_retried(
    server: FaultServer, client: HttpClient, sec_agent: str, first_answer: Fault
) -> None:
    server.script(concept_path(789019, PPE), [first_answer, ok("MSFT.json")])
    assert len(fetch(server, client, ("MSFT",))) == 1
    assert len(server.requests_to(concept_path(789019, PPE))) == 2


def test_a_slow_answer_within_the_timeout_is_accepted(server: FaultServer, client: HttpClient, sec_agent: str) -> None:
    server.route(concept_path(789019, PPE), Fault.delay(0.2, then=ok("MSFT.json")))
    assert len(fetch(server, client, ("MSFT",))) == 1


@pytest.mark.parametrize(
    ("answer", "message"),
    [(Fault.status(500), "after 3 attempts"), (Fault.html(403), "403")],
    ids=["persistent-500", "undeclared-tool-403"],
)
def test_a_failing_company_fails_the_whole_fetch(
    server: FaultServer, client: HttpClient, sec_agent: str, answer: Fault, message: str
) -> None:
    server.route(concept_path(789019, PPE), ok("MSFT.json"))
    server.route(concept_path(1652044, PPE), answer)
    result: list[Payload] | None = None
    with pytest.raises(FetchError, match=message):
        result = fetch(server, client, ("MSFT", "GOOGL"))
    assert result is None


def test_requests_are_paced_to_ten_per_second(server: FaultServer, sec_agent: str) -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    server.route(concept_path(789019, PPE), ok("MSFT.json"))
    server.route(concept_path(1326801, PPE), ok("META.json"))
    with HttpClient(sleep=sleep, clock=lambda: now[0]) as http:
        SecCapex(base_url=server.base_url, tickers=("MSFT", "META")).fetch(WINDOW, http, load_settings())
    assert sum(waits) == pytest.approx(0.3)  # four requests, three 0.1 s gaps
