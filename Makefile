# Entry points: `make report` builds the D-company case report, `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/crm-research reproduce d-company --out reports/d-company

# CI=1 selects the derandomized Hypothesis profile (tests/conftest.py): the same examples on
# every run.  Doctests of crm_research run too (testpaths, --doctest-modules in pyproject.toml);
# -ra prints the reason of every skip, so a skipped required test shows.
test: $(STAMP)
	CI=$${CI:-1} $(BIN)/python -m pytest -q -n 2 -ra

lint: $(STAMP)
	$(BIN)/ruff check crm_research tests

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) reports/*/
