# OpenNMIRF — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
NMIRF := $(BIN)/nmirf
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install migrate seed demo serve worker test test-fast test-postgres lint \
        migrations-check messages bench ci clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed .env

# The laptop's configuration, written once (never overwritten): a random SECRET_KEY and the
# local host names; settings read it under any variable set in the environment. A server
# sets its variables itself (docs/admin-guide.md, "Production").
.env:
	@umask 077 && $(PYTHON) -c 'import secrets; print("# Written by make for this laptop (docs/admin-guide.md, Production). Not for a server.\nSECRET_KEY=" + secrets.token_urlsafe(50) + "\nALLOWED_HOSTS=127.0.0.1,localhost,[::1]\nLOG_FORMAT=text")' > $@
	@echo "Wrote .env (a random SECRET_KEY for this laptop)."

migrate: install
	$(NMIRF) migrate --no-input

# Migrating loads the reference data; `make seed` only repairs what is missing.
seed: migrate
	$(NMIRF) seed

demo: migrate
	$(NMIRF) load_demo

# Install, migrate (which loads the reference data), load the demo, then serve on
# http://$(HOST):$(PORT)/ until Ctrl-C, with the production server: `nmirf serve` runs
# gunicorn and the background worker for web imports together (and collects the static
# files first).
run: demo
	$(NMIRF) serve --host $(HOST) --port $(PORT)

worker: install
	$(NMIRF) db_worker

lint: install
	$(BIN)/ruff check .

migrations-check: install
	$(NMIRF) makemigrations --check --dry-run >/dev/null

# The compiled catalogs (.mo) are committed, so that a machine without GNU gettext runs the
# translated UI; `make messages` (which needs gettext) refreshes both.
messages: install
	cd nmirf && ../$(NMIRF) makemessages -l fr -l es -l ar --no-obsolete >/dev/null
	$(NMIRF) compilemessages --ignore=.venv >/dev/null

# The whole suite on SQLite, browser tests included (Chromium is installed where possible;
# otherwise those tests skip and say why).
test: install
	$(BIN)/ruff check .
	$(NMIRF) makemigrations --check --dry-run >/dev/null
	-@bash scripts/ensure-chromium.sh
	bash scripts/pytest.sh

# The same suite against PostgreSQL (DATABASE_URL must point at a server).
test-postgres: install
	bash scripts/pytest.sh

# Every benchmark, figures to benchmarks/RESULTS.md; `make bench ARGS=--quick` for a fast
# check, `ARGS="--only list"` for one (benchmarks/README.md).
bench: install
	$(BIN)/python benchmarks/run.py $(ARGS)

ci: test test-postgres

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
