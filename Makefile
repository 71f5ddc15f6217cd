# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
HOST ?= 127.0.0.1

.PHONY: install demo serve test lint lock bench load mutate clean toolkit-zipapp translations

$(BIN)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --constraint requirements.lock --editable '.[test]'
	touch $@

install: $(BIN)/.installed

DEMO_CLOSED_PERIODS := 2022-23 2023-24 2024-25
# The Feedback Reports pre-rendered by the demo's releases: the demo logins' colleges (the
# others render when downloaded; every college's would add half an hour to the demo).
DEMO_REPORT_COLLEGES := KP-MED-PUB-001 KP-MED-PVT-001
# The demo offers its pages in English and Urdu (the language switch in the header).
DEMO_LANGUAGES ?= en,ur

demo: install
	@$(BIN)/registry migrate
	@$(BIN)/registry seed-demo
	@$(BIN)/registry run-pipelines
	@$(BIN)/registry demo-review
	@$(BIN)/registry build-release $(DEMO_CLOSED_PERIODS:%=--period %) --publish \
	  $(DEMO_REPORT_COLLEGES:%=--reports-for %)
	@$(BIN)/registry send-reminders
	@echo
	@echo "Mentoring Registry demo: http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@echo "Log in at http://$(HOST):$(PORT)/login with password mentoring-demo as:"
	@echo "  analyst@pmdc.demo (regulator), admin@registry.demo (admin),"
	@echo "  reviewer@kmu.demo (university), officer@kp-med-pub-001.demo (college)"
	@echo
	@LANGUAGES=$(DEMO_LANGUAGES) $(BIN)/registry run --host $(HOST) --port $(PORT)

# The layer rules ([tool.importlinter] in pyproject.toml) first, then every test.
# TEST_WORKERS processes share the tests (pytest-xdist), a test file each at a time, so a
# module-scoped fixture (a production stack, the toolkit zipapp) is built once; each worker
# has its own databases.
TEST_WORKERS ?= 2

test: install
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# Every benchmark, one table (figures beside references measured in the same run);
# JSON copies go to bench-results/. The API benchmark needs wrk (Debian package "wrk").
bench: install
	command -v wrk >/dev/null || (apt-get install -y -qq wrk || echo "install wrk for the API rows")
	$(BIN)/python tests/bench/run_all.py --out bench-results

# Deadline day (tests/load/run.py): every college's officers, reviewers and the regulator
# at once under locust, on the embedded default; LOAD_ARGS='--variant production' runs it
# on gunicorn + PostgreSQL + Airflow. Prints one table; fails on any error, lost version
# or submission left unchecked 60 s after the end. About 20 minutes.
load: install
	$(BIN)/python tests/load/run.py $(LOAD_ARGS)

# Mutation testing of the critical modules ([tool.mutmut] in pyproject.toml) with the tests
# that guard them; slow, so not part of `make test`. MUTANTS narrows the run to mutant
# names matching a pattern, e.g. make mutate MUTANTS='registry.indicators.stats.*'.
# Prints every surviving mutant, then the share killed per module.
mutate: install
	env -u PYTHONPATH $(BIN)/mutmut run --max-children 2 $(if $(MUTANTS),'$(MUTANTS)') | tail -n 3
	@echo "Mutants not killed (mutmut show NAME prints the change):"
	@env -u PYTHONPATH $(BIN)/mutmut results
	@echo "Killed per module (a timeout counts as killed; 'not checked' is left out):"
	@env -u PYTHONPATH $(BIN)/mutmut results --all true | awk -F': ' \
	  '$$2 != "not checked" { m = $$1; sub(/^ +/, "", m); sub(/\.x[_ǁ].*/, "", m); n[m]++; \
	   if ($$2 == "killed" || $$2 == "timeout") k[m]++ } \
	   END { for (m in n) printf "  %-40s %4d of %4d  %5.1f %%\n", m, k[m], n[m], 100 * k[m] / n[m] }'

# The toolkit as one file for a college PC with only Python 3.11+: `python3 registry-toolkit.pyz`.
# Built with shiv from the toolkit's own distribution (toolkit/pyproject.toml): the toolkit,
# the data standard and the rule definitions with their few dependencies, no registry.
TOOLKIT_ZIPAPP ?= dist/registry-toolkit.pyz

toolkit-zipapp: install
	mkdir -p $(dir $(TOOLKIT_ZIPAPP))
	$(BIN)/shiv --console-script registry-toolkit --python '/usr/bin/env python3' \
	  --reproducible --compressed --output-file $(TOOLKIT_ZIPAPP) ./toolkit

# Pages in every language: extract the marked strings into the template, merge them into each
# language's catalogue (translate the new empty msgstr there), and compile the .mo files the
# app reads (they are committed; a test fails when a .mo is older than its .po).
TRANSLATIONS := registry/translations
translations: install
	$(BIN)/pybabel extract --mapping-file babel.cfg --keywords N_ --keywords lazy_gettext --no-location --sort-output \
	  --project "Mentoring Registry" --copyright-holder "Mentoring Registry" \
	  --output-file $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update --input-file $(TRANSLATIONS)/messages.pot --output-dir $(TRANSLATIONS) \
	  --ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel compile --directory $(TRANSLATIONS) --statistics

lint: install
	$(BIN)/ruff check .

# Re-resolve every dependency from pyproject.toml and pin the result in requirements.lock.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet '.[test]'
	.lock-venv/bin/pip freeze --exclude mentoring-registry --exclude-editable > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) instance .pytest_cache
