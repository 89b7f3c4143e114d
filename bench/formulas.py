"""A formula-heavy deck, built cold: the PDF of ~350 cards with ~800 display formulas.

Usage: python bench/formulas.py [--cards 350]
Templates write @ for the card's number. The formulas are varied real LaTeX (fractions, sums, matrices, cases, aligned, accents, \\mathbb,
\\bigcap, \\operatorname, …) and a few that Typst math cannot take (drawn by ziamath) or that
nothing can draw (printed as source, O004). The build is a fresh process with no cache; "peak MB"
is the largest sum of the resident memory of ankigen and its Typst workers (bench/run.py).
Target: the PDF in at most 30 s and 1 GiB.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run import run_build  # noqa: E402

FORMULAS = [
    r"\frac{\partial L}{\partial w_{@}} = \frac{1}{m} \sum_{i=1}^{m} (\hat{y}_i - y_i) x_i^{(@)}",
    r"\sigma(z_{@}) = \frac{1}{1 + e^{-z_{@}}}",
    r"\mathbb{E}_{x \sim p}[f(x)] = \int_{\mathbb{R}} f(x) p(x) \, dx + @",
    r"\begin{bmatrix} a_{@} & b \\ c & d \end{bmatrix}^{-1} = \frac{1}{ad - bc} "
    r"\begin{bmatrix} d & -b \\ -c & a_{@} \end{bmatrix}",
    r"f_{@}(x) = \begin{cases} x & x > 0 \\ \alpha (e^x - 1) & x \le 0 \end{cases}",
    r"\begin{aligned} m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\ "
    r"v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 + @ \end{aligned}",
    r"\bigcap_{k=1}^{@} A_k \subseteq \bigcup_{k=1}^{@} A_k",
    r"\operatorname{softmax}(z)_{@} = \frac{e^{z_{@}}}{\sum_j e^{z_j}}",
    r"\hat{\theta}_{@} = \arg\min_\theta \left\| X\theta - y \right\|_2^2 + \lambda \|\theta\|_1",
    r"\mathrm{Attention}(Q, K, V) = \operatorname{softmax}\left(\frac{Q K^\top}{\sqrt{d_{@}}}\right) V",
    r"\tilde{x}_{@} = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \quad y = \gamma \tilde{x} + \beta",
    r"\prod_{i=1}^{@} \left(1 + \frac{1}{i}\right) = @ + 1",
    r"\mathop{\text{lcm}}(@, 6) \cdot \gcd(@, 6) = 6 \cdot @",
    r"\vec{v}_{@} \cdot \vec{w} = \|\vec{v}\| \, \|\vec{w}\| \cos \theta",
    r"\lim_{x \to 0} \frac{\sin @ x}{x} = @",
    r"\binom{@}{2} = \frac{@(@ - 1)}{2}",
]
# Typst math cannot take these (the translation refuses them): ziamath draws them
DRAWN = [
    r"A \xrightarrow{f_{@}} B",
    r"x_{@} \overset{\text{def}}{=} \lim_{t \to \infty} x_t",
]
# nothing can draw this: printed as LaTeX source with a warning (O004)
SOURCE_ONLY = r"\mathop{\text{}}"


def card(n: int) -> str:
    formulas = [FORMULAS[(n + j) % len(FORMULAS)].replace("@", str(n)) for j in range(2)]
    if n % 3 == 0:
        formulas.append(FORMULAS[(n + 7) % len(FORMULAS)].replace("@", str(n + 1000)))
    if n % 25 == 0:
        formulas.append(DRAWN[n // 25 % len(DRAWN)].replace("@", str(n)))
    if n == 7:
        formulas.append(SOURCE_ONLY)
    body = "\n\n".join(f"$$\n{f}\n$$" for f in formulas)
    return (f"## 第 {n} 题：这个公式说的是什么？ {{#formula-{n}}}\n\n"
            f"行内的 $x_{{{n}}}^2 + \\alpha$ 与下面的推导：\n\n{body}\n\n"
            f"这张卡片的说明文字，第 {n} 张。\n")


def generate(folder: Path, count: int) -> int:
    """Write the deck; the number of display formulas."""
    folder.mkdir(parents=True, exist_ok=True)
    cards = [card(n) for n in range(count)]
    for start in range(0, count, 50):
        text = "---\ndeck: Formulas::第 {0} 组\ncheck: off\n---\n\n".format(start // 50 + 1)
        (folder / f"f{start // 50:02d}.md").write_text(text + "\n".join(cards[start:start + 50]), encoding="utf-8")
    return sum(c.count("$$\n") for c in cards) // 2  # each formula opens and closes with $$ on a line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=350)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ankigen-formulas-") as tmp:
        project = Path(tmp)
        (project / "pyproject.toml").write_text(
            '[tool.ankigen]\nroot_deck = "Formulas"\nnamespace = "ankigen-bench"\n', encoding="utf-8")
        formulas = generate(project / "cards_src", args.cards)
        result = run_build(project, pdf=True)
        pdf = result["stages"].get("pdf", {})
        print(f"{args.cards} cards, {formulas} display formulas, cold build")
        print(f"  total {result['total']:.2f} s, pdf stage {pdf.get('seconds', 0):.2f} s, "
              f"peak {result['peak_mb']:.0f} MB (ankigen + Typst workers)")
        print(f"  PDF {(project / 'dist/Formulas.pdf').stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
