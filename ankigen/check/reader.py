"""Tokens to sympy under a Reading: a recursive-descent parser of the documented LaTeX subset.

It never hands source text to Python or to sympy's parsers (`sympify`, `parse_expr`,
`parse_latex`): a source file is data. Every way out is a MathError with an offset, and hostile
input (huge powers, deep nesting) ends in a MathError, not a hang or a RecursionError. Where
notation is ambiguous it follows the Reading and records the kind in `scope.met`. Names are read
in names.py, commands in commands.py; this module holds the grammar of expressions.
"""

from __future__ import annotations

import sympy as sp

from ankigen.check.calculus import Calculus
from ankigen.check.commands import Commands
from ankigen.check.names import Names
from ankigen.check.notation import Notation, opaque
from ankigen.check.vectors import Vectors, group_transpose
from ankigen.check.matrices import Det, Hadamard, Literal, is_matrix, is_vector_name
from ankigen.check.reading import INVERTED
from ankigen.check.tokens import MathError, Tok
from ankigen.check.vocabulary import (BOLD, DECORATIONS, FUNCTION_LETTERS, GREEK, KNOWN_FUNCTIONS, MAX_DEPTH,
                                      MAX_FACTORIAL, RELATIONS, SCALES, UNSUPPORTED, WORD_COMMANDS, FunctionDef, Opaque, Scope,
                                      check_size, family, no_tuple, safe_pow, symbol)

__all__ = ["GREEK", "RELATIONS", "WORD_COMMANDS", "FunctionDef", "Parser", "Scope", "family", "parse_expression",
           "symbol"]


# Function names people write as plain letters; "sin" and "tan" are left out: s·i·n and t·a·n happen.
_BARE_FUNCTIONS = ("log", "ln", "exp", "cos", "max", "min", "mod")  # mod: \mod, which is not read
_BARE_STARTS = frozenset(name[0] for name in _BARE_FUNCTIONS)


_SET_LETTERS = ("\\mathcal{", "\\mathscr{", "\\mathbb{")


def _order_in_parentheses(toks: list[Tok]) -> bool:
    """`{(n)}`, `{(3)}` as a superscript: one parenthesised group, the whole superscript."""
    if len(toks) < 3 or toks[0].text != "(" or toks[-1].text != ")":
        return False
    depth = 0
    for k, t in enumerate(toks):
        depth += (t.text == "(") - (t.text == ")")
        if depth == 0 and k < len(toks) - 1:
            return False  # {(a)(b)}: two groups
    return True


class Parser(Names, Commands, Calculus, Notation, Vectors):
    """Recursive descent with an explicit depth bound; one instance per token list."""

    def __init__(self, toks: list[Tok], scope: Scope | None = None, end: int = 0) -> None:
        self.toks = toks
        self.i = 0
        self.scope = scope or Scope()
        self.depth = 0
        self.bound: dict[str, sp.Symbol] = {}  # summation indices, function parameters, recurrence index
        self.end_offset = toks[-1].end if toks else end
        self._end = Tok("end", "", self.end_offset, self.end_offset)
        self.in_e_power = False  # inside e^{…} or \exp(…): where i is usually the imaginary unit
        self._closing_bar = False

    # -- token helpers -------------------------------------------------------------------
    def peek(self, k: int = 0) -> Tok:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else self._end

    def next(self) -> Tok:
        t = self.peek()
        if self.i < len(self.toks):  # never past the end: the end token is read again, never an index error
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

    def flipped(self, kind: str, usual: bool = True) -> bool:
        """Whether this occurrence of `kind` is read against its usual meaning. `usual` says which of the
        kind's two meanings is usual here (the first, as DESCRIBE lists them, or the second): a letter
        before a parenthesis usually multiplies unless it is f or g, i is usually a variable unless the
        card writes complex numbers. The reading's description follows what was usual."""
        self.scope.met.add(kind if usual else kind + INVERTED)
        return self.scope.reading.flipped(kind)

    # -- grammar -------------------------------------------------------------------------
    def relation(self) -> str | None:
        t = self.peek()
        if t.kind == "op" and t.text == ":" and self.peek(1).text == "=":
            return ":="
        if t.kind == "op" and t.text == "=" and self.peek(1).text == ":" and self.peek(1).start == t.end:
            return "=:"  # `\ldots =: dz_2`: the name on the right is given the value on the left
        if t.kind in ("op", "cmd") and t.text in RELATIONS:
            return RELATIONS[t.text]
        return None

    def expression(self) -> sp.Expr:
        t = self.peek()
        self.enter(t)
        try:
            node = self.term()
            terms = [node]
            while self.at("+", "-"):
                op = self.next()
                rhs = self.term()
                no_tuple(op, node, rhs)
                node = node + rhs if op.text == "+" else node - rhs
                terms.append(rhs if op.text == "+" else -rhs)
            if len(terms) > 2 and any(isinstance(u, Opaque) for u in terms):
                return sp.Add(*self.dotted_sums(terms))  # x_1 + \cdots + x_n
            return node
        finally:
            self.leave()

    def starts_atom(self, t: Tok) -> bool:
        if t.kind in ("letter", "ref", "word"):
            return True
        if t.kind == "op":
            return t.text in ("(", "[", "{", "|") and not (t.text == "|" and self._closing_bar)
        if t.kind == "cmd":
            if t.text in ("\\|", "\\Vert") and self._closing_bar:
                return False  # the end of a norm
            return (t.text in ("\\frac", "\\dfrac", "\\tfrac", "\\cfrac", "\\sqrt", "\\lfloor", "\\lceil", "\\{",
                               "\\pi", "\\log", "\\max", "\\min", "\\sum", "\\prod", "\\binom", "\\infty",
                               "\\int", "\\iint", "\\lim", "\\partial", "\\mathcal", "\\mathscr",
                               "\\mathfrak", "\\mathbb", "\\Pr", "\\arg", "\\argmax", "\\argmin", "\\sup",
                               "\\inf", "\\pm", "\\mp", "\\cdots", "\\ldots", "\\dots", "\\begin",
                               "\\nabla", "\\|", "\\lVert", "\\Vert", "\\langle", "\\det", *BOLD,
                               "\\underset", "\\mathop",
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
                right = self.unary()
                no_tuple(t, node, right)
                scalar = (node.is_number and not is_matrix(node)) or (right.is_number and not is_matrix(right))
                if t.text in ("*", "\\ast") and not (scalar or self.scope.star):
                    # I * K of two signals, functions or written matrices: a convolution as often as a
                    # product; not read
                    raise MathError(f"'{t.text}' between two symbols (a convolution or a product)", t.start,
                                    t.end - t.start, construct="* between symbols")
                crossed = self.cross(node, right, t) if t.text == "\\times" else None
                node = crossed if crossed is not None else self.dot(node, right) if t.text == "\\cdot" else node * right
            elif t.text == "\\odot" and t.kind == "cmd":
                self.next()
                node = self.hadamard(node, self.unary(), t)
            elif t.text in ("/", "\\div") and t.kind in ("op", "cmd"):
                self.next()
                divisor = self.unary()
                if t.text == "\\div" and self.at("/") and self.peek(1).kind == "num" and divisor.is_number:
                    self.next()  # 10/3 \div 4/3: a fraction divided by a fraction, as written inline
                    divisor = divisor / self._nonzero(self.unary(), t)
                if t.text == "/" and self.starts_atom(self.peek()) and self.flipped("slash"):
                    while self.starts_atom(self.peek()):  # a/b c read as a/(b c)
                        divisor = divisor * self.power()
                no_tuple(t, node, divisor)
                node = node / self._nonzero(divisor, t)
            elif self.starts_atom(t):
                whole = node.is_Integer and node > 0 and self.toks[self.i - 1].kind == "num" and t.text in (
                    "\\frac", "\\tfrac", "\\dfrac")
                right = self.power()
                no_tuple(t, node, right)
                if whole and right.is_Rational and 0 < right < 1 and self.flipped("mixed"):
                    node = node + right  # 10\frac{1}{3}: ten and a third
                else:
                    node = node * right
            elif t.kind == "num":
                raise MathError("a number cannot follow here without an operator", t.start, t.end - t.start,
                                hint="write '\\times' or '\\cdot' between the factors")
            else:
                return node

    def _nonzero(self, value: sp.Expr, t: Tok) -> sp.Expr:
        if value.is_zero:
            raise MathError("division by zero", t.start, t.end - t.start, construct="division by zero")
        if _matrix_valued(value):
            # h / (C - D) "if all the terms were numbers": A^{-1} h or h A^{-1}, the notation does not say
            # (a / (u^T v), a / \|x\| divide by numbers)
            raise MathError("division by a matrix is not read", t.start, t.end - t.start,
                            hint="write the inverse where it multiplies, (C - D)^{-1} h",
                            construct="division by a matrix")
        return value

    def unary(self) -> sp.Expr:
        t = self.peek()
        if t.text in ("-", "+") and t.kind == "op" and self.peek(1).text in (")", ",", "|", "\\mid", "]"):
            self.next()  # P(+), P(D | +): a sign standing for an outcome, opaque
            return opaque(f"outcome {t.text}")
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
        while base.is_commutative is False:  # a vector or matrix: ^T and ^{-1} are operations
            marked = self.matrix_superscript(base)
            if marked is None:
                break
            base = marked
        if self.at("^") and self.i and self.toks[self.i - 1].text == ")" and base.is_commutative \
                and [u.text for u in self._superscript_tokens()] == ["T"] and "T" not in self.bound \
                and (not self.scope.matrices or isinstance(base, sp.Symbol) or self.scope.t_transposes):
            # (a_{l-1})^T, (x - y)^T on a card that declares no vectors or writes T only as a
            # superscript, (a^{(l-1)})^T of one name on any card: a transpose of a group, T no power
            # ((1 + r)^T beside declared vectors, T years elsewhere on the card, may be one).
            # Not the group itself either: x^T beside it is a label, a name of its own, and (Hx)^T = x^T H
            # would then fail.
            raise group_transpose(self.peek().start, 2)
        if self.at("^") and self.i and self.toks[self.i - 1].text == ")" and base.is_commutative \
                and _order_in_parentheses(self._superscript_tokens()):
            # (\sin kx)^{(n)}, (\ln x)^{(3)}: the n-th derivative (or a rising factorial), never a power
            t = self.peek()
            raise MathError("a derivative of order n written as a superscript ^{(n)} is not read", t.start, 1,
                            construct="derivative ^{(n)}")
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
            no_tuple(caret, base, exp)
            if exp == -1 and isinstance(base, sp.Symbol) and base.is_commutative and self.at("(") and \
                    self.peek().start == end and (base.name in FUNCTION_LETTERS or base.name in self.scope.applied):
                # g^{-1}(\eta): the inverse of a function, applied; not 1/g times \eta
                name, args = self.given_arguments(f"{base.name}^{{-1}}", "(")
                return sp.Function(name)(*args)
            if _entrywise_power(base, exp):  # \\mathbf{g}_t^2 in Adagrad or Adam: squared entry by entry
                squared = base
                for _ in range(int(exp) - 1):
                    squared = Hadamard(squared, base)
                base = squared
            else:
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
                double = self.at("!") and self.peek().start == bang.end  # 5!! = 5·3·1, not (5!)!
                if double:
                    bang = self.next()
                if node.is_number and not (node.is_Integer and 0 <= node <= MAX_FACTORIAL):
                    raise MathError("factorial of a number too large or not a whole number", start.start,
                                    bang.end - start.start, construct="size")
                node = _double_factorial(node, start, bang) if double else sp.factorial(node)
            elif t.kind == "cmd" and t.text == "\\%":
                self.next()
                node = node / 100
            elif t.kind == "unit":
                self.next()
                unit = self.unit(sp.Integer(1), t)
                if self.at("^"):  # 10 \text{ m}^2, 10 \text{ (m)}^2: the unit's power, not the number's
                    self.next()
                    unit = unit ** self.script()
                node = node * unit
            else:
                return node

    def unit(self, node: sp.Expr, t: Tok) -> sp.Expr:
        """`\\text{…}` after a number: a scale (万), a unit (a symbol of its own), or a label."""
        if t.text in SCALES:
            return node * SCALES[t.text]
        name = t.text.strip().removeprefix("(").removesuffix(")").strip()  # \text{ (m)}: a unit in brackets
        if name.isascii() and name.replace(" ", "").isalpha() and len(name) <= 6:
            return node * symbol(f"\\text{{{t.text if name == t.text.strip() else name}}}")
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

    def subscripted(self, value: sp.Expr, t: Tok) -> sp.Expr:
        """`(AB)_{ij}`, `{\\varphi}_i`: an entry or a name made of a group, opaque; `[x e^x]_0^1`, the
        bracket of integration by parts: F at the upper bound minus F at the lower one, when F has
        one variable."""
        if not self.at("_"):
            return value
        self.next()
        sub = self.braced("subscript") if self.at("{") else [self.next()]
        if t.text == "[" and self.at("^"):
            self.next()
            high = self.script()
            low = self._sub_expression(sub, t) if sub else None
            variables = [v for v in value.free_symbols if isinstance(v, sp.Symbol) and v.is_commutative]
            if low is not None and len(variables) == 1:
                return value.xreplace({variables[0]: high}) - value.xreplace({variables[0]: low})
            return opaque("[…]_a^b", value)
        if t.text == "(" and [u.text for u in sub] == ["+"] and not is_matrix(value):
            return sp.Max(0, value)  # (X - 500)_+: the positive part, as insurance and hinge losses write it
        return opaque("(…)_{" + "".join(u.text for u in sub) + "}", value)

    def number(self, t: Tok) -> sp.Expr:
        text = t.text.lower()
        mantissa, _, exponent = text.partition("e")
        value = sp.Rational(mantissa)
        if exponent:
            if abs(int(exponent)) > 300:
                raise MathError("exponent too large to check", t.start, t.end - t.start, construct="size")
            value = value * sp.Rational(10) ** int(exponent)
        return check_size(value, t.start, t.end - t.start)

    def _bare_function(self, t: Tok) -> bool:
        """`log(xy)`, `exp(x)`, `ln x` written without the backslash: letter by letter it would be the
        product l·o·g, which no author means. A run of exactly the name becomes the function (its
        tokens are replaced by the command); a longer run (`logy_j`, `logit`) cannot be split safely."""
        if t.text not in _BARE_STARTS:
            return False  # the first letter of no function name: the common case, decided at once
        run, k = t.text, 1
        while len(run) < 6 and self.peek(k).kind == "letter" and self.peek(k).start == self.peek(k - 1).end:
            run += self.peek(k).text
            k += 1
        name = next((f for f in _BARE_FUNCTIONS if run.startswith(f)), None)
        if name is None:
            return False
        if run != name:
            raise MathError(f"'{run}' starts with '{name}' written without a backslash", t.start, len(run),
                            construct="function name without a backslash", hint=f"write \\{name}")
        last = self.toks[self.i + len(name) - 1]
        self.toks[self.i:self.i + len(name)] = [Tok("cmd", "\\" + name, t.start, last.end)]
        return True

    def atom(self) -> sp.Expr:
        t = self.peek()
        if t.kind == "num":
            self.next()
            return self.number(t)
        if t.text in ("d", "\\partial", "\\mathrm") and (derivative := self.slash_derivative()) is not None:
            return derivative
        if t.kind == "letter":
            growth = self.order_of_growth(t.text, 1, ("(", "\\left", "\\big", "\\Big", "\\bigl")) \
                if t.text in _ASYMPTOTIC else None
            if growth is not None:
                return growth
            if self._bare_function(t):
                return self.atom()
            return self.named(t)
        if t.kind == "word":
            self.next()
            if t.text.replace(" ", "") in ("argmax", "argmin"):  # \text{argmax}_{θ}: as \operatorname{argmax}
                return self.set_operator(t, t.text.replace(" ", ""), consumed=True)
            return self.word_value(t.text if t.text[0] > "\x7f" else f"\\mathrm{{{t.text}}}", t)
        if t.kind == "ref":
            return self.reference()
        if t.kind == "op":
            if t.text in "([{":
                close = {"(": ")", "[": "]", "{": "}"}[t.text]
                if t.text == "{":
                    inner = self.group("{", "}")
                    if isinstance(inner, sp.Symbol) and self.at("(") and self.conditional_group():
                        # {P}(y|x): a braced name applied, as \\log{P}(y|x) writes it
                        fn, args = self.given_arguments(str(inner), "(")
                        return sp.Function(fn)(*args)
                    return self.subscripted(inner, t)
                self.next()
                self.enter(t)
                try:
                    first = self.event()
                    if self.at(",", ";"):
                        return self.listed(t.text, close, first)
                    self.expect(close, f"to close the '{t.text}'")
                finally:
                    self.leave()
                if isinstance(first, sp.Rel):
                    return opaque("event", first)
                return self.subscripted(first, t)
            if t.text == "|" and self.peek(1).text == "|" and self.peek(1).start == t.end:
                return self.norm(t)  # ||x||: a norm
            if t.text == "|":
                self.next()
                saved, self._closing_bar = self._closing_bar, True
                try:
                    inner = self.expression()
                finally:
                    self._closing_bar = saved
                self.expect("|", "to close the absolute value")
                if isinstance(inner, sp.Symbol) and inner.name.startswith(_SET_LETTERS):
                    # |\mathcal{H}|: the size of a set, the one a \sum_{h \in \mathcal{H}} runs over
                    return sp.Symbol(f"|{inner.name}|", integer=True, positive=True)
                return Det(inner) if is_matrix(inner) else sp.Abs(inner)  # |A| of a matrix: det
        if t.kind == "cmd":
            return self.command(t)
        if t.kind == "end":
            raise MathError("formula ends where a value was expected", t.start, 1)
        if t.kind in ("sep", "text"):
            raise MathError("text inside a formula", t.start, t.end - t.start, construct="prose in a formula")
        raise MathError(f"unexpected '{t.text}'", t.start, t.end - t.start)


_ASYMPTOTIC = {"O", "o"}  # Landau's symbols; \Theta( and \Omega( in commands, \mathcal{O}( as a call


def _matrix_valued(value) -> bool:
    """A matrix or vector named or written, or a sum of them (`C - D`): what `1 + e^{-w^T x}` or
    `\\mathbf{u}^T \\mathbf{v}` is not."""
    def named(term) -> bool:
        if isinstance(term, sp.Mul) and term.args and term.args[0].is_number:
            term = sp.Mul(*term.args[1:])
        return isinstance(term, Literal) or isinstance(term, sp.Symbol) and term.is_commutative is False
    if isinstance(value, sp.Add):
        return any(named(t) for t in value.args)
    return named(value)


def _entrywise_power(base: sp.Expr, exp: sp.Expr) -> bool:
    """A vector written to a whole power: notes mean its entries' powers (a column times a column is
    no product)."""
    return (isinstance(base, sp.Symbol) and base.is_commutative is False and is_vector_name(base.name)
            and exp.is_Integer and 2 <= exp <= 12)


def _double_factorial(node: sp.Expr, start: Tok, bang: Tok) -> sp.Expr:
    """n!! of a number; of 2m, 2m + 1 or 2m - 1 in factorials of m, which hold at every m the
    checker samples (sympy's factorial2 has no meaning between the whole numbers)."""
    if node.is_number:
        return sp.factorial2(node)
    r, even = node.as_coeff_Add()
    m = even / 2
    if r in (0, 1, -1) and not (m.is_number or even.as_coeff_Mul()[0] % 2):
        if r == 0:
            return 2 ** m * sp.factorial(m)
        if r == 1:
            return sp.factorial(2 * m + 1) / (2 ** m * sp.factorial(m))
        return sp.factorial(2 * m) / (2 ** m * sp.factorial(m))
    raise MathError("a double factorial of something other than 2m or 2m ± 1", start.start, bang.end - start.start,
                    construct="n!!")


def parse_expression(text: str, scope: Scope | None = None, base: int = 0) -> sp.Expr:
    """One expression, all of the text."""
    from ankigen.check.tokens import tokenize

    p = Parser(tokenize(text, base), scope, end=base + len(text))
    node = p.expression()
    if not p.done():
        t = p.peek()
        raise MathError(f"unexpected '{t.text}'", t.start, t.end - t.start)
    return node
