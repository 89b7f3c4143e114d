"""The claim cache: verdicts by the claim's content, card outcomes by the card's content.

Verdicts are a function of the claim and ankigen's own code (the budget is counted work), so
everything but a hang-guard timeout is kept. The file is plain JSON, written atomically.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ankigen import __version__, code_digest
from ankigen.diagnostics import diagnostic_from_row, diagnostic_row
from ankigen.model import Diagnostic, Span, Verdict
from ankigen.run import memo
from ankigen.run.output import write_text_atomic

# Bump when the meaning or wording of a cached verdict or diagnostic changes.
CACHE_FORMAT = f"{__version__}/4/{code_digest()}"


@dataclass(frozen=True)
class FormulaRow:
    """A display formula's status, as `check --claims` lists it."""

    span: Span
    status: str  # claimed, definition, statement, unreadable, nocheck, off
    reason: str = ""
    construct: str = ""


@dataclass(frozen=True)
class CardOutcome:
    diagnostics: tuple[Diagnostic, ...]  # without source lines: those are read again on replay
    results: tuple[tuple[Span, str, Verdict], ...]
    formulas: tuple[FormulaRow, ...] = ()


def _verdict_row(v: Verdict) -> list:
    return [v.holds, v.method, v.detail, [list(p) for p in v.counterexample], v.lhs_value, v.rhs_value]


def _verdict(row: list) -> Verdict:
    holds, method, detail, example, lv, rv = row
    return Verdict(holds, method, detail, tuple(tuple(p) for p in example), lv, rv)


def _span_row(s: Span) -> list:
    return [s.path, s.line, s.col, s.length]


def _outcome_row(o: CardOutcome) -> list:
    diags = [diagnostic_row(d) for d in o.diagnostics]
    results = [[_span_row(s), text, _verdict_row(v)] for s, text, v in o.results]
    formulas = [[_span_row(f.span), f.status, f.reason, f.construct] for f in o.formulas]
    return [diags, results, formulas]


def _outcome(row: list) -> CardOutcome:
    diags, results, formulas = row
    return CardOutcome(tuple(diagnostic_from_row(d) for d in diags),
                       tuple((Span(*s), text, _verdict(v)) for s, text, v in results),
                       tuple(FormulaRow(Span(*s), status, reason, construct)
                             for s, status, reason, construct in formulas))


# Card outcomes decoded in this process, by key. A key names the card's whole content, so what
# it decodes to never changes; a process that builds again reuses them.
_decoded: dict[str, CardOutcome] = {}
DECODED_MAX = 100_000


def _cacheable(v: Verdict) -> bool:
    return v.method != "timeout"  # a hang-guard stop may not happen on another machine


@dataclass
class ClaimCache:
    """Verdicts by content (the claim after substitution), and card outcomes by card content."""

    path: Path | None = None
    entries: dict[str, list] = field(default_factory=dict)
    cards: dict[str, list] = field(default_factory=dict)
    parts: dict[str, str] = field(default_factory=dict)  # a card's whole text → its part of a key
    dirty: bool = False
    used_cards: set[str] = field(default_factory=set)
    used_parts: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, path: Path | None) -> "ClaimCache":
        if path is None or not path.exists():
            return cls(path)
        kept = memo.recall(path)
        if kept is not None:
            return cls(path, dict(kept[0]), dict(kept[1]), dict(kept[2]))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != CACHE_FORMAT or not isinstance(data.get("claims"), dict):
                return cls(path)
            parts = data.get("parts")
            cache = cls(path, data["claims"], data.get("cards") or {}, parts if isinstance(parts, dict) else {})
        except (OSError, ValueError):
            return cls(path)  # a damaged cache is only a slower build
        memo.keep(path, (dict(cache.entries), dict(cache.cards), dict(cache.parts)))
        return cache

    @staticmethod
    def key(lhs, rel: str, rhs, set_name: str, tol) -> str:
        """The claim's digest: its cache key, and the seed of its random matrices. Of the claim alone,
        not of ankigen's version (the file is kept per version): a seed that changed with every edit of
        ankigen's code would decide a claim one way in one version and another way in the next."""
        import sympy as sp

        blob = "\x1f".join([sp.srepr(lhs), rel, sp.srepr(rhs) if rhs is not None else "",
                            set_name, str(tol)])
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def get(self, key: str) -> Verdict | None:
        row = self.entries.get(key)
        return None if row is None else _verdict(row)

    def put(self, key: str, v: Verdict) -> None:
        if not _cacheable(v):
            return
        self.entries[key] = _verdict_row(v)
        self.dirty = True

    def card(self, key: str) -> CardOutcome | None:
        row = self.cards.get(key)
        if row is None:
            return None
        outcome = _decoded.get(key)
        if outcome is None:
            try:
                outcome = _outcome(row)
            except (ValueError, TypeError):
                return None
            if len(_decoded) > DECODED_MAX:
                _decoded.clear()
            _decoded[key] = outcome
        self.used_cards.add(key)
        return outcome

    def put_card(self, key: str, outcome: CardOutcome) -> None:
        if not all(_cacheable(v) for _, _, v in outcome.results):
            return
        self.cards[key] = _outcome_row(outcome)
        self.used_cards.add(key)
        self.dirty = True

    def part(self, whole: str) -> str | None:
        part = self.parts.get(whole)
        if isinstance(part, str):
            self.used_parts.add(whole)
            return part
        return None

    def put_part(self, whole: str, part: str) -> None:
        if self.parts.get(whole) != part:
            self.parts[whole] = part
            self.dirty = True
        self.used_parts.add(whole)

    def save(self) -> None:
        if self.path is None:
            return
        if set(self.cards) != self.used_cards:  # drop outcomes of cards that changed or left
            self.cards = {k: v for k, v in self.cards.items() if k in self.used_cards}
            self.dirty = True
        if set(self.parts) != self.used_parts:
            self.parts = {k: v for k, v in self.parts.items() if k in self.used_parts}
            self.dirty = True
        if not self.dirty:
            return
        try:
            write_text_atomic(self.path, json.dumps({"version": CACHE_FORMAT, "claims": self.entries,
                                                     "cards": self.cards, "parts": self.parts}, separators=(",", ":")))
        except OSError:
            return  # the cache is an optimisation; an unwritable folder must not fail the build
        memo.keep(self.path, (dict(self.entries), dict(self.cards), dict(self.parts)))
