"""From a card's display math and check blocks to definitions and claims to decide.

Rules (SOURCE_FORMAT.md, "Checked formulas"): a display equation whose left side is a single
symbol not yet defined on the card defines it; every other `=` of a chain is a claim; each line
of a check block is a claim, with `use` to import another card's definitions and `where` to
bind symbols. A display equation of the form `f(x, y) = ...` defines a function of the card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from ankigen.latex import GREEK, RELATIONS, WORD_COMMANDS, FunctionDef, MathError, Parser, Scope, Tok, tokenize
from ankigen.checklines import USE, check_text, offset_span
from ankigen.model import Span

_ENV = re.compile(r"\\(begin|end)\{(aligned|align\*?|split|gathered|gather\*?|equation\*?|eqnarray\*?)\}")
_WHERE = re.compile(r"\bwhere\b")
_APPROX_RHS = re.compile(
    r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(?:(?:\\times|\\cdot|×)\s*10\s*\^\s*(?:\{\s*([+-]?\d+)\s*\}|(\d)))?\s*$")


@dataclass(frozen=True)
class Claim:
    lhs: sp.Expr
    rel: str  # one of RELATIONS' values
    rhs: sp.Expr | None  # None for `\in` claims
    text: str  # the claim as written, for messages
    span: Span
    in_check_block: bool
    set_name: str = ""  # Z or N, for `\in`
    tolerance: sp.Rational | None = None  # for `\approx`
    bindings: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()
    consumed: frozenset = frozenset()  # bindings used inside @references


@dataclass(frozen=True)
class Problem:
    """Something the extraction could not use; becomes a diagnostic in the check stage."""

    code: str
    message: str
    span: Span
    error: bool
    hint: str | None = None


def tolerance_of(text: str) -> sp.Rational | None:
    """Half a unit in the last significant digit written: `9.54 \\times 10^{-7}` → 5e-10."""
    m = _APPROX_RHS.match(text)
    if not m:
        return None
    mantissa, exp = m.group(1), int(m.group(2) or m.group(3) or 0)
    if "." in mantissa:
        place = -len(mantissa.split(".")[1])
    else:  # trailing zeros of a whole number are not significant: 3300 is known to the hundred
        stripped = mantissa.rstrip("0")
        place = len(mantissa) - len(stripped) if stripped else 0
    return sp.Rational(1, 2) * sp.Rational(10) ** (place + exp)


def masked(latex: str) -> str:
    """The formula with environments, `&`, `\\\\` and TeX comments blanked, offsets unchanged."""
    text = _ENV.sub(lambda m: " " * len(m.group(0)), latex).replace("&", " ")
    return re.sub(r"(?<!\\)%[^\n]*", lambda m: " " * len(m.group(0)), text)


def _split_rows(latex: str) -> list[tuple[str, int]]:
    """Rows of an aligned environment (or the whole formula), as (text, offset)."""
    masked_text = masked(latex)
    rows, start = [], 0
    for m in re.finditer(r"\\\\", masked_text):
        rows.append((masked_text[start:m.start()], start))
        start = m.end()
    rows.append((masked_text[start:], start))
    return rows


def _statements(latex: str) -> list[list[Tok]]:
    """Token lists of the formula's statements: rows that start with a relation continue a chain;
    top-level `,`, `;` and `\\quad` separate statements."""
    chains: list[list[Tok]] = []
    for row, base in _split_rows(latex):
        toks = tokenize(row, base)
        while toks and toks[-1].text in (".", ",", ";"):
            toks.pop()  # sentence punctuation after a formula
        if not toks:
            continue
        if chains and (toks[0].text in RELATIONS and toks[0].kind in ("op", "cmd")):
            chains[-1].extend(toks)
        else:
            chains.append(toks)
    statements = []
    for toks in chains:
        depth, current = 0, []
        for t in toks:
            if t.kind == "op" and t.text in "([{":
                depth += 1
            elif t.kind == "op" and t.text in ")]}":
                depth -= 1
            if depth == 0 and (t.kind == "sep" or (t.kind == "op" and t.text in (",", ";"))):
                if current:
                    statements.append(current)
                current = []
                continue
            current.append(t)
        if current:
            statements.append(current)
    return statements


@dataclass(frozen=True)
class Step:
    lhs: sp.Expr
    rel: str
    rhs: sp.Expr | None
    start: int  # offset of the left operand
    end: int  # end offset of the right operand
    set_name: str = ""
    rhs_text: str = ""
    lhs_start: int = -1  # where the left operand is written, when start points at the relation


def _has_relation(toks: list[Tok]) -> bool:
    return any(t.kind in ("op", "cmd") and t.text in RELATIONS for t in toks)


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
    if not p.at("=") or name == "e":
        return None
    return name, params, p.i


def _name(p: Parser) -> str | None:
    t = p.peek()
    if t.kind == "cmd" and t.text in WORD_COMMANDS:
        return p.word_name(t)
    if t.kind != "letter" and not (t.kind == "cmd" and t.text[1:] in GREEK):
        return None
    p.next()
    return p.symbol_name(t.text)


def parse_chain(toks: list[Tok], scope: Scope, text: str) -> list[Step]:
    """`A rel B rel C …` → steps (A rel B), (B rel C), …"""
    p = Parser(toks, scope)
    steps: list[Step] = []
    start = p.peek().start
    lhs = p.expression()
    lhs_start = start
    while not p.done():
        rel_tok = p.peek()
        rel = p.relation()
        if rel is None:
            raise MathError(f"unexpected '{rel_tok.text}'", rel_tok.start, rel_tok.end - rel_tok.start,
                            hint="a claim is 'expr REL expr' with REL one of = \\neq < > \\le \\ge \\approx")
        p.next()
        rhs_start = p.peek().start
        if rel == "in":
            set_name = _number_set(p)
            steps.append(Step(lhs, rel, None, start, p.toks[p.i - 1].end, set_name))
            if not p.done():
                t = p.peek()
                raise MathError("nothing may follow '\\in \\mathbb{…}'", t.start, t.end - t.start)
            break
        rhs = p.expression()
        end = p.toks[p.i - 1].end
        steps.append(Step(lhs, rel, rhs, start, end, rhs_text=text[rhs_start:end] if text else "",
                          lhs_start=lhs_start))
        lhs_start = rhs_start
        # later steps are located at their relation, which is where a reader looks in a long chain
        lhs, start = rhs, (p.peek().start if not p.done() else rhs_start)
    return steps


def _number_set(p: Parser) -> str:
    t = p.peek()
    if t.text != "\\mathbb":
        raise MathError("'\\in' takes \\mathbb{Z} or \\mathbb{N}", t.start, t.end - t.start)
    p.next()
    p.expect("{")
    letter = p.next()
    p.expect("}")
    if letter.text not in ("Z", "N"):
        raise MathError(f"unknown set \\mathbb{{{letter.text}}}; use \\mathbb{{Z}} or \\mathbb{{N}}",
                        letter.start, 1)
    return letter.text


def _function_def(toks: list[Tok], head: tuple[str, list[str], int], scope: Scope) -> tuple[str, FunctionDef]:
    name, params, eq = head
    p = Parser(toks[eq + 1:], scope)
    symbols = [sp.Symbol(n, real=True) for n in params]  # an argument may be any real, not only positive
    p.bound.update(dict(zip(params, symbols)))
    body = p.expression()
    return name, FunctionDef(tuple(symbols), body), p.i + eq + 1


@dataclass(frozen=True)
class DisplayMath:
    definitions: dict[sp.Symbol, sp.Expr]
    functions: dict[str, FunctionDef]
    claims: tuple[Claim, ...]
    problems: tuple[Problem, ...]
    unchecked: int


def read_display(formulas, references) -> DisplayMath:
    """Definitions, functions and chain claims of a card's display math, in order."""
    definitions: dict[sp.Symbol, sp.Expr] = {}
    functions: dict[str, FunctionDef] = {}
    claims: list[Claim] = []
    problems: list[Problem] = []
    unchecked = 0
    for formula in formulas:
        latex = formula.latex
        shown = re.sub(r"\\\\", "  ", masked(latex))
        try:
            for toks in _statements(latex):
                if not _has_relation(toks):
                    continue
                scope = Scope(functions=dict(functions), references=references)
                head = _function_head(toks)
                if head is not None and head[0] not in functions:
                    name, fn, _ = _function_def(toks, head, scope)
                    functions[name] = fn
                    toks = toks[head[2] + 1:]  # the body starts the chain of claims, if any
                    if not _has_relation(toks):
                        continue
                    scope = Scope(functions=dict(functions), references=references)
                steps = parse_chain(toks, scope, shown)
                first = steps[0]
                if (first.rel == "=" and isinstance(first.lhs, sp.Symbol) and first.lhs not in definitions
                        and first.lhs not in first.rhs.free_symbols and _is_plain_symbol(toks, first)):
                    definitions[first.lhs] = first.rhs
                    steps = steps[1:]
                claims.extend(_claim(step, shown, formula.span, False, ()) for step in steps)
        except MathError as exc:
            unchecked += 1
            problems.append(Problem("M002", f"formula not checked: {exc.message}",
                                    offset_span(formula.span, latex, exc.offset, exc.length), False,
                                    "not every displayed formula is meant to be checked; "
                                    "see README 'Checked formulas' for what can be"))
    return DisplayMath(definitions, functions, tuple(claims), tuple(problems), unchecked)


def read_checks(check_lines, functions: dict[str, FunctionDef], references) -> tuple[list[Claim], list[Problem]]:
    """The claims of a card's check blocks; `use` lines are read by find_uses."""
    claims: list[Claim] = []
    problems: list[Problem] = []
    for line in check_lines:
        text, base = check_text(line)
        if not text or USE.match(text):
            continue
        try:
            claim_text, where = _split_where(text)
            bound = _bindings(text, where, Scope(functions=functions, references=references))
            scope = Scope(functions=functions, references=references, values=dict(bound))
            toks = tokenize(claim_text)
            if not _has_relation(toks):
                raise MathError("a claim needs a relation (= \\neq < > \\le \\ge \\approx \\in)", 0,
                                len(claim_text))
            for step in parse_chain(toks, scope, claim_text):
                claims.append(_claim(step, claim_text, base, True, bound, frozenset(scope.consumed)))
        except MathError as exc:
            problems.append(Problem("M001", f"cannot read claim: {exc.message}",
                                    offset_span(base, text, exc.offset, exc.length), True, exc.hint))
    return claims, problems


def _is_plain_symbol(toks: list[Tok], step: Step) -> bool:
    """The left side is written as one symbol (not, say, `1 \\times x`, which sympy makes x)."""
    rel_index = next(i for i, t in enumerate(toks) if t.kind in ("op", "cmd") and t.text in RELATIONS)
    head = toks[:rel_index]
    if not head or head[0].kind not in ("letter", "cmd"):
        return False
    p = Parser(head)
    try:
        node = p.atom()
    except MathError:
        return False
    return p.done() and isinstance(node, sp.Symbol)


def _split_where(text: str) -> tuple[str, str]:
    m = _WHERE.search(text)
    if not m:
        return text, ""
    return text[:m.start()], text[m.end():]


def _bindings(full: str, text: str, scope: Scope) -> tuple[tuple[sp.Symbol, sp.Expr], ...]:
    if not text.strip():
        return ()
    base = len(full) - len(text)
    out = []
    depth, start = 0, 0
    parts = []
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append((text[start:i], start))
            start = i + 1
    parts.append((text[start:], start))
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
                            toks[eq - 1].end - name_tok.start,
                            hint="write subscripts with braces, e.g. C_{in}=64")
        vp = Parser(toks[eq + 1:], scope)
        value = vp.expression()
        if not vp.done():
            t = vp.peek()
            raise MathError(f"unexpected '{t.text}' in a binding", t.start, t.end - t.start)
        out.append((target, value))
    return tuple(out)


def _claim(step: Step, text: str, start: Span, in_block: bool, bindings, consumed=frozenset()) -> Claim:
    shown = " ".join(text[min(step.start, step.lhs_start if step.lhs_start >= 0 else step.start):step.end].split())
    tol = None
    if step.rel == "~":
        tol = tolerance_of(step.rhs_text)
        if tol is None:
            raise MathError("the right side of \\approx must be a decimal number, e.g. 9.54 \\times 10^{-7}",
                            step.start, step.end - step.start)
    return Claim(step.lhs, step.rel, step.rhs, shown, offset_span(start, text, step.start, step.end - step.start),
                 in_block, step.set_name, tol, bindings, consumed)
