"""Deciding one claim: exactly when every symbol is bound, otherwise by proof and by sampling.

Free symbols range over the positive reals (positive integers for `\\in \\mathbb{Z}` claims and
for the bounds of sums). An identity is proven by a few bounded symbolic steps when they
suffice, and is in any case evaluated exactly at sampled rational points; the first point
where it fails is the counterexample. An undefined function takes an arbitrary value at each
argument, so a claim about `f` must hold for every f.

The budget is counted work — the size of the claim, the symbolic steps tried, the number of
sample points — so a verdict is the same on every machine. A wall-clock guard (minutes) only
stops a claim that hangs; it names the machine as the cause, never the claim.
"""

from __future__ import annotations

import functools
import math
import os
import random
import re
import traceback
from contextlib import contextmanager
from typing import Iterator

import sympy as sp

from ankigen.check.operators import (NUMERIC_SECONDS, TooSlow, alarm, antiderivatives, closed_form, has_operators,
                                     needed_conditions, numeric, numeric_budget, size)
from ankigen.check.resolve import TooLarge, expand_sums, normalize
from ankigen.check.vocabulary import TRANSPOSE_LABELS, family
from ankigen.model import Verdict

SAMPLES = 40
MIN_VALID_SAMPLES = 10
MAX_NODES = 6000  # nodes of a claim, after definitions are put in
PROOF_NODES = 400  # symbolic steps are tried only on claims up to this size
MAX_EXPAND_POWER = 12  # (a + b)^n is expanded only up to this n
HANG_SECONDS = 120.0  # the default wall-clock guard
_PRECISION = 60
_FUNCTION_VALUES = 40  # distinct arguments of undefined functions per point


class _Timeout(Exception):
    pass


@contextmanager
def hang_guard(seconds: float) -> Iterator[None]:
    """Interrupt pure-Python work (sympy) after `seconds`; a no-op off the main thread or at 0."""
    with alarm(seconds, _Timeout):
        yield


def _decimal(value: sp.Expr) -> str:
    try:
        number = float(value if value.is_Rational else sp.N(value, 20, maxn=_MAXN))
    except (OverflowError, TypeError, ValueError):
        number = math.inf
    # float() of a number past 1e308 is inf, not an OverflowError
    return f"{number:.10g}" if math.isfinite(number) else str(sp.N(value, 10))


def show(value) -> str:
    """A value as a learner reads it: 112.5 (= 225/2), or ≈ 0.3660323413 for long fractions."""
    if isinstance(value, bool) or value in (sp.true, sp.false):
        return str(bool(value)).lower()
    try:
        if value.is_Integer:
            return str(value) if abs(value.p).bit_length() < 64 else _decimal(value)
        if value.is_Rational:
            exact = f"{value.p}/{value.q}"
            return f"{_decimal(value)} (= {exact})" if len(exact) <= 16 else f"≈ {_decimal(value)}"
        if value.is_number:
            if value.is_real is False:
                return str(sp.N(value, 10))
            return f"≈ {_decimal(value)}"
    except (TypeError, ValueError, AttributeError):
        pass
    return author_form(value)


def author_form(expr) -> str:
    """sympy's text with the author's names: C_{in}, \\sigma, C_0."""
    try:
        return sp.sstr(normalize(expr)) if isinstance(expr, sp.Basic) else str(expr)
    except Exception:  # noqa: BLE001 — printing must never stop a report
        return str(expr)


_ORDER = {"<": (-1,), ">": (1,), "<=": (-1, 0), ">=": (0, 1)}  # the orders of two numbers each relation admits


def _compare(a: sp.Expr, b: sp.Expr | None, rel: str, tol: sp.Expr | None, set_name: str,
              complex_ok: bool = False, approximate: bool = False) -> bool | None:
    """Whether `a rel b` holds for these numbers; None when a side is undefined (or, unless
    complex_ok, not real: a sampled point outside where the formula is meant). A failure is
    evaluated again with all the working precision it needs: 1 - σ(422.5) cancels 184 digits."""
    result = _compared(a, b, rel, tol, set_name, complex_ok, approximate)
    if result is False and not (a.is_Rational and b is not None and b.is_Rational):
        result = _compared(a, b, rel, tol, set_name, complex_ok, approximate, _MAXN)
    return result


_MAXN = 4000  # bits of working precision evalf may take for a side that cancels (its own default: 100)


def _compared(a: sp.Expr, b: sp.Expr | None, rel: str, tol: sp.Expr | None, set_name: str,
              complex_ok: bool = False, approximate: bool = False, maxn: int = 100) -> bool | None:
    if rel == "in":
        if not a.is_number or a.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            return None
        integer = a.is_integer
        if integer is None:
            value = sp.N(a, _PRECISION)
            if not value.is_real:
                return None
            integer = abs(value - round(value)) < sp.Float(10) ** -40
            a = sp.Integer(round(value)) if integer else a
        return bool(integer) and (set_name == "Z" or bool(a >= 0))
    for side in (a, b):
        if not side.is_number or side.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            return None
    if a.is_Rational and b.is_Rational:
        diff = a - b
        small = diff == 0
    else:
        av, bv = sp.N(a, _PRECISION, maxn=maxn), sp.N(b, _PRECISION, maxn=maxn)
        real = av.is_real and bv.is_real
        if not real and not (complex_ok and rel in ("=", "!=")):
            return None
        diff = av - bv
        scale = max(sp.Float(1), abs(av), abs(bv))
        small = abs(diff) <= scale * sp.Float(10) ** (-12 if approximate else -45)
        if small and not approximate and max(abs(av), abs(bv)) < sp.Float(10) ** -20:
            # sides this small agree to 25 digits only by the absolute threshold: ask evalf
            small = _vanishes(a - b, max(abs(av), abs(bv)))
    if rel in ("=", "!="):  # the only relations of complex sides
        return bool(small) == (rel == "=")
    if rel == "~":
        return bool(abs(diff) <= tol)
    if rel not in _ORDER:
        raise ValueError(rel)
    order = 0 if small else (-1 if diff < 0 else 1)  # sides within the tolerance are equal
    return order in _ORDER[rel]


def _vanishes(diff: sp.Expr, scale: sp.Expr) -> bool:
    """Whether a difference of numbers below 1 is zero: evaluated as one expression, evalf keeps
    raising its working precision until the result is known to its digits, so a true zero comes
    back with no significant bits (`0.e-159`) and e^{-200} with all of them. An absolute
    threshold would call every positive number under it zero (a softmax ≈ 1e-77 'not > 0')."""
    value = sp.N(diff, _PRECISION)
    if value == 0 or not value.is_Float:
        return value == 0
    return value._prec < 20 or abs(value) <= scale * sp.Float(10) ** -45


def sampled(lhs: sp.Expr, rhs: sp.Expr | None) -> list[sp.Symbol]:
    """The free symbols to give values: not family names, not elements at a summation index."""
    found = set()
    for side in (lhs, rhs):
        if side is None:
            continue
        labels = {b.label for b in side.atoms(sp.IndexedBase)}
        found |= {s for s in side.free_symbols if isinstance(s, sp.Symbol) and s not in labels}
    return sorted(found, key=str)


_SUBSCRIPTED = re.compile(r"^(.+)_\{([A-Za-z]{1,3})([+-]\d+)?\}$")


def link_families(expr: sp.Expr | None, integers: set, families: set | None = None) -> sp.Expr | None:
    """`v_{n}` beside `\\sum_{i=1}^{n} v_i` is the family's element at n, not a symbol of its own; so is
    `z_{k}` wherever the claim sums or differentiates the family z (`z_k` beside `\\sum_j e^{z_j}`)."""
    if expr is None:
        return expr
    by_name = {str(s): s for s in integers}
    families = families if families is not None else {str(b.label) for b in expr.atoms(sp.IndexedBase)}
    swaps = {}
    for s in expr.atoms(sp.Symbol):  # atoms, not free symbols: a derivative's variable is bound
        m = _SUBSCRIPTED.match(s.name) if s.is_commutative else None
        if not m:
            continue
        letters = m.group(2)
        if m.group(1) == "\\delta" and len(letters) == 2 and letters.islower() and families and not m.group(3):
            # δ_{jk} between elements of families indexed by j and k: Kronecker's delta, 1 where j = k
            swaps[s] = sp.KroneckerDelta(*(by_name.get(c) or sp.Symbol(c, integer=True) for c in letters))
        elif len(letters) > 1:  # w_{hj} beside the family w: the element w[h, j]
            if m.group(1) in families and not m.group(3):
                swaps[s] = family(m.group(1))[tuple(by_name.get(c) or sp.Symbol(c, integer=True) for c in letters)]
        elif letters in by_name:
            swaps[s] = family(m.group(1))[by_name[letters] + int(m.group(3) or 0)]
        elif m.group(1) in families:
            swaps[s] = family(m.group(1))[sp.Symbol(letters, integer=True) + int(m.group(3) or 0)]
    return expr.xreplace(swaps) if swaps else expr


def _integer_symbols(*exprs) -> set:
    """Symbols that bound a sum or product must be whole numbers."""
    out = set()
    for e in exprs:
        if e is None:
            continue
        for node in e.atoms(sp.Sum, sp.Product):
            for _, low, high in node.limits:
                out |= low.free_symbols | high.free_symbols
    return out


def _points(free: list[sp.Symbol], integers: set, seed: str, ranges: dict | None = None,
            parity: dict | None = None) -> Iterator[dict]:
    """Sample points: 1s, 2s, primes, then seeded whole numbers, fractions, and fractions below 1; a
    symbol that a stated condition bounds (`0 < \\gamma < 1`) is drawn inside its interval, and one said
    to be even or odd (a whole number) with that parity."""
    for point in _drawn(free, integers, seed, ranges):
        yield {**point, **{s: 2 * point[s] - (kind == "odd") for s, kind in (parity or {}).items()}}


def _drawn(free: list[sp.Symbol], integers: set, seed: str, ranges: dict | None = None) -> Iterator[dict]:
    small = [s for s in free if s in integers]
    ranges = {s: r for s, r in (ranges or {}).items() if s in free and s not in integers}
    rng = random.Random(seed)
    fixed = [{s: sp.Integer(1) for s in free}, {s: sp.Integer(2) for s in free}]
    primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47]
    fixed.append({s: sp.Integer(primes[i % len(primes)] if s not in small else 1 + i % 5) for i, s in enumerate(free)})
    for point in fixed:
        yield {**point, **{s: inside(r, rng) for s, r in ranges.items()}}
    for k in range(SAMPLES - 3):
        point = {}
        for s in free:
            if s in ranges:
                point[s] = inside(ranges[s], rng)
            elif s in small:
                point[s] = sp.Integer(rng.randint(1, 6))
            elif k < SAMPLES // 3:  # (a whole-number symbol is among the small ones above)
                point[s] = sp.Integer(rng.randint(1, 12))
            elif k >= 2 * SAMPLES // 3:  # probabilities and rates: log(1 - p) is defined only below 1
                point[s] = sp.Rational(rng.randint(1, 96), 97)
            else:
                point[s] = sp.Rational(rng.randint(1, 200), rng.randint(2, 17))
        yield point


def inside(interval: tuple, rng: random.Random) -> sp.Rational:
    """A rational strictly inside (lo, hi); an open end is taken 10 away from the other."""
    lo, hi = interval
    lo = sp.Rational(lo) if lo is not None else (sp.Rational(hi) - 10 if hi is not None else sp.Integer(0))
    hi = sp.Rational(hi) if hi is not None else lo + 10
    if hi <= lo:
        return lo
    return lo + (hi - lo) * sp.Rational(rng.randint(1, 96), 97)


def _jets(expr: sp.Expr) -> sp.Expr:
    """σ'(z) of a function the card does not define, as a function of its own: at a point the values
    of a smooth function and of its derivatives can be anything, so each is drawn like a value of σ."""
    if not expr.has(sp.Derivative):  # atoms walks the whole tree; has is cached
        return expr
    swaps = {}
    for node in expr.atoms(sp.Derivative):
        call = node.expr
        if isinstance(call, sp.core.function.AppliedUndef) and all(v in call.args for v in node.variables):
            name = call.func.__name__ + "".join(f"'{call.args.index(v)}" * n for v, n in node.variable_count)
            swaps[node] = sp.Function(name)(*call.args)
    return expr.xreplace(swaps) if swaps else expr


def _transposes_vary(expr: sp.Expr) -> sp.Expr:
    """∂/∂θ of `θ^T X^T Y` where θ is read as a number and θ^T as a name of its own: the transpose of
    a number is that number, so it varies with θ. Left a name, it would be a constant, every term
    in it would drop out of the derivative, and any mistake there would hold."""
    if not expr.has(sp.Derivative):
        return expr
    swaps = {}
    for node in expr.atoms(sp.Derivative):
        twins = {s: v for v in node.variables if isinstance(v, sp.Symbol) for s in node.expr.free_symbols
                 if isinstance(s, sp.Symbol) and s.name in {v.name + mark for mark in TRANSPOSE_LABELS}}
        if twins:
            swaps[node] = node.func(node.expr.xreplace(twins), *node.variable_count)
    return expr.xreplace(swaps) if swaps else expr


class _Values:
    """Values for symbols and undefined functions that appear only while evaluating a point."""

    def __init__(self, seed: str, point: dict, totals: list | None = None) -> None:
        self.seed = seed
        self.point = point
        self.functions: dict[tuple, sp.Expr] = {}
        self.approximate = False  # a value came from numeric integration or series: compare to 1e-12
        for total, value in totals or ():
            self._scale(total, value)

    def _scale(self, total: sp.Sum, value: sp.Expr) -> None:
        """Draw the family elements a stated total adds up (`\\sum_{k=1}^{K} p_k = 1`, at this point's K)
        and scale them to it: probabilities that sum to one, weights of a convex combination."""
        (index, low, high), = total.limits if len(total.limits) == 1 else ((None, None, None),)
        if index is None:
            return
        low, high = low.xreplace(self.point), high.xreplace(self.point)
        if not (low.is_Integer and high.is_Integer and 0 <= high - low < _FUNCTION_VALUES):
            return
        elements = [total.function.xreplace({index: k}) for k in range(int(low), int(high) + 1)]
        if not all(isinstance(e, sp.Indexed) for e in elements):
            return
        elements = [normalize(e) for e in elements]  # as a sum expands: p_{1}, not p[1]
        drawn = [self.point.get(e, self._draw(str(e))) for e in elements]
        whole = sum(drawn)
        for e, v in zip(elements, drawn):
            self.point[e] = v * value / whole

    def _draw(self, key: str) -> sp.Expr:
        rng = random.Random(f"{self.seed}|{key}")
        return sp.Rational(rng.randint(1, 200), rng.randint(1, 17))

    def at(self, expr: sp.Expr | None) -> sp.Expr | None:
        if expr is None:
            return None
        expr = _jets(expr)
        for _ in range(6):
            expr = normalize(expand_sums(expr.xreplace(self.point))).xreplace(self.point)
            new = [s for s in sampled(expr, None) if s not in self.point]
            if not new:
                break
            for s in sorted(new, key=str):  # family elements a sum brought in
                self.point[s] = self._draw(str(s))
        expr = self._functions(expr)
        if has_operators(expr) or expr.has(sp.Piecewise):
            expr = numeric(expr)
            self.approximate = True
        return expr

    def _functions(self, expr: sp.Expr) -> sp.Expr:
        for _ in range(8):
            if not expr.has(sp.core.function.AppliedUndef):
                return expr
            calls = [c for c in expr.atoms(sp.core.function.AppliedUndef) if all(a.is_number for a in c.args)]
            if not calls:
                return expr
            swaps = {}
            for c in calls:
                key = (c.func.__name__, tuple(str(sp.N(a, 30)) for a in c.args))
                if key not in self.functions:
                    if len(self.functions) > _FUNCTION_VALUES:
                        raise TooLarge("too many values of an undefined function")
                    self.functions[key] = self._draw(repr(key))
                swaps[c] = self.functions[key]
            expr = expr.xreplace(swaps)
        return expr


def _proven(lhs: sp.Expr, rhs: sp.Expr) -> bool:
    """A few bounded symbolic steps: expand, cancel, and exponentials for hyperbolic functions."""
    diff = lhs - rhs
    if diff == 0:
        return True
    if size(diff, PROOF_NODES) > PROOF_NODES or diff.has(sp.Sum, sp.Product):
        return False
    if any(p.base.is_Add and p.exp.is_Integer and abs(p.exp) > MAX_EXPAND_POWER for p in diff.atoms(sp.Pow)):
        return False
    try:
        if sp.expand(diff) == 0:
            return True
        if diff.has(sp.floor, sp.ceiling, sp.Max, sp.Min, sp.Abs):
            return False
        if sp.cancel(sp.together(diff)) == 0:
            return True
        # Hyperbolic and circular functions, and powers, in exponentials: sin 2x = 2 sin x cos x,
        # cosh² − sinh² = 1 and 2^x·2^x = 4^x cancel there.
        rewritten = diff.rewrite(sp.exp)
        if rewritten != diff and size(rewritten, PROOF_NODES) <= PROOF_NODES \
                and sp.cancel(sp.together(sp.expand(rewritten))) == 0:
            return True
    except (RecursionError, TypeError, ValueError, NotImplementedError, AttributeError):
        return False
    return False


def decide(lhs: sp.Expr, rel: str, rhs: sp.Expr | None, set_name: str = "",
           tolerance: sp.Expr | None = None, guard: float = HANG_SECONDS, conditions: tuple = ()) -> Verdict:
    """Whether the claim holds, with how it was decided and a counterexample when it does not.
    `conditions` are relations (lhs, rel, rhs) the card states beside the claim (`0 < \\gamma < 1`):
    the claim is meant where they hold."""
    try:
        with hang_guard(guard), numeric_budget():
            return _decide(lhs, rel, rhs, set_name, tolerance, conditions)
    except _Timeout:
        return Verdict(None, "timeout", f"not decided within {guard:g} s on this machine")
    except TooSlow:
        return Verdict(None, "timeout", f"its values took more than {NUMERIC_SECONDS:g} s to compute numerically")
    except TooLarge as exc:
        return Verdict(None, "undecided", f"too large for the checker's budget: {exc}")
    except (RecursionError, MemoryError, OverflowError):
        return Verdict(None, "undecided", "too large for the checker's budget")
    except (TypeError, ValueError, ZeroDivisionError, AttributeError, NotImplementedError) as exc:
        if os.environ.get("ANKIGEN_DEBUG"):
            traceback.print_exc()
        return Verdict(None, "undecided", f"sympy could not evaluate it ({type(exc).__name__})")


def decide_guarded(run, guard: float = HANG_SECONDS) -> Verdict:
    """A decision made elsewhere (matrices), under the same wall-clock guard as decide()."""
    try:
        with hang_guard(guard):
            return run()
    except _Timeout:
        return Verdict(None, "timeout", f"not decided within {guard:g} s on this machine")


# after \approx, a decimal of this many places (relative) is a calculator's, which may cut: 0.36 for
# 0.366 is a slip, -0.6931471 for ln 0.5 = -0.69314718… is not
_LONG = sp.Rational(1, 10 ** 5)


def _cut(lhs, rhs, unit) -> bool:
    """One side is the other cut to the digits written, as many worked examples cut a long decimal
    (`\\frac{1}{2}(0.01 - 0.75136507)^2 = 0.274811083` for 0.27481108350…). Only the value on the
    grid of those digits that is nearer zero qualifies: a last digit one too high is still wrong."""
    if rhs is None or not unit:
        return False
    for written, value in ((rhs, lhs), (lhs, rhs)):
        try:
            v = sp.nsimplify(sp.N(value, 40), rational=True) if not value.is_Rational else value
        except (TypeError, ValueError, ArithmeticError):
            return False
        if not (written.is_Rational and v.is_Rational):
            continue
        steps = v / unit
        kept = (sp.floor(steps) if steps >= 0 else sp.ceiling(steps)) * unit
        if kept == written and kept != v:
            return True
    return False


def _decide(lhs, rel, rhs, set_name, tolerance, conditions) -> Verdict:
    for side in (lhs, rhs):
        if side is not None and size(side, MAX_NODES) > MAX_NODES:
            raise TooLarge(f"more than {MAX_NODES} terms after the definitions are put in")
    lhs = _transposes_vary(normalize(expand_sums(lhs)))
    rhs = _transposes_vary(normalize(expand_sums(rhs))) if rhs is not None else None
    bounds = _integer_symbols(lhs, rhs)
    families = {str(b.label) for side in (lhs, rhs) if side is not None for b in side.atoms(sp.IndexedBase)}
    lhs, rhs = link_families(lhs, bounds, families), link_families(rhs, bounds, families)
    lhs, rhs = _bound_apart(lhs, rhs)
    indices = _index_symbols(lhs, rhs)
    if has_operators(lhs) or has_operators(rhs):
        lhs, rhs = antiderivatives(lhs, rhs)
        lhs, rhs = closed_form(lhs), closed_form(rhs)
        indices = _index_symbols(lhs, rhs) | indices
    free = sampled(lhs, rhs)
    calls = lhs.atoms(sp.core.function.AppliedUndef) | (rhs.atoms(sp.core.function.AppliedUndef) if rhs is not None
                                                          else set())
    if not free and not calls and not (has_operators(lhs) or has_operators(rhs)):
        # `=` with a tolerance: a decimal written on a card holds to its digits (0.6224593)
        digits = rel == "=" and tolerance is not None
        result = _compare(lhs, rhs, "~" if digits else rel, tolerance, set_name, complex_ok=True)
        values = (show(lhs), show(rhs) if rhs is not None else "")
        if result is None:
            return Verdict(None, "undecided", "a side is undefined or not a real number", (), *values)
        rounded = digits and result and _compare(lhs, rhs, "=", None, set_name, complex_ok=True) is False
        if result is False and (digits or rel == "~" and tolerance is not None
                                and tolerance <= _LONG * max(1, abs(sp.N(lhs)))) and _cut(lhs, rhs, 2 * tolerance):
            return Verdict(True, "exact", "holds to the digits written, cut rather than rounded", (), *values)
        return Verdict(result, "exact", "holds to the digits written" if rounded else "", (), *values)
    if rel == "~" and free:
        return Verdict(None, "undecided", "\\approx compares numbers; bind every symbol with 'where'")
    if rel == "=" and not conditions and _proven(lhs, rhs):
        return Verdict(True, "symbolic", "proven symbolically")
    valid = tried = 0
    seed = f"{sp.srepr(lhs)}{rel}{sp.srepr(rhs) if rhs is not None else set_name}"
    integers = bounds | indices | (set(free) if rel == "in" else set())
    conditions = _same_symbols(conditions, set(free) | indices)
    integers |= {left for left, how, _ in conditions if how == "in" and left in free}  # "for n = 0, 1, 2, …"
    parity = {left: how for left, how, _ in conditions if how in ("even", "odd") and left in free}  # "with k even"
    integers |= set(parity)
    ranges = condition_ranges(conditions)
    totals = [(s, c) for s, rel, c in conditions if rel == "=" and isinstance(s, sp.Sum) and c.is_number]
    # A side written with i (e^{i\\theta_1} e^{i\\theta_2} = e^{i(\\theta_1 + \\theta_2)}, \\sum_n e^{inx} = a real
    # kernel): a claim about complex numbers, compared as such; elsewhere a value off the real line is a
    # point outside where the formula is meant (\\sqrt{x - 5} at x = 2).
    complex_claim = rel in ("=", "!=") and rhs is not None and (lhs.has(sp.I) and rhs.has(sp.I) or any(
        e.args[0].has(sp.I) for side in (lhs, rhs) for e in side.atoms(sp.exp)))
    spans = _spans(lhs, rhs)
    for n, point in enumerate(_points(free, integers, seed, ranges, parity)):
        if not _index_in_range(point, indices, lhs, rhs) or not meets(point, conditions) \
                or not _forward(point, spans):
            continue
        tried += 1
        values = _Values(f"{seed}#{n}", dict(point), totals)
        l_val, r_val = values.at(lhs), values.at(rhs)
        if l_val is None or (rhs is not None and r_val is None):
            continue
        if l_val.free_symbols or (r_val is not None and r_val.free_symbols):
            continue
        result = _compare(l_val, r_val, rel, tolerance, set_name, complex_ok=complex_claim,
                          approximate=values.approximate)
        if result is None:
            continue
        valid += 1
        if not result:
            example = tuple((author_form(s), show(v)) for s, v in point.items())
            return Verdict(False, "sampled", "", example, show(l_val), show(r_val) if r_val is not None else "")
    needs = [] if conditions or valid == tried else [c for side in (lhs, rhs) for c in needed_conditions(side)]
    if needs:  # holding only where a series happens to converge is not holding
        return Verdict(None, "undecided", f"it holds only when {condition_text(needs[0])}, which the card does "
                       "not state: write the condition beside the formula (`, \\quad 0 < x < 1`)")
    if valid < MIN_VALID_SAMPLES:
        return Verdict(None, "undecided", f"defined at only {valid} of {SAMPLES} sampled points")
    return Verdict(True, "sampled", f"holds at {valid} sampled points")


def premises_put_in(lhs, rhs, conditions: tuple, written: set[str]):
    """The claim under the equations stated beside it (`where 1/p + 1/q = 1`, `since \\|u\\| = 1`): each
    solved for its last letter that has one solution, and put in; a stated value of an expression
    (`\\sum_k r_{ik} = 1`) replaces it where it is written. Only an equation in the letters the claim
    is written in (`written`, by name) is its premise: `(dS_t)^2 = \\sigma^2 S_t^2 dt` beside a claim
    without σ is a rule of another calculus, not a value of t. The conditions left are returned with
    the sides."""
    if rhs is None or not any(rel == "=" for _, rel, _ in conditions):
        return lhs, rhs, conditions
    kept = []
    for left, rel, right in conditions:
        if rel != "=" or isinstance(left, sp.Sum) and right.is_number:  # a total: _Values draws it
            kept.append((left, rel, right))
            continue
        if not {str(s) for s in (left - right).free_symbols} <= written:
            kept.append((left, rel, right))
            continue
        by_name = {str(s): s for s in lhs.free_symbols | rhs.free_symbols}
        equation = (left - right).xreplace({s: by_name[str(s)] for s in (left - right).free_symbols
                                            if str(s) in by_name})
        if _nilpotent(left, right):  # ε^2 = 0 of dual numbers: ε is no zero, but every higher power is
            base = by_name.get(str(left.base), left.base)
            lhs, rhs = _truncated(lhs, base, int(left.exp)), _truncated(rhs, base, int(left.exp))
            continue
        swaps = _solved(equation, sorted(equation.free_symbols, key=str))
        if swaps is None and not isinstance(left, sp.Symbol) and right.is_number:
            swaps = {left: right}
        put = lhs, rhs
        if swaps is not None:
            try:
                put = lhs.xreplace(swaps), rhs.xreplace(swaps)
            except (ValueError, TypeError):  # the letter a derivative or integral is taken by: no value to put in
                pass
        if put == (lhs, rhs):  # nothing of it written in the claim: it stays a condition
            kept.append((left, rel, right))
            continue
        lhs, rhs = put
        # q = p/(p - 1) for a positive q: only p > 1 is meant
        kept += [(value, ">", sp.Integer(0)) for letter, value in swaps.items()
                 if getattr(letter, "is_positive", False) and value.free_symbols]
    return lhs, rhs, tuple(kept)


def _nilpotent(left, right) -> bool:
    return isinstance(left, sp.Pow) and isinstance(left.base, sp.Symbol) and left.exp.is_Integer \
        and left.exp > 1 and right == 0


def _truncated(expr, base: sp.Symbol, order: int):
    """A polynomial in `base` with every term of degree `order` or more left out."""
    def degree(term) -> int:
        powers = [f.exp if isinstance(f, sp.Pow) and f.base == base and f.exp.is_Integer else int(f == base)
                  for f in sp.Mul.make_args(term)]
        return sum(powers)
    return sp.Add(*[t for t in sp.Add.make_args(sp.expand(expr)) if degree(t) < order])


def _solved(equation: sp.Expr, letters: list) -> dict | None:
    """{letter: value} for the last of `letters` that a polynomial or rational `equation = 0` gives one
    real value, or None: t^2 = 9 fixes nothing, though t is read as positive."""
    for letter in reversed(letters):
        try:
            if not equation.is_rational_function(letter) or sp.degree(sp.numer(sp.together(equation)), letter) > 2:
                continue
            real = sp.Dummy(real=True)
            found = [v for v in sp.solve(equation.xreplace({letter: real}), real) if not v.has(real)]
        except (NotImplementedError, ValueError, TypeError, sp.polys.polyerrors.BasePolynomialError):
            continue
        if len(found) == 1:
            return {letter: found[0]}
    return None


def _same_symbols(conditions: tuple, symbols: set) -> tuple:
    """Conditions in the claim's own symbols: `i \\ne k` beside `\\partial L / \\partial z_i` speaks of the
    whole-number indices i and k of the family, whatever assumptions the prose's letters were read with."""
    by_name = {str(s): s for s in symbols}
    out = []
    for left, rel, right in conditions:
        swaps = {s: by_name[str(s)] for side in (left, right) for s in side.free_symbols
                 if str(s) in by_name and by_name[str(s)] != s}
        out.append((left.xreplace(swaps), rel, right.xreplace(swaps)))
    return tuple(out)


def condition_text(cond) -> str:
    """A condition as the author would write it: `\\gamma < 1`, `x = 1`, `0 < x and x < 1`."""
    ops = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}
    if isinstance(cond, sp.Rel):
        return f"{author_form(cond.lhs)} {ops.get(cond.rel_op, cond.rel_op)} {author_form(cond.rhs)}"
    if isinstance(cond, (sp.And, sp.Or)):
        word = " and " if isinstance(cond, sp.And) else " or "
        return word.join(condition_text(a) for a in cond.args)
    return author_form(cond)


def _bound_apart(lhs, rhs) -> tuple:
    """A sum's index renamed where the same letter is also free: `\\frac{\\partial y_i}{\\partial x_j}` of
    `y_i = e^{x_i} / \\sum_{j=1}^{n} e^{x_j}` differentiates by the j-th element, not by the sum's own j,
    and a value drawn for j must not reach the sum's bounds. The new name is fixed (j', j'', …) so that
    the sample points, seeded by the claim's text, stay the same on every run."""
    free = _free_letters(lhs) | _free_letters(rhs)
    if not free:
        return lhs, rhs
    taken = {s.name for side in (lhs, rhs) if side is not None for s in side.atoms(sp.Symbol)}

    def fresh(index: sp.Symbol) -> sp.Symbol:
        name = index.name + "'"
        while name in taken:
            name += "'"
        taken.add(name)
        return sp.Symbol(name, **index.assumptions0)

    def apart(node):
        clashing = [lim[0] for lim in node.limits if lim[0] in free]
        if not clashing:
            return node
        swaps = {i: fresh(i) for i in clashing}
        return node.xreplace(swaps)

    def walk(expr):
        if expr is None or not expr.has(sp.Sum, sp.Product):
            return expr
        if isinstance(expr, (sp.Sum, sp.Product)):
            expr = apart(expr)
        args = [walk(a) for a in expr.args]
        return expr.func(*args) if any(a is not b for a, b in zip(args, expr.args)) else expr

    return walk(lhs), walk(rhs)


def _free_letters(expr, bound: frozenset = frozenset()) -> set:
    """The symbols an expression uses outside the sums and products that bind them, indices of
    family elements included (sympy counts `x[i]` of `\\sum_i x_i` among a Sum's free symbols)."""
    if expr is None:
        return set()
    if isinstance(expr, sp.Symbol):
        return set() if expr in bound else {expr}
    if isinstance(expr, (sp.Sum, sp.Product)):
        out = set()
        inner = set(bound)
        for index, *ends in expr.limits:
            for end in ends:
                out |= _free_letters(end, frozenset(inner))
            inner.add(index)
        return out | _free_letters(expr.function, frozenset(inner))
    return set().union(*(_free_letters(a, bound) for a in expr.args)) if expr.args else set()


def _index_symbols(*exprs) -> set:
    """Free whole-number symbols that index a family outside any sum: the i of `x_i` in a softmax."""
    out = set()
    for e in exprs:
        if e is None:
            continue
        bound = {lim[0] for node in e.atoms(sp.Sum, sp.Product) for lim in node.limits}
        for element in e.atoms(sp.Indexed):
            out |= {s for s in element.free_symbols - bound
                    if isinstance(s, sp.Symbol) and s.is_integer and s not in element.base.free_symbols}
    return out


def _spans(lhs, rhs) -> tuple:
    """The (lower, upper) bounds of each sum or product whose bounds are letters (`\\sum_{n=M+1}^{N}`)."""
    nodes = [node for side in (lhs, rhs) if side is not None for node in side.atoms(sp.Sum, sp.Product)]
    return tuple((low, high) for node in nodes for _, low, high in node.limits
                 if (low.free_symbols | high.free_symbols) and not (low - high).is_number)


def _forward(point: dict, spans: tuple) -> bool:
    """Whether every such sum runs forward at the point, or over nothing (\\sum_{n=M+1}^{M}): a formula
    about \\sum_{n=M+1}^{N} speaks of N ≥ M, whatever convention a backward sum would follow."""
    for low, high in spans:
        gap = (high - low).xreplace(point)
        if gap.is_number and gap < -1:
            return False
    return True


def _index_in_range(point: dict, indices: set, lhs, rhs) -> bool:
    """An index of a family must lie within the sums over that family (i ≤ n in \\sum_{j=1}^{n} x_j):
    it is moved into that range, or the point is skipped when the range is empty."""
    for i, limits in _index_limits(frozenset(indices), lhs, rhs):
        if i not in point:
            continue
        try:
            lo = max(int(low.xreplace(point)) for low, _ in limits)
            hi = min(int(high.xreplace(point)) for _, high in limits)
        except (TypeError, ValueError):
            return False
        if lo > hi:
            return False
        point[i] = sp.Integer(lo + (int(point[i]) - 1) % (hi - lo + 1))
    return True


@functools.lru_cache(maxsize=64)
def _index_limits(indices: frozenset, lhs, rhs) -> tuple:
    """The bounds of the sums each index must lie within: the same at every point, found once."""
    elements = lhs.atoms(sp.Indexed) | (rhs.atoms(sp.Indexed) if rhs is not None else set())
    nodes = [node for side in (lhs, rhs) if side is not None for node in side.atoms(sp.Sum, sp.Product)]
    out = []
    for i in sorted(indices, key=str):
        limits = []
        for node in nodes:
            families = {e.base for e in node.function.atoms(sp.Indexed)}
            _, low, high = node.limits[-1]
            if families and any(e.base in families and i in e.indices for e in elements):
                limits.append((low, high))
        if limits:
            out.append((i, tuple(limits)))
    return tuple(out)


def condition_ranges(conditions: tuple) -> dict:
    """Intervals for symbols that conditions bound by numbers (`0 < \\gamma < 1`, `x \\ge 2`)."""
    ranges: dict = {}
    for left, rel, right in conditions:
        if rel not in ("<", "<=", ">", ">="):
            continue  # `x \ne 1` bounds nothing; meets drops the points it excludes
        for sym, bound, below in ((left, right, rel in ("<", "<=")), (right, left, rel in (">", ">="))):
            if isinstance(sym, sp.Symbol) and bound.is_number and bound.is_real:
                lo, hi = ranges.get(sym, (None, None))
                if below:
                    hi = bound if hi is None else min(hi, bound)
                else:
                    lo = bound if lo is None else max(lo, bound)
                ranges[sym] = (lo, hi)
    return ranges


def meets(point: dict, conditions: tuple) -> bool:
    """Whether the point satisfies every condition the card states (one it cannot evaluate does not)."""
    for left, rel, right in conditions:
        if rel == "in":  # a whole number: drawn so
            continue
        try:
            a, b = sp.N(left.xreplace(point), 30), sp.N(right.xreplace(point), 30)
            if not (a.is_number and b.is_number) or a.free_symbols or b.free_symbols:
                continue
            ok = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "!=": a != b}.get(rel, True)
        except (TypeError, ValueError):
            return False
        if not bool(ok):
            return False
    return True
