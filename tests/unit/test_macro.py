"""Point-in-time macro logic: as-of snapshots, release rows with surprises, and the DuckDB as-of macros."""

from __future__ import annotations

import itertools
import statistics
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regime_radar import catalog, macro
from regime_radar.config import DEMO_REPLAY_DIR
from regime_radar.sources import replay
from regime_radar.sources.base import Payload
from regime_radar.sources.consensus import SEED_PATH
from regime_radar.sources.consensus import SOURCE as CONSENSUS
from regime_radar.sources.fred_macro import SOURCE as FRED_MACRO
from regime_radar.sources.ism import SOURCE as ISM

ET = ZoneInfo("America/New_York")


def obs(series_id: str, period: str, vintage: str, value: float | None, first: bool, publication: str) -> dict:
    day = date.fromisoformat(vintage)
    return {
        "series_id": series_id,
        "period": date.fromisoformat(period + "-01"),
        "value": value,
        "vintage_date": day,
        "is_first_print": first,
        "source": "test",
        "available_at": macro.release_instant(publication, day),
        "ingested_at": datetime(2025, 3, 1, tzinfo=UTC),
    }


def frame(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return catalog.get("macro_observations").arrow_schema().empty_table().to_pandas()
    return catalog.conform("macro_observations", pd.DataFrame(rows)).to_pandas()


ADP = frame(
    [
        obs("ADP_CHG", "2024-11", "2024-12-04", 146, True, "ADP_NER"),
        obs("ADP_CHG", "2024-12", "2025-01-08", 122, True, "ADP_NER"),
        obs("ADP_CHG", "2024-12", "2025-02-05", 176, False, "ADP_NER"),
        obs("ADP_CHG", "2025-01", "2025-02-05", 183, True, "ADP_NER"),
        obs("JTSJOL", "2024-11", "2025-01-07", 8098, True, "JOLTS"),
        obs("JTSJOL", "2024-11", "2025-02-04", 8156, False, "JOLTS"),
        obs("JTSJOL", "2024-12", "2025-02-04", 7600, True, "JOLTS"),
    ]
)


def test_asof_takes_the_latest_vintage_released_by_the_instant() -> None:
    def value(instant: datetime, series_id: str, period: date) -> float | None:
        known = macro.asof(ADP, instant)
        row = known[(known["series_id"] == series_id) & (known["period"] == period)]
        return None if row.empty else float(row["value"].iloc[0])

    december = date(2024, 12, 1)
    assert value(datetime(2025, 1, 8, 8, 29, tzinfo=ET), "ADP_CHG", december) is None
    assert value(datetime(2025, 1, 8, 8, 30, tzinfo=ET), "ADP_CHG", december) == 122
    assert value(datetime(2025, 2, 5, 8, 29, tzinfo=ET), "ADP_CHG", december) == 122
    assert value(datetime(2025, 2, 5, 13, 30, tzinfo=UTC), "ADP_CHG", december) == 176
    known = macro.asof(ADP, datetime(2025, 3, 1, tzinfo=UTC))
    assert len(known) == 5 and list(known.columns) == list(ADP.columns)


def test_asof_refuses_a_naive_instant() -> None:
    with pytest.raises(ValueError, match="time-zone-aware"):
        macro.asof(ADP, datetime(2025, 2, 5, 12, 0))


def test_series_asof_is_one_series_by_period() -> None:
    series = macro.series_asof(ADP, "JTSJOL", datetime(2025, 2, 4, 10, 0, tzinfo=ET))
    assert series.to_dict() == {date(2024, 11, 1): 8156.0, date(2024, 12, 1): 7600.0}
    assert macro.series_asof(ADP, "JTSJOL", datetime(2025, 2, 4, 9, 59, tzinfo=ET)).to_dict() == {
        date(2024, 11, 1): 8098.0
    }


@st.composite
def vintages(draw: st.DrawFn) -> list[dict]:
    rows = []
    for _ in range(draw(st.integers(0, 25))):
        day = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 120)))
        rows.append(
            {
                "series_id": draw(st.sampled_from(["A", "B"])),
                "period": date(2023, draw(st.integers(10, 12)), 1),
                "value": draw(st.one_of(st.none(), st.floats(-1e6, 1e6))),
                "vintage_date": day,
                "is_first_print": draw(st.booleans()),
                "source": "test",
                "available_at": datetime(day.year, day.month, day.day, tzinfo=UTC)
                + timedelta(minutes=draw(st.integers(0, 24 * 60 - 1))),
                "ingested_at": datetime(2025, 1, 1, tzinfo=UTC),
            }
        )
    return rows


@settings(max_examples=100, deadline=None)
@given(known=vintages(), later=vintages(), data=st.data())
def test_adding_later_vintages_never_changes_an_earlier_answer(known: list[dict], later: list[dict], data: Any) -> None:
    instant = data.draw(st.datetimes(datetime(2024, 1, 1), datetime(2024, 6, 1), timezones=st.just(UTC)))
    # Later vintages: published after the instant (and dated after anything already known).
    last_day = max([r["vintage_date"] for r in known] + [instant.date()])
    shifted = []
    for row in later:
        day = last_day + timedelta(days=1) + (row["vintage_date"] - date(2024, 1, 1))
        shifted.append(
            row | {"vintage_date": day, "available_at": max(row["available_at"], instant) + timedelta(days=200)}
        )
    before = frame(_dedupe(known))
    after = frame(_dedupe(known + shifted))
    expected = macro.asof(before, instant).reset_index(drop=True)
    actual = macro.asof(after, instant).reset_index(drop=True)
    pd.testing.assert_frame_equal(actual, expected, check_index_type=False)


def _dedupe(rows: list[dict]) -> list[dict]:
    """One row per primary key (series_id, period, vintage_date), as the warehouse keeps it."""
    return list({(r["series_id"], r["period"], r["vintage_date"]): r for r in rows}.values())


# --- macro_releases ----------------------------------------------------------------------------


def release_rows(observations: pd.DataFrame, consensus: list[tuple[str, str, float]], **kw: Any) -> pd.DataFrame:
    calendar = pd.DataFrame(
        [
            {
                "release": "ADP_NER",
                "release_date": date(2025, 2, 5),
                "released_at": datetime(2025, 2, 5, 13, 15, tzinfo=UTC),
            },
        ]
    )
    table = pd.DataFrame(
        [{"release": r, "period": date.fromisoformat(p + "-01"), "consensus": c} for r, p, c in consensus],
        columns=["release", "period", "consensus"],
    )
    return macro.build_macro_releases(observations, calendar, table, **kw)


def test_a_release_row_has_first_print_consensus_surprise_and_both_priors() -> None:
    rows = release_rows(ADP, [("ADP_CHANGE", "2025-01", 150), ("JOLTS_OPENINGS", "2024-12", 8.0)])
    assert list(rows.columns) == catalog.get("macro_releases").column_names
    catalog.conform("macro_releases", rows)  # the exact catalog schema
    adp = rows[(rows["release"] == "ADP_CHANGE") & (rows["period"] == date(2025, 1, 1))].iloc[0]
    assert (adp["actual"], adp["consensus"], adp["surprise"]) == (183.0, 150.0, 33.0)
    assert (adp["prior"], adp["prior_revised"]) == (122.0, 176.0)
    # The calendar's time wins for released_at; available_at is the first print's.
    assert adp["released_at"] == pd.Timestamp("2025-02-05 13:15", tz="UTC")
    assert adp["available_at"] == pd.Timestamp("2025-02-05 13:30", tz="UTC")
    jolts = rows[(rows["release"] == "JOLTS_OPENINGS") & (rows["period"] == date(2024, 12, 1))].iloc[0]
    assert (jolts["actual"], jolts["consensus"], jolts["surprise"]) == (7.6, 8.0, -0.4)  # millions
    assert (jolts["prior"], jolts["prior_revised"]) == (8.098, 8.156)
    assert jolts["released_at"] == pd.Timestamp("2025-02-04 15:00", tz="UTC")  # no calendar row: available_at
    november = rows[(rows["release"] == "ADP_CHANGE") & (rows["period"] == date(2024, 11, 1))].iloc[0]
    assert pd.isna(november["consensus"]) and pd.isna(november["surprise"]) and pd.isna(november["prior"])


def monthly(series_id: str, publication: str, firsts: list[float]) -> pd.DataFrame:
    rows = []
    for i, value in enumerate(firsts):
        period = date(2023 + (i // 12), i % 12 + 1, 1)
        release = period + timedelta(days=40)
        rows.append(obs(series_id, period.isoformat()[:7], release.isoformat(), value, True, publication))
    return frame(rows)


def test_surprise_z_uses_only_earlier_surprises() -> None:
    actuals = [50.0, 51.0, 49.0, 52.0, 50.5, 48.0, 51.5, 50.0, 53.0]
    consensus = [50.5, 50.0, 50.0, 50.5, 51.0, 49.0, 50.0, 51.0, 51.0]
    observations = monthly("ISM_MFG_PMI", "ISM_MANUFACTURING", actuals)
    cons = [("ISM_MFG_PMI", f"2023-{i + 1:02d}", c) for i, c in enumerate(consensus)]
    rows = release_rows(observations, cons, min_history=6).set_index("period")["surprise_z"]
    surprises = [a - c for a, c in zip(actuals, consensus, strict=True)]
    # Rows 0–5 lack six earlier surprises but have first-print moves only from row 7 on: rows 0–5 null.
    assert rows.iloc[:6].isna().all()
    assert rows.iloc[6] == pytest.approx(surprises[6] / statistics.stdev(surprises[:6]))
    assert rows.iloc[8] == pytest.approx(surprises[8] / statistics.stdev(surprises[:8]))


def test_surprise_z_falls_back_to_first_print_moves_without_a_consensus_history() -> None:
    actuals = [50.0, 51.0, 49.0, 52.0, 50.5, 48.0, 51.5, 50.0]
    observations = monthly("ISM_MFG_PMI", "ISM_MANUFACTURING", actuals)
    rows = release_rows(observations, [("ISM_MFG_PMI", "2023-08", 49.0)], min_history=6).set_index("period")
    moves = [b - a for a, b in itertools.pairwise(actuals[:7])]
    assert rows["surprise"].iloc[7] == 1.0
    assert rows["surprise_z"].iloc[7] == pytest.approx(1.0 / statistics.stdev(moves))
    assert rows["surprise_z"].iloc[:7].isna().all()  # no consensus → no surprise → no z


def test_no_observations_gives_an_empty_table_with_the_catalog_columns() -> None:
    rows = release_rows(frame([]), [])
    assert rows.empty and list(rows.columns) == catalog.get("macro_releases").column_names
    assert catalog.conform("macro_releases", rows).num_rows == 0


def test_releases_on_reads_the_calendar() -> None:
    calendar = pd.DataFrame(
        {
            "release": ["JOLTS", "ISM_MANUFACTURING", "EMPLOYMENT_SITUATION"],
            "release_date": [date(2025, 2, 4), date(2025, 2, 3), date(2025, 2, 7)],
        }
    )
    assert macro.releases_on(calendar, date(2025, 2, 3)) == ["ISM_MANUFACTURING"]
    assert macro.releases_on(calendar, date(2025, 2, 6)) == []


# --- DuckDB macros ---------------------------------------------------------------------------


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    connection.register("observations_df", catalog.conform("macro_observations", ADP))
    connection.execute("CREATE VIEW macro_observations AS SELECT *, 2025 AS year FROM observations_df")
    for statement in macro.DUCKDB_MACROS:
        connection.execute(statement)
    return connection


@pytest.mark.parametrize(
    "instant",
    [
        "2025-01-08 08:29:59-05:00",
        "2025-01-08 08:30:00-05:00",
        "2025-02-05 12:00:00-05:00",
        "2025-02-04 14:59:59+00:00",
    ],
)
def test_macro_asof_in_duckdb_agrees_with_pandas(con: duckdb.DuckDBPyConnection, instant: str) -> None:
    got = con.execute(
        "SELECT series_id, period, value, vintage_date FROM macro_asof(TIMESTAMPTZ '" + instant + "') ORDER BY ALL"
    ).fetchall()
    expected = macro.asof(ADP, datetime.fromisoformat(instant))
    assert got == [
        (r.series_id, r.period, r.value, r.vintage_date)
        for r in expected.sort_values(["series_id", "period"]).itertuples()
    ]


def test_duckdb_value_series_and_first_print_macros(con: duckdb.DuckDBPyConnection) -> None:
    def value(ts: str) -> Any:
        return con.execute(f"SELECT macro_value_asof('ADP_CHG', DATE '2024-12-01', TIMESTAMPTZ '{ts}')").fetchone()[0]

    assert value("2025-01-10 00:00:00-05:00") == 122
    assert value("2025-02-05 12:00:00-05:00") == 176
    assert value("2025-01-08 08:00:00-05:00") is None
    series = con.execute("SELECT period, value FROM macro_series_asof('JTSJOL', TIMESTAMPTZ '2025-02-28 00:00:00+00')")
    assert series.fetchall() == [(date(2024, 11, 1), 8156.0), (date(2024, 12, 1), 7600.0)]
    firsts = con.execute("SELECT series_id, period, value FROM macro_first_prints() WHERE series_id = 'ADP_CHG'")
    assert firsts.fetchall() == [
        ("ADP_CHG", date(2024, 11, 1), 146.0),
        ("ADP_CHG", date(2024, 12, 1), 122.0),
        ("ADP_CHG", date(2025, 1, 1), 183.0),
    ]


def test_macros_run_as_read_only_queries_of_the_query_module(con: duckdb.DuckDBPyConnection) -> None:
    from regime_radar.query import ensure_read_only

    ensure_read_only("SELECT * FROM macro_asof(TIMESTAMPTZ '2025-02-07 09:00:00-05:00')")


# --- the demo: the acceptance facts of macro_releases -----------------------------------------


@pytest.fixture(scope="module")
def demo_releases() -> pd.DataFrame:
    fred = FRED_MACRO.parse(replay.load(DEMO_REPLAY_DIR, "fred_macro"))
    ism = ISM.parse(replay.load(DEMO_REPLAY_DIR, "ism"))
    seed = CONSENSUS.parse([Payload("consensus.csv", SEED_PATH.read_bytes(), "file://seed")])
    observations = pd.concat([fred["macro_observations"].to_pandas(), ism["macro_observations"].to_pandas()])
    calendar = pd.concat([fred["release_calendar"].to_pandas(), ism["release_calendar"].to_pandas()])
    rows = macro.build_macro_releases(observations, calendar, seed["macro_consensus"].to_pandas())
    return rows.set_index(["release", "period"])


def test_demo_adp_january_beats_consensus_by_33k(demo_releases: pd.DataFrame) -> None:
    adp = demo_releases.loc[("ADP_CHANGE", date(2025, 1, 1))]
    assert (adp["actual"], adp["consensus"], adp["surprise"]) == (183.0, 150.0, 33.0)
    assert (adp["prior"], adp["prior_revised"]) == (122.0, 176.0)
    assert adp["released_at"] == pd.Timestamp("2025-02-05 08:30", tz=ET)
    assert adp["surprise_z"] > 0


def test_demo_ism_and_labour_releases(demo_releases: pd.DataFrame) -> None:
    ism = demo_releases.loc[("ISM_MFG_PMI", date(2025, 1, 1))]
    assert ism["actual"] == 50.9 and ism["prior"] == 49.2
    assert ism["released_at"].date() == date(2025, 2, 3)
    assert ism["released_at"] == pd.Timestamp("2025-02-03 10:00", tz=ET)
    services = demo_releases.loc[("ISM_SERVICES_PMI", date(2025, 1, 1))]
    assert (services["actual"], services["prior"], services["consensus"]) == (52.8, 54.0, 54.3)
    nfp = demo_releases.loc[("NFP_CHANGE", date(2025, 1, 1))]
    assert (nfp["actual"], nfp["consensus"], nfp["surprise"], nfp["prior"], nfp["prior_revised"]) == (
        143.0,
        169.0,
        -26.0,
        256.0,
        307.0,
    )
    unrate = demo_releases.loc[("UNRATE", date(2025, 1, 1))]
    assert (unrate["actual"], unrate["consensus"]) == (4.0, 4.1)
    jolts = demo_releases.loc[("JOLTS_OPENINGS", date(2024, 12, 1))]
    assert (jolts["actual"], jolts["consensus"], jolts["prior_revised"]) == (7.6, 8.0, 8.156)
    assert jolts["released_at"] == pd.Timestamp("2025-02-04 10:00", tz=ET)
