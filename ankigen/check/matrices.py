"""Vectors and matrices in claims: their shapes, and identities decided with explicit matrices.

Owns the matrix representation the reader builds — a vector or matrix is a noncommutative
symbol named as the author wrote it, the operations are the sympy functions below — shape
inference, and the verdicts on matrix claims (`=`, `≠`, membership in ℝ^{m×n}).

Shapes. A declared shape is kept as written. An undeclared bold lower-case letter is a column
vector and an upper-case one a matrix, of sizes unknown until the expression fixes them (a small
union-find). Different letters are different dimensions: with W ∈ ℝ^{m×n}, x ∈ ℝ^{n}, b ∈ ℝ^{m},
`Wx + b ∈ ℝ^{n}` fails, although m = n would satisfy it — writing two letters says they may
differ. A 1×1 result (xᵀy) is a scalar wherever a scalar fits, so (xᵀy) z is a vector. A side
written `0` is a zero matrix of the other side's shape. `\\mathbf{I}` (square), `\\mathbf{0}`
and `\\mathbf{1}` (a column vector), also subscripted (`\\mathbf{I}_{n}`, declared like any
symbol), take at each place they occur the size that place needs; a claim that fails only through
such a size nothing ties down is undecided, not wrong.

Meanings. `Norm(X, p)`: p-norms of a vector (2, 1, ∞, F = 2); of a matrix, 2 and F are the
Frobenius norm (the unsubscripted ‖X‖ of machine learning) and 1 and ∞ the largest column and
row sums. `Softmax` of a column vector normalises the column; of a matrix, each row — the
convention of attention, softmax(QKᵀ). `Grad(F, X)`: for a scalar F, ∂F/∂X in X's shape (the
gradient, denominator layout); for a column vector F (m×1) and X (n×1), the m×n Jacobian; with
respect to a scalar, the entrywise derivative.

Identities are evaluated exactly, with explicit matrices: each free dimension gets a small size
(different letters different sizes, so a transpose too many shows), each matrix random nonzero
rational entries drawn from the seed, each scalar a positive rational (a scalar with the name of
a dimension is that size). The first point where the sides differ is the counterexample. The
work is bounded by counted quantities — sizes, points, entry operations, the size of what is
differentiated — never by time, so a verdict is the same on every machine.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices import MatrixBase
from sympy.printing.pretty.stringpict import prettyForm

from ankigen.check.decide import condition_ranges, inside, meets
from ankigen.model import Verdict

MAX_NODES = 2000  # nodes of one side of a claim
MAX_DIM = 16  # a written size is sampled as written up to this; larger claims are decided by shapes only
MAX_POWER = 12  # A^k is computed up to |k| = 12
MAX_WORK = 150_000  # entry operations over all sampled points of one claim (real claims spend under 1000)
MAX_DIFFERENTIATED = 20_000  # nodes of a function differentiated entry by entry
MAX_BITS = 20_000  # bits of one exact entry: repeated powers grow numbers faster than work counts them
MAX_SHOWN = 6  # rows and columns of a matrix printed in a report
MAX_TERMS = 6  # terms of one sum of vectors or matrices, unrolled at a point (its bound is drawn 2 … 4)
MAX_SYMBOLIC = 4  # determinants and inverses with symbolic entries (inside a gradient) up to 4×4
POINTS = 8
GRADIENT_POINTS = 4  # a gradient is taken entry by entry at each point, the costliest of all values
MIN_VALID = 4
REDRAWS = 4  # a point whose matrices make an inverse singular is drawn again
SIZES = 5  # free dimensions take sizes 2 … 6
_PRECISION = 60

IDENTITY = sp.Symbol(r"\mathbf{I}", commutative=False)
ZEROS = sp.Symbol(r"\mathbf{0}", commutative=False)
ONES = sp.Symbol(r"\mathbf{1}", commutative=False)
_SPECIAL = {IDENTITY.name: "identity", ZEROS.name: "zeros", ONES.name: "ones"}
_ONE = sp.Integer(1)
_SCALAR = (_ONE, _ONE)


class ShapeError(Exception):
    """A product, sum or comparison whose shapes do not fit: certainly wrong, whatever the values.
    `sides` holds the two shapes as text when the two sides of a relation differ."""

    def __init__(self, message: str, sides: tuple[str, str] = ("", "")) -> None:
        super().__init__(message)
        self.message = message
        self.sides = sides


class _NotSquare(ShapeError):
    """An inverse, power or determinant of a matrix whose rows and columns are two sizes."""

    def __init__(self, message: str, conflict: tuple) -> None:
        super().__init__(message)
        self.conflict = conflict


class Unsupported(Exception):
    """A construct this module does not give a meaning to (a matrix to a symbolic power, ∂F/∂X of a
    matrix F with respect to a matrix X): the claim is undecided, never wrong."""


class OneEntry(Unsupported):
    """The shapes would make an undeclared vector or matrix a single entry: a question for the author."""


class TooLarge(Exception):
    """More counted work than the budget allows."""


class _Singular(Exception):
    pass


# --- the operations ----------------------------------------------------------------------------


class _Operation(sp.Function):
    """Kept as written: nothing evaluates when the reader builds it (the tree is the claim).
    sympy makes a function of a noncommutative argument noncommutative; the scalar-valued
    operations say they commute."""

    @classmethod
    def eval(cls, *args):
        return None

    # sympy's printers know matrix-expression classes of the same names (Transpose, Inverse,
    # Trace) and would print these as those, which fails: each printer gets its own form here.
    def _sympystr(self, printer) -> str:
        return f"{type(self).__name__}({', '.join(printer._print(a) for a in self.args)})"

    def _latex(self, printer) -> str:
        return author_latex(self)

    def _pretty(self, printer) -> prettyForm:
        return prettyForm(sp.sstr(self))


class Transpose(_Operation):
    nargs = 1


class Inverse(_Operation):
    nargs = 1


class Trace(_Operation):
    nargs = 1
    is_commutative = True

    @classmethod
    def eval(cls, arg):
        # a stated constraint put in (W^T W - I = 0 in tr(Θ^T (W^T W - I))) leaves a trace of nothing
        return sp.S.Zero if arg == 0 else None


class Det(_Operation):
    nargs = 1
    is_commutative = True


# the names a card writes these under (\operatorname{tr}, \text{Tr}, \det …), and what each builds
OPERATOR_NAMES = {"tr": Trace, "Tr": Trace, "trace": Trace, "det": Det}


class Norm(_Operation):
    """Norm(X, p), p one of 2, 1, oo, Symbol("F") (see the module docstring)."""

    nargs = 2
    is_commutative = True


class Hadamard(_Operation):
    nargs = 2


class Elementwise(_Operation):
    """Elementwise(f, X): the sp.Lambda f of one variable applied to each entry of X."""

    nargs = 2


class Softmax(_Operation):
    """Of a column vector, over the column; of a matrix, over each row (attention's convention)."""

    nargs = 1


class Grad(_Operation):
    """Grad(F, X): the gradient of a scalar F (X's shape) or the Jacobian of a column vector F."""

    nargs = 2


class Member(_Operation):
    """Member(family, index, …): the vector or matrix `\\mathbf{x}_i` of a family at an index a sum
    around it binds (`\\sum_i \\mathbf{x}_i \\mathbf{x}_i^T`). Every member has the family's shape
    and a value of its own; the family is a noncommutative symbol whose name ends in FAMILY."""

    is_commutative = False


def family(name: str) -> sp.Symbol:
    """The symbol that carries the shape of the members `name_i` (\\mathbf{x} for \\mathbf{x}_i)."""
    return sp.Symbol(name + FAMILY, commutative=False)


FAMILY = "_{\\cdot}"


# Environments that write a matrix out entry by entry (vmatrix: its determinant).
WRITTEN_MATRICES = ("bmatrix", "pmatrix", "matrix", "Bmatrix", "smallmatrix", "array", "vmatrix")
WRITTEN_MATRIX = re.compile(r"\\begin\{(%s)\}.*?\\end\{\1\}" % "|".join(WRITTEN_MATRICES), re.S)


class Literal(_Operation):
    """A matrix written out entry by entry (`\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}`):
    Literal(rows, cols, *entries), the entries numbers or scalar expressions, row by row. It never
    commutes, whatever its entries: [1 2][3 4]ᵀ is not [3 4][1 2]ᵀ."""

    is_commutative = False

    @property
    def rows(self) -> int:
        return int(self.args[0])

    @property
    def cols(self) -> int:
        return int(self.args[1])

    @property
    def entries(self) -> tuple:
        return self.args[2:]


def is_matrix(expr) -> bool:
    """Whether the expression involves a vector or matrix (a noncommutative symbol or a written matrix)."""
    if not isinstance(expr, sp.Basic):
        return False
    # one walk over the tree for both (this runs for every claim, scalar ones too)
    return any(isinstance(a, Literal) or a.is_commutative is False for a in expr.atoms(sp.Symbol, Literal))


def _special(symbol: sp.Symbol) -> str | None:
    """identity, zeros or ones for \\mathbf{I}, \\mathbf{0}, \\mathbf{1} and their subscripted forms."""
    for name, kind in _SPECIAL.items():
        if symbol.name == name or symbol.name.startswith(name + "_"):
            return kind
    return None


_WRAPPERS = re.compile(r"\\(?:mathbf|boldsymbol|bm|vec|mathbfit|mathrm|mathit|mathsf|hat|widehat|tilde|"
                       r"widetilde|bar|overline|dot|ddot|check|breve)(?![A-Za-z])|[{}\s]")


def is_vector_name(name: str) -> bool:
    """A lower-case base letter (\\mathbf{x}_{i}, \\boldsymbol{\\theta}, \\vec{v}) names a vector."""
    core = _WRAPPERS.sub("", name)
    if core.startswith("\\"):
        core = core[1:]
    return bool(core) and core[0].isalpha() and core[0].islower()


def letter_of(name: str) -> str:
    """The letter a name is written with, without its bold or accent and subscript: z of
    \\boldsymbol{z}_{i}, of \\mathbf{z} and of z_{i}; \\theta of \\boldsymbol{\\theta}."""
    return re.match(r"\\?[A-Za-z]+|.?", _WRAPPERS.sub("", name.partition("_")[0])).group(0)


# --- printing in the author's form -------------------------------------------------------------

_FUNCTION_NAMES = {"exp": r"\exp", "log": r"\log", "sin": r"\sin", "cos": r"\cos", "tan": r"\tan",
                   "tanh": r"\tanh", "sinh": r"\sinh", "cosh": r"\cosh", "Max": r"\max", "Min": r"\min"}


def author_latex(expr) -> str:
    """An expression as LaTeX in the author's names, for messages: `\\mathbf{W} \\mathbf{x} + \\mathbf{b}`."""
    try:
        return _latex(expr)
    except Exception:  # noqa: BLE001 — printing must never stop a report
        return str(expr)


def _latex(e) -> str:
    if isinstance(e, sp.Symbol):
        return e.name
    if isinstance(e, sp.Number):
        return _number(e)
    printer = _PRINTERS.get(type(e))
    if printer is not None:
        return printer(e)
    if isinstance(e, sp.Add):
        return _sum_latex(e)
    if isinstance(e, sp.Mul):
        return _product_latex(e)
    if isinstance(e, sp.Pow):
        return _power_latex(e)
    if isinstance(e, sp.Abs):
        return rf"\lvert {_latex(e.args[0])} \rvert"
    if isinstance(e, sp.Function):
        name = type(e).__name__
        head = name if isinstance(e, AppliedUndef) else _FUNCTION_NAMES.get(name, rf"\operatorname{{{name}}}")
        return f"{head}({', '.join(_latex(a) for a in e.args)})"
    return sp.sstr(e)


def _number(n: sp.Number) -> str:
    if n is sp.oo:
        return r"\infty"
    if n.is_Rational and not n.is_Integer:
        sign = "-" if n < 0 else ""
        return rf"{sign}\frac{{{abs(n.p)}}}{{{n.q}}}"
    return sp.sstr(n)


def _group(text: str) -> str:
    return f"({text})"


def _base(e) -> str:
    """A power's or transpose's base, in parentheses unless it is one symbol or a call."""
    plain = isinstance(e, (sp.Symbol, Trace, Det, Norm, Softmax, Elementwise)) or (e.is_Integer and e >= 0)
    return _latex(e) if plain else _group(_latex(e))


def _factor(e) -> str:
    return _group(_latex(e)) if isinstance(e, sp.Add) else _latex(e)


def _term_order(term: sp.Basic) -> tuple:
    """The order people write terms in: products, then lone symbols, then numbers, subtracted
    terms last (`W x + b`, `n + 1`, `x - y`); sympy's own order is alphabetical."""
    return (term.could_extract_minus_sign(), term.is_Number, isinstance(term, sp.Symbol))


def _sum_latex(e: sp.Add) -> str:
    terms = [_latex(t) for t in sorted(e.args, key=_term_order)]
    out = terms[0]
    for t in terms[1:]:
        out += f" - {t[1:]}" if t.startswith("-") else f" + {t}"
    return out


def _product_latex(e: sp.Mul) -> str:
    factors = list(e.args)
    sign = ""
    if factors[0].is_Number and factors[0] < 0:
        sign, factors[0] = "-", -factors[0]
    if factors[0] == 1 and len(factors) > 1:
        factors = factors[1:]
    return sign + " ".join(_factor(f) for f in factors)


def _power_latex(e: sp.Pow) -> str:
    base, exp = e.args
    if exp == -1 and e.is_commutative:
        return rf"\frac{{1}}{{{_latex(base)}}}"
    if exp == sp.Rational(1, 2):
        return rf"\sqrt{{{_latex(base)}}}"
    return f"{_base(base)}^{{{_latex(exp)}}}"


def _norm_latex(e: Norm) -> str:
    x, p = e.args
    sub = {2: "", 1: "_1", sp.oo: r"_\infty"}.get(p, f"_{{{_latex(p)}}}")
    return rf"\lVert {_latex(x)} \rVert{sub}"


def _elementwise_latex(e: Elementwise) -> str:
    f, x = e.args
    return _latex(f(sp.Symbol(_base(x)))) if isinstance(f, sp.Lambda) else sp.sstr(e)


_PRINTERS = {
    Transpose: lambda e: _base(e.args[0]) + r"^\top",
    Inverse: lambda e: _base(e.args[0]) + "^{-1}",
    Trace: lambda e: rf"\operatorname{{tr}}({_latex(e.args[0])})",
    Det: lambda e: rf"\det({_latex(e.args[0])})",
    Norm: _norm_latex,
    Hadamard: lambda e: " \\odot ".join(_base(a) for a in e.args),
    Elementwise: _elementwise_latex,
    Softmax: lambda e: rf"\operatorname{{softmax}}({_latex(e.args[0])})",
    Literal: lambda e: r"\begin{bmatrix} " + r" \\ ".join(
        " & ".join(_latex(x) for x in e.entries[r * e.cols:(r + 1) * e.cols]) for r in range(e.rows))
    + r" \end{bmatrix}",
    Grad: lambda e: rf"\nabla_{{{_latex(e.args[1])}}} {_base(e.args[0])}",
    Member: lambda e: e.args[0].name.removesuffix(FAMILY) + "_{" + ",".join(_latex(i) for i in e.args[1:]) + "}",
}


def _show_dim(d: sp.Expr) -> str:
    if isinstance(d, sp.Dummy):
        return "?"  # a size nothing has fixed yet
    return _group(_latex(d)) if isinstance(d, (sp.Add, sp.Mul)) else _latex(d)


def show_shape(shape: tuple) -> str:
    """A shape as it is written in ℝ^{m×n}: `m×n`, `n×1` for a column vector, `1×1` for a scalar;
    a size nothing fixed is `?`."""
    return "×".join(_show_dim(d) for d in shape)


# --- dimensions ----------------------------------------------------------------------------------


def _dim(value) -> sp.Expr:
    """A written dimension: a positive whole number or an expression in whole-number symbols
    (named as written, so `n` of one declaration is `n` of another)."""
    if isinstance(value, (bool, str)):
        raise Unsupported(f"{value!r} is not a dimension")
    d = sp.Integer(value) if isinstance(value, int) else value
    if not isinstance(d, sp.Expr):
        raise Unsupported(f"{value!r} is not a dimension")
    if isinstance(d, sp.Dummy):
        return d
    if d.is_Integer:
        if d < 1:
            raise Unsupported(f"{d} is not a dimension")
        return d
    if not d.free_symbols:
        raise Unsupported(f"{author_latex(d)} is not a dimension")
    return d.xreplace({s: _dim_symbol(s.name) for s in d.free_symbols if not isinstance(s, sp.Dummy)})


def _dim_symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, positive=True)


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    return a == b or sp.expand(a - b) == 0


class _Dims:
    """Unknown sizes (dummies) joined into classes; a class may be fixed to one written dimension.
    Two written dimensions are equal only when they are the same expression. An unknown size of
    an undeclared vector or matrix (its owner) never silently becomes 1: a bold x the claim can
    only read as a single number is a question for the author, not a 1-vector to check."""

    def __init__(self) -> None:
        self.parent: dict[sp.Dummy, sp.Dummy] = {}
        self.value: dict[sp.Dummy, sp.Expr] = {}
        self.owner: dict[sp.Dummy, str] = {}
        self.order: list[sp.Dummy] = []

    def copy(self) -> "_Dims":
        other = _Dims()
        other.parent, other.value, other.owner = dict(self.parent), dict(self.value), dict(self.owner)
        other.order = list(self.order)
        return other

    def fresh(self, owner: str = "") -> sp.Dummy:
        d = self.adopt(sp.Dummy("k", integer=True, positive=True))
        if owner:
            self.owner[d] = owner
        return d

    def adopt(self, d: sp.Dummy) -> sp.Dummy:
        if d not in self.parent:
            self.parent[d] = d
            self.order.append(d)
        return d

    def resolve(self, d: sp.Expr) -> sp.Expr:
        """The written dimension of d's class, or the class's unknown."""
        if d not in self.parent:
            return d
        while self.parent[d] != d:
            self.parent[d] = self.parent[self.parent[d]]
            d = self.parent[d]
        return self.value.get(d, d)

    def unify(self, a: sp.Expr, b: sp.Expr) -> tuple | None:
        """Make a and b one size; the two written dimensions in the way when they cannot be."""
        va, vb = self.resolve(a), self.resolve(b)
        if va in self.parent and vb in self.parent:
            if va != vb:
                self.parent[vb] = va
                if vb in self.owner:
                    self.owner.setdefault(va, self.owner[vb])
        elif va in self.parent:
            self._fix(va, vb)
        elif vb in self.parent:
            self._fix(vb, va)
        elif not _same(va, vb):
            return (va, vb)
        return None

    def _fix(self, root: sp.Dummy, value: sp.Expr) -> None:
        if value == 1 and root in self.owner:
            name = self.owner[root]
            question = OneEntry if is_vector_name(name) else Unsupported  # a row of a matrix may be meant
            raise question(f"the shapes here would make {name} a single row or column of one entry; "
                              f"declare its shape (such as {name} \\in \\mathbb{{R}}^{{1}}) if that is meant")
        self.value[root] = value


def one_entry_name(detail: str) -> str:
    """The name a "one entry" verdict's detail is about (as _Dims._fix writes it), or ""."""
    found = re.match(r"the shapes here would make (.+?) a single row or column of one entry", detail)
    return found.group(1) if found else ""


def _conflict_text(conflict: tuple) -> str:
    return f"{_show_dim(conflict[0])} ≠ {_show_dim(conflict[1])}"


# --- shape inference -----------------------------------------------------------------------------


class _Shapes:
    """Walks the sides of a claim once, giving every node a shape. What only a place in the tree
    knows — the size of each \\mathbf{I}, whether a Grad is a gradient or a Jacobian — is kept
    by path (side index, then argument indices), for evaluation to read back."""

    def __init__(self, declared: dict) -> None:
        self.dims = _Dims()
        self.declared = {}
        for sym, shape in declared.items():
            if isinstance(sym, sp.Symbol) and sym.is_commutative is False:
                self.declared[sym] = self.written(shape)
        self.symbols: dict[sp.Symbol, tuple] = {}
        self.at: dict[tuple, object] = {}
        self.sides: list[tuple] = []
        self._matrix: dict[sp.Basic, bool] = {}

    def written(self, shape) -> tuple:
        """A declared or claimed shape: (rows, cols), or (n,) for a column vector."""
        dims = tuple(shape)
        if len(dims) == 1:
            dims = (dims[0], 1)
        if len(dims) != 2:
            raise Unsupported(f"{shape!r} is not a shape")
        out = tuple(_dim(d) for d in dims)
        for d in out:
            for s in d.atoms(sp.Dummy):
                self.dims.adopt(s)
        return out

    def resolved(self, shape: tuple) -> tuple:
        return tuple(self.dims.resolve(d) for d in shape)

    def text(self, shape: tuple) -> str:
        return show_shape(self.resolved(shape))

    def is_scalar(self, shape: tuple) -> bool:
        return all(self.dims.resolve(d) == 1 for d in shape)

    def is_one(self, d: sp.Expr) -> bool:
        return self.dims.resolve(d) == 1

    def matches(self, a: tuple, b: tuple) -> tuple | None:
        """Unify two shapes; on a conflict nothing changes and the conflict is returned."""
        saved = self.dims.copy()
        try:
            for x, y in zip(a, b):
                conflict = self.dims.unify(x, y)
                if conflict:
                    self.dims = saved
                    return conflict
        except Unsupported:
            self.dims = saved
            raise
        return None

    def has_matrix(self, e: sp.Basic) -> bool:
        if e not in self._matrix:
            self._matrix[e] = is_matrix(e)
        return self._matrix[e]

    def of(self, e: sp.Basic, path: tuple) -> tuple:
        """The shape of e (unknown sizes as dummies), unifying what e requires."""
        if len(path) == 1 and e == 0:  # a side written 0 is the zero matrix of the other side's shape
            self.at[path] = (self.dims.fresh(), self.dims.fresh())
            return self.at[path]
        if not self.has_matrix(e):
            return _SCALAR
        if isinstance(e, sp.Symbol):
            return self._symbol(e, path)
        for kind, walk in _WALKS:
            if isinstance(e, kind):
                return walk(self, e, path)
        if isinstance(e, sp.Function) and not isinstance(e, AppliedUndef):
            for i, a in enumerate(e.args):  # a scalar function: evaluation insists each argument is 1×1
                self.of(a, path + (i,))
            return _SCALAR
        raise Unsupported(f"{author_latex(e)}: {type(e).__name__} of a vector or matrix is not modelled")

    def _symbol(self, e: sp.Symbol, path: tuple) -> tuple:
        kind = _special(e)
        if kind:
            shape = self.declared.get(e) or (self.dims.fresh(), _ONE if kind == "ones" else self.dims.fresh())
            if kind == "identity":
                self._square(e, shape, "use {} as an identity matrix", yielding=False)
            self.at[path] = shape
            return shape
        if e not in self.symbols:
            if e in self.declared:
                self.symbols[e] = self.declared[e]
            elif is_vector_name(e.name):
                self.symbols[e] = (self.dims.fresh(e.name), _ONE)
            else:
                self.symbols[e] = (self.dims.fresh(e.name), self.dims.fresh(e.name))
        return self.symbols[e]

    def _square(self, e, shape: tuple, action: str, yielding: bool = True) -> tuple:
        """`action` names the operand `{}`: "invert {}", "raise {} to the power 2". `yielding`: an
        operation that shows the author means the matrix square (see _infer)."""
        operand = f"{author_latex(e)} ({self.text(shape)})"
        conflict = self.matches((shape[0],), (shape[1],))
        if conflict:
            message = f"cannot {action.format(operand)}: it is not square ({_conflict_text(conflict)})"
            raise _NotSquare(message, conflict) if yielding else ShapeError(message)
        return shape

    def _sum(self, e: sp.Add, path: tuple) -> tuple:
        """Term by term, in the order people write them (sympy keeps `x - y` as `-y + x`)."""
        terms = sorted(enumerate(e.args), key=lambda item: _term_order(item[1]))
        shape = self.of(terms[0][1], path + (terms[0][0],))
        for done, (i, t) in enumerate(terms[1:], 1):
            s = self.of(t, path + (i,))
            before, after = self.text(shape), self.text(s)
            question = None
            try:
                conflict = self.matches(shape, s)
            except Unsupported as exc:  # x + ε would make x one entry, unless ε is added to each
                conflict, question = (shape[0], s[0]), exc
            numeral = t.is_number or all(u.is_number for _, u in terms[:done])
            broadcast = self._broadcast(shape, s, numeral) if conflict else None
            if broadcast is not None:  # XW + b with b a row: added to every row, as ML notes mean
                shape = broadcast
                continue
            if question is not None:
                raise question
            if conflict:
                so_far, why = author_latex(sp.Add(*[term for _, term in terms[:done]])), _conflict_text(conflict)
                if t.could_extract_minus_sign():
                    raise ShapeError(f"cannot subtract {author_latex(-t)} ({after}) from {so_far} ({before}): {why}")
                raise ShapeError(f"cannot add {so_far} ({before}) and {author_latex(t)} ({after}): {why}")
        return shape

    def _broadcast(self, a: tuple, b: tuple, numeral: bool = False) -> tuple | None:
        """A row (1×q) or column (n×1) vector added to an n×q matrix: the shape of the matrix, when
        the other dimension agrees. A number written as a numeral (`1 - \\mathbf{Z}_t`) is added to
        every entry, and so is a scalar to a vector (`\\mathbf{X}\\mathbf{w} + b`); a scalar symbol is
        never added to a matrix: `A + \\lambda` is a mistake for `A + \\lambda I`."""
        for small, big in ((a, b), (b, a)):
            if self.is_scalar(big):
                continue
            if self.is_scalar(small):
                if numeral or self.is_one(big[0]) or self.is_one(big[1]):
                    return big
                continue
            if self.is_one(small[0]) and not self.is_one(big[0]) and self.matches((small[1],), (big[1],)) is None:
                return big
            if self.is_one(small[1]) and not self.is_one(big[1]) and self.matches((small[0],), (big[0],)) is None:
                return big
        return None

    def _product(self, e: sp.Mul, path: tuple) -> tuple:
        """Left to right; a 1×1 factor or partial product multiplies as a scalar."""
        factors, shape = e.args, None
        for i, f in enumerate(factors):
            for s in self._factor(f, path + (i,)):
                if shape is None or self.is_scalar(shape):
                    shape = s
                elif not self.is_scalar(s):
                    before, after = self.text(shape), self.text(s)
                    conflict = self.matches((shape[1],), (s[0],))
                    if conflict:
                        raise ShapeError(f"cannot multiply {author_latex(sp.Mul(*factors[:i]))} ({before}) by "
                                         f"{author_latex(f)} ({after}): {_conflict_text(conflict)}")
                    shape = (shape[0], s[1])
        return shape

    def _factor(self, f, path: tuple) -> list:
        """The shapes a factor multiplies by: one, or a vector's once per repeat (sympy writes the
        b b of `(b^T b) b` as b²; a vector squared is no product)."""
        if _repeated_vector(f):
            base = self.of(f.args[0], path + (0,))
            if not self.is_scalar(base) and self.is_one(base[0]) != self.is_one(base[1]):
                return [base] * int(f.args[1])
        return [self.of(f, path)]

    def _power(self, e: sp.Pow, path: tuple) -> tuple:
        base, exp = e.args
        shape = self.of(base, path + (0,))
        if self.has_matrix(exp):
            self.of(exp, path + (1,))
        if e.is_commutative or exp == 1:
            return shape if exp == 1 else _SCALAR
        if self.is_scalar(shape):  # 1/(1 + e^{-θ^T x}): θ^T x is a number, and so is any power of it
            return _SCALAR
        if not (exp.is_Integer and exp > 0) and (self.is_one(shape[0]) or self.is_one(shape[1])):
            raise Unsupported(f"a root or a quotient of vectors ({author_latex(e)}) is taken entry by entry in "
                              "notes; it is not read")
        return self._square(base, shape, "raise {} to the power " + author_latex(exp))

    def _grad(self, e: Grad, path: tuple) -> tuple:
        f, var = e.args
        fs = self.of(f, path + (0,))
        if isinstance(var, sp.Symbol) and var.is_commutative:
            self.at[path] = "scalar"
            return fs
        if not isinstance(var, sp.Symbol) or _special(var):
            raise Unsupported(f"a derivative with respect to {author_latex(var)}: only with respect to a named "
                              "vector or matrix")
        vs = self.of(var, path + (1,))
        if self.is_scalar(fs):
            self.at[path] = "gradient"
            return vs
        if self.is_one(fs[1]) and self.is_one(vs[1]):
            self.at[path] = "jacobian"
            return (fs[0], vs[0])
        raise Unsupported(f"the derivative of {author_latex(f)} ({self.text(fs)}) with respect to "
                          f"{author_latex(var)} ({self.text(vs)}) is neither a gradient nor a Jacobian")

    def _hadamard(self, e: Hadamard, path: tuple) -> tuple:
        a, b = e.args
        sa, sb = self.of(a, path + (0,)), self.of(b, path + (1,))
        before, after = self.text(sa), self.text(sb)
        conflict = self.matches(sa, sb)
        if conflict:
            raise ShapeError(f"cannot take the elementwise product of {author_latex(a)} ({before}) and "
                             f"{author_latex(b)} ({after}): {_conflict_text(conflict)}")
        return sa

    def _elementwise(self, e: Elementwise, path: tuple) -> tuple:
        f, x = e.args
        if not isinstance(f, sp.Lambda) or len(f.variables) != 1:
            raise Unsupported(f"{sp.sstr(f)} is not a function of one variable")
        return self.of(x, path + (1,))


def _transpose_shape(self: _Shapes, e, path) -> tuple:
    rows, cols = self.of(e.args[0], path + (0,))
    return (cols, rows)


def _member_shape(self: _Shapes, e: Member, path) -> tuple:
    return self._symbol(e.args[0], path + (0,))


def _literal_shape(self: _Shapes, e: Literal, path) -> tuple:
    for k, x in enumerate(e.entries):
        if not self.is_scalar(self.of(x, path + (k + 2,))):
            raise Unsupported(f"{author_latex(e)}: a matrix of matrices is not modelled")
    shape = (sp.Integer(e.rows), sp.Integer(e.cols))
    self.at[path] = shape
    return shape


def _squared(action: str, result_is_scalar: bool):
    def walk(self: _Shapes, e, path) -> tuple:
        arg = e.args[0]
        shape = self._square(arg, self.of(arg, path + (0,)), action)
        return _SCALAR if result_is_scalar else shape
    return walk


def _repeated_vector(f) -> bool:
    """A non-commuting factor to a whole power of 2 or more: a matrix's power, or a vector written
    twice in a row (`(b^T b) b`), which sympy gathers as b²."""
    return isinstance(f, sp.Pow) and not f.is_commutative and f.args[1].is_Integer and f.args[1] >= 2


def _norm_shape(self: _Shapes, e, path) -> tuple:
    self.of(e.args[0], path + (0,))
    return _SCALAR


_WALKS = (
    (sp.Add, _Shapes._sum), (sp.Mul, _Shapes._product), (sp.Pow, _Shapes._power),
    (Transpose, _transpose_shape), (Inverse, _squared("invert {}", False)),
    (Trace, _squared("take the trace of {}", True)), (Det, _squared("take the determinant of {}", True)),
    (Norm, _norm_shape), (Hadamard, _Shapes._hadamard), (Elementwise, _Shapes._elementwise),
    (Softmax, lambda self, e, path: self.of(e.args[0], path + (0,))), (Grad, _Shapes._grad),
    (Literal, _literal_shape), (Member, _member_shape),
    (sp.Sum, lambda self, e, path: self.of(e.function, path + (0,))),  # the bounds are numbers
)


def _infer(sides: list, declared: dict, equated: int = -1) -> _Shapes:
    """The shapes of the sides. A claim (equated ≥ 0) that inverts or squares a matrix declared with
    two letters is about a square one; elsewhere (a definition, a shape asked for) it is a mismatch."""
    try:
        return _infer_as_declared(sides, declared)
    except _NotSquare as exc:
        if equated < 0:
            raise
        a, b = exc.conflict
        written = {d for shape in declared.values() for d in shape if isinstance(d, sp.Symbol)}
        if equated >= 3 or not ({a, b} <= {_dim(d) for d in written if not isinstance(d, sp.Dummy)}):
            raise
        # `A^{-1}` of an A declared m×n, as a textbook's list of the inverse's properties writes
        # it under a definition for any matrix: the claim is about a square A (m = n) and is
        # checked as such. Written numbers (3×2) never give way.
        equal = {d: a for d in written if not isinstance(d, sp.Dummy) and _dim(d) == b}
        return _infer(sides, {sym: tuple(d.xreplace(equal) if isinstance(d, sp.Basic) else d for d in shape)
                              for sym, shape in declared.items()}, equated + 1)


def _infer_as_declared(sides: list, declared: dict) -> _Shapes:
    shapes = _Shapes(declared)
    shapes.sides = [shapes.of(side, (i,)) for i, side in enumerate(sides)]
    for i in range(1, len(sides)):
        a, b = shapes.sides[i - 1], shapes.sides[i]
        before, after = shapes.text(a), shapes.text(b)
        conflict = shapes.matches(a, b)
        if conflict:
            raise ShapeError(f"the sides have different shapes: {author_latex(sides[i - 1])} is {before}, "
                             f"{author_latex(sides[i])} is {after} ({_conflict_text(conflict)})", (before, after))
    return shapes


def infer_shapes(sides: list, declared: dict) -> dict:
    """Every matrix symbol's shape (rows, cols) once all the sides are unified (sizes nothing fixes
    are sympy Dummies, shown `?`); ShapeError on any mismatch, Unsupported on what is not modelled."""
    shapes = _infer(sides, declared)
    return {sym: shapes.resolved(shape) for sym, shape in shapes.symbols.items()}


def shape_of(expr, shapes: dict) -> tuple:
    """The shape (rows, cols) of an expression given its symbols' shapes; a scalar is (1, 1)."""
    found = _infer([expr], shapes)
    return found.resolved(found.sides[0])


# --- evaluation ----------------------------------------------------------------------------------


def _tidy(value):
    """A 1×1 matrix is its entry: it is a scalar wherever a scalar fits."""
    if isinstance(value, MatrixBase):
        return value[0, 0] if value.shape == (1, 1) else sp.ImmutableMatrix(value)
    return value


def _broadcast_values(a, b):
    """A row or column vector, or a number, repeated to the other matrix's shape (shapes were checked)."""
    if isinstance(a, MatrixBase) != isinstance(b, MatrixBase):
        if isinstance(a, MatrixBase):
            return a, sp.ImmutableMatrix(a.rows, a.cols, [b] * (a.rows * a.cols))
        return sp.ImmutableMatrix(b.rows, b.cols, [a] * (b.rows * b.cols)), b
    if not (isinstance(a, MatrixBase) and isinstance(b, MatrixBase)) or a.shape == b.shape:
        return a, b
    (ra, ca), (rb, cb) = a.shape, b.shape
    rows, cols = max(ra, rb), max(ca, cb)

    def grow(m):
        return sp.ImmutableMatrix(rows, cols, lambda i, j: m[i if m.rows > 1 else 0, j if m.cols > 1 else 0])
    return grow(a), grow(b)


def _as_matrix(value) -> sp.ImmutableMatrix:
    return value if isinstance(value, MatrixBase) else sp.ImmutableMatrix([[value]])


def _as_scalar(value, what: str):
    if isinstance(value, MatrixBase):
        raise Unsupported(f"{what} applies to a scalar, not to a {value.rows}×{value.cols} matrix")
    return value


class _Evaluator:
    """Values of the nodes of a claim at one point: explicit sympy matrices, or scalars."""

    def __init__(self, shapes: _Shapes, sizes: dict, matrices: dict, scalars: dict, budget: list,
                 whole: frozenset = frozenset(), tag: str = "") -> None:
        self.shapes, self.sizes, self.matrices, self.scalars = shapes, sizes, matrices, scalars
        self.budget = budget  # [entry operations left], shared by every point of a claim
        self.tag = tag
        self.env: dict = {}  # the indices of the sums around the node being evaluated
        self.members: dict = {}  # the value of each member of a family met so far (x_{2}, y_{3})
        # names whose values are whole numbers at every point (dimensions), so A^{n} is a product
        self.whole = whole | {d.name for d in sizes if not isinstance(d, sp.Dummy)}

    def spend(self, work: int) -> None:
        self.budget[0] -= work
        if self.budget[0] < 0:
            raise TooLarge(f"more than {MAX_WORK} entry operations")

    def size(self, d: sp.Expr) -> int:
        value = self.shapes.dims.resolve(d).xreplace(self.sizes)
        if value.has(sp.Dummy):
            raise Unsupported("a size that nothing in the claim fixes")
        if not value.is_Integer or not 1 <= value <= MAX_DIM:
            raise TooLarge(f"a size of {_show_dim(value)}")
        return int(value)

    def shape(self, shape: tuple) -> tuple[int, int]:
        return self.size(shape[0]), self.size(shape[1])

    def value(self, e: sp.Basic, path: tuple):
        if e == 0 and path in self.shapes.at:
            return _tidy(sp.zeros(*self.shape(self.shapes.at[path])))
        if not self.shapes.has_matrix(e):
            return self._scalar(e)
        if isinstance(e, sp.Symbol):
            return self._symbol(e, path)
        for kind, method in _EVALUATIONS:
            if isinstance(e, kind):
                return _bounded(_tidy(method(self, e, path)))
        if isinstance(e, sp.Function) and not isinstance(e, AppliedUndef):
            args = [_as_scalar(self.value(a, path + (i,)), author_latex(e)) for i, a in enumerate(e.args)]
            return e.func(*args)
        raise Unsupported(f"{author_latex(e)} is not modelled")

    def _symbol(self, e: sp.Symbol, path: tuple):
        kind = _special(e)
        if kind is None:
            return _tidy(self.matrices[e])
        rows, cols = self.shape(self.shapes.at[path])
        made = {"identity": sp.eye, "zeros": sp.zeros, "ones": sp.ones}[kind]
        return _tidy(made(rows) if kind == "identity" else made(rows, cols))

    def args(self, e, path) -> list:
        return [self.value(a, path + (i,)) for i, a in enumerate(e.args)]

    def _scalar(self, e):
        if self.env:
            e = e.xreplace(self.env)
        e = e.xreplace(self.scalars)
        return self._unrolled(e) if e.has(sp.Sum, sp.Indexed) else e

    def _unrolled(self, e):
        """A scalar with its sums written out term by term and its family members given values."""
        if isinstance(e, sp.Sum):
            terms = [self._unrolled(e.function.xreplace(env)) for env in self._indices(e.limits)]
            self.spend(len(terms))
            return sp.Add(*terms)
        if isinstance(e, sp.Indexed) and all(i.is_Integer for i in e.indices):
            return self._element(e)
        if not e.args or not e.has(sp.Sum, sp.Indexed):
            return e
        return e.func(*[self._unrolled(a) for a in e.args])

    def _indices(self, limits, env: dict | None = None):
        """Every value of a sum's indices, the outermost first (sympy lists it last)."""
        env = env or {}
        if not limits:
            yield env
            return
        *inner, (index, low, high) = limits
        first, last = (self._whole(bound, env) for bound in (low, high))
        if last - first + 1 > MAX_TERMS:
            raise TooLarge(f"a sum of {last - first + 1} terms")
        if last < first:
            raise Unsupported("a sum of no terms")
        for k in range(first, last + 1):
            yield from self._indices(inner, {**env, index: sp.Integer(k)})

    def _whole(self, bound, env: dict) -> int:
        value = bound.xreplace({**self.env, **env}).xreplace(self.scalars)
        if not value.is_Integer:
            raise Unsupported(f"a sum up to {author_latex(bound)}, which is not a whole number here")
        return int(value)

    def _terms(self, e: sp.Sum, path):
        total = None
        for env in self._indices(e.limits):
            saved, self.env = self.env, {**self.env, **env}
            try:
                term = self.value(e.function, path + (0,))
            finally:
                self.env = saved
            if total is not None:
                self.spend(_entries(term))
                total, term = _broadcast_values(total, term)
            total = term if total is None else total + term
        return total

    def _member(self, e: Member, path):
        indices = [sp.Integer(self._whole(i, {})) for i in e.args[1:]]
        key = sp.Symbol(author_latex(Member(e.args[0], *indices)), commutative=False)
        if key not in self.members:
            rows, cols = self.shape(self.shapes.symbols[e.args[0]])
            rng = random.Random(f"{self.tag}|{key.name}")
            self.members[key] = sp.ImmutableMatrix(rows, cols, lambda i, j: _entry(rng))
        return self.members[key]

    def _element(self, e: sp.Indexed):
        """y_{3} of a scalar family, met when a sum is written out: the value drawn for a y_{3} the
        claim writes, else one of its own."""
        if e in self.scalars:
            return self.scalars[e]
        key = sp.Symbol(f"{e.base.label}_{{{','.join(str(i) for i in e.indices)}}}")
        written = next((v for s, v in self.scalars.items() if isinstance(s, sp.Symbol) and s.name == key.name), None)
        if written is not None:  # y_1 written beside \sum_i y_i \mathbf{x}_i
            return written
        if key not in self.members:
            rng = random.Random(f"{self.tag}|{key.name}")
            self.members[key] = sp.Rational(rng.randint(1, 30), rng.randint(1, 7))
        return self.members[key]

    def _sum(self, e, path):
        values = self.args(e, path)
        total = values[0]
        for v in values[1:]:
            self.spend(_entries(v))
            total, v = _broadcast_values(total, v)
            total = total + v
        return total

    def _product(self, e, path):
        values = []
        for i, a in enumerate(e.args):
            base = self.value(a.args[0], path + (i, 0)) if _repeated_vector(a) else None
            if isinstance(base, MatrixBase) and (base.rows == 1) != (base.cols == 1):
                values.extend([base] * int(a.args[1]))  # b b of (b^T b) b, which sympy writes b²
            else:
                values.append(self.value(a, path + (i,)))
        product = values[0]
        for v in values[1:]:
            if isinstance(product, MatrixBase) and isinstance(v, MatrixBase):
                self.spend(product.rows * product.cols * v.cols)
            else:
                self.spend(max(_entries(product), _entries(v)))
            product = _tidy(product * v)
        return product

    def _power(self, e, path):
        base, exp = self.args(e, path)
        if not isinstance(base, MatrixBase):
            exp = _as_scalar(exp, "an exponent")
            if base.is_Rational and exp.is_Integer and abs(exp) * _bits(base) > MAX_BITS:
                raise TooLarge(f"a number of more than {MAX_BITS} bits")
            return base ** exp
        written = e.args[1]
        if not exp.is_Integer or any(s.name not in self.whole for s in written.free_symbols):
            # a symbol sampled at 2 for one point and 7/3 at the next is not a number of products
            raise Unsupported(f"{author_latex(e)}: a matrix to the power {author_latex(written)} is not modelled")
        if abs(exp) > MAX_POWER:
            raise TooLarge(f"a matrix to the power {exp}")
        self.spend(abs(int(exp)) * base.rows ** 3)
        return (self._inverse(base) if exp < 0 else base) ** abs(int(exp))

    def _inverse(self, m):
        if not isinstance(m, MatrixBase):
            if m == 0:
                raise _Singular()
            return 1 / m
        symbolic = bool(m.free_symbols)
        if symbolic and m.rows > MAX_SYMBOLIC:
            raise TooLarge(f"the inverse of a {m.rows}×{m.cols} matrix with symbolic entries")
        self.spend(m.rows ** 3)
        det = m.det(method="berkowitz")
        if not symbolic and det == 0:
            raise _Singular()
        return m.adjugate(method="berkowitz") / det if symbolic else m.inv()

    def _det(self, m):
        if not isinstance(m, MatrixBase):
            return m
        if m.free_symbols and m.rows > MAX_SYMBOLIC:
            raise TooLarge(f"the determinant of a {m.rows}×{m.cols} matrix with symbolic entries")
        self.spend(m.rows ** 3)
        return m.det(method="berkowitz")

    def _elementwise(self, e, path):
        f = e.args[0]
        x = self.value(e.args[1], path + (1,))
        self.spend(_entries(x))
        apply = lambda entry: f(entry).xreplace(self.scalars)  # noqa: E731 — the author's function, entry by entry
        return x.applyfunc(apply) if isinstance(x, MatrixBase) else apply(x)

    def _grad(self, e, path):
        """Entry by entry: with one entry of the variable symbolic and the rest numbers, sympy
        differentiates a small function of one variable (the whole symbolic gradient costs far more)."""
        kind = self.shapes.at[path]
        f, var = e.args
        if kind == "scalar":
            return self._scalar_derivative(f, var, path)
        current = _as_matrix(self.matrices[var])
        columns = []
        for k in range(len(current)):
            entry = sp.Symbol(f"{var.name}[{k}]", real=True)
            entries = list(current)
            entries[k] = entry
            self.matrices[var] = sp.ImmutableMatrix(current.rows, current.cols, entries)
            try:
                fv = self.value(f, path + (0,))
            finally:
                self.matrices[var] = current
            self._check_differentiable(fv)
            if kind == "gradient":
                fv = _as_scalar(fv, "a gradient")
            columns.append([sp.diff(v, entry).xreplace({entry: current[k]}) for v in _as_matrix(fv)])
            self.spend(_entries(fv))
        if kind == "gradient":
            return sp.ImmutableMatrix(current.rows, current.cols, [c[0] for c in columns])
        return sp.ImmutableMatrix(columns).T

    def _scalar_derivative(self, f, var, path):
        current = self.scalars.get(var, var)
        t = sp.Symbol(f"{var.name}[]", real=True)
        self.scalars[var] = t
        try:
            fv = self.value(f, path + (0,))
        finally:
            self.scalars[var] = current
        self._check_differentiable(fv)
        if isinstance(fv, MatrixBase):
            return fv.applyfunc(lambda x: sp.diff(x, t).xreplace({t: current}))
        return sp.diff(fv, t).xreplace({t: current})

    def _check_differentiable(self, value) -> None:
        entries = list(value) if isinstance(value, MatrixBase) else [value]
        total = sum(_nodes(x, MAX_DIFFERENTIATED + 1) for x in entries)
        if total > MAX_DIFFERENTIATED:
            raise TooLarge(f"a function of more than {MAX_DIFFERENTIATED} terms to differentiate")


def _bits(x: sp.Rational) -> int:
    return x.p.bit_length() + x.q.bit_length()


def _bounded(value):
    """The value, unless an exact entry has grown beyond MAX_BITS."""
    for x in (value if isinstance(value, MatrixBase) else [value]):
        if isinstance(x, sp.Rational) and _bits(x) > MAX_BITS:
            raise TooLarge(f"a number of more than {MAX_BITS} bits")
    return value


def _entries(value) -> int:
    return len(value) if isinstance(value, MatrixBase) else 1


def _nodes(expr, limit: int) -> int:
    n = 0
    for _ in sp.preorder_traversal(expr):
        n += 1
        if n >= limit:
            break
    return n


def _trace(self: _Evaluator, e, path):
    m = self.value(e.args[0], path + (0,))
    return m.trace() if isinstance(m, MatrixBase) else m


def _norm(self: _Evaluator, e, path):
    x = self.value(e.args[0], path + (0,))
    p = e.args[1]
    if not isinstance(x, MatrixBase):
        return sp.Abs(x)
    self.spend(len(x))
    if 1 in x.shape:  # a vector: its p-norm
        if p == 2 or _frobenius(p):
            return sp.sqrt(sum(v ** 2 for v in x))
        if p == 1:
            return sum(sp.Abs(v) for v in x)
        if p is sp.oo:
            return sp.Max(*[sp.Abs(v) for v in x])
        if p.is_Integer and p > 0:
            return sum(sp.Abs(v) ** p for v in x) ** sp.Rational(1, p)
    elif p == 2 or _frobenius(p):
        return sp.sqrt(sum(v ** 2 for v in x))
    elif p == 1:
        return sp.Max(*[sum(sp.Abs(v) for v in x.col(j)) for j in range(x.cols)])
    elif p is sp.oo:
        return sp.Max(*[sum(sp.Abs(v) for v in x.row(i)) for i in range(x.rows)])
    raise Unsupported(f"{author_latex(e)}: this norm is not modelled")


def _frobenius(p) -> bool:
    return isinstance(p, sp.Symbol) and p.name == "F"


def _hadamard(self: _Evaluator, e, path):
    a, b = self.args(e, path)
    self.spend(_entries(a))
    if isinstance(a, MatrixBase):
        return a.multiply_elementwise(b)
    return a * b


def _softmax(self: _Evaluator, e, path):
    x = self.value(e.args[0], path + (0,))
    if not isinstance(x, MatrixBase):
        return sp.Integer(1)
    self.spend(2 * len(x))
    if x.cols == 1:
        return _softmax_rows(x.T).T
    return _softmax_rows(x)


def _softmax_rows(m) -> sp.ImmutableMatrix:
    rows = []
    for i in range(m.rows):
        exps = [sp.exp(v) for v in m.row(i)]
        total = sp.Add(*exps)
        rows.append([v / total for v in exps])
    return sp.ImmutableMatrix(rows)


def _transpose(self: _Evaluator, e, path):
    x = self.value(e.args[0], path + (0,))
    return x.T if isinstance(x, MatrixBase) else x


_EVALUATIONS = (
    (sp.Add, _Evaluator._sum), (sp.Mul, _Evaluator._product), (sp.Pow, _Evaluator._power),
    (Transpose, _transpose), (Inverse, lambda self, e, path: self._inverse(self.value(e.args[0], path + (0,)))),
    (Trace, _trace), (Det, lambda self, e, path: self._det(self.value(e.args[0], path + (0,)))),
    (Norm, _norm), (Hadamard, _hadamard), (Elementwise, _Evaluator._elementwise), (Softmax, _softmax),
    (Grad, _Evaluator._grad), (Member, _Evaluator._member), (sp.Sum, _Evaluator._terms),
    (Literal, lambda self, e, path: sp.ImmutableMatrix(e.rows, e.cols, [
        _as_scalar(self.value(x, path + (k + 2,)), "an entry of a matrix") for k, x in enumerate(e.entries)])),
)


def evaluate(expr, values: dict):
    """expr with explicit values: sympy matrices (or nested lists of numbers) for its vectors and
    matrices, numbers for its scalars. A 1×1 result is a scalar; a singular inverse raises
    ZeroDivisionError."""
    matrices, scalars = {}, {}
    for sym, v in values.items():
        if sym.is_commutative:
            scalars[sym] = _explicit(v)
        elif isinstance(v, MatrixBase):
            matrices[sym] = sp.ImmutableMatrix(v)
        else:
            matrices[sym] = sp.ImmutableMatrix([[_explicit(e) for e in row] for row in v])
    shapes = _infer([expr], {s: m.shape for s, m in matrices.items()})
    budget = [MAX_WORK]
    try:
        whole = frozenset(sym.name for sym, v in scalars.items() if v.is_Integer)
        return _Evaluator(shapes, {}, matrices, scalars, budget, whole).value(expr, (0,))
    except _Singular:
        raise ZeroDivisionError("the inverse of a singular matrix") from None


def _explicit(value) -> sp.Expr:
    """A given number as sympy; text is refused (sympy would parse it, and a source is never run)."""
    if isinstance(value, sp.Expr):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return sp.Integer(value)
    raise TypeError(f"a value must be a whole number or a sympy number, not {type(value).__name__}")


# --- deciding claims -----------------------------------------------------------------------------

_ORDER = {"<", ">", "<=", ">="}


def decide_matrix(lhs, rel: str, rhs, declared: dict, seed: str, target: tuple | None = None,
                  conditions: tuple = (), tolerance=None) -> Verdict:
    """Whether a claim about vectors and matrices holds: by shapes for `in` (target = (rows, cols)
    of ℝ^{rows×cols}) and for any mismatch inside the claim; by exact evaluation with explicit
    matrices for `=` and `!=` (and for order relations between 1×1 sides). Never raises: what
    cannot be decided is undecided, with a detail that says why."""
    try:
        return _decide(lhs, rel, rhs, declared, seed, target, conditions, tolerance)
    except ShapeError as exc:
        return Verdict(False, "shapes", exc.message, (), *exc.sides)
    except OneEntry as exc:
        return Verdict(None, "one entry", str(exc))
    except Unsupported as exc:
        return Verdict(None, "undecided", str(exc))
    except TooLarge as exc:
        return Verdict(None, "undecided", f"too large for the checker's budget: {exc}")
    except (RecursionError, MemoryError, OverflowError):
        return Verdict(None, "undecided", "too large for the checker's budget")
    except (TypeError, ValueError, ZeroDivisionError, ArithmeticError, AttributeError, NotImplementedError,
            IndexError, KeyError) as exc:
        return Verdict(None, "undecided", f"sympy could not evaluate it ({type(exc).__name__})")


def _decide(lhs, rel, rhs, declared, seed, target, conditions=(), tolerance=None) -> Verdict:
    lhs, rhs = _expr(lhs), (None if rhs is None else _expr(rhs))
    lhs, rhs = linked_members(lhs, rhs)
    sides = [lhs] if rhs is None else [lhs, rhs]
    for side in sides:
        if _nodes(side, MAX_NODES + 1) > MAX_NODES:
            raise TooLarge(f"a side of more than {MAX_NODES} terms")
    if rel == "in":
        return _membership(lhs, rhs, declared, target)
    if rhs is None:
        return Verdict(None, "undecided", f"the relation {rel} needs two sides")
    try:
        shapes = _infer(sides, declared, equated=0)
    except ShapeError as exc:
        if rel == "!=" and exc.sides != ("", ""):  # unequal, but only because they cannot be compared
            return Verdict(None, "undecided", exc.message, (), *exc.sides)
        raise
    too_large = _too_large(shapes)
    if too_large:
        return Verdict(None, "undecided", too_large)
    if rel in ("=", "!="):
        return _sample(shapes, sides, rel, seed, conditions, tolerance)
    scalars = all(shapes.is_scalar(s) for s in shapes.sides)
    if rel in _ORDER and scalars:
        return _sample(shapes, sides, rel, seed, conditions, tolerance)
    if rel == "~" and tolerance is not None:  # matrices written with rounded decimals, ≈ as = to their rounding
        return _sample(shapes, sides, "=", seed, conditions, tolerance)
    if rel == "~" and scalars:
        return Verdict(None, "undecided", "\\approx compares numbers; the sides here depend on vectors or matrices")
    shape = shapes.text(shapes.sides[0])
    return Verdict(None, "undecided", f"'{rel}' is not decided between matrices ({shape}): only = and ≠ are, "
                                      "and order relations between scalars")


_SUBSCRIPTED = re.compile(r"^(.+)_\{(?:([A-Za-z])([+-]\d+)?|(\d+))\}$")


def linked_members(lhs, rhs):
    """`\\mathbf{z}_j`, `\\mathbf{z}_{1}` beside a sum over the family \\mathbf{z}: its member at j, or
    at 1, not a vector of its own."""
    sides = [side for side in (lhs, rhs) if side is not None]
    families = {m.args[0].name.removesuffix(FAMILY): m.args[0] for side in sides for m in side.atoms(Member)}
    if not families:
        return lhs, rhs
    letters = {s.name: s for side in sides for s in side.free_symbols if isinstance(s, sp.Symbol) and s.is_commutative}
    swaps = {}
    for side in sides:
        for s in side.free_symbols:
            found = _SUBSCRIPTED.match(s.name) if isinstance(s, sp.Symbol) and not s.is_commutative else None
            if found and found.group(1) in families:
                stem, letter, shift, number = found.groups()
                index = sp.Integer(number) if number else letters.get(letter, sp.Symbol(letter, integer=True)) \
                    + int(shift or 0)
                swaps[s] = Member(families[stem], index)
    if not swaps:
        return lhs, rhs
    return lhs.xreplace(swaps), (rhs.xreplace(swaps) if rhs is not None else None)


def _expr(side) -> sp.Basic:
    """A side as sympy; a Python whole number (a side written 0) is accepted, text never is."""
    if isinstance(side, sp.Basic):
        return side
    if isinstance(side, int) and not isinstance(side, bool):
        return sp.Integer(side)
    raise TypeError(f"not an expression: {type(side).__name__}")


def _membership(lhs, rhs, declared, target) -> Verdict:
    if rhs is not None or target is None:
        return Verdict(None, "undecided", "a membership claim about a matrix needs a space: \\mathbb{R}^{m \\times n}")
    shapes = _infer([lhs], declared)
    left = shapes.sides[0]
    wanted = shapes.written(target if len(tuple(target)) else (1, 1))
    before, space = shapes.text(left), show_shape(wanted)
    conflict = shapes.matches(left, wanted)
    if conflict and isinstance(lhs, Grad) and not shapes.matches(left, wanted[::-1]):
        # ∂f/∂x ∈ ℝ^{1×n}: the gradient as a row, in the layout of the book that writes it so
        return Verdict(True, "shapes", f"{author_latex(lhs)} is {space} written as a row (the numerator "
                                       f"layout; {before} in the other)", (), space, space)
    if conflict and isinstance(lhs, Literal) and _sizes_named(shapes.resolved(left), wanted):
        # a matrix of numbers ∈ ℝ^{N×K}: the example's N and K, as the letters name the sizes in general
        return Verdict(True, "shapes", f"{author_latex(lhs)} is {before}, as {space} is for the example's "
                                       "sizes", (), before, space)
    if conflict:
        why = _conflict_text(conflict)
        if not any(d.is_Integer for d in conflict) and not sp.expand(conflict[0] - conflict[1]).is_number:
            why += ": different letters are different dimensions"
        return Verdict(False, "shapes", f"{author_latex(lhs)} is {before}, not {space} ({why})", (), before, space)
    return Verdict(True, "shapes", f"{author_latex(lhs)} is {shapes.text(left)}", (), shapes.text(left), space)


def _sizes_named(numbers: tuple, written: tuple) -> bool:
    """Each written size is the number or a letter, one letter one size (N×K of a 7×3 matrix of
    numbers; N×N of a 3×3 one, never of a 3×2)."""
    named: dict = {}
    for n, w in zip(numbers, written):
        if not n.is_Integer or not (w.is_Integer and w == n or isinstance(w, sp.Symbol)):
            return False
        if isinstance(w, sp.Symbol) and named.setdefault(w, n) != n:
            return False
    return True


def _too_large(shapes: _Shapes) -> str:
    """Why the claim is too large to sample: a written size beyond MAX_DIM."""
    for sym, shape in sorted(shapes.symbols.items(), key=lambda item: item[0].name):
        resolved = shapes.resolved(shape)
        if any(d.is_Integer and d > MAX_DIM for d in resolved):
            return (f"too large to sample: {sym.name} is {show_shape(resolved)} (identities are sampled with at "
                    f"most {MAX_DIM} rows and columns; its shapes fit)")
    return ""


def _free_dims(shapes: _Shapes) -> list:
    """The sizes to choose: written dimension letters by name, then unknowns in the order met."""
    found = [shape for shape in shapes.symbols.values()]
    found += [s for s in shapes.at.values() if isinstance(s, tuple)]
    letters, unknowns = set(), []
    for shape in found:
        for d in shapes.resolved(shape):
            if isinstance(d, sp.Dummy):
                if d not in unknowns:
                    unknowns.append(d)
            else:
                letters |= {s for s in d.free_symbols}
    return sorted(letters, key=lambda s: s.name) + unknowns


def _assignments(shapes: _Shapes, free: list) -> list[dict]:
    """Up to two size assignments, every free dimension ≥ 2 and different letters different sizes
    (as far as SIZES allows), each written size fitting the budget."""
    out = []
    span = min(max(len(free), 2), SIZES)
    for k in range(span):
        sizes = {d: sp.Integer(2 + (i + k) % span) for i, d in enumerate(free)}
        if sizes not in out and _fits(shapes, sizes):
            out.append(sizes)
        if len(out) == 2:
            break
    return out


def _fits(shapes: _Shapes, sizes: dict) -> bool:
    every = list(shapes.symbols.values()) + [s for s in shapes.at.values() if isinstance(s, tuple)]
    for shape in every:
        for d in shapes.resolved(shape):
            value = d.xreplace(sizes)
            if not value.is_Integer or not 1 <= value <= MAX_DIM:
                return False
    return True


def _scalar_symbols(sides: list, whole: dict) -> list:
    """The scalars to give values: commutative free symbols, except a norm's subscript (‖X‖_F) and
    the members of a family at a sum's index (each y_i gets its value as the sum is written out)."""
    found = set()
    indices = set(whole)

    def walk(e, bound: frozenset) -> None:
        if isinstance(e, Norm):
            walk(e.args[0], bound)
        elif isinstance(e, sp.Sum):
            for _, low, high in e.limits:
                walk(low, bound)
                walk(high, bound)
            walk(e.function, bound | set(e.variables))
        elif e.has(Norm, sp.Sum):
            for a in e.args:
                walk(a, bound)
        else:
            letters = e.free_symbols
            members = {x for x in letters if isinstance(x, sp.Indexed) and x.free_symbols & (bound | indices)}
            found.update(x for x in letters - members - {m.base.label for m in members} - bound if x.is_commutative)

    for side in sides:
        walk(side, frozenset())
    return sorted(found, key=lambda s: s.name)


def _whole_numbers(sides: list) -> dict:
    """The letters drawn as whole numbers, with their range: what a sum runs up to (`m` of
    `\\sum_{i=1}^{m}`, 2 … 4) and the index of a member written outside the sums (`\\mathbf{z}_j` beside
    `\\sum_i \\mathbf{z}_i`, 1 … 2, so that it is one of the members the sums meet)."""
    found = {}
    for side in sides:
        for total in side.atoms(sp.Sum):
            for _, low, high in total.limits:
                found.update(dict.fromkeys(low.free_symbols | high.free_symbols, (2, 4)))
    for side in sides:
        for member in side.atoms(Member):
            found.update(dict.fromkeys(set().union(*(i.free_symbols for i in member.args[1:])), (1, 2)))
    return found


def _entry(rng: random.Random) -> sp.Rational:
    """A nonzero rational: zero entries would make singular samples and ReLU kinks common."""
    return sp.Rational(rng.choice([-1, 1]) * rng.randint(1, 9), rng.randint(1, 3))


def _draw(shapes: _Shapes, sizes: dict, scalar_names: list, tag: str, ranges: dict | None = None,
          whole: dict | None = None):
    matrices = {}
    ev = _Evaluator(shapes, sizes, {}, {}, [MAX_WORK])
    for sym in sorted(shapes.symbols, key=lambda s: s.name):
        rows, cols = ev.shape(shapes.symbols[sym])
        rng = random.Random(f"{tag}|{sym.name}")
        matrices[sym] = sp.ImmutableMatrix(rows, cols, lambda i, j: _entry(rng))
    dims = {d.name: v for d, v in sizes.items() if isinstance(d, sp.Symbol) and not isinstance(d, sp.Dummy)}
    scalars = {}
    for sym in scalar_names:
        rng = random.Random(f"{tag}|{sym.name}")
        drawn = sp.Integer(rng.randint(*whole[sym])) if whole and sym in whole else sp.Rational(
            rng.randint(1, 30), rng.randint(1, 7))
        scalars[sym] = dims.get(sym.name, inside(ranges[sym], rng) if ranges and sym in ranges else drawn)
    return matrices, scalars


def _sample(shapes: _Shapes, sides: list, rel: str, seed: str, conditions: tuple = (), tolerance=None) -> Verdict:
    """Both sides at explicit matrices of the sizes that fit; scalars inside the intervals the card
    states (`\\lambda \\in [0, 1]`), and only points that meet every condition count."""
    free = _free_dims(shapes)
    assignments = _assignments(shapes, free)
    if not assignments:
        return Verdict(None, "undecided", f"no sizes up to {MAX_DIM} fit the shapes")
    whole = _whole_numbers(sides)
    scalar_names = _scalar_symbols(sides, whole)
    ranges = condition_ranges(conditions)
    budget = [MAX_WORK]
    valid = 0
    points = GRADIENT_POINTS if any(side is not None and side.has(Grad) for side in sides) else POINTS
    closed = not any(side.free_symbols for side in sides if side is not None)
    if closed:
        points = 1  # matrices written out in numbers: one evaluation is the computation
    for n in range(points):
        sizes = assignments[n % len(assignments)]
        values = _point(shapes, sides, sizes, scalar_names, f"{seed}|{n}", budget, ranges, whole)
        if values is None:
            continue
        matrices, scalars, left, right = values
        if conditions and not meets(scalars, conditions):
            continue
        result = _holds(left, right, rel, tolerance)
        if result is None:
            continue
        valid += 1
        if not result:
            unfixed = _unfixed_special(shapes, sides)
            if unfixed:
                return Verdict(None, "undecided", f"fails for some sizes of {unfixed}, which nothing in the claim "
                                                  f"fixes: write its size ({unfixed}_{{n}}) or declare it")
            failed = _failure(sizes, matrices, scalars, left, right, rel)
            return replace(failed, method="exact") if closed else failed
    if closed and not valid:
        return Verdict(None, "undecided", "a matrix written out here is singular, or a value is undefined")
    if closed and valid:
        return Verdict(True, "exact", "computed with the matrices as written" + (
            "" if tolerance is None else ", to within the rounding of the decimals written"))
    if valid < min(MIN_VALID, points):
        return Verdict(None, "undecided", f"defined at only {valid} of {points} sampled points (a singular inverse "
                                          "or an undefined value at the others)")
    return Verdict(True, "sampled", f"holds at {valid} sampled points")


def _unfixed_special(shapes: _Shapes, sides: list) -> str:
    """A \\mathbf{I}, \\mathbf{0} or \\mathbf{1} whose size no vector or matrix of the claim ties
    down: a failure may only mean the author had another size in mind."""
    tied = {d for shape in shapes.symbols.values() for d in shapes.resolved(shape)}
    for path, shape in sorted(shapes.at.items()):
        if isinstance(shape, tuple) and any(isinstance(d, sp.Dummy) and d not in tied for d in shapes.resolved(shape)):
            node = sides[path[0]]
            for i in path[1:]:
                node = node.args[i]
            if node != 0:  # a side written 0 takes the other side's size
                return author_latex(node)
    return ""


def _point(shapes, sides, sizes, scalar_names, tag, budget, ranges=None, whole=None):
    """Both sides' values at one point, drawing again when an inverse is singular; None if it stays so.
    The members of families a sum met come back among the matrices and scalars."""
    whole = whole or {}
    for attempt in range(REDRAWS):
        matrices, scalars = _draw(shapes, sizes, scalar_names, f"{tag}|{attempt}", ranges, whole)
        ev = _Evaluator(shapes, sizes, dict(matrices), dict(scalars), budget,
                        frozenset(s.name for s in whole), f"{tag}|{attempt}")
        try:
            left, right = (ev.value(side, (i,)) for i, side in enumerate(sides))
        except _Singular:
            continue
        for key, value in ev.members.items():
            (matrices if isinstance(value, MatrixBase) else scalars)[key] = value
        return matrices, scalars, left, right
    return None


def _holds(left, right, rel: str, tolerance=None) -> bool | None:
    """Whether left rel right at this point; None when a value is undefined there. With a
    tolerance (entries written as rounded decimals), `=` and `≠` compare entries to within it."""
    a, b = _as_matrix(left), _as_matrix(right)
    if a.shape != b.shape:
        raise ValueError("sides of different sizes")
    same = [_equal(x, y) if tolerance is None else _near(x, y, tolerance) for x, y in zip(a, b)]
    if any(s is None for s in same):
        return None
    if rel == "=":
        return all(same)
    if rel == "!=":
        return not all(same)
    difference = sp.N(a[0, 0] - b[0, 0], _PRECISION)
    if same[0]:
        return rel in ("<=", ">=")
    return bool(difference < 0) if rel in ("<", "<=") else bool(difference > 0)


def _near(x, y, tolerance) -> bool | None:
    """Within the tolerance, relative to the larger side when it is above 1 (3.536 for 5/√2 is
    off by 0.001 when computed from 0.707)."""
    difference = x - y
    if not difference.is_Rational:  # exact for rationals: 2 against 2.1 is a tenth apart, not a hair less
        difference = sp.N(difference, _PRECISION)
    if not difference.is_real:
        return None
    scale = max(sp.Integer(1), abs(sp.N(x, _PRECISION)), abs(sp.N(y, _PRECISION)))
    return bool(abs(difference) < tolerance * scale)


def _equal(x, y) -> bool | None:
    """Exact for rationals; to 45 digits otherwise. None when a value is not a real number."""
    for v in (x, y):
        if not isinstance(v, sp.Expr) or v.free_symbols or v.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            return None
    if x.is_Rational and y.is_Rational:
        return x == y
    xv, yv = sp.N(x, _PRECISION), sp.N(y, _PRECISION)
    if not (xv.is_real and yv.is_real):
        return None
    scale = max(sp.Float(1), abs(xv), abs(yv))
    return bool(abs(xv - yv) <= scale * sp.Float(10) ** -45)


def _failure(sizes, matrices, scalars, left, right, rel: str) -> Verdict:
    example = [(d.name, str(v)) for d, v in sizes.items() if not isinstance(d, sp.Dummy)]
    example += [(sym.name, show_value(m)) for sym, m in matrices.items() if not sym.name.endswith(FAMILY)]
    example += [(sym.name, show_value(v)) for sym, v in scalars.items()]
    detail = ""
    a, b = _as_matrix(left), _as_matrix(right)
    if rel == "!=":
        detail = "the sides are equal here"
    elif a.shape != (1, 1):
        k = next(k for k in range(len(a)) if not _equal(a[k], b[k]))
        detail = f"the sides differ in entry ({k // a.cols + 1}, {k % a.cols + 1})"
    return Verdict(False, "sampled", detail, tuple(example), show_value(left), show_value(right))


def show_value(value) -> str:
    """A value as nested lists, `[[1, -3/2], [2, 1/3]]`: exact fractions while short, other entries
    to 10 digits; a matrix beyond MAX_SHOWN rows or columns is cut with `…`."""
    if not isinstance(value, MatrixBase):
        return _show_entry(value)
    rows = []
    for i in range(min(value.rows, MAX_SHOWN)):
        row = [_show_entry(value[i, j]) for j in range(min(value.cols, MAX_SHOWN))]
        rows.append("[" + ", ".join(row + (["…"] if value.cols > MAX_SHOWN else [])) + "]")
    return "[" + ", ".join(rows + (["…"] if value.rows > MAX_SHOWN else [])) + "]"


def _show_entry(x) -> str:
    if isinstance(x, sp.Rational) and len(str(x)) <= 16:
        return str(x)
    try:
        return f"≈ {float(sp.N(x, 30)):.10g}"
    except (TypeError, ValueError, OverflowError):
        return sp.sstr(x)
