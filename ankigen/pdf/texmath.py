"""LaTeX math to Typst math, for the common subset; None for anything else.

Typst typesets its own math in a fraction of the time it takes to draw a formula as SVG, so the
PDF uses this translation and falls back to a drawing only when it returns None. Only tokens on
the lists below are ever emitted, each escaped: nothing in a formula can become Typst code.
"""

from __future__ import annotations

import re

from ankigen.source.markdown import SPACED_BREAK, shown_math

MAX_DEPTH = 60

_TOKEN = re.compile(r"\\operatorname\*|\\[A-Za-z]+|\\.|\s+|.", re.S)

GREEK = dict(zip(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
    "pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta "
    "Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split(),
    "αβγδϵεζηθϑικλμνξπϖρϱσςτυϕφχψωΓΔΘΛΞΠΣΥΦΨΩ"))

SYMBOLS = {
    "\\cdot": "⋅", "\\times": "×", "\\div": "÷", "\\pm": "±", "\\mp": "∓", "\\ast": "∗",
    "\\le": "≤", "\\leq": "≤", "\\leqslant": "⩽", "\\ge": "≥", "\\geq": "≥", "\\geqslant": "⩾",
    "\\lt": "<", "\\gt": ">", "\\ne": "≠", "\\neq": "≠", "\\approx": "≈", "\\sim": "∼",
    "\\simeq": "≃", "\\equiv": "≡", "\\propto": "∝", "\\ll": "≪", "\\gg": "≫", "\\in": "∈",
    "\\notin": "∉", "\\ni": "∋", "\\subset": "⊂", "\\subseteq": "⊆", "\\supset": "⊃",
    "\\supseteq": "⊇", "\\cup": "∪", "\\cap": "∩", "\\setminus": "∖", "\\emptyset": "∅",
    "\\varnothing": "∅", "\\forall": "∀", "\\exists": "∃", "\\neg": "¬", "\\land": "∧",
    "\\lor": "∨", "\\wedge": "∧", "\\vee": "∨", "\\to": "→", "\\rightarrow": "→",
    "\\leftarrow": "←", "\\gets": "←", "\\Rightarrow": "⇒", "\\Leftarrow": "⇐",
    "\\leftrightarrow": "↔", "\\Leftrightarrow": "⇔", "\\iff": "⟺", "\\implies": "⟹",
    "\\mapsto": "↦", "\\longrightarrow": "⟶", "\\uparrow": "↑", "\\downarrow": "↓",
    "\\infty": "∞", "\\partial": "∂", "\\nabla": "∇", "\\ell": "ℓ", "\\hbar": "ℏ",
    "\\prime": "′", "\\circ": "∘", "\\bullet": "∙", "\\star": "⋆", "\\odot": "⊙",
    "\\otimes": "⊗", "\\oplus": "⊕", "\\top": "⊤", "\\bot": "⊥", "\\perp": "⊥",
    "\\parallel": "∥", "\\mid": "∣", "\\angle": "∠", "\\triangle": "△", "\\ldots": "…",
    "\\dots": "…", "\\cdots": "⋯", "\\vdots": "⋮", "\\ddots": "⋱", "\\colon": ":",
    "\\lfloor": "⌊", "\\rfloor": "⌋", "\\lceil": "⌈", "\\rceil": "⌉", "\\langle": "⟨",
    "\\rangle": "⟩", "\\vert": "\\|", "\\Vert": "‖", "\\|": "‖", "\\{": "\\{", "\\}": "\\}",
    "\\lVert": "‖", "\\rVert": "‖", "\\lvert": "\\|", "\\rvert": "\\|", "\\intercal": "⊺",
    "\\%": "\\%", "\\_": "\\_", "\\#": "\\#", "\\$": "\\$", "\\&": "\\&",
    "\\sum": "sum", "\\prod": "product", "\\int": "integral", "\\iint": "integral.double",
    "\\oint": "integral.cont", "\\bigcup": "union.big", "\\bigcap": "inter.big",
    "\\,": "thin", "\\:": "med", "\\>": "med", "\\;": "thick", "\\ ": '" "', "~": '" "',
    "\\quad": "quad", "\\qquad": "wide", "\\!": "", "\\circledast": "⊛", "\\because": "∵",
    "\\therefore": "∴", "\\Longrightarrow": "⟹", "\\Longleftarrow": "⟸", "\\Longleftrightarrow": "⟺",
    "\\longleftarrow": "⟵", "\\longleftrightarrow": "⟷", "\\R": "ℝ", "\\N": "ℕ", "\\Z": "ℤ",
    "\\coloneqq": "≔", "\\eqqcolon": "≕", "\\Updownarrow": "⇕", "\\updownarrow": "↕",
}
# LaTeX's colour names that Typst names too (\color{blue}: the author's highlights, kept in print)
COLORS = {"red": "red", "blue": "blue", "green": "green", "orange": "orange", "purple": "purple",
          "violet": "purple", "gray": "gray", "grey": "gray", "cyan": "aqua", "magenta": "fuchsia",
          "black": "black", "teal": "teal", "olive": "olive", "brown": "maroon", "yellow": "yellow"}
IGNORED = {"\\displaystyle", "\\textstyle", "\\scriptstyle", "\\limits", "\\nolimits", "\\notag", "\\nonumber", "\\big",
           "\\Big", "\\bigg", "\\Bigg", "\\bigl", "\\bigr", "\\Bigl", "\\Bigr", "\\biggl",
           "\\biggr", "\\Biggl", "\\Biggr"}
OPERATORS = {name: False for name in (
    "log ln lg exp sin cos tan cot sec csc sinh cosh tanh coth arcsin arccos arctan det dim ker "
    "deg gcd arg Pr hom").split()}
OPERATORS.update({name: True for name in "max min sup inf lim limsup liminf argmax argmin".split()})
ACCENTS = {"\\hat": "hat", "\\widehat": "hat", "\\bar": "macron", "\\overline": "overline",
           "\\underline": "underline", "\\tilde": "tilde", "\\widetilde": "tilde", "\\vec": "arrow",
           "\\overrightarrow": "arrow", "\\dot": "dot", "\\ddot": "dot.double", "\\check": "caron",
           "\\breve": "breve"}
STYLES = {"\\mathbf": "bold", "\\boldsymbol": "bold", "\\bm": "bold", "\\mathbb": "bb",
          "\\mathcal": "cal", "\\mathfrak": "frak", "\\mathsf": "sans", "\\mathtt": "mono",
          "\\mathit": "italic", "\\mathrm": "upright"}
TEXTS = {"\\text": "", "\\textrm": "", "\\mbox": "", "\\textnormal": "", "\\textit": "italic",
         "\\textbf": "bold", "\\mathrm": "upright", "\\operatorname": "op", "\\operatorname*": "op"}
DELIMITERS = {"(": "(", ")": ")", "[": "[", "]": "]", "\\{": "{", "\\}": "}", "\\lbrace": "{",
              "\\rbrace": "}", "|": "|", "\\vert": "|", "\\|": "‖", "\\Vert": "‖",
              "\\lVert": "‖", "\\rVert": "‖", "\\lvert": "|", "\\rvert": "|",
              "\\lfloor": "⌊", "\\rfloor": "⌋", "\\lceil": "⌈", "\\rceil": "⌉",
              "\\langle": "⟨", "\\rangle": "⟩", ".": ""}
MATRICES = {"matrix": "#none", "array": "#none", "smallmatrix": "#none", "pmatrix": '"("',
            "bmatrix": '"["', "Bmatrix": '"{"', "vmatrix": '"|"', "Vmatrix": '"‖"'}
ROWS = {"aligned", "align", "align*", "split", "gathered", "gather", "gather*", "alignedat",
        "eqnarray", "eqnarray*", "equation", "equation*"}
ESCAPED = {"(": "\\(", ")": "\\)", "[": "\\[", "]": "\\]", "{": "\\{", "}": "\\}", "/": "\\/", ",": "\\,",
           ";": "\\;", "*": "\\*", "|": "\\|", '"': '\\"'}
PLAIN = set("+-=<>:!?.") | set("0123456789")
_MATH_RANGES = ((0x0370, 0x03FF), (0x2190, 0x22FF), (0x2A00, 0x2AFF), (0x27C0, 0x27EF))
_WORD = re.compile(r"[A-Za-z0-9 ]+")
# \mathop{\text{lcm}}: an operator named by a word, written the long way (ziamath cannot draw it)
_OP_NAME = re.compile(r"\s*(?:\\(?:text|textrm|mathrm|operatorname)\s*\{\s*([A-Za-z]+)\s*\}|([A-Za-z]+))\s*")
_SYMBOL_OP = re.compile(r"(?:\s|\\[A-Za-z]+|\\!|[=<>:~+-])+")  # relation signs and symbol commands only
EMPTY = '""'  # an empty Typst string holds the place of a missing argument


class Unsupported(Exception):
    """The formula uses something this translation does not know; draw it instead."""


def to_typst(latex: str, display: bool) -> str | None:
    """Typst markup for the formula (`$ … $` when display), or None when it is not supported."""
    try:
        body = _Reader(SPACED_BREAK.sub(r"\\\\", shown_math(latex))).run().replace(_TAG, "wide ")
    except (Unsupported, RecursionError):
        return None
    if not body.strip():
        return None
    return f"$ {body} $" if display else f"${body}$"


_TAG = "\x01"  # before an equation number; never read from a formula (a control character is refused)


def _tags_in_a_column(rows: list[list[str]]) -> list[list[str]]:
    """Aligned rows with their numbers in a column of their own after the widest row, as MathJax
    sets them at the right margin (after each row's own end, they stood at every row's width)."""
    if not any(row and _TAG in row[-1] for row in rows):
        return rows
    width = max(len(row) for row in rows)
    width += width % 2  # the numbers' column is a left-aligned one, as every second column is
    out = []
    for row in rows:
        row, tag = list(row), ""
        if row and _TAG in row[-1]:
            row[-1], tag = row[-1].split(_TAG, 1)
            row[-1] = row[-1].rstrip()
        out.append(row + [""] * (width - len(row)) + ["", f"wide {tag}" if tag else ""])
    return out


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Reader:
    def __init__(self, latex: str) -> None:
        self.text = latex
        self.toks = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(latex)]
        self.i = 0
        self.depth = 0
        self.grouped = False  # the last base was a {…} group of several atoms

    def run(self) -> str:
        out = self.seq(frozenset())
        if self.i < len(self.toks):
            raise Unsupported(self.toks[self.i][0])
        return out

    # -- tokens -------------------------------------------------------------------------
    def peek(self, skip_space: bool = True) -> str | None:
        if skip_space:
            while self.i < len(self.toks) and self.toks[self.i][0].isspace():
                self.i += 1
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise Unsupported("end of formula")
        self.i += 1
        return tok

    def expect(self, tok: str) -> None:
        if self.take() != tok:
            raise Unsupported(tok)

    def raw_group(self) -> str:
        """The text of a {…} group exactly as written (for \\text)."""
        self.expect("{")
        start = self.toks[self.i - 1][2]
        level = 1
        while level:
            tok = self.peek(skip_space=False)
            if tok is None:
                raise Unsupported("unclosed group")
            self.i += 1
            level += {"{": 1, "}": -1}.get(tok, 0)
        return self.text[start:self.toks[self.i - 1][1]]

    def word_group(self) -> str:
        """Letters of a {…} group, for environment names."""
        return self.raw_group().strip()

    # -- structure ----------------------------------------------------------------------
    def seq(self, stops: frozenset[str]) -> str:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Unsupported("too deep")
        parts: list[str] = []
        while (tok := self.peek()) is not None and tok not in stops:
            if tok in ("}", "\\right", "\\end"):
                break
            part = self.atom()
            if parts and part and _joins(parts[-1], part):
                parts[-1] += part
            elif part:
                parts.append(part)
        self.depth -= 1
        return " ".join(parts)

    def arg(self) -> str:
        """A command's argument: a {…} group or one token."""
        if self.peek() == "{":
            self.take()
            out = self.seq(frozenset())
            self.expect("}")
            return out
        return self.base()

    def atom(self) -> str:
        base = self.base()
        while (tok := self.peek()) in ("^", "_", "'"):
            self.i += 1
            if self.grouped:
                raise Unsupported("script on a group")  # Typst has no invisible grouping
            if tok == "'":
                base = (base or EMPTY) + "'"
                continue
            script = self.arg()
            if script:
                base = f"{base or EMPTY}{tok}({script})"
        return base

    def base(self) -> str:
        self.grouped = False
        tok = self.take()
        if tok == "{":
            out = self.seq(frozenset())
            self.expect("}")
            self.grouped = " " in out
            return out
        if tok in PLAIN or (tok.isascii() and tok.isalpha()):
            return tok
        if tok in ESCAPED:
            return ESCAPED[tok]
        if tok in ("&", "\\\\"):
            return "&" if tok == "&" else "\\ \n"
        if tok[0] == "\\" and tok[1:] in GREEK:
            return GREEK[tok[1:]]
        if tok in SYMBOLS:
            return SYMBOLS[tok]
        if tok in IGNORED:
            return ""
        if tok[0] == "\\" and tok[1:] in OPERATORS:
            return _operator(tok[1:], OPERATORS[tok[1:]])
        if tok in ("\\frac", "\\dfrac", "\\tfrac", "\\cfrac", "\\binom"):
            top, bottom = self.arg(), self.arg()
            name = "binom" if tok == "\\binom" else "frac"
            return f"{name}({top or EMPTY}, {bottom or EMPTY})"
        if tok == "\\sqrt":
            if self.peek() == "[":
                self.take()
                index = self.seq(frozenset({"]"}))
                self.expect("]")
                return f"root({index}, {self.arg()})"
            return f"sqrt({self.arg()})"
        if tok in ACCENTS:
            return f"{ACCENTS[tok]}({self.arg() or EMPTY})"
        if tok in ("\\underbrace", "\\overbrace"):  # the label is the script that follows: Typst's argument
            body, mark = self.arg() or EMPTY, "_" if tok == "\\underbrace" else "^"
            if self.peek() == mark:
                self.take()
                return f"{tok[1:]}({body}, {self.arg() or EMPTY})"
            return f"{tok[1:]}({body})"
        if tok in ("\\overset", "\\underset", "\\stackrel"):
            label, body = self.arg(), self.arg()
            where = "b" if tok == "\\underset" else "t"
            return f"attach(limits({body or EMPTY}), {where}: {label or EMPTY})"
        if tok in ("\\xlongequal", "\\xrightarrow", "\\xleftarrow"):
            if self.peek() == "[":
                raise Unsupported(tok + " with a label below")
            arrow = {"\\xlongequal": "=", "\\xrightarrow": "arrow.r.long", "\\xleftarrow": "arrow.l.long"}[tok]
            return f"attach(limits({arrow}), t: {self.arg() or EMPTY})"
        if tok in ("\\color", "\\textcolor"):
            if self.peek() == "[":
                raise Unsupported(tok + " in a colour model")
            fill = COLORS.get(self.word_group().lower())
            # \color{c} colours the rest of its group (of its cell, in rows); \textcolor{c}{x} only x
            body = self.arg() if tok == "\\textcolor" else self.seq(frozenset({"&", "\\\\"}))
            return f"text(fill: #{fill}, {body or EMPTY})" if fill else body
        if tok == "\\boxed":
            return f"#box(stroke: 0.5pt, inset: 3pt, ${self.arg() or EMPTY}$)"
        if tok == "\\tag":  # an equation's number, set after it (MathJax sets it at the right margin)
            starred = self.peek() == "*"
            if starred:
                self.take()
            raw = self.raw_group()
            if "$" in raw or re.search(r"\\[A-Za-z]", raw):
                raise Unsupported("commands inside a tag")
            label = re.sub(r"\s+", " ", re.sub(r"\\(.)", r"\1", raw)).strip()
            return _TAG + _string(label if starred else f"({label})")
        if tok in TEXTS and (tok not in STYLES or self._plain_word_follows()):
            return self.text_command(tok)
        if tok in STYLES:
            return f"{STYLES[tok]}({self.arg()})"
        if tok == "\\mathop":
            save = self.i
            raw = self.raw_group()
            name = _OP_NAME.fullmatch(raw)
            if name is None and _SYMBOL_OP.fullmatch(raw) and all(
                    c in SYMBOLS for c in re.findall(r"\\[A-Za-z]+", raw)):
                # \mathop{\iff}\limits^{…}, \mathop{=\!=\!=}: a symbol that takes limits
                self.i = save
                symbol = self.arg() or EMPTY
                if self.peek() in ("\\limits", "\\nolimits"):
                    self.take()  # ignored elsewhere: here the script that follows is the symbol's
                return f"limits({symbol})"
            if name is None:
                raise Unsupported("\\mathop of more than a word")
            return _operator(name.group(1) or name.group(2), True)
        if tok == "\\left":
            return self.left_right()
        if tok == "\\middle":
            return f"mid({_delimiter(self.take()) or EMPTY})"
        if tok == "\\begin":
            return self.environment()
        if tok.isspace():
            return ""
        if len(tok) == 1 and not tok.isascii():
            if any(lo <= ord(tok) <= hi for lo, hi in _MATH_RANGES) or tok in "×·÷±′∞":
                return tok
            if tok.isprintable():
                return _string(tok)
        raise Unsupported(tok)

    def _plain_word_follows(self) -> bool:
        """\\mathrm{softmax}: a word (set as text) rather than math in another style."""
        save = self.i
        try:
            return self.peek() == "{" and bool(_WORD.fullmatch(self.raw_group()))
        except Unsupported:
            return False
        finally:
            self.i = save

    def text_command(self, tok: str) -> str:
        raw = self.raw_group()
        if "$" in raw or re.search(r"\\[A-Za-z]", raw):
            raise Unsupported("commands inside text")
        text = re.sub(r"\s+", " ", re.sub(r"\\(.)", r"\1", raw).replace("~", " "))
        style = TEXTS[tok]
        if style == "upright":  # Typst spaces out a multi-letter string; single letters sit tight
            return f"upright({' '.join(re.findall(r'[0-9]+|[A-Za-z]', text))})"
        if style == "op":
            return _operator(text.strip(), tok.endswith("*"))
        return f"{style}({_string(text)})" if style else _string(text)

    def left_right(self) -> str:
        opening = _delimiter(self.take())
        body = self.seq(frozenset())
        self.expect("\\right")
        closing = _delimiter(self.take())
        if opening and closing:
            # escaped, brackets need not pair up inside lr() or any call: \left( … \right| is fine
            return f"lr({_bracket(opening)} {body} {_bracket(closing)})"
        return " ".join(p for p in (ESCAPED.get(opening, opening), body, ESCAPED.get(closing, closing)) if p)

    def environment(self) -> str:
        name = self.word_group()
        if name == "array" or name == "alignedat":
            self.raw_group()  # column spec / count: Typst lays the columns out itself
        rows: list[list[str]] = [[]]
        while True:
            cell = self.seq(frozenset({"&", "\\\\"}))
            tok = self.take()
            rows[-1].append(cell)
            if tok == "\\\\":
                rows.append([])
            elif tok == "\\end":
                break
            elif tok != "&":
                raise Unsupported(tok)
        if self.word_group() != name:
            raise Unsupported("\\end does not match \\begin")
        if rows[-1] == [""]:
            rows.pop()
        if name in MATRICES:
            body = "; ".join(", ".join(c or '""' for c in row) for row in rows)
            return f"mat(delim: {MATRICES[name]}, {body})"
        if name in ("cases", "dcases"):
            return "cases(" + ", ".join(" & quad ".join(c or '""' for c in row) for row in rows) + ")"
        if name in ROWS:
            return " \\\n".join(" & ".join(row) for row in _tags_in_a_column(rows))
        raise Unsupported(name)


def _operator(name: str, limits: bool) -> str:
    if not _WORD.fullmatch(name or "#"):
        raise Unsupported(name)
    return f"op({_string(name)}, limits: #true)" if limits else f"op({_string(name)})"


def _bracket(delim: str) -> str:
    return ESCAPED[delim] if delim and delim in "()[]{}" else delim


def _delimiter(tok: str) -> str:
    if tok not in DELIMITERS:
        raise Unsupported(tok)
    return DELIMITERS[tok]


def _joins(before: str, after: str) -> bool:
    """Digits and a decimal point written apart in the tokens stay one number."""
    if re.fullmatch(r"[0-9]+(\.[0-9]+)?", before):
        return after[:1].isdigit() or after == "." and "." not in before
    return bool(re.fullmatch(r"[0-9]+\.", before)) and after[:1].isdigit()
