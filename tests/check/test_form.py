"""Whether a relation is claimed, decided from its form alone (form.py), each rule on its own: a
claim's verdict never enters, so these tests build claims directly and never evaluate them.
Symbols are the reader's positive reals; sides are given as the reader would give them."""

from __future__ import annotations

import sympy as sp

from ankigen.check import form as F
from ankigen.check.claims import Claim
from ankigen.check.matrices import Grad, Transpose
from ankigen.check.vocabulary import Opaque, family, symbol
from ankigen.model import Span

a, b, c, x, y, n, K, C, D = (symbol(s) for s in ("a", "b", "c", "x", "y", "n", "K", "C", "D"))
i, j = (sp.Symbol(s, integer=True) for s in ("i", "j"))
f = sp.Function("f")
W = sp.Symbol("\\mathbf{W}", commutative=False)
A = sp.Symbol("\\mathbf{A}", commutative=False)
v = sp.Symbol("\\mathbf{v}", commutative=False)
u = sp.Symbol("\\mathbf{u}", commutative=False)
I = sp.Symbol("\\mathbf{I}", commutative=False)


def claim(lhs, rhs, rel="=", **kw) -> Claim:
    kw.setdefault("single", True)
    kw.setdefault("in_check_block", False)
    return Claim(key=(0,), lhs=lhs, rel=rel, rhs=rhs, text="", span=Span("card.md", 1), **kw)


def kind(c: Claim, lhs=None, rhs=None, defined=(), families=()) -> tuple[str, str]:
    form = F.classify(c, c.lhs if lhs is None else lhs, c.rhs if rhs is None else rhs, set(defined), set(families))
    return form.kind, form.reason


# --- what a side is about -----------------------------------------------------------------------


def test_depends_on_sees_through_symbols_that_cancel() -> None:
    ratio = (K**2 * C + C * D) / (K**2 * C * D)
    every = {K, C, D}
    assert F.depends_on(ratio, {K}, every) is True
    assert F.depends_on(ratio, {D}, every) is True
    assert F.depends_on(ratio, {C}, every) is False
    assert F.depends_on(ratio, set(), every) is False
    assert F.effective(ratio, every) == {K, D}


def test_depends_on_assumes_an_operator_depends_on_what_it_holds() -> None:
    assert F.depends_on(sp.Integral(x * c, (x, 0, 1)) - sp.Integral(x * c, (x, 0, 1)) + c * 0, {c}, {c}) is False
    assert F.depends_on(sp.Sum(x**i, (i, 1, n)), {x}, {x, n}) is True


def test_depends_on_a_value_that_is_not_a_number_counts() -> None:
    assert F.depends_on(f(x) - f(x) + sp.sqrt(-1 - x**2) * 0 + f(c), {c}, {c, x}) is True


def test_unknown_calls_and_values() -> None:
    assert F._unknown_calls(f(x) + x) == [f(x)]
    assert F._unknown_calls(sp.sin(x)) == []
    assert F._unknown_calls(None) == []
    assert F._unknown_value(f(x)) is True
    assert F._unknown_value(f(x) + 1) is False


def test_values_that_look_like_data() -> None:
    assert F._has_values(3 * x) is True
    assert F._has_values(sp.Rational(5, 8) * x) is True
    assert F._has_values(sp.Float(0.4) + x) is True
    assert F._has_values(2 * x + 1) is False
    assert F._has_values(x / 2) is False
    assert F._has_values(-2 * x) is False


def test_operator_form_is_an_operator_on_one_side_only() -> None:
    assert F._operator_form(sp.Sum(i, (i, 1, n)), n * (n + 1) / 2) is True
    assert F._operator_form(sp.Derivative(x**2, x), 2 * x) is True
    assert F._operator_form(sp.Integral(x, (x, 0, 1)), sp.Rational(1, 2)) is True
    assert F._operator_form(sp.Limit(sp.sin(x) / x, x, 0), sp.Integer(1)) is True
    assert F._operator_form(sp.Sum(i, (i, 1, n)), sp.Sum(i, (i, 0, n))) is False
    assert F._operator_form(sp.Derivative(x**2, x), None) is False
    assert F._operator_form(x, y) is False


def test_about_what_the_card_defines_by_symbol_or_family() -> None:
    assert F._about([x + y], {"x"}) is True
    assert F._about([family("z")[i]], {"z"}) is True
    assert F._about([x + y], {"z"}) is False


def test_sums_of_values_nobody_gives_on_both_sides() -> None:
    y_ = family("y")
    left, right = sp.Sum(y_[j] * x, (j, 1, n)), x * sp.Sum(y_[j], (j, 1, n))
    assert F._sums_unknown_values(left, right, set()) is True
    assert F._sums_unknown_values(left, right, {"y"}) is False  # the card gives y
    assert F._sums_unknown_values(left, x, set()) is False
    assert F._sums_unknown_values(left, None, set()) is False


def test_example_values_on_one_side() -> None:
    every = {x, y}
    assert F._example(x / y, sp.Rational(5, 8), {x, y}, set(), every) is True
    assert F._example(sp.Rational(5, 8), x / y, set(), {x, y}, every) is True
    assert F._example(x / y, sp.Rational(1, 2), {x, y}, set(), every) is False  # 1/2 is algebra, not data
    assert F._example(x, None, {x}, set(), every) is False


def test_stationary_is_a_derivative_set_to_zero() -> None:
    d = sp.Derivative(f(x), x)
    assert F._stationary(claim(d, sp.Integer(0)), d, sp.Integer(0)) is True
    assert F._stationary(claim(sp.Integer(0), d), sp.Integer(0), d) is True
    zero = sp.Symbol("\\mathbf{0}", commutative=False)
    grad = Grad(x * W, W)
    assert F._stationary(claim(grad, zero), grad, zero) is True
    assert F._stationary(claim(d, sp.Integer(1)), d, sp.Integer(1)) is False
    assert F._stationary(claim(d, sp.Integer(0), rel="<"), d, sp.Integer(0)) is False
    assert F._stationary(claim(x, sp.Integer(0)), x, sp.Integer(0)) is False


def test_constant_matrices_and_operations() -> None:
    assert F._constant(sp.Symbol("\\mathbf{I}_{n}", commutative=False)) is True
    assert F._constant(sp.Symbol("\\mathbf{0}", commutative=False)) is True
    assert F._constant(W) is False
    assert F._operations(Transpose(W) * W) == (1, 0)
    assert F._matrix_symbols(Transpose(W) * v + x) == {W, v}
    assert F._matrix_symbols(None) == set()


# --- classify: each rule ------------------------------------------------------------------------


def test_a_check_block_or_a_marked_formula_is_always_claimed() -> None:
    assert kind(claim(x, y, in_check_block=True))[0] == F.CERTAIN
    assert kind(claim(x, y, marked=True))[0] == F.CERTAIN


def test_a_closed_relation_is_certain() -> None:
    assert kind(claim(sp.Integer(2) + 2, sp.Integer(5)))[0] == F.CERTAIN


def test_opaque_notation_is_a_statement() -> None:
    assert kind(claim(Opaque(sp.Symbol("argmax")), x)) == (F.STATEMENT, kind(claim(Opaque(x), y))[1])
    assert kind(claim(Opaque(x), y))[0] == F.STATEMENT


def test_functions_the_card_leaves_open() -> None:
    assert kind(claim(f(x), 1 / (1 + sp.exp(-x)))) == (F.STATEMENT, "the value of a function the card does not define")
    assert kind(claim(f(x) + f(y), 2 * f(x)))[1] == "a property of a function the card does not define"
    # brought in by a definition: a = g(z), da/dz = a (1 - a)
    g = sp.Function("g")
    written = claim(sp.Derivative(a, x), a * (1 - a))
    assert kind(written, sp.Derivative(g(x), x), g(x) * (1 - g(x)), {"a"})[1] == \
        "a property of a function the card does not define"


def test_substituted_values_make_an_example() -> None:
    c_ = claim(x * 2, y, substituted=True)
    assert kind(c_) == (F.STATEMENT, F.EXAMPLE)
    assert kind(claim(x * 2, 2 * x, substituted=True))[1] != F.EXAMPLE  # the same symbols: not an example


def test_a_derivative_set_to_zero_is_a_condition() -> None:
    d = sp.Derivative(x**2 * c, x)
    assert kind(claim(d, sp.Integer(0)))[1] == "a derivative set to zero: a condition for a stationary point"


def test_an_operator_against_a_closed_form_is_certain_over_any_symbols() -> None:
    assert kind(claim(sp.Sum(i, (i, 1, n)), n * (n + 1) / 2))[0] == F.CERTAIN
    assert kind(claim(sp.Derivative(sp.tanh(x), x), 1 - sp.tanh(x) ** 2))[0] == F.CERTAIN
    assert kind(claim(sp.Limit(sp.sin(x) / x, x, 0), sp.Integer(1)))[0] == F.CERTAIN


def test_an_operator_over_values_nobody_gives_is_a_statement() -> None:
    r = family("r")
    total = sp.Sum(r[i], (i, 1, n))
    assert kind(claim(total, n**2)) == (F.STATEMENT, "an operator over values or a function the card does not give")
    assert kind(claim(total, n**2), families={"r"})[0] == F.CERTAIN
    # a letter found nowhere else names the value
    assert kind(claim(total, y), families={"r"}) == (F.STATEMENT, "a letter nowhere else, naming the value of the other side")
    assert kind(claim(sp.Integral(f(x), (x, 0, 1)), sp.Integer(1)))[0] == F.STATEMENT


def test_a_derivative_of_something_without_its_variable_is_a_statement() -> None:
    written = claim(sp.Derivative(y, x), 2 * x)  # ∂L/∂z of an L the card does not define
    assert kind(written)[0] == F.STATEMENT


def test_one_side_without_symbols_is_an_equation_or_an_example() -> None:
    assert kind(claim(x**2 - 5 * x + 6, sp.Integer(0))) == (F.STATEMENT, "an equation to solve or a condition")
    assert kind(claim(x**2, sp.Integer(4)), defined={"x"}) == (F.STATEMENT, F.EXAMPLE)
    assert kind(claim(x**2, sp.Integer(4), chain=True, single=False)) == (F.STATEMENT, F.EXAMPLE)
    # a side that does not really depend on its symbols is closed
    assert kind(claim(x - x + 2, sp.Integer(2)))[0] == F.CERTAIN


def test_different_unknowns_on_each_side() -> None:
    assert kind(claim(a + b, c)) == (F.STATEMENT, "an equation between different unknowns")


def test_a_symbol_on_one_side_only_is_an_equation_for_it() -> None:
    assert kind(claim(x + y, x)) == (F.STATEMENT, "an equation for y, on one side only")
    # y written in the chain's other steps is not introduced here: no equation for it
    assert kind(claim(x + y, x, elsewhere=frozenset({"y"})))[1] != "an equation for y, on one side only"


def test_an_inverse_pair_is_doubtful() -> None:
    assert kind(claim(x, 2 * x - x, inverse=True)) == (F.DOUBTFUL, "two formulas that define each other")


def test_identities_over_symbols_nobody_defined() -> None:
    assert kind(claim((a + b) ** 2, a**2 + 2 * a * b + b**2)) == \
        (F.DOUBTFUL, "an identity over symbols the card does not define")
    assert kind(claim((a + b) ** 2, a**2 + b**2), defined={"a"})[0] == F.CERTAIN
    assert kind(claim(a + b, b + a, called=True))[0] == F.CERTAIN
    assert kind(claim(a + b, b + a, single=False))[0] == F.CERTAIN
    assert kind(claim(a * b, b * a, rel="<"))[1] == "a relation between symbols the card does not define"


def test_a_chain_step_about_nothing_defined() -> None:
    assert kind(claim(a * b, b * a, chain=True, single=False))[0] == F.CERTAIN
    step = claim(a, a + b, chain=True, single=False, elsewhere=frozenset({"b"}))
    assert kind(step) == (F.STATEMENT, "a substitution in a chain about nothing defined")


# --- vectors and matrices -----------------------------------------------------------------------


def test_matrix_membership_is_certain() -> None:
    assert kind(claim(W * v, None, rel="in"))[0] == F.CERTAIN


def test_matrix_equations_and_conditions() -> None:
    zero = sp.Symbol("\\mathbf{0}", commutative=False)
    assert kind(claim((A - x * I) * v, zero)) == (F.STATEMENT, "an equation or a condition on vectors and matrices")
    assert kind(claim(A, Transpose(A))) == (F.STATEMENT, "a condition on a matrix (symmetric, orthogonal …)")
    assert kind(claim(A * v, x * v)) == (F.STATEMENT, "an equation: one side has an unknown the other lacks")


def test_matrix_identities() -> None:
    product = Transpose(A * W)
    swapped = Transpose(W) * Transpose(A)
    assert kind(claim(product, swapped)) == (F.DOUBTFUL, "an identity over vectors and matrices the card does not declare")
    assert kind(claim(product, swapped), defined={"\\mathbf{A}"})[0] == F.CERTAIN
    assert kind(claim(product, swapped, single=False))[0] == F.CERTAIN
    # a declared size is no unknown, but A is one on one side only: A v = n v is an eigen-equation
    declared = (("\\mathbf{A}", (n, n)),)
    assert kind(claim(A * v, n * v, declared=declared))[1] == "an equation: one side has an unknown the other lacks"
    assert kind(claim(Transpose(Transpose(A)) * u, A * u))[1] == \
        "an identity over vectors and matrices the card does not declare"


def test_sums_of_matrices_are_not_decided() -> None:
    assert kind(claim(sp.Sum(x * W, (i, 1, n)), W))[0] == F.STATEMENT


# --- each reason as the author reads it -----------------------------------------------------------

Y = sp.IndexedBase("y")
X = sp.IndexedBase("x")


def test_a_product_integral_or_limit_of_matrices_is_not_decided() -> None:
    why = (F.STATEMENT, "a product, integral or limit of vectors or matrices, which is not decided")
    assert kind(claim(sp.Product(W, (i, 1, n)), W)) == why
    assert kind(claim(W, sp.Integral(x * W, (x, 0, 1)))) == why  # on either side
    assert kind(claim(sp.Limit(x * W, x, 0), W)) == why
    endless = (F.STATEMENT, "an infinite sum of vectors or matrices, which is not decided")
    assert kind(claim(sp.Sum(x * W, (i, 1, sp.oo)), W)) == endless


def test_a_finite_sum_of_matrices_is_written_out() -> None:
    summed = claim(sp.Sum(x * W, (i, 1, n)), n * x * W)
    assert kind(summed) == (F.DOUBTFUL, "an identity over vectors and matrices the card does not declare")
    assert kind(summed, defined=[str(W)])[0] == F.CERTAIN
    assert kind(claim(sp.Sum(x * W, (i, 1, n)), sp.Integer(0)))[0] == F.STATEMENT  # a condition


def test_opaque_notation_says_why() -> None:
    assert kind(claim(Opaque(x), y)) == (F.STATEMENT, "it uses notation whose value is not known here (an "
                                                      "operator over a set, a distribution the card does not give)")
    assert kind(claim(x, y), Opaque(x), y)[0] == F.STATEMENT  # brought in by a definition


def test_a_number_on_the_left_and_an_unknown_on_the_right_is_an_equation() -> None:
    assert kind(claim(sp.Integer(4), x**2 - 5 * x)) == (F.STATEMENT, "an equation to solve or a condition")


def test_an_example_with_numbers_where_the_symbols_were() -> None:
    general = (a / b - c / y) ** n
    assert kind(claim(general, (sp.Rational(5, 8) - sp.Rational(3, 7)) ** n)) == (F.STATEMENT, F.EXAMPLE)
    assert kind(claim((sp.Rational(5, 8) - sp.Rational(3, 7)) ** n, general)) == (F.STATEMENT, F.EXAMPLE)


def test_the_equation_names_the_first_symbol_it_is_for() -> None:
    assert kind(claim(x + y + c, x)) == (F.STATEMENT, "an equation for c, on one side only")


def test_sums_of_values_nobody_gives_are_doubtful() -> None:
    assert kind(claim(sp.Sum(Y[j] * x, (j, 1, n)), x * sp.Sum(Y[j], (j, 1, n)))) == \
        (F.DOUBTFUL, "a relation between sums of values the card does not give")
    # given values, the sums are an identity like any other over symbols nobody defined
    assert kind(claim(sp.Sum(Y[j] * x, (j, 1, n)), x * sp.Sum(Y[j], (j, 1, n))), families={"y"}) == \
        (F.DOUBTFUL, "an identity over symbols the card does not define")


def test_a_derivative_by_an_element_of_the_family_it_sums_is_certain() -> None:
    softmax_sum = sp.Derivative(sp.log(sp.Sum(sp.exp(X[j]), (j, 1, n))), X[i])
    assert kind(claim(softmax_sum, sp.exp(X[i]) / sp.Sum(sp.exp(X[j]), (j, 1, n))))[0] == F.CERTAIN


def test_an_integral_or_limit_of_data_the_other_side_is_written_in_is_certain() -> None:
    total = sp.Sum(Y[i], (i, 1, n))
    assert kind(claim(sp.Integral(x * total, (x, 0, 1)), total / 2))[0] == F.CERTAIN
    assert kind(claim(sp.Limit((1 + 1 / x) * total, x, sp.oo), total))[0] == F.CERTAIN
    assert kind(claim(total, n * y)) == (F.STATEMENT, "an operator over values or a function the card does not give")


def test_an_inequality_between_equal_symbols_is_a_statement_and_a_negation_an_identity() -> None:
    assert kind(claim(a * b, b * a, rel="<")) == (F.STATEMENT, "a relation between symbols the card does not define")
    assert kind(claim(a * b, b * a + 1, rel="!=")) == (F.DOUBTFUL, "an identity over symbols the card does not define")
