"""Trade policy uncertainty workbook: both sheets, availability rules, bad workbooks, the live client."""

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
from regime_radar.sources.tpu import SOURCE, TradePolicyUncertainty
from tests.support.fault_server import Fault, FaultServer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tpu"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fixture(file: str) -> Payload:
    return Payload(name="tpu_web_latest.xlsx", body=(FIXTURES / file).read_bytes(), url=f"replay://tpu/{file}")


def rows(*payloads: Payload) -> dict[tuple[str, date], dict[str, Any]]:
    table = SOURCE.parse(list(payloads))["policy_uncertainty"]
    assert table.schema.equals(catalog.get("policy_uncertainty").arrow_schema())
    return {(r["index_name"], r["date"]): r for r in table.to_pylist()}


def test_both_sheets_become_indices() -> None:
    got = rows(fixture("tpu_small.xlsx"))
    assert {name for name, _ in got} == {"TPU_DAILY", "TPU_MONTHLY"}
    assert got[("TPU_DAILY", date(2025, 2, 1))]["value"] == pytest.approx(480.25)
    assert got[("TPU_DAILY", date(2025, 2, 2))]["value"] is None, "a blank cell is a missing value, not zero"
    assert got[("TPU_MONTHLY", date(2025, 1, 1))]["value"] == pytest.approx(250.75)
    assert len(got) == 4 + 3, "the empty trailing row and the extra sheet are ignored"
    assert got[("TPU_MONTHLY", date(2025, 1, 1))]["source"] == "tpu"


def test_values_become_available_after_the_period_conservatively() -> None:
    got = rows(fixture("tpu_small.xlsx"))
    # Daily: the next day at noon New York time (EST).
    assert got[("TPU_DAILY", date(2025, 2, 3))]["available_at"] == datetime(2025, 2, 4, 17, 0, tzinfo=UTC)
    # Monthly: day 8 of the following month, 00:00 New York time; December rolls into January.
    assert got[("TPU_MONTHLY", date(2025, 1, 1))]["available_at"] == datetime(2025, 2, 8, 5, 0, tzinfo=UTC)
    assert got[("TPU_MONTHLY", date(2024, 12, 1))]["available_at"] == datetime(2025, 1, 8, 5, 0, tzinfo=UTC)


def test_an_older_layout_names_the_daily_index_tpu() -> None:
    got = rows(fixture("tpu_old_vintage.xlsx"))
    assert got[("TPU_DAILY", date(2019, 5, 13))]["value"] == 333.0


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("tpu_no_monthly.xlsx", r"no sheet \['TPU_MONTHLY'\]"),
        ("tpu_bad_date.xlsx", "unreadable dates"),
        ("tpu_renamed_columns.xlsx", "needs a DATE column"),
    ],
)
def test_unexpected_layouts_raise_a_clear_source_error(file: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as caught:
        rows(fixture(file))
    assert file in str(caught.value)


def test_truncated_and_non_workbook_bodies_are_refused() -> None:
    body = (FIXTURES / "tpu_small.xlsx").read_bytes()
    truncated = Payload(name="tpu_web_latest.xlsx", body=body[: len(body) // 2], url="replay://tpu/cut")
    with pytest.raises(SourceError, match="cannot be read as a workbook"):
        rows(truncated)
    html = Payload(name="tpu_web_latest.xlsx", body=b"<!DOCTYPE html><p>Moved</p>", url="replay://tpu/html")
    with pytest.raises(SourceError, match="not an XLSX workbook"):
        rows(html)


def test_demo_replay_has_enough_history_for_a_percentile() -> None:
    got = rows(*replay.load(DEMO_REPLAY_DIR, "tpu"))
    monthly = sorted(d for name, d in got if name == "TPU_MONTHLY")
    daily = sorted(d for name, d in got if name == "TPU_DAILY")
    assert monthly[0] <= date(2015, 1, 1) and monthly[-1] >= date(2025, 1, 1)
    assert daily[0] <= date(2024, 1, 1) and daily[-1] == date(2025, 2, 28)
    spike = got[("TPU_DAILY", date(2025, 2, 3))]["value"]
    quiet = [v["value"] for (name, d), v in got.items() if name == "TPU_DAILY" and d.year == 2024 and d.month < 10]
    assert spike > max(quiet), "the demo's tariff days stand out against 2024"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


def test_live_fetch_retries_a_truncated_download(server: FaultServer) -> None:
    body = (FIXTURES / "tpu_small.xlsx").read_bytes()
    path = "/tpu_files/tpu_web_latest.xlsx"
    server.script(path, [Fault.truncated(body[:200], len(body)), Fault.ok(body, XLSX)])
    source = TradePolicyUncertainty(url=server.url(path))
    with HttpClient(sleep=lambda s: None, timeout=5.0) as http:
        (payload,) = source.fetch(Window(date(2025, 2, 1), date(2025, 2, 3)), http, load_settings())
    assert payload.body == body and payload.name == "tpu_web_latest.xlsx"
    assert len(server.requests_to(path)) == 2
    assert rows(payload)[("TPU_DAILY", date(2025, 2, 3))]["value"] == 612.0


def test_live_fetch_refuses_an_html_page(server: FaultServer) -> None:
    server.route("/tpu.xlsx", Fault.html())
    with HttpClient(sleep=lambda s: None, timeout=5.0) as http, pytest.raises(FetchError, match="XLSX"):
        TradePolicyUncertainty(url=server.url("/tpu.xlsx")).fetch(
            Window(date(2025, 2, 1), date(2025, 2, 3)), http, load_settings()
        )
