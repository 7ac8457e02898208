# Regime Radar — the two commands are `make run` and `make test`; everything else is a helper.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements-dev.lock pyproject.toml | cksum | cut -d' ' -f1)
UV_VERSION := 0.13.8
PYTEST_WORKERS ?= 2

.PHONY: help venv run test test-fast lint format airflow bench lock up down clean

help:
	@echo "make run      run the whole pipeline through Airflow on the demo replay, then print the flag report"
	@echo "make test     the test suite (unit, DAG integrity, integration with real local servers)"
	@echo "make lint     ruff lint + format check"
	@echo "make airflow  start 'airflow standalone' with the project's DAGs and plugin"
	@echo "make bench    benchmarks (report in var/bench/report.json)"
	@echo "make up/down  the docker-compose deployment (needs Docker)"

# The virtual environment, installed from the compiled lock (never re-resolved).
$(STAMP): requirements-dev.lock requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements-dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

venv: $(STAMP)

run: venv
	$(BIN)/regime-radar run

test: venv
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadfile

test-fast: venv
	$(BIN)/pytest -q -m "not integration and not browser"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

airflow: venv
	$(BIN)/python -m regime_radar.airflow_local standalone

bench: venv
	$(BIN)/regime-radar bench

# Re-compile the locks after editing requirements*.txt (uv resolves in seconds; pip backtracks for ages).
lock: venv
	$(BIN)/uv pip compile requirements.txt --python-version 3.11 --no-header -o requirements.lock
	$(BIN)/uv pip compile requirements-dev.txt -c requirements.lock --python-version 3.11 --no-header -o requirements-dev.lock

up:
	docker compose up -d --build

down:
	docker compose down

clean:
	rm -rf var/warehouse var/airflow var/mail var/bench
