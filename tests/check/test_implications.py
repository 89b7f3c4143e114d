"""The letter a step of solving solves for, read from the form of the two equations."""

from __future__ import annotations

import sympy as sp

from ankigen.check.implications import decide, unknown_of

p, z, a, b = sp.symbols("p z a b", positive=True)


def test_the_letter_the_second_equation_isolates_is_the_unknown() -> None:
    assert unknown_of((p / (1 - p), sp.exp(z)), (p, sp.exp(z) * (1 - p)), set()) == "p"


def test_two_shared_letters_and_nothing_isolated_name_no_unknown() -> None:
    assert unknown_of((a + b, sp.Integer(7)), (2 * a + 2 * b, sp.Integer(14)), set()) == ""


def test_letters_with_a_transpose_are_vectors_and_name_no_unknown() -> None:
    # μ^T A = κ Y^T X ⟹ A μ = κ X^T Y with A defined: κ would be the only letter left to solve for
    m, mt, big_a, k, x, xt, y, yt = sp.symbols(r"\mu \mu^{T} A \kappa X X^{T} Y Y^{T}", positive=True)
    assert unknown_of((mt * big_a, k * yt * x), (big_a * m, k * xt * y), {"A"}) == ""


def test_a_step_that_loses_the_solution_fails_and_gives_it() -> None:
    verdict = decide(3 * a + 6 - 21, a - 4, "a")
    assert verdict.holds is False and ("a", "5.00000, which solves the first equation") in verdict.counterexample
    assert decide(3 * a + 6 - 21, a - 5, "a").holds is True
