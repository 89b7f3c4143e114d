"""Calculus as notes write it, read into unevaluated sympy operators: Leibniz derivatives
(`\\frac{dy}{dx}`, `\\frac{\\partial L}{\\partial z}`, `\\frac{d^2}{dx^2}`, `\\mathrm{d}`), integrals
with their differential written any usual way (`dx`, `\\,dx`, `\\mathrm{d}x`, first or last), and
limits (`\\lim_{x \\to 0^+}`). Operators stay unevaluated until a claim's definitions are put in
(a derivative of a defined loss is taken of its definition); decide.py evaluates them.
"""

from __future__ import annotations

import sympy as sp

from ankigen.check.matrices import Grad, Transpose, is_matrix
from ankigen.check.tokens import MathError, Tok
from ankigen.check.vocabulary import GREEK, symbol

_DIFFERENTIAL = ("d", "\\partial")
_ARROWS = ("\\to", "\\rightarrow", "\\longrightarrow")


def _variable_token(t: Tok) -> bool:
    return t.kind == "letter" or (t.kind == "cmd" and (t.text[1:] in GREEK or t.text in (
        "\\mathbf", "\\boldsymbol", "\\bm", "\\vec", "\\hat", "\\bar", "\\tilde", "\\mathrm")))


class Calculus:
    """The part of the Parser that reads calculus; mixed into it, so `self` is the Parser."""

    # -- differentials -------------------------------------------------------------------
    def differential_at(self, k: int) -> int:
        """The length of a differential operator (`d`, `\\partial`, `\\mathrm{d}`) at peek(k), or 0."""
        t = self.peek(k)
        if t.kind == "letter" and t.text == "d" and self.peek(k + 1).text not in ("_", "'"):
            return 1
        if t.kind == "cmd" and t.text == "\\partial":
            return 1
        if t.kind == "cmd" and t.text in ("\\mathrm", "\\operatorname", "\\text", "\\mathop"):
            if [self.peek(k + j).text for j in (1, 2, 3)] == ["{", "d", "}"]:
                return 4
        if t.kind in ("word", "unit") and t.text == "d":  # \text{d}: a word, or after a number a unit
            return 1
        return 0

    def _variable_end(self, k: int) -> int:
        """The index just past a variable written at peek(k) (`x`, `x_i`, `w_{ij}`, `\\mathbf{x}`,
        `\\hat{y}`, `z^{(l)}`), or k when there is none."""
        t = self.peek(k)
        if not _variable_token(t):
            return k
        j = k + 1
        if t.kind == "cmd" and t.text not in ("\\mathrm",) and t.text[1:] not in GREEK:
            j = self._group_end(j)
        elif t.kind == "cmd" and t.text == "\\mathrm":
            j = self._group_end(j)
        while self.peek(j).text == "_":
            j = self._group_end(j + 1)
        if self.peek(j).text == "^" and self.peek(j + 1).text == "{" and self.peek(j + 2).text == "(":
            j = self._group_end(j + 1)  # z^{(l)}: a label
        return j

    def _group_end(self, j: int) -> int:
        """Past the braced group or single token at peek(j)."""
        if self.peek(j).text != "{":
            return j + 1
        depth = 0
        while self.peek(j).kind != "end":
            if self.peek(j).text == "{":
                depth += 1
            elif self.peek(j).text == "}":
                depth -= 1
                if depth == 0:
                    return j + 1
            j += 1
        return j

    def _read_variable(self, start: int, end: int) -> sp.Expr:
        """The variable written in tokens [start, end) of the whole token list."""
        sub = type(self)(self.toks[start:end], self.scope, self.toks[end - 1].end)
        sub.bound = dict(self.bound)
        value = sub.atom()
        if not sub.done():
            u = sub.peek()
            raise MathError(f"cannot read the variable '{u.text}' of a derivative", u.start, u.end - u.start,
                            construct="derivative variable")
        return value

    # -- Leibniz derivatives -------------------------------------------------------------
    def slash_derivative(self) -> sp.Expr | None:
        """`d\\eta/d\\theta`, `\\partial L/\\partial w`, `\\mathrm{d}y/\\mathrm{d}x`: a first derivative written
        inline with a slash (everything consumed), or None when the text at hand is not one. On a card
        where d is a value of its own (`d = 64`), `dx/dy` is d x over d y, as written."""
        lead = self.differential_at(0)
        if not lead or (self.peek().text == "d" and "d" in self.scope.variables):
            return None
        num_end = self._variable_end(lead)
        if num_end == lead or self.peek(num_end).text != "/":
            return None
        below = self.differential_at(num_end + 1)
        den_end = self._variable_end(num_end + 1 + below) if below else 0
        if den_end <= num_end + 1 + below or self.peek(den_end).text in ("^", "_", "("):
            return None  # dy/dx^2, dy/dx(t): not the plain derivative read here
        if (self.peek().kind == "letter") != (self.peek(num_end + 1).kind == "letter"):
            return None  # ∂L/dx: two operators are no derivative
        variable = self._read_variable(self.i + num_end + 1 + below, self.i + den_end)
        body_toks = self.toks[self.i + lead:self.i + num_end]
        self.i += den_end
        return self._derivative(self._numerator_body(body_toks, [(variable, 1)]), [(variable, 1)])

    def leibniz(self, t: Tok) -> sp.Expr | None:
        """`\\frac{d…}{d…}` read as a derivative (the `\\frac` is consumed), or None when the
        fraction is not one (`\\frac{d}{2}`, `\\frac{d_k}{d_v}`): then nothing is consumed."""
        if self.peek().text != "{":
            return None
        num_end = self._group_end(0)
        if self.peek(num_end).text != "{":
            return None
        den_end = self._group_end(num_end)
        lead = self.differential_at(1)
        if not lead:
            return None
        variables = self._denominator(num_end + 1, den_end - 1)
        if variables is None:
            return None
        k = 1 + lead
        order = 1
        if self.peek(k).text == "^":
            order_end = self._group_end(k + 1)
            order = self._small_order(k + 1, order_end)
            k = order_end
        body_toks = self.toks[self.i + k:self.i + num_end - 1]
        start = self.i
        self.i += den_end
        self.enter(t)
        try:
            if body_toks:
                body = self._numerator_body(body_toks, variables)
            else:
                body = self.term()
        finally:
            self.leave()
        counts = [(var, n) for var, n in variables]
        if sum(n for _, n in counts) != order and not (order == 1 and len(counts) == 1):
            tok = self.toks[start]
            raise MathError("the orders of a derivative do not add up", tok.start, tok.end - tok.start,
                            construct="derivative order")
        if order == 1 and len(counts) == 1 and counts[0][1] > 1:
            # ∂L/∂σ^2: by the variance σ², not the second derivative by σ (that is ∂^2 L/∂σ^2); by the
            # chain rule, (∂L/∂σ) / (∂σ²/∂σ)
            var, n = counts[0]
            value = self._derivative(body, [(var, 1)]) / (n * var ** (n - 1))
        else:
            value = self._derivative(body, counts)
        if body_toks and self.at("(") and len(counts) == 1 and self.toks[self.i - 1].end == self.peek().start:
            # \\frac{df}{dx}(x), \\frac{dg}{dx}(2): the derivative taken at a point
            at = self.arguments("(")
            if len(at) == 1:
                value = sp.Subs(value, counts[0][0], at[0]) if at[0] != counts[0][0] else value
        return value

    def _small_order(self, start: int, end: int) -> int:
        texts = [self.peek(j).text for j in range(start, end) if self.peek(j).text not in ("{", "}")]
        if len(texts) == 1 and texts[0].isdigit() and 0 < int(texts[0]) <= 4:
            return int(texts[0])
        u = self.peek(start)
        raise MathError("a derivative of this order is not read", u.start, 1, construct="derivative order")

    def _denominator(self, start: int, end: int) -> list[tuple[sp.Expr, int]] | None:
        """`dx`, `d x^2`, `\\partial x \\partial y`, `{d x}^2`: variables with their orders, or None."""
        found: list[tuple[sp.Expr, int]] = []
        k = start
        while k < end:
            if self.peek(k).text == "{":  # {dx}^2
                inner_end = self._group_end(k)
                inner = self._denominator(k + 1, inner_end - 1)
                if inner is None or len(inner) != 1:
                    return None
                k = inner_end
                if self.peek(k).text == "^":
                    order_end = self._group_end(k + 1)
                    inner = [(inner[0][0], self._small_order(k + 1, order_end))]
                    k = order_end
                found.extend(inner)
                continue
            lead = self.differential_at(k)
            if not lead:
                return None
            var_end = self._variable_end(k + lead)
            if var_end == k + lead or var_end > end:
                return None
            var = self._read_variable(self.i + k + lead, self.i + var_end)
            k = var_end
            if k < end and self.peek(k).text == "^" and is_matrix(var):
                mark_end = self._transpose_end(k + 1)
                if mark_end:  # \partial \mathbf{W}^{\mathrm{T}}: by the transpose
                    var, k = Transpose(var), mark_end
            order = 1
            if k < end and self.peek(k).text == "^":
                order_end = self._group_end(k + 1)
                order = self._small_order(k + 1, order_end)
                k = order_end
            found.append((var, order))
        return found or None

    def _transpose_end(self, j: int) -> int:
        """Past a transpose mark at peek(j) (`T`, `\\top`, `{\\mathrm{T}}`, `\\mathsf{T}`), or 0."""
        end = self._group_end(j + 1) if self.peek(j).text in ("\\mathrm", "\\mathsf") else self._group_end(j)
        text = "".join(self.peek(m).text for m in range(j, end) if self.peek(m).text not in ("{", "}"))
        return end if text in ("T", "\\top", "\\intercal", "\\mathrmT", "\\mathsfT") else 0

    def _numerator_body(self, toks: list[Tok], variables) -> sp.Expr:
        """`dy`, `d\\sigma`, `\\partial L`, `d\\sigma(x)`: the quantity differentiated. A card function
        of one variable named alone (`d\\sigma`) is that function of the variable."""
        if len(toks) == 1 and len(variables) == 1:
            fn = self.scope.functions.get(toks[0].text)
            if fn is not None and len(fn.params) == 1:
                self.scope.called.add(toks[0].text)
                return fn.body.xreplace({fn.params[0]: variables[0][0]})
        sub = type(self)(toks, self.scope, toks[-1].end)
        sub.bound = dict(self.bound)
        body = sub.expression()
        if not sub.done():
            u = sub.peek()
            raise MathError(f"unexpected '{u.text}' in a derivative", u.start, u.end - u.start)
        return body

    def _derivative(self, body: sp.Expr, counts: list[tuple[sp.Expr, int]]) -> sp.Expr:
        """An unevaluated derivative; a variable `x_i` of a family summed in the body (`\\sum_j e^{x_j}`)
        is that family's element at i."""
        if len(counts) == 1 and counts[0][1] == 1 and isinstance(counts[0][0], Transpose):
            return Transpose(Grad(body, counts[0][0].args[0]))  # ∂L/∂\\mathbf{W}^T: (∂L/∂\\mathbf{W})^T
        if len(counts) == 1 and counts[0][1] == 1 and is_matrix(counts[0][0]):
            return Grad(body, counts[0][0])  # ∂L/∂\\mathbf{W}: a gradient in W's shape
        if any(is_matrix(var) for var, _ in counts):
            raise MathError("a derivative by a vector of higher order is not read", self.peek().start, 1,
                            construct="derivative by a vector")
        linked = []
        for var, n in counts:
            element = _element_of_family(var, body)
            if element is not None:
                body = body.xreplace({var: element})
                var = element
            linked.append((var, n))
        try:
            return sp.Derivative(body, *linked, evaluate=False)
        except (ValueError, TypeError) as exc:
            raise MathError(f"cannot differentiate with respect to this: {exc}", self.peek().start, 1,
                            construct="derivative variable") from None

    # -- integrals -----------------------------------------------------------------------
    def _a_path(self, name_toks: list[Tok]) -> bool:
        """`dB_s` where the formula also writes B_T or B_t: the differential of a path at time s (an Itô or
        Stieltjes integral), not of a variable named B_s."""
        if len(name_toks) < 3 or name_toks[1].text != "_" or name_toks[0].kind != "letter":
            return False
        index = [u.text for u in name_toks[2:] if u.text not in ("{", "}")]
        if len(index) != 1 or not index[0].isalpha():
            return False
        toks = self.toks
        return any(toks[k].text == name_toks[0].text and toks[k + 1].text == "_"
                   and toks[k + 2].text not in (index[0], "{") and toks[k + 2].kind == "letter"
                   for k in range(len(toks) - 2))

    def integral(self, t: Tok) -> sp.Expr:
        """`\\int_a^b f(x)\\,dx` (bounds in either order, the differential first or last, `\\iint`
        as two); without bounds, an antiderivative."""
        self.next()
        low = high = None
        for _ in range(2):
            if self.at("_") and low is None:
                self.next()
                low = self.script()
            elif self.at("^") and high is None:
                self.next()
                high = self.script()
        if (low is None) != (high is None):
            raise MathError("an integral needs both bounds, or none", t.start, t.end - t.start,
                            construct="\\int with one bound")
        if t.text == "\\iint":
            return self._double_integral(t, low is not None)
        first = self.differential_at(0)
        if first and self._variable_end(first) > first:  # \int dx\, f(x)
            var_end = self._variable_end(first)
            name_toks = self.toks[self.i + first:self.i + var_end]
            self.i += var_end
            return self._integrate(t, name_toks, None, low, high)
        k = self._matching_differential()
        if k < 0:
            raise MathError("an integral without its differential (dx) is not read", t.start, t.end - t.start,
                            construct="\\int without dx")
        lead = self.differential_at(k)
        var_end = self._variable_end(k + lead)
        body_toks = self.toks[self.i:self.i + k]
        name_toks = self.toks[self.i + k + lead:self.i + var_end]
        self.i += var_end
        return self._integrate(t, name_toks, body_toks, low, high)

    def _double_integral(self, t: Tok, bounded: bool) -> sp.Expr:
        """`\\iint f \\,dx\\,dy`: the antiderivative in x, then in y. Over a region (`\\iint_D`) or
        with its differentials first, it is not read: one bound cannot say which variable it limits."""
        k = self._matching_differential()
        first = self.differential_at(k) if k > 0 else 0
        inner_end = self._variable_end(k + first) if first else k
        second = self.differential_at(inner_end) if first else 0
        outer_end = self._variable_end(inner_end + second) if second else inner_end
        if bounded or not second or outer_end == inner_end + second:
            raise MathError("a double integral is read only as \\iint f \\,dx\\,dy, without a region",
                            t.start, t.end - t.start, construct="\\iint")
        body_toks = self.toks[self.i:self.i + k]
        inner_name = self.toks[self.i + k + first:self.i + inner_end]
        outer_name = "".join(u.text for u in self.toks[self.i + inner_end + second:self.i + outer_end])
        self.i += outer_end
        return sp.Integral(self._integrate(t, inner_name, body_toks, None, None), symbol(outer_name))

    def _matching_differential(self) -> int:
        """Where this integral's differential is: the first one at this depth not taken by an
        integral nested in the body."""
        depth, nested, k = 0, 0, 0
        while self.peek(k).kind != "end":
            u = self.peek(k)
            if u.kind == "op" and u.text in "{([":
                depth += 1
            elif u.kind == "op" and u.text in "})]":
                depth -= 1
                if depth < 0:
                    return -1
            elif depth == 0 and (u.kind in ("op", "cmd") and u.text in ("=", "<", ">", "\\le", "\\ge", "\\leq",
                                                                      "\\geq", "\\approx", "\\ne", "\\neq")
                                 or u.kind == "sep"):
                return -1
            elif depth == 0 and u.kind == "cmd" and u.text in ("\\int", "\\iint"):
                nested += 1 if u.text == "\\int" else 2
            elif depth == 0 and self.differential_at(k) and self._variable_end(k + self.differential_at(k)) > k + 1:
                if nested == 0:
                    return k
                nested -= 1
            k += 1
        return -1

    def _integrate(self, t: Tok, name_toks: list[Tok], body_toks: list[Tok] | None, low, high) -> sp.Expr:
        name = "".join(u.text for u in name_toks)
        if self._a_path(name_toks):
            raise MathError("an integral against a path (dB_s, dW_t) is not read", t.start, t.end - t.start,
                            construct="stochastic integral")
        # a definite integral's variable is bound and may be negative; an antiderivative's is the
        # free symbol of the same name, which its closed form is written in
        var = sp.Symbol(name, real=True) if low is not None else symbol(name)
        saved = self.bound.get(name)
        self.bound[name] = var
        self.enter(t)
        try:
            if body_toks is None:
                body = self.term()
            elif not body_toks:
                body = sp.Integer(1)
            else:
                sub = type(self)(body_toks, self.scope, body_toks[-1].end)
                sub.bound = self.bound
                body = sub.expression()
                if not sub.done():
                    u = sub.peek()
                    raise MathError(f"unexpected '{u.text}' in an integral", u.start, u.end - u.start)
        finally:
            self.leave()
            if saved is None:
                del self.bound[name]
            else:
                self.bound[name] = saved
        if low is None:
            return sp.Integral(body, var)
        return sp.Integral(body, (var, low, high))

    # -- limits --------------------------------------------------------------------------
    def limit(self, t: Tok) -> sp.Expr:
        """`\\lim_{x \\to a} f`, `\\to \\infty`, one-sided `0^+` / `0^{-}`."""
        self.next()
        if not self.at("_"):
            raise MathError("a limit needs its variable and target: \\lim_{x \\to a}", t.start, t.end - t.start,
                            construct="\\lim")
        self.next()
        group = self.braced("limit") if self.at("{") else [self.next()]
        arrow = next((n for n, u in enumerate(group) if u.text in _ARROWS), -1)
        if arrow != 1 or not (group[0].kind == "letter" or group[0].text[1:] in GREEK):
            raise MathError("a limit is read as \\lim_{x \\to a}", t.start, t.end - t.start, construct="\\lim")
        target_toks = group[2:]
        direction = "+-"
        texts = [u.text for u in target_toks]
        for suffix, side in ((["^", "+"], "+"), (["^", "-"], "-"), (["^", "{", "+", "}"], "+"),
                             (["^", "{", "-", "}"], "-")):
            if texts[-len(suffix):] == suffix and len(texts) > len(suffix):
                target_toks, direction = target_toks[:-len(suffix)], side
                break
        if not target_toks:
            raise MathError("a limit needs a target", t.start, t.end - t.start, construct="\\lim")
        sub = type(self)(target_toks, self.scope, target_toks[-1].end)
        sub.bound = dict(self.bound)
        target = sub.expression()
        if not sub.done():
            u = sub.peek()
            raise MathError(f"unexpected '{u.text}' in a limit's target", u.start, u.end - u.start)
        name = group[0].text
        var = sp.Symbol(name, real=True)
        saved = self.bound.get(name)
        self.bound[name] = var
        self.enter(t)
        try:
            body = self.term()
        finally:
            self.leave()
            if saved is None:
                del self.bound[name]
            else:
                self.bound[name] = saved
        if target in (sp.oo, -sp.oo):
            direction = "-" if target == sp.oo else "+"
        return sp.Limit(body, var, target, direction)


def _element_of_family(var: sp.Expr, body: sp.Expr) -> sp.Expr | None:
    """`x_{i}` when the body sums a family x: the element x[i], at an index that is a whole number."""
    if not isinstance(var, sp.Symbol) or "_{" not in var.name:
        return None
    base, _, index = var.name.partition("_{")
    index = index[:-1]
    if not ((index.isalpha() and len(index) == 1) or index.isdigit()):
        return None
    for b in body.atoms(sp.IndexedBase):
        if str(b.label) == base:  # x_i, or x_1, of the family x summed in the body
            return b[sp.Integer(index) if index.isdigit() else sp.Symbol(index, integer=True)]
    return None
