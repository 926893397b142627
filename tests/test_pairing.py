"""Every chapter in book/ and its notebook in notebooks/ are in sync: `jupytext --sync`
would change nothing."""

from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("[0-9]*.md"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _cells(notebook):
    return [
        (cell.cell_type, cell.source, dict(cell.metadata)) for cell in notebook.cells
    ]


def test_there_are_chapters():
    assert CHAPTERS, "no chapter found in book/"


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.name)
def test_chapter_has_notebook_with_same_cells(md):
    ipynb = ROOT / "notebooks" / f"{md.stem}.ipynb"
    assert ipynb.exists(), f"{md.name} has no paired notebook: run `make notebooks`"
    # from the text side, --sync would rewrite the notebook's inputs if a cell differed
    assert _cells(jupytext.read(md)) == _cells(jupytext.read(ipynb)), (
        f"{ipynb.name} differs from {md.name}"
    )


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.name)
def test_text_side_is_what_the_notebook_writes(md):
    # from the notebook side, --sync would rewrite the text file if this differed
    ipynb = jupytext.read(ROOT / "notebooks" / f"{md.stem}.ipynb")
    assert jupytext.writes(ipynb, fmt="md:myst") == md.read_text(encoding="utf-8")


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_chapter(ipynb):
    assert (ROOT / "book" / f"{ipynb.stem}.md").exists(), (
        f"{ipynb.name} has no chapter in book/"
    )


@pytest.mark.parametrize("ipynb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_executed(ipynb):
    code = [cell for cell in jupytext.read(ipynb).cells if cell.cell_type == "code"]
    assert code and all(cell.get("execution_count") for cell in code), (
        f"{ipynb.name} is not fully executed"
    )
