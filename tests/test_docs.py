"""The documentation site builds with `mkdocs build --strict` (no missing page, anchor or nav entry),
and the README, its front door, links to every page and shows the same Quick start."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO

README = REPO / "README.md"
SH_BLOCK = re.compile(r"```sh\n(.*?)\n```", re.S)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                           str(REPO / "mkdocs.yml"), "--site-dir", str(folder)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


def nav_pages() -> list[str]:
    def walk(items) -> list[str]:
        found = []
        for item in items:
            for value in item.values():
                found.extend(walk(value) if isinstance(value, list) else [value])
        return found

    return walk(yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])


def test_the_site_builds_strict_with_every_page(site: Path) -> None:
    for page in nav_pages():
        built = site / ("index.html" if page == "index.md" else f"{page.removesuffix('.md')}/index.html")
        assert built.is_file(), page


def test_the_readme_links_to_every_page_and_every_link_lands(site: Path) -> None:
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\((?!https?:)([^)#\s]+)(?:#([^)\s]+))?\)", text) + \
        [(src, "") for src in re.findall(r'<img src="([^"]+)"', text)]
    for target, anchor in links:
        assert (REPO / target).is_file(), target
        if anchor:
            page = target.removeprefix("docs/").removesuffix(".md")
            html = (site / ("" if page == "index" else page) / "index.html").read_text(encoding="utf-8")
            assert f'id="{anchor}"' in html, f"{target}#{anchor}"
    linked = {target for target, _ in links}
    assert {f"docs/{page}" for page in nav_pages()} <= linked


def test_the_quick_start_is_the_same_in_the_readme_and_the_docs() -> None:
    readme = README.read_text(encoding="utf-8")
    quick_start = SH_BLOCK.search(readme, readme.index("\n## Quick start\n"))
    assert quick_start.start() == readme.index("\n## Quick start\n") + len("\n## Quick start\n") + 1
    page = (REPO / "docs" / "getting-started.md").read_text(encoding="utf-8")
    assert quick_start[1] in SH_BLOCK.findall(page, page.index("### As a developer"))


def test_no_page_shows_comment_markup_as_text(site: Path) -> None:
    """An HTML comment the Markdown did not take as one (in a code span it is meant; in prose,
    half-closed, it leaks) must not reach a reader as `-->` or `<!--` text."""
    import html as html_lib

    for page in nav_pages():
        built = site / ("index.html" if page == "index.md" else f"{page.removesuffix('.md')}/index.html")
        text = built.read_text(encoding="utf-8")
        text = re.sub(r"<(code|pre|script|style)\b.*?</\1>", "", text, flags=re.S)  # meant to be shown
        text = re.sub(r"<!--.*?-->", "", text, flags=re.S)  # real comments are hidden
        shown = html_lib.unescape(re.sub(r"<[^>]+>", " ", text))
        assert "-->" not in shown and "<!--" not in shown, page
