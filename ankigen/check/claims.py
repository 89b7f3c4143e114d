"""A card's formulas under one Reading: definitions, functions, sequences, claims and statements.

What is claimed (SOURCE_FORMAT.md, "Checked formulas"): a display equation whose left side is a
symbol not yet defined defines it; `f(x) = …` defines a function; `R_n = R_{n-1} + …` with a base
case defines a sequence; the other relations of a chain are claims; a single relation is claimed
when it is closed, mentions something defined, or is marked `% check`; anything else is a
statement. Every line of a check block is a claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import sympy as sp

from ankigen.check.lines import USE, check_text, offset_span
from ankigen.check.reader import GREEK, RELATIONS, FunctionDef, Parser, Scope, WORD_COMMANDS, symbol
from ankigen.check.reading import Reading
from ankigen.check.statements import marker, masked, shown, statements
from ankigen.check.tokens import MathError, Tok, closing, tokenize
from ankigen.model import Formula, Span

_WHERE = re.compile(r"\bwhere\b")
_APPROX_SIDE = re.compile(
    r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(?:(?:\\times|\\cdot|×)\s*10\s*\^\s*(?:\{\s*([+-]?\d+)\s*\}|(\d)))?\s*$")


@dataclass(frozen=True)
class Definition:
    target: sp.Expr  # a symbol, or an element of a family such as R_{0}
    value: sp.Expr
    span: Span
    text: str
    section: int = 0


@dataclass(frozen=True)
class Sequence:
    """`R_n = R_{n-1} + …`: the general term of a family, in its index."""

    name: str
    index: sp.Symbol
    body: sp.Expr
    span: Span
    text: str


@dataclass(frozen=True)
class Claim:
    key: tuple  # where it is on the card, the same under every reading
    lhs: sp.Expr
    rel: str  # "=", "!=", "<", ">", "<=", ">=", "~", "in"
    rhs: sp.Expr | None
    text: str
    span: Span
    in_check_block: bool
    section: int = 0
    set_name: str = ""
    tolerance: sp.Rational | None = None  # for \\approx; for `=`, what rounding would explain
    bindings: tuple[tuple[sp.Expr, sp.Expr], ...] = ()
    lists: tuple[tuple[str, tuple[sp.Expr, ...]], ...] = ()
    consumed: frozenset = frozenset()
    marked: bool = False  # `% check`: claimed whatever it is, and an error when unreadable
    single: bool = False  # a lone relation, claimed only when closed or about something defined
    chain: bool = False  # a step of a derivation that defines nothing: equations if no step holds


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    span: Span
    error: bool
    hint: str | None = None


@dataclass(frozen=True)
class FormulaStatus:
    """What became of one display formula: for the summary and `check --claims`."""

    span: Span
    latex: str
    status: str  # claimed, definition, statement, unreadable, nocheck, off
    reason: str = ""
    construct: str = ""


@dataclass
class CardReading:
    definitions: list[Definition] = field(default_factory=list)
    assumptions: list[Definition] = field(default_factory=list)  # inline symbolic definitions
    functions: dict[str, FunctionDef] = field(default_factory=dict)
    sequences: dict[str, Sequence] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    formulas: list[FormulaStatus] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    met: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)  # card functions and sequences the claims call


def tolerance_of(text: str) -> sp.Rational | None:
    """Half a unit in the last significant digit written: `9.54 \\times 10^{-7}` → 5e-10."""
    m = _APPROX_SIDE.match(text)
    if not m:
        return None
    mantissa, exp = m.group(1), int(m.group(2) or m.group(3) or 0)
    if "." in mantissa:
        place = -len(mantissa.split(".")[1])
    else:  # trailing zeros of a whole number are not significant: 3300 is known to the hundred
        stripped = mantissa.rstrip("0")
        place = len(mantissa) - len(stripped) if stripped else 0
    return sp.Rational(1, 2) * sp.Rational(10) ** (place + exp)


def approx_tolerance(lhs_text: str, rhs_text: str) -> sp.Rational | None:
    """The tolerance of the less precise side that is a decimal number, if either is."""
    found = [t for t in (tolerance_of(lhs_text), tolerance_of(rhs_text)) if t is not None]
    return max(found) if found else None


def variables_of(formulas: tuple[Formula, ...]) -> frozenset[str]:
    """`e` or `i` defined on the card (`e = y - \\hat{y}`) are variables there, usually."""
    found = set()
    for f in formulas:
        for m in re.finditer(r"(?:^|[\s&,;{])([ei])\s*=", masked(f.latex)):
            found.add(m.group(1))
    return frozenset(found)


# -- display math -----------------------------------------------------------------------------
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
    _read_checks(state, check_lines)
    return state.out


def _read_formula(state: _Card, n: int, formula: Formula, display: bool) -> None:
    latex = formula.latex
    mark = marker(latex)
    if mark == "nocheck":
        state.out.formulas.append(FormulaStatus(formula.span, latex, "nocheck"))
        return
    before = len(state.out.claims), len(state.out.definitions) + len(state.out.functions) + len(
        state.out.sequences)
    quoted = shown(latex)
    try:
        found = statements(latex)
        state.applied = _applied_names([t for stmt in found for t in stmt.toks])
        for k, stmt in enumerate(found):
            _read_statement(state, (n, k), list(stmt.toks), formula, quoted, mark == "check", display)
    except MathError as exc:
        span = offset_span(formula.span, latex, exc.offset, exc.length)
        if mark == "check":
            state.out.problems.append(Problem("M001", f"cannot read the formula marked '% check': {exc.message}",
                                              span, True, exc.hint))
        state.out.formulas.append(FormulaStatus(formula.span, latex, "unreadable", exc.message, exc.construct))
        return
    claimed = len(state.out.claims) > before[0]
    defined = len(state.out.definitions) + len(state.out.functions) + len(state.out.sequences) > before[1]
    status = "claimed" if claimed else "definition" if defined else "statement" if display else "off"
    state.out.formulas.append(FormulaStatus(formula.span, latex, status))


def _read_statement(state: _Card, key: tuple, toks: list[Tok], formula: Formula, shown: str, marked: bool,
                    display: bool) -> None:
    rels = _top_relations(toks)
    if not rels:
        return  # no relation, or only one inside an index such as \sum_{i=1}
    if any(RELATIONS.get(t.text) == "other" for t in rels):
        return  # \propto, \sim, \to …: a statement
    section = formula.section
    head = _function_head(toks)
    if head is not None and state.scope().functions and Parser([], state.scope()).derivative_function(head[0]):
        head = None  # σ'(x) = σ(x)(1 - σ(x)) for a card function σ: a claim about its derivative
    if head is not None:  # f(x) = … defines f, also anew: notes redefine f from example to example
        name, fn, used = _function_def(toks, head, state.scope())
        state.out.functions[name] = fn
        toks = toks[head[2] + 1:]
        if not any(_is_relation(t) for t in toks):
            return
        single = False
    else:
        recurrence = _recurrence(toks)
        if recurrence is not None:
            _read_sequence(state, toks, recurrence, formula, shown)
            return
        single = None
    scope = state.scope()
    steps = parse_chain(toks, scope, shown, display_set=True)
    if not steps:
        return  # `x \in \mathbb{R}`: a condition
    first = steps[0]
    defining = first.rel in ("=", ":=") and _is_target(toks, first) and not state.defined(first.lhs, section)
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
        claim = _claim(step, shown, formula.span, formula.latex, False, key + (j,), section=section,
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
    defined = state.defined_names(section)
    names = {str(s) for s in free} | {str(s.base.label) for s in free if isinstance(s, sp.Indexed)}
    if free & defined or {str(d) for d in defined} & names:
        return True
    if names & set(state.out.sequences):
        return True
    return bool(scope.called)


def _has_undefined_function(claim: Claim) -> bool:
    sides = [claim.lhs] + ([claim.rhs] if claim.rhs is not None else [])
    return any(side.atoms(sp.core.function.AppliedUndef) for side in sides)


def _free(expr: sp.Expr) -> set:
    """Free symbols and family elements, without the bare names of families."""
    out = set()
    for s in expr.free_symbols:
        if isinstance(s, sp.Symbol) and any(isinstance(b, sp.IndexedBase) and b.label == s
                                            for b in expr.atoms(sp.IndexedBase)):
            continue
        out.add(s)
    return out | _elements(expr)


def _elements(expr: sp.Expr) -> set:
    return set(expr.atoms(sp.Indexed))


def _applied_names(toks: list[Tok]) -> frozenset[str]:
    """Letters written before `(` with two different arguments, `s(t_0 + \\Delta t) - s(t_0)`:
    functions, in the usual reading."""
    seen: dict[str, set[int]] = {}
    for k, (a, b) in enumerate(zip(toks, toks[1:])):
        if (a.kind == "letter" or a.text[1:] in GREEK) and b.kind == "op" and b.text == "(" and a.end == b.start:
            if a.text not in _group_texts(toks, k + 1):  # m(m - 1) multiplies, as n(n + 1) does
                seen.setdefault(a.text, set()).add(b.start)
    return frozenset(name for name, places in seen.items() if len(places) > 1)


def _group_texts(toks: list[Tok], start: int) -> set[str]:
    """The token texts inside the parenthesis that opens at toks[start]."""
    end = closing(toks, start, "(", ")")
    return {t.text for t in toks[start + 1:end if end >= 0 else len(toks)]}


def _top_relations(toks: list[Tok]) -> list[Tok]:
    """Relations outside every group: not the `=` of `\\sum_{i=1}`."""
    depth, found = 0, []
    for t in toks:
        if t.kind == "op" and t.text in "{([":
            depth += 1
        elif t.kind == "op" and t.text in "})]":
            depth -= 1
        elif depth == 0 and _is_relation(t):
            found.append(t)
    return found


def _is_relation(t: Tok) -> bool:
    return t.kind in ("op", "cmd") and t.text in RELATIONS


# -- chains -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    lhs: sp.Expr
    rel: str
    rhs: sp.Expr | None
    start: int  # offset of the left operand
    end: int  # end offset of the right operand
    set_name: str = ""
    lhs_text: str = ""
    rhs_text: str = ""
    lhs_start: int = -1


def parse_chain(toks: list[Tok], scope: Scope, text: str, display_set: bool = False) -> list[Step] | None:
    """`A rel B rel C …` → steps (A rel B), (B rel C), …; None for a set other than ℤ or ℕ in display math."""
    p = Parser(toks, scope)
    steps: list[Step] = []
    start = p.peek().start
    lhs = p.expression()
    lhs_start, lhs_end = start, p.toks[p.i - 1].end
    while not p.done():
        rel_tok = p.peek()
        rel = p.relation()
        if rel is None:
            raise MathError(f"unexpected '{rel_tok.text}'", rel_tok.start, rel_tok.end - rel_tok.start,
                            hint="a claim is 'expr REL expr' with REL one of = \\neq < > \\le \\ge \\approx")
        p.next()
        if rel == ":=":
            if p.at("="):
                p.next()
        rhs_start = p.peek().start
        if rel == "in":
            set_name = _number_set(p, display_set)
            if set_name is None:
                return None
            steps.append(Step(lhs, rel, None, start, p.toks[p.i - 1].end, set_name))
            if not p.done():
                t = p.peek()
                raise MathError("nothing may follow '\\in \\mathbb{…}'", t.start, t.end - t.start)
            break
        rhs = p.expression()
        end = p.toks[p.i - 1].end
        steps.append(Step(lhs, rel, rhs, start, end, lhs_text=text[lhs_start:lhs_end] if text else "",
                          rhs_text=text[rhs_start:end] if text else "", lhs_start=lhs_start))
        lhs_start, lhs_end = rhs_start, end
        # later steps are located at their relation, which is where a reader looks in a long chain
        lhs, start = rhs, (p.peek().start if not p.done() else rhs_start)
    return steps


def _number_set(p: Parser, display: bool) -> str | None:
    t = p.peek()
    letter = None
    if t.text == "\\mathbb":
        p.next()
        p.expect("{")
        letter = p.next()
        p.expect("}")
    if letter is None or letter.text not in ("Z", "N"):
        if display:
            return None
        raise MathError("'\\in' takes \\mathbb{Z} or \\mathbb{N}", t.start, t.end - t.start, construct="\\in")
    return letter.text


def _is_target(toks: list[Tok], step: Step) -> bool:
    """The left side is written as one symbol (not, say, `1 \\times x`, which sympy makes x)."""
    head = toks[:next(i for i, t in enumerate(toks) if _is_relation(t) or t.text == ":")]
    if not head or head[0].kind not in ("letter", "cmd", "word"):
        return False
    if not isinstance(step.lhs, (sp.Symbol, sp.Indexed)):
        return False
    p = Parser(head)
    try:
        node = p.atom()
    except MathError:
        return False
    return p.done() and isinstance(node, (sp.Symbol, sp.Indexed))


def _function_head(toks: list[Tok]) -> tuple[str, list[str], int] | None:
    """`f(x, y) =` at the start of a statement: name, parameter names, index of the `=`."""
    p = Parser(toks)
    try:
        name = _name(p)
        if name is None or not p.at("("):
            return None
        p.next()
        params = []
        while True:
            param = _name(p)
            if param is None:
                return None
            params.append(param)
            if p.at(","):
                p.next()
            elif p.at(")"):
                p.next()
                break
            else:
                return None
    except MathError:
        return None
    if not p.at("=") or name in ("e", "i"):
        return None
    return name, params, p.i


def _name(p: Parser) -> str | None:
    t = p.peek()
    if t.kind == "cmd" and t.text in WORD_COMMANDS:
        p.next()
        p.expect("{")
        parts = []
        while not p.at("}"):
            u = p.next()
            if u.kind not in ("letter", "num"):
                return None
            parts.append(u.text)
        p.next()
        return p.decorated(f"\\mathrm{{{''.join(parts)}}}")
    if t.kind == "word":
        p.next()
        return p.decorated(f"\\mathrm{{{t.text}}}")
    if t.kind != "letter" and not (t.kind == "cmd" and t.text[1:] in GREEK):
        return None
    p.next()
    return p.decorated(t.text)


def _function_def(toks: list[Tok], head: tuple[str, list[str], int], scope: Scope):
    name, params, eq = head
    p = Parser(toks[eq + 1:], scope)
    symbols = [sp.Symbol(n, real=True) for n in params]  # an argument may be any real, not only positive
    p.bound.update(dict(zip(params, symbols)))
    body = p.expression()
    return name, FunctionDef(tuple(symbols), body), p.i + eq + 1


# -- recurrences ----------------------------------------------------------------------------------
def _recurrence(toks: list[Tok]) -> tuple[str, str, int] | None:
    """`X_n = … X_{n-1} …`: the family name, the index letter and the index of the `=`."""
    texts = [t.text for t in toks]
    if len(toks) < 4 or not (toks[0].kind == "letter" or toks[0].text[1:] in GREEK) or texts[1] != "_":
        return None
    if texts[2] == "{" and len(texts) > 5 and texts[4] == "}" and toks[3].kind == "letter":
        index, eq = texts[3], 5
    elif toks[2].kind == "letter":
        index, eq = texts[2], 3
    else:
        return None
    if eq >= len(texts) or texts[eq] != "=":
        return None
    base = texts[0]
    for k in range(eq + 1, len(texts) - 4):
        if texts[k:k + 5] == [base, "_", "{", index, "-"]:
            return base, index, eq
    return None


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
            if [t.text for t in _top_relations(toks)] != ["="]:
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


# -- check blocks ---------------------------------------------------------------------------------
def _read_checks(state: _Card, check_lines) -> None:
    for n, line in enumerate(check_lines):
        text, base = check_text(line)
        if not text or USE.match(text):
            continue
        section = getattr(line, "section", 0)
        try:
            claim_text, where = _split_where(text)
            bound, lists = _bindings(text, where, state.scope())
            scope = state.scope(values=dict(bound))
            toks = tokenize(claim_text)
            if not any(_is_relation(t) for t in toks):
                raise MathError("a claim needs a relation (= \\neq < > \\le \\ge \\approx \\in)", 0,
                                len(claim_text))
            for j, step in enumerate(parse_chain(toks, scope, claim_text)):
                claim = _claim(step, claim_text, base, text, True, ("check", n, j), bound, lists,
                               frozenset(scope.consumed), section)
                if claim is None:
                    raise MathError("\\approx needs a decimal number on one side, e.g. 9.54 \\times 10^{-7}",
                                    step.start, step.end - step.start)
                state.out.claims.append(claim)
        except MathError as exc:
            state.out.problems.append(Problem("M001", f"cannot read claim: {exc.message}",
                                              offset_span(base, text, exc.offset, exc.length), True, exc.hint))


def _split_where(text: str) -> tuple[str, str]:
    m = _WHERE.search(text)
    if not m:
        return text, ""
    return text[:m.start()], text[m.end():]


def _bindings(full: str, text: str, scope: Scope):
    """`where a=1, C=[3, 64]`: scalar bindings and list bindings of families."""
    if not text.strip():
        return (), ()
    base = len(full) - len(text)
    depth, start, parts = 0, 0, []
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append((text[start:i], start))
            start = i + 1
    parts.append((text[start:], start))
    scalars, lists = [], []
    for part, off in parts:
        if not part.strip():
            raise MathError("empty binding after 'where'", base + off, 1)
        toks = tokenize(part, base + off)
        eq = next((i for i, t in enumerate(toks) if t.text == "=" and t.kind == "op"), None)
        if eq is None or eq == 0:
            raise MathError("a binding is 'name=value'", base + off, len(part))
        p = Parser(toks[:eq], scope)
        name_tok = p.peek()
        target = p.atom()
        if not p.done() or not isinstance(target, sp.Symbol):
            raise MathError(f"'{part[:part.find('=')].strip()}' is not a symbol name", name_tok.start,
                            toks[eq - 1].end - name_tok.start, hint="write subscripts with braces, e.g. C_{in}=64")
        vp = Parser(toks[eq + 1:], scope)
        if vp.at("["):
            vp.next()
            items = [vp.expression()]
            while vp.at(","):
                vp.next()
                items.append(vp.expression())
            vp.expect("]", "to close the list")
            lists.append((str(target), tuple(items)))
        else:
            scalars.append((target, vp.expression()))
        if not vp.done():
            t = vp.peek()
            raise MathError(f"unexpected '{t.text}' in a binding", t.start, t.end - t.start)
    return tuple(scalars), tuple(lists)


def _claim(step: Step, text: str, start: Span, source: str, in_block: bool, key: tuple, bindings=(), lists=(),
           consumed=frozenset(), section: int = 0, marked: bool = False, single: bool = False,
           chain: bool = False) -> Claim | None:
    """A step as a claim; None for an \\approx without a decimal side."""
    lhs_start = step.lhs_start if step.lhs_start >= 0 else step.start
    shown = " ".join(text[min(step.start, lhs_start):step.end].split())
    tol = approx_tolerance(step.lhs_text, step.rhs_text) if step.rel in ("~", "=") else None
    if step.rel == "~" and tol is None:
        return None
    span = offset_span(start, source, step.start, step.end - step.start)
    return Claim(key, step.lhs, step.rel, step.rhs, shown, span, in_block, section, step.set_name, tol,
                 tuple(bindings), tuple(lists), consumed, marked, single, chain)
