"""The decision core, method by method: each claim is decided the way its form allows (exact,
symbolic, sampled), each helper of the sampler does what the verdict relies on, and a broken
prover cannot hide behind sampling (a proof path is asserted by its method, a counterexample by
its values). Expressions are built directly with sympy; symbols are the reader's positive reals."""

from __future__ import annotations

import random
import time

import pytest
import sympy as sp

from ankigen.check import decide as D
from ankigen.check.chains import Step
from ankigen.check.claims import (CardReading, Claim, Definition, _decimal_side, approx_tolerance, make_claim,
                                  tolerance_of)
from ankigen.check.resolve import TooLarge
from ankigen.check.vocabulary import family, symbol
from ankigen.model import Span, Verdict

a, b, c, x, y, n = (symbol(s) for s in ("a", "b", "c", "x", "y", "n"))
gamma = symbol("\\gamma")
i, j, k = (sp.Symbol(s, integer=True) for s in ("i", "j", "k"))
f = sp.Function("f")
half = sp.Rational(1, 2)


# --- decide: one claim, each method -------------------------------------------------------------


def test_an_identity_that_expands_is_proven_symbolically() -> None:
    assert D.decide((a + b) ** 2, "=", a**2 + 2 * a * b + b**2) == Verdict(True, "symbolic", "proven symbolically")


def test_a_false_identity_fails_at_the_first_point_with_the_authors_names() -> None:
    v = D.decide(sp.Rational(1, 3) + x, "=", x)
    assert v == Verdict(False, "sampled", "", (("x", "1"),), "1.333333333 (= 4/3)", "1")
    c_in = symbol("C_{in}")
    v = D.decide((c_in - 1) * (c_in + 1), "=", c_in**2 + 1)
    assert (v.holds, v.method, v.counterexample, v.lhs_value, v.rhs_value) == \
        (False, "sampled", (("C_{in}", "1"),), "0", "2")


def test_a_counterexample_names_every_sampled_symbol_in_order() -> None:
    v = D.decide(x * y, "=", y * x + 1)
    assert v == Verdict(False, "sampled", "", (("x", "1"), ("y", "1")), "1", "2")


def test_a_failure_later_than_the_first_point_is_found() -> None:
    # holds at x = 1 and x = 2 (the first three points), fails at the first seeded one
    v = D.decide((x - 1) * (x - 2), "=", sp.Integer(0))
    assert (v.holds, v.method, v.rhs_value) == (False, "sampled", "0")
    assert v.counterexample[0][1] not in ("1", "2") and v.lhs_value != "0"


def test_an_inequality_is_sampled_and_holds_at_every_point() -> None:
    assert D.decide(1 / x, ">", sp.Integer(0)) == Verdict(True, "sampled", f"holds at {D.SAMPLES} sampled points")
    assert D.decide(x**2 + 1, ">=", 2 * x) == Verdict(True, "sampled", f"holds at {D.SAMPLES} sampled points")


def test_an_identity_no_rewrite_proves_is_sampled() -> None:
    v = D.decide(sp.floor(x) + 1, ">", x)
    assert (v.holds, v.method) == (True, "sampled")
    v = D.decide(sp.Abs(x - y), "=", sp.Max(x, y) - sp.Min(x, y))
    assert (v.holds, v.method) == (True, "sampled")


def test_a_closed_claim_is_exact_with_both_values_shown() -> None:
    assert D.decide(sp.Integer(225) / 2, "=", sp.Integer(112)) == \
        Verdict(False, "exact", "", (), "112.5 (= 225/2)", "112")
    assert D.decide(sp.Integer(1) + 1, "=", sp.Integer(2)) == Verdict(True, "exact", "", (), "2", "2")
    assert D.decide(sp.Integer(3), "<", sp.Integer(2)) == Verdict(False, "exact", "", (), "3", "2")


def test_a_decimal_written_with_equals_holds_to_its_digits() -> None:
    lhs = 1 / (1 + sp.exp(-half))
    assert D.decide(lhs, "=", sp.Rational(6224593, 10**7), tolerance=sp.Rational(5, 10**8)) == \
        Verdict(True, "exact", "holds to the digits written", (), "≈ 0.6224593312", "0.6224593 (= 6224593/10000000)")
    v = D.decide(lhs, "=", sp.Rational(6226, 10**4), tolerance=sp.Rational(5, 10**5))
    assert (v.holds, v.method, v.detail) == (False, "exact", "")
    # cut rather than rounded (0.62245… to 0.6224) is what worked examples often write; cut below that is not
    v = D.decide(lhs, "=", sp.Rational(6224, 10**4), tolerance=sp.Rational(5, 10**5))
    assert (v.holds, v.detail) == (True, "holds to the digits written, cut rather than rounded")
    assert D.decide(lhs, "=", sp.Rational(6223, 10**4), tolerance=sp.Rational(5, 10**5)).holds is False
    # a value equal to its decimal holds outright, not "to the digits written"
    assert D.decide(sp.Integer(1) / 4, "=", sp.Rational(25, 100), tolerance=sp.Rational(5, 1000)) == \
        Verdict(True, "exact", "", (), "0.25 (= 1/4)", "0.25 (= 1/4)")
    # without a tolerance, = is exact
    assert D.decide(sp.sqrt(2), "=", sp.Rational(141, 100)).holds is False


def test_approx_compares_within_its_tolerance() -> None:
    assert D.decide(sp.Rational(22, 7), "~", sp.Rational(314, 100), tolerance=sp.Rational(5, 1000)).holds is True
    assert D.decide(sp.Rational(22, 7), "~", sp.Rational(3141, 1000), tolerance=sp.Rational(5, 10000)).holds is False
    v = D.decide(x + y, "~", x, tolerance=sp.Rational(1, 2))
    assert v == Verdict(None, "undecided", "\\approx compares numbers; bind every symbol with 'where'")


def test_membership_in_the_integers_and_naturals() -> None:
    assert D.decide(sp.Integer(7), "in", None, "N") == Verdict(True, "exact", "", (), "7", "")
    assert D.decide(sp.Integer(-7), "in", None, "N") == Verdict(False, "exact", "", (), "-7", "")
    assert D.decide(sp.Integer(-7), "in", None, "Z").holds is True
    assert D.decide(sp.sqrt(2), "in", None, "Z").holds is False
    # a free symbol of a membership claim is a whole number
    assert D.decide(x * (x + 1) / 2, "in", None, "N") == Verdict(True, "sampled", f"holds at {D.SAMPLES} sampled points")
    assert D.decide(x / 2, "in", None, "Z") == Verdict(False, "sampled", "", (("x", "1"),), "0.5 (= 1/2)", "")


def test_an_undefined_side_is_undecided() -> None:
    assert D.decide(sp.Integer(1) / 0, "=", sp.Integer(1)) == \
        Verdict(None, "undecided", "a side is undefined or not a real number", (), "zoo", "1")
    assert D.decide(sp.sqrt(-x), "=", x) == \
        Verdict(None, "undecided", f"defined at only 0 of {D.SAMPLES} sampled points")


def test_a_complex_constant_is_compared_exactly() -> None:
    assert D.decide(sp.I**2, "=", sp.Integer(-1)).holds is True
    assert D.decide(sp.exp(sp.I * sp.pi / 2), "=", sp.I) == Verdict(True, "exact", "", (), "1.0*I", "1.0*I")
    assert D.decide(sp.I, "<", sp.Integer(1)).holds is None


def test_a_claim_too_large_is_undecided_by_counted_size() -> None:
    big = sp.Add(*(symbol(f"x_{{{m}}}") ** 2 for m in range(D.MAX_NODES // 3)))
    v = D.decide(big, "=", big + 1)
    assert v == Verdict(None, "undecided",
                        f"too large for the checker's budget: more than {D.MAX_NODES} terms after the definitions are put in")
    v = D.decide(sp.Integer(1), "=", big)
    assert v.method == "undecided" and "more than" in v.detail


def test_a_claim_at_the_size_bound_is_decided(monkeypatch) -> None:
    monkeypatch.setattr(D, "MAX_NODES", 40)
    terms = sp.Add(*(symbol(f"x_{{{m}}}") for m in range(39)))
    assert D.size(terms, D.MAX_NODES) == D.MAX_NODES
    assert D.decide(terms, "=", terms).method == "symbolic"
    assert D.decide(terms + a, "=", terms + a).method == "undecided"
    assert D.decide(x, "=", terms + a).method == "undecided"


@pytest.mark.parametrize("exc, detail", [
    (TooLarge("many"), "too large for the checker's budget: many"),
    (RecursionError(), "too large for the checker's budget"),
    (MemoryError(), "too large for the checker's budget"),
    (OverflowError(), "too large for the checker's budget"),
    (TypeError(), "sympy could not evaluate it (TypeError)"),
    (ValueError(), "sympy could not evaluate it (ValueError)"),
    (ZeroDivisionError(), "sympy could not evaluate it (ZeroDivisionError)"),
    (AttributeError(), "sympy could not evaluate it (AttributeError)"),
    (NotImplementedError(), "sympy could not evaluate it (NotImplementedError)"),
])
def test_what_sympy_raises_makes_the_claim_undecided(monkeypatch, exc, detail) -> None:
    def boom(*args):
        raise exc

    monkeypatch.setattr(D, "_decide", boom)
    assert D.decide(x, "=", x) == Verdict(None, "undecided", detail)


def test_debug_prints_the_traceback_of_what_sympy_raised(monkeypatch, capsys) -> None:
    def boom(*args):
        raise TypeError("deep inside")

    monkeypatch.setattr(D, "_decide", boom)
    monkeypatch.setenv("ANKIGEN_DEBUG", "1")
    assert D.decide(x, "=", x).method == "undecided"
    assert "deep inside" in capsys.readouterr().err
    monkeypatch.delenv("ANKIGEN_DEBUG")
    D.decide(x, "=", x)
    assert capsys.readouterr().err == ""


def test_a_hanging_claim_times_out_naming_the_machine(monkeypatch) -> None:
    def hang(*args):
        while True:
            time.sleep(0.001)

    monkeypatch.setattr(D, "_decide", hang)
    assert D.decide(x, "=", x, guard=0.05) == Verdict(None, "timeout", "not decided within 0.05 s on this machine")
    assert D.decide_guarded(lambda: hang(), guard=0.05) == \
        Verdict(None, "timeout", "not decided within 0.05 s on this machine")
    assert D.decide_guarded(lambda: Verdict(True, "exact")) == Verdict(True, "exact")


def test_the_hang_guard_is_off_at_zero_and_restores_the_handler() -> None:
    import signal

    before = signal.getsignal(signal.SIGALRM)
    with D.hang_guard(0):
        time.sleep(0.02)
    with D.hang_guard(5):
        pass
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    with pytest.raises(D._Timeout):
        with D.hang_guard(0.02):
            while True:
                time.sleep(0.001)


def test_the_hang_guard_is_a_no_op_off_the_main_thread() -> None:
    import threading

    done = []

    def work():
        with D.hang_guard(0.01):
            time.sleep(0.05)
        done.append(True)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert done == [True]


# --- undefined functions and families ----------------------------------------------------------


def test_an_undefined_function_takes_any_value_at_each_argument() -> None:
    v = D.decide(f(x + 1), "=", f(x))
    assert (v.holds, v.method, v.counterexample) == (False, "sampled", (("x", "1"),))
    assert v.lhs_value != v.rhs_value
    assert D.decide(f(x + 1), "=", f(x)) == v  # drawn from the seed: the same every time
    assert D.decide(f(x) ** 2, ">=", sp.Integer(0)).method == "sampled"
    assert D.decide(2 * f(x), "=", f(x) + f(x)).method == "symbolic"


def test_an_undefined_function_at_a_number_is_sampled_not_exact() -> None:
    v = D.decide(f(sp.Integer(2)), "=", f(sp.Integer(2)) + 1)
    assert (v.holds, v.method, v.counterexample) == (False, "sampled", ())


def test_a_family_element_beside_a_sum_over_it_is_that_element() -> None:
    v = family("v")
    total = sp.Sum(v[j], (j, 1, n))
    assert D.decide(total, ">=", symbol("v_{n}")).method == "sampled"
    assert D.decide(total, ">=", symbol("v_{n}")).holds is True
    fails = D.decide(total, ">", symbol("v_{n}"))  # equal when n = 1
    assert (fails.holds, fails.counterexample) == (False, (("n", "1"),))
    assert fails.lhs_value == fails.rhs_value


def test_a_softmax_index_stays_within_the_sum() -> None:
    z = family("z")
    softmax = sp.exp(z[i]) / sp.Sum(sp.exp(z[j]), (j, 1, n))
    assert D.decide(softmax, "<", sp.Integer(1)).holds is False  # n = 1: the softmax is 1
    assert D.decide(softmax, "<=", sp.Integer(1)) == Verdict(True, "sampled", f"holds at {D.SAMPLES} sampled points")


def test_a_tiny_positive_number_is_not_zero() -> None:
    assert D.decide(sp.exp(-200), "=", sp.Integer(0)).holds is False


# The drawn z make the softmax about 1e-77 at some points: positive, not zero
def test_a_softmax_is_positive() -> None:
    z = family("z")
    softmax = sp.exp(z[i]) / sp.Sum(sp.exp(z[j]), (j, 1, n))
    assert D.decide(softmax, ">", sp.Integer(0)) == Verdict(True, "sampled", f"holds at {D.SAMPLES} sampled points")


def test_a_stated_condition_is_where_the_claim_is_meant() -> None:
    series = sp.Sum(gamma**k, (k, 0, sp.oo))
    v = D.decide(series, "=", 1 / (1 - gamma))
    assert v == Verdict(None, "undecided", "it holds only when \\gamma < 1, which the card does not state: write the "
                                           "condition beside the formula (`, \\quad 0 < x < 1`)")
    inside = ((sp.Integer(0), "<", gamma), (gamma, "<", sp.Integer(1)))
    assert D.decide(series, "=", 1 / (1 - gamma), conditions=inside) == \
        Verdict(True, "sampled", f"holds at {D.SAMPLES} sampled points")
    wrong = D.decide(series, "=", 1 / (1 + gamma), conditions=inside)
    assert (wrong.holds, wrong.method) == (False, "sampled")
    assert 0 < sp.Rational(wrong.counterexample[0][1].split("= ")[-1].rstrip(")")) < 1


def test_a_stated_condition_that_no_point_meets_leaves_it_undecided() -> None:
    v = D.decide(sp.Sum(gamma**k, (k, 0, sp.oo)), "=", 1 / (1 - gamma), conditions=((gamma, ">", sp.Integer(2)),))
    assert v == Verdict(None, "undecided", f"defined at only 0 of {D.SAMPLES} sampled points")


def test_a_condition_skips_the_proof_and_samples_where_it_holds() -> None:
    # an identity with a condition is sampled: the condition may be what makes it true
    v = D.decide(x**2, "=", x * x, conditions=((x, ">", sp.Integer(1)),))
    assert v == Verdict(True, "sampled", f"holds at {D.SAMPLES} sampled points")
    # a condition between symbols is met point by point
    v = D.decide(x, ">", y, conditions=((x, ">", y),))
    assert v.holds is True
    assert D.decide(x, ">", y).holds is False


def test_a_condition_on_an_index_speaks_of_the_familys_index() -> None:
    z = family("z")
    prose_i = symbol("i")  # the prose read `i` as a positive real; the claim's i indexes z
    v = D.decide(z[i], "=", z[k], conditions=((prose_i, "!=", sp.Symbol("k", positive=True)),))
    assert (v.holds, v.method) == (False, "sampled")
    assert D._same_symbols(((prose_i, "!=", x),), {i}) == ((i, "!=", x),)
    assert D._same_symbols(((x, "<", sp.Integer(1)),), {x}) == ((x, "<", sp.Integer(1)),)


def test_a_condition_stated_as_not_equal_does_not_narrow_the_interval() -> None:
    v = D.decide(x**2, ">", x, conditions=((x, "!=", sp.Integer(1)),))
    assert (v.holds, v.method) == (False, "sampled")  # x = 1/2 meets x ≠ 1, and 1/4 < 1/2


# --- _proven: each rewrite path, and its bounds ---------------------------------------------------


def test_proven_rejects_a_false_identity() -> None:
    assert D._proven(x + 1, x + 2) is False
    assert D._proven((a + b) ** 2, a**2 + b**2) is False
    assert D._proven(sp.cosh(x) ** 2 + sp.sinh(x) ** 2, sp.Integer(1)) is False
    assert D._proven(sp.floor(x) * (x**2 - 1) / (x - 1), sp.floor(x) * (x + 2)) is False


def test_proven_by_identical_sides() -> None:
    assert D._proven(sp.Sum(x, (k, 1, n)), sp.Sum(x, (k, 1, n))) is True  # equal before any step


def test_proven_by_expanding() -> None:
    assert D._proven((a + b) ** 2, a**2 + 2 * a * b + b**2) is True
    assert D._proven((a + b) ** D.MAX_EXPAND_POWER, sp.expand((a + b) ** D.MAX_EXPAND_POWER)) is True


def test_proven_by_cancelling() -> None:
    assert sp.expand((x**2 - 1) / (x - 1) - (x + 1)) != 0  # expanding alone does not do it
    assert D._proven((x**2 - 1) / (x - 1), x + 1) is True
    assert D._proven(1 / x + 1 / y, (x + y) / (x * y)) is True


def test_proven_by_rewriting_in_exponentials() -> None:
    diff = sp.cosh(x) ** 2 - sp.sinh(x) ** 2 - 1
    assert sp.expand(diff) != 0 and sp.cancel(sp.together(diff)) != 0  # neither earlier step does it
    assert D._proven(sp.cosh(x) ** 2 - sp.sinh(x) ** 2, sp.Integer(1)) is True
    assert D._proven(sp.tanh(x), (sp.exp(2 * x) - 1) / (sp.exp(2 * x) + 1)) is True
    assert D._proven(sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1)) is True


def test_proven_stops_past_the_expansion_power() -> None:
    p = D.MAX_EXPAND_POWER + 1
    assert D._proven((a + b) ** p, sp.expand((a + b) ** p)) is False
    assert D._proven(1 / (a + b) ** p, 1 / sp.expand((a + b) ** p)) is False
    assert D._proven(1 / (a + b) ** (p - 1), 1 / sp.expand((a + b) ** (p - 1))) is True
    # a whole-number power of a single symbol is no expansion
    assert D._proven(x ** (p + 5) * (x + 1), x ** (p + 6) + x ** (p + 5)) is True
    # the claim is then sampled, and still holds
    assert D.decide((a + b) ** p, "=", sp.expand((a + b) ** p)).method == "sampled"


def test_proven_stops_past_its_node_budget() -> None:
    many = [symbol(f"t_{{{m}}}") for m in range(D.PROOF_NODES // 4)]
    lhs = sp.Add(*((t + 1) ** 2 for t in many))
    rhs = sp.Add(*(t**2 + 2 * t + 1 for t in many))
    assert D.size(lhs - rhs, D.PROOF_NODES) > D.PROOF_NODES
    assert D._proven(lhs, rhs) is False
    few = many[: len(many) // 4]
    assert D._proven(sp.Add(*((t + 1) ** 2 for t in few)), sp.Add(*(t**2 + 2 * t + 1 for t in few))) is True


def test_proven_stops_when_the_exponential_form_is_too_large() -> None:
    many = [symbol(f"u_{{{m}}}") for m in range(20)]
    lhs = sp.Add(*(sp.cosh(u) ** 2 - sp.sinh(u) ** 2 for u in many))
    diff = lhs - len(many)
    assert D.size(diff, D.PROOF_NODES) <= D.PROOF_NODES < D.size(diff.rewrite(sp.exp), D.PROOF_NODES)
    assert D._proven(lhs, sp.Integer(len(many))) is False
    few = many[:4]
    assert D._proven(sp.Add(*(sp.cosh(u) ** 2 - sp.sinh(u) ** 2 for u in few)), sp.Integer(4)) is True


def test_proven_leaves_sums_and_piecewise_functions_to_sampling() -> None:
    assert D._proven(sp.Sum(k, (k, 1, n)), n * (n + 1) / 2) is False
    assert D._proven(sp.Product(k, (k, 1, n)), sp.factorial(n)) is False
    # cancelling would prove these; floor, ceiling, max, min and |.| stop it
    for g in (sp.floor(x), sp.ceiling(x), sp.Max(x, y), sp.Min(x, y), sp.Abs(x - y)):
        assert D._proven(g * (x**2 - 1) / (x - 1), g * (x + 1)) is False, g
    assert D._proven((x**2 - 1) / (x - 1), x + 1) is True


@pytest.mark.parametrize("exc", [RecursionError, TypeError, ValueError, NotImplementedError, AttributeError])
def test_proven_is_false_when_sympy_raises(monkeypatch, exc) -> None:
    def boom(*args, **kwargs):
        raise exc()

    monkeypatch.setattr(D.sp, "expand", boom)
    assert D._proven((a + b) ** 2, a**2 + 2 * a * b + b**2) is False


# --- _compare: each relation, its tolerance, and looseness ------------------------------------------


@pytest.mark.parametrize("rel, less, equal, more", [
    ("=", False, True, False),
    ("!=", True, False, True),
    ("<", True, False, False),
    (">", False, False, True),
    ("<=", True, True, False),
    (">=", False, True, True),
])
def test_compare_respects_each_relation(rel, less, equal, more) -> None:
    one, two = sp.Integer(1), sp.Integer(2)
    assert D._compare(one, two, rel, None, "") is less
    assert D._compare(two, two, rel, None, "") is equal
    assert D._compare(two, one, rel, None, "") is more
    # the same on irrational numbers, compared to 60 digits
    assert D._compare(sp.sqrt(2), sp.sqrt(3), rel, None, "") is less
    assert D._compare(sp.sqrt(2), sp.sqrt(8) / 2, rel, None, "") is equal
    assert D._compare(sp.pi, sp.E, rel, None, "") is more


def test_compare_tells_apart_numbers_closer_than_a_float() -> None:
    near = sp.sqrt(2) + sp.Rational(1, 10**30)
    assert D._compare(sp.sqrt(2), near, "=", None, "") is False
    assert D._compare(sp.sqrt(2), near, "<", None, "") is True
    assert D._compare(near, sp.sqrt(2), ">", None, "") is True
    # rationals are compared exactly, however close
    assert D._compare(sp.Rational(1, 3), sp.Rational(1, 3) + sp.Rational(1, 10**80), "=", None, "") is False


def test_compare_within_a_tolerance() -> None:
    tol = sp.Rational(5, 1000)
    assert D._compare(sp.pi, sp.Rational(314, 100), "~", tol, "") is True
    assert D._compare(sp.pi, sp.Rational(315, 100), "~", tol, "") is False
    # the edge of the tolerance is inside it
    assert D._compare(sp.Rational(1), sp.Rational(1005, 1000), "~", tol, "") is True
    assert D._compare(sp.Rational(1005, 1000), sp.Rational(1), "~", tol, "") is True
    assert D._compare(sp.Rational(1), sp.Rational(10051, 10000), "~", tol, "") is False


def test_compare_is_loose_only_for_approximate_values() -> None:
    value = sp.sqrt(2)
    off = value + sp.Float("1e-14", 60)
    assert D._compare(value, off, "=", None, "") is False
    assert D._compare(value, off, "=", None, "", approximate=True) is True
    assert D._compare(value, off, "<", None, "", approximate=True) is False
    assert D._compare(value, off, "<=", None, "", approximate=True) is True
    too_far = value + sp.Float("1e-10", 60)
    assert D._compare(value, too_far, "=", None, "", approximate=True) is False
    # the looseness is relative to the size of the values
    big = sp.sqrt(2) * 10**6
    assert D._compare(big, big + sp.Float("1e-8", 60), "=", None, "", approximate=True) is True
    assert D._compare(big, big + sp.Float("1e-8", 60), "=", None, "") is False


def test_compare_leaves_undefined_and_complex_values_undecided() -> None:
    for bad in (sp.zoo, sp.nan, sp.oo, -sp.oo, x):
        assert D._compare(bad, sp.Integer(1), "=", None, "") is None, bad
        assert D._compare(sp.Integer(1), bad, "<", None, "") is None, bad
        assert D._compare(sp.Integer(1) + bad if bad.is_number else bad, None, "in", None, "Z") is None, bad
    assert D._compare(sp.I, sp.Integer(1), "=", None, "") is None
    assert D._compare(sp.Integer(1), sp.I, "=", None, "") is None
    assert D._compare(sp.I, sp.I, "=", None, "", complex_ok=True) is True
    assert D._compare(sp.I, sp.Integer(1), "!=", None, "", complex_ok=True) is True
    assert D._compare(sp.I, sp.Integer(1), "<", None, "", complex_ok=True) is None
    assert D._compare(sp.I, None, "in", None, "Z") is False
    with pytest.raises(ValueError):
        D._compare(sp.Integer(1), sp.Integer(2), "≺", None, "")


def test_compare_membership_in_a_set() -> None:
    assert D._compare(sp.Integer(3), None, "in", None, "N") is True
    assert D._compare(sp.Integer(0), None, "in", None, "N") is True
    assert D._compare(sp.Integer(-3), None, "in", None, "N") is False
    assert D._compare(sp.Integer(-3), None, "in", None, "Z") is True
    assert D._compare(sp.Rational(1, 2), None, "in", None, "Z") is False
    # a value sympy cannot call whole is computed: cos²1 + sin²1 is 1
    one = sp.cos(1) ** 2 + sp.sin(1) ** 2
    assert one.is_integer is None
    assert D._compare(one, None, "in", None, "N") is True
    assert D._compare(-one, None, "in", None, "N") is False
    assert D._compare(-one, None, "in", None, "Z") is True
    assert D._compare(one + sp.Rational(1, 10**30), None, "in", None, "Z") is False
    assert D._compare(sp.sqrt(2) * sp.sqrt(3), None, "in", None, "Z") is False


# --- what a verdict shows -------------------------------------------------------------------------


def test_show_writes_values_as_a_learner_reads_them() -> None:
    assert D.show(True) == "true" and D.show(False) == "false"
    assert D.show(sp.true) == "true" and D.show(sp.false) == "false"
    assert D.show(sp.Integer(112)) == "112"
    assert D.show(sp.Integer(-5)) == "-5"
    assert D.show(sp.Integer(2) ** 63 - 1) == "9223372036854775807"
    assert D.show(sp.Integer(2) ** 64) == "1.844674407e+19"
    assert D.show(-sp.Integer(2) ** 64) == "-1.844674407e+19"
    assert D.show(sp.Rational(225, 2)) == "112.5 (= 225/2)"
    assert D.show(sp.Rational(1, 3)) == "0.3333333333 (= 1/3)"
    assert D.show(sp.Rational(12345678, 1234567)) == "10.00000648 (= 12345678/1234567)"  # 16 characters
    assert D.show(sp.Rational(123456789, 1234567)) == "≈ 100.0000721"  # 17: too long to help
    assert D.show(sp.pi) == "≈ 3.141592654"
    assert D.show(1 + sp.I) == "1.0 + 1.0*I"
    assert D.show(x + 1) == "x + 1"
    assert D.show(family("C")[0]) == "C_{0}"
    assert D.show("text") == "text"


def test_author_form_uses_the_authors_names() -> None:
    assert D.author_form(family("C")[0] + symbol("C_{in}")) == "C_{0} + C_{in}"
    assert D.author_form(3) == "3"

    class Unprintable(sp.Symbol):
        def _sympystr(self, printer):
            raise RuntimeError("no")

        def __str__(self):
            return "fallback"

    assert D.author_form(Unprintable("u")) == "fallback"


def test_show_writes_an_enormous_number_as_a_decimal() -> None:
    assert D.show(sp.Integer(10) ** 400) == "1.000000000e+400"


# --- the sampled symbols and their points --------------------------------------------------------


def test_sampled_symbols_are_the_free_ones_by_name_not_family_names() -> None:
    v = family("v")
    assert D.sampled(v[j] + y, x) == [j, x, y]
    assert D.sampled(sp.Sum(v[j], (j, 1, n)), None) == [n]
    assert D.sampled(x, None) == [x]


def test_integer_symbols_are_those_bounding_a_sum_or_product() -> None:
    assert D._integer_symbols(sp.Sum(x, (k, a, n)), None, sp.Product(x, (j, 1, b))) == {a, n, b}
    assert D._integer_symbols(x + y, None) == set()


def test_index_symbols_are_free_whole_number_indices_of_families() -> None:
    z = family("z")
    softmax = sp.exp(z[i]) / sp.Sum(sp.exp(z[j]), (j, 1, n))
    assert D._index_symbols(softmax, None) == {i}
    assert D._index_symbols(z[symbol("m")], None) == set()  # not a whole number
    assert D._index_symbols(None, z[i + 1]) == {i}
    assert D._index_symbols(sp.IndexedBase(sp.Symbol("w", integer=True))[i], None) == {i}


def test_points_start_with_ones_twos_and_primes() -> None:
    points = list(D._points([x, y, a], set(), "seed"))
    assert len(points) == D.SAMPLES
    assert points[0] == {x: 1, y: 1, a: 1}
    assert points[1] == {x: 2, y: 2, a: 2}
    assert points[2] == {x: 2, y: 3, a: 5}
    assert all(v.is_Integer and 1 <= v <= 12 for p in points[3:D.SAMPLES // 3 + 3] for v in p.values())
    later = [v for p in points[D.SAMPLES // 3 + 3:] for v in p.values()]
    assert any(not v.is_Integer for v in later)
    assert all(v.is_Rational and 0 < v <= 100 for v in later)


def test_points_cycle_through_the_primes() -> None:
    free = [symbol(f"s_{{{m:02d}}}") for m in range(17)]
    third = list(D._points(free, set(), "seed"))[2]
    assert [third[s] for s in free] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 2, 3]


def test_points_are_deterministic_in_their_seed() -> None:
    first = list(D._points([x, y], {y}, "seed"))
    assert first == list(D._points([x, y], {y}, "seed"))
    assert first != list(D._points([x, y], {y}, "other seed"))
    # the first three are fixed, whatever the seed
    assert first[:3] == list(D._points([x, y], {y}, "other seed"))[:3]


def test_points_give_whole_numbers_to_integer_symbols() -> None:
    points = list(D._points([n, x], {n}, "seed"))
    assert points[2] == {n: 1, x: 3}  # 1 + position among the symbols, not a prime
    values = [p[n] for p in points]
    assert all(v.is_Integer and 1 <= v <= 6 for v in values)
    assert set(values) == {1, 2, 3, 4, 5, 6}


def test_points_stay_inside_stated_ranges() -> None:
    ranges = {gamma: (sp.Integer(0), sp.Integer(1)), y: (sp.Integer(0), sp.Integer(1)), n: (5, 6)}
    points = list(D._points([gamma, x, n], {n}, "s", ranges))
    assert all(0 < p[gamma] < 1 for p in points)
    assert all(y not in p for p in points)  # a range of a symbol the claim lacks is ignored
    assert [p[n] for p in points[:2]] == [1, 2]  # a whole-number symbol is not drawn in a range
    assert points[0][x] == 1
    assert all(p[gamma].q == 97 for p in points)


def test_inside_draws_strictly_within_an_interval() -> None:
    rng = random.Random(1)
    assert all(0 < D.inside((0, 1), rng) < 1 for _ in range(50))
    assert all(2 < D.inside((2, None), rng) < 12 for _ in range(50))
    assert all(-7 < D.inside((None, 3), rng) < 3 for _ in range(50))
    assert all(0 < D.inside((None, None), rng) < 10 for _ in range(50))
    assert D.inside((3, 3), rng) == 3
    assert D.inside((4, 3), rng) == 4
    assert D.inside((half, 1), random.Random(1)) == half + half * sp.Rational(random.Random(1).randint(1, 96), 97)


def test_condition_ranges_bound_symbols_by_numbers() -> None:
    conds = ((sp.Integer(0), "<", x), (x, "<", sp.Integer(1)), (y, ">=", sp.Integer(2)),
             (x, "<=", half), (sp.Integer(5), ">", y), (a, "<", b), (sp.Integer(3), "<=", y), (y, ">", sp.Integer(1)))
    assert D.condition_ranges(conds) == {x: (0, half), y: (3, 5)}
    assert D.condition_ranges(((x, "<", sp.I),)) == {}
    assert D.condition_ranges(((x, "<", sp.Integer(4)), (x, "<", sp.Integer(3)))) == {x: (None, 3)}
    assert D.condition_ranges(((sp.Integer(4), ">=", x), (sp.Integer(3), ">=", x))) == {x: (None, 3)}


def test_meets_checks_each_condition_at_the_point() -> None:
    assert D.meets({x: 1}, ((x, "<", sp.Integer(2)),)) is True
    assert D.meets({x: 3}, ((x, "<", sp.Integer(2)),)) is False
    assert D.meets({x: 2}, ((x, "<=", sp.Integer(2)),)) is True
    assert D.meets({x: 2}, ((x, "<", sp.Integer(2)),)) is False
    assert D.meets({x: 2}, ((x, ">", sp.Integer(2)),)) is False
    assert D.meets({x: 2}, ((x, ">=", sp.Integer(2)),)) is True
    assert D.meets({x: 2}, ((x, "!=", sp.Integer(2)),)) is False
    assert D.meets({x: 3}, ((x, "!=", sp.Integer(2)),)) is True
    assert D.meets({x: 3}, ((x, "!=", y),)) is True  # what it cannot evaluate does not stop it
    assert D.meets({x: 3}, ((x, "<", sp.Integer(4)), (x, ">", sp.Integer(3)))) is False
    assert D.meets({x: 3}, ((x, "<", sp.I),)) is False  # not comparable: not met
    assert D.meets({x: 3}, ()) is True


def test_meets_fails_on_the_closed_ends_and_reads_every_condition() -> None:
    assert D.meets({x: 3}, ((x, "<=", sp.Integer(2)),)) is False
    assert D.meets({x: 1}, ((x, ">=", sp.Integer(2)),)) is False
    # a condition it cannot evaluate is passed over, and the ones after it still count
    assert D.meets({x: 3}, ((x, "!=", y), (x, ">", sp.Integer(3)))) is False
    assert D.meets({x: 3}, ((x, "=", sp.Integer(2)),)) is True  # not a bound: it does not filter


def test_condition_text_as_the_author_would_write_it() -> None:
    r = sp.Symbol("r", real=True)
    assert D.condition_text(sp.Lt(gamma, 1)) == "\\gamma < 1"
    assert D.condition_text(sp.Le(r, 1)) == "r ≤ 1"
    assert D.condition_text(sp.Ge(r, 2)) == "r ≥ 2"
    assert D.condition_text(sp.Gt(r, 2)) == "r > 2"
    assert D.condition_text(sp.Eq(r, 1)) == "r = 1"
    assert D.condition_text(sp.Ne(r, 1)) == "r ≠ 1"
    assert D.condition_text(sp.And(sp.Lt(0, r), sp.Lt(r, 1))) in ("0 < r and r < 1", "r < 1 and 0 < r")
    assert D.condition_text(sp.Or(sp.Lt(r, 0), sp.Gt(r, 1))) in ("r < 0 or r > 1", "r > 1 or r < 0")
    assert D.condition_text(sp.Q.positive(r)) == "Q.positive(r)"


def test_index_in_range_moves_an_index_into_the_sum() -> None:
    z = family("z")
    lhs = z[i] / sp.Sum(sp.exp(z[j]), (j, 1, n))
    point = {n: sp.Integer(3), i: sp.Integer(5)}
    assert D._index_in_range(point, {i}, lhs, None) is True and point[i] == 2  # 1 + (5 - 1) mod 3
    point = {n: sp.Integer(3), i: sp.Integer(3)}
    assert D._index_in_range(point, {i}, lhs, None) is True and point[i] == 3
    point = {n: sp.Integer(3), i: sp.Integer(1)}
    assert D._index_in_range(point, {i}, sp.Integer(1), lhs) is True and point[i] == 1
    shifted = z[i] / sp.Sum(sp.exp(z[j]), (j, 2, n))
    point = {n: sp.Integer(4), i: sp.Integer(5)}
    assert D._index_in_range(point, {i}, shifted, None) is True and point[i] == 3  # 2 + (5 - 1) mod 3
    empty = z[i] / sp.Sum(sp.exp(z[j]), (j, 4, n))
    point = {n: sp.Integer(3), i: sp.Integer(5)}
    assert D._index_in_range(point, {i}, empty, None) is False and point[i] == 5
    point = {n: sp.Integer(4), i: sp.Integer(4)}
    assert D._index_in_range(point, {i}, empty, None) is True and point[i] == 4  # one-term range


def test_index_in_range_only_for_sums_over_the_indexed_family() -> None:
    z, w = family("z"), family("w")
    other = z[i] + sp.Sum(w[j], (j, 1, n))
    point = {n: sp.Integer(3), i: sp.Integer(5)}
    assert D._index_in_range(point, {i}, other, None) is True and point[i] == 5
    plain = z[i] + sp.Sum(j, (j, 1, n))
    assert D._index_in_range(point, {i}, plain, None) is True and point[i] == 5
    assert D._index_in_range({n: sp.Integer(3)}, {i}, z[i] / sp.Sum(z[j], (j, 1, n)), None) is True
    unbounded = z[i] / sp.Sum(z[j], (j, 1, a))  # a bound that is not a number at the point
    assert D._index_in_range({n: sp.Integer(3), i: sp.Integer(2)}, {i}, unbounded, None) is False


def test_index_in_range_uses_the_tightest_of_several_sums() -> None:
    z = family("z")
    two = z[i] / sp.Sum(z[j], (j, 1, n)) + sp.Sum(z[j], (j, 2, b))
    point = {n: sp.Integer(5), b: sp.Integer(3), i: sp.Integer(4)}
    assert D._index_in_range(point, {i}, two, None) is True and point[i] == 3  # 2 + (4 - 1) mod 2


def test_link_families_makes_subscripted_symbols_elements() -> None:
    v, w, z = family("v"), family("w"), family("z")
    expr = symbol("v_{n}") + symbol("v_{n-1}") + symbol("w_{hj}") + symbol("z_{k}") + symbol("u_{k}") + x
    linked = D.link_families(expr, {n}, {"w", "z"})
    h_, j_, k_ = (sp.Symbol(s, integer=True) for s in "hjk")
    assert linked == v[n] + v[n - 1] + w[h_, j_] + z[k_] + symbol("u_{k}") + x
    assert D.link_families(symbol("w_{nj}"), {n}, {"w"}) == w[n, j_]
    assert D.link_families(symbol("w_{hj+1}"), set(), {"w"}) == symbol("w_{hj+1}")
    assert D.link_families(symbol("q_{hj}"), set(), {"w"}) == symbol("q_{hj}")
    assert D.link_families(symbol("v_{n+2}"), {n}) == v[n + 2]
    assert D.link_families(None, {n}) is None
    assert D.link_families(x + 1, {n}) == x + 1
    matrix = sp.Symbol("v_{n}", commutative=False)
    assert D.link_families(matrix, {n}) == matrix
    # the families default to those the expression itself indexes
    assert D.link_families(z[j] + symbol("z_{k}"), set()) == z[j] + z[k_]


def test_values_draw_family_elements_and_function_values_from_the_seed() -> None:
    z = family("z")
    values = D._Values("s", {n: sp.Integer(3)})
    total = values.at(sp.Sum(z[j], (j, 1, n)))
    elements = [symbol(f"z_{{{m}}}") for m in (1, 2, 3)]
    assert set(values.point) == {n, *elements}
    assert total == sum(values.point[e] for e in elements)
    assert all(v.is_Rational and v > 0 for v in values.point.values())
    assert D._Values("s", {n: sp.Integer(3)}).at(sp.Sum(z[j], (j, 1, n))) == total
    assert D._Values("t", {n: sp.Integer(3)}).at(sp.Sum(z[j], (j, 1, n))) != total
    assert values.approximate is False
    assert values.at(None) is None


def test_values_of_an_undefined_function_agree_at_the_same_argument() -> None:
    values = D._Values("s", {x: sp.Integer(2)})
    same = values.at(f(x) - f(sp.Integer(2)))
    assert same == 0
    assert values.at(f(x + 1)) != values.at(f(x))
    assert len(values.functions) == 2
    g = sp.Function("g")
    assert values.at(g(x)) != values.at(f(x))  # another function, another value
    nested = values.at(f(f(x)))
    assert nested.is_Rational


def test_values_of_an_undefined_function_are_bounded_in_number(monkeypatch) -> None:
    values = D._Values("s", {})
    with pytest.raises(TooLarge):
        values.at(sp.Add(*(f(sp.Integer(m)) for m in range(D._FUNCTION_VALUES + 2))))
    values = D._Values("s", {})
    assert values.at(sp.Add(*(f(sp.Integer(m)) for m in range(D._FUNCTION_VALUES + 1)))).is_Rational


def test_values_of_operators_are_numeric_and_approximate() -> None:
    values = D._Values("s", {x: sp.Integer(2)})
    got = values.at(sp.Integral(sp.exp(-x * y**2), (y, 0, 1)))
    assert abs(got - sp.Float("0.598144006661304101465711885237", 30)) < 1e-25
    assert values.approximate is True
    values = D._Values("s", {x: sp.Integer(2)})
    assert values.at(sp.Piecewise((x, x < 1), (2 * x, True))) == 4
    assert values.approximate is False  # sympy settles the Piecewise at a number
    values = D._Values("s", {x: sp.Integer(2)})
    assert values.at(x**2) == 4 and values.approximate is False


# --- the comparison and the prover on their own ---------------------------------------------------


@pytest.mark.parametrize("bad", [sp.nan, sp.oo, -sp.oo, sp.zoo])
def test_compare_has_no_answer_for_an_undefined_or_infinite_side(bad) -> None:
    one = sp.Integer(1)
    for rel in ("=", "<", ">=", "!="):
        assert D._compare(bad, one, rel, None, "") is None
        assert D._compare(one, bad, rel, None, "") is None
    assert D._compare(bad, None, "in", None, "Z") is None


def test_compare_membership_of_a_number_sympy_cannot_call_whole() -> None:
    three = sp.log(8) / sp.log(2)  # 3, but sympy does not know it is an integer
    assert three.is_integer is None
    assert D._compare(three, None, "in", None, "N") is True
    assert D._compare(-three, None, "in", None, "N") is False
    assert D._compare(-three, None, "in", None, "Z") is True
    # within 5e-41 of a whole number at 60 digits is whole; 1e-30 away is not
    assert D._compare(three + sp.Rational(5, 10**41), None, "in", None, "N") is True
    assert D._compare(three + sp.Rational(1, 10**30), None, "in", None, "N") is False
    assert D._compare(sp.sqrt(2), None, "in", None, "Z") is False


def test_compare_equality_of_irrationals_is_relative_to_45_digits() -> None:
    r = sp.sqrt(2) / 10
    assert D._compare(r + sp.Rational(3, 2 * 10**45), r, "=", None, "") is False  # 1.5e-45 apart
    assert D._compare(r * 10**50 + 1, r * 10**50, "=", None, "") is True  # 1 in 1e49: the same number
    assert D._compare(r * 10**50 + 1, r * 10**50, "!=", None, "") is False
    assert D._compare(r, r + sp.Rational(1, 10**12), "<", None, "") is True
    assert D._compare(r, r + sp.Rational(1, 10**12), ">", None, "") is False


def test_proven_needs_the_difference_to_vanish() -> None:
    assert D._proven(x + 1, x) is False
    assert D._proven(x * (x + 1), x**2 + x) is True
    assert D._proven(1 / x + 1 / y, (x + y) / (x * y)) is True


@pytest.mark.parametrize("fn", [sp.tanh, sp.sinh, sp.cosh])
def test_proven_rewrites_hyperbolic_functions_as_exponentials(fn) -> None:
    assert D._proven(fn(x), fn(x).rewrite(sp.exp)) is True
    assert D._proven(fn(x), fn(x).rewrite(sp.exp) + 1) is False


def test_proven_rewrites_powers_of_e() -> None:
    assert D._proven(sp.exp(2 * x), sp.exp(x) ** 2) is True
    assert D._proven(sp.exp(x) * sp.exp(y), sp.exp(x + y)) is True


def test_proven_leaves_sums_and_floors_to_sampling() -> None:
    assert D._proven(sp.Sum(i, (i, 1, n)), n * (n + 1) / 2) is False
    assert D._proven(sp.Product(i, (i, 1, n)), sp.factorial(n)) is False
    assert D._proven(sp.floor(x) + 1, 1 + sp.floor(x) + 0 * x) is True  # the same expression
    assert D._proven(sp.Abs(x * y), sp.Abs(x) * sp.Abs(y)) is True  # the reader's symbols are real


def test_jets_names_each_derivative_of_an_open_function_by_its_argument() -> None:
    g = sp.Function("g")
    assert D._jets(sp.Derivative(f(x), x) + f(x)) == sp.Function("f'0")(x) + f(x)
    assert D._jets(sp.Derivative(f(x), (x, 2))) == sp.Function("f'0'0")(x)
    assert D._jets(sp.Derivative(g(x, y), y)) == sp.Function("g'1")(x, y)
    assert D._jets(sp.Derivative(g(x, y), x, y)) == sp.Function("g'0'1")(x, y)


def test_jets_leaves_other_derivatives_alone() -> None:
    of_expression = sp.Derivative(x**2 * f(x), x, evaluate=False)
    assert D._jets(of_expression) == of_expression
    by_another = sp.Derivative(f(y), x)  # x is not f's argument: not a value of f's derivative
    assert D._jets(by_another) == by_another
    assert D._jets(x + 1) == x + 1


# --- claims: tolerances and the claim a step makes ------------------------------------------------


@pytest.mark.parametrize("text, tol", [
    ("0.593", sp.Rational(5, 10**4)),
    ("1.41", sp.Rational(5, 10**3)),
    ("3.", sp.Rational(1, 2)),
    (".5", sp.Rational(5, 100)),
    ("112", sp.Rational(1, 2)),
    ("3300", sp.Rational(50)),
    ("0", sp.Rational(1, 2)),
    ("9.54 \\times 10^{-7}", sp.Rational(5, 10**10)),
    ("9.54 \\cdot 10^{-7}", sp.Rational(5, 10**10)),
    ("2 × 10^3", sp.Rational(500)),
    ("2 \\times 10^{+3}", sp.Rational(500)),
    ("10^{12}", sp.Rational(5 * 10**11)),
    ("10^3", sp.Rational(500)),
    ("10^{-3}", sp.Rational(5, 10**4)),
    (" 1.5 ", sp.Rational(5, 100)),
    ("x", None),
    ("1/2", None),
    ("-1.5", sp.Rational(5, 100)),
    ("1{,}010.43", sp.Rational(5, 1000)),
    ("1,010.43", sp.Rational(5, 1000)),
    ("\\$3{,}100", sp.Rational(50)),
    ("5.5\\%", sp.Rational(5, 10000)),
    ("", None),
])
def test_tolerance_is_half_a_unit_in_the_last_digit(text, tol) -> None:
    assert tolerance_of(text) == tol


def test_approx_tolerance_takes_the_less_precise_side() -> None:
    assert approx_tolerance("3.14", "3.1") == sp.Rational(5, 100)
    assert approx_tolerance("x", "3.1") == sp.Rational(5, 100)
    assert approx_tolerance("3.14", "x") == sp.Rational(5, 1000)
    assert approx_tolerance("x", "y") is None


@pytest.mark.parametrize("text, decimal", [
    ("0.593", True), ("3.", True), ("112", False), ("10^{3}", True), ("2 \\times 10^{3}", True),
    ("2 \\times 10^3", True), ("x", False), ("", False),
])
def test_decimal_side_is_one_known_only_to_its_digits(text, decimal) -> None:
    assert _decimal_side(text) is decimal


def _step(lhs, rel, rhs, lhs_text, rhs_text, start=4, end=20, lhs_start=-1, set_name="", target=None) -> Step:
    return Step(lhs, rel, rhs, start, end, set_name, lhs_text, rhs_text, lhs_start, target)


TEXT = "ab  \\frac{1}{3}   =  0.333  ;\nmore"


def test_make_claim_gives_equals_a_tolerance_only_from_a_decimal_side() -> None:
    where = Span("card.md", 10, 3, 1)
    claim = make_claim(_step(sp.Rational(1, 3), "=", sp.Rational(333, 1000), "\\frac{1}{3}", "0.333", 4, 27),
                       TEXT, where, TEXT, False, ("k",))
    assert claim.tolerance == sp.Rational(5, 10**4) and claim.rounding == sp.Rational(5, 10**4)
    assert claim.text == "\\frac{1}{3} = 0.333"
    assert claim.span == Span("card.md", 10, 7, 23)
    assert (claim.key, claim.rel, claim.lhs, claim.rhs) == (("k",), "=", sp.Rational(1, 3), sp.Rational(333, 1000))
    whole = make_claim(_step(sp.Rational(225, 2), "=", sp.Integer(112), "\\frac{225}{2}", "112"),
                       TEXT, where, TEXT, False, ())
    assert whole.tolerance is None and whole.rounding == half


def test_make_claim_approx_needs_a_decimal_side() -> None:
    where = Span("card.md", 1, 1, 1)
    approx = make_claim(_step(sp.pi, "~", sp.Rational(314, 100), "\\pi", "3.14"), TEXT, where, TEXT, True, ())
    assert approx.tolerance == sp.Rational(5, 1000) and approx.rounding is None and approx.in_check_block is True
    assert make_claim(_step(sp.pi, "~", x, "\\pi", "x"), TEXT, where, TEXT, True, ()) is None


def test_make_claim_other_relations_have_no_tolerance() -> None:
    where = Span("card.md", 1, 1, 1)
    claim = make_claim(_step(x, "<", sp.Rational(5, 10), "x", "0.5"), TEXT, where, TEXT, False, ())
    assert claim.tolerance is None and claim.rounding is None
    member = make_claim(_step(x, "in", None, "x", "", set_name="Z", target=(2, 1)), TEXT, where, TEXT, False, ())
    assert (member.set_name, member.target, member.rhs) == ("Z", (2, 1), None)


def test_make_claim_keeps_everything_it_is_given() -> None:
    where = Span("card.md", 1, 1, 1)
    conds = ((x, "<", sp.Integer(1)),)
    claim = make_claim(_step(x, "=", y, "x", "y", start=12, end=20, lhs_start=4), TEXT, where, TEXT, True, ("k", 1),
                       bindings=[(x, sp.Integer(1))], lists=[("C", (sp.Integer(3),))], consumed=frozenset({x}),
                       section=2, marked=True, single=True, chain=True, defs_at=3, inverse=True, called=True,
                       conditions=list(conds), declared=(("A", (2, 2)),), symmetric=True, substituted=True,
                       elsewhere={"q"})
    assert claim == Claim(("k", 1), x, "=", y, "\\frac{1}{3} =", Span("card.md", 1, 13, 8), True, 2, "", None,
                          ((x, sp.Integer(1)),), (("C", (sp.Integer(3),)),), frozenset({x}), True, True, True, 3,
                          True, True, None, conds, None, (("A", (2, 2)),), True, True, frozenset({"q"}))
    plain = make_claim(_step(x, "=", y, "x", "y"), TEXT, where, TEXT, False, ())
    assert plain == Claim((), x, "=", y, "\\frac{1}{3} =", Span("card.md", 1, 5, 16), False)


def test_make_claim_spans_a_step_on_a_later_line() -> None:
    text = "x = 1\n  y = 2"
    claim = make_claim(_step(y, "=", sp.Integer(2), "y", "2", start=8, end=13), text, Span("c.md", 5, 3, 1), text,
                       True, ())
    assert claim.span == Span("c.md", 6, 3, 5) and claim.text == "y = 2"


def test_visible_definitions_latest_wins_within_the_section() -> None:
    def d(target, value, section=0):
        return Definition(target, sp.Integer(value), Span("c.md", 1), "", section)

    read = CardReading(definitions=[d(x, 1), d(y, 2, 1), d(x, 3, 1), d(a, 4, 2)],
                       assumptions=[d(b, 5), d(c, 6, 2), d(x, 7)])
    seen = read.visible(1, [d(y, 8), d(c, 9)])
    assert {t: v.value for t, v in seen.items()} == {x: 3, y: 2, b: 5, c: 9}
    assert {t: v.value for t, v in read.visible(1, [], defs_at=1).items()} == {x: 1, b: 5}
    assert {t: v.value for t, v in read.visible(0, []).items()} == {x: 1, b: 5}
    assert {t: v.value for t, v in read.visible(2, []).items()} == {x: 1, a: 4, b: 5, c: 6}


# --- the sampler's distributions, over many seeds ---------------------------------------------------


def _drawn(k: int, seeds: int = 60) -> list:
    """The value of x at random point k (after the three fixed ones), for many seeds."""
    return [list(D._points([x], set(), f"s{m}"))[3 + k][x] for m in range(seeds)]


def test_points_first_third_are_whole_numbers_one_to_twelve() -> None:
    first = [v for k in range(D.SAMPLES // 3) for v in _drawn(k, 20)]
    assert all(v.is_Integer for v in first) and set(first) == set(range(1, 13))


def test_points_middle_third_are_fractions_above_and_below_one() -> None:
    middle = [v for k in range(D.SAMPLES // 3, 2 * D.SAMPLES // 3) for v in _drawn(k, 20)]
    assert any(not v.is_Integer for v in _drawn(D.SAMPLES // 3))  # the third starts right there
    assert all(v.is_Rational and 0 < v <= 100 and v.q <= 17 for v in middle)
    assert any(v > 1 for v in middle) and any(v < 1 for v in middle)
    assert not all(v.q == 97 for v in middle)


def test_points_last_third_are_fractions_below_one() -> None:
    last = [v for k in range(2 * D.SAMPLES // 3, D.SAMPLES - 3) for v in _drawn(k, 30)]
    assert all(0 < v < 1 and v.q == 97 for v in last)
    assert not all(v.q == 97 for v in _drawn(2 * D.SAMPLES // 3 - 1))


def test_points_small_whole_numbers_reach_one_and_six_at_random() -> None:
    random_values = {p[n] for m in range(20) for p in list(D._points([n], {n}, f"s{m}"))[3:]}
    assert random_values == {1, 2, 3, 4, 5, 6}
    six = [symbol(f"m_{{{i}}}") for i in range(7)]
    third = list(D._points(six, set(six), "seed"))[2]
    assert [third[s] for s in six] == [1, 2, 3, 4, 5, 1, 2]


def test_values_draw_fractions_from_one_seventeenth_to_two_hundred() -> None:
    drawn = [D._Values(f"d{m}", {})._draw("x") for m in range(3000)]
    assert all(v.is_Rational and sp.Rational(1, 17) <= v <= 200 for v in drawn)
    assert max(drawn) > 190 and min(drawn) < sp.Rational(1, 15)
    assert any(not v.is_Integer for v in drawn) and any(v.is_Integer and v > 100 for v in drawn)


def test_show_switches_to_a_decimal_at_64_bits_and_writes_complex_values_to_ten_digits() -> None:
    assert D.show(sp.Integer(2**63 - 1)) == "9223372036854775807"
    assert D.show(sp.Integer(2**63)) == "9.223372037e+18"
    assert D.show(sp.sqrt(2) * sp.I) == "1.414213562*I"


def test_vanishes_by_the_digits_evalf_can_vouch_for() -> None:
    assert bool(D._vanishes(sp.log(8) - 3 * sp.log(2), sp.Integer(1))) is True  # zero: no digit survives
    assert bool(D._vanishes(sp.exp(-200), sp.exp(-200))) is False  # tiny, but known to every digit
    assert bool(D._vanishes(sp.Rational(5, 10**46), sp.Integer(1))) is True  # below 1e-45 of the scale
    assert bool(D._vanishes(sp.Rational(1, 10**40), sp.Integer(1))) is False
    assert bool(D._vanishes(sp.I, sp.Integer(1))) is False
    assert bool(D._vanishes(sp.Integer(0), sp.Integer(1))) is True


# --- _compare: one relation between two numbers -----------------------------------------------------


def test_compare_refuses_each_undefined_number() -> None:
    for undefined in (sp.zoo, sp.nan, sp.oo, -sp.oo):
        assert D._compare(undefined, sp.Integer(1), "<", None, "") is None, undefined
        assert D._compare(sp.Integer(1), undefined, ">", None, "") is None, undefined
        assert D._compare(undefined, None, "in", None, "N") is None, undefined


def test_compare_membership_of_a_whole_number_in_disguise() -> None:
    zero = sp.sin(sp.pi / 7) ** 2 + sp.cos(sp.pi / 7) ** 2 - 1  # sympy cannot tell its sign
    assert zero.is_integer is None
    assert D._compare(zero, None, "in", None, "N") is True
    three = sp.log(8) / sp.log(2)
    assert D._compare(three, None, "in", None, "N") is True and D._compare(-three, None, "in", None, "N") is False
    assert D._compare(-three, None, "in", None, "Z") is True
    assert D._compare(sp.log(3) / sp.log(2), None, "in", None, "Z") is False


def test_compare_tolerances_exact_and_approximate() -> None:
    one = sp.Integer(1)
    near = sp.Float("1.0000000000005", 60)  # 5e-13 off
    assert D._compare(near, one, "=", None, "", approximate=True) is True
    assert D._compare(sp.Float("1.000000000002", 60), one, "=", None, "", approximate=True) is False
    assert D._compare(sp.Float("1." + "0" * 45 + "5", 70), one, "=", None, "") is True  # 5e-46: exact to 45 digits
    assert D._compare(sp.Float("1." + "0" * 43 + "5", 70), one, "=", None, "") is False
    # tiny sides of an approximate claim are compared at its tolerance, not asked to vanish
    assert D._compare(sp.Float("1e-30", 30), sp.Float("2e-30", 30), "=", None, "", approximate=True) is True
    assert D._compare(sp.Float("1e-30", 30), sp.Float("2e-30", 30), "=", None, "") is False


def test_proven_by_exponentials_for_each_function() -> None:
    assert D._proven(sp.sin(2 * x), 2 * sp.sin(x) * sp.cos(x)) is True
    assert D._proven(sp.sin(x + y), sp.sin(x) * sp.cos(y) + sp.cos(x) * sp.sin(y)) is True
    assert D._proven(sp.sinh(x + y), sp.sinh(x) * sp.cosh(y) + sp.cosh(x) * sp.sinh(y)) is True
    assert D._proven(sp.cosh(x + y), sp.cosh(x) * sp.cosh(y) + sp.sinh(x) * sp.sinh(y)) is True
    assert D._proven(sp.tanh(2 * x), 2 * sp.tanh(x) / (1 + sp.tanh(x) ** 2)) is True
    assert D._proven(sp.sin(2 * x), sp.sin(x) * sp.cos(x)) is False


def test_numeric_values_share_a_budget_per_claim(monkeypatch: pytest.MonkeyPatch) -> None:
    """An integral without a closed form is sampled numerically; when its values cost more than the
    budget, the claim is not decided, rather than sampled at forty slow points (minutes per card)."""
    from ankigen.check import operators

    lhs = sp.Integral(sp.sin(a * x**3) / (1 + x**2), (x, 0, 1))
    # budgets far above what the values cost, so that a loaded machine cannot turn the verdict into a timeout
    monkeypatch.setattr(operators, "NUMERIC_SECONDS", 600.0)
    assert D.decide(lhs, "=", a, guard=600.0).holds is False
    monkeypatch.setattr(operators, "NUMERIC_SECONDS", 0.0)
    v = D.decide(lhs, "=", a)
    assert (v.holds, v.method) == (None, "timeout") and "to compute numerically" in v.detail


def test_a_premise_is_solved_for_one_letter_and_put_in_once() -> None:
    p, q, u = sp.Symbol("p", positive=True), sp.Symbol("q", positive=True), sp.Symbol("u", positive=True)
    lhs, rhs, kept = D.premises_put_in(q, p / (p - 1), ((1 / p + 1 / q, "=", sp.Integer(1)),), {"p", "q"})
    assert (lhs, rhs) == (p / (p - 1), p / (p - 1)) and kept == ((p / (p - 1), ">", 0),)
    # two real values fix nothing: the premise stays a condition
    assert D.premises_put_in(u + 1, sp.Integer(4), ((u**2, "=", sp.Integer(9)),), {"u"})[2] == ((u**2, "=", 9),)
    # an equation in letters the claim is not written in is no premise of it
    assert D.premises_put_in(u, p, ((u * q, "=", sp.Integer(1)),), {"u", "p"})[:2] == (u, p)
    # a premise sympy cannot treat as a polynomial (a matrix in it) is kept, not a crash
    eye = sp.Symbol("\\mathbf{I}", commutative=False)
    assert D.premises_put_in(u * q, p, ((u * q, "=", eye),), {"u", "q", "p", "\\mathbf{I}"})[2] == ((u * q, "=", eye),)
