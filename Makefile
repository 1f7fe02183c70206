# One command per job; each creates or reuses .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: install check fix test ci-check lint bench build-index schemas lm

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

install: $(STAMP)  ## install the package into .venv

check: $(STAMP)  ## the main job: validate corpus/
	$(BIN)/corpus check corpus/

fix: $(STAMP)  ## apply safe fixes to corpus/
	$(BIN)/corpus fix corpus/

build-index: $(STAMP)  ## regenerate the generated blocks of the index READMEs
	$(BIN)/corpus build-index

test: $(TEST_STAMP)  ## run the test suite
	$(BIN)/python -m pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check pipeline tests bench lm

schemas: $(STAMP)  ## regenerate schemas/*.schema.json from pipeline/schema.py
	$(BIN)/corpus schema

ci-check: $(TEST_STAMP)  ## what CI runs after the tests
	$(BIN)/corpus schema --check
	$(BIN)/corpus check corpus/
	$(BIN)/corpus build-index --check

bench: $(STAMP)  ## time corpus check on 1k/10k/50k generated notes (and markdownlint-cli2 when npx exists)
	$(BIN)/python bench/run_bench.py

lm: $(STAMP)  ## rebuild the encoding repair's language-model data from lm/notes/ and corpus/
	$(BIN)/python lm/build.py
