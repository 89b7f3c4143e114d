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


def _tokens(latex: str) -> list[str]:
    return _TOKEN.findall(latex)


@lru_cache(maxsize=8192)  # a deck repeats its formulas; a card is rendered more than once
def statements(latex: str) -> tuple[str, ...]:
    """The pieces a display formula may break into: at top-level `,` and `;` (kept at the end of
    the piece) and `\\quad`, `\\qquad` (dropped: the gap between pieces replaces them). One piece
    when the formula has rows, columns or environments of its own, or nothing to break at."""
    if _WHOLE.search(latex):
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
