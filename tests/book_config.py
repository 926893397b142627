"""What the tests need to know about the book, read from its one source: `_config.yml`
and `_toc.yml`.

The repository's URL, the branch and the launch hosts are written once, in
`_config.yml`; every test that checks a link derives the expected link from here instead
of repeating it.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


@cache
def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def repository_url() -> str:
    """The repository's URL, exactly as `_config.yml` writes it (no trailing slash)."""
    return config()["repository"]["url"].rstrip("/")


def branch() -> str:
    return config()["repository"].get("branch", "master")


def github_org_repo() -> tuple[str, str]:
    """`("org", "repo")` from a `https://github.com/org/repo` URL."""
    prefix = "https://github.com/"
    url = repository_url()
    assert url.startswith(prefix), f"repository.url must be a GitHub URL, not {url!r}"
    org, repo = url[len(prefix) :].split("/")
    return org, repo


def launch(key: str) -> str:
    return config()["launch_buttons"][key].rstrip("/")


def toc_path() -> Path:
    """`_toc.yml`, or the table of contents the book was built with (`$BOOK_TOC`, as
    `--toc`)."""
    return Path(os.environ.get("BOOK_TOC", ROOT / "_toc.yml"))


def toc_docnames() -> list[str]:
    """Every page in the table of contents, in reading order, as docnames
    (`book/01-entropy`)."""
    toc = yaml.safe_load(toc_path().read_text(encoding="utf-8"))
    names: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node:
                    names.append(str(Path(node[key]).with_suffix("")))
            if "glob" in node:
                pattern = node["glob"]
                for path in sorted(ROOT.glob(pattern + ".md")) + sorted(
                    ROOT.glob(pattern + ".ipynb")
                ):
                    names.append(path.relative_to(ROOT).with_suffix("").as_posix())
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)

    walk(toc)
    return list(dict.fromkeys(names))


def source_of(docname: str) -> Path:
    """The source file of a page: `book/01-entropy.md` (or a notebook)."""
    for suffix in (".md", ".ipynb", ".rst"):
        path = ROOT / f"{docname}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(f"{docname} is in _toc.yml but has no source file")


def is_notebook_page(docname: str) -> bool:
    """A page executed as a notebook (a chapter): a MyST file with a kernelspec, or an
    .ipynb."""
    path = source_of(docname)
    if path.suffix == ".ipynb":
        return True
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return False
    front = yaml.safe_load(text.split("---", 2)[1]) or {}
    return "kernelspec" in front


def chapter_sources() -> list[Path]:
    """The chapters: every `book/NN-name.md` (the files `make notebooks` pairs and
    executes)."""
    return sorted((ROOT / "book").glob("[0-9]*.md"))


def paired_notebook(chapter: Path) -> Path:
    """The committed notebook of a chapter (jupytext.toml pairs `book/X.md` with
    `notebooks/X.ipynb`)."""
    return ROOT / "notebooks" / f"{chapter.stem}.ipynb"
