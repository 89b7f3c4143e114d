"""Claims about vectors and matrices: shapes inferred and checked, each operation's meaning on
explicit matrices, identities decided by sampling, membership, and the budget. Each part is tested
on its own (shapes without values, values without sampling), so a broken part cannot hide behind
another; every identity that holds has a one-token-wrong twin that must fail."""

from __future__ import annotations

import time

import pytest
import sympy as sp

from ankigen.check import matrices
from ankigen.check.matrices import (
    IDENTITY, MAX_DIM, ONES, ZEROS, Det, Elementwise, Grad, Hadamard, Inverse, Norm, OneEntry, ShapeError, Softmax,
    Trace, Transpose, Unsupported, author_latex, decide_matrix, evaluate, infer_shapes, is_matrix, shape_of,
    show_shape, show_value,
)
from ankigen.model import Verdict


def mat(name: str) -> sp.Symbol:
    return sp.Symbol(name, commutative=False)


A, B, W, X, Q, K = (mat(rf"\mathbf{{{c}}}") for c in "ABWXQK")
x, y, z, w, b = (mat(rf"\mathbf{{{c}}}") for c in "xyzwb")
m, n, d = sp.symbols("m n d", integer=True, positive=True)
s = sp.Symbol("s", positive=True)  # a scalar, as the reader makes it
T = Transpose
F = sp.Symbol("F")
t = sp.Symbol("t")
SIGMA = sp.Lambda(t, 1 / (1 + sp.exp(-t)))
RELU = sp.Lambda(t, sp.Max(0, t))
HALF = sp.Rational(1, 2)
LAYER = {W: (m, n), x: (n, 1), b: (m, 1)}  # W ∈ ℝ^{m×n}, x ∈ ℝ^{n}, b ∈ ℝ^{m}


def verdict(lhs, rhs, declared=None, rel="=", seed="test"):
    return decide_matrix(lhs, rel, rhs, declared or {}, seed)


def matrix(text: str) -> sp.Matrix:
    """A value as a report prints it, read back: `[[1, -3/2], [2, 1/3]]`."""
    rows = text.strip("[]").split("], [")
    return sp.Matrix([[sp.Rational(e) for e in row.split(", ")] for row in rows])


# --- the representation ---------------------------------------------------------------------------


def test_scalar_valued_operations_commute_and_the_others_do_not() -> None:
    for scalar in (Trace(A), Det(A), Norm(x, 2), Norm(A, F)):
        assert scalar.is_commutative is True
        assert scalar * B == B * scalar
    for matrix_valued in (T(A), Inverse(A), Hadamard(A, B), Elementwise(SIGMA, z), Softmax(z), Grad(T(x) * x, x)):
        assert matrix_valued.is_commutative is False
    assert A * B != B * A and A * B - B * A != 0
    assert T(A) * B != B * T(A)
    assert Grad(s**2, s).is_commutative is True  # of scalars, a scalar


def test_operations_stay_as_written() -> None:
    assert T(T(A)).args == (T(A),)
    assert isinstance(Inverse(IDENTITY), Inverse) and isinstance(Trace(IDENTITY), Trace)
    assert isinstance(Det(ZEROS), Det) and isinstance(Norm(ZEROS, 2), Norm)
    assert Elementwise(SIGMA, z).args == (SIGMA, z)


def test_sympy_prints_the_operations() -> None:
    claim = Trace(Inverse(A) * T(B)) * Norm(x, F) + Det(Hadamard(A, B)) * Elementwise(SIGMA, z) + Grad(Softmax(z), z)
    assert "Inverse(\\mathbf{A})" in sp.sstr(claim) and "Transpose(\\mathbf{B})" in str(claim)
    assert r"\mathbf{A}^{-1} \mathbf{B}^\top" in sp.latex(claim)
    assert "Trace" in sp.pretty(claim) and "Transpose" in sp.srepr(claim)


def test_is_matrix() -> None:
    for expr in (A, T(x) * y, Trace(A), Norm(x, 2) ** 2, IDENTITY, ONES, Elementwise(SIGMA, z), 2 * s * A):
        assert is_matrix(expr), expr
    for expr in (s, sp.Integer(3), s**2 + 1, SIGMA, None, "x"):
        assert not is_matrix(expr), expr


def test_special_names() -> None:
    assert (IDENTITY.name, ZEROS.name, ONES.name) == (r"\mathbf{I}", r"\mathbf{0}", r"\mathbf{1}")
    assert not any(sym.is_commutative for sym in (IDENTITY, ZEROS, ONES))


# --- shapes ----------------------------------------------------------------------------------------


def test_declared_shapes_are_kept() -> None:
    assert infer_shapes([W * x + b], LAYER) == {W: (m, n), x: (n, 1), b: (m, 1)}
    assert infer_shapes([W * x], {W: (3, 2 * d), x: (2 * d,)}) == {W: (3, 2 * d), x: (2 * d, 1)}


def test_unknown_sizes_take_what_the_expression_requires() -> None:
    assert infer_shapes([W * y], {W: (m, n)})[y] == (n, 1)
    assert infer_shapes([T(y) * W], {W: (m, n)})[y] == (m, 1)
    assert infer_shapes([W * x + y], LAYER)[y] == (m, 1)
    rows, cols = infer_shapes([W * A], {W: (m, n)})[A]
    assert rows == n and isinstance(cols, sp.Dummy)
    shapes = infer_shapes([A * B, B * A], {})  # equal sides: everything square and one size
    assert shapes[A] == shapes[B] and shapes[A][0] == shapes[A][1]


def test_dimensions_are_compared_as_written() -> None:
    assert infer_shapes([W * x], {W: (m, n + 1), x: (1 + n,)})[x] == (n + 1, 1)
    assert infer_shapes([W * x], {W: (m, 2 * d), x: (d + d,)})[x] == (2 * d, 1)
    with pytest.raises(ShapeError):
        infer_shapes([W * x], {W: (m, n), x: (n + 1,)})
    with pytest.raises(ShapeError):
        infer_shapes([W * x], {W: (m, n), x: (3,)})  # a letter is not a number


@pytest.mark.parametrize("name,vector", [
    (r"\mathbf{x}", True), (r"\mathbf{x}_{i}", True), (r"\boldsymbol{\theta}", True), (r"\vec{v}", True),
    (r"\mathbf{h}_{t-1}", True), (r"\hat{\mathbf{y}}", True), (r"\mathbf{W}", False), (r"\mathbf{W}_{q}", False),
    (r"\boldsymbol{\Sigma}", False), (r"W", False),
])
def test_the_base_letter_says_vector_or_matrix(name: str, vector: bool) -> None:
    rows, cols = infer_shapes([mat(name)], {})[mat(name)]
    assert isinstance(rows, sp.Dummy)
    assert (cols == 1) is vector and isinstance(cols, sp.Dummy) is not vector


def test_subscripted_symbols_are_separate() -> None:
    xi, xj = mat(r"\mathbf{x}_{i}"), mat(r"\mathbf{x}_{j}")
    shapes = infer_shapes([T(xi) * W * xj], {W: (m, n)})
    assert shapes[xi] == (m, 1) and shapes[xj] == (n, 1)


def test_a_one_by_one_product_is_a_scalar() -> None:
    assert shape_of(T(x) * y, {}) == (1, 1)
    declared = {x: (m, 1), z: (n, 1)}
    assert shape_of(T(x) * y * z, declared) == (n, 1)  # (xᵀy) z, though sympy flattens the product
    assert shape_of(z * T(x) * y, declared) == (n, 1)
    assert shape_of(Trace(A) * W, {W: (m, n)}) == (m, n)
    assert shape_of(sp.Integer(3), {}) == (1, 1) and shape_of(s**2, {}) == (1, 1)


def test_identity_zeros_and_ones_take_their_size_at_each_place() -> None:
    assert shape_of(A * IDENTITY - IDENTITY * A, {A: (m, n)}) == (m, n)  # n×n on the left, m×m on the right
    assert shape_of(W * ZEROS + b, LAYER) == (m, 1)
    assert shape_of(T(ONES) * x, LAYER) == (1, 1)
    identity_n = mat(r"\mathbf{I}_{n}")
    assert shape_of(W * identity_n, {identity_n: (n, n), W: (m, n)}) == (m, n)
    with pytest.raises(ShapeError, match=r"cannot multiply \\mathbf\{I\}_\{n\} \(n×n\) by"):
        infer_shapes([identity_n * W], {identity_n: (n, n), W: (m, n)})
    with pytest.raises(ShapeError, match="as an identity matrix: it is not square"):
        infer_shapes([identity_n], {identity_n: (m, n)})


def test_gradient_and_jacobian_shapes() -> None:
    assert shape_of(Grad(T(x) * x, x), {x: (n, 1)}) == (n, 1)
    assert shape_of(Grad(Norm(X, F) ** 2, X), {X: (m, n)}) == (m, n)
    assert shape_of(Grad(W * x, x), LAYER) == (m, n)
    assert shape_of(Grad(s * W, s), LAYER) == (m, n)
    with pytest.raises(Unsupported, match="neither a gradient nor a Jacobian"):
        infer_shapes([Grad(W * X, X)], {W: (m, n), X: (n, d)})


MISMATCHES = [  # (expression, declared, the exact message)
    (W * y, {W: (m, n), y: (m, 1)}, r"cannot multiply \mathbf{W} (m×n) by \mathbf{y} (m×1): n ≠ m"),
    (T(x) * W, LAYER, r"cannot multiply \mathbf{x}^\top (1×n) by \mathbf{W} (m×n): n ≠ m"),
    (T(y) * W * y, {W: (m, n)}, r"cannot multiply \mathbf{y}^\top \mathbf{W} (1×n) by \mathbf{y} (m×1): n ≠ m"),
    (W * x - x, LAYER, r"cannot subtract \mathbf{x} (n×1) from \mathbf{W} \mathbf{x} (m×1): m ≠ n"),
    (W * x + x, LAYER, r"cannot add \mathbf{W} \mathbf{x} (m×1) and \mathbf{x} (n×1): m ≠ n"),
    (Hadamard(x, b), LAYER, r"cannot take the elementwise product of \mathbf{x} (n×1) and \mathbf{b} (m×1): n ≠ m"),
    (Trace(W), LAYER, r"cannot take the trace of \mathbf{W} (m×n): it is not square (m ≠ n)"),
    (Det(x), LAYER, r"cannot take the determinant of \mathbf{x} (n×1): it is not square (n ≠ 1)"),
    (Inverse(W), LAYER, r"cannot invert \mathbf{W} (m×n): it is not square (m ≠ n)"),
    (W**2, LAYER, r"cannot raise \mathbf{W} (m×n) to the power 2: it is not square (m ≠ n)"),
    (Inverse(T(W) * W) * W, LAYER,
     r"cannot multiply (\mathbf{W}^\top \mathbf{W})^{-1} (n×n) by \mathbf{W} (m×n): n ≠ m"),
]


@pytest.mark.parametrize("expr,declared,message", MISMATCHES, ids=[m[2][:40] for m in MISMATCHES])
def test_each_mismatch_names_both_operands_and_shapes(expr, declared, message: str) -> None:
    with pytest.raises(ShapeError) as caught:
        infer_shapes([expr], declared)
    assert caught.value.message == message


def test_sides_of_different_shapes_are_a_mismatch() -> None:
    with pytest.raises(ShapeError) as caught:
        infer_shapes([W * x, x], LAYER)
    assert caught.value.message == (r"the sides have different shapes: \mathbf{W} \mathbf{x} is m×1, "
                                    r"\mathbf{x} is n×1 (m ≠ n)")
    result = verdict(W * x, x, LAYER)
    assert (result.holds, result.method, result.detail) == (False, "shapes", caught.value.message)
    assert (result.lhs_value, result.rhs_value) == ("m×1", "n×1")


def test_every_side_of_a_chain_is_unified() -> None:
    assert infer_shapes([W * x, y, z], LAYER)[z] == (m, 1)
    with pytest.raises(ShapeError, match=r"\\mathbf\{y\} is m×1, \\mathbf\{x\} is n×1"):
        infer_shapes([W * x, y, x], LAYER)


def test_inferred_shapes_can_be_passed_on() -> None:
    shapes = infer_shapes([W * y], {W: (m, n)})
    assert shape_of(T(y) * T(W), shapes) == (1, m)
    loose = infer_shapes([A * B], {})
    rows, cols = shape_of(B * A, loose)  # B's columns and A's rows are still free: they unify here
    assert isinstance(rows, sp.Dummy) and rows == cols


def test_an_undeclared_vector_never_silently_becomes_one_number() -> None:
    with pytest.raises(OneEntry, match=r"\\mathbf\{x\} a single row or column"):
        infer_shapes([x * x], {})  # a column times a column: a transpose lost
    with pytest.raises(Unsupported):
        infer_shapes([Trace(x)], {})
    assert infer_shapes([x * x], {x: (1, 1)}) == {x: (1, 1)}  # unless declared so
    # a number added to a vector is added to each entry, as notes mean (x + ε under a root)
    rows, cols = infer_shapes([x + 1], {})[x]
    assert cols == 1 and isinstance(rows, sp.Dummy)
    rows, cols = infer_shapes([x + sp.Symbol("\\epsilon", positive=True)], {})[x]
    assert cols == 1 and isinstance(rows, sp.Dummy)


def test_show_shape() -> None:
    assert show_shape((m, n)) == "m×n"
    assert show_shape((n, 1)) == "n×1"
    assert show_shape((1, 1)) == "1×1"
    assert show_shape((n + 1, 2 * d)) == "(n + 1)×(2 d)"
    assert show_shape((sp.Dummy("k"), 1)) == "?×1"


def test_author_latex() -> None:
    assert author_latex(T(W * x - b)) == r"(\mathbf{W} \mathbf{x} - \mathbf{b})^\top"
    assert author_latex(Norm(x, 2) ** 2) == r"\lVert \mathbf{x} \rVert^{2}"
    assert author_latex(Norm(X, F)) == r"\lVert \mathbf{X} \rVert_{F}"
    assert author_latex(Trace(Inverse(A) * B)) == r"\operatorname{tr}(\mathbf{A}^{-1} \mathbf{B})"
    assert author_latex(Grad(HALF * T(x) * x, x)) == r"\nabla_{\mathbf{x}} (\frac{1}{2} \mathbf{x}^\top \mathbf{x})"


# --- each operation on explicit matrices --------------------------------------------------------

M2 = [[1, 2], [3, 4]]


def test_products_sums_and_transposes() -> None:
    assert evaluate(A * B, {A: M2, B: [[0, 1], [1, 0]]}) == sp.Matrix([[2, 1], [4, 3]])
    assert evaluate(B * A, {A: M2, B: [[0, 1], [1, 0]]}) == sp.Matrix([[3, 4], [1, 2]])
    assert evaluate(A - T(A), {A: M2}) == sp.Matrix([[0, -1], [1, 0]])
    assert evaluate(T(W) * x, {W: [[1, 2, 3], [4, 5, 6]], x: [[1], [1]]}) == sp.Matrix([[5], [7], [9]])
    assert evaluate(T(x) * y, {x: [[1], [2]], y: [[3], [4]]}) == 11  # a 1×1 result is a number
    xyz = {x: [[1], [2]], y: [[3], [4]], z: [[1], [0], [2]]}
    assert evaluate(T(x) * y * z, xyz) == sp.Matrix([[11], [0], [22]])
    assert evaluate(s * A + Trace(A) * IDENTITY, {A: M2, s: 2}) == sp.Matrix([[7, 4], [6, 13]])


def test_inverse_and_powers() -> None:
    assert evaluate(Inverse(A), {A: M2}) == sp.Matrix([[-2, 1], [sp.Rational(3, 2), -sp.Rational(1, 2)]])
    assert evaluate(A**2, {A: M2}) == sp.Matrix([[7, 10], [15, 22]])
    assert evaluate(A**-2, {A: [[1, 1], [0, 1]]}) == sp.Matrix([[1, -2], [0, 1]])
    assert evaluate(A**n, {A: [[1, 1], [0, 1]], n: 3}) == sp.Matrix([[1, 3], [0, 1]])
    with pytest.raises(ZeroDivisionError):
        evaluate(Inverse(A), {A: [[1, 2], [2, 4]]})
    with pytest.raises(Unsupported):
        evaluate(A**s, {A: M2, s: HALF})  # a matrix to a fractional power is not modelled


def test_trace_and_determinant() -> None:
    assert evaluate(Trace(A), {A: M2}) == 5
    assert evaluate(Det(A), {A: M2}) == -2
    assert evaluate(Det(A * T(A)), {A: [[1, 2, 3], [4, 5, 6]]}) == 54
    assert evaluate(Det(T(A) * A), {A: [[1, 2, 3], [4, 5, 6]]}) == 0


@pytest.mark.parametrize("p,value", [(2, sp.sqrt(26)), (F, sp.sqrt(26)), (1, 8), (sp.oo, 4),
                                     (3, sp.Integer(92) ** sp.Rational(1, 3))])
def test_vector_norms(p, value) -> None:
    assert sp.simplify(evaluate(Norm(x, p), {x: [[3], [-4], [1]]}) - value) == 0


@pytest.mark.parametrize("p,value", [(2, sp.sqrt(30)), (F, sp.sqrt(30)), (1, 6), (sp.oo, 7)])
def test_matrix_norms(p, value) -> None:
    # Frobenius for 2 and F; the largest column sum for 1 and the largest row sum for ∞
    assert evaluate(Norm(A, p), {A: [[1, -2], [3, 4]]}) == value


def test_hadamard_and_elementwise_functions() -> None:
    assert evaluate(Hadamard(A, B), {A: M2, B: [[0, 1], [2, 3]]}) == sp.Matrix([[0, 2], [6, 12]])
    assert evaluate(Elementwise(RELU, x), {x: [[-2], [3]]}) == sp.Matrix([[0], [3]])
    assert evaluate(Elementwise(SIGMA, x), {x: [[0], [0]]}) == sp.Matrix([[HALF], [HALF]])
    leaky = sp.Lambda(t, sp.Max(s * t, t))
    values = {x: [[-2], [3]], s: sp.Rational(1, 10)}  # a parameter of the function is the claim's scalar
    assert evaluate(Elementwise(leaky, x), values) == sp.Matrix([[sp.Rational(-1, 5)], [3]])


def test_softmax_normalises_a_column_vector_and_each_row_of_a_matrix() -> None:
    assert evaluate(Softmax(x), {x: [[0], [0]]}) == sp.Matrix([[HALF], [HALF]])
    rows = evaluate(Softmax(A), {A: [[0, 0], [1, 1]]})  # column-wise would give 1/(1+e) and e/(1+e)
    assert rows == sp.Matrix([[HALF, HALF], [HALF, HALF]])
    e = sp.E
    mixed = evaluate(Softmax(A), {A: [[0, 1], [0, 0]]})
    assert sp.simplify(mixed - sp.Matrix([[1 / (1 + e), e / (1 + e)], [HALF, HALF]])) == sp.zeros(2)


def test_gradients_are_computed_entry_by_entry() -> None:
    values = {A: M2, x: [[1], [2]]}
    assert evaluate(Grad(T(x) * A * x, x), values) == sp.Matrix([[12], [21]])  # (A + Aᵀ) x
    layer = {W: [[1, 2], [3, 4], [5, 6]], x: [[7], [8]]}
    assert evaluate(Grad(W * x, x), layer) == sp.Matrix(layer[W])
    assert evaluate(Grad(Trace(A * X), X), {A: M2, X: [[0, 0], [0, 0]]}) == sp.Matrix([[1, 3], [2, 4]])  # Aᵀ
    assert evaluate(Grad(s**2 * A, s), {A: M2, s: 3}) == sp.Matrix([[6, 12], [18, 24]])
    assert evaluate(Grad(Norm(x, 2), x), {x: [[3], [4]]}) == sp.Matrix([[sp.Rational(3, 5)], [sp.Rational(4, 5)]])


def test_explicit_values_are_never_text() -> None:
    with pytest.raises(TypeError):
        evaluate(A, {A: [["1", "2"], ["3", "4"]]})
    with pytest.raises(TypeError):
        evaluate(s * A, {A: M2, s: "__import__('os')"})
    with pytest.raises(TypeError):
        evaluate(s * A, {A: M2, s: [["x"]]})


def test_identity_ones_and_zeros_in_context() -> None:
    assert evaluate(A * IDENTITY, {A: [[1, 2, 3], [4, 5, 6]]}) == sp.Matrix([[1, 2, 3], [4, 5, 6]])
    assert evaluate(T(ONES) * x, {x: [[1], [2], [3]]}) == 6
    assert evaluate(W * x + ZEROS, {W: M2, x: [[1], [1]]}) == sp.Matrix([[3], [7]])
    with pytest.raises(Unsupported):
        evaluate(Trace(IDENTITY), {})  # nothing says how large


def test_scalar_functions_of_matrices_need_a_one_by_one_argument() -> None:
    assert evaluate(sp.exp(T(x) * y), {x: [[1], [0]], y: [[2], [1]]}) == sp.exp(2)
    with pytest.raises(Unsupported):
        evaluate(sp.exp(x), {x: [[1], [0]]})


# --- identities ----------------------------------------------------------------------------------

_sq = {A: (n, n), B: (n, n)}
_rect = {A: (m, n), B: (n, m)}
_ns = sp.Symbol("n", positive=True)  # the reader's scalar n, beside the dimension n

IDENTITIES = [  # (name, lhs, rhs, declared, holds)
    ("transpose of a product", T(A * B), T(B) * T(A), {}, True),
    ("transpose of a product, order kept", T(A * B), T(A) * T(B), {}, False),
    ("products do not commute", A * B, B * A, {}, False),
    ("square products do not commute", A * B, B * A, _sq, False),
    ("trace is cyclic", Trace(A * B), Trace(B * A), _rect, True),
    ("trace is not multiplicative", Trace(A * B), Trace(A) * Trace(B), {}, False),
    ("trace is linear", Trace(A + 3 * B), Trace(A) + 3 * Trace(B), {}, True),
    ("squared norm", Norm(x, 2) ** 2, T(x) * x, {}, True),
    ("squared norm, doubled", Norm(x, 2) ** 2, 2 * T(x) * x, {}, False),
    ("Frobenius norm", Norm(A, F) ** 2, Trace(T(A) * A), {A: (m, n)}, True),
    ("Frobenius norm, transpose dropped", Norm(A, F) ** 2, Trace(A * A), {}, False),
    ("inverse and transpose commute", T(Inverse(A)), Inverse(T(A)), {}, True),
    ("transpose dropped", T(Inverse(A)), Inverse(A), {}, False),
    ("inverse of a product", Inverse(A * B), Inverse(B) * Inverse(A), {}, True),
    ("inverse of a product, order kept", Inverse(A * B), Inverse(A) * Inverse(B), {}, False),
    ("inverse on the left", Inverse(A) * A * B, B, {}, True),
    ("inverse on the wrong side", A * B * Inverse(A), B, {}, False),
    ("inverse times itself", A * Inverse(A), IDENTITY, {}, True),
    ("determinant is multiplicative", Det(A * B), Det(A) * Det(B), {}, True),
    ("determinant is not additive", Det(A + B), Det(A) + Det(B), {}, False),
    ("determinant of a multiple", Det(2 * A), 2**_ns * Det(A), {A: (n, n)}, True),
    ("determinant of a multiple, power dropped", Det(2 * A), 2 * Det(A), {A: (n, n)}, False),
    ("quadratic form gradient", Grad(T(x) * A * x, x), (A + T(A)) * x, {}, True),
    ("quadratic form gradient as if symmetric", Grad(T(x) * A * x, x), 2 * A * x, {}, False),
    ("least squares gradient", Grad(HALF * Norm(X * w - y, 2) ** 2, w), T(X) * (X * w - y), {}, True),
    ("least squares gradient, transpose dropped", Grad(HALF * Norm(X * w - y, 2) ** 2, w), X * (X * w - y), {},
     False),
    ("least squares gradient, sign flipped", Grad(HALF * Norm(X * w - y, 2) ** 2, w), T(X) * (y - X * w), {},
     False),
    ("Jacobian of a linear map", Grad(W * x, x), W, {}, True),
    ("Jacobian of a linear map, transposed", Grad(W * x, x), T(W), {}, False),
    ("gradient of a trace", Grad(Trace(A * X), X), T(A), {}, True),
    ("gradient of a trace, transpose dropped", Grad(Trace(A * X), X), A, {}, False),
    ("softmax rows sum to one", Softmax(Q * T(K)) * ONES, ONES, {}, True),
    ("softmax columns do not", T(ONES) * Softmax(Q * T(K)), T(ONES), {}, False),
    ("softmax of a vector sums to one", T(ONES) * Softmax(z), 1, {}, True),
    ("sigmoid is odd about one half", Elementwise(SIGMA, -z), ONES - Elementwise(SIGMA, z), {}, True),
    ("sigmoid is not even", Elementwise(SIGMA, -z), Elementwise(SIGMA, z), {}, False),
    ("sigmoid derivative", Grad(T(ONES) * Elementwise(SIGMA, z), z),
     Hadamard(Elementwise(SIGMA, z), ONES - Elementwise(SIGMA, z)), {}, True),
    ("sigmoid derivative, factor dropped", Grad(T(ONES) * Elementwise(SIGMA, z), z), Elementwise(SIGMA, z), {}, False),
    ("Hadamard product commutes", Hadamard(x, y), Hadamard(y, x), {}, True),
    ("a scalar product is symmetric", T(x) * y, T(y) * x, {}, True),
    ("identity on either side", A * IDENTITY, IDENTITY * A, {A: (m, n)}, True),
    ("ones sum the entries", T(x) * ONES, T(ONES) * x, {}, True),
    ("ones do not average them", T(x) * ONES, T(ONES) * x / _ns, {x: (n, 1)}, False),
    ("the sum of ones", T(mat(r"\mathbf{1}_{n}")) * mat(r"\mathbf{1}_{n}"), _ns, {mat(r"\mathbf{1}_{n}"): (n,)}, True),
    ("a layer is zero only where it is", W * x + b, 0, LAYER, False),
]


@pytest.mark.parametrize("lhs,rhs,declared,holds", [c[1:] for c in IDENTITIES], ids=[c[0] for c in IDENTITIES])
def test_identities_and_their_one_token_wrong_twins(lhs, rhs, declared, holds: bool) -> None:
    result = verdict(lhs, rhs, declared)
    assert (result.holds, result.method) == (holds, "sampled"), result
    if holds:  # a gradient is drawn at fewer points: each costs a derivative per entry
        points = matrices.GRADIENT_POINTS if lhs.has(Grad) or sp.sympify(rhs).has(Grad) else matrices.POINTS
        assert result.detail == f"holds at {points} sampled points"


@pytest.mark.parametrize("lhs,rhs,declared", [
    (T(A * B), T(A) * T(B), {A: (m, n), B: (n, d)}),
    (Grad(HALF * Norm(X * w - y, 2) ** 2, w), X * (X * w - y), {X: (m, n)}),
    (Norm(x, 2) ** 2, x * T(x), {x: (n, 1)}),
    (Grad(W * x, x), T(W), LAYER),
])
def test_with_declared_shapes_the_same_mistakes_are_shape_errors(lhs, rhs, declared) -> None:
    result = verdict(lhs, rhs, declared)
    assert (result.holds, result.method) == (False, "shapes"), result
    assert result.detail.startswith(("cannot", "the sides have different shapes")), result.detail


def test_a_shape_error_inside_a_claim_is_a_failure() -> None:
    result = verdict(W * y + b, b, {**LAYER, y: (m, 1)})
    assert (result.holds, result.method) == (False, "shapes")
    assert result.detail == r"cannot multiply \mathbf{W} (m×n) by \mathbf{y} (m×1): n ≠ m"


def test_not_equal_holds_when_the_sides_differ_at_every_point() -> None:
    assert verdict(A * B, B * A, rel="!=").holds is True
    assert verdict(T(A * B), T(B) * T(A), rel="!=").holds is False
    assert verdict(W, T(W), LAYER, rel="!=").holds is None  # sides of different shapes are not compared
    assert verdict(W * y, W, {**LAYER, y: (m, 1)}, rel="!=").holds is False  # a mismatch inside still is wrong


def test_order_relations_between_scalars() -> None:
    assert verdict(T(x) * x, 0, rel=">=").holds is True
    assert verdict(T(x) * y, Norm(x, 2) * Norm(y, 2), rel="<=").holds is True  # Cauchy–Schwarz
    assert verdict(Norm(x, 1), Norm(x, 2), rel=">=").holds is True
    assert verdict(Norm(x, sp.oo), Norm(x, 1), rel=">").holds is False
    between_matrices = verdict(A, B, rel="<")
    assert between_matrices.holds is None and "only = and ≠" in between_matrices.detail
    assert verdict(T(x) * x, 1, rel="~").holds is None


def test_a_size_nothing_fixes_is_not_guessed() -> None:
    loose = verdict(T(ONES) * ONES, _ns)  # \mathbf{1}ᵀ\mathbf{1} = n: which size of 1?
    assert loose.holds is None and r"\mathbf{1}" in loose.detail
    assert verdict(Trace(IDENTITY), _ns, {IDENTITY: (n, n)}).holds is True


def test_an_undeclared_vector_forced_to_one_entry_is_undecided() -> None:
    result = verdict(Norm(x, 2) ** 2, x * T(x))
    assert result.holds is None and "single row or column" in result.detail


# --- membership ----------------------------------------------------------------------------------


def test_membership_holds_when_the_shapes_agree() -> None:
    result = decide_matrix(W * x + b, "in", None, LAYER, "test", target=(m, 1))
    assert result == Verdict(True, "shapes", r"\mathbf{W} \mathbf{x} + \mathbf{b} is m×1", (), "m×1", "m×1")
    assert decide_matrix(W * y, "in", None, {W: (m, n)}, "test", target=(m,)).holds is True  # y is inferred
    assert decide_matrix(T(x) * W * A, "in", None, {W: (m, n)}, "test", target=(1, d)).holds is True
    assert decide_matrix(T(x) * y, "in", None, {}, "test", target=(1, 1)).holds is True


def test_membership_fails_on_a_different_letter() -> None:
    result = decide_matrix(W * x + b, "in", None, LAYER, "test", target=(n, 1))
    assert (result.holds, result.method) == (False, "shapes")
    assert (result.lhs_value, result.rhs_value) == ("m×1", "n×1")
    assert result.detail == (r"\mathbf{W} \mathbf{x} + \mathbf{b} is m×1, not n×1 "
                             "(m ≠ n: different letters are different dimensions)")
    numbers = decide_matrix(W * x, "in", None, {W: (3, 4)}, "test", target=(4,))
    assert (numbers.holds, numbers.lhs_value, numbers.rhs_value) == (False, "3×1", "4×1")
    assert numbers.detail.endswith("(3 ≠ 4)")


def test_membership_with_a_mismatch_inside() -> None:
    result = decide_matrix(T(x) * W, "in", None, LAYER, "test", target=(1, n))
    assert (result.holds, result.method) == (False, "shapes") and "cannot multiply" in result.detail


def test_membership_needs_a_space() -> None:
    assert decide_matrix(W, "in", None, LAYER, "test").holds is None


# --- counterexamples and determinism ------------------------------------------------------------


def test_a_counterexample_gives_the_sizes_the_matrices_and_both_sides() -> None:
    result = verdict(A * B, B * A, _sq)
    names = [name for name, _ in result.counterexample]
    assert names == ["n", r"\mathbf{A}", r"\mathbf{B}"]
    values = dict(result.counterexample)
    size = int(values["n"])
    a, b_ = matrix(values[r"\mathbf{A}"]), matrix(values[r"\mathbf{B}"])
    assert a.shape == b_.shape == (size, size) and size >= 2
    assert matrix(result.lhs_value) == a * b_ and matrix(result.rhs_value) == b_ * a
    assert result.detail.startswith("the sides differ in entry (")


def test_different_letters_get_different_sizes() -> None:
    identity_m, identity_n = mat(r"\mathbf{I}_{m}"), mat(r"\mathbf{I}_{n}")
    result = verdict(Trace(identity_m), Trace(identity_n), {identity_m: (m, m), identity_n: (n, n)})
    assert result.holds is False and result.lhs_value != result.rhs_value
    values = dict(result.counterexample)
    assert values["m"] != values["n"] and min(int(values["m"]), int(values["n"])) >= 2


def test_more_than_one_size_is_tried() -> None:
    assert verdict(Det(-A), Det(A), {A: (n, n)}).holds is False  # true for even n only
    assert verdict(Det(-A), Det(A)).holds is False
    assert verdict(Det(-A), (-1) ** _ns * Det(A), {A: (n, n)}).holds is True


def test_a_counterexample_gives_the_scalars() -> None:
    result = verdict(s * A, A)
    values = dict(result.counterexample)
    assert result.holds is False and set(values) == {"s", r"\mathbf{A}"}
    assert matrix(result.lhs_value) == sp.Rational(values["s"]) * matrix(values[r"\mathbf{A}"])


def test_scalar_sides_give_numbers() -> None:
    result = verdict(Trace(A * B), Trace(A) * Trace(B))
    assert result.holds is False and "[" not in result.lhs_value and sp.Rational(result.lhs_value) is not None


def test_verdicts_are_deterministic() -> None:
    for lhs, rhs in ((A * B, B * A), (Grad(T(x) * A * x, x), 2 * A * x), (T(A * B), T(B) * T(A))):
        assert verdict(lhs, rhs, seed="one") == verdict(lhs, rhs, seed="one")
    assert verdict(A * B, B * A, seed="one").holds == verdict(A * B, B * A, seed="two").holds is False


def test_show_value() -> None:
    assert show_value(sp.Matrix([[1, sp.Rational(-3, 2)], [2, sp.Rational(1, 3)]])) == "[[1, -3/2], [2, 1/3]]"
    assert show_value(sp.Integer(7)) == "7"
    assert show_value(sp.sqrt(2)) == "≈ 1.414213562"
    assert show_value(sp.ones(8, 8)).count("…") == 7  # six rows of six, each cut, and the rows cut


# --- budget and robustness -----------------------------------------------------------------------


def test_a_huge_declared_matrix_is_decided_by_shapes_or_left_undecided_quickly() -> None:
    big = {W: (1000, 1000), x: (1000, 1)}
    start = time.process_time()
    assert decide_matrix(W * x, "in", None, big, "test", target=(1000, 1)).holds is True
    assert decide_matrix(W * x, "in", None, big, "test", target=(999, 1)).holds is False
    assert verdict(W * x, T(x), big).method == "shapes"
    undecided = verdict(T(W * x), T(x) * T(W), big)
    assert (undecided.holds, undecided.method) == (None, "undecided")
    assert "1000×1000" in undecided.detail and str(MAX_DIM) in undecided.detail
    assert time.process_time() - start < 2


def test_counted_limits() -> None:
    power = verdict(A**100, A)
    many = verdict(sp.Add(*[sp.Symbol(f"a_{{{i}}}", positive=True) * A for i in range(1200)]), A)
    chain = verdict(sp.Mul(*([A, B] * 60)), A, {A: (16, 16)})  # 119 products of 16×16 matrices
    bits = verdict(Det(A) ** (10**9), s)
    for result, why in ((power, "power 100"), (many, "2000 terms"), (chain, "entry operations"), (bits, "bits")):
        assert (result.holds, result.method) == (None, "undecided") and why in result.detail, result


def test_what_is_not_modelled_is_undecided_never_an_exception() -> None:
    f = sp.Function("f")
    odd = [
        (f(x), A, {}), (A**s, A, {}), (Grad(W * X, X), A, {W: (m, n), X: (n, d)}), (Elementwise(s, x), x, {}),
        (Norm(A, 3), s, {A: (m, n)}), (Inverse(x * T(x)), A, {}), (A, B, {A: (0, 2)}), (A, "B", {}),
        (sp.Derivative(s, s) * A, A, {}), (Grad(A, IDENTITY), A, {}),
    ]
    for lhs, rhs, declared in odd:
        result = verdict(lhs, rhs, declared)
        assert result.holds is None and result.method == "undecided" and result.detail, (lhs, result)


def test_a_singular_sample_is_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = []

    def entry(rng) -> sp.Rational:  # A = B at each first draw, A = 2B at the second
        drawn.append(None)
        return sp.Integer(2 if len(drawn) % 4 == 3 else 1)

    monkeypatch.setattr(matrices, "_entry", entry)
    result = verdict(Inverse(A - B) * (A - B), IDENTITY, {A: (1, 1), B: (1, 1)})
    assert result.holds is True and len(drawn) == 4 * 8


def test_an_inverse_singular_at_every_draw_is_undecided() -> None:
    always = verdict(Inverse(x * T(x)) * x, x, {x: (n, 1)})  # rank one: singular at every draw
    assert always.holds is None and "defined at only 0" in always.detail


def test_broadcasting_repeats_a_vector_along_the_missing_axis() -> None:
    column, row = {A: M2, b: [[10], [20]]}, {A: M2, b: [[10], [20]]}
    assert evaluate(A + b, column) == sp.Matrix([[11, 12], [23, 24]])  # b added to every column
    assert evaluate(A + T(b), row) == sp.Matrix([[11, 22], [13, 24]])  # bᵀ added to every row


def test_operations_on_a_one_by_one_product_act_on_the_number() -> None:
    v = {x: [[1], [-2]]}  # xᵀx = 5
    assert evaluate(Softmax(T(x) * x), v) == 1
    assert evaluate(Hadamard(T(x) * x, T(x) * x), v) == 25
    assert evaluate(Norm(T(x) * x, 2), v) == 5


def test_messages_write_absolute_values_infinity_and_roots_as_latex() -> None:
    assert author_latex(sp.Abs(t)) == r"\lvert t \rvert"
    assert author_latex(sp.oo) == r"\infty"
    assert author_latex(sp.sqrt(t + 1)) == r"\sqrt{t + 1}"


def test_matrices_written_out_have_their_size_and_never_commute() -> None:
    from ankigen.check.matrices import Literal

    left, column = Literal(2, 2, 1, 2, 3, 4), Literal(2, 1, 5, 6)
    assert is_matrix(left) and shape_of(left * column, {}) == (2, 1)
    assert left * column != column * left  # a written matrix is never moved past another
    with pytest.raises(ShapeError, match="cannot multiply"):
        infer_shapes([column * left], {})
    with pytest.raises(Unsupported, match="matrix of matrices"):
        infer_shapes([Literal(1, 2, A, 1)], {A: (2, 2)})
    assert author_latex(left) == r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}"


def test_matrices_written_out_are_computed_exactly() -> None:
    from ankigen.check.matrices import Literal

    left, column = Literal(2, 2, 1, 2, 3, 4), Literal(2, 1, 5, 6)
    holds = decide_matrix(left * column, "=", Literal(2, 1, 17, 39), {}, "t")
    assert holds.holds and holds.method == "exact"
    wrong = decide_matrix(left * column, "=", Literal(2, 1, 17, 38), {}, "t")
    assert wrong.holds is False and wrong.rhs_value == "[[17], [38]]" and wrong.method == "exact"
    singular = decide_matrix(Inverse(Literal(2, 2, 1, 2, 2, 4)), "=", left, {}, "t")
    assert singular.holds is None and "singular" in singular.detail
    assert decide_matrix(Det(left), "=", -2, {}, "t").holds
    assert decide_matrix(Inverse(left), "=", HALF * Literal(2, 2, -4, 2, 3, -1), {}, "t").holds
    assert decide_matrix(T(left), "=", left, {}, "t").holds is False
    # entries rounded to two places: less than a unit in the last place apart holds, a unit apart does not
    rounded = Literal(1, 1, sp.Rational(295, 1000))
    product = Literal(1, 1, sp.Rational(31, 100)) * Literal(1, 1, sp.Rational(95, 100))
    assert decide_matrix(product, "=", rounded, {}, "t", tolerance=sp.Rational(1, 100)).holds
    assert decide_matrix(product, "=", rounded, {}, "t").holds is False
    assert decide_matrix(product, "=", Literal(1, 1, sp.Rational(3045, 10000)), {}, "t",
                         tolerance=sp.Rational(1, 100)).holds is False


def test_a_claim_that_inverts_a_matrix_of_two_letters_is_about_a_square_one() -> None:
    assert decide_matrix(Inverse(T(W)), "=", T(Inverse(W)), LAYER, "t").holds
    assert decide_matrix(Inverse(T(W)), "=", Inverse(W), LAYER, "t").holds is False
    with pytest.raises(ShapeError, match="not square"):
        infer_shapes([Inverse(W)], LAYER)  # a definition or a shape asked for: still a mismatch
    fixed = {W: (3, 2)}
    assert decide_matrix(Inverse(T(W)), "=", T(Inverse(W)), fixed, "t").method == "shapes"
