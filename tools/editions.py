"""The book's translated editions: build them, extract their messages, keep their
catalogues. ``python -m tools.editions ...``:

    book [--strict]     # every edition's HTML: English and Korean (make book)
    html [ko] [--strict]  # the Korean HTML: _build/ko/html, copied to _build/html/ko
    latex [ko]          # its LaTeX: _build/ko/latex/course-ko.tex
    pdf [ko]            # and its PDF: _build/ko/latex/course-ko.pdf (make pdf)
    pot [--out DIR]     # the English messages: DIR/pot/<page>.pot (_build/gettext)
    update              # and into locales/<lang>/LC_MESSAGES/ (make translations)
    check [PO ...]      # catalogues (all, or those named): well formed; --complete

The English edition is Jupyter Book's own build (``jupyter-book build .``, into
``_build``). A translated edition is the same Sphinx project, with the same
configuration (``_config.yml``, through Jupyter Book's own reading of it), built with
``language`` set: Sphinx replaces each message of a page by its translation from
``locales/<lang>/LC_MESSAGES/<page>.po`` (compiled to ``.mo`` on the way). It builds
into ``_build/<lang>/`` as English does into ``_build/`` (``html``, ``latex``,
``.doctrees``, MyST-NB's ``jupyter_execute``), and its HTML is then copied into the
English site, ``_build/html/<lang>/``. It reads the one execution cache,
``_build/.jupyter_cache``: no chapter is executed for it, its code cells and their
outputs are the English build's.

The messages are what Sphinx's gettext builder extracts from the English pages (one
catalogue per page, ``gettext_compact: false``), plus ``course``: the interface's
strings (``_config.yml``'s title, logo text and search placeholder, and ``_("...")`` in
``book/_ext/*.py``). ``update`` merges them into the catalogues as ``msgmerge`` does
(Babel, Sphinx's own dependency): a new message gets an empty translation, a changed one
keeps its old translation marked fuzzy, with the old English in a comment; a message
no page has any more is dropped.

``check`` reads each catalogue as ``msgfmt --check`` would (Babel), and compares every
translation with its English: the same inline math (``\\text{...}`` aside), roles and
their targets (``{eq}`eq-x``` and ``{ref}`text <target>``` keep ``eq-x`` and
``target``), code, link URLs, ``{glue:text}`` keys, and as many braces and dollars; with
``--complete`` it also fails on an empty or fuzzy translation.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book" / "_ext"))
# one definition of each, shared with the extension
from course_i18n import CODE, MATH, ROLE, TEXT_IN_MATH  # noqa: E402

BUILD = ROOT / "_build"
LOCALES = ROOT / "locales"
CACHE = BUILD / ".jupyter_cache"  # the one execution cache of every edition
INTERFACE = (
    "course"  # locales/<lang>/LC_MESSAGES/course.po: _config.yml's strings, book/_ext's
)
EXTENSIONS = ROOT / "book" / "_ext"
PO_WIDTH = 76
PREVIOUS = "The English before it changed:"  # a fuzzy message's comment
PROJECT = "From entropy to the variational autoencoder"


# --------------------------------------------------------------------------------------
# The editions, from _config.yml
# --------------------------------------------------------------------------------------


def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def editions() -> dict[str, str]:
    """``{language: name}``, the first the site's root
    (``sphinx.config.course_editions``)."""
    return dict(config()["sphinx"]["config"]["course_editions"])


def translated_languages() -> list[str]:
    return list(editions())[1:]


def is_first(language: str) -> bool:
    return language == next(iter(editions()))


def work_dir(language: str) -> Path:
    """An edition's build folder: ``_build`` for English, ``_build/<lang>`` for the
    others, each with its ``html``, ``latex``, ``.doctrees`` and MyST-NB's
    ``jupyter_execute``."""
    return BUILD if is_first(language) else BUILD / language


def site_dir(language: str) -> Path:
    """Where readers find an edition: ``_build/html``, and ``_build/html/<lang>`` (a
    copy of ``_build/<lang>/html``)."""
    return BUILD / "html" if is_first(language) else BUILD / "html" / language


def latex_target(language: str) -> str:
    """``course.tex`` (``latex.latex_documents.targetname``), ``course-ko.tex`` for
    Korean."""
    target = config()["latex"]["latex_documents"]["targetname"]
    return target if is_first(language) else f"{Path(target).stem}-{language}.tex"


def latex_dir(language: str) -> Path:
    return work_dir(language) / "latex"


def pdf_path(language: str) -> Path:
    return latex_dir(language) / Path(latex_target(language)).with_suffix(".pdf").name


def catalogue_dir(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES"


# --------------------------------------------------------------------------------------
# Sphinx, configured as Jupyter Book configures it
# --------------------------------------------------------------------------------------


def sphinx_build(
    builder: str,
    outdir: Path,
    doctreedir: Path,
    *,
    language: str | None = None,
    overrides: dict | None = None,
    latex_target: str | None = None,
    strict: bool = False,
    quiet: bool = False,
    fresh: bool = False,
) -> int:
    """One Sphinx build of the book: ``jupyter_book.sphinx.build_sphinx`` with
    ``_config.yml`` and ``_toc.yml``, plus ``language``, the shared execution cache and
    ``overrides``."""
    from jupyter_book.config import get_final_config
    from jupyter_book.pdf import update_latex_documents
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    cli = {
        "external_toc_path": str(ROOT / "_toc.yml"),
        "latex_individualpages": False,
        "nb_execution_cache_path": str(CACHE),
        **(overrides or {}),
    }
    if language:
        cli["language"] = language
    if strict:
        cli["nitpicky"] = True
    sphinx_config, meta = get_final_config(
        user_yaml=ROOT / "_config.yml", cli_config=cli, sourcedir=ROOT
    )
    latex_documents = dict(meta["latex_doc_overrides"])
    if latex_target:
        latex_documents["targetname"] = latex_target
    with patch_docutils(str(ROOT)), docutils_namespace():
        app = Sphinx(
            srcdir=str(ROOT),
            confdir=None,
            outdir=str(outdir),
            doctreedir=str(doctreedir),
            buildername=builder,
            confoverrides=sphinx_config,
            status=None if quiet else sys.stdout,
            warning=sys.stderr,
            warningiserror=strict,
            keep_going=True,
            freshenv=fresh,
        )
        app.config.latex_documents = update_latex_documents(
            app.config.latex_documents, latex_documents
        )
        if builder == "latex" and language:
            app.config.latex_documents = [
                (start, target, _translated_title(app, title), author, theme, *rest)
                for start, target, title, author, theme, *rest in (
                    app.config.latex_documents
                )
            ]
        app.build()
        return app.statuscode


def _translated_title(app, title: str) -> str:
    """The PDF's title: the book's title in the edition's language (``course.po``)."""
    return app.config.html_title if title == config()["title"] else title


def build_html(language: str, strict: bool = False) -> int:
    """The edition's HTML in ``_build/<lang>/html`` (beside its MyST-NB outputs, where
    the theme looks for them), then copied into the English site,
    ``_build/html/<lang>``."""
    status = sphinx_build(
        "html",
        work_dir(language) / "html",
        work_dir(language) / ".doctrees",
        language=language,
        latex_target=latex_target(language),
        strict=strict,
    )
    if status == 0:
        mirror(work_dir(language) / "html", site_dir(language))
    return status


def chapters_cached() -> bool:
    """Whether the execution cache holds every chapter as it is now (matched as MyST-NB
    matches it: the code cells and the kernel), so that no build would execute one."""
    from jupyter_cache import get_cache
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    if not CACHE.is_dir():
        return False
    cache = get_cache(str(CACHE))
    extensions = set(config().get("parse", {}).get("myst_enable_extensions", []))
    markdown = MdParserConfig(enable_extensions=extensions)
    for chapter in sorted((ROOT / "book").glob("[0-9]*.md")):
        text = chapter.read_text(encoding="utf-8")
        notebook = read_myst_markdown_notebook(text, markdown, add_source_map=True)
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            return False
    return True


def build_book(strict: bool = False) -> int:
    """Every edition's HTML (``make book``): English by Jupyter Book, and the others;
    side by side when the execution cache already holds every chapter (then none runs
    one) and the machine has a free core for each build, else one after the other: the
    chapters execute once, in the English build, and two builds on one core are slower
    than one after the other."""
    english = [str(Path(sys.executable).with_name("jupyter-book")), "build", "."]
    english += ["--keep-going"] + (["--warningiserror", "--nitpick"] if strict else [])
    others = [
        [sys.executable, "-m", "tools.editions", "html", language]
        + (["--strict"] if strict else [])
        for language in translated_languages()
    ]
    idle = (os.cpu_count() or 1) - os.getloadavg()[0]
    if idle < 1 + len(others) or not chapters_cached():
        for command in [english, *others]:
            status = subprocess.run(command, cwd=ROOT).returncode
            if status:
                return status
        return 0
    logs = [work_dir(language) / "build.log" for language in translated_languages()]
    running = [subprocess.Popen(english, cwd=ROOT)]
    for command, log in zip(others, logs, strict=True):
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w", encoding="utf-8") as handle:
            running.append(
                subprocess.Popen(
                    command, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT
                )
            )
    statuses = [process.wait() for process in running]
    for status, log in zip(statuses[1:], logs, strict=True):
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        print(f"\n{log.relative_to(ROOT)} (built beside the English):")
        print("\n".join(lines[-40:] if status else lines[-3:]))
    return next((status for status in statuses if status), 0)


def mirror(source: Path, target: Path) -> None:
    """Make ``target`` a copy of ``source``: changed files linked (or copied) anew,
    files ``source`` no longer has removed."""
    wanted = set()
    for path in source.rglob("*"):
        if path.is_dir():
            continue
        relative = path.relative_to(source)
        wanted.add(relative)
        copy = target / relative
        if copy.exists() and copy.samefile(path):
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.unlink(missing_ok=True)
        try:
            os.link(path, copy)
        except OSError:
            shutil.copy2(path, copy)
    for path in sorted(target.rglob("*"), reverse=True):
        if path.is_file() and path.relative_to(target) not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def build_latex(language: str) -> int:
    return sphinx_build(
        "latex",
        latex_dir(language),
        work_dir(language) / ".doctrees",
        language=language,
        latex_target=latex_target(language),
    )


def build_pdf(language: str) -> int:
    """The edition's LaTeX, then its PDF by Sphinx's Makefile (XeLaTeX through latexmk,
    with the options `make pdf` exports): ``_build/<lang>/latex/course-<lang>.pdf``."""
    status = build_latex(language)
    if status:
        return status
    made = subprocess.run(["make", "-C", str(latex_dir(language)), "all-pdf"])
    if made.returncode:
        for log in sorted(latex_dir(language).glob("*.log")):
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
            for i, line in enumerate(lines):
                if re.match(r"^\./.*:\d+: ", line):
                    print("\n".join(lines[i : i + 4]))
        return made.returncode
    print(
        f"The {editions()[language]} PDF is at {pdf_path(language).relative_to(ROOT)}"
    )
    return 0


# --------------------------------------------------------------------------------------
# Extraction: the English messages
# --------------------------------------------------------------------------------------


def _html_mime_priorities() -> list[tuple[str, str, int]]:
    """The HTML's choice among a cell's outputs, for the gettext builder too: its images
    (and their alt text, a message) are kept, not their plain-text stand-ins."""
    from myst_nb.core.render import base_render_priority

    return [
        ("gettext", mime, rank) for mime, rank in base_render_priority()["html"].items()
    ]


def extract(workdir: Path, quiet: bool = True) -> dict[str, Catalog]:
    """The English messages: ``{domain: Catalog}``, one domain per page
    (``book/01-entropy``) and ``course``; also written as ``workdir/pot/<domain>.pot``.
    Locations are relative to the repository. The chapters' outputs come from the
    execution cache (executed if missing)."""
    workdir = Path(workdir).resolve()
    outdir = workdir / "pot"
    status = sphinx_build(
        "gettext",
        outdir,
        workdir / ".doctrees",
        overrides={
            "gettext_compact": False,
            "gettext_uuid": False,
            "gettext_location": True,
            "gettext_additional_targets": [],
            "nb_mime_priority_overrides": _html_mime_priorities(),
        },
        quiet=quiet,
        fresh=True,  # the messages depend on book/_ext too, which Sphinx does not watch
    )
    if status:
        raise SystemExit(f"the gettext build failed ({status})")
    catalogues = {}
    for pot in sorted(outdir.rglob("*.pot")):
        domain = pot.relative_to(outdir).with_suffix("").as_posix()
        if domain == INTERFACE:
            continue
        with pot.open("rb") as handle:
            catalogue = read_po(handle)
        for message in catalogue:
            message.locations = [
                (_repository_path(outdir, path), line)
                for path, line in message.locations
            ]
        catalogues[domain] = _fresh(catalogue, domain)
    catalogues[INTERFACE] = interface_messages()
    for domain, catalogue in catalogues.items():
        _write(outdir / f"{domain}.pot", catalogue)
    return catalogues


def _repository_path(base: Path, path: str) -> str:
    resolved = Path(os.path.normpath(base / path))
    try:
        return resolved.relative_to(ROOT).as_posix()
    except ValueError:
        return path


def new_catalogue(domain: str, language: str | None = None) -> Catalog:
    """An empty catalogue (a template without ``language``), its header filled in."""
    source = (
        f"{domain}.md" if (ROOT / f"{domain}.md").is_file() else "the book's interface"
    )
    whose = f"{editions()[language]} ({language})" if language else "The English"
    catalogue = Catalog(
        locale=language,
        domain=domain,
        project=PROJECT,
        version=config()["repository"].get("branch", "main"),
        # the repository URL lives in _config.yml alone (tests/test_launch_links.py)
        msgid_bugs_address="the course's issue tracker",
        copyright_holder="The course authors",
        fuzzy=False,
        header_comment=(
            f"# {whose} messages of {source}.\n"
            "# `make translations` updates this file from the English page.\n"
            '# What a translation keeps as it is: README, "The Korean edition".'
        ),
    )
    catalogue.last_translator = "The course authors"
    if language:
        catalogue.language_team = f"{editions()[language]} <{language}>"
    return catalogue


def _fresh(source: Catalog, domain: str) -> Catalog:
    catalogue = new_catalogue(domain)
    for message in source:
        if message.id:
            catalogue.add(
                message.id,
                locations=message.locations,
                auto_comments=message.auto_comments,
            )
    return catalogue


def interface_messages() -> Catalog:
    """``course``: the strings of ``_config.yml`` that a reader sees, and ``_("...")``
    in ``book/_ext/*.py`` (book/_ext/course_i18n.py translates them)."""
    from babel.messages.extract import extract_from_file

    catalogue = new_catalogue(INTERFACE)
    cfg = config()
    options = cfg["sphinx"]["config"].get("html_theme_options", {})
    strings = [
        ("title", cfg.get("title")),
        ("author", cfg.get("author")),
        ("html_theme_options.logo.text", options.get("logo", {}).get("text")),
        ("html_theme_options.logo.alt_text", options.get("logo", {}).get("alt_text")),
        ("search_bar_text", "Search this book..."),  # Jupyter Book's default
    ]
    for key, text in strings:
        if text:
            catalogue.add(text, locations=[("_config.yml", 0)], auto_comments=[key])
    for source in sorted(EXTENSIONS.glob("*.py")):
        path = source.relative_to(ROOT).as_posix()
        for line, text, comments, _context in extract_from_file(
            "python", str(source), keywords={"_": None}, comment_tags=("Translators:",)
        ):
            catalogue.add(text, locations=[(path, line)], auto_comments=comments)
    return catalogue


# --------------------------------------------------------------------------------------
# The catalogues
# --------------------------------------------------------------------------------------


def _write(path: Path, catalogue: Catalog, **options) -> bool:
    """Write a catalogue, unless only its dates would change. True if written."""

    if catalogue.domain != INTERFACE:
        # Babel marks a message with {...} in it python-brace-format, one with "30% of"
        # python-format: a page's are MyST and prose, no format (msgfmt --check would
        # read them as such)
        for message in catalogue:
            message.flags.difference_update({"python-brace-format", "python-format"})
    for message in catalogue:
        # a changed message's old English, as a comment above it: Babel writes its own
        # "#| msgid" wrapped into lines it reads back as comments of another kind
        if message.previous_id:
            old = message.previous_id
            old = " ".join(old) if isinstance(old, (list, tuple)) else old
            kept = [c for c in message.user_comments if not c.startswith(PREVIOUS)]
            message.user_comments = [*kept, f"{PREVIOUS} {old}"]
            message.previous_id = []
    buffer = io.BytesIO()
    write_po(buffer, catalogue, width=PO_WIDTH, sort_output=False, **options)
    new = buffer.getvalue()

    def undated(data: bytes) -> bytes:
        return re.sub(
            rb'^"(POT-Creation-Date|PO-Revision-Date): [^"]*"\n',
            b"",
            data,
            flags=re.MULTILINE,
        )

    if path.is_file() and undated(path.read_bytes()) == undated(new):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(new)
    return True


def read_catalogue(path: Path, language: str) -> Catalog:

    with path.open("rb") as handle:
        return read_po(handle, locale=language, abort_invalid=True)


def update(language: str, templates: dict[str, Catalog]) -> Counter:
    """Merge the English messages into ``locales/<language>/LC_MESSAGES`` (see the
    module)."""

    status: Counter = Counter()
    folder = catalogue_dir(language)
    for domain, template in templates.items():
        path = folder / f"{domain}.po"
        if path.is_file():
            catalogue = read_catalogue(path, language)
        else:
            catalogue = new_catalogue(domain, language)
        catalogue.update(template, no_fuzzy_matching=False, update_header_comment=False)
        catalogue.fuzzy = False
        written = _write(path, catalogue, ignore_obsolete=True)
        status["written" if written else "unchanged"] += 1
        if written:
            print(f"{path.relative_to(ROOT)}: {_stats(catalogue)}")
    stale = [
        path
        for path in sorted(folder.rglob("*.po"))
        if path.relative_to(folder).with_suffix("").as_posix() not in templates
    ]
    for path in stale:
        print(f"{path.relative_to(ROOT)}: no page of _toc.yml has it any more; removed")
        path.unlink()
        path.with_suffix(".mo").unlink(missing_ok=True)
    return status


def _stats(catalogue: Catalog) -> str:
    messages = [m for m in catalogue if m.id]
    fuzzy = sum(m.fuzzy for m in messages)
    empty = sum(not m.string for m in messages)
    done = len(messages) - fuzzy - empty
    return (
        f"{len(messages)} messages: {done} translated, {fuzzy} fuzzy, "
        f"{empty} untranslated"
    )


# --------------------------------------------------------------------------------------
# Checks: what a translation must keep of its English
# --------------------------------------------------------------------------------------

LINK = re.compile(r"\]\(([^)\s]+)\)|<(https?://[^>\s]+)>")
FIELD = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")


def _role_target(role: str, content: str) -> str:
    """What a role points at: ``target`` of ``text <target>``, else its content."""
    match = re.search(r"<([^<>]+)>\s*$", content)
    return f"{{{role}}}{match[1] if match else content}"


def kept_parts(text: str) -> Counter:
    """The parts of a message a translation keeps as they are (see the module)."""
    without_roles = ROLE.sub(" ", text)
    parts: Counter = Counter()
    parts.update(_role_target(role, content) for role, content in ROLE.findall(text))
    parts.update(
        "$" + TEXT_IN_MATH.sub(lambda t: t[1] + t[3], m) + "$"
        for m in MATH.findall(without_roles)
    )
    without_math = MATH.sub(" ", without_roles)
    parts.update("`" + code + "`" for _ticks, code in CODE.findall(without_math))
    parts.update("(" + (a or b) + ")" for a, b in LINK.findall(text))
    return parts


@dataclass
class Problem:
    domain: str
    location: str
    msgid: str
    what: str

    def __str__(self) -> str:
        short = self.msgid if len(self.msgid) <= 90 else self.msgid[:87] + "..."
        return f"{self.location}: {self.what}: {short!r}"


def check_catalogue(path: Path, language: str, complete: bool = False) -> list[Problem]:
    """What is wrong with one catalogue (see the module); with ``complete``, also its
    empty and fuzzy translations."""
    domain = path.relative_to(catalogue_dir(language)).with_suffix("").as_posix()
    try:
        catalogue = read_catalogue(path, language)
    except (PoFileError, ValueError) as error:  # the file does not parse
        return [Problem(domain, path.name, "", f"does not parse: {error}")]
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        where = (
            f"{message.locations[0][0]}:{message.locations[0][1]}"
            if message.locations
            else path.name
        )

        def problem(what: str, where: str = where, msgid: str = message.id) -> None:
            problems.append(Problem(domain, where, msgid, what))

        if message.fuzzy:
            if complete:
                problem(
                    "fuzzy (the English changed: check the translation, drop the flag)"
                )
            continue
        if not message.string:
            if complete:
                problem("not translated")
            continue
        # Babel takes a page's "30% of" for a printf format: its formats are the code's
        checks = message.check(catalogue) if domain == INTERFACE else []
        for error in checks:
            problem(f"format: {error}")
        kept, got = kept_parts(message.id), kept_parts(message.string)
        lost, added = kept - got, got - kept
        if lost:
            problem(f"lost {sorted(lost)}")
        if added:
            problem(f"added {sorted(added)}")
        if domain == INTERFACE:  # str.format's fields: a translation may leave one out
            unknown = set(FIELD.findall(message.string)) - set(
                FIELD.findall(message.id)
            )
            if unknown:
                problem(f"fields the code does not fill: {sorted(unknown)}")
            marks = ("{{", "}}", "$")
        else:
            marks = ("{", "}", "$")
        for mark in marks:
            if message.id.count(mark) != message.string.count(mark):
                problem(
                    f"{message.id.count(mark)} {mark!r} in the English, "
                    f"{message.string.count(mark)} in the translation"
                )
        if (
            message.string != message.string.strip()
            and message.id == message.id.strip()
        ):
            problem("leading or trailing white space")
    return problems


def catalogue_paths(language: str) -> list[Path]:
    return sorted(catalogue_dir(language).rglob("*.po"))


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    book = sub.add_parser("book", help="every edition's HTML (make book)")
    book.add_argument(
        "--strict", action="store_true", help="warnings are errors, nitpicky"
    )
    html = sub.add_parser("html", help="build a translated edition's HTML")
    html.add_argument("language", nargs="*", choices=translated_languages())
    html.add_argument(
        "--strict", action="store_true", help="warnings are errors, nitpicky"
    )
    latex = sub.add_parser("latex", help="write a translated edition's LaTeX")
    latex.add_argument("language", nargs="*", choices=translated_languages())
    pdf = sub.add_parser("pdf", help="write a translated edition's LaTeX and PDF")
    pdf.add_argument("language", nargs="*", choices=translated_languages())
    pot = sub.add_parser("pot", help="extract the English messages")
    pot.add_argument("--out", type=Path, default=BUILD / "gettext")
    upd = sub.add_parser("update", help="extract, then merge into the catalogues")
    upd.add_argument("--out", type=Path, default=BUILD / "gettext")
    check = sub.add_parser(
        "check", help="check catalogues (all of them, or those named)"
    )
    check.add_argument("po", nargs="*", type=Path)
    check.add_argument(
        "--complete", action="store_true", help="also fail on empty or fuzzy ones"
    )
    args = parser.parse_args(argv)

    if args.command == "book":
        return build_book(strict=args.strict)
    if args.command in ("html", "latex", "pdf"):
        build = {"html": build_html, "latex": build_latex, "pdf": build_pdf}[
            args.command
        ]
        options = {"strict": args.strict} if args.command == "html" else {}
        for language in args.language or translated_languages():
            status = build(language, **options)
            if status:
                return status
        return 0
    if args.command == "pot":
        catalogues = extract(args.out, quiet=False)
        print(
            f"{sum(len(c) for c in catalogues.values())} messages in "
            f"{len(catalogues)} catalogues, in {args.out}"
        )
        return 0
    if args.command == "update":
        catalogues = extract(args.out)
        for language in translated_languages():
            status = update(language, catalogues)
            print(
                f"{language}: {status['written']} catalogues written, "
                f"{status['unchanged']} unchanged"
            )
        return 0
    if args.command == "check":
        paths = [p.resolve() for p in args.po] or [
            p for lang in translated_languages() for p in catalogue_paths(lang)
        ]
        failed = 0
        for path in paths:
            language = path.relative_to(LOCALES).parts[0]
            problems = check_catalogue(path, language, complete=args.complete)
            readable = not problems or problems[0].msgid
            stats = _stats(read_catalogue(path, language)) if readable else "unreadable"
            print(f"{path.relative_to(ROOT)}: {stats}")
            for problem in problems:
                print(f"  {problem}")
            failed += bool(problems)
        return 1 if failed else 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
