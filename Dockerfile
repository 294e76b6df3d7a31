# The monitor on the official Airflow image: Airflow itself comes from the image, every other
# dependency from the committed uv.lock (exported to a pinned requirements file), so the
# containers run exactly the versions `make test` ran. Keep the tag's Airflow version equal to
# the apache-airflow version in uv.lock (tests/unit/test_compose_file.py checks it).
ARG AIRFLOW_IMAGE=apache/airflow:3.3.2-python3.11
FROM ${AIRFLOW_IMAGE}

ENV MONITOR_HOME=/opt/monitor \
    GX_ANALYTICS_ENABLED=False \
    PIP_NO_CACHE_DIR=1

USER root
# Data folders owned by the airflow user, so fresh named volumes mounted there are writable.
RUN mkdir -p /opt/monitor /data/warehouse /data/raw /data/bi /data/report \
 && chown -R airflow:root /opt/monitor /data
USER airflow
WORKDIR /opt/monitor

# Dependencies first (cached until uv.lock changes), every one checked against the hash the
# lock records (--require-hashes). `apache-airflow` stays at the image's version because
# uv.lock pins the same one. The FAB auth manager (compose's AIRFLOW__CORE__AUTH_MANAGER)
# is the official image's own provider, the Celery executor (compose's profile celery) the
# locked one: the build fails if either is missing.
COPY --chown=airflow:root pyproject.toml uv.lock README.md ./
RUN pip install --quiet "uv>=0.5" \
 && uv export --frozen --no-dev --no-emit-project --format requirements-txt \
      --output-file /tmp/requirements.txt \
 && pip install --quiet --require-hashes -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt \
 && python -c "import airflow.providers.fab.auth_manager.fab_auth_manager" \
 && python -c "import airflow.providers.celery.executors.celery_executor" \
 && test "$(python -c 'import airflow; print(airflow.__version__)')" = "${AIRFLOW_VERSION}"

# The project, installed editable so pipeline/settings.py finds sql/, expectations/ and seeds/
# beside the package.
COPY --chown=airflow:root pipeline ./pipeline
COPY --chown=airflow:root dags ./dags
COPY --chown=airflow:root sql ./sql
COPY --chown=airflow:root expectations ./expectations
COPY --chown=airflow:root seeds ./seeds
# The production sources file, when the repository has one (the glob keeps COPY from
# failing without it); compose can point MONITOR_SOURCES at a mounted file instead.
COPY --chown=airflow:root pyproject.toml sources.yam[l] ./
RUN pip install --quiet --no-deps -e . \
 && python -c "import pipeline.stages, pipeline.orchestration"

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/monitor/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    MONITOR_DB=/data/warehouse/monitor.duckdb \
    MONITOR_RAW_DIR=/data/raw \
    MONITOR_SNAPSHOT=/data/bi/monitor_bi.duckdb \
    MONITOR_SOURCES=/opt/monitor/sources.yaml
