"""Hostile and broken sources: nothing runs, nothing escapes, nothing is lost."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ankigen.config import Config
from ankigen.diagnostics import Sink
from ankigen.model import SourceFile
from ankigen.source.parse import parse_file
import pytest

from conftest import FIXTURES, interruptible, run, write

HOSTILE = FIXTURES / "hostile"


def _all_fields(project: Path) -> str:
    import sqlite3
    import tempfile
    import zipfile

    with zipfile.ZipFile(project / "dist/Test deck.apkg") as z, tempfile.TemporaryDirectory() as tmp:
        z.extract("collection.anki2", tmp)
        conn = sqlite3.connect(Path(tmp) / "collection.anki2")
        try:
            return "\n".join(row[0] for row in conn.execute("select flds from notes"))
        finally:
            conn.close()


def test_html_and_script_never_reach_a_field(project: Path) -> None:
    from conftest import PNG

    shutil.copy(HOSTILE / "html.md", project / "cards_src/html.md")
    (project / "cards_src/pic.png").write_bytes(PNG)
    result = run("build", "--no-pdf")
    assert result.exit_code == 1  # the escaping images are errors, raw <img> ones too
    assert "error[S035]: image path leaves the source folder: ../../../../../../etc/passwd" in result.output
    assert "warning[S033]: image not found: /etc/hostname is an absolute path" in result.output
    assert "error[S031]: image URL scheme 'data:' is not allowed" in result.output
    assert "error[S031]: image URL scheme 'javascript:' is not allowed" in result.output
    assert "error[S035]: image path leaves the source folder: ../../secret.png" in result.output

    (project / "cards_src/html.md").write_text(
        (HOSTILE / "html.md").read_text(encoding="utf-8").split("## Image that leaves")[0], encoding="utf-8")
    assert run("build", "--no-pdf").exit_code == 0
    fields = _all_fields(project)
    elements, comments = _parsed(fields)
    assert not comments
    # a link stays, but only with an http(s) target (checked with every href below)
    assert not {tag for tag, _ in elements} & {"script", "iframe", "svg", "object", "embed", "style"}
    for tag, attrs in elements:
        for name, value in attrs:
            assert not name.startswith("on") and name not in ("style", "class") or tag in ("div", "pre"), (tag, name)
            if name in ("src", "href"):
                assert not re.match(r"\s*[a-z][a-z0-9+.-]*:", value or "", re.I) or value.startswith("https:"), value
    assert "&lt;script&gt;" in fields  # other tags are shown as text
    # an embedded page becomes a link to it; an svg keeps its text only, and its handler nowhere
    assert '<a href="https://example.org">https://example.org</a>' in fields and "onload" not in fields
    packed = f'<img src="{_packed_png()}">'
    assert fields.count(packed) == 2 and "<summary>x<sup>2</sup></summary>" in fields


def _parsed(html: str) -> tuple[list[tuple[str, list]], list[str]]:
    """Every element (tag, attributes) and comment of the fields, as a browser would read them."""
    from html.parser import HTMLParser

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.elements: list = []
            self.comments: list = []

        def handle_starttag(self, tag, attrs):
            self.elements.append((tag, attrs))

        def handle_comment(self, data):
            self.comments.append(data)

    parser = Collect()
    parser.feed(html)
    return parser.elements, parser.comments


def _packed_png() -> str:
    import hashlib

    from conftest import PNG

    return f"ankigen-{hashlib.sha256(PNG).hexdigest()[:20]}.png"


def test_symlink_out_of_the_tree_is_refused(project: Path, tmp_path_factory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.png"
    outside.write_bytes(b"\x89PNG secret")
    (project / "cards_src/link.png").symlink_to(outside)
    write(project / "cards_src/a.md", "## Q {#q}\n\n![x](link.png)\n")
    result = run("build", "--no-pdf")
    assert result.exit_code == 1
    assert "error[S035]: image path leaves the source folder: link.png" in result.output
    assert "left out" in result.output  # the card, and so the image, is not in the package
    assert all(b"secret" not in p.read_bytes() for p in (project / "dist").iterdir())


def test_a_windows_drive_path_in_markdown_is_named_absolute(project: Path) -> None:
    write(project / "cards_src/a.md", "## Q {#q}\n\n![x](C:\\Users\\me\\x.png)\n")
    result = run("build", "--no-pdf")
    assert result.exit_code == 0  # a picture nobody has here costs the card the picture, no more
    assert "cards_src/a.md:3:6: warning[S033]: image not found: C:\\Users\\me\\x.png is an absolute path" in result.output
    assert "scheme" not in result.output


def test_a_sibling_folder_sharing_the_prefix_is_outside(project: Path) -> None:
    # `cards_src_evil` starts with `cards_src`: confinement must compare paths, not strings.
    write(project / "cards_src_evil/secret.png", "not for the deck")
    write(project / "cards_src/a.md", "## Q {#q}\n\n![x](../cards_src_evil/secret.png)\n")
    result = run("build", "--no-pdf")
    assert result.exit_code == 1
    assert "error[S035]: image path leaves the source folder: ../cards_src_evil/secret.png" in result.output


def test_yaml_tags_are_not_constructed(project: Path) -> None:
    shutil.copy(HOSTILE / "yaml_tags.md", project / "cards_src/y.md")
    result = run("check")
    assert result.exit_code == 1
    assert "error[S010]: front matter is not valid YAML" in result.output
    assert not (project / "ankigen-pwned-yaml").exists()


def test_deep_nesting_never_hides_a_check_block(project: Path) -> None:
    for body in (">" * 5000 + " x", "[" * 5000 + "y" + "]" * 5000, "- " * 3000 + "z", "* " * 100 + "z"):
        write(project / "cards_src/deep.md", f"## Deep {{#deep}}\n\n{body}\n\n```check\n1 + 1 = 3\n```\n")
        result = run("check")
        assert result.exit_code == 1
        assert "error[C001]" in result.output or "error[S026]" in result.output, body[:10]


def test_a_ten_megabyte_line_is_handled(project: Path) -> None:
    write(project / "cards_src/big.md", "## Big {#big}\n\n" + "数据" * 5_000_000 + "\n")
    start = time.monotonic()
    result = run("check")
    assert result.exit_code == 0
    assert time.monotonic() - start < 60


def test_a_dollar_left_open_above_lines_of_prose_is_parsed(project: Path) -> None:
    """A `$` alone at a line's end opens a Typora-style formula whose lines follow. Left open above
    some lines of prose, its pattern once backtracked exponentially: six lines took half a minute,
    forty never ended (a Marp slide deck hung `ankigen check`)."""
    write(project / "cards_src/open.md", "## A price? {#price}\n\nIt costs $\n"
          + "a few words of prose on this line\n" * 40 + "and no closing sign but $5\n")
    done = subprocess.run([sys.executable, "-m", "ankigen", "check"], cwd=project, capture_output=True,
                          text=True, timeout=120)  # a hang fails here instead of stalling the suite
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_heading_with_an_unclosed_run_of_classes_is_parsed(project: Path) -> None:
    """`{.a.a.a…` never closed: the attribute patterns could split the run in every way before
    failing (22 classes took seconds, 200 forever)."""
    write(project / "cards_src/classes.md", "## A question {" + ".a" * 200 + " x\n\nAn answer.\n")
    done = subprocess.run([sys.executable, "-m", "ankigen", "check"], cwd=project, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


_TEXT = st.text(alphabet=st.sampled_from(list("#$`*_[]()!{}<>\\-=|~:%.\n \tabcQ中文1234")), max_size=300)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_TEXT)
def test_markdown_parser_never_raises(tmp_path: Path, text: str) -> None:
    source = SourceFile(path=tmp_path / "f.md", rel="f.md", root=tmp_path, text=text)
    parse_file(source, Config(root_deck="R"), Sink())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_markdown_parser_never_raises_on_any_unicode(tmp_path: Path, text: str) -> None:
    source = SourceFile(path=tmp_path / "f.md", rel="f.md", root=tmp_path, text=text)
    parse_file(source, Config(root_deck="R"), Sink())


def test_interrupted_build_leaves_previous_outputs_and_no_temporary_files(project: Path) -> None:
    # Many cards make the PDF (typeset in chunks while the claims are checked) take seconds: the
    # build is interrupted once the first chunk is typeset, before any output is renamed.
    prose = "一段足够长的答案文字，让排版多花一些时间。" * 6
    cards = "".join(f"## Card {i} {{#card-{i}}}\n\n{prose}\n\n$$x_{{{i}}} = \\frac{{{i}}}{{{i + 1}}} + y^{{{i}}}$$\n\n"
                    for i in range(1500))
    write(project / "cards_src/many.md", cards)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    first = subprocess.run([sys.executable, "-m", "ankigen", "build", "-q"], cwd=project, env=env,
                           capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stdout + first.stderr
    dist = project / "dist"
    before = {p.name: p.read_bytes() for p in dist.iterdir()}
    lock_before = (project / "cards_src/ankigen.lock").read_bytes()

    write(project / "cards_src/many.md", cards.replace("Card 0 ", "Card zero "))
    shutil.rmtree(project / ".ankigen-cache")  # make the formulas slow to draw again
    proc = subprocess.Popen([sys.executable, "-m", "ankigen", "build", "-q"], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=interruptible)
    deadline = time.monotonic() + 120
    chunks = project / ".ankigen-cache/pdf-chunks"
    while time.monotonic() < deadline and proc.poll() is None and not list(chunks.glob("*.pdf")):
        time.sleep(0.02)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, out + err
    assert "Traceback" not in err
    assert {p.name: p.read_bytes() for p in dist.iterdir()} == before  # no temporary file either
    assert (project / "cards_src/ankigen.lock").read_bytes() == lock_before


def test_a_million_cards_stop_at_once_with_a_diagnostic(project: Path) -> None:
    with (project / "cards_src/million.md").open("w", encoding="utf-8") as f:
        for n in range(1_000_000):
            f.write(f"## 第 {n} 题 {{#q-{n}}}\n\n答 {n}\n\n")
    result = run("build")
    assert result.exit_code == 1
    assert "cards_src/million.md:400001:1: error[S029]: more than 100,000 cards" in result.output
    assert "Traceback" not in result.output and not (project / "dist").exists()


def test_the_card_limit_counts_headings_outside_code_only(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.ankigen]\nroot_deck = "Test deck"\nmax_cards = 3\n')
    write(project / "cards_src/a.md", "## One {#one}\n\na\n\n```text\n## not a card\n```\n\n## Two {#two}\n\nb\n")
    assert run("build").exit_code == 0
    write(project / "cards_src/b.md", "## Three {#three}\n\nc\n\n~~~~\n## still code\n~~~~\n\n## Four {#four}\n\nd\n")
    result = run("build")
    assert result.exit_code == 1
    assert "cards_src/b.md:9:1: error[S029]: more than 3 cards" in result.output
    for bad in ('"many"', "0", "true"):
        write(project / "pyproject.toml", f'[tool.ankigen]\nroot_deck = "Test deck"\nmax_cards = {bad}\n')
        assert "max_cards must be a positive integer" in run("build").output


def test_a_file_too_big_to_read_is_refused(project: Path, monkeypatch) -> None:
    from ankigen.source import sources

    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 1000)
    write(project / "cards_src/big.md", "## Big {#big}\n\n" + "大" * 400 + "\n")
    result = run("check")
    assert result.exit_code == 1
    assert "cards_src/big.md:1:1: error[S003]: file is larger than" in result.output


@pytest.mark.parametrize("body, depth", [(">" * 5000 + " x", 19), ("- " * 3000 + "z", 10)])
def test_deep_nesting_is_counted_as_a_reader_sees_it(project: Path, body: str, depth: int) -> None:
    # markdown-it stops 20 tokens deep: 19 quotes, or 10 lists (a list and its item are two tokens).
    write(project / "cards_src/deep.md", f"## Deep {{#deep}}\n\n{body}\n")
    result = run("check")
    assert f"error[S026]: lists and quotes nested {depth} deep; lines 3–3 are not read" in result.output
