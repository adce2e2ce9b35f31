# Two commands set everything up on a fresh machine:
#   make run    build the knowledge graph and serve it at http://127.0.0.1:8000/
#   make test   lint and run the test suite
HOST ?= 127.0.0.1
PORT ?= 8000
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CFFCONVERT := $(VENV)/cff/bin/cffconvert
# Processes the test suite runs on: one per CPU, at most four, since each builds the
# graph and starts its own servers and browser (TEST_WORKERS=0 runs it in one process).
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)

.PHONY: run test lint build clean chromium wrk jemalloc virtuoso r bench vendor vendor-check screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,authoring]'
	touch $(STAMP)

run: $(STAMP) jemalloc
	$(BIN)/kg build
	$(BIN)/kg serve --host $(HOST) --port $(PORT)

build: $(STAMP)
	$(BIN)/kg build

lint: $(STAMP)
	$(BIN)/ruff check src tests frontend bench
	$(BIN)/ruff format --check src tests frontend bench
	$(BIN)/mypy

test: lint chromium wrk jemalloc virtuoso r $(CFFCONVERT)
	$(BIN)/pytest --numprocesses $(TEST_WORKERS) --dist loadfile

# cffconvert checks CITATION.cff in the tests. It needs jsonschema 3, the rest of the
# tools jsonschema 4: it gets a virtual environment of its own.
$(CFFCONVERT):
	$(PYTHON) -m venv $(VENV)/cff
	$(VENV)/cff/bin/pip install --quiet --prefer-binary 'cffconvert==2.0.0'


# The browser tests drive Debian's Chromium (or the one KG_CHROMIUM names); installed if missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
chromium:
	@if [ -z "$$KG_CHROMIUM" ] && ! command -v chromium >/dev/null; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# Virtuoso, a store kg publish is tested against (Debian's virtuoso-opensource); the
# tests start their own instance on loopback ports. Installed if missing.
virtuoso:
	@if ! command -v virtuoso-t >/dev/null; then \
	  echo "installing Debian's virtuoso-opensource for the store tests"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource >/dev/null; \
	fi

# R, in which the tests run the README's R examples on the tables (Debian's r-base-core,
# without the recommended packages they do not use); installed if missing.
r:
	@if ! command -v Rscript >/dev/null; then \
	  echo "installing Debian's r-base-core for the README's R examples"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends r-base-core >/dev/null; \
	fi

# The load generator of the benchmark (and of its test); installed if missing.
wrk:
	@if ! command -v wrk >/dev/null; then \
	  echo "installing Debian's wrk for the benchmark"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	fi

# The allocator kg serve runs on where the system has it (bench/allocator.py: faster queries);
# installed if missing and apt-get can, else the server uses the C library's.
jemalloc:
	@if ! /sbin/ldconfig -p 2>/dev/null | grep -q libjemalloc.so.2 && command -v apt-get >/dev/null; then \
	  echo "installing Debian's libjemalloc2 for the server"; \
	  ( $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjemalloc2 >/dev/null ) || \
	  echo "libjemalloc2 is not installed: kg serve uses the C library's allocator"; \
	fi

# kg serve against Oxigraph's server, and kg build per scale; see bench/run.py.
bench: $(STAMP) wrk
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Front-end libraries: pinned in frontend/package-lock.json, copied into the package.
vendor: $(STAMP)
	$(BIN)/python frontend/vendor.py

vendor-check: $(STAMP)
	$(BIN)/python frontend/vendor.py --check

# The README's pictures, taken by the browser tests from a server on the bundled graph.
screenshots: $(STAMP) chromium
	$(BIN)/pytest -q tests/test_pages_browser.py -k readme
	$(BIN)/pytest -q tests/test_curate_browser.py tests/test_pictures.py
	mkdir -p docs/screenshots
	cp test-artifacts/screenshots/landing.png test-artifacts/screenshots/query.png \
	   test-artifacts/screenshots/resource.png test-artifacts/screenshots/curate.png \
	   test-artifacts/screenshots/curate-new-fact.png test-artifacts/screenshots/map.png \
	   test-artifacts/screenshots/timeline.png docs/screenshots/

clean:
	rm -rf var .pytest_cache test-artifacts frontend/node_modules
