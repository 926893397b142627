"""The built pages' repository and launch links are all derived from `_config.yml`.

Parses the HTML of every page in `_toc.yml` (no browser needed). Expected links are
rebuilt here from `repository.url`, `repository.branch` and `launch_buttons` in
`_config.yml`, the one place the repository's URL is written:

- every chapter's Binder and Colab buttons open the chapter's notebook,
  `notebooks/NN-name.ipynb` (committed with its outputs), not its MyST source;
- every page's "Show source" and "Suggest edit" links point at its source file (a
  translated page's "Suggest edit" at its catalogue, `locales/<lang>/LC_MESSAGES/`), and
  its repository and issue links at the repository;
- no page links to any other repository on the same host.

Every edition is checked: a Korean chapter's launch buttons open the same (English)
notebook as the English chapter's.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from tests import book_config as cfg

PAGES = cfg.toc_docnames()
CHAPTERS = [page for page in PAGES if cfg.is_notebook_page(page)]
UI_PREFIX = {"classic": "tree", "jupyterlab": "lab/tree"}


def soup(site, page) -> BeautifulSoup:
    path = site / f"{page}.html"
    assert path.is_file(), f"{page} is in _toc.yml but {path} was not built"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def notebook_of(page: str) -> str:
    chapter = cfg.source_of(page)
    notebook = cfg.paired_notebook(chapter)
    assert notebook.is_file(), (
        f"{chapter.name} has no committed notebook {notebook.relative_to(cfg.ROOT)}"
    )
    return notebook.relative_to(cfg.ROOT).as_posix()


def expected_launch_links(page: str) -> dict[str, str]:
    org, repo = cfg.github_org_repo()
    branch, notebook = cfg.branch(), notebook_of(page)
    ui = UI_PREFIX[cfg.config()["launch_buttons"].get("notebook_interface", "classic")]
    binder, colab = cfg.launch("binderhub_url"), cfg.launch("colab_url")
    return {
        "Binder": f"{binder}/v2/gh/{org}/{repo}/{branch}?urlpath={ui}/{notebook}",
        "Colab": f"{colab}/github/{org}/{repo}/blob/{branch}/{notebook}",
    }


@pytest.mark.parametrize("page", CHAPTERS)
def test_launch_buttons_open_the_chapter_notebook(site, page):
    links = {
        a.get_text(strip=True): a["href"]
        for a in soup(site, page).select(".dropdown-launch-buttons a")
    }
    assert links == expected_launch_links(page)


@pytest.mark.parametrize("page", sorted(set(PAGES) - set(CHAPTERS)))
def test_pages_without_code_have_no_launch_buttons(site, page):
    assert not soup(site, page).select(".dropdown-launch-buttons")


@pytest.mark.parametrize("page", PAGES)
def test_source_and_edit_links(site, edition, page):
    url, branch = cfg.repository_url(), cfg.branch()
    source = cfg.source_of(page).relative_to(cfg.ROOT).as_posix()
    # a translated page's text is in its catalogue: "Suggest edit" opens that
    edited = f"locales/{edition}/LC_MESSAGES/{page}.po" if edition.prefix else source
    html = soup(site, page)

    def href(selector):
        found = html.select(selector)
        assert len(found) == 1, f"{page}: {len(found)} elements match {selector}"
        return found[0]["href"]

    assert href("a.btn-source-repository-button") == url
    assert href("a.btn-source-file-button") == f"{url}/blob/{branch}/{source}?plain=1"
    assert href("a.btn-source-edit-button") == f"{url}/edit/{branch}/{edited}"
    assert href("a.btn-source-issues-button").startswith(f"{url}/issues/new?")


@pytest.mark.parametrize("page", PAGES)
def test_links_to_the_repository_host_are_to_this_repository(site, page):
    url = cfg.repository_url()
    host = url.split("/")[2]
    others = [
        a["href"]
        for a in soup(site, page).select("a[href]")
        if a["href"].split("/")[2:3] == [host]
        and a["href"] != url
        and not a["href"].startswith(url + "/")
    ]
    assert not others, f"{page}: links to {host} outside {url}: {others}"


def test_logo_and_favicon(site):
    html = soup(site, PAGES[0])
    icons = [link["href"] for link in html.select("link[rel~=icon]")]
    assert icons and all(icon.endswith(".svg") for icon in icons), icons
    logos = html.select("img.logo__image")
    assert logos and all(
        img["src"].endswith("logo.svg") and img.get("alt") for img in logos
    )
    assert (site / "_static" / "logo.svg").is_file() and (
        site / "_static" / "favicon.svg"
    ).is_file()


def test_references_page_lists_the_bibliography(site):
    """The references page lists every entry of book/references.bib, and chapters link
    to it."""
    import re

    keys = re.findall(
        r"^@\w+\{([^,]+),",
        (cfg.ROOT / "book" / "references.bib").read_text(),
        re.MULTILINE,
    )
    assert keys
    pages = [page for page in PAGES if page.endswith("references")]
    assert pages, "no references page in _toc.yml"
    listed = {el["id"] for el in soup(site, pages[0]).select("[id]")}
    missing = [
        key for key in keys if f"cite-{key}" not in listed
    ]  # bibtex_cite_id in _config.yml
    assert not missing, f"entries missing from the references page: {missing}"
    cited = [
        page
        for page in CHAPTERS
        if soup(site, page).select(f'a[href*="{pages[0].split("/")[-1]}.html#cite-"]')
    ]
    assert cited, "no chapter cites a reference"
