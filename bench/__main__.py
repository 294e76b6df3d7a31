"""`make bench`: run the benchmarks that exist so far and print their figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCRIPTS = ["extract_bench.py", "ingest_pipeline_bench.py", "ingest_dedup_bench.py"]

for script in SCRIPTS:
    print(f"\n== {script}", flush=True)
    subprocess.run([sys.executable, str(BENCH / script)], check=True)
