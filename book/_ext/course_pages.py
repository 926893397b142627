"""Three repairs to the HTML that Jupyter Book 1 writes, found by the browser suite
(tests/browser).

1. An inline script registered after the HTML builder starts (sphinx-thebe's
   ``const THEBE_JS_URL = ...``, sphinx-togglebutton's selector) reaches the builder
   twice, once directly (file name ``None``) and once from the registry in
   ``prepare_writing`` (file name ``''``); Sphinx 7.4 keeps both as different, so every
   page declared the constant twice: a SyntaxError in the console of every page. Scripts
   equal but for that are dropped here, keeping the first.
2. sphinx-external-toc writes the site's top ``index.html`` as a bare ``<meta>``
   redirect to the root page: no title, no language and no icon, so the browser asks for
   ``/favicon.ico`` (a 404; the course's icon is an SVG). It is rewritten as a small
   page that redirects the same way.
3. docutils marks the bibliography ``role="list"`` and each entry
   ``role="doc-biblioentry"``, a role DPUB-ARIA 1.1 deprecated, which is no list item:
   axe-core reports the list as a critical violation (aria-required-children), and
   screen readers announce an empty list. The entries are given ``role="listitem"``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from sphinx.application import Sphinx

ETOC_REDIRECT = re.compile(
    r'^<meta http-equiv="Refresh" content="0; url=(?P<url>[^"]+)" />\s*$'
)


def drop_duplicate_scripts(
    app: Sphinx, pagename: str, templatename, context: dict, doctree
) -> None:
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        key = (
            getattr(script, "filename", script) or "",
            tuple(sorted(attributes.items())),
        )
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique  # in place: later handlers (MathJax's) append to this very list


def fix_bibliography_roles(
    app: Sphinx, pagename: str, templatename, context: dict, doctree
) -> None:
    body = context.get("body")
    if isinstance(body, str) and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def rewrite_redirect(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    index = Path(app.outdir) / "index.html"
    if not index.is_file():
        return
    match = ETOC_REDIRECT.match(index.read_text(encoding="utf-8"))
    if not match:
        return  # a real page, or already rewritten
    url = html.escape(match["url"], quote=True)
    title = html.escape(app.config.html_title or app.config.project)
    favicon = app.config.html_favicon
    icon = (
        f'  <link rel="icon" href="_static/{Path(favicon).name}">\n' if favicon else ""
    )
    index.write_text(
        "<!DOCTYPE html>\n"
        f'<html lang="{app.config.language or "en"}">\n<head>\n'
        '  <meta charset="utf-8">\n'
        f'  <meta http-equiv="Refresh" content="0; url={url}">\n'
        f"  <title>{title}</title>\n{icon}"
        "</head>\n<body>\n"
        f'  <main><p><a href="{url}">{title}</a></p></main>\n'
        "</body>\n</html>\n",
        encoding="utf-8",
    )


def setup(app: Sphinx) -> dict:
    # html-page-context is emitted with emit_firstresult: a handler after one that
    # returns a template name never runs, so these run early (the scripts are all
    # registered before pages).
    app.connect("html-page-context", drop_duplicate_scripts, priority=400)
    app.connect("html-page-context", fix_bibliography_roles, priority=400)
    app.connect(
        "build-finished", rewrite_redirect, priority=900
    )  # after sphinx-external-toc's
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
