# caredesk — `make help` lists the targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help run test test-postgres lint fmt install install-test clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-15s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP)-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(STAMP)-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,lint]'
	@touch $@ $(STAMP)-run

install: $(STAMP)-run ## install the product into .venv
install-test: $(STAMP)-test ## install the product with test and lint tools

run: $(STAMP)-run ## install, migrate, load demo data and serve on http://127.0.0.1:8000 (another port: make run PORT=8080)
	$(BIN)/caredesk migrate --no-input -v 0
	$(BIN)/caredesk demo --if-empty
	$(BIN)/caredesk run $(if $(PORT),--port $(PORT))

test: $(STAMP)-test ## install test needs and run the whole suite
	$(BIN)/python -m pytest

test-postgres: $(STAMP)-test ## the whole suite against the local PostgreSQL (DATABASE_URL)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/python -m pytest

lint: $(STAMP)-test ## ruff, mypy, import contracts and the migrations check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy caredesk
	$(BIN)/lint-imports
	CAREDESK_DATA_DIR=$$(mktemp -d) $(BIN)/python manage.py makemigrations --check --dry-run

fmt: $(STAMP)-test ## format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean: ## remove the environment and local data
	rm -rf $(VENV) var
