# Moim: `make run` to try it, `make test` to test it. Everything else is optional.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# The app reads PORT too: links in mail and feeds point at the port being served.
export PORT
export FLASK_APP := wsgi
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-pg lint format install translations browser extract-messages db-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# Compiled catalogs (.mo) are build output, made here and never committed.
translations: install
	$(BIN)/pybabel -q compile -d app/translations

run: translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	@echo ""
	@$(BIN)/flask demo-logins
	@echo ""
	@echo "Moim: http://127.0.0.1:$(PORT)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# The scanner's browser tests drive Debian's Chromium through Playwright (never `playwright install`).
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	echo "Installing Chromium for the browser tests (apt-get install chromium chromium-driver)"; \
	if [ "$$(id -u)" -eq 0 ]; then SUDO=""; \
	elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; \
	else echo "browser: $(CHROMIUM) is missing and neither root nor sudo is available to install it" >&2; exit 1; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "browser: $(CHROMIUM) is missing and apt-get is not available; install Chromium (chromium, chromium-driver) yourself" >&2; exit 1; fi; \
	$$SUDO apt-get update -q || { echo "browser: apt-get update failed (network or apt sources?)" >&2; exit 1; }; \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver \
	  || { echo "browser: apt-get install chromium chromium-driver failed (see above)" >&2; exit 1; }; \
	[ -x "$(CHROMIUM)" ] || { echo "browser: installed, but $(CHROMIUM) still does not exist" >&2; exit 1; }

test: translations browser
	$(BIN)/python -m pytest

# The same suite against PostgreSQL (CI runs this with CI=true).
test-pg: translations browser
	TEST_DATABASE_URL=$(TEST_PG_URL) $(BIN)/python -m pytest

# Lint (ruff, line length 120) and check the formatting; `make format` rewrites it.
LINT_PATHS := app tests benchmarks config.py wsgi.py migrations/env.py
lint: install
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

format: install
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

# Refresh the message catalogs after changing UI strings.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o app/translations/messages.pot .
	$(BIN)/pybabel update --ignore-obsolete -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

db-check: install
	$(BIN)/flask db check

clean:
	rm -rf $(VENV) .pytest_cache
