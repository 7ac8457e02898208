"""The shared HTTP client against a real misbehaving server on loopback."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests

from regime_radar.sources.base import SourceError
from regime_radar.sources.http import FetchError, HttpClient
from tests.support.fake_time import FakeTime
from tests.support.fault_server import Fault, FaultServer

SECRET = "s3cr3t-Key-0042"
JSON_BODY = b'{"chart": {"result": []}}'


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(sleeps: list[float]) -> Iterator[Callable[..., HttpClient]]:
    clients: list[HttpClient] = []

    def make(**overrides: Any) -> HttpClient:
        options: dict[str, Any] = {"sleep": sleeps.append, "timeout": 2.0, "connect_timeout": 2.0}
        options.update(overrides)
        client = HttpClient(**options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _exception_texts(exc: BaseException) -> str:
    """Every message in an exception's chain, as a traceback would show them."""
    texts = []
    seen: BaseException | None = exc
    while seen is not None:
        texts.append(f"{seen!s} {seen!r}")
        seen = seen.__cause__ or seen.__context__
    return "\n".join(texts)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured_then_success(
    server: FaultServer, make_client: Callable[..., HttpClient], sleeps: list[float], status: int
) -> None:
    server.script(
        "/v8/finance/chart/NVDA",
        [Fault.status(status, retry_after=7), Fault.ok(JSON_BODY, content_type="application/json")],
    )
    client = make_client()

    payload = client.get(server.url("/v8/finance/chart/NVDA"), name="chart/NVDA.json", expect="json")

    assert payload.body == JSON_BODY
    assert payload.name == "chart/NVDA.json"
    assert payload.status == 200
    assert payload.content_type == "application/json"
    assert payload.fetched_at.tzinfo is not None
    assert abs((datetime.now(UTC) - payload.fetched_at).total_seconds()) < 5
    assert sleeps == [7.0]
    assert len(server.requests) == 2


def test_retry_after_is_capped_at_backoff_cap(
    server: FaultServer, make_client: Callable[..., HttpClient], sleeps: list[float]
) -> None:
    server.script("/q", [Fault.status(429, retry_after=3600), Fault.ok(b"ok")])

    make_client(backoff_cap=12.0).get(server.url("/q"), name="q")

    assert sleeps == [12.0]


def test_retry_after_as_http_date(
    server: FaultServer, make_client: Callable[..., HttpClient], sleeps: list[float]
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    server.script("/q", [Fault.status(503, retry_after=when), Fault.ok(b"ok")])

    make_client().get(server.url("/q"), name="q")

    assert len(sleeps) == 1
    assert 17.5 < sleeps[0] <= 20.5


def test_500_then_success_with_jittered_backoff_ignoring_retry_after(
    server: FaultServer, make_client: Callable[..., HttpClient], sleeps: list[float]
) -> None:
    server.script("/q", [Fault.status(500, retry_after=9), Fault.ok(b"fine")])

    payload = make_client(backoff_base=0.5).get(server.url("/q"), name="q")

    assert payload.body == b"fine"
    assert len(sleeps) == 1
    assert 0.0 <= sleeps[0] <= 0.5  # full jitter on base * 2**0, not the 9 s Retry-After of a 500


def test_connection_reset_then_success(
    server: FaultServer, make_client: Callable[..., HttpClient], sleeps: list[float]
) -> None:
    server.script("/q", [Fault.reset(), Fault.ok(b"after reset")])

    payload = make_client().get(server.url("/q"), name="q")

    assert payload.body == b"after reset"
    assert len(server.requests) == 2
    assert len(sleeps) == 1


def test_read_timeout_then_success(
    server: FaultServer, make_client: Callable[..., HttpClient], sleeps: list[float]
) -> None:
    server.script("/slow", [Fault.delay(5, then=Fault.ok(b"too late")), Fault.ok(b"in time")])
    client = make_client(timeout=0.3)

    started = time.monotonic()
    payload = client.get(server.url("/slow"), name="slow")
    elapsed = time.monotonic() - started

    assert payload.body == b"in time"
    assert 0.3 <= elapsed < 3.0
    assert len(server.requests) == 2
    assert len(sleeps) == 1


def test_truncated_body_is_retried(
    server: FaultServer, make_client: Callable[..., HttpClient], sleeps: list[float]
) -> None:
    server.script("/q", [Fault.truncated(b'{"chart": {', declared_length=500), Fault.ok(JSON_BODY)])

    payload = make_client().get(server.url("/q"), name="q", expect="json")

    assert payload.body == JSON_BODY
    assert len(server.requests) == 2


def test_body_that_always_truncates_fails_clearly(
    server: FaultServer, make_client: Callable[..., HttpClient], sleeps: list[float]
) -> None:
    server.route("/q", Fault.truncated(b"date,close\n2025-01-27,118.42\n", declared_length=10_000))

    with pytest.raises(FetchError) as caught:
        make_client(max_attempts=3).get(server.url("/q"), name="q", expect="csv")

    message = str(caught.value)
    assert "truncated" in message
    assert "3 attempts" in message
    assert server.url("/q") in message
    assert caught.value.attempts == 3
    assert len(server.requests) == 3
    assert len(sleeps) == 2


def test_oversized_streamed_body_is_refused_without_retry(
    server: FaultServer, make_client: Callable[..., HttpClient], sleeps: list[float]
) -> None:
    server.route("/big", Fault.oversized(2_000_000))

    with pytest.raises(FetchError, match="oversized body") as caught:
        make_client(max_bytes=100_000).get(server.url("/big"), name="big")

    assert caught.value.attempts == 1
    assert len(server.requests) == 1
    assert sleeps == []


def test_oversized_declared_length_is_refused_before_reading(
    server: FaultServer, make_client: Callable[..., HttpClient]
) -> None:
    server.route("/big", Fault.oversized(2_000_000, declare_length=True))

    with pytest.raises(FetchError, match=r"oversized body, Content-Length 2000000"):
        make_client(max_bytes=100_000).get(server.url("/big"), name="big")

    assert len(server.requests) == 1


def test_body_exactly_at_the_limit_is_accepted(server: FaultServer, make_client: Callable[..., HttpClient]) -> None:
    server.route("/edge", Fault.oversized(100_000))

    payload = make_client(max_bytes=100_000).get(server.url("/edge"), name="edge")

    assert len(payload.body) == 100_000


def test_html_where_json_expected_is_refused_and_not_retried(
    server: FaultServer, make_client: Callable[..., HttpClient], sleeps: list[float]
) -> None:
    server.script("/quote", [Fault.html(), Fault.ok(JSON_BODY)])

    with pytest.raises(FetchError) as caught:
        make_client().get(server.url("/quote"), name="quote", params={"symbol": "NVDA"}, expect="json")

    message = str(caught.value)
    assert message.startswith(f"expected JSON from {server.url('/quote')}?symbol=NVDA, got an HTML page: ")
    assert "<!DOCTYPE html>" in message
    assert len(server.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("expect", "body", "accepted"),
    [
        ("json", b'[{"a": 1}]', True),
        ("json", b"", False),
        ("xml", b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', True),
        ("xml", b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>', True),
        ("xml", b'<?xml version="1.0"?>\n<!DOCTYPE html><html><body>blocked</body></html>', False),
        ("xml", b'{"items": []}', False),
        ("csv", b"Date,Open,High,Low,Close,Volume\n2025-01-27,124.8,128.4,116.7,118.4,818830900\n", True),
        ("csv", b"<!doctype html><html><body>Are you a robot?</body></html>", False),
        ("csv", b'{"error": "api key required"}', False),
        ("csv", b"   \n", False),
        ("xlsx", b"PK\x03\x04\x14\x00\x06\x00rest-of-zip", True),
        ("xlsx", b"Date,Value\n", False),
    ],
)
def test_expected_content_kinds(
    server: FaultServer, make_client: Callable[..., HttpClient], expect: str, body: bytes, accepted: bool
) -> None:
    server.route("/doc", Fault.ok(body))
    client = make_client()

    if accepted:
        assert client.get(server.url("/doc"), name="doc", expect=expect).body == body
    else:
        with pytest.raises(FetchError, match=f"from {server.url('/doc')}, got "):
            client.get(server.url("/doc"), name="doc", expect=expect)
        assert len(server.requests) == 1


def test_unknown_expected_kind_is_a_programming_error(
    server: FaultServer, make_client: Callable[..., HttpClient]
) -> None:
    with pytest.raises(ValueError, match="expect must be one of"):
        make_client().get(server.url("/doc"), name="doc", expect="yaml")
    assert server.requests == []


def test_404_fails_at_once_with_status_and_body(
    server: FaultServer, make_client: Callable[..., HttpClient], sleeps: list[float]
) -> None:
    server.route("/fred/series/observations", Fault.status(404, b"Bad Request. The series does not exist."))

    with pytest.raises(FetchError) as caught:
        make_client().get(server.url("/fred/series/observations"), name="obs")

    assert isinstance(caught.value, SourceError)
    assert "HTTP 404" in str(caught.value)
    assert "The series does not exist." in str(caught.value)
    assert caught.value.status == 404
    assert caught.value.attempts == 1
    assert len(server.requests) == 1
    assert sleeps == []


def test_unlisted_5xx_is_not_retried(server: FaultServer, make_client: Callable[..., HttpClient]) -> None:
    server.route("/q", Fault.status(501, b"not implemented"))

    with pytest.raises(FetchError, match="HTTP 501"):
        make_client().get(server.url("/q"), name="q")

    assert len(server.requests) == 1


def test_max_attempts_exhausted_names_attempts_and_last_status(
    server: FaultServer, make_client: Callable[..., HttpClient], sleeps: list[float]
) -> None:
    server.route("/q", Fault.status(502, b"bad gateway"))
    client = make_client(max_attempts=4, backoff_base=1.0, backoff_cap=3.0)

    with pytest.raises(FetchError) as caught:
        client.get(server.url("/q"), name="q")

    message = str(caught.value)
    assert "after 4 attempts" in message
    assert "HTTP 502" in message
    assert caught.value.attempts == 4
    assert caught.value.status == 502
    assert len(server.requests) == 4
    assert len(sleeps) == 3  # no pointless wait after the last attempt
    for attempt, slept in enumerate(sleeps):
        assert 0.0 <= slept <= min(3.0, 1.0 * 2**attempt)


def test_connection_refused_is_retried_then_reported_without_secrets(
    make_client: Callable[..., HttpClient], sleeps: list[float]
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/fred/series/observations"
    client = make_client(max_attempts=2, secrets=[SECRET])

    with pytest.raises(FetchError) as caught:
        client.get(url, name="obs", params={"api_key": SECRET, "series_id": "SP500"})

    texts = _exception_texts(caught.value)
    assert "connection failed" in texts
    assert "after 2 attempts" in texts
    assert SECRET not in texts
    assert len(sleeps) == 1


def test_secrets_are_sent_but_redacted_from_payload_url(
    server: FaultServer, make_client: Callable[..., HttpClient]
) -> None:
    server.route("/fred/series/observations", Fault.ok(JSON_BODY))
    client = make_client(secrets=[SECRET])

    payload = client.get(
        server.url("/fred/series/observations"),
        name="obs",
        params={"api_key": SECRET, "series_id": "SP500", "file_type": "json"},
    )

    assert server.requests[0].query["api_key"] == SECRET
    assert SECRET not in payload.url
    expected = server.url("/fred/series/observations") + "?api_key=***&series_id=SP500&file_type=json"
    assert payload.url == expected


def test_credential_like_params_are_redacted_without_registration(
    server: FaultServer, make_client: Callable[..., HttpClient]
) -> None:
    server.route("/q", Fault.ok(b"ok"))

    payload = make_client().get(
        server.url("/q"),
        name="q",
        params={"apiKey": "k-111", "token": "t-222", "crumb": "c-333", "access_token": "a-444", "sym": "X"},
    )

    for value in ("k-111", "t-222", "c-333", "a-444"):
        assert value not in payload.url
    assert "sym=X" in payload.url


def test_secret_added_later_is_redacted_in_paths_and_encoded_forms(
    server: FaultServer, make_client: Callable[..., HttpClient]
) -> None:
    odd_secret = "p@ss/w+rd=1"
    server.route(f"/v1/{SECRET}/data", Fault.ok(b"ok"))
    client = make_client()
    client.add_secret(SECRET)
    client.add_secret(odd_secret)

    payload = client.get(server.url(f"/v1/{SECRET}/data"), name="data", params={"q": odd_secret})

    assert server.requests[0].query["q"] == odd_secret
    assert SECRET not in payload.url
    assert "p%40ss%2Fw%2Brd%3D1" not in payload.url
    assert odd_secret not in payload.url
    assert payload.url.startswith(server.url("/v1/***/data"))


def test_secrets_are_redacted_from_error_bodies(server: FaultServer, make_client: Callable[..., HttpClient]) -> None:
    server.route("/q", Fault.status(403, f"invalid api_key {SECRET} for this endpoint".encode()))

    with pytest.raises(FetchError) as caught:
        make_client(secrets=[SECRET]).get(server.url("/q"), name="q", params={"api_key": SECRET})

    texts = _exception_texts(caught.value)
    assert "HTTP 403" in texts
    assert "invalid api_key *** for this endpoint" in texts
    assert SECRET not in texts


def test_logs_one_line_per_attempt_and_never_a_secret(
    server: FaultServer, make_client: Callable[..., HttpClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3's DEBUG request lines carry the full query string
    server.script("/fred/series/observations", [Fault.status(500), Fault.reset(), Fault.ok(JSON_BODY)])
    client = make_client(secrets=[SECRET])

    client.get(server.url("/fred/series/observations"), name="obs", params={"api_key": SECRET})

    ours = [r for r in caplog.records if r.name == "regime_radar.http"]
    assert len(ours) == 3
    assert all("api_key=***" in r.getMessage() for r in ours)
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    assert SECRET not in caplog.text
    assert all(SECRET not in r.getMessage() for r in caplog.records)


def test_redact_helper() -> None:
    text = (
        f"https://user:hunter2@example.com/x?series_id=SP500&APIKEY=abc&key=def&password=ghi;secret=jkl "
        f"and {SECRET} in prose"
    )

    with HttpClient(secrets=[SECRET]) as client:
        redacted = client.redact(text)

    for value in ("hunter2", "abc", "def", "ghi", "jkl", SECRET):
        assert value not in redacted
    assert "series_id=SP500" in redacted
    assert "in prose" in redacted


def test_rate_limit_spaces_requests_to_a_host(server: FaultServer, make_client: Callable[..., HttpClient]) -> None:
    server.route("/q", Fault.ok(b"ok"))
    fake = FakeTime()
    client = make_client(sleep=fake.sleep, clock=fake.clock, rate_limits={"api.example.org": 1.0})

    for _ in range(3):
        client.get(server.url("/q"), name="q")
    assert fake.sleeps == []  # another host's limit does not slow this one

    client.set_rate_limit("127.0.0.1", 4.0)
    for _ in range(3):
        client.get(server.url("/q"), name="q")
    assert fake.sleeps == pytest.approx([0.25, 0.25])


def test_rate_limit_spacing_in_real_time(server: FaultServer) -> None:
    """The real clock and sleep enforce the limit: 4 requests at 20/s cannot take less than 3 x 50 ms.

    A lower bound on the client's own elapsed time holds however loaded the machine is (sleep never
    returns early); gaps between server-side arrivals do not, since loopback delivery jitters.
    """
    server.route("/q", Fault.ok(b"ok"))

    with HttpClient(rate_limits={"127.0.0.1": 20.0}) as client:
        started = time.monotonic()
        for _ in range(4):
            client.get(server.url("/q"), name="q")
        elapsed = time.monotonic() - started

    assert len(server.requests) == 4
    assert elapsed >= 3 * 0.05, elapsed


def test_cookies_are_kept_across_requests_in_one_client(
    server: FaultServer, make_client: Callable[..., HttpClient]
) -> None:
    server.route("/", Fault.set_cookie("A3", "d=AQABBA&S=AQAAAp", b"<html></html>"))
    server.route("/v1/test/getcrumb", Fault.ok(b"Xy9crumb", content_type="text/plain"))
    client = make_client()

    client.get(server.url("/"), name="home")
    crumb = client.get(server.url("/v1/test/getcrumb"), name="crumb")
    make_client().get(server.url("/v1/test/getcrumb"), name="crumb")

    assert crumb.body == b"Xy9crumb"
    with_cookie, fresh_client = server.requests_to("/v1/test/getcrumb")
    assert "A3=d=AQABBA&S=AQAAAp" in with_cookie.headers.get("Cookie", "")
    assert "Cookie" not in fresh_client.headers
    assert client.session.cookies.get("A3") == "d=AQABBA&S=AQAAAp"


def test_user_agent_and_request_headers_are_sent(server: FaultServer, make_client: Callable[..., HttpClient]) -> None:
    server.route("/q", Fault.ok(b"ok"))

    make_client(user_agent="Regime Radar ops@example.com").get(
        server.url("/q"), name="q", headers={"Accept": "application/json"}
    )

    assert server.requests[0].headers["User-Agent"] == "Regime Radar ops@example.com"
    assert server.requests[0].headers["Accept"] == "application/json"


def test_fault_server_scripts_repeat_their_last_item_and_unknown_paths_404(server: FaultServer) -> None:
    server.script("/s", [Fault.status(500), Fault.ok(b'{"n": 1}', content_type="application/json")])

    codes = [requests.get(server.url("/s"), timeout=2).status_code for _ in range(3)]
    missing = requests.get(server.url("/missing?x=1&x=2"), timeout=2)

    assert codes == [500, 200, 200]
    assert missing.status_code == 404
    assert server.requests[-1].query == {"x": "2"}
    assert server.requests[-1].query_lists == {"x": ["1", "2"]}
    assert json.loads(requests.get(server.url("/s"), timeout=2).content) == {"n": 1}


def test_fault_server_shuts_down_promptly_with_a_response_pending() -> None:
    started = time.monotonic()
    with FaultServer() as srv:
        srv.route("/hang", Fault.delay(60))
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get(srv.url("/hang"), timeout=0.2)
    assert time.monotonic() - started < 3.0
