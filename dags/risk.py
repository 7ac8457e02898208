"""The risk DAG: point-in-time flags for the AI-capex and tariff regimes, then alert e-mails.

derive rebuilds tariff_actions, tariff_state and macro_releases from silver; compute_flags writes
gold risk_flags and regime_state for every market day of the window;
send_alerts e-mails one digest per day on which a flag changed level (each alert once, ever).

Runs whenever one of its input datasets is updated (asset-triggered runs carry no logical
date: the window comes from the asset events' extras), or by hand with `start`/`end` params.
"""

from __future__ import annotations

import operator
from functools import reduce

from airflow.sdk import dag, task

from regime_radar.orchestration import asset, default_args, resolve_window, window_params

INPUTS = [
    "prices_daily",
    "market_series",
    "capex_quarterly",
    "tech_events",
    "macro_observations",
    "macro_consensus",
    "policy_documents",
    "policy_uncertainty",
]
DERIVED = ["tariff_actions", "tariff_state", "macro_releases"]
OUTPUTS = ["risk_flags", "regime_state"]


@dag(
    dag_id="risk",
    description="Daily explainable risk flags for the AI-capex and tariff regimes.",
    schedule=reduce(operator.or_, (asset(d) for d in INPUTS)),
    start_date=None,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    params=window_params(),
    tags=["regime-radar", "risk", "flags"],
    doc_md=__doc__,
)
def risk():
    @task(outlets=[asset(d) for d in DERIVED])
    def derive(**context) -> dict:
        from regime_radar.derive import run_derive
        from regime_radar.orchestration import record_window

        window = resolve_window(context, lookback_days=7)
        result = run_derive(window)
        record_window(context, DERIVED, window)
        return result

    @task(outlets=[asset(d) for d in OUTPUTS])
    def compute_flags(derived: dict, **context) -> dict:
        from regime_radar.orchestration import record_window
        from regime_radar.risk import run_risk
        from regime_radar.sources.base import Window

        window = Window.parse(derived["start"], derived["end"])
        result = run_risk(window)
        record_window(context, OUTPUTS, window)
        return result

    @task
    def send_alerts(window: dict, **context) -> dict:
        from regime_radar.risk import send_alerts as deliver
        from regime_radar.sources.base import Window

        return deliver(
            Window.parse(window["start"], window["end"]), dag_id=context["dag"].dag_id, run_id=context["run_id"]
        )

    send_alerts(compute_flags(derive()))


risk()
