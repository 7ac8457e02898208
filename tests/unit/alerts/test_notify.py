from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from regime_radar.alerts import Outbox, notify_quality, queue_flag_changes, queue_pause_expiries
from regime_radar.config import Settings, load_settings
from regime_radar.quality.runner import ValidationReport
from regime_radar.sources.base import Window
from regime_radar.warehouse import Warehouse

NOW = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(warehouse_url=str(tmp_path / "wh"))


@pytest.fixture
def warehouse(settings: Settings) -> Warehouse:
    return Warehouse.from_settings(settings)


def _publish_flags(warehouse: Warehouse, levels: dict[date, str]) -> None:
    drivers = {"NVDA_ret": -0.17, "QQQ_ret": -0.029, "SMH_ret": -0.098, "basket_ret": -0.11}
    rows = [
        {
            "date": day,
            "regime": "ai_capex",
            "flag": "ai_capex_shock",
            "level": level,
            "score": -5.0 if level == "red" else -0.5,
            "drivers": json.dumps(drivers if level != "green" else {}, sort_keys=True),
            "evidence": "[]",
            "rule_version": "test",
            "computed_at": NOW,
        }
        for day, level in levels.items()
    ]
    window = Window(min(levels), max(levels))
    warehouse.publish("risk_flags", pa.Table.from_pylist(rows), window)


def test_flag_changes_of_a_window_are_queued_once_per_day(warehouse: Warehouse, settings: Settings) -> None:
    levels = {
        date(2025, 1, 23): "green",
        date(2025, 1, 24): "green",
        date(2025, 1, 27): "red",
        date(2025, 1, 28): "amber",
        date(2025, 1, 29): "amber",
    }
    _publish_flags(warehouse, levels)
    window = Window(date(2025, 1, 24), date(2025, 1, 29))

    queued = queue_flag_changes(warehouse, window, settings, run_id="manual__1")

    assert queued == [
        "flag_change:ai_capex_shock:red:2025-01-27",
        "flag_change:ai_capex_shock:amber:2025-01-28",
    ]
    subjects = [a.subject for a in Outbox(warehouse).pending()]
    assert subjects[0] == "[RED] AI-capex shock 2025-01-27: NVDA −17.0%, SMH −9.8% vs QQQ −2.9%"
    # An overlapping re-run (the risk DAG looks back a week) queues nothing new.
    assert queue_flag_changes(warehouse, Window(date(2025, 1, 27), date(2025, 1, 29)), settings) == []
    assert len(Outbox(warehouse).pending()) == 2


def test_a_quarantined_batch_is_queued_once(warehouse: Warehouse, settings: Settings) -> None:
    report = ValidationReport(
        "prices_daily",
        "prices-20250301-abc",
        "2025-01-01..2025-01-31",
        10,
        failures=[
            {"expectation": "expect_column_values_to_not_be_null", "column": "close", "severity": "critical",
             "unexpected_count": 2, "sample": []},
        ],
    )  # fmt: skip
    where = warehouse.uri("quarantine/prices_daily/prices-20250301-abc")
    assert notify_quality(warehouse, report, where, settings) is True
    assert notify_quality(warehouse, report, where, settings) is False
    (alert,) = Outbox(warehouse).pending()
    assert alert.alert_id == "data_quality:prices_daily:critical:2025-01-01..2025-01-31"
    assert where in alert.text and "expect_column_values_to_not_be_null" in alert.text


def test_pause_reminders_are_queued_once_per_pause(warehouse: Warehouse, settings: Settings) -> None:
    days = pd.date_range("2025-02-03", "2025-03-03").date
    rows = [
        {"date": d, "partner": p, "scope": "all", "status": "paused", "rate_pct": 25.0,
         "pause_ends": date(2025, 3, 4), "action_id": f"eo-{p}"}
        for d in days
        for p in ("CA", "MX")
    ]  # fmt: skip
    warehouse.publish("tariff_state", pa.Table.from_pylist(rows), Window(days[0], days[-1]))

    early = queue_pause_expiries(warehouse, Window(date(2025, 2, 3), date(2025, 2, 20)), settings)
    assert early == []  # more than the lead days (7) before the pause ends
    queued = queue_pause_expiries(warehouse, Window(date(2025, 2, 21), date(2025, 3, 3)), settings)
    assert queued == ["pause_expiry:CA-all:reminder:2025-03-04", "pause_expiry:MX-all:reminder:2025-03-04"]
    reminders = Outbox(warehouse).pending()
    assert all("(in 7 days)" in a.subject for a in reminders)  # sent on the first day within the lead
    assert queue_pause_expiries(warehouse, Window(date(2025, 2, 21), date(2025, 3, 3)), settings) == []
