"""ISM PMIs from DBnomics: release dating, the range check, bad payloads, the demo and the live client."""

from __future__ import annotations

import json
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
from regime_radar.sources.ism import SERIES, SOURCE, Ism, release_date
from tests.support.fault_server import Fault, FaultServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ism"


def fixture(file: str, name: str | None = None) -> Payload:
    name = name or file.replace("_", "/", 1)
    return Payload(name=name, body=(FIXTURES / file).read_bytes(), url=f"replay://ism/{name}")


def observations(*payloads: Payload) -> dict[tuple[str, date], dict[str, Any]]:
    rows = SOURCE.parse(list(payloads))["macro_observations"].to_pylist()
    return {(r["series_id"], r["period"]): r for r in rows}


def test_each_month_is_one_vintage_dated_on_its_release_day() -> None:
    table = SOURCE.parse([fixture("pmi_pm.json"), fixture("nm-pmi_pm.json")])["macro_observations"]
    assert table.schema.equals(catalog.get("macro_observations").arrow_schema())
    rows = observations(fixture("pmi_pm.json"), fixture("nm-pmi_pm.json"))
    january = rows[("ISM_MFG_PMI", date(2025, 1, 1))]
    assert january["value"] == 50.9
    assert january["vintage_date"] == date(2025, 2, 3)
    assert january["available_at"] == datetime(2025, 2, 3, 15, 0, tzinfo=UTC)  # 10:00 EST
    assert january["is_first_print"] and january["source"] == "dbnomics"
    assert rows[("ISM_SERVICES_PMI", date(2025, 1, 1))]["vintage_date"] == date(2025, 2, 5)
    assert rows[("ISM_SERVICES_PMI", date(2024, 12, 1))]["value"] == 54.0
    # 10:00 EDT in summer.
    assert rows[("ISM_SERVICES_PMI", date(2024, 6, 1))]["available_at"] == datetime(2024, 7, 3, 14, 0, tzinfo=UTC)


def test_missing_months_and_history_before_2000_are_skipped() -> None:
    periods = {p for s, p in observations(fixture("pmi_pm.json")) if s == "ISM_MFG_PMI"}
    assert date(2024, 10, 1) not in periods  # "NA"
    assert date(1980, 5, 1) not in periods  # 29.4 is real history, out of scope and not range-checked
    assert len(periods) == 5


@pytest.mark.parametrize(
    ("publication", "period", "expected"),
    [
        ("ISM_MANUFACTURING", date(2025, 1, 1), date(2025, 2, 3)),  # Monday
        ("ISM_SERVICES", date(2025, 1, 1), date(2025, 2, 5)),
        ("ISM_MANUFACTURING", date(2024, 12, 1), date(2025, 1, 3)),  # not on January 2
        ("ISM_SERVICES", date(2024, 12, 1), date(2025, 1, 7)),
        ("ISM_MANUFACTURING", date(2023, 12, 1), date(2024, 1, 3)),
        ("ISM_SERVICES", date(2023, 12, 1), date(2024, 1, 5)),
        ("ISM_MANUFACTURING", date(2024, 8, 1), date(2024, 9, 3)),  # after Labor Day
        ("ISM_SERVICES", date(2024, 6, 1), date(2024, 7, 3)),  # before July 4
        ("ISM_SERVICES", date(2023, 11, 1), date(2023, 12, 5)),
    ],
)
def test_release_dates_follow_the_business_day_rule(publication: str, period: date, expected: date) -> None:
    assert release_date(publication, period) == expected


def test_release_days_go_into_the_calendar() -> None:
    calendar = SOURCE.parse([fixture("pmi_pm.json"), fixture("nm-pmi_pm.json")])["release_calendar"].to_pylist()
    keys = {(r["release"], r["release_date"]) for r in calendar}
    assert ("ISM_MANUFACTURING", date(2025, 2, 3)) in keys
    assert ("ISM_SERVICES", date(2025, 2, 5)) in keys
    assert len(keys) == len(calendar) == 9
    row = next(r for r in calendar if r["release_date"] == date(2025, 2, 3))
    assert row["released_at"] == datetime(2025, 2, 3, 15, 0, tzinfo=UTC)


def test_sub_indices_keep_their_wider_range() -> None:
    rows = observations(fixture("neword_in.json"))
    assert rows[("ISM_MFG_NEW_ORDERS", date(2020, 4, 1))]["value"] == 27.1  # April 2020 was real
    assert rows[("ISM_MFG_NEW_ORDERS", date(2025, 1, 1))]["value"] == 55.1


def test_a_corrupt_mirror_value_refuses_the_batch_naming_series_period_and_value() -> None:
    with pytest.raises(SourceError, match=r"ISM_MFG_PMI 2025-01 value 10\.2 is outside the plausible range 30–80"):
        SOURCE.parse([fixture("pmi_pm.json"), fixture("pmi_pm_corrupt.json", "pmi/pm.json")])
    with pytest.raises(SourceError, match=r"ISM_MFG_PMI 2020-04 value 29\.4"):
        SOURCE.parse([fixture("pmi_pm_2020.json", "pmi/pm.json")])


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("pmi_pm_truncated.json", r"not valid JSON"),
        ("unknown_series.json", r"unexpected series ISM/prices/in"),
        ("length_mismatch.json", r"ISM_MFG_PMI has 2 periods but 1 values"),
        ("not_a_number.json", r"ISM_MFG_PMI 2025-01: value 'fifty' is not a number"),
        ("no_docs.json", r"no series"),
        ("error.json", r"DBnomics answered an error.*Series not found"),
    ],
)
def test_unusable_payloads_raise_a_clear_source_error(file: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as caught:
        SOURCE.parse([fixture(file, "pmi/pm.json")])
    assert "pmi/pm.json" in str(caught.value)


def test_an_html_page_is_refused() -> None:
    page = Payload(
        "pmi/pm.json", b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "replay://ism/pmi/pm.json"
    )
    with pytest.raises(SourceError, match="HTML"):
        SOURCE.parse([page])


def test_two_payloads_disagreeing_on_a_month_are_refused() -> None:
    document = json.loads((FIXTURES / "pmi_pm.json").read_bytes())
    document["series"]["docs"][0]["value"][-1] = 51.0
    other = Payload("copy/pmi/pm.json", json.dumps(document).encode(), "replay://ism/copy/pmi/pm.json")
    with pytest.raises(SourceError, match=r"ISM_MFG_PMI 2025-01 differs between payloads"):
        SOURCE.parse([fixture("pmi_pm.json"), other])


# --- the demo replay ---------------------------------------------------------------------------


def test_demo_has_the_episode_prints() -> None:
    rows = observations(*replay.load(DEMO_REPLAY_DIR, "ism"))
    january, december = date(2025, 1, 1), date(2024, 12, 1)
    assert rows[("ISM_MFG_PMI", january)]["value"] == 50.9
    assert rows[("ISM_MFG_PMI", january)]["vintage_date"] == date(2025, 2, 3)
    assert rows[("ISM_MFG_PMI", december)]["value"] == 49.2
    assert rows[("ISM_MFG_NEW_ORDERS", january)]["value"] == 55.1
    assert rows[("ISM_MFG_PRODUCTION", january)]["value"] == 52.5
    assert rows[("ISM_SERVICES_PMI", january)]["value"] == 52.8
    assert rows[("ISM_SERVICES_PMI", january)]["vintage_date"] == date(2025, 2, 5)
    assert rows[("ISM_SERVICES_PMI", december)]["value"] == 54.0
    assert {s for s, _ in rows} == {s.series_id for s in SERIES}


# --- the live client against a misbehaving server on loopback ---------------------------------

WINDOW = Window.parse("2025-02-03", "2025-02-07")


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


def ok(file: str) -> Fault:
    return Fault.ok((FIXTURES / file).read_bytes(), content_type="application/json")


def test_live_fetch_retries_a_429_and_requests_every_series(server: FaultServer) -> None:
    for s in SERIES:
        server.route(f"/v22/series/ISM/{s.dataset}/{s.code}", ok("pmi_pm.json" if s.code == "pm" else "neword_in.json"))
    server.script("/v22/series/ISM/pmi/pm", [Fault.status(429, retry_after=0), ok("pmi_pm.json")])
    with HttpClient(sleep=lambda s: None, max_attempts=3) as http:
        payloads = Ism(base_url=server.url("/v22")).fetch(WINDOW, http, load_settings(mode="live"))
    assert [p.name for p in payloads] == [f"{s.dataset}/{s.code}.json" for s in SERIES]
    assert len(server.requests_to("/v22/series/ISM/pmi/pm")) == 2
    assert server.requests_to("/v22/series/ISM/nm-busact/in")[0].query["observations"] == "1"
    assert observations(payloads[0])[("ISM_MFG_PMI", date(2025, 1, 1))]["value"] == 50.9


def test_live_persistent_500_is_a_clear_fetch_error(server: FaultServer) -> None:
    server.route("/v22/series/ISM/pmi/pm", Fault.status(500, b"upstream down"))
    with (
        HttpClient(sleep=lambda s: None, max_attempts=3) as http,
        pytest.raises(FetchError, match=r"/v22/series/ISM/pmi/pm.*after 3 attempts.*HTTP 500"),
    ):
        Ism(base_url=server.url("/v22")).fetch(WINDOW, http, load_settings(mode="live"))
    assert len(server.requests_to("/v22/series/ISM/pmi/pm")) == 3
