# Every target sets up what it needs: on a fresh machine `make generate` and
# `make test` are the whole set-up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BASE_STAMP := $(VENV)/.installed-base
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: generate check test golden lint clean bench

$(BASE_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(DEV_STAMP): $(BASE_STAMP) pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

## generate: spec/ + templates/ -> generated/ (atomic)
generate: $(BASE_STAMP)
	$(PY) -m generator generate

## check: exit 1 with a diff when generated/ no longer matches spec/, templates/ and the generator
check: $(BASE_STAMP)
	$(PY) -m generator check

# Node tools for the tests (Stoplight Prism, for tests/test_prism.py), exactly as locked.
# SCARF_ANALYTICS=false: a dependency's install script would otherwise try to report usage.
NODE_STAMP := node_modules/.installed

$(NODE_STAMP): package.json package-lock.json
	SCARF_ANALYTICS=false npm ci --no-audit --no-fund
	touch $@

## test: the drift check, then the whole test suite
test: $(DEV_STAMP) $(NODE_STAMP)
	$(PY) -m generator check
	$(PY) -m pytest -q

## golden: rewrite every golden snapshot (tests/golden/*/expected, generated/, tests/bad_specs/expected.json)
golden: $(DEV_STAMP)
	$(PY) -m pytest -q tests/test_golden.py tests/test_bad_specs.py --update-golden

lint: $(DEV_STAMP)
	$(PY) -m ruff check generator tests
	$(PY) -m mypy --strict generator

# A benchmark, not a test: its own environment (this project plus the peers it is compared
# with, the latest that fit this project's pins, resolved together), then a report in
# bench/results/. See bench/README.md.
BENCH_VENV := bench/.venv
BENCH_STAMP := $(BENCH_VENV)/.installed-bench

$(BENCH_STAMP): pyproject.toml bench/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade -e '.[dev]' -r bench/requirements.txt
	touch $@

# The generated client's import is measured where only its own dependencies are installed
# (pyproject.toml's `client` extra): a user's environment need hold nothing else.
CLIENT_VENV := bench/.venv-client
CLIENT_STAMP := $(CLIENT_VENV)/.installed-client

$(CLIENT_STAMP): pyproject.toml
	$(PYTHON) -m venv $(CLIENT_VENV)
	$(PYTHON) -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['client']))" > $(CLIENT_VENV)/requirements.txt
	$(CLIENT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade -r $(CLIENT_VENV)/requirements.txt
	touch $@

## bench: generation, scaling and runtime benchmarks against the peers (report, never fails on targets)
bench: $(BENCH_STAMP) $(CLIENT_STAMP)
	$(BENCH_VENV)/bin/python bench/run.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
