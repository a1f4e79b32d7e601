# deportwatch — `make run` starts the daemon, `make test` runs the test suite; both set everything up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test lint demo clean lock

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

run: install
	@mkdir -p data
	$(BIN)/deportwatch db upgrade
	$(BIN)/deportwatch run

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

demo: install
	$(BIN)/deportwatch demo

# Re-pin every installed package after changing dependencies in pyproject.toml.
lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Build the image with podman and smoke-test it (healthy, an alert arrives, SIGTERM exits 0 within 10 s).
.PHONY: container-test
container-test: install
	bash container/test.sh

# Benchmarks (about 7 minutes on 2 cores): writes bench/results/latest.json and the table in bench/README.md.
.PHONY: bench
bench: install
	@command -v nginx >/dev/null 2>&1 || (DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null) || \
		echo "nginx could not be installed: the site is served by the Python fallback server"
	$(BIN)/python -m bench

# Soak (30 minutes; DEPORTWATCH_SOAK_MINUTES=3 for a short one): the daemon against a loopback site that
# publishes every few seconds, with random faults; prints articles, alerts, memory and errors. Not in `make test`.
.PHONY: soak
soak: install
	$(BIN)/python -m bench.soak

# Known vulnerabilities in the pinned dependencies (needs PyPI's vulnerability API or OSV). --strict fails on any
# package it could not check, so an unreachable advisory service is a failure, not a silent pass.
.PHONY: audit
audit: install
	$(BIN)/pip-audit --version
	$(BIN)/pip-audit -r requirements.lock --no-deps --disable-pip --strict --progress-spinner off
