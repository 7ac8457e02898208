"""The consensus file: seeding it into the warehouse (local and S3), its format, units and bad lines."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import fsspec
import pytest

from regime_radar import catalog
from regime_radar.config import load_settings
from regime_radar.sources.base import Payload, SourceError, Window
from regime_radar.sources.consensus import SEED_PATH, SOURCE, Consensus

WINDOW = Window.parse("2025-02-03", "2025-02-07")


def csv_payload(text: str, name: str = "consensus.csv") -> Payload:
    return Payload(name=name, body=text.encode(), url=f"memory://{name}")


def parse(text: str) -> dict[tuple[str, date], dict]:
    rows = SOURCE.parse([csv_payload(text)])["macro_consensus"].to_pylist()
    return {(r["release"], r["period"]): r for r in rows}


def test_first_fetch_seeds_the_warehouse_and_later_fetches_read_the_users_edits(warehouse_url: str) -> None:
    settings = load_settings(warehouse_url=warehouse_url)
    fs, path = fsspec.core.url_to_fs(f"{warehouse_url}/inputs/consensus.csv", **settings.storage_options)
    assert not fs.exists(path)

    first = SOURCE.fetch(WINDOW, None, settings)
    assert first[0].body == SEED_PATH.read_bytes()
    assert fs.cat_file(path) == SEED_PATH.read_bytes()
    assert first[0].url == f"{warehouse_url}/inputs/consensus.csv"

    edited = b"release,period,consensus,source\nADP_CHANGE,2025-01,155,my desk\n"
    fs.pipe_file(path, edited)
    second = SOURCE.fetch(WINDOW, None, settings)
    assert second[0].body == edited  # never reseeded over the user's file
    rows = SOURCE.parse(second)["macro_consensus"].to_pylist()
    assert [(r["release"], r["period"], r["consensus"], r["source"]) for r in rows] == [
        ("ADP_CHANGE", date(2025, 1, 1), 155.0, "my desk")
    ]


def test_the_seed_holds_the_episode_consensus_in_the_actuals_units() -> None:
    table = SOURCE.parse([Payload("consensus.csv", SEED_PATH.read_bytes(), "file://seed")])["macro_consensus"]
    assert table.schema.equals(catalog.get("macro_consensus").arrow_schema())
    rows = {(r["release"], r["period"]): r for r in table.to_pylist()}
    january, december = date(2025, 1, 1), date(2024, 12, 1)
    assert rows[("JOLTS_OPENINGS", december)]["consensus"] == 8.0  # millions
    assert rows[("ADP_CHANGE", january)]["consensus"] == 150.0  # thousands
    assert rows[("NFP_CHANGE", january)]["consensus"] == 169.0
    assert rows[("UNRATE", january)]["consensus"] == 4.1  # percent
    assert rows[("ISM_MFG_PMI", january)]["consensus"] == 49.8
    assert rows[("ISM_SERVICES_PMI", january)]["consensus"] == 54.3
    assert rows[("ADP_CHANGE", january)]["source"] == "episode consensus (public)"
    assert rows[("ADP_CHANGE", date(2024, 6, 1))]["source"] == "synthetic"
    assert min(p for r, p in rows if r == "NFP_CHANGE") == date(2024, 1, 1)


def test_consensus_is_available_once_its_month_is_over_unless_the_file_says_when() -> None:
    rows = parse(
        "release,period,consensus,source,available_at\n"
        "NFP_CHANGE,2024-12,165,poll,\n"
        "NFP_CHANGE,2025-01-01,169,poll,2025-02-06T18:00:00-05:00\n"
    )
    assert rows[("NFP_CHANGE", date(2024, 12, 1))]["available_at"] == datetime(2025, 1, 1, tzinfo=UTC)
    assert rows[("NFP_CHANGE", date(2025, 1, 1))]["available_at"] == datetime(2025, 2, 6, 23, 0, tzinfo=UTC)


def test_comments_blank_lines_and_case_are_tolerated() -> None:
    rows = parse("# my consensus\nRelease,Period,Consensus\n\nism_mfg_pmi,2025-01,49.8\n# done\n")
    assert rows[("ISM_MFG_PMI", date(2025, 1, 1))]["consensus"] == 49.8
    assert rows[("ISM_MFG_PMI", date(2025, 1, 1))]["source"] is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("release,period,consensus\nGDP,2025-01,2.3\n", r"line 2: unknown release 'GDP'"),
        ("release,period,consensus\nNFP_CHANGE,2025-01,n/a\n", r"line 2: consensus 'n/a' is not a number"),
        ("release,period,consensus\nNFP_CHANGE,Jan 2025,169\n", r"line 2: period 'Jan 2025' is not a month"),
        ("release,period,consensus\nNFP_CHANGE,2025-01-15,169\n", r"line 2: period '2025-01-15' is not a month"),
        ("release,period,consensus\nNFP_CHANGE,2025-01,169,extra\n", r"line 2: 4 fields, the header has 3"),
        (
            "release,period,consensus\nNFP_CHANGE,2025-01,169\n# note\nNFP_CHANGE,2025-01-01,170\n",
            r"line 4: NFP_CHANGE 2025-01 is already given at consensus\.csv line 2",
        ),
        ("release,consensus\nNFP_CHANGE,169\n", r"line 1: header .* missing \['period'\]"),
        ("release,period,consensus,analyst\nNFP_CHANGE,2025-01,169,bob\n", r"unknown \['analyst'\]"),
        (
            "release,period,consensus,available_at\nNFP_CHANGE,2025-01,169,2025-02-06 18:00\n",
            r"line 2: available_at '2025-02-06 18:00' has no UTC offset",
        ),
        ("# only a comment\n", r"is empty"),
    ],
)
def test_a_bad_line_refuses_the_file_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as caught:
        SOURCE.parse([csv_payload(text)])
    assert "consensus.csv" in str(caught.value)


def test_a_custom_seed_is_used_for_a_new_warehouse(tmp_path: Path) -> None:
    seed = tmp_path / "seed.csv"
    seed.write_text("release,period,consensus\nUNRATE,2025-01,4.1\n", encoding="utf-8")
    settings = load_settings(warehouse_url=(tmp_path / "wh").as_uri())
    payloads = Consensus(seed_path=seed).fetch(WINDOW, None, settings)
    assert (tmp_path / "wh" / "inputs" / "consensus.csv").read_bytes() == seed.read_bytes()
    assert len(SOURCE.parse(payloads)["macro_consensus"]) == 1
