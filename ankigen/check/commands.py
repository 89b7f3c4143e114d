"""LaTeX commands with arguments: fractions and Leibniz derivatives, roots, floors, logs, sums and
products with their bounds, `\\underbrace`, and `@reference(...)` calls."""

from __future__ import annotations

import sympy as sp

from ankigen.check.tokens import MathError, Tok, closing
from ankigen.check.vocabulary import (DECORATIONS, GREEK, KNOWN_FUNCTIONS, RELATIONS, UNSUPPORTED, WORD_COMMANDS,
                                      safe_pow, symbol, unsupported)


class Commands:
    """The part of the Parser that reads commands; mixed into it, so `self` is the Parser."""

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
