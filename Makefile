# Two commands on a fresh machine: `make demo` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHECKOV_VENV := .venv-checkov

.PHONY: setup test lint typecheck pytest demo checkov-setup bench clean docs

$(BIN)/model-import: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(BIN)/model-import

$(CHECKOV_VENV)/bin/checkov:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q checkov

checkov-setup: $(CHECKOV_VENV)/bin/checkov

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

# Most tests wait on emulated provisioning and function processes rather than compute, so three
# workers (pytest-xdist) keep a 2-core machine busy while each waits (figures in the CI note).
# PYTEST_WORKERS=0 runs serially.
PYTEST_WORKERS ?= 3
pytest: setup checkov-setup
	CHECKOV=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov $(BIN)/pytest -n $(PYTEST_WORKERS)

test: lint typecheck pytest

demo: setup
	$(BIN)/python -m localcloud.demo

docs: setup
	$(BIN)/python -m shared.findings > docs/findings.md
	$(BIN)/python -m cli.docgen docs/cli.md

bench: setup
	$(BIN)/python -m bench.inspect_headers
	$(BIN)/python -m bench.localcloud
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.upload
	$(BIN)/python -m bench.genai_hub
	$(BIN)/python -m bench.cli_startup

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache .mypy_cache .ruff_cache
