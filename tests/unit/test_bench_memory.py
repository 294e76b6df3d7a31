"""The bench's peak-memory figure: each process reports its own peak, not its parent's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.memory import peak_rss_mb

ROOT = Path(__file__).resolve().parents[2]
PARENT_MB = 400

# Started the way `python -m bench` starts a script: fork and exec from a process that has
# already held PARENT_MB. The child reports both figures.
CHILD = """
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from bench.memory import peak_rss_mb
print(json.dumps({"vmhwm": peak_rss_mb(),
                  "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def test_a_child_reports_its_own_peak_not_the_one_it_inherited():
    held = bytearray(PARENT_MB * 2**20)
    for i in range(0, len(held), 4096):  # touch every page, so it is resident
        held[i] = 1
    assert peak_rss_mb() >= PARENT_MB
    del held
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT)], capture_output=True, text=True, check=True
    )
    child = json.loads(out.stdout)
    # What the benches used to read carries the parent's peak (this is why they changed).
    assert child["ru_maxrss"] >= PARENT_MB
    assert 0 < child["vmhwm"] < PARENT_MB / 4


def test_a_process_that_does_not_exist_reads_zero():
    assert peak_rss_mb(2**22 + 12345) == 0.0  # above the highest pid Linux allows
