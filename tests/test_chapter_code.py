"""The chapters' code reads well and checks through one API.

- every code line fits in 88 characters (no sideways scrolling at an ordinary width);
- no chapter imports the book's toolchain: a notebook runs with `lectures` alone;
- checks go through `lectures`' checking API: a bare `assert` stays only where the API
  would be unnatural, and says why in a comment on its line (`# plain assert: ...`);
- a cell that checks is folded (`hide-cell`), and a check label is used once in a
  chapter;
- the recorded checks of the committed notebooks all passed, and there are at least as
  many as the chapters held asserts before the API existed.
"""

from __future__ import annotations

import ast
import json
import re

import jupytext
import pytest

from tests.book_config import ROOT, chapter_sources

CHAPTERS = chapter_sources()
MAX_LINE = 88
CHECK_CALL = re.compile(r"\bcheck_(close|mc|bound|that)\(")
TOOLCHAIN = re.compile(
    r"^\s*(from|import)\s+(myst_nb|jupyter_book|sphinx|jupytext)\b", re.M
)
BARE_ASSERT = re.compile(r"^\s*assert\b|assert_close\(|assert_allclose\(")
ASSERTS_BEFORE_THE_API = (
    190  # issue 11: "today's chapters hold about 190 assert statements"
)


def code_cells(chapter):
    return [c for c in jupytext.read(chapter).cells if c.cell_type == "code"]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_code_lines_fit_in_88_characters(chapter):
    long = [
        line
        for cell in code_cells(chapter)
        for line in cell.source.splitlines()
        if len(line) > MAX_LINE
    ]
    assert not long, (
        f"{chapter.name}: {len(long)} code lines over {MAX_LINE}: {long[:3]}"
    )


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_no_book_toolchain_import(chapter):
    found = [
        m.group(0) for c in code_cells(chapter) for m in TOOLCHAIN.finditer(c.source)
    ]
    assert not found, f"{chapter.name} imports the book toolchain: {found}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_checks_use_the_api(chapter):
    bare = [
        line.strip()
        for cell in code_cells(chapter)
        for line in cell.source.splitlines()
        if BARE_ASSERT.search(line) and "# plain assert:" not in line
    ]
    assert not bare, f"{chapter.name}: bare asserts left: {bare[:3]}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_cells_that_check_are_folded(chapter):
    open_checks = [
        cell.source.splitlines()[0]
        for cell in code_cells(chapter)
        if CHECK_CALL.search(cell.source)
        and "hide-cell" not in cell.metadata.get("tags", [])
    ]
    assert not open_checks, (
        f"{chapter.name}: cells that check but are not folded: {open_checks}"
    )


def recorded(notebook) -> list[dict]:
    """The check records a committed notebook glued, in order."""
    records = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name", "")
            if name.startswith("check:"):
                text = output["data"]["application/papermill.record/text/plain"]
                records.append(
                    json.loads(ast.literal_eval(text))
                )  # repr of a JSON string
    return records


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_recorded_checks_passed_and_are_named_once(chapter):
    records = recorded(ROOT / "notebooks" / f"{chapter.stem}.ipynb")
    labels = [r["label"] for r in records]
    assert records, f"{chapter.name} records no check"
    assert len(labels) == len(set(labels)), (
        f"{chapter.name}: a check label is used twice"
    )
    assert all(r["passed"] for r in records)


def test_no_check_was_dropped():
    total = sum(len(recorded(ROOT / "notebooks" / f"{c.stem}.ipynb")) for c in CHAPTERS)
    assert total >= ASSERTS_BEFORE_THE_API, (
        f"{total} checks; the chapters held 190 asserts"
    )
