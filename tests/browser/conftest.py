"""The rendered book, as a reader's browser sees it: fixtures for the suite in this
folder.

The suite serves the built book (``_build/html``, or ``$BOOK_HTML``) on 127.0.0.1 with a
threaded ``http.server`` and drives Debian's Chromium (``/usr/bin/chromium``, or
``$CHROMIUM``) headless through Playwright's Python package; it never downloads a
browser. Every page listed in ``_toc.yml`` is visited once in each edition (the visit is
cached for the session), and each test checks one property of that visit, so a failure
names the edition, the page and the property.

The editions are ``course_editions`` of ``_config.yml``: English at the site's root,
Korean in ``ko/``. A test that takes the fixture ``edition`` (or ``site`` or ``visits``,
which take it) runs once per edition; ``BOOK_EDITIONS=en`` (a comma-separated list)
keeps some of them.

Any request for a host other than 127.0.0.1 is blocked and recorded: the book must work
offline (MathJax and its fonts are served with it). A full-page screenshot of each page
is written under ``_build/screenshots/`` (next to the HTML folder), with
``report.json``: the counts per page (``ko-book-01-entropy.png`` for Korean).

Run: ``make test-browser`` (builds first), or ``pytest tests/browser`` after a build.
Without a build and without ``$BOOK_HTML``, the suite is skipped; with ``$BOOK_HTML``
set, a missing build is an error.
"""

from __future__ import annotations

import functools
import html.parser
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.book_config import ROOT, config

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
]
VIEWPORT = {"width": 1280, "height": 900}
SERIOUS = ("serious", "critical")


def html_dir() -> Path:
    return Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")).resolve()


@dataclass(frozen=True)
class Edition:
    """One edition of the book: its language, and its folder in the site (``""`` or
    ``"ko/"``)."""

    language: str
    prefix: str

    @property
    def root(self) -> Path:
        return html_dir() / self.prefix

    def __str__(self) -> str:
        return self.language


def all_editions() -> list[Edition]:
    languages = list(config()["sphinx"]["config"]["course_editions"])
    return [
        Edition(lang, "" if i == 0 else f"{lang}/") for i, lang in enumerate(languages)
    ]


def editions() -> list[Edition]:
    """The editions under test: all of them, or those ``$BOOK_EDITIONS`` names."""
    wanted = os.environ.get("BOOK_EDITIONS")
    chosen = [
        e for e in all_editions() if not wanted or e.language in wanted.split(",")
    ]
    assert chosen, f"BOOK_EDITIONS={wanted!r} names no edition of _config.yml"
    return chosen


def pytest_generate_tests(metafunc):
    if "edition" in metafunc.fixturenames:
        metafunc.parametrize("edition", editions(), ids=str, scope="session")


def screenshot_dir() -> Path:
    return Path(
        os.environ.get("BOOK_SCREENSHOTS", html_dir().parent / "screenshots")
    ).resolve()


# --------------------------------------------------------------------------------------
# The built book and a local server for it
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def book() -> Path:
    """The whole site: ``_build/html``, every edition in it."""
    root = html_dir()
    if not (root / "index.html").is_file():
        if "BOOK_HTML" in os.environ:
            pytest.fail(
                f"no built book at {root}: "
                "run `make test-build` (or jupyter-book build) first"
            )
        pytest.skip(
            f"no built book at {root}: run `make test-browser`, which builds it first"
        )
    return root


@pytest.fixture(scope="session")
def site(book: Path, edition: Edition) -> Path:
    """One edition's folder in the site: ``_build/html``, ``_build/html/ko``."""
    root = book / edition.prefix
    if not (root / "index.html").is_file():
        pytest.fail(f"no {edition} edition at {root}: `make book` builds every edition")
    return root


class _Handler(SimpleHTTPRequestHandler):
    """Serves the book quietly; every response of status 400 or more is recorded."""

    errors: list[tuple[int, str]]

    def log_request(self, code="-", size="-"):
        status = getattr(code, "value", code)
        if isinstance(status, int) and status >= 400:
            self.errors.append((status, self.path))

    def log_message(self, format, *args):
        pass


@dataclass
class Server:
    origin: str
    root: Path
    errors: list[tuple[int, str]]

    def url(self, path: str) -> str:
        return f"{self.origin}/{path.lstrip('/')}"


@pytest.fixture(scope="session")
def server(book: Path):
    errors: list[tuple[int, str]] = []
    handler = type("Handler", (_Handler,), {"errors": errors})
    httpd = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(book))
    )
    httpd.daemon_threads = True
    thread = threading.Thread(
        target=httpd.serve_forever, name="book-server", daemon=True
    )
    thread.start()
    host, port = httpd.server_address[:2]
    try:
        yield Server(origin=f"http://{host}:{port}", root=book, errors=errors)
    finally:
        httpd.shutdown()
        httpd.server_close()
        if errors:
            print("\nbook server: responses with an error status:")
            for status, path in errors:
                print(f"  {status} {path}")


# --------------------------------------------------------------------------------------
# Chromium through Playwright
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium "
            "(`apt-get install -y chromium`; .ci/run does)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _only_local(origin: str, blocked: list[str], route):
    url = route.request.url
    if url.startswith((origin + "/", "data:", "blob:", "about:")):
        route.continue_()
    else:
        blocked.append(url)
        route.abort("blockedbyclient")


# --------------------------------------------------------------------------------------
# One visit per page, cached for the session
# --------------------------------------------------------------------------------------


@dataclass
class Visit:
    """What one page load showed: everything the tests check, counted."""

    docname: str
    url: str
    language: str = ""
    load_seconds: float = 0.0
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    math: dict = field(default_factory=dict)
    images: list[dict] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    cells: list[dict] = field(default_factory=list)
    launch_links: list[dict] = field(default_factory=list)
    axe_violations: list[dict] = field(default_factory=list)
    screenshot: str = ""

    def counts(self) -> dict:
        return {
            "console_errors": len(self.console_errors) + len(self.page_errors),
            "failed_requests": len(self.failed_requests),
            "external_requests": len(self.external_requests),
            "math_typeset": self.math.get("containers", 0),
            "math_errors": len(self.math.get("errors", []))
            + len(self.math.get("untypeset", []))
            + len(self.math.get("raw", [])),
            "images": len(self.images),
            "broken_images": sum(
                not img["loaded"] or not img["alt"] for img in self.images
            ),
            "internal_links": len(self.links),
            "code_cells": len(self.cells),
            "visible_code_lines": sum(
                cell["visible_code_lines"] for cell in self.cells
            ),
            "axe_serious_or_critical": sum(
                len(v["nodes"]) for v in self.axe_violations if v["impact"] in SERIOUS
            ),
            "load_seconds": round(self.load_seconds, 2),
        }


# What the page shows once MathJax has finished: read in the page, after typesetting.
PAGE_FACTS_JS = r"""
() => {
  const main = document.querySelector('main') || document.body;
  const math = [...main.querySelectorAll('.math')];
  const skip = new Set(['PRE', 'CODE', 'SCRIPT', 'STYLE', 'TEXTAREA', 'MJX-CONTAINER']);
  const raw = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT, {
    acceptNode(node) {
      for (let el = node.parentElement; el && el !== main; el = el.parentElement) {
        if (skip.has(el.tagName)) return NodeFilter.FILTER_REJECT;
      }
      return NodeFilter.FILTER_ACCEPT;
    }
  });
  // also a bare TeX control word (\tfrac, \log): math split by Markdown (a line
  // starting "+ " or "- " inside $...$ becomes a list item) leaves its halves in
  // separate text nodes, each unmatched
  const tex = /\$\$|\\\(|\\\[|\\begin\{|\$[^$\n]*[\\^_{}][^$\n]*\$|\\[a-zA-Z]{2,}/;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (tex.test(n.textContent)) raw.push(n.textContent.trim().slice(0, 120));
  }
  return {
    math: {
      elements: math.length,
      containers: document.querySelectorAll('mjx-container').length,
      untypeset: math.filter(el => !el.querySelector('mjx-container')).map(
        el => el.textContent.trim().slice(0, 120)),
      errors: [...document.querySelectorAll('mjx-merror')].map(
        el => el.getAttribute('data-mjx-error') || el.textContent.slice(0, 120)),
      raw: raw,
    },
    images: [...document.images].map(img => ({
      src: img.getAttribute('src'),
      alt: (img.getAttribute('alt') || '').trim(),
      loaded: img.complete && img.naturalWidth > 0,
      in_content: main.contains(img),
    })),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    cells: [...main.querySelectorAll('div.cell')].map(cell => ({
      classes: cell.className,
      has_input: !!cell.querySelector('.cell_input'),
      output_items: [...cell.querySelectorAll('.cell_output')].map(
        out => out.innerText.trim().length
          + out.querySelectorAll('img, svg, table, mjx-container').length),
      // shown without a click: not inside a closed toggle (a folded cell's code has no
      // box)
      visible_code_lines: [...cell.querySelectorAll('.cell_input pre')]
        .filter(pre => pre.getClientRects().length)
        .map(pre => pre.innerText.replace(/\n$/, '').split('\n').length)
        .reduce((a, b) => a + b, 0),
      code_scrolls_sideways: [...cell.querySelectorAll('.cell_input pre')].some(
        pre => pre.scrollWidth > pre.clientWidth + 1),
    })),
    launch_links: [...document.querySelectorAll('.dropdown-launch-buttons a')].map(
      a => ({text: a.innerText.trim(), href: a.href})),
  };
}
"""


def _visit(
    context, server: Server, shots: Path, edition: Edition, docname: str
) -> Visit:
    from axe_playwright_python.sync_playwright import Axe

    url = server.url(f"{edition.prefix}{docname}.html")
    visit = Visit(docname=docname, url=url, language=edition.language)
    page = context.new_page()
    page.on(
        "console",
        lambda msg: msg.type == "error" and visit.console_errors.append(msg.text),
    )
    page.on("pageerror", lambda err: visit.page_errors.append(str(err)))
    page.on(
        "requestfailed",
        lambda req: visit.failed_requests.append(f"{req.url} ({req.failure})"),
    )
    page.on(
        "response",
        lambda resp: (
            resp.status >= 400
            and visit.failed_requests.append(f"{resp.url} (HTTP {resp.status})")
        ),
    )
    start = time.perf_counter()
    page.goto(visit.url, wait_until="load")
    # MathJax 3 typesets after load; its startup promise resolves once every formula is
    # done. (Sphinx adds MathJax only to pages that have math.)
    if page.locator("script[src*='mathjax']").count():
        page.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
            timeout=30_000,
        )
        page.evaluate("() => MathJax.startup.promise")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.evaluate(
        "() => Promise.all([...document.images].map("
        "img => img.complete ? null : img.decode().catch(() => null)))"
    )
    page.wait_for_load_state("networkidle")
    visit.load_seconds = time.perf_counter() - start

    facts = page.evaluate(PAGE_FACTS_JS)
    visit.math = facts["math"]
    visit.images = facts["images"]
    visit.links = sorted(
        {link for link in facts["links"] if link.startswith(server.origin + "/")}
    )
    visit.cells = facts["cells"]
    visit.launch_links = facts["launch_links"]

    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / f"{(edition.prefix + docname).replace('/', '-')}.png"
    page.screenshot(path=str(shot), full_page=True)
    visit.screenshot = str(shot)

    # preload: false keeps axe from fetching the stylesheets itself: it resolves the
    # theme's `@import "../basic.css"` against the page instead of the stylesheet, and
    # asks for a file that does not exist (a 404 of axe's, not the book's). Only
    # css-orientation-lock needs it.
    results = Axe().run(page, options={"resultTypes": ["violations"], "preload": False})
    visit.axe_violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [
                {"target": n["target"], "html": n["html"][:200]} for n in v["nodes"]
            ],
        }
        for v in results.response["violations"]
    ]
    visit.external_requests = list(context.blocked)
    context.blocked.clear()
    page.close()
    return visit


@pytest.fixture(scope="session")
def all_visits(browser, server):
    """``all_visits(edition, docname)``: the cached visit of one page of one edition
    (each page is loaded once per edition and session)."""
    cache: dict[str, Visit] = {}
    shots = screenshot_dir()

    failed: dict[str, str] = {}

    def get(edition: Edition, docname: str) -> Visit:
        key = f"{edition.prefix}{docname}"
        if key in failed:  # a page that could not be visited fails each of its tests
            pytest.fail(failed[key])
        if key not in cache:
            if not (server.root / f"{key}.html").is_file():
                pytest.fail(f"{docname} is in _toc.yml but {key}.html was not built")
            ctx = browser.new_context(viewport=VIEWPORT, service_workers="block")
            blocked: list[str] = []
            ctx.route("**/*", functools.partial(_only_local, server.origin, blocked))
            ctx.blocked = blocked
            try:
                cache[key] = _visit(ctx, server, shots, edition, docname)
            except Exception as error:
                failed[key] = (
                    f"{key}: the visit failed: {type(error).__name__}: {error}"
                )
                raise
            finally:
                ctx.close()
        return cache[key]

    yield get
    if cache:
        shots.mkdir(parents=True, exist_ok=True)
        report = {
            name: {"counts": v.counts(), **asdict(v)} for name, v in cache.items()
        }
        (shots / "report.json").write_text(
            json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8"
        )
        width = max(len(name) for name in cache)
        print(
            f"\nrendered book: per-page counts (screenshots and report.json in {shots})"
        )
        for name, v in cache.items():
            print(f"  {name:<{width}}  {v.counts()}")


@pytest.fixture(scope="session")
def visits(all_visits, edition: Edition):
    """``visits(docname)``: the cached visit of one page of this edition."""
    return functools.partial(all_visits, edition)


# --------------------------------------------------------------------------------------
# Link checking, in Python against the same server
# --------------------------------------------------------------------------------------


class _Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("id", "name") and value:
                self.ids.add(value)


@pytest.fixture(scope="session")
def fetch(server):
    """``fetch(url) -> (status, ids)``: the local server's answer and the anchors of the
    page."""

    @functools.cache
    def get(url: str) -> tuple[int, frozenset[str]]:
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                body = response.read()
                status = response.status
                kind = response.headers.get_content_type()
        except urllib.error.HTTPError as error:
            return error.code, frozenset()
        ids: set[str] = set()
        if kind == "text/html":
            parser = _Ids()
            parser.feed(body.decode("utf-8", errors="replace"))
            ids = parser.ids
        return status, frozenset(ids)

    return get
