"""Deciding one claim: exactly when every symbol is bound, otherwise by proof or by sampling.

Free symbols range over the positive reals (positive integers for `\\in \\mathbb{Z}` claims).
An identity is proven by symbolic simplification when sympy manages it, and is in any case
evaluated exactly at sampled rational points; the first point where it fails is the
counterexample. Every decision runs under a time budget.
"""

from __future__ import annotations

import random
import signal
import threading
from contextlib import contextmanager
from typing import Iterator

import sympy as sp

from ankigen.model import Verdict  # noqa: F401 — decide() returns it; it lives with the plain data

SAMPLES = 40
MIN_VALID_SAMPLES = 10
BUDGET_SECONDS = 3.0
_PRECISION = 60


class _Timeout(Exception):
    pass


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt pure-Python work (sympy) after `seconds`; a no-op off the main thread."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum, frame):
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _decimal(value: sp.Expr) -> str:
    try:
        return f"{float(value):.10g}"
    except (OverflowError, TypeError, ValueError):
        return str(sp.N(value, 10))


def show(value: sp.Expr) -> str:
    """A value as a learner reads it: 112.5 (= 225/2), or ≈ 0.3660323413 for long fractions."""
    try:
        if value.is_Integer:
            return str(value) if abs(value.p).bit_length() < 64 else _decimal(value)
        if value.is_Rational:
            exact = f"{value.p}/{value.q}"
            return f"{_decimal(value)} (= {exact})" if len(exact) <= 16 else f"≈ {_decimal(value)}"
        if value.is_number:
            return f"≈ {_decimal(value)}"
    except (TypeError, ValueError):
        pass
    return sp.sstr(value)


def _evaluate(expr: sp.Expr) -> sp.Expr:
    if expr.has(sp.Sum, sp.Product):
        expr = expr.doit()
    return expr


def _compare(a: sp.Expr, b: sp.Expr | None, rel: str, tol: sp.Expr | None, set_name: str) -> bool | None:
    """Whether `a rel b` holds for these numbers; None when a side is undefined or not real."""
    a = _evaluate(a)
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
        return bool(integer) and (set_name == "Z" or a >= 0)
    b = _evaluate(b)
    for side in (a, b):
        if not side.is_number or side.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I):
            return None
    if a.is_Rational and b.is_Rational:
        diff = a - b
        small = diff == 0
    else:
        av, bv = sp.N(a, _PRECISION), sp.N(b, _PRECISION)
        if not (av.is_real and bv.is_real):
            return None
        diff = av - bv
        scale = max(sp.Float(1), abs(av), abs(bv))
        small = abs(diff) <= scale * sp.Float(10) ** -45
    if rel == "=":
        return bool(small)
    if rel == "!=":
        return not small
    if rel == "~":
        return bool(abs(diff) <= tol)
    if rel == "<":
        return bool(diff < 0 and not small)
    if rel == ">":
        return bool(diff > 0 and not small)
    if rel == "<=":
        return bool(diff < 0 or small)
    if rel == ">=":
        return bool(diff > 0 or small)
    raise ValueError(rel)


def _points(free: list[sp.Symbol], integers: bool, seed: str) -> Iterator[dict[sp.Symbol, sp.Expr]]:
    yield {s: sp.Integer(1) for s in free}
    yield {s: sp.Integer(2) for s in free}
    primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47]
    yield {s: sp.Integer(primes[i % len(primes)]) for i, s in enumerate(free)}
    rng = random.Random(seed)
    for k in range(SAMPLES - 3):
        if integers or k < SAMPLES // 3:
            yield {s: sp.Integer(rng.randint(1, 40 if integers else 12)) for s in free}
        else:
            yield {s: sp.Rational(rng.randint(1, 200), rng.randint(2, 17)) for s in free}


def _proven(lhs: sp.Expr, rhs: sp.Expr) -> bool:
    try:
        diff = _evaluate(lhs - rhs)
        if diff == 0 or sp.expand(diff) == 0:
            return True
        if diff.has(sp.Sum, sp.Product):
            return False  # no closed form: sampling decides
        if sp.cancel(sp.together(diff)) == 0:
            return True
        if diff.has(sp.floor, sp.ceiling, sp.Max, sp.Min):
            return False  # simplify rarely helps here and can take long
        return sp.simplify(diff) == 0
    except RecursionError:
        return False


def decide(lhs: sp.Expr, rel: str, rhs: sp.Expr | None, set_name: str = "",
           tolerance: sp.Expr | None = None, budget: float = BUDGET_SECONDS) -> Verdict:
    """Whether the claim holds, with how it was decided and a counterexample when it does not."""
    try:
        with time_limit(budget):
            return _decide(lhs, rel, rhs, set_name, tolerance)
    except _Timeout:
        return Verdict(None, "undecided", f"not decided within {budget:g} s")
    except (RecursionError, MemoryError, OverflowError):
        return Verdict(None, "undecided", "too large to decide")
    except (TypeError, ValueError, ZeroDivisionError, AttributeError, NotImplementedError) as exc:
        return Verdict(None, "undecided", f"sympy could not evaluate it ({type(exc).__name__})")


def _decide(lhs, rel, rhs, set_name, tolerance) -> Verdict:
    free = sorted((lhs.free_symbols | (rhs.free_symbols if rhs is not None else set())), key=str)
    if not free:
        result = _compare(lhs, rhs, rel, tolerance, set_name)
        values = (show(_evaluate(lhs)), show(_evaluate(rhs)) if rhs is not None else "")
        if result is None:
            return Verdict(None, "undecided", "a side is undefined or not a real number", (), *values)
        return Verdict(result, "exact", "", (), *values)
    if rel == "~":
        return Verdict(None, "undecided", "\\approx compares numbers; bind every symbol with 'where'")
    if rel == "=" and _proven(lhs, rhs):
        return Verdict(True, "symbolic", "proven symbolically")
    valid = 0
    seed = f"{sp.srepr(lhs)}{rel}{sp.srepr(rhs) if rhs is not None else set_name}"
    for point in _points(free, rel == "in", seed):
        l_val = lhs.xreplace(point)
        r_val = rhs.xreplace(point) if rhs is not None else None
        result = _compare(l_val, r_val, rel, tolerance, set_name)
        if result is None:
            continue
        valid += 1
        if not result:
            example = tuple((str(s), show(v)) for s, v in point.items())
            return Verdict(False, "sampled", "", example, show(_evaluate(l_val)),
                           show(_evaluate(r_val)) if r_val is not None else "")
    if valid < MIN_VALID_SAMPLES:
        return Verdict(None, "undecided", f"defined at only {valid} of {SAMPLES} sampled points")
    return Verdict(True, "sampled", f"holds at {valid} sampled points")
