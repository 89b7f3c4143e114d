"""Chains of relations in a statement's tokens: `A = B = C` to steps, the targets of definitions,
function heads `f(x, y) =`, recurrences `X_n = … X_{n-1} …`, and where the relations are."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import sympy as sp

from ankigen.check.matrices import is_matrix
from ankigen.check.reader import Parser
from ankigen.check.tokens import MathError, Tok, closing
from ankigen.check.vocabulary import (BOLD, DECORATIONS, GREEK, KNOWN_FUNCTIONS, RELATIONS, WORD_COMMANDS, FunctionDef,
                                      Scope)


def applied_names(toks: list[Tok]) -> frozenset[str]:
    """Letters written before `(` with two different arguments, `s(t_0 + \\Delta t) - s(t_0)`, or
    before the variable of a derivative or an integral, `\\frac{d}{dt} y(t)`, `\\int f(x)\\,dx`:
    functions, in the usual reading (nobody differentiates y times t written so)."""
    seen: dict[str, set[int]] = {}
    of_variable = set()
    variables = differentials(toks)
    for k, (a, b) in enumerate(zip(toks, toks[1:])):
        if (a.kind == "letter" or a.text[1:] in GREEK) and b.kind == "op" and b.text == "(" and a.end == b.start:
            inside = [t.text for t in toks[k + 2:k + 4]]
            if len(inside) == 2 and inside[1] == ")" and inside[0] in variables and inside[0] != a.text:
                of_variable.add(a.text)
            elif a.text not in _group_texts(toks, k + 1):  # m(m - 1) multiplies, as n(n + 1) does
                seen.setdefault(a.text, set()).add(b.start)
    return frozenset(of_variable | {name for name, places in seen.items() if len(places) > 1})


_UPRIGHT_D = (["\\mathrm", "{", "d", "}"], ["\\operatorname", "{", "d", "}"])


def differentials(toks: list[Tok]) -> set[str]:
    """The letters v of `dv`, `\\partial v`, `\\mathrm{d}v` standing apart (not the end of a word): the
    variables of derivatives and integrals."""
    found = set()
    for k in range(1, len(toks)):
        t, before = toks[k], toks[k - 1]
        if t.kind != "letter" or before.end != t.start:
            continue
        if before.text == "\\partial" or [u.text for u in toks[max(k - 4, 0):k]] in _UPRIGHT_D:
            found.add(t.text)
        elif before.kind == "letter" and before.text == "d":
            prior = toks[k - 2] if k >= 2 else None
            if prior is None or prior.end != before.start or prior.kind not in ("letter", "num"):
                found.add(t.text)
    return found


def _group_texts(toks: list[Tok], start: int) -> set[str]:
    """The token texts inside the parenthesis that opens at toks[start]."""
    end = closing(toks, start, "(", ")")
    return {t.text for t in toks[start + 1:end if end >= 0 else len(toks)]}


def top_relations(toks: list[Tok]) -> list[Tok]:
    """Relations outside every group: not the `=` of `\\sum_{i=1}`."""
    depth, found = 0, []
    for t in toks:
        if t.kind == "op" and t.text in "{([":
            depth += 1
        elif t.kind == "op" and t.text in "})]":
            depth -= 1
        elif depth == 0 and is_relation(t):
            found.append(t)
    return found


def is_relation(t: Tok) -> bool:
    return t.kind in ("op", "cmd") and t.text in RELATIONS


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
    target: tuple | None = None  # (rows, cols) of ℝ^{rows×cols}, for a claim about a shape
    headless: bool = False  # after a first member that cannot be read: a step of a derivation of it


def parse_chain(toks: list[Tok], scope: Scope, text: str, display_set: bool = False,
                head: tuple | None = None) -> list[Step] | None:
    """`A rel B rel C …` → steps (A rel B), (B rel C), …; None for a set other than ℤ or ℕ in display math.
    `head` (value, text) is the left side of a chain that starts with its relation (`$$= a_i - y_i$$`
    after a display ending in that side), located at that relation."""
    p = Parser(toks, scope)
    steps: list[Step] = []
    start = p.peek().start
    head_text = None
    if head is not None and toks and is_relation(toks[0]):
        lhs, head_text = head
        lhs_start = lhs_end = start
    else:
        try:
            lhs = p.expression()
        except MathError:
            tail = _headless(toks, scope, text, display_set)
            if tail is None:
                raise
            return tail
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
        if rel == "=:":
            p.next()
        rhs_start = p.peek().start
        if rel != "in":
            try:
                rhs = p.expression()
            except MathError as exc:
                tail = _headless(toks, scope, text, display_set, after=exc.offset)
                if tail is None:
                    raise
                return [_percent_as_unit(part) for step in steps for part in _items(step)] + tail
        if rel == "in":
            shape = _real_space(p, lhs)
            set_name = "R" if shape is not None else _number_set(p, display_set)
            if set_name is None:
                return None
            steps.append(Step(lhs, rel, None, start, p.toks[p.i - 1].end, set_name, target=shape,
                              lhs_start=lhs_start))
            if not p.done():
                t = p.peek()
                raise MathError("nothing may follow '\\in \\mathbb{…}'", t.start, t.end - t.start)
            break
        end = p.toks[p.i - 1].end
        written = head_text if head_text is not None and not steps else text[lhs_start:lhs_end] if text else ""
        steps.append(Step(lhs, rel, rhs, start, end, lhs_text=written,
                          rhs_text=text[rhs_start:end] if text else "", lhs_start=lhs_start))
        lhs_start, lhs_end = rhs_start, end
        # later steps are located at their relation, which is where a reader looks in a long chain
        lhs, start = rhs, (p.peek().start if not p.done() else rhs_start)
    return [_percent_as_unit(part) for step in steps for part in _items(step)]


# `\frac{3}{12} \times 100 = 25\%`: the author multiplied by 100 to write a percentage, so the
# percent sign there is a unit, not a hundredth (`\frac{3}{12} = 25\%` keeps the hundredth).
_PERCENT = re.compile(r"^\s*(?:\\boxed\s*\{)?\s*-?\d[\d.,]*\s*\\%\s*\}?\s*$")  # also boxed: \boxed{37.5\%}
_TIMES_100 = re.compile(r"(?:\\times|\\cdot)\s*100(?![\d.])(?!\s*\\%)|^\s*100\s*(?:\\times|\\cdot)")


def _percent_as_unit(step: Step) -> Step:
    if step.rhs is None:
        return step
    if _PERCENT.match(step.rhs_text) and _TIMES_100.search(step.lhs_text):
        return replace(step, rhs=step.rhs * 100)
    if _PERCENT.match(step.lhs_text) and _TIMES_100.search(step.rhs_text):
        return replace(step, lhs=step.lhs * 100)
    # `30 + 45 + 25 = 100\%`: shares written in percent points, added up to a whole written with the
    # sign. The sign is a unit exactly when the other side is the number it follows (never near it)
    for percent, other, side in ((step.rhs_text, step.lhs, "rhs"), (step.lhs_text, step.rhs, "lhs")):
        value = getattr(step, side)
        if _PERCENT.match(percent) and other.is_number and value.is_number and (other - value * 100).is_zero:
            return replace(step, **{side: value * 100})
    return step


def _headless(toks: list[Tok], scope: Scope, text: str, display_set: bool, after: int = -1) -> list[Step] | None:
    """`P(\\text{both cards red}) = \\frac{26}{52} \\times \\frac{25}{51} = \\frac{650}{2652}`: a first
    member that cannot be read (a phrase naming the quantity) before a chain of two members or more
    (`\\text{return} = \\gamma^3(1 + \\gamma) = \\gamma^3 + \\gamma^4`). What the formula claims is that
    chain, read as if the phrase were not there; None when the rest cannot be read. With `after`, the
    same past a member that cannot be read further on (`P(A|B) = \\frac{P(A \\cap B)}{P(B)} = \\frac{0.12}{0.4}
    = 0.3`): the chain resumes at the first `=` after that offset."""
    relations = [t for t in top_relations(toks) if t.start >= after]
    if len(relations) < 2 or relations[0].text != "=":
        return None
    k = toks.index(relations[0])
    try:
        steps = parse_chain(toks[k + 1:], scope, text, display_set)
    except MathError:
        return None
    return [replace(step, headless=True) for step in steps or ()] or None  # parse_chain may find no chain


def _items(step: Step) -> list[Step]:
    """`(x_1, x_2) = (1, 2)`: tuples are compared item by item, as two claims at the same place."""
    left, right = isinstance(step.lhs, sp.Tuple), isinstance(step.rhs, sp.Tuple)
    if not (left or right):
        return [step]
    if not (left and right) or len(step.lhs) != len(step.rhs) or step.rel not in ("=", "!=", "~", ":="):
        raise MathError("a tuple is compared only with a tuple of as many items", step.start,
                        step.end - step.start, construct="tuple")
    return [Step(a, step.rel, b, step.start, step.end, lhs_text=step.lhs_text, rhs_text=step.rhs_text,
                 lhs_start=step.lhs_start) for a, b in zip(step.lhs, step.rhs)]


def _real_space(p: Parser, lhs) -> tuple | None:
    """`\\mathbf{W}\\mathbf{x} + \\mathbf{b} \\in \\mathbb{R}^{m}`: the shape claimed of an expression of
    vectors and matrices, consumed; None (nothing consumed) when the left side is a lone name (that
    is a declaration) or not a matrix, or the set is not ℝ^{…}."""
    if not is_matrix(lhs) or isinstance(lhs, sp.Symbol):
        return None
    texts = [p.peek(k).text for k in range(5)]
    if texts[:4] != ["\\mathbb", "{", "R", "}"] or texts[4] != "^":
        return None
    from ankigen.check.vectors import _dimensions

    start = p.i + 5
    end = start + 1
    if start >= len(p.toks):
        return None
    if p.toks[start].text == "{" if start < len(p.toks) else False:
        depth = 0
        for end in range(start, len(p.toks)):
            depth += (p.toks[end].text == "{") - (p.toks[end].text == "}")
            if depth == 0:
                end += 1
                break

    def parse(toks):
        sub = Parser(toks, p.scope)
        value = sub.expression()
        if not sub.done():
            raise MathError("cannot read a dimension", toks[0].start, 1, construct="dimension")
        return value

    dims = _dimensions(p.toks[start:end], parse)
    if dims is None:
        return None
    p.i = end
    return dims


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


_BARS = ("\\|", "\\lVert", "\\Vert", "\\lvert", "\\vert", "\\left", "\\bigl", "\\Bigl", "\\big", "\\Big")


def is_target(toks: list[Tok], step: Step) -> bool:
    """The left side is written as one symbol (not, say, `1 \\times x`, which sympy makes x)."""
    head = toks[:next(i for i, t in enumerate(toks) if is_relation(t) or t.text == ":")]
    if not head or head[0].kind not in ("letter", "cmd", "word") or head[0].text in _BARS:
        return False  # ‖f‖_1 = 0.5 gives f a norm, not a value, though ‖f‖ of a number is f
    if not isinstance(step.lhs, (sp.Symbol, sp.Indexed)):
        return False
    if len(head) > 1 and head[0].text == "d" and str(step.lhs).startswith(f"\\mathrm{{d{head[1].text}}}"):
        return True  # dW, dz_2: a name the card's scope made of d and a letter (differentials_of)
    p = Parser(head)
    try:
        node = p.atom()
    except MathError:
        return False
    # e, i or \\pi read here without the card's scope: the step (read with it) says they are variables
    return p.done() and (isinstance(node, (sp.Symbol, sp.Indexed)) or node in (sp.E, sp.I, sp.pi))


def function_head(toks: list[Tok]) -> tuple[str, list[str], int] | None:
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
    base = name.rstrip("'").removeprefix("\\mathrm{").removesuffix("}").lstrip("\\").lower()
    if name.endswith("'") and base in KNOWN_FUNCTIONS:
        return None  # \text{sigmoid}'(x) = …: what the known function's derivative is, a claim
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
    if t.kind == "cmd" and t.text in ("\\mathcal", "\\mathscr") and p.peek(1).text == "{" and p.peek(3).text == "}":
        letter = p.peek(2)
        if letter.kind != "letter":
            return None
        p.i += 4
        return p.decorated(f"\\mathcal{{{letter.text}}}")
    if t.kind == "cmd" and t.text in DECORATIONS and p.peek(1).text == "{" and p.peek(3).text == "}" and (
            p.peek(2).kind == "letter" or p.peek(2).text[1:] in GREEK):
        inner = p.peek(2).text  # \tilde{\chi}(\Delta) = …, \hat{f}(x) = …: a decorated function's head
        p.i += 4
        return p.decorated(f"{t.text}{{{inner}}}")
    if t.kind == "cmd" and t.text in BOLD and p.peek(1).text == "{" and p.peek(3).text == "}":
        letter = p.peek(2).text
        p.i += 4  # f(\\mathbf{Q}, \\mathbf{K}): a function of matrices
        return t.text + "{" + letter + "}"
    if t.kind != "letter" and not (t.kind == "cmd" and (t.text[1:] in GREEK or t.text == "\\pi")):
        return None  # \\pi(x) = C e^{-x^2}: a density, a policy, named π
    p.next()
    return p.decorated(t.text)


def function_def(toks: list[Tok], head: tuple[str, list[str], int], scope: Scope):
    name, params, eq = head
    p = Parser(toks[eq + 1:], scope)
    # an argument may be any real, not only positive; a bold one is a vector or matrix
    # a parameter the card declares a vector or matrix (θ ∈ ℝ^n) keeps its place in products (x^T θ)
    symbols = [sp.Symbol(n, commutative=False) if n.startswith(BOLD) or n in scope.matrices
               else sp.Symbol(n, real=True) for n in params]
    p.bound.update(dict(zip(params, symbols)))
    body = p.expression()
    return name, FunctionDef(tuple(symbols), body), p.i + eq + 1


def recurrence(toks: list[Tok]) -> tuple[str, str, int] | None:
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
