"""What every DAG shares: default args, the failure e-mail, assets and the window a run covers.

Imported by DAG files at parse time, so it imports only Airflow's SDK and the light config.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from airflow.sdk import Asset, Param

from regime_radar import catalog
from regime_radar.config import CONNECTION_IDS, OWNER
from regime_radar.sources.base import Window

DEFAULT_ALERT_TO = "risk-desk@example.com"


def asset(dataset: str) -> Asset:
    """The Airflow Asset a dataset's publication emits."""
    spec = catalog.get(dataset)
    return Asset(name=spec.name, uri=spec.asset_uri, group="regime-radar")


def failure_notifier() -> Any:
    """An e-mail on task failure through the project's smtp connection; recipients from a Variable."""
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    return SmtpNotifier(
        to="{{ var.value.get('regime_radar_alert_to', '" + DEFAULT_ALERT_TO + "') }}",
        smtp_conn_id=CONNECTION_IDS["smtp"],
        subject="[regime-radar] task failed: {{ ti.dag_id }}.{{ ti.task_id }} ({{ run_id }})",
    )


def default_args() -> dict[str, Any]:
    return {
        "owner": OWNER,
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "on_failure_callback": [failure_notifier()],
    }


def window_params() -> dict[str, Param]:
    """`start`/`end` params so one run can cover a range (a backfill in one go)."""
    return {
        "start": Param(None, type=["null", "string"], format="date", description="first day (YYYY-MM-DD)"),
        "end": Param(None, type=["null", "string"], format="date", description="last day, inclusive"),
    }


def resolve_window(context: dict[str, Any], lookback_days: int) -> Window:
    """The window a run covers: its params, else its asset events, else the days before its run date."""
    params = context.get("params") or {}
    start, end = params.get("start"), params.get("end")
    if start or end:
        if not (start and end):
            raise ValueError("give both 'start' and 'end' params, or neither")
        return Window.parse(start, end)
    events = context.get("triggering_asset_events") or {}
    windows = [
        Window.parse(event.extra["start"], event.extra["end"])
        for asset_events in events.values()
        for event in asset_events
        if event.extra and "start" in event.extra and "end" in event.extra
    ]
    if windows:
        return Window(min(w.start for w in windows), max(w.end for w in windows))
    anchor = context.get("logical_date") or context["dag_run"].run_after
    end = anchor.date() if hasattr(anchor, "date") else date.fromisoformat(str(anchor)[:10])
    return Window(end - timedelta(days=lookback_days), end)


def record_window(context: dict[str, Any], datasets: list[str], window: Window) -> None:
    """Attach the window to each outlet asset event, so downstream runs know what changed."""
    for name in datasets:
        context["outlet_events"][asset(name)].extra = {"start": window.start.isoformat(), "end": window.end.isoformat()}
