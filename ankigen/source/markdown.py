"""The Markdown dialect: CommonMark + GFM tables + math, rendered to Anki-ready HTML."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from html import escape

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from ankigen.source.media import IMAGE_SUFFIXES as _IMAGE_SUFFIXES
from ankigen.source import mathfit
from ankigen.source.rawhtml import math_spans, sanitize, tag, textify

CHECK_INFO = "check"


def _paren_math(state: StateInline, silent: bool) -> bool:
    r"""`\( ... \)` as inline math; CommonMark alone would read `\(` as an escaped parenthesis."""
    src, pos = state.src, state.pos
    if not src.startswith("\\(", pos):
        return False
    end = src.find("\\)", pos + 2)
    if end < 0 or end == pos + 2:
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = src[pos + 2:end]
        token.markup = "\\("
    state.pos = end + 2
    return True


# `$ W_1 = 5 $`, `$β $`: padded inside (on either side), as many Chinese notes write inline math.
# Pandoc's rule (no space inside) keeps prices out of math; a padded span is math only when it
# reads as math: a command, a script, a brace or an `=`, or a single letter (Greek included).
_PADDED = re.compile(r"\$([^$\n`]+(?:\n[ \t]*)?)\$(?!\d)")  # or closed at the start of the next line
# … or over several lines when it holds an environment (`$ f(x) = \left\{` then `\begin{aligned}` rows)
_PADDED_ENV = re.compile(r"\$([^$`]+)\$(?!\d)")
# `$` alone on a line, the formula on the lines below, `$` alone again (Typora, often in a list
# item): one formula, set apart as display math is.
# (each line matched one way only: a line that could split as `[^$]*\S[^$]*` many ways made a `$` left
# open above a few lines of prose take exponential time)
_PADDED_LINES = re.compile(r"\$[ \t]*\n((?:(?=[^$\n`]*[^\s$`])[^$\n`]*\n)+)[ \t]*\$(?!\d)")
# … or letters and words set as math, as Typora shows them (`$ReLu $`, `$ i, j, k, ... $`, `$ h1 $`)
# (`$O(|E|CHF) $`: a complexity, bars and all), a relation (`$ x<0 $`, `$ f(x)≈x $`) or arithmetic
# of numbers (`$ 0-1 $`, `$ (3*3+1)*2 $`)
_MATH_LIKE = re.compile(r"[\\^_={}<>≈≤≥≠±×÷∈∞]|^[^\W\d_]'*$|^[A-Za-z][A-Za-z0-9 ,.()|]{0,38}[A-Za-z0-9.)|]$"
                        r"|^[-+(]*\d[\d.]*\)*(?:\s*[-+*/]\s*[-+(]*\d[\d.]*\)*)+$")
# Chinese words inside make it prose; a full-width comma may sit in a formula (`(·|s_t)，\beta`)
_CJK = re.compile(r"[\u3400-\u9fff]")
_PROSE_WORDS = frozenset({"and", "or", "to", "the", "is", "in", "of", "for", "with", "per", "an", "as", "at", "by",
                          "on", "from", "each", "and the", "or the", "to the"})  # `between $ and $ signs`


def _padded_math(state: StateInline, silent: bool) -> bool:
    """`$ x $` with spaces inside, when what it holds reads as math (see above)."""
    src, pos = state.src, state.pos
    if src[pos] != "$" or src.startswith("$$", pos) or (pos and src[pos - 1] in "\\$"):
        return False
    m = _PADDED.match(src, pos)
    if m is None:  # `$ f(x) = \left\{\n\begin{aligned} … \end{aligned}\n\right. $`: an environment over lines
        m = _PADDED_ENV.match(src, pos)
        m = m if m and "\\begin{" in m.group(1) and "\\end{" in m.group(1) and m.group(1)[:1].isspace() \
            and m.group(1).split("\n", 1)[0].strip() else None  # `$` alone on its line: _PADDED_LINES
    block = m is None  # `$` alone on its line, the formula below: set apart, as display math is
    m = m or _PADDED_LINES.match(src, pos)
    if m is None:
        return False
    inside = m.group(1).strip()
    if not inside or (inside == m.group(1) and not block) or inside.endswith("\\") or _CJK.search(inside) \
            or not _MATH_LIKE.search(inside) or inside.lower() in _PROSE_WORDS:
        return False
    if not silent:
        token = state.push("math_inline_double" if block else "math_inline", "math", 0)
        token.content = inside
        token.markup = "$"
    state.pos = m.end()
    return True


# Obsidian's `[[Note]]`, `[[Note#Part|shown]]` and `![[figure.png|300]]`: a link shows its text
# (paper and Anki cannot follow it), an embedded image is an image found by its name in the tree.
# The alias may hold a bracketed citation (`[[Paper|Sanders et al. [24]]]`) and math (`… $J$ …`).
_WIKI = re.compile(r"(!?)\[\[([^\[\]|\n]+)(?:\|((?:[^\[\]\n]|\[[^\[\]\n]*\])*))?\]\]")
WIKI_EMBED = "ankigen.wiki_embed"  # token.meta key: an image named the Obsidian way


def _wikilink(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if not src.startswith(("[[", "![["), pos):
        return False
    m = _WIKI.match(src, pos)
    if m is None:
        return False
    embed, target, shown = m.group(1), m.group(2).strip(), (m.group(3) or "").strip()
    if not silent:
        if embed and Path(target).suffix.lower() in _IMAGE_SUFFIXES:
            token = state.push("image", "img", 0)
            size = shown.isdigit() or ("x" in shown and shown.replace("x", "").isdigit())  # `|300`, `|200x100`
            alt = Token("text", "", 0)
            alt.content = "" if size else shown
            token.attrs = {"src": target, "alt": ""}
            token.children = [alt] if alt.content else []
            token.content = alt.content
            token.meta = {WIKI_EMBED: True}
        elif shown:
            # the alias as the vault shows it: Markdown, its math typeset, read like a link's text
            end, most = m.end(), state.posMax
            state.pos, state.posMax = m.start(3), m.end(3)
            state.md.inline.tokenize(state)
            state.pos, state.posMax = end, most
            return True
        else:
            token = state.push("text", "", 0)
            token.content = target.split("#")[0].split("/")[-1].removesuffix(".md") or target
    state.pos = m.end()
    return True


# Sphinx roles as d2l-book and MyST notes write them, `:numref:`fig_lenet``: what a reader of the
# site sees. A label or a width is for the site's own machinery and shows nothing; a reference
# shows its target's name, an equation's in brackets, a citation in square ones.
# `:end_tab:` closes a tab with no argument; d2lbook also writes ``:numref:``sec_x```` with two backticks.
_ROLE = re.compile(r":([a-z_]+):(?:(`{1,2})([^`\n]+?)\2(?!`)|(?<=:end_tab:))")
_ROLE_SHOWN = {"label": None, "eqlabel": None, "width": None, "begin_tab": None, "end_tab": None,
               "numref": "{}", "ref": "{}", "eqref": "({})", "cite": "[{}]", "citet": "[{}]", "citep": "[{}]"}


def _role(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != ":":
        return False
    m = _ROLE.match(state.src, state.pos)
    if m is None or m.group(1) not in _ROLE_SHOWN:
        return False
    if not silent:
        shown = _ROLE_SHOWN[m.group(1)]
        if shown is not None:
            token = state.push("text", "", 0)
            token.content = shown.format((m.group(3) or "").strip())
    state.pos = m.end()
    return True


# MyST's roles, {eq}`two_eq_demand`, {cite}`Friedman1956`, {math}`x^2`: what the book shows. A reference
# written with its text (`{doc}`the lecture <intro>``) shows the text.
_MYST_ROLE = re.compile(r"\{([a-z][a-z:_-]*)\}`([^`\n]+)`")
_MYST_SHOWN = {"eq": "({})", "numref": "{}", "ref": "{}", "doc": "{}", "term": "{}", "index": "{}", "abbr": "{}",
               "cite": "[{}]", "cite:p": "[{}]", "cite:t": "[{}]", "cite:ps": "[{}]", "cite:ts": "[{}]"}


def _myst_role(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "{":
        return False
    m = _MYST_ROLE.match(state.src, state.pos)
    if m is None or (m.group(1) not in _MYST_SHOWN and m.group(1) != "math"):
        return False
    if not silent:
        if m.group(1) == "math":  # {math}`x^2`: inline math
            token = state.push("math_inline", "math", 0)
            token.content = m.group(2).strip()
            token.markup = "$"
        else:
            text = m.group(2).strip()
            named = re.match(r"(.+?)\s*<[^<>]+>$", text)  # `the lecture <intro>`: its text
            token = state.push("text", "", 0)
            token.content = _MYST_SHOWN[m.group(1)].format(named.group(1) if named else text)
    state.pos = m.end()
    return True


def _bracket_math(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    r"""`\[ ... \]` on their own lines as display math."""
    pos = state.bMarks[start] + state.tShift[start]
    if state.sCount[start] - state.blkIndent >= 4 or not state.src.startswith("\\[", pos):
        return False
    text = state.src[pos:state.eMarks[start]]
    line = start
    if text.rstrip().endswith("\\]") and len(text.rstrip()) > 3:
        body = text.rstrip()[2:-2]
    else:
        parts = [text[2:]]
        while True:
            line += 1
            if line >= end:
                return False  # unterminated: leave it to be read as text
            row = state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]]
            if row.rstrip().endswith("\\]"):
                parts.append(row.rstrip()[:-2])
                break
            parts.append(row)
        body = "\n".join(parts)
    if silent:
        return True
    state.line = line + 1
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = body.strip("\n")
    token.markup = "\\["
    token.map = [start, state.line]
    return True


# MyST (Jupyter Book, QuantEcon's lectures): a ```{math} fence holds display math, after option lines
# such as `:label: eq-name`.
_MYST_MATH = re.compile(r"(`{3,}|~{3,})[ \t]*\{math\}[ \t]*$")
_MYST_OPTION = re.compile(r"[ \t]*:[A-Za-z][\w-]*:")


def _myst_math(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """```` ```{math} ```` … ```` ``` ````: the formula it holds, as `$$ … $$`; its options are left out."""
    pos = state.bMarks[start] + state.tShift[start]
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    m = _MYST_MATH.match(state.src[pos:state.eMarks[start]])
    if m is None:
        return False
    fence, line, first, rows = m.group(1), start + 1, None, []
    while True:
        if line >= end:
            return False  # never closed: the fence rule shows it as code
        row = state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]]
        if row.startswith(fence) and not row.strip(fence[0]).strip():
            break
        if first is None and (_MYST_OPTION.match(row) or not row.strip()):
            line += 1
            continue
        first = line if first is None else first
        rows.append(row)
        line += 1
    if first is None:
        return False
    if silent:
        return True
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = "\n".join(rows).strip("\n")
    token.markup = ""  # the formula starts at the first column of its first line
    token.map = [first, line + 1]
    state.line = line + 1
    return True


# MyST directives whose body is Markdown (```{note}, :::{prf:theorem} Title): the body is read as the
# card's own text, with the title (if any) in bold before it. Code, figures, tables of contents and
# other directives are left to the fence rule (shown as code).
_MYST_DIRECTIVE = re.compile(r"(`{3,}|:{3,})[ \t]*\{([a-z][\w:-]*)\}[ \t]*(.*?)[ \t]*$")
_MYST_PROSE = frozenset({"note", "warning", "tip", "important", "caution", "attention", "danger", "error", "hint",
                         "seealso", "admonition", "dropdown", "exercise", "solution", "margin", "sidebar", "topic",
                         "epigraph", "div", "container", "card", "tab-item"})


def _myst_directive(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    pos = state.bMarks[start] + state.tShift[start]
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    m = _MYST_DIRECTIVE.match(state.src[pos:state.eMarks[start]])
    if m is None or not (m.group(2) in _MYST_PROSE or m.group(2).startswith("prf:")):
        return False
    fence, line = m.group(1), start + 1
    while True:
        if line >= end:
            return False  # never closed: shown as it is written
        row = state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]].rstrip()
        if row == fence:
            break
        line += 1
    if silent:
        return True
    body = start + 1
    while body < line and _MYST_OPTION.match(state.src[state.bMarks[body]:state.eMarks[body]]):
        body += 1  # :label: thm-x, :class: dropdown
    title = m.group(3)
    if title:
        state.push("paragraph_open", "p", 1).map = [start, start + 1]
        inline = state.push("inline", "", 0)
        inline.content, inline.map, inline.children = f"**{title}**", [start, start + 1], []
        state.push("paragraph_close", "p", -1)
    old_max, old_parent = state.lineMax, state.parentType
    state.lineMax, state.parentType = line, "blockquote"  # nested like a quote: its own end
    state.md.block.tokenize(state, body, line)
    state.lineMax, state.parentType = old_max, old_parent
    state.line = line + 1
    return True


def _inline_math_guard(rule):
    """Wrap dollarmath's inline rule: a `$` span that swallows a backtick is not math, nor one
    that reads like prices (`$5 or$10`).

    Without this, `costs $10 and `$x$`` reads from the price's `$` into the code span.
    """

    def wrapped(state: StateInline, silent: bool) -> bool:
        start, count, pending = state.pos, len(state.tokens), state.pending
        if not rule(state, silent):
            return False
        span = state.src[start:state.pos]
        # A closing `$` right before a digit closes `$-$1` and `$\sim$6000` (as Typora reads them),
        # but not a price: `$5 or$10` is text, as Pandoc has it.
        price = span[1:2].isdigit() and (state.pos < len(state.src) and state.src[state.pos].isdigit()
                                         or bool(_CJK.search(span)))  # `$10 元，$`: prose between prices
        if "`" in span or price:
            state.pos, state.pending = start, pending  # push() had flushed pending text into a token
            del state.tokens[count:]
            return False
        return True

    return wrapped


# Blank lines may stand inside display math (Typora, Obsidian), but a heading may not: a block
# that would swallow one is a `$$` never closed.
_HEADING_LINE = re.compile(r"^ {0,3}#{1,6}[ \t]", re.M)


def _dry_run_safe(rule):
    """dollarmath's block rule pushes its token even when only asked whether it would match (as a
    rule that ends a paragraph is): asked so, it leaves no trace."""

    def wrapped(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if not _row(state, start).startswith("$$"):
            return False  # no display math starts here; asked for every line of a long table or list
        if silent and _display_left_open(state, start):
            return False  # this `$$` closes one the paragraph opened: it ends no paragraph or quote
        closing = _closed_before_prose(state, start, end)
        if closing is not None:
            return _display_then_prose(state, start, closing, silent)
        line, count = state.line, len(state.tokens)
        matched = rule(state, start, end, False)
        if matched and _HEADING_LINE.search(state.tokens[-1].content):
            matched = False  # a `$$` left open ran on to the next block's: it is not closed (S017)
        if silent or not matched:
            state.line = line
            del state.tokens[count:]
        return matched

    return wrapped


def _row(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line]:state.eMarks[line]]


def _closed_before_prose(state: StateBlock, start: int, end: int) -> int | None:
    """The line of a `$$` that closes the block opened at `start` and is followed by prose on the
    same line (`$$ 其中 $b_i$ …`), as notes write a formula's conditions; None for any other block.
    dollarmath closes only at a line ending in `$$`, and so ran on into the next formula."""
    if state.sCount[start] - state.blkIndent >= 4 or _row(state, start).rstrip() != "$$":
        return None
    for line in range(start + 1, end):
        row = _row(state, line).rstrip()
        if row.endswith("$$") or _HEADING_LINE.match(row) or state.sCount[line] < state.blkIndent:
            return None
        if row.startswith("$$"):
            return line
    return None


def _display_then_prose(state: StateBlock, start: int, closing: int, silent: bool) -> bool:
    """The formula up to the closing `$$`; the rest of that line is left to be read as the start
    of a paragraph."""
    if silent:
        return True
    token = state.push("math_block", "math", 0)
    token.block = True
    # As dollarmath has it: from right after the opening `$$` to the closing one, so that offsets
    # into the formula still point into the source.
    token.content = state.src[state.bMarks[start] + state.tShift[start] + 2:state.bMarks[closing] + state.tShift[closing]]
    token.markup = "$$"
    token.map = [start, closing + 1]
    token.meta["prose_after"] = True  # its last line goes on as prose
    rest = state.bMarks[closing] + state.tShift[closing] + 2
    while rest < state.eMarks[closing] and state.src[rest] in " \t":
        rest += 1
    state.bMarks[closing], state.tShift[closing] = rest, 0  # the prose after `$$` begins the line
    state.line = closing
    return True


def _display_left_open(state: StateBlock, start: int) -> bool:
    """Whether the lines of prose just above `start` (back to a blank one) open a `$$` they do not
    close: `> $$`, a formula on lines without `>`, then `$$`, as notes quote a textbook's steps."""
    opened, line = 0, start - 1
    # Not past a formula just closed with prose after its `$$` (_display_then_prose): that line's
    # prose is where the paragraph began, its `$$` the formula's.
    floor = next((t.map[1] - (1 if t.meta.get("prose_after") else 0) for t in reversed(state.tokens)
                  if t.type == "math_block" and t.map), 0)
    while line >= floor:
        text = state.src[state.bMarks[line]:state.eMarks[line]]
        text = text.lstrip(" >")
        if not text.strip():
            break
        opened += text.count("$$")
        line -= 1
    return opened % 2 == 1


TEX_COMMENT = re.compile(r"(?<!\\)%[^\n]*")  # the checker reads `% check` from it too
# `\\[2pt]`, `\\[-1ex]`: the space a row break leaves, in TeX's units; the checker and the PDF skip it
ROW_SPACING = re.compile(r"\s*\[\s*-?(?:\d+\.?\d*|\.\d+)\s*(?:pt|em|ex|mm|cm|in|mu|bp|pc|dd|sp)\s*\]")
SPACED_BREAK = re.compile(r"\\\\" + ROW_SPACING.pattern)
BARE_PERCENT = re.compile(r"(?<=\d)%")  # `75%`: meant as a percent sign, read by TeX as a comment (S040)


def shown_math(latex: str) -> str:
    """A formula as cards show it: TeX comments (`% check`, notes to self) are for the author and
    the checker, and a comment on a one-line formula would swallow its closing delimiter."""
    return TEX_COMMENT.sub("", latex) if "%" in latex else latex


_KEPT = "ankigen.kept"  # env key: HTML of ours set aside while an author's raw HTML is sanitised


def _ours(env: dict, html: str) -> str:
    """HTML we made (code, math): returned as is, or, while a card with raw HTML is rendered, as a
    placeholder that sanitising cannot touch, so Pygments' colours and MathJax's text survive."""
    kept = env.get(_KEPT)
    if kept is None:
        return html
    kept.append(html)
    return f"\ue000{len(kept) - 1}\ue001"


# Estimated widths (em) past which a formula no longer fits a phone's line (about 18 em at 360 px),
# and a desktop's (the card's 42 em; estimates of very long formulas run a tenth over).
WIDE_INLINE_EM = 15.0
WIDER_INLINE_EM = 40.0
LONG_DISPLAY_EM = (17.0, 21.0)
PHONE_ROW_EM = 17.0  # the rows a formula too wide for a phone is broken into


_CLOZE_OPEN = re.compile(r"\{\{c(\d+)::")


def clozes(text: str) -> list[tuple[int, int, str, str, str | None]]:
    """(start, end, number, text, hint) of each cloze deletion. A deletion ends at the `}}` that
    closes its own braces: `{{c1::\\frac{a}{e^{x}}}}` holds the whole fraction, where a first `}}`
    (inside `e^{x}}`) would cut it, as Anki itself does."""
    out, at = [], 0
    while (m := _CLOZE_OPEN.search(text, at)) is not None:
        depth, j, hint_at = 0, m.end(), None
        while j < len(text):
            if text[j] == "\\":
                j += 2
                continue
            if depth == 0 and text.startswith("}}", j):
                break
            if depth == 0 and hint_at is None and text.startswith("::", j):
                hint_at = j
            depth += (text[j] == "{") - (text[j] == "}" and depth > 0)
            j += 1
        else:
            break  # never closed: not a deletion
        body_end = hint_at if hint_at is not None else j
        hint = text[hint_at + 2:j] if hint_at is not None else None
        out.append((m.start(), j + 2, m.group(1), text[m.end():body_end], hint))
        at = j + 2
    return out


def anki_cloze(number: str, body: str, hint: str | None) -> str:
    """A deletion Anki ends where it should: a `}}` inside it is written `} }`, and a `}` that ends
    it is followed by a space (TeX reads both the same), since Anki ends a deletion at its first `}}`."""
    while "}}" in body:
        body = body.replace("}}", "} }")
    tail = f"::{hint}" if hint is not None else ""
    if (tail or body).endswith("}"):
        tail += " "  # a last `}` beside the closing `}}` would be taken for it
    return f"{{{{c{number}::{body}{tail}}}}}"


def _math_text(latex: str) -> str:
    """Escaped TeX, with each cloze deletion wrapped in a class named by its number: inside a
    formula Anki marks neither the blank nor the revealed text, and the card's CSS highlights
    the one whose card (body class cardN) this is."""
    text = escape(latex, quote=False)
    if "{{c" not in text:
        return text
    out, at = [], 0
    for start, end, number, body, hint in clozes(text):
        out.append(text[at:start])
        out.append(f"\\class{{ag-c{number}}}{{ {anki_cloze(number, body, hint)} }}")
        at = end
    out.append(text[at:])
    return "".join(out)


def _render_inline_math(self, tokens, idx, options, env) -> str:
    latex = shown_math(tokens[idx].content)
    html = "\\(" + _math_text(latex) + "\\)"
    w = mathfit.width(latex, display=False)
    if w <= WIDE_INLINE_EM:
        return _ours(env, html)
    # Too wide for a phone's line: there it stands on a line of its own, in display style, broken
    # into rows where it can be; a desktop's line holds it, unless it is wider than even that.
    wider = " math-wider" if w > WIDER_INLINE_EM else ""
    return _ours(env, f'<span class="math-wide ag-wide{wider}">{html}</span>' + _display_formula(latex, "span", "math ag-narrow", phone_only=True))


def _fit_class(w: float, long: tuple[float, float] = LONG_DISPLAY_EM) -> str:
    return " longer" if w > long[1] else " long" if w > long[0] else ""


# Rows packed to PHONE_ROW_EM run over it only by a term that cannot break: a step smaller only
# when that is clearly too wide, so that the rows of one card keep one size.
_ROWS_FIT = (PHONE_ROW_EM + 1.5, (PHONE_ROW_EM + 1.5) / 0.88)


def _display_formula(latex: str, tag: str, classes: str, phone_only: bool = False) -> str:
    """One display formula. Too wide for a phone, it is written twice: as the author wrote it for a
    wide screen (in rows too if even that is too narrow), and broken into rows at its relations
    for a phone (card.css shows one of the two); what cannot break is set a step smaller there.
    `phone_only`: an inline formula's phone line, the only version there is to write."""
    w = mathfit.width(latex)
    narrow = mathfit.rows(latex, PHONE_ROW_EM) if w > LONG_DISPLAY_EM[0] else None
    if phone_only:
        tex, fit = narrow or (latex, w)
        return f'<{tag} class="{classes}{_fit_class(fit, _ROWS_FIT if narrow else LONG_DISPLAY_EM)}">\\[{_math_text(tex)}\\]</{tag}>'
    if narrow is None:
        return f'<{tag} class="{classes}{_fit_class(w)}">\\[{_math_text(latex)}\\]</{tag}>'
    wide = mathfit.rows(latex, WIDER_INLINE_EM) if w > WIDER_INLINE_EM else None
    wide_tex = wide[0] if wide else latex
    return (f'<{tag} class="{classes} ag-wide">\\[{_math_text(wide_tex)}\\]</{tag}>'
            f'<{tag} class="{classes} ag-narrow{_fit_class(narrow[1], _ROWS_FIT)}">\\[{_math_text(narrow[0])}\\]</{tag}>')


def _display_block(latex: str, tag: str = "div") -> str:
    pieces = mathfit.statements(latex)
    if len(pieces) == 1:
        return _display_formula(latex, tag, "math")
    # One formula per statement, side by side: a narrow screen wraps them instead of cutting them.
    inner = "".join(_display_formula(p, "span", "statement") for p in pieces)
    return f'<{tag} class="math statements">{inner}</{tag}>'


def _render_display_math(self, tokens, idx, options, env) -> str:
    latex = shown_math(tokens[idx].content).strip()
    if tokens[idx].type == "math_inline_double":
        # `… is $$x$$ where …`: a display formula inside a paragraph, in a span that card.css shows
        # as a block, so that a wide one scrolls inside it as any display formula does.
        return _ours(env, _display_block(latex, "span"))
    return "".join(_ours(env, _display_block(part.strip())) + "\n" for part in display_parts(latex))


_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_NESTING = re.compile(r"\\\\|\\begin\{[^{}]*\}|\\end\{[^{}]*\}|\\[{}]|[{}]")  # `\\{`: a row break, then a group


def blank_gaps(latex: str) -> list[tuple[int, int]]:
    """Where a display block written Typora's way separates its formulas: the blank lines outside
    every environment and group. A blank line inside `cases` or `aligned` is layout, not a gap."""
    depth, level_at = 0, []  # the nesting depth after each opener or closer, by offset
    for m in _NESTING.finditer(latex):
        token = m.group()
        if token == "{" or token.startswith("\\begin"):
            depth += 1
        elif token == "}" or token.startswith("\\end"):
            depth = max(depth - 1, 0)
        level_at.append((m.end(), depth))
    gaps, k, level = [], 0, 0
    for gap in _BLANK_LINES.finditer(latex):
        while k < len(level_at) and level_at[k][0] <= gap.start():
            level = level_at[k][1]
            k += 1
        before = TEX_COMMENT.sub("", latex[:gap.start()])  # `\mathbf{B} = % a note`: still open
        if level == 0 and not _OPEN_END.search(before) and not _CONTINUED.match(latex[gap.end():]):
            gaps.append(gap.span())
    return gaps


# A formula that stops at a relation or operator (`\mathbf{B} =`, blank line, the matrix) or one that
# starts with one goes on across the blank line: Typora authors space out one formula so.
_OPEN_END = re.compile(r"(?:[=+\-*/<>&(,]|\\\\|\\(?:times|cdot|le|ge|leq|geq|ne|neq|approx|in|to|pm))\s*$")
_CONTINUED = re.compile(r"\s*(?:[=+\-*/<>&)]|\\(?:times|cdot|le|ge|leq|geq|ne|neq|approx|pm)\b)")


def split_at_gaps(latex: str) -> list[tuple[int, str]]:
    """The formulas of a display block, each with its offset in the block."""
    parts, start = [], 0
    for begin, end in blank_gaps(latex):
        parts.append((start, latex[start:begin]))
        start = end
    parts.append((start, latex[start:]))
    return parts


def display_parts(latex: str) -> list[str]:
    """A display block written Typora's way, with blank lines inside, as the formulas it holds:
    each is shown on a line of its own (MathJax and Typst would run them together)."""
    return [part for _, part in split_at_gaps(latex) if part.strip()] or [latex]


def _render_fence(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    lang = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    if lang == CHECK_INFO:
        return ""  # check blocks feed the checker, never the card faces
    return _ours(env, highlight_code(token.content, lang)) + "\n"


# `A.`, `B、`, `C)`, `（D）`: the options of a multiple-choice question, one per line.
OPTION = re.compile(r"^\s*(?:[(（][A-HＡ-Ｈ][)）]|[A-HＡ-Ｈ][.．、)）])")


def is_cjk(ch: str) -> bool:
    return bool(ch) and unicodedata.east_asian_width(ch) in "WF"


def option_lines(children: list[Token]) -> bool:
    """Whether two or more lines of this paragraph start like options."""
    starts = [children[0]] if children else []
    starts += [children[i + 1] for i, t in enumerate(children[:-1]) if t.type == "softbreak"]
    return sum(t.type == "text" and bool(OPTION.match(t.content)) for t in starts) >= 2


def option_letter(text: str) -> str | None:
    """The letter of the option a line starts with (`B.`, `（b）`, full-width `Ｂ、`), as `A`–`H`."""
    m = OPTION.match(text)
    if m is None:
        return None
    letter = next(c for c in m.group() if c.isalpha())
    return chr(ord(letter) - ord("Ａ") + ord("A")) if letter >= "Ａ" else letter


def _option_class(text: str) -> str:
    letter = option_letter(text)
    return f" opt-{letter}" if letter else ""


def _render_softbreak(self, tokens, idx, options, env) -> str:
    """A line break as the author meant it: none between two CJK characters (a browser would show
    a space), a real one before each option of a multiple-choice question, a space otherwise."""
    after = tokens[idx + 1] if idx + 1 < len(tokens) else None
    if after is not None and after.type == "text" and OPTION.match(after.content) and option_lines(tokens):
        return f'</span>\n<span class="option{_option_class(after.content)}">'
    before = tokens[idx - 1] if idx else None
    last = before.content[-1:] if before is not None and before.type == "text" else ""
    first = after.content[:1] if after is not None and after.type == "text" else ""
    if (is_cjk(last) and is_cjk(first)) or _cjk_punctuation(last) or _cjk_punctuation(first):
        return ""  # full-width punctuation carries its own space
    return "\n"


def _render_paragraph_open(self, tokens, idx, options, env) -> str:
    """A paragraph of options holds one block per line, so that an option wrapping onto a second
    line hangs under its text and not under its letter (card.css)."""
    after = tokens[idx + 1] if idx + 1 < len(tokens) else None
    if after is not None and after.type == "inline" and after.children and option_lines(after.children):
        return f'<p class="options"><span class="option{_option_class(after.children[0].content)}">'
    letter = _lone_option(tokens, idx)
    if letter and not tokens[idx].hidden and not (idx and tokens[idx - 1].type == "list_item_open"):
        return f'<p class="option opt-{letter}">'  # options written one paragraph each
    return self.renderToken(tokens, idx, options, env)


def _lone_option(tokens: list[Token], idx: int) -> str | None:
    """The option letter a paragraph (or a list item, at idx) opens with when it is one of two or
    more such blocks in a row: options written one per paragraph or one per list item."""
    def letter_at(i: int) -> str | None:
        inline = next((t for t in tokens[i + 1:i + 3] if t.type == "inline"), None)
        return option_letter(inline.content) if inline is not None and "\n" not in inline.content.strip() else None

    own = letter_at(idx)
    if own is None:
        return None
    kind, level = tokens[idx].type, tokens[idx].level
    near = [i for i in range(max(0, idx - 5), min(len(tokens), idx + 6))  # the block just before or after
            if i != idx and tokens[i].type == kind and tokens[i].level == level]
    return own if any(letter_at(i) for i in near) else None


def _render_list_item_open(self, tokens, idx, options, env) -> str:
    letter = _lone_option(tokens, idx)
    return f'<li class="option opt-{letter}">' if letter else self.renderToken(tokens, idx, options, env)


def _render_paragraph_close(self, tokens, idx, options, env) -> str:
    before = tokens[idx - 1] if idx else None
    if before is not None and before.type == "inline" and before.children and option_lines(before.children):
        return "</span></p>\n"
    return self.renderToken(tokens, idx, options, env)


def _cjk_punctuation(ch: str) -> bool:
    return is_cjk(ch) and unicodedata.category(ch).startswith("P")


def _render_raw_html(self, tokens, idx, options, env) -> str:
    if tokens[idx].type == "html_block":
        return textify(tokens[idx].content, lambda text: _text_with_math(text, env))
    return textify(tokens[idx].content)


def _text_with_math(text: str, env: dict) -> str:
    """The text of an HTML block, its `$…$` and `$$…$$` typeset as everywhere else."""
    out = []
    for kind, piece in math_spans(text):
        if kind == "text":
            out.append(escape(piece, quote=False))
        elif kind == "inline":
            out.append(_ours(env, "\\(" + _math_text(shown_math(piece)) + "\\)"))
        else:
            out.append(_ours(env, "\\[" + _math_text(shown_math(piece)) + "\\]"))
    return "".join(out)


def _has_raw_html(tokens: list[Token]) -> bool:
    return any(t.type in ("html_block", "html_inline") or (t.children and _has_raw_html(t.children))
               for t in tokens)


_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


def balance_inline(children: list[Token]) -> None:
    """Inline tags closed within their paragraph: a `</b>` with no `<b>` becomes text, and a `<b>`
    left open is closed at the end (the HTML parser would carry it into every block after it)."""
    stack: list[str] = []
    for t in children:
        if t.type != "html_inline":
            continue
        found = tag(t.content)
        if found is None:
            continue
        name, closing = found
        if not closing:
            stack.append(name)
        elif name in stack:
            while stack and stack[-1] != name:  # `<b><i></b>`: the inner one ends with the outer
                t.content = f"</{stack.pop()}>" + t.content
            stack.pop()
        else:
            t.type = "text"
    if stack:
        closer = Token("html_inline", "", 0)
        closer.content = "".join(f"</{name}>" for name in reversed(stack))
        children.append(closer)


def render_html(tokens: list[Token], env: dict) -> str:
    """Tokens as card HTML. Without raw HTML it is markdown-it's output as it always was (so no
    note changes); with some, the whole of it goes through the sanitiser."""
    md = markdown()
    if not _has_raw_html(tokens):
        return glue_punctuation(md.renderer.render(tokens, md.options, env).replace(_EMPTY_PARAGRAPH, ""))
    for t in tokens:
        if t.children:
            balance_inline(t.children)
    kept: list[str] = []
    html = sanitize(md.renderer.render(tokens, md.options, {**env, _KEPT: kept})).replace(_EMPTY_ANCHOR, "")
    # An author's own \ue000…\ue001 is text like any other: only numbers we handed out are ours.
    html = _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))] if int(m.group(1)) < len(kept) else m.group(0), html)
    return glue_punctuation(html.replace(_EMPTY_PARAGRAPH, ""))


_EMPTY_PARAGRAPH = "<p></p>\n"  # a line of nothing but a label (`:label:`sec_x``) shows nothing
# `<a name="fig-1"></a>` once sanitised: an anchor for a site's own links, nothing on a card
_EMPTY_ANCHOR = "<a></a>"  # its paragraph, if that is all it held, goes with _EMPTY_PARAGRAPH
_PRE = re.compile(r"(<pre\b.*?</pre>)", re.S)
_MATH_THEN_PUNCT = re.compile(r"(\\\((?:(?!\\\)).)*?\\\))(</span>)?([，。；：、！？）」』,.;:!?)]+)", re.S)


def glue_punctuation(html: str) -> str:
    """Closing punctuation after an inline formula stays on the formula's line: a line that starts
    with "；" reads as a mistake. Inside a wide formula's own span, or in a no-break one."""
    def glue(m: re.Match) -> str:
        if m.group(2):
            return m.group(1) + m.group(3) + m.group(2)
        return f'<span class="nobr">{m.group(1)}{m.group(3)}</span>'

    if "\\(" not in html:  # most cards: no inline formula, nothing to glue
        return html
    parts = _PRE.split(html)
    return "".join(p if p.startswith("<pre") else _MATH_THEN_PUNCT.sub(glue, _WIDE_THEN_PUNCT.sub(_glue_both, p))
                   for p in parts)


# A wide inline formula and its phone line (_render_inline_math), then punctuation.
_WIDE_THEN_PUNCT = re.compile(r'(\\\((?:(?!\\\)).)*?\\\))(</span><span class="math ag-narrow[^"]*">\\\[)'
                              r"((?:(?!\\\]).)*?)(\\\]</span>)([，。；：、！？）」』,.;:!?)]+)", re.S)


def _glue_both(m: re.Match) -> str:
    """The punctuation inside the wide formula's span, and inside the phone's display formula (a
    block: after it, the punctuation would start a line of its own)."""
    tex, mark = m.group(3), f"\\,\\text{{{m.group(5)}}}"
    end = "\\end{aligned}"
    tex = tex[:-len(end)] + mark + end if tex.endswith(end) else tex + mark  # after the last row, not beside them all
    return f"{m.group(1)}{m.group(5)}{m.group(2)}{tex}{m.group(4)}"


def highlight_code(code: str, lang: str) -> str:
    """Code with Pygments' token classes, coloured by templates/code.css (in the note type, so
    offline, and with a night palette that inline colours cannot have)."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    label = f' data-lang="{escape(lang)}"' if lang else ""
    try:
        lexer = get_lexer_by_name(lang) if lang else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return f'<pre class="code"{label}><code>{_code_lines(escape(code))}</code></pre>'
    # The prefix is code.css's: Pygments' bare classes (`.k`, `.c1`) could meet Anki's or a card's own.
    body = highlight(code, lexer, HtmlFormatter(nowrap=True, classprefix="tok-"))
    return f'<pre class="code"{label}><code>{_code_lines(body)}</code></pre>'


_SPAN = re.compile(r'<span class="[^"]*">|</span>')
MAX_INDENT = 24  # card.css has a class for each indent up to this many spaces


def _code_lines(html: str) -> str:
    """Each line of code in a span of its own, classed by its indent (`ln i4`), so that a phone can
    wrap a long line under its own text, hung further in, and never back at column 0 where it would
    read as a dedented statement (card.css). Pygments' spans are flat: one still open at a line's end
    is closed there and opened again on the next line."""
    out, carried = [], ""
    lines = html.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        text = carried + line
        opened = ""
        for m in _SPAN.finditer(text):
            opened = "" if m.group() == "</span>" else m.group()
        plain = _SPAN.sub("", line)
        indent = min(len(plain) - len(plain.lstrip(" ")), MAX_INDENT)
        # the line's newline inside its span: between block spans it would be an empty line of its own
        out.append(f'<span class="ln i{indent}">{text}{"</span>" if opened else ""}\n</span>')
        carried = opened
    return "".join(out)


# A `|` inside inline math in a table row is the math's (`$P(Y|X)$`, `$\|x\|$`), as Typora and Obsidian
# read it, not a cell border: it is hidden from the table rule and given back to the formula.
_PIPE = "\ue000"
_DELIMITER_ROW = re.compile(r"^ {0,3}\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_ROW_MATH = re.compile(r"(?<![\\$])\$(?![$\s])((?:\\.|[^$\\\n])+?)(?<!\s)\$(?!\$)")


def _protect_row(line: str) -> str:
    return _ROW_MATH.sub(lambda m: m.group(0).replace("|", _PIPE), line) if "$" in line else line


def _table_math_pipes(state) -> None:
    if "|" not in state.src or "$" not in state.src:
        return
    lines = state.src.split("\n")
    in_table = False
    for i, line in enumerate(lines):
        if "-" in line and "|" in line and _DELIMITER_ROW.match(line) and i and "|" in lines[i - 1]:
            lines[i - 1] = _protect_row(lines[i - 1])
            in_table = True
        elif in_table and line.strip():
            lines[i] = _protect_row(line)
        else:
            in_table = False
    state.src = "\n".join(lines)


def _give_back_pipes(state) -> None:
    if _PIPE not in state.src:
        return
    for token in state.tokens:
        for t in [token, *(token.children or [])]:
            if _PIPE in t.content:
                t.content = t.content.replace(_PIPE, "|")


# MyST's labels: `(eq:demand)` after a display's closing `$$`, `(sec-intro)=` on a line of its own before
# what it names. They are for the book's cross references and show nothing.
_MYST_LABEL = re.compile(r"\((?=[^()\s]*[A-Za-z])(?=[^()\s]*[:_-])[\w:.-]+\)|\([\w:.-]+\)=")


def _myst_labels(state) -> None:
    tokens, out, k = state.tokens, [], 0
    while k < len(tokens):
        t = tokens[k]
        if t.type == "paragraph_open" and k + 2 < len(tokens) and tokens[k + 1].type == "inline" \
                and tokens[k + 2].type == "paragraph_close":
            text = tokens[k + 1].content.strip()
            prev = out[-1] if out else None
            after_display = prev is not None and prev.type == "math_block" and bool(prev.map) and bool(t.map) \
                and prev.map[1] >= t.map[0]
            if _MYST_LABEL.fullmatch(text) and (text.endswith("=") or after_display):
                k += 3
                continue
        out.append(t)
        k += 1
    state.tokens = out


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The one parser every stage shares. Raw HTML is read as HTML, then shown through rawhtml's
    allowlist (the rest as text)."""
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(front_matter_plugin)
    md.core.ruler.after("normalize", "table_math_pipes", _table_math_pipes)
    md.core.ruler.push("give_back_pipes", _give_back_pipes)
    md.core.ruler.after("block", "myst_labels", _myst_labels)
    # Pandoc's rules: `$5 and $10` is not math, because a closing `$` may not follow a space; one
    # before a digit closes only what is no price (_inline_math_guard).
    md.use(dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=True,
           allow_blank_lines=True, double_inline=True)
    # `$$` on the line right after text starts display math, as it does in Pandoc, Obsidian and
    # Typora; otherwise a line `=` inside it made a heading and `+ x` a list item.
    block_rule = next(r.fn for r in md.block.ruler.__rules__ if r.name == "math_block")
    md.block.ruler.at("math_block", _dry_run_safe(block_rule), {"alt": ["paragraph", "reference", "blockquote", "list"]})
    dollar_rule = next(r.fn for r in md.inline.ruler.__rules__ if r.name == "math_inline")
    md.inline.ruler.at("math_inline", _inline_math_guard(dollar_rule))
    md.inline.ruler.before("escape", "math_paren", _paren_math)
    md.inline.ruler.before("link", "wikilink", _wikilink)
    md.inline.ruler.before("backticks", "role", _role)
    md.inline.ruler.before("backticks", "myst_role", _myst_role)
    md.inline.ruler.before("math_inline", "math_padded", _padded_math)
    md.block.ruler.before("fence", "math_bracket", _bracket_math,
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
    md.block.ruler.before("fence", "myst_math", _myst_math, {"alt": ["paragraph", "reference", "blockquote", "list"]})
    md.block.ruler.before("fence", "myst_directive", _myst_directive,
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
    md.add_render_rule("math_inline", _render_inline_math)
    md.add_render_rule("math_inline_double", _render_display_math)
    md.add_render_rule("math_block", _render_display_math)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", lambda self, t, i, o, e: _ours(e, highlight_code(t[i].content, "")) + "\n")
    md.add_render_rule("softbreak", _render_softbreak)
    md.add_render_rule("paragraph_open", _render_paragraph_open)
    md.add_render_rule("list_item_open", _render_list_item_open)
    md.add_render_rule("paragraph_close", _render_paragraph_close)
    md.add_render_rule("html_inline", _render_raw_html)
    md.add_render_rule("html_block", _render_raw_html)
    return md
