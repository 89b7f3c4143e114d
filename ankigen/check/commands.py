"""LaTeX commands with arguments: fractions and Leibniz derivatives, roots, floors, logs, sums and
products with their bounds, `\\underbrace`, and `@reference(...)` calls."""

from __future__ import annotations

import re
import sympy as sp

from ankigen.check.matrices import IDENTITY, Det, is_matrix
from ankigen.check.tokens import MathError, Tok, closing, primed_names
from ankigen.check.vocabulary import (BOLD, DECORATIONS, GREEK, KNOWN_FUNCTIONS, RELATIONS, UNSUPPORTED, WORD_COMMANDS,
                                      no_tuple, safe_pow, unsupported)


class Commands:
    """The part of the Parser that reads commands; mixed into it, so `self` is the Parser."""

    def command(self, t: Tok) -> sp.Expr:
        name = t.text
        if name == "\\pi" and (self.peek(1).text == "_" or "\\pi" in self.scope.variables
                               or [self.peek(k).text for k in (1, 2, 3)] == ["^", "{", "("]):
            # \\pi_{k+1}, \\pi_v, a \\pi the card gives a value, \\pi^{(0)} the first iterate: a policy's,
            # a distribution's or a parameter's name, not π
            return self.named(t)
        if name == "\\pi":
            self.next()
            if self.at("(") and self.conditional_group():  # \\pi(a|s): a policy, not π
                fn, args = self.given_arguments("\\pi", "(")
                return sp.Function(fn)(*args)
            return sp.pi
        if name == "\\Delta" and self.peek(1).text == "e" and self.peek(2).text == "^":
            # \\Delta e^{-i\\omega t}: an operator (a Laplacian, a difference) applied to an exponential, never
            # "the change of e"; which operator the card does not say: opaque
            from ankigen.check.notation import opaque

            self.next()
            return opaque("\\Delta", self.power())
        if name in ("\\Delta", "\\delta") and self._starts_name(self.peek(1)):
            return self.difference(t)
        if name == "\\Delta" and self.peek(1).text == "_":
            end = self._group_end(2)
            u = self.peek(end)
            if u.kind == "letter" and self.peek(end + 1).text not in ("_", "("):
                # \\Delta_i B: the change of B at step i, read as \\Delta B_i is
                self.toks[self.i + 1:self.i + end + 1] = [u, *self.toks[self.i + 1:self.i + end]]
                return self.difference(t)
        growth = self.order_of_growth(name, 1, ("(", "\\left")) if name in ("\\Theta", "\\Omega") else None
        if growth is not None:
            return growth
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
            return Det(inner) if is_matrix(inner) else sp.Abs(inner)  # |A| of a matrix: det
        if name == "\\{":
            return self.set_of(t)
        if name in ("\\underbrace", "\\overbrace", "\\boxed"):
            self.next()
            value = self.script()
            if name != "\\boxed" and self.at("_" if name == "\\underbrace" else "^"):
                self.next()
                if self.at("{") and self.peek(1).text == "=":
                    return self._annotated(value, self.braced(name)[1:])
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
        if name in ("\\int", "\\iint"):
            return self.integral(t)
        if name == "\\lim":
            return self.limit(t)
        if name in ("\\mathcal", "\\mathscr", "\\mathfrak"):
            return self.calligraphic(t)
        if name == "\\mathbb":
            return self.blackboard(t)
        if name == "\\Pr":
            self.next()
            return self.operator_applied("\\Pr", t)
        if name in ("\\arg", "\\argmax", "\\argmin", "\\sup", "\\inf", "\\limsup", "\\liminf"):
            return self.set_operator(t)
        if name in ("\\cdots", "\\ldots", "\\dots", "\\dotsb", "\\dotsc"):
            return self.ellipsis(t)
        if name in ("\\underset", "\\mathop"):
            return self.underset(t) if name == "\\underset" else self._mathop(t)
        if name in ("\\pm", "\\mp"):
            return self.plus_minus(t)
        if name == "\\begin":
            return self.environment(t)
        if name in BOLD:
            return self.bold(t)
        if name in ("\\|", "\\lVert", "\\Vert"):
            return self.norm(t)
        if name == "\\langle":
            return self.inner_product(t)
        if name == "\\nabla":
            return self.nabla(t)
        if name == "\\det":
            self.next()
            return self.matrix_function("det", t)
        if name in RELATIONS:
            raise MathError(f"relation '{name}' where a value was expected", t.start, t.end - t.start)
        raise unsupported(t, UNSUPPORTED.get(name))

    def _mathop(self, t: Tok) -> sp.Expr:
        """`\\mathop{\\max}`, `\\mathop {\\min }\\limits_G`: the operator inside."""
        self.next()
        inner = self.braced("\\mathop") if self.at("{") else [self.next()]
        texts = [u.text for u in inner]
        if len(inner) == 1 and inner[0].text in ("\\max", "\\min", "\\sup", "\\inf", "\\arg"):
            return self.set_operator(inner[0], inner[0].text[1:], consumed=True)
        if "".join(texts) in ("argmax", "argmin", "max", "min", "lim"):
            return self.set_operator(t, "".join(texts), consumed=True)
        raise unsupported(t, "\\mathop")

    def braced(self, what: str = "group") -> list[Tok]:
        """The tokens inside the `{…}` group that starts here, which is consumed."""
        end = closing(self.toks, self.i)
        if end < 0:
            raise MathError(f"{what} is never closed", self.peek().start, 1)
        inner = self.toks[self.i + 1:end]
        self.i = end + 1
        return inner

    def _annotated(self, value: sp.Expr, label: list[Tok]) -> sp.Expr:
        """`\\underbrace{\\mathbf{B}^\\top\\mathbf{B}}_{=I}`: the author says what the part is worth
        (an orthonormal basis, a sum that is 1), and the step uses it; a label not read leaves the part."""
        if not label:
            return value
        sub = type(self)(label, self.scope, label[-1].end)
        sub.bound = dict(self.bound)
        try:
            said = sub.expression()
        except MathError:
            return value
        if not sub.done() or is_matrix(said) != is_matrix(value) and not (said == IDENTITY or said == 1):
            return value
        return said

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
        if base is None:
            to_2, to_10 = self.flipped("log2"), self.flipped("log10")
            base = sp.Integer(10) if to_10 else sp.Integer(2) if to_2 else None
        return sp.log(arg) if base is None else sp.log(arg) / sp.log(self._nonzero(base, t))

    def fraction(self, t: Tok) -> sp.Expr:
        self.next()
        derivative = self.leibniz(t)
        if derivative is not None:
            return derivative
        self.enter(t)
        try:
            num = self.script(split_digits=True)
            den = self.script(split_digits=True)
        finally:
            self.leave()
        no_tuple(t, num, den)
        if _gradient(num) and _gradient(den):
            # \frac{\nabla J}{\nabla \theta}: a derivative written with gradients, one quantity; as a
            # quotient, a chain rule's links would cancel (∇J/∇y · ∇y/∇μ = ∇J/∇μ) through every path
            from ankigen.check.notation import opaque

            return opaque("\\frac{\\nabla}{\\nabla}", num.args[1], den.args[1])
        return num / self._nonzero(den, t)

    def big_operator(self, t: Tok) -> sp.Expr:
        """\\sum_{i=a}^{b} term and \\prod_{i=a}^{b} term (limits in either order). Without bounds
        (`\\sum_j e^{x_j}`, `\\sum_{i \\in S}`) the index runs over a finite set of unknown size,
        named `|x|` after the family it sums (or `|S|` after the set); `\\sum_{j \\ne i}` leaves out j = i."""
        self.next()
        low = high = None
        names: list[Tok] | None = None
        over = excluded = None
        for _ in range(2):
            if self.at("_") and names is None:
                self.next()
                group = self.braced("index") if self.at("{") else [self.next()]
                names, low, over, excluded = self._index(group, t)
            elif self.at("^") and high is None:
                self.next()
                high = self.script()
        if names is None:
            raise MathError(f"{t.text} without an index is not read", t.start, t.end - t.start,
                            construct=f"{t.text} without an index")
        indices = [sp.Symbol(u.text, integer=True) for u in names]
        saved = {u.text: self.bound.get(u.text) for u in names}
        self.bound.update({u.text: index for u, index in zip(names, indices)})
        self.enter(t)
        try:
            body = self.term()
            body = self._terms_of_index(body, set(indices))
        finally:
            self.leave()
            for name, value in saved.items():
                if value is None:
                    del self.bound[name]
                else:
                    self.bound[name] = value
        cls = sp.Sum if t.text == "\\sum" else sp.Product
        if _descending(low, high):  # \\sum_{p=M}^{1}: the same terms, counted down
            low, high = high, low
        for index in reversed(indices):
            first = low if low is not None else sp.Integer(1)
            last = high if high is not None else _size(body, index, over)
            term = body
            if excluded is not None:  # \\sum_{j \\ne i}: every j but i
                keep = 1 - sp.KroneckerDelta(index, excluded)
                term = body * keep if cls is sp.Sum else body ** keep
            body = cls(term, (index, first, last))
        return body

    def _terms_of_index(self, body: sp.Expr, indices: set) -> sp.Expr:
        """`\\prod_{i=0}^{k-1} n - i`, `\\sum_i a_i + b_i`: the terms after the first that use the index
        are the operator's too (outside it the index means nothing); the first term without it ends it,
        or, in the other reading, the operator runs over every term after it (`\\sum_{i=1}^n 2i - 1`)."""
        while self.peek().text in ("+", "-") and self.peek().kind == "op":
            start = self.i
            sign = self.next().text
            try:
                right = self.term()
            except MathError:
                self.i = start
                break
            if not right.free_symbols & indices and (
                    is_matrix(right) or is_matrix(body) or not self.flipped("span")):
                self.i = start
                break
            body = body + right if sign == "+" else body - right
        return body

    def _index(self, group: list[Tok], t: Tok):
        """The subscript of a sum: `i=1`, `i`, `i,j`, `i \\in S`, `j \\ne i`, `t'=1` (an index of its own,
        beside a t the sum does not bind)."""
        group = primed_names(group)
        if not group or not (group[0].kind == "letter" or group[0].text[1:] in GREEK):
            raise unsupported(t, f"{t.text} over a set")
        names, k = [group[0]], 1
        while k + 1 < len(group) and group[k].text == "," and group[k + 1].kind == "letter" and len(names) < 3:
            names.append(group[k + 1])
            k += 2
        rest = group[k:]
        if not rest:
            return names, None, None, None
        head = rest[0].text
        if head == "=" and len(rest) > 1:  # `\sum_{i, j=1}^{m}`: every index from the same bound
            return names, self._sub_expression(rest[1:], t), None, None
        if head in ("\\in",) and len(rest) > 1:
            return names, None, "".join(u.text for u in rest[1:]), None
        if head in ("\\ne", "\\neq") and len(names) == 1 and len(rest) > 1:
            excluded = self._sub_expression(rest[1:], t)
            if isinstance(excluded, sp.Symbol) and str(excluded) not in self.bound and len(str(excluded)) == 1:
                # `\sum_{i \ne k}` with a letter k no outer sum binds: k indexes elements written
                # elsewhere as `x_k`, a link this reading cannot make, so it would misread the claim
                # (`\sum_{j \ne y_i}` leaves out a value, and is read).
                raise unsupported(t, f"{t.text} over every index but a free one")
            return names, None, None, excluded
        raise unsupported(t, f"{t.text} over a set")

    def _sub_expression(self, toks: list[Tok], t: Tok) -> sp.Expr:
        sub = type(self)(toks, self.scope, toks[-1].end)
        sub.bound = self.bound
        value = sub.expression()
        if not sub.done():
            u = sub.peek()
            raise MathError(f"unexpected '{u.text}' in the index of {t.text}", u.start, u.end - u.start)
        return value

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
                kwargs[name] = tuple(self._bind(item) for item in self.arguments("[", "the list"))
            else:
                kwargs[name] = self._bind(self.expression())
            if not self.at(")"):
                self.expect(",")
        close = self.expect(")")
        try:
            return fn(**kwargs)
        except (TypeError, ValueError) as exc:
            raise MathError(f"{t.text}: {exc}", t.start, close.end - t.start) from None


def _descending(low, high) -> bool:
    """Bounds written from the top down: `p = M` to 1 (or 0), `i = 5` to 1. (From 1 to 0 is the
    empty sum, as written.)"""
    if low is None or high is None:
        return False
    if low.is_number and high.is_number:
        return bool(low > high + 1)
    return high in (sp.Integer(0), sp.Integer(1)) and not low.is_number


_FONT = re.compile(r"\\(mathcal|mathbb|mathscr|mathfrak|mathrm|mathbf|operatorname)")


def _size(body: sp.Expr, index: sp.Symbol, over: str | None) -> sp.Symbol:
    """The unknown number of terms of a sum without bounds: |S| for a set, else |·|, shared by every
    sum without bounds (they run over the same data: \\sum_j e^{z_j} and \\sum_k z_k). A set named
    after its index (`s \\in \\mathcal{S}`, `a \\in A`) is the index's own range, which a sum over s
    without bounds means too, unless its size is written (`\\frac{1}{|\\mathcal{H}|}`)."""
    named = over is not None and _FONT.sub("", over).strip("{} ") == str(index).upper() and \
        f"|{over}|" not in {str(s) for s in body.free_symbols}
    if over is None or named:
        over = "\\cdot"
    return sp.Symbol(f"|{over}|", integer=True, positive=True)


def _gradient(value) -> bool:
    """`\\nabla J` with no variable said: the opaque gradient the reader makes of it."""
    from ankigen.check.vocabulary import Opaque

    return isinstance(value, Opaque) and str(value.args[0]) == "\\nabla" and len(value.args) == 2
