"""White House feeds: parsing RSS items, malformed feeds, WordPress paging against a live server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from regime_radar import catalog
from regime_radar.config import DEMO_REPLAY_DIR, load_settings
from regime_radar.sources import replay
from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.http import FetchError, HttpClient
from regime_radar.sources.whitehouse_actions import SOURCE, WhiteHouseActions, html_to_text
from tests.support.fault_server import Fault, FaultServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "whitehouse_actions"
NORTHERN = "whitehouse_actions:presidential-actions/2025/02/progress-on-the-situation-at-our-northern-border"
CHINA = (
    "whitehouse_actions:presidential-actions/2025/02/"
    "imposing-duties-to-address-the-synthetic-opioid-supply-chain-in-the-peoples-republic-of-china"
)


def fixture(file: str, name: str | None = None) -> Payload:
    name = name or f"presidential-actions/{file}"
    return Payload(name=name, body=(FIXTURES / file).read_bytes(), url=f"replay://whitehouse_actions/{name}")


def parse(*payloads: Payload) -> dict[str, dict[str, Any]]:
    table = SOURCE.parse(list(payloads))["policy_documents"]
    assert table.schema.equals(catalog.get("policy_documents").arrow_schema())
    return {row["doc_id"]: row for row in table.to_pylist()}


def test_items_become_policy_documents_available_when_posted() -> None:
    rows = parse(fixture("presidential-actions.xml"), fixture("remarks.xml", "remarks/page-001.xml"))
    pause = rows[NORTHERN]
    assert pause["feed"] == "whitehouse_actions"
    assert pause["doc_type"] == "executive_order"
    assert pause["available_at"] == datetime(2025, 2, 3, 22, 40, tzinfo=UTC)
    assert pause["published_on"] == date(2025, 2, 3)
    assert pause["signed_on"] == date(2025, 2, 3), "from the signature line"
    assert pause["document_number"] is None and pause["eo_number"] is None
    assert "shall be paused until 12:01 a.m. eastern time on March 4, 2025." in pause["body_text"]
    assert "trackPageView" not in pause["body_text"] and "<p>" not in pause["body_text"]
    china = rows[CHINA]
    assert china["title"].endswith("People’s Republic of China"), "entities in titles are decoded"
    assert "additional 10 percent ad valorem" in china["body_text"]
    memo = rows["whitehouse_actions:presidential-actions/2025/02/reciprocal-trade-and-tariffs"]
    assert memo["doc_type"] == "memorandum"
    assert memo["published_on"] == date(2025, 2, 13), "the New York date of a 02:30 UTC posting"
    assert memo["signed_on"] == date(2025, 2, 13), "an order without a signature line is signed when posted"
    assert memo["body_text"] == "MEMORANDUM FOR THE SECRETARY OF COMMERCE", "description when no content:encoded"
    remarks = rows["whitehouse_actions:remarks/2025/02/remarks-by-president-trump-in-press-gaggle-aboard-air-force-one"]
    assert remarks["doc_type"] == "remarks", "from the link's folder when there is no category"
    assert remarks["signed_on"] is None


def test_the_same_item_in_two_feeds_is_one_row() -> None:
    rows = parse(fixture("presidential-actions.xml"), fixture("presidential-actions.xml", "fact-sheets/page-001.xml"))
    assert len(rows) == 3


def test_an_empty_feed_gives_no_rows() -> None:
    assert parse(fixture("empty_channel.xml")) == {}


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("truncated.xml", "not well-formed XML"),
        ("atom.xml", "expected <rss><channel>"),
        ("item_without_pubdate.xml", "lacks a title, link or pubDate"),
        ("bad_pubdate.xml", "unreadable pubDate"),
    ],
)
def test_malformed_feeds_raise_a_clear_source_error(file: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as caught:
        parse(fixture(file))
    assert f"presidential-actions/{file}" in str(caught.value)


def test_an_html_page_is_refused() -> None:
    page = Payload(name="remarks/page-001.xml", body=b"<!DOCTYPE html><html><body>Access denied</body></html>", url="x")
    with pytest.raises(SourceError, match="HTML page"):
        SOURCE.parse([page])


def test_html_to_text_keeps_paragraphs_apart() -> None:
    assert html_to_text("<p>One <b>bold</b> line.</p><p>Two&amp;three<br>four</p>") == "One bold line.\nTwo&three\nfour"


def test_demo_replay_parses() -> None:
    rows = parse(*replay.load(DEMO_REPLAY_DIR, "whitehouse_actions"))
    orders = [r for r in rows.values() if r["doc_type"] == "executive_order"]
    assert len(orders) >= 8
    assert all(r["signed_on"] == r["published_on"] for r in orders), "orders are posted on their signing day"


# -- live client against a misbehaving local server ---------------------------------------------------


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


def test_live_fetch_follows_wordpress_paging_back_to_the_window(server: FaultServer) -> None:
    xml = "application/rss+xml; charset=UTF-8"
    server.script(
        "/presidential-actions/feed/",
        [
            Fault.status(503, retry_after=0),
            Fault.ok((FIXTURES / "presidential-actions.xml").read_bytes(), xml),
            Fault.ok((FIXTURES / "empty_channel.xml").read_bytes(), xml),
        ],
    )
    server.script("/remarks/feed/", [Fault.ok((FIXTURES / "remarks.xml").read_bytes(), xml), Fault.status(404)])
    source = WhiteHouseActions(base_url=server.base_url, feeds=["presidential-actions", "remarks"])
    with HttpClient(sleep=lambda s: None, timeout=5.0) as http:
        payloads = source.fetch(Window(date(2025, 1, 20), date(2025, 2, 14)), http, load_settings())
    assert [p.name for p in payloads] == [
        "presidential-actions/page-001.xml",
        "presidential-actions/page-002.xml",
        "remarks/page-001.xml",
    ]
    pages = server.requests_to("/presidential-actions/feed/")
    assert [r.query.get("paged") for r in pages] == [None, None, "2"]  # the 503 was retried
    assert [r.query.get("paged") for r in server.requests_to("/remarks/feed/")] == [None, "2"]
    assert set(parse(*payloads)) >= {NORTHERN, CHINA}


def test_live_fetch_stops_at_a_page_older_than_the_window(server: FaultServer) -> None:
    server.route(
        "/presidential-actions/feed/", Fault.ok((FIXTURES / "presidential-actions.xml").read_bytes(), "text/xml")
    )
    source = WhiteHouseActions(base_url=server.base_url, feeds=["presidential-actions"])
    with HttpClient(sleep=lambda s: None, timeout=5.0) as http:
        payloads = source.fetch(Window(date(2025, 2, 3), date(2025, 2, 14)), http, load_settings())
    assert len(payloads) == 1 and len(server.requests) == 1


def test_a_missing_feed_is_an_error(server: FaultServer) -> None:
    server.route("/remarks/feed/", Fault.status(404))
    source = WhiteHouseActions(base_url=server.base_url, feeds=["remarks"])
    with HttpClient(sleep=lambda s: None, timeout=5.0) as http, pytest.raises(FetchError, match="404"):
        source.fetch(Window(date(2025, 2, 3), date(2025, 2, 14)), http, load_settings())
