"""Card Markdown to Typst markup: whatever inline Markdown a card holds, its paragraph typesets.

Other people's notes put `(…)` right after `**bold**`, `` `code` `` or `~~struck~~`; Typst read
that as a call of the content before it and the whole PDF failed. Formulas and images are
stood in for by code expressions (`#box[…]`), the form that is easiest to continue by mistake.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typst
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ankigen.pdf.markup import to_blocks

PIECES = ["**", "*", "_", "__", "`", "~~", "(", ")", "[", "]", "{", "}", ";", "#", "$", "\\", "\"", "'",
          "<", ">", "@", "=", "-", "+", "/", ".", ":", ",", "!", "|", "&", "%", "x", "术语", "term", " ",
          "\n", "\n\n", "\n- ", "\n1. ", "\n> ", "0", "9", "![a](b.png)", "[link](http://x)", "<br>",
          "$x$", "$$y$$", "\\(", "\\)", "{{c1::", "::", "}}", "\t", "\u3000", "。", "（", "）",
          "<sup>", "</sup>", "<b>", "</b>", "<span>", "</span>", "<u>", "</i>", "<!-- c -->", "<img src=\"b.png\">",
          "<details>", "</details>", "<summary>", "<table><tr><td>", "</td></tr></table>", "<b and c>", "&amp;",
          "<iframe>", "\n<div>\n", "</div>"]


def typesets(markdown: str, tmp: Path) -> None:
    blocks = to_blocks(markdown, lambda latex, display: "#box[M]", lambda src: "#box[I]")
    doc = tmp / "p.typ"
    doc.write_text("#let code-block(x) = x\n#let quote-block(x) = x\n" + "\n\n".join(blocks), encoding="utf-8")
    typst.compile(str(doc), ignore_system_fonts=True)


@pytest.mark.parametrize("text", ["**术语**(term)", "*x*(y)", "`code`(y)", "~~old~~(new)", "**a**[b]",
                                  "`c`{d}", "**a**;b", "_x_.y", "$x$(y)", "![i](b.png)(c)"])
def test_text_after_markup_is_text(text: str, tmp_path: Path) -> None:
    typesets(text, tmp_path)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=24).map("".join))
@example("**术语**(term)`code`(y)~~old~~(new)")
@example("><br>")
def test_every_paragraph_typesets(tmp_path_factory, text: str) -> None:
    typesets(text, tmp_path_factory.mktemp("markup"))


def test_raw_html_on_paper_is_what_the_card_shows() -> None:
    def one(md: str) -> str:
        return "\n\n".join(to_blocks(md, lambda latex, display: "M", lambda src: f"IMG({src})"))

    assert one("x<sup>2</sup> H<sub>2</sub>O<br>next") == "x#super[2] H#sub[2]O#linebreak()next"
    assert one("a <!--ID: 17--> b") == "a  b"
    assert one("<b>open <i>both</b> after") == "#strong[open #emph[both]] after"
    assert one("<u>left open") == "#underline[left open]"
    assert one('<img src="f.png" onerror="x"> and <marquee behavior="y">') == \
        "IMG(f.png) and \\<marquee behavior\\=\\\"y\\\"\\>"
    # as on the card: a player is the address it plays, dressing and drawings their text
    assert one('<iframe src="https://v.example.org/1"></iframe> <font color="red">红</font><svg><text>字</text></svg>') == \
        "https\\:\\/\\/v\\.example\\.org\\/1 红字"
    assert one("<details><summary>Why</summary>\nA &amp; B\n</details>") == "Why\nA & B"


def test_options_keep_their_lines_and_cjk_lines_join_on_paper() -> None:
    def one(md: str) -> str:
        return "\n\n".join(to_blocks(md, lambda latex, display: "M", lambda src: "I"))

    assert one("哪个对？\nA. 甲\nB、乙") == '哪个对？#linebreak()#opt("A")[A\\. 甲]#linebreak()#opt("B")[B、乙]'
    assert one("特征，\n池化。\nThen\nmore") == "特征，池化。 Then more"
    assert one("A. Smith\nwrote") == "A\\. Smith wrote"


def test_a_display_block_with_blank_lines_inside_prints_each_formula_on_its_own() -> None:
    seen = []
    blocks = to_blocks("$$\nv = \\beta v + g\n\n\\beta = 0.9\n$$\n",
                       lambda latex, display: seen.append((latex.strip(), display)) or "#box[M]", lambda src: "")
    assert seen == [("v = \\beta v + g", True), ("\\beta = 0.9", True)]
    assert blocks == ["#box[M]\n\n#box[M]"]


def test_math_inside_an_html_block_is_typeset_on_paper() -> None:
    seen = []
    blocks = to_blocks("<center>图 2.4 矩阵 $\\boldsymbol{A}$ 的列，价格 $5 和 $10，$$x^2 < 1$$</center>\n",
                       lambda latex, display: seen.append((latex, display)) or "M", lambda src: "")
    assert seen == [("\\boldsymbol{A}", False), ("x^2 < 1", True)]
    assert blocks == ["图 2\\.4 矩阵 M 的列，价格 \\$5 和 \\$10，M"]


def test_a_cases_block_with_a_blank_line_inside_is_one_formula_on_paper() -> None:
    seen = []
    to_blocks("$$\nf(x) = \\begin{cases} 1 & x > 0 \\\\\n\n0 & x \\le 0 \\end{cases}\n$$\n",
              lambda latex, display: seen.append(latex.strip()) or "M", lambda src: "")
    assert len(seen) == 1 and seen[0].startswith("f(x)") and seen[0].endswith("\\end{cases}")
