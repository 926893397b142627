"""One URL for the repository, and one click to run each chapter (no book build needed).

- `_config.yml` is the only file that writes the repository's URL; each chapter's Colab
  setup cell repeats it (a notebook in Colab cannot read `_config.yml`), so the cell is
  checked here to be exactly the one built from `_config.yml`. No other file names the
  repository.
- The Colab cell is the chapter's first code cell, is removed from the HTML book (the
  notebook keeps it), installs `lectures` from the repository only when run in Colab,
  and does nothing, printing nothing, anywhere else: nbval compares its (empty) output
  like any other.
- The launch-button extension (book/_ext/course_launch.py) finds each chapter's
  notebook.

The built pages' links are checked in tests/browser/test_built_links.py.
"""

from __future__ import annotations

import importlib.util
import sys
import types

import jupytext
import pytest

from tests import book_config as cfg

CHAPTERS = cfg.chapter_sources()

# The text of every chapter's first code cell, exactly (its comment is longer than 88
# columns): paste it, with this URL, as the first code cell.
COLAB_CELL = """\
# Colab only: install the course's package `lectures` from its repository.
# Elsewhere: nothing.
import sys

if "google.colab" in sys.modules:
    %pip install --quiet "git+{url}\""""  # noqa: E501
COLAB_TAGS = ["remove-cell"]


def colab_cell_source() -> str:
    return COLAB_CELL.format(url=cfg.repository_url())


def first_code_cell(path):
    cells = [cell for cell in jupytext.read(path).cells if cell.cell_type == "code"]
    assert cells, f"{path.name} has no code cell"
    return cells[0]


def test_repository_url_is_a_github_repository():
    org, repo = cfg.github_org_repo()
    assert org and repo and not cfg.repository_url().endswith(".git")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_first_code_cell_is_the_colab_cell(chapter):
    cell = first_code_cell(chapter)
    assert cell.source == colab_cell_source(), (
        f"{chapter.name}: the first code cell must be the Colab setup cell, "
        "exactly:\n\n"
        f"```{{code-cell}} ipython3\n:tags: {COLAB_TAGS}\n\n{colab_cell_source()}\n```"
    )
    assert cell.metadata.get("tags") == COLAB_TAGS, (
        f"{chapter.name}: the Colab cell's tags"
    )


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_committed_notebook_keeps_the_colab_cell_and_it_printed_nothing(chapter):
    notebook = cfg.paired_notebook(chapter)
    assert notebook.is_file(), f"{notebook.name} missing: run `make notebooks`"
    cell = first_code_cell(notebook)
    assert cell.source == colab_cell_source()
    assert cell.get("outputs") == [], (
        f"{notebook.name}: the Colab cell printed something outside Colab"
    )


def _run_cell(source: str, in_colab: bool) -> list[tuple[str, str]]:
    """Run the cell as IPython would (magics translated), recording its magics."""
    from IPython.core.inputtransformer2 import TransformerManager

    calls: list[tuple[str, str]] = []
    shell = types.SimpleNamespace(
        run_line_magic=lambda name, line: calls.append((name, line))
    )
    code = TransformerManager().transform_cell(source)
    saved = sys.modules.get("google.colab")
    try:
        if in_colab:
            sys.modules["google.colab"] = types.ModuleType("google.colab")
        else:
            sys.modules.pop("google.colab", None)
        exec(compile(code, "<colab cell>", "exec"), {"get_ipython": lambda: shell})  # noqa: S102
    finally:
        if saved is not None:
            sys.modules["google.colab"] = saved
        else:
            sys.modules.pop("google.colab", None)
    return calls


def test_colab_cell_does_nothing_outside_colab(capsys):
    assert _run_cell(colab_cell_source(), in_colab=False) == []
    assert capsys.readouterr() == ("", "")


def test_colab_cell_installs_lectures_from_the_repository_in_colab():
    calls = _run_cell(colab_cell_source(), in_colab=True)
    assert calls == [("pip", f'install --quiet "git+{cfg.repository_url()}"')]


def _text_files():
    skip_dirs = {
        ".git",
        ".venv",
        "_build",
        ".hypothesis",
        "__pycache__",
        ".pytest_cache",
        ".ipynb_checkpoints",
    }
    for path in sorted(cfg.ROOT.rglob("*")):
        rel = path.relative_to(cfg.ROOT)
        if (
            path.is_dir()
            or skip_dirs & set(rel.parts)
            or any(p.endswith(".egg-info") for p in rel.parts)
        ):
            continue
        try:
            yield rel, path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue


def test_repository_url_is_written_only_in_config():
    """Besides `_config.yml`, only the chapters' Colab cells (checked above) name the
    repository."""
    org, repo = cfg.github_org_repo()
    needle = f"{org}/{repo}"
    allowed = colab_cell_source()
    offenders = []
    for rel, text in _text_files():
        if rel.as_posix() == "_config.yml" or needle not in text:
            continue
        if rel.parts[0] in ("book", "notebooks") and rel.suffix in (".md", ".ipynb"):
            chapter = jupytext.read(cfg.ROOT / rel)
            outside = [
                c.source
                for c in chapter.cells
                if needle in c.source and c.source != allowed
            ]
            if not outside:
                continue
        offenders.append(rel.as_posix())
    assert not offenders, (
        f"the repository URL is written outside _config.yml in: {offenders}"
    )


def test_no_hand_written_launch_link():
    """Binder and Colab links are built from `_config.yml`, never written by hand."""
    hosts = [cfg.launch("binderhub_url") + "/v2/", cfg.launch("colab_url") + "/github/"]
    offenders = [
        rel.as_posix()
        for rel, text in _text_files()
        if any(host in text for host in hosts)
    ]
    assert not offenders, f"launch links written by hand in: {offenders}"


def _launch_extension():
    spec = importlib.util.spec_from_file_location(
        "course_launch", cfg.ROOT / "book" / "_ext" / "course_launch.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_launch_extension_finds_the_chapter_notebook(chapter):
    found = _launch_extension().paired_notebook(chapter, cfg.ROOT)
    assert (
        found
        == cfg.paired_notebook(chapter).relative_to(cfg.ROOT).as_posix()
        == f"notebooks/{chapter.stem}.ipynb"
    )
