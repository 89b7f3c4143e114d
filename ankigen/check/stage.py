"""The check stage: every claim of every card decided, failures reported with counterexamples.

A card is read under the usual reading of its notation; when a claim fails, the card is read
again under every other reading of the ambiguities that claim contains, and the claim is an
error only when it fails under all of them. A card's outcome is cached under a key made of its
formulas and check lines, and those of the cards it `use`s: an unchanged deck is checked without
parsing a formula or importing sympy.
"""

from __future__ import annotations

import difflib
import os
import hashlib
import re
import sys
import traceback
from dataclasses import dataclass, fields, replace
from typing import Any, Callable

from ankigen.check.prose import context
from ankigen.check.cache import CACHE_FORMAT, CardOutcome, ClaimCache, FormulaRow
from ankigen.check.workers import in_workers, usable
from ankigen.check.reading import INVERTED
from ankigen.check.lines import find_uses
from ankigen.check.messages import (ambiguity_hint, binding_hint, circular_message, doubt_hint, failure_hint,
                                    failure_notes, quiet, reporter, undecided_reporter)
from ankigen.diagnostics import Sink
from ankigen.model import Card, CheckLine, Formula, Span, Verdict

_RELATION_TEXT = {"=": "=", "!=": "≠", "<": "<", ">": ">", "<=": "≤", ">=": "≥", "~": "≈", "in": "∈"}


@dataclass(frozen=True)
class CheckStats:
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


def _card_key(order: list[int], unknown: bool, cards: list[Card], by_id: dict[str, int], cache: ClaimCache) -> str:
    """The cache key of the first card in `order`, from everything its outcome depends on. A
    process that checks again (`build --watch`) has the same card objects for the files that did
    not change: their keys are kept, by the cards themselves."""
    memo = (tuple(cards[j] for j in order), tuple(sorted(by_id)) if unknown else ())
    kept = _keys.get(memo)
    if kept is not None:
        key, pairs = kept
        for whole, part in pairs:  # still in use: the cache keeps them
            cache.put_part(whole, part)
        return key
    pairs = [_part(cards[j], cache) for j in order]
    parts = [CACHE_FORMAT] + [part for _, part in pairs]
    if unknown:  # the hint for an unknown id names the closest known one
        parts.append(repr(sorted(by_id)))
    key = hashlib.sha256("\x1e".join(parts).encode("utf-8")).hexdigest()
    _keys[memo] = (key, pairs)
    return key


_keys: dict[tuple, tuple[str, list[tuple[str, str]]]] = {}


def _part(card: Card, cache: ClaimCache) -> tuple[str, str]:
    """What one card adds to a key: its formulas and check lines, and of the prose around a
    formula only what the checker reads in it, so that rewording a sentence re-checks nothing.
    Reading the prose is most of a key's cost, so the part is kept by the card's whole text."""
    whole = hashlib.sha256(repr(([_plain(f) for f in card.formulas], [_plain(f) for f in card.inline],
                                 [_plain(k) for k in card.checks], card.check_display)).encode("utf-8")).hexdigest()
    part = cache.part(whole)
    if part is None:
        formulas = tuple((f.latex, f.span, f.section, context(f)) for f in card.formulas)
        inline = tuple((f.latex, f.span, f.section, context(f)) for f in card.inline)
        part = hashlib.sha256(repr((formulas, card.checks, inline, card.check_display)).encode("utf-8")).hexdigest()
        cache.put_part(whole, part)
    return whole, part


def _plain(item: Formula | CheckLine) -> tuple:
    """Every field, a span as its fields: a dataclass's own repr costs ten times as much."""
    return tuple((v.path, v.line, v.col, v.length) if isinstance(v, Span) else v
                 for v in map(item.__getattribute__, _FIELDS[type(item)]))


_FIELDS = {t: tuple(f.name for f in fields(t)) for t in (Formula, CheckLine)}


def check_cards(cards: list[Card], sink: Sink, cache: ClaimCache, lines_of, step=None,
                guard: float = 120.0, meanwhile=None) -> CheckStats:
    """Decide every claim of every card; report failures to the sink. `meanwhile()` is called
    once the work has started: after the workers are forked, since a process may fork only while
    it has one thread, and `meanwhile` may start another (the PDF's). It may return `spare()`, true
    once that work is done: this process then checks cards too (workers.in_workers)."""
    by_id = {card.id: i for i, card in enumerate(cards) if card.id}
    uses = [find_uses(card.checks) for card in cards]
    used_reads: dict = {}  # (card index, reading) → what a used card defines
    per_card = []
    results: list[tuple[Span, str, Verdict]] = []
    formulas: list[FormulaRow] = []
    scopes = [_in_scope(i, uses, by_id) for i in range(len(cards))]
    if len(_keys) > 4 * len(cards) + 1000:
        _keys.clear()  # the keys of cards long gone
    keys = [_card_key(order, unknown, cards, by_id, cache) for order, unknown in scopes]
    known = {i: cache.card(key) for i, key in enumerate(keys)}
    missing = [i for i, outcome in known.items() if outcome is None]
    jobs = usable(len(missing), beside=meanwhile is not None)
    forked = set(missing) if jobs else set()
    if not jobs and meanwhile is not None:
        meanwhile()
    if jobs:
        def work(i: int) -> CardOutcome:
            return _guarded_check(scopes[i][0], cards, uses, by_id, cache, guard, used_reads)

        for i, outcome in in_workers(missing, work, cache, jobs, meanwhile):
            known[i] = outcome
            cache.put_card(keys[i], outcome)
            if step is not None:  # progress as the workers finish; the report below stays in deck order
                step()
    for i in range(len(cards)):
        outcome = known[i]
        if outcome is None:
            outcome = _guarded_check(scopes[i][0], cards, uses, by_id, cache, guard, used_reads)
            cache.put_card(keys[i], outcome)
        sink.items.extend(replace(d, source_line=lines_of(d.span)) for d in outcome.diagnostics)
        formulas.extend(f for f in outcome.formulas if f.status != "claimed")
        results.extend(outcome.results)
        per_card.append(sum(verdict.holds is True for _, _, verdict in outcome.results))
        if step is not None and i not in forked:
            step()
    cache.save()
    return CheckStats(tuple(per_card), tuple(results), tuple(formulas))


def _guarded_check(order, cards, uses, by_id, cache, guard, used_reads: dict) -> CardOutcome:
    """A card's outcome; whatever goes wrong inside the checker stays this card's diagnostic."""
    import time

    started = time.perf_counter()
    try:
        return _check_card(order, cards, uses, by_id, cache, guard, used_reads)
    except Exception as exc:  # noqa: BLE001 — one card's formulas must never stop the run
        if os.environ.get("ANKIGEN_DEBUG"):
            traceback.print_exc()
        card = cards[order[0]]
        sink = Sink()
        sink.warning(card.span, "M003", f"the checker failed on this card's formulas ({type(exc).__name__})",
                     "this is a bug in ankigen; please report it with the card. Its formulas are not checked")
        return CardOutcome(tuple(sink.items), ())
    finally:
        seconds = time.perf_counter() - started
        if os.environ.get("ANKIGEN_DEBUG") and seconds > 1:  # where a slow check goes, for whoever debugs it
            print(f"ankigen: {cards[order[0]].span.path}:{cards[order[0]].span.line}: checked in {seconds:.1f} s",
                  file=sys.stderr)


def _imports(order: list[int], cards: list[Card], reading, used_reads: dict) -> tuple[set, dict, list, dict]:
    """Definitions and functions of the cards that order[0] uses, read under `reading`; a card
    used by many is read once per reading (`used_reads` lasts the whole check)."""
    from ankigen.check.card import read_card
    from ankigen.check.reference import REFERENCES

    definitions, functions, sequences = [], {}, {}
    for j in reversed(order[1:]):
        read = used_reads.get((j, reading))
        if read is None:
            c = cards[j]
            read = read_card(c.formulas, c.checks, c.inline, reading, REFERENCES, display=c.check_display)
            used_reads[(j, reading)] = read
        definitions.extend(replace(d, section=0) for d in read.definitions)
        functions.update(read.functions)
        sequences.update(read.sequences)
    return {d.target for d in definitions}, functions, definitions, sequences


def _read(order, cards, reading, used_reads: dict):
    from ankigen.check.card import read_card
    from ankigen.check.reference import REFERENCES

    names, functions, imported, sequences = _imports(order, cards, reading, used_reads)
    card = cards[order[0]]
    read = read_card(card.formulas, card.checks, card.inline, reading, REFERENCES, display=card.check_display,
                     imported=names, imported_functions=functions)
    read.sequences = {**sequences, **read.sequences}
    return read, imported


def _check_card(order: list[int], cards: list[Card], uses, by_id: dict[str, int], cache: ClaimCache,
                guard: float, used_reads: dict) -> CardOutcome:
    """Read and decide the claims of card order[0], which uses the rest of `order`."""
    from ankigen.check.reading import USUAL, alternatives

    i = order[0]
    sink = Sink()
    for uid, span in uses[i]:
        if uid not in by_id:
            close = difflib.get_close_matches(uid, list(by_id), n=1)
            sink.error(span, "C003", f"unknown card id '{uid}' in 'use'",
                       hint=f"did you mean '{close[0]}'?" if close else "use names a card's {#id}")
    read, imported = _read(order, cards, USUAL, used_reads)
    for p in read.problems:
        (sink.error if p.error else sink.warning)(p.span, p.code, p.message, p.hint)
    decided = _rows_among_identities([(claim, _decide(claim, read, imported, cache, guard)) for claim in read.claims],
                                     read, imported, cache, guard)
    decided = _tied_by_statements(decided, read, imported, cache, guard)
    decided = _rearranged(decided, guard)
    failing = {claim.key: claim.span for claim, d in decided if d.verdict.holds is False}
    other: dict[tuple, tuple[str, Verdict | None, str]] = {}
    if failing and read.met:
        other = _other_readings(order, cards, failing, frozenset(read.met), cache, guard, alternatives, used_reads)
    results = []
    _report_typos(sink, decided, read, imported, cache, guard)
    _report_shapes(sink, read)
    for claim, d in decided:
        verdict = d.verdict
        if verdict.method == "unclaimed":
            continue  # a statement by its form: its formula says so (_formula_rows)
        if claim.key in other:
            described, alt, hint = other[claim.key]
            verdict = Verdict(None, "ambiguous", described)
            how = "holds" if alt is not None else "is not a claim"
            sink.warning(claim.span, "C006", f"the claim fails as read, but {how} when {described}: {claim.text}",
                         hint, notes=failure_notes(claim, d.verdict, read, imported))
        else:
            d.report(sink, claim, read, imported)
        results.append((claim.span, claim.text, verdict))
    return CardOutcome(_once(sink.items), tuple(results), _formula_rows(read.formulas, decided))


def _rows_among_identities(decided: list, read, imported, cache, guard: float) -> list:
    """A row of a display formula whose other rows are identities that hold (a table of trigonometric
    identities) is read as one too: `\\sin^2 x - \\cos^2 x = 1` there is a wrong identity, not an
    equation to solve. Decided again, as a doubt: a failure is a warning."""
    rows: dict = {}
    for k, (claim, d) in enumerate(decided):
        if isinstance(claim.key[0], int):
            rows.setdefault(claim.key[0], []).append(k)
    for members in rows.values():
        holding = [k for k in members if decided[k][1].verdict.holds is True
                   and decided[k][1].verdict.method in ("symbolic", "sampled")]
        if len(holding) < 2:
            continue
        for k in members:
            claim, d = decided[k]
            if d.verdict.method == "unclaimed" and d.verdict.detail == "an equation to solve or a condition":
                decided[k] = (claim, _decide(claim, read, imported, cache, guard, among_identities=True))
    return decided


_TIES = ("an equation between different unknowns", "an equation to solve or a condition")


def _lapsed_examples(claim, visible: dict) -> set:
    """`Z = e + e^2 + e^{-1}` in a worked example, then `p_i = \\frac{e^{x_i}}{\\sum_k e^{x_k}}` and a derivation
    in x_i that writes Z for the normaliser again: a definition in letters nobody gives values came
    between, and the claim uses it. The example's numbers do not reach such a claim in free letters;
    an identity for every value of them still holds, and one only their numbers make true is read
    as the equation it then is."""
    import sympy as sp

    written = {s for side in (claim.lhs, claim.rhs) if side is not None for s in side.free_symbols}
    named = {str(t) for t in visible}
    if not any(str(s) not in named for s in written if isinstance(s, sp.Symbol)):
        return set()
    general = [d.span.line for t, d in visible.items() if t in written and d.span.line < claim.span.line
               and any(str(s) not in named for s in d.value.free_symbols if isinstance(s, sp.Symbol))]
    if not general:
        return set()
    return {t for t, d in visible.items() if t in written and d.value.is_number and d.span.line < max(general)}


def _power_notation(target, value) -> bool:
    """`\\boldsymbol{\\Sigma}_c = \\boldsymbol{\\sigma}_c^{2}`: a matrix named the square of a vector (read
    entry by entry), a covariance in the card's notation; put in, it would make the matrix a vector."""
    from ankigen.check.matrices import Hadamard, is_vector_name

    square = value.is_Pow and value.exp.is_Integer and value.base or \
        isinstance(value, Hadamard) and value.args[0] == value.args[1] and value.args[0]
    return target.is_commutative is False and not is_vector_name(str(target)) and bool(square) \
        and square.is_commutative is False and is_vector_name(str(square))


def _tied_by_statements(decided: list, read, imported, cache, guard: float) -> list:
    """`z = x + iy = re^{i\\theta}` ties x, y, r and θ together, and nothing solves it for one of them:
    a later claim in two or more of them (`x - iy = re^{-i\\theta}`) is sampled with each drawn apart,
    so its failure says less than a claim's. Decided again, as a doubt: a failure is a warning."""
    ties = [(claim, {str(s) for side in (d.lhs, d.rhs) if side is not None for s in side.free_symbols})
            for claim, d in decided if d.verdict.method == "unclaimed" and claim.rel == "=" and (
                d.verdict.detail in _TIES or d.verdict.detail.endswith(", on one side only") and _apart(claim))]
    if not ties:
        return decided
    for k, (claim, d) in enumerate(decided):
        if d.verdict.holds is not False or d.verdict.method == "shapes" or claim.in_check_block or claim.marked:
            continue
        names = {str(s) for side in (d.lhs, d.rhs) if side is not None for s in side.free_symbols}
        for stated, symbols in ties:
            if stated.span.line < claim.span.line and stated.section in (0, claim.section) \
                    and len(names & symbols) >= 2:
                tied = (stated.span.line, tuple(sorted(names & symbols)))
                decided[k] = (claim, _decide(claim, read, imported, cache, guard, tied=tied))
                break
    return decided


def _rearranged(decided: list, guard: float) -> list:
    """`$$0 = w\\sum_i x_i^2 - \\sum_i (y_i - b) x_i$$` then `$$w\\sum_i x_i^2 = \\sum_i y_i x_i - \\sum_i b x_i$$`: a
    display that is the equation of the display just before, its terms moved across, is a step of
    solving it, which holds; as an identity it fails. Only a lone equation after a lone equation."""
    from ankigen.check.decide import decide

    by_formula: dict = {}
    for claim, d in decided:
        if isinstance(claim.key[0], int):
            by_formula.setdefault(claim.key[0], []).append((claim, d))
    for k, (claim, d) in enumerate(decided):
        if d.verdict.holds is not False or d.verdict.method == "shapes" or claim.rel != "=" or claim.in_check_block \
                or claim.marked or not isinstance(claim.key[0], int) or len(by_formula[claim.key[0]]) != 1:
            continue
        before = by_formula.get(claim.key[0] - 1, [])
        if len(before) != 1 or before[0][0].rel != "=" or before[0][1].verdict.method != "unclaimed" \
                or before[0][1].lhs is None or before[0][1].rhs is None or before[0][0].section != claim.section:
            continue
        was, now = before[0][1].lhs - before[0][1].rhs, d.lhs - d.rhs
        if any(decide(now, "=", sign * was, None, None, guard).holds for sign in (1, -1)):
            decided[k] = (claim, Decision(Verdict(True, "sampled", "a rearrangement of the equation before"),
                                          quiet, d.lhs, d.rhs))
    return decided


def _apart(claim) -> bool:
    """Its two sides are written in different names (`x + iy = re^{i\\theta}`): it relates them."""
    left, right = (claim.lhs.free_symbols, claim.rhs.free_symbols) if claim.rhs is not None else (set(), set())
    return bool(left) and bool(right) and not left & right


def _once(items: list) -> tuple:
    """A shape mismatch inside a chain fails every step that holds it: it is reported once a line."""
    seen, out = set(), []
    for d in items:
        key = (d.span.path, d.span.line, d.message) if d.code == "C011" else None
        if key is None or key not in seen:
            out.append(d)
            seen.add(key)
    return tuple(out)


def _report_shapes(sink: Sink, read) -> None:
    """A definition whose shapes cannot fit (`\\mathbf{h} = \\mathbf{W}^\\top \\mathbf{x}` for W of m×n
    and x of n) is wrong whatever the values: C011 at the definition."""
    if not read.declared:
        return
    import sympy as sp

    from ankigen.check.matrices import Literal, ShapeError, Unsupported, infer_shapes, is_matrix

    from ankigen.check.vocabulary import Opaque

    for d in read.definitions:
        if not is_matrix(d.value):
            continue  # θ = \log\frac{\mu}{1-\mu} for a θ declared a vector: the name given anew, to a number
        # the shapes declared in the definition's own part of the card: a later part may give
        # the same letters other sizes (A of m×n for least squares, n×n for a determinant)
        here = read.declared_in.get(d.section, read.declared_in.get(0, ()))
        declared = {sp.Symbol(name, commutative=False): dims for name, dims in here}
        if d.value.has(Opaque) or d.target.is_commutative:  # C = AB: a plain C takes AB's shape
            continue
        if isinstance(d.value, Literal) and any(not getattr(x, "is_Integer", True) for name, shape in here
                                                if name == str(d.target) for x in shape):
            continue  # A ∈ ℝ^{m×n}, then A written out: an example of sizes the letters left open
        if any(name.isalpha() for name in read.declared_anywhere) and any(
                s.is_commutative and str(s) not in read.declared_anywhere for s in d.value.free_symbols):
            continue  # a card of plain-letter vectors: an undeclared x̂ may be one
        try:
            infer_shapes([d.target, d.value], declared)
        except ShapeError as exc:
            sink.error(d.span, "C011", f"shapes do not match: {exc.message}",
                       "check the order of the factors, a missing transpose, and the declared shapes")
        except (Unsupported, TypeError, ValueError, AttributeError):
            continue


def _report_typos(sink: Sink, decided: list, read, imported, cache, guard: float) -> None:
    """A name used once, defined nowhere, one index or letter away from one the card uses, is
    reported as a likely typo (C010) where it made a claim a statement or a failure, and only when
    the claim holds with the other name: then the typo is all that is wrong. Once per name."""
    import sympy as sp

    from ankigen.check.typos import suspects, usage

    counts = None
    warned: set[str] = set()
    for claim, d in decided:
        if d.verdict.holds is not False and d.verdict.method != "unclaimed":
            continue
        if counts is None:
            counts = usage(read.claims, read.definitions + list(imported))
        defined = {str(t) for t in read.visible(claim.section, imported)} | {str(s) for s, _ in claim.bindings}
        families = set(read.sequences) | {name for name, _ in claim.lists} | {
            str(b.label) for side in (claim.lhs, claim.rhs) if side is not None for b in side.atoms(sp.IndexedBase)}
        for name, intended in suspects(claim, counts, defined, families, read.runs):
            if name in warned or not _holds_with(claim, name, intended, read, imported, cache, guard):
                continue
            warned.add(name)
            sink.warning(claim.span, "C010", f"'{name}' appears only here and is defined nowhere; with "
                         f"'{intended}' in its place the claim holds", "a typo in an index or a letter makes a "
                         "new symbol, which no claim can check; correct it, or define the symbol")


def _holds_with(claim, name: str, intended: str, read, imported, cache, guard: float) -> bool:
    """Whether the claim holds with `intended` written where `name` is."""
    sides = [claim.lhs] + ([claim.rhs] if claim.rhs is not None else [])
    symbols = {str(s): s for side in sides for s in side.free_symbols}
    if name not in symbols:
        return False
    target = next((s for side in sides for s in side.free_symbols if str(s) == intended), None)
    if target is None:
        target = type(symbols[name])(intended, **symbols[name].assumptions0)
    fixed = replace(claim, lhs=claim.lhs.xreplace({symbols[name]: target}),
                    rhs=claim.rhs.xreplace({symbols[name]: target}) if claim.rhs is not None else None)
    return _decide(fixed, read, imported, cache, guard).verdict.holds is True


def _formula_rows(rows: list, decided: list) -> tuple:
    """A display formula none of whose relations is claimed by its form is a statement, with the
    reason its form gave (listed by `check --claims`)."""
    claimed, reasons = set(), {}
    for claim, d in decided:
        n = claim.key[0]
        if not isinstance(n, int):
            continue
        if d.verdict.method == "unclaimed":
            reasons.setdefault(n, d.verdict.detail)
        else:
            claimed.add(n)
    out = list(rows)
    for n, reason in reasons.items():
        if n not in claimed and n < len(out) and out[n].status == "claimed":
            defined = out[n].reason == "definition"  # it also defines: that is what it is
            out[n] = replace(out[n], status="definition" if defined else "statement", reason="" if defined else reason)
    return tuple(out)


def _other_readings(order, cards, failing: dict, met: frozenset, cache, guard, alternatives, used_reads) -> dict:
    """For each failing claim (key: span), the first other reading under which it does not fail: one
    under which it holds, or one under which it is no claim (a definition, a statement). A reading
    under which its formula cannot be read says nothing of it, and saves nothing."""
    found: dict[tuple, tuple[str, Verdict | None, str]] = {}
    for reading in alternatives(met):
        read, imported = _read(order, cards, reading, used_reads)
        by_key = {c.key: c for c in read.claims}
        for key in set(failing) - set(found):
            claim = by_key.get(key)
            flipped = frozenset(k for k in met if k.removesuffix(INVERTED) in reading.flips)
            described = reading.describe(flipped)
            if claim is None:
                if not _unreadable_at(read, failing[key]):
                    found[key] = (described, None, ambiguity_hint(flipped))
                continue
            d = _decide(claim, read, imported, cache, guard)
            if d.verdict.holds:  # only a reading under which it holds, or one with no such claim, saves it
                found[key] = (described, d.verdict, ambiguity_hint(flipped))
        if set(failing) <= set(found):
            break
    return found


def _unreadable_at(read, span) -> bool:
    """Whether the display formula holding `span` (the one that starts last before it) was unreadable."""
    before = [r for r in read.formulas if (r.span.line, r.span.col) <= (span.line, span.col)]
    return bool(before) and max(before, key=lambda r: (r.span.line, r.span.col)).status == "unreadable"


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    report: Callable  # (sink, claim, read, imported) → None: the diagnostics the verdict calls for
    lhs: Any = None  # the claim with every definition put in
    rhs: Any = None


_SIGN_SENSITIVE = re.compile(r"\||\\[lr]vert|\\max|\\min|relu|\\operatorname\{sgn\}|\\mathrm\{sgn\}|\)\s*_\s*\{?\s*\+",
                             re.I)


def _decide(claim, read, imported, cache: ClaimCache, guard: float, among_identities: bool = False,
            tied: tuple | None = None) -> Decision:
    """The claim's verdict, and how to report it. Whether it is meant as a claim is decided from its
    form (form.py) before it is evaluated; a `where` binding outranks every definition of its symbol."""
    import sympy as sp

    from ankigen.check.moments import averaged, claimed as moment_identity, decide as decide_moments, scalar_values
    from ankigen.check.decide import decide, decide_guarded, premises_put_in
    from ankigen.check.dependence import abstracted, missing_link
    from ankigen.check.form import CERTAIN, DOUBTFUL, EXAMPLE, STATEMENT, Form, classify
    from ankigen.check.matrices import Grad, decide_matrix, is_matrix, linked_members, one_entry_name
    from ankigen.check.vectors import same_letters
    from ankigen.check.resolve import Circular, TooLarge, bind_lists, family_members, resolve

    claim = _gradients_alike(claim)
    visible = read.visible(claim.section, imported, claim.defs_at, claim.varied, claim.span.line)
    given = read.distributions_at(claim.section, claim.span.line)
    if given and _SIGN_SENSITIVE.search(claim.text):
        # |z|, max(0, z), ReLU(z) of a normal z: read with the positive letters every claim uses, they
        # would be z itself (E[|z|] = E[z] = 0). Not computed: left a function of unknown value.
        given = {}
    if given:  # E[X], Var(X) of variables the card gives a distribution: computed first
        from ankigen.check.probability import put_in

        # Y = 10 - X of a declared X, given before: Cov(X, Y) is Cov(X, 10 - X)
        bound = {v for side in (claim.lhs, claim.rhs) if side is not None
                 for node in side.atoms(sp.Integral, sp.Sum, sp.Product) for v in node.variables}
        through = {t: d.value for t, d in visible.items() if str(t) not in given and t not in bound
                   and {str(s) for s in d.value.free_symbols} & set(given)}  # never ∫ … dx's own x
        written = put_in(claim.lhs.xreplace(through), given), \
            put_in(claim.rhs.xreplace(through) if claim.rhs is not None else None, given)
        if written != tuple(side.xreplace(through) if side is not None else None for side in (claim.lhs, claim.rhs)):  # it says something of the card's random variables
            # m in E(\frac{1}{m}\sum_{j=1}^{m} Y_j) = \frac{\theta}{m} was written on both sides: computing
            # the expectation takes it from one, which makes no equation for m
            both = {str(s) for s in claim.lhs.free_symbols} & {str(s) for s in claim.rhs.free_symbols} \
                if claim.rhs is not None else set()
            claim = replace(claim, lhs=written[0], rhs=written[1], called=True, elsewhere=claim.elsewhere | both)
    lapsed = _lapsed_examples(claim, visible)
    bound = {s for s, _ in claim.bindings} | lapsed
    definitions = {t: d.value for t, d in visible.items() if t not in bound and not _power_notation(t, d.value)}
    # "如果 B = P^{-1} A P，则 tr(B) = tr(A)": the condition gives B for this claim, over the example's B
    by_target = {str(t): t for t in definitions}
    for left, rel, right in claim.conditions:
        if rel == "=" and isinstance(left, sp.Symbol) and str(left) in by_target \
                and str(left) not in {str(x) for x in right.free_symbols}:
            definitions[by_target[str(left)]] = right
    definitions.update({s: v for s, v in family_members((claim.lhs, claim.rhs), definitions).items()
                        if s not in bound})
    claim = _primes_of_defined(claim, definitions, read)
    definitions.update(_bare_functions(claim, read, definitions))
    aliases = _bold_aliases(claim, definitions)
    definitions.update(aliases)
    if _order_lost(claim, definitions):
        return Decision(Verdict(None, "unclaimed", "a product of matrices named by letters declared two ways, "
                                                   "whose order is not kept"), quiet)
    try:
        lhs, rhs = _resolved(claim, definitions, read, visible)
    except Circular as exc:
        v = Verdict(None, "undecided", "circular definitions")
        return Decision(v, reporter("C005", circular_message(exc, visible)))
    except TooLarge as exc:
        v = Verdict(None, "undecided", f"too large for the checker's budget: {exc}")
        return Decision(v, undecided_reporter(v))
    one_sided = [t for t in lapsed if rhs is not None and (t in lhs.free_symbols) != (t in rhs.free_symbols)]
    if one_sided:
        name = sorted(one_sided, key=str)[0]
        return Decision(Verdict(None, "unclaimed", f"{name} was a number of the worked example at line "
                                                   f"{visible[name].span.line}; in this general step, on one side "
                                                   "only, it names what the card does not say"), quiet)
    if claim.rel == "=>":  # one step of solving implies the next (implications.py)
        return _implied(claim, lhs, rhs, guard)
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
            return Decision(v, undecided_reporter(v))
        for p in problems:
            if "no element" in p.message:
                if p.name not in named:
                    unused.append(p.name)
            else:
                return Decision(Verdict(None, "undecided", p.message), reporter("C008", p.message))
    defined = ({str(t) for t in visible if visible[t] not in read.assumptions} | set(read.sequences)
               | {name for name, _ in claim.declared} | set(given) | {str(s) for s in aliases})
    by_name = {str(s): s for s in definitions}

    def value_of(name: str):
        try:
            return resolve(definitions[by_name[name]], definitions, read.sequences) if name in by_name else None
        except (TooLarge, Circular):
            return None

    if averaged(lhs, rhs):
        lhs, rhs = scalar_values(lhs), scalar_values(rhs)
        claim = replace(claim, lhs=scalar_values(claim.lhs), rhs=scalar_values(claim.rhs))
    # is_matrix walks the whole tree: asked once (what follows keeps a matrix claim one, and a number one)
    matrix = is_matrix(lhs) or is_matrix(rhs)
    if not matrix and missing_link(lhs, rhs, defined | set(by_name), value_of):
        return Decision(Verdict(None, "unclaimed", "derivatives of a name the card does not define, by variables "
                                                   "it does not relate (the chain rule's missing link)"), quiet)
    chained = None if matrix else abstracted(lhs, rhs, defined | set(by_name), value_of)
    if chained is not None:  # ∂f/∂z of an f nobody defines: f's derivative, not 0
        lhs, rhs = chained
    if matrix:
        lhs, rhs = linked_members(*same_letters(lhs, rhs))
        here = {name for name, _ in claim.declared}
        unsure = {s for side in (lhs, rhs) if side is not None for s in side.free_symbols
                  if s.is_commutative and s.name in read.declared_anywhere and s.name not in here}
        if unsure:  # a letter this part of the card does not declare, or declares two ways
            v = Verdict(None, "unclaimed", f"{sorted(s.name for s in unsure)[0]} has no one shape here")
            return Decision(v, quiet, lhs, rhs)
    if rhs is not None:  # since ‖d‖ = 1: the claim's form is that of the claim with d's value in
        written = {str(s) for side in (claim.lhs, claim.rhs) for s in side.free_symbols}
        lhs, rhs, kept = premises_put_in(lhs, rhs, claim.conditions, written)
        claim = replace(claim, conditions=kept)
    ruled = {str(k.base.label) for k in definitions if isinstance(k, sp.Indexed)}  # D_i = V_i - V_{i-1}
    summed = tuple(set().union(*(_summed_data(s, definitions[s]) for s in side.free_symbols & definitions.keys()))
                   for side in (claim.lhs, claim.rhs) if side is not None)
    form = classify(claim, lhs, rhs, defined, set(read.sequences) | {name for name, _ in claim.lists} | ruled, summed)
    if among_identities and form.kind == STATEMENT and form.reason == "an equation to solve or a condition":
        form = Form(DOUBTFUL, "a row among identities")
    if form.kind == STATEMENT and form.reason in _WORKED and not matrix:
        worked = _with_examples(claim, lhs, rhs, read)
        if worked is not None:
            lhs, rhs = worked
            form = Form(DOUBTFUL, EXAMPLE)
            spread = _rounding_spread(claim)
            if spread is not None and (claim.tolerance is None or spread > claim.tolerance):
                claim = replace(claim, tolerance=spread)
    if form.kind == STATEMENT:
        return Decision(Verdict(None, "unclaimed", form.reason), quiet, lhs, rhs)
    if form.kind == CERTAIN and claim.approximated:
        form = Form(DOUBTFUL, "an equality in a derivation the sentence before calls an approximation")
    if form.kind == CERTAIN and tied is not None:
        names = ", ".join(tied[1])
        form = Form(DOUBTFUL, f"{names} are tied by the equation at line {tied[0]}, which the check does not solve")
    rounded = claim.rel == "=" and not (claim.in_check_block or claim.marked) and claim.tolerance is not None
    tolerance = claim.tolerance if claim.rel == "~" or rounded else None
    written_decimals = _rounded_entries(claim) if matrix and claim.rel in ("=", "~") else None
    key = cache.key(lhs, claim.rel, rhs, claim.set_name,
                    (tolerance, claim.conditions, claim.independent) + ((claim.target, claim.declared, claim.symmetric, claim.unit, written_decimals,
                                                       tuple(sorted(read.symmetric_names))) if matrix else ()))
    verdict = cache.get(key)
    if verdict is None:
        if matrix:
            declared = {sp.Symbol(name, commutative=False): dims for name, dims in claim.declared}
            verdict = decide_guarded(lambda: decide_matrix(lhs, claim.rel, rhs, declared, key, claim.target,
                                                           claim.conditions, written_decimals), guard)
            if verdict.method == "shapes" and verdict.holds is False and _plain_unknowns(lhs, rhs, claim, read) \
                    and not _fails_as_vectors(lhs, claim, rhs, read, declared, key, guard):
                # on a card that writes vectors as plain letters, an undeclared x̂ may be one
                verdict = Verdict(None, "unclaimed", "a plain letter that may be a vector")
            if (verdict.holds is False or verdict.method == "one entry") and (
                    lhs.has(Grad) or rhs is not None and rhs.has(Grad)):
                rows = _as_rows(lhs, claim, rhs, declared, key, guard)
                if rows is not None:
                    verdict, lhs, rhs = rows
            if verdict.holds is False and verdict.method != "shapes":
                stated = claim.symmetric or any(str(x) in read.symmetric_names for side in (lhs, rhs)
                                                if side is not None for x in side.free_symbols)
                verdict = _for_symmetric(lhs, claim, rhs, declared, key, guard, stated) or verdict
            if verdict.holds is False and verdict.method != "shapes" and claim.unit:
                verdict = _for_unit(lhs, claim, rhs, declared, key, guard) or verdict
            if verdict.holds is None and verdict.method != "shapes":
                verdict = _where_definite(lhs, claim, rhs, declared, key, guard) or verdict
            if verdict.method == "one entry" and one_entry_name(verdict.detail) not in {
                    str(s) for side in (claim.lhs, claim.rhs) if side is not None for s in side.free_symbols}:
                # Σ_c = σ_c^2 given in the words: the card's notation for a covariance, not a product
                verdict = Verdict(None, "unclaimed", f"a definition the card gives makes "
                                  f"{one_entry_name(verdict.detail)} a single entry: notation of its own")
        elif moment_identity(claim, lhs, rhs):
            verdict = decide_guarded(lambda: decide_moments(lhs, rhs, claim.independent), guard)
        else:
            verdict = decide(lhs, claim.rel, rhs, claim.set_name, tolerance, guard, claim.conditions)
        cache.put(key, verdict)
    if verdict.holds is False and not matrix and not (claim.bindings or claim.lists) and chained is None:
        # not cached under the key: another claim may resolve to the same sides without the graph
        verdict = _as_local_partials(claim, definitions, read, tolerance, guard) or verdict
    if verdict.holds is False and not matrix and not (claim.bindings or claim.lists):
        verdict = (_as_written(claim, definitions, visible, read, tolerance, guard)
                   or _as_solved(claim, definitions, visible, read, tolerance, guard)
                   or (_as_rounded_sum(claim) if not (claim.in_check_block or claim.marked) else None)
                   or _over_named_size(lhs, claim, rhs, tolerance, guard)
                   or _as_distribution(lhs, claim, rhs, tolerance, guard)
                   or _over_all_steps(lhs, claim, rhs, tolerance, guard) or verdict)
    if verdict.holds is None and not matrix and not (claim.bindings or claim.lists):
        verdict = _without_assumptions(claim, definitions, visible, read, tolerance, guard) or verdict
    certain = form.kind == CERTAIN
    inputs = _rounded_inputs(claim, tolerance) if verdict.holds is False and certain and not matrix \
        and verdict.method == "exact" and not (claim.in_check_block or claim.marked) else ()

    def report(sink: Sink, claim, read, imported) -> None:
        for name in unused:
            sink.warning(claim.span, "C004", f"'where' binds {name}, which the claim does not contain",
                         hint=binding_hint(name, lhs.free_symbols | (rhs.free_symbols if rhs is not None else set())))
        if verdict.holds is False and verdict.method == "shapes":  # wherever it is: a product that cannot be
            sink.error(claim.span, "C011", f"shapes do not match: {verdict.detail}",
                       "check the order of the factors, a missing transpose, and the declared shapes",
                       notes=failure_notes(claim, verdict, read, imported))
        elif verdict.holds is False and inputs:
            sink.warning(claim.span, "C009", f"does not hold with its decimals as written, but does within their "
                         f"rounding ({', '.join(inputs)}): {claim.text}",
                         "if they were rounded from more precise values, write those; if not, the result is wrong",
                         notes=failure_notes(claim, verdict, read, imported))
        elif verdict.holds is False and certain:
            sink.error(claim.span, "C001", f"claim does not hold: {claim.text}", failure_hint(claim, lhs, rhs),
                       notes=failure_notes(claim, verdict, read, imported))
        elif verdict.holds is False:
            sink.warning(claim.span, "C009", f"does not hold, if it is meant as a claim ({form.reason}): "
                         f"{claim.text}", doubt_hint(), notes=failure_notes(claim, verdict, read, imported))
        elif verdict.method == "ambiguous":
            sink.warning(claim.span, "C006", f"the claim fails as read, but holds when {verdict.detail}: "
                         f"{claim.text}", "say so on the card (\"X and Y are independent\"), or write the covariance "
                         "terms" if "independent" in verdict.detail else "say so on the card (a symmetric matrix, "
                         "\\mathbb{S}^n), or write the general form (\\mathbf{A} + \\mathbf{A}^\\top)")
        elif verdict.method == "timeout":
            sink.warning(claim.span, "C007", f"claim not decided: {verdict.detail}",
                         "this machine was too slow or too busy; raise check_timeout in [tool.ankigen]")
        elif verdict.method == "one entry":  # (z - y)(z - y) of column vectors, claimed or not
            sink.warning(claim.span, "C011", f"shapes may not match: {verdict.detail}",
                         "check for a missing transpose, or declare the shapes (\\mathbf{x} \\in \\mathbb{R}^{n})")
        elif verdict.holds is None and certain:
            undecided_reporter(verdict)(sink, claim, read, imported)
    return Decision(verdict, report, lhs, rhs)


def _implied(claim, lhs, rhs, guard: float) -> Decision:
    """A step of solving: its verdict and report. A failure is an error: the implication was written."""
    from ankigen.check.decide import decide_guarded
    from ankigen.check.implications import decide as decide_implication

    verdict = decide_guarded(lambda: decide_implication(lhs, rhs, claim.unknown), guard)
    if verdict.method == "unclaimed":
        return Decision(verdict, quiet, lhs, rhs)

    def report(sink: Sink, claim, read, imported) -> None:
        if verdict.holds is False:
            sink.error(claim.span, "C001", f"the equation does not follow from the one before: {claim.text}",
                       f"check the step that solves for {claim.unknown}",
                       notes=failure_notes(claim, verdict, read, imported))
        elif verdict.method == "timeout":
            sink.warning(claim.span, "C007", f"claim not decided: {verdict.detail}",
                         "this machine was too slow or too busy; raise check_timeout in [tool.ankigen]")
    return Decision(verdict, report, lhs, rhs)


def _gradients_alike(claim):
    """`w - \\eta(\\nabla L + \\lambda w) = (1 - \\eta\\lambda) w - \\eta \\nabla L`: a gradient whose variable is
    not said is no value the checker knows, but when each side has the same ones and no other such
    construct, the claim is an identity whatever they are, and is checked with each as a letter."""
    import sympy as sp

    from ankigen.check.vocabulary import Opaque

    if claim.rhs is None:
        return claim
    found = [side.atoms(Opaque) for side in (claim.lhs, claim.rhs)]
    if not found[0] or found[0] != found[1] or any(str(o.args[0]) != "\\nabla" or len(o.args) != 2
                                                   for o in found[0]):
        return claim
    letters = {o: sp.Symbol(f"\\nabla {o.args[1]}") for o in found[0]}
    return replace(claim, lhs=claim.lhs.xreplace(letters), rhs=claim.rhs.xreplace(letters))


# Statements that a worked example makes: evaluated with the values the sentences before them give.
_WORKED = ("an example whose values the card gives in words", "an equation to solve or a condition",
           "an equation between different unknowns")


def _with_examples(claim, lhs, rhs, read):
    """Both sides with the values that inline math before the claim gives its letters (`Let $a = 3$
    and $b = 4$, so $$c = \\sqrt{a^2 + b^2} = 5$$`), or None unless every letter has one. For each
    letter, the value written last before the claim in its part of the card counts: a second
    example gives its names new values."""
    import sympy as sp

    if rhs is None:
        return None
    sides = (lhs, rhs)
    if all(side.is_number for side in sides):  # the values were given as definitions (`for $z_1 = 2 + i$`)
        return sides
    if not read.examples or any(side.atoms(sp.Indexed, sp.core.function.AppliedUndef) for side in sides):
        return None
    free = lhs.free_symbols | rhs.free_symbols
    if not free:
        return None
    here, at = (0, claim.section), (claim.span.line, claim.span.col)
    values = {}
    for d in read.examples:
        if d.target in free and d.section in here and (d.span.line, d.span.col) < at:
            values[d.target] = d.value
    if set(values) != free:
        return None
    worked = tuple(side.xreplace(values) for side in sides)
    return worked if all(side.is_number for side in worked) else None


def _rounding_spread(claim):
    """How far the right side of a worked example can move when each decimal it brings in (`0.95238`
    for 1/1.05) takes any value that rounds to it; None without such decimals, or when that side
    is not numbers alone."""
    from ankigen.check.card import rounding_spread

    def right(text: str):
        step = _one_step(text)
        if step is None or not step.rhs.is_number:
            raise ValueError(text)
        return step.rhs

    used = [(d, len(d.partition(".")[2])) for d in claim.roundings[:4]]
    return rounding_spread(claim.text, used, right) if used else None


def _fails_as_vectors(lhs, claim, rhs, read, declared: dict, key: str, guard: float) -> bool:
    """Whether the shapes still fail with every undeclared plain letter a vector or matrix of any
    size (`x = Bz + \\mu + \\epsilon \\in \\mathbb{R}^{D+1}` for a B of D×M: whatever ε is)."""
    import sympy as sp

    from ankigen.check.decide import decide_guarded
    from ankigen.check.matrices import decide_matrix

    dims = {str(s) for _, shape in claim.declared for d in shape if hasattr(d, "free_symbols") for s in d.free_symbols}
    plain = {s: sp.Symbol(s.name, commutative=False) for side in (lhs, rhs) if side is not None
             for s in side.free_symbols if s.is_commutative and str(s) not in dims
             and str(s) not in read.declared_anywhere and not str(s).startswith("|")}
    # a plain letter in a product with a matrix has lost its place in it (sympy put it first)
    products = [m for side in (lhs, rhs) if side is not None for m in side.atoms(sp.Mul)
                if any(f.is_commutative is False for f in m.args)]
    if not plain or any(m.has(s) for m in products for s in plain):
        return False
    swapped = [side.xreplace(plain) if side is not None else None for side in (lhs, rhs)]
    verdict = decide_guarded(lambda: decide_matrix(swapped[0], claim.rel, swapped[1], declared, key, claim.target), guard)
    return verdict.holds is False and verdict.method == "shapes"


def _plain_unknowns(lhs, rhs, claim, read) -> bool:
    """Whether a card that declares matrices by plain letters (`A \\in \\mathbb{R}^{m \\times n}`) has, in
    this claim, a plain letter it neither declares nor gives as a size."""
    if not any(name.isalpha() for name in read.declared_anywhere):
        return False
    dims = {str(s) for _, shape in claim.declared for d in shape if hasattr(d, "free_symbols") for s in d.free_symbols}
    return any(s.is_commutative and str(s) not in dims and str(s) not in read.declared_anywhere
               and not str(s).startswith("|") for side in (lhs, rhs) if side is not None for s in side.free_symbols)


def _primes_of_defined(claim, definitions: dict, read):
    """`y'` where the card defines y in one variable x is dy/dx (`y' = \\frac{dy}{dx}`)."""
    import sympy as sp

    from ankigen.check.resolve import Circular, TooLarge, resolve

    sides = [claim.lhs] + ([claim.rhs] if claim.rhs is not None else [])
    primed = {s for side in sides for s in side.free_symbols
              if isinstance(s, sp.Symbol) and s.name.endswith(("'", "^{\\prime}"))}
    swaps = {}
    for s in primed:
        base = s.name[:-1] if s.name.endswith("'") else s.name[:-len("^{\\prime}")]
        target = next((t for t in definitions if str(t) == base), None)
        if target is None:
            continue
        try:
            variables = [v for v in resolve(definitions[target], definitions, read.sequences).free_symbols
                         if isinstance(v, sp.Symbol)]
        except (Circular, TooLarge):
            continue
        if len(variables) == 1:
            swaps[s] = sp.Derivative(target, variables[0], evaluate=False)
    if not swaps:
        return claim
    return replace(claim, lhs=claim.lhs.xreplace(swaps), rhs=claim.rhs.xreplace(swaps) if claim.rhs is not None else None)


def _bare_functions(claim, read, definitions: dict) -> dict:
    """`u` written bare in a claim about x that differentiates by u, on a card that defines
    `u(x) = 1 - x^2`: u(x), as the chain rule writes it (`\\frac{d}{du}[u^{-1}] \\cdot
    \\frac{d}{dx}[1 - x^2]`), once the derivative by u is taken. Only there: elsewhere a bare f may
    be another card's f, or the f of a proof further up that this one defines anew."""
    import sympy as sp

    from ankigen.check.chains import differentials
    from ankigen.check.tokens import MathError, tokenize

    free = claim.lhs.free_symbols | (claim.rhs.free_symbols if claim.rhs is not None else set())
    names = {str(s): s for s in free if isinstance(s, sp.Symbol)}
    if not any(name in read.functions for name in names):
        return {}
    try:
        by = differentials(tokenize(claim.text))
    except MathError:
        return {}
    found = {}
    for name, fn in read.functions.items():
        bare = names.get(name)
        if bare is None or name not in by or bare in definitions or len(fn.params) != 1 \
                or str(fn.params[0]) not in names or not fn.body.has(fn.params[0]):
            continue
        found[bare] = fn.body.xreplace({fn.params[0]: names[str(fn.params[0])]})
    return found


def _resolved(claim, definitions: dict, read, visible: dict):
    """Both sides with the definitions put in. An inline definition that closes a circle with a
    display one (`$\\hat{x} = U^T x$` beside `$$x = U\\hat{x}$$`) is a restatement, not a definition:
    the circle is tried again without the inline ones before it is an error."""
    from ankigen.check.resolve import Circular, resolve

    try:
        return (resolve(claim.lhs, definitions, read.sequences),
                resolve(claim.rhs, definitions, read.sequences) if claim.rhs is not None else None)
    except Circular:
        # a name a sequence defines (X_t = 1 + \\int_0^t X_s ds) is in definitions, not in visible
        shown = {t: v for t, v in definitions.items() if visible.get(t) not in read.assumptions}
        if len(shown) == len(definitions):
            raise
        return (resolve(claim.lhs, shown, read.sequences),
                resolve(claim.rhs, shown, read.sequences) if claim.rhs is not None else None)


def _over_all_steps(lhs, claim, rhs, tolerance, guard: float):
    """`\\sum_t \\gamma^t = \\frac{1}{1-\\gamma}`: a sum without bounds of powers of its index runs over every
    step t = 0, 1, 2, … (a discounted return), not over a finite set. The claim read so is decided again;
    where that holds only under a condition the card does not state, it is undecided and says which."""
    import sympy as sp

    from ankigen.check.decide import decide

    if rhs is None:
        return None
    swaps = {}
    for s in (lhs.atoms(sp.Sum) | rhs.atoms(sp.Sum)):
        (index, low, high), = s.limits if len(s.limits) == 1 else ((None, None, None),)
        if index is not None and low == 1 and _unknown_size(high) \
                and any(isinstance(p, sp.Pow) and p.exp.has(index) and not p.base.has(index)
                        for p in s.function.atoms(sp.Pow)):
            swaps[s] = sp.Sum(s.function, (index, 0, sp.oo))
    if not swaps:
        return None
    verdict = decide(lhs.xreplace(swaps), claim.rel, rhs.xreplace(swaps), claim.set_name, tolerance, guard,
                     claim.conditions)
    if verdict.holds:
        return Verdict(True, verdict.method, "holds for the sum over every step t = 0, 1, 2, …")
    return verdict if verdict.holds is None and verdict.method == "undecided" else None


_DISTRIBUTIONS = {"p", "q", "\\pi"}


def _as_distribution(lhs, claim, rhs, tolerance, guard: float):
    """`\\sum_k p_k (1 - p_k) = 1 - \\sum_k p_k^2` (Gini impurity): a family named p, q or π summed over
    its index is a distribution, as probabilities and class shares are; the claim holds when it holds
    with the family adding up to 1. Any other family's values are free, and such a claim a doubt (C009)."""
    import sympy as sp

    from ankigen.check.decide import decide

    if rhs is None:
        return None
    totals = []
    for s in sorted(lhs.atoms(sp.Sum) | rhs.atoms(sp.Sum), key=str):
        if len(s.limits) != 1:
            continue
        for e in sorted(s.function.atoms(sp.Indexed), key=str):
            total = (sp.Sum(e, s.limits[0]), "=", sp.Integer(1))
            if str(e.base.label) in _DISTRIBUTIONS and e.indices == (s.limits[0][0],) and total not in totals:
                totals.append(total)
    last = _written_members(lhs.free_symbols | rhs.free_symbols, lhs.atoms(sp.Add) | rhs.atoms(sp.Add))
    if not totals and not last:
        return None
    lhs, rhs = lhs.xreplace(last), rhs.xreplace(last)
    verdict = decide(lhs, claim.rel, rhs, claim.set_name, tolerance, guard, tuple(claim.conditions) + tuple(totals))
    if verdict.holds:
        return Verdict(True, verdict.method, "holds when the family adds up to 1, as probabilities do")
    return None


_MEMBER = re.compile(r"^(p|q|\\pi)_\{?(\d)\}?$")


def _written_members(symbols, totals) -> dict:
    """`p_1(p_1 + p_2 + p_3) + … = p_1 + p_2 + p_3`: members of a small distribution numbered from 0 or
    1 without a gap, whose total the claim writes (so they are all of it), add up to 1 as a family
    summed over its index does. The last member is what the others leave (p_3 = 1 - p_1 - p_2)."""
    import sympy as sp

    families: dict[str, dict[int, sp.Symbol]] = {}
    for s in symbols:
        m = _MEMBER.match(str(s))
        if m:
            families.setdefault(m[1], {})[int(m[2])] = s
    last = {}
    for members in families.values():
        numbers = sorted(members)
        if len(numbers) >= 2 and numbers[0] in (0, 1) and numbers == list(range(numbers[0], numbers[-1] + 1)) \
                and sp.Add(*members.values()) in totals:
            last[members[numbers[-1]]] = 1 - sp.Add(*(members[n] for n in numbers[:-1]))
    return last


def _summed_data(name, value) -> set[str]:
    """The families a definition adds up (x of `\\bar{x} = \\frac{1}{n}\\sum_i x_i`), not its own: a family given
    through itself (`Y_t = 2 + \\int_0^t Y_u du`) is an equation it satisfies."""
    import sympy as sp

    if not isinstance(value, sp.Basic):
        return set()
    own = str(name).partition("_{")[0]
    return {str(b.label) for node in value.atoms(sp.Sum, sp.Product)
            for b in node.function.atoms(sp.IndexedBase)} - {own}


_COUNT = re.compile(r"^[A-Za-z](?:_\{[A-Za-z]+\})?$")


def _over_named_size(lhs, claim, rhs, tolerance, guard: float):
    """A sum or product without bounds runs over a set of unknown size; the claim may name it:
    `\\sum_l \\sigma^2 = d_k \\sigma^2` over the d_k coordinates, `\\prod_l (1 + c) = (1 + c)^L` over
    the L layers, `\\frac{1}{B}\\sum_j x_j` over a batch of B. The claim holds when it holds with that
    size, a Latin letter it writes (the other side's own first): counts are not named by Greek letters."""
    from ankigen.check.decide import decide

    if rhs is None:
        return None
    letters = _count_letters(lhs, rhs)
    for size in sorted(filter(_unknown_size, lhs.free_symbols | rhs.free_symbols), key=str):
        own = lhs if size in lhs.free_symbols else rhs
        for name in sorted(letters, key=lambda s: (s in own.free_symbols, str(s)))[:4]:
            verdict = decide(lhs.xreplace({size: name}), claim.rel, rhs.xreplace({size: name}), claim.set_name,
                             tolerance, guard, claim.conditions)
            if verdict.holds:
                return Verdict(True, verdict.method, f"holds with {name} terms in the sum or product without bounds")
    return _over_named_sizes(lhs, claim, rhs, tolerance, guard)


def _unknown_size(s) -> bool:
    """The number of terms the reader gives a sum without bounds: |·|, or |S| for a set S."""
    return getattr(s, "name", "").startswith("|") and s.name.endswith("|")


def _count_letters(lhs, rhs) -> list:
    """The Latin letters a claim writes that may count terms: not a family's name (the a of a_u)."""
    import sympy as sp

    families = {b.label for side in (lhs, rhs) for b in side.atoms(sp.IndexedBase)}
    return [s for s in sorted(lhs.free_symbols | rhs.free_symbols, key=str)
            if isinstance(s, sp.Symbol) and s.is_positive and _COUNT.match(s.name) and s not in families]


def _over_named_sizes(lhs, claim, rhs, tolerance, guard: float):
    """Two indices without bounds run over sets the claim may size apart: `\\prod_{i,j} \\alpha_i \\beta_j =
    (\\prod_i \\alpha_i)^n (\\prod_j \\beta_j)^m` for i up to m and j up to n, where the reader gave both one
    unknown size. Each index its own size, tried with each pair of the claim's Latin letters."""
    import sympy as sp

    from ankigen.check.decide import decide

    def unsized(limit) -> bool:
        return limit[1] == 1 and _unknown_size(limit[2])

    def own_size(node):
        return node.func(node.function, *[(i, low, sp.Symbol(f"|{i}|", integer=True, positive=True))
                                          if unsized((i, low, high)) else (i, low, high)
                                          for i, low, high in node.limits])

    def bound_less(node) -> bool:
        return isinstance(node, (sp.Sum, sp.Product)) and any(unsized(limit) for limit in node.limits)

    split = [side.replace(bound_less, own_size) for side in (lhs, rhs)]
    sizes = sorted({s for side in split for s in side.free_symbols if _unknown_size(s)} -
                   (lhs.free_symbols | rhs.free_symbols), key=str)
    if len(sizes) != 2:
        return None
    letters = _count_letters(lhs, rhs)[:3]
    for a in letters:
        for b in letters:
            if a == b:
                continue
            swaps = dict(zip(sizes, (a, b)))
            verdict = decide(split[0].xreplace(swaps), claim.rel, split[1].xreplace(swaps), claim.set_name,
                             tolerance, guard, claim.conditions)
            if verdict.holds:
                return Verdict(True, verdict.method, f"holds with {a} and {b} terms in the sums or products without "
                                                     "bounds")
    return None


def _for_symmetric(lhs, claim, rhs, declared: dict, key: str, guard: float, stated: bool):
    """A matrix identity that holds when its square matrices are symmetric: under a heading or
    sentence that speaks of symmetric matrices (对称, symmetric, \\mathbb{S}) it holds as the card
    means it; elsewhere it is a reading the card may take for granted (a covariance, a Hessian, a
    scatter matrix), so it is ambiguous (C006), never an error.""" 
    from ankigen.check.decide import decide_guarded
    from ankigen.check.matrices import ShapeError, Unsupported, decide_matrix, infer_shapes
    from ankigen.check.vectors import quadratic_forms, symmetrized

    try:
        shapes = infer_shapes([side for side in (lhs, rhs) if side is not None], declared)
    except (ShapeError, Unsupported, TypeError, ValueError, AttributeError):
        return None
    only = None if stated else quadratic_forms(claim.lhs, claim.rhs, lhs, rhs)
    if only is not None and not only:
        return None
    # |Σ|^{1/2}: a root of a determinant, which a random symmetric matrix may make imaginary
    definite = _root_of_determinant(lhs, rhs)
    sym_lhs, sym_rhs = symmetrized(lhs, shapes, only, definite), symmetrized(rhs, shapes, only, definite)
    if (sym_lhs, sym_rhs) == (lhs, rhs):
        return None
    verdict = decide_guarded(lambda: decide_matrix(sym_lhs, claim.rel, sym_rhs, declared, key, claim.target), guard)
    if verdict.holds and stated:
        return Verdict(True, verdict.method, "holds for symmetric matrices, as the card speaks of")
    if verdict.holds:
        return Verdict(None, "ambiguous", "its square matrices are symmetric")
    return None


def _root_of_determinant(lhs, rhs) -> bool:
    import sympy as sp

    from ankigen.check.matrices import Det

    return any(isinstance(p.base, Det) and not p.exp.is_integer
               for side in (lhs, rhs) if side is not None for p in side.atoms(sp.Pow))


def _where_definite(lhs, claim, rhs, declared: dict, key: str, guard: float):
    """A claim that takes a root of a determinant (|Σ|^{1/2} of a Gaussian) is real only where the
    determinant is positive: at random matrices it may be undefined at every point sampled. Its
    matrices are covariances, so it is decided on positive definite ones (S Sᵀ + I), where it is
    defined; there it holds or fails as written."""
    from ankigen.check.decide import decide_guarded
    from ankigen.check.matrices import ShapeError, Unsupported, decide_matrix, infer_shapes
    from ankigen.check.vectors import symmetrized

    if not _root_of_determinant(lhs, rhs):
        return None
    try:
        shapes = infer_shapes([side for side in (lhs, rhs) if side is not None], declared)
    except (ShapeError, Unsupported, TypeError, ValueError, AttributeError):
        return None
    definite = [symmetrized(side, shapes, None, True) for side in (lhs, rhs)]
    if definite == [lhs, rhs]:
        return None
    verdict = decide_guarded(lambda: decide_matrix(definite[0], claim.rel, definite[1], declared, key, claim.target),
                             guard)
    if verdict.holds is None:
        return None
    return replace(verdict, detail=verdict.detail or "for positive definite matrices, where it is defined")


_BOLD_NAME = re.compile(r"^\\(?:mathbf|boldsymbol|bm)\{(\\?[A-Za-z]+)\}$")


def _rounded_entries(claim):
    """A matrix claim whose matrices are written with rounded decimals (`0.0236`, `-0.980`) holds
    to within what their rounding explains: less than a unit in the last place of the least precise
    decimal in them, relative to the size of the entry (a product of rounded entries can be off by
    more than half of one). A decimal outside the matrices (`0.5 A`), or inside an entry that
    computes (`3.5/3`), is data, exact: only an entry that is a decimal alone was rounded."""
    import sympy as sp

    from ankigen.check.matrices import WRITTEN_MATRIX

    places = [len(m.group(1)) for written in WRITTEN_MATRIX.finditer(claim.text)
              for cell in _CELL_BREAK.split(written.group(0)) if (m := _ROUNDED_CELL.fullmatch(cell.strip()))]
    return sp.Rational(1, 10 ** min(places)) if places else None


_CELL_BREAK = re.compile(r"&|\\\\|\\begin\{\w+\}|\\end\{\w+\}")
_ROUNDED_CELL = re.compile(r"[-+]?\s*\d*\.(\d+)")


def _order_lost(claim, definitions: dict) -> bool:
    """A product with a plain letter the card gives a matrix written out but does not declare one
    way (A of 2×2 in one exercise, 3×3 in the next): read as a number, its place in the product
    was not kept, so the product cannot be computed in the author's order."""
    import sympy as sp

    from ankigen.check.matrices import is_matrix

    def read_as_number(f) -> bool:
        f = f.base if isinstance(f, sp.Pow) else f
        return isinstance(f, sp.Symbol) and f.is_commutative and f in definitions and is_matrix(definitions[f])

    for side in (claim.lhs, claim.rhs):
        for mul in (side.atoms(sp.Mul) if side is not None else ()):
            lost = sum(read_as_number(f) for f in mul.args)
            if lost and lost + sum(f.is_commutative is False for f in mul.args) > 1:
                return True
    return False


def _bold_aliases(claim, definitions: dict) -> dict:
    """`\\boldsymbol{A}` in a claim where the card defines only A (or `\\mathbf{A}`) as a matrix written
    out: one matrix, written once plainly and once in bold, as translated and typed notes do."""
    import sympy as sp

    by_letter: dict = {}
    for target in definitions:
        if isinstance(target, sp.Symbol) and target.is_commutative is False:
            m = _BOLD_NAME.match(target.name)
            by_letter.setdefault(m.group(1) if m else target.name, target)
    out = {}
    for side in (claim.lhs, claim.rhs):
        for s in (side.free_symbols if side is not None else ()):
            m = _BOLD_NAME.match(getattr(s, "name", ""))
            if s.is_commutative is False and s not in definitions and m and m.group(1) in by_letter:
                out[s] = definitions[by_letter[m.group(1)]]
    return out


def _as_written(claim, definitions: dict, visible: dict, read, tolerance, guard: float):
    """A claim that fails only through a name whose defining chain ended in another number than it
    computes (ρ_1 = 0.5 × 0.9 ≈ 0.6, then ρ_2 = 0.5 ρ_1 ≈ 0.3): computed with the number the author
    wrote, it holds. The mistake is the earlier line's, reported there; this line carried it on."""
    carried = {t: d.written for t, d in visible.items() if t in definitions and d.written is not None
               and d.written != definitions[t]}
    if not carried:
        return None
    shown = ", ".join(f"{t} = {float(v):g}" if v.is_number else f"{t} = {v}" for t, v in list(carried.items())[:3])
    return _holding_with(claim, {**definitions, **carried}, visible, read, tolerance, guard,
                         f"holds with the value the card wrote ({shown}); that value is reported where it is written")


def _as_solved(claim, definitions: dict, visible: dict, read, tolerance, guard: float):
    """An equation in a name the card defines anew right after it (`1.0 = w + 0.4 \\cdot 0.5`, then
    `w = 1.0 - 0.2 = 0.8`, a second pass of an update): a step of solving for the name, so the value
    it is about is the one that follows. It holds when that value satisfies it."""
    if claim.rel != "=" or claim.defs_at < 0:
        return None
    names = {s for side in (claim.lhs, claim.rhs) if side is not None for s in side.free_symbols}
    following = next((d for d in read.definitions[claim.defs_at:] if d.target in names
                      and d.section in (0, claim.section) and d.span.line > claim.span.line), None)
    if following is None or following.target not in definitions:
        return None
    return _holding_with(claim, {**definitions, following.target: following.value}, visible, read, tolerance,
                         guard, f"a step of solving for {following.target}, whose value the card gives next "
                                f"(line {following.span.line})")


_ROUNDED_TERMS = re.compile(r"\s*\d*\.\d+(?:\s*\+\s*\d*\.\d+)+\s*")


def _as_rounded_sum(claim):
    """Rounded shares that add up to a whole (`0.2571 + 0.1714 + 0.4571 + 0.1143 = 1`, of 90, 60, 160
    and 40 out of 350): each term is its value to the places written, so their sum may miss the whole
    by up to half a unit of each term's last place. Only a sum of decimals equal to an integer; a sum
    written to the terms' own places (0.27 + 0.02 = 0.29) is exact. None unless it holds so."""
    import sympy as sp

    step = _one_step(claim.text)
    if step is None or step.rel != "=" or not _ROUNDED_TERMS.fullmatch(step.lhs_text) \
            or not step.rhs_text.strip().isdigit():
        return None
    spread = sum(sp.Rational(1, 2 * 10 ** len(t.strip().partition(".")[2])) for t in step.lhs_text.split("+"))
    if abs(step.lhs - step.rhs) > spread:
        return None
    return Verdict(True, "exact", "holds to the rounding of its terms", (), str(step.lhs), str(step.rhs))


def _rounded_inputs(claim, tolerance) -> tuple[str, ...]:
    """The decimals of a computation in numbers that fails as written but holds when they take values
    that round to them (`\\frac{1}{\\sqrt{2\\pi} \\times 0.129} e^{-\\frac{(0.697 - 0.574)^2}{2 \\times 0.129^2}}
    \\approx 1.959`, computed from a mean and a deviation the card shows rounded): a doubt, not an error.
    Only decimals of three places or more and at most four significant digits are varied, at most four
    of them, and only when the right side is a bare number; () when the rounding does not explain it."""
    import sympy as sp

    from ankigen.check.card import rounding_spread

    def sides(text: str):
        step = _one_step(text)
        if step is None or not (step.lhs.is_number and step.rhs.is_number):
            raise ValueError(text)
        return step.lhs - step.rhs

    step = _one_step(claim.text)
    if step is None or not _NUMBER.fullmatch(step.rhs_text.strip()):
        return ()  # a step that writes results of its own is judged by their rounding alone
    decimals = [m.group(0) for m in _LONG_DECIMAL.finditer(step.lhs_text)
                if len(m.group(0).replace(".", "").lstrip("0")) <= 4]  # as rounded by hand: 0.129, not 0.64313291
    used = [(d, len(d.partition(".")[2])) for d in dict.fromkeys(decimals)]
    if not used or len(used) > 4:
        return ()
    spread = rounding_spread(claim.text, used, sides)
    try:
        missed = abs(sp.N(sides(claim.text), 30))
    except (ValueError, TypeError):
        return ()
    if spread is None or missed > spread + (tolerance or 0):
        return ()
    return tuple(d for d, _ in used)


def _one_step(text: str):
    """A claim's text read again as the one step it is, without the card's scope; None otherwise."""
    from ankigen.check.chains import parse_chain
    from ankigen.check.statements import statements
    from ankigen.check.tokens import MathError
    from ankigen.check.vocabulary import Scope

    try:
        found = statements(text)
        steps = parse_chain(list(found[0].toks), Scope(), text) if len(found) == 1 else None
    except MathError:
        return None
    return steps[0] if steps and len(steps) == 1 else None


_LONG_DECIMAL = re.compile(r"(?<![\d.])\d*\.\d{3,}(?![\d.])")  # also after a command: \times0.129
_NUMBER = re.compile(r"-?\d*\.?\d+")


def _without_assumptions(claim, definitions: dict, visible: dict, read, tolerance, guard: float):
    """The verdict without the card's inline symbolic definitions, when with them the claim could not
    be decided (`$\\sum_{i=1}^{k} f_i = n$` puts an open sum where n was): they may help a claim hold,
    never make it unknown. None when there are none, or it is still undecided."""
    from ankigen.check.decide import decide
    from ankigen.check.resolve import Circular, TooLarge

    shown = {t: v for t, v in definitions.items() if visible.get(t) not in read.assumptions}
    if len(shown) == len(definitions):
        return None
    try:
        lhs, rhs = _resolved(claim, shown, read, visible)
    except (Circular, TooLarge):
        return None
    verdict = decide(lhs, claim.rel, rhs, claim.set_name, tolerance, guard, claim.conditions)
    return verdict if verdict.holds is not None else None


def _holding_with(claim, definitions: dict, visible: dict, read, tolerance, guard: float, why: str):
    """The claim decided again with these definitions: a holding verdict that says why, or None."""
    from ankigen.check.decide import decide
    from ankigen.check.resolve import Circular, TooLarge

    try:
        lhs, rhs = _resolved(claim, definitions, read, visible)
    except (Circular, TooLarge):
        return None
    verdict = decide(lhs, claim.rel, rhs, claim.set_name, tolerance, guard, claim.conditions)
    return Verdict(True, verdict.method, why) if verdict.holds is True else None


def _as_local_partials(claim, definitions: dict, read, tolerance, guard: float):
    """A claim about ∂u/∂v, u defined and v used in u's definition, that fails once every
    definition is put in may be a computation graph's local derivative (c = a + b, b = e^a:
    ∂c/∂a = 1, with b held): read so, it holds as the card means it. A failure stays a failure."""
    import sympy as sp

    from ankigen.check.decide import decide
    from ankigen.check.resolve import Circular, TooLarge, resolve

    sides = [s for s in (claim.lhs, claim.rhs) if s is not None]
    if not any(d.expr in definitions and any(v in definitions[d.expr].free_symbols for v in d.variables)
               for side in sides for d in side.atoms(sp.Derivative)):
        return None
    try:
        lhs, rhs = (resolve(s, definitions, read.sequences, local=True) if s is not None else None
                    for s in (claim.lhs, claim.rhs))
    except (Circular, TooLarge):
        return None
    verdict = decide(lhs, claim.rel, rhs, claim.set_name, tolerance, guard, claim.conditions)
    if verdict.holds:
        return Verdict(True, verdict.method, "holds as a local derivative, the definition's other names held")
    return None


def _as_rows(lhs, claim, rhs, declared: dict, key: str, guard: float):
    """A gradient claim that fails as a column may be written in the numerator layout, where ∂f/∂x
    of a number by a column vector is a row: read so, its verdict and sides are the claim's. If the
    shapes still do not fit, the first reading's failure stands (None)."""
    from ankigen.check.decide import decide_guarded
    from ankigen.check.matrices import decide_matrix
    from ankigen.check.vectors import row_gradients

    row_lhs, row_rhs = row_gradients(lhs, declared), row_gradients(rhs, declared)
    if (row_lhs, row_rhs) == (lhs, rhs):
        return None
    verdict = decide_guarded(lambda: decide_matrix(row_lhs, claim.rel, row_rhs, declared, key, claim.target), guard)
    if verdict.method == "shapes" or verdict.holds is None:
        return None
    if verdict.holds:
        verdict = Verdict(True, verdict.method, "holds with the gradient written as a row (the numerator layout)")
    return verdict, row_lhs, row_rhs


def _for_unit(lhs, claim, rhs, declared: dict, key: str, guard: float):
    """A vector identity that holds when its column vectors have length one, on a part of the card
    that speaks of an orthonormal basis or unit vectors: it holds as the card means it."""
    from ankigen.check.decide import decide_guarded
    from ankigen.check.matrices import ShapeError, Unsupported, decide_matrix, infer_shapes
    from ankigen.check.vectors import unit_lengths

    try:
        shapes = infer_shapes([side for side in (lhs, rhs) if side is not None], declared)
    except (ShapeError, Unsupported, TypeError, ValueError, AttributeError):
        return None
    unit_lhs, unit_rhs = unit_lengths(lhs, shapes), unit_lengths(rhs, shapes)
    if (unit_lhs, unit_rhs) == (lhs, rhs):
        return None
    verdict = decide_guarded(lambda: decide_matrix(unit_lhs, claim.rel, unit_rhs, declared, key, claim.target), guard)
    return Verdict(True, verdict.method, "holds for vectors of length one (and matrices of orthonormal columns), as the card speaks of") if verdict.holds \
        else None


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
        if expr.has(sp.IndexedBase):
            names |= {str(b.label) for b in expr.atoms(sp.IndexedBase)}
    return names


def span_line(lines: dict[str, list[str]]):
    def line_of(span: Span) -> str | None:
        text = lines.get(span.path)
        return text[span.line - 1] if text and 0 < span.line <= len(text) else None
    return line_of
