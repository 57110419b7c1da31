# Entry points: `make report` builds the D-company case report, `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test lint bench clean models

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

# notebooks/07_models.ipynb, the researcher's notebook of models (not a report chapter), run with
# papermill into reports/models/ (the executed notebook and tables/*.csv), in the report's quiet,
# encrypted kernel.  On SIMULATED D-company data; `make models STUDY=path/study.yaml` for a study.
MODELS_OUT := reports/models
define MODELS_PY
from pathlib import Path
from crm_research.report.base import NotebookFailed
from crm_research.report.execute import execute_notebook, quiet
params = {"output_dir": str(Path("$(MODELS_OUT)").resolve())}
if "$(STUDY)":
    params["study"] = str(Path("$(STUDY)").resolve())
try:
    with quiet():
        seconds = execute_notebook("notebooks/07_models.ipynb", "$(MODELS_OUT)/07_models.ipynb", params)
except NotebookFailed as failed:
    raise SystemExit(str(failed)) from None
print(f"$(MODELS_OUT)/07_models.ipynb and $(MODELS_OUT)/tables written ({seconds:.0f} s)")
endef
export MODELS_PY

models: $(STAMP)
	$(BIN)/python -c "$$MODELS_PY"

clean:
	rm -rf $(VENV) reports/*/
