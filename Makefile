# The two commands a newcomer needs:  `make run`  and  `make test`.
# Both create .venv and install everything the project needs on a fresh machine.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test check format setup clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: setup  ## play the scripted multi-agent example (the server comes with `voxline serve`)
	$(PY) examples/scripted_conversation.py

check: setup  ## format check, lint and strict type check
	$(VENV)/bin/ruff format --check src tests examples
	$(VENV)/bin/ruff check src tests examples
	$(VENV)/bin/mypy

test: check  ## everything CI runs
	$(PY) -m pytest --cov --cov-report=term

format: setup
	$(VENV)/bin/ruff format src tests examples
	$(VENV)/bin/ruff check --fix src tests examples

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .coverage
