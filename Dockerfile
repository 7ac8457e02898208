# Regime Radar on Apache Airflow 3, extending the official image
# (https://airflow.apache.org/docs/docker-stack/build.html, "Extending the image").
#
# The base is the *reference* image, not "slim": its default extras (celery, postgres, redis, amazon, ...)
# already ship apache-airflow-providers-celery, the Celery/Redis clients and the Postgres driver that
# docker-compose.yaml needs. Our own dependencies come from requirements.lock, the same fully pinned lock
# (compiled by uv for Python 3.11) that `make` installs the local virtualenv from. The tag below must match
# the `apache-airflow==` pin in requirements.txt; tests/deploy/test_compose.py checks that.
FROM apache/airflow:3.3.2-python3.11

# The image's docs require installing Python packages as the `airflow` user, never as root.
USER airflow

# The lock is already a complete resolution: --no-deps installs exactly it and never re-resolves
# (pip's resolver backtracks for a very long time on amazon[s3fs] + boto3). Pins that equal what the
# image ships (apache-airflow==3.3.2 and friends) are no-ops.
COPY --chown=airflow:root requirements.lock /opt/regime-radar/requirements.lock
RUN pip install --no-cache-dir --no-deps -r /opt/regime-radar/requirements.lock

# The package itself: declares no dependencies, so --no-deps changes nothing else.
COPY --chown=airflow:root pyproject.toml README.md /opt/regime-radar/
COPY --chown=airflow:root include/ /opt/regime-radar/include/
RUN pip install --no-cache-dir --no-deps /opt/regime-radar

# DAGs and the UI plugin are baked into the image, so every component (scheduler, dag-processor,
# api-server, each scaled worker) runs the same code; `make up` rebuilds the image after a change.
COPY --chown=airflow:root dags/ /opt/airflow/dags/
COPY --chown=airflow:root plugins/ /opt/airflow/plugins/

# Mount points of the named volumes in docker-compose.yaml: a fresh named volume takes this ownership,
# so the containers never need root to write logs or the admin password file.
RUN mkdir -p /opt/airflow/logs /opt/airflow/auth /opt/airflow/var
ENV REGIME_RADAR_VAR=/opt/airflow/var

# Fail the build, not the deployment, when the stack cannot start: the worker's command must exist
# (the celery provider comes from the base image, not from our lock) and the package must import with
# the lock's versions. A throwaway AIRFLOW_HOME keeps the generated airflow.cfg (and its random keys)
# out of the image.
RUN export AIRFLOW_HOME="$(mktemp -d)" AIRFLOW__CORE__EXECUTOR=CeleryExecutor \
    && airflow celery worker --help > /dev/null \
    && python -c "import regime_radar.config" \
    && rm -rf "${AIRFLOW_HOME}"
