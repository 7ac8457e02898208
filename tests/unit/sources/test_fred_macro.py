"""ALFRED macro vintages: first prints, derived series, the calendar, bad payloads, the demo and the live client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regime_radar import catalog, macro
from regime_radar.config import DEMO_REPLAY_DIR, load_settings
from regime_radar.sources import replay
from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.fred_macro import SOURCE, FredMacro
from regime_radar.sources.http import FetchError, HttpClient
from tests.support.fake_time import FakeTime
from tests.support.fault_server import Fault, FaultServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fred_macro"
ET = ZoneInfo("America/New_York")
API_KEY = "0123456789abcdef0123456789abcdef"


def fixture(file: str, name: str) -> Payload:
    return Payload(name=name, body=(FIXTURES / file).read_bytes(), url=f"replay://fred_macro/{name}")


def parse(*payloads: Payload) -> dict[str, list[dict[str, Any]]]:
    return {name: table.to_pylist() for name, table in SOURCE.parse(list(payloads)).items()}


def series(rows: list[dict[str, Any]], series_id: str) -> list[tuple[date, date, float | None, bool]]:
    """(period, vintage_date, value, is_first_print) of one series, sorted."""
    return sorted(
        (r["period"], r["vintage_date"], r["value"], r["is_first_print"]) for r in rows if r["series_id"] == series_id
    )


@pytest.fixture(scope="module")
def payems() -> list[dict[str, Any]]:
    return parse(fixture("PAYEMS.json", "series/PAYEMS.json"))["macro_observations"]


def test_every_vintage_is_stored_with_canonical_schema(payems: list[dict[str, Any]]) -> None:
    table = SOURCE.parse([fixture("PAYEMS.json", "series/PAYEMS.json")])["macro_observations"]
    assert table.schema.equals(catalog.get("macro_observations").arrow_schema())
    december = [(v, value) for p, v, value, _ in series(payems, "PAYEMS") if p == date(2024, 12, 1)]
    assert december == [(date(2025, 1, 10), 159536.0), (date(2025, 2, 7), 159112.0)]
    assert len(series(payems, "PAYEMS")) == 17
    assert {r["source"] for r in payems} == {"fred_macro"}


def test_first_print_is_the_earliest_unclipped_vintage(payems: list[dict[str, Any]]) -> None:
    firsts = {(p, v) for p, v, _, first in series(payems, "PAYEMS") if first}
    assert firsts == {
        (date(2024, 10, 1), date(2024, 11, 1)),
        (date(2024, 11, 1), date(2024, 12, 6)),
        (date(2024, 12, 1), date(2025, 1, 10)),
        (date(2025, 1, 1), date(2025, 2, 7)),
    }
    # September's earliest row starts on the request's realtime_start (2024-10-15): it may be clipped
    # (the real first print was 2024-10-04), so no September row is claimed as the first print.
    september = [first for p, _, _, first in series(payems, "PAYEMS") if p == date(2024, 9, 1)]
    assert september == [False] * 5


def test_available_at_is_the_release_time_in_new_york(payems: list[dict[str, Any]]) -> None:
    at = {(r["series_id"], r["period"], r["vintage_date"]): r["available_at"] for r in payems}
    # 08:30 EDT on 2024-11-01 (daylight time ends 11-03), 08:30 EST on 2025-02-07.
    assert at[("PAYEMS", date(2024, 10, 1), date(2024, 11, 1))] == datetime(2024, 11, 1, 12, 30, tzinfo=UTC)
    assert at[("PAYEMS_CHG", date(2025, 1, 1), date(2025, 2, 7))] == datetime(2025, 2, 7, 13, 30, tzinfo=UTC)


def test_payroll_change_is_derived_per_vintage_and_only_when_it_changes(payems: list[dict[str, Any]]) -> None:
    assert series(payems, "PAYEMS_CHG") == [
        (date(2024, 10, 1), date(2024, 11, 1), 22.0, True),
        (date(2024, 10, 1), date(2024, 12, 6), 36.0, False),
        (date(2024, 10, 1), date(2025, 1, 10), 43.0, False),
        (date(2024, 10, 1), date(2025, 2, 7), 44.0, False),
        (date(2024, 11, 1), date(2024, 12, 6), 227.0, True),
        (date(2024, 11, 1), date(2025, 1, 10), 212.0, False),
        (date(2024, 11, 1), date(2025, 2, 7), 261.0, False),
        (date(2024, 12, 1), date(2025, 1, 10), 256.0, True),
        (date(2024, 12, 1), date(2025, 2, 7), 307.0, False),
        (date(2025, 1, 1), date(2025, 2, 7), 143.0, True),
    ]
    # The 2024-12-20 vintage moved September, October and November up by 5: levels got new rows,
    # the changes did not move, so no change row is dated 2024-12-20.
    assert date(2024, 12, 20) in {v for _, v, _, _ in series(payems, "PAYEMS")}
    assert date(2024, 12, 20) not in {v for _, v, _, _ in series(payems, "PAYEMS_CHG")}


def test_adp_change_is_in_thousands_from_a_level_in_persons() -> None:
    rows = parse(fixture("ADPMNUSNERSA.json", "series/ADPMNUSNERSA.json"))["macro_observations"]
    assert series(rows, "ADP_CHG") == [
        (date(2024, 11, 1), date(2024, 12, 4), 146.0, True),
        (date(2024, 12, 1), date(2025, 1, 8), 122.0, True),
        (date(2024, 12, 1), date(2025, 2, 5), 176.0, False),
        (date(2025, 1, 1), date(2025, 2, 5), 183.0, True),
    ]


def test_openings_per_unemployed_uses_the_unemployment_known_at_each_jolts_release() -> None:
    rows = parse(fixture("JTSJOL.json", "series/JTSJOL.json"), fixture("UNEMPLOY.json", "series/UNEMPLOY.json"))[
        "macro_observations"
    ]
    ratio = series(rows, "JOLTS_PER_UNEMPLOYED")
    assert [(p, v, first) for p, v, _, first in ratio] == [
        (date(2024, 11, 1), date(2025, 1, 7), True),
        (date(2024, 11, 1), date(2025, 2, 4), False),
        (date(2024, 12, 1), date(2025, 2, 4), True),
    ]
    values = [value for _, _, value, _ in ratio]
    assert values == pytest.approx([8098 / 7145, 8156 / 7145, 7600 / 6886])
    assert round(values[1], 2) == 1.14 and round(values[2], 2) == 1.10
    # December's unemployment revised on 2025-02-07 (after the JOLTS release) adds no ratio row.
    assert date(2025, 2, 7) not in {v for _, v, _, _ in ratio}
    at = {r["vintage_date"]: r["available_at"] for r in rows if r["series_id"] == "JOLTS_PER_UNEMPLOYED"}
    assert at[date(2025, 2, 4)] == datetime(2025, 2, 4, 15, 0, tzinfo=UTC)  # 10:00 EST


def test_the_ratio_needs_both_series() -> None:
    rows = parse(fixture("JTSJOL.json", "series/JTSJOL.json"))["macro_observations"]
    assert series(rows, "JOLTS_PER_UNEMPLOYED") == []
    assert len(series(rows, "JTSJOL")) == 3


def test_a_missing_value_is_null_and_the_first_print_is_the_first_published_number() -> None:
    rows = parse(fixture("UNRATE_missing.json", "series/UNRATE.json"))["macro_observations"]
    assert series(rows, "UNRATE") == [
        (date(2024, 10, 1), date(2024, 11, 1), None, False),
        (date(2024, 10, 1), date(2024, 11, 2), 4.1, True),
        (date(2024, 11, 1), date(2024, 12, 6), 4.2, True),
    ]


def test_release_dates_become_calendar_rows_with_standard_times() -> None:
    calendar = parse(
        fixture("release_dates_50.json", "release_dates/50.json"),
        fixture("release_dates_192.json", "release_dates/192.json"),
    )["release_calendar"]
    by_key = {(r["release"], r["release_date"]): r for r in calendar}
    assert len(by_key) == len(calendar) == 10
    nfp = by_key[("EMPLOYMENT_SITUATION", date(2025, 2, 7))]
    assert nfp["released_at"] == datetime(2025, 2, 7, 13, 30, tzinfo=UTC)
    assert nfp["source_release_id"] == "50"
    assert by_key[("JOLTS", date(2025, 2, 4))]["released_at"] == datetime(2025, 2, 4, 15, 0, tzinfo=UTC)
    # Scheduled dates without data yet are kept (the daily run can tell release days from others).
    assert ("JOLTS", date(2025, 3, 11)) in by_key


def test_the_same_series_twice_is_merged_and_a_disagreement_is_refused() -> None:
    once = parse(fixture("ADPMNUSNERSA.json", "series/ADPMNUSNERSA.json"))["macro_observations"]
    twice = parse(
        fixture("ADPMNUSNERSA.json", "series/ADPMNUSNERSA.json"),
        fixture("ADPMNUSNERSA.json", "series/page2/ADPMNUSNERSA.json"),
    )["macro_observations"]
    assert series(twice, "ADP_CHG") == series(once, "ADP_CHG")
    doc = json.loads((FIXTURES / "ADPMNUSNERSA.json").read_bytes())
    doc["observations"][0]["value"] = "130000000"
    other = Payload("series/x/ADPMNUSNERSA.json", json.dumps(doc).encode(), "replay://x")
    with pytest.raises(SourceError, match="disagrees"):
        SOURCE.parse([fixture("ADPMNUSNERSA.json", "series/ADPMNUSNERSA.json"), other])


@pytest.mark.parametrize(
    ("file", "name", "message"),
    [
        ("error_bad_key.json", "series/PAYEMS.json", r"FRED answered an error: Bad Request"),
        ("maintenance.html", "series/PAYEMS.json", r"HTML"),
        ("PAYEMS_truncated.json", "series/PAYEMS.json", r"not valid JSON"),
        ("PAYEMS_output_type_2.json", "series/PAYEMS.json", r"output_type=2.*output_type=1"),
        ("PAYEMS_no_realtime_end.json", "series/PAYEMS.json", r"observation 0 lacks realtime_end"),
        ("PAYEMS_bad_value.json", "series/PAYEMS.json", r"'n/a' is neither a number nor '\.'"),
        ("PAYEMS_backwards_span.json", "series/PAYEMS.json", r"realtime_end 2024-11-01 is before"),
        ("PAYEMS.json", "series/GDP.json", r"unknown series 'GDP'"),
        ("release_dates_unknown.json", "release_dates/10.json", r"unknown FRED release_id 10"),
    ],
)
def test_unusable_payloads_raise_a_clear_source_error(file: str, name: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as caught:
        SOURCE.parse([fixture(file, name)])
    assert name in str(caught.value)


def test_a_payload_is_read_by_its_content_not_its_folder() -> None:
    calendar = parse(fixture("release_dates_50.json", "recordings/2025-02-07.json"))["release_calendar"]
    assert len(calendar) == 5


def test_a_document_of_another_kind_is_refused() -> None:
    payload = Payload("series/PAYEMS.json", b'{"seriess": []}', "replay://fred_macro/series/PAYEMS.json")
    with pytest.raises(SourceError, match="neither 'observations' nor 'release_dates'"):
        SOURCE.parse([payload])


# --- point in time: adding later vintages never changes an earlier answer ---------------------

START = date(2024, 1, 1)
MONTHS = [date(2024, m, 1) for m in range(1, 8)]


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[date, dict[date, float]]]:
    """Vintages (day, full snapshot): each day may publish the next month and revise earlier ones."""
    count = draw(st.integers(2, 9))
    gaps = draw(st.lists(st.integers(1, 20), min_size=count, max_size=count))
    day, published, snapshot = START, 0, {}
    out = []
    for gap in gaps:
        day += timedelta(days=gap)
        snapshot = dict(snapshot)
        if published < len(MONTHS) and draw(st.booleans()):
            snapshot[MONTHS[published]] = float(draw(st.integers(100, 200)))
            published += 1
        for month in list(snapshot):
            if draw(st.integers(0, 3)) == 0:
                snapshot[month] = float(draw(st.integers(100, 200)))
        out.append((day, snapshot))
    return out


def alfred(history: list[tuple[date, dict[date, float]]], recorded_until: date) -> bytes:
    """The output_type=1 answer a request with realtime_end=`recorded_until` would give."""
    days = [d for d, _ in history if d <= recorded_until]
    snaps = dict(history)
    rows = []
    for month in MONTHS:
        spans: list[list[Any]] = []
        for i, day in enumerate(days):
            if month not in snaps[day]:
                continue
            end = days[i + 1] - timedelta(days=1) if i + 1 < len(days) else recorded_until
            value = snaps[day][month]
            if spans and spans[-1][2] == value:
                spans[-1][1] = end
            else:
                spans.append([day, end, value])
        rows += [
            {
                "realtime_start": a.isoformat(),
                "realtime_end": b.isoformat(),
                "date": month.isoformat(),
                "value": f"{v:g}",
            }
            for a, b, v in spans
        ]
    document = {"realtime_start": START.isoformat(), "realtime_end": recorded_until.isoformat(), "output_type": 1}
    return json.dumps(document | {"observations": rows}).encode()


@settings(max_examples=60, deadline=None)
@given(levels=histories(), unemployed=histories(), openings=histories(), data=st.data())
def test_later_vintages_never_change_an_as_of_answer_for_an_earlier_instant(
    levels: list[tuple[date, dict[date, float]]],
    unemployed: list[tuple[date, dict[date, float]]],
    openings: list[tuple[date, dict[date, float]]],
    data: st.DataObject,
) -> None:
    last = max(d for h in (levels, unemployed, openings) for d, _ in h)
    early = data.draw(st.dates(START, last), label="early recording")
    late = data.draw(st.dates(early, last + timedelta(days=30)), label="late recording")

    def observations(until: date) -> pd.DataFrame:
        payloads = [
            Payload(f"series/{name}.json", alfred(history, until), "replay://test")
            for name, history in (("PAYEMS", levels), ("UNEMPLOY", unemployed), ("JTSJOL", openings))
        ]
        return SOURCE.parse(payloads)["macro_observations"].to_pandas()

    before, after = observations(early), observations(late)
    for day in (early, data.draw(st.dates(START, early), label="instant")):
        for clock in ((0, 0), (9, 0), (23, 59)):
            instant = datetime(day.year, day.month, day.day, *clock, tzinfo=ET)
            expected = macro.asof(before, instant).drop(columns="ingested_at")
            actual = macro.asof(after, instant).drop(columns="ingested_at")
            pd.testing.assert_frame_equal(actual, expected)


# --- the demo replay: the acceptance facts -----------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return SOURCE.parse(replay.load(DEMO_REPLAY_DIR, "fred_macro"))["macro_observations"].to_pandas()


def known(observations: pd.DataFrame, series_id: str, period: date, instant: datetime) -> float | None:
    snapshot = macro.asof(observations, instant)
    row = snapshot[(snapshot["series_id"] == series_id) & (snapshot["period"] == period)]
    return None if row.empty else float(row["value"].iloc[0])


def test_the_january_payroll_print_appears_only_on_release_morning(demo: pd.DataFrame) -> None:
    january = date(2025, 1, 1)
    assert known(demo, "PAYEMS_CHG", january, datetime(2025, 2, 6, 23, 59, tzinfo=ET)) is None
    assert known(demo, "PAYEMS_CHG", january, datetime(2025, 2, 7, 9, 0, tzinfo=ET)) == 143.0
    assert known(demo, "PAYEMS_CHG", january, datetime(2025, 2, 7, 8, 29, tzinfo=ET)) is None


def test_adp_december_reads_its_first_print_then_its_revision(demo: pd.DataFrame) -> None:
    december = date(2024, 12, 1)
    assert known(demo, "ADP_CHG", december, datetime(2025, 1, 10, tzinfo=ET)) == 122.0
    assert known(demo, "ADP_CHG", december, datetime(2025, 2, 5, 12, 0, tzinfo=ET)) == 176.0


def test_demo_carries_the_episode_prints_and_revisions(demo: pd.DataFrame) -> None:
    firsts = demo[demo["is_first_print"]].set_index(["series_id", "period"])["value"]
    assert firsts[("PAYEMS_CHG", date(2024, 12, 1))] == 256.0
    assert firsts[("PAYEMS_CHG", date(2024, 1, 1))] == 353.0
    assert firsts[("UNRATE", date(2025, 1, 1))] == 4.0
    assert firsts[("JTSJOL", date(2024, 12, 1))] == 7600.0
    after = datetime(2025, 2, 28, tzinfo=ET)
    assert known(demo, "PAYEMS_CHG", date(2024, 12, 1), after) == 307.0
    assert known(demo, "JTSJOL", date(2024, 11, 1), after) == 8156.0
    assert round(known(demo, "JOLTS_PER_UNEMPLOYED", date(2024, 12, 1), after) or 0, 2) == 1.10
    assert set(demo["series_id"]) >= {"PAYEMS", "UNRATE", "UNEMPLOY", "JTSJOL", "ADPMNUSNERSA", "ICSA"}


# --- the live client against a misbehaving server on loopback ---------------------------------

OBS_PATH, DATES_PATH = "/fred/series/observations", "/fred/release/dates"
WINDOW = Window.parse("2025-02-03", "2025-02-07")


@pytest.fixture
def fred_key(monkeypatch: pytest.MonkeyPatch) -> str:
    connection = {"conn_type": "http", "host": "api.stlouisfed.org", "password": API_KEY}
    monkeypatch.setenv("AIRFLOW_CONN_REGIME_RADAR_FRED", json.dumps(connection))
    return API_KEY


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


def ok(file: str) -> Fault:
    return Fault.ok((FIXTURES / file).read_bytes(), content_type="application/json; charset=UTF-8")


def test_live_fetch_retries_a_429_paces_requests_and_hides_the_key(server: FaultServer, fred_key: str) -> None:
    server.script(OBS_PATH, [Fault.status(429, retry_after=1), ok("PAYEMS.json")])
    server.route(DATES_PATH, ok("release_dates_50.json"))
    fake = FakeTime()
    with HttpClient(sleep=fake.sleep, clock=fake.clock, max_attempts=3) as http:
        payloads = FredMacro(base_url=server.base_url).fetch(WINDOW, http, load_settings(mode="live"))
    assert [p.name for p in payloads] == [
        "series/PAYEMS.json",
        "series/UNRATE.json",
        "series/UNEMPLOY.json",
        "series/JTSJOL.json",
        "series/ADPMNUSNERSA.json",
        "series/ICSA.json",
        "release_dates/50.json",
        "release_dates/192.json",
        "release_dates/194.json",
        "release_dates/180.json",
    ]
    first = server.requests_to(OBS_PATH)[0].query
    assert first == {
        "api_key": API_KEY,
        "file_type": "json",
        "series_id": "PAYEMS",
        "output_type": "1",
        "observation_start": "2024-11-01",
        "realtime_start": "2024-11-01",
        "realtime_end": "2025-02-07",
    }
    dates_query = server.requests_to(DATES_PATH)[0].query
    assert dates_query["include_release_dates_with_no_data"] == "true"
    assert (dates_query["realtime_start"], dates_query["realtime_end"]) == ("2025-02-03", "2025-02-07")
    assert len(server.requests_to(OBS_PATH)) == 7  # one 429, then six series
    assert 1.0 in fake.sleeps  # the server's Retry-After was honoured
    assert fake.now >= 9 * 0.5  # eleven requests at ≤ 2 per second
    assert all(API_KEY not in p.url and "api_key=***" in p.url for p in payloads)
    assert parse(payloads[0])["macro_observations"]


def test_live_persistent_500_is_a_clear_fetch_error_without_the_key(server: FaultServer, fred_key: str) -> None:
    server.route(OBS_PATH, Fault.status(500, b"internal error"))
    with (
        HttpClient(sleep=lambda s: None, max_attempts=3) as http,
        pytest.raises(FetchError, match=r"/fred/series/observations.*after 3 attempts.*HTTP 500") as caught,
    ):
        FredMacro(base_url=server.base_url).fetch(WINDOW, http, load_settings(mode="live"))
    assert API_KEY not in str(caught.value)
    assert len(server.requests_to(OBS_PATH)) == 3
