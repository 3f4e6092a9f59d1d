# The two commands a newcomer needs: `make dev` and `make test`. Both create .venv and
# install what they need first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: dev test test-faults lint format bench clean lock checkov web-check web-api web-chromium

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

WEB_STAMP := web/node_modules/.installed

$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-fund --no-audit
	touch $(WEB_STAMP)

## Run the whole platform on embedded defaults (SQLite, Tansu, SMSC simulator) until Ctrl-C,
## with the web app's dev server.
dev: $(STAMP) $(WEB_STAMP)
	$(PY) -m devstack

## Lint, type-check, check the manifests with checkov, check the web app, then run every test
## (PostgreSQL when reachable; required when CI=true), the web app's Playwright suite in
## Debian's Chromium included. tests/k8s validates manifests with kubernetes-validate --strict.
test: lint checkov web-check web/dist/index.html web-chromium
	$(PY) -m pytest

## The web app: its typed API client matches the gateway's OpenAPI, then lint, types, units.
web-check: $(STAMP) $(WEB_STAMP)
	$(PY) -m devstack.openapi web/.openapi.check.json
	cd web && npx openapi-typescript .openapi.check.json --default-non-nullable false \
		-o src/api/.schema.check.d.ts >/dev/null
	@cmp -s web/.openapi.check.json web/openapi.json && \
		cmp -s web/src/api/.schema.check.d.ts web/src/api/schema.d.ts || \
		{ echo "web/openapi.json or its client is stale: run make web-api"; exit 1; }
	rm -f web/.openapi.check.json web/src/api/.schema.check.d.ts
	cd web && npm run -s lint && npm run -s typecheck && npm test

## Regenerate the web app's API client from the gateway's merged OpenAPI.
web-api: $(STAMP) $(WEB_STAMP)
	$(PY) -m devstack.openapi web/openapi.json
	cd web && npm run -s api

web/dist/index.html: $(WEB_STAMP) $(shell find web/src -type f 2>/dev/null) web/index.html
	cd web && npx vite build --logLevel warn

## Headless Chromium for the browser tests, from Debian (Playwright's download cannot work).
web-chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

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
	rm -rf .var web/dist web/test-results
