"""The LaTeX-math parser: the documented subset, and safety on any input."""

from __future__ import annotations

import re


import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest

from ankigen.check.reader import parse_expression, symbol
from ankigen.check.tokens import MathError
from strategies import expressions

x, K, C_in, C_out = symbol("x"), symbol("K"), symbol("C_{in}"), symbol("C_{out}")

CASES = [
    (r"K^2 C_{in} C_{out}", K**2 * C_in * C_out),
    (r"\frac{1}{C_{out}} + \frac{1}{K^2}", 1 / C_out + 1 / K**2),
    (r"L (K - 1)", symbol("L") * (K - 1)),
    (r"\left\lfloor \frac{224 - 3 + 2}{2} \right\rfloor + 1", sp.Integer(112)),
    (r"\lceil 2.5 \rceil", sp.Integer(3)),
    (r"1.5", sp.Rational(3, 2)),
    (r"10^{-7}", sp.Rational(1, 10**7)),
    (r"e^{x}", sp.exp(x)),
    (r"\pi", sp.pi),
    (r"\sqrt[3]{27}", sp.Integer(3)),
    (r"\sqrt{x}", sp.sqrt(x)),
    (r"\log_2 8", sp.Integer(3)),
    (r"\ln(e)", sp.Integer(1)),
    (r"\frac12", sp.Rational(1, 2)),
    (r"2 \cdot 3 \times 4 * 5 / 6", sp.Integer(20)),
    (r"\sigma", symbol(r"\sigma")),
    (r"\alpha_1 \beta_{t}", symbol(r"\alpha_{1}") * symbol(r"\beta_{t}")),
    (r"\sum_{i=1}^{4} i^2", sp.Integer(30)),
    (r"\prod_{i=1}^{4} i", sp.Integer(24)),
    (r"\max(0, -3)", sp.Integer(0)),
    (r"\bigl( 1 + 2 \bigr)", sp.Integer(3)),
    (r"\binom{5}{2}", sp.Integer(10)),
    (r"\frac{d}{dx} x^3", 3 * x**2),
    (r"\mathrm{FLOPs}_{dw}", symbol(r"\mathrm{FLOPs}_{dw}")),
    (r"-x^2", -(x**2)),
    (r"2^{3^2}", sp.Integer(512)),
    (r"3 × 4 − 2", sp.Integer(10)),
    (r"\mathrm{e}^{0} + \mathrm{i} \imath", sp.Integer(0)),
    (r"\infty > 0", None),
    (r"\sqrt[3]{8} + \binom{4}{2} + \lvert -2 \rvert + \{1 + 1\}", sp.Integer(12)),
    (r"\hat{y}_i \bar{x}", symbol(r"\hat{y}_{i}") * symbol(r"\bar{x}")),
    (r"\Delta x + \Delta x", 2 * symbol(r"\Delta x")),
    (r"\sum^{3}_{i=1} i", sp.Integer(6)),
    (r"\prod\limits_{k=1}^{3} 2", sp.Integer(8)),
    (r"\operatorname{relu}(-2) + \mathrm{abs}(-3)", sp.Integer(3)),
    (r"\text{FLOPs}", symbol(r"\mathrm{FLOPs}")),
    (r"12\%", sp.Rational(3, 25)),
    (r"61{,}100{,}840", sp.Integer(61100840)),
    (r"2.5e3", sp.Integer(2500)),
    (r"x^{\prime} + x'", symbol(r"x^{\prime}") + symbol("x'")),
    (r"\underbrace{2 + 2}_{\text{four}}", sp.Integer(4)),
    (r"\frac{\text{d}}{\text{d} x} x^3", 3 * x**2),
    (r"\frac{\operatorname{d} (x^2)}{\operatorname{d} x}", 2 * x),
    (r"\int_0^1 x^2 \,\text{d}x", sp.Rational(1, 3)),
    (r"\iint x y \,dx\,dy", x**2 * symbol("y") ** 2 / 4),
    (r"\int \int x y \,dx\,dy", x**2 * symbol("y") ** 2 / 4),
    (r"\int_0^1 \int_0^2 x y \,dx\,dy", sp.Integer(1)),
    (r"\frac{\partial^2 (x^2 y^3)}{\partial x \, \partial y}", 6 * x * symbol("y") ** 2),
    (r"\lim_{x \to 0^+} x \ln x", sp.Integer(0)),
    (r"\sum_{j \ne 2}^{4} j", sp.Integer(8)),
    (r"\prod_{j \neq 2}^{4} j", sp.Integer(12)),
    (r"\langle 2, 3 \rangle", sp.Integer(6)),
    # a decimal exponent's exact root would be of order 10^9: its value is taken to 30 digits instead
    (r"e^{-1.105905967}", sp.exp(-sp.Float("1.105905967", 30))),
]


@pytest.mark.parametrize("text,value", [c for c in CASES if c[1] is not None], ids=[c[0] for c in CASES if c[1] is not None])
def test_parses_documented_subset(text: str, value: sp.Expr) -> None:
    got = parse_expression(text)
    assert sp.simplify(got.doit() - value) == 0


REFUSED = [
    (r"\frac{1}{2", "expected '}'"),
    (r"x^23", "needs braces"),
    (r"2 3", "without an operator"),
    (r"10^{10^{10}}", "too large"),
    (r"2^{2^{2^{2^{2}}}}", "too large"),
    (r"70000!", "factorial"),
    (r"\frac{d^{7} y}{dx^{7}}", "derivative of this order"),
    (r"\text{if}", "text inside a formula"),
    (r"\int_0^1 x", "without its differential"),
    (r"\int_0 x\,dx", "both bounds"),
    (r"\lim x", "variable and target"),
    (r"\lim_{x} x", "read as"),
    (r"__import__('os')", "unexpected"),
    (r"\frac{1}{0}", "division by zero"),
    (r"x_{}", "empty subscript"),
    (r"x_{12", "never closed"),
    (r"x_12", "needs braces"),
    (r"x_+", "expected a subscript"),
    (r"\hat{x + y}", "not read"),
    (r"\hat{x", "never closed"),
    (r"\mathrm{a+b}", "only letters"),
    (r"\mathrm{ab", "never closed"),
    (r"\mathrm{d}x", "not read"),
    (r"\sum_{x > 1} x", "not read"),
    (r"\sum x", "without an index"),
    (r"\oint_C x \, dx", "not read"),
    (r"\iint x y", "double integral"),
    (r"\sum_{2} x", "not read"),
    (r"\det(2)", "of a number is not read"),
    (r"\sum_{i=1)}^{3} i", "in the index of"),
    (r"\iint dx\,dy\, x", "double integral"),
    (r"\iint x y \,dx", "double integral"),
    (r"\frac{\partial^3 f}{\partial x^2}", "orders of a derivative do not add up"),
    (r"\frac{d^2 y}{dx\,dx\,dt}", "orders of a derivative do not add up"),
    (r"\frac{\partial^2 L}{\partial \mathbf{W}^2}", "by a vector of higher order"),
    (r"\lim_{x \to } x", "needs a target"),
    (r"\lim_{x \to 0} x )", "unexpected ')'"),
    (r"\int_0^1 x = 1 \, dx", "without its differential"),
    (r"(1, 2) = 3", "unexpected"),
    (r"\begin{Vmatrix} 1 \end{Vmatrix}", "not read inside an expression"),
    (r"@nothing(x=1)", "unknown reference"),
    (r"x^{20000}", "exponent too large"),
    (r"1e400", "exponent too large"),
    ("1" + "0" * 4000, "longer than"),
    ("(" * 3000 + "x" + ")" * 3000, "longer than"),
    ("(" * 1000 + "x" + ")" * 1000, "nested"),
    ("x" + "^{x" * 500 + "}" * 500, "nested"),
    (r"\sqrt{" * 200 + "2" + "}" * 200, "nested"),
]


@pytest.mark.parametrize("text,message", REFUSED, ids=[r[0][:30] for r in REFUSED])
def test_refuses_with_a_located_error(text: str, message: str) -> None:
    with pytest.raises(MathError) as info:
        parse_expression(text)
    assert message in info.value.message
    assert 0 <= info.value.offset <= len(text)


@pytest.mark.parametrize("text,message", [(r"@rf(3)", "argument name"), (r"@conv_out(W=2, K=5)", "does not fit"),
                                          (r"@conv_out(W=2.5, K=1)", "whole number")])
def test_reference_calls_are_checked(text: str, message: str) -> None:
    from ankigen.check.reader import Scope
    from ankigen.check.reference import REFERENCES

    with pytest.raises(MathError) as info:
        parse_expression(text, Scope(references=REFERENCES))
    assert message in info.value.message


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("xyK_{}()[]^+-*/=<>0123456789.\\ fracsqrtlogsum!|,&%'")), max_size=60))
def test_never_raises_anything_but_math_error_on_latexish_text(text: str) -> None:
    try:
        parse_expression(text)
    except MathError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_never_raises_anything_but_math_error_on_arbitrary_text(text: str) -> None:
    try:
        parse_expression(text)
    except MathError:
        pass




@settings(max_examples=200, deadline=None)
@given(expressions(8))
def test_round_trip_through_sympy_latex(expr: sp.Expr) -> None:
    text = sp.latex(expr)
    back = parse_expression(text)
    assert sp.simplify(back - expr) == 0, text


@pytest.mark.parametrize("text,shown", [
    (r"\mathcal{L}(x)", r"\mathcal{L}(x)"),  # a calligraphic name applied: the card's function
    (r"\mathfrak{g} + \mathfrak{g}", r"2*\mathfrak{g}"),
    (r"\mathscr{D} + 1", r"\mathcal{D} + 1"),  # \mathscr and \mathcal are one name
    (r"\mathbb{E} X", r"\mathbb{E}(X)"),  # an expectation of the next factor, without brackets
    (r"\max_{x}^{n} x", "Opaque(max_{x}, x)"),
    (r"\underset{x}{\min} x", "Opaque(min_{x}, x)"),
    (r"\underset{n \to \infty}{a} b", "a*b"),  # any other \underset is what it decorates
    (r"P(X \in A)", r"P(Opaque(event \in, X, A))"),
    (r"(1, 2,)", "(1, 2)"),  # a trailing comma ends the tuple
    (r"\{ (a), b \}", r"Opaque(\{( a ) , b\})"),  # a set, one per way it is written
    (r"\begin{cases} 1 & \text{if positive} \\ 0 & \text{otherwise} \end{cases}",
     "Opaque(cases, 1, 0, Opaque(a condition in words, if positive))"),
    (r"\begin{cases} x & x > y \\ 0 & \text{otherwise} \end{cases}", "Piecewise((x, x > y), (0, True))"),
])
def test_reads_names_operators_sets_and_cases(text: str, shown: str) -> None:
    assert str(parse_expression(text)) == shown


@pytest.mark.parametrize("text,message", [
    (r"\mathcal{AB}", "more than one letter"),
    (r"\underset{x}{a +}", "where a value was expected"),
    (r"\{ a", "never closed"),
    (r"\begin{cases} \end{cases}", "empty 'cases'"),
    (r"\begin{cases} 1 & x > 0", "never ended"),
    (r"\begin{cases} 1 & x \in A \\ 0 & \text{otherwise} \end{cases}", "< ≤ > ≥ = ≠ only"),
    (r"\begin{cases} & x > 0 \\ 0 & x \le 0 \end{cases}", "an empty case"),
    (r"\begin{cases} 1 ) & x > 0 \\ 0 & x \le 0 \end{cases}", "in a case"),
    (r"\frac{\langle x, y \rangle}{\|x\| \|y\|}", "letters not declared as vectors"),
])
def test_refuses_names_sets_and_cases_it_cannot_read(text: str, message: str) -> None:
    with pytest.raises(MathError, match=re.escape(message)):
        parse_expression(text)


@pytest.mark.parametrize("text,shown", [
    (r"\mathbf{A}^\mathsf{T} \mathbf{B}", r"Transpose(\mathbf{A})*\mathbf{B}"),  # not A to the power T
    (r"\mathbf{A}^\mathrm{T}", r"Transpose(\mathbf{A})"),
    (r"\mathbf{A}^\mathsf T", r"Transpose(\mathbf{A})"),
    (r"\mathbf{A}^{-T} + \mathbf{A}^{-\top}", r"2*Inverse(Transpose(\mathbf{A}))"),
    (r"\mathbf{\hat x}", r"\mathbf{\hat{x}}"),  # the estimate, a name apart from x
    (r"\mathbf{w}^* + \mathbf{w}^{*}", r"2*\mathbf{w}^{*}"),  # the optimum: a name
    (r"\mathbf{w}' - \mathbf{w}'", "0"),
    (r"\mathbf{z}^{(l)}", r"\mathbf{z}^{(l)}"),
    (r"\sum_{i=1}^{n} \mathbf{x}_i", r"Sum(Member(\mathbf{x}_{\cdot}, i), (i, 1, n))"),  # each its own vector
    (r"\sum_{t=2}^{n} \mathbf{h}_{t-1}", r"Sum(Member(\mathbf{h}_{\cdot}, t - 1), (t, 2, n))"),
    (r"\sum_{i=1}^{n} \mathbf{x}_{y_i}", r"Sum(Opaque(\mathbf{x}_{y_i}), (i, 1, n))"),
    (r"||\mathbf{x}|| - \left\| \mathbf{x} \right\|", "0"),
    (r"\|\mathbf{x}\|_{\text{F}}", r"Norm(\mathbf{x}, F)"),
    (r"\langle \mathbf{x}, \mathbf{y} \rangle", r"Transpose(\mathbf{x})*\mathbf{y}"),
    (r"\nabla f(x)", r"Opaque(\nabla, f(x))"),  # by which variable is not said
])
def test_reads_vectors_as_notes_write_them(text: str, shown: str) -> None:
    assert str(parse_expression(text)) == shown


@pytest.mark.parametrize("text,message", [
    (r"\mathbf{x + y}", "of an expression is not read"),
    (r"\|\mathbf{x}\|_{3}", "subscript '3' is not read"),
    (r"\nabla_{\mathbf{x} +} f", "variable '+' of a gradient"),
])
def test_refuses_vector_notation_it_cannot_read(text: str, message: str) -> None:
    with pytest.raises(MathError, match=re.escape(message)):
        parse_expression(text)
