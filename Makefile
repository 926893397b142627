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

.PHONY: book translations pdf test test-lint test-unit test-notebooks test-pairing test-build test-browser test-binder test-colab test-pdf binder notebooks bench bench-vae venv lock clean html-fresh

# The translated editions (course_editions in _config.yml, but the first): built from the same
# sources and their catalogues, locales/<lang>/LC_MESSAGES/, into _build/<lang>/ and copied to
# _build/html/<lang>/ (tools/editions.py); they read the English build's execution cache.
TRANSLATED := ko

## book: create the environment, execute the chapters (cached), write _build/html (English) and
##       _build/html/ko (Korean: the same pages from locales/ko, no chapter executed again; built
##       beside the English when every chapter is in the cache, after it otherwise)
book: $(STAMP) html-fresh
	$(BIN)/python -m tools.editions book
	@echo "The book is at _build/html/index.html, the Korean edition at _build/html/ko/index.html"

## translations: the catalogues locales/<lang>/LC_MESSAGES/*.po from the English pages (new
##               messages untranslated, changed ones fuzzy; README: the Korean edition)
translations: $(STAMP)
	$(BIN)/python -m tools.editions update

## pdf: the whole book as one PDF, _build/latex/course.pdf (Sphinx's LaTeX, then XeLaTeX through latexmk;
##      TeX Live from Debian, see README), and the Korean one, _build/ko/latex/course-ko.pdf, then the
##      HTML again: every page links to its edition's copy
# the PDF: latex.latex_documents.targetname in _config.yml; a translated edition's, course-<lang>.pdf
PDF := _build/latex/course.pdf
PDFS := $(PDF) $(foreach l,$(TRANSLATED),_build/$(l)/latex/course-$(l).pdf)
pdf: export LATEXMKOPTS := -silent
pdf: export LATEXOPTS := -interaction=nonstopmode -halt-on-error -file-line-error
# one log line per TeX message, however long (tests/test_pdf.py reads the log)
pdf: export max_print_line := 10000
pdf: $(STAMP) html-fresh
	@command -v xelatex >/dev/null && command -v latexmk >/dev/null || \
	    { echo "make pdf needs xelatex and latexmk: see README (.ci/run installs them)"; exit 1; }
	$(BIN)/jupyter-book build . --builder pdflatex --keep-going || \
	    { grep -h -A3 '^\./.*:[0-9]*: ' _build/latex/*.log; exit 1; }
	$(BIN)/python -m tools.editions pdf $(TRANSLATED)
	$(BIN)/python -m tools.editions book
	@echo "The PDFs are $(PDFS); the HTML pages link to their edition's copy"

## test: ruff, unit and doctests (the book/notebook pairing check among them), nbval (strict) over
##       notebooks/, the PDF, strict build, the built book in a browser, the Binder environment
##       rebuilt from its files, and every notebook run in a Colab-like environment (current
##       releases, no book toolchain)
test: test-lint test-unit test-notebooks test-pdf test-build test-browser test-binder test-colab

## test-lint: ruff check and ruff format --check (settings in pyproject.toml) over the Python
##            sources and the chapters' notebooks (format a chapter with `ruff format` on its
##            notebook, then `jupytext --sync` it back to book/)
RUFF_PATHS := src tests bench tools book/_ext notebooks
test-lint: $(STAMP)
	$(BIN)/ruff check $(RUFF_PATHS)
	$(BIN)/ruff format --check $(RUFF_PATHS)

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q --ignore=tests/browser --ignore=tests/test_binder_env.py \
	    --ignore=tests/test_colab_env.py

test-pairing: $(STAMP)
	$(BIN)/python -m pytest -q tests/test_pairing.py

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest -q --nbval --nbval-current-env \
	    --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks/

test-build: $(STAMP) html-fresh
	$(BIN)/python -m tools.editions book --strict

## test-browser: every page of _toc.yml in headless Chromium (Debian's /usr/bin/chromium): console, requests,
##               MathJax, images, links, outputs, launch buttons, axe-core; screenshots in _build/screenshots/
test-browser: test-build
	BOOK_HTML=_build/html $(BIN)/python -m pytest -q tests/browser

## test-pdf: the PDF (make pdf) against the HTML: every chapter and erratum, no LaTeX error, no undefined
##           reference, no line past the margin, as many images as figures; PNGs in _build/screenshots/pdf/
test-pdf: pdf
	BOOK_PDF=$(PDF) BOOK_HTML=_build/html $(BIN)/python -m pytest -q tests/test_pdf.py
	@for l in $(TRANSLATED); do \
	    echo "BOOK_PDF=_build/$$l/latex/course-$$l.pdf BOOK_HTML=_build/html/$$l pytest tests/test_pdf.py"; \
	    BOOK_PDF=_build/$$l/latex/course-$$l.pdf BOOK_HTML=_build/html/$$l BOOK_LANGUAGE=$$l \
	        $(BIN)/python -m pytest -q tests/test_pdf.py || exit 1; done

## test-binder: a fresh venv from binder/ (runtime.txt, requirements.txt, postBuild) runs a chapter
##              (SKIP_BINDER_TEST=1 skips)
test-binder: $(STAMP)
	$(BIN)/python -m pytest -q -s tests/test_binder_env.py

## test-colab: a fresh venv with the usual stack at its current releases runs every notebook, Colab
##             cell first (SKIP_COLAB_TEST=1 skips)
test-colab: $(STAMP)
	$(BIN)/python -m pytest -q -s tests/test_colab_env.py

## binder: write binder/requirements.txt from requirements.txt (the runtime pins, torch's CPU build)
binder: $(STAMP)
	$(BIN)/python tools/binder_requirements.py

# Sphinx copies static files only when it rewrites some page: after a change under book/_static or
# book/_ext alone it would serve the old ones. Drop the HTML then; the execution cache is kept.
html-fresh:
	@if [ -f _build/html/index.html ] && [ -n "$$(find book/_static book/_ext -newer _build/html/index.html)" ]; then \
	    echo "book/_static or book/_ext changed: rebuilding the HTML from scratch"; \
	    rm -rf _build/html _build/.doctrees $(foreach l,$(TRANSLATED),_build/$(l)/html _build/$(l)/.doctrees); fi

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
	/tmp/lock-venv/bin/pip freeze --all --exclude-editable --exclude pip | sed 's/^torch==\(.*\)+cpu$$/torch==\1/' > requirements.txt
	rm -rf /tmp/lock-venv

clean:
	rm -rf _build

## bench-iwae: a VAE 784-400-20 on stochastically binarised MNIST (ten epochs, about five minutes
##             on two cores) and its test -log p(x) by the IWAE bound with K = 5000, beside Burda et
##             al.'s; writes bench/results/iwae_mnist.json, which Chapter 6 reads (same $(MNIST))
.PHONY: bench-iwae
bench-iwae: $(STAMP)
	$(BIN)/python bench/iwae_mnist.py --root $(MNIST)
