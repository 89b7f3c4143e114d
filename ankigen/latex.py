"""A small LaTeX-math parser that builds sympy objects directly.

It reads the documented subset only and never hands source text to Python or to sympy's own
parsers (`sympify`, `parse_expr`, `parse_latex`): a source file is data. Every way out is a
MathError with an offset, and hostile input (huge powers, deep nesting) ends in a MathError,
not a hang, a MemoryError or a RecursionError.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable

import sympy as sp

MAX_LENGTH = 4000  # characters of one formula
MAX_DEPTH = 60  # nesting of groups, fractions, powers
MAX_BITS = 12_000  # bits of an exact number we agree to build (Python prints up to 4300 digits)
MAX_FACTORIAL = 2000


class MathError(Exception):
    """A formula outside the supported subset; offset and length locate it in the text."""

    def __init__(self, message: str, offset: int = 0, length: int = 1, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.length = max(1, length)
        self.hint = hint


@dataclass(frozen=True)
class Tok:
    kind: str  # num, letter, cmd, op, ref, end
    text: str
    start: int
    end: int


_UNICODE = {"×": "\\times", "·": "\\cdot", "÷": "\\div", "−": "-", "≤": "\\le", "≥": "\\ge",
            "≠": "\\ne", "≈": "\\approx", "∈": "\\in", "π": "\\pi", "√": "\\sqrt", "∑": "\\sum",
            "∏": "\\prod", "⌊": "\\lfloor", "⌋": "\\rfloor", "⌈": "\\lceil", "⌉": "\\rceil"}
_SKIP = {"\\,", "\\;", "\\:", "\\!", "\\ ", "\\displaystyle", "\\textstyle",
         "\\limits", "\\nolimits", "\\left", "\\right", "\\big", "\\Big", "\\bigg", "\\Bigg",
         "\\bigl", "\\bigr", "\\Bigl", "\\Bigr", "\\biggl", "\\biggr", "\\Biggl", "\\Biggr",
         "\\middle"}
_TOKEN = re.compile(r"\s+|\\[A-Za-z]+|\\.|[0-9]+(?:\.[0-9]+)?|\.[0-9]+|@[A-Za-z_][A-Za-z0-9_]*|[A-Za-z]|.", re.S)
_OPS = set("+-*/=<>()[]{}^_,!|&';:.")

GREEK = {name: name for name in (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
    "rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi "
    "Sigma Upsilon Phi Psi Omega").split()}

WORD_COMMANDS = ("\\mathrm", "\\operatorname", "\\mathit")
RELATIONS = {"=": "=", "<": "<", ">": ">", "\\lt": "<", "\\gt": ">", "\\ne": "!=", "\\neq": "!=",
             "\\le": "<=", "\\leq": "<=", "\\leqslant": "<=", "\\ge": ">=", "\\geq": ">=",
             "\\geqslant": ">=", "\\approx": "~", "\\in": "in"}

_FUNCS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "\\ln": sp.log, "\\exp": sp.exp, "\\sin": sp.sin, "\\cos": sp.cos, "\\tan": sp.tan,
    "\\sinh": sp.sinh, "\\cosh": sp.cosh, "\\tanh": sp.tanh, "\\arctan": sp.atan,
    "\\arcsin": sp.asin, "\\arccos": sp.acos,
}


def tokenize(text: str, base: int = 0) -> list[Tok]:
    """Tokens with offsets into the original text (plus base)."""
    if len(text) > MAX_LENGTH:
        raise MathError(f"formula is longer than {MAX_LENGTH} characters", base, len(text))
    toks: list[Tok] = []
    for m in _TOKEN.finditer(text):
        s = m.group(0)
        start, end = base + m.start(), base + m.end()
        if s.isspace():
            continue
        s = _UNICODE.get(s, s)
        if s in _SKIP:
            continue
        if s in ("\\quad", "\\qquad"):
            kind = "sep"  # separates statements in display math
        elif s[0] == "\\":
            kind = "cmd"
        elif s[0] in "0123456789" or s[0] == "." and len(s) > 1:
            kind = "num"
        elif s[0] == "@":
            kind = "ref"
        elif s.isascii() and s.isalpha():
            kind = "letter"
        elif s in _OPS:
            kind = "op"
        else:
            raise MathError(f"unexpected character '{s}'", start, end - start)
        toks.append(Tok(kind, s, start, end))
    return toks


@dataclass(frozen=True)
class FunctionDef:
    params: tuple[sp.Symbol, ...]
    body: sp.Expr


@dataclass
class Scope:
    """What the parser knows besides the text: card functions and reference functions."""

    functions: dict[str, FunctionDef] = field(default_factory=dict)
    references: dict[str, Callable[..., sp.Expr]] = field(default_factory=dict)
    values: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)  # `where` bindings, for @references
    consumed: set[sp.Symbol] = field(default_factory=set)  # bindings a reference used up


def symbol(name: str) -> sp.Symbol:
    """Free symbols are positive reals, as SOURCE_FORMAT.md says."""
    return sp.Symbol(name, positive=True)


def check_size(value: sp.Expr, offset: int, length: int) -> sp.Expr:
    """Refuse exact numbers too large to be worth building."""
    if value.is_Rational and (abs(value.p).bit_length() > MAX_BITS or abs(value.q).bit_length() > MAX_BITS):
        raise MathError("number too large to check exactly", offset, length)
    return value


def safe_pow(base: sp.Expr, exp: sp.Expr, offset: int, length: int) -> sp.Expr:
    """base**exp, unless it would build an enormous exact number."""
    if base.is_number and exp.is_number:
        try:
            b = abs(complex(sp.N(base, 15)))
            e = complex(sp.N(exp, 15)).real
        except (TypeError, ValueError, OverflowError):
            raise MathError("power too large to check", offset, length) from None
        if not math.isfinite(e) or (b not in (0.0, 1.0) and abs(e) * abs(math.log2(b) if b else 0) > MAX_BITS):
            raise MathError("power too large to check exactly", offset, length,
                            hint="keep exponents to numbers of at most a few thousand digits")
        if exp.is_Rational and not exp.is_Integer and exp.q > 1000:
            raise MathError("root of too high an order", offset, length)
    elif exp.is_Integer and abs(exp) > 10_000:
        raise MathError("exponent too large to check", offset, length)
    return sp.Pow(base, exp)


class Parser:
    """Recursive descent with an explicit depth bound; one instance per token list."""

    def __init__(self, toks: list[Tok], scope: Scope | None = None, end: int = 0) -> None:
        self.toks = toks
        self.i = 0
        self.scope = scope or Scope()
        self.depth = 0
        self.bound: dict[str, sp.Symbol] = {}  # summation indices, function parameters
        self.end_offset = toks[-1].end if toks else end

    # -- token helpers -------------------------------------------------------------------
    def peek(self, k: int = 0) -> Tok:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else Tok("end", "", self.end_offset, self.end_offset)

    def next(self) -> Tok:
        t = self.peek()
        self.i += 1
        return t

    def at(self, *texts: str) -> bool:
        return self.peek().text in texts and self.peek().kind != "end"

    def expect(self, text: str, what: str | None = None) -> Tok:
        t = self.peek()
        if t.text != text or t.kind == "end":
            found = "the end of the formula" if t.kind == "end" else f"'{t.text}'"
            raise MathError(f"expected '{text}'{' ' + what if what else ''}, found {found}", t.start, t.end - t.start)
        return self.next()

    def enter(self, t: Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise MathError(f"formula nested more than {MAX_DEPTH} levels deep", t.start, t.end - t.start)

    def leave(self) -> None:
        self.depth -= 1

    def done(self) -> bool:
        return self.i >= len(self.toks)

    # -- grammar -------------------------------------------------------------------------
    def relation(self) -> str | None:
        t = self.peek()
        if t.kind in ("op", "cmd") and t.text in RELATIONS:
            return RELATIONS[t.text]
        return None

    def expression(self) -> sp.Expr:
        t = self.peek()
        self.enter(t)
        try:
            node = self.term()
            while self.at("+", "-"):
                op = self.next()
                rhs = self.term()
                node = node + rhs if op.text == "+" else node - rhs
            return node
        finally:
            self.leave()

    def _starts_atom(self, t: Tok) -> bool:
        if t.kind in ("letter", "ref"):
            return True
        if t.kind == "op":
            return t.text in ("(", "[", "{", "|") and not (t.text == "|" and self._closing_bar)
        if t.kind == "cmd":
            return (t.text in ("\\frac", "\\dfrac", "\\tfrac", "\\sqrt", "\\lfloor", "\\lceil", "\\{", "\\pi",
                               "\\log", "\\max", "\\min", "\\sum", "\\prod", "\\binom", *WORD_COMMANDS, "\\infty", "\\lvert", "\\vert")
                    or t.text in _FUNCS or t.text[1:] in GREEK)
        return False

    _closing_bar = False

    def term(self) -> sp.Expr:
        node = self.unary()
        while True:
            t = self.peek()
            if t.text in ("\\times", "\\cdot", "*") and t.kind != "end":
                self.next()
                node = node * self.unary()
            elif t.text in ("/", "\\div") and t.kind != "end":
                self.next()
                node = node / self._nonzero(self.unary(), t)
            elif self._starts_atom(t):
                node = node * self.power()
            elif t.kind == "num":
                raise MathError("a number cannot follow here without an operator", t.start, t.end - t.start,
                                hint="write '\\times' or '\\cdot' between the factors")
            else:
                return node

    def _nonzero(self, value: sp.Expr, t: Tok) -> sp.Expr:
        if value.is_zero:
            raise MathError("division by zero", t.start, t.end - t.start)
        return value

    def unary(self) -> sp.Expr:
        t = self.peek()
        if t.text == "-" and t.kind == "op":
            self.next()
            self.enter(t)
            try:
                return -self.unary()
            finally:
                self.leave()
        if t.text == "+" and t.kind == "op":
            self.next()
            return self.unary()
        return self.power()

    def power(self) -> sp.Expr:
        start = self.peek()
        base = self.postfix()
        if self.at("^"):
            caret = self.next()
            self.enter(caret)
            try:
                exp = self.script()
            finally:
                self.leave()
            if self.at("^"):
                t = self.peek()
                raise MathError("double superscript", t.start, 1, hint="use braces: a^{b^c}")
            end = self.toks[self.i - 1].end
            base = safe_pow(base, exp, start.start, end - start.start)
            base = check_size(base, start.start, end - start.start) if base.is_Rational else base
        return base

    def postfix(self) -> sp.Expr:
        start = self.peek()
        node = self.atom()
        while self.at("!"):
            bang = self.next()
            if not (node.is_Integer and 0 <= node <= MAX_FACTORIAL) and node.is_number:
                raise MathError("factorial of a number too large or not a whole number", start.start,
                                bang.end - start.start)
            node = sp.factorial(node)
        return node

    def script(self, split_digits: bool = False) -> sp.Expr:
        """The argument of ^ or of \\frac: a braced group or a single token."""
        t = self.peek()
        if t.text == "{" and t.kind == "op":
            return self.group("{", "}")
        if t.kind == "num" and split_digits and len(t.text) > 1 and "." not in t.text:
            # TeX reads one digit: \frac12 is 1/2.
            self.toks[self.i] = Tok("num", t.text[1:], t.start + 1, t.end)
            return sp.Rational(t.text[0])
        if t.kind == "num":
            self.next()
            if len(t.text) > 1 and "." not in t.text:  # x^23 is x^2 3 in TeX
                raise MathError("a superscript of more than one digit needs braces", t.start, t.end - t.start,
                                hint=f"write ^{{{t.text}}}")
            return sp.Rational(t.text)
        return self.atom()

    def group(self, open_: str, close: str) -> sp.Expr:
        t = self.expect(open_)
        self.enter(t)
        try:
            node = self.expression()
            self.expect(close, f"to close the '{open_}'")
            return node
        finally:
            self.leave()

    def atom(self) -> sp.Expr:
        t = self.peek()
        if t.kind == "num":
            self.next()
            return sp.Rational(t.text)
        if t.kind == "letter":
            return self.named(t)
        if t.kind == "ref":
            return self.reference()
        if t.kind == "op":
            if t.text == "(":
                return self.group("(", ")")
            if t.text == "[":
                return self.group("[", "]")
            if t.text == "{":
                return self.group("{", "}")
            if t.text == "|":
                self.next()
                saved, self._closing_bar = self._closing_bar, True
                try:
                    inner = self.expression()
                finally:
                    self._closing_bar = saved
                self.expect("|", "to close the absolute value")
                return sp.Abs(inner)
        if t.kind == "cmd":
            return self.command(t)
        if t.kind == "end":
            raise MathError("formula ends where a value was expected", t.start, 1)
        raise MathError(f"unexpected '{t.text}'", t.start, t.end - t.start)

    def subscript(self) -> str | None:
        if not self.at("_"):
            return None
        self.next()
        t = self.peek()
        if t.text == "{" and t.kind == "op":
            self.next()
            parts = []
            depth = 0
            while True:
                u = self.next()
                if u.kind == "end":
                    raise MathError("subscript is never closed", t.start, 1)
                if u.text == "{":
                    depth += 1
                elif u.text == "}":
                    if depth == 0:
                        break
                    depth -= 1
                parts.append(u.text)
            if not parts:
                raise MathError("empty subscript", t.start, 2)
            return "".join(parts)
        if t.kind == "num" and len(t.text) > 1:
            raise MathError("a subscript of more than one character needs braces", t.start, t.end - t.start,
                            hint=f"write _{{{t.text}}}")
        if t.kind in ("letter", "num", "cmd"):
            self.next()
            return t.text
        raise MathError("expected a subscript", t.start, 1)

    def symbol_name(self, base: str) -> str:
        """The rest of a symbol's name after its letter: subscript and primes, as in K_{n}'."""
        sub = self.subscript()
        name = base if sub is None else f"{base}_{{{sub}}}"
        while self.at("'"):
            self.next()
            name += "'"
        return name

    def named(self, t: Tok) -> sp.Expr:
        """A letter or Greek letter, with an optional subscript; a card function when called."""
        self.next()
        name = self.symbol_name(t.text)
        if name in self.bound:
            return self.bound[name]
        fn = self.scope.functions.get(name)
        if fn is not None and self.at("("):
            return self.call(fn, t)
        if name == "e":
            return sp.E
        return symbol(name)

    def call(self, fn: FunctionDef, t: Tok) -> sp.Expr:
        args = self.arguments()
        if len(args) != len(fn.params):
            raise MathError(f"'{t.text}' takes {len(fn.params)} argument(s), got {len(args)}", t.start,
                            self.toks[self.i - 1].end - t.start)
        return fn.body.xreplace(dict(zip(fn.params, args)))

    def arguments(self) -> list[sp.Expr]:
        self.expect("(")
        args = [self.expression()]
        while self.at(","):
            self.next()
            args.append(self.expression())
        self.expect(")", "to close the argument list")
        return args

    def command(self, t: Tok) -> sp.Expr:
        name = t.text
        if name[1:] in GREEK:
            if name == "\\pi":
                self.next()
                return sp.pi
            return self.named(t)
        if name == "\\pi":
            self.next()
            return sp.pi
        if name == "\\infty":
            self.next()
            return sp.oo
        if name in ("\\frac", "\\dfrac", "\\tfrac"):
            self.next()
            derivative = self.derivative(t)
            if derivative is not None:
                return derivative
            self.enter(t)
            try:
                num = self.script(split_digits=True)
                den = self.script(split_digits=True)
            finally:
                self.leave()
            return num / self._nonzero(den, t)
        if name == "\\binom":
            self.next()
            n, k = self.script(), self.script()
            return sp.binomial(n, k)
        if name == "\\sqrt":
            self.next()
            index = None
            if self.at("["):
                index = self.group("[", "]")
            radicand = self.script()
            if index is None:
                return sp.sqrt(radicand)
            return safe_pow(radicand, 1 / self._nonzero(index, t), t.start, self.toks[self.i - 1].end - t.start)
        if name in ("\\lfloor", "\\lceil"):
            self.next()
            inner = self.expression()
            close = "\\rfloor" if name == "\\lfloor" else "\\rceil"
            self.expect(close)
            return sp.floor(inner) if name == "\\lfloor" else sp.ceiling(inner)
        if name in ("\\lvert", "\\vert"):
            self.next()
            inner = self.expression()
            self.expect("\\rvert" if name == "\\lvert" else "\\vert")
            return sp.Abs(inner)
        if name == "\\{":
            return self.group("\\{", "\\}")
        if name in WORD_COMMANDS:
            return self.word_symbol(t)
        if name == "\\log":
            self.next()
            base = None
            if self.at("_"):
                self.next()
                base = self.script()
            arg = self.function_argument()
            return sp.log(arg) if base is None else sp.log(arg) / sp.log(self._nonzero(base, t))
        if name in _FUNCS:
            self.next()
            return _FUNCS[name](self.function_argument())
        if name in ("\\max", "\\min"):
            self.next()
            args = self.arguments()
            return sp.Max(*args) if name == "\\max" else sp.Min(*args)
        if name in ("\\sum", "\\prod"):
            return self.big_operator(t)
        if name in RELATIONS:
            raise MathError(f"relation '{name}' where a value was expected", t.start, t.end - t.start)
        raise MathError(f"'{name}' is not supported in checked formulas", t.start, t.end - t.start,
                        hint="see README 'Checked formulas' for the supported LaTeX")

    def derivative(self, t: Tok) -> sp.Expr | None:
        """\\frac{d}{dx} f is the derivative of f; other Leibniz forms are refused, not misread."""
        texts = [self.peek(k).text for k in range(7)]
        if texts[:3] == ["{", "d", "}"] and texts[3:5] == ["{", "d"] and texts[6] == "}":
            var = self.peek(5)
            if var.kind == "letter" or (var.kind == "cmd" and var.text[1:] in GREEK):
                self.i += 7
                self.enter(t)
                try:
                    body = self.term()
                finally:
                    self.leave()
                return sp.diff(body, self.bound.get(var.text) or symbol(var.text))
        if texts[0] == "{" and texts[1] == "\\partial":
            raise MathError("partial derivatives are not supported in checked formulas", t.start, t.end - t.start)
        num_d = texts[0] == "{" and texts[1] == "d"
        den = self._after_group()
        if num_d and den is not None and den.text == "d":
            raise MathError("write derivatives as \\frac{d}{dx} f(x) to have them checked", t.start,
                            t.end - t.start)
        return None

    def _after_group(self) -> Tok | None:
        """The first token inside the group that follows the current one (the denominator)."""
        if self.peek().text != "{":
            return None
        depth, k = 0, 0
        while True:
            u = self.peek(k)
            if u.kind == "end":
                return None
            if u.text == "{":
                depth += 1
            elif u.text == "}":
                depth -= 1
                if depth == 0:
                    nxt = self.peek(k + 1)
                    return self.peek(k + 2) if nxt.text == "{" else None
            k += 1

    def word_name(self, t: Tok) -> str:
        """The name in \\mathrm{FLOPs}_{dw}: letters and digits, then subscript and primes."""
        self.next()
        open_ = self.expect("{")
        parts = []
        while not self.at("}"):
            u = self.next()
            if u.kind == "end":
                raise MathError("name is never closed", open_.start, 1)
            if u.kind not in ("letter", "num") and u.text not in ("\\_", "-"):
                raise MathError(f"only letters and digits may form a name, not '{u.text}'", u.start, u.end - u.start)
            parts.append("_" if u.text == "\\_" else u.text)
        self.next()
        return self.symbol_name(f"\\mathrm{{{''.join(parts)}}}")

    def word_symbol(self, t: Tok) -> sp.Expr:
        """\\mathrm{FLOPs} and friends: a multi-letter name, treated as one symbol."""
        name = self.word_name(t)
        fn = self.scope.functions.get(name)
        if fn is not None and self.at("("):
            return self.call(fn, t)
        return self.bound.get(name) or symbol(name)

    def function_argument(self) -> sp.Expr:
        if self.at("("):
            return self.group("(", ")")
        return self.power()

    def big_operator(self, t: Tok) -> sp.Expr:
        """\\sum_{i=a}^{b} term and \\prod_{i=a}^{b} term."""
        self.next()
        self.expect("_", "with the index, as in \\sum_{i=1}^{n}")
        self.expect("{")
        var = self.peek()
        if var.kind != "letter":
            raise MathError("expected an index letter", var.start, var.end - var.start)
        self.next()
        index = sp.Symbol(var.text, integer=True)
        self.expect("=", "in the index, as in i=1")
        low = self.expression()
        self.expect("}")
        self.expect("^", "with the upper bound, as in ^{n}")
        high = self.script()
        saved = self.bound.get(var.text)
        self.bound[var.text] = index
        self.enter(t)
        try:
            body = self.term()
        finally:
            self.leave()
            if saved is None:
                del self.bound[var.text]
            else:
                self.bound[var.text] = saved
        cls = sp.Sum if t.text == "\\sum" else sp.Product
        return cls(body, (index, low, high))

    def _bind(self, value: sp.Expr) -> sp.Expr:
        self.scope.consumed.update(value.free_symbols & self.scope.values.keys())
        return value.xreplace(self.scope.values)

    def reference(self) -> sp.Expr:
        """@name(key=value, ...): a reference derivation from ankigen.reference."""
        t = self.next()
        fn = self.scope.references.get(t.text[1:])
        if fn is None:
            known = ", ".join("@" + k for k in sorted(self.scope.references)) or "none"
            raise MathError(f"unknown reference '{t.text}'", t.start, t.end - t.start, hint=f"known: {known}")
        self.expect("(")
        kwargs: dict[str, object] = {}
        while not self.at(")"):
            key = self.next()
            if key.kind != "letter":
                raise MathError("expected an argument name", key.start, key.end - key.start)
            name = key.text
            while self.peek().kind in ("letter", "num") or self.at("_"):
                name += self.next().text
            self.expect("=")
            if self.at("["):
                self.next()
                items = [self.expression()]
                while self.at(","):
                    self.next()
                    items.append(self.expression())
                self.expect("]")
                kwargs[name] = tuple(self._bind(item) for item in items)
            else:
                kwargs[name] = self._bind(self.expression())
            if not self.at(")"):
                self.expect(",")
        close = self.expect(")")
        try:
            return fn(**kwargs)
        except (TypeError, ValueError) as exc:
            raise MathError(f"{t.text}: {exc}", t.start, close.end - t.start) from None


def parse_expression(text: str, scope: Scope | None = None, base: int = 0) -> sp.Expr:
    """One expression, all of the text."""
    p = Parser(tokenize(text, base), scope, end=base + len(text))
    node = p.expression()
    if not p.done():
        t = p.peek()
        raise MathError(f"unexpected '{t.text}'", t.start, t.end - t.start)
    return node
