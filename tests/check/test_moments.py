"""Identities of moments: what their form claims, and how the sampled distributions decide them."""

from __future__ import annotations

import sympy as sp

from ankigen.check.moments import calls, decide, identity

E, Var, Cov = sp.Function(r"\mathbb{E}"), sp.Function(r"\mathrm{Var}"), sp.Function(r"\mathrm{Cov}")
X, Y, c = sp.symbols("X Y c", positive=True)


def test_the_form_of_an_identity() -> None:
    assert calls(None) == []
    assert identity("=", Var(X), E(X**2) - E(X) ** 2)
    assert not identity("<=", E(X) ** 2, E(X**2))  # Jensen's: no equation
    assert not identity("=", E(X), sp.Integer(0))  # a side without an expectation: a property
    assert not identity("=", Var(c * X), c**2 * Var(X) + Y)  # Y only outside
    assert not identity("=", Cov(X), Var(X))  # a covariance of one argument
    assert not identity("=", E(sp.Derivative(X, c)), E(X))


def test_a_wrong_identity_fails_with_a_distribution() -> None:
    verdict = decide(Var(X), E(X**2) + E(X) ** 2, independent=False)
    assert verdict.holds is False and verdict.counterexample[0][0] == "X"


def test_independence_said_or_not() -> None:
    assert decide(Var(X + Y), Var(X) + Var(Y), independent=True).holds is True
    assert decide(Var(X + Y), Var(X) + Var(Y), independent=False).method == "ambiguous"


def test_nothing_random_or_nothing_defined() -> None:
    assert decide(E(c), c, independent=False).method == "unclaimed"
    assert decide(E(X) / (E(X) - E(X)), E(X), independent=False).method == "undecided"
