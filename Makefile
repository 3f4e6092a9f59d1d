# The two commands a newcomer needs: `make dev` and `make test`. Both create .venv and
# install what they need first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: dev test test-faults lint format bench clean lock checkov

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

## Run the whole platform on embedded defaults (SQLite, Tansu, SMSC simulator) until Ctrl-C.
dev: $(STAMP)
	$(PY) -m devstack

## Lint, type-check, check the manifests with checkov, then run every test (PostgreSQL when
## reachable; required when CI=true). tests/k8s validates them with kubernetes-validate --strict.
test: lint checkov
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

## Tools with dependencies that clash with the app's (checkov pins an old `packaging`), in a
## virtualenv of their own. The first run installs them (a few minutes); later ones reuse it.
TOOLS := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed
CHECKOV_VERSION := 3.3.30
PIP_TOOLS_VERSION := 7.6.2

$(TOOLS_STAMP): Makefile
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check \
		checkov==$(CHECKOV_VERSION) pip-tools==$(PIP_TOOLS_VERSION)
	touch $(TOOLS_STAMP)

## checkov on every overlay as kubectl renders it; skips and their reasons: k8s/.checkov.yaml.
checkov: $(STAMP) $(TOOLS_STAMP)
	rm -rf .var/k8s-rendered && mkdir -p .var/k8s-rendered
	for overlay in k8s/overlays/*/; do \
		$(VENV)/bin/kubectl kustomize $$overlay > .var/k8s-rendered/$$(basename $$overlay).yaml || exit 1; \
	done
	$(TOOLS)/bin/checkov --config-file k8s/.checkov.yaml -d .var/k8s-rendered

## requirements.lock, the production image's dependencies pinned with hashes: run after
## changing pyproject.toml's dependencies.
lock: $(TOOLS_STAMP)
	$(TOOLS)/bin/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url \
		--no-emit-find-links --output-file requirements.lock pyproject.toml

clean:
	rm -rf .var
