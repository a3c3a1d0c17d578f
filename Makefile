# Every target sets up what it needs: on a fresh machine `make generate` and
# `make test` are the whole set-up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BASE_STAMP := $(VENV)/.installed-base
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: generate check test golden lint clean bench lock check-releases corpus live

# The project's own environments install exactly the releases in requirements/*.txt (lock
# files with hashes, made by pip-tools; `make lock` updates them), then this project itself.
PIP_INSTALL = -m pip install --quiet --disable-pip-version-check
LOCKED = --require-hashes --no-deps -r

$(BASE_STAMP): pyproject.toml requirements/generate.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) $(PIP_INSTALL) $(LOCKED) requirements/generate.txt
	$(PY) $(PIP_INSTALL) --no-deps --no-build-isolation -e .
	touch $@

$(DEV_STAMP): $(BASE_STAMP) requirements/dev.txt
	$(PY) $(PIP_INSTALL) $(LOCKED) requirements/dev.txt
	touch $@

## generate: spec/ + templates/ -> generated/ (atomic)
generate: $(BASE_STAMP)
	$(PY) -m generator generate

## check: exit 1 with a diff when generated/ no longer matches spec/, templates/ and the generator
check: $(BASE_STAMP)
	$(PY) -m generator check

# Node tools for the tests (Stoplight Prism, for tests/test_prism.py; pyright, for
# tests/test_pyright.py), exactly as locked.
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
# with, resolved together into requirements/bench.txt), then a report in bench/results/.
# See bench/README.md.
BENCH_VENV := bench/.venv
BENCH_STAMP := $(BENCH_VENV)/.installed-bench

$(BENCH_STAMP): pyproject.toml requirements/bench.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python $(PIP_INSTALL) $(LOCKED) requirements/bench.txt
	$(BENCH_VENV)/bin/python $(PIP_INSTALL) --no-deps --no-build-isolation -e .
	touch $@

# The generated client's import is measured where only its own dependencies are installed
# (pyproject.toml's `client` extra, locked in requirements/client.txt): a user's environment
# need hold nothing else.
CLIENT_VENV := bench/.venv-client
CLIENT_STAMP := $(CLIENT_VENV)/.installed-client

$(CLIENT_STAMP): requirements/client.txt
	$(PYTHON) -m venv $(CLIENT_VENV)
	$(CLIENT_VENV)/bin/python $(PIP_INSTALL) $(LOCKED) requirements/client.txt
	touch $@

## bench: generation, scaling and runtime benchmarks against the peers (report, never fails on targets)
bench: $(BENCH_STAMP) $(CLIENT_STAMP)
	$(BENCH_VENV)/bin/python bench/run.py

# Lock files: every release the project's environments install, with hashes. `make lock`
# re-resolves them all to the newest releases pyproject.toml (and bench/requirements.txt) allow;
# `make lock LOCK_UPGRADE=` keeps every release already locked and only adds (or moves) what
# pyproject.toml now asks for differently, e.g. a new dependency.
# Users of the generator do not get them: `pip install oapi-pygen` takes any allowed release.
LOCK_VENV := .venv-lock
PIP_TOOLS := pip-tools==7.7.0
LOCK_UPGRADE ?= --upgrade
COMPILE = $(LOCK_VENV)/bin/pip-compile --quiet $(LOCK_UPGRADE) --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host

## lock: update requirements/*.txt to the newest releases the project's ranges allow (LOCK_UPGRADE= keeps them)
lock:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python $(PIP_INSTALL) $(PIP_TOOLS)
	$(COMPILE) --extra dev -o requirements/dev.txt pyproject.toml requirements/build.in
	$(COMPILE) -c requirements/dev.txt -o requirements/generate.txt pyproject.toml requirements/build.in
	$(LOCK_VENV)/bin/python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['client']))" > $(LOCK_VENV)/client.in
	$(COMPILE) -c requirements/dev.txt -o requirements/client.txt $(LOCK_VENV)/client.in
	$(COMPILE) --extra dev -o requirements/bench.txt pyproject.toml bench/requirements.txt requirements/build.in

## corpus: generate every spec in ../shared/corpus/specs, cold, and print a table (spec, mode, operations, warnings)
corpus: $(BASE_STAMP)
	$(PY) -m tests.corpus_report

## live: call every operation of every corpus spec's client on a Prism mock of the spec, and print
## a table (spec, called, worked, generator faults, spec/mock faults) and every failure's reason
live: $(DEV_STAMP) $(NODE_STAMP)
	$(PY) -m tests.live_check

## check-releases: the drift check under other patch releases of PyYAML and Jinja2 (installs from the index)
check-releases: $(BASE_STAMP)
	$(PY) tests/other_releases.py

clean:
	rm -rf $(VENV) $(LOCK_VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
