"""The acceptance facts of the tariff regime, on the shipped demo replay, through parse → extract → state."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from regime_radar.config import DEMO_REPLAY_DIR
from regime_radar.demo.generate_tariffs import generate
from regime_radar.sources import replay
from regime_radar.sources.federal_register import SOURCE as FEDERAL_REGISTER
from regime_radar.sources.whitehouse_actions import SOURCE as WHITE_HOUSE
from regime_radar.tariffs.extract import extract_actions
from regime_radar.tariffs.state import build_tariff_state

NEW_YORK = ZoneInfo("America/New_York")
FEEDS = ("federal_register", "whitehouse_actions", "tpu", "epu_trade")
# Documents of the demo that mention trade, duties or tariffs but take no tariff action.
NEGATIVE_TITLES = {
    "America First Trade Policy",
    "Restoring Names That Honor American Greatness",
    "Unleashing American Energy",
    "Nominations Sent to the Senate",
    "Remarks by President Trump at the World Economic Forum",
    "Statement from the Press Secretary",
    "A Plan for Establishing a United States Sovereign Wealth Fund",
    "Reciprocal Trade and Tariffs",
    "Addressing the Threat to National Security from Imports of Copper",
    "2025 Special 301 Review: Identification of Countries Under Section 182 of the Trade Act of 1974: Request for "
    "Public Comment",
    "Antidumping or Countervailing Duty Order, Finding, or Suspended Investigation; Opportunity To Request "
    "Administrative Review and Join Annual Inquiry Service List",
    "Trade Advisory Committee on Africa; Notice of Meeting",
    "Section 232 Inclusions Process for Steel and Aluminum Derivative Products; Opening of Inclusion Request Window",
    "Fact Sheet: President Donald J. Trump Imposes Tariffs on Imports from Canada, Mexico, and China",
}


@cache
def documents() -> pd.DataFrame:
    frames = [
        source.parse(replay.load(DEMO_REPLAY_DIR, source.name))["policy_documents"].to_pandas()
        for source in (FEDERAL_REGISTER, WHITE_HOUSE)
    ]
    return pd.concat(frames, ignore_index=True)


@cache
def actions() -> pd.DataFrame:
    return extract_actions(documents())


def one(frame: pd.DataFrame, **match: object) -> pd.Series:
    rows = frame
    for key, value in match.items():
        rows = rows[rows[key] == value]
    assert len(rows) == 1, f"expected one row for {match}, got {len(rows)}"
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("partner", "scope", "rate", "eo"),
    [("CA", "all_goods", 25.0, "14193"), ("CA", "energy", 10.0, "14193"), ("CA", "potash", 10.0, "14193"),
     ("MX", "all_goods", 25.0, "14194"), ("CN", "all_goods", 10.0, "14195")],
)  # fmt: skip
def test_the_february_first_orders_impose_duties(partner: str, scope: str, rate: float, eo: str) -> None:
    row = one(actions(), action="impose", partner=partner, scope=scope)
    assert row["rate_pct"] == rate
    assert row["eo_number"] == eo
    assert row["signed_on"] == date(2025, 2, 1)
    assert row["effective_at"] == datetime(2025, 2, 4, 5, 1, tzinfo=UTC)  # 12:01 a.m. ET
    assert row["authority"] == "IEEPA"
    assert row["published_on"] == date(2025, 2, 7)


@pytest.mark.parametrize(
    ("partner", "scope", "eo", "paused"),
    [("CA", "all_goods", "14197", "14193"), ("CA", "energy", "14197", "14193"), ("CA", "potash", "14197", "14193"),
     ("MX", "all_goods", "14198", "14194")],
)  # fmt: skip
def test_the_february_third_orders_pause_them_until_march_fourth(
    partner: str, scope: str, eo: str, paused: str
) -> None:
    row = one(actions(), action="pause", partner=partner, scope=scope)
    assert row["eo_number"] == eo
    assert row["signed_on"] == date(2025, 2, 3)
    assert row["expires_at"].astimezone(NEW_YORK).date() == date(2025, 3, 4)
    assert row["modifies"] == paused, "a pause points at the order it pauses"


def test_no_pause_for_china() -> None:
    assert actions()[(actions()["partner"] == "CN") & (actions()["action"] == "pause")].empty


def test_orders_are_available_on_their_signing_day_from_the_white_house_feed() -> None:
    orders = actions()[actions()["eo_number"].notna()]
    assert set(orders["eo_number"]) == {"14193", "14194", "14195", "14197", "14198"}
    for row in orders.itertuples():
        public = row.available_at.astimezone(NEW_YORK)
        assert public.date() == row.signed_on, row.eo_number
        assert public.date() < row.published_on, "before the Federal Register printed it"
        feeds = {d["feed"] for d in json.loads(row.evidence)["documents"]}
        assert feeds == {"federal_register", "whitehouse_actions"}, "both copies merged into one action"


def test_tariff_state_on_february_fifth() -> None:
    state = build_tariff_state(actions(), date(2025, 1, 27), date(2025, 3, 7))
    day = state[state["date"] == date(2025, 2, 5)]
    for partner in ("CA", "MX"):
        row = one(day, partner=partner, scope="all_goods")
        assert (row["status"], row["rate_pct"], row["pause_ends"]) == ("paused", 25.0, date(2025, 3, 4))
    assert one(day, partner="CA", scope="energy")["status"] == "paused"
    china = one(day, partner="CN", scope="all_goods")
    assert (china["status"], china["rate_pct"]) == ("effective", 10.0)
    march = state[state["date"] == date(2025, 3, 4)]
    assert one(march, partner="CA", scope="all_goods")["status"] == "effective", "the pause ends on March 4"


def test_the_pauses_are_known_before_the_flag_cutoff_of_february_third() -> None:
    cutoff = datetime(2025, 2, 3, 18, 0, tzinfo=NEW_YORK)
    state = build_tariff_state(actions(), date(2025, 2, 3), date(2025, 2, 3), asof=cutoff)
    assert one(state, partner="CA", scope="all_goods")["status"] == "paused"
    assert one(state, partner="MX", scope="all_goods")["status"] == "paused"
    before = build_tariff_state(
        actions(), date(2025, 2, 3), date(2025, 2, 3), asof=datetime(2025, 2, 3, 9, tzinfo=NEW_YORK)
    )
    assert one(before, partner="MX", scope="all_goods")["status"] == "announced"


def test_statements_of_intent_announce_the_sector_tariffs() -> None:
    intents = actions()[actions()["action"] == "announce_intent"]
    assert set(intents["partner"]) == {"ALL"}
    assert {"steel", "aluminum", "autos", "semiconductors", "copper"} <= set(intents["scope"])
    state = build_tariff_state(actions(), date(2025, 2, 28), date(2025, 2, 28))
    for scope in ("steel", "aluminum", "autos", "semiconductors", "copper"):
        assert one(state, partner="ALL", scope=scope)["status"] == "announced"


def test_none_of_the_negatives_produces_an_action() -> None:
    titles = set(documents()["title"])
    assert titles >= NEGATIVE_TITLES, "every negative is in the demo"
    assert len(NEGATIVE_TITLES) >= 10
    acting = {
        doc["doc_id"]
        for evidence in actions()["evidence"]
        for doc in json.loads(evidence)["documents"]
        if doc["states_action"]
    }
    negative_ids = set(documents()[documents()["title"].isin(NEGATIVE_TITLES)]["doc_id"])
    assert not acting & negative_ids
    assert not set(actions()["title"]) & NEGATIVE_TITLES


def test_the_correction_in_the_feed_is_dropped() -> None:
    assert "federal_register:2025-90205" not in set(documents()["doc_id"])


def test_the_generator_is_deterministic_and_matches_the_shipped_replay(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    written = generate(first)
    generate(second)
    assert written
    for path in written:
        rel = path.relative_to(first)
        assert (second / rel).read_bytes() == path.read_bytes(), f"{rel} differs between two runs"
        assert (DEMO_REPLAY_DIR / rel).read_bytes() == path.read_bytes(), f"shipped {rel} is stale: rerun the script"
    shipped = {p.relative_to(DEMO_REPLAY_DIR) for f in FEEDS for p in (DEMO_REPLAY_DIR / f).rglob("*") if p.is_file()}
    assert shipped == {p.relative_to(first) for p in written}, "no stray files in the tariff feeds' replay folders"
