"""The risk step: point-in-time flags and regime states for every market day of a window."""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any

from regime_radar import catalog
from regime_radar.config import Settings, load_settings
from regime_radar.flags import engine
from regime_radar.pipeline import promote_all
from regime_radar.sources.base import Window
from regime_radar.warehouse import Warehouse, new_batch_id

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

PRICE_COLUMNS = ["symbol", "date", "adj_close", "available_at"]


def market_days(prices: pd.DataFrame, window: Window, symbols: list[str]) -> list[date]:
    """Days in the window on which the broad-market symbols traded."""
    frame = prices[prices["symbol"].isin(symbols)]
    days = sorted(set(frame["date"]))
    return [d for d in days if window.start <= d <= window.end]


def load_inputs(warehouse: Warehouse) -> dict[str, pd.DataFrame]:
    """Every table the rules read, as DataFrames (dates as datetime.date, timestamps as UTC).

    The derived inputs (macro_releases, tariff_actions) are the gold tables the DAG's derive task
    published just before; they are not derived a second time here.
    """
    return {
        name: warehouse.read(name, columns=PRICE_COLUMNS if name == "prices_daily" else None).to_pandas()
        for name in engine.INPUTS
    }


def run_risk(window: Window, settings: Settings | None = None) -> dict[str, Any]:
    """Compute and publish risk_flags and regime_state for every market day of `window`."""
    import pyarrow as pa

    settings = settings or load_settings()
    warehouse = Warehouse.from_settings(settings)
    rules = engine.load_rules()
    tables = load_inputs(warehouse)
    days = market_days(tables["prices_daily"], window, list(rules["ai_capex_shock"]["broad"]))
    log.info("computing flags for %d market day(s) in %s (rules %s)", len(days), window, rules["version"])
    flag_rows, state_rows = engine.compute_window(days, tables, rules)
    out_tables = {}
    if flag_rows:
        out_tables["risk_flags"] = catalog.conform("risk_flags", pa.Table.from_pylist(flag_rows))
        out_tables["regime_state"] = catalog.conform("regime_state", pa.Table.from_pylist(state_rows))
    published = promote_all(warehouse, out_tables, window, new_batch_id("risk-"), settings) if out_tables else {}
    return {
        "window": str(window),
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "market_days": len(days),
        "flags": len(flag_rows),
        "published": published,
    }


def send_alerts(
    window: Window, settings: Settings | None = None, *, dag_id: str | None = None, run_id: str | None = None
) -> dict[str, Any]:
    """Queue the window's flag-change digests and pause-expiry reminders, then deliver everything pending.

    Queuing is idempotent (the outbox keys alerts by kind, flag, level and date), so a retried task or
    a re-run window sends nothing twice; an SMTP failure leaves alerts pending and fails the task.
    """
    from regime_radar.alerts import Outbox, deliver_pending, queue_flag_changes, queue_pause_expiries

    settings = settings or load_settings()
    warehouse = Warehouse.from_settings(settings)
    queued = queue_flag_changes(warehouse, window, settings, dag_id=dag_id, run_id=run_id)
    queued += queue_pause_expiries(warehouse, window, settings)
    report = deliver_pending(Outbox(warehouse), settings)
    log.info("alerts: %d newly queued, %d sent", len(queued), len(report.sent))
    return {"queued": queued, "sent": list(report.sent)}
