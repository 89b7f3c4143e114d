"""The check stage: every claim of every card decided, failures reported with counterexamples."""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import sympy as sp

from ankigen import __version__
from ankigen.claims import Claim, DisplayMath, Problem, find_uses, read_checks, read_display
from ankigen.decide import Verdict, decide
from ankigen.diagnostics import Sink
from ankigen.latex import FunctionDef
from ankigen.model import Card, Span
from ankigen.output import write_text_atomic
from ankigen.reference import REFERENCES

# Bump when the meaning or wording of a cached verdict changes.
CACHE_FORMAT = f"{__version__}/2"
_RELATION_TEXT = {"=": "=", "!=": "≠", "<": "<", ">": ">", "<=": "≤", ">=": "≥", "~": "≈", "in": "∈"}


@dataclass
class ClaimCache:
    """Verdicts by content: the claim after substitution, and the ankigen version."""

    path: Path | None = None
    entries: dict[str, list] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def load(cls, path: Path | None) -> "ClaimCache":
        if path is None or not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != CACHE_FORMAT or not isinstance(data.get("claims"), dict):
                return cls(path)
            return cls(path, data["claims"])
        except (OSError, ValueError):
            return cls(path)  # a damaged cache is only a slower build

    @staticmethod
    def key(lhs: sp.Expr, rel: str, rhs: sp.Expr | None, set_name: str, tol) -> str:
        blob = "\x1f".join([CACHE_FORMAT, sp.srepr(lhs), rel, sp.srepr(rhs) if rhs is not None else "",
                            set_name, str(tol)])
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def get(self, key: str) -> Verdict | None:
        row = self.entries.get(key)
        if row is None:
            return None
        holds, method, detail, example, lv, rv = row
        return Verdict(holds, method, detail, tuple(tuple(p) for p in example), lv, rv)

    def put(self, key: str, v: Verdict) -> None:
        if v.holds is None:
            return  # a timeout may pass on a faster machine; decide it again next time
        self.entries[key] = [v.holds, v.method, v.detail, [list(p) for p in v.counterexample],
                             v.lhs_value, v.rhs_value]
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        try:
            write_text_atomic(self.path, json.dumps({"version": CACHE_FORMAT, "claims": self.entries}))
        except OSError:
            pass  # the cache is an optimisation; an unwritable folder must not fail the build


@dataclass(frozen=True)
class CheckStats:
    claims: int = 0
    failed: int = 0
    proven: int = 0
    sampled: int = 0
    exact: int = 0
    undecided: int = 0
    unchecked_formulas: int = 0
    per_card: tuple[int, ...] = ()  # claims that hold, per card
    results: tuple[tuple[Span, str, Verdict], ...] = ()  # every decided claim, for `check --claims`


def _substitute(expr: sp.Expr, definitions: dict[sp.Symbol, sp.Expr]) -> sp.Expr | None:
    for _ in range(len(definitions) + 2):
        new = expr.xreplace(definitions)
        if new == expr:
            return expr
        expr = new
    return None  # circular definitions


def _definitions_in_scope(i: int, cards: list[Card], display: list[DisplayMath], by_id: dict[str, int],
                          sink: Sink) -> tuple[dict[sp.Symbol, sp.Expr], dict[str, FunctionDef]]:
    """The card's own definitions over those of the cards it `use`s (and they use, in turn)."""
    definitions: dict[sp.Symbol, sp.Expr] = {}
    functions: dict[str, FunctionDef] = {}
    order: list[int] = []
    pending = [i]
    seen = set()
    while pending:
        j = pending.pop(0)
        if j in seen:
            continue
        seen.add(j)
        order.append(j)
        for uid, span in find_uses(cards[j].checks):
            target = by_id.get(uid)
            if target is None:
                if j == i:
                    close = difflib.get_close_matches(uid, list(by_id), n=1)
                    sink.error(span, "C003", f"unknown card id '{uid}' in 'use'",
                               hint=f"did you mean '{close[0]}'?" if close else "use names a card's {#id}")
                continue
            pending.append(target)
    for j in reversed(order):  # the card's own definitions win over what it uses
        definitions.update(display[j].definitions)
        functions.update(display[j].functions)
    return definitions, functions


def check_cards(cards: list[Card], sink: Sink, cache: ClaimCache, lines_of) -> CheckStats:
    """Decide every claim of every card; report failures to the sink."""
    display = [read_display(card.formulas, REFERENCES) for card in cards]
    by_id = {card.id: i for i, card in enumerate(cards) if card.id}
    counts = {"claims": 0, "failed": 0, "symbolic": 0, "sampled": 0, "exact": 0, "undecided": 0}
    per_card = []
    results: list[tuple[Span, str, Verdict]] = []
    for i, card in enumerate(cards):
        definitions, functions = _definitions_in_scope(i, cards, display, by_id, sink)
        checked, problems = read_checks(card.checks, functions, REFERENCES)
        for problem in (*display[i].problems, *problems):
            _report(sink, problem, lines_of)
        holding = 0
        for claim in (*display[i].claims, *checked):
            verdict = _decide(claim, definitions, cache, sink, lines_of)
            if verdict is None:
                continue
            counts["claims"] += 1
            results.append((claim.span, claim.text, verdict))
            if verdict.holds is None:
                counts["undecided"] += 1
            elif not verdict.holds:
                counts["failed"] += 1
            else:
                holding += 1
                counts[verdict.method] = counts.get(verdict.method, 0) + 1
        per_card.append(holding)
    cache.save()
    return CheckStats(counts["claims"], counts["failed"], counts["symbolic"], counts["sampled"], counts["exact"],
                      counts["undecided"], sum(d.unchecked for d in display), tuple(per_card), tuple(results))


def _report(sink: Sink, p: Problem, lines_of) -> None:
    (sink.error if p.error else sink.warning)(p.span, p.code, p.message, p.hint, lines_of(p.span))


def _decide(claim: Claim, definitions, cache: ClaimCache, sink: Sink, lines_of) -> Verdict | None:
    lhs = _substitute(claim.lhs, definitions)
    rhs = _substitute(claim.rhs, definitions) if claim.rhs is not None else None
    if lhs is None or (claim.rhs is not None and rhs is None):
        sink.error(claim.span, "C005", "circular definitions: a symbol is defined through itself",
                   source_line=lines_of(claim.span))
        return None
    if claim.bindings:
        free = lhs.free_symbols | (rhs.free_symbols if rhs is not None else set())
        values = {s: _substitute(v, definitions) for s, v in claim.bindings}
        for name in values:
            if name not in free and name not in claim.consumed:
                sink.warning(claim.span, "C004", f"'where' binds {name}, which the claim does not contain",
                             hint=_binding_hint(name, free), source_line=lines_of(claim.span))
        for _ in range(len(values) + 1):
            lhs = lhs.xreplace(values)
            rhs = rhs.xreplace(values) if rhs is not None else None
    key = cache.key(lhs, claim.rel, rhs, claim.set_name, claim.tolerance)
    verdict = cache.get(key)
    if verdict is None:
        verdict = decide(lhs, claim.rel, rhs, claim.set_name, claim.tolerance)
        cache.put(key, verdict)
    if verdict.holds is False:
        sink.error(claim.span, "C001", f"claim does not hold: {claim.text}", _failure_hint(claim),
                   lines_of(claim.span), _failure_notes(claim, verdict))
    elif verdict.holds is None:
        report = sink.error if claim.in_check_block else sink.warning
        report(claim.span, "C002", f"claim could not be checked: {verdict.detail}",
               "simplify the claim, or bind its symbols with 'where'", lines_of(claim.span))
    return verdict


def _binding_hint(name: sp.Symbol, free: set) -> str:
    close = difflib.get_close_matches(str(name), [str(s) for s in free], n=1)
    return f"did you mean {close[0]}?" if close else "remove it, or check the symbol's spelling"


def _failure_hint(claim: Claim) -> str | None:
    if claim.rel == "~":
        return "≈ holds when both sides agree to the significant digits written on the right"
    return None


def _failure_notes(claim: Claim, v: Verdict) -> list[str]:
    rel = _RELATION_TEXT[claim.rel]
    notes = []
    if v.counterexample:
        notes.append("counterexample: " + ", ".join(f"{k} = {val}" for k, val in v.counterexample))
    if claim.rel == "in":
        notes.append(f"value: {v.lhs_value}, not in {'ℤ' if claim.set_name == 'Z' else 'ℕ'}")
    else:
        notes.append(f"left side = {v.lhs_value}, right side = {v.rhs_value} (expected left {rel} right)")
    if claim.tolerance is not None:
        notes.append(f"allowed difference: ±{sp.N(claim.tolerance, 3)}")
    return notes


def span_line(lines: dict[str, list[str]]):
    def line_of(span: Span) -> str | None:
        text = lines.get(span.path)
        return text[span.line - 1] if text and 0 < span.line <= len(text) else None
    return line_of
