# Two commands a newcomer needs: `make run` and `make test`. Both bootstrap .venv
# from the committed uv.lock (pip-installed uv, then uv sync --frozen): PyPI only.
PYTHON ?= python3.11
VENV   := .venv
UV     := $(VENV)/bin/uv
BIN    := $(VENV)/bin
export GX_ANALYTICS_ENABLED := False
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: run test test-slow lint unit bench eval train airflow clean setup screenshots

setup: $(VENV)/.synced

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "python3.11 not found: install Python 3.11 or pass PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(UV): $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

# --compile-bytecode: uv writes no .pyc by default, and where PYTHONDONTWRITEBYTECODE is set
# (as on the CI machine) every process then compiled its imports from source: 4.4 s of the
# 8.7 s that importing Great Expectations took, in every task and every run.
$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --quiet --compile-bytecode
	@touch $@

# The DAGs once through Airflow itself (SQLite metadata in .airflow/), then the stances.
run: setup
	$(BIN)/python -m pipeline.airflow_local run

lint: setup
	$(BIN)/ruff check pipeline dags tests bench docs
	$(BIN)/ruff format --check pipeline dags tests bench docs

# The slow tests (a real Airflow with its scheduler, soak runs, the drills that repeat whole
# runs: `-m slow`) run apart, in `make test-slow` and in CI's own step (.ci/run), so
# `make test` stays under ten minutes on two cores.
# -rs: every skipped test is listed with its reason.
test: lint
	$(BIN)/pytest -q -p no:cacheprovider -rs -m "not slow"

test-slow: setup
	$(BIN)/pytest -q -p no:cacheprovider -rs -m slow

bench: setup
	$(BIN)/python -m bench

# Score the statement extractor on the seeds and ../shared/eval/dev (writes nothing here).
eval: setup
	$(BIN)/python -m bench.evaluate

# Retrain the clause classifier from pipeline/data/training/ (reproducible: fixed seed);
# writes pipeline/data/models/clause_classifier/, which is committed.
train: setup
	$(BIN)/python -m pipeline.statements.classifier_training

# The Airflow UI on the same DAGs (metadata in .airflow/), every component on 127.0.0.1;
# `make airflow AIRFLOW_PORT=8081` picks the UI's port (0: any free one).
AIRFLOW_PORT ?= 8080
airflow: setup
	$(BIN)/python -m pipeline.airflow_local ui --port $(AIRFLOW_PORT)

# The screenshots of the HTML report in README.md and docs/report.md (docs/screenshots/),
# taken in headless Chromium.
screenshots: setup
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf warehouse .airflow
