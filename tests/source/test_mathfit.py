"""Where display formulas break on a phone, and the width estimate that sizes formulas there."""

from __future__ import annotations

import pytest

from ankigen.source.mathfit import rows, statements, width
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
    # A wide formula's phone line is a display block: its punctuation goes inside, after the last row.
    (r'<span class="math-wide ag-wide">\(x\)</span><span class="math ag-narrow">\[\begin{aligned}a \\ b\end{aligned}\]</span>，然后',
     r'<span class="math-wide ag-wide"><span class="nobr">\(x\)，</span></span><span class="math ag-narrow">'
     r'\[\begin{aligned}a \\ b\,\text{，}\end{aligned}\]</span>然后'),
    # Code shows what was written.
    (r"<pre><code>\(x\)；</code></pre>", r"<pre><code>\(x\)；</code></pre>"),
])
def test_punctuation_stays_with_its_formula(html: str, glued: str) -> None:
    assert glue_punctuation(html) == glued


def _rows(latex: str, limit: float = 17.0) -> list[str]:
    found = rows(latex, limit)
    assert found is not None, latex
    tex, widest = found
    assert tex.startswith("\\begin{aligned}") and tex.endswith("\\end{aligned}")
    assert widest <= limit + 1.5, (latex, widest)
    return [r.strip() for r in tex[len("\\begin{aligned}"):-len("\\end{aligned}")].split("\\\\")]


def test_a_derivation_breaks_before_each_relation_and_lines_up_on_it() -> None:
    assert _rows(r"\frac{d\sigma}{dx} = \frac{e^{-x}}{(1+e^{-x})^2} = \frac{1}{1+e^{-x}} \cdot \frac{e^{-x}}{1+e^{-x}}"
                 r" = \sigma(x)(1-\sigma(x))") == [
        r"\frac{d\sigma}{dx} &= \frac{e^{-x}}{(1+e^{-x})^2}",
        r"&= \frac{1}{1+e^{-x}} \cdot \frac{e^{-x}}{1+e^{-x}}",
        r"&= \sigma(x)(1-\sigma(x))"]


def test_a_sum_too_wide_for_its_row_continues_hung_under_it() -> None:
    got = _rows(r"P = 2{,}469{,}696 + 58{,}631{,}144 + 16{,}781{,}312 + 4{,}097{,}000 = 81{,}979{,}152")
    assert got[0].startswith("P &= 2{,}469{,}696")
    assert any(r.startswith(r"&\quad {}+") for r in got)
    assert got[-1] == r"&= 81{,}979{,}152"
    # A product of long sums breaks inside its plain parentheses (TeX does not pair them).
    got = _rows(r"M = 9 \times (112^2 \times 32 + 56^2 \times (64 + 128) + 28^2 \times (128 + 256) + 7^2 \times 1024)")
    assert len(got) >= 3 and got[0].startswith(r"M &= 9 \times (")


def test_a_long_left_side_stands_alone() -> None:
    got = _rows(r"\text{Attention}(Q, K, V) = \text{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V")
    assert got == [r"&\text{Attention}(Q, K, V)", r"&\quad {}= \text{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V"]


@pytest.mark.parametrize("latex", [
    r"a = b",  # fits
    r"\begin{aligned} a &= b + c + d + e + f + g + h + i + j + k + l + m \\ &= 1 \end{aligned}",  # the author's rows
    r"\sqrt{(1-(-1))^2 + (-1-1)^2 + (1-1)^2 + (-1-(-1))^2 + (1-(-1))^2 + (-1-1)^2 + (1-1)^2}",  # one term
])
def test_what_cannot_or_need_not_break_stays_whole(latex: str) -> None:
    assert rows(latex, 17.0) is None


def test_a_formula_of_generated_length_is_neither_measured_nor_broken() -> None:
    """A sum of 5,000 terms (a generated dump) scrolls as written: breaking it into rows would give
    thousands of rows, and measuring it cost seconds a megabyte."""
    huge = "S = " + " + ".join(f"a_{{{i}}}" for i in range(5000))
    assert rows(huge, 17.0) is None and statements(huge) == (huge,)
    assert width(huge) > 10_000
    shorter = "S = " + " + ".join(f"a_{{{i}}}" for i in range(500))
    assert rows(shorter, 17.0) is not None  # measured and broken as before


@pytest.mark.parametrize("latex, inside", [
    # Relations inside groups, \left…\right and deletions are not the formula's own.
    (r"\sum_{i=1}^{n} x_i + \left(a = b + c\right) = {{c1::y = z + w + v}} + q + r + s + t + u", None),
    (r"x \overset{(a)}{=} y_1 + y_2 + y_3 + y_4 + y_5 \le z_1 + z_2 + z_3 + z_4 + z_5 + z_6", r"&\overset{(a)}{=}"),
    (r"f(x) := a_1 + a_2 + a_3 + a_4 + a_5 + a_6 + a_7 + a_8 + a_9 + a_{10} + a_{11}", None),
])
def test_breaks_only_at_the_formulas_own_relations(latex: str, inside: str | None) -> None:
    got = _rows(latex)
    joined = " ".join(got)
    assert "{{c1::y = z + w + v}}" in joined or "{{c1" not in latex
    assert "\\left(a = b + c\\right)" in joined or "\\left(" not in latex
    assert "_{i=1}" in joined or "_{i=1}" not in latex
    if inside:
        assert any(r.lstrip("x ").startswith(inside) for r in got), got
    assert ":=" in joined or ":=" not in latex
