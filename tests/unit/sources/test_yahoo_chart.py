"""Yahoo chart v8: parsing recorded payloads, the demo replay, and the live client against a faulty server."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from regime_radar import catalog
from regime_radar.config import DEMO_REPLAY_DIR, load_settings
from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.http import FetchError, HttpClient
from regime_radar.sources.market_calendar import nyse_trading_days
from regime_radar.sources.yahoo_chart import SOURCE, YahooChart
from tests.support.fault_server import Fault, FaultServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "yahoo_chart"
REPLAY = DEMO_REPLAY_DIR / "yahoo_chart"


def fixture(file: str, name: str) -> Payload:
    return Payload(name=name, body=(FIXTURES / file).read_bytes(), url=f"replay://yahoo_chart/{name}")


def rows(payloads: list[Payload]) -> list[dict[str, Any]]:
    return SOURCE.parse(payloads)["prices_daily"].to_pylist()


def test_parse_keeps_close_and_adjusted_close_across_a_split_and_dividend() -> None:
    table = SOURCE.parse([fixture("NVDA_split.json", "NVDA.json")])["prices_daily"]
    assert table.schema.equals(catalog.get("prices_daily").arrow_schema())
    bars = table.to_pylist()
    assert [b["date"] for b in bars] == [date(2024, 6, d) for d in (5, 6, 7, 10, 11, 12)]
    by_day = {b["date"]: b for b in bars}
    # Yahoo's close is split-adjusted: no 90% drop across the 10:1 split of 2024-06-10.
    assert by_day[date(2024, 6, 10)]["close"] / by_day[date(2024, 6, 7)]["close"] == pytest.approx(1.0075, abs=1e-3)
    # The dividend (ex 2024-06-11) lowers adj_close only before the ex-date.
    assert by_day[date(2024, 6, 7)]["adj_close"] < by_day[date(2024, 6, 7)]["close"]
    assert by_day[date(2024, 6, 11)]["adj_close"] == by_day[date(2024, 6, 11)]["close"]
    nvda = by_day[date(2024, 6, 12)]
    assert nvda["close"] == pytest.approx(125.20, abs=1e-4)
    assert isinstance(nvda["volume"], int) and nvda["volume"] == 299_595_000
    assert (nvda["symbol"], nvda["currency"], nvda["source"]) == ("NVDA", "USD", "yahoo_chart")


def test_available_at_is_the_new_york_close_in_both_summer_and_winter() -> None:
    summer = rows([fixture("NVDA_split.json", "NVDA.json")])[0]
    assert summer["available_at"] == datetime(2024, 6, 5, 20, 0, tzinfo=UTC)  # 16:00 EDT
    replay = rows([Payload("NVDA.json", (REPLAY / "NVDA.json").read_bytes(), "replay://yahoo_chart/NVDA.json")])
    winter = next(r for r in replay if r["date"] == date(2025, 1, 27))
    assert winter["available_at"] == datetime(2025, 1, 27, 21, 0, tzinfo=UTC)  # 16:00 EST


def test_holidays_and_null_bars_are_dropped_and_a_repeated_live_bar_keeps_the_last() -> None:
    bars = rows([fixture("SPY_holiday.json", "SPY.json")])
    assert [b["date"] for b in bars] == [date(2024, 7, 2), date(2024, 7, 3), date(2024, 7, 8)]
    assert bars[-1]["close"] == pytest.approx(555.28, abs=1e-3)
    assert bars[-1]["volume"] == 36_110_500


def test_a_window_without_sessions_gives_an_empty_table() -> None:
    table = SOURCE.parse([fixture("QQQ_weekend.json", "QQQ.json")])["prices_daily"]
    assert table.num_rows == 0
    assert table.schema.equals(catalog.get("prices_daily").arrow_schema())
    assert SOURCE.parse([])["prices_daily"].num_rows == 0


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("XYZQ_error.json", "No data found, symbol may be delisted"),
        ("NVDA_truncated.json", "not valid JSON"),
        ("consent_wall.html", "HTML"),
    ],
)
def test_unusable_payloads_raise_a_clear_source_error(file: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as caught:
        SOURCE.parse([fixture(file, "XYZQ.json")])
    assert "XYZQ.json" in str(caught.value)


def test_a_payload_for_the_wrong_symbol_names_both_symbols() -> None:
    with pytest.raises(SourceError, match=r"'NVDA'.*'AMD'"):
        SOURCE.parse([fixture("NVDA_split.json", "AMD.json")])


def test_symbol_recorded_in_meta_wins_over_the_payload_name() -> None:
    payload = fixture("NVDA_split.json", "chart-0001.json")
    payload.meta["symbol"] = "NVDA"
    assert len(rows([payload])) == 6


# --- the demo replay -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def replay_returns() -> dict[str, dict[date, float]]:
    payloads = [Payload(p.name, p.read_bytes(), f"replay://yahoo_chart/{p.name}") for p in REPLAY.glob("*.json")]
    table = SOURCE.parse(payloads)["prices_daily"]
    closes: dict[str, dict[date, float]] = {}
    for row in table.to_pylist():
        closes.setdefault(row["symbol"], {})[row["date"]] = row["close"]
    returns: dict[str, dict[date, float]] = {}
    for symbol, series in closes.items():
        days = sorted(series)
        returns[symbol] = {d: series[d] / series[p] - 1.0 for p, d in itertools.pairwise(days)}
    return returns


def test_replay_covers_the_universe_on_every_nyse_trading_day(
    replay_returns: dict[str, dict[date, float]],
) -> None:
    from regime_radar import universe

    assert set(replay_returns) == set(universe.symbols())
    expected = nyse_trading_days(date(2024, 6, 3), date(2025, 2, 28))[1:]
    assert date(2025, 1, 9) not in expected and date(2024, 7, 4) not in expected
    for symbol, series in replay_returns.items():
        assert sorted(series) == expected, symbol


def test_replay_event_day_matches_the_public_record(replay_returns: dict[str, dict[date, float]]) -> None:
    day = date(2025, 1, 27)
    expected = {"NVDA": -0.17, "AVGO": -0.17, "TSM": -0.13, "SMH": -0.10, "QQQ": -0.03, "SPY": -0.015}
    for symbol, move in expected.items():
        assert replay_returns[symbol][day] == pytest.approx(move, abs=0.006), symbol
    after_guidance = (1 + replay_returns["NVDA"][date(2025, 2, 5)]) * (1 + replay_returns["NVDA"][date(2025, 2, 6)])
    assert 1.04 < after_guidance < 1.10


def test_replay_ordinary_days_show_no_other_sector_crash(
    replay_returns: dict[str, dict[date, float]],
) -> None:
    from regime_radar import universe

    qqq = replay_returns["QQQ"]
    for symbol in universe.basket("ai_hardware"):
        for day, move in replay_returns[symbol].items():
            if day != date(2025, 1, 27):
                assert move - qqq[day] > -0.05, (symbol, day, move)


def test_the_generator_reproduces_the_committed_replay_files(tmp_path: Path) -> None:
    from regime_radar.demo import generate_markets

    generate_markets.main(tmp_path)
    for source in ("yahoo_chart", "fred_markets", "sec_capex"):
        committed = sorted(p.name for p in (DEMO_REPLAY_DIR / source).glob("*.json"))
        assert committed == sorted(p.name for p in (tmp_path / source).glob("*.json"))
        for name in committed:
            assert (tmp_path / source / name).read_bytes() == (DEMO_REPLAY_DIR / source / name).read_bytes(), name


# --- the live client against a misbehaving server on loopback ---------------------------------


def chart_body(symbol: str) -> bytes:
    document = json.loads((FIXTURES / "NVDA_split.json").read_bytes())
    document["chart"]["result"][0]["meta"]["symbol"] = symbol
    return json.dumps(document).encode()


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        srv.route("/", Fault.set_cookie("A3", "d=consent-cookie", b"not found"))
        srv.route("/v1/test/getcrumb", Fault.ok(b"Xq9.crumbABC", content_type="text/plain"))
        yield srv


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(sleep=lambda s: None, timeout=0.5, connect_timeout=0.5, max_attempts=3) as http:
        yield http


WINDOW = Window.parse("2024-06-05", "2024-06-12")


def fetch(server: FaultServer, client: HttpClient, symbols: tuple[str, ...]) -> list[Payload]:
    source = YahooChart(base_url=server.base_url, symbols=symbols)
    return source.fetch(WINDOW, client, load_settings(mode="live"))


def test_live_fetch_does_the_cookie_crumb_handshake_then_asks_for_daily_bars(
    server: FaultServer, client: HttpClient
) -> None:
    server.route("/v8/finance/chart/NVDA", Fault.ok(chart_body("NVDA"), content_type="application/json"))
    payloads = fetch(server, client, ("NVDA",))
    assert [p.name for p in payloads] == ["NVDA.json"]
    assert "Xq9.crumbABC" not in payloads[0].url
    chart_request = server.requests_to("/v8/finance/chart/NVDA")[0]
    assert chart_request.headers["Cookie"] == "A3=d=consent-cookie"
    assert chart_request.query["crumb"] == "Xq9.crumbABC"
    assert chart_request.query["interval"] == "1d" and chart_request.query["events"] == "div,split"
    assert int(chart_request.query["period1"]) == int(datetime(2024, 6, 5, tzinfo=UTC).timestamp())
    assert int(chart_request.query["period2"]) == int(datetime(2024, 6, 13, tzinfo=UTC).timestamp())
    assert len(SOURCE.parse(payloads)["prices_daily"]) == 6


def test_live_fetch_works_when_the_cookie_host_answers_404(server: FaultServer, client: HttpClient) -> None:
    server.route("/", Fault.status(404, b"", headers={"Set-Cookie": "A3=d=from-404; Path=/"}))
    server.route("/v8/finance/chart/NVDA", Fault.ok(chart_body("NVDA"), content_type="application/json"))
    fetch(server, client, ("NVDA",))
    assert server.requests_to("/v8/finance/chart/NVDA")[0].headers["Cookie"] == "A3=d=from-404"


def test_a_throttled_cookie_step_is_a_failure_not_ignored(server: FaultServer, client: HttpClient) -> None:
    server.route("/", Fault.status(429, retry_after=0))
    with pytest.raises(FetchError, match="429"):
        fetch(server, client, ("NVDA",))
    assert server.requests_to("/v1/test/getcrumb") == []


def ok_chart(symbol: str) -> Fault:
    return Fault.ok(chart_body(symbol), content_type="application/json")


@pytest.mark.parametrize(
    "first_answer",
    [
        Fault.status(429, retry_after=0),
        Fault.status(500),
        Fault.reset(),
        Fault.delay(1.5),  # longer than the client's read timeout
        Fault.truncated(b'{"chart": {"result": [', 4096),
    ],
    ids=["429", "500", "reset", "timeout", "truncated"],
)
def test_transient_faults_are_retried(server: FaultServer, client: HttpClient, first_answer: Fault) -> None:
    server.script("/v8/finance/chart/AMD", [first_answer, ok_chart("AMD")])
    payloads = fetch(server, client, ("AMD",))
    assert len(server.requests_to("/v8/finance/chart/AMD")) == 2
    assert SOURCE.parse(payloads)["prices_daily"].column("symbol").to_pylist() == ["AMD"] * 6


def test_a_slow_but_timely_answer_is_accepted(server: FaultServer, client: HttpClient) -> None:
    server.route("/v8/finance/chart/AMD", Fault.delay(0.2, then=ok_chart("AMD")))
    assert len(fetch(server, client, ("AMD",))) == 1
    assert len(server.requests_to("/v8/finance/chart/AMD")) == 1


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Fault.status(500), "failed after 3 attempts"),
        (Fault.html(), "expected JSON"),
        (Fault.status(404), "404"),
    ],
    ids=["persistent-500", "html", "404"],
)
def test_a_failing_symbol_fails_the_whole_fetch(
    server: FaultServer, client: HttpClient, answer: Fault, message: str
) -> None:
    server.route("/v8/finance/chart/NVDA", ok_chart("NVDA"))
    server.route("/v8/finance/chart/AMD", answer)
    result: list[Payload] | None = None
    with pytest.raises(FetchError, match=message):
        result = fetch(server, client, ("NVDA", "AMD"))
    assert result is None  # nothing partial comes back


def test_a_missing_crumb_is_a_clear_failure(server: FaultServer, client: HttpClient) -> None:
    server.route("/v1/test/getcrumb", Fault.html())
    with pytest.raises(SourceError, match="crumb"):
        fetch(server, client, ("NVDA",))
    assert server.requests_to("/v8/finance/chart/NVDA") == []


def test_requests_are_paced_to_the_rate_limit(server: FaultServer) -> None:
    waits: list[float] = []
    clock_now = [0.0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock_now[0] += seconds

    clock: Callable[[], float] = lambda: clock_now[0]  # noqa: E731
    for symbol in ("NVDA", "AMD", "MU"):
        server.route(f"/v8/finance/chart/{symbol}", ok_chart(symbol))
    with HttpClient(sleep=sleep, clock=clock) as http:
        YahooChart(base_url=server.base_url, symbols=("NVDA", "AMD", "MU")).fetch(WINDOW, http, load_settings())
    # five requests (cookie, crumb, three charts) at two per second: four half-second waits
    assert sum(waits) == pytest.approx(2.0)
