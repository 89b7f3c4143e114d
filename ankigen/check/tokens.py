"""LaTeX math to tokens with offsets: the first step of reading a formula.

Numbers are read as people write them (`61,100,840`, `61{,}100{,}840`, `61\\,100\\,840`, `1e-3`),
`\\text{…}` becomes one token whose role (unit, name or prose) is decided here, and anything
outside the supported alphabet ends in a MathError that names the construct, so unreadable
formulas can be counted by what stopped them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ankigen.source.markdown import ROW_SPACING

MAX_LENGTH = 4000  # characters of one formula


class MathError(Exception):
    """A formula outside what can be read; offset and length locate it in the text.

    `construct` names what stopped the reading (`\\int`, `\\mathbf`, `Chinese text` …), for the
    count of unreadable formulas by construct."""

    def __init__(self, message: str, offset: int = 0, length: int = 1, hint: str | None = None,
                 construct: str = "syntax") -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.length = max(1, length)
        self.hint = hint
        self.construct = construct


@dataclass(frozen=True)
class Tok:
    kind: str  # num, letter, cmd, op, ref, sep, text, cjk, end
    text: str
    start: int
    end: int


UNICODE = {"×": "\\times", "·": "\\cdot", "÷": "\\div", "−": "-", "≤": "\\le", "≥": "\\ge", "≠": "\\ne",
           "≈": "\\approx", "∈": "\\in", "π": "\\pi", "√": "\\sqrt", "∑": "\\sum", "∏": "\\prod",
           "⌊": "\\lfloor", "⌋": "\\rfloor", "⌈": "\\lceil", "⌉": "\\rceil", "，": ",", "；": ";",
           "。": ".", "：": ":", "（": "(", "）": ")", "∞": "\\infty", "σ": "\\sigma", "λ": "\\lambda",
           "...": "\\cdots", "…": "\\cdots", "⋯": "\\cdots",
           # typed straight into the formula: a curly apostrophe or a prime for ', Greek letters
           "’": "'", "′": "'", "∆": "\\Delta", "Δ": "\\Delta", "∂": "\\partial", "∫": "\\int", "→": "\\to",
           "±": "\\pm", "α": "\\alpha", "β": "\\beta", "γ": "\\gamma", "δ": "\\delta", "ε": "\\epsilon",
           "θ": "\\theta", "μ": "\\mu", "ρ": "\\rho", "τ": "\\tau", "φ": "\\phi", "ω": "\\omega",
           "Σ": "\\Sigma", "Ω": "\\Omega",
           "\\cr": "\\\\"}  # plain TeX's end of a row, as QuantEcon's notes write matrices
SKIP = {"~", "\\,", "\\;", "\\:", "\\!", "\\ ", "\\displaystyle", "\\textstyle", "\\scriptstyle", "\\limits",
        "\\nolimits", "\\hfill", "\\left", "\\right", "\\big", "\\Big", "\\bigg", "\\Bigg", "\\bigl", "\\bigr", "\\Bigl",
        "\\Bigr", "\\biggl", "\\biggr", "\\Biggl", "\\Biggr", "\\middle", "\\nonumber", "\\notag", "\\label"}
SEPARATORS = {"\\quad", "\\qquad"}
# The end of a proof, set after its last formula (`… \\le \\frac{1}{t^2}. \\qquad \\square`): not part of it.
_END_OF_PROOF = {"\\square", "\\blacksquare", "\\qed", "\\Box", "∎", "□"}
_SPACES = {"\\ ", "\\;", "\\:"}
_SIZES = {"\\left", "\\big", "\\Big", "\\bigg", "\\Bigg", "\\bigl", "\\Bigl", "\\biggl", "\\Biggl"}
TEXT_COMMANDS = ("\\text", "\\textrm", "\\textit", "\\textbf", "\\mbox", "\\textnormal", "\\textsf", "\\texttt")
OPS = set("+-*/=<>()[]{}^_,!|&';:.")
_CJK = "\u3400-\u9fff\uf900-\ufaff"
# Thousands groups: `61,100,840` (not inside brackets, where commas separate), `61{,}100{,}840`,
# `61\,100\,840`; then the usual decimals and `1e-3`.
_NUMBER = r"(?:[1-9]\d{0,2}(?:(?:,|\{,\}|\\,)\d{3})+(?![\d])(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+(?![.\d]))?"
_TOKEN = re.compile(
    rf"\s+|\.{{3,}}|{_NUMBER}|\\[A-Za-z]+|\\.|@[A-Za-z_][A-Za-z0-9_]*|[A-Za-z]|[{_CJK}]+|.", re.S)
GROUP_SEP = re.compile(r",|\{,\}|\\,")
# Words that join a formula to a condition or a remark: `x = 1 \text{ if } y > 0`.
CONNECTIVES = {"if", "for", "when", "where", "and", "or", "otherwise", "with", "s.t.", "st", "since", "so",
               "then", "else", "iff", "as", "by", "i.e.", "e.g.", "all", "each", "every", "else,", "for all",
               "let", "suppose", "assume", "assuming", "given", "hence", "thus", "therefore", "because"}


def _text_group(text: str, start: int) -> int:
    """The index just past the brace group that starts at text[start] ('{'), or -1."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "\\":
            continue
        if text[i] == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif text[i] == "}" and (i == 0 or text[i - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


# `\text{3v + 2 = 3}\begin{bmatrix}…`: words that end in a number another value follows at once
_GOES_ON = re.compile(r"\d\s*$")
_VALUE_AFTER = re.compile(r"\s*(?:\\begin|\\left|\\frac|[(\[A-Za-z0-9])")
_TYPED_OPERATORS = {"=": ("op", "="), "+": ("op", "+"), "-": ("op", "-"), "<": ("op", "<"), ">": ("op", ">")}


def tokenize(text: str, base: int = 0) -> list[Tok]:
    """Tokens with offsets into the original text (plus base)."""
    read = _tokenized(text, base)
    if isinstance(read, tuple):
        return list(read)  # a list of its own: callers may change it
    raise MathError(**read)


# A card's formulas are tokenized again by each reading of them (its names, its variables, its
# claims): 14 times per card on the benchmark deck, of texts a third as many.
@functools.lru_cache(maxsize=8192)
def _tokenized(text: str, base: int) -> tuple[Tok, ...] | dict:
    try:
        return tuple(_tokenize(text, base))
    except MathError as exc:
        return {"message": exc.message, "offset": exc.offset, "length": exc.length, "hint": exc.hint,
                "construct": exc.construct}


def _tokenize(text: str, base: int) -> list[Tok]:
    if len(text) > MAX_LENGTH:
        raise MathError(f"formula is longer than {MAX_LENGTH} characters", base, len(text), construct="length")
    toks: list[Tok] = []
    depth = 0  # of ( and [: inside them a comma separates items, so `(1,000)` is not a thousand
    pos = 0
    glue = -1  # where a \\left or \\bigl began: the delimiter after it counts as written there
    gap = []  # a run of spacing commands: three or more (`\\ \\ \\ `) set statements apart, as \\quad does
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        s = m.group(0)
        start, end = base + m.start(), base + m.end()
        pos = m.end()
        if s in ("\\\\", "\\cr") and (spacing := ROW_SPACING.match(text, pos)):
            pos = spacing.end()  # `\\[2pt]`: space below the row, not the list [2pt]
        if s.isspace():
            continue
        if s in _SPACES:
            gap.append((start, end))
            continue
        if s in _END_OF_PROOF and not text[pos:].strip(" \t\n.,;"):
            gap = []
            while toks and (toks[-1].kind == "sep" and toks[-1].text in SEPARATORS or toks[-1].text in ".,;"):
                toks.pop()  # `5. \\qquad \\square`: the sentence ended before the mark
            continue
        if len(gap) >= 3:
            toks.append(Tok("sep", "\\quad", gap[0][0], gap[-1][1]))
        gap = []
        if s in ("\\color", "\\textcolor") and text[pos:].lstrip().startswith("{"):
            # \\color{red} a highlight, \\textcolor{red}{x} x highlighted: how it looks, not what it says
            close = _text_group(text, pos + len(text[pos:]) - len(text[pos:].lstrip()))
            if close < 0:
                raise MathError(f"'{s}' needs a braced colour", start, end - start, construct=s)
            pos = close
            if glue < 0 and text[pos:].lstrip().startswith("{"):  # E\\color{black}{…} is E{…}: the group
                # counts as written where E ended
                glue = toks[-1].end if toks and not text[toks[-1].end - base:start - base].strip() else start
            continue
        if s in TEXT_COMMANDS:
            close = _text_group(text, pos + len(text[pos:]) - len(text[pos:].lstrip()))
            if close < 0:
                raise MathError(f"'{s}' needs a braced argument", start, end - start, construct=s)
            inner_start = text.index("{", pos)
            words = text[inner_start + 1:close - 1]
            # `\text{ = }`, `\text{ + }`: an operator typed as text to space it, as some notes write every one
            op = _TYPED_OPERATORS.get(words.strip()) if s == "\\text" else None
            if op is None and "=" in words and _GOES_ON.search(words) and _VALUE_AFTER.match(text, close):
                # `\text{3v + 2 = 3}\begin{bmatrix}…`: the formula goes on inside the words (its 3 is a
                # factor of what follows), so what is left outside them is no formula of its own
                raise MathError("a formula written inside \\text", start, base + close - start,
                                construct="an equation inside \\text")
            toks.append(Tok(op[0], op[1], start, base + close) if op else Tok("text", words, start, base + close))
            pos = close
            continue
        if s[0] in "0123456789" or (s[0] == "." and len(s) > 1 and s.strip(".")):
            if depth and "," in s and "{,}" not in s:  # `[64,128]` is a list, not 64128
                s = s.split(",")[0]
                pos = m.start() + len(s)
                end = base + pos
            toks.append(Tok("num", GROUP_SEP.sub("", s), start, end))
            continue
        s = "\\cdots" if s.startswith("...") else UNICODE.get(s, s)  # `p_1 + .... + p_k`, typed dots
        if s in SKIP:
            if s in _SIZES and glue < 0:
                # `\varphi \left( … \right)`: spaces before a sized delimiter are TeX's to ignore, and
                # the delimiter counts as written where the last token ended, as `\varphi(` does
                glue = toks[-1].end if toks and not text[toks[-1].end - base:start - base].strip() else start
            continue
        if glue >= 0:
            start, glue = glue, -1
        if s in SEPARATORS:
            kind = "sep"
        elif s[0] == "\\":
            kind = "cmd"
        elif s[0] == "@":
            kind = "ref"
        elif s.isascii() and s.isalpha():
            kind = "letter"
        elif re.fullmatch(f"[{_CJK}]+", s):
            kind = "cjk"
        elif s in OPS:
            kind = "op"
            depth += s in "(["
            depth -= s in ")]" and depth > 0
        else:
            raise MathError(f"unexpected character '{s}' (U+{ord(s):04X})" if not s.isprintable() else
                            f"unexpected character '{s}'", start, end - start, construct="character " + s)
        toks.append(Tok(kind, s, start, end))
    return _roles(_infix_fractions(_braced_letters(_bare_such_that(_big_operators(toks)))))


_BIG_LETTERS = {r"\Sigma": r"\sum", r"\Pi": r"\prod"}


def _big_operators(toks: list[Tok]) -> list[Tok]:
    r"""`\Sigma_{i=1}^{n}`, `\Sigma^{k}_{i=1}`: the capital letter typed for the sum sign, as its index
    says; `\Sigma_{xx}`, a covariance, has none and stays a name."""
    for k, tok in enumerate(toks):
        if tok.text not in _BIG_LETTERS or tok.kind != "cmd":
            continue
        j = k + 1
        while j + 1 < len(toks) and toks[j].text in ("_", "^") and toks[j + 1].text == "{":
            close = _brace(toks, j + 1, 1)
            if close is None:
                break
            if toks[j].text == "_" and any(t.text == "=" for t in toks[j + 2:close]):
                toks[k] = Tok("cmd", _BIG_LETTERS[tok.text], tok.start, tok.end)
                break
            j = close + 1
    return toks


_INFIX = {"\\over": "\\frac", "\\choose": "\\binom"}


def _brace(toks: list[Tok], k: int, step: int) -> int | None:
    """The index of the brace that encloses toks[k], looking back (step -1, its `{`) or on (1, its `}`)."""
    inner, outer = ("}", "{") if step < 0 else ("{", "}")
    depth, j = 0, k + step
    while 0 <= j < len(toks):
        if toks[j].kind == "op" and toks[j].text == inner:
            depth += 1
        elif toks[j].kind == "op" and toks[j].text == outer:
            if depth == 0:
                return j
            depth -= 1
        j += step
    return None


def _bare_such_that(toks: list[Tok]) -> list[Tok]:
    """`s.t.` typed in math without `\\text` (`\\min_w L(w) \\\\ s.t. \\|w\\|_1 < C`): the words "subject
    to", as `\\text{s.t.}` is, not s times t."""
    out: list[Tok] = []
    k = 0
    while k < len(toks):
        run = toks[k:k + 4]
        if [t.text for t in run] == ["s", ".", "t", "."] and all(a.end == b.start for a, b in zip(run, run[1:])) \
                and not (out and out[-1].end == run[0].start and out[-1].kind == "letter"):
            out.append(Tok("text", "s.t.", run[0].start, run[-1].end))
            k += 4
            continue
        out.append(toks[k])
        k += 1
    return out


def _braced_letters(toks: list[Tok]) -> list[Tok]:
    """`\\mathbb R^m`, `\\mathcal H`: a font's one-letter argument written without braces, braced, so
    that every reader of `\\mathbb{R}` reads it too."""
    out: list[Tok] = []
    for k, t in enumerate(toks):
        out.append(t)
        if t.kind == "cmd" and t.text in ("\\mathbb", "\\mathcal") and k + 1 < len(toks) \
                and toks[k + 1].kind == "letter" and len(toks[k + 1].text) == 1:
            out.append(Tok("op", "{", toks[k + 1].start, toks[k + 1].start))
        elif k and toks[k - 1].kind == "cmd" and toks[k - 1].text in ("\\mathbb", "\\mathcal") \
                and t.kind == "letter" and len(t.text) == 1:
            out.append(Tok("op", "}", t.end, t.end))
    return out


def _infix_fractions(toks: list[Tok]) -> list[Tok]:
    """`{a \\over b}` and `{n \\choose k}`, plain TeX's infix forms, as `\\frac{a}{b}` and `\\binom{n}{k}`:
    the braces around them are the fraction's. One outside every brace is left to be reported."""
    while True:
        k = next((k for k, t in enumerate(toks) if t.kind == "cmd" and t.text in _INFIX), None)
        if k is None:
            return toks
        open_, close = _brace(toks, k, -1), _brace(toks, k, 1)
        if open_ is None or close is None:
            return toks
        t, o = toks[k], toks[open_]  # {a \over b} → \frac{a}{b}: the group's own braces close it
        toks = (toks[:open_] + [Tok("cmd", _INFIX[t.text], o.start, o.end), o] + toks[open_ + 1:k]
                + [Tok("op", "}", t.start, t.start), Tok("op", "{", t.end, t.end)] + toks[k + 1:])


# names of operators that a text group may spell, applied to what follows, never a unit after a number
_OPERATOR_WORDS = {"tr", "Tr", "trace", "det", "diag", "rank", "log", "ln", "exp", "sin", "cos", "tan"}


def _roles(toks: list[Tok]) -> list[Tok]:
    """Decide what each `\\text{…}` is: a unit after a number, a name, or prose between statements."""
    out: list[Tok] = []
    for i, t in enumerate(toks):
        if t.kind == "cjk":  # a Chinese name (`参数量 = …`) between operators, else prose
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            alone = (not out or _joins(out[-1])) and (nxt is None or _joins(nxt))
            out.append(Tok("word" if alone else "sep", t.text, t.start, t.end))
            continue
        if t.kind != "text":
            out.append(t)
            continue
        content = t.text.strip()
        prev = out[-1] if out else None
        after_value = prev is not None and (prev.kind == "num" or prev.text == "\\%")
        if not content:
            continue  # \text{ } is spacing
        applied = i + 1 < len(toks) and (toks[i + 1].text in ("(", "\\left")) and content in _OPERATOR_WORDS
        if after_value and _is_unit(content) and not applied:  # N_1 \text{tr}(S): a trace, not a unit
            out.append(Tok("unit", content, t.start, t.end))
        elif re.fullmatch(r"[A-Za-z][A-Za-z0-9\-]*", content) and content.lower() not in CONNECTIVES:
            out.append(Tok("word", content, t.start, t.end))
        else:
            out.append(Tok("sep", content, t.start, t.end))
    return out


def _is_unit(content: str) -> bool:
    """After a number: a unit (ms, px), a scale (万), or a label in parentheses — not prose
    such as `1 \\text{ or equivalently } …`, which separates two statements."""
    if content[:1] in "(（" and content[-1:] in ")）":
        return True
    if re.fullmatch(r"[A-Za-z%°]{1,6}|[€£¥₹$]|\\\$", content):  # 2\text{€}: a currency is a unit too
        return content.lower() not in CONNECTIVES
    return len(content) <= 2 and re.fullmatch(f"[{_CJK}]+", content) is not None


_JOINERS = {"\\times", "\\cdot", "\\div", "\\le", "\\leq", "\\ge", "\\geq", "\\ne", "\\neq", "\\approx",
            "\\lt", "\\gt", "\\pm", "\\in"}


def _joins(t: Tok) -> bool:
    """Whether t is an operator, a relation or a separator: what stands around a name."""
    if t.kind == "sep":
        return True
    if t.kind == "op":
        return t.text in "+-*/=<>,;:&"
    return t.kind == "cmd" and t.text in _JOINERS


def closing(toks: list[Tok], start: int, open_: str = "{", close: str = "}") -> int:
    """The index of the token that closes the group opening at toks[start], or -1."""
    depth = 0
    for k in range(start, len(toks)):
        t = toks[k]
        if t.kind == "op" and t.text == open_:
            depth += 1
        elif t.kind == "op" and t.text == close:
            depth -= 1
            if depth == 0:
                return k
    return -1


def primed_names(toks: list[Tok]) -> list[Tok]:
    """A letter and the primes written right after it (`t'`, `t''`) as one name's token."""
    out: list[Tok] = []
    for u in toks:
        if u.kind == "op" and u.text == "'" and out and out[-1].kind == "letter" and out[-1].end == u.start:
            out[-1] = Tok("letter", out[-1].text + "'", out[-1].start, u.end)
        else:
            out.append(u)
    return out


def adjacent(a: Tok, b: Tok) -> bool:
    """Written with nothing between them: `TP`, not `T P`."""
    return a.end == b.start
