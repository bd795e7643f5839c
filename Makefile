# The two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test lint bench bench-stages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/digest --db demo-output/demo.sqlite demo --out demo-output

test: $(STAMP)
	$(BIN)/ruff check digest tests bench
	$(BIN)/ruff format --check digest tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check digest tests bench
	$(BIN)/ruff format --check digest tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# The reference refresh benchmark (against lemon24/reader) and `digest draft build` at
# 100, 500 and 2,000 feeds plus the archive-size ratio (issue #22; several minutes).
bench: $(STAMP)
	../shared/bench/refresh-vs-reader
	$(BIN)/python bench/draft.py

# The older micro-benchmarks, one stage each.
bench-stages: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/fetch.py
	$(BIN)/python bench/fetch_http.py
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/rank.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/soak.py --minutes 1

clean:
	rm -rf $(VENV) demo-output public .pytest_cache .mypy_cache .ruff_cache .grimp_cache .import_linter_cache
