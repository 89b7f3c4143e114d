"""Card Markdown to Typst markup, one string per top-level block.

Text is escaped character by character, so nothing in a source is ever read as Typst code.
Math goes through a callback that returns the markup of a drawn formula.
"""

from __future__ import annotations

from collections.abc import Callable
from html import unescape

from markdown_it.token import Token

from ankigen.source import rawhtml
from ankigen.source.markdown import CHECK_INFO, OPTION, display_parts, is_cjk, markdown, option_lines

# Characters with a meaning in Typst markup; a backslash makes each one literal. Brackets,
# braces and `;` too: text right after `#strong[…]` or `#raw(…)` would otherwise continue that
# call (`**术语**(term)` was "expected function, found content").
_SPECIAL = set("\\#$*_`<>@[]~=-+/\"'.:(){};")

MathRenderer = Callable[[str, bool], str]  # (latex, display) -> Typst markup
ImageRenderer = Callable[[str], str]  # media src -> Typst markup


def escape(text: str) -> str:
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)


def string(text: str) -> str:
    """A Typst string literal."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    return f'"{body}"'


# Raw HTML on paper: what the card shows, in Typst's words. Other allowed tags (details, div,
# table parts) leave their text; tags not allowed are text, as on the card.
_INLINE_OPEN = {"b": "#strong[", "strong": "#strong[", "i": "#emph[", "em": "#emph[", "u": "#underline[",
                "sup": "#super[", "sub": "#sub[", "span": "#[", "s": "#strike[", "del": "#strike[",
                "ins": "#underline[", "code": "#["}


class _Converter:
    def __init__(self, math: MathRenderer, image: ImageRenderer) -> None:
        self.math = math
        self.image = image
        self.open: list[str] = []  # raw inline HTML tags open in the current paragraph

    def html(self, raw: str) -> str:
        """Raw HTML (a tag, or a block of them) as Typst markup; inline tags open until closed."""
        out = []
        for kind, value in rawhtml.pieces(raw):
            if kind == "text":
                out.append(self._text(value))
                continue
            if kind != "tag":  # a player's address, as the card shows it, or a tag shown as text
                out.append(escape(value))
                continue
            m = value
            name, closing = m.group(2).lower(), bool(m.group(1))
            if name == "br":
                out.append("#linebreak()")  # not ` \\`: stripped at a block's end, that escapes what follows
            elif name == "img":
                src = next((s for _, s in rawhtml.image_sources(m.group(0))), "")
                out.append(self.image(src) if src else "")
            elif name in _INLINE_OPEN and not closing:
                self.open.append(name)
                out.append(_INLINE_OPEN[name])
            elif name in _INLINE_OPEN and name in self.open:
                while self.open and self.open[-1] != name:
                    self.open.pop()
                    out.append("]")
                self.open.pop()
                out.append("]")
        return "".join(out)

    def _text(self, text: str) -> str:
        """The text between raw HTML tags, its math typeset as the card's is."""
        return "".join(escape(unescape(piece)) if kind == "text" else self.math(unescape(piece), kind == "display")
                       for kind, piece in rawhtml.math_spans(text))

    def close_open(self) -> str:
        closing = "]" * len(self.open)
        self.open = []
        return closing

    def inline(self, children: list[Token]) -> str:
        out: list[str] = []
        for i, t in enumerate(children):
            kind = t.type
            if kind == "text":
                out.append(escape(t.content))
            elif kind == "softbreak":
                before = children[i - 1].content[-1:] if i and children[i - 1].type == "text" else ""
                nxt = children[i + 1] if i + 1 < len(children) else None
                after = nxt.content[:1] if nxt is not None and nxt.type == "text" else ""
                if nxt is not None and nxt.type == "text" and OPTION.match(nxt.content) and option_lines(children):
                    out.append("#linebreak()")  # each option of a multiple-choice question on its line
                else:
                    out.append("" if is_cjk(before) and is_cjk(after) else " ")
            elif kind == "hardbreak":
                out.append(" \\\n")
            elif kind == "code_inline":
                out.append(f"#raw({string(t.content)})")
            elif kind in ("em_open", "strong_open", "s_open"):
                out.append({"em_open": "#emph[", "strong_open": "#strong[", "s_open": "#strike["}[kind])
            elif kind in ("em_close", "strong_close", "s_close"):
                out.append("]")
            elif kind == "math_inline":
                out.append(self.math(t.content, False))
            elif kind == "math_inline_double":
                out.append(self.math(t.content, True))
            elif kind == "image":
                out.append(self.image(str(t.attrGet("src") or "")))
            elif kind in ("link_open", "link_close"):
                continue  # the link text stays; paper cannot follow URLs
            elif kind == "html_inline":
                out.append(self.html(t.content))
            else:
                out.append(escape(t.content))
        return "".join(out) + self.close_open()

    def blocks(self, tokens: list[Token]) -> list[str]:
        """Top-level blocks of a token stream, each as Typst markup."""
        out, i = [], 0
        while i < len(tokens):
            block, i = self.block(tokens, i)
            if block:
                out.append(block)
        return out

    def _until_close(self, tokens: list[Token], i: int) -> int:
        """Index just past the token that closes tokens[i]."""
        depth = 0
        for j in range(i, len(tokens)):
            depth += tokens[j].nesting
            if depth == 0:
                return j + 1
        return len(tokens)

    def block(self, tokens: list[Token], i: int) -> tuple[str, int]:
        t = tokens[i]
        kind = t.type
        if kind == "paragraph_open":
            end = self._until_close(tokens, i)
            return self.inline(tokens[i + 1].children or []), end
        if kind == "heading_open":
            end = self._until_close(tokens, i)
            return f"#strong[{self.inline(tokens[i + 1].children or [])}]", end
        if kind in ("bullet_list_open", "ordered_list_open"):
            end = self._until_close(tokens, i)
            items, j = [], i + 1
            while j < end - 1:
                close = self._until_close(tokens, j)
                inner = self.blocks(tokens[j + 1:close - 1])
                items.append("[" + "\n\n".join(inner) + "]")
                j = close
            if kind == "ordered_list_open":
                start = t.attrGet("start") or 1
                return f"#enum(start: {int(start)}, " + ", ".join(items) + ")", end
            return "#list(" + ", ".join(items) + ")", end
        if kind == "blockquote_open":
            end = self._until_close(tokens, i)
            inner = "\n\n".join(self.blocks(tokens[i + 1:end - 1]))
            return f"#quote-block[{inner}]", end
        if kind == "fence":
            lang = t.info.strip().split(maxsplit=1)[0] if t.info.strip() else ""
            if lang == CHECK_INFO:
                return "", i + 1
            lang_arg = f", lang: {string(lang)}" if lang else ""
            return f"#code-block(raw({string(t.content.rstrip())}, block: true{lang_arg}))", i + 1
        if kind == "code_block":
            return f"#code-block(raw({string(t.content.rstrip())}, block: true))", i + 1
        if kind == "math_block":
            return "\n\n".join(self.math(part, True) for part in display_parts(t.content)), i + 1
        if kind == "html_block":
            return self.html(t.content).strip() + self.close_open(), i + 1
        if kind == "hr":
            return "#line(length: 100%, stroke: 0.4pt + gray)", i + 1
        if kind == "table_open":
            end = self._until_close(tokens, i)
            return self.table(tokens[i:end]), end
        return "", i + 1

    def table(self, tokens: list[Token]) -> str:
        cells, columns = [], 0
        row: list[str] = []
        header = False
        for j, t in enumerate(tokens):
            if t.type == "thead_open":
                header = True
            elif t.type == "thead_close":
                header = False
            elif t.type == "tr_open":
                row = []
            elif t.type == "tr_close":
                columns = max(columns, len(row))
                cells.extend(row)
            elif t.type in ("th_open", "td_open"):
                content = self.inline(tokens[j + 1].children or [])
                row.append(f"[#strong[{content}]]" if header else f"[{content}]")
        return f"#table(columns: {max(columns, 1)}, inset: 4pt, stroke: 0.4pt + gray, " + ", ".join(cells) + ")"


def to_blocks(md_text: str, math: MathRenderer, image: ImageRenderer) -> list[str]:
    """The Markdown of a card side as a list of Typst blocks."""
    tokens = markdown().parse(md_text, {})
    return _Converter(math, image).blocks(tokens)


def inline(md_text: str, math: MathRenderer, image: ImageRenderer) -> str:
    """One line of Markdown (a question) as Typst inline markup."""
    tokens = markdown().parseInline(md_text, {})
    return _Converter(math, image).inline(tokens[0].children or []) if tokens else ""
