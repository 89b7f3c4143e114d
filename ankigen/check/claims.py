"""What reading a card yields: definitions, sequences, claims, problems and the status of each
display formula, as plain data; and the claims made from the steps of a chain."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sympy as sp

from ankigen.check.cache import FormulaRow
from ankigen.check.lines import offset_span
from ankigen.check.tokens import GROUP_SEP
from ankigen.check.vocabulary import FunctionDef
from ankigen.model import Span

if TYPE_CHECKING:
    from ankigen.check.chains import Step

_APPROX_SIDE = re.compile(
    r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(?:(?:\\times|\\cdot|×)\s*10\s*\^\s*(?:\{\s*([+-]?\d+)\s*\}|(\d)))?\s*$")
_POWER_OF_TEN = re.compile(r"^\s*10\s*\^\s*(?:\{\s*([+-]?\d+)\s*\}|(\d))\s*$")


WHERE_LINES = 8  # how far below a claim the inline values its "where" clause gives may stand


@dataclass(frozen=True)
class Definition:
    target: sp.Expr  # a symbol, or an element of a family such as R_{0}
    value: sp.Expr
    span: Span
    text: str
    section: int = 0
    written: sp.Expr | None = None  # the number its defining chain ends in (ρ = 0.5 × 0.9 ≈ 0.6): what the author carried on


@dataclass(frozen=True)
class Sequence:
    """`R_n = R_{n-1} + …`: the general term of a family, in its index."""

    name: str
    index: sp.Symbol
    body: sp.Expr
    span: Span
    text: str


@dataclass(frozen=True)
class Claim:
    key: tuple  # where it is on the card, the same under every reading
    lhs: sp.Expr
    rel: str  # "=", "!=", "<", ">", "<=", ">=", "~", "in"
    rhs: sp.Expr | None
    text: str
    span: Span
    in_check_block: bool
    section: int = 0
    set_name: str = ""
    tolerance: sp.Rational | None = None  # for \\approx; for `=`, what rounding would explain
    bindings: tuple[tuple[sp.Expr, sp.Expr], ...] = ()
    lists: tuple[tuple[str, tuple[sp.Expr, ...]], ...] = ()
    consumed: frozenset = frozenset()
    marked: bool = False  # `% check`: claimed whatever it is, and an error when unreadable
    single: bool = False  # a lone relation (not a step of a chain)
    chain: bool = False  # a step of a derivation that defines nothing
    defs_at: int = -1  # how many of the card's definitions precede it (-1: all): later ones are not seen
    inverse: bool = False  # a definition through a name defined through it: a relation to check
    called: bool = False  # it applies a function the card defines
    rounding: sp.Rational | None = None  # for `=`: what rounding to the digits written explains (a hint only)
    conditions: tuple = ()  # (lhs, rel, rhs) stated beside it (`, \\quad 0 < \\gamma < 1`; "其中 $x > 0$")
    target: tuple | None = None  # (rows, cols) for a claim that an expression lies in ℝ^{rows×cols}
    declared: tuple = ()  # (name, (rows, cols)) of every vector and matrix the card declares
    symmetric: bool = False  # its heading or the sentence before it speaks of symmetric matrices
    substituted: bool = False  # the sentence before it says values are put in ("代入", "substituting")
    elsewhere: frozenset = frozenset()  # names written in the other steps of its chain
    varied: frozenset = frozenset()  # names its formula differentiates by: variables, never given a value
    unit: bool = False  # its part of the card speaks of unit vectors (an orthonormal basis, 单位向量)
    restated: bool = False  # a lone `y = …` for a y defined before, with no words between: maybe an alternative
    revalued: bool = False  # a number for a name first given another number: maybe the next example's
    # Decimals the right side of an `=` brings in that the left does not write (1 - \\tanh^2 2 =
    # 1 - 0.964^2, 1.44 (0.6633/1.44 - π/4) = 1.44 (0.4607 - 0.7854)): the author's roundings of what
    # the left computes (card._carry_rounding). A decimal on the left (5.2 in 78 - 3.785 × 5.2 =
    # 78 - 19.642) is a datum the step used, exact.
    roundings: tuple[str, ...] = ()
    functions: frozenset = frozenset()  # names the card writes as functions (y', \\dot{y}, dy/dt), never constants
    approximated: bool = False  # the sentence before calls its derivation an approximation
    independent: bool = False  # its part of the card calls its random variables independent (i.i.d., 独立)
    unknown: str = ""  # for `=>` (one equation implies the next): the letter being solved for


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    span: Span
    error: bool
    hint: str | None = None


@dataclass
class CardReading:
    definitions: list[Definition] = field(default_factory=list)
    assumptions: list[Definition] = field(default_factory=list)  # inline symbolic definitions
    examples: list[Definition] = field(default_factory=list)  # inline values (`$n = 10$`), in the order written
    functions: dict[str, FunctionDef] = field(default_factory=dict)
    sequences: dict[str, Sequence] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    formulas: list[FormulaRow] = field(default_factory=list)  # what became of each display formula
    problems: list[Problem] = field(default_factory=list)
    met: set[str] = field(default_factory=set)
    declared: tuple = ()  # (name, (rows, cols)) of the vectors and matrices the card declares
    distributions: tuple = ()  # (section, line, col, {variable's name: (distribution, parameters)}), as written
    declared_anywhere: set = field(default_factory=set)  # every name a declaration on the card names
    declared_in: dict = field(default_factory=dict)  # sub-heading -> what holds there (`declared`, per part)
    symmetric_names: set = field(default_factory=set)  # declared in \\mathbb{S}^n: symmetric matrices
    runs: dict = field(default_factory=dict)  # (name, index prefix) -> the last indices written (λ_{R1}, λ_{Rm})

    def distributions_at(self, section: int, line: int) -> dict:
        """The distributions that hold for a claim on `line` in `section`: of each variable, the last
        one given before it (in that sub-heading, or before any), or else the first given after it
        (`… where $X \\sim \\mathrm{Bin}(n, p)$`). A design changed halfway down a card changes
        only what follows."""
        here = [(ln, given) for s, ln, _, given in self.distributions if s in (0, section)]
        found: dict = {}
        for ln, given in here:
            if ln > line:
                break
            found.update(given)
        for ln, given in here:
            if ln > line:
                found.update({name: d for name, d in given.items() if name not in found})
        return found

    def visible(self, section: int, imported: list[Definition], defs_at: int = -1,
                varied: frozenset = frozenset(), line: int = 0) -> dict:
        """The definitions a claim in `section` sees, by target: inline ones first, then those of
        the cards it uses, then the card's own (before any sub-heading, or in the same one) that
        precede it, the latest of a name winning: a name defined anew is the new one from there on.
        An inline value of a name the claim's formula differentiates by is left out: it is what the
        derivation solves for ("令导数为 0, 即 $p = k/n$"), not what it starts from. Given the claim's
        line, an inline value written further on than its "where" clause (WHERE_LINES) is left out:
        notes are read in order, and a later example's values are not this one's."""
        here = (0, section)
        found = {d.target: d for d in self.assumptions if d.section in here and str(d.target) not in varied
                 and not (line and d.span.line > line + WHERE_LINES)}
        found.update({d.target: d for d in imported})
        own = self.definitions if defs_at < 0 else self.definitions[:defs_at]
        found.update({d.target: d for d in own if d.section in here})
        return found


FLOAT_DIGITS = 15  # a decimal with this many significant digits was printed from a double


# What a number is written with besides its digits: a sign, a currency, a percent, thousands groups
_SIGN_OR_CURRENCY = re.compile(r"^\s*(?:[-+−]\s*)?(?:\\\$|\$|€|£|¥)?\s*")
_PERCENT = re.compile(r"\s*\\?%\s*$")
_GROUPS = re.compile(rf"(?<=\d)(?:{GROUP_SEP.pattern})(?=\d{{3}}(?!\d))")  # as the tokenizer reads them


def _plain_number(text: str) -> tuple[str, int]:
    """The digits of a side written as a number, and the power of ten its percent sign divides by:
    `-\\$1{,}010.43` → ("1010.43", 0), `5.5\\%` → ("5.5", 2)."""
    text = _SIGN_OR_CURRENCY.sub("", text, count=1)
    percent = _PERCENT.search(text)
    if percent:
        text = text[:percent.start()]
    return _GROUPS.sub("", text), 2 if percent else 0


def _literal(text: str) -> sp.Rational | None:
    """The value of a side that is only a number as written (`5{,}462`, `-0.25`, `12.5\\%`), or None."""
    digits, percent = _plain_number(text)
    if not re.fullmatch(r"\d+(?:\.\d+)?", digits.strip()):
        return None
    return sp.Rational(digits.strip()) / 10**percent


def tolerance_of(text: str) -> sp.Rational | None:
    """Half a unit in the last significant digit written: `9.54 \\times 10^{-7}` → 5e-10, `10^{12}` →
    5e11 (a power of ten alone is a scale, known to one digit), `1{,}010.43` → 0.005, `5.5\\%` → 0.0005."""
    text, percent = _plain_number(text)
    tolerance = _tolerance_of(text)
    return tolerance / 10**percent if tolerance is not None else None


def _tolerance_of(text: str) -> sp.Rational | None:
    p = _POWER_OF_TEN.match(text)
    if p:
        return sp.Rational(1, 2) * sp.Rational(10) ** int(p.group(1) or p.group(2))
    m = _APPROX_SIDE.match(text)
    if not m:
        return None
    mantissa, exp = m.group(1), int(m.group(2) or m.group(3) or 0)
    digits = mantissa.replace("-", "").replace(".", "").lstrip("0")
    if "." in mantissa and len(digits) >= FLOAT_DIGITS:
        # 0.000197353227109676: a computer's double printed in full, right to about 12 digits only
        return abs(sp.Rational(mantissa)) * sp.Rational(10) ** exp * sp.Rational(1, 10**12)
    if "." in mantissa:
        place = -len(mantissa.split(".")[1])
    else:  # trailing zeros of a whole number are not significant: 3300 is known to the hundred
        stripped = mantissa.rstrip("0")
        place = len(mantissa) - len(stripped) if stripped else 0
    return sp.Rational(1, 2) * sp.Rational(10) ** (place + exp)


def approx_tolerance(lhs_text: str, rhs_text: str) -> sp.Rational | None:
    """The tolerance of the less precise side that is a decimal number, if either is."""
    found = [t for t in (tolerance_of(lhs_text), tolerance_of(rhs_text)) if t is not None]
    return max(found) if found else None


_LEADING_RELATION = re.compile(r"^\s*(?:=|<|>|\\approx|\\leq?|\\geq?|\\neq?)(?![A-Za-z])")  # not \left


def make_claim(step: "Step", text: str, start: Span, source: str, in_block: bool, key: tuple, bindings=(), lists=(),
               consumed=frozenset(), section: int = 0, marked: bool = False, single: bool = False,
               chain: bool = False, defs_at: int = -1, inverse: bool = False,
               called: bool = False, conditions: tuple = (), declared: tuple = (),
               symmetric: bool = False, substituted: bool = False, elsewhere=frozenset(),
               varied=frozenset(), unit: bool = False, restated: bool = False,
               revalued: bool = False) -> Claim | None:
    """A step as a claim; None for an \\approx without a decimal side. An `=` gets a tolerance only
    from a side written as a decimal (`= 0.593`): a whole number (`= 112`) is exact."""
    lhs_start = step.lhs_start if step.lhs_start >= 0 else step.start
    shown = " ".join(text[min(step.start, lhs_start):step.end].split())
    if step.lhs_start == step.start and step.lhs_text and _LEADING_RELATION.match(text[step.start:]):
        shown = " ".join(step.lhs_text.split()) + " " + shown  # `$$= b + a$$` goes on from the display before
    if step.rel == "~":
        tol = approx_tolerance(step.lhs_text, step.rhs_text)
        if tol is None:
            return None
        near = [_literal(t) for t in (step.lhs_text, step.rhs_text)]
        if None not in near:  # `5{,}462 \approx 5{,}463`: two numbers said to be near, within a hundredth
            tol = max(tol, sp.Rational(1, 100) * max(abs(v) for v in near))
    elif step.rel == "=":
        tol = approx_tolerance(*(t if _decimal_side(t) else "" for t in (step.lhs_text, step.rhs_text)))
        rounding = approx_tolerance(step.lhs_text, step.rhs_text)
    else:
        tol = None
    span = offset_span(start, source, step.start, step.end - step.start)
    written = [[m.group(0) for m in DECIMAL.finditer(t)] for t in (step.lhs_text, step.rhs_text)]
    new = [d for d in written[1] if d not in written[0]]  # those on the left only were data it used
    roundings = tuple(dict.fromkeys(new)) if step.rel == "=" and not (
        _decimal_side(step.lhs_text) or _decimal_side(step.rhs_text)) else ()
    return Claim(key, step.lhs, step.rel, step.rhs, shown, span, in_block, section, step.set_name, tol,
                 tuple(bindings), tuple(lists), consumed, marked, single, chain, defs_at, inverse, called,
                 rounding if step.rel == "=" else None, tuple(conditions), step.target, declared, symmetric,
                 substituted, frozenset(elsewhere), frozenset(varied), unit, restated, revalued, roundings)


DECIMAL = re.compile(r"(?<![\w.])(\d+)\.(\d+)(?![\w.])")  # a decimal as written: whole part, places


def _decimal_side(text: str) -> bool:
    """Written with a decimal point or a power-of-ten scale: known only to its digits."""
    text = _plain_number(text)[0]
    if _POWER_OF_TEN.match(text):
        return True
    m = _APPROX_SIDE.match(text)
    return bool(m) and ("." in m.group(1) or bool(m.group(2) or m.group(3)))

