"""One settings object: `load_settings` is the only reader of the environment and of the
settings file; a value it cannot read names the variable and what was expected."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.settings import ENVIRONMENT, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
# Reads of the environment outside pipeline/settings.py, each for a reason that is not a
# setting of the pipeline (file: the line's text).
ALLOWED_READERS = {
    # Great Expectations reads this when it is imported: it must be set before (no network)
    "pipeline/quality/context.py": 'os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")',
    # the terminal's width convention ($COLUMNS), not a pipeline setting
    "pipeline/cli.py": 'os.environ.get("COLUMNS")',
    # the environment handed on to the Airflow processes `make airflow` starts
    "pipeline/airflow_local.py": "env = dict(os.environ if base is None else base)",
}
_READS = re.compile(r"os\.environ|getenv|environ\[")


def test_nothing_but_the_settings_module_reads_the_environment():
    found = []
    for folder in ("pipeline", "dags"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            if name == "pipeline/settings.py":
                continue
            for line in path.read_text(encoding="utf-8").splitlines():
                if _READS.search(line) and ALLOWED_READERS.get(name, "\0") not in line:
                    found.append(f"{name}: {line.strip()}")
    assert found == []


def test_defaults_are_todays_values():
    settings = load_settings({})
    assert settings == Settings()
    assert (settings.schedule, settings.retries_cap, settings.writer_pool_slots) == (
        "@daily",
        None,
        1,
    )
    assert (settings.failure_alert_timeout_s, settings.failure_record_attempts) == (5.0, 5)
    assert (settings.lock_wait_s, settings.alert_max_per_run, settings.alert_timeout_s) == (
        60.0,
        50,
        10.0,
    )


def test_every_variable_sets_its_field():
    env = {
        "MONITOR_LOCK_WAIT": "2.5",
        "MONITOR_ALERT_EMAIL": " a@x.org, b@x.org ,",
        "MONITOR_RETRIES": "0",
        "MONITOR_SCHEDULE": "none",
        "MONITOR_FAILURE_RECORD_ATTEMPTS": "2",
        "MONITOR_SMTP_PORT": "2525",
        "MONITOR_ALERT_WEBHOOK": "  ",  # blank: unset
    }
    settings = load_settings(env)
    assert settings.lock_wait_s == 2.5
    assert settings.alert_email == ("a@x.org", "b@x.org")
    assert (settings.retries_cap, settings.schedule) == (0, None)
    assert (settings.failure_record_attempts, settings.smtp_port) == (2, 2525)
    assert settings.alert_webhook is None
    assert load_settings({"MONITOR_SCHEDULE": ""}).schedule is None
    assert all(hasattr(Settings(), field) for field, _ in ENVIRONMENT.values())


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("MONITOR_LOCK_WAIT", "soon", "a number, 0 or more"),
        ("MONITOR_QUARANTINE_THRESHOLD", "-0.1", "a number, 0 or more"),
        ("MONITOR_SMTP_PORT", "25.5", "a whole number, 1 or more"),
        ("MONITOR_RETRIES", "two", "a whole number, 0 or more"),
        ("MONITOR_ALERT_TIMEOUT", "nan", "a number"),
    ],
)
def test_a_value_that_cannot_be_read_names_the_variable_and_why(name, raw, expected):
    with pytest.raises(InputError, match=rf"^{name}='{re.escape(raw)}': expected {expected}"):
        load_settings({name: raw})


def test_a_settings_file_is_read_and_the_environment_wins(tmp_path):
    file = tmp_path / "monitor.yaml"
    file.write_text("MONITOR_LOCK_WAIT: 5\nMONITOR_ALERT_MAX_PER_RUN: 7\n", encoding="utf-8")
    settings = load_settings({"MONITOR_LOCK_WAIT": "9"}, file=file)
    assert (settings.lock_wait_s, settings.alert_max_per_run) == (9.0, 7)
    file.write_text("MONITOR_LOCK_WAYT: 5\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"monitor.yaml: unknown setting\(s\) MONITOR_LOCK_WAYT"):
        load_settings({}, file=file)
    file.write_text("MONITOR_DOCS_KEEP_RUNS: many\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"MONITOR_DOCS_KEEP_RUNS in .*monitor.yaml='many'"):
        load_settings({}, file=file)
    with pytest.raises(InputError, match=r"settings file .*missing.yaml: cannot be read"):
        load_settings({}, file=tmp_path / "missing.yaml")
