# The two commands: `make run` and `make test`. Everything else is a step they use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails point at the address the server listens on, unless SITE_URL says otherwise.
SITE_URL ?= http://$(HOST):$(PORT)
CELERY_SCHEDULE ?= var/celerybeat-schedule
export SITE_URL

.PHONY: run test setup migrate translations demo lint format bench bench-search bench-pages loadtest loadtest-live prod-smoke messages clean

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	touch $(STAMP)

# Local state of the embedded default (SQLite, filesystem broker, private files) lives in var/.
setup: $(STAMP) translations
	mkdir -p var/staticfiles

translations: $(STAMP)
	$(MANAGE) compiletranslations

migrate: setup
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable

demo: migrate
	$(MANAGE) seed_demo

# Serve the site, run a Celery worker (with beat) and the outbox relay until Ctrl-C stops all.
# Ctrl-C reaches every process; the trap (which runs once and never signals its own shell)
# then asks the worker for a cold shutdown, stops the relay and waits for both, so nothing
# outlives the command. A pack interrupted this way is restarted (late acknowledgement,
# heartbeats).
run: demo
	@echo "Listening runs at $(SITE_URL)/ (Ctrl-C stops all)"
	@trap 'kill -QUIT $$worker 2>/dev/null; kill -TERM $$relay 2>/dev/null; wait $$worker $$relay; exit 130' INT TERM; \
	$(BIN)/celery -A listening worker --beat --loglevel=info --concurrency=2 \
		--schedule=$(CELERY_SCHEDULE) & worker=$$!; \
	$(MANAGE) relay_outbox & relay=$$!; \
	$(MANAGE) runserver $(HOST):$(PORT); \
	kill -QUIT $$worker 2>/dev/null; kill -TERM $$relay 2>/dev/null; wait $$worker $$relay

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

# The production process layout without containers (what docker-compose.yml runs, production
# settings, PostgreSQL and Redis from DATABASE_URL/REDIS_URL or local defaults, a non-root user),
# walked over HTTP; ends with `prod-smoke: ok` or `prod-smoke: failed at <step>`.
prod-smoke: setup
	$(BIN)/python tests/smoke/prod_smoke.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the catalogues from the source (needs GNU gettext's xgettext).
messages: $(STAMP)
	$(MANAGE) makemessages --locale fr --locale es --no-obsolete --no-location \
		--ignore ".venv/*" --ignore "var/*" --ignore "tests/*"
	$(MANAGE) makemessages --domain djangojs --locale fr --locale es --no-obsolete --no-location \
		--ignore ".venv/*" --ignore "var/*" --ignore "static/vendor/*"
	$(MANAGE) compiletranslations

bench: setup
	$(BIN)/python -m bench.pack

# Working Group 3's search at 5,000 approved inputs, in a throwaway database (PostgreSQL when
# DATABASE_URL is set); ends with one line: search: inputs=… p50_ms=… p95_ms=…
bench-search: setup
	$(BIN)/python -m bench.search

# The pages at 20,000 inputs and registrations under gunicorn (production settings); ends with
# one line: pages: wg3_list_ratio=… pack_request_ms=… export_mb=… admin_ms=… session_page_ratio=…
bench-pages: setup
	$(BIN)/python -m bench.pages

loadtest: setup
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[dev,load]"
	$(BIN)/python -m tests.load.run_loadtest

# 300 participants poll the live page while the desk advances the queue; ends with one line:
# live: users=… rps=… p50_ms=… p95_ms=… errors=…
loadtest-live: setup
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[dev,load]"
	$(BIN)/python -m tests.load.run_live_loadtest

clean:
	rm -rf var/broker var/private var/staticfiles
