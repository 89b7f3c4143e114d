"""Rendering fixtures in markdown-it's own format: title, then `.`-separated input and output."""

from __future__ import annotations

from pathlib import Path

import pytest

from ankigen.source.markdown import highlight_code, markdown, render_html
from conftest import FIXTURES

FIXTURE = FIXTURES / "render.md"


def read_cases(path: Path) -> list[tuple[str, str, str]]:
    lines = path.read_text(encoding="utf-8").split("\n")
    cases, i = [], 0
    while i < len(lines):
        if lines[i].strip() and i + 1 < len(lines) and lines[i + 1] == ".":
            title, i = lines[i], i + 2
            start = i
            while lines[i] != ".":
                i += 1
            source, i = "\n".join(lines[start:i]), i + 1
            start = i
            while lines[i] != ".":
                i += 1
            cases.append((title, source + "\n", "\n".join(lines[start:i]) + "\n"))
        i += 1
    return cases


CASES = read_cases(FIXTURE)


@pytest.mark.parametrize("title,source,expected", CASES, ids=[c[0] for c in CASES])
def test_render(title: str, source: str, expected: str) -> None:
    env: dict = {}
    assert render_html(markdown().parse(source, env), env) == expected


def test_fixture_file_has_cases() -> None:
    assert len(CASES) >= 10


def test_code_is_highlighted_with_prefixed_classes_and_no_inline_style() -> None:
    import re

    html = highlight_code("def f(x):\n    return x  # 注释\n", "python")
    classes = re.findall(r'class="([^"]*)"', html)
    assert classes[0] == "code" and {"tok-k", "tok-nf", "tok-c1"} <= set(classes[1:])
    assert all(c.startswith("tok-") or re.fullmatch(r"ln i\d+", c) for c in classes[1:]) and "style=" not in html
    assert 'data-lang="python"' in html


def test_each_line_of_code_is_a_span_classed_by_its_indent() -> None:
    # A phone hangs a wrapped line under its own text (card.css); a string that runs over lines
    # keeps its colour on each, and the code's text is exactly what was written.
    import html as html_lib
    import re

    code = 'def f():\n    s = """one\n  two"""\n        return s\n'
    out = highlight_code(code, "python")
    lines = re.findall(r'<span class="ln i(\d+)">', out)
    assert lines == ["0", "4", "2", "8"]
    assert out.count("<span") == out.count("</span>")
    assert html_lib.unescape(re.sub(r"<[^>]+>", "", out)) == code
    assert re.findall(r'<span class="ln i\d+">(<span class="tok-s2">)?', out)[2] == '<span class="tok-s2">'
    assert re.findall(r'class="ln i(\d+)"', highlight_code(" " * 40 + "x\n", "")) == ["24"]
