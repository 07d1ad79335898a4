VENV   := .venv
PYTHON := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
STAMP  := $(VENV)/.installed
PO     := $(wildcard coachkit/translations/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run serve test lint format bench translations extract migrate demo clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(VENV)/bin/pybabel compile -i $< -o $@

translations: $(MO)

## Set up everything, load the demo data and serve on http://$(HOST):$(PORT)
run: $(STAMP) translations
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo "CoachKit runs on http://$(HOST):$(PORT)  (Ctrl+C stops it)"
	$(FLASK) run --host $(HOST) --port $(PORT)

serve: $(STAMP) translations
	$(FLASK) db upgrade
	$(FLASK) run --host $(HOST) --port $(PORT)

migrate: $(STAMP)
	$(FLASK) db upgrade

demo: $(STAMP) translations
	$(FLASK) db upgrade
	$(FLASK) demo

## The whole test suite (unit, web on SQLite and PostgreSQL, PDF, browser)
test: $(STAMP) translations
	$(PYTHON) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP) translations
	$(PYTHON) -m bench

## Refresh the message catalogue after changing texts in code or templates
extract: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o coachkit/translations/messages.pot .
	$(VENV)/bin/pybabel update -i coachkit/translations/messages.pot -d coachkit/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache
