# The course's two commands are `make book` and `make test`; the rest are their parts.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export OMP_NUM_THREADS := 2
export MKL_NUM_THREADS := 2
export PYDEVD_DISABLE_FILE_VALIDATION := 1
export HYPOTHESIS_PROFILE ?= ci

CHAPTERS  := $(wildcard book/[0-9]*.md)
NOTEBOOKS := $(patsubst book/%.md,notebooks/%.ipynb,$(CHAPTERS))

.PHONY: book test test-lint test-unit test-notebooks test-pairing test-build test-browser test-binder notebooks bench bench-vae venv lock clean html-fresh

## book: create the environment, execute the chapters (cached), write _build/html
book: $(STAMP) html-fresh
	$(BIN)/jupyter-book build . --keep-going
	@echo "The book is at _build/html/index.html"

## test: ruff, unit and doctests (the book/notebook pairing check among them), nbval (strict) over
##       notebooks/, strict build, the built book in a browser, and the Binder environment rebuilt
test: test-lint test-unit test-notebooks test-build test-browser test-binder

## test-lint: ruff check and ruff format --check (settings in pyproject.toml) over the Python
##            sources; RUFF_NOTEBOOKS=notebooks adds the chapters' notebooks (off until their
##            code fits 88 columns)
RUFF_PATHS     := src tests bench tools book/_ext
RUFF_NOTEBOOKS ?=
test-lint: $(STAMP)
	$(BIN)/ruff check $(RUFF_PATHS) $(RUFF_NOTEBOOKS)
	$(BIN)/ruff format --check $(RUFF_PATHS) $(RUFF_NOTEBOOKS)

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q --ignore=tests/browser --ignore=tests/test_binder_env.py

test-pairing: $(STAMP)
	$(BIN)/python -m pytest -q tests/test_pairing.py

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest -q --nbval --nbval-current-env \
	    --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks/

test-build: $(STAMP) html-fresh
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going

## test-browser: every page of _toc.yml in headless Chromium (Debian's /usr/bin/chromium): console, requests,
##               MathJax, images, links, outputs, launch buttons, axe-core; screenshots in _build/screenshots/
test-browser: test-build
	BOOK_HTML=_build/html $(BIN)/python -m pytest -q tests/browser

## test-binder: a fresh venv from runtime.txt + requirements.txt + postBuild runs a chapter (SKIP_BINDER_TEST=1 skips)
test-binder: $(STAMP)
	$(BIN)/python -m pytest -q tests/test_binder_env.py

# Sphinx copies static files only when it rewrites some page: after a change under book/_static or
# book/_ext alone it would serve the old ones. Drop the HTML then; the execution cache is kept.
html-fresh:
	@if [ -f _build/html/index.html ] && [ -n "$$(find book/_static book/_ext -newer _build/html/index.html)" ]; then \
	    echo "book/_static or book/_ext changed: rebuilding the HTML from scratch"; rm -rf _build/html _build/.doctrees; fi

## notebooks: re-execute every chapter into its paired notebook (review the diff, then commit)
notebooks: $(STAMP)
	$(BIN)/jupytext --sync $(CHAPTERS)
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)
	$(BIN)/jupytext --sync $(CHAPTERS)

## bench: per-chapter wall time and peak memory against the budgets, and book build times
bench: $(STAMP)
	$(BIN)/python bench/chapters.py

## bench-vae: the VAE on MNIST (784-400-20, Adam 1e-3, batch 128, 10 epochs, three seeds) against a
##            plain loop; reads the IDX files from the folder MNIST names (the one place that names
##            it: tests/helpers.py reads this line, or $$MNIST), relative to the repository
MNIST ?= ../shared/data/mnist
export MNIST
bench-vae: $(STAMP)
	$(BIN)/python bench/vae_mnist.py --root $(MNIST) --seeds 3

venv: $(STAMP)
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

## lock: re-resolve requirements.in into the pinned requirements.txt
lock:
	$(PYTHON) -m venv /tmp/lock-venv && /tmp/lock-venv/bin/pip install --quiet -r requirements.in
	/tmp/lock-venv/bin/pip freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu$$/torch==\1/' > requirements.txt
	rm -rf /tmp/lock-venv

clean:
	rm -rf _build
