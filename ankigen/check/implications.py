"""Steps of solving an equation: `\\frac{p}{1-p} = e^z \\Rightarrow p = e^z (1 - p) \\Rightarrow p = \\frac{e^z}{1 + e^z}`.

Each equation after an implication is claimed to follow from the one before: every value of the
unknown that solves the first solves the second. The unknown is the letter the second equation
isolates (`p = …`), or else the one letter both equations share that the card does not define. At a
few sampled values of the other letters, the first equation is solved for it (positive values, as
every letter is), when it is a polynomial or rational equation in it; a solution the second does not
meet is the counterexample. Squaring both sides,
dividing by a factor that is not zero, moving terms across: all keep the solutions, and so hold.
"""

from __future__ import annotations

import random

import mpmath
import sympy as sp

from ankigen.check.vocabulary import TRANSPOSE_LABELS
from ankigen.model import Verdict

POINTS = 5  # sampled values of the other letters
MAX_DEGREE = 6  # of the first equation's numerator in the unknown
_TOLERANCE = 1e-9


def unknown_of(first, second, defined: set[str], isolated: set = frozenset()) -> str:
    """The letter the step solves for, or '' when the form does not say (then it is not claimed):
    the one both equations share that the second, or else any equation of the chain (`isolated`),
    writes alone on a side; or else the one shared letter the card does not define. `first` and
    `second` are (lhs, rhs) as written."""
    if any(s.name.endswith(TRANSPOSE_LABELS) for s in _letters(first) | _letters(second)):
        return ""  # μ^T Σ^{-1} = σ^{-2} Y^T X ⟹ A μ = σ^{-2} X^T Y: vectors, read here as numbers
    shared = _letters(first) & _letters(second)
    for candidates in ({side for side in second if isinstance(side, sp.Symbol)}, set(isolated),
                       {s for s in shared if s.name not in defined}):
        found = candidates & shared
        if len(found) == 1:
            return next(iter(found)).name
    return ""


def _positive_roots(expr: sp.Expr, u: sp.Symbol) -> list:
    """The positive real solutions of expr = 0 when, with the other letters' values in, its numerator
    is a polynomial in u of degree at most MAX_DEGREE (a bounded amount of work on any machine);
    [] otherwise, and the point says nothing."""
    try:
        numerator = sp.together(expr).as_numer_denom()[0]
        poly = sp.Poly(sp.expand(numerator), u)
    except (sp.PolynomialError, sp.GeneratorsNeeded, TypeError, ValueError, ZeroDivisionError):
        return []
    if not 0 < poly.degree() <= MAX_DEGREE or not all(c.is_number for c in poly.all_coeffs()):
        return []
    try:
        found = poly.nroots(n=30)
    except (mpmath.libmp.libhyper.NoConvergence, sp.polys.polyerrors.BasePolynomialError, ValueError, TypeError):
        return []  # a coefficient that keeps an unevaluated sum (DomainError), roots that do not settle
    roots = [sp.re(r) for r in found if abs(sp.im(r)) < 1e-20 and sp.re(r) > 0]
    # a root of the numerator where the denominator vanishes is no solution
    return [r for r in roots if sp.N(expr.xreplace({u: r}), 30).is_finite]


def _letters(equation) -> set:
    return {s for side in equation for s in side.free_symbols if isinstance(s, sp.Symbol)}


def decide(first: sp.Expr, second: sp.Expr, unknown: str) -> Verdict:
    """Whether every solution of first = 0 for the unknown is one of second = 0 (both are lhs - rhs,
    with the card's definitions put in)."""
    u = next((s for s in first.free_symbols if isinstance(s, sp.Symbol) and s.name == unknown), None)
    if u is None or u not in second.free_symbols:
        return Verdict(None, "unclaimed", "the equations do not share the letter solved for")
    others = sorted((first.free_symbols | second.free_symbols) - {u}, key=str)
    rng = random.Random(f"{sp.srepr(first)}|{sp.srepr(second)}")
    solved = 0
    for _ in range(POINTS):
        point = {s: sp.Rational(rng.randint(1, 40), rng.randint(2, 9)) for s in others}
        roots = _positive_roots(first.xreplace(point), u)
        if not roots:
            continue
        solved += 1
        for root in roots:
            value = sp.N(second.xreplace(point).xreplace({u: root}), 30)
            if not value.is_number or value.has(sp.zoo, sp.nan) or not value.is_finite:
                continue
            scale = max(1, *(abs(sp.N(t.xreplace(point).xreplace({u: root}))) for t in sp.Add.make_args(second)))
            if abs(value) > _TOLERANCE * scale:
                example = tuple((str(s), str(v)) for s, v in point.items()) + (
                    (unknown, f"{sp.N(root, 6)}, which solves the first equation"),)
                return Verdict(False, "sampled", "", example, "0", f"{sp.N(value, 6)} (the second equation's "
                               "left side minus its right side)")
    if solved < 2:
        return Verdict(None, "unclaimed", f"the first equation was not solved for {unknown}")
    return Verdict(True, "sampled", f"each solution for {unknown} of the one before solves it, at {solved} sampled points")
