"""Tokens to sympy under a Reading: a recursive-descent parser of the documented LaTeX subset.

It never hands source text to Python or to sympy's parsers (`sympify`, `parse_expr`,
`parse_latex`): a source file is data. Every way out is a MathError with an offset, and hostile
input (huge powers, deep nesting) ends in a MathError, not a hang or a RecursionError. Where
notation is ambiguous it follows the Reading and records the kind in `scope.met`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import sympy as sp

from ankigen.check.reading import USUAL, Reading
from ankigen.check.tokens import MathError, Tok, adjacent, closing

MAX_DEPTH = 60  # nesting of groups, fractions, powers
MAX_BITS = 12_000  # bits of an exact number we agree to build
MAX_FACTORIAL = 2000

GREEK = set(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi rho varrho "
    "sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Sigma Upsilon Phi Psi "
    "Omega ell".split())
RELATIONS = {"=": "=", "<": "<", ">": ">", "\\lt": "<", "\\gt": ">", "\\ne": "!=", "\\neq": "!=", "\\le": "<=",
             "\\leq": "<=", "\\leqslant": "<=", "\\ge": ">=", "\\geq": ">=", "\\geqslant": ">=", "\\approx": "~",
             "\\in": "in", "\\coloneqq": ":=", "\\triangleq": ":=", "\\doteq": ":=", "\\equiv": "other",
             "\\propto": "other", "\\sim": "other", "\\simeq": "other", "\\cong": "other", "\\to": "other",
             "\\rightarrow": "other", "\\mapsto": "other", "\\ll": "other", "\\gg": "other",
             "\\subset": "other", "\\subseteq": "other", "\\notin": "other", "\\perp": "other",
             "\\parallel": "other", "\\asymp": "other", "\\models": "other"}
WORD_COMMANDS = ("\\mathrm", "\\operatorname", "\\mathit", "\\mathsf", "\\mathtt", "\\operatorname*")
DECORATIONS = ("\\hat", "\\widehat", "\\bar", "\\overline", "\\tilde", "\\widetilde", "\\dot", "\\ddot",
               "\\check", "\\breve", "\\acute", "\\grave", "\\mathring")
UNSUPPORTED = {  # commands that mean something this reader does not model, by construct name
    "\\int": "\\int", "\\iint": "\\int", "\\oint": "\\int", "\\lim": "\\lim", "\\partial": "\\partial",
    "\\nabla": "\\nabla", "\\mathbf": "\\mathbf", "\\boldsymbol": "\\boldsymbol", "\\bm": "\\boldsymbol",
    "\\vec": "\\vec", "\\mathbb": "\\mathbb", "\\mid": "\\mid", "\\|": "norm", "\\Vert": "norm",
    "\\lVert": "norm", "\\langle": "\\langle", "\\cdots": "ellipsis", "\\ldots": "ellipsis", "\\dots": "ellipsis",
    "\\vdots": "ellipsis", "\\ddots": "ellipsis", "\\pm": "\\pm", "\\mp": "\\pm", "\\arg": "\\arg",
    "\\argmax": "\\arg", "\\argmin": "\\arg", "\\det": "\\det", "\\sup": "\\sup", "\\inf": "\\inf",
    "\\begin": "environment", "\\end": "environment", "\\otimes": "\\otimes", "\\odot": "\\odot",
    "\\circ": "\\circ", "\\oplus": "\\oplus", "\\cup": "sets", "\\cap": "sets", "\\setminus": "sets",
    "\\forall": "quantifier", "\\exists": "quantifier", "\\choose": "\\choose", "\\over": "\\over",
    "\\Pr": "\\Pr", "\\operatorname*": "\\operatorname*", "\\mathcal": "\\mathcal", "\\mathscr": "\\mathcal",
}
KNOWN_FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {
    "ln": sp.log, "exp": sp.exp, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sinh": sp.sinh, "cosh": sp.cosh,
    "tanh": sp.tanh, "arctan": sp.atan, "arcsin": sp.asin, "arccos": sp.acos, "floor": sp.floor,
    "ceil": sp.ceiling, "abs": sp.Abs, "sgn": sp.sign, "sign": sp.sign, "log": sp.log,
    "relu": lambda x: sp.Max(0, x), "sigmoid": lambda x: 1 / (1 + sp.exp(-x)), "sqrt": sp.sqrt,
    "max": sp.Max, "min": sp.Min,
}
# Letters people use for functions: before an adjacent parenthesis they apply, in the usual reading.
FUNCTION_LETTERS = set("fghFGHDEPLJQVT") | {"\\sigma", "\\phi", "\\varphi", "\\psi", "\\ell", "\\Phi", "\\Psi",
                                             "\\mathcal{L}"}
SCALES = {"万": 10**4, "亿": 10**8, "千": 10**3, "百万": 10**6, "千万": 10**7, "百": 100}


@dataclass(frozen=True)
class FunctionDef:
    params: tuple[sp.Symbol, ...]
    body: sp.Expr


@dataclass
class Scope:
    """What the parser knows besides the text."""

    functions: dict[str, FunctionDef] = field(default_factory=dict)
    references: dict[str, Callable[..., sp.Expr]] = field(default_factory=dict)
    values: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)  # `where` bindings, for @references
    consumed: set[sp.Symbol] = field(default_factory=set)  # bindings a reference used up
    reading: Reading = USUAL
    variables: frozenset[str] = frozenset()  # `e` or `i` defined on the card: variables, usually
    met: set[str] = field(default_factory=set)  # the ambiguity kinds the text contained
    called: set[str] = field(default_factory=set)  # card functions the text applied
    applied: frozenset[str] = frozenset()  # names the formula applies to several arguments: functions


def symbol(name: str) -> sp.Symbol:
    """Free symbols are positive reals, as the source format says."""
    return sp.Symbol(name, positive=True)


def family(name: str) -> sp.IndexedBase:
    return sp.IndexedBase(name, positive=True)


def check_size(value: sp.Expr, offset: int, length: int) -> sp.Expr:
    if value.is_Rational and (abs(value.p).bit_length() > MAX_BITS or abs(value.q).bit_length() > MAX_BITS):
        raise MathError("number too large to check exactly", offset, length, construct="size")
    return value


def safe_pow(base: sp.Expr, exp: sp.Expr, offset: int, length: int) -> sp.Expr:
    """base**exp, unless it would build an enormous exact number."""
    if base.is_number and exp.is_number:
        try:
            b = abs(complex(sp.N(base, 15)))
            e = complex(sp.N(exp, 15)).real
        except (TypeError, ValueError, OverflowError):
            raise MathError("power too large to check", offset, length, construct="size") from None
        if not math.isfinite(e) or (b not in (0.0, 1.0) and abs(e) * abs(math.log2(b) if b else 0) > MAX_BITS):
            raise MathError("power too large to check exactly", offset, length, construct="size",
                            hint="keep exponents to numbers of at most a few thousand digits")
        if exp.is_Rational and not exp.is_Integer and exp.q > 1000:
            raise MathError("root of too high an order", offset, length, construct="size")
    elif exp.is_Integer and abs(exp) > 10_000:
        raise MathError("exponent too large to check", offset, length, construct="size")
    return sp.Pow(base, exp)


def unsupported(t: Tok, construct: str | None = None) -> MathError:
    return MathError(f"'{t.text}' is not read in checked formulas", t.start, t.end - t.start,
                     hint="see 'Checked formulas' in the docs for what is read", construct=construct or t.text)


class Parser:
    """Recursive descent with an explicit depth bound; one instance per token list."""

    def __init__(self, toks: list[Tok], scope: Scope | None = None, end: int = 0) -> None:
        self.toks = toks
        self.i = 0
        self.scope = scope or Scope()
        self.depth = 0
        self.bound: dict[str, sp.Symbol] = {}  # summation indices, function parameters, recurrence index
        self.end_offset = toks[-1].end if toks else end
        self.in_e_power = False  # inside e^{…} or \exp(…): where i is usually the imaginary unit
        self._closing_bar = False

    # -- token helpers -------------------------------------------------------------------
    def peek(self, k: int = 0) -> Tok:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else Tok("end", "", self.end_offset, self.end_offset)

    def next(self) -> Tok:
        t = self.peek()
        self.i += 1
        return t

    def at(self, *texts: str) -> bool:
        t = self.peek()
        return t.text in texts and t.kind not in ("end", "text", "unit", "word", "sep")

    def expect(self, text: str, what: str | None = None) -> Tok:
        t = self.peek()
        if t.text != text or t.kind == "end":
            found = "the end of the formula" if t.kind == "end" else f"'{t.text}'"
            raise MathError(f"expected '{text}'{' ' + what if what else ''}, found {found}", t.start,
                            t.end - t.start)
        return self.next()

    def enter(self, t: Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise MathError(f"formula nested more than {MAX_DEPTH} levels deep", t.start, t.end - t.start,
                            construct="depth")

    def leave(self) -> None:
        self.depth -= 1

    def done(self) -> bool:
        return self.i >= len(self.toks)

    def flipped(self, kind: str) -> bool:
        self.scope.met.add(kind)
        return self.scope.reading.flipped(kind)

    # -- grammar -------------------------------------------------------------------------
    def relation(self) -> str | None:
        t = self.peek()
        if t.kind == "op" and t.text == ":" and self.peek(1).text == "=":
            return ":="
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

    def starts_atom(self, t: Tok) -> bool:
        if t.kind in ("letter", "ref", "word"):
            return True
        if t.kind == "op":
            return t.text in ("(", "[", "{", "|") and not (t.text == "|" and self._closing_bar)
        if t.kind == "cmd":
            return (t.text in ("\\frac", "\\dfrac", "\\tfrac", "\\cfrac", "\\sqrt", "\\lfloor", "\\lceil", "\\{",
                               "\\pi", "\\log", "\\max", "\\min", "\\sum", "\\prod", "\\binom", "\\infty",
                               "\\lvert", "\\vert", "\\underbrace", "\\overbrace", "\\boxed", "\\imath",
                               *WORD_COMMANDS, *DECORATIONS)
                    or t.text[1:] in KNOWN_FUNCTIONS or t.text[1:] in GREEK or t.text in UNSUPPORTED)
        return False

    def term(self) -> sp.Expr:
        node = self.unary()
        while True:
            t = self.peek()
            if t.kind == "end":
                return node
            if t.text in ("\\times", "\\cdot", "*", "\\ast") and t.kind in ("op", "cmd"):
                self.next()
                node = node * self.unary()
            elif t.text in ("/", "\\div") and t.kind in ("op", "cmd"):
                self.next()
                divisor = self.unary()
                if t.text == "/" and self.starts_atom(self.peek()) and self.flipped("slash"):
                    while self.starts_atom(self.peek()):  # a/b c read as a/(b c)
                        divisor = divisor * self.power()
                node = node / self._nonzero(divisor, t)
            elif self.starts_atom(t):
                node = node * self.power()
            elif t.kind == "num":
                raise MathError("a number cannot follow here without an operator", t.start, t.end - t.start,
                                hint="write '\\times' or '\\cdot' between the factors")
            else:
                return node

    def _nonzero(self, value: sp.Expr, t: Tok) -> sp.Expr:
        if value.is_zero:
            raise MathError("division by zero", t.start, t.end - t.start, construct="division by zero")
        return value

    def unary(self) -> sp.Expr:
        t = self.peek()
        if t.text in ("-", "+") and t.kind == "op":
            self.next()
            self.enter(t)
            try:
                value = self.unary()
            finally:
                self.leave()
            return -value if t.text == "-" else value
        return self.power()

    def power(self) -> sp.Expr:
        start = self.peek()
        base = self.postfix()
        if self.at("^"):
            caret = self.next()
            self.enter(caret)
            saved = self.in_e_power
            self.in_e_power = saved or base == sp.E
            try:
                exp = self.script()
            finally:
                self.in_e_power = saved
                self.leave()
            if self.at("^"):
                t = self.peek()
                raise MathError("double superscript", t.start, 1, hint="use braces: a^{b^c}")
            end = self.toks[self.i - 1].end
            base = safe_pow(base, exp, start.start, end - start.start)
            base = check_size(base, start.start, end - start.start) if base.is_Rational else base
            base = self.postfix_tail(base, start)
        return base

    def postfix(self) -> sp.Expr:
        start = self.peek()
        return self.postfix_tail(self.atom(), start)

    def postfix_tail(self, node: sp.Expr, start: Tok) -> sp.Expr:
        while True:
            t = self.peek()
            if self.at("!"):
                bang = self.next()
                if node.is_number and not (node.is_Integer and 0 <= node <= MAX_FACTORIAL):
                    raise MathError("factorial of a number too large or not a whole number", start.start,
                                    bang.end - start.start, construct="size")
                node = sp.factorial(node)
            elif t.kind == "cmd" and t.text == "\\%":
                self.next()
                node = node / 100
            elif t.kind == "unit":
                self.next()
                node = self.unit(node, t)
            else:
                return node

    def unit(self, node: sp.Expr, t: Tok) -> sp.Expr:
        """`\\text{…}` after a number: a scale (万), a unit (a symbol of its own), or a label."""
        if t.text in SCALES:
            return node * SCALES[t.text]
        if t.text.isascii() and t.text.replace(" ", "").isalpha() and len(t.text) <= 6:
            return node * symbol(f"\\text{{{t.text}}}")
        return node  # a label such as \text{（输出边长）}

    def script(self, split_digits: bool = False) -> sp.Expr:
        """The argument of ^ or of \\frac: a braced group or a single token."""
        t = self.peek()
        if t.text == "{" and t.kind == "op":
            return self.group("{", "}")
        if t.kind == "num" and split_digits and len(t.text) > 1 and t.text.isdigit():
            self.toks[self.i] = Tok("num", t.text[1:], t.start + 1, t.end)  # TeX: \frac12 is 1/2
            return sp.Rational(t.text[0])
        if t.kind == "num":
            self.next()
            if len(t.text) > 1 and t.text.isdigit():  # x^23 is x^2 3 in TeX
                raise MathError("a superscript of more than one digit needs braces", t.start, t.end - t.start,
                                hint=f"write ^{{{t.text}}}")
            return self.number(t)
        if t.kind == "letter":
            self.next()
            return self.letter_value(t, t.text)
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

    def number(self, t: Tok) -> sp.Expr:
        text = t.text.lower()
        mantissa, _, exponent = text.partition("e")
        value = sp.Rational(mantissa)
        if exponent:
            if abs(int(exponent)) > 300:
                raise MathError("exponent too large to check", t.start, t.end - t.start, construct="size")
            value = value * sp.Rational(10) ** int(exponent)
        return check_size(value, t.start, t.end - t.start)

    def atom(self) -> sp.Expr:
        t = self.peek()
        if t.kind == "num":
            self.next()
            return self.number(t)
        if t.kind == "letter":
            return self.named(t)
        if t.kind == "word":
            self.next()
            return self.word_value(t.text if t.text[0] > "\x7f" else f"\\mathrm{{{t.text}}}", t)
        if t.kind == "ref":
            return self.reference()
        if t.kind == "op":
            if t.text in "([{":
                return self.group(t.text, {"(": ")", "[": "]", "{": "}"}[t.text])
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
        if t.kind in ("sep", "text"):
            raise MathError("text inside a formula", t.start, t.end - t.start, construct="prose in a formula")
        raise MathError(f"unexpected '{t.text}'", t.start, t.end - t.start)

    # -- names ---------------------------------------------------------------------------
    def subscript(self) -> tuple[str, list[Tok]] | None:
        """The text of a subscript and its tokens, or None when there is none."""
        if not self.at("_"):
            return None
        self.next()
        t = self.peek()
        if t.text == "{" and t.kind == "op":
            parts = self.braced("subscript")
            if not parts:
                raise MathError("empty subscript", t.start, 2)
            return "".join(_tok_text(u) for u in parts), parts
        if t.kind == "num" and len(t.text) > 1:
            raise MathError("a subscript of more than one character needs braces", t.start, t.end - t.start,
                            hint=f"write _{{{t.text}}}")
        if t.kind in ("letter", "num", "cmd"):
            self.next()
            return t.text, [t]
        raise MathError("expected a subscript", t.start, 1)

    def label(self) -> str | None:
        """A superscript that names rather than raises: x^{(t)}, v^{corr}, W^T, x^*, x^\\top."""
        if not self.at("^"):
            return None
        t = self.peek(1)
        inner = []
        if t.text == "{" and t.kind == "op":
            k = 2
            while self.peek(k).kind != "end" and not (self.peek(k).text == "}" and self.peek(k).kind == "op"):
                inner.append(self.peek(k))
                k += 1
                if k > 40:
                    return None
            length = k + 1
        else:
            inner, length = [t], 2
        texts = [u.text for u in inner]
        if texts in (["\\top"], ["*"], ["\\ast"], ["\\prime"], ["\\dagger"], ["\\star"], ["\\prime", "\\prime"]):
            ambiguous = False
        elif (texts[:1] == ["("] and texts[-1:] == [")"] and len(texts) > 2) or texts == ["T"] or (
                len(inner) >= 2 and all(u.kind == "letter" for u in inner)
                and all(adjacent(a, b) for a, b in zip(inner, inner[1:]))) or (
                len(inner) == 1 and inner[0].kind == "word"):
            ambiguous = True
        else:
            return None
        if ambiguous and self.flipped("labels"):
            return None
        self.i += length
        return "^{" + "".join(_tok_text(u) for u in inner) + "}"

    def decorated(self, base: str) -> str:
        """The rest of a symbol's name: subscript, labels and primes, as in K_{n}' or h^{(t)}_i."""
        name = base
        for _ in range(3):
            sub = self.subscript()
            if sub is not None:
                text, toks = sub
                if any(u.kind == "letter" and u.text in self.bound for u in toks) or (
                        any(u.text in self.bound for u in toks if u.kind == "cmd")):
                    raise _FamilyIndex(name, toks)
                name += f"_{{{text}}}"
                continue
            lab = self.label()
            if lab is not None:
                name += lab
                continue
            if self.at("'"):
                while self.at("'"):
                    self.next()
                    name += "'"
                continue
            break
        return name

    def named(self, t: Tok) -> sp.Expr:
        """A letter (or a run of letters) with subscripts, labels and primes; a call when one follows."""
        run = [t]
        while self.peek(len(run)).kind == "letter" and adjacent(run[-1], self.peek(len(run))):
            run.append(self.peek(len(run)))
        if len(run) > 1:
            word = "".join(u.text for u in run)
            if word in KNOWN_FUNCTIONS and self.peek(len(run)).text != "_":
                self.i += len(run)
                return self.apply_known(word, run[0])
            usual_word = len(run) >= 3 or word.isupper()
            if usual_word != self.flipped("words"):
                self.i += len(run)
                return self.word_value(f"\\mathrm{{{word}}}", t)
            value = sp.Integer(1)
            for u in run[:-1]:  # a product: each letter but the last stands alone
                self.next()
                value = value * self.letter_value(u, u.text)
            return value * self.named_single(self.peek())
        return self.named_single(t)

    def named_single(self, t: Tok) -> sp.Expr:
        self.next()
        start = self.i
        try:
            name = self.decorated(t.text)
        except _FamilyIndex as fam:
            return self.apply_if_called(self.family_element(fam), t, fam.name)
        if name in self.bound:
            return self.bound[name]
        fn = self.scope.functions.get(name) or self.derivative_function(name)
        if fn is not None and self.at("("):
            return self.call(fn, t)
        if self.i == start:
            value = self.letter_value(t, name)
        else:
            value = symbol(name)
        return self.apply_if_called(value, t, name)

    def derivative_function(self, name: str) -> FunctionDef | None:
        """f' (or f^{\\prime}, f'') of a card function of one variable: its derivative."""
        base, order = name, 0
        while True:
            if base.endswith("'"):
                base, order = base[:-1], order + 1
            elif base.endswith("^{\\prime}"):
                base, order = base[:-len("^{\\prime}")], order + 1
            else:
                break
        fn = self.scope.functions.get(base) if order else None
        if fn is None or len(fn.params) != 1:
            return None
        return FunctionDef(fn.params, sp.diff(fn.body, fn.params[0], order))

    def letter_value(self, t: Tok, name: str) -> sp.Expr:
        """A bare letter: e and i may be constants."""
        if name in self.bound:
            return self.bound[name]
        if name == "e":
            usual_constant = "e" not in self.scope.variables
            if usual_constant and self.at("^"):
                return sp.E  # e^{…} is the exponential, whatever else e may be on the card
            return sp.E if usual_constant != self.flipped("e") else symbol("e")
        if name == "i":
            usual_unit = self.in_e_power and "i" not in self.scope.variables
            return sp.I if usual_unit != self.flipped("i") else symbol("i")
        return symbol(name)

    def apply_if_called(self, value: sp.Expr, t: Tok, name: str) -> sp.Expr:
        """`f(x)` for an undefined f: an application or a product, by the reading."""
        nxt = self.peek()
        bracket = nxt.text == "[" and nxt.kind == "op" and name in ("E", "P", "\\mathrm{Var}", "\\mathrm{E}")
        if not ((nxt.text == "(" and nxt.kind == "op") or bracket) or not isinstance(value, (sp.Symbol,)):
            return value
        base = name.split("_")[0].split("^")[0].rstrip("'")
        usual_apply = adjacent(self.toks[self.i - 1], nxt) and (
            base in FUNCTION_LETTERS or bracket or base in self.scope.applied)
        if usual_apply == self.flipped("apply"):
            return value
        args = self.arguments("[" if bracket else "(")
        return sp.Function(name)(*args)

    def family_element(self, fam: "_FamilyIndex") -> sp.Expr:
        """`C_{l-1}` inside `\\sum_{l=…}`: an element of the family C at a computed index."""
        sub = Parser(fam.toks, self.scope, fam.toks[-1].end)
        sub.bound = self.bound
        indices = [sub.expression()]
        while sub.at(","):
            sub.next()
            indices.append(sub.expression())
        if not sub.done():
            u = sub.peek()
            raise MathError(f"cannot read the index '{u.text}'", u.start, u.end - u.start, construct="index")
        return family(fam.name)[tuple(indices)]

    def word_value(self, name: str, t: Tok) -> sp.Expr:
        """A multi-letter name: a known function, a card function, or one symbol."""
        plain = name.removeprefix("\\mathrm{").removesuffix("}")
        if plain in ("e",):
            return sp.E
        if plain in ("i",):
            return sp.I
        if plain.lower() in KNOWN_FUNCTIONS and self.peek().text != "_":
            return self.apply_known(plain.lower(), t)
        try:
            full = self.decorated(name)
        except _FamilyIndex as fam:
            return self.family_element(fam)
        fn = self.scope.functions.get(full)
        if fn is not None and self.at("("):
            return self.call(fn, t)
        if full in self.bound:
            return self.bound[full]
        if self.at("("):  # an unknown \operatorname{name}(x) is a function, never a product
            return sp.Function(full)(*self.arguments("("))
        return symbol(full)

    def apply_known(self, name: str, t: Tok) -> sp.Expr:
        fn = KNOWN_FUNCTIONS[name]
        if name in ("max", "min"):
            if self.at("_"):
                raise unsupported(self.peek(), "\\max_{…}")
            return fn(*self.arguments("("))
        saved = self.in_e_power
        self.in_e_power = saved or name == "exp"
        try:
            arg = self.function_argument()
        finally:
            self.in_e_power = saved
        return fn(arg)

    def call(self, fn: FunctionDef, t: Tok) -> sp.Expr:
        self.scope.called.add(t.text)
        args = self.arguments("(")
        if len(args) != len(fn.params):
            raise MathError(f"'{t.text}' takes {len(fn.params)} argument(s), got {len(args)}", t.start,
                            self.toks[self.i - 1].end - t.start)
        return fn.body.xreplace(dict(zip(fn.params, args)))

    def arguments(self, open_: str = "(") -> list[sp.Expr]:
        close = ")" if open_ == "(" else "]"
        self.expect(open_)
        args = [self.expression()]
        while self.at(","):
            self.next()
            args.append(self.expression())
        self.expect(close, "to close the argument list")
        return args

    def function_argument(self) -> sp.Expr:
        if self.at("("):
            return self.group("(", ")")
        return self.power()

    # -- commands ------------------------------------------------------------------------
    def command(self, t: Tok) -> sp.Expr:
        name = t.text
        if name == "\\pi":
            self.next()
            return sp.pi
        if name in ("\\Delta", "\\delta") and self._starts_name(self.peek(1)):
            return self.difference(t)
        if name[1:] in GREEK:
            return self.named(t)
        if name == "\\infty":
            self.next()
            return sp.oo
        if name == "\\imath":
            self.next()
            return sp.I
        if name in ("\\frac", "\\dfrac", "\\tfrac", "\\cfrac"):
            return self.fraction(t)
        if name == "\\binom":
            self.next()
            return sp.binomial(self.script(), self.script())
        if name == "\\sqrt":
            self.next()
            index = self.group("[", "]") if self.at("[") else None
            radicand = self.script()
            if index is None:
                return sp.sqrt(radicand)
            return safe_pow(radicand, 1 / self._nonzero(index, t), t.start, self.toks[self.i - 1].end - t.start)
        if name in ("\\lfloor", "\\lceil"):
            self.next()
            inner = self.expression()
            self.expect("\\rfloor" if name == "\\lfloor" else "\\rceil")
            return sp.floor(inner) if name == "\\lfloor" else sp.ceiling(inner)
        if name in ("\\lvert", "\\vert"):
            self.next()
            inner = self.expression()
            self.expect("\\rvert" if name == "\\lvert" else "\\vert")
            return sp.Abs(inner)
        if name == "\\{":
            return self.group("\\{", "\\}")
        if name in ("\\underbrace", "\\overbrace", "\\boxed"):
            self.next()
            value = self.script()
            if name != "\\boxed" and self.at("_" if name == "\\underbrace" else "^"):
                self.next()
                self._skip_group()
            return value
        if name in DECORATIONS:
            return self.decoration(t)
        if name in WORD_COMMANDS:
            return self.word_command(t)
        if name[1:] in KNOWN_FUNCTIONS:
            self.next()
            if name == "\\log":
                return self.logarithm(t)
            return self.apply_known(name[1:], t)
        if name in ("\\sum", "\\prod"):
            return self.big_operator(t)
        if name in RELATIONS:
            raise MathError(f"relation '{name}' where a value was expected", t.start, t.end - t.start)
        raise unsupported(t, UNSUPPORTED.get(name))

    def _starts_name(self, u: Tok) -> bool:
        return u.kind == "letter" or (u.kind == "cmd" and u.text[1:] in GREEK)

    def difference(self, t: Tok) -> sp.Expr:
        """`\\Delta x`: one name, the change of x (or, in the other reading, Δ times x)."""
        if self.flipped("words"):
            return self.named_single(t)
        self.next()
        u = self.next()
        try:
            name = self.decorated(f"{t.text} {u.text}")
        except _FamilyIndex as fam:
            return self.family_element(fam)
        return self.bound.get(name) or symbol(name)

    def braced(self, what: str = "group") -> list[Tok]:
        """The tokens inside the `{…}` group that starts here, which is consumed."""
        end = closing(self.toks, self.i)
        if end < 0:
            raise MathError(f"{what} is never closed", self.peek().start, 1)
        inner = self.toks[self.i + 1:end]
        self.i = end + 1
        return inner

    def _skip_group(self) -> None:
        if self.at("{"):
            self.braced()
        else:
            self.next()

    def logarithm(self, t: Tok) -> sp.Expr:
        base = None
        if self.at("_"):
            self.next()
            base = self.script()
        arg = self.function_argument()
        return sp.log(arg) if base is None else sp.log(arg) / sp.log(self._nonzero(base, t))

    def decoration(self, t: Tok) -> sp.Expr:
        """\\hat{y}, \\bar{x}_i: a symbol of its own."""
        self.next()
        open_ = self.peek()
        if open_.text == "{":
            inner = []
            self.next()
            while not self.at("}"):
                u = self.next()
                if u.kind == "end":
                    raise MathError("decoration is never closed", open_.start, 1)
                inner.append(u)
            self.next()
        else:
            inner = [self.next()]
        if len(inner) != 1 or not (inner[0].kind == "letter" or inner[0].text[1:] in GREEK):
            raise unsupported(t, t.text + " of an expression")
        name = f"{t.text}{{{inner[0].text}}}"
        try:
            full = self.decorated(name)
        except _FamilyIndex as fam:
            return self.family_element(fam)
        return self.apply_if_called(self.bound.get(full) or symbol(full), t, full)

    def word_command(self, t: Tok) -> sp.Expr:
        """\\mathrm{FLOPs}, \\operatorname{floor}(x): a name, or a function when one is called."""
        self.next()
        open_ = self.expect("{")
        parts = []
        while not self.at("}"):
            u = self.next()
            if u.kind == "end":
                raise MathError("name is never closed", open_.start, 1)
            if u.kind not in ("letter", "num") and u.text not in ("\\_", "-", " "):
                raise MathError(f"only letters and digits may form a name, not '{u.text}'", u.start,
                                u.end - u.start, construct=t.text + " of an expression")
            parts.append("_" if u.text == "\\_" else u.text)
        self.next()
        word = "".join(parts)
        if word == "d":
            raise unsupported(t, "differential d")
        return self.word_value(word if len(word) == 1 and word not in "ei" else f"\\mathrm{{{word}}}", t)

    def fraction(self, t: Tok) -> sp.Expr:
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
        numerator, denominator = self._fraction_parts()
        leibniz = ("\\partial" in numerator or "\\nabla" in numerator
                   or (numerator[:1] == ["d"] and numerator[1:2] != ["_"])
                   or (numerator[:1] in (["\\mathrm"], ["\\operatorname"]) and numerator[1:3] == ["{", "d"]))
        differential = any(u == "d" and denominator[k + 1:k + 2] != ["_"] for k, u in enumerate(denominator))
        if leibniz and (differential or "\\partial" in denominator):
            raise MathError("a Leibniz derivative is not read; write \\frac{d}{dx} f(x) to have it checked",
                            t.start, t.end - t.start, construct="\\partial" if "\\partial" in numerator else "d/dx")
        return None

    def _fraction_parts(self) -> tuple[list[str], list[str]]:
        """The token texts of the two groups that follow (empty when they are not braced)."""
        groups: list[list[str]] = []
        k = 0
        for _ in range(2):
            if self.peek(k).text != "{":
                return (groups + [[], []])[0], (groups + [[], []])[1]
            depth, texts = 0, []
            while True:
                u = self.peek(k)
                if u.kind == "end":
                    return [], []
                if u.text == "{":
                    depth += 1
                elif u.text == "}":
                    depth -= 1
                    if depth == 0:
                        k += 1
                        break
                if depth and not (u.text == "{" and depth == 1):
                    texts.append(u.text)
                k += 1
            groups.append(texts)
        return groups[0], groups[1]

    def big_operator(self, t: Tok) -> sp.Expr:
        """\\sum_{i=a}^{b} term and \\prod_{i=a}^{b} term (limits in either order)."""
        self.next()
        low = high = None
        var: Tok | None = None
        for _ in range(2):
            if self.at("_") and var is None:
                self.next()
                brace = self.at("{")
                if brace:
                    self.next()
                var = self.peek()
                if var.kind != "letter" and not (var.kind == "cmd" and var.text[1:] in GREEK):
                    raise unsupported(t, f"{t.text} over a set")
                self.next()
                if not self.at("="):
                    raise MathError(f"{t.text} without bounds is not read", t.start, t.end - t.start,
                                    construct=f"{t.text}_i without bounds")
                self.next()
                low = self.expression()
                if brace:
                    self.expect("}")
            elif self.at("^") and high is None:
                self.next()
                high = self.script()
        if var is None or high is None:
            raise MathError(f"{t.text} without bounds is not read", t.start, t.end - t.start,
                            construct=f"{t.text}_i without bounds")
        index = sp.Symbol(var.text, integer=True)
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

    # -- references ----------------------------------------------------------------------
    def _bind(self, value: sp.Expr) -> sp.Expr:
        self.scope.consumed.update(value.free_symbols & self.scope.values.keys())
        return value.xreplace(self.scope.values)

    def reference(self) -> sp.Expr:
        """@name(key=value, ...): a reference derivation from ankigen.check.reference."""
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


class _FamilyIndex(Exception):
    """A subscript holding a bound index: the name is a family, read by the caller."""

    def __init__(self, name: str, toks: list[Tok]) -> None:
        super().__init__(name)
        self.name = name
        self.toks = toks


def _tok_text(t: Tok) -> str:
    if t.kind in ("word", "unit"):
        return f"\\text{{{t.text}}}"
    return t.text


def parse_expression(text: str, scope: Scope | None = None, base: int = 0) -> sp.Expr:
    """One expression, all of the text."""
    from ankigen.check.tokens import tokenize

    p = Parser(tokenize(text, base), scope, end=base + len(text))
    node = p.expression()
    if not p.done():
        t = p.peek()
        raise MathError(f"unexpected '{t.text}'", t.start, t.end - t.start)
    return node
