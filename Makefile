# Quick start: `make demo` then `make test`. Everything runs from a local .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DIST_STAMP := $(VENV)/.dist-installed

.PHONY: demo test lint typecheck unit templates docs bench dist clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

# build and twine (the `dist` extra) are only needed to make a release.
$(DIST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[test,dist]"
	touch $(DIST_STAMP)

demo: $(STAMP)
	@echo "== sheetcheck check workbook_templates/samples/enrollment-history-sample.xlsx"
	@# The sample has planted problems, so exit code 1 is the expected outcome; 2 is a failure.
	@$(BIN)/sheetcheck check workbook_templates/samples/enrollment-history-sample.xlsx \
		--import-date 2026-11-01 || test $$? -eq 1

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck unit

templates: $(STAMP)
	$(BIN)/sheetcheck template --all --output-dir workbook_templates
	$(BIN)/sheetcheck excel lite --output workbook_templates/xlwings-lite --force

docs: $(STAMP)
	$(BIN)/python -m sheetcheck.docs

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_check.py
	-test -f benchmarks/bench_annotate.py && $(BIN)/python benchmarks/bench_annotate.py
	$(BIN)/python benchmarks/bench_names.py
	XLWINGS_LICENSE_KEY=noncommercial $(BIN)/python benchmarks/bench_excel.py

# The sdist and the wheel in dist/, built by the standard frontend; twine checks their metadata.
dist: $(DIST_STAMP)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
