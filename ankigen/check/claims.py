"""What reading a card yields: definitions, sequences, claims, problems and the status of each
display formula, as plain data; and the claims made from the steps of a chain."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sympy as sp

from ankigen.check.cache import FormulaRow
from ankigen.check.lines import offset_span
from ankigen.check.vocabulary import FunctionDef
from ankigen.model import Span

if TYPE_CHECKING:
    from ankigen.check.chains import Step

_APPROX_SIDE = re.compile(
    r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(?:(?:\\times|\\cdot|×)\s*10\s*\^\s*(?:\{\s*([+-]?\d+)\s*\}|(\d)))?\s*$")


@dataclass(frozen=True)
class Definition:
    target: sp.Expr  # a symbol, or an element of a family such as R_{0}
    value: sp.Expr
    span: Span
    text: str
    section: int = 0


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
    single: bool = False  # a lone relation, claimed only when closed or about something defined
    chain: bool = False  # a step of a derivation that defines nothing: equations if no step holds


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
    functions: dict[str, FunctionDef] = field(default_factory=dict)
    sequences: dict[str, Sequence] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    formulas: list[FormulaRow] = field(default_factory=list)  # what became of each display formula
    problems: list[Problem] = field(default_factory=list)
    met: set[str] = field(default_factory=set)

    def visible(self, section: int, imported: list[Definition]) -> dict:
        """The definitions a claim in `section` sees, by target: inline ones first, then those of
        the cards it uses, then the card's own (before any sub-heading, or in the same one)."""
        here = (0, section)
        found = {d.target: d for d in self.assumptions if d.section in here}
        found.update({d.target: d for d in imported})
        found.update({d.target: d for d in self.definitions if d.section in here})
        return found


def tolerance_of(text: str) -> sp.Rational | None:
    """Half a unit in the last significant digit written: `9.54 \\times 10^{-7}` → 5e-10."""
    m = _APPROX_SIDE.match(text)
    if not m:
        return None
    mantissa, exp = m.group(1), int(m.group(2) or m.group(3) or 0)
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


def make_claim(step: "Step", text: str, start: Span, source: str, in_block: bool, key: tuple, bindings=(), lists=(),
           consumed=frozenset(), section: int = 0, marked: bool = False, single: bool = False,
           chain: bool = False) -> Claim | None:
    """A step as a claim; None for an \\approx without a decimal side."""
    lhs_start = step.lhs_start if step.lhs_start >= 0 else step.start
    shown = " ".join(text[min(step.start, lhs_start):step.end].split())
    tol = approx_tolerance(step.lhs_text, step.rhs_text) if step.rel in ("~", "=") else None
    if step.rel == "~" and tol is None:
        return None
    span = offset_span(start, source, step.start, step.end - step.start)
    return Claim(key, step.lhs, step.rel, step.rhs, shown, span, in_block, section, step.set_name, tol,
                 tuple(bindings), tuple(lists), consumed, marked, single, chain)
