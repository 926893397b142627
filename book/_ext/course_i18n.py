"""The book's editions: English, from the sources, and Korean, from the same sources and
the catalogues in ``locales/ko/LC_MESSAGES/`` (Sphinx's gettext). ``tools/editions.py``
builds them (``make book``: English at ``_build/html``, Korean at ``_build/html/ko``)
and extracts the messages (``make translations``); this extension takes part in every
build.

1. **The switcher.** Every page links to the same page in the other editions, in the
   article's top bar (``templates/course-editions.html``, with ``hreflang`` and
   ``lang``), and names them in its head, ``<link rel="alternate" hreflang=...>`` (with
   ``x-default``: the first edition). ``course_editions`` in ``_config.yml`` lists the
   editions, the first one at the site's root, each other one in a folder named by its
   language.
2. **Glue in a translation.** Sphinx parses a translated message as a little document of
   its own, without the page's notebook: ``{glue:text}`key``` there takes the page's
   glued value from the file MyST-NB wrote for the page, as
   ``{glue:text}`page.md::key``` would.
3. **Words inside display math.** A display formula is not a message: its TeX stays as
   written in every edition. Only the words of its ``\\text{...}``
   (``\\text{split the log}``) are messages, one each, put back into the formula
   translated.
4. **The interface.** The book's title, the logo's text and the search box's
   placeholder, set in ``_config.yml``, and the strings of the book's extensions (``_``
   in ``book/_ext/*.py``) are translated through the catalogue
   ``locales/<lang>/LC_MESSAGES/course.po``; Sphinx, the theme, sphinx-proof,
   sphinx-exercise and the toggle buttons bring their own Korean.
5. **Suggest edit.** On a translated page, the theme's edit button opens the page's
   catalogue, ``locales/<lang>/LC_MESSAGES/<page>.po``, where its text is.
6. **A title's number.** A message is the text of one element, never a list: a
   translated title such as ``1. 엔트로피`` reaches the parser with its dot
   escaped, or Markdown would read a numbered list (and Sphinx would keep the English).
7. **A count.** A translated edition's build says how many of its messages have no
   translation yet (``python -m tools.editions check --complete`` names them).
"""

from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.locale import get_translation
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
CATALOGUE = "course"  # locales/<lang>/LC_MESSAGES/course.po: the interface's strings
_ = get_translation(CATALOGUE)
TEMPLATES = Path(__file__).with_name("templates")
SWITCHER = "course-editions.html"

# \text{...} and its kin inside display math, and what makes its content words to
# translate
TEXT_IN_MATH = re.compile(r"(\\(?:text|textrm|textit|textbf|mbox)\s*\{)([^{}]*)(\})")
WORDS = re.compile(r"[^\W\d_]{2,}")
# what a message keeps as it is, in every edition (tools/editions.py checks translations
# with them)
MATH = re.compile(r"(?<![\\$])\$(?!\$)((?:\\.|[^$\\])+?)\$")
ROLE = re.compile(r"\{([\w:.-]+)\}`([^`]*)`")
CODE = re.compile(r"(?<![`}])(`+)(?!`)(.+?)(?<!`)\1(?!`)")
URL = re.compile(r"https?://[^\s)>]+")
LETTER = re.compile(r"[^\W\d_]")
# titles an extension writes in the edition's language itself (sphinx-exercise's
# "Exercise")
GENERATED_TITLES = {"exercise_title", "solution_title"}
LEADING_NUMBER = re.compile(r"\A(\s*\d+)([.)])(?=\s)")


# --------------------------------------------------------------------------------------
# Editions
# --------------------------------------------------------------------------------------


def editions(config: Config) -> dict[str, str]:
    """``{language: name}`` in ``_config.yml``'s order; the first is the site's root."""
    return dict(config.course_editions or {"en": "English"})


def edition_prefix(config: Config, language: str) -> str:
    """The edition's folder in the site: ``""`` for the first, ``"ko/"`` for Korean."""
    return "" if language == next(iter(editions(config))) else f"{language}/"


def language_of(config: Config) -> str:
    return config.language or "en"


def page_url(config: Config, pagename: str, language: str) -> str:
    """The URL of ``pagename`` in the edition ``language``, relative to ``pagename`` in
    this one."""
    here = edition_prefix(config, language_of(config)) + pagename
    there = edition_prefix(config, language) + pagename
    return posixpath.relpath(there, posixpath.dirname(here) or ".") + ".html"


# --------------------------------------------------------------------------------------
# Configuration: the interface's strings, the switcher's template, MyST-NB's output
# folder
# --------------------------------------------------------------------------------------


def translate_config(app: Sphinx, config: Config) -> None:
    """The strings ``_config.yml`` sets, in this edition's language (``course.po``)."""
    if language_of(config) == next(iter(editions(config))):
        return
    for name in ("html_title", "project", "author"):
        if config[name]:
            config[name] = str(_(config[name]))
    options = config.html_theme_options
    logo = options.get("logo", {})
    for key in ("text", "alt_text"):
        if logo.get(key):
            logo[key] = str(_(logo[key]))
    key = "search_bar_text"
    if options.get(key):
        options[key] = str(_(options[key]))
    # MyST-NB's fold prompts ("{type}" is an English word it puts in: left out here)
    config.nb_code_prompt_show = str(_("Show code cell {type}"))
    config.nb_code_prompt_hide = str(_("Hide code cell {type}"))


def add_switcher_template(app: Sphinx, config: Config) -> None:
    config.templates_path = [*config.templates_path, str(TEMPLATES)]
    options = config.html_theme_options
    end = options.get("article_header_end") or ["article-header-buttons.html"]
    if isinstance(end, str):
        end = [item.strip() for item in end.split(",") if item.strip()]
    if SWITCHER not in end:
        options["article_header_end"] = [SWITCHER, *end]


# --------------------------------------------------------------------------------------
# Glue in a translated message
# --------------------------------------------------------------------------------------


def _paste_text_role():
    from myst_nb.ext.glue.roles import PasteTextRole

    class TranslatedPasteText(PasteTextRole):
        """``{glue:text}`` in a translated message: the page's value, from its file."""

        def run(self):
            source = str(self.document.get("source", ""))
            if "::" not in self.text and source.endswith("<translated>"):
                env = self.document.settings.env
                key = (
                    self.text if ":" in self.text else f"{self.text}:s"
                )  # MyST-NB wants the format
                self.text = f"/{env.doc2path(env.docname, False)}::{key}"
            return super().run()

    return TranslatedPasteText()


# --------------------------------------------------------------------------------------
# Words in display math
# --------------------------------------------------------------------------------------


class math_text(nodes.Element, addnodes.translatable):
    """The words of one ``\\text{...}`` of its parent, a display formula: a message.

    A child of the formula's node, with no text of its own: writers render the formula
    from its ``astext()``, which it leaves alone, and skip it.
    """

    def preserve_original_messages(self) -> None:
        self.setdefault("original", self["words"])

    def extract_original_messages(self) -> list[str]:
        return [self.get("original", self["words"])]

    def apply_translated_message(self, original: str, translated: str) -> None:
        formula = self.parent
        if formula is None or not translated.strip():
            return

        def swap(match: re.Match) -> str:
            content = match[2]
            if content.strip() != original:
                return match[0]
            lead = content[: len(content) - len(content.lstrip())]
            trail = content[len(content.rstrip()) :]
            return f"{match[1]}{lead}{translated.strip()}{trail}{match[3]}"

        for index, child in enumerate(formula.children):
            if isinstance(child, nodes.Text):
                formula[index] = nodes.Text(TEXT_IN_MATH.sub(swap, str(child)))
        formula.rawsource = TEXT_IN_MATH.sub(swap, formula.rawsource)
        self["words"] = translated.strip()
        self["translated"] = True  # (Sphinx marks a node it translates itself)


def _skip(self, node) -> None:
    raise nodes.SkipNode


def has_words(message: str) -> bool:
    """Whether a message has words to translate outside its math, code, roles' targets
    and URLs (``$X, Y, Z$``, ``{ref}`sec-entropy``` and a table's ``10`` have none)."""
    text = ROLE.sub(lambda m: _role_text(m[2]), message)
    text = CODE.sub(" ", MATH.sub(" ", text))
    return bool(LETTER.search(URL.sub(" ", text)))


def _role_text(content: str) -> str:
    """The words of a role: ``text`` of ``text <target>``; none in a bare target."""
    match = re.match(r"(.*?)<[^<>]+>\s*$", content, re.DOTALL)
    return match[1] if match else " "


class ChooseMessages(SphinxTransform):
    """Which parts of a page are messages: not a display formula, only the words of its
    ``\\text{...}``, one message each; not a paragraph or cell with no words
    (``has_words``); not the body of a table of class ``notranslate``.

    Runs before Sphinx keeps the original messages (priority 10) and translates (20).
    """

    default_priority = 5

    def apply(self, **kwargs) -> None:
        from sphinx.util.nodes import is_translatable

        # a table parsed inside a directive: MyST gives its cells no source, and Sphinx
        # takes a node without a source for a generated one, no message
        for cell in self.document.findall(nodes.entry):
            for node in cell.findall(nodes.paragraph):
                if not node.source:
                    node.source = _nearest(cell, "source")
                    node.line = _nearest(cell, "line")
        for node in list(self.document.findall(is_translatable)):
            if isinstance(node, (addnodes.translatable, nodes.image, nodes.math_block)):
                continue
            generated = type(node).__name__ in GENERATED_TITLES
            if isinstance(node, nodes.TextElement) and (
                generated or not has_words(node.rawsource)
            ):
                node["translatable"] = False
        # a table in (or of) class notranslate (the glossary): the same body everywhere
        for kept in self.document.findall(nodes.Element):
            if "notranslate" in kept.get("classes", ()):
                for body in kept.findall(nodes.tbody):
                    for node in body.findall(nodes.Element):
                        node["translatable"] = False
        # the front matter (jupytext's and the kernel's settings), still a field list
        # here
        for fields in self.document.children:
            if isinstance(fields, (nodes.field_list, nodes.docinfo)):
                for node in fields.findall(nodes.Element):
                    node["translatable"] = False
        for formula in list(self.document.findall(nodes.math_block)):
            formula["translatable"] = False
            seen = set()
            for match in TEXT_IN_MATH.finditer(formula.astext()):
                words = match[2].strip()
                if WORDS.search(words) and words not in seen:
                    seen.add(words)
                    carrier = math_text(words=words)
                    carrier.source = formula.source or self.document["source"]
                    carrier.line = _nearest(formula, "line")
                    formula += carrier


# --------------------------------------------------------------------------------------
# Untranslated messages, counted
# --------------------------------------------------------------------------------------


def _nearest(node: nodes.Node, attribute: str):
    """``node``'s ``source`` or ``line``, or its nearest ancestor's that has one."""
    while node is not None:
        if getattr(node, attribute):
            return getattr(node, attribute)
        node = node.parent
    return None


class AfterTranslation(SphinxTransform):
    """After Sphinx's translation (priority 20): which of the page's messages kept their
    English; and the translated nodes let go of the little documents they were parsed in
    (each kept its own as ``document``, and the pickled page took it along: a hundred
    times its size, loaded again at every write)."""

    default_priority = 21

    def apply(self, **kwargs) -> None:
        if language_of(self.config) == next(iter(editions(self.config))):
            return
        messages = untranslated = 0
        for node in self.document.findall(nodes.Node):  # text too: it keeps one as well
            if getattr(node, "__dict__", {}).get("_document") not in (
                None,
                self.document,
            ):
                node.document = None  # it answers its parent's from now on
            if not isinstance(node, nodes.Element) or "translated" not in node:
                continue
            if type(node).__name__ in GENERATED_TITLES:
                continue
            if not isinstance(
                node, nodes.image
            ):  # (Sphinx leaves an alt text unmarked)
                messages += 1  # Sphinx marks every message's node, translated or not
                untranslated += not node["translated"]
        counts = getattr(self.env, "course_untranslated", {})
        counts[self.env.docname] = (untranslated, messages)
        self.env.course_untranslated = counts


def report_untranslated(app: Sphinx, exception) -> None:
    counts = getattr(app.env, "course_untranslated", {})
    if exception is not None or not counts:
        return
    missing = sum(u for u, _t in counts.values())
    total = sum(t for _u, t in counts.values())
    if missing:
        LOGGER.info(
            "%s edition: %d of %d messages not translated yet "
            "(python -m tools.editions check --complete lists them)",
            language_of(app.config),
            missing,
            total,
        )


def reread_if_interface_changed(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Every page again when ``course.po`` changed: pages use its words as they are read
    (the ledger, the folded checks' summaries), and Sphinx tracks only the pages' own
    catalogues."""
    language = language_of(app.config)
    if language == next(iter(editions(app.config))):
        return []
    po = Path(app.srcdir, "locales", language, "LC_MESSAGES", f"{CATALOGUE}.po")
    stamp = po.stat().st_mtime if po.is_file() else None
    if getattr(env, "course_interface_stamp", None) == stamp:
        return []
    env.course_interface_stamp = stamp
    return sorted(env.found_docs)


def purge(app: Sphinx, env, docname: str) -> None:
    getattr(env, "course_untranslated", {}).pop(docname, None)


def merge(app: Sphinx, env, docnames, other) -> None:
    counts = getattr(env, "course_untranslated", {})
    counts.update(getattr(other, "course_untranslated", {}))
    env.course_untranslated = counts


# --------------------------------------------------------------------------------------
# The switcher and the alternates
# --------------------------------------------------------------------------------------


def add_alternates(
    app: Sphinx, pagename: str, templatename, context: dict, doctree
) -> None:
    if app.builder.format != "html":
        return
    config, here = app.config, language_of(app.config)
    links = [
        {"language": lang, "name": name, "url": page_url(config, pagename, lang)}
        for lang, name in editions(config).items()
    ]
    default = links[0]["url"]
    head = [
        f'<link rel="alternate" hreflang="{link["language"]}" '
        f'href="{html.escape(link["url"])}" />'
        for link in links
    ]
    head.append(
        f'<link rel="alternate" hreflang="x-default" href="{html.escape(default)}" />'
    )
    context["metatags"] = context.get("metatags", "") + "\n".join(head) + "\n"
    context["course_editions"] = [link for link in links if link["language"] != here]
    context["course_editions_label"] = str(_("Read this page in another language"))


def _parse_messages_as_markdown() -> None:
    """A translated message is Markdown: MyST-NB's parser hands it to MyST's, but only
    after looking for a notebook in it (a third of a message's parse)."""
    from myst_nb.sphinx_ import Parser
    from myst_parser.parsers.sphinx_ import MystParser

    parse = Parser.parse
    if getattr(parse, "course", False):
        return

    def parse_messages_first(self, inputstring, document):
        if document.current_source.endswith("<translated>"):
            return MystParser.parse(self, inputstring, document)
        return parse(self, inputstring, document)

    parse_messages_first.course = True
    Parser.parse = parse_messages_first


def _wrap_publish_msgstr() -> None:
    """Sphinx's parse of a translated message, with two changes.

    ``1. Title``: the dot escaped (see the module, 6). And one parse per message, not
    two: Sphinx parses each translation once to rename a translated section (a pass that
    leaves every other message's parse unused) and again to put it in place; the second
    takes the first's, untouched, from here (a third of the translated build's time).
    """
    from sphinx.transforms import i18n

    publish = i18n.publish_msgstr
    if getattr(publish, "course", False):
        return
    unused: dict[tuple, object] = {}

    def publish_msgstr(app, source, source_path, source_line, config, settings):
        source = LEADING_NUMBER.sub(r"\1\\\2", source, count=1)
        key = (source_path, source_line, source)
        patch = unused.pop(key, None)
        if patch is not None and all(child.parent is patch for child in patch.children):
            return patch  # (a section's title took its children: parsed again below)
        if any(path != source_path for path, *_rest in unused):
            unused.clear()  # another page: what the last one left is of no use
        patch = publish(app, source, source_path, source_line, config, settings)
        if isinstance(patch, nodes.paragraph):
            unused[key] = patch
        return patch

    publish_msgstr.course = True
    i18n.publish_msgstr = publish_msgstr


def edit_the_catalogue(
    app: Sphinx, pagename: str, templatename, context: dict, doctree
) -> None:
    """A translated page's "Suggest edit" opens its catalogue, where its text is."""
    language = language_of(app.config)
    if app.builder.format != "html" or language == next(iter(editions(app.config))):
        return
    catalogue = Path(app.srcdir, "locales", language, "LC_MESSAGES", f"{pagename}.po")
    if not catalogue.is_file():
        return
    relative = catalogue.relative_to(app.srcdir).as_posix()
    for group in context.get("header_buttons", []):
        for button in [group, *group.get("buttons", [])]:
            url = button.get("url", "")
            if button.get("label") == "source-edit-button" and "/edit/" in url:
                base, rest = url.split("/edit/", 1)
                branch = rest.split("/", 1)[0]
                button["url"] = f"{base}/edit/{branch}/{relative}"


def _compile_interface(app: Sphinx, locales: Path) -> None:
    """``course.po`` to ``.mo`` now: Sphinx compiles the catalogues when it starts to
    build, after the extensions have loaded theirs (a fresh checkout showed English)."""
    from sphinx.util.i18n import CatalogRepository

    language = language_of(app.config)
    repository = CatalogRepository(
        str(app.srcdir), [str(locales)], language, app.config.source_encoding
    )
    for catalogue in repository.catalogs:
        if catalogue.domain == CATALOGUE and catalogue.is_outdated():
            catalogue.write_mo(language)


def setup(app: Sphinx) -> dict:
    app.add_config_value("course_editions", {"en": "English"}, "html", types=(dict,))
    root = Path(app.confdir or app.srcdir)
    _compile_interface(app, root / "locales")
    app.add_message_catalog(CATALOGUE, str(root / "locales"))
    app.add_node(
        math_text,
        **{fmt: (_skip, None) for fmt in ("html", "latex", "text", "man", "texinfo")},
    )
    app.add_transform(ChooseMessages)
    app.add_role_to_domain("glue", "text", _paste_text_role(), override=True)
    _wrap_publish_msgstr()
    _parse_messages_as_markdown()
    app.add_transform(AfterTranslation)
    app.connect("config-inited", translate_config, priority=800)
    app.connect("config-inited", add_switcher_template, priority=800)
    app.connect("env-get-outdated", reread_if_interface_changed)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("html-page-context", add_alternates)
    # after the theme has built its header buttons (priority 501)
    app.connect("html-page-context", edit_the_catalogue, priority=502)
    app.connect("build-finished", report_untranslated)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
