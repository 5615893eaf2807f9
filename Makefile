# The two commands a new user needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/dev.lock

.PHONY: install run test test-pg lint format bench eval migrate clean lock

$(STAMP): $(LOCK)
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11 ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	touch $(STAMP)

install: $(STAMP)

# Regenerate the pinned lock files from pyproject.toml (needs uv).
lock:
	uv pip compile pyproject.toml --python-version 3.11 -o requirements/base.lock
	uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements/dev.lock

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	@if ls seeds/* >/dev/null 2>&1 && $(BIN)/python manage.py help import_seed >/dev/null 2>&1; then \
		$(BIN)/python manage.py import_seed seeds/*; fi
	$(BIN)/python manage.py demo_setup
	bash scripts/run-dev.sh

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy commitments config
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done
	@echo "== corpus evaluation"; $(BIN)/python manage.py evaluate_importer --quiet

# The importer on the hand-annotated corpus of real documents (../shared/corpus or
# $$LEDGER_CORPUS_DIR): per-document and total recall, owners, deadlines, and the misses.
eval: $(STAMP)
	$(BIN)/python manage.py evaluate_importer

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
