"""The PDF edition (`make pdf`) is whole, and says what the HTML book says.

Read from the build: the PDF with its LaTeX log and .aux (``$BOOK_PDF``, normally
``_build/latex/course.pdf``) and the HTML book (``$BOOK_HTML``, normally
``_build/html``), through poppler's ``pdftotext``, ``pdfimages``, ``pdfinfo`` and
``pdftoppm``.

- The log has no LaTeX error, no undefined or doubly defined reference, no missing
  glyph and no line more than 5 pt too wide; on the pages, no word ends past the margin.
- Every page of ``_toc.yml`` is in the PDF, under its title (its first ``# `` heading);
  every erratum of the errata page is in its chapter; no reference is printed ``??``.
- The PDF has as many images as the HTML pages have figures.
- Every HTML page links to the PDF, and the file it links to is this PDF.
- The first page of each page of ``_toc.yml`` is written to ``_build/screenshots/pdf/``.

A translated edition's PDF is checked the same way (``$BOOK_LANGUAGE``, as ``make
test-pdf`` sets it for ``_build/ko/latex/course-ko.pdf`` against ``_build/html/ko``):
each page under its title in that language, each erratum by its translated sentence
(the English where the catalogue has no translation yet), its pictures in
``_build/screenshots/pdf-ko/``.

Run: ``make test-pdf`` (builds first). Without ``$BOOK_PDF`` the module is skipped, so
a plain ``pytest`` does not judge a PDF that may be older than the sources.
"""

from __future__ import annotations

import html
import html.parser
import os
import re
import shutil
import subprocess
import unicodedata
from functools import cache
from pathlib import Path

import pytest

from tests.book_config import ROOT, source_of, toc_docnames
from tools import editions

if "BOOK_PDF" not in os.environ:
    pytest.skip("set BOOK_PDF (make test-pdf does)", allow_module_level=True)

PDF = Path(os.environ["BOOK_PDF"]).resolve()
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")).resolve()
LANGUAGE = os.environ.get("BOOK_LANGUAGE", next(iter(editions.editions())))
FIRST = editions.is_first(LANGUAGE)
# _build/screenshots/pdf, or pdf-ko beside it (the Korean site is _build/html/ko)
SCREENSHOTS = (
    (HTML.parent if FIRST else HTML.parent.parent)
    / "screenshots"
    / ("pdf" if FIRST else f"pdf-{LANGUAGE}")
)
PAGES = toc_docnames()
TOO_WIDE_PT = 5.0  # TeX reports lines a hair too wide; 5 pt is where the eye sees it
# book/_ext/course_pdf.py: the site's copy, by index.html, has the PDF's name
PDF_IN_SITE = PDF.name
POPPLER = ("pdftotext", "pdfimages", "pdfinfo", "pdftoppm")


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module", autouse=True)
def built():
    missing = [tool for tool in POPPLER if not shutil.which(tool)]
    assert not missing, f"no {missing}: install poppler-utils (see README)"
    assert PDF.is_file(), f"no PDF at {PDF}: run `make pdf`"
    assert PDF.with_suffix(".log").is_file(), f"no LaTeX log next to {PDF}"


def _list(items) -> str:
    return "\n  " + "\n  ".join(str(item) for item in items)


# ------------------------------------------------------------------------------------
# What the build wrote
# ------------------------------------------------------------------------------------


@cache
def log_lines() -> list[str]:
    """The LaTeX log, its lines unwrapped if TeX broke them at 79 characters (its
    default max_print_line; `make pdf` sets a larger one)."""
    log = PDF.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    lines, carry = [], ""
    for line in log.splitlines():
        carry += line
        if len(line) != 79:
            lines.append(carry)
            carry = ""
    return lines + ([carry] if carry else [])


# The running head (the book's title, baseline at 45 pt) and foot (section title and
# page number, at 803 pt) of an A4 page: text between them is the body.
BODY_TOP, BODY_BOTTOM = 50, 790


@cache
def pdf_text() -> str:
    """The text of the pages' bodies: a sentence broken by a page break reads on."""
    crop = [
        "-x",
        "0",
        "-y",
        str(BODY_TOP),
        "-W",
        "1000",
        "-H",
        str(BODY_BOTTOM - BODY_TOP),
    ]
    return run("pdftotext", "-enc", "UTF-8", *crop, str(PDF), "-")


def squash(text: str) -> str:
    """Lowercase letters and digits alone, NFKC-normalised (math italics are letters):
    the same whatever the line breaks, hyphenation and spacing."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch.isalnum())


@cache
def squashed_pdf_text() -> str:
    return squash(pdf_text())


def plain_segments(markdown: str) -> list[str]:
    """The runs of plain text in MyST Markdown: what lies between formulas and roles
    (rendered otherwise than written: "(2.10)", "Cover and Thomas [CT06]"), and links'
    text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    breaks = r"\$\$.*?\$\$|\$[^$]*\$|\{[\w:-]+\}`[^`]*`"
    segments = re.split(breaks, text, flags=re.DOTALL)
    return [s.replace("`", "").replace("*", "").strip() for s in segments if s.strip()]


def title_of(docname: str) -> str:
    for line in source_of(docname).read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return translated(docname, line[2:].strip())
    raise AssertionError(f"{docname} has no `# ` heading")


@cache
def catalogue(docname: str) -> dict[str, str]:
    """The page's translations in this edition (none in the first): ``{English: its
    translation}``, fuzzy and empty ones left out, as the build leaves them out."""
    path = editions.catalogue_dir(LANGUAGE) / f"{docname}.po"
    if FIRST or not path.is_file():
        return {}
    messages = editions.read_catalogue(path, LANGUAGE)
    return {m.id: m.string for m in messages if m.id and m.string and not m.fuzzy}


def translated(docname: str, english: str) -> str:
    """The text of the message that holds ``english``, as this edition prints it."""
    table = catalogue(docname)
    if english in table:
        return table[english]
    for message, translation in table.items():
        if squash(english) in squash(" ".join(plain_segments(message))):
            return translation
    return english


@cache
def aux_labels() -> dict[str, str]:
    """The labels of the .aux (``\\newlabel``), each with its hyperref anchor."""
    aux = PDF.with_suffix(".aux").read_text(encoding="utf-8", errors="replace")
    newlabel = r"^\\newlabel\{(.+?)\}\{\{.*?\}\{.*?\}\{.*?\}\{(.*?)\}\{.*?\}\}$"
    return dict(re.findall(newlabel, aux, re.MULTILINE))


@cache
def destinations() -> dict[str, int]:
    """The PDF's named destinations (hyperref's anchors), each with its page from 1."""
    dests = {}
    for line in run("pdfinfo", "-dests", str(PDF)).splitlines():
        match = re.match(r'\s*(\d+)\s+\[.*\]\s+"(.*)"\s*$', line)
        if match:
            dests[match[2]] = int(match[1])
    return dests


def first_page_of(docname: str) -> int:
    label = f"{docname}::doc"  # Sphinx's label at the start of every document
    assert label in aux_labels(), f"{docname} is not in the PDF (no label {label})"
    anchor = aux_labels()[label]
    assert anchor in destinations(), f"{docname}: no destination {anchor} in the PDF"
    return destinations()[anchor]


# ------------------------------------------------------------------------------------
# The LaTeX log, and the margins
# ------------------------------------------------------------------------------------

LATEX_ERROR = re.compile(r"^! |^\S+\.tex:\d+: |LaTeX Error|Emergency stop|Fatal error")
BAD_REFERENCE = re.compile(
    r"(Hyper r|R)eference `.*' on page .* undefined|Citation `.*' .*undefined|"
    r"There were undefined references|"
    r"Label `.*' multiply defined|There were multiply-defined labels"
)


def test_pdf_is_the_one_configured():
    target = Path(editions.latex_target(LANGUAGE))  # _config.yml's, or course-ko.tex
    assert PDF.name == target.with_suffix(".pdf").name, f"the build makes {target}"


def test_log_has_no_latex_error():
    errors = [line for line in log_lines() if LATEX_ERROR.search(line)]
    assert not errors, "LaTeX errors:" + _list(errors[:20])


def test_log_has_no_undefined_or_duplicate_reference():
    bad = [line for line in log_lines() if BAD_REFERENCE.search(line)]
    assert not bad, "references that do not resolve to one place:" + _list(bad[:20])


def test_every_character_has_a_glyph():
    missing = sorted({ln for ln in log_lines() if ln.startswith("Missing character")})
    assert not missing, (
        "characters the fonts lack (add them to the fallback list in "
        "book/_ext/course_pdf.sty):" + _list(missing)
    )


def test_no_line_is_too_wide_in_the_log():
    wide = []
    for i, line in enumerate(log_lines()):
        match = re.match(r"Overfull \\hbox \(([\d.]+)pt too wide\)", line)
        if match and float(match[1]) > TOO_WIDE_PT:
            wide.append(f"{line}: {' '.join(log_lines()[i + 1 : i + 3])[:160]}")
    assert not wide, f"lines more than {TOO_WIDE_PT} pt too wide:" + _list(wide)


def test_no_word_ends_past_the_margin():
    """Word boxes from ``pdftotext -bbox``: TeX does not report a verbatim line that
    runs off the page, this does. The margins are equal (hmargin in _config.yml): the
    text block ends where it begins, counted from the other side of the page."""
    pages = run("pdftotext", "-bbox", str(PDF), "-").split("<page ")[1:]
    word = re.compile(r'<word xMin="([\d.]+)" [^>]*xMax="([\d.]+)"[^>]*>([^<]*)<')
    starts, words = [], []
    for number, page in enumerate(pages, start=1):
        width = float(re.search(r'width="([\d.]+)"', page)[1])
        found = [
            (float(a), float(b), html.unescape(t)) for a, b, t in word.findall(page)
        ]
        if found:
            starts.append(round(min(x0 for x0, _, _ in found)))
            words.extend((number, width, x1, text) for _, x1, text in found)
    margin = max(set(starts), key=starts.count)  # where most pages' text begins
    past = [
        f"page {number}: {text!r} ends at {x1:.1f} pt, the margin at {width - margin}"
        for number, width, x1, text in words
        if x1 > width - margin + TOO_WIDE_PT
    ]
    assert not past, "words past the right margin:" + _list(past[:30])


# ------------------------------------------------------------------------------------
# The text
# ------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_page_is_in_the_pdf_under_its_title(page):
    first_page_of(page)
    title = title_of(page)
    absent = [s for s in plain_segments(title) if squash(s) not in squashed_pdf_text()]
    assert not absent, f"{page}: its title {title!r} is not in the PDF's text"


def errata() -> list[tuple[str, str]]:
    """(number, label of its box) for each row of the errata page's table."""
    text = source_of("book/errata").read_text(encoding="utf-8")
    row = r"^\|\s*(\d+)\s*\|.*<(erratum-[\w-]+)>`\s*\|\s*$"
    rows = re.findall(row, text, re.MULTILINE)
    assert rows, "book/errata.md lists no erratum (`| N | ... <erratum-N>` |`)"
    return rows


def erratum_box(name: str) -> tuple[str, str]:
    """(page, body) of the admonition named ``name`` among the pages of _toc.yml."""
    box = re.compile(
        r"^(`{3,}|:{3,})\{admonition\}[^\n]*\n((?::[^\n]*\n)*)(.*?)^\1\s*$",
        re.MULTILINE | re.DOTALL,
    )
    for page in PAGES:
        for _, options, body in box.findall(source_of(page).read_text("utf-8")):
            if re.search(rf"^:name:\s*{re.escape(name)}\s*$", options, re.MULTILINE):
                return page, body
    raise AssertionError(f"no admonition named {name} in the pages of _toc.yml")


@pytest.mark.parametrize("number, name", errata())
def test_erratum_is_in_the_pdf(number, name):
    page, body = erratum_box(name)
    assert f"{page}:{name}" in aux_labels(), f"erratum {number}: no anchor in the PDF"
    sentence = max(plain_segments(body), key=lambda s: len(s.split()), default="")
    assert len(sentence.split()) >= 4, f"erratum {number}: no sentence in {body!r}"
    text = translated(page, sentence)
    sentence = max(plain_segments(text), key=lambda s: len(s.split()), default=text)
    # without digits: pdftotext puts an inline fraction's numerator on a line of its own
    letters = re.sub(r"\d", "", squash(sentence))
    assert letters in re.sub(r"\d", "", squashed_pdf_text()), (
        f"erratum {number}: {sentence!r}"
    )


def test_no_reference_is_printed_as_question_marks():
    text = pdf_text()
    where = [m.start() for m in re.finditer(r"\?\?", text)]
    places = [text[max(0, i - 60) : i + 20] for i in where]
    assert not places, "'??' (a reference LaTeX could not resolve):" + _list(places)


# ------------------------------------------------------------------------------------
# Figures, and the HTML's link
# ------------------------------------------------------------------------------------


class _Page(html.parser.HTMLParser):
    """An HTML page's images inside <article> (its own content: no logo, no icons), and
    every link on it."""

    def __init__(self):
        super().__init__()
        self.in_article = 0
        self.images: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "article":
            self.in_article += 1
        elif tag == "img" and self.in_article:
            self.images.append(attrs.get("src", ""))
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "article":
            self.in_article -= 1


@cache
def html_page(page: str) -> _Page:
    path = HTML / f"{page}.html"
    assert path.is_file(), f"no {path}: run `make pdf`, which builds the HTML after"
    parsed = _Page()
    parsed.feed(path.read_text(encoding="utf-8"))
    return parsed


def test_pdf_has_as_many_images_as_the_html_has_figures():
    """Each side counts every raster image where it is shown: the <img> in the pages'
    articles, the images on the PDF's pages (``pdfimages -list``, less their masks)."""
    in_html = {page: len(html_page(page).images) for page in PAGES}
    listing = run("pdfimages", "-list", str(PDF)).splitlines()[2:]
    in_pdf = [row for row in listing if row.split()[2] == "image"]
    assert sum(in_html.values()) > 0, "no figure in the HTML book"
    assert len(in_pdf) == sum(in_html.values()), (
        f"{len(in_pdf)} images in the PDF, {sum(in_html.values())} in the HTML "
        f"(by page: {in_html})"
    )


@pytest.mark.parametrize("page", PAGES)
def test_html_page_links_to_this_pdf(page):
    hrefs = [h for h in html_page(page).links if h.split("#")[0].endswith(PDF_IN_SITE)]
    assert hrefs, f"{page}.html does not link to {PDF_IN_SITE} (make pdf rebuilds it)"
    for href in hrefs:
        target = (HTML / page).parent / href.split("#")[0]
        assert target.is_file(), f"{page}.html links to {href}, which is not there"
        assert target.read_bytes() == PDF.read_bytes(), f"{href} is not {PDF}"


# ------------------------------------------------------------------------------------
# A picture of each page's first page, to look at
# ------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_first_page_rendered(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    number = first_page_of(page)
    png = SCREENSHOTS / f"{Path(page).name}.png"
    png.unlink(missing_ok=True)
    pages = ("-f", str(number), "-l", str(number))
    out = str(png.with_suffix(""))  # pdftoppm adds .png
    run("pdftoppm", *pages, "-r", "100", "-png", "-singlefile", str(PDF), out)
    assert png.is_file() and png.stat().st_size > 10_000, f"{page}: no picture of it"
