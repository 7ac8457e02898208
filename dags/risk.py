"""The risk DAG: point-in-time flags for the AI-capex and tariff regimes, then alert e-mails.

Runs whenever one of its input datasets is updated (asset-triggered runs carry no logical
date: the window comes from the asset events' extras), or by hand with `start`/`end` params.
"""

from __future__ import annotations

import operator
from functools import reduce

from airflow.sdk import dag, task

from regime_radar.orchestration import asset, default_args, resolve_window, window_params

INPUTS = ["prices_daily"]
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
    @task(outlets=[asset(d) for d in OUTPUTS])
    def compute_flags(**context) -> dict:
        from regime_radar.orchestration import record_window
        from regime_radar.risk import run_risk

        window = resolve_window(context, lookback_days=7)
        result = run_risk(window)
        record_window(context, OUTPUTS, window)
        return result

    compute_flags()


risk()
