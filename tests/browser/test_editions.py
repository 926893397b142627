"""The editions, English and Korean, are one book: each page links to itself in the
other editions, says its language, and shows the same code and outputs.

Parses the built HTML of every page of `_toc.yml` in every edition (no browser needed):

- `<html lang>` is the edition's language;
- the language switcher (book/_ext/course_i18n.py) links to the same page in each other
  edition, with `hreflang` and `lang`, and that page is there;
- `<link rel="alternate" hreflang>` names every edition and `x-default` (the first),
  each an existing page;
- a translated chapter shows the English chapter's code cells and outputs, character for
  character (but the figures' captions): the code is written once, and printed outputs
  stay English.
"""

from __future__ import annotations

import posixpath
import re
from functools import cache

import pytest
from bs4 import BeautifulSoup

from tests.book_config import is_notebook_page, toc_docnames
from tests.browser.conftest import all_editions, editions, html_dir

PAGES = toc_docnames()
CHAPTERS = [page for page in PAGES if is_notebook_page(page)]
FIRST = all_editions()[0]
TRANSLATED = [edition for edition in editions() if edition != FIRST]


@cache
def soup_of(prefix: str, page: str) -> BeautifulSoup:
    path = html_dir() / f"{prefix}{page}.html"
    assert path.is_file(), f"{path} was not built"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def target(prefix: str, page: str, href: str) -> str:
    """Where a relative link of the page ``prefix + page`` leads, from the site root."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(prefix + page), href))


@pytest.mark.parametrize("page", PAGES)
def test_page_says_its_language(site, edition, page):
    html = soup_of(edition.prefix, page).find("html")
    assert html.get("lang") == edition.language, (
        f"{page}: <html lang={html.get('lang')}>"
    )


@pytest.mark.parametrize("page", PAGES)
def test_switcher_opens_the_same_page_in_the_other_editions(site, edition, page):
    links = soup_of(edition.prefix, page).select("nav.course-editions a[href]")
    found = {a.get("hreflang"): a for a in links}
    others = [e for e in all_editions() if e != edition]
    assert sorted(found) == sorted(e.language for e in others), f"{page}: {links}"
    for other in others:
        link = found[other.language]
        assert link.get("lang") == other.language, link
        assert (
            target(edition.prefix, page, link["href"]) == f"{other.prefix}{page}.html"
        )
        assert (html_dir() / f"{other.prefix}{page}.html").is_file(), link["href"]


@pytest.mark.parametrize("page", PAGES)
def test_head_names_every_edition(site, edition, page):
    links = soup_of(edition.prefix, page).select("head link[rel~=alternate][hreflang]")
    found = {link["hreflang"]: link["href"] for link in links}
    expected = {e.language: f"{e.prefix}{page}.html" for e in all_editions()}
    expected["x-default"] = f"{FIRST.prefix}{page}.html"
    got = {lang: target(edition.prefix, page, href) for lang, href in found.items()}
    assert got == expected, f"{page}: {found}"


def _cells(prefix: str, page: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """Each code cell: its code, its outputs' text, its outputs' images."""
    cells = []
    for cell in soup_of(prefix, page).select("div.cell"):
        code = "\n".join(pre.get_text() for pre in cell.select(".cell_input pre"))
        outputs = cell.select(".cell_output")
        for caption in cell.select(".cell_output figcaption"):
            caption.decompose()  # a figure's caption is text of the page: translated
        text = "\n".join(re.sub(r"\s+", " ", out.get_text()).strip() for out in outputs)
        images = tuple(
            posixpath.basename(img["src"])
            for out in outputs
            for img in out.select("img")
        )
        cells.append((code, text, images))
    return cells


@pytest.mark.parametrize("page", CHAPTERS)
@pytest.mark.parametrize("translated", TRANSLATED, ids=str)
def test_chapter_shows_the_english_code_and_outputs(book, translated, page):
    english, shown = _cells(FIRST.prefix, page), _cells(translated.prefix, page)
    assert english, f"{page}: no code cell"
    assert len(shown) == len(english), (len(shown), len(english))
    differ = [
        i + 1 for i, (a, b) in enumerate(zip(english, shown, strict=True)) if a != b
    ]
    assert not differ, (
        f"{page} ({translated}): cells that differ from the English: {differ}"
    )
