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

install: $(VENV)/.installed

migrate: install
	$(NMIRF) migrate --no-input

seed: migrate
	$(NMIRF) seed

demo: seed
	$(NMIRF) load_demo

# The compiled catalogs (.mo) are committed, so that a machine without GNU gettext runs the
# translated UI; `make messages` (which needs gettext) refreshes both.
# Install, migrate, seed, load the demo, then serve (with the background worker for web
# imports) on http://$(HOST):$(PORT)/ until Ctrl-C.
run: demo
	@mkdir -p var
	$(NMIRF) collectstatic --no-input -v0
	@$(NMIRF) db_worker >var/worker.log 2>&1 & worker=$$!; \
	 trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	 $(NMIRF) runserver --insecure $(HOST):$(PORT)

worker: install
	$(NMIRF) db_worker

lint: install
	$(BIN)/ruff check .

migrations-check: install
	$(NMIRF) makemigrations --check --dry-run >/dev/null

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

bench: install
	$(BIN)/python benchmarks/run.py

ci: test test-postgres

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
