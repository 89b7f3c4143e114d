"""Notation of deep-learning notes read with the meaning it has, or, where that meaning is not
modelled, delimited and left opaque so that a relation holding it is a statement, never a guess:
calligraphic names (`\\mathcal{L}`), expectation and probability (`\\mathbb{E}[X]`, `P(A \\mid B)`,
`p(a|s)`: conditionals, never absolute values), operators over sets (`\\arg\\max_a`, `\\max_{x}`,
`\\sup`), `\\pm`, elided terms (`\\cdots`), and piecewise definitions (`\\begin{cases}`).
"""

from __future__ import annotations

import re

import sympy as sp

from ankigen.check.matrices import WRITTEN_MATRICES, Det, Literal
from ankigen.check.tokens import MathError, Tok
from ankigen.check.vocabulary import BOLD, DECORATIONS, GREEK, RELATIONS, Opaque, family, symbol

_SET_OPERATORS = {"\\max": "max", "\\min": "min", "\\sup": "sup", "\\inf": "inf", "\\argmax": "argmax",
                  "\\argmin": "argmin", "\\limsup": "limsup", "\\liminf": "liminf"}
_ELLIPSES = ("\\cdots", "\\ldots", "\\dots", "\\vdots", "\\ddots", "\\dotsb", "\\dotsc", "\\cdot\\cdot\\cdot")
OTHERWISE = {"otherwise", "else", "其他", "其它", "否则", "others", "other", "o.w."}
# Words that only lead into a condition written in symbols: `\text{if } x < 1`, `\text{当} x > 0`.
LEADING = {"if", "for", "when", "where", "as", "若", "当", "如果", "其中"}


_ELEMENT = re.compile(r"^(.+)_\{([A-Za-z]|\d+)\}$")
_RUN_INDEX = sp.Symbol("i_{\\cdots}", integer=True)  # bound by the sum a run of terms is; never written


def _run(before, after):
    """The sum a run `before + \\cdots + after` is: (the term at an index, the sum's body, its index,
    the index of `before`, the bound of `after`), or None."""
    ends = {}
    for s in after.free_symbols:
        found = _ELEMENT.match(s.name) if isinstance(s, sp.Symbol) else None
        if found:
            ends.setdefault(found.group(2), []).append((s, found.group(1)))
    for mark, elements in ends.items():
        def at(v, elements=elements):
            return after.xreplace({s: sp.Symbol(f"{stem}_{{{v}}}", **s.assumptions0) for s, stem in elements})
        numbers = {int(m.group(2)) for s in before.free_symbols if isinstance(s, sp.Symbol)
                   for m in [_ELEMENT.match(s.name)] if m and m.group(2).isdigit()}
        for first in sorted(numbers):
            if at(first) == before and (not mark.isdigit() or int(mark) > first + 1):
                body = after.xreplace({s: family(stem)[_RUN_INDEX] for s, stem in elements})
                last = sp.Integer(int(mark)) if mark.isdigit() else symbol(mark)
                return at, body, _RUN_INDEX, first, last
    return None


def opaque(name: str, *args: sp.Expr) -> sp.Expr:
    return Opaque(sp.Symbol(name), *args)


_OPENING = ("(", "[", "{", "\\{")
_CLOSING = (")", "]", "}", "\\}")


class Notation:
    """The part of the Parser that reads this notation; mixed into it, so `self` is the Parser."""

    def order_of_growth(self, label: str, ahead: int, openers: tuple[str, ...]) -> sp.Expr | None:
        """`O(N^2 \\log N)`, `\\Theta(…)`, `\\tilde{O}(…)`: an order of growth, opaque, when the token
        `ahead` of here opens its argument (the `ahead` tokens before it, the symbol, are consumed);
        None, with nothing consumed, when it does not (O times N^2 is then read as written)."""
        if self.peek(ahead).text not in openers:
            return None
        self.i += ahead
        while self.at("\\!"):
            self.next()
        return opaque(f"{label}(…)", self.atom())

    def calligraphic(self, t: Tok) -> sp.Expr:
        """`\\mathcal{L}`, `\\mathscr{D}`: a name of its own (a loss, a data set), applied when called."""
        self.next()
        inner = self.braced(t.text) if self.at("{") else [self.next()]
        if len(inner) != 1 or inner[0].kind != "letter":
            raise MathError(f"'{t.text}' of more than one letter is not read", t.start, t.end - t.start,
                            construct=f"{t.text} of an expression")
        name = f"\\mathcal{{{inner[0].text}}}" if t.text in ("\\mathcal", "\\mathscr") else \
            f"{t.text}{{{inner[0].text}}}"
        try:
            full = self.decorated(name)
        except Exception as fam:  # noqa: BLE001 — a family index: read as the family element
            if type(fam).__name__ != "_FamilyIndex":
                raise
            return self.family_element(fam)
        return self.apply_if_called(self.bound.get(full) or sp.Symbol(full, positive=True), t, full)

    def blackboard(self, t: Tok) -> sp.Expr:
        """`\\mathbb{E}[X]`, `\\mathbb{P}(A)`: expectation and probability of what follows; with a
        subscript (`\\mathbb{E}_{x \\sim p}`) over a distribution the card does not give: opaque.
        Other blackboard letters (`\\mathbb{R}`) are sets: opaque."""
        self.next()
        inner = self.braced(t.text) if self.at("{") else [self.next()]
        letter = "".join(u.text for u in inner)
        name = f"\\mathbb{{{letter}}}"
        if letter not in ("E", "P"):
            return opaque(name)
        return self.operator_applied(name, t)

    def operator_applied(self, name: str, t: Tok) -> sp.Expr:
        """An expectation-like operator: `E[X]`, `E(X)`, `E_{x}[X]`, `\\Pr(A \\mid B)`."""
        under = None
        if self.at("_"):
            self.next()
            under = self.braced("subscript") if self.at("{") else [self.next()]
        if self.at("[", "(") and self.conditional_group():  # E[G_t \mid S_t = s]: given what follows the bar
            name, args = self.given_arguments(name, self.peek().text)
        elif self.at("[", "(", "\\{") and self._holds_relation():  # \Pr[X \geq a], \mathbb{P}\{X = x\}: an event
            open_ = self.peek().text
            self.next()
            args = [self.event()]
            while self.at(","):  # P{X = x, Y = y}: a joint event
                self.next()
                args.append(self.event())
            self.expect({"(": ")", "\\{": "\\}"}.get(open_, "]"), "to close the argument list")
        elif self.at("[", "(", "\\{"):
            open_ = self.peek().text
            args = self.arguments(open_ if open_ != "\\{" else "(") if open_ != "\\{" else [self.group("\\{", "\\}")]
        else:
            args = [self.term()]
        if under is not None:
            return opaque(f"{name}_{{{' '.join(u.text for u in under)}}}", *args)
        return sp.Function(name)(*args)

    def set_operator(self, t: Tok, name: str | None = None, consumed: bool = False) -> sp.Expr:
        """`\\max_{x} f`, `\\arg\\max_a Q(s, a)`, `\\sup_n a_n`: a value over a set, opaque."""
        if not consumed:
            self.next()
        label = name or _SET_OPERATORS.get(t.text, t.text)
        if t.text == "\\arg":
            nxt = self.peek()
            if nxt.text not in ("\\max", "\\min"):
                raise MathError("'\\arg' is read before \\max or \\min", t.start, t.end - t.start, construct="\\arg")
            self.next()
            label = "arg" + nxt.text[1:]
        under = []
        if self.at("_"):
            self.next()
            under = self.braced("subscript") if self.at("{") else [self.next()]
        if self.at("^"):
            self.next()
            self.script()
        body = self.term() if self.starts_atom(self.peek()) else sp.Integer(0)
        return opaque(f"{label}_{{{' '.join(u.text for u in under)}}}", body)

    def underset(self, t: Tok) -> sp.Expr:
        """`\\underset{a}{\\arg\\max}\\, Q(s, a)`, `\\underset{x}{\\min}`: an operator over a set, opaque;
        any other `\\underset{below}{X}` is X."""
        self.next()
        below = self.braced("\\underset") if self.at("{") else [self.next()]
        if self.at("{"):
            above = self.braced("\\underset")
        else:
            above = [self.next()]
        words = "".join(u.text for u in above).replace("\\", "").replace(" ", "")
        if any(w in words for w in ("max", "min", "sup", "inf", "arg")):
            body = self.term() if self.starts_atom(self.peek()) else sp.Integer(0)
            return opaque(f"{words}_{{{' '.join(u.text for u in below)}}}", body)
        sub = type(self)(above, self.scope, above[-1].end if above else t.end)
        sub.bound = self.bound
        value = sub.expression()
        if not sub.done():
            raise MathError("cannot read what \\underset decorates", t.start, t.end - t.start, construct="\\underset")
        return value

    def ellipsis(self, t: Tok) -> sp.Expr:
        """`x_1 + \\cdots + x_n`: terms left out, which are not guessed. Each is its own: the dots of
        `\\frac{n!}{x_1! \\cdots x_d!} p_1^{x_1} \\cdots p_d^{x_d}` are different terms, which must not cancel."""
        self.next()
        return opaque("\\cdots", sp.Integer(t.start))

    @staticmethod
    def dotted_sums(terms: list) -> list:
        r"""`p_1 + p_2 + \cdots + p_n`, `x_1^2 + \dots + x_k^2`, `a_1 b_1 + \cdots + a_n b_n`: the terms
        around the dots are one term at consecutive indices, the last at a letter or number, so the
        run is a sum over the family (`\sum_{i=1}^{n} p_i`), which a total or a mean can say something
        of. Terms that are not so (`1 + x + \cdots + x^n`, signs that alternate) keep their dots."""
        out = list(terms)
        k = len(out) - 2
        while k > 0:
            run = _run(out[k - 1], out[k + 1]) if isinstance(out[k], Opaque) and str(out[k].args[0]) == "\\cdots" \
                else None
            if run is not None:
                at, body, index, first, last = run
                start = k - 1
                while start > 0 and first > 0 and out[start - 1] == at(first - 1):
                    start, first = start - 1, first - 1
                out[start:k + 2] = [sp.Sum(body, (index, first, last))]
                k = start
            k -= 1
        return out

    def plus_minus(self, t: Tok) -> sp.Expr:
        """`a \\pm b`: two values at once; a relation holding one is a statement."""
        self.next()
        return opaque("\\pm", self.unary()) if self.starts_atom(self.peek()) or self.peek().kind == "num" \
            else opaque("\\pm")

    def integrand_argument(self) -> bool:
        """Whether the parenthesis at peek() holds the variable of an enclosing integral or limit:
        `\\int p(x)\\,dx` applies p to x (a density), whatever the reading."""
        return any(u.text in self.bound and not self.bound[u.text].is_integer for _, u in self._group_ahead())

    def _group_closes(self) -> int:
        """How far ahead of peek() the group that opens there closes (the end of the text if it never does)."""
        depth, k = 0, 0
        while self.peek(k).kind != "end":
            u = self.peek(k)
            if u.text in _OPENING and u.kind in ("op", "cmd"):
                depth += 1
            elif u.text in _CLOSING and u.kind in ("op", "cmd"):
                depth -= 1
                if depth == 0:
                    return k
            k += 1
        return k

    def _group_ahead(self):
        """The tokens inside the group that opens at peek(), brackets left out, each with its depth (1 at
        the group's own level)."""
        depth = 0
        for k in range(self._group_closes()):
            u = self.peek(k)
            if u.text in _OPENING and u.kind in ("op", "cmd"):
                depth += 1
            elif u.text in _CLOSING and u.kind in ("op", "cmd"):
                depth -= 1
            else:
                yield depth, u

    def transform_value(self) -> bool:
        """Whether the parenthesis at peek() is the argument of a transform written as a formula's
        first side, at a frequency: `X(e^{j\\omega}) = …`, `H(j\\omega) = …` (nobody writes X times e^{jω}
        first and equates it)."""
        if any(u.kind != "op" or u.text != "&" for u in self.toks[:self.i - 1]):
            return False  # not the first thing the formula writes
        after = self.peek(self._group_closes() + 1)
        return after.kind == "op" and after.text == "=" and any(
            u.kind == "cmd" and u.text in ("\\omega", "\\Omega") for _, u in self._group_ahead())

    def conditional_group(self) -> bool:
        """Whether the parenthesis at peek() holds a conditional bar (`a|s`, `A \\mid B`), or a comma
        or semicolon (`h(x_1, x_2)`, `p(x; \\theta)`), at its top level: then the name before it is
        applied, whatever the reading (a product holds neither)."""
        bars = 0
        for depth, u in self._group_ahead():
            if depth == 1 and (u.text == "\\mid" or u.kind == "op" and u.text in (",", ";")):
                return True
            bars += depth == 1 and u.kind == "op" and u.text == "|"
        return bars % 2 == 1

    def one_name_group(self) -> bool:
        """Whether the parenthesis at peek() holds one name and nothing else: `(x)`, `(\\mathbf{x}_i)`,
        `(\\theta)`, `(z^{(t)})` — a density's argument in p(x), never a factor such as (1 - p)."""
        names = 0
        previous = None
        for depth, u in self._group_ahead():
            if depth == 1:
                if u.kind == "letter" or (u.kind == "cmd" and u.text[1:] in GREEK):
                    if previous not in ("_", "^"):
                        names += 1
                elif u.kind == "cmd" and (u.text in BOLD or u.text in DECORATIONS):
                    names += 1  # its letter is inside its braces
                elif u.kind == "num" and previous in ("_", "^"):
                    pass
                elif not (u.kind == "op" and u.text in ("_", "^", "'")):
                    return False
                previous = u.text
        return names == 1

    def _holds_relation(self) -> bool:
        """The group opening here holds a relation at its own depth: `(X \\ge a)`, not `(f(x \\ge 0))`."""
        return any(depth == 1 and (u.kind == "op" and u.text in "<>=" or u.text in RELATIONS)
                   for depth, u in self._group_ahead())

    # -- conditionals inside an argument list ---------------------------------------------
    def given_arguments(self, name: str, open_: str) -> tuple[str, list[sp.Expr]]:
        """`p(a|s)`, `P(A \\mid B, C)`: the arguments before and after the bar; the function's name
        records how many stand before it, so p(a|s) and p(a, s) are different functions."""
        close = {"(": ")", "{": "}"}.get(open_, "]")
        self.expect(open_)
        before: list[sp.Expr] = []
        after: list[sp.Expr] | None = None
        saved, self._closing_bar = self._closing_bar, True
        try:
            while True:
                (before if after is None else after).append(self.event())
                if self.at(",", ";"):
                    self.next()
                    continue
                if after is None and (self.at("|") or self.at("\\mid", "\\vert")):
                    self.next()
                    after = []
                    continue
                break
        finally:
            self._closing_bar = saved
        self.expect(close, "to close the argument list")
        if after is None:
            return name, before
        return f"{name}(·|·){len(before)}", before + after

    def event(self) -> sp.Expr:
        """An argument that may be an event: `P(X = 1)`, `P(y = 1 | x)`, `\\mathbb{I}(x \\in R_m)`."""
        value = self.expression()
        rel = self.relation()
        if rel is None:
            return value
        t = self.next()
        if rel == "in" or rel == "other" or rel == ":=":
            rest = self.expression() if self.starts_atom(self.peek()) or self.peek().kind == "num" else sp.Integer(0)
            return opaque(f"event {t.text}", value, rest)
        other = self.expression()
        # an event is opaque: a relation inside a function's arguments has no value to compute here
        return opaque(f"event {t.text}", value, other)

    def listed(self, open_: str, close: str, first: sp.Expr) -> sp.Expr:
        """`(a, b)` a tuple (a point, a vector written out), `[a, b]` an interval or list, after the
        first item was read: a tuple is compared item by item; an interval or list is opaque."""
        items = [first]
        while self.at(",", ";"):
            self.next()
            if self.at(close):
                break
            items.append(self.event())
        self.expect(close, f"to close the '{open_}'")
        if open_ == "(" and all(not isinstance(i, sp.Basic) or i.is_commutative is not False for i in items):
            return sp.Tuple(*items)
        return opaque(f"{open_}…{close}", *items)

    def set_of(self, t: Tok) -> sp.Expr:
        """`\\{x_1, …, x_n\\}`, `\\{x \\in A : …\\}`, `\\{7\\}`: a set, opaque, one per way it is written
        (|\\{3, 5\\}| and |\\{1, 3, 5\\}| are different sizes); `\\{a + b\\}` is a group."""
        applied = self.i > 0 and self.toks[self.i - 1].kind in ("cmd", "letter")  # \exp\{a\}: its argument
        self.next()
        items, depth, k = [], 0, 0
        start = self.i
        while self.peek(k).kind != "end":
            u = self.peek(k)
            if u.text in ("\\{", "{", "(", "["):
                depth += 1
            elif u.text in ("\\}", "}", ")", "]"):
                if depth == 0 and u.text == "\\}":
                    break
                depth -= 1
            k += 1
        if self.peek(k).kind == "end":
            raise MathError("a set is never closed", t.start, t.end - t.start, construct="sets")
        inner = self.toks[start:start + k]
        self.i = start + k + 1
        single = len(inner) == 1 and inner[0].kind in ("num", "letter") and not applied  # {7}: nobody groups one atom
        if inner and not single and all(u.text not in (",", ":", "|", "\\mid", "\\in") for u in inner):
            sub = type(self)(inner, self.scope, inner[-1].end)
            sub.bound = self.bound
            value = sub.expression()
            if sub.done():
                return value
        return opaque("\\{" + " ".join(u.text for u in inner) + "\\}", *items)

    # -- piecewise ------------------------------------------------------------------------
    def environment(self, t: Tok) -> sp.Expr:
        """`\\begin{cases} v & \\text{if } c \\\\ … \\end{cases}`: a piecewise value. Other environments
        inside an expression are not read."""
        name, after = self._environment_name(self.i + 1)
        if name in WRITTEN_MATRICES:
            return self.matrix(t, name, after)
        if name != "cases":
            raise MathError(f"the '{name}' environment is not read inside an expression", t.start,
                            t.end - t.start, construct=f"\\begin{{{name}}}")
        end = self._environment_end(after, name)
        rows = _split(self.toks[after:end], "\\\\")
        self.i = end
        self._environment_name(self.i + 1)  # \end{cases}
        self.i = self._environment_name(self.i + 1)[1]
        pieces = []
        for row in rows:
            if not row:
                continue
            cells = _split(row, "&")
            value_toks = cells[0]
            while value_toks and value_toks[-1].text in (",", ";"):
                value_toks = value_toks[:-1]
            condition_toks = [u for cell in cells[1:] for u in cell]
            value = self._sub(value_toks, t)
            pieces.append((value, self._condition(condition_toks, t)))
        if not pieces:
            raise MathError("an empty 'cases' environment", t.start, t.end - t.start, construct="\\begin{cases}")
        indices = self._subscript_letters()
        pieces = [(v, c.xreplace({s: sp.Symbol(s.name, integer=True) for s in c.free_symbols if s.name in indices})
                   if isinstance(c, sp.Basic) and not isinstance(c, Opaque) else c) for v, c in pieces]
        if any(isinstance(c, Opaque) or not isinstance(c, sp.Basic) or c.has(Opaque) for _, c in pieces):
            # a condition in words: the value is not known, and differs with the letters it names
            return opaque("cases", *[v for v, _ in pieces], *[c for _, c in pieces if isinstance(c, Opaque)])
        try:
            return sp.Piecewise(*pieces)
        except (TypeError, ValueError):
            return opaque("cases", *[v for v, _ in pieces])

    def _subscript_letters(self) -> set:
        """The letters the formula writes as subscripts (z_i, a_{ij}): indices, which a condition
        `i = j` beside them compares as the same integers."""
        found = set()
        for k, u in enumerate(self.toks):
            if u.text == "_" and k + 1 < len(self.toks):
                nxt = self.toks[k + 1]
                if nxt.kind == "letter":
                    found.add(nxt.text)
                elif nxt.text == "{":
                    depth = 0
                    for v in self.toks[k + 1:]:
                        depth += v.text == "{"
                        depth -= v.text == "}"
                        if depth == 0:
                            break
                        if v.kind == "letter" and depth == 1:
                            found.add(v.text)
        return found

    def matrix(self, t: Tok, name: str, after: int) -> sp.Expr:
        """`\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}` (pmatrix, matrix, array, …): a matrix written
        out, each entry a number or a scalar expression; `vmatrix`, its determinant. A matrix written
        with dots (`\\cdots`, `\\vdots`) has no size, and is not read."""
        if name == "array" and after < len(self.toks) and self.toks[after].text == "{":
            after = self._environment_name(after)[1]  # the column spec `{cc}`
        end = self._environment_end(after, name)
        self.i = end
        self.i = self._environment_name(self.i + 1)[1]
        construct = f"\\begin{{{name}}}"
        rows = []
        for row in _split(self.toks[after:end], "\\\\"):
            row = [u for u in row if u.text not in ("\\hline",)]
            if not row:
                continue
            if any(u.text in _DOTS for u in row):
                raise MathError(f"a '{name}' written with dots has no size, and is not read", t.start,
                                t.end - t.start, construct="a matrix written with dots")
            rows.append([self._entry(cell, t, construct) for cell in _split(row, "&")])
        if not rows or any(len(r) != len(rows[0]) for r in rows):
            raise MathError(f"a '{name}' whose rows have different lengths", t.start, t.end - t.start,
                            construct=construct)
        if name in ("pmatrix", "matrix", "smallmatrix") and len(rows) == 2 and len(rows[0]) == 1:
            raise MathError(f"a '{name}' of two entries in one column is a binomial coefficient or a vector, "
                            "and is not read", t.start, t.end - t.start, construct="a column of two in parentheses")
        if name == "vmatrix" and len(rows) == len(rows[0]) == 1:
            return sp.Abs(rows[0][0])  # `\\begin{vmatrix} x \\end{vmatrix}`: bars around one value
        if all(isinstance(x, Literal) for r in rows for x in r):
            rows = _assembled(rows)  # a matrix written as its column (or row) blocks
        value = Literal(len(rows), len(rows[0]), *[x for r in rows for x in r])
        return Det(value) if name == "vmatrix" else value

    def _entry(self, toks: list[Tok], t: Tok, construct: str) -> sp.Expr:
        if not toks:
            raise MathError("an empty entry of a matrix", t.start, t.end - t.start, construct=construct)
        sub = type(self)(toks, self.scope, toks[-1].end)
        sub.bound = self.bound
        value = sub.expression()
        if not sub.done():
            u = sub.peek()
            raise MathError(f"unexpected '{u.text}' in an entry of a matrix", u.start, u.end - u.start,
                            construct=construct)
        return value

    def _environment_name(self, k: int) -> tuple[str, int]:
        """The name in `{name}` starting at toks[k], and the index after the closing brace."""
        if k >= len(self.toks) or self.toks[k].text != "{":
            raise MathError("an environment without a name", self.toks[k - 1].start, 1, construct="environment")
        j, name = k + 1, ""
        while j < len(self.toks) and self.toks[j].text != "}":
            name += self.toks[j].text
            j += 1
        return name, j + 1

    def _environment_end(self, start: int, name: str) -> int:
        depth = 0
        for j in range(start, len(self.toks)):
            u = self.toks[j]
            if u.text == "\\begin":
                depth += 1
            elif u.text == "\\end":
                if depth == 0:
                    return j
                depth -= 1
        raise MathError(f"'\\begin{{{name}}}' is never ended", self.toks[start - 1].start, 1,
                        construct=f"\\begin{{{name}}}")

    def _sub(self, toks: list[Tok], t: Tok) -> sp.Expr:
        while toks and toks[-1].kind == "op" and toks[-1].text in (",", ".", ";"):
            toks = toks[:-1]  # `0 & x < 0, \\`: the row's punctuation, as a sentence's
        if not toks:
            raise MathError("an empty case", t.start, t.end - t.start, construct="\\begin{cases}")
        sub = type(self)(toks, self.scope, toks[-1].end)
        sub.bound = self.bound
        value = sub.expression()
        if not sub.done():
            u = sub.peek()
            raise MathError(f"unexpected '{u.text}' in a case", u.start, u.end - u.start, construct="\\begin{cases}")
        return value

    def _condition(self, toks: list[Tok], t: Tok):
        """`x > 0`, `\\text{if } x \\le 0`, `\\text{otherwise}`, `0 \\le x < 1`: a sympy condition."""
        words = [u for u in toks if u.kind in ("sep", "word", "text", "cjk")
                 and u.text.strip().lower().strip(",.:：，") not in LEADING]
        rest = [u for u in toks if u.kind not in ("sep", "word", "text", "cjk")]
        if not rest:
            if any(u.text.strip().lower().strip(",.") in OTHERWISE for u in words) or not toks:
                return sp.true
            return opaque("a condition in words", *[sp.Symbol(u.text) for u in words][:3])
        cuts = [k for k, u in enumerate(rest) if u.kind in ("op", "cmd") and u.text in RELATIONS]
        if not cuts or words:  # "x 与 y 满足某一事实", "x > 0 and …": a condition in words
            # of the letters it names: F(1) and F(0) of such a piecewise F are two unknown values, not one
            named = {self.bound.get(u.text, symbol(u.text)) for u in rest if u.kind == "letter"}
            return opaque("a condition in words", *sorted(named, key=str))
        sides, start = [], 0
        for k in cuts + [len(rest)]:
            sides.append(self._sub(rest[start:k], t))
            start = k + 1
        relations = [RELATIONS[rest[k].text] for k in cuts]
        made = []
        for (a, b), rel in zip(zip(sides, sides[1:]), relations):
            op = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge, "=": sp.Eq, "!=": sp.Ne}.get(rel)
            if op is None:
                raise MathError("a case's condition is read with < ≤ > ≥ = ≠ only", rest[0].start, 1,
                                construct="\\begin{cases}")
            try:
                made.append(op(a, b))
            except TypeError:  # w \cdot x > 0 of a declared vector w: no order between such values
                raise MathError("a case's condition on vectors or matrices is not read", rest[0].start, 1,
                                construct="\\begin{cases}") from None
        return sp.And(*made)


_DOTS = {"\\cdots", "\\vdots", "\\ddots", "\\ldots", "\\dots", "\\dotsb", "\\dotsc"}


def _assembled(blocks: list[list[Literal]]) -> list[list[sp.Expr]]:
    """The entries of a matrix written in blocks, row by row; blocks of sizes that do not fit
    together are kept as they are (a matrix of matrices, not modelled)."""
    heights = [r[0].rows for r in blocks]
    widths = [b.cols for b in blocks[0]]
    if any(b.rows != h for r, h in zip(blocks, heights) for b in r) or \
            any(b.cols != w for r in blocks for b, w in zip(r, widths)):
        return blocks
    return [[x for b in r for x in b.entries[i * b.cols:(i + 1) * b.cols]] for r in blocks for i in range(r[0].rows)]


def _split(toks: list[Tok], text: str) -> list[list[Tok]]:
    """Tokens cut at `text` outside groups and nested environments."""
    out, current, depth = [], [], 0
    for u in toks:
        if u.kind == "op" and u.text in "{([":
            depth += 1
        elif u.kind == "op" and u.text in "})]":
            depth -= 1
        elif u.text == "\\begin":
            depth += 1
        elif u.text == "\\end":
            depth -= 1
        if depth == 0 and u.text == text:
            out.append(current)
            current = []
            continue
        current.append(u)
    out.append(current)
    return out
