"""Regenerate the README's screenshots of the HTML report (`make screenshots`).

Runs the pipeline on the five seed articles into a temporary warehouse, writes the report
with `monitor report`, and photographs the overview, one topic page and one actor page in
headless Chromium (Debian's /usr/bin/chromium, driven by Playwright; no browser download).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

PROJECT_DIR = Path(__file__).resolve().parents[1]
OUT_DIR = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# (page inside the report, PNG name, whole page or the first screen only)
SHOTS = [
    ("index.html", "report-overview.png", True),
    ("topics/troops-in-ukraine.html", "report-topic.png", False),
    ("actors/person-volodymyr-zelensky.html", "report-actor.png", False),
]


def monitor(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=PROJECT_DIR, env=env,
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "MONITOR_DB": str(Path(scratch) / "monitor.duckdb")}
        env.pop("MONITOR_SNAPSHOT", None)
        site = Path(scratch) / "report"
        monitor("run", "--sources", str(PROJECT_DIR / "seeds" / "sources.yaml"), env=env)
        monitor("report", "--out", str(site), env=env)
        OUT_DIR.mkdir(exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            page = browser.new_page(viewport={"width": 1200, "height": 1000})
            for path, name, full_page in SHOTS:
                page.goto((site / path).as_uri())
                page.wait_for_function(
                    "() => [...document.querySelectorAll('.chart-view')]"
                    ".every(c => c.dataset.rendered === 'true')"
                )
                page.screenshot(path=OUT_DIR / name, full_page=full_page)
                print(OUT_DIR / name)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
