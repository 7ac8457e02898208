"""A small warehouse around the DeepSeek week and the February tariffs, written with `Warehouse.publish`.

Shared by the query tests and the UI browser test. The numbers are made up but shaped like the
story: on 2025-01-27 NVDA falls 17%, SMH 10%, QQQ 3%; tariffs on CA/MX/CN are signed on 02-01,
CA/MX paused on 02-03 and CN in force on 02-04.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa

from regime_radar import catalog
from regime_radar.sources.base import Window
from regime_radar.warehouse import Warehouse

SHOCK_DAY = date(2025, 1, 27)
FLAG_DAYS = (
    [date(2024, 12, 31)]
    + [date(2025, 1, d) for d in (21, 22, 23, 24, 27, 28, 29, 30, 31)]
    + [date(2025, 2, 3), date(2025, 2, 4)]
)
LAST_DAY = FLAG_DAYS[-1]
SYMBOLS = {"NVDA": 140.0, "AVGO": 230.0, "SMH": 260.0, "QQQ": 520.0, "SPY": 600.0}
SHOCK = {"NVDA": -0.1697, "AVGO": -0.1735, "SMH": -0.0974, "QQQ": -0.0297, "SPY": -0.0146}
SHOCK_DRIVERS = {
    "NVDA_ret": -0.1697,
    "SMH_ret": -0.0974,
    "QQQ_ret": -0.0297,
    "basket_ret": -0.1469,
    "relative_ret": -0.1172,
    "z": -6.41,
}
EVIDENCE_URL = "https://www.example.com/deepseek-r1"
STAMP = datetime(2025, 2, 5, tzinfo=UTC)


def business_days(start: date, end: date) -> list[date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def prices_table() -> pa.Table:
    """Daily bars 2024-12-02..2025-02-04 with small wiggles and the 2025-01-27 shock."""
    rows = []
    for symbol, level in SYMBOLS.items():
        for i, day in enumerate(business_days(date(2024, 12, 2), LAST_DAY)):
            move = SHOCK[symbol] if day == SHOCK_DAY else 0.004 * math.sin(i * 1.7 + len(symbol))
            level *= 1 + move
            rows.append(
                {
                    "symbol": symbol,
                    "date": day,
                    "close": round(level, 4),
                    "adj_close": round(level, 4),
                    "volume": 1_000_000 + i,
                    "currency": "USD",
                    "source": "test",
                    "available_at": datetime(day.year, day.month, day.day, 21, tzinfo=UTC),
                    "ingested_at": STAMP,
                }
            )
    return pa.Table.from_pylist(rows)


def flag_rows() -> list[dict]:
    """Two flags per day: the AI-capex shock (red on 01-27) and a tariff flag (red 02-03, amber 02-04)."""
    rows = []
    tariff_levels = {date(2025, 2, 3): "red", date(2025, 2, 4): "amber"}
    for day in FLAG_DAYS:
        shock = day == SHOCK_DAY
        rows.append(
            {
                "date": day,
                "regime": "ai_capex",
                "flag": "ai_capex_shock",
                "level": "red" if shock else "green",
                "score": -6.41 if shock else -0.3,
                "drivers": json.dumps(SHOCK_DRIVERS if shock else {"basket_ret": 0.002, "z": -0.3}),
                "evidence": json.dumps(
                    [{"label": "DeepSeek R1 <open weights> & prices", "url": EVIDENCE_URL}] if shock else []
                ),
                "rule_version": "2025.02.1",
                "computed_at": STAMP,
            }
        )
        level = tariff_levels.get(day, "green")
        rows.append(
            {
                "date": day,
                "regime": "tariff",
                "flag": "tariff_escalation",
                "level": level,
                "score": {"red": 3.0, "amber": 1.5}.get(level, 0.0),
                "drivers": json.dumps(
                    {"partners": ["CA", "CN", "MX"], "max_rate_pct": 25.0} if level != "green" else {}
                ),
                "evidence": json.dumps(
                    [{"label": "EO 14193", "url": "https://www.federalregister.gov/d/2025-02406"}]
                    if level != "green"
                    else []
                ),
                "rule_version": "2025.02.1",
                "computed_at": STAMP,
            }
        )
    return rows


def regime_rows(flags: list[dict]) -> list[dict]:
    names = {"green": "calm", "amber": "stress", "red": "shock"}
    order = ["green", "amber", "red"]
    worst: dict[tuple[date, str], str] = {}
    for row in flags:
        for regime in (row["regime"], "composite"):
            key = (row["date"], regime)
            worst[key] = max(worst.get(key, "green"), row["level"], key=order.index)
    return [{"date": d, "regime": r, "state": names[level], "level": level} for (d, r), level in sorted(worst.items())]


def tariff_tables() -> tuple[pa.Table, pa.Table]:
    signed = datetime(2025, 2, 1, 22, tzinfo=UTC)
    actions = []
    for partner, rate, eo in (("CA", 25.0, "14193"), ("MX", 25.0, "14194"), ("CN", 10.0, "14195")):
        actions.append(
            {
                "action_id": f"eo{eo}-impose-{partner}",
                "eo_number": eo,
                "title": f"Imposing duties on {partner}",
                "action": "impose",
                "partner": partner,
                "scope": "all",
                "rate_pct": rate,
                "signed_on": date(2025, 2, 1),
                "effective_at": datetime(2025, 2, 4, 5, 1, tzinfo=UTC),
                "source_url": f"https://www.federalregister.gov/eo/{eo}",
                "available_at": signed,
                "ingested_at": STAMP,
            }
        )
    for partner, eo in (("CA", "14197"), ("MX", "14198")):
        actions.append(
            {
                "action_id": f"eo{eo}-pause-{partner}",
                "eo_number": eo,
                "title": f"Progress on the situation at the {partner} border",
                "action": "pause",
                "partner": partner,
                "scope": "all",
                "signed_on": date(2025, 2, 3),
                "effective_at": datetime(2025, 2, 4, 5, 1, tzinfo=UTC),
                "expires_at": datetime(2025, 3, 4, 5, 1, tzinfo=UTC),
                "modifies": f"eo{'14193' if partner == 'CA' else '14194'}-impose-{partner}",
                "available_at": datetime(2025, 2, 3, 23, tzinfo=UTC),
                "ingested_at": STAMP,
            }
        )
    state = [
        {"date": date(2025, 2, 4), "partner": "CN", "scope": "all", "status": "effective", "rate_pct": 10.0,
         "action_id": "eo14195-impose-CN"},
        {"date": date(2025, 2, 4), "partner": "CA", "scope": "all", "status": "paused", "rate_pct": 25.0,
         "pause_ends": date(2025, 3, 4), "action_id": "eo14197-pause-CA"},
        {"date": date(2025, 2, 4), "partner": "MX", "scope": "all", "status": "paused", "rate_pct": 25.0,
         "pause_ends": date(2025, 3, 4), "action_id": "eo14198-pause-MX"},
        {"date": date(2025, 2, 3), "partner": "CN", "scope": "all", "status": "announced", "rate_pct": 10.0,
         "action_id": "eo14195-impose-CN"},
    ]  # fmt: skip
    return _table(actions), _table(state)


def _table(rows: list[dict]) -> pa.Table:
    """Rows with different keys as one table (from_pylist alone keeps only the first row's keys)."""
    keys = list(dict.fromkeys(k for row in rows for k in row))
    return pa.Table.from_pylist([{k: row.get(k) for k in keys} for row in rows])


def macro_table() -> pa.Table:
    """JOLTS openings (thousands): November first printed in January, revised with December's print."""
    at = lambda d: datetime(d.year, d.month, d.day, 15, tzinfo=UTC)  # noqa: E731 - 10:00 New York
    rows = [
        ("JTSJOL", date(2024, 11, 1), 8098.0, date(2025, 1, 7), True),
        ("JTSJOL", date(2024, 11, 1), 8156.0, date(2025, 2, 4), False),
        ("JTSJOL", date(2024, 12, 1), 7600.0, date(2025, 2, 4), True),
    ]
    return pa.Table.from_pylist(
        [
            {
                "series_id": s,
                "period": p,
                "value": v,
                "vintage_date": vd,
                "is_first_print": first,
                "source": "test",
                "available_at": at(vd),
                "ingested_at": STAMP,
            }
            for s, p, v, vd, first in rows
        ]
    )


QUALITY = {
    "prices_daily": {"passed": True, "failures": []},
    "risk_flags": {
        "passed": True,
        "failures": [{"expectation": "expect_column_values_to_be_between", "column": "score", "severity": "warning"}],
    },
    "tariff_actions": {
        "passed": False,
        "failures": [
            {"expectation": "expect_column_values_to_not_be_null", "column": "partner", "severity": "critical"}
        ],
    },
}


def build(warehouse: Warehouse, with_data_docs: bool = True) -> Warehouse:
    """Publish every table above into the warehouse, plus validation results and a Data Docs page."""
    everything = Window(date(2024, 1, 1), date(2025, 12, 31))
    flags = flag_rows()
    actions, state = tariff_tables()
    tables = {
        "prices_daily": prices_table(),
        "risk_flags": pa.Table.from_pylist(flags),
        "regime_state": pa.Table.from_pylist(regime_rows(flags)),
        "tariff_actions": actions,
        "tariff_state": state,
        "macro_observations": macro_table(),
    }
    for name, table in tables.items():
        warehouse.publish(name, catalog.conform(name, table), everything)
    for name, result in QUALITY.items():
        # An older, passing result first: the page must show the latest one.
        for batch_id, day, latest in (("20250204T060000-a1", 4, False), ("20250205T060000-b2", 5, True)):
            warehouse.write_json(
                f"_quality/{name}/{batch_id}.json",
                {
                    "dataset": name,
                    "batch_id": batch_id,
                    "window": "2025-01-01..2025-02-04",
                    "row_count": 42 if latest else 40,
                    "evaluated": 9,
                    "validated_at": f"2025-02-0{day}T06:00:00+00:00",
                    **(result if latest else {"passed": True, "failures": []}),
                },
            )
    if with_data_docs:
        warehouse.write_bytes(
            "_quality/data_docs/index.html",
            b"<html><body><h1>Data Docs for the tiny warehouse</h1></body></html>",
        )
    return warehouse
