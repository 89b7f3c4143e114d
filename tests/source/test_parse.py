"""Parser tests driven by fixture files: each `X.md` in fixtures/parse has its dump in `X.out`.

Set ANKIGEN_UPDATE_GOLDEN=1 to rewrite the dumps, then read the diff before committing it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ankigen.config import Config
from ankigen.diagnostics import Sink
from ankigen.model import Card
from ankigen.source.parse import parse_sources
from ankigen.source.sources import read_sources
from conftest import FIXTURES

HERE = FIXTURES / "parse"
CASES = sorted(p for p in HERE.rglob("*.md"))


def _plain_code(html: str) -> str:
    # How Pygments cuts code into tokens varies between its releases; highlighting has its own
    # tests in test_markdown. Only code loses its spans: the rest of the card keeps its own.
    html = re.sub(r"<pre\b.*?</pre>", lambda m: re.sub(r'<span class="tok-[^"]*">|</span>', "", m.group(0)),
                  html, flags=re.S)
    return html.replace("&quot;", '"').replace("&#x27;", "'")  # escaping differs between releases too


def dump(cards: list[Card], sink: Sink) -> str:
    out = []
    for c in cards:
        out.append(f"card {c.span.line}-{c.end_line} id={c.id} deck={c.deck} tags={','.join(c.tags)}")
        out.append(f"  question: {c.question}")
        out.append(f"  front: {c.front_html}")
        out.append("  back: " + _plain_code(c.back_html).replace("\n", "\n        "))
        for f in c.formulas:
            out.append(f"  formula {f.span.line}:{f.span.col}: {f.latex!r}")
        for chk in c.checks:
            out.append(f"  check {chk.span.line}:{chk.span.col}: {chk.text}")
        for m in c.media:
            out.append(f"  media {m.name} <- {m.path.name}")
    for d in sink.sorted():
        out.append(f"{d.span.line}:{d.span.col} {d.severity.value}[{d.code}] {d.message}")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("case", CASES, ids=[c.relative_to(HERE).as_posix() for c in CASES])
def test_fixture(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)
    sink = Sink()
    sources = [s for s in read_sources(HERE, sink) if s.path == case]
    cards = parse_sources(sources, Config(root_deck="Root"), sink)
    got = dump(cards, sink)
    golden = case.with_suffix(".out")
    if os.environ.get("ANKIGEN_UPDATE_GOLDEN"):
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")
