"""Calculus operators in a claim, evaluated once its definitions are put in: derivatives taken,
antiderivatives compared through their derivatives, integrals, limits and infinite sums put in
closed form where sympy finds one, and otherwise left for numeric evaluation at each sampled point.

Symbolic evaluation is tried only on operators up to a counted size, so the same claim takes the
same path on every machine; what sympy gives only under a condition (`\\sum \\gamma^k` for
`\\gamma < 1`) is kept as that condition, to be met by the conditions the card states.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import sympy as sp

SYMBOLIC_NODES = 80  # integrals and limits are tried symbolically up to this size
_CALCULUS = (sp.Integral, sp.Limit)


def size(expr: sp.Expr, limit: int) -> int:
    """The number of nodes of expr, counted up to limit + 1."""
    n = 0
    for _ in sp.preorder_traversal(expr):
        n += 1
        if n > limit:
            break
    return n


def has_operators(expr) -> bool:
    return expr is not None and (expr.has(sp.Derivative, sp.Integral, sp.Limit, sp.Subs) or bool(_infinite_sums(expr)))


def _infinite_sums(expr) -> list:
    return [s for s in expr.atoms(sp.Sum, sp.Product) if any(lim.has(sp.oo, -sp.oo) for lim in s.limits[-1][1:])]


def antiderivatives(lhs, rhs):
    """`\\int f\\,dx = F + C` holds when F' = f: both sides differentiated by the variable of every
    antiderivative they hold, so the constant of integration drops out."""
    if rhs is None:
        return lhs, rhs
    # once per variable: ∫ f dx on both sides is one antiderivative, and a second derivative would
    # take away what the sides differ by in x (5∫f dx = ∫f dx would hold)
    variables = list(dict.fromkeys(node.limits[0][0] for side in (lhs, rhs) for node in side.atoms(sp.Integral)
                                   if any(len(lim) == 1 for lim in node.limits)))
    for var in variables:
        lhs, rhs = sp.diff(lhs, var), sp.diff(rhs, var)
    return lhs, rhs


def closed_form(expr: sp.Expr) -> sp.Expr:
    """Derivatives taken; integrals, limits and infinite sums replaced by a closed form when sympy
    finds one within the size bound, innermost first. What stays is evaluated at sample points."""
    if expr is None or not has_operators(expr):
        return expr
    tried: set = set()  # a series sympy sums only under a condition comes back inside its own result
    for _ in range(8):
        nodes = [n for n in expr.atoms(sp.Derivative, *_CALCULUS) if not n.args[0].has(sp.Derivative, *_CALCULUS)]
        nodes += [s for s in _infinite_sums(expr) if not s.function.has(sp.Derivative, *_CALCULUS)]
        swaps = {}
        for node in nodes:
            if node in tried:
                continue
            tried.add(node)
            value = _evaluate(node)
            if value is not None and value != node:
                swaps[node] = value
        if not swaps:
            break
        expr = expr.xreplace(swaps)
    points = {n: n.doit() for n in expr.atoms(sp.Subs) if not n.expr.has(sp.Derivative, *_CALCULUS)}
    return expr.xreplace(points) if points else expr  # f'(2) once the derivative is taken


# What sympy's integrators, limits and summation raise on what they cannot do: besides the usual,
# internal assertions and lookups (heurisch asserts on some Gaussian integrals). No closed form.
_SYMPY_FAILURES = (ValueError, TypeError, NotImplementedError, ArithmeticError, AttributeError, RecursionError,
                   AssertionError, KeyError, IndexError)


def _evaluate(node: sp.Expr) -> sp.Expr | None:
    try:
        if isinstance(node, sp.Derivative):
            return node.doit(deep=False)
        if size(node, SYMBOLIC_NODES) > SYMBOLIC_NODES:
            return None
        with alarm(SYMBOLIC_SECONDS, _Slow):  # risch on a hard integrand can run for minutes
            value = node.doit()
    except (_Slow, *_SYMPY_FAILURES):
        return None
    if value.has(sp.Integral, sp.Limit) or (isinstance(value, (sp.Sum, sp.Product)) and value == node):
        return None
    if value.has(sp.zoo, sp.nan):
        return None
    return value


NUMERIC_SECONDS = 10.0  # the numeric values of one claim's sampled points; past this, it is not decided
SYMBOLIC_SECONDS = 10.0  # one closed form of an integral, sum or limit; past this, it is evaluated numerically


class _Slow(Exception):
    pass


_deadline = [0.0]  # when the numeric values of the claim being decided must be done by (0: no claim)


@contextmanager
def numeric_budget() -> Iterator[None]:
    """The numeric values computed inside share NUMERIC_SECONDS: forty sampled points of an integral
    that takes two seconds each would otherwise cost the card more than a minute."""
    _deadline[0] = time.monotonic() + NUMERIC_SECONDS
    try:
        yield
    finally:
        _deadline[0] = 0.0


class TooSlow(Exception):
    """A value that took longer than NUMERIC_SECONDS to compute: the claim is not decided, rather
    than sampled at forty such points."""


@contextmanager
def alarm(seconds: float, error: type[Exception]) -> Iterator[None]:
    """Raise `error` in pure-Python work (sympy) after `seconds`; inside another such alarm, that
    one's timer is put back, less the time spent here. A no-op at 0, off the main thread, or when
    the alarm outside rings first."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    outer = signal.getitimer(signal.ITIMER_REAL)[0]
    if outer and outer <= seconds:
        yield  # the claim's own guard comes first
        return

    def on_alarm(signum, frame):
        raise error()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 0.001))


def numeric(expr: sp.Expr) -> sp.Expr | None:
    """An expression whose symbols all have values, with operators still in it, as a number (to 30
    digits) by mpmath's quadrature; None where it diverges or cannot be evaluated. An infinite
    series sympy could not sum is not added up numerically: that can take minutes (Euler–Maclaurin
    on a slow series), and the budget is counted work, not time."""
    if _infinite_sums(expr) or expr.has(sp.Derivative):
        return None
    left = _deadline[0] - time.monotonic() if _deadline[0] else NUMERIC_SECONDS
    if left <= 0:
        raise TooSlow()
    try:
        with alarm(left, _Slow):  # mpmath's quadrature of a hard integral can run for minutes
            if expr.has(sp.Limit):
                # a limit over a sum of n terms has no closed form for every n, but has one at each
                # sampled n: taken there, the rest of the point's values in it
                expr = expr.doit()
                if expr.has(sp.Limit):
                    return None
            value = sp.N(expr, 30)
    except _Slow:
        raise TooSlow() from None
    except _SYMPY_FAILURES:
        return None
    if not value.is_number or value.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.Integral, sp.Sum):
        return None
    if any(v._prec < 20 for v in value.atoms(sp.Float)):
        return None  # quadrature that did not converge (∫₀¹ x⁻² dx comes back as 0.e+105): no value
    return value


def needed_conditions(expr) -> list:
    """Conditions under which sympy's closed form holds (the `\\gamma < 1` of a geometric series),
    from Piecewise results whose other branch is the unevaluated operator."""
    found = []
    for pw in expr.atoms(sp.Piecewise) if expr is not None else ():
        for value, cond in pw.args:
            if cond is not sp.true and not value.has(sp.Sum, sp.Integral, sp.Product):
                found.append(cond)
    return found
