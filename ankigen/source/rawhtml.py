"""Raw HTML in card Markdown: a short allowlist passes, sanitised by nh3; the rest stays text.

Notes written for other tools carry `<br>`, `<sup>`, `<img src="…">`, `<details>` and HTML
comments (Obsidian_to_Anki's `<!--ID: …-->`). The allowed tags reach the field after nh3 (the
Rust ammonia sanitiser) has dropped every attribute but a few harmless ones and every URL but
http(s) and local media; comments are dropped; any other tag is shown as the text it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import escape

# What authors may write. Markdown's own output (p, ul, h1 …) is sanitised with the same call,
# so it is allowed too; code and math are set aside before sanitising and never pass through it.
AUTHOR_TAGS = frozenset({"img", "br", "sup", "sub", "b", "i", "u", "em", "strong", "details", "summary",
                         "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "span", "div",
                         # and the structure real notes write in HTML: lists, paragraphs, struck and
                         # inserted text, centred figures (ml-interviews-book, Md2Anki, a Chinese book)
                         "ul", "ol", "li", "p", "hr", "s", "del", "ins", "center", "blockquote", "code",
                         # figures with captions and links, as course sites write them (a link keeps
                         # only an http(s) target; an anchor's name is dropped, and so the anchor)
                         "figure", "figcaption", "a"})
_MARKDOWN_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "a"})
_ATTRIBUTES = {"img": {"src", "alt", "title", "width", "height"}, "a": {"href", "title"}, "ol": {"start"},
               "th": {"style"}, "td": {"style"}, "details": {"open"}}

# Classes of ours that must survive when a card with raw HTML is sanitised as a whole.
_OPTION_CLASSES = {"option"} | {f"opt-{c}" for c in "ABCDEFGH"}
_OUR_CLASSES = {"p": {"options", "short-answer"} | _OPTION_CLASSES, "li": _OPTION_CLASSES,
                "span": _OPTION_CLASSES | {"ag-key"} | {f"ag-key-{c}" for c in "ABCDEFGH"}}

TAGS = re.compile(r"<!--.*?(?:-->|$)|<(/?)([A-Za-z][A-Za-z0-9-]*)\b([^>]*)>?", re.S)
# Attributes as HTML writes them (name="value", name='value', name=value); a bare word is taken
# for prose (`a <b and c> here`), except the one boolean attribute an allowed tag has.
_ATTRS = re.compile(r"""(?:\s+(?:[A-Za-z_:][-A-Za-z0-9_:.]*\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+)|open))*\s*/?""")
INLINE_TAGS = frozenset({"b", "i", "u", "em", "strong", "sup", "sub", "span", "s", "del", "ins", "code"})
_IMG_TAG = re.compile(r"<img\b[^>]*>?", re.I)
_IMG_SRC = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*)("[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.I | re.S)


# Math in the text of an HTML block (`<center>图 2.4 矩阵 $\boldsymbol{A}$ 的列</center>`), which
# Typora and MathJax sites typeset: `$$…$$`, or `$…$` by Pandoc's rule (no space inside either
# dollar, no digit right after the closing one, so `$5 and $10` stay prices).
_MATH_IN_TEXT = re.compile(r"\$\$(?P<display>[^$]+?)\$\$|(?<![\\$])\$(?P<inline>[^\s$](?:[^$\n]*?[^\s$\\])?)\$(?![\d$])")


def math_spans(text: str) -> list[tuple[str, str]]:
    """Text as ("text" | "inline" | "display", content) pieces, in order."""
    out, at = [], 0
    for m in _MATH_IN_TEXT.finditer(text):
        out.append(("text", text[at:m.start()]))
        out.append(("display", m.group("display")) if m.group("display") is not None else ("inline", m.group("inline")))
        at = m.end()
    out.append(("text", text[at:]))
    return [(kind, piece) for kind, piece in out if piece]


# Tags that only dress their text (`<font color>`, `<big>`), and the shapes of an inline drawing
# (`<svg>`, which cannot be shown safely in a field): the text stays, the tags go.
_DRESSING = frozenset({"font", "big", "small", "mark", "tt", "kbd", "var", "cite", "abbr", "dfn", "q", "time",
                       "nobr", "wbr", "section", "article", "aside", "header", "footer", "main", "nav", "address",
                       "svg", "g", "rect", "circle", "ellipse", "line", "path", "polygon", "polyline", "text",
                       "tspan", "defs", "marker", "use", "symbol", "title", "desc", "lineargradient",
                       "radialgradient", "stop", "clippath", "mask", "pattern"})
# What plays or shows another page (a video, a slide deck): neither Anki offline nor paper can, so
# it becomes a link to where it lives.
_EMBEDS = frozenset({"iframe", "embed", "video", "audio", "object", "source"})
_EMBED_URL = re.compile(r"""\b(?:src|data)\s*=\s*["']?(https?://[^"'\s>]+)""", re.I)


def pieces(html: str) -> Iterator[tuple[str, object]]:
    """Raw HTML as its parts, in order: ("text", the text between tags), ("tag", the match of an
    allowed tag), ("link", the address of an embedded player) and ("shown", the source of any
    other tag, which is shown as text); comments, dressing tags and empty players give nothing."""
    at = 0
    for m in TAGS.finditer(html):
        if at < m.start():
            yield "text", html[at:m.start()]
        at = m.end()
        if m.group(0).startswith("<!--") or dressing(m):
            continue
        url = embedded(m)
        if url is not None:
            if url:
                yield "link", url
        elif is_allowed(m):
            yield "tag", m
        else:
            yield "shown", m.group(0)
    if at < len(html):
        yield "text", html[at:]


def textify(html: str, text: Callable[[str], str] | None = None) -> str:
    """Raw HTML as the card keeps it: allowed tags as they are, comments gone, dressing tags and
    inline drawings as their text, an embedded player as a link, other tags as text.
    `text` renders what lies between the tags (escaped, by default)."""
    text = text or (lambda s: escape(s, quote=False))
    shown = {"text": text, "tag": lambda m: m.group(0), "shown": lambda s: escape(s, quote=False),
             "link": lambda url: f'<a href="{escape(url)}">{escape(url, quote=False)}</a>'}
    return "".join(shown[kind](value) for kind, value in pieces(html))


def dressing(m: re.Match) -> bool:
    """A tag that only dresses its text, or a shape of an inline drawing: dropped, its text kept."""
    return (m.group(2) or "").lower() in _DRESSING and m.group(0).endswith(">")


def embedded(m: re.Match) -> str | None:
    """For a tag that plays or shows another page: the http(s) address it shows ("" when it has
    none, or when it is the closing tag); None for any other tag."""
    if (m.group(2) or "").lower() not in _EMBEDS or not m.group(0).endswith(">"):
        return None
    url = _EMBED_URL.search(m.group(3) or "") if not m.group(1) else None
    return url.group(1) if url else ""


def is_allowed(m: re.Match) -> bool:
    """A tag of the allowlist, written as HTML (closed, attributes with values)."""
    closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3) or ""
    if name not in AUTHOR_TAGS or not m.group(0).endswith(">"):
        return False
    return not attrs.strip() if closing else bool(_ATTRS.fullmatch(attrs))


def tag(html: str) -> tuple[str, bool] | None:
    """(name, is closing) of an allowed inline tag that is all of html (`<b>`, `</sup>`), else None."""
    m = TAGS.fullmatch(html.strip())
    if m is None or m.group(2) is None or not is_allowed(m) or m.group(2).lower() not in INLINE_TAGS:
        return None
    return m.group(2).lower(), bool(m.group(1))


def image_sources(html: str) -> list[tuple[int, str]]:
    """(offset, src) of every `<img src>` in raw HTML, src unquoted."""
    return [(m.start(2), m.group(2).strip("\"'")) for m in _IMG_SRC.finditer(html)]


def with_sources(html: str, new: Callable[[str], str | None]) -> str:
    """Raw HTML with each `<img src>` replaced by new(src); an image new() refuses is left out."""
    def swap(tag: re.Match) -> str:
        m = _IMG_SRC.match(tag.group(0))
        if m is None:
            return tag.group(0)
        src = new(m.group(2).strip("\"'"))
        if src is None:
            return ""
        return m.group(1) + '"' + escape(src) + '"' + tag.group(0)[m.end():]
    return _IMG_TAG.sub(swap, html)


def sanitize(html: str) -> str:
    """The card's HTML with only allowed tags and attributes, comments dropped."""
    import nh3

    clean = nh3.clean(html, tags=set(AUTHOR_TAGS | _MARKDOWN_TAGS), attributes=_ATTRIBUTES,
                      url_schemes={"http", "https"}, link_rel=None, strip_comments=True,
                      allowed_classes=_OUR_CLASSES,
                      clean_content_tags={"script", "style"}, filter_style_properties={"text-align"})
    return clean.replace(' class=""', "")  # what is left of an author's classes once ours are kept
