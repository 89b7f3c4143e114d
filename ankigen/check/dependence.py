"""Derivatives of names the card does not define, read as the notes mean them.

`\\frac{\\partial f}{\\partial z}` of an f that nothing defines says that f depends on z. Read as two
independent letters it is 0, and every claim that holds it as a factor holds as 0 = 0, right or
wrong (`2(f + y)\\frac{\\partial f}{\\partial z}` "held" for `2(f - y)\\frac{\\partial f}{\\partial z}`).
Here each such name is a function of what the claim differentiates it by, through the other names
where it can (the chain rule `\\frac{dz}{dt} = \\frac{\\partial z}{\\partial u}\\frac{du}{dt} + …` makes
z a function of u and v, each a function of t). Each name's partial derivative by each of its own
arguments is a number of its own, as it can be for some function at some point; a derivative along
several links is their product, summed over the paths. An identity that must hold for every
function then holds for every such number.
"""

from __future__ import annotations

import sympy as sp


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


def _chained(sides: list) -> set:
    """(name, variable) of the derivatives written as a factor beside another derivative: a link of a
    chain, so a direct argument."""
    out = set()
    for side in sides:
        for m in side.atoms(sp.Mul):
            links = [a for a in m.args if isinstance(a, sp.Derivative) and isinstance(a.expr, sp.Symbol)]
            if len(links) >= 2:
                out |= {(d.expr, v) for d in links for v in d.variables}
    return out


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


def abstracted(lhs, rhs, defined: set, value_of=lambda name: None):
    """The claim with the derivatives of undefined names taken as the chain rule takes them, each
    partial derivative of those names by its own arguments a symbol of its own; None when this does
    not apply:
    no such derivative, a function written with its arguments, a side without the names
    differentiated (an equation for them) or without their derivatives (the derivative's value, or
    another name for it), a derivative by a defined name whose value `value_of(name)` cannot give
    (with it, the name is a link whose own derivatives come from its definition: `y = wx + b`), a
    circle of dependence, or a name differentiated by a variable directly on both sides as well as
    through another name (the total derivative `\\frac{df}{dx} = \\frac{\\partial f}{\\partial x} + …`,
    where d and ∂ differ, which is not read)."""
    sides = [lhs] + ([rhs] if rhs is not None else [])
    if any(side.has(sp.core.function.AppliedUndef, sp.Subs) for side in sides):
        return None  # the card's own f(x + ε): a function with arguments written, not read this way
    edges = _graph(sides)
    if not edges:
        return None
    try:
        return _abstracted(sides, edges, defined, rhs is not None, value_of)
    except (TypeError, ValueError, KeyError, AttributeError, NotImplementedError):
        return None  # a form this reading does not cover: the claim is read as before


def _abstracted(sides: list, edges: dict, defined: set, two: bool, value_of):
    given = {}  # defined names a derivative is taken by: their values, whose derivatives are known
    for v in {v for vs in edges.values() for v in vs if str(v) in defined}:
        value = value_of(str(v))
        if value is None or value.has(sp.Derivative) or any(str(s) in defined for s in value.free_symbols):
            return None
        given[v] = value
    for v, value in given.items():
        edges.setdefault(v, set()).update(s for s in value.free_symbols if isinstance(s, sp.Symbol))
    if any(not side.free_symbols & set(edges) for side in sides):
        return None  # `\frac{d^2 y}{dx^2} = 6x`: an equation for y, not an identity about every y
    if any(s in _reach(edges, s) for s in edges):
        return None
    kept = _chained(sides)
    direct = {}
    for s, vs in edges.items():
        # ∂f/∂u beside ∂u/∂y in a product is f's own argument u, even where u also reaches f through a
        through = {v for v in vs if (s, v) not in kept and any(v in _reach(edges, u) for u in vs if u != v)}
        if any(all(_written(sides, s, v)) for v in through) and two:
            return None
        if any(_written(sides, s, v)[k] and _written(sides, s, u)[k] and v in _reach(edges, u)
               for v in through for u in vs if u != v for k in range(len(sides))):
            # ∂F/∂x beside ∂F/∂y on one side, with y a function of x (implicit differentiation): partials
            # with the other argument held, which the chain rule's reading would take as totals
            return None
        direct[s] = sorted(vs - through, key=str)
    values = {(s, v): sp.Symbol(rf"\frac{{\partial {s.name}}}{{\partial {v.name}}}", real=True)
              for s in direct if s not in given for v in direct[s]}
    memo: dict = {}

    def total(x, t):
        """dx/dt along every path of the graph."""
        if x == t:
            return sp.Integer(1)
        if (x, t) not in memo:
            if x in given:  # a defined name: its definition says how it changes
                value = given[x]
                memo[(x, t)] = sp.diff(value, t) + sp.Add(*[sp.diff(value, s) * total(s, t) for s in
                                                            sorted(value.free_symbols & set(direct), key=str)
                                                            if s != t])
            else:
                memo[(x, t)] = sp.Add(*[values[(x, v)] * total(v, t) for v in direct.get(x, ())])
        return memo[(x, t)]

    def derivative(d: sp.Derivative):
        if len(d.variables) != 1 or d.variable_count[0][1] != 1:
            raise ValueError("a derivative of higher order of a name nothing defines")
        expr, t = d.expr, d.variables[0]
        if (expr, t) in values:
            return values[(expr, t)]  # a link of the chain: the partial by its own argument
        out = sp.diff(expr, t)
        for s in sorted(expr.free_symbols & set(direct), key=str):
            if s != t:
                out += sp.diff(expr, s) * total(s, t)
        return out

    out = [side.replace(lambda e: isinstance(e, sp.Derivative), derivative) for side in sides]
    if any(side.has(sp.Derivative) for side in out):
        return None
    rates = set(values.values())
    if two and any(not side.free_symbols & rates for side in out):
        # `2(f - y)\frac{\partial f}{\partial z} = 2(f - y)(1 - f^2)`, `\nabla_x f = D_x f`: the derivative's
        # value or another name for it, said of one function, not an identity about every function
        return None
    return out[0], (out[1] if two else None)


def missing_link(lhs, rhs, defined: set, value_of=lambda name: None) -> bool:
    """Whether the claim equates the derivatives of an undefined name by two variables the card never
    relates: `\\frac{\\partial L}{\\partial W} = \\frac{\\partial L}{\\partial z} a` rests on z = W a,
    which nothing on the card says (neither a definition nor a derivative of one by the other). Read
    as two free numbers the sides differ, right or wrong; the claim says how z depends on W, and that
    is not given, so it is not a claim to decide."""
    if rhs is None:
        return False
    sides = [lhs, rhs]
    edges = _graph(sides)
    if not edges:
        return False
    for v in {v for vs in edges.values() for v in vs if str(v) in defined}:
        value = value_of(str(v))
        if value is not None:
            edges.setdefault(v, set()).update(s for s in value.free_symbols if isinstance(s, sp.Symbol))
    for s, vs in edges.items():
        if str(s) in defined:
            continue
        left = {v for v in vs if _written(sides, s, v)[0]}
        right = {v for v in vs if _written(sides, s, v)[1]}
        if left and right and not left & right and not any(
                u in _reach(edges, v) or v in _reach(edges, u) for v in left for u in right):
            return True
    return False
