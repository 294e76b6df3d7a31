"""Two processes append overlapping batches to one DuckLake at once: each event is logged
once, at consecutive positions, and the hash chain verifies (the advisory lock at work)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipeline.store import open_store

ROOT = Path(__file__).resolve().parents[2]

# Each writer appends events start..stop of one shared sequence, five at a time, after
# waiting at a barrier file so that both really run at once.
WRITER = """
import sys, time
from datetime import date
from pathlib import Path
from pipeline.events import DOCUMENT_INGESTED, new_event
from pipeline.store import open_store

url, start, stop, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
events = [
    new_event(DOCUMENT_INGESTED, f"document:d{i}", date(2025, 1, 1),
              {"doc_id": f"d{i}", "text": f"text {i}"}, "test/1")
    for i in range(start, stop)
]
with open_store(url) as store:
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.01)
    appended = sum(store.append(events[k:k + 5], run_id=f"w{start}").appended
                   for k in range(0, len(events), 5))
print("appended", appended, flush=True)
"""


def test_two_processes_appending_overlapping_batches_log_each_event_once(lake_url, tmp_path):
    go = tmp_path / "go"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, lake_url, str(start), str(stop), str(go)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for start, stop in ((0, 60), (30, 90))
    ]
    for writer in writers:  # both have the lake open before either appends
        assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
    go.touch()
    outputs = [writer.communicate(timeout=240) for writer in writers]
    assert [w.returncode for w in writers] == [0, 0], [err for _, err in outputs]
    appended = [int(out.split()[-1]) for out, _ in outputs]
    assert sum(appended) == 90  # the 30 shared events were appended by one writer only
    with open_store(lake_url, read_only=True) as store:
        rows = list(store.read())
        assert [r.seq for r in rows] == list(range(1, 91))
        assert sorted(r.event.payload["doc_id"] for r in rows) == sorted(f"d{i}" for i in range(90))
        assert {r.run_id for r in rows} == {"w0", "w30"}  # both wrote
        report = store.verify_chain()
        assert report.ok and report.checked == 90
