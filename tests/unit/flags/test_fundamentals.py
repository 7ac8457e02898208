"""The macro backdrop on hand-made releases and observations, as known at each day's cutoff."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from regime_radar.flags import engine
from tests.unit.flags.tables import by_flag, levels, observation, release


@pytest.fixture(scope="module")
def rules() -> dict:
    return engine.load_rules()


def _releases(ism_jan: float = 50.9, services: float = 52.8, nfp_z: float = -0.3) -> pd.DataFrame:
    return pd.DataFrame(
        [
            release("ISM_MFG_PMI", "2024-12-01", 49.2, "2025-01-03"),
            release("ISM_MFG_PMI", "2025-01-01", ism_jan, "2025-02-03"),
            release("ISM_SERVICES_PMI", "2024-12-01", 54.0, "2025-01-07"),
            release("ISM_SERVICES_PMI", "2025-01-01", services, "2025-02-05"),
            release("NFP_CHANGE", "2024-12-01", 256.0, "2025-01-10", surprise_z=1.06),
            release("NFP_CHANGE", "2025-01-01", 143.0, "2025-02-07", surprise_z=nfp_z),
        ]
    )


def _ratio() -> pd.DataFrame:
    return pd.DataFrame(
        [
            observation("JOLTS_PER_UNEMPLOYED", "2024-11-01", 1.13, "2025-01-07"),
            observation("JOLTS_PER_UNEMPLOYED", "2024-12-01", 1.10, "2025-02-04"),
        ]
    )


def _run(tables: dict, rules: dict, days: list[date]) -> list[dict]:
    return engine.compute_window(days, tables, rules)[0]


def test_ism_back_above_50_turns_fundamentals_green_on_release_day(rules: dict) -> None:
    days = [date(2025, 1, 31), date(2025, 2, 3), date(2025, 2, 7)]
    rows = _run({"macro_releases": _releases(), "macro_observations": _ratio()}, rules, days)
    assert levels(rows, "fundamentals") == {days[0]: "amber", days[1]: "green", days[2]: "green"}
    before = json.loads(by_flag(rows, "fundamentals")[days[0]]["drivers"])
    assert before["ISM_MFG_PMI"] == 49.2 and before["weak"] == ["ISM_MFG_PMI"]
    after = json.loads(by_flag(rows, "fundamentals")[days[1]]["drivers"])
    assert after["ISM_MFG_PMI"] == 50.9 and after["ISM_MFG_PMI_period"] == "2025-01"
    assert after["JOLTS_PER_UNEMPLOYED"] == 1.13  # December's ratio is released the next day
    assert json.loads(by_flag(rows, "fundamentals")[days[0]]["evidence"])


def test_broad_weakness_is_red(rules: dict) -> None:
    weak_ratio = pd.DataFrame([observation("JOLTS_PER_UNEMPLOYED", "2024-12-01", 0.8, "2025-02-04")])
    tables = {"macro_releases": _releases(ism_jan=47.0, services=48.5, nfp_z=-1.5), "macro_observations": weak_ratio}
    row = by_flag(_run(tables, rules, [date(2025, 2, 7)]), "fundamentals")[date(2025, 2, 7)]
    assert row["level"] == "red"
    assert sorted(json.loads(row["drivers"])["weak"]) == [
        "ISM_MFG_PMI",
        "ISM_SERVICES_PMI",
        "JOLTS_PER_UNEMPLOYED",
        "NFP_SURPRISE_Z",
    ]


def test_observations_serve_when_releases_are_missing_and_revisions_of_old_periods_do_not_displace(
    rules: dict,
) -> None:
    observations = pd.DataFrame(
        [
            observation("ISM_MFG_PMI", "2024-12-01", 49.2, "2025-01-03"),
            observation("ISM_MFG_PMI", "2025-01-01", 50.9, "2025-02-03"),
            # a later revision of December must not replace January as the latest reading
            observation("ISM_MFG_PMI", "2024-12-01", 49.3, "2025-02-04", first=False),
            # a revision of the newest period replaces its first print
            observation("ISM_MFG_PMI", "2025-01-01", 49.8, "2025-02-06", first=False),
        ]
    )
    days = [date(2025, 2, 4), date(2025, 2, 6)]
    rows = _run({"macro_observations": observations}, rules, days)
    assert json.loads(by_flag(rows, "fundamentals")[days[0]]["drivers"])["ISM_MFG_PMI"] == 50.9
    assert json.loads(by_flag(rows, "fundamentals")[days[1]]["drivers"])["ISM_MFG_PMI"] == 49.8
    assert levels(rows, "fundamentals") == {days[0]: "green", days[1]: "amber"}


def test_stale_and_missing_data_stay_quiet(rules: dict) -> None:
    rows = _run({"macro_releases": _releases()}, rules, [date(2025, 9, 1)])
    row = by_flag(rows, "fundamentals")[date(2025, 9, 1)]
    assert row["level"] == "green" and json.loads(row["drivers"])["status"] == "no macro data"
