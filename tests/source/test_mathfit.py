"""Where display formulas break on a phone, and the width estimate that sizes formulas there."""

from __future__ import annotations

import pytest

from ankigen.source.mathfit import statements, width
from ankigen.source.markdown import glue_punctuation


@pytest.mark.parametrize("latex, pieces", [
    (r"\sigma(x) = \frac{1}{1+e^{-x}}, \quad \sigma'(x) = \sigma(x)(1 - \sigma(x))",
     [r"\sigma(x) = \frac{1}{1+e^{-x}},", r"\sigma'(x) = \sigma(x)(1 - \sigma(x))"]),
    (r"H = 112; W = 112", ["H = 112;", "W = 112"]),
    (r"a = 1 \qquad b = 2", ["a = 1", "b = 2"]),
    # Commas inside brackets, braces and \left…\right belong to the formula.
    (r"V(D, G) = \max_{i, j} \left( a, b \right)", [r"V(D, G) = \max_{i, j} \left( a, b \right)"]),
    # A list is not a set of statements: its pieces would be single symbols.
    (r"x_1, x_2, x_3", [r"x_1, x_2, x_3"]),
    # Rows and columns are the author's layout.
    (r"\begin{aligned} a &= 1, \\ b &= 2 \end{aligned}", [r"\begin{aligned} a &= 1, \\ b &= 2 \end{aligned}"]),
    (r"y = {{c1::2x, 3}}", [r"y = {{c1::2x, 3}}"]),
])
def test_statements(latex: str, pieces: list[str]) -> None:
    assert statements(latex) == tuple(pieces)


def test_width_grows_with_what_is_drawn() -> None:
    assert width("x") < width("x + y") < width(r"x + y + \frac{a}{b}")
    # A fraction is as wide as its wider part, not both.
    assert width(r"\frac{a+b+c}{d}") < width("a+b+c+d")
    # Rows stand one under the other; an environment's name is not drawn.
    assert width(r"\begin{aligned} a &= b \\ c &= d \end{aligned}") == pytest.approx(width("a = b"), abs=0.1)
    # An environment inside a line (a binomial as an array) is one column of that line, not a
    # place where the whole formula breaks into rows.
    line = r"x + y + \left(\begin{array}{c} n \\ j \end{array}\right) + z + w"
    assert width(line) == pytest.approx(width(r"x + y + \left( n \right) + z + w"), abs=0.1)
    assert width(r"a \\[2pt] b + c") == pytest.approx(width("b + c"), abs=0.1)
    assert width(r"\text{学习率}") > width(r"\text{lr}")
    # Inline fractions are smaller than display ones.
    assert width(r"\frac{a+b}{c}", display=False) < width(r"\frac{a+b}{c}")


def test_gan_objective_is_too_wide_for_a_phone_line() -> None:
    # Measured in Chromium with Anki's MathJax: 34 em; a 360 px phone line holds about 18.
    gan = r"\min_G \max_D V(D, G) = \mathbb{E}_{x \sim p_{data}}[\log D(x)] + \mathbb{E}_{z}[\log(1 - D(G(z)))]"
    assert 28 < width(gan, display=False) < 40
    assert width(r"K \times K", display=False) < 5


@pytest.mark.parametrize("html, glued", [
    (r"<p>是 \(x\)；然后</p>", r'<p>是 <span class="nobr">\(x\)；</span>然后</p>'),
    (r'<span class="math-wide">\(x\)</span>。', r'<span class="math-wide">\(x\)。</span>'),
    (r"<p>\(a\) 和 \(b\)</p>", r"<p>\(a\) 和 \(b\)</p>"),
    # Code shows what was written.
    (r"<pre><code>\(x\)；</code></pre>", r"<pre><code>\(x\)；</code></pre>"),
])
def test_punctuation_stays_with_its_formula(html: str, glued: str) -> None:
    assert glue_punctuation(html) == glued
