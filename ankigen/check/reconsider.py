"""Failed display claims that are not what the author claimed: a rounded decimal written with `=`,
a relation about a function the card does not define, an example whose values are in the prose,
equations between different unknowns, chains of equations. Check blocks and `% check` formulas
are never reconsidered: there the author asked for the check."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import TYPE_CHECKING

import sympy as sp

from ankigen.check.decide import sampled
from ankigen.model import Verdict

if TYPE_CHECKING:
    from ankigen.check.stage import Decision


EXAMPLE = "an example whose values the card gives in words"
_UNDEFINED = "about a function the card does not define"
_UNKNOWNS = "an equation between different unknowns"
_EQUATIONS = "equations: a chain about nothing defined that brings in a new symbol, or none of whose steps holds"
_SIMPLER = "a defined symbol restated with only some of its symbols: a simplification the card states in words"


def quiet(*args) -> None:
    """The report of a claim that is not one: nothing."""


def _settled(d: "Decision", verdict: Verdict) -> "Decision":
    return replace(d, verdict=verdict, report=quiet)


def restates_simpler(claim, d: "Decision") -> bool:
    """`C = p` after `C = m p + m q` ("dropping q and dividing by m, the cost becomes"): a symbol the
    card defines, said to equal an expression in some, not all, of its definition's symbols. An
    author who simplifies in prose means a new quantity; a number (`X = 5` after `X = 4`) is
    still checked."""
    if claim.rel != "=" or d.rhs is None or not isinstance(claim.lhs, (sp.Symbol, sp.Indexed)):
        return False
    if claim.lhs == d.lhs:  # not defined on the card: nothing was put in
        return False
    left, right = d.lhs.free_symbols, d.rhs.free_symbols
    return bool(right) and right < left


def is_instance(lhs, rhs) -> bool:
    """`N = 112` after N's general definition: one side a number, the other still free."""
    if rhs is None:
        return False
    return bool(lhs.free_symbols) != bool(rhs.free_symbols)


def reconsider(decided: list) -> list:
    """Failed display claims that are not what the author claimed: rounded decimals written with
    `=`, relations about undefined functions, examples, and chains of equations."""
    out = []
    for claim, d in decided:
        if d.verdict.holds is False and not (claim.in_check_block or claim.marked):
            if claim.rel == "=" and rounded_equal(d.lhs, d.rhs, claim.tolerance):
                d = _settled(d, Verdict(True, "exact", "holds to the digits written"))
            elif _has_calls(d.lhs) or _has_calls(d.rhs):
                d = _settled(d, Verdict(None, "unclaimed", _UNDEFINED))
            elif unknowns_on_both_sides(d.lhs, d.rhs):
                d = _settled(d, Verdict(None, "unclaimed", _UNKNOWNS))
            elif could_be_example(d.lhs, d.rhs):
                d = _settled(d, Verdict(None, "unclaimed", EXAMPLE))
            elif claim.chain and brings_unknowns(d.lhs, d.rhs):
                d = _settled(d, Verdict(None, "unclaimed", _EQUATIONS))
            elif restates_simpler(claim, d):
                d = _settled(d, Verdict(None, "unclaimed", _SIMPLER))
        out.append((claim, d))
    chains: dict[tuple, list[int]] = {}
    for n, (claim, _) in enumerate(out):
        if claim.chain and not claim.marked:
            chains.setdefault(claim.key[:-1], []).append(n)
    for members in chains.values():
        failing = sum(out[n][1].verdict.holds is False for n in members)
        if failing > 1 and all(out[n][1].verdict.holds is not True for n in members):
            for n in members:
                claim, d = out[n]
                if d.verdict.holds is False and _free_in(d):  # a closed step that fails is arithmetic
                    out[n] = (claim, _settled(d, Verdict(None, "unclaimed", _EQUATIONS)))
    return out


def _free_in(d: Decision) -> bool:
    return any(side is not None and bool(side.free_symbols) for side in (d.lhs, d.rhs))


def _has_calls(expr) -> bool:
    import sympy as sp

    return expr is not None and bool(expr.atoms(sp.core.function.AppliedUndef))


def rounded_equal(lhs, rhs, tolerance) -> bool:
    """`= 0.593269992` for 1/(1 + e^{-0.3775}): equal to the digits written on the decimal side."""
    if tolerance is None or lhs is None or rhs is None or lhs.free_symbols or rhs.free_symbols:
        return False
    try:
        return bool(abs(sp.N(lhs - rhs, 30)) <= tolerance)
    except (TypeError, ValueError):
        return False


def unknowns_on_both_sides(lhs, rhs) -> bool:
    """Each side has a symbol the other lacks: an equation between different unknowns."""
    if rhs is None:
        return False
    left, right = set(sampled(lhs, None)), set(sampled(rhs, None))
    return bool(left - right and right - left)


def could_be_example(lhs, rhs) -> bool:
    """Whether a failed claim may be an example whose values are in the prose rather than a
    mistake: one side holds symbols the other lacks, depends on them, and the other holds
    numbers where they were (|5/8 - 3/7|^p for the |m_1/m - m_2/m'|^p above it).
    A side that does not depend on its own symbols, as (K^2 C + C D)/(K^2 C D) on C, or values
    that are not there, leave a plain mistake."""
    if rhs is None:
        return False
    left, right = set(sampled(lhs, None)), set(sampled(rhs, None))
    for side, only, other in ((lhs, left - right, rhs), (rhs, right - left, lhs)):
        if only and _has_values(other) and _depends(side, only, left | right):
            return True
    return False


def brings_unknowns(lhs, rhs) -> bool:
    """A step with a symbol on one side only: in a chain about nothing defined, a substitution
    (`-\\theta = -1 \\cdot w = x \\cdot w`, meaning x = -1), not an identity."""
    if rhs is None:
        return False
    return set(sampled(lhs, None)) != set(sampled(rhs, None))


def _has_values(expr) -> bool:
    """Numbers that look like data (3, 5/8, 0.4), not the 1s and 2s of algebra."""
    for n in expr.atoms(sp.Number):
        if isinstance(n, sp.Float) or (n.is_Rational and (abs(n.p) >= 3 or n.q >= 3)):
            return True
    return False


def _depends(side, only: set, every: set) -> bool:
    rng = random.Random(sp.srepr(side))
    base = {s: sp.Rational(rng.randint(1, 50), rng.randint(1, 7)) for s in sorted(every, key=str)}
    moved = dict(base)
    moved.update({s: base[s] + sp.Rational(rng.randint(1, 50), rng.randint(2, 7)) for s in only})
    try:
        a, b = sp.N(side.xreplace(base), 30), sp.N(side.xreplace(moved), 30)
        if not (a.is_number and b.is_number):
            return True
        return bool(abs(a - b) > 1e-20 * max(1, abs(a)))
    except (TypeError, ValueError, ZeroDivisionError):
        return True
