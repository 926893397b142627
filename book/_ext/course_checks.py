"""The book's ledger of checks, and the one-line summary on every folded check cell.

Every call of ``lectures``' checking API (``check_close``, ``check_mc``,
``check_bound``, ``check_that``) prints a line that starts with ``✓`` and glues its
record into the notebook's outputs as ``check:<label>`` (see
``src/lectures/checks.py``). This extension

1. collects those records from each executed chapter when it is read (MyST-NB writes a
   chapter's glued data to ``<docname>.glue.json`` in its output folder), and keeps them
   in the environment, so a cached build has them too;
2. reads the ledger page (the page with a ``{check-ledger}`` directive) after every
   other page, and again whenever a page changed, and fills the directive with the
   summary and one table row per check, generated from the records, never written by
   hand;
3. gives a folded cell (tag ``hide-cell``) that prints checks the summary "✓ 3 checks:
   label-a, label-b, label-c" instead of "Show code cell content", unless the cell sets
   ``mystnb: code_prompt_show`` itself.

Its words are the interface's (``_``, the catalogue ``course`` of
book/_ext/course_i18n.py), not the page's: the ledger is generated, so its text is no
message of the page's catalogue. What the records say (labels, what is compared) stays
as the chapters printed it, in English.
"""

from __future__ import annotations

import ast
import json
from collections import Counter
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.locale import get_translation
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

_ = get_translation("course")
GLUE_KEY = "check:"
LEDGER_DIRECTIVE = "check-ledger"
KIND_ORDER = ("exact", "numerical", "monte carlo", "inequality", "claim")
KIND_NAMES = {  # the records' kinds, as the ledger's text names them
    "exact": _("exact"),
    "numerical": _("numerical"),
    "monte carlo": _("monte carlo"),
    "inequality": _("inequality"),
    "claim": _("claim"),
}
SUMMARY_HEAD = (_("chapter"), _("checks"))
TABLE_HEAD = (
    _("check"),
    _("backs"),
    _("what is compared"),
    _("kind"),
    _("tolerance"),
    _("achieved"),
    _("result"),
)
SUMMARY_LABELS_SHOWN = 3
FLOAT_NOISE = (
    1e-12  # an error up to this is float64 rounding, recorded as a power of ten
)
# the PDF's columns: widths in twentieths of the line, ragged right (the HTML sizes its
# own)
LATEX_COLUMNS = (
    "".join(
        f"|>{{\\raggedright\\arraybackslash}}\\X{{{n}}}{{20}}"
        for n in (3, 3, 6, 2, 2, 2, 2)
    )
    + "|"
)


def _records_of(env, docname: str) -> list[dict]:
    """The check records glued by the chapter ``docname`` during this read, in cell
    order."""
    folder = getattr(getattr(env, "mystnb_config", None), "output_folder", None)
    if not folder:
        return []
    glue_file = Path(folder).joinpath(*docname.split("/")).with_suffix(".glue.json")
    # the keys MyST-NB glued while reading this page (a stale file of an earlier read is
    # ignored)
    keys = getattr(env, "nb_metadata", {}).get(docname, {}).get("glue", [])
    if not glue_file.is_file() or not any(k.startswith(GLUE_KEY) for k in keys):
        return []
    glued = json.loads(glue_file.read_text(encoding="utf-8"))
    records = []
    for key in keys:
        if key.startswith(GLUE_KEY):
            text = ast.literal_eval(
                glued[key]["data"]["text/plain"]
            )  # the glued JSON string
            records.append(json.loads(text))
    return records


def collect(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    if not hasattr(env, "course_checks"):
        env.course_checks = {}
    records = _records_of(env, env.docname)
    if records:
        env.course_checks[env.docname] = records
    else:
        env.course_checks.pop(env.docname, None)


def purge(app: Sphinx, env, docname: str) -> None:
    getattr(env, "course_checks", {}).pop(docname, None)


def merge(app: Sphinx, env, docnames, other) -> None:
    if not hasattr(env, "course_checks"):
        env.course_checks = {}
    env.course_checks.update(getattr(other, "course_checks", {}))


def _ledger_docnames(env) -> set[str]:
    return {
        doc
        for doc in env.found_docs
        if LEDGER_DIRECTIVE in Path(env.doc2path(doc)).read_text(encoding="utf-8")
    }


def read_ledger_again(app: Sphinx, env, added, changed, removed) -> list[str]:
    """When any other page is read again, so is the ledger: it lists their records."""
    ledgers = _ledger_docnames(env)
    if (set(added) | set(changed) | set(removed)) - ledgers:
        return sorted(ledgers)
    return []


def read_ledger_last(app: Sphinx, env, docnames: list[str]) -> None:
    ledgers = [doc for doc in docnames if doc in _ledger_docnames(env)]
    for doc in ledgers:
        docnames.remove(doc)
        docnames.append(doc)


def _link(label: str) -> str:
    if label.startswith("eq-"):
        return _("Eq. {equation}").format(equation=f"{{eq}}`{label}`")
    # the label as the link's text: a title with math in it would show as raw TeX
    if label.startswith("thm-"):
        return f"{{prf:ref}}`{label} <{label}>`"
    return f"{{ref}}`{label} <{label}>`"


def _error_text(record: dict) -> str:
    measure, error = record["measure"], record["error"]
    if measure == "claim":
        return str(_("holds"))
    if measure == "margin":
        return _("margin {margin}").format(margin=f"{error:.3g}")
    if measure == "z":
        return f"\\|z\\| = {error:.2f}"
    if error == 0:
        return "0"
    return f"≤ {error:.0e}" if error <= FLOAT_NOISE else f"{error:.2g}"


def _tolerance_text(record: dict) -> str:
    measure, tolerance = record["measure"], record["tolerance"]
    if measure == "claim":
        return "-"
    if measure == "margin":
        return "≥ 0" if tolerance == 0 else f"≥ -{tolerance:g}"
    if measure == "z":
        return f"{tolerance:g} s.e."
    return f"{tolerance:g} ({measure})"


def _ratio(record: dict) -> float | None:
    """Achieved error over tolerance; None for bounds, claims and float64 rounding."""
    if record["measure"] == "z" or (
        record["measure"] in ("abs", "rel") and record["error"] > FLOAT_NOISE
    ):
        return record["error"] / record["tolerance"]
    return None


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


class CheckLedger(SphinxDirective):
    """``{check-ledger}``: the summary and the table of every check the chapters
    executed."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        checks = getattr(self.env, "course_checks", {})
        chapters = [doc for doc in self.env.found_docs if doc in checks]
        chapters.sort(key=lambda doc: self.env.doc2path(doc))
        lines = self._summary(checks, chapters)
        for doc in chapters:
            lines += self._table(doc, checks[doc])
        container = nodes.container(classes=["check-ledger"])
        self.state.nested_parse(
            StringList(lines, source=self.env.docname), 0, container
        )
        for node in container.findall(nodes.Element):
            node["translatable"] = False  # generated, in the edition's language already
        return [container]

    def _summary(self, checks: dict, chapters: list[str]) -> list[str]:
        records = [r for doc in chapters for r in checks[doc]]
        kinds = Counter(r["kind"] for r in records)
        by_kind = ", ".join(
            _("{count} {kind}").format(count=kinds[k], kind=KIND_NAMES[k])
            for k in KIND_ORDER
            if kinds[k]
        )
        passed = sum(r["passed"] for r in records)
        rated = [
            (r_, doc, r)
            for doc in chapters
            for r in checks[doc]
            if (r_ := _ratio(r)) is not None
        ]
        lines = [
            _("**{count} checks**, {passed} passed: {kinds}.").format(
                count=len(records), passed=passed, kinds=by_kind
            ),
            "",
            "| " + " | ".join(map(str, SUMMARY_HEAD)) + " |",
            "|:--|--:|",
        ]
        lines += [f"| {{doc}}`/{doc}` | {len(checks[doc])} |" for doc in chapters]
        rounding = sum(
            r["measure"] in ("abs", "rel") and r["error"] <= FLOAT_NOISE
            for r in records
        )
        lines += [
            "",
            _(
                "{count} of the comparisons agree to float64 rounding (an error below "
                "$10^{{-12}}$)."
            ).format(count=rounding),
        ]
        if rated:
            worst, doc, record = max(rated, key=lambda item: item[0])
            lines[-1] += " " + _(
                "Among the others and the Monte Carlo checks, the worst ratio of "
                "achieved error to tolerance is **{ratio}**: check {label} in "
                "{chapter} ({achieved} against {tolerance})."
            ).format(
                ratio=f"{worst:.2g}",
                label=f"`{record['label']}`",
                chapter=f"{{doc}}`/{doc}`",
                achieved=_error_text(record),
                tolerance=_tolerance_text(record),
            )
        return lines + [""]

    def _table(self, doc: str, records: list[dict]) -> list[str]:
        lines = [
            "",
            f"**{{doc}}`/{doc}`**",
            "",
            f"```{{tabularcolumns}} {LATEX_COLUMNS}",
            "```",
            "",
            "```{raw} latex",
            "\\begingroup\\footnotesize\\courseLedgerBreaks",
            "```",
            "",
            "| " + " | ".join(map(str, TABLE_HEAD)) + " |",
            "|:--|:--|:--|:--|:--|:--|:-:|",
        ]
        for r in records:
            result = "✓" if r["passed"] else "✗"
            lines.append(
                f"| {_cell(r['label'])} | {_link(r['backs'])} | {_cell(r['routes'])} "
                f"| {KIND_NAMES[r['kind']]} | {_tolerance_text(r)} "
                f"| {_error_text(r)} | {result} |"
            )
        return lines + ["", "```{raw} latex", "\\endgroup", "```"]


class SummariseFoldedChecks(SphinxPostTransform):
    """A folded cell that prints checks says which, before MyST-NB folds it."""

    default_priority = 190  # MyST-NB's HideInputCells runs at 199
    formats = ("html",)

    def run(self, **kwargs) -> None:
        for cell in self.document.findall(nodes.container):
            if cell.get("nb_element") != "cell_code" or cell.get("hide_mode") != "all":
                continue
            if "code_prompt_show" in cell.get("cell_metadata", {}).get("mystnb", {}):
                continue
            labels = _printed_check_labels(cell)
            if labels:
                cell["prompt_show"] = _fold_summary(labels)
                cell["prompt_hide"] = str(_("Hide the checks"))


def _printed_check_labels(cell: nodes.Element) -> list[str]:
    labels = []
    for block in cell.findall(nodes.literal_block):
        for line in block.astext().splitlines():
            if line.startswith("✓ ") and " (" in line:
                labels.append(line[2:].split(" (", 1)[0])
    return labels


def _fold_summary(labels: list[str]) -> str:
    shown = ", ".join(labels[:SUMMARY_LABELS_SHOWN])
    more = ", …" if len(labels) > SUMMARY_LABELS_SHOWN else ""
    if len(labels) == 1:
        return _("✓ 1 check: {labels}").format(labels=shown)
    return _("✓ {count} checks: {labels}").format(
        count=len(labels), labels=shown + more
    )


def setup(app: Sphinx) -> dict:
    app.add_directive(LEDGER_DIRECTIVE, CheckLedger)
    app.add_post_transform(SummariseFoldedChecks)
    app.connect("doctree-read", collect)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-get-outdated", read_ledger_again)
    app.connect("env-before-read-docs", read_ledger_last)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
