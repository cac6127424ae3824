# Newcomer commands: `make run` (serve with demo data) and `make test` (the whole suite).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PYTHON ?= python3
VENDOR := static/vendor/utrecht
# PostgreSQL used by the second test run; CI has one here with trust auth.
TEST_POSTGRES_URL ?= postgresql+psycopg://127.0.0.1:5432/test
# The slowest tests are named at the end of each run, to keep the suite short.
PYTEST_ARGS ?= --durations=15


.PHONY: bench run test test-sqlite test-postgres lint format install assets translations i18n-check clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/component-library.css: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/@utrecht/component-library-css/dist/index.css $(VENDOR)/component-library.css
	cp node_modules/@utrecht/component-library-css/dist/html.css $(VENDOR)/html.css
	cp node_modules/@utrecht/design-tokens/dist/index.css $(VENDOR)/design-tokens.css

assets: $(VENDOR)/component-library.css

translations: install
	$(VENV)/bin/pybabel compile -d translations >/dev/null

# Dutch is the default language: every message needs a finished Dutch translation.
i18n-check: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -o /tmp/portal-messages.pot . >/dev/null
	$(PY) -m portal.i18n_check translations/nl/LC_MESSAGES/messages.po /tmp/portal-messages.pot

run: install assets translations
	PORTAL_ENV=development $(FLASK) db upgrade
	PORTAL_ENV=development JSON_LOGS=0 LOG_LEVEL=WARNING $(FLASK) demo load --if-empty
	@# With REDIS_URL (e.g. redis://127.0.0.1:6379/0) a job worker renders records and sends mail.
	@if [ -n "$$REDIS_URL" ]; then \
		echo "== REDIS_URL is set: a job worker renders records and sends mail"; \
		PORTAL_ENV=development JSON_LOGS=0 $(FLASK) jobs worker & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT; \
		PORTAL_ENV=development JSON_LOGS=0 SHOW_DEMO_NOTICE=1 $(FLASK) run --host 127.0.0.1 --port 5000; \
	else \
		PORTAL_ENV=development JSON_LOGS=0 SHOW_DEMO_NOTICE=1 $(FLASK) run --host 127.0.0.1 --port 5000; \
	fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# End-to-end tests (browser journeys, load, SIGKILL; marker e2e) run once: with PostgreSQL
# when a server answers, else with SQLite.
PG_UP = $(PY) -c "import psycopg; psycopg.connect('host=127.0.0.1 port=5432 dbname=test connect_timeout=3').close()" 2>/dev/null

test-sqlite: install assets translations
	@if $(PG_UP); then \
		echo "== test suite on SQLite (end-to-end tests run with PostgreSQL)"; \
		TEST_DATABASE_URL=sqlite $(VENV)/bin/pytest -q $(PYTEST_ARGS) -m "not e2e"; \
	else \
		echo "== test suite on SQLite, end-to-end tests included"; \
		TEST_DATABASE_URL=sqlite $(VENV)/bin/pytest -q $(PYTEST_ARGS); \
	fi

test-postgres: install assets translations
	@if $(PG_UP); then \
		echo "== test suite on PostgreSQL ($(TEST_POSTGRES_URL)), end-to-end tests included"; \
		TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(VENV)/bin/pytest -q $(PYTEST_ARGS); \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL at 127.0.0.1:5432 (database test) does not answer, and REQUIRE_POSTGRES is set"; exit 1; \
	else \
		echo "== PostgreSQL not reachable at 127.0.0.1:5432: PostgreSQL run SKIPPED (SQLite only)"; \
	fi

test: lint i18n-check test-sqlite test-postgres
	@echo "== databases tested: SQLite$$( $(PY) -c "import psycopg; psycopg.connect('host=127.0.0.1 port=5432 dbname=test connect_timeout=3').close()" 2>/dev/null && echo ' and PostgreSQL' || echo ' only')"

# Speed targets as ratios measured in one run; prints them and writes docs/benchmarks.md.
bench: install translations
	@# wrk (Debian) drives the load without starving the servers; the Python fallback does.
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get install -y -q wrk >/dev/null; } || echo "== wrk not installed: Python load generator"
	$(PY) -m bench.run
	$(PY) -m bench.approvals

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .ruff_cache
