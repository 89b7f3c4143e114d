"""The check stage: every claim of every card decided, failures reported with counterexamples.

A card is read under the usual reading of its notation; when a claim fails, the card is read
again under every other reading of the ambiguities that claim contains, and the claim is an
error only when it fails under all of them. A card's outcome is cached under a key made of its
formulas and check lines, and those of the cards it `use`s: an unchanged deck is checked without
parsing a formula or importing sympy.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, replace
from typing import Any, Callable

from ankigen.check.cache import CACHE_FORMAT, CardOutcome, ClaimCache, FormulaRow
from ankigen.check.lines import find_uses
from ankigen.diagnostics import Sink
from ankigen.model import Card, Span, Verdict

_RELATION_TEXT = {"=": "=", "!=": "≠", "<": "<", ">": ">", "<=": "≤", ">=": "≥", "~": "≈", "in": "∈"}


@dataclass(frozen=True)
class CheckStats:
    claims: int = 0
    failed: int = 0
    proven: int = 0
    sampled: int = 0
    exact: int = 0
    undecided: int = 0
    statements: int = 0  # display formulas not claimed: equations, conditions, examples …
    unreadable: int = 0  # display formulas the checker cannot read (not marked % check)
    per_card: tuple[int, ...] = ()  # claims that hold, per card
    results: tuple[tuple[Span, str, Verdict], ...] = ()  # every decided claim, for `check --claims`
    formulas: tuple[FormulaRow, ...] = ()  # every display formula not claimed, for `check --claims`


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
        c = cards[j]
        parts.append(repr((c.formulas, c.checks, c.inline, c.check_display)))
    if unknown:  # the hint for an unknown id names the closest known one
        parts.append(repr(sorted(by_id)))
    return hashlib.sha256("\x1e".join(parts).encode("utf-8")).hexdigest()


def check_cards(cards: list[Card], sink: Sink, cache: ClaimCache, lines_of, step=None,
                guard: float = 120.0) -> CheckStats:
    """Decide every claim of every card; report failures to the sink."""
    by_id = {card.id: i for i, card in enumerate(cards) if card.id}
    uses = [find_uses(card.checks) for card in cards]
    counts = {"claims": 0, "failed": 0, "symbolic": 0, "sampled": 0, "exact": 0, "undecided": 0}
    per_card = []
    results: list[tuple[Span, str, Verdict]] = []
    formulas: list[FormulaRow] = []
    for i in range(len(cards)):
        order, unknown = _in_scope(i, uses, by_id)
        key = _card_key(order, unknown, cards, by_id)
        outcome = cache.card(key)
        if outcome is None:
            outcome = _guarded_check(order, cards, uses, by_id, cache, guard)
            cache.put_card(key, outcome)
        sink.items.extend(replace(d, source_line=lines_of(d.span)) for d in outcome.diagnostics)
        formulas.extend(f for f in outcome.formulas if f.status != "claimed")
        holding = 0
        for span, text, verdict in outcome.results:
            results.append((span, text, verdict))
            if verdict.method == "unclaimed":
                continue
            counts["claims"] += 1
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
    statements = sum(f.status in ("statement", "nocheck", "off") for f in formulas)
    unreadable = sum(f.status == "unreadable" for f in formulas)
    statements += sum(v.method == "unclaimed" for _, _, v in results)
    return CheckStats(counts["claims"], counts["failed"], counts["symbolic"], counts["sampled"], counts["exact"],
                      counts["undecided"], statements, unreadable, tuple(per_card), tuple(results), tuple(formulas))


def _guarded_check(order, cards, uses, by_id, cache, guard) -> CardOutcome:
    """A card's outcome; whatever goes wrong inside the checker stays this card's diagnostic."""
    try:
        return _check_card(order, cards, uses, by_id, cache, guard)
    except Exception as exc:  # noqa: BLE001 — one card's formulas must never stop the run
        card = cards[order[0]]
        sink = Sink()
        sink.warning(card.span, "M003", f"the checker failed on this card's formulas ({type(exc).__name__})",
                     "this is a bug in ankigen; please report it with the card. Its formulas are not checked")
        return CardOutcome(tuple(sink.items), ())


def _imports(order: list[int], cards: list[Card], reading) -> tuple[set, dict, list, dict]:
    """Definitions and functions of the cards that order[0] uses, read under `reading`."""
    from ankigen.check.claims import read_card
    from ankigen.check.reference import REFERENCES

    definitions, functions, sequences = [], {}, {}
    for j in reversed(order[1:]):
        c = cards[j]
        read = read_card(c.formulas, c.checks, c.inline, reading, REFERENCES, display=c.check_display)
        definitions.extend(replace(d, section=0) for d in read.definitions)
        functions.update(read.functions)
        sequences.update(read.sequences)
    return {d.target for d in definitions}, functions, definitions, sequences


def _read(order, cards, reading):
    from ankigen.check.claims import read_card
    from ankigen.check.reference import REFERENCES

    names, functions, imported, sequences = _imports(order, cards, reading)
    card = cards[order[0]]
    read = read_card(card.formulas, card.checks, card.inline, reading, REFERENCES, display=card.check_display,
                     imported=names, imported_functions=functions)
    read.sequences = {**sequences, **read.sequences}
    return read, imported


def _check_card(order: list[int], cards: list[Card], uses, by_id: dict[str, int], cache: ClaimCache,
                guard: float) -> CardOutcome:
    """Read and decide the claims of card order[0], which uses the rest of `order`."""
    from ankigen.check.reading import USUAL, alternatives

    i = order[0]
    sink = Sink()
    for uid, span in uses[i]:
        if uid not in by_id:
            close = difflib.get_close_matches(uid, list(by_id), n=1)
            sink.error(span, "C003", f"unknown card id '{uid}' in 'use'",
                       hint=f"did you mean '{close[0]}'?" if close else "use names a card's {#id}")
    read, imported = _read(order, cards, USUAL)
    for p in read.problems:
        (sink.error if p.error else sink.warning)(p.span, p.code, p.message, p.hint)
    decided = _reconsider([(claim, _decide(claim, read, imported, cache, guard)) for claim in read.claims])
    failing = {claim.key for claim, d in decided if d.verdict.holds is False}
    other: dict[tuple, tuple[str, Verdict | None]] = {}
    if failing and read.met:
        other = _other_readings(order, cards, failing, frozenset(read.met), cache, guard, alternatives)
    results = []
    for claim, d in decided:
        verdict = d.verdict
        if claim.key in other:
            described, alt = other[claim.key]
            verdict = Verdict(None, "ambiguous", described)
            how = "holds" if alt is not None else "is not a claim"
            sink.warning(claim.span, "C006", f"the claim fails as read, but {how} when {described}: {claim.text}",
                         _ambiguity_hint(read.met), notes=_failure_notes(claim, d.verdict, read, imported))
        else:
            d.report(sink, claim, read, imported)
        results.append((claim.span, claim.text, verdict))
    formulas = tuple(FormulaRow(f.span, f.status, f.reason, f.construct) for f in read.formulas)
    return CardOutcome(tuple(sink.items), tuple(results), formulas)


def _other_readings(order, cards, failing: set, met: frozenset, cache, guard, alternatives) -> dict:
    """For each failing claim, the first other reading under which it does not fail."""
    found: dict[tuple, tuple[str, Verdict | None]] = {}
    for reading in alternatives(met):
        read, imported = _read(order, cards, reading)
        by_key = {c.key: c for c in read.claims}
        for key in failing - set(found):
            claim = by_key.get(key)
            described = reading.describe(met & reading.flips)
            if claim is None:
                found[key] = (described, None)
                continue
            (_, d), = _reconsider([(claim, _decide(claim, read, imported, cache, guard))])
            if d.verdict.holds:  # only a reading under which it holds, or one with no such claim, saves it
                found[key] = (described, d.verdict)
        if failing <= set(found):
            break
    return found


def _visible(read, imported, section: int) -> dict:
    values = {d.target: d.value for d in read.assumptions if d.section in (0, section)}
    values.update({d.target: d.value for d in imported})
    values.update({d.target: d.value for d in read.definitions if d.section in (0, section)})
    return values


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    report: Callable  # (sink, claim, read, imported) → None: the diagnostics the verdict calls for
    lhs: Any = None  # the claim with every definition put in
    rhs: Any = None


def _quiet(*args) -> None:
    pass


def _decide(claim, read, imported, cache: ClaimCache, guard: float) -> Decision:
    """The claim's verdict, and how to report it."""
    from ankigen.check.decide import decide
    from ankigen.check.resolve import Circular, TooLarge, bind_lists, resolve

    definitions = _visible(read, imported, claim.section)
    try:
        lhs = resolve(claim.lhs, definitions, read.sequences)
        rhs = resolve(claim.rhs, definitions, read.sequences) if claim.rhs is not None else None
    except Circular:
        v = Verdict(None, "undecided", "circular definitions")
        return Decision(v, _reporter("C005", "circular definitions: a symbol is defined through itself"))
    except TooLarge as exc:
        v = Verdict(None, "undecided", f"too large for the checker's budget: {exc}")
        return Decision(v, _undecided_reporter(v))
    unused: list[str] = []
    if claim.bindings or claim.lists:
        free = lhs.free_symbols | (rhs.free_symbols if rhs is not None else set())
        values = {s: resolve(v, definitions, read.sequences) for s, v in claim.bindings}
        named = _mentioned(claim, definitions, read.sequences)
        unused = [str(name) for name in values
                  if name not in free and name not in claim.consumed and str(name) not in named]
        try:
            lhs, rhs = resolve(lhs, values, read.sequences), (resolve(rhs, values, read.sequences)
                                                               if rhs is not None else None)
            listed, problems = bind_lists(lhs, rhs, claim.lists)
            lhs = resolve(lhs, listed, read.sequences)
            rhs = resolve(rhs, listed, read.sequences) if rhs is not None else None
        except TooLarge as exc:
            v = Verdict(None, "undecided", f"too large for the checker's budget: {exc}")
            return Decision(v, _undecided_reporter(v))
        for p in problems:
            if "no element" in p.message:
                if p.name not in named:
                    unused.append(p.name)
            else:
                return Decision(Verdict(None, "undecided", p.message), _reporter("C008", p.message))
    if not claim.in_check_block and not claim.marked and _is_instance(lhs, rhs):
        return Decision(Verdict(None, "unclaimed", _EXAMPLE), _quiet, lhs, rhs)
    key = cache.key(lhs, claim.rel, rhs, claim.set_name, claim.tolerance)
    verdict = cache.get(key)
    if verdict is None:
        verdict = decide(lhs, claim.rel, rhs, claim.set_name, claim.tolerance, guard)
        cache.put(key, verdict)

    def report(sink: Sink, claim, read, imported) -> None:
        for name in unused:
            sink.warning(claim.span, "C004", f"'where' binds {name}, which the claim does not contain",
                         hint=_binding_hint(name, lhs.free_symbols | (rhs.free_symbols if rhs is not None else set())))
        if verdict.holds is False:
            sink.error(claim.span, "C001", f"claim does not hold: {claim.text}", _failure_hint(claim, lhs, rhs),
                       notes=_failure_notes(claim, verdict, read, imported))
        elif verdict.method == "timeout":
            sink.warning(claim.span, "C007", f"claim not decided: {verdict.detail}",
                         "this machine was too slow or too busy; raise check_timeout in [tool.ankigen]")
        elif verdict.holds is None:
            _undecided_reporter(verdict)(sink, claim, read, imported)
    return Decision(verdict, report, lhs, rhs)


_EXAMPLE = "an example whose values the card gives in words"
_UNDEFINED = "about a function the card does not define"
_UNKNOWNS = "an equation between different unknowns"
_EQUATIONS = "equations: a chain about nothing defined that brings in a new symbol, or none of whose steps holds"


def _reconsider(decided: list) -> list:
    """Failed display claims that are not what the author claimed: rounded decimals written with
    `=`, relations about undefined functions, examples, and chains of equations."""
    from ankigen.check.decide import brings_unknowns, could_be_example, rounded_equal, unknowns_on_both_sides

    out = []
    for claim, d in decided:
        if d.verdict.holds is False and not (claim.in_check_block or claim.marked):
            if claim.rel == "=" and rounded_equal(d.lhs, d.rhs, claim.tolerance):
                d = Decision(Verdict(True, "exact", "holds to the digits written"), _quiet, d.lhs, d.rhs)
            elif _has_calls(d.lhs) or _has_calls(d.rhs):
                d = Decision(Verdict(None, "unclaimed", _UNDEFINED), _quiet, d.lhs, d.rhs)
            elif unknowns_on_both_sides(d.lhs, d.rhs):
                d = Decision(Verdict(None, "unclaimed", _UNKNOWNS), _quiet, d.lhs, d.rhs)
            elif could_be_example(d.lhs, d.rhs):
                d = Decision(Verdict(None, "unclaimed", _EXAMPLE), _quiet, d.lhs, d.rhs)
            elif claim.chain and brings_unknowns(d.lhs, d.rhs):
                d = Decision(Verdict(None, "unclaimed", _EQUATIONS), _quiet, d.lhs, d.rhs)
        out.append((claim, d))
    chains: dict[tuple, list[int]] = {}
    for n, (claim, _) in enumerate(out):
        if claim.chain and not claim.marked:
            chains.setdefault(claim.key[:-1], []).append(n)
    for members in chains.values():
        failing = sum(out[n][1].verdict.holds is False for n in members)
        if failing > 1 and all(out[n][1].verdict.holds is not True for n in members):
            for n in members:
                claim, d = out[n]
                if d.verdict.holds is False and _free_in(d):  # a closed step that fails is arithmetic
                    out[n] = (claim, Decision(Verdict(None, "unclaimed", _EQUATIONS), _quiet, d.lhs, d.rhs))
    return out


def _mentioned(claim, definitions: dict, sequences: dict) -> set[str]:
    """Every name the claim mentions, directly or through the definitions and sequences it uses:
    a binding of one of them is not unused, even where its term vanished (× 0, an empty sum)."""
    import sympy as sp

    names: set[str] = set()
    pending = [claim.lhs] + ([claim.rhs] if claim.rhs is not None else [])
    seen: set = set()
    while pending:
        expr = pending.pop()
        for s in expr.free_symbols:
            if s in seen:
                continue
            seen.add(s)
            names.add(str(s))
            family = str(s).split("_{")[0]
            names.add(family)
            if s in definitions:
                pending.append(definitions[s])
            if family in sequences:
                pending.append(sequences[family].body)
        names |= {str(b.label) for b in expr.atoms(sp.IndexedBase)}
    return names


def _free_in(d: Decision) -> bool:
    return any(side is not None and bool(side.free_symbols) for side in (d.lhs, d.rhs))


def _has_calls(expr) -> bool:
    import sympy as sp

    return expr is not None and bool(expr.atoms(sp.core.function.AppliedUndef))


def _reporter(code: str, message: str):
    def report(sink: Sink, claim, read, imported) -> None:
        sink.error(claim.span, code, message)
    return report


def _undecided_reporter(v: Verdict):
    def report(sink: Sink, claim, read, imported) -> None:
        loud = sink.error if (claim.in_check_block or claim.marked) else sink.warning
        loud(claim.span, "C002", f"claim could not be checked: {v.detail}",
             "simplify the claim, or bind its symbols with 'where'")
    return report


def _is_instance(lhs, rhs) -> bool:
    """`N = 112` after N's general definition: one side a number, the other still free."""
    if rhs is None:
        return False
    sides = [bool(lhs.free_symbols), bool(rhs.free_symbols)]
    return sides[0] != sides[1]


def _binding_hint(name, free: set) -> str:
    close = difflib.get_close_matches(str(name), [str(s) for s in free], n=1)
    return f"did you mean {close[0]}?" if close else "remove it, or check the symbol's spelling"


def _ambiguity_hint(met) -> str:
    from ankigen.check.reading import DESCRIBE, KINDS

    return "; ".join(DESCRIBE[k][2] for k in KINDS if k in met)


def _failure_hint(claim, lhs, rhs) -> str | None:
    import sympy as sp

    if claim.rel == "~":
        return "≈ holds when both sides agree to the digits written on the less precise side"
    if claim.rel == "=" and claim.tolerance is not None and not (lhs.free_symbols or rhs.free_symbols):
        try:  # `=` with a rounded decimal side (0.333 for 1/3)
            if abs(sp.N(lhs - rhs, 30)) <= claim.tolerance:
                return "the sides differ only by rounding: write \\approx"
        except (TypeError, ValueError):
            pass
    return None


def _failure_notes(claim, v: Verdict, read, imported) -> list[str]:
    import sympy as sp

    rel = _RELATION_TEXT[claim.rel]
    notes = []
    if v.counterexample:
        notes.append("counterexample: " + ", ".join(f"{k} = {val}" for k, val in v.counterexample))
    if claim.rel == "in":
        notes.append(f"value: {v.lhs_value}, not in {'ℤ' if claim.set_name == 'Z' else 'ℕ'}")
    elif v.lhs_value or v.rhs_value:
        notes.append(f"left side = {v.lhs_value}, right side = {v.rhs_value} (expected left {rel} right)")
    if claim.rel == "~" and claim.tolerance is not None:
        notes.append(f"allowed difference: ±{sp.N(claim.tolerance, 3)}")
    notes.extend(_definition_notes(claim, read, imported))
    return notes


def _definition_notes(claim, read, imported) -> list[str]:
    """Where each definition the claim used is written, so the author can look there too."""
    visible = {d.target: d for d in read.assumptions if d.section in (0, claim.section)}
    visible.update({d.target: d for d in imported})
    visible.update({d.target: d for d in read.definitions if d.section in (0, claim.section)})
    pending = set(claim.lhs.free_symbols) | (set(claim.rhs.free_symbols) if claim.rhs is not None else set())
    seen, notes = set(), []
    while pending:
        s = pending.pop()
        d = visible.get(s)
        if d is None or s in seen:
            continue
        seen.add(s)
        pending |= set(d.value.free_symbols)
        notes.append(f"{s} is defined at {d.span.path}:{d.span.line}: {d.text}")
    for name, seq in read.sequences.items():
        if any(str(s).startswith(name + "_") for s in claim.lhs.free_symbols | (
                claim.rhs.free_symbols if claim.rhs is not None else set())):
            notes.append(f"{name} is defined at {seq.span.path}:{seq.span.line}: {seq.text}")
    return sorted(notes)[:6]


def span_line(lines: dict[str, list[str]]):
    def line_of(span: Span) -> str | None:
        text = lines.get(span.path)
        return text[span.line - 1] if text and 0 < span.line <= len(text) else None
    return line_of
