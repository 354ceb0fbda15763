# Sales channel workbench. `make help` lists the targets.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PARAMS  ?= params/sample.yaml
JOBS    ?= 2

.DEFAULT_GOAL := help
.PHONY: help install reports sample validate test test-fast lint lab benchmark clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

LABSET  := $(BIN)/python -c "from workbench.widgets import configure_lab; print('JupyterLab settings:', configure_lab())"

install: $(STAMP) ## create .venv (if missing), install the workbench with its dependencies, set up its JupyterLab
	@$(LABSET)

reports: $(STAMP) ## build every report on the bundled sample and print where the index page is
	$(BIN)/workbench run --params $(PARAMS) --jobs $(JOBS)
	@echo "Open: $(CURDIR)/reports/latest/index.html"

sample: $(STAMP) ## regenerate the bundled sample company in data/sample
	$(BIN)/workbench sample --out data/sample

validate: $(STAMP) ## check the bundled sample (or DATA=dir) against the data model
	$(BIN)/workbench validate --data $(or $(DATA),data/sample)

test: $(STAMP) ## run the test suite (slow papermill smoke tests included)
	$(BIN)/python -m pytest

test-fast: $(STAMP) ## run the unit tests only
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP) ## ruff over the package, tests and notebooks
	$(BIN)/ruff check workbench tests notebooks benchmarks

lab: install ## start JupyterLab at the project root (notebooks/ opened first); LAB_ARGS="--port 8899 ..." adds options
	$(BIN)/jupyter lab --notebook-dir=. --LabApp.default_url=/lab/tree/notebooks $(LAB_ARGS)

benchmark: $(STAMP) ## 1,000,000-line benchmark of `workbench run` (see benchmarks/README.md)
	$(BIN)/python benchmarks/bench_run.py

clean: ## remove the virtual environment and published reports
	rm -rf $(VENV) reports/*/ reports/latest reports/index.html reports/.staging
