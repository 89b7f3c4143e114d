"""The calculus operators on their own (operators.py): which expressions hold one, what closed form
each is given and when it is refused, numeric evaluation and the conditions a closed form needs.
Built directly with sympy, in the reader's symbols (positive reals)."""

from __future__ import annotations

import sympy as sp

from ankigen.check import operators as O
from ankigen.check.vocabulary import symbol

x, y, c, gamma = (symbol(s) for s in ("x", "y", "c", "\\gamma"))
k = sp.Symbol("k", integer=True)
n = symbol("n")
f = sp.Function("f")


def test_size_counts_nodes_up_to_one_past_the_limit() -> None:
    assert O.size(x, 10) == 1
    assert O.size(x + y, 10) == 3
    big = sp.Add(*(symbol(f"a_{i}") for i in range(20)))
    assert O.size(big, 5) == 6
    assert O.size(big, 100) == 21


def test_has_operators() -> None:
    assert O.has_operators(None) is False
    assert O.has_operators(x**2 + 1) is False
    assert O.has_operators(sp.Derivative(x**2, x)) is True
    assert O.has_operators(sp.Integral(x, (x, 0, 1))) is True
    assert O.has_operators(sp.Limit(1 / x, x, sp.oo)) is True
    assert O.has_operators(sp.Subs(sp.Derivative(f(x), x), x, 2)) is True
    assert O.has_operators(sp.Sum(gamma**k, (k, 0, sp.oo))) is True
    assert O.has_operators(sp.Product(1 + x**k, (k, 1, sp.oo))) is True
    assert O.has_operators(sp.Sum(x**k, (k, -sp.oo, 0))) is True
    assert O.has_operators(sp.Sum(k, (k, 1, n))) is False  # finite: added up or sampled, not an operator


def test_infinite_sums_are_those_with_an_infinite_bound() -> None:
    series, finite = sp.Sum(gamma**k, (k, 0, sp.oo)), sp.Sum(k, (k, 1, n))
    assert O._infinite_sums(series + finite) == [series]
    assert O._infinite_sums(finite) == []


def test_antiderivatives_are_compared_through_their_derivatives() -> None:
    lhs, rhs = O.antiderivatives(sp.Integral(2 * x, x), x**2 + c)
    assert (lhs, rhs) == (2 * x, 2 * x)
    definite = sp.Integral(2 * x, (x, 0, 1))
    assert O.antiderivatives(definite, sp.Integer(1)) == (definite, 1)  # a definite integral is a number
    assert O.antiderivatives(sp.Integral(2 * x, x), None) == (sp.Integral(2 * x, x), None)
    lhs, rhs = O.antiderivatives(x**2 + c, sp.Integral(2 * x, x))  # either side
    assert (lhs, rhs) == (2 * x, 2 * x)


def test_closed_form_of_each_operator() -> None:
    assert O.closed_form(None) is None
    assert O.closed_form(x + 1) == x + 1
    assert O.closed_form(sp.Derivative(x**3, x)) == 3 * x**2
    assert O.closed_form(sp.Integral(x, (x, 0, 1))) == sp.Rational(1, 2)
    assert O.closed_form(sp.Limit(sp.sin(x) / x, x, 0)) == 1
    assert O.closed_form(sp.Sum(sp.Rational(1, 2) ** k, (k, 0, sp.oo))) == 2
    assert O.closed_form(sp.Subs(sp.Derivative(x**3, x), x, 2)) == 12  # f'(2) once taken


def test_closed_form_works_from_the_innermost_operator_out() -> None:
    inner = sp.Derivative(x**2, x)
    assert O.closed_form(sp.Integral(inner, (x, 0, 1))) == 1
    assert O.closed_form(sp.Limit(sp.Integral(y, (y, 0, x)) / x**2, x, 0)) == sp.Rational(1, 2)


def test_closed_form_keeps_what_sympy_cannot_do() -> None:
    hard = sp.Integral(f(x), (x, 0, 1))
    assert O.closed_form(hard) == hard
    series = sp.Sum(gamma**k, (k, 0, sp.oo))
    result = O.closed_form(series)
    assert O.needed_conditions(result)  # a Piecewise: 1/(1 - γ) only for |γ| < 1


def test_evaluate_refuses_undefined_results_and_oversized_operators() -> None:
    assert O._evaluate(sp.Limit(1 / (x - 1), x, 1, dir="+-")) is None  # zoo: no two-sided limit
    assert O._evaluate(sp.Derivative(x**2, x)) == 2 * x
    wide = sp.Integral(sp.Add(*(symbol(f"a_{i}") * x**i for i in range(60))), (x, 0, 1))
    assert O.size(wide, O.SYMBOLIC_NODES) > O.SYMBOLIC_NODES
    assert O._evaluate(wide) is None
    assert O._evaluate(sp.Integral(f(x), (x, 0, 1))) is None  # still an integral
    same = sp.Sum(1 / (k**2 + sp.sin(k)), (k, 1, sp.oo))
    assert O._evaluate(same) is None  # sympy gives the series back unsummed


def test_evaluate_derivative_is_shallow() -> None:
    outer = sp.Derivative(sp.Integral(x * y, (y, 0, 1)), x)
    value = O._evaluate(outer)
    assert value is not None and value != outer


def test_numeric_values_of_integrals() -> None:
    value = O.numeric(sp.Integral(sp.exp(-(x**2)), (x, 0, 1)))
    assert abs(value - sp.Float("0.746824132812427025399467436131", 30)) < 1e-25
    assert O.numeric(x + 1) is None  # a symbol without a value is no number
    assert O.numeric(sp.Integral(1 / x**2, (x, 0, 1))) is None  # diverges


def test_numeric_refuses_series_and_derivatives_and_takes_a_limit_at_the_point() -> None:
    assert O.numeric(sp.Sum(1 / (k**2 + sp.sin(k)), (k, 1, sp.oo))) is None
    assert O.numeric(sp.Subs(sp.Derivative(sp.sin(x), x), x, 2) + sp.Derivative(sp.sin(y), y)) is None
    # a limit whose closed form needed the point's values (a sum of n terms, n sampled) is taken there
    assert abs(O.numeric(sp.Limit(sp.sin(x) / x, x, 0)) - 1) < 1e-25
    assert O.numeric(sp.Limit(sp.sin(1 / x), x, 0)) is None  # no limit: no value


def test_needed_conditions_are_the_branches_that_give_a_value() -> None:
    result = sp.Sum(gamma**k, (k, 0, sp.oo)).doit()
    needs = O.needed_conditions(result)
    assert len(needs) == 1 and needs[0].has(gamma)
    assert O.needed_conditions(None) == []
    assert O.needed_conditions(x + 1) == []
    plain = sp.Piecewise((x, x > 1), (y, True))
    assert O.needed_conditions(plain) == [x > 1]


def test_numeric_refuses_each_kind_of_non_number() -> None:
    for undefined in (sp.zoo, sp.nan, sp.oo, -sp.oo):
        assert O.numeric(undefined) is None, undefined
    # sympy can neither integrate nor approximate Γ across its pole: the integral comes back as it is
    assert O.numeric(sp.Integral(sp.gamma(x), (x, -1, 1))) is None
    # a derivative at a point is taken by closed_form, never approximated here
    assert O.numeric(sp.Subs(sp.Derivative(sp.sin(x), x), x, 2)) is None


def test_numeric_values_have_thirty_digits() -> None:
    value = O.numeric(sp.Integral(sp.exp(-(x**2)), (x, 0, 1)))
    assert value._prec == sp.Float(1, 30)._prec


def test_evaluate_takes_only_the_outer_derivative() -> None:
    # the integral inside stays for the next round, innermost first, and is not done here
    assert O._evaluate(sp.Derivative(sp.Integral(x * y, (y, 0, 1)), x)) == sp.Integral(y, (y, 0, 1))


def test_evaluate_takes_an_operator_of_exactly_the_counted_size() -> None:
    terms = [symbol(f"a_{i}") * x for i in range(24)] + [symbol("b_1"), symbol("b_2")]
    integral = sp.Integral(sp.Add(*terms), (x, 0, 1))
    assert O.size(integral, 200) == O.SYMBOLIC_NODES
    expected = sum(symbol(f"a_{i}") for i in range(24)) / 2 + symbol("b_1") + symbol("b_2")
    assert sp.expand(O._evaluate(integral) - expected) == 0


def test_evaluate_refuses_an_undefined_limit() -> None:
    assert O._evaluate(sp.Limit(sp.nan, x, 0)) is None


def test_a_substitution_alone_is_an_operator() -> None:
    assert O.has_operators(sp.Subs(x**2 + f(x), x, 2)) is True


def test_a_series_with_a_condition_is_summed_once() -> None:
    series = sp.Sum(gamma**k, (k, 0, sp.oo))
    # its closed form holds the series itself in the other branch, which is not summed again
    assert O.closed_form(series) == series.doit()


def test_a_branch_that_is_still_an_operator_needs_no_condition() -> None:
    for unevaluated in (sp.Integral(f(x), (x, 0, 1)), sp.Sum(f(k), (k, 0, sp.oo)),
                        sp.Product(f(k), (k, 1, sp.oo))):
        assert O.needed_conditions(sp.Piecewise((unevaluated, x > 1), (y, True))) == []
