# Two commands on a fresh machine:  make run  (portal with demo data)  ·  make test  (the test suite)
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test test-clock lint fuzz browser-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(STAMP_TEST): requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@ $(STAMP_RUN)

# The portal on SQLite (var/), with demo data and demo logins printed.
run: $(STAMP_RUN)
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

# Chromium and a CJK font for the browser tests, gettext for the catalog test (Debian packages; needs root or sudo).
browser-deps:
	@command -v chromium >/dev/null && command -v msgmerge >/dev/null && command -v faketime >/dev/null && fc-list :lang=zh | grep -q . || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk gettext faketime; }

# The whole suite; DATABASE_URL selects PostgreSQL. Exit code 5 ("no tests") fails too.
test: $(STAMP_TEST) browser-deps
	$(BIN)/pytest -n 2

# The suite with the clock moved (libfaketime): it must pass on any date, not only the day it was written.
# Without the browser tests (tests/browser/: Chromium driving a demo portal, two minutes of one core a
# run): the dates they show come from the same views, services and selectors the rest of the suite
# runs under the moved clock, and CI runs the clock twice (.ci/run) within its 25 minutes.
CLOCK ?= 2027-06-01 10:00:00
test-clock: $(STAMP_TEST)
	faketime -f "@$(CLOCK)" $(BIN)/pytest -n 2 -q --ignore=tests/browser

lint: $(STAMP_TEST)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# A bounded schema-fuzzing run of the API (schemathesis) as clerk and officer on a scratch database; fails on any 5xx.
fuzz: $(STAMP_TEST)
	.ci/fuzz
