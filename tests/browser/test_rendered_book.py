"""Every page of `_toc.yml`, loaded in Chromium from the built book, is whole and
readable.

Each test checks one property of one page's visit (see conftest.py): the page loaded
with no console error, no failed request and no request off this machine; MathJax
typeset every formula without an error; every image loaded and has alt text; every
internal link and cross-reference resolves; every code cell that has an output shows it;
chapters have their launch buttons; axe-core finds no serious or critical accessibility
violation; code fits the text column, and at most half of a chapter's code is open
(checks are folded). Each edition's pages, English and Korean, are checked alike.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from html.parser import HTMLParser

import pytest

from tests.book_config import is_notebook_page, source_of, toc_docnames

PAGES = toc_docnames()
CHAPTERS = [page for page in PAGES if is_notebook_page(page)]

# Outputs a reader never sees in the page: myst-nb's `glue` stores a value in a display
# output (marked with "scrapbook" metadata) and shows it where the text asks for it, not
# in the cell.
GLUE_METADATA = "scrapbook"
HIDDEN_CELL_TAGS = {"remove-cell"}
HIDDEN_OUTPUT_TAGS = {"remove-output"}


def _list(items) -> str:
    return "\n  ".join(str(item) for item in items)


@pytest.mark.parametrize("page", PAGES)
def test_no_console_error(visits, page):
    visit = visits(page)
    errors = visit.console_errors + visit.page_errors
    assert not errors, f"{page}: console errors:\n  {_list(errors)}"


@pytest.mark.parametrize("page", PAGES)
def test_no_failed_request(visits, page):
    visit = visits(page)
    assert not visit.failed_requests, (
        f"{page}: failed requests:\n  {_list(visit.failed_requests)}"
    )


@pytest.mark.parametrize("page", PAGES)
def test_no_request_leaves_the_machine(visits, page):
    """The book works offline: scripts, styles, fonts and MathJax are all served with
    it."""
    visit = visits(page)
    assert not visit.external_requests, (
        f"{page}: requests to other hosts:\n  {_list(visit.external_requests)}"
    )


@pytest.mark.parametrize("page", PAGES)
def test_math_is_typeset(visits, page):
    math = visits(page).math
    assert not math["errors"], f"{page}: MathJax errors:\n  {_list(math['errors'])}"
    assert not math["untypeset"], (
        f"{page}: formulas MathJax did not typeset:\n  {_list(math['untypeset'])}"
    )
    assert not math["raw"], f"{page}: raw TeX left in the text:\n  {_list(math['raw'])}"
    assert math["containers"] >= math["elements"], f"{page}: {math}"


def test_toc_has_chapters():
    assert CHAPTERS, "no chapter (a page with a kernelspec) in _toc.yml"


@pytest.mark.parametrize("page", CHAPTERS)
def test_chapter_math_was_found(visits, page):
    assert visits(page).math["containers"] > 0, (
        f"{page}: no typeset formula found: is MathJax loading?"
    )


def test_an_undefined_macro_is_a_math_error(browser, server):
    """The MathJax configuration turns an unknown macro into an error box, which the
    checks catch."""
    page = browser.new_page()
    try:
        page.goto(server.url(f"{CHAPTERS[0]}.html"), wait_until="load")
        page.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
        )
        page.evaluate("() => MathJax.startup.promise")
        html = page.evaluate(r"() => MathJax.tex2chtml('\\notamacro{x}').outerHTML")
    finally:
        page.close()
    assert "mjx-merror" in html


@pytest.mark.parametrize("page", PAGES)
def test_images_load_and_have_alt_text(visits, page):
    images = visits(page).images
    broken = [img["src"] for img in images if not img["loaded"]]
    no_alt = [img["src"] for img in images if not img["alt"]]
    # docutils' default alt text is the image's path: present, and useless to a reader
    path_alt = [
        img["src"]
        for img in images
        if img["alt"] and re.search(r"\.(png|jpe?g|svg|gif)$", img["alt"])
    ]
    assert not broken, f"{page}: images that did not load:\n  {_list(broken)}"
    assert not no_alt, f"{page}: images without alt text:\n  {_list(no_alt)}"
    assert not path_alt, (
        f"{page}: images whose alt text is a file name:\n  {_list(path_alt)}"
    )


@pytest.mark.parametrize("page", PAGES)
def test_internal_links_resolve(visits, fetch, page):
    """Every link to this site, cross-references included, reaches a page, and its
    anchor exists."""
    visit = visits(page)
    broken = []
    for link in visit.links:
        base, _, fragment = link.partition("#")
        status, ids = fetch(base)
        fragment = urllib.parse.unquote(fragment)
        if status != 200:
            broken.append(f"{link} (HTTP {status})")
        elif fragment and base.endswith(".html") and fragment not in ids:
            broken.append(f"{link} (no anchor #{fragment})")
    assert not broken, f"{page}: broken internal links:\n  {_list(broken)}"


def _shown_outputs(cell) -> bool:
    """Whether a notebook cell has an output the page should show."""
    if HIDDEN_OUTPUT_TAGS & set(cell.metadata.get("tags", [])):
        return False
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream" and output.get("text", "").strip():
            return True
        if output["output_type"] == "error":
            return True
        shown = output["output_type"] in ("display_data", "execute_result")
        if shown and GLUE_METADATA not in output.get("metadata", {}):
            return True
    return False


@pytest.mark.parametrize("page", CHAPTERS)
def test_code_cells_show_their_outputs(visits, site, page):
    import nbformat

    executed = site / "_sources" / f"{page}.ipynb"  # the executed notebook it shows
    assert executed.is_file(), (
        f"{executed} missing: the theme copies it for the download button"
    )
    notebook = nbformat.reads(executed.read_text(encoding="utf-8"), as_version=4)
    shown = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code"
        and not HIDDEN_CELL_TAGS & set(cell.metadata.get("tags", []))
    ]
    cells = visits(page).cells
    assert len(cells) == len(shown), (
        f"{page}: {len(cells)} code cells on the page, {len(shown)} in the notebook"
    )
    missing = [
        f"cell {i + 1}: {cell.source.splitlines()[0] if cell.source else ''!r}"
        for i, (cell, html) in enumerate(zip(shown, cells, strict=True))
        if _shown_outputs(cell) and not any(html["output_items"])
    ]
    assert not missing, (
        f"{page}: code cells whose output is not shown:\n  {_list(missing)}"
    )
    assert any(any(html["output_items"]) for html in cells), (
        f"{page}: no cell shows any output"
    )


@pytest.mark.parametrize("page", CHAPTERS)
def test_code_fits_the_text_column(visits, page):
    """An 88-character code line does not scroll sideways in a 1280-pixel-wide
    window."""
    wide = [
        i + 1
        for i, cell in enumerate(visits(page).cells)
        if cell["code_scrolls_sideways"]
    ]
    assert not wide, f"{page}: code cells that scroll sideways: {wide}"


@pytest.mark.parametrize("page", CHAPTERS)
def test_checks_are_folded_and_the_reading_line_is_short(visits, page):
    """At most half of a chapter's code is open; the code of a cell that checks is one
    click away."""
    shown = sum(cell["visible_code_lines"] for cell in visits(page).cells)
    total = sum(len(c.source.splitlines()) for c in _chapter_code_cells(page))
    assert 0 < shown <= total / 2, f"{page}: {shown} of {total} code lines open"


def _chapter_code_cells(page):
    import jupytext

    return [c for c in jupytext.read(source_of(page)).cells if c.cell_type == "code"]


@pytest.mark.parametrize("page", CHAPTERS)
def test_chapter_has_launch_buttons(visits, page):
    texts = {link["text"] for link in visits(page).launch_links}
    assert {"Binder", "Colab"} <= texts, f"{page}: launch buttons {sorted(texts)}"


@pytest.mark.parametrize("page", PAGES)
def test_no_serious_accessibility_violation(visits, page):
    serious = [
        v for v in visits(page).axe_violations if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{page}: axe-core violations:\n" + json.dumps(
        serious, indent=1
    )


@pytest.mark.parametrize("page", PAGES)
def test_screenshot_written(visits, page):
    from pathlib import Path

    shot = Path(visits(page).screenshot)
    assert (
        shot.is_file()
        and shot.stat().st_size > 0
        and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    )


def test_home_redirects_to_the_first_page(browser, server, edition):
    """`index.html` at the top of the edition sends the reader to the book's root
    page."""
    page = browser.new_page()
    try:
        page.goto(server.url(f"{edition.prefix}index.html"), wait_until="load")
        page.wait_for_url(f"**/{edition.prefix}{PAGES[0]}.html", timeout=10_000)
    finally:
        page.close()


class _Heading(HTMLParser):
    """The text of a page's first ``<h1>``."""

    def __init__(self):
        super().__init__()
        self.depth, self.text = 0, ""

    def handle_starttag(self, tag, attrs):
        self.depth += tag == "h1" and not self.text

    def handle_endtag(self, tag):
        self.depth -= tag == "h1" and self.depth > 0

    def handle_data(self, data):
        if self.depth:
            self.text += data


def _title_word(site, page) -> str:
    """The longest word of the page's title, in the edition's language ("Entropy")."""
    heading = _Heading()
    heading.feed((site / f"{page}.html").read_text(encoding="utf-8"))
    words = re.findall(r"[^\W\d_]+", heading.text)
    assert words, f"{page}: no title"
    return max(words, key=len)


def test_search_finds_the_first_chapter(browser, server, site, edition):
    """The theme's search box, as a reader uses it: open it, type a word of the first
    chapter's title, get the chapter."""
    word = _title_word(site, CHAPTERS[0])
    page = browser.new_page()
    try:
        page.goto(server.url(f"{edition.prefix}{CHAPTERS[0]}.html"), wait_until="load")
        page.keyboard.press("Control+k")
        box = page.locator("input[name='q']:visible").first
        box.fill(word)
        box.press("Enter")
        page.wait_for_url(f"**/{edition.prefix}search.html?q=*")
        page.wait_for_selector("#search-results ul.search li", timeout=30_000)
        hits = page.eval_on_selector_all(
            "#search-results ul.search li a", "links => links.map(a => a.href)"
        )
    finally:
        page.close()
    assert any(hit.split("#")[0].endswith(f"{CHAPTERS[0]}.html") for hit in hits), hits


def test_no_404_from_the_server(visits, server):
    """Over the whole session (pages, their resources, link checks), the server answered
    no 404."""
    for page in PAGES:
        visits(page)
    assert not server.errors, f"the local server answered with errors: {server.errors}"
