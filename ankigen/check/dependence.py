"""Derivatives of names the card does not define, read as the notes mean them.

`\\frac{\\partial f}{\\partial z}` of an f that nothing defines says that f depends on z. Read as two
independent letters it is 0, and every claim that holds it as a factor holds as 0 = 0, right or
wrong (`2(f + y)\\frac{\\partial f}{\\partial z}` "held" for `2(f - y)\\frac{\\partial f}{\\partial z}`).
Here each such name is a function of what the claim differentiates it by, through the other names
where it can (the chain rule `\\frac{dz}{dt} = \\frac{\\partial z}{\\partial u}\\frac{du}{dt} + …` makes
z a function of u and v, each a function of t); then the derivatives are taken, and each value
and derivative left is a number of its own, as it can be for some function at some point: an
identity that must hold for every function holds for every such number.
"""

from __future__ import annotations

import sympy as sp

from ankigen.check.vocabulary import symbol


def _graph(sides: list) -> dict | None:
    """What each undefined name is differentiated by; None when a derivative is of another kind."""
    edges: dict = {}
    for side in sides:
        for d in side.atoms(sp.Derivative):
            if not all(isinstance(v, sp.Symbol) and v.is_commutative for v in d.variables):
                return None
            if isinstance(d.expr, sp.Symbol):
                if not d.expr.is_commutative:
                    return None
                edges.setdefault(d.expr, set()).update(v for v in d.variables if v != d.expr)
    return {s: vs for s, vs in edges.items() if vs}


def _reach(edges: dict, start) -> set:
    seen, todo = set(), list(edges.get(start, ()))
    while todo:
        v = todo.pop()
        if v not in seen:
            seen.add(v)
            todo.extend(edges.get(v, ()))
    return seen


def _written(sides: list, s, v) -> list[bool]:
    """Whether each side writes the derivative of s by v."""
    return [any(d.expr == s and v in d.variables for d in side.atoms(sp.Derivative)) for side in sides]


def _name(d: sp.Derivative, names: dict) -> str:
    top = names[type(d.expr)]
    order = sum(n for _, n in d.variable_count)
    if order == 1:
        return rf"\frac{{\partial {top}}}{{\partial {names.get(d.variables[0], d.variables[0])}}}"
    below = " ".join(rf"\partial {names.get(v, v)}" + (f"^{{{n}}}" if n > 1 else "") for v, n in d.variable_count)
    return rf"\frac{{\partial^{{{order}}} {top}}}{{{below}}}"


def abstracted(lhs, rhs, defined: set):
    """The claim with the derivatives of undefined names taken as the chain rule takes them, and
    every value and derivative of those names a symbol of its own; None when this does not apply:
    no such derivative, a side without the names differentiated (an equation for them), a derivative
    by a defined name (its dependence is in its definition), a circle of dependence, or a name differentiated by a variable directly on both sides as well as
    through another name (the total derivative `\\frac{df}{dx} = \\frac{\\partial f}{\\partial x} + …`,
    where d and ∂ differ, which is not read)."""
    sides = [lhs] + ([rhs] if rhs is not None else [])
    edges = _graph(sides)
    if not edges:
        return None
    if any(str(v) in defined for vs in edges.values() for v in vs):
        return None
    if any(not side.free_symbols & set(edges) for side in sides):
        return None  # `\frac{d^2 y}{dx^2} = 6x`: an equation for y, not an identity about every y
    if any(s in _reach(edges, s) for s in edges):
        return None
    direct = {}
    for s, vs in edges.items():
        through = {v for v in vs if any(v in _reach(edges, u) for u in vs if u != v)}
        if any(all(_written(sides, s, v)) for v in through) and len(sides) == 2:
            return None
        direct[s] = sorted(vs - through, key=str)
    functions: dict = {}
    names: dict = {}

    def build(s):
        if s not in direct:
            return s
        if s not in functions:
            f = sp.Function(s.name)
            names[f] = s.name
            functions[s] = f(*[build(v) for v in direct[s]])
        return functions[s]

    for s in sorted(direct, key=str):
        build(s)
    labels = {**names, **{f: s.name for s, f in functions.items()}}  # f and f(u, v) both read "f"
    try:
        out = [side.xreplace(functions).replace(lambda e: isinstance(e, sp.Derivative), lambda e: e.doit())
               for side in sides]
    except (TypeError, ValueError, NotImplementedError):
        return None
    values = {}
    for side in out:
        for d in side.atoms(sp.Derivative):
            if not isinstance(d.expr, sp.core.function.AppliedUndef):
                return None  # a derivative that did not come out in the functions' own terms
            values[d] = sp.Symbol(_name(d, labels), real=True)
    out = [side.xreplace(values) for side in out]
    calls = {f: symbol(names[type(f)]) for side in out for f in side.atoms(sp.core.function.AppliedUndef)}
    out = [side.xreplace(calls) for side in out]
    if any(side.has(sp.Derivative, sp.Subs, sp.core.function.AppliedUndef) for side in out):
        return None
    return out[0], (out[1] if rhs is not None else None)
