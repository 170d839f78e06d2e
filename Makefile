# Tavolo — two commands: `make run` (serve the demo on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup migrate demo lint messages bench-caselist clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Tavolo needs Python >= 3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py demo_network

## Serve the app (HTTP + websockets, ASGI) with the demo network on the embedded default (SQLite).
run: demo
	@echo "Tavolo on http://$(HOST):$(PORT)/ — demo logins in README.md (password: tavolo-demo-2026)"
	$(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT)

## Run the whole suite (browser tests need Debian's /usr/bin/chromium; .ci/run installs it).
test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

## Extract and compile translations (needs GNU gettext: apt-get install gettext). Translate new strings in
## locale/it/LC_MESSAGES/django.po, then run it again and commit both .po and .mo (CI does not compile).
messages: setup
	$(BIN)/python manage.py makemessages -l it -l en --ignore=.venv --ignore=staticfiles --ignore=bench --ignore=var --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore=.venv

bench-caselist: setup
	$(BIN)/python bench/caselist.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
