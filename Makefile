# Two commands set everything up on a fresh machine:
#   make run    build the knowledge graph and serve it at http://127.0.0.1:8000/
#   make test   lint and run the test suite
HOST ?= 127.0.0.1
PORT ?= 8000
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint build clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kg build
	$(BIN)/kg serve --host $(HOST) --port $(PORT)

build: $(STAMP)
	$(BIN)/kg build

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

test: lint
	$(BIN)/pytest

clean:
	rm -rf var .pytest_cache
