"""Federal Register: parsing API pages and full texts, corrections, bad payloads, paging against a live server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from regime_radar import catalog
from regime_radar.config import DEMO_REPLAY_DIR, load_settings
from regime_radar.sources import federal_register
from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.federal_register import SOURCE, FederalRegister, wants_full_text
from regime_radar.sources.http import FetchError, HttpClient
from tests.support.fault_server import Fault, FaultServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "federal_register"
WINDOW = Window(date(2025, 2, 1), date(2025, 2, 14))


def fixture(file: str, name: str) -> Payload:
    return Payload(name=name, body=(FIXTURES / file).read_bytes(), url=f"replay://federal_register/{name}")


def parse(*payloads: Payload) -> dict[str, dict[str, Any]]:
    table = SOURCE.parse(list(payloads))["policy_documents"]
    assert table.schema.equals(catalog.get("policy_documents").arrow_schema())
    return {row["doc_id"]: row for row in table.to_pylist()}


def test_pages_and_full_text_become_policy_documents() -> None:
    rows = parse(
        fixture("presidential_page_1.json", "documents/presidential/page-001.json"),
        fixture("presidential_page_2.json", "documents/presidential/page-002.json"),
        fixture("full_text_gpo_wrapped.txt", "full_text/2025-02406.txt"),
        fixture("notices_page.json", "documents/trade_notices/page-001.json"),
    )
    order = rows["federal_register:2025-02406"]
    assert order["eo_number"] == "14193"
    assert order["doc_type"] == "executive_order"
    assert order["signed_on"] == date(2025, 2, 1)
    assert order["published_on"] == date(2025, 2, 7)
    assert order["available_at"] == datetime(2025, 2, 7, 13, 45, tzinfo=UTC)  # 08:45 EST on publication day
    assert order["url"].startswith("https://www.federalregister.gov/documents/2025/02/07/2025-02406/")
    body = order["body_text"]
    assert "All articles that are products of" in body and "<pre>" not in body and "<a href" not in body
    assert "rate of duty & the Secretary" in body, "HTML entities are decoded"
    memo = rows["federal_register:2025-03100"]
    assert (memo["doc_type"], memo["eo_number"], memo["body_text"]) == ("memorandum", None, None)
    notice = rows["federal_register:2025-02811"]
    assert notice["doc_type"] == "notice" and notice["signed_on"] is None
    assert notice["body_text"].startswith("The Trade Advisory Committee"), "without a full text the abstract is kept"


def test_corrections_are_filtered_out() -> None:
    rows = parse(fixture("presidential_page_1.json", "documents/presidential/page-001.json"))
    assert "federal_register:2025-02990" not in rows
    assert set(rows) == {"federal_register:2025-02406"}


def test_only_relevant_documents_are_read_in_full() -> None:
    page = json.loads((FIXTURES / "presidential_page_1.json").read_text())
    notices = json.loads((FIXTURES / "notices_page.json").read_text())
    order, correction = page["results"]
    trade, unrelated = notices["results"]
    assert wants_full_text(order), "every presidential document"
    assert not wants_full_text(correction)
    assert wants_full_text(trade), "a notice whose title talks about trade"
    assert not wants_full_text(unrelated)


@pytest.mark.parametrize(
    ("file", "name", "message"),
    [
        ("truncated_page.json", "documents/presidential/page-001.json", "not valid JSON"),
        ("api_error.json", "documents/presidential/page-001.json", "answered an error"),
        ("results_not_a_list.json", "documents/presidential/page-001.json", "'results' is dict"),
        ("missing_publication_date.json", "documents/presidential/page-001.json", "no publication_date"),
        ("bad_executive_order_number.json", "documents/presidential/page-001.json", "EO-fourteen"),
        ("bot_wall.html", "documents/presidential/page-001.json", "HTML"),
        ("bot_wall.html", "full_text/2025-02406.txt", "HTML page, not a document's text"),
    ],
)
def test_malformed_payloads_raise_a_clear_source_error(file: str, name: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as caught:
        parse(fixture(file, name))
    assert name in str(caught.value), "the error names the payload"


def test_demo_replay_parses() -> None:
    from regime_radar.sources import replay

    rows = parse(*replay.load(DEMO_REPLAY_DIR, "federal_register"))
    assert {"federal_register:2025-02406", "federal_register:2025-02478", "federal_register:2025-02479"} <= set(rows)
    assert all(r["body_text"] for r in rows.values())
    assert rows["federal_register:2025-02479"]["eo_number"] == "14198"


# -- live client against a misbehaving local server ---------------------------------------------------

DOCUMENTS = "/api/v1/documents.json"
TEXT_PATH = "/documents/full_text/text/2025/02/07/2025-02406.txt"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


def client() -> HttpClient:
    return HttpClient(sleep=lambda seconds: None, timeout=5.0, connect_timeout=5.0)


def page_pointing_at(srv: FaultServer, file: str) -> bytes:
    page = json.loads((FIXTURES / file).read_text())
    for result in page["results"]:
        result["raw_text_url"] = srv.url(result["raw_text_url"].split("federalregister.gov", 1)[1])
    return json.dumps(page).encode()


def test_live_fetch_pages_until_next_page_url_is_empty(server: FaultServer) -> None:
    json_type = "application/json; charset=utf-8"
    server.script(
        DOCUMENTS,
        [
            Fault.status(429, retry_after=0),
            Fault.ok(page_pointing_at(server, "presidential_page_1.json"), json_type),
            Fault.ok(page_pointing_at(server, "presidential_page_2.json"), json_type),
            Fault.ok(page_pointing_at(server, "notices_page.json"), json_type),
        ],
    )
    server.route(TEXT_PATH, Fault.ok((FIXTURES / "full_text_gpo_wrapped.txt").read_bytes(), "text/plain"))
    server.route("/documents/full_text/text/2025/02/14/2025-03100.txt", Fault.ok(b"MEMORANDUM ...", "text/plain"))
    server.route("/documents/full_text/text/2025/02/12/2025-02811.txt", Fault.ok(b"Notice of meeting.", "text/plain"))
    with client() as http:
        payloads = FederalRegister(base_url=server.base_url).fetch(WINDOW, http, load_settings())

    names = [p.name for p in payloads]
    assert names == [
        "documents/presidential/page-001.json",
        "full_text/2025-02406.txt",
        "documents/presidential/page-002.json",
        "full_text/2025-03100.txt",
        "documents/trade_notices/page-001.json",
        "full_text/2025-02811.txt",
    ], "the correction and the unrelated notice are not downloaded"
    requests = server.requests_to(DOCUMENTS)
    assert [r.query["page"] for r in requests] == ["1", "1", "2", "1"]  # the 429 is retried
    first = requests[1].query_lists
    assert first["conditions[type][]"] == ["PRESDOCU"]
    assert first["conditions[presidential_document_type][]"] == ["executive_order", "proclamation", "memorandum"]
    assert first["conditions[publication_date][gte]"] == ["2025-02-01"]
    assert first["conditions[publication_date][lte]"] == ["2025-02-14"]
    assert first["conditions[signing_date][gte]"] == ["2024-02-01"]
    assert {"document_number", "executive_order_number", "raw_text_url", "correction_of"} <= set(first["fields[]"])
    notices = requests[3].query_lists
    assert notices["conditions[term]"] == ["tariff"]
    assert "trade-representative-office-of-united-states" in notices["conditions[agencies][]"]

    rows = parse(*payloads)
    assert "federal_register:2025-02990" not in rows, "the correction"
    assert "products of" in rows["federal_register:2025-02406"]["body_text"]
    assert rows["federal_register:2025-02811"]["body_text"] == "Notice of meeting."
    assert rows["federal_register:2025-02812"]["body_text"].startswith("Bureau of Land Management"), "abstract only"


def test_live_fetch_refuses_endless_paging(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(federal_register, "MAX_PAGES", 2)
    page = json.loads((FIXTURES / "presidential_page_2.json").read_text())
    page["next_page_url"] = "https://www.federalregister.gov/api/v1/documents.json?page=next"
    page["results"] = []
    server.route(DOCUMENTS, Fault.ok(json.dumps(page).encode(), "application/json"))
    with client() as http, pytest.raises(SourceError, match="more than 2 pages"):
        FederalRegister(base_url=server.base_url).fetch(WINDOW, http, load_settings())


def test_live_fetch_fails_loudly_on_a_bot_wall(server: FaultServer) -> None:
    server.route(DOCUMENTS, Fault.html())
    with client() as http, pytest.raises(FetchError, match="expected JSON"):
        FederalRegister(base_url=server.base_url).fetch(WINDOW, http, load_settings())
