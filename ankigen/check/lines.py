"""Check-block lines without their comments, and the `use` lines among them.

Kept apart from claims.py so that reading `use` lines (needed to key the check cache) does not
import sympy.
"""

from __future__ import annotations

import functools
import re

from ankigen.source.markdown import TEX_COMMENT
from ankigen.model import Span

USE = re.compile(r"^use\s+(.+)$")


def offset_span(start: Span, text: str, offset: int, length: int) -> Span:
    """The file position of text[offset] when text starts at `start`."""
    before = text[:offset]
    newlines = before.count("\n")
    if newlines == 0:
        return Span(start.path, start.line, start.col + offset, length)
    return Span(start.path, start.line + newlines, offset - before.rfind("\n"), length)


def check_text(line) -> tuple[str, Span]:
    raw = TEX_COMMENT.sub("", line.text)
    text = raw.strip()
    lead = len(raw) - len(raw.lstrip()) - (len(line.text) - len(line.text.lstrip()))
    return text, Span(line.span.path, line.span.line, line.span.col + lead, max(1, len(text)))


@functools.lru_cache(maxsize=1 << 15)
def find_uses(check_lines: tuple) -> tuple[tuple[str, Span], ...]:
    """The card ids named by `use` lines, with where each is named. Kept by the lines: a process
    that checks again (`build --watch`) reads only the cards that changed."""
    uses = []
    for line in check_lines:
        text, base = check_text(line)
        use = USE.match(text)
        if use:
            for m in re.finditer(r"[^\s,]+", use.group(1)):
                uses.append((m.group(0), offset_span(base, text, use.start(1) + m.start(), len(m.group(0)))))
    return tuple(uses)
