"""Vectors and matrices as notes write them, read into the representation of matrices.py: bold
and arrowed letters (`\\mathbf{x}`, `\\boldsymbol{\\theta}`, `\\vec{v}`) and letters the card declares
`\\in \\mathbb{R}^{m \\times n}` are noncommutative symbols; transposes (`^T`, `^\\top`,
`^{\\mathsf T}`), inverses, traces, determinants, norms (`\\|x\\|_2`, `\\lVert x \\rVert`), `\\odot`,
dot products (`\\mathbf{a} \\cdot \\mathbf{b}`, `\\langle a, b \\rangle`), gradients (`\\nabla_{\\mathbf{x}}`),
softmax and functions applied entry by entry.
"""

from __future__ import annotations

import re

import sympy as sp

from ankigen.check.matrices import (IDENTITY, ONES, OPERATOR_NAMES, ZEROS, Elementwise, Grad, Hadamard, Inverse,
                                    Literal, Member, Norm, WRITTEN_MATRICES, ShapeError, Softmax, Trace, Transpose,
                                    Unsupported, family, is_matrix, is_vector_name, shape_of)
from ankigen.check.tokens import MathError, Tok
from ankigen.check.vocabulary import GREEK, no_tuple


def group_transpose(start: int, length: int) -> MathError:
    """`(x - y)^T`, `z^{(i)}` transposed as `z^{(i)T}`: letters not declared as vectors, transposed."""
    return MathError("a transpose of letters not declared as vectors is not read", start, length,
                     construct="transpose of a group")


_TRANSPOSE = (["T"], ["\\top"], ["\\intercal"], ["\\mathsf", "T"], ["\\mathsf", "{", "T", "}"], ["\\mathrm", "{", "T", "}"],
              ["\\mathrm", "T"], ["\\mathsf", "{", "\\top", "}"], ["\\mathbf", "T"], ["\\mathbf", "{", "T", "}"])
_SPECIAL = {"0": ZEROS, "1": ONES, "I": IDENTITY}
_DECLARATION = re.compile(r"\\in\s*\\mathbb\s*\{?\s*([RS])\s*\}?\s*(?:\^|(?=[\s,.;$，。；]|$))")
SCALAR = ("scalar",)  # `x \\in \\mathbb{R}`: a number, which no vector declaration of x may contradict
# `A = \\begin{bmatrix} … \\end{bmatrix}`: a matrix, whatever size the next exercise writes it in; its
# size is its value's, where that definition is seen
WRITTEN = ("written out",)
# `X^\top X`: a plain letter transposed is a matrix of no fixed size; a failing identity about it stays
# a doubt, since nothing declares it
TRANSPOSED = ("transposed",)
# `A = \begin{bmatrix} … \end{bmatrix}`, `w' = \frac13 \begin{bmatrix} … \end{bmatrix}`: a matrix written out
# (times a number) declares its name with its size
_SCALE = r"(?:-?\s*(?:\\[dt]?frac\s*(?:\{\s*\d+\s*\}|\d)\s*(?:\{\s*\d+\s*\}|\d)|\d+(?:\.\d+)?)\s*(?:\\cdot|\\times)?\s*)?"
_LITERAL = re.compile(r"=\s*" + _SCALE + r"(?:\\left\s*[\[(]\s*)?\\begin\{(%s)\}(.*?)\\end\{\1\}"  # not a determinant, nor array
                      % "|".join(n for n in WRITTEN_MATRICES if n not in ("vmatrix", "array")), re.S)
_DOTTED = re.compile(r"\\[cvd]?dots|\\ldots")
_SIZED_SPECIAL = re.compile(r"\\mathbf\s*\{([I01])\}\s*_\s*(?:\{([^{}]+)\}|([A-Za-z0-9]))")


def noncommutative(name: str) -> sp.Symbol:
    return sp.Symbol(name, commutative=False)


class Vectors:
    """The part of the Parser that reads vectors and matrices; mixed into it, so `self` is the Parser."""

    def bold(self, t: Tok) -> sp.Expr:
        """`\\mathbf{W}`, `\\boldsymbol{\\theta}_t`, `\\vec{v}`: a vector or matrix named as written;
        `\\mathbf{0}`, `\\mathbf{1}` and `\\mathbf{I}` are the zero, ones and identity of any size."""
        self.next()
        inner = self.braced(t.text) if self.at("{") else [self.next()]
        accent = ""
        if len(inner) in (2, 4) and inner[0].text in ("\\hat", "\\bar", "\\tilde") and (
                len(inner) == 2 or [inner[1].text, inner[3].text] == ["{", "}"]):
            # \boldsymbol{\hat{y}}: the bold ŷ, a name of its own beside the bold y
            accent, inner = inner[0].text, [inner[-1] if len(inner) == 2 else inner[2]]
        if len(inner) != 1 or not (inner[0].kind in ("letter", "num") or inner[0].text[1:] in GREEK):
            raise MathError(f"'{t.text}' of an expression is not read", t.start, t.end - t.start,
                            construct=f"{t.text} of an expression")
        letter = inner[0].text
        if letter in _SPECIAL and t.text == "\\mathbf" and not self.at("_") and not accent:
            return _SPECIAL[letter]
        command = "\\mathbf" if t.text in ("\\mathbf", "\\mathbfit") else t.text
        value = self.matrix_named(f"{command}{{{accent}{{{letter}}}}}" if accent else f"{command}{{{letter}}}", t)
        if letter in _SPECIAL and isinstance(value, sp.Symbol) and value.name.startswith(f"{command}{{{letter}}}_") \
                and value.name not in self.scope.matrices:
            # \\mathbf{I}_t the card does not declare as a size's identity: a name (an LSTM's input gate);
            # `{}` keeps it apart from the identity, and TeX shows it the same
            return noncommutative(value.name.replace(f"{{{letter}}}_", f"{{{letter}}}{{}}_", 1))
        return value

    def matrix_named(self, name: str, t: Tok) -> sp.Expr:
        """A matrix symbol with its subscripts (`\\mathbf{x}_i`, `\\mathbf{W}^{(l)}`): a name, or in a
        sum over i a member of the family \\mathbf{x} (`\\sum_i \\mathbf{x}_i \\mathbf{x}_i^T`)."""
        full = name
        for _ in range(3):
            if self.at("_"):
                sub = self.subscript()
                text, toks = sub
                if any(u.text in self.bound for u in toks):
                    return self._member(full, text, toks)
                full += f"_{{{text}}}"
                continue
            if self.at("^") and self._label_superscript():
                self.next()
                full += "^{" + "".join(u.text for u in self.braced("superscript")) + "}"
                continue
            star = [self.peek(k).text for k in range(4)]
            if star[:2] in (["^", "*"], ["^", "\\ast"], ["^", "\\star"], ["^", "\\prime"]):
                self.i += 2  # \\mathbf{w}^*: the optimum, a name
                full += "^{" + star[1] + "}"
                continue
            if star[:4] in (["^", "{", "*", "}"], ["^", "{", "\\prime", "}"], ["^", "{", "\\ast", "}"]):
                self.i += 4
                full += "^{" + star[2] + "}"
                continue
            if self.at("'"):
                self.next()
                full += "'"
                continue
            break
        if full in self.bound:
            return self.bound[full]
        return noncommutative(full)

    def _member(self, name: str, text: str, toks: list[Tok]) -> sp.Expr:
        """`\\mathbf{x}_i`, `\\mathbf{x}_{i,j}`, `\\mathbf{h}_{t-1}` with indices a sum binds; another
        subscript (`\\mathbf{x}_{y_i}`) stays opaque."""
        indices, k = [], 0
        while k < len(toks):
            index = self.bound.get(toks[k].text)
            if index is None or not isinstance(index, sp.Symbol):
                break
            k += 1
            if k + 1 < len(toks) and toks[k].text in ("+", "-") and toks[k + 1].kind == "num":
                index += int(toks[k + 1].text) * (1 if toks[k].text == "+" else -1)
                k += 2
            indices.append(index)
            if k < len(toks) and toks[k].text == ",":
                k += 1
        if k < len(toks) or not indices:
            from ankigen.check.notation import opaque

            return opaque(f"{name}_{{{text}}}")
        return Member(family(name), *indices)

    def _label_superscript(self) -> bool:
        """`^{(l)}`: a layer label, not a power."""
        return self.peek(1).text == "{" and self.peek(2).text == "("

    def declared_matrix(self, name: str) -> bool:
        return name in self.scope.matrices

    # -- superscripts --------------------------------------------------------------------
    def matrix_superscript(self, base: sp.Expr) -> sp.Expr | None:
        """`^T`, `^\\top`, `^{\\mathsf T}` (transpose), `^{-1}` (inverse), `^{-T}` of a matrix; None when
        the superscript is a power for the grammar to read."""
        if not self.at("^"):
            return None
        toks = self._superscript_tokens()
        texts = [u.text for u in toks]
        if texts in _TRANSPOSE:
            self._skip_superscript()
            return Transpose(base)
        if texts == ["-", "1"]:
            self._skip_superscript()
            return Inverse(base)
        if texts and texts[0] == "-" and texts[1:] in _TRANSPOSE:
            self._skip_superscript()
            return Inverse(Transpose(base))
        return None

    def _superscript_tokens(self) -> list[Tok]:
        nxt = self.peek(1)
        if nxt.text == "{":
            depth, k, out = 0, 1, []
            while self.peek(k).kind != "end":
                u = self.peek(k)
                if u.text == "{":
                    depth += 1
                    if depth == 1:
                        k += 1
                        continue
                elif u.text == "}":
                    depth -= 1
                    if depth == 0:
                        return out
                out.append(u)
                k += 1
            return []
        if nxt.text in ("\\mathsf", "\\mathrm", "\\mathbf") and self.peek(2).kind == "letter":
            return [nxt, self.peek(2)]
        if nxt.text in ("\\mathsf", "\\mathrm", "\\mathbf") and self.peek(2).text == "{" and \
                self.peek(3).kind == "letter" and self.peek(4).text == "}":
            return [nxt, self.peek(2), self.peek(3), self.peek(4)]  # ^\mathsf{T} without braces around it
        return [nxt]

    def _skip_superscript(self) -> None:
        self.next()  # ^
        if self.at("{"):
            self.braced("superscript")
        elif self.peek().text in ("\\mathsf", "\\mathrm", "\\mathbf") and self.peek(1).kind == "letter":
            self.i += 2
        elif self.peek().text in ("\\mathsf", "\\mathrm", "\\mathbf") and self.peek(1).text == "{":
            self.next()
            self.braced("superscript")
        else:
            self.next()

    # -- norms, inner products, traces, gradients ----------------------------------------
    def norm(self, t: Tok) -> sp.Expr:
        """`\\|x\\|`, `\\lVert x \\rVert`, `\\Vert x \\Vert`, `||x||`, with `_2`, `_1`, `_F`, `_\\infty`:
        a vector's or matrix's norm; of a number, its absolute value."""
        self.next()
        double_bar = t.text == "|"
        if double_bar:
            self.next()  # the second |
        closing = {"\\|": "\\|", "\\lVert": "\\rVert", "\\Vert": "\\Vert", "|": "|"}[t.text]
        saved, self._closing_bar = self._closing_bar, True
        try:
            inner = self.expression()
        finally:
            self._closing_bar = saved
        if self.at("\\right"):
            self.next()
        self.expect(closing, "to close the norm")
        if double_bar:
            self.expect("|", "to close the norm")
        p = sp.Integer(2)
        if self.at("_"):
            self.next()
            sub = self.braced("subscript") if self.at("{") else [self.next()]
            texts = [u.text for u in sub]
            p = {("2",): sp.Integer(2), ("1",): sp.Integer(1), ("F",): sp.Symbol("F"), ("\\infty",): sp.oo,
                 ("\\mathrm", "{", "F", "}"): sp.Symbol("F"), ("\\text", ): sp.Symbol("F")}.get(tuple(texts))
            if p is None and len(sub) == 1 and sub[0].kind == "text" and sub[0].text.strip() == "F":
                p = sp.Symbol("F")
            if p is None:
                raise MathError(f"a norm with subscript '{''.join(texts)}' is not read", t.start, t.end - t.start,
                                construct="norm")
        no_tuple(t, inner)  # \|(Ax + b, c)\|: the norm of a stacked vector, not read
        declared = {str(s) for s in inner.free_symbols} & set(self.scope.matrices or {})
        if not is_matrix(inner) and not declared:
            return sp.Abs(inner)
        # a letter the card declares a vector is one here too: |b|^2 of a real b would be b^2, which
        # ‖b‖²·b is not (b²: a vector squared)
        return Norm(inner, p)

    def inner_product(self, t: Tok) -> sp.Expr:
        """`\\langle \\mathbf{x}, \\mathbf{y} \\rangle`: xᵀy; of matrices, the Frobenius product tr(AᵀB), a
        number (a Lagrangian's `\\langle \\Theta, W^\\top W - I \\rangle`)."""
        self.next()
        a = self.expression()
        self.expect(",", "between the two vectors of an inner product")
        b = self.expression()
        self.expect("\\rangle", "to close the inner product")
        if is_matrix(a) and is_matrix(b):
            product = Transpose(a) * b
            # letters name their kind: lower-case bold vectors, capitals matrices (shapes are known later)
            vectors = all(is_vector_name(x.name) for x in a.atoms(sp.Symbol) if x.is_commutative is False)
            return product if vectors else Trace(product)
        if a.free_symbols or b.free_symbols:
            # ⟨x, y⟩ of letters the card does not declare as vectors: read as a product of numbers,
            # ⟨x, y⟩/(‖x‖‖y‖) would be 1, which no cosine of an angle is in general.
            raise MathError("an inner product of letters not declared as vectors is not read", t.start,
                            t.end - t.start, construct="\\langle of undeclared vectors")
        return a * b

    def matrix_function(self, name: str, t: Tok) -> sp.Expr:
        """`\\operatorname{tr}(A)`, `\\det(A)`, `\\det A`: a matrix's trace or determinant."""
        arg = self.function_argument()
        if not is_matrix(arg):
            raise MathError(f"'{name}' of a number is not read", t.start, t.end - t.start, construct=f"\\{name}")
        return OPERATOR_NAMES[name](arg)

    def nabla(self, t: Tok) -> sp.Expr:
        """`\\nabla_{\\mathbf{x}} f`: the gradient of f by x (by a number: its derivative); without a
        subscript, the variable is not said, so it is not read."""
        self.next()
        if not self.at("_"):  # ∇f(x): by which variable is not said, so it stays opaque
            from ankigen.check.notation import opaque

            return opaque("\\nabla", self.power()) if self.starts_atom(self.peek()) else opaque("\\nabla")
        self.next()
        sub = self.braced("subscript") if self.at("{") else [self.next()]
        var = self._read_variable_tokens(sub, t)
        if not isinstance(var, (sp.Symbol, sp.Indexed)) and not is_matrix(var):
            # \nabla_1 k: by the first argument, a slot rather than a variable; not read
            raise MathError("a gradient by something other than a variable is not read", t.start, t.end - t.start,
                            construct="gradient variable")
        self.enter(t)
        try:
            body = self.power()  # ∇_θ (y - θx)^2: the power is the operand's, as in d/dx (x+1)^2
            while self.starts_atom(self.peek()) and not is_matrix(body):
                factor = self.power()
                no_tuple(t, body, factor)  # ∇_W L_i(x_i, W): a name before a pair, not a product
                body = body * factor
        finally:
            self.leave()
        if is_matrix(var):
            return Grad(body, var)
        return sp.Derivative(body, var, evaluate=False)

    def _read_variable_tokens(self, toks: list[Tok], t: Tok) -> sp.Expr:
        sub = type(self)(toks, self.scope, toks[-1].end if toks else t.end)
        sub.bound = dict(self.bound)
        value = sub.atom()
        if not sub.done():
            u = sub.peek()
            raise MathError(f"cannot read the variable '{u.text}' of a gradient", u.start, u.end - u.start,
                            construct="gradient variable")
        return value

    def entrywise(self, fn, arg: sp.Expr) -> sp.Expr:
        """A function of numbers applied to a vector or matrix: entry by entry."""
        t = sp.Symbol("t_{entry}", real=True)  # named, not a Dummy: claims are cached by their text
        body = fn(t)
        if body == t:  # f(x) = x applied to a vector: the vector (sympy's identity Lambda has no body)
            return arg
        return Elementwise(sp.Lambda(t, body), arg)

    def softmax(self, arg: sp.Expr) -> sp.Expr:
        return Softmax(arg)

    def dot(self, a: sp.Expr, b: sp.Expr) -> sp.Expr:
        """`\\mathbf{a} \\cdot \\mathbf{b}` of two vectors is aᵀb; otherwise · is a product."""
        if _vector_name(a) and _vector_name(_leftmost(b)):
            return Transpose(a) * b
        return a * b

    def cross(self, a: sp.Expr, b: sp.Expr, t: Tok) -> sp.Expr | None:
        """`a \\times b` of two written vectors of one shape: no matrix product exists between them,
        so it is the cross product (of three entries; other lengths are not read). None when the
        sides are not two written vectors: then \\times is a product."""
        if _vector_valued(a) and _vector_valued(b):
            raise MathError("'\\times' between two named vectors: their cross product is not modelled", t.start,
                            t.end - t.start, construct="cross product of named vectors")
        if not (isinstance(a, Literal) and isinstance(b, Literal)) or (a.rows, a.cols) != (b.rows, b.cols) \
                or 1 not in (a.rows, a.cols) or a.rows == a.cols:
            return None
        if len(a.entries) != 3:
            raise MathError("'\\times' between two vectors: a cross product has three entries", t.start,
                            t.end - t.start, construct="cross product")
        (a1, a2, a3), (b1, b2, b3) = a.entries, b.entries
        return Literal(a.rows, a.cols, a2 * b3 - a3 * b2, a3 * b1 - a1 * b3, a1 * b2 - a2 * b1)

    def hadamard(self, a: sp.Expr, b: sp.Expr, t: Tok) -> sp.Expr:
        if not (is_matrix(a) and is_matrix(b)):
            raise MathError("'\\odot' between numbers is not read", t.start, t.end - t.start, construct="\\odot")
        return Hadamard(a, b)


def declarations(texts: list[str], parse, symmetric: set | None = None) -> dict:
    """`\\mathbf{W} \\in \\mathbb{R}^{m \\times n}`, `\\mathbf{x}, \\mathbf{y} \\in \\mathbb{R}^n`, `W \\in
    \\mathbb{R}^{d \\times d}`: each name declared, with (rows, cols). `parse(tokens)` reads a name or
    a dimension; a tensor of three or more dimensions is not a matrix and is left out."""
    from ankigen.check.tokens import tokenize

    found: dict = {}
    for text in texts:
        for m in _SIZED_SPECIAL.finditer(text):  # \mathbf{I}_n is n×n, \mathbf{1}_n and \mathbf{0}_n are n×1
            size = (m.group(2) or m.group(3)).strip()
            try:
                n = parse(tokenize(size))
            except MathError:
                continue
            name = f"\\mathbf{{{m.group(1)}}}_{{{size}}}"
            found.setdefault(name, set()).add((n, n) if m.group(1) == "I" else (n, sp.Integer(1)))
        _literal_declarations(text, parse, found)
        if symmetric is not None:
            symmetric.update(_diagonal(text, parse))
        if not _DECLARATION.search(text):
            continue
        for m in _DECLARATION.finditer(text):
            head = text[:m.start()]
            head = re.split(r"(?:\\quad|\\qquad|;|\\text\{[^}]*\}|,\s*\\(?:quad|text)|[=<>])", head)[-1]
            tail = text[m.end():]
            try:
                dims = SCALAR if m.group(0).rstrip().endswith(("R}", "S}")) or not m.group(0).rstrip().endswith("^") \
                    else _dimensions(tokenize(tail), parse)
                if m.group(1) == "S" and dims is not None and dims != SCALAR:  # \\mathbb{S}^n: symmetric n×n
                    dims = (dims[0], dims[0])
                names = [n.strip() for n in _top_commas(head) if n.strip()]
                targets = [parse(tokenize(n)) for n in names]
            except MathError:
                continue
            if dims is None:
                continue
            for target in targets:
                if isinstance(target, sp.Symbol):
                    found.setdefault(target.name, set()).add(dims)
                    if m.group(1) == "S" and symmetric is not None:
                        symmetric.add(target.name)
    return found


# `X^\top`, `\Phi^{\mathsf T}`, `S_w^{\mathrm{T}}`: a plain letter (or Greek one), perhaps subscripted, transposed;
# then perhaps the letter it multiplies (`w^T x`, `x^T A`)
_SUPER_T = r"\^\s*(?:\{\s*)?(?:\\top|\\intercal|\\mathsf\s*\{?\s*T\s*\}?|\\mathrm\s*\{?\s*T\s*\}?|\\rm\s*T|%s)\s*\}?"
_PLAIN = r"(?<![\\A-Za-z_^])(?:[A-Za-z]|\\[A-Za-z]+)(?:\s*_\s*(?:\{[^{}]*\}|[A-Za-z0-9]|\\[A-Za-z]+))?"
_NEXT = _PLAIN.replace("(?<![\\\\A-Za-z_^])", "")  # after `^T` a letter may follow at once: `X^TX`
_TRANSPOSE_ONLY = re.compile(rf"({_PLAIN})\s*{_SUPER_T % '(?!)'}\s*(?:({_NEXT})(?!\s*\())?")
_TRANSPOSE_OR_T = re.compile(rf"({_PLAIN})\s*{_SUPER_T % 'T'}\s*(?:({_NEXT})(?!\s*\())?")
_T_LETTER = re.compile(r"(?<![\\A-Za-z])T")
_T_SUPERSCRIPT = re.compile(r"\^\s*(?:T|\{\s*T\s*\})")
_T_AFTER_LETTER = re.compile(r"(?<=[A-Za-z])\s*\^\s*(?:T|\{\s*T\s*\})")
_BOUNDED = re.compile(r"\\(?:sum|prod|int|lim|max|min|bigcup|bigcap|coprod|oint|iint)\s*"
                      r"(?:\\limits|\\nolimits)?\s*_\s*$")


def only_transposes(texts: list[str]) -> bool:
    """Whether every T the card writes is a superscript on a letter or a group (`x^T`, `u_{i}^{T}`,
    `(x - \\mu)^T`): then T is the transpose and nothing else; not where T is also a number (`T = 10`,
    the bound of `\\sum_{t=1}^{T}` or `\\int_0^T`)."""
    for text in texts:
        marks = 0
        for m in _T_SUPERSCRIPT.finditer(text):
            before = text[:m.start()].rstrip()
            if before.endswith("}"):
                depth, k = 0, len(before) - 1
                while k >= 0:
                    depth += {"}": 1, "{": -1}.get(before[k], 0)
                    if depth == 0:
                        break
                    k -= 1
                if _BOUNDED.search(before[:max(k, 0)]):
                    return False  # the bound of a sum or an integral: T is a number there
            elif not before or not (before[-1].isalpha() or before[-1] in ")]|"):
                return False
            marks += 1
        if marks != len(_T_LETTER.findall(text)):
            return False
    return True


def transposed(texts: list[str], parse) -> dict:
    """Plain letters a card transposes (`X^\\top X`, `\\Phi^{\\mathsf T}`, `w^T x`), and the letter right
    after each such transpose, which it multiplies: matrices of no fixed size. `^T` counts only on a
    card where T is nothing else (in `\\sum_{t=1}^T` it is a number)."""
    from ankigen.check.tokens import tokenize

    # T after a letter only: counting `(x - \\mu)^T` too (only_transposes) would make x a matrix on the
    # whole card, and a card that uses x as a number elsewhere lose those claims
    t_free = all(len(_T_LETTER.findall(t)) == len(_T_AFTER_LETTER.findall(t)) for t in texts)
    pattern = _TRANSPOSE_OR_T if t_free else _TRANSPOSE_ONLY
    found: dict = {}
    for text in texts:
        for m in pattern.finditer(text):
            for k, head in enumerate(m.groups()):
                if head and head.startswith("\\") and head.split("_")[0].strip()[1:] not in GREEK:
                    if k == 0:
                        break  # `\sum_{t=1}^T`: a bound, and what follows is no product with a matrix
                    continue
                if not head:
                    continue
                try:
                    target = parse(tokenize(head))
                except MathError:
                    continue
                if isinstance(target, sp.Symbol) and target.is_commutative and not target.name.startswith("\\mathrm"):
                    found.setdefault(target.name, set()).add(TRANSPOSED)
    return found


# `I - K`, `T - \\lambda I`, `A + 2I`: a capital letter beside the identity, an operator
_BESIDE_I = re.compile(r"(?<![A-Za-z\\_^])([A-Z])\s*[-+]\s*(?:\\[a-z]+\s*|[a-z0-9.]+\s*)?I(?![A-Za-z_^(])"
                       r"|(?<![A-Za-z\\_^])I\s*[-+]\s*(?:\\[a-z]+\s*|[a-z0-9.]+\s*)?([A-Z])(?![A-Za-z_(])")
_I_GIVEN = re.compile(r"(?<![A-Za-z\\])I\s*(?:_\s*\S+\s*)?=(?!=)")


def beside_identity(texts: list[str]) -> dict:
    """Capital letters a card adds to or takes from I (`(I - K)^{-1}`, `T - \\lambda I`): operators, of
    no fixed size, so that I is the identity beside them, not a number. Not on a card that gives I a
    value (`I = 3`, a current or an information)."""
    if any(_I_GIVEN.search(t) for t in texts):
        return {}
    return {name: {TRANSPOSED} for t in texts for pair in _BESIDE_I.findall(t) for name in pair
            if name and name != "I"}


# `a = y - x^*`, `\\quad r = b - c`: a name given as a sum of names, between separators
_SUMMED = re.compile(r"(?:^|[,;&]|\\\\|\\q?quad|\\text\s*\{[^{}]*\})\s*([^=<>,;&]+?)\s*&?\s*=\s*([^=<>,;&]+?)\s*"
                     r"(?=$|[=<>,;&]|\\\\|\\q?quad|\\text)")


def summed(texts: list[str], parse) -> list[tuple[sp.Symbol, ...]]:
    """The names each sum or difference of names the card defines relates (`a = y - x^*`): one shape
    for all, since only vectors of one size add up to a vector. A term scaled by anything but a
    number (`a = \\lambda y + b`) says nothing: λ may be the only scalar in it."""
    from ankigen.check.tokens import tokenize

    groups = []
    for text in texts:
        for m in _SUMMED.finditer(text):
            try:
                target, value = parse(tokenize(m.group(1))), parse(tokenize(m.group(2)))
            except MathError:
                continue
            if not isinstance(target, sp.Symbol) or not isinstance(value, sp.Add):
                continue
            names = [term.as_coeff_Mul()[1] for term in value.args]
            if all(isinstance(n, sp.Symbol) and not n.name.startswith("\\mathrm") for n in names):
                groups.append((target, *names))
    return groups


def shared_shapes(found: dict, groups: list[tuple[sp.Symbol, ...]]) -> dict:
    """`found` (shapes by name) with each name of a group (summed) that has none given the shapes of
    those that have: `a = y - x^*` beside `a^\\top y` makes y and x^* vectors too. A bold name counts as
    a vector of no fixed size."""
    found = {name: set(shapes) for name, shapes in found.items()}
    for _ in range(len(groups)):  # a = y - x, y = u + v: shapes travel along chains
        changed = False
        for group in groups:
            shapes = set().union(*(found.get(s.name, set()) for s in group))
            if not shapes and any(s.is_commutative is False for s in group):
                shapes = {TRANSPOSED}
            for s in group:
                if shapes and s.name not in found and s.is_commutative:
                    found[s.name] = set(shapes)
                    changed = True
        if not changed:
            break
    return found


# `\\Lambda = \\operatorname{diag}(\\lambda_1, …)`: a name given a diagonal matrix
_DIAGONAL = re.compile(r"(?:^|[,;&$]|\\q?quad|\\text\s*\{[^{}]*\})\s*([^=,;&$]+?)\s*=\s*"
                       r"\\(?:operatorname|mathrm|text|textrm)\s*\{\s*diag\s*\}")


def _diagonal(text: str, parse) -> set[str]:
    """The names a formula sets equal to `\\operatorname{diag}(…)`: diagonal, so symmetric."""
    from ankigen.check.tokens import tokenize

    found = set()
    for m in _DIAGONAL.finditer(text):
        try:
            target = parse(tokenize(m.group(1)))
        except MathError:
            continue
        if isinstance(target, sp.Symbol):
            found.add(target.name)
    return found


def _literal_declarations(text: str, parse, found: dict) -> None:
    """`A = \\begin{bmatrix} a & b \\\\ c & d \\end{bmatrix}`: A is a matrix wherever its part of the card
    writes it, so that `AB` keeps its order and `\\det(A)` is a matrix's."""
    from ankigen.check.tokens import tokenize

    for m in _LITERAL.finditer(text):
        head = re.split(r"\\quad|\\qquad|;|,|\\\\|&|\\text\{[^}]*\}|[=<>]", text[:m.start()])[-1].strip()
        body = m.group(2)
        if not head or _DOTTED.search(body):
            continue
        rows = [r for r in _top_split(body, "\\\\") if r.strip()]
        if not rows:
            continue
        try:
            target = parse(tokenize(head))
        except MathError:
            continue
        if isinstance(target, sp.Symbol):
            found.setdefault(target.name, set()).add(WRITTEN)


def _top_split(text: str, sep: str) -> list[str]:
    """`text` cut at `sep` outside braces."""
    out, depth, start, k = [], 0, 0, 0
    while k < len(text):
        ch = text[k]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and text.startswith(sep, k):
            out.append(text[start:k])
            start = k = k + len(sep)
            continue
        k += 1
    out.append(text[start:])
    return out


def _top_commas(text: str) -> list[str]:
    out, depth, start = [], 0, 0
    for k, ch in enumerate(text):
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:k])
            start = k + 1
    out.append(text[start:])
    return out


def _dimensions(toks: list[Tok], parse) -> tuple | None:
    """The exponent of ℝ: `{m \\times n}`, `n`, `{d_k}`, `{1 \\times n}` → (rows, cols)."""
    if not toks:
        return None
    if toks[0].text == "{":
        depth, k = 0, 0
        for k, u in enumerate(toks):
            depth += (u.text == "{") - (u.text == "}")
            if depth == 0:
                break
        inner = toks[1:k]
    else:
        inner = toks[:1]
    parts, current = [], []
    for u in inner:
        if u.text in ("\\times", "*", ",") and u.kind in ("op", "cmd"):
            parts.append(current)
            current = []
        else:
            current.append(u)
    parts.append(current)
    if len(parts) > 2 or any(not p for p in parts):
        return None
    dims = tuple(parse(p) for p in parts)
    return dims if len(dims) == 2 else (dims[0], sp.Integer(1))


def _vector_name(e: sp.Expr) -> bool:
    """A bold lower-case letter: a column vector by the usual convention."""
    if not isinstance(e, sp.Symbol) or e.is_commutative is not False:
        return False
    m = re.match(r"\\(?:mathbf|boldsymbol|bm|vec|pmb|overrightarrow)\{\\?([A-Za-z]+)\}", e.name)
    return bool(m) and (m.group(1)[0].islower())


def _vector_valued(e: sp.Expr) -> bool:
    """A named vector, a sum of them, or one times numbers (`\\vec{u} + \\vec{v}`, `2\\vec{w}`)."""
    if isinstance(e, sp.Add):
        return all(_vector_valued(a) for a in e.args)
    if isinstance(e, sp.Mul):
        vectors = [a for a in e.args if a.is_commutative is False]
        return len(vectors) == 1 and _vector_valued(vectors[0])
    return _vector_name(e)


def _leftmost(e: sp.Expr) -> sp.Expr:
    while isinstance(e, sp.Mul) and e.args:
        e = next((a for a in e.args if a.is_commutative is False), e.args[0])
        if isinstance(e, sp.Symbol):
            break
    return e


def consistent(found: dict) -> dict:
    """The declarations that say one thing: a name given two shapes, or a shape and a scalar, on the
    same part of a card (notes reuse letters) is not declared at all. A name only ever given matrices
    written out is a matrix (WRITTEN), of no one shape."""
    out = {}
    for name, shapes in found.items():
        sized = shapes - {WRITTEN, TRANSPOSED}
        if len(sized) == 1 and next(iter(sized)) != SCALAR:
            out[name] = next(iter(sized))
        elif not sized:
            out[name] = WRITTEN if WRITTEN in shapes else TRANSPOSED
    return out


def same_letters(lhs, rhs):
    """`\\frac{d}{d\\mathbf{x}}(\\mathbf{x}^\\top A \\mathbf{x}) = (\\mathbf{A} + \\mathbf{A}^\\top)\\mathbf{x}`: a plain
    letter beside the bold one in the same claim is the same matrix, written without the bold."""
    sides = [side for side in (lhs, rhs) if side is not None]
    bold = {}
    for side in sides:
        for sym in side.free_symbols:
            m = re.match(r"^\\(?:mathbf|boldsymbol|bm)\{([A-Za-z])\}$", sym.name) if sym.is_commutative is False else None
            if m:
                bold[m.group(1)] = sym
    swaps = {sym: bold[sym.name] for side in sides for sym in side.free_symbols
             if sym.name in bold and sym != bold[sym.name]}
    if not swaps:
        return lhs, rhs
    return lhs.xreplace(swaps), (rhs.xreplace(swaps) if rhs is not None else None)


def symmetrized(expr, shapes: dict, only: set | None = None, definite: bool = False):
    """Each square matrix S (of `only`, if given) as (S + S^T)/2: the claim read for symmetric matrices.
    `definite` (a claim that takes a determinant, |Σ|^{1/2} of a Gaussian): as S S^T + I instead, since
    the symmetric matrices such claims speak of are covariances, positive definite, and a random
    symmetric one would give a negative determinant a root."""
    if expr is None:
        return expr
    swaps = {}
    for sym, (rows, cols) in shapes.items():
        if rows == cols and rows != 1 and (only is None or sym in only):
            swaps[sym] = sym * Transpose(sym) + IDENTITY if definite else (sym + Transpose(sym)) / 2
    if not swaps:
        return expr
    # ∇_A f(A): the function is taken at the symmetric matrix, the gradient still by A itself.
    held = {g: sp.Dummy() for g in expr.atoms(Grad)}
    back = {d: g.func(g.args[0].xreplace(swaps), *g.args[1:]) for g, d in held.items()}
    return expr.xreplace(held).xreplace(swaps).xreplace(back)


def unit_lengths(expr, shapes: dict):
    """The expression for column vectors of length one: each bᵀb is 1, and so is ‖b‖₂; and for
    matrices of such columns, orthonormal ones (ΦᵀΦ = I, as the card says): each ΦᵀΦ is I."""
    vectors = {sym for sym, (rows, cols) in shapes.items() if cols == 1 and rows != 1}
    matrices = {sym for sym, (rows, cols) in shapes.items() if cols != 1 and rows != 1}
    if expr is None or not vectors | matrices:
        return expr

    def drop_pairs(mul: sp.Mul) -> sp.Expr:
        kept: list = []
        identity = False
        for factor in mul.args:
            if kept and factor in vectors | matrices and kept[-1] == Transpose(factor):
                kept.pop()
                identity |= factor in matrices
            else:
                kept.append(factor)
        if identity and all(k.is_commutative for k in kept):
            kept.append(IDENTITY)  # ΦᵀΦ alone is the identity, not the number 1
        return sp.Mul(*kept)

    def one(e) -> bool:
        return e.is_commutative and e.is_number

    out = expr.replace(lambda e: isinstance(e, sp.Mul), drop_pairs)
    out = out.replace(lambda e: isinstance(e, Norm) and e.args[0] in vectors and e.args[1] == 2, lambda e: sp.S.One)
    return out.replace(lambda e: isinstance(e, Inverse) and one(e.args[0]), lambda e: 1 / e.args[0])


def row_gradients(expr, declared: dict):
    """The expression with each gradient of a number by a column vector written as a row, as
    texts that use the numerator layout write ∂f/∂x (Deisenroth et al.: ∂(xᵀa)/∂x = aᵀ)."""
    if expr is None or not expr.has(Grad):
        return expr

    def row(g: Grad) -> bool:
        try:
            return shape_of(g.args[0], declared) == (1, 1) and shape_of(g.args[1], declared)[1] == 1 \
                and shape_of(g.args[1], declared)[0] != 1
        except (ShapeError, Unsupported, TypeError, ValueError, AttributeError):
            return False
    return expr.replace(lambda e: isinstance(e, Grad) and row(e), lambda e: Transpose(e))


def quadratic_forms(*exprs) -> set:
    """The matrices a claim holds in a quadratic form xᵀAx: where notes take symmetry for granted."""
    found = set()
    for expr in exprs:
        for mul in (expr.atoms(sp.Mul) if expr is not None else ()):
            factors = [f for f in mul.args if f.is_commutative is False]
            for k, a in enumerate(factors):  # xᵀ … x, tr(Wᵀ S W): the matrices between
                if not isinstance(a, Transpose):
                    continue
                for j in range(k + 2, len(factors)):
                    if factors[j] == a.args[0]:
                        for m in factors[k + 1:j]:
                            found |= {s for s in m.free_symbols if s.is_commutative is False}
                        break
    return found


def bold_letters(toks: list[Tok]) -> dict:
    """Letters a formula writes in bold (`\\mathbf{A}`) and also plain (`A`): the plain one is the same
    matrix written without the bold, as in `\\frac{d}{d\\mathbf{x}}(\\mathbf{x}^\\top A \\mathbf{x})`."""
    bold = {}
    for k in range(len(toks) - 3):
        if toks[k].text in ("\\mathbf", "\\boldsymbol", "\\bm") and toks[k + 1].text == "{" and toks[k + 3].text == "}" \
                and toks[k + 2].kind == "letter" and toks[k + 2].text.isupper():
            bold[toks[k + 2].text] = f"{toks[k].text}{{{toks[k + 2].text}}}"
    plain = {t.text for t in toks if t.kind == "letter"}
    return {letter: name for letter, name in bold.items() if letter in plain}
