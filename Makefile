# Tavolo — two commands: `make run` (serve the demo on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup migrate demo timers sweep lint messages bench-caselist bench-handoffs bench-notify bench-housing bench-matching bench-oversight bench-connections clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Tavolo needs Python >= 3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,demo]"  # the tests load the demo; production installs neither
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(BIN)/python manage.py migrate --noinput

## The demo network and its history (the `demo` app and the `demo` extra, which setup installs; never in production).
demo: migrate
	$(BIN)/python manage.py demo_network
	$(BIN)/python manage.py demo_workflows
	$(BIN)/python manage.py demo_housing
	$(BIN)/python manage.py demo_employment
	$(BIN)/python manage.py demo_notifications

## Serve the app (HTTP + websockets, ASGI) with the demo network on the embedded default (SQLite), and fire the
## workflow timers (answer deadlines, reviews) every $(TIMERS_EVERY) s and the notification sweep (answers due
## soon, consents expiring, e-mails, written to var/mail/) and the housing sweep (expired offers free their places)
## every $(SWEEP_EVERY) s in the background; Ctrl-C stops them all.
TIMERS_EVERY ?= 30
SWEEP_EVERY ?= 60
run: demo
	@echo "Tavolo on http://$(HOST):$(PORT)/ — demo logins in README.md (password: tavolo-demo-2026)"
	@$(BIN)/python manage.py run_timers --every $(TIMERS_EVERY) & timers=$$!; \
	$(BIN)/python manage.py notifications_sweep --every $(SWEEP_EVERY) & sweep=$$!; \
	$(BIN)/python manage.py housing_sweep --every $(SWEEP_EVERY) & housing=$$!; \
	trap 'kill $$timers $$sweep $$housing 2>/dev/null' EXIT INT TERM; \
	$(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT)

## One sweep of the workflow timers (what `make run` does in the background).
timers: migrate
	$(BIN)/python manage.py run_timers

## One notification sweep: answers due soon, consents expiring, e-mails (what `make run` does in the background).
sweep: migrate
	$(BIN)/python manage.py notifications_sweep

## Run the whole suite (browser tests need Debian's /usr/bin/chromium; .ci/run installs it).
test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

## Extract and compile translations (needs GNU gettext: apt-get install gettext). Translate new strings in
## locale/it/LC_MESSAGES/django.po, then run it again and commit both .po and .mo (CI does not compile).
messages: setup
	$(BIN)/python manage.py makemessages -l it -l en --extension=html,txt,py,svg --ignore=.venv --ignore=staticfiles --ignore=bench --ignore=var --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore=.venv

## Benchmarks, each on a PostgreSQL database of its own (created when missing; see bench/README.md).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tavolo_bench
BENCH_HANDOFFS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tavolo_bench_handoffs
BENCH_NOTIFY_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tavolo_bench_notify
BENCH_HOUSING_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tavolo_bench_housing
BENCH_MATCHING_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tavolo_bench_employment
BENCH_OVERSIGHT_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tavolo_bench_reports
BENCH_CONNECTIONS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tavolo_bench_connections
bench-caselist: setup
	$(BIN)/python bench/caselist.py --database-url $(BENCH_DATABASE_URL)

## Handoffs per second (send -> accept -> outcome) and the task queue with 1M tasks.
bench-handoffs: setup
	$(BIN)/python bench/handoffs.py --database-url $(BENCH_HANDOFFS_DATABASE_URL)

bench-notify: setup
	$(BIN)/python bench/notify_latency.py --database-url $(BENCH_NOTIFY_DATABASE_URL)

## Ranking 20k housing applications, occupancy over 2k places.
bench-housing: setup
	$(BIN)/python bench/housing.py --database-url $(BENCH_HOUSING_DATABASE_URL)

## 10k employability profiles against 1k job opportunities.
bench-matching: setup
	$(BIN)/python bench/matching.py --database-url $(BENCH_MATCHING_DATABASE_URL)

## 200k cases and 1M workflow events: dashboard, bottleneck map, yearly PDF; PM4Py's performance DFG for comparison
## (PM4Py, AGPL, is installed for the benchmark only: it is not a dependency of Tavolo).
bench-oversight: setup
	$(BIN)/pip install -q "pm4py==2.7.23.11"
	$(BIN)/python bench/oversight.py --database-url $(BENCH_OVERSIGHT_DATABASE_URL)

## PostgreSQL connections under uvicorn (2 workers, production settings, wrk): the pool, a connection per request,
## the former CONN_MAX_AGE=60 (needs wrk: apt-get install wrk; Redis db 2 unless REDIS_URL is set).
bench-connections: setup
	$(BIN)/python bench/connections.py --database-url $(BENCH_CONNECTIONS_DATABASE_URL)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
