"""The page "How the course checks itself" lists every check the chapters executed in
this build.

The build's executed chapters are in `_build/jupyter_execute/` (MyST-NB writes each
chapter's glued data there, the records among it): the ledger has one row per record,
every row passed, and the summary's count is the same, in every edition. Its links
resolve like every other page's (test_rendered_book.py visits it: it is in _toc.yml).
"""

from __future__ import annotations

import json
import re

from tests.book_config import toc_docnames
from tests.browser.conftest import html_dir

LEDGER = "book/checks"


def executed_records() -> dict[str, int]:
    executed = html_dir().parent / "jupyter_execute"
    counts = {}
    for glue in sorted(executed.rglob("*.glue.json")):
        keys = json.loads(glue.read_text(encoding="utf-8"))
        counts[glue.name] = sum(key.startswith("check:") for key in keys)
    return {name: n for name, n in counts.items() if n}


def ledger_rows(site) -> list[str]:
    text = (site / f"{LEDGER}.html").read_text(encoding="utf-8")
    ledger = text.split('class="check-ledger', 1)[1]
    # the first is the summary
    tables = re.findall(r"<table.*?</table>", ledger, re.S)[1:]
    return [
        row for t in tables for row in re.findall(r"<tr[^>]*>(.*?)</tr>", t, re.S)[1:]
    ]


def test_the_ledger_is_in_the_toc():
    assert LEDGER in toc_docnames()


def test_one_row_per_executed_check(site):
    executed = executed_records()
    assert executed, "no chapter recorded a check in _build/jupyter_execute"
    rows = ledger_rows(site)
    assert len(rows) == sum(executed.values()), (len(rows), executed)
    # the summary, "**472 checks**, 472 passed: ...", in the edition's words (course.po)
    ledger = (site / f"{LEDGER}.html").read_text(encoding="utf-8").split("check-ledger")
    summary = re.search(r"<p>(.*?)</p>", ledger[1], re.S)[1]
    counted = re.search(r"<strong>(.*?)</strong>", summary, re.S)[1]
    numbers = re.findall(r"\d+", re.sub(r"<[^>]+>", " ", summary))
    assert re.findall(r"\d+", counted) == [str(len(rows))], summary
    assert numbers.count(str(len(rows))) >= 2, f"not all {len(rows)} passed: {summary}"


def test_every_row_passed(site):
    results = []
    for row in ledger_rows(site):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        results.append(re.sub(r"<[^>]+>", "", cells[-1]).strip())
    assert results and set(results) == {"✓"}, sorted(set(results))
