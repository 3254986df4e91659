# The two commands a newcomer types: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean browser nlu-model frontend

# make test runs the suite on SQLite, then again on PostgreSQL when one answers here (trust auth).
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
POSTGRES_TESTS ?= tests/storage tests/sms tests/service tests/staff tests/safety tests/robustness/test_dispatchers_scale_out.py

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The NHS.UK frontend for the staff pages: npm ci (pinned by package-lock.json), then copied into static/nhsuk.
FRONTEND := referral_service/static/nhsuk/nhsuk-frontend.min.css
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
$(FRONTEND): node_modules/.package-lock.json $(STAMP) referral_service/staff/frontend_assets.py
	$(BIN)/python -m referral_service.staff.frontend_assets
frontend: $(FRONTEND)

## make nlu-model: train the chatbot's intent model into var/nlu (once per change of bot/data/nlu.yml or its code)
nlu-model: $(STAMP)
	$(BIN)/python -m bot.engine

## make run: set up and start the service on http://127.0.0.1:5000 (web chat, /check, /docs, sample data)
run: $(STAMP) nlu-model frontend
	@# Bytecode for our own modules, as an installed package has: a start then only loads it (even with
	@# PYTHONDONTWRITEBYTECODE set, which stops Python writing it but not reading it).
	$(BIN)/python -m compileall -q referral_service bot rules consent
	$(BIN)/referral-service serve

## make browser: Debian's chromium for the browser test (installed only if missing; needs root)
browser:
	@if [ ! -x /usr/bin/chromium ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; fi

## make test: set up and run the whole test suite
test: $(STAMP) browser frontend nlu-model
	$(BIN)/ruff check .
	TEST_DATABASE_URL= DATABASE_URL= $(BIN)/pytest -q
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(TEST_DATABASE_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "PostgreSQL answers at $(TEST_DATABASE_URL): the suite again on PostgreSQL (a fresh database, dropped after)"; \
		TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -q $(POSTGRES_TESTS); \
	else \
		echo "No PostgreSQL at $(TEST_DATABASE_URL): the SQLite run only"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) var .pytest_cache node_modules referral_service/static/nhsuk
