"""Queue alerts from what the pipeline wrote: flag changes, quarantined batches, tariff pauses about to end.

Each function only enqueues (the outbox drops an alert it already holds); `send.deliver_pending`
sends. That split lets a task record every alert before any SMTP server is involved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from regime_radar.alerts.outbox import Outbox

if TYPE_CHECKING:
    from regime_radar.config import Settings
    from regime_radar.quality.runner import ValidationReport
    from regime_radar.sources.base import Window
    from regime_radar.warehouse import Warehouse

PRICE_COLUMNS = ["symbol", "date", "close", "adj_close"]


def notify_quality(
    warehouse: Warehouse, report: ValidationReport, where: str, settings: Settings, docs_url: str | None = None
) -> bool:
    """Queue the data-quality alert of a quarantined batch; False if the same alert was queued before."""
    from regime_radar.alerts.render import quality_alert

    alert = quality_alert(report.dataset, report.window, report.failures, docs_url, settings, quarantined_at=where)
    return Outbox(warehouse).enqueue(alert)


def queue_flag_changes(
    warehouse: Warehouse, window: Window, settings: Settings, *, dag_id: str | None = None, run_id: str | None = None
) -> list[str]:
    """Queue one digest per day of `window` on which a flag changed level; returns the ids newly queued."""
    import pandas as pd

    from regime_radar.alerts.changes import level_changes, levels_before
    from regime_radar.alerts.render import flag_digests

    flags = warehouse.read("risk_flags").to_pandas()
    if flags.empty:
        return []
    days = pd.to_datetime(flags["date"]).dt.date
    in_window = flags[(days >= window.start) & (days <= window.end)]
    changes = level_changes(in_window, levels_before(flags, window.start))
    if changes.empty:
        return []
    prices = warehouse.read("prices_daily", columns=PRICE_COLUMNS).to_pandas()
    outbox = Outbox(warehouse)
    digests = flag_digests(changes, prices, settings, dag_id=dag_id, run_id=run_id)
    return [alert.alert_id for alert in digests if outbox.enqueue(alert)]


def queue_pause_expiries(warehouse: Warehouse, window: Window, settings: Settings) -> list[str]:
    """Queue a reminder for each paused tariff ending within the lead days of a day in `window`."""
    from regime_radar.alerts.changes import expiring_pauses
    from regime_radar.alerts.render import pause_expiry

    state = warehouse.read("tariff_state").to_pandas()
    if state.empty:
        return []
    outbox = Outbox(warehouse)
    queued: list[str] = []
    seen: set[tuple[str, str, object]] = set()
    for day in window.days():
        for row in expiring_pauses(state, day).itertuples():
            key = (row.partner, row.scope, row.pause_ends)
            if key in seen:
                continue
            seen.add(key)
            action_ref = row.action_id if isinstance(row.action_id, str) else ""
            alert = pause_expiry(row.partner, row.scope, row.pause_ends, row.rate_pct, action_ref, day, settings)
            if outbox.enqueue(alert):
                queued.append(alert.alert_id)
    return queued
