# The two commands a newcomer needs: `make dev` and `make test`. Both create .venv and
# install what they need first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: dev test test-faults lint format bench clean lock

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

## Run the whole platform on embedded defaults (SQLite, Tansu, SMSC simulator) until Ctrl-C.
dev: $(STAMP)
	$(PY) -m devstack

## Lint, type-check, then run every test (PostgreSQL when reachable; required when CI=true).
test: lint
	$(PY) -m pytest

## The fault-injection suite: the whole platform on a PostgreSQL of its own, under load, while
## processes are killed, the SMSC misbehaves and the database restarts; then the invariants.
test-faults: $(STAMP)
	$(PY) -m pytest tests/faults -m faults -s -p no:cacheprovider

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy shared devstack smsc_simulator services gateway bench

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

## Throughput and memory figures: N messages through the gateway to the simulator.
bench: $(STAMP)
	$(PY) bench/e2e.py $(BENCH_ARGS)

## requirements.lock, the production image's dependencies pinned with hashes: run after
## changing pyproject.toml's dependencies. pip-tools lives in .venv-tools, apart from .venv.
lock:
	test -x .venv-tools/bin/pip-compile || ($(PYTHON) -m venv .venv-tools \
		&& .venv-tools/bin/pip install --quiet --disable-pip-version-check pip-tools)
	.venv-tools/bin/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url \
		--no-emit-find-links --output-file requirements.lock pyproject.toml

clean:
	rm -rf .var
