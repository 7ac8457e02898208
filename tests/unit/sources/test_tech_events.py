"""The user-maintained tech events file: seeding the warehouse copy, parsing and refusing bad lines."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from regime_radar import catalog
from regime_radar.config import load_settings
from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.tech_events import SEED_FILE, SOURCE

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tech_events"
WINDOW = Window.parse("2024-12-02", "2025-02-28")


def fixture(file: str) -> Payload:
    return Payload(name=file, body=(FIXTURES / file).read_bytes(), url=f"file:///inputs/{file}")


def rows(*files: str) -> list[dict[str, Any]]:
    return SOURCE.parse([fixture(f) for f in files])["tech_events"].to_pylist()


def test_events_parse_with_their_time_or_the_close() -> None:
    table = SOURCE.parse([fixture("events.csv")])["tech_events"]
    assert table.schema.equals(catalog.get("tech_events").arrow_schema())
    events = {r["date"]: r for r in table.to_pylist()}
    assert list(events) == [date(2024, 7, 15), date(2025, 1, 20), date(2025, 2, 4)]  # sorted, blank line skipped
    r1 = events[date(2025, 1, 20)]
    assert r1["title"] == "DeepSeek-R1 released with open weights, MIT licence"
    assert (r1["kind"], r1["company"]) == ("model_release", "DeepSeek")
    assert r1["available_at"] == datetime(2025, 1, 20, 21, 0, tzinfo=UTC)  # 16:00 EST by default
    assert events[date(2025, 2, 4)]["available_at"] == datetime(2025, 2, 4, 21, 30, tzinfo=UTC)  # 16:30 EST
    summer = events[date(2024, 7, 15)]
    assert summer["available_at"] == datetime(2024, 7, 15, 13, 45, tzinfo=UTC)  # 09:45 EDT
    assert (summer["url"], summer["company"]) == (None, None)


def test_a_header_only_file_gives_an_empty_table() -> None:
    assert rows("header_only.csv") == []


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("duplicate.csv", r"line 3 repeats 2025-01-20 'DeepSeek-R1' from duplicate.csv line 2"),
        ("bad_date.csv", r"line 3: date '20/01/2025' is not YYYY-MM-DD"),
        ("bad_kind.csv", r"line 2: kind 'Model Release'"),
        ("unquoted_comma.csv", r"line 2: more fields than the header"),
        ("unknown_column.csv", r"unknown \['notes'\]"),
        ("bad_time.csv", r"line 2: time '4pm' is not HH:MM"),
        ("bad_url.csv", r"line 2: url 'www.deepseek.com'"),
    ],
)
def test_bad_lines_are_refused_with_their_line_number(file: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        rows(file)


def test_an_html_page_is_refused() -> None:
    page = Payload("tech_events.csv", b"<!DOCTYPE html><html><body>Access denied</body></html>", "s3://x/y")
    with pytest.raises(SourceError, match="HTML"):
        SOURCE.parse([page])


def test_the_seed_holds_the_story_events() -> None:
    seed = {
        (r["date"], r["kind"], r["company"])
        for r in SOURCE.parse([Payload("seed", SEED_FILE.read_bytes(), "")])["tech_events"].to_pylist()
    }
    assert (date(2024, 12, 26), "model_release", "DeepSeek") in seed
    assert (date(2025, 1, 20), "model_release", "DeepSeek") in seed
    for day, company in [
        ("2025-01-29", "MSFT"),
        ("2025-01-29", "META"),
        ("2025-02-04", "GOOGL"),
        ("2025-02-06", "AMZN"),
    ]:
        assert (date.fromisoformat(day), "capex_guidance", company) in seed


def test_fetch_seeds_the_warehouse_copy_once_then_reads_the_users_edits(warehouse_url: str) -> None:
    import fsspec

    settings = load_settings(warehouse_url=warehouse_url, mode="replay")
    url = settings.warehouse_url + "/inputs/tech_events.csv"
    fs, path = fsspec.core.url_to_fs(url, **settings.storage_options)
    assert not fs.exists(path)
    first = SOURCE.fetch(WINDOW, None, settings)
    assert fs.cat_file(path) == SEED_FILE.read_bytes() == first[0].body
    assert (first[0].name, first[0].url) == ("tech_events.csv", url)

    fs.pipe_file(path, SEED_FILE.read_bytes() + b"2025-02-10,,model_release,A user-added release,,\n")
    second = SOURCE.fetch(WINDOW, None, settings)
    titles = [r["title"] for r in SOURCE.parse(second)["tech_events"].to_pylist()]
    assert "A user-added release" in titles  # the user's copy is read, and the seed did not overwrite it
    assert fs.cat_file(path) != SEED_FILE.read_bytes()
