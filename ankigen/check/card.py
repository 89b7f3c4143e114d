"""One card's formulas under one Reading: definitions, functions, sequences, claims, statements.

What is claimed (SOURCE_FORMAT.md, "Checked formulas"): a display equation whose left side is a
symbol not yet defined defines it; `f(x) = …` defines a function; `R_n = R_{n-1} + …` with a base
case defines a sequence; the other relations of a chain are claims; a single relation is claimed
when it is closed, mentions something defined, or is marked `% check`; anything else is a
statement. Every line of a check block is a claim (checkblock.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import sympy as sp

from ankigen.check.chains import (applied_names, function_def, function_head, is_relation, is_target, parse_chain,
                                  recurrence, top_relations)
from ankigen.check.checkblock import read_checks
from ankigen.check.cache import FormulaRow
from ankigen.check.claims import CardReading, Claim, Definition, Problem, Sequence, make_claim
from ankigen.check.decide import sampled
from ankigen.check.lines import offset_span
from ankigen.check.reader import Parser
from ankigen.check.reading import Reading
from ankigen.check.statements import marker, masked, shown, statements
from ankigen.check.tokens import MathError, Tok
from ankigen.check.vocabulary import RELATIONS, Scope, symbol
from ankigen.model import Formula


def variables_of(formulas: tuple[Formula, ...]) -> frozenset[str]:
    """`e` or `i` defined on the card (`e = y - \\hat{y}`) are variables there, usually."""
    found = set()
    for f in formulas:
        for m in re.finditer(r"(?:^|[\s&,;{])([ei])\s*=", masked(f.latex)):
            found.add(m.group(1))
    return frozenset(found)


@dataclass
class _Card:
    """The state of reading one card: what is defined so far, per section."""

    reading: Reading
    references: dict
    variables: frozenset[str]
    imported: set = field(default_factory=set)  # names defined on cards this one uses
    out: CardReading = field(default_factory=CardReading)

    applied: frozenset[str] = frozenset()  # names the current formula applies more than once

    def scope(self, values: dict | None = None) -> Scope:
        return Scope(functions=dict(self.out.functions), references=self.references, values=values or {},
                     reading=self.reading, variables=self.variables, met=self.out.met, applied=self.applied)

    def defined(self, target: sp.Expr, section: int) -> bool:
        return any(d.target == target and d.section in (0, section) for d in self.out.definitions)

    def defined_names(self, section: int) -> set:
        own = {d.target for d in self.out.definitions if d.section in (0, section)}
        return own | self.imported


def read_card(formulas: tuple[Formula, ...], check_lines, inline: tuple[Formula, ...], reading: Reading,
              references: dict, display: bool = True, imported: set | None = None,
              imported_functions: dict | None = None) -> CardReading:
    """Everything one card's formulas and check blocks say, read under `reading`."""
    state = _Card(reading, references, variables_of(formulas), set(imported or ()))
    state.out.functions.update(imported_functions or {})
    for n, formula in enumerate(formulas):
        _read_formula(state, n, formula, display)
    _read_inline(state, inline)
    read_checks(state, check_lines)
    return state.out


def _read_formula(state: _Card, n: int, formula: Formula, display: bool) -> None:
    latex = formula.latex
    mark = marker(latex)
    if mark == "nocheck":
        state.out.formulas.append(FormulaRow(formula.span, "nocheck"))
        return
    before = len(state.out.claims), len(state.out.definitions) + len(state.out.functions) + len(
        state.out.sequences)
    quoted = shown(latex)
    try:
        found = statements(latex)
        state.applied = applied_names([t for stmt in found for t in stmt.toks])
        for k, stmt in enumerate(found):
            _read_statement(state, (n, k), list(stmt.toks), formula, quoted, mark == "check", display)
    except MathError as exc:
        span = offset_span(formula.span, latex, exc.offset, exc.length)
        if mark == "check":
            state.out.problems.append(Problem("M001", f"cannot read the formula marked '% check': {exc.message}",
                                              span, True, exc.hint))
        state.out.formulas.append(FormulaRow(formula.span, "unreadable", exc.message, exc.construct))
        return
    claimed = len(state.out.claims) > before[0]
    defined = len(state.out.definitions) + len(state.out.functions) + len(state.out.sequences) > before[1]
    status = "claimed" if claimed else "definition" if defined else "statement" if display else "off"
    state.out.formulas.append(FormulaRow(formula.span, status))


def _read_statement(state: _Card, key: tuple, toks: list[Tok], formula: Formula, shown: str, marked: bool,
                    display: bool) -> None:
    rels = top_relations(toks)
    if not rels:
        return  # no relation, or only one inside an index such as \sum_{i=1}
    if any(RELATIONS.get(t.text) == "other" for t in rels):
        return  # \propto, \sim, \to …: a statement
    section = formula.section
    scope = state.scope()
    head = function_head(toks)
    if head is not None and Parser([], scope).derivative_function(head[0]):
        head = None  # σ'(x) = σ(x)(1 - σ(x)) for a card function σ: a claim about its derivative
    if head is not None:  # f(x) = … defines f, also anew: notes redefine f from example to example
        name, fn, _ = function_def(toks, head, scope)
        state.out.functions[name] = fn
        toks = toks[head[2] + 1:]
        if not any(is_relation(t) for t in toks):
            return
        single = False
    else:
        rec = recurrence(toks)
        if rec is not None:
            _read_sequence(state, toks, rec, formula, shown)
            return
        single = None
    scope = state.scope()
    steps = parse_chain(toks, scope, shown, display_set=True)
    if not steps:
        return  # `x \in \mathbb{R}`: a condition
    first = steps[0]
    defining = first.rel in ("=", ":=") and is_target(toks, first) and not state.defined(first.lhs, section)
    if defining and first.lhs in first.rhs.free_symbols | _elements(first.rhs):
        if len(steps) == 1 and not marked:
            return  # v = \beta v + (1-\beta) g: an update rule
        defining = False
    if defining:
        text = " ".join(shown[first.start:first.end].split())
        state.out.definitions.append(Definition(first.lhs, first.rhs, offset_span(
            formula.span, formula.latex, first.start, first.end - first.start), text, section))
        steps = steps[1:]
        single = False
    elif first.rel == ":=":
        return
    if single is None:  # a derivation is a chain of =; `0 \\le r \\le 1` is a condition
        single = len(steps) == 1 or any(step.rel not in ("=", "~") for step in steps)
    if not display and not marked:
        return
    for j, step in enumerate(steps):
        if step.rel == ":=":
            continue
        claim = make_claim(step, shown, formula.span, formula.latex, False, key + (j,), section=section,
                       marked=marked, single=single)
        if claim is None:
            continue
        about = _about_something(state, claim, scope, section)
        if single and not marked and not about:
            continue
        if not defining and len(steps) > 1 and not about:
            claim = replace(claim, chain=True)  # free symbols only: equations, if no step holds
        state.out.claims.append(claim)


def _about_something(state: _Card, claim: Claim, scope: Scope, section: int) -> bool:
    """A lone relation is claimed when closed or about something the card (or a used card) defines."""
    free = _free(claim.lhs) | (_free(claim.rhs) if claim.rhs is not None else set())
    if not free and not _has_undefined_function(claim):
        return True
    names = {str(s) for s in free} | {str(s.base.label) for s in free if isinstance(s, sp.Indexed)}
    known = {str(d) for d in state.defined_names(section)} | set(state.out.sequences)
    return bool(names & known) or bool(scope.called)


def _has_undefined_function(claim: Claim) -> bool:
    sides = [claim.lhs] + ([claim.rhs] if claim.rhs is not None else [])
    return any(side.atoms(sp.core.function.AppliedUndef) for side in sides)


def _free(expr: sp.Expr) -> set:
    """Free symbols and family elements, without the bare names of families."""
    return set(sampled(expr, None)) | _elements(expr)


def _elements(expr: sp.Expr) -> set:
    return set(expr.atoms(sp.Indexed))


def _read_sequence(state: _Card, toks: list[Tok], rec: tuple[str, str, int], formula: Formula, shown: str) -> None:
    name, index, eq = rec
    scope = state.scope()
    p = Parser(toks[eq + 1:], scope)
    n = sp.Symbol(index, integer=True)
    p.bound[index] = n
    body = p.expression()
    if not p.done():
        t = p.peek()
        raise MathError(f"unexpected '{t.text}' in a recurrence", t.start, t.end - t.start)
    start, end = toks[0].start, toks[-1].end
    span = offset_span(formula.span, formula.latex, start, end - start)
    state.out.sequences[name] = Sequence(name, n, body, span, " ".join(shown[start:end].split()))


_BASE_CASE = re.compile(r"^\s*([A-Za-z]|\\[A-Za-z]+)_\{?(\d+)\}?\s*=\s*(-?\d+(?:\.\d+)?)\s*$")


def _read_inline(state: _Card, inline: tuple[Formula, ...]) -> None:
    """Inline `$R_0 = 1$` is the base case of a sequence the card defines; an inline symbolic
    definition (`$\\bar{x} = \\frac{1}{m}\\sum x_i$`, either way round) may help a claim hold,
    but never makes a formula a claim. Inline numbers are not read: examples in prose differ."""
    for formula in inline:
        m = _BASE_CASE.match(formula.latex)
        if m:
            target = symbol(f"{m.group(1)}_{{{m.group(2)}}}")
            if m.group(1) in state.out.sequences and not state.defined(target, 0):
                state.out.definitions.append(Definition(target, sp.Rational(m.group(3)), formula.span,
                                                        " ".join(formula.latex.split()), 0))
            continue
        try:
            found = statements(formula.latex)
            if len(found) != 1:
                continue
            toks = list(found[0].toks)
            if [t.text for t in top_relations(toks)] != ["="]:
                continue
            steps = parse_chain(toks, state.scope(), formula.latex)
        except (MathError, RecursionError, TypeError, ValueError, AttributeError):
            continue
        lhs, rhs = steps[0].lhs, steps[0].rhs
        for target, value in ((lhs, rhs), (rhs, lhs)):
            if (isinstance(target, sp.Symbol) and not isinstance(value, sp.Symbol) and _free(value)
                    and target not in value.free_symbols and not state.defined(target, formula.section)):
                state.out.assumptions.append(Definition(target, value, formula.span,
                                                        " ".join(formula.latex.split()), formula.section))
                break
