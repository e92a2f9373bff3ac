# Moim: `make run` to try it, `make test` to test it. Everything else is optional.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi
TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-pg install translations extract-messages db-check clean

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

test: translations
	$(BIN)/python -m pytest

# The same suite against PostgreSQL (CI runs this with CI=true).
test-pg: translations
	TEST_DATABASE_URL=$(TEST_PG_URL) $(BIN)/python -m pytest

# Refresh the message catalogs after changing UI strings.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o app/translations/messages.pot .
	$(BIN)/pybabel update --ignore-obsolete -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

db-check: install
	$(BIN)/flask db check

clean:
	rm -rf $(VENV) .pytest_cache
