"""`make airflow` listens on 127.0.0.1 only, on the port asked for (issue 17, item 10).

`airflow standalone` started a log server in the scheduler and one in the triggerer on every
interface (ports 8793 and 8794, no setting for their host). `python -m pipeline.airflow_local
ui` (what `make airflow` runs) now starts the components itself, each on loopback, the UI on
the chosen port. The test starts it for real (SQLite metadata in tmp_path), waits until the
scheduler and triggerer report healthy, and lists every listening socket of its processes.
A real Airflow with its scheduler: marked slow (`make test-slow`, CI's own step)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

from pipeline.airflow_local import free_port
from pipeline.settings import PROJECT_DIR

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(400)]


def health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=5
        ) as response:
            return json.loads(response.read())
    except OSError:
        return None


def listening(root: psutil.Process) -> set[tuple[str, int, str]]:
    """(address, port, process name) of every listening TCP socket of root and children."""
    family = {root.pid} | {child.pid for child in root.children(recursive=True)}
    found = set()
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.pid in family:
            found.add((conn.laddr.ip, conn.laddr.port, psutil.Process(conn.pid).name()))
    return found


def test_every_component_listens_on_loopback_and_the_ui_on_the_chosen_port(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    ui = subprocess.Popen(
        [sys.executable, "-m", "pipeline.airflow_local", "ui", "--port", str(port),
         "--home", str(tmp_path / "airflow")],
        cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    root = psutil.Process(ui.pid)
    try:
        deadline = time.monotonic() + 300
        state = None
        while time.monotonic() < deadline:
            assert ui.poll() is None, f"make airflow exited {ui.returncode}"
            state = health(port)
            if state and all(
                state.get(part, {}).get("status") == "healthy"
                for part in ("metadatabase", "scheduler", "triggerer")
            ):
                break
            time.sleep(3)
        else:
            pytest.fail(f"Airflow not healthy after 300 s: {state}")
        time.sleep(5)  # let any late listener (a log server) start, as it used to
        sockets = listening(root)
        components = root.children(recursive=True)
    finally:
        os.kill(ui.pid, signal.SIGINT)  # Ctrl-C: it stops every component
        ui.wait(timeout=60)
    assert ("127.0.0.1", port) in {(ip, p) for ip, p, _ in sockets}, sockets
    outside = {s for s in sockets if s[0] not in ("127.0.0.1", "::1")}
    assert not outside, f"listening beyond loopback: {sorted(outside)}"
    assert not {p for _, p, _ in sockets} & {8793, 8794}, sockets
    _, alive = psutil.wait_procs(components, timeout=30)
    assert not alive, f"components left running after Ctrl-C: {alive}"
