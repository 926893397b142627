"""Point each chapter's launch buttons (Binder, Colab) at the chapter's notebook.

sphinx-book-theme builds its launch links from ``repository.url`` and the page's
*source* path, ``book/NN-name.md``: Binder and Colab would open the MyST text, without
outputs, and Colab cannot open it at all. Every chapter is paired with a notebook
(``jupytext.toml``), committed with its outputs, and that is what a reader should land
on. This extension runs after the theme has built the links (``html-page-context``,
priority 502 > the theme's 501) and replaces, in each launch link, the source path by
the paired notebook's path, ``notebooks/NN-name.ipynb``. Everything else in the link
(the host, the repository's ``org/repo``, the branch) stays as the theme derived it from
``_config.yml``, which remains the only place the repository URL is written.

A chapter without its paired notebook, or a launch link of a shape this does not
recognise, is a build warning (an error under ``--warningiserror``), so a broken button
cannot be published.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
RETARGETED = ("Binder", "Colab", "Deepnote")  # links that end with the file's path


def paired_notebook(source: Path, repo_root: Path) -> str | None:
    """The notebook paired with ``source`` by jupytext's configuration, relative to
    ``repo_root``."""
    from jupytext.config import (
        find_jupytext_configuration_file,
        load_jupytext_configuration_file,
    )
    from jupytext.formats import long_form_one_format
    from jupytext.paired_paths import paired_paths

    config_file = find_jupytext_configuration_file(str(source.parent))
    if config_file is None:
        return None
    config = load_jupytext_configuration_file(config_file)
    formats = config.default_formats(str(source)) if config else None
    if not formats:
        return None
    fmt = long_form_one_format("md:myst")
    for path, path_fmt in paired_paths(str(source), fmt, formats):
        if path_fmt.get("extension") == ".ipynb":
            return Path(path).resolve().relative_to(repo_root.resolve()).as_posix()
    return None


def retarget_launch_buttons(
    app: Sphinx, pagename: str, templatename, context: dict, doctree
) -> None:
    groups = [
        b
        for b in context.get("header_buttons", [])
        if b.get("label") == "launch-buttons"
    ]
    if not groups:
        return
    source = Path(app.env.doc2path(pagename))
    repo_root = Path(app.confdir)
    notebook = paired_notebook(source, repo_root)
    if notebook is None or not (repo_root / notebook).is_file():
        LOGGER.warning(
            "%s: no paired notebook in the repository (%s), so its launch buttons "
            "would open the text file; run `make notebooks`",
            pagename,
            notebook or "jupytext.toml pairs none",
            location=pagename,
        )
        return
    book_path = app.config.html_theme_options.get("path_to_docs", "").strip("/")
    source_rel = f"{book_path + '/' if book_path else ''}{pagename}{source.suffix}"
    for group in groups:
        for button in group.get("buttons", []):
            if button.get("type") != "link":
                continue
            url = button["url"]
            if button.get("text") not in RETARGETED or not url.endswith(source_rel):
                LOGGER.warning(
                    "%s: cannot point the %s launch link %r at the notebook: "
                    "it does not end with %r",
                    pagename,
                    button["text"],
                    url,
                    source_rel,
                    location=pagename,
                )
                continue
            button["url"] = url[: -len(source_rel)] + notebook


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", retarget_launch_buttons, priority=502)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
