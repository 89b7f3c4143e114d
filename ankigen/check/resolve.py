"""Putting a card's definitions into a claim: symbols, sequences unrolled, sums expanded, lists bound.

Everything here is bounded by counted work (substitution rounds, unrolled terms, summed terms),
never by time, so a claim resolves the same way on every machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from ankigen.check.vocabulary import family, symbol

MAX_ROUNDS = 60  # substitution rounds before definitions are called circular
MAX_TERMS = 5000  # terms of a sum or product expanded one by one
MAX_UNROLL = 5000  # sequence terms computed for one claim
_CIRCLE_AFTER = 3  # rounds before the definitions are searched for a circle: most claims settle sooner
_ELEMENT = re.compile(r"^(.+)_\{(-?\d+)\}$")


class TooLarge(Exception):
    """The claim needs more work than the budget allows: C002, the same on every machine."""


class Circular(Exception):
    """A definition refers to itself: C005, naming the symbols still being put in."""

    def __init__(self, names=()) -> None:
        super().__init__(", ".join(str(n) for n in names))
        self.names = tuple(names)


@dataclass(frozen=True)
class ListProblem:
    name: str
    message: str


def element_name(base: str, indices) -> str:
    return f"{base}_{{{','.join(str(i) for i in indices)}}}"


def normalize(expr: sp.Expr) -> sp.Expr:
    """Family elements at whole-number indices become the symbols written `C_0` or `C_{12}`."""
    if not expr.has(sp.Indexed):
        return expr
    found = {e for e in expr.atoms(sp.Indexed) if all(i.is_Integer for i in e.indices)}
    if expr.has(sp.Derivative):  # d/dx_1 of a sum over x: x_1 stays the family's element until differentiated
        found -= {v for d in expr.atoms(sp.Derivative) for v in d.variables}
    if not found:
        return expr
    return expr.xreplace({e: symbol(element_name(e.base.label, e.indices)) for e in found})


def expand_sums(expr: sp.Expr) -> sp.Expr:
    """Sums and products with number bounds, computed; a closed form when there are too many terms.
    sympy writes \\sum_i \\sum_j as one Sum with two limits, the outermost last: it goes first."""
    if not expr.has(sp.Sum, sp.Product):
        return expr

    def one(node):
        cls = type(node)
        *inner, (index, low, high) = node.limits
        if high - low + 1 > MAX_TERMS:
            n = sp.Symbol("n_", integer=True, positive=True)
            closed = cls(node.function, *inner, (index, low, n)).doit()
            if closed.has(sp.Sum, sp.Product):
                raise TooLarge(f"{int(high - low + 1)} terms are too many to add up one by one")
            return closed.xreplace({n: high})
        terms = []
        for k in range(int(low), int(high) + 1):
            # subs, not xreplace: an inner sum may reuse the index as its own bound variable
            body = node.function.subs(index, sp.Integer(k))
            limits = [(v, lo.subs(index, k), hi.subs(index, k)) for v, lo, hi in inner]
            terms.append(cls(body, *limits) if limits else body)
        if isinstance(node, sp.Sum):
            return sp.Add(*terms)
        return sp.Mul(*terms)

    for _ in range(MAX_ROUNDS):
        ready = [n for n in expr.atoms(sp.Sum, sp.Product)
                 if n.limits[-1][1].is_Integer and n.limits[-1][2].is_Integer]
        if not ready:
            return expr
        expr = normalize(expr.xreplace({node: one(node) for node in ready}))
    raise TooLarge("sums nested too deeply")


def _circle(expr: sp.Expr, values: dict) -> list:
    """The names of a circle of definitions that putting them into expr would meet, or []."""
    state: dict = {}  # name -> "open" while its uses are followed, "done" after

    def visit(name, path: list) -> list:
        state[name] = "open"
        value = values[name]
        for used in sorted(value.free_symbols & values.keys(), key=str) if isinstance(value, sp.Basic) else []:
            if state.get(used) == "open":
                return sorted(path[path.index(used):], key=str)
            if used not in state:
                found = visit(used, path + [used])
                if found:
                    return found
        state[name] = "done"
        return []

    for name in sorted(expr.free_symbols & values.keys(), key=str):
        if name not in state:
            found = visit(name, [name])
            if found:
                return found
    return []


def resolve(expr: sp.Expr, values: dict, sequences: dict, local: bool = False) -> sp.Expr:
    """`expr` with every defined symbol replaced, sequences unrolled to their base cases and sums
    expanded, until nothing changes. `local`: a partial derivative of a defined name by a name its
    definition uses holds that definition's other names fixed (see _derivatives_by_defined)."""
    unrolled = 0
    expr = _derivatives_by_defined(expr, values, sequences, local)
    if expr.has(sp.Indexed) and _rules(values):
        # ∂L/∂ŷ_k taken by the element ŷ[k] of the family L sums: the family is then ŷ_j's rule at each index
        rules = _rules(values)
        variables = {v for d in expr.atoms(sp.Derivative) for v in d.variables}
        expr = expr.xreplace({e: v for e in expr.atoms(sp.Indexed) if str(e.base.label) in rules and len(e.indices) == 1
                              and e not in variables
                              for v in [_at_index(str(e.base.label), *rules[str(e.base.label)], e.indices[0])]
                              if v is not None})
    for rounds in range(MAX_ROUNDS):
        if rounds == _CIRCLE_AFTER:
            circle = _circle(expr, values)
            if circle:  # it would never settle, and may double in size each round (a = qs + r, s = 2a, r = a - qs)
                raise Circular(circle)
        if rounds:  # a derivative a definition put in (J = dη/dθ in J^{-1}) is taken as one written here
            expr = _derivatives_by_defined(expr, values, sequences, local)
        try:
            # y = σ(w^T x + b) says nothing of the labels y_i: a family's name is kept from a symbol's value
            kept = {b: b for b in expr.atoms(sp.IndexedBase) if b.label in values}
            new = normalize(expand_sums(normalize(expr.xreplace({**kept, **values} if kept else values))))
        except (ValueError, TypeError) as exc:  # a definition put where only a symbol may stand
            raise TooLarge(f"a definition cannot be put in here ({type(exc).__name__})") from None
        if sequences:
            new, n = _unroll(new, values, sequences)
            unrolled += n
            if unrolled > MAX_UNROLL:
                raise TooLarge(f"more than {MAX_UNROLL} terms of a sequence")
        if new == expr:
            return expr
        expr = new
    raise Circular(sorted(expr.free_symbols & set(values), key=str))


def held_variable(v: sp.Symbol) -> sp.Symbol:
    """A defined name standing as a derivative's variable: the same name, another symbol, so that
    its definition is not put in there."""
    return sp.Symbol(v.name, real=True, positive=None)


def _derivatives_by_defined(expr: sp.Expr, values: dict, sequences: dict, local: bool = False) -> sp.Expr:
    """`\\frac{\\partial L}{\\partial \\hat{y}}` where the card defines ŷ: the derivative of L by ŷ held as
    a variable, taken before ŷ's own definition is put in (else the variable would become σ(z)).
    Locally, as a computation graph's edges are labelled (c = a + b, b = e^a: ∂c/∂a = 1), the
    other names that L's definition uses are held too."""
    if not expr.has(sp.Derivative):
        return expr
    nodes = [d for d in expr.atoms(sp.Derivative) if any(v in values for v in d.variables)
             or local and d.expr in values and any(v in values[d.expr].free_symbols for v in d.variables)]
    if not nodes:
        return expr
    swaps = {}
    for node in nodes:
        if isinstance(node.expr, sp.Symbol) and node.expr not in values and not local:
            # ∂L/∂y of an L nobody defines, by a defined y: a link of a chain rule, kept for
            # dependence.py (y's own value is put in only where y is not a derivative's variable)
            swaps[node] = sp.Derivative(node.expr, *[(held_variable(v) if v in values else v, n)
                                                     for v, n in node.variable_count])
            continue
        direct = values[node.expr].free_symbols if local and node.expr in values else set()
        held = {k: v for k, v in values.items() if k not in node.variables and k not in direct}
        body = resolve(node.expr, held, sequences)
        counts = []
        for v, n in node.variable_count:
            element = _element_in(v, body)
            if element is not None:  # ∂L/∂ŷ_k of an L that sums ŷ_j: by the family's element at k
                body, v = body.xreplace({v: element}), element
            counts.append((v, n))
        try:
            swaps[node] = sp.Derivative(body, *counts).doit()
        except (ValueError, TypeError, NotImplementedError, AttributeError):
            from ankigen.check.vocabulary import Opaque

            swaps[node] = Opaque(sp.Symbol("a derivative sympy cannot take"), body)
    return expr.xreplace(swaps)


def _rules(values: dict) -> dict:
    """The families given by a rule at a letter index (`\\hat{y}_k = e^{z_k} / \\sum_j e^{z_j}`), by name."""
    return {m.group(1): (m.group(2), v) for k, v in values.items() if isinstance(k, sp.Symbol)
            for m in [_LETTER_ELEMENT.match(k.name)] if m}


def _element_in(var, body: sp.Expr):
    """`x_{k}` where the body sums the family x (with as many indices): its element x[k]."""
    m = _LETTERS_ELEMENT.match(var.name) if isinstance(var, sp.Symbol) else None
    if not m:
        return None
    for b in body.atoms(sp.IndexedBase):
        if str(b.label) == m.group(1) and {len(e.indices) for e in body.atoms(sp.Indexed) if e.base == b} \
                == {len(m.group(2))}:
            return b[tuple(sp.Symbol(c, integer=True) for c in m.group(2))]
    return None


def _unroll(expr: sp.Expr, values: dict, sequences: dict) -> tuple[sp.Expr, int]:
    """R_{3} → the recurrence's body at n = 3, for sequences whose base case is known."""
    swaps = {}
    for s in expr.free_symbols:
        m = _ELEMENT.match(s.name) if isinstance(s, sp.Symbol) else None
        if not m or s in values:
            continue
        seq = sequences.get(m.group(1))
        if seq is None:
            continue
        k = int(m.group(2))
        bases = [int(_ELEMENT.match(v.name).group(2)) for v in values
                 if isinstance(v, sp.Symbol) and _ELEMENT.match(v.name)
                 and _ELEMENT.match(v.name).group(1) == seq.name]
        if not bases or k < min(bases):
            continue
        swaps[s] = normalize(seq.body.xreplace({seq.index: sp.Integer(k)}))
    if not swaps:
        return expr, 0
    return expr.xreplace(swaps), len(swaps)


def bind_lists(lhs: sp.Expr, rhs: sp.Expr | None, lists) -> tuple[dict, list[ListProblem]]:
    """Elements for `C = [3, 64, 64, 128]`: consecutive indices from the lowest one the claim uses."""
    values: dict = {}
    problems: list[ListProblem] = []
    free = lhs.free_symbols | (rhs.free_symbols if rhs is not None else set())
    for name, items in lists:
        used = sorted(int(m.group(2)) for s in free if isinstance(s, sp.Symbol)
                      for m in [_ELEMENT.match(s.name)] if m and m.group(1) == name)
        if not used:
            problems.append(ListProblem(name, f"'where' binds the list {name}, but the claim uses no element "
                                              f"{name}_k at a known index"))
            continue
        low = used[0]
        for j, item in enumerate(items):
            values[symbol(element_name(name, [low + j]))] = item
        beyond = [k for k in used if k >= low + len(items)]
        if beyond:
            problems.append(ListProblem(name, f"the list {name} has {len(items)} values, {name}_{low}…"
                                              f"{name}_{low + len(items) - 1}, but the claim uses {name}_{beyond[0]}"))
    return values, problems


_LETTER_ELEMENT = re.compile(r"^(.+)_\{([a-z])\}$")
_LETTERS_ELEMENT = re.compile(r"^(.+)_\{([a-z]{1,2})\}$")
# S_N = \\sum_{n=0}^{N} K^n: a partial sum at a capital index, a rule only where its value uses the index
_CAPITAL_ELEMENT = re.compile(r"^(.+)_\{([A-Z])\}$")


def family_members(sides, definitions: dict) -> dict:
    """`p_i = e^{x_i} / \\sum_j e^{x_j}` defines every p: p_k is the same formula with k for i. Only
    for a definition that depends on its index, so `p_i = 0.2` stays a value of p_i alone."""
    general = {}
    for target, value in definitions.items():
        m = _LETTERS_ELEMENT.match(target.name) if isinstance(target, sp.Symbol) else None
        capital = _CAPITAL_ELEMENT.match(target.name) if isinstance(target, sp.Symbol) and not m else None
        if capital and any(str(s) == capital.group(2) for s in value.free_symbols):
            m = capital
        if m and len(set(m.group(2))) == len(m.group(2)) and not _uses_own_family(m.group(1), value):
            general.setdefault(m.group(1), (m.group(2), value))
    found: dict = {}
    for side in sides:
        for s in (side.free_symbols if side is not None else ()):
            m = _LETTERS_ELEMENT.match(s.name) or _CAPITAL_ELEMENT.match(s.name) if isinstance(s, sp.Symbol) else None
            numbered = _NUMBERED_ELEMENT.match(s.name) if isinstance(s, sp.Symbol) and not m else None
            if numbered and s not in definitions and numbered.group(1) in general:
                member = _numbered_member(numbered.group(1), *general[numbered.group(1)], int(numbered.group(2)))
                if member is not None:
                    found[s] = member
                continue
            if not m or s in definitions or m.group(1) not in general:
                continue
            i, value = general[m.group(1)]
            k = m.group(2)
            if len(k) != len(i):
                continue
            # A_{ik} from the rule for A_{ij}: each index letter of the rule for the element's own
            mapping = dict(zip(i, k))
            swaps = {}
            for a in value.free_symbols:
                if not isinstance(a, sp.Symbol):
                    continue
                sub = _LETTERS_ELEMENT.match(a.name)
                if a.name in mapping:
                    swaps[a] = sp.Symbol(mapping[a.name], **a.assumptions0)
                elif sub and set(sub.group(2)) <= set(mapping):
                    renamed = "".join(mapping[c] for c in sub.group(2))
                    swaps[a] = sp.Symbol(f"{sub.group(1)}_{{{renamed}}}", **a.assumptions0)
            if swaps and k != i:
                found[s] = value.xreplace(swaps)
    derivatives = any(side is not None and side.has(sp.Derivative) for side in sides)
    for side in sides:
        # `D_i = V_i - V_{i-1}`, then `\\sum_{i=1}^n D_i`: each element the sum adds is the rule at its index
        # (not in a claim that differentiates: by x̂_j, the rule's element is a variable of its own)
        for e in (side.atoms(sp.Indexed) if side is not None and not derivatives else ()):
            rule = general.get(str(e.base.label))
            if e in definitions or rule is None or len(rule[0]) != len(e.indices):
                continue
            # `C_{ij} = \sum_k A_{ik} B_{kj}`, then `\sum_i C_{ij}`: the rule at both indices
            value = _at_index(str(e.base.label), *rule, e.indices[0]) if len(e.indices) == 1 else \
                _at_indices(str(e.base.label), *rule, e.indices)
            if value is not None:
                found[e] = value
    return found


_OFFSET_ELEMENT = re.compile(r"^(.+)_\{([a-z])\s*([+-])\s*(\d+)\}$")


def _uses_own_family(name: str, value: sp.Expr) -> bool:
    """`X_t = 1 + \\int_0^t X_s ds`, `H_s = \\sum_i H_i 1(s)`: an equation the family satisfies, or a
    family built of another one written with the same letter; no rule that gives X at each index.
    So is `f_z = f_x x_z + f_y y_z` (partial derivatives written as subscripts): f at x is no rule."""
    return any(str(e.base.label) == name for e in value.atoms(sp.Indexed)) or any(
        (m := _LETTERS_ELEMENT.match(s.name)) and m.group(1) == name
        for s in value.free_symbols if isinstance(s, sp.Symbol))


# z_{1}, a_{0}: an element at a written number
_NUMBERED_ELEMENT = re.compile(r"^(.+)_\{(\d{1,3})\}$")


def _numbered_member(name: str, i: str, value: sp.Expr, index: int) -> sp.Expr | None:
    """z_1 from the rule `z_j = w_j a_{j-1} + b_j`: w_1 a_0 + b_1, the names as written at that
    number. None for a rule of several indices, or one that does not depend on its index, or one
    that speaks of its own family (`S_t = S_0 e^{\\mu t}`: a solution from its start S_0, which
    stays a value of its own)."""
    if len(i) != 1 or any(str(a).startswith(name + "_") for a in value.free_symbols):
        return None
    return _at_index(name, i, value, sp.Integer(index),
                     lambda letters, at, a: sp.Symbol(f"{letters}_{{{at}}}", **a.assumptions0))


def _at_indices(name: str, letters: str, value: sp.Expr, indices: tuple) -> sp.Expr | None:
    """A rule of several indices (`C_{ij} = \\sum_k A_{ik} B_{kj}`) at these: each letter, and each
    element of another family written with those letters (`D_{ji}`), at its index. None for a rule
    that does not depend on its letters, or that uses its own family."""
    at = dict(zip(letters, indices))
    swaps = {}
    for a in value.free_symbols:
        m = _LETTERS_ELEMENT.match(a.name) if isinstance(a, sp.Symbol) else None
        if isinstance(a, sp.Symbol) and a.name in at:
            swaps[a] = at[a.name]
        elif m and set(m.group(2)) <= set(at):
            if m.group(1) == name:
                return None
            swaps[a] = family(m.group(1))[tuple(at[c] for c in m.group(2))]
    return value.xreplace(swaps) if swaps else None


def _at_index(name: str, i: str, value: sp.Expr, index: sp.Expr, element=None) -> sp.Expr | None:
    """A family's rule (`D_i = V_i - V_{i-1}`) at an index: i, and the elements of other families at i or
    a step from it, in terms of index. None for a rule that does not depend on i, or that uses its own family.
    `element(family, index, symbol)` names such an element (by default, an indexed family's)."""
    element = element or (lambda letters, at, a: family(letters)[at])
    swaps = {}
    for a in value.free_symbols:
        if not isinstance(a, sp.Symbol):
            continue
        at, offset = _LETTER_ELEMENT.match(a.name), _OFFSET_ELEMENT.match(a.name)
        if a.name == i:
            swaps[a] = index
        elif at and at.group(2) == i:
            swaps[a] = element(at.group(1), index, a)
        elif offset and offset.group(2) == i:
            step = int(offset.group(4)) * (1 if offset.group(3) == "+" else -1)
            swaps[a] = element(offset.group(1), index + step, a)
        if (at or offset) and (at or offset).group(1) == name:
            return None  # w_i = w_i - η g_i: an update, not a rule for w
    return value.xreplace(swaps) if swaps else None
