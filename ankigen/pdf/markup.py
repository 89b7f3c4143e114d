"""Card Markdown to Typst markup, one string per top-level block.

Text is escaped character by character, so nothing in a source is ever read as Typst code.
Math goes through a callback that returns the markup of a drawn formula.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape

from markdown_it.token import Token

from ankigen.source import rawhtml
from ankigen.source.markdown import CHECK_INFO, OPTION, display_parts, is_cjk, markdown, option_letter, option_lines

# Characters with a meaning in Typst markup; a backslash makes each one literal. Brackets,
# braces and `;` too: text right after `#strong[…]` or `#raw(…)` would otherwise continue that
# call (`**术语**(term)` was "expected function, found content").
_SPECIAL = set("\\#$*_`<>@[]~=-+/\"'.:(){};")

# What a cloze card's answer side marks as filled in (layout._cloze_sides puts them around each
# deletion): private-use characters, which no note writes, so that a mark survives Markdown.
FILLED_OPEN, FILLED_CLOSE = "\ue010", "\ue011"
FILLED_MATH_OPEN = "\ue012"  # a filled deletion with a formula: highlight() skips equations, a box does not
_FILLED = re.compile(f"([{FILLED_OPEN}{FILLED_MATH_OPEN}{FILLED_CLOSE}])")
_FILL = 'fill: rgb("#fde9a8")'

# Where a long paragraph may continue on the next cut-out card: after a sentence.
_SENTENCE_END = re.compile(r"(?<=[。！？；])|(?<=[.!?;] )")

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


@dataclass(frozen=True)
class Split:
    """A block that may continue on the next cut-out card: its markup is
    `prefix + joiner.join(parts) + suffix`, and any run of its parts makes a block too (a table's
    prefix holds its header, so each run repeats it)."""

    prefix: str
    parts: tuple[str, ...]
    joiner: str
    suffix: str

    def block(self, parts: tuple[str, ...] | list[str]) -> str:
        return self.prefix + self.joiner.join(parts) + self.suffix


class _Converter:
    def __init__(self, math: MathRenderer, image: ImageRenderer) -> None:
        self.math = math
        self.image = image
        self.open: list[str] = []  # raw inline HTML tags open in the current paragraph
        self.filled = 0  # cloze marks open in the current paragraph
        self.split: Split | None = None  # of the block just converted

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
        closing = "]" * (len(self.open) + self.filled)
        self.open, self.filled = [], 0
        return closing

    def _marked_text(self, text: str) -> str:
        out = []
        for piece in _FILLED.split(text):
            if piece == FILLED_OPEN:
                self.filled += 1
                out.append(f"#highlight({_FILL})[")
            elif piece == FILLED_MATH_OPEN:
                self.filled += 1
                out.append(f"#box({_FILL}, outset: (y: 2.5pt), radius: 1.5pt)[")
            elif piece == FILLED_CLOSE:
                if self.filled:
                    self.filled -= 1
                    out.append("]")
            else:
                out.append(escape(piece))
        return "".join(out)

    def inline(self, children: list[Token]) -> str:
        return "".join(self.sentences(children))

    def sentences(self, children: list[Token]) -> list[str]:
        """The markup of a paragraph in runs that each end after a sentence where nothing is open,
        so that any run of them is markup too; each option of a multiple-choice question is
        `#opt(letter)[…]` on its own line."""
        runs: list[str] = []
        out: list[str] = []
        depth = 0  # emphasis open at this point
        options = option_lines(children)
        in_option = False
        if options and children and children[0].type == "text" and OPTION.match(children[0].content):
            out.append(f'#opt("{option_letter(children[0].content)}")[')
            in_option = True
        for i, t in enumerate(children):
            kind = t.type
            if kind == "text":
                for n, piece in enumerate(_SENTENCE_END.split(t.content)):
                    if n and out and not (depth or self.open or self.filled or in_option):
                        runs.append("".join(out))
                        out = []
                    out.append(self._marked_text(piece))
            elif kind == "softbreak":
                before = children[i - 1].content[-1:] if i and children[i - 1].type == "text" else ""
                nxt = children[i + 1] if i + 1 < len(children) else None
                after = nxt.content[:1] if nxt is not None and nxt.type == "text" else ""
                if options and nxt is not None and nxt.type == "text" and OPTION.match(nxt.content):
                    # each option of a multiple-choice question on its line
                    closing = self.close_open() + ("]" if in_option else "")
                    out.append(closing + f'#linebreak()#opt("{option_letter(nxt.content)}")[')
                    in_option = True
                else:
                    out.append("" if is_cjk(before) and is_cjk(after) else " ")
            elif kind == "hardbreak":
                out.append(" \\\n")
            elif kind == "code_inline":
                out.append(f"#raw({string(t.content)})")
            elif kind in ("em_open", "strong_open", "s_open"):
                depth += 1
                out.append({"em_open": "#emph[", "strong_open": "#strong[", "s_open": "#strike["}[kind])
            elif kind in ("em_close", "strong_close", "s_close"):
                depth -= 1
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
        out.append(self.close_open() + ("]" if in_option else ""))
        return [run for run in [*runs, "".join(out)] if run] or [""]

    def blocks(self, tokens: list[Token]) -> list[str]:
        """Top-level blocks of a token stream, each as Typst markup."""
        return self.blocks_and_splits(tokens)[0]

    def blocks_and_splits(self, tokens: list[Token]) -> tuple[list[str], dict[int, Split]]:
        """The blocks, and how each block that may continue on another cut-out card divides."""
        out, splits, i = [], {}, 0
        while i < len(tokens):
            self.split = None
            block, i = self.block(tokens, i)
            if block:
                if self.split is not None and len(self.split.parts) > 1:
                    splits[len(out)] = self.split
                out.append(block)
        return out, splits

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
            runs = self.sentences(tokens[i + 1].children or [])
            letter = _own_option(tokens[i + 1])
            if letter:
                return f'#opt("{letter}")[{"".join(runs)}]', end
            self.split = Split("", tuple(runs), "", "")
            return "".join(runs), end
        if kind == "heading_open":
            end = self._until_close(tokens, i)
            return f"#strong[{self.inline(tokens[i + 1].children or [])}]", end
        if kind in ("bullet_list_open", "ordered_list_open"):
            end = self._until_close(tokens, i)
            items, j = [], i + 1
            while j < end - 1:
                close = self._until_close(tokens, j)
                inner = "\n\n".join(self.blocks(tokens[j + 1:close - 1]))
                items.append(f"[{inner}]")
                j = close
            if kind == "ordered_list_open":
                start = int(t.attrGet("start") or 1)
                self.split = Split("#enum(", tuple(f"enum.item({start + n}){item}" for n, item in enumerate(items)),
                                   ", ", ")")
                return f"#enum(start: {start}, " + ", ".join(items) + ")", end
            self.split = Split("#list(", tuple(items), ", ", ")")
            return "#list(" + ", ".join(items) + ")", end
        if kind == "blockquote_open":
            end = self._until_close(tokens, i)
            inner = "\n\n".join(self.blocks(tokens[i + 1:end - 1]))
            return f"#quote-block[{inner}]", end
        if kind == "fence":
            lang = t.info.strip().split(maxsplit=1)[0] if t.info.strip() else ""
            if lang == CHECK_INFO:
                return "", i + 1
            return self.code(t.content, lang), i + 1
        if kind == "code_block":
            return self.code(t.content, ""), i + 1
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

    def code(self, text: str, lang: str) -> str:
        lang_arg = f", lang: {string(lang)}" if lang else ""
        lines = text.rstrip().split("\n")
        self.split = Split("#code-block(raw((", tuple(string(line) for line in lines), ", ",
                           f',).join("\\n"), block: true{lang_arg}))')
        return f"#code-block(raw({string(text.rstrip())}, block: true{lang_arg}))"

    def table(self, tokens: list[Token]) -> str:
        rows: list[list[str]] = []
        head: list[str] = []
        header = False
        for j, t in enumerate(tokens):
            if t.type == "thead_open":
                header = True
            elif t.type == "thead_close":
                header = False
            elif t.type == "tr_open":
                rows.append([])
            elif t.type in ("th_open", "td_open"):
                content = self.inline(tokens[j + 1].children or [])
                rows[-1].append(f"[#strong[{content}]]" if header else f"[{content}]")
                if header:
                    head.append(rows[-1][-1])
        columns = max((len(r) for r in rows), default=1) or 1
        start = f"#table(columns: {columns}, inset: 4pt, stroke: 0.4pt + gray, "
        body = [", ".join(r) for r in rows[1 if head else 0:] if r]
        self.split = Split(start + (f"table.header({', '.join(head)}), " if head else ""), tuple(body), ", ", ")")
        return start + ", ".join(c for r in rows for c in r) + ")"


def _own_option(inline: Token) -> str | None:
    """The letter of a one-line paragraph or list item that is an option (`B. Sigmoid`)."""
    text = inline.content.strip()
    return option_letter(text) if text and "\n" not in text else None


def to_blocks(md_text: str, math: MathRenderer, image: ImageRenderer) -> list[str]:
    """The Markdown of a card side as a list of Typst blocks."""
    return to_split_blocks(md_text, math, image)[0]


def to_split_blocks(md_text: str, math: MathRenderer, image: ImageRenderer) -> tuple[list[str], dict[int, Split]]:
    """The blocks of a card side, and how those that may continue on another card divide."""
    tokens = markdown().parse(md_text, {})
    return _Converter(math, image).blocks_and_splits(tokens)


def inline(md_text: str, math: MathRenderer, image: ImageRenderer) -> str:
    """One line of Markdown (a question) as Typst inline markup."""
    tokens = markdown().parseInline(md_text, {})
    return _Converter(math, image).inline(tokens[0].children or []) if tokens else ""
