from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from regime_radar.alerts.changes import expiring_pauses, level_changes, levels_before

D1, D2, D3, D4 = date(2025, 1, 23), date(2025, 1, 24), date(2025, 1, 27), date(2025, 1, 28)


def _flags(rows: list[tuple[date, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "date": day,
                "regime": flag.split(":")[0],
                "flag": flag.split(":")[1],
                "level": level,
                "score": 0.5,
                "drivers": json.dumps({}),
                "evidence": "[]",
            }
            for day, flag, level in rows
        ]
    )


def _as_tuples(changes: pd.DataFrame) -> list[tuple[date, str, str, str | None]]:
    return [(r.date, r.flag, r.level, r.previous_level) for r in changes.itertuples()]


def test_level_changes_reports_up_and_down_moves_against_the_previous_market_day() -> None:
    flags = _flags(
        [
            # Deliberately unsorted: the function sorts by date itself.
            (D3, "ai_capex:ai_capex_shock", "red"),
            (D1, "ai_capex:ai_capex_shock", "green"),
            (D2, "ai_capex:ai_capex_shock", "green"),
            (D4, "ai_capex:ai_capex_shock", "amber"),
            (D1, "tariff:tariff_escalation", "amber"),
            (D2, "tariff:tariff_escalation", "amber"),
            (D3, "tariff:tariff_escalation", "amber"),
            (D4, "tariff:tariff_escalation", "green"),
        ]
    )
    changes = level_changes(flags, previous_levels={"ai_capex_shock": "green", "tariff_escalation": "amber"})
    assert _as_tuples(changes) == [
        (D3, "ai_capex_shock", "red", "green"),
        (D4, "ai_capex_shock", "amber", "red"),
        (D4, "tariff_escalation", "green", "amber"),
    ]
    # The other columns travel with the rows.
    assert list(changes["regime"]) == ["ai_capex", "ai_capex", "tariff"]


def test_first_day_uses_previous_levels_and_otherwise_only_non_green_counts() -> None:
    flags = _flags(
        [
            (D1, "ai_capex:ai_capex_shock", "green"),  # no history, green: not a change
            (D1, "tariff:tariff_escalation", "amber"),  # no history, not green: a change
            (D1, "macro:macro_surprise", "amber"),  # history says amber: not a change
            (D1, "composite:composite", "green"),  # history says red: a change down
        ]
    )
    changes = level_changes(flags, previous_levels={"macro_surprise": "amber", "composite": "red"})
    assert _as_tuples(changes) == [(D1, "composite", "green", "red"), (D1, "tariff_escalation", "amber", None)]
    without_history = level_changes(flags)
    assert _as_tuples(without_history) == [
        (D1, "macro_surprise", "amber", None),
        (D1, "tariff_escalation", "amber", None),
    ]


def test_a_flag_missing_on_a_day_is_compared_with_its_last_known_level() -> None:
    flags = _flags(
        [
            (D1, "tariff:tariff_escalation", "red"),
            (D3, "tariff:tariff_escalation", "red"),  # missing on D2
            (D2, "ai_capex:ai_capex_shock", "green"),
        ]
    )
    assert level_changes(flags, previous_levels={"tariff_escalation": "red"}).empty


def test_dates_arriving_as_timestamps_are_normalised_to_dates() -> None:
    flags = _flags([(D1, "ai_capex:ai_capex_shock", "green"), (D2, "ai_capex:ai_capex_shock", "red")])
    flags["date"] = pd.to_datetime(flags["date"])
    changes = level_changes(flags)
    assert list(changes["date"]) == [D2]
    assert "previous_level" in level_changes(flags.iloc[0:0]).columns


def test_duplicate_rows_for_one_flag_and_day_are_refused() -> None:
    flags = _flags([(D1, "ai_capex:ai_capex_shock", "green"), (D1, "ai_capex:ai_capex_shock", "red")])
    with pytest.raises(ValueError, match="more than one row"):
        level_changes(flags)


def test_levels_before_gives_each_flags_last_level_before_the_window() -> None:
    flags = _flags(
        [
            (D1, "ai_capex:ai_capex_shock", "amber"),
            (D2, "ai_capex:ai_capex_shock", "red"),
            (D3, "ai_capex:ai_capex_shock", "green"),
            (D1, "tariff:tariff_escalation", "amber"),
        ]
    )
    assert levels_before(flags, D3) == {"ai_capex_shock": "red", "tariff_escalation": "amber"}
    assert levels_before(flags, D1) == {}


def test_expiring_pauses_lists_paused_tariffs_ending_within_the_lead_days() -> None:
    state = pd.DataFrame(
        [
            # The state on the risk day decides; the older row must be ignored.
            {"date": date(2025, 2, 24), "partner": "CA", "scope": "all", "status": "paused", "rate_pct": 25.0,
             "pause_ends": date(2025, 3, 4), "action_id": "old"},
            {"date": date(2025, 2, 26), "partner": "CA", "scope": "all", "status": "paused", "rate_pct": 25.0,
             "pause_ends": date(2025, 3, 4), "action_id": "eo-14193"},
            {"date": date(2025, 2, 26), "partner": "MX", "scope": "all", "status": "paused", "rate_pct": 25.0,
             "pause_ends": date(2025, 3, 20), "action_id": "eo-14194"},
            {"date": date(2025, 2, 26), "partner": "CN", "scope": "all", "status": "in_effect", "rate_pct": 10.0,
             "pause_ends": None, "action_id": "eo-14195"},
        ]
    )  # fmt: skip
    due = expiring_pauses(state, date(2025, 2, 26), lead_days=7)
    assert due[["partner", "action_id", "days_left"]].to_dict("records") == [
        {"partner": "CA", "action_id": "eo-14193", "days_left": 6}
    ]
    assert expiring_pauses(state, date(2025, 2, 26), lead_days=5).empty
    # Point in time: a state dated after `asof` is not known yet.
    assert expiring_pauses(state, date(2025, 2, 23), lead_days=30).empty
