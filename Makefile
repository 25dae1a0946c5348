# BranchCX. `make run` starts the demo; `make test` runs every check CI runs.
# Works on a fresh machine with only python3: the first target creates .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PORT ?= 8000
export BRANCHCX_DATA_DIR ?= $(CURDIR)/var

.PHONY: install run test lint check-deploy pytest bench messages clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/pip || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV) || { \
	    echo "Could not create .venv: on Debian/Ubuntu install python3-venv first."; exit 1; }; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/branchcx migrate --noinput
	$(BIN)/branchcx demo
	$(BIN)/branchcx serve --port $(PORT) --with-worker

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy branchcx

# `check --deploy` with production settings and freshly generated secrets.
check-deploy: $(STAMP)
	env $$($(BIN)/branchcx genkeys | xargs) BRANCHCX_DEBUG=0 \
	    BRANCHCX_ALLOWED_HOSTS=branchcx.bank.example BRANCHCX_DATA_DIR=$(CURDIR)/var/deploy-check \
	    $(BIN)/branchcx check --deploy --fail-level WARNING

# Test workers in parallel (pytest-xdist; each has its own test database). 1 runs serially.
TEST_WORKERS ?= 2

pytest: $(STAMP)
	@test -x /usr/bin/chromium || echo "NOTE: browser tests will be SKIPPED: /usr/bin/chromium is missing (apt-get install chromium chromium-driver)."
	BRANCHCX_DATA_DIR=$(CURDIR)/var/test $(BIN)/pytest -n $(TEST_WORKERS)
	@if [ -n "$$BRANCHCX_TEST_DATABASE_URL" ]; then \
	    echo "== again on PostgreSQL ($$BRANCHCX_TEST_DATABASE_URL)"; \
	    BRANCHCX_DATA_DIR=$(CURDIR)/var/test BRANCHCX_DATABASE_URL="$$BRANCHCX_TEST_DATABASE_URL" $(BIN)/pytest -n $(TEST_WORKERS); \
	else echo "NOTE: PostgreSQL run SKIPPED: set BRANCHCX_TEST_DATABASE_URL to run the suite on PostgreSQL too."; fi

test: lint check-deploy $(STAMP)
	BRANCHCX_DATA_DIR=$(CURDIR)/var/test $(BIN)/branchcx makemigrations --check --dry-run
	BRANCHCX_DATA_DIR=$(CURDIR)/var/test $(BIN)/branchcx permissions-matrix --check docs/permissions.md
	$(MAKE) pytest

# Scale benchmarks (not part of `make test`): the PostgreSQL preset (1M customers, 20M
# transactions; about an hour) when PostgreSQL answers, else the SQLite preset.
# Choose with `make bench BENCH_PRESET=pg|sqlite|smoke`. Results: benchmarks/results/.
BENCH_PRESET ?= $(shell $(PYTHON) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null && echo pg || echo sqlite)
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --preset $(BENCH_PRESET)
	$(BIN)/python benchmarks/classifier.py
	$(BIN)/python benchmarks/complaints_dashboard.py
	$(BIN)/python benchmarks/surveys_scoring.py
	@if $(PYTHON) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; \
	then $(BIN)/python benchmarks/import_transactions.py; \
	else echo "NOTE: PostgreSQL does not answer: the transactions-import benchmark is skipped."; fi

# Needs GNU gettext (apt-get install gettext); the compiled .mo files are committed.
messages: $(STAMP)
	cd branchcx && ../$(BIN)/branchcx makemessages -l zh_Hans -l en --no-obsolete
	cd branchcx && ../$(BIN)/branchcx compilemessages

clean:
	rm -rf $(VENV) var/test var/deploy-check
