"""The Markdown dialect's own rules, one by one: the cases a mutation run showed no test told apart."""

from __future__ import annotations

import re

import pytest

from ankigen.source.markdown import WIKI_EMBED, markdown, render_html
from ankigen.source.rawhtml import image_sources, sanitize, textify, with_sources


def html(src: str) -> str:
    env: dict = {}
    return render_html(markdown().parse(src + "\n", env), env).strip()


def inline_tokens(src: str):
    return markdown().parseInline(src, {})[0].children


@pytest.mark.parametrize("src, out", [
    (r"\(x\) and \(y\)", r"<p>\(x\) and \(y\)</p>"),
    (r"\(\) stays", r"<p>() stays</p>"),
    (r"\(x unclosed", r"<p>(x unclosed</p>"),
    (r"a \(b\)", r"<p>a \(b\)</p>"),
])
def test_paren_math(src: str, out: str) -> None:
    assert html(src) == out


def test_paren_math_token() -> None:
    [token] = [t for t in inline_tokens(r"see \(a+b\)") if t.type == "math_inline"]
    assert (token.content, token.markup, token.nesting) == ("a+b", "\\(", 0)


@pytest.mark.parametrize("src, breaks", [
    ("问题\nA. 甲\nB. 乙", 2),            # two option lines after the question
    ("A. 甲\nB. 乙", 1),                 # the first line counts as an option
    ("A. 甲\n然后继续", 0),               # one option line is prose
    ("问题\nA. 甲\n其余", 0),
    ("问题\nA. 甲\nB. 乙\nC. 丙", 3),
    ("**粗体**\nA. 甲\nB. 乙", 2),        # a paragraph that starts with markup
])
def test_option_lines(src: str, breaks: int) -> None:
    # Each line of a multiple-choice paragraph is a block of its own: breaks + 1 blocks, or none.
    assert len(re.findall(r'<span class="option[ "]', html(src))) == (breaks + 1 if breaks else 0)


@pytest.mark.parametrize("src, out", [
    ("中\n文", "<p>中文</p>"),
    ("中\nEnglish", "<p>中\nEnglish</p>"),
    ("English\n中", "<p>English\n中</p>"),
    ("*中*\n文", "<p><em>中</em>\n文</p>"),  # a break after markup keeps its space: no text before it
    ("中\n*文*", "<p>中\n<em>文</em></p>"),
])
def test_soft_breaks(src: str, out: str) -> None:
    assert html(src) == out


@pytest.mark.parametrize("src, out", [
    ("<b><i>x</b> y", "<p><b><i>x</i></b> y</p>"),
    ("<b><i>x", "<p><b><i>x</i></b></p>"),
    ("</b>x<b>y", "<p>&lt;/b&gt;x<b>y</b></p>"),
    ("<sup>1</sup><sub>2</sub>", "<p><sup>1</sup><sub>2</sub></p>"),
])
def test_inline_tags_balance(src: str, out: str) -> None:
    assert html(src) == out


def test_wiki_links_and_embeds() -> None:
    tokens = inline_tokens("[[a/Note#Part]] [[Note|shown]] ![[f.png|300]] ![[g.PNG|200x100]] ![[h.png|Alt]] ![[Other]]")
    assert "".join(t.content for t in tokens if t.type == "text").split() == ["Note", "shown", "Other"]
    images = [t for t in tokens if t.type == "image"]
    assert [(t.attrGet("src"), t.content, t.meta.get(WIKI_EMBED)) for t in images] == \
        [("f.png", "", True), ("g.PNG", "", True), ("h.png", "Alt", True)]
    assert [len(t.children) for t in images] == [0, 0, 1]
    assert html("[[x.md]] and [[]] and [x](y)") == '<p>x and [[]] and <a href="y">x</a></p>'
    assert html("![[a.png]]") == '<p><img src="a.png" alt="" /></p>'
    plain = [t for t in inline_tokens("![](m.png)") if t.type == "image"]
    assert plain[0].meta.get(WIKI_EMBED) is None


def test_textify_keeps_allowed_tags_drops_comments_and_shows_the_rest() -> None:
    assert textify("a<!-- x -->b") == "ab"
    assert textify("<!-- open comment") == ""
    assert textify("<br><BR/><b class=\"x\">") == "<br><BR/><b class=\"x\">"
    assert textify("<marquee>&") == "&lt;marquee&gt;&amp;"
    assert textify("<b and c> <b") == "&lt;b and c&gt; &lt;b"
    assert textify("</b extra>") == "&lt;/b extra&gt;"
    assert textify("<details open>") == "<details open>"


def test_image_sources_and_their_replacement() -> None:
    raw = "<img src=\"a.png\"> <IMG SRC='b c.png' alt=x> <img alt=y src=d.png> <img alt=none>"
    assert image_sources(raw) == [(9, "a.png"), (27, "b c.png"), (raw.index("d.png"), "d.png")]
    assert raw[9:16] == '"a.png"'
    new = with_sources(raw, lambda src: None if src == "d.png" else "P-" + src.replace(" ", "_"))
    assert new == "<img src=\"P-a.png\"> <IMG SRC=\"P-b_c.png\" alt=x>  <img alt=none>"
    assert with_sources('<img src="x&y.png">', lambda src: src) == '<img src="x&amp;y.png">'


@pytest.mark.parametrize("attr, kept", [
    ('href="https://e.org"', True), ('href="HTTP://e.org"', True), ('href="JavaScript:alert(1)"', False),
    ('href=" data:text/html,x"', False), ('href="mailto:a@b"', False), ('href="page.html"', True),
    ('href=" javascript:x"', False), ('href="file:///etc/passwd"', False),
])
def test_only_http_links_survive_sanitising(attr: str, kept: bool) -> None:
    out = sanitize(f"<a {attr}>x</a>")
    assert ("href" in out) is kept, out
    assert "rel=" not in out


def test_sanitize_keeps_alignment_only_and_drops_style_and_script_content() -> None:
    out = sanitize('<table><tr><td style="text-align: right; color: red">1</td></tr></table>'
                   '<span style="x" class="y">s</span>'
                   "<script>bad()</script><style>p{}</style><img src=\"a.png\" onerror=\"x\" width=\"3\">")
    assert "text-align" in out and "color" not in out and "bad()" not in out and "p{}" not in out
    assert "<span>s</span>" in out and 'width="3"' in out and "onerror" not in out


def test_sanitize_itself_allows_only_the_list() -> None:
    # textify already turns other tags into text; sanitising must hold on its own all the same.
    assert sanitize("<abbr>x</abbr><iframe>y</iframe><center>c</center>") == "xy<center>c</center>"
    assert sanitize("a<!-- note -->b") == "ab"
    assert sanitize('<img src=" data:image/png;base64,AA"><img src="ankigen-1.png">') == '<img><img src="ankigen-1.png">'


def test_textify_unwraps_dressing_and_drawings_and_links_what_plays_elsewhere() -> None:
    assert textify('<font color="red"><big>标题</big></font>') == "标题"
    assert textify('<svg width="9"><rect width="5"/><text x="1">输入</text></svg>') == "输入"
    assert textify('<iframe src="https://v.example.org/e/1" allowfullscreen></iframe>') == \
        '<a href="https://v.example.org/e/1">https://v.example.org/e/1</a>'
    assert textify('<iframe src="javascript:alert(1)"></iframe><video src="clip.mp4"></video>') == ""


def test_textify_leaves_quotes_in_text_alone() -> None:
    assert textify('say "hi" <marquee behavior="x">') == 'say "hi" &lt;marquee behavior="x"&gt;'
    assert textify("it's <b>ok</b>") == "it's <b>ok</b>"
