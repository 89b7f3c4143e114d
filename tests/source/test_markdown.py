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
    assert all(c.startswith("tok-") for c in classes[1:]) and "style=" not in html
    assert 'data-lang="python"' in html
