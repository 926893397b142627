"""The PDF edition: the LaTeX build's look and content, and the HTML's link to the PDF.

``make pdf`` runs Jupyter Book's LaTeX builder (``jupyter-book build . --builder
pdflatex``: Sphinx's LaTeX writer, then XeLaTeX through latexmk, configured under
``latex:`` and ``latex_elements`` in ``_config.yml``), then the HTML build again. This
extension takes part in both.

In the LaTeX build:

1. sphinx-jupyterbook-latex brings its own document class, which needs ``bbm`` (in
   Debian's texlive-fonts-extra, half a gigabyte) and loads TikZ and pgfplots, none of
   them used here. Sphinx's ``manual`` class is used instead, with ``course_pdf.sty``
   (next to this file): the fonts, the two environments that extension wraps code
   cells in, and a few repairs.
2. sphinx-jupyterbook-latex drops the cells tagged ``hide-cell`` and the inputs tagged
   ``hide-input``. In the HTML they are folded, not absent, and most of them are the
   checks the course is about: the PDF prints them unfolded (their tags are removed
   before that extension looks for them).
3. Sphinx's LaTeX writer gives an admonition no anchor, so a ``{ref}`` to a named one
   (each erratum box) was an undefined reference: an anchor goes before each such box.
4. Display math. MathJax takes a whole amsmath environment inside ``$$`` (``align``,
   ``gather``, ...); LaTeX does not, inside the ``equation`` Sphinx puts around it, so
   such an environment becomes its inner form (``aligned``, ``gathered``). A display
   wider than the line, which the HTML scrolls, is scaled down to fit it.

In the HTML build, when the PDF exists (``_build/latex/<target>.pdf``), every page's
download menu links to it and the PDF is copied next to the pages, as ``course.pdf``.
The link and the copy come and go together: when the PDF has appeared or gone since
the pages were written, every page is written again, so no page links to a missing file.

A translated edition (tools/editions.py) builds the same way into ``_build/<lang>/``:
its PDF is ``_build/ko/latex/course-ko.pdf``, in its language, and its pages link to
their copy, ``course-ko.pdf``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.locale import get_translation
from sphinx.transforms.post_transforms import SphinxPostTransform

_ = get_translation("course")  # the interface's catalogue (book/_ext/course_i18n.py)
STYLE = Path(__file__).with_name("course_pdf.sty")
FOLDED = {"tag_hide-cell", "tag_hide-input", "tag_hide-output"}

UCHARCLASSES = re.compile(r"\\usepackage\[[^]]*\]\{ucharclasses\}")
# an amsmath display environment written whole inside $$...$$
OUTER_MATH = re.compile(
    r"\A\s*\\begin\{(?P<env>align|flalign|alignat|gather|multline|equation|eqnarray)"
    r"(?P<star>\*?)\}(?P<body>.*)\\end\{(?P=env)(?P=star)\}\s*\Z",
    re.DOTALL,
)
# ... and the form it takes inside an equation (None: its body alone)
INNER_MATH = {
    "align": "aligned",
    "flalign": "aligned",
    "eqnarray": "aligned",
    "alignat": "alignedat",
    "gather": "gathered",
    "multline": "gathered",
    "equation": None,
}


class UnfoldHiddenCells(SphinxPostTransform):
    """Folded cells stay in the PDF, unfolded (before sphinx-jupyterbook-latex, 400)."""

    default_priority = 390
    builders = ("latex",)

    def run(self, **kwargs) -> None:
        for node in self.document.findall(nodes.container):
            classes = node.get("classes", [])
            if FOLDED.intersection(classes):
                node["classes"] = [c for c in classes if c not in FOLDED]
                node["classes"].append("course-unfolded")


class AnchorAdmonitions(SphinxPostTransform):
    """A target before each docutils admonition with a ``:name:``, for references to it.

    sphinx-proof's admonitions are labelled by its writer; sphinx-exercise's writer
    labels an exercise ``exercise:<label>``, not the ``<docname>:<label>`` that
    ``{ref}`` points to (the ledger of checks links to exercises), so exercises get the
    target too.
    """

    default_priority = 400
    builders = ("latex",)

    def run(self, **kwargs) -> None:
        for node in list(self.document.findall(nodes.Admonition)):
            module, kind = type(node).__module__, type(node).__name__
            named_box = module == nodes.__name__ and node.get("names")
            exercise = module.startswith("sphinx_exercise") and kind.startswith(
                "exercise"
            )
            if not (named_box or exercise) or node.parent is None:
                continue
            index = node.parent.index(node)
            # the page it came from (the LaTeX build joins all pages in one tree)
            docname = self.env.path2doc(node.source or "") if exercise else None
            for offset, id_ in enumerate(node["ids"]):
                node.parent.insert(index + offset, _anchor(node, id_, docname))


def _anchor(node: nodes.Element, id_: str, docname: str | None) -> nodes.Node:
    if docname is None:
        return nodes.target("", "", refid=id_)
    # the writer writes no label for a target before a numbered node: write it here
    label = f"\\phantomsection\\label{{\\detokenize{{{docname}:{id_}}}}}"
    return nodes.raw("", label, format="latex")


def inner_math(part: str) -> str:
    """One equation of a display, an amsmath environment written whole unwrapped."""
    match = OUTER_MATH.match(part)
    if not match:
        return part.strip()
    inner, body = INNER_MATH[match["env"]], match["body"].strip()
    return f"\\begin{{{inner}}}{body}\\end{{{inner}}}" if inner else body


def visit_math_block(self, node: nodes.math_block) -> None:
    """Sphinx's display math (sphinx.util.math.wrap_displaymath), with ``aligned`` for
    ``split``, environments unwrapped, and the whole in ``\\coursefitmath``."""
    label = ""
    if node.get("label"):
        label = f"\\label{{equation:{node['docname']}:{node['label']}}}"
    if node.get("nowrap"):  # a top-level amsmath environment: the LaTeX as written
        self.body.append(label + node.astext())
        raise nodes.SkipNode
    parts = [inner_math(p) for p in node.astext().split("\n\n") if p.strip()]
    if parts:
        numbered = bool(label) or self.config.math_number_all
        env = "equation" if numbered else "equation*"
        lines = "\\\\\n".join(parts)
        self.body.append(
            f"\n\\begin{{{env}}}{label}\n"
            f"\\coursefitmath{{\\begin{{aligned}}\n{lines}\n\\end{{aligned}}}}\n"
            f"\\end{{{env}}}\n"
        )
    raise nodes.SkipNode


def use_manual_class(app: Sphinx, config: Config) -> None:
    """Runs after sphinx-jupyterbook-latex's config-inited handler (priority 500)."""
    config.latex_theme = "manual"
    config.latex_additional_files = [*config.latex_additional_files, str(STYLE)]
    elements = dict(config.latex_elements)
    # sphinx-jupyterbook-latex loads ucharclasses, which puts every Latin and Greek
    # letter in a class of its own and defines no transition: it slows XeLaTeX down, and
    # would hide course_pdf.sty's switch to a Korean font from the letters next to
    # Hangul.
    preamble = UCHARCLASSES.sub("", elements.get("preamble", ""))
    elements["preamble"] = preamble + "\n\\usepackage{course_pdf}\n"
    if (config.language or "en") != "en":
        # one space after a sentence, as Korean is set (TeX widens it for English)
        elements["preamble"] += "\\frenchspacing\n"
    config.latex_elements = elements


def pdf_name(app: Sphinx) -> str:
    """``course.pdf`` (the LaTeX target's name): the PDF, and its copy in the site."""
    return Path(app.config.latex_documents[0][1]).with_suffix(".pdf").name


def built_pdf(app: Sphinx) -> Path | None:
    """The PDF ``make pdf`` wrote, ``_build/latex/<target>.pdf``, if it is there."""
    if not app.config.latex_documents:
        return None
    target = pdf_name(app)
    path = Path(app.outdir).parent / "latex" / target
    return path if path.is_file() else None


def rewrite_pages_if_pdf_changed(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Every page, when the PDF has appeared or gone since the pages were written."""
    if app.builder.format != "html":
        return []
    linked = (
        bool(app.config.latex_documents)
        and (Path(app.outdir) / pdf_name(app)).is_file()
    )
    return sorted(env.found_docs) if linked != (built_pdf(app) is not None) else []


def add_pdf_link(app: Sphinx, pagename: str, templatename, context, doctree) -> None:
    """The whole book's PDF in the download menu (which the theme has just built)."""
    if app.builder.format != "html" or built_pdf(app) is None:
        return
    if "header_buttons" not in context:
        return
    button = {
        "type": "link",
        "url": context["pathto"](pdf_name(app), 1),
        "text": str(_("Book (.pdf)")),
        "tooltip": str(_("The whole book as one PDF")),
        "icon": "fas fa-book",
        "label": "download-book-pdf-button",
    }
    buttons = context["header_buttons"]
    menus = [b for b in buttons if b.get("label") == "download-buttons"]
    (menus[0]["buttons"] if menus else buttons).append(button)


def copy_pdf(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    if not app.config.latex_documents:
        return
    source, copy = built_pdf(app), Path(app.outdir) / pdf_name(app)
    if source is None:
        copy.unlink(missing_ok=True)
    else:
        shutil.copyfile(source, copy)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", use_manual_class, priority=600)
    app.add_post_transform(UnfoldHiddenCells)
    app.add_post_transform(AnchorAdmonitions)
    app.add_node(nodes.math_block, override=True, latex=(visit_math_block, None))
    app.connect("env-updated", rewrite_pages_if_pdf_changed)
    # after the theme has built its header buttons (priority 501)
    app.connect("html-page-context", add_pdf_link, priority=502)
    app.connect("build-finished", copy_pdf)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
