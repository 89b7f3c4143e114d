"""Formulas on a phone: where a display formula may break, and how wide a formula will be.

MathJax 3 never breaks a formula, and a card's CSS cannot know how wide one is before MathJax
draws it, so both are decided here from the TeX. A display formula with several statements
(`a = 1, \\quad b = 2`) becomes one formula per statement, laid side by side and wrapping on a
narrow screen. The width is an estimate in em, good to about a fifth: enough to shrink a long
formula a step on a phone and to let a long inline one scroll on its own line.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|\s+|.", re.S)
_OPEN = {"(", "[", "\\{", "\\langle", "\\lfloor", "\\lceil", "\\left", "\\begin", "{"}
_CLOSE = {")", "]", "\\}", "\\rangle", "\\rfloor", "\\rceil", "\\right", "\\end", "}"}
_DROPPED = {"\\quad", "\\qquad"}
# Seen at the top level, these leave a formula in one piece: its rows and columns are the author's.
_WHOLE = re.compile(r"\\\\|(?<!\\)&|\\begin\{|\\tag|\\label|\\(?:over|atop|choose)\b")

_ZERO = {"\\left", "\\right", "\\displaystyle", "\\textstyle", "\\limits", "\\nolimits", "\\!", "\\big",
         "\\Big", "\\bigg", "\\Bigg", "\\mathrm", "\\mathbf", "\\mathit", "\\mathbb", "\\mathcal",
         "\\boldsymbol", "\\bm", "\\mathsf", "\\mathtt", "\\mathfrak", "\\color", "\\hat", "\\bar",
         "\\tilde", "\\vec", "\\dot", "\\ddot", "\\overline", "\\underline", "\\widehat", "\\widetilde"}
_SPACE = {"\\,": 0.17, "\\:": 0.22, "\\;": 0.28, "\\ ": 0.3, "~": 0.3, "\\quad": 1.0, "\\qquad": 2.0}
_RELATIONS = set("=<>+-−×·") | {"\\le", "\\leq", "\\ge", "\\geq", "\\ne", "\\neq", "\\approx", "\\sim",
                                "\\times", "\\cdot", "\\in", "\\to", "\\mapsto", "\\equiv", "\\propto",
                                "\\Rightarrow", "\\rightarrow", "\\leftarrow", "\\iff", "\\implies", "\\pm",
                                "\\mp", "\\div", "\\ll", "\\gg", "\\subset", "\\subseteq", "\\cup", "\\cap"}
_SCRIPT = 0.7
# MathJax draws formulas larger than the CJK text around them (it matches their x-heights).
_MATH_SCALE = 1.2
# A formula longer than this is far wider than any screen whatever its terms: it is not measured
# or broken into rows but scrolls as it is, so that a generated megabyte formula costs no seconds.
FIT_MAX = 20_000
_EM_PER_CHAR = 0.45  # about what width() gives long sums of indexed terms


def _tokens(latex: str) -> list[str]:
    return _TOKEN.findall(latex)


@lru_cache(maxsize=8192)  # a deck repeats its formulas; a card is rendered more than once
def statements(latex: str) -> tuple[str, ...]:
    """The pieces a display formula may break into: at top-level `,` and `;` (kept at the end of
    the piece) and `\\quad`, `\\qquad` (dropped: the gap between pieces replaces them). One piece
    when the formula has rows, columns or environments of its own, or nothing to break at."""
    if _WHOLE.search(latex) or len(latex) > FIT_MAX:
        return (latex.strip(),)
    pieces, current, depth = [], [], 0
    for tok in _tokens(latex):
        if tok in _OPEN:
            depth += 1
        elif tok in _CLOSE:
            depth = max(0, depth - 1)
        if depth == 0 and tok in _DROPPED:
            pieces.append("".join(current))
            current = []
            continue
        current.append(tok)
        if depth == 0 and tok in (",", ";"):
            pieces.append("".join(current))
            current = []
    pieces.append("".join(current))
    pieces = [p.strip() for p in pieces if p.strip()]
    # A piece that is only punctuation or a lone symbol ("x, y, z") would break a list, not a formula.
    if len(pieces) < 2 or any(width(p) < 2.0 for p in pieces):
        return (latex.strip(),)
    return tuple(pieces)


@lru_cache(maxsize=8192)
def width(latex: str, display: bool = True) -> float:
    """Estimated width of the formula in em of the surrounding text."""
    if len(latex) > FIT_MAX:
        return round(len(latex) * _EM_PER_CHAR, 2)
    toks = _tokens(latex)
    drawn = _rows(toks, display) if "\\\\" in latex else _group(toks, 0, display)[0]
    return round(drawn * _MATH_SCALE, 2)


def _rows(toks: list[str], display: bool) -> float:
    """The widest of the rows that stand one under the other, split at top-level `\\\\` (an
    environment's own rows are its business: see _environment)."""
    rows, row, depth, i = [], [], 0, 0
    while i < len(toks):
        tok = toks[i]
        depth += (tok == "\\begin") - (tok == "\\end")
        if tok == "\\\\" and depth == 0:
            rows.append(row)
            row, i = [], _skip_spacing(toks, i + 1)
            continue
        row.append(tok)
        i += 1
    rows.append(row)
    return max(_group(r, 0, display)[0] for r in rows)


def _skip_spacing(toks: list[str], i: int) -> int:
    """Past the `[2pt]` that may follow a `\\\\`."""
    if i < len(toks) and toks[i] == "[":
        close = toks.index("]", i) if "]" in toks[i:] else i
        return close + 1
    return i


def _environment(toks: list[str], i: int, display: bool) -> tuple[float, int]:
    """`\\begin{…}` at toks[i] up to its `\\end{…}`: as wide as its widest row, wherever it stands
    (a binomial written as an array in the middle of a line widens that line by one column)."""
    name_at = i + 1
    _, j = _argument(toks, name_at, display)  # the environment's name is not drawn
    if "array" in "".join(toks[name_at:j]) or "tabular" in "".join(toks[name_at:j]):
        _, j = _argument(toks, j, display)  # nor an array's column spec
    start, depth = j, 1
    while j < len(toks):
        depth += (toks[j] == "\\begin") - (toks[j] == "\\end")
        if depth == 0:
            break
        j += 1
    w = _rows(toks[start:j], display)
    if j < len(toks):
        _, j = _argument(toks, j + 1, display)
    return w, j


def _group(toks: list[str], i: int, display: bool, until: str = "") -> tuple[float, int]:
    total = 0.0
    while i < len(toks):
        tok = toks[i]
        if until and tok == until:
            return total, i + 1
        w, i = _atom(toks, i, display)
        total += w
    return total, i


def _argument(toks: list[str], i: int, display: bool) -> tuple[float, int]:
    while i < len(toks) and toks[i].isspace():
        i += 1
    if i < len(toks) and toks[i] == "{":
        return _group(toks, i + 1, display, until="}")
    if i < len(toks):
        return _atom(toks, i, display)
    return 0.0, i


def _text_width(toks: list[str], i: int) -> tuple[float, int]:
    """\\text{…}: letters of the text font, CJK a full em each."""
    depth, w = 0, 0.0
    while i < len(toks):
        tok = toks[i]
        i += 1
        if tok == "{":
            depth += 1
            if depth == 1:
                continue
        elif tok == "}":
            depth -= 1
            if depth == 0:
                break
        w += sum(1.0 if ord(c) > 0x2E80 else 0.5 for c in tok)
    return w, i


def _atom(toks: list[str], i: int, display: bool) -> tuple[float, int]:
    tok = toks[i]
    if tok.isspace() or tok in "{}" or tok in _ZERO or tok == "&":
        return 0.0, i + 1
    if tok == "\\begin":
        return _environment(toks, i, display)
    if tok == "\\end":  # one without its \\begin
        _, j = _argument(toks, i + 1, display)
        return 0.0, j
    if tok in ("_", "^"):
        w, j = _argument(toks, i + 1, display)
        return w * _SCRIPT, j
    if tok in ("\\frac", "\\dfrac", "\\tfrac", "\\binom"):
        scale = 1.0 if (display or tok == "\\dfrac") and tok != "\\tfrac" else _SCRIPT
        a, j = _argument(toks, i + 1, False)
        b, j = _argument(toks, j, False)
        return max(a, b) * scale + 0.3, j
    if tok == "\\sqrt":
        w, j = _argument(toks, i + 1, display)
        return w + 0.9, j
    if tok in ("\\text", "\\textrm", "\\mbox", "\\operatorname", "\\textbf", "\\textit", "\\mathrm"):
        if tok == "\\mathrm" or tok == "\\operatorname":
            w, j = _argument(toks, i + 1, display)
            return w * 0.9, j
        return _text_width(toks, i + 1)
    if tok in _SPACE:
        return _SPACE[tok], i + 1
    if tok in _RELATIONS:
        return 1.15, i + 1
    if tok in (",", ";"):
        return 0.45, i + 1
    if tok.startswith("\\") and len(tok) > 2:
        name = tok[1:]
        if name in ("sum", "prod", "int", "oint", "bigcup", "bigcap"):
            return (1.4 if display else 1.0), i + 1
        if name in ("log", "ln", "exp", "sin", "cos", "tan", "max", "min", "arg", "lim", "sup", "inf",
                    "det", "dim", "tanh", "sigmoid", "softmax", "argmax", "argmin", "ker", "deg"):
            return len(name) * 0.5 + 0.2, i + 1
        return 0.7, i + 1  # a Greek letter or a symbol
    if ord(tok[0]) > 0x2E80:
        return 1.0, i + 1
    return (0.8 if tok.isupper() else 0.58), i + 1


# Where a typesetter breaks a display formula too wide for its line: before a top-level relation,
# then, in a piece still too wide, before a top-level `+` or `-`.
_BREAK_BEFORE = {"=", "<", ">", "\\le", "\\leq", "\\ge", "\\geq", "\\ne", "\\neq", "\\approx", "\\equiv",
                 "\\propto", "\\simeq", "\\cong", "\\sim", "\\leqslant", "\\geqslant", "\\triangleq",
                 "\\doteq", "\\coloneqq", "\\Rightarrow", "\\Leftarrow", "\\Leftrightarrow", "\\implies",
                 "\\iff", "\\lt", "\\gt"}
_STACKED = {"\\overset", "\\stackrel", "\\underset"}  # `\overset{(a)}{=}`: a relation with a label
_BINARY = {"+", "-", "\\pm", "\\mp"}
_HANG = "\\quad "  # how far a row continuing a term stands in from the rows of relations


def _group_end(toks: list[str], i: int) -> int:
    """The index past the argument starting at toks[i] (a `{…}` group or one token)."""
    while i < len(toks) and toks[i].isspace():
        i += 1
    if i >= len(toks) or toks[i] != "{":
        return min(i + 1, len(toks))
    depth = 0
    for j in range(i, len(toks)):
        depth += (toks[j] == "{") - (toks[j] == "}")
        if depth == 0:
            return j + 1
    return len(toks)


_PLAIN = {"(", ")", "[", "]"}  # TeX does not pair them: an `aligned` row may end inside them


def _top_level(toks: list[str], starts: set[str], in_parentheses: bool = False) -> list[str]:
    """The formula cut before each top-level token of `starts` (a relation: also `\\overset{…}{=}`
    and the `:` of `:=`). A binary sign right after the start of a piece or another sign is unary.
    With `in_parentheses`, inside plain parentheses and brackets counts as the top level too."""
    pieces, current, depth, i = [], [], 0, 0
    last = ""  # the piece's last token that shows; "" while it has none
    while i < len(toks):
        tok = toks[i]
        if depth == 0:
            if tok in _STACKED and starts is _BREAK_BEFORE:
                end = _group_end(toks, _group_end(toks, i + 1))
                label = "".join(toks[_group_end(toks, i + 1):end]).strip().strip("{}").strip()
                if label in _BREAK_BEFORE:
                    if last:
                        pieces.append(current)
                    current = toks[i:end]
                    last = next((t for t in reversed(current) if t.strip()), "")
                    i = end
                    continue
            if tok in starts and last and not (tok in _BINARY and last in _BINARY | _BREAK_BEFORE):
                colon = starts is _BREAK_BEFORE and last == ":"
                if colon:
                    current = current[:len(current) - current[::-1].index(":") - 1]
                pieces.append(current)
                current, last = ([":"], ":") if colon else ([], "")
        if in_parentheses and tok in _PLAIN:
            pass
        elif tok in _OPEN:
            depth += 1
        elif tok in _CLOSE:
            depth = max(0, depth - 1)
        current.append(tok)
        if tok.strip():
            last = tok
        i += 1
    pieces.append(current)
    return ["".join(p).strip() for p in pieces if "".join(p).strip()]


def _starts_with_relation(piece: str) -> bool:
    toks = [t for t in _tokens(piece) if t.strip()]
    return bool(toks) and (toks[0] in _BREAK_BEFORE or toks[0] in _STACKED or toks[0] == ":")


@lru_cache(maxsize=4096)
def rows(latex: str, limit: float) -> tuple[str, float] | None:
    """The formula as `aligned` rows no wider than `limit` em where it can break, and the width of
    the widest row; None when it has nothing to break at, or is already in rows of its author's.

    The left side stays on the first row when it is short, and the rows that follow line up on
    their relation signs; a long left side stands alone and the rows below it are indented."""
    if _WHOLE.search(latex) or len(latex) > FIT_MAX:
        return None
    pieces = _top_level(_tokens(latex), _BREAK_BEFORE)
    lhs = "" if pieces and _starts_with_relation(pieces[0]) else pieces.pop(0) if pieces else ""
    lhs_width = width(lhs) if lhs else 0.0
    # Left-aligned rows when there is no left side to line up against: a long one, or none.
    left = lhs_width > 0.5 * limit or not pieces or not lhs
    indent = 1.0 if left and pieces else 0.0 if left else lhs_width
    # Each relation's piece, and the terms a piece too wide is cut into (hung a quad further in).
    parts: list[tuple[str, bool]] = []
    for piece in ([lhs] if left and lhs else []) + pieces:
        if width(piece) + indent <= limit:
            parts.append((piece, False))
            continue
        terms = _top_level(_tokens(piece), _BINARY)
        if any(width(t) + indent + 1.0 > limit for t in terms):  # a product of long sums: break inside
            terms = _top_level(_tokens(piece), _BINARY, in_parentheses=True)
        parts.append((terms[0], False))
        parts.extend(("{}" + t, True) for t in terms[1:])
    lines: list[list[tuple[str, bool]]] = []
    for k, part in enumerate(parts):
        # a long left side stands on a row of its own, its relation below it
        new = not lines or (left and bool(pieces) and bool(lhs) and k == 1)
        if not new:
            new = indent + sum(width(p) for p, _ in lines[-1]) + width(part[0]) > limit
        if new:
            lines.append([part])
        else:
            lines[-1].append(part)
    if len(lines) < 2:
        return None
    rows_tex, widest = [], 0.0
    for n, line in enumerate(lines):
        text = " ".join(p for p, _ in line)
        if left:
            lead = "" if n == 0 else (_HANG if pieces else "") + (_HANG if line[0][1] else "")
            # `{}`: a relation or sign after the indent keeps the space it has between two terms
            rows_tex.append("&" + lead + ("{}" if lead and not text.startswith("{}") else "") + text)
            widest = max(widest, width(text) + (lead.count("quad") * 1.0))
        else:
            lead = _HANG if line[0][1] else ""
            rows_tex.append((lhs + " " if n == 0 else "") + "&" + lead + text)
            widest = max(widest, indent + width(text) + (1.0 if lead else 0.0))
    return "\\begin{aligned}" + " \\\\ ".join(rows_tex) + "\\end{aligned}", round(widest, 2)
