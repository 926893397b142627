"""The translated editions say what the English says: every message of every page,
translated.

The English messages are extracted afresh from the sources (Sphinx's gettext builder, as
`make translations` does, into a temporary folder; the chapters' outputs come from the
execution cache, so only a cold cache executes them), and compared with the catalogues
in `locales/<lang>/LC_MESSAGES/`:

- every page of `_toc.yml` has its catalogue, and no catalogue is left of a page that is
  gone;
- every catalogue is well formed, and every translation keeps the math, the roles and
  their targets, the code, the link URLs and the glue keys of its English
  (tools/editions.py);
- `test_every_message_is_translated`: every English message of the page is in its
  catalogue, translated, not fuzzy. A change to an English paragraph without its
  translation fails here, naming the page, the source line and the message (`make
  translations` brings the catalogue up to date: the changed message fuzzy, a new one
  empty).
"""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.book_config import ROOT, toc_docnames
from tools import editions

LANGUAGES = editions.translated_languages()
DOMAINS = [*toc_docnames(), editions.INTERFACE]
SHOWN = 12  # offenders listed in a failure, then a count


@pytest.fixture(scope="module")
def english(tmp_path_factory) -> dict[str, list]:
    """``{domain: [Message]}``: the English messages, extracted now into a temporary
    folder."""
    workdir = tmp_path_factory.mktemp("gettext")
    result = subprocess.run(
        [sys.executable, "-m", "tools.editions", "pot", "--out", str(workdir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        f"extraction failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    templates = {}
    for pot in sorted((workdir / "pot").rglob("*.pot")):
        domain = pot.relative_to(workdir / "pot").with_suffix("").as_posix()
        catalogue = editions.read_catalogue(pot, None)
        templates[domain] = [message for message in catalogue if message.id]
    return templates


@cache
def catalogue_path(language: str, domain: str) -> Path:
    return editions.catalogue_dir(language) / f"{domain}.po"


def _listing(problems: list[str]) -> str:
    more = f"\n  ... and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    return "\n  " + "\n  ".join(problems[:SHOWN]) + more


def _where(message) -> str:
    return ":".join(map(str, message.locations[0])) if message.locations else "?"


def _short(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "...")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_page_has_its_catalogue(english, language, domain):
    assert domain in english, f"{domain}: no English messages were extracted"
    path = catalogue_path(language, domain)
    assert path.is_file(), f"no {path.relative_to(ROOT)}: run `make translations`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_catalogue_without_its_page(language):
    folder = editions.catalogue_dir(language)
    stale = [
        path.relative_to(ROOT).as_posix()
        for path in sorted(folder.rglob("*.po"))
        if path.relative_to(folder).with_suffix("").as_posix() not in DOMAINS
    ]
    assert not stale, (
        f"catalogues of no page of _toc.yml (make translations drops them): {stale}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_catalogue_is_well_formed(language, domain):
    path = catalogue_path(language, domain)
    if not path.is_file():
        pytest.skip(f"no {path.name} (test_every_page_has_its_catalogue)")
    problems = editions.check_catalogue(path, language)
    assert not problems, f"{path.relative_to(ROOT)}:" + _listing(
        list(map(str, problems))
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_is_translated(english, language, domain):
    path = catalogue_path(language, domain)
    assert path.is_file(), f"no {path.relative_to(ROOT)}: run `make translations`"
    translated = {m.id: m for m in editions.read_catalogue(path, language) if m.id}
    problems = []
    for message in english.get(domain, []):
        found = translated.get(message.id)
        if found is None:
            what = "not in the catalogue (new or changed English: make translations)"
        elif found.fuzzy:
            what = "fuzzy (the English changed: check the translation, drop the flag)"
        elif not found.string:
            what = "not translated"
        else:
            continue
        problems.append(f"{_where(message)}: {what}: {_short(message.id)}")
    count = len(english.get(domain, []))
    assert not problems, (
        f"{domain} ({language}): {len(problems)} of {count} messages without a "
        "translation:" + _listing(problems)
    )


# --------------------------------------------------------------------------------------
# The checker itself: what it requires a translation to keep
# --------------------------------------------------------------------------------------

ENGLISH = (
    "By {eq}`eq-entropy` and {ref}`the convention <sec-zero>`, $H(X) \\ge 0$ for "
    "`lectures.entropy` {cite:p}`shannon1948`; see [SciPy](https://scipy.org) and "
    "{glue:text}`final_test` nats, $\\text{for all } x$."
)
GOOD = (
    "{eq}`eq-entropy` 와 {ref}`규약 <sec-zero>` 에 따라 `lectures.entropy` 에 대해 "
    "$H(X) \\ge 0$ 이다 {cite:p}`shannon1948`. [SciPy](https://scipy.org) 와 "
    "{glue:text}`final_test` 내트, $\\text{모든 } x$ 를 보라."
)


@pytest.mark.parametrize(
    "broken, lost",
    [
        (GOOD.replace("{eq}`eq-entropy`", "식"), "{eq}eq-entropy"),
        (GOOD.replace("<sec-zero>", "<sec-other>"), "{ref}sec-zero"),
        (GOOD.replace("$H(X) \\ge 0$", "$H(X) > 0$"), "$H(X) \\ge 0$"),
        (GOOD.replace("`lectures.entropy`", "lectures.entropy"), "`lectures.entropy`"),
        (
            GOOD.replace("(https://scipy.org)", "(https://scipy.com)"),
            "(https://scipy.org)",
        ),
        (GOOD.replace("{glue:text}`final_test`", "3.2"), "{glue:text}final_test"),
    ],
)
def test_the_checker_sees_what_a_translation_lost(broken, lost):
    assert editions.kept_parts(ENGLISH) == editions.kept_parts(GOOD)
    missing = editions.kept_parts(ENGLISH) - editions.kept_parts(broken)
    assert lost in missing, (lost, missing)


def test_the_checker_reads_a_catalogue(tmp_path, monkeypatch):
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalogue = Catalog(locale="ko")
    catalogue.add(ENGLISH, GOOD)
    catalogue.add("Two $x$ and $y$.", "둘: $x$.")
    catalogue.add("Changed.", "바뀜.", flags=["fuzzy"])
    catalogue.add("New.", "")
    monkeypatch.setattr(editions, "LOCALES", tmp_path / "locales")
    po = editions.catalogue_dir("ko") / "book" / "page.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as handle:
        write_po(handle, catalogue)
    relaxed = editions.check_catalogue(po, "ko")
    strict = editions.check_catalogue(po, "ko", complete=True)
    assert [p.msgid for p in relaxed] == ["Two $x$ and $y$.", "Two $x$ and $y$."], (
        relaxed
    )
    assert {p.msgid for p in strict} == {"Two $x$ and $y$.", "Changed.", "New."}, strict
