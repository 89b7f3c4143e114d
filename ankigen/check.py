"""The check stage: every claim of every card decided, failures reported with counterexamples.

A card's outcome (its diagnostics and verdicts) is cached under a key made of its formulas and
check lines with their positions, and those of the cards it `use`s: an unchanged deck is checked
without parsing a formula or importing sympy.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from ankigen import __version__, code_digest
from ankigen.diagnostics import Sink, diagnostic_from_row, diagnostic_row
from ankigen.model import Card, Diagnostic, Span, Verdict
from ankigen.output import write_text_atomic

# Bump when the meaning or wording of a cached verdict or diagnostic changes.
CACHE_FORMAT = f"{__version__}/3/{code_digest()}"
_RELATION_TEXT = {"=": "=", "!=": "≠", "<": "<", ">": ">", "<=": "≤", ">=": "≥", "~": "≈", "in": "∈"}


@dataclass(frozen=True)
class CardOutcome:
    diagnostics: tuple[Diagnostic, ...]  # without source lines: those are read again on replay
    results: tuple[tuple[Span, str, Verdict], ...]
    unchecked: int


def _verdict_row(v: Verdict) -> list:
    return [v.holds, v.method, v.detail, [list(p) for p in v.counterexample], v.lhs_value, v.rhs_value]


def _verdict(row: list) -> Verdict:
    holds, method, detail, example, lv, rv = row
    return Verdict(holds, method, detail, tuple(tuple(p) for p in example), lv, rv)


def _span_row(s: Span) -> list:
    return [s.path, s.line, s.col, s.length]


def _outcome_row(o: CardOutcome) -> list:
    diags = [diagnostic_row(d) for d in o.diagnostics]
    return [diags, [[_span_row(sp_), text, _verdict_row(v)] for sp_, text, v in o.results], o.unchecked]


def _outcome(row: list) -> CardOutcome:
    diags, results, unchecked = row
    return CardOutcome(tuple(diagnostic_from_row(d) for d in diags),
                       tuple((Span(*s), text, _verdict(v)) for s, text, v in results), int(unchecked))


@dataclass
class ClaimCache:
    """Verdicts by content (the claim after substitution), and card outcomes by card content."""

    path: Path | None = None
    entries: dict[str, list] = field(default_factory=dict)
    cards: dict[str, list] = field(default_factory=dict)
    dirty: bool = False
    used_cards: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, path: Path | None) -> "ClaimCache":
        if path is None or not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != CACHE_FORMAT or not isinstance(data.get("claims"), dict):
                return cls(path)
            return cls(path, data["claims"], data.get("cards") or {})
        except (OSError, ValueError):
            return cls(path)  # a damaged cache is only a slower build

    @staticmethod
    def key(lhs, rel: str, rhs, set_name: str, tol) -> str:
        import sympy as sp

        blob = "\x1f".join([CACHE_FORMAT, sp.srepr(lhs), rel, sp.srepr(rhs) if rhs is not None else "",
                            set_name, str(tol)])
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def get(self, key: str) -> Verdict | None:
        row = self.entries.get(key)
        return None if row is None else _verdict(row)

    def put(self, key: str, v: Verdict) -> None:
        if v.holds is None:
            return  # a timeout may pass on a faster machine; decide it again next time
        self.entries[key] = _verdict_row(v)
        self.dirty = True

    def card(self, key: str) -> CardOutcome | None:
        row = self.cards.get(key)
        if row is None:
            return None
        try:
            outcome = _outcome(row)
        except (ValueError, TypeError):
            return None
        self.used_cards.add(key)
        return outcome

    def put_card(self, key: str, outcome: CardOutcome) -> None:
        if any(v.holds is None for _, _, v in outcome.results):
            return
        self.cards[key] = _outcome_row(outcome)
        self.used_cards.add(key)
        self.dirty = True

    def save(self) -> None:
        if self.path is None:
            return
        if set(self.cards) != self.used_cards:  # drop outcomes of cards that changed or left
            self.cards = {k: v for k, v in self.cards.items() if k in self.used_cards}
            self.dirty = True
        if not self.dirty:
            return
        try:
            write_text_atomic(self.path, json.dumps({"version": CACHE_FORMAT, "claims": self.entries,
                                                     "cards": self.cards}, separators=(",", ":")))
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


def _substitute(expr, definitions: dict):
    for _ in range(len(definitions) + 2):
        new = expr.xreplace(definitions)
        if new == expr:
            return expr
        expr = new
    return None  # circular definitions


def _in_scope(i: int, uses: list[list[tuple[str, Span]]], by_id: dict[str, int]) -> tuple[list[int], bool]:
    """Card i and the cards it `use`s, transitively, breadth first; and whether an id was unknown."""
    order: list[int] = []
    pending = [i]
    unknown = False
    while pending:
        j = pending.pop(0)
        if j in order:
            continue
        order.append(j)
        for uid, _ in uses[j]:
            if uid in by_id:
                pending.append(by_id[uid])
            else:
                unknown = True
    return order, unknown


def _card_key(order: list[int], unknown: bool, cards: list[Card], by_id: dict[str, int]) -> str:
    """The cache key of the first card in `order`, from everything its outcome depends on."""
    parts = [CACHE_FORMAT]
    for j in order:
        parts.append(repr((cards[j].formulas, cards[j].checks)))
    if unknown:  # the hint for an unknown id names the closest known one
        parts.append(repr(sorted(by_id)))
    return hashlib.sha256("\x1e".join(parts).encode("utf-8")).hexdigest()


def check_cards(cards: list[Card], sink: Sink, cache: ClaimCache, lines_of, step=None) -> CheckStats:
    """Decide every claim of every card; report failures to the sink."""
    by_id = {card.id: i for i, card in enumerate(cards) if card.id}
    from ankigen.checklines import find_uses

    uses = [find_uses(card.checks) for card in cards]
    display: dict[int, object] = {}
    counts = {"claims": 0, "failed": 0, "symbolic": 0, "sampled": 0, "exact": 0, "undecided": 0}
    per_card = []
    results: list[tuple[Span, str, Verdict]] = []
    unchecked = 0
    for i, card in enumerate(cards):
        order, unknown = _in_scope(i, uses, by_id)
        key = _card_key(order, unknown, cards, by_id)
        outcome = cache.card(key)
        if outcome is None:
            outcome = _check_card(order, cards, uses, by_id, display, cache)
            cache.put_card(key, outcome)
        sink.items.extend(replace(d, source_line=lines_of(d.span)) for d in outcome.diagnostics)
        unchecked += outcome.unchecked
        holding = 0
        for span, text, verdict in outcome.results:
            counts["claims"] += 1
            results.append((span, text, verdict))
            if verdict.holds is None:
                counts["undecided"] += 1
            elif not verdict.holds:
                counts["failed"] += 1
            else:
                holding += 1
                counts[verdict.method] = counts.get(verdict.method, 0) + 1
        per_card.append(holding)
        if step is not None:
            step()
    cache.save()
    return CheckStats(counts["claims"], counts["failed"], counts["symbolic"], counts["sampled"], counts["exact"],
                      counts["undecided"], unchecked, tuple(per_card), tuple(results))


def _check_card(order: list[int], cards: list[Card], uses, by_id: dict[str, int], display: dict,
                cache: ClaimCache) -> CardOutcome:
    """Parse and decide the claims of card order[0], which uses the rest of `order`.

    sympy is imported here, on the first card not cached. Diagnostics carry no source line:
    it is added when the outcome is replayed."""
    from ankigen.claims import read_checks, read_display
    from ankigen.reference import REFERENCES

    def display_of(j: int):
        if j not in display:
            display[j] = read_display(cards[j].formulas, REFERENCES)
        return display[j]

    i = order[0]
    sink = Sink()
    for uid, span in uses[i]:
        if uid not in by_id:
            close = difflib.get_close_matches(uid, list(by_id), n=1)
            sink.error(span, "C003", f"unknown card id '{uid}' in 'use'",
                       hint=f"did you mean '{close[0]}'?" if close else "use names a card's {#id}")
    definitions: dict = {}
    functions: dict = {}
    for j in reversed(order):  # the card's own definitions win over what it uses
        definitions.update(display_of(j).definitions)
        functions.update(display_of(j).functions)
    checked, problems = read_checks(cards[i].checks, functions, REFERENCES)
    for p in (*display_of(i).problems, *problems):
        (sink.error if p.error else sink.warning)(p.span, p.code, p.message, p.hint)
    results = []
    for claim in (*display_of(i).claims, *checked):
        verdict = _decide(claim, definitions, cache, sink)
        if verdict is not None:
            results.append((claim.span, claim.text, verdict))
    return CardOutcome(tuple(sink.items), tuple(results), display_of(i).unchecked)


def _decide(claim, definitions, cache: ClaimCache, sink: Sink) -> Verdict | None:
    from ankigen.decide import decide

    lhs = _substitute(claim.lhs, definitions)
    rhs = _substitute(claim.rhs, definitions) if claim.rhs is not None else None
    if lhs is None or (claim.rhs is not None and rhs is None):
        sink.error(claim.span, "C005", "circular definitions: a symbol is defined through itself")
        return None
    if claim.bindings:
        free = lhs.free_symbols | (rhs.free_symbols if rhs is not None else set())
        values = {s: _substitute(v, definitions) for s, v in claim.bindings}
        for name in values:
            if name not in free and name not in claim.consumed:
                sink.warning(claim.span, "C004", f"'where' binds {name}, which the claim does not contain",
                             hint=_binding_hint(name, free))
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
                   notes=_failure_notes(claim, verdict))
    elif verdict.holds is None:
        report = sink.error if claim.in_check_block else sink.warning
        report(claim.span, "C002", f"claim could not be checked: {verdict.detail}",
               "simplify the claim, or bind its symbols with 'where'")
    return verdict


def _binding_hint(name, free: set) -> str:
    close = difflib.get_close_matches(str(name), [str(s) for s in free], n=1)
    return f"did you mean {close[0]}?" if close else "remove it, or check the symbol's spelling"


def _failure_hint(claim) -> str | None:
    if claim.rel == "~":
        return "≈ holds when both sides agree to the significant digits written on the right"
    return None


def _failure_notes(claim, v: Verdict) -> list[str]:
    import sympy as sp

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
