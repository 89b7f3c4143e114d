"""What the reader knows besides the grammar: names, relations, functions, the constructs it leaves
alone, the scope a formula is read in, and the bounds on exact numbers."""

from __future__ import annotations

import math
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Callable

import sympy as sp

from ankigen.check.reading import USUAL, Reading
from ankigen.check.tokens import MathError, Tok

MAX_DEPTH = 60  # nesting of groups, fractions, powers
MAX_BITS = 12_000  # bits of an exact number we agree to build
MAX_FACTORIAL = 2000

GREEK = set(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi rho varrho "
    "sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi "
    "Omega ell".split())
RELATIONS = {"=": "=", "<": "<", ">": ">", "\\lt": "<", "\\gt": ">", "\\ne": "!=", "\\neq": "!=", "\\le": "<=",
             "\\leq": "<=", "\\leqslant": "<=", "\\ge": ">=", "\\geq": ">=", "\\geqslant": ">=", "\\approx": "~",
             "\\in": "in", "\\leftarrow": "<-", "\\gets": "<-", "\\coloneqq": ":=", "\\triangleq": ":=", "\\doteq": ":=", "\\equiv": "other",
             "\\propto": "other", "\\sim": "other", "\\simeq": "other", "\\cong": "other", "\\to": "other",
             "\\rightarrow": "other", "\\mapsto": "other", "\\ll": "other", "\\gg": "other",
             "\\subset": "other", "\\subseteq": "other", "\\notin": "other", "\\perp": "other",
             "\\parallel": "other", "\\asymp": "other", "\\models": "other"}
WORD_COMMANDS = ("\\mathrm", "\\operatorname", "\\mathit", "\\mathsf", "\\mathtt", "\\operatorname*")
BOLD = ("\\mathbf", "\\boldsymbol", "\\bm", "\\vec", "\\mathbfit", "\\pmb", "\\overrightarrow")  # a vector or matrix name
DECORATIONS = ("\\hat", "\\widehat", "\\bar", "\\overline", "\\tilde", "\\widetilde", "\\dot", "\\ddot",
               "\\check", "\\breve", "\\acute", "\\grave", "\\mathring")
UNSUPPORTED = {  # commands that mean something this reader does not model, by construct name
    "\\oint": "\\oint", "\\partial": "\\partial (outside a derivative)",
    "\\vdots": "ellipsis", "\\ddots": "ellipsis",
    "\\end": "environment", "\\otimes": "\\otimes", "\\circ": "\\circ",
    "\\oplus": "\\oplus", "\\cup": "sets", "\\cap": "sets", "\\setminus": "sets", "\\forall": "quantifier",
    "\\exists": "quantifier", "\\choose": "\\choose", "\\over": "\\over",
    "\\mod": "modular arithmetic", "\\bmod": "modular arithmetic", "\\pmod": "modular arithmetic",
}
KNOWN_FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {
    "ln": sp.log, "exp": sp.exp, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sinh": sp.sinh, "cosh": sp.cosh,
    "tanh": sp.tanh, "sec": sp.sec, "csc": sp.csc, "cot": sp.cot, "coth": sp.coth, "arctan": sp.atan, "arcsin": sp.asin, "arccos": sp.acos, "floor": sp.floor,
    "ceil": sp.ceiling, "abs": sp.Abs, "sgn": sp.sign, "sign": sp.sign, "log": sp.log,
    "relu": lambda x: sp.Max(0, x), "sigmoid": lambda x: 1 / (1 + sp.exp(-x)), "sqrt": sp.sqrt,
    "max": sp.Max, "min": sp.Min,
}
# Letters people use for functions: before an adjacent parenthesis they apply, in the usual reading.
FUNCTION_LETTERS = set("fghFGHDEPLJQVT") | {"\\sigma", "\\phi", "\\varphi", "\\psi", "\\ell", "\\Phi", "\\Psi",
                                             "\\mathcal{L}"}
SCALES = {"万": 10**4, "亿": 10**8, "千": 10**3, "百万": 10**6, "千万": 10**7, "百": 100}


class Opaque(sp.Function):
    """A construct read but not modelled: `\\arg\\max_a Q(s, a)`, `\\mathbb{E}_{x \\sim p}[…]` over a
    distribution the card does not give. Its first argument names it; a relation that holds one
    is a statement, and its value is never guessed."""

    is_commutative = True


@dataclass(frozen=True)
class FunctionDef:
    params: tuple[sp.Symbol, ...]
    body: sp.Expr
    met: frozenset = frozenset()  # the reading kinds its body was built under (\Phi's conventions)


@dataclass
class Scope:
    """What the parser knows besides the text."""

    functions: dict[str, FunctionDef] = field(default_factory=dict)
    references: dict[str, Callable[..., sp.Expr]] = field(default_factory=dict)
    values: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)  # `where` bindings, for @references
    consumed: set[sp.Symbol] = field(default_factory=set)  # bindings a reference used up
    reading: Reading = USUAL
    variables: frozenset[str] = frozenset()  # `e` or `i` defined on the card: variables, usually
    imaginary: bool = False  # the card writes complex numbers (3 + 4i): i is the imaginary unit, usually
    unit_j: bool = False  # the card writes j for the imaginary unit (e^{-jωt}, R + jX), as engineers do
    index_i: bool = False  # the card counts with i (x_i, i = 1, …, N): an upright \mathrm{i} is that index too
    t_transposes: bool = False  # every T the card writes is a superscript: the transpose, never a power
    differentials: frozenset[str] = frozenset()  # letters X whose dX the card names (dW = …, =: dz_2)
    alone: frozenset[str] = frozenset()  # letters the card writes on their own (K, C > 0), runs it gives values
    met: set[str] = field(default_factory=set)  # the ambiguity kinds the text contained
    called: set[str] = field(default_factory=set)  # card functions the text applied
    applied: frozenset[str] = frozenset()  # names the formula applies to several arguments: functions
    matrices: dict = field(default_factory=dict)  # names the card declares in ℝ^{m×n}, with their shapes
    bold: dict = field(default_factory=dict)  # letters the formula also writes in bold: plain A is \\mathbf{A}
    star: bool = False  # `*` between letters multiplies: the card never speaks of convolution
    labelled: frozenset[str] = frozenset()  # letters whose superscripts count steps (w^{t+1} = w^t - …)


# The names a condition beside the formula lets be negative or zero (`0 > b`, `x \\le 0`, `t \\in [-1, 1]`):
# read as real numbers, so that `\\max(0, b)` or `|b|` keeps its meaning instead of being folded on a
# positive b before the condition is met.
SIGNED: ContextVar[frozenset[str]] = ContextVar("signed", default=frozenset())


# The names a card that writes complex numbers gives a complex value (`z_1 = 2 + i`): complex symbols,
# so that |z| and \bar{z} wait for z's value instead of being folded as for a positive z.
COMPLEX: ContextVar[frozenset[str]] = ContextVar("complex", default=frozenset())


# How a transpose mark ends the name of a letter read as a number (θ^T, x^\top, W^{\mathsf T})
TRANSPOSE_LABELS = ("^{T}", "^{\\top}", "^{\\intercal}", "^{\\mathsf{T}}", "^{\\mathsfT}", "^{\\mathrm{T}}",
                    "^{\\mathrmT}")


def symbol(name: str) -> sp.Symbol:
    """Free symbols are positive reals, as the source format says, unless a condition says otherwise."""
    if name in COMPLEX.get():
        return sp.Symbol(name)
    if name in SIGNED.get():
        return sp.Symbol(name, real=True)
    return sp.Symbol(name, positive=True)


def family(name: str) -> sp.IndexedBase:
    return sp.IndexedBase(name, positive=True)


def check_size(value: sp.Expr, offset: int, length: int) -> sp.Expr:
    if value.is_Rational and (abs(value.p).bit_length() > MAX_BITS or abs(value.q).bit_length() > MAX_BITS):
        raise MathError("number too large to check exactly", offset, length, construct="size")
    return value


def safe_pow(base: sp.Expr, exp: sp.Expr, offset: int, length: int) -> sp.Expr:
    """base**exp, unless it would build an enormous exact number."""
    if base.is_number and exp.is_number and base.is_commutative is not False:  # a written matrix is no number
        try:
            b = abs(complex(sp.N(base, 15)))
            e = complex(sp.N(exp, 15)).real
        except (TypeError, ValueError, OverflowError):
            raise MathError("power too large to check", offset, length, construct="size") from None
        if not math.isfinite(e) or (b not in (0.0, 1.0) and abs(e) * abs(math.log2(b) if b else 0) > MAX_BITS):
            raise MathError("power too large to check exactly", offset, length, construct="size",
                            hint="keep exponents to numbers of at most a few thousand digits")
        if exp.is_Rational and not exp.is_Integer and exp.q > 1000:
            # e^{-1.105905967}: a decimal exponent, whose exact root (of order 10^9) sympy would try to
            # build; its value to 30 digits is all a worked example needs
            return sp.Pow(base, sp.Float(exp, 30))
    elif exp.is_Integer and abs(exp) > 10_000:
        raise MathError("exponent too large to check", offset, length, construct="size")
    return sp.Pow(base, exp)


def no_tuple(t: Tok, *values) -> None:
    """A tuple is compared item by item; arithmetic on one (sympy would join two) is not read."""
    if any(isinstance(v, sp.Tuple) for v in values):
        raise MathError("arithmetic on a tuple is not read", t.start, t.end - t.start, construct="tuple arithmetic")


def unsupported(t: Tok, construct: str | None = None) -> MathError:
    return MathError(f"'{t.text}' is not read in checked formulas", t.start, t.end - t.start,
                     hint="see 'Checked formulas' in the docs for what is read", construct=construct or t.text)
