"""Parsed files kept across builds: a file's cards and diagnostics, by everything they depend on.

Parsing is Markdown, HTML and math layout for every card: at 10,000 cards a fresh process spends
seconds on it before an edit of one card can be checked. A file whose parse asked for no image
depends only on its text, its place, the configuration and ankigen's code, so what parsing it
gave is kept under a digest of those, one JSON file per source file (an edit rewrites one).
The store is plain data: nothing read from it is ever executed, and anything that does not
decode as expected is parsed anew.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ankigen import code_digest
from ankigen.config import Config
from ankigen.diagnostics import diagnostic_from_row, diagnostic_row
from ankigen.model import Card, CheckLine, Diagnostic, Formula, SourceFile, Span
from ankigen.run.output import write_text_atomic

FORMAT = 1  # bump when the rows below change


def key(source: SourceFile, config: Config) -> str:
    parts = (str(FORMAT), code_digest(), source.rel, str(source.path), str(source.root), repr(config), source.text)
    return hashlib.sha256("\x1e".join(parts).encode("utf-8")).hexdigest()


class ParseStore:
    """The kept parses of one project's sources, in `folder` (None: keep nothing)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _path(self, rel: str) -> Path:
        return self.folder / (hashlib.sha256(rel.encode("utf-8")).hexdigest()[:24] + ".json")

    def recall(self, source: SourceFile, digest: str) -> tuple[list[Card], list[Diagnostic]] | None:
        if self.folder is None:
            return None
        try:
            data = json.loads(self._path(source.rel).read_text(encoding="utf-8"))
            if data["key"] != digest:
                return None
            return [_card(row) for row in data["cards"]], [diagnostic_from_row(row) for row in data["diagnostics"]]
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None  # none kept, another's, or damaged: it only costs a parse

    def keep(self, source: SourceFile, digest: str, cards: list[Card], items: list[Diagnostic]) -> None:
        if self.folder is None or any(card.media for card in cards):
            return
        data = {"key": digest, "cards": [_card_row(c) for c in cards], "diagnostics": [diagnostic_row(d) for d in items]}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self._path(source.rel), json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        except OSError:
            pass  # a cache that cannot be written only costs time

    def prune(self, sources: list[SourceFile]) -> None:
        """Forget the files no longer among the sources, so the store does not grow with renames."""
        if self.folder is None or not self.folder.is_dir():
            return
        used = {self._path(source.rel).name for source in sources}
        try:
            for path in self.folder.glob("*.json"):
                if path.name not in used:
                    path.unlink(missing_ok=True)
        except OSError:
            pass


def _span_row(s: Span) -> list:
    return [s.path, s.line, s.col, s.length]


def _span(row: list) -> Span:
    path, line, col, length = row
    return Span(str(path), int(line), int(col), int(length))


def _formula_row(f: Formula) -> list:
    return [f.latex, _span_row(f.span), f.section, f.lead, list(f.near), f.heading, f.tail]


def _formula(row: list) -> Formula:
    latex, span, section, lead, near, heading, tail = row
    return Formula(str(latex), _span(span), int(section), str(lead), tuple(map(str, near)), str(heading), str(tail))


def _card_row(c: Card) -> list:
    return [c.id, c.question, c.front_html, c.back_html, c.deck, list(c.tags), _span_row(c.span),
            [_formula_row(f) for f in c.formulas], [[k.text, _span_row(k.span), k.section] for k in c.checks],
            c.front_extra_md, c.back_md, c.end_line, c.reverse, [_formula_row(f) for f in c.inline],
            c.check_display, c.twin]


def _card(row: list) -> Card:
    (id_, question, front, back, deck, tags, span, formulas, checks, extra, back_md, end_line, reverse, inline,
     display, twin) = row
    return Card(None if id_ is None else str(id_), str(question), str(front), str(back), str(deck),
                tuple(map(str, tags)), _span(span), tuple(_formula(f) for f in formulas),
                tuple(CheckLine(str(t), _span(s), int(n)) for t, s, n in checks), (), str(extra), str(back_md),
                int(end_line), bool(reverse), tuple(_formula(f) for f in inline), bool(display), int(twin))
