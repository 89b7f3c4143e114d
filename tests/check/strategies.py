"""Hypothesis strategies shared by the checker's tests: random readable expressions."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp
from hypothesis import strategies as st

SYMBOLS = [sp.Symbol(n, positive=True) for n in ("x", "y", "K", "C_{in}", "C_{out}", "\\alpha")]


def expressions(max_leaves: int = 8):
    """Real arithmetic over a few symbols: sums, products, quotients, small powers, roots, floors."""
    leaves = st.one_of(st.sampled_from(SYMBOLS), st.integers(1, 20).map(sp.Integer),
                       st.fractions(min_value=Fraction(1, 9), max_value=9, max_denominator=9).map(
                           lambda f: sp.Rational(f.numerator, f.denominator)))
    return st.recursive(
        leaves,
        lambda sub: st.one_of(
            st.tuples(sub, sub).map(lambda ab: ab[0] + ab[1]),
            st.tuples(sub, sub).map(lambda ab: ab[0] - ab[1]),
            st.tuples(sub, sub).map(lambda ab: ab[0] * ab[1]),
            st.tuples(sub, sub).map(lambda ab: ab[0] / ab[1] if ab[1] != 0 else ab[0]),
            st.tuples(sub, st.integers(1, 4)).map(lambda ab: ab[0] ** ab[1]),
            sub.map(sp.sqrt),
            sub.map(sp.floor),
        ),
        max_leaves=max_leaves,
    ).filter(lambda e: not e.has(sp.I, sp.zoo, sp.nan, sp.oo))  # the subset is real arithmetic
