"""Ingest DAGs, one per feed, generated from the source registry (regime_radar.sources.registry).

Each run fetches (or replays) its window, archives the raw payloads, validates every batch and
publishes it to silver; the dataset's Asset then triggers the risk DAG.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from regime_radar.orchestration import asset, default_args, resolve_window, window_params
from regime_radar.sources.registry import SOURCES, SourceSpec


def build_ingest_dag(spec: SourceSpec):
    @dag(
        dag_id=f"ingest_{spec.name}",
        description=spec.description,
        schedule=spec.schedule,
        start_date=None,
        catchup=False,
        max_active_runs=1,
        default_args=default_args(),
        params=window_params(),
        tags=["regime-radar", "ingest", *spec.datasets],
        doc_md=f"""### ingest_{spec.name}

{spec.description}

Writes: {", ".join(f"`{d}`" for d in spec.datasets)}. A run covers its `start`..`end` params
(one run can backfill a range), else the {spec.lookback_days} days up to its run date.
Raw payloads go to `raw/{spec.name}/`; a batch that fails a critical expectation is quarantined
and this task fails with the failed expectations named.
""",
    )
    def ingest_dag():
        @task(outlets=[asset(d) for d in spec.datasets])
        def ingest(**context) -> dict:
            from regime_radar.orchestration import record_window
            from regime_radar.pipeline import ingest as run_ingest

            window = resolve_window(context, spec.lookback_days)
            result = run_ingest(spec.name, window).as_dict()
            record_window(context, list(spec.datasets), window)
            return result

        ingest()

    return ingest_dag()


for _spec in SOURCES.values():
    globals()[f"ingest_{_spec.name}"] = build_ingest_dag(_spec)
