"""One card's formulas under one Reading: definitions, functions, sequences, claims, statements.

What is defined (SOURCE_FORMAT.md, "Checked formulas"): a display equation whose left side is a
symbol not yet defined defines it (a name defined again starts a new definition when the form
says so: a new derivation, "is defined by", other symbols); `f(x) = …` defines a function;
`R_n = R_{n-1} + …` with a base case defines a sequence. Every other relation becomes a claim
here, and form.py decides, before anything is evaluated, which of them are meant. Every line of
a check block is a claim (checkblock.py).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace

import sympy as sp

from ankigen.check.chains import (applied_names, function_def, function_head, is_relation, is_target, parse_chain,
                                  recurrence, top_relations)
import ankigen.check.prose as prose
from ankigen.check.checkblock import read_checks
from ankigen.check.cache import FormulaRow
from ankigen.check.claims import DECIMAL, CardReading, Definition, Problem, Sequence, make_claim
from ankigen.check.decide import sampled
from ankigen.check.form import depends_on, symbols_of
from ankigen.check.lines import offset_span
from ankigen.check.reader import Parser
from ankigen.check.reading import Reading
from ankigen.check.resolve import Circular, TooLarge, resolve
from ankigen.check.matrices import OPERATOR_NAMES, Literal, is_matrix
from ankigen.check.operators import size
from ankigen.check.statements import marker, masked, shown, statements
from ankigen.check.tokens import MathError, Tok, closing
from ankigen.check.probability import is_operator_name
from ankigen.check.vectors import (TRANSPOSED, WRITTEN, beside_identity, bold_letters, consistent, declarations,
                                   only_transposes, shared_shapes, summed, transposed)
from ankigen.check.vocabulary import COMPLEX, GREEK, RELATIONS, SIGNED, FunctionDef, Opaque, Scope, symbol
from ankigen.model import Formula


# d itself a value: d = 512, d^2, d_k, \sqrt{d}
_D_ALONE = re.compile(r"(?<![A-Za-z\\])d\s*(?:\^|_|=(?!:)|\})")
# d as the operator itself: \frac{d}{dx}, \mathrm{d}x
_D_OPERATOR = re.compile(r"\\frac\s*\{\s*d\s*\}|\\(?:mathrm|operatorname|text)\s*\{\s*d\s*\}")


# π the number: 2\\pi, \\sqrt{\\pi}, \\frac{\\pi}{2}, \\pi/4, \\sin(\\pi x)
_PI_NUMBER = re.compile(r"(?:\d|\{)\s*\\pi(?![A-Za-z(_])|\\pi\s*/|\\(?:sin|cos|tan)\s*\(?\s*\\pi")


# π applied to a letter: \pi(t), \pi(a|s), \pi_\theta(a \mid s)
_PI_APPLIED = re.compile(r"\\pi(?:_\s*(?:\{[^{}]*\}|\\?\w+))?\s*\(\s*[A-Za-z](?:\s*(?:\||\\mid|,)[^()]*)?\)")


def variables_of(texts: list[str]) -> frozenset[str]:
    """`e` or `i` defined on the card (`e = y - \\hat{y}`) are variables there, usually; so is `\\pi` given
    a value (`\\pi = [\\ldots]`, a stationary distribution), and d written as a
    value (`d = 512`, `d^2`). `texts` are the card's formulas, masked."""
    found = set()
    for text in texts:
        # at the start of a row or after a separator: `\\ e &= \cos(c)`, `\text{where } e = y - \hat{y}`
        # (not `\frac{-2}{25} i = …`, a term ending in i)
        # (`\pi = 3.1416`, `e = 2.718` write the constants' values, and leave them constants)
        for m in re.finditer(r"(?:^|[&,;{]|\\\\|\\q?quad|\\text\s*\{[^{}]*\})\s*([ei]|\\pi(?![A-Za-z_])(?:\s*\([^()]*\))?)\s*&?\s*:?="
                             r"(?!\s*(?:3\.1|2\.7))", text):
            if "(" in m.group(1) and any(_PI_NUMBER.search(t) for t in texts):
                continue  # \\pi(x) = \\frac{1}{\\sqrt{2\\pi}} …: π the number is in use beside π the density
            found.add(m.group(1).split("(")[0].strip())  # \\pi(x) = C e^{-x^2}: a density named π
    if any(_PI_APPLIED.search(t) for t in texts) and not any(_PI_NUMBER.search(t) for t in texts):
        found.add("\\pi")  # \pi(a|s), \pi(t): a policy or a density named π, never the number
    if any(_D_ALONE.search(_D_OPERATOR.sub(" ", t)) for t in texts):
        found.add("d")  # d = 512, d^2, d_k: d is a value here, never the operator of dx/dy
    return frozenset(found)


# y', y^{\prime}, \dot{y}, \frac{dy}{dt}: y is a function of a variable (not x' in k(x, x'), another point)
_FUNCTION_WRITTEN = re.compile(r"(?<![\\A-Za-z(,])([A-Za-z])\s*(?:'|\^\s*\{?\s*\\prime)(?!\s*[,)])"
                               r"|\\dot\s*\{?\s*([A-Za-z])(?![A-Za-z])"
                               r"|\\frac\s*\{\s*d\s*([A-Za-z])\s*\}\s*\{\s*d\s*[A-Za-z]\s*\}")


def functions_of(texts: list[str]) -> frozenset[str]:
    """The letters the card writes as functions of a variable, by a derivative of them (`y' - \\frac12 y
    = 4e^{-t}`): where such a letter stands alone, it is the function written without its argument."""
    return frozenset(g for t in texts for m in _FUNCTION_WRITTEN.finditer(t) for g in m.groups() if g)


# 3 + 4i, 2 - i, (1+3)i, i^2 = -1: complex numbers written as a school writes them
_COMPLEX = re.compile(r"(?:\d\s*[+-]\s*\d*|\d|\))\s*i(?![A-Za-z_^{])|(?<![A-Za-z\\_])i\s*\^\s*\{?\s*2\s*\}?\s*=\s*-\s*1(?!\d)")
# i as an index or a counter: x_i, a_{ij}, \sum_{i=1}, i = 1, \dots, n
_INDEX_I = re.compile(r"_\s*(?:i|\{[^{}]*(?<![A-Za-z\\])i(?![A-Za-z]))"
                      r"|(?:^|[,{(&;]|\\\\)\s*(?:i|\\mathrm\{i\})\s*(?:=|\\in\b|\\le|<|\\ne)")


# `z_1 = 2 + i`, `w &= 3 - 4i`: a name and the value it is given, up to the next relation or separator
_GIVEN = re.compile(r"(?:^|[\s,;&{]|\\\\)([A-Za-z])(?:_\s*\{?\s*(\w+)\s*\}?)?\s*&?\s*=\s*([^=,;&]*)")


def imaginary_of(texts: list[str]) -> frozenset[str] | None:
    """Whether the card writes complex numbers (`z = 3 + 4i`) and never uses i as an index or a counter:
    then a bare i is the imaginary unit, as it is inside e^{…} on any card. The names given a complex
    value, or None for a card without complex numbers."""
    if not any(_COMPLEX.search(t) for t in texts) or any(_INDEX_I.search(t) for t in texts):
        return None
    return frozenset(letter + (f"_{{{sub}}}" if sub else "") for t in texts
                     for letter, sub, value in _GIVEN.findall(t) if _COMPLEX.search(value) and letter != "i")


# j as engineers write the imaginary unit: e^{-jωt}, jω, j2πf, R + jX, j^2 = -1
_ENGINEERS_J = re.compile(r"e\s*\^\s*\{?\s*-?\s*j(?![A-Za-z])"
                          r"|(?<![A-Za-z\\_])j\s*(?:\\omega|\\Omega|\\theta|\\phi|\\varphi|2\s*\\pi)(?![A-Za-z])"
                          r"|[+-]\s*j\s*(?:[A-Z]|\\frac\b)|(?<![A-Za-z\\_])j\s*\^\s*\{?\s*2\s*\}?\s*=\s*-\s*1(?!\d)")
# j as an index or a counter: x_j, a_{ij}, \sum_{j=1}, j = 1, \dots, n
_INDEX_J = re.compile(r"_\s*(?:j|\{[^{}]*(?<![A-Za-z\\])j(?![A-Za-z]))|(?:^|[,{(&;]|\\\\)\s*j\s*(?:=|\\in\b|\\le|<|\\ne)")


def engineers_j(texts: list[str]) -> bool:
    """Whether the card writes j for the imaginary unit, as electrical engineering and signal
    processing do (`e^{-j\\omega n}`, `R + jX`), and never uses j as an index or a counter."""
    return any(_ENGINEERS_J.search(t) for t in texts) and not any(_INDEX_J.search(t) for t in texts)


# a letter on its own (`C(1 - e^{-Kt})`, `K, C > 0`), not subscripted (F_1 is no F), not part of a word
_ALONE = re.compile(r"(?<![A-Za-z\\])([A-Za-z])(?![A-Za-z]|\s*_)")
# a run of letters given a value (`TP = 80`, `, net = 3`): a name of its own
_WORD_GIVEN = re.compile(r"(?:^|[,;&{(]|\\\\|\\q?quad)\s*([A-Za-z]{2,})\s*&?\s*:?=(?!:)")


def alone_of(texts: list[str]) -> frozenset[str]:
    """The letters the card writes on their own (`K, C > 0`, `C(1 - e^{-Kt})`): written together
    (`KC`, `e^{inx}`) they are a product, not one name. So is i on a card that never makes it an
    index. A run the card gives a value (`TP = 80`) is a name whatever its letters; it is returned
    too, as a run, so that the reader keeps it one."""
    found = {letter for t in texts for letter in _ALONE.findall(t)}
    if not any(_INDEX_I.search(t) for t in texts):
        found.add("i")
    return frozenset(found | {w for t in texts for w in _WORD_GIVEN.findall(t)})


# dW = …, dz_2 := …, du' = 1, … =: dz_2: a name made of d and a letter, given a value
_NAMED_DIFFERENTIAL = re.compile(r"(?:(?:^|[,;&{(]|\\\\|\\q?quad|\\[ ,;])\s*d([A-Za-z])(?:_\s*(?:\{[^{}]*\}|\w))?'*\s*:?=(?!:)"
                                 r"|=:\s*d([A-Za-z]))")


def differentials_of(texts: list[str], variables: frozenset[str]) -> frozenset[str]:
    """The letters X whose dX the card names (`dW = X^T dZ`, `\\ldots =: dz_2`, `du' = 1`): there dX is
    one name, a differential or a gradient in backprop's shorthand, never d times X. Not on a card
    where d is a value of its own (`d = 512`, `d^2`: d among the card's `variables`)."""
    if "d" in variables:
        return frozenset()
    return frozenset(a or b for t in texts for a, b in _NAMED_DIFFERENTIAL.findall(t))


_STEP_ROW = re.compile(r"(?:^|\\\\|&)\s*(\\?[A-Za-z]+)\s*\^\s*(\{[^{}]*\}|\w)\s*&?\s*=([^=]*)")
_COUNTER = re.compile(r"\d|[a-z]|[a-z]\s*[+-]\s*\d")  # what counts steps: 0, t, k+1, n-1
_SUPERSCRIPTED = re.compile(r"(\\?[A-Za-z]+)\s*\^\s*(\{[^{}]*\}|\w)")


def labelled_of(formulas: tuple[Formula, ...]) -> frozenset[str]:
    """Letters whose superscripts count steps, as in `w^{t+1} = w^t - \\frac{\\eta^t}{\\sigma^t} g^t`: a
    row that gives a superscripted letter from the same letter with another superscript is a step of
    a sequence, not a power, and so is every letter in it written with that other superscript."""
    found = set()
    for f in formulas:
        for m in _STEP_ROW.finditer(masked(f.latex)):
            base, own, rest = m.group(1), m.group(2).strip("{} "), m.group(3)
            earlier = {s.strip("{} ") for b, s in _SUPERSCRIPTED.findall(rest) if b == base} - {own}
            if not _COUNTER.fullmatch(own) or not all(_COUNTER.fullmatch(s) for s in earlier):
                continue  # Q^T = Q^{-1}: a transpose and an inverse, no steps
            # a^{n+1} = a \cdot a^n writes a bare: a power law, not a step
            bare = re.search(rf"(?<![A-Za-z\\]){re.escape(base)}(?![A-Za-z]|\s*[\^_])", rest)
            if base[-1:].isalpha() and len(base.lstrip("\\")) <= 1 + 5 * base.startswith("\\") and earlier \
                    and not bare:
                found.add(base)
                found |= {b for b, s in _SUPERSCRIPTED.findall(rest) if s.strip("{} ") in earlier}
    return frozenset(found)


@dataclass
class _Card:
    """The state of reading one card: what is defined so far, per section."""

    reading: Reading
    references: dict
    variables: frozenset[str]
    imported: set = field(default_factory=set)  # names defined on cards this one uses
    imaginary: bool = False  # the card writes complex numbers: i is the imaginary unit (imaginary_of)
    unit_j: bool = False  # j is the imaginary unit, as engineers write it (engineers_j)
    index_i: bool = False  # the card uses i as an index (_INDEX_I)
    t_transposes: bool = False  # every T on the card is a superscript: a transpose (only_transposes)
    differentials: frozenset[str] = frozenset()  # letters X whose dX the card names (differentials_of)
    written_functions: frozenset[str] = frozenset()  # letters the card writes as functions (functions_of)
    alone: frozenset[str] = frozenset()  # letters the card writes on their own, and runs it gives values (alone_of)
    out: CardReading = field(default_factory=CardReading)

    applied: frozenset[str] = frozenset()  # names the current formula applies more than once
    conditions: tuple = ()  # the conditions stated with the current formula
    matrices: dict = field(default_factory=dict)  # by sub-heading: names declared in ℝ^{m×n}, their shapes
    section: int = 0  # the sub-heading of the formula being read
    bold: dict = field(default_factory=dict)  # letters the formula being read also writes in bold
    substituted: dict = field(default_factory=dict)  # by sub-heading: names a worked example gave values to
    symmetric: set = field(default_factory=set)  # sub-headings whose prose spoke of symmetric matrices so far
    unit: set = field(default_factory=set)  # sub-headings whose prose spoke of unit vectors so far
    independent: set = field(default_factory=set)  # sub-headings whose prose called random variables independent
    parity: dict = field(default_factory=dict)  # by sub-heading: letters the prose called even or odd
    stated: set = field(default_factory=set)  # operators the card states in other terms (tr(A) = \sum_i a_{ii})
    section_functions: dict = field(default_factory=dict)  # by sub-heading: the functions defined under it
    rounded: set = field(default_factory=set)  # decimals the card wrote as an approximation (√10 ≈ 3.1623)
    # the last right side of the display formula just read (value, text, its index, section): what a
    # display that starts with `=` continues
    last_side: tuple | None = None
    star: bool = False  # `*` between letters is a product on this card
    labelled: frozenset[str] = frozenset()  # letters whose superscripts count steps (labelled_of)

    def define_function(self, name: str, fn) -> None:
        earlier = self.functions().get(name)
        if earlier is not None and earlier != fn:
            # F(x) of a second example after the first's: a later formula may go back to the first
            self.out.met.add("redefined")
            if self.reading.flipped("redefined"):
                return
        self.out.functions[name] = fn
        self.section_functions.setdefault(self.section, {})[name] = fn

    def drop_function(self, name: str) -> None:
        """The name now holds a value (f = d + e after f(x) = …): it is no function anywhere on the card."""
        self.out.functions.pop(name, None)
        for found in self.section_functions.values():
            found.pop(name, None)

    def functions(self) -> dict:
        """The functions a formula in the current sub-heading sees: those defined before any sub-heading
        or under this one (a construction's f in one sub-heading is not the next one's, and what one case
        says of σ leaves the card's own σ as it was for the next case)."""
        return {**self.section_functions.get(0, {}), **self.section_functions.get(self.section, {})}

    def declared(self) -> tuple:
        return _sized(self.matrices.get(self.section, self.matrices.get(0, {})))

    def scope(self, values: dict | None = None) -> Scope:
        return Scope(functions=self.functions(), references=self.references, values=values or {},
                     reading=self.reading, variables=self.variables, met=self.out.met, applied=self.applied,
                     matrices=self.matrices.get(self.section, self.matrices.get(0, {})), bold=self.bold,
                     star=self.star, labelled=self.labelled, imaginary=self.imaginary, unit_j=self.unit_j,
                     index_i=self.index_i,
                     differentials=self.differentials, alone=self.alone, t_transposes=self.t_transposes)

    def defined(self, target: sp.Expr, section: int) -> bool:
        return any(d.target == target and d.section in (0, section) for d in self.out.definitions)

    def defined_names(self, section: int) -> set:
        own = {d.target for d in self.out.definitions if d.section in (0, section)}
        return own | self.imported

    def visible_text(self, target, section: int) -> str:
        """The written text of the latest definition of target that `section` sees, or ''."""
        for d in reversed(self.out.definitions):
            if d.target == target and d.section in (0, section):
                return d.text
        return ""

    def visible_line(self, target, section: int) -> int:
        for d in reversed(self.out.definitions):
            if d.target == target and d.section in (0, section):
                return d.span.line
        return 0

    def visible_value(self, target, section: int):
        """The latest definition of target that a formula in `section` sees, or None."""
        d = self.visible_definition(target, section)
        return d.value if d is not None else None

    def visible_definition(self, target, section: int) -> Definition | None:
        for d in reversed(self.out.definitions):
            if d.target == target and d.section in (0, section):
                return d
        return None


def read_card(formulas: tuple[Formula, ...], check_lines, inline: tuple[Formula, ...], reading: Reading,
              references: dict, display: bool = True, imported: set | None = None,
              imported_functions: dict | None = None) -> CardReading:
    """Everything one card's formulas and check blocks say, read under `reading`."""
    texts = [masked(f.latex) for f in (*formulas, *inline)]  # what the card-wide readings below scan
    named = frozenset().union(*(prose.named(f) for f in (*formulas, *inline)))
    state = _Card(reading, references, variables_of(texts) | named, set(imported or ()))
    state.labelled = labelled_of(formulas)
    state.out.functions.update(imported_functions or {})
    state.section_functions[0] = dict(imported_functions or {})
    state.differentials = differentials_of(texts, state.variables)
    state.written_functions = functions_of(texts)
    state.unit_j = engineers_j(texts)
    state.t_transposes = only_transposes(texts)
    state.alone = alone_of(texts) | ({"j"} if state.unit_j else frozenset())  # jX, jω: j times
    complex_names = imaginary_of(texts)
    state.imaginary = complex_names is not None
    state.index_i = any(_INDEX_I.search(t) for t in texts)
    complex_token = COMPLEX.set(complex_names or frozenset())
    try:
        read = _read_all(state, formulas, check_lines, inline, display)
        read.runs = runs_of(texts)
        return read
    finally:
        COMPLEX.reset(complex_token)


_INDEXED = re.compile(r"(\\?[A-Za-z]+)\s*_\s*\{\s*([A-Za-z]*)([A-Za-z0-9])\s*\}")


def runs_of(texts: list[str]) -> dict:
    """The last indices the card writes each family at, by (name, index prefix): `\\lambda_{L1}`,
    `\\lambda_{Lm}` make λ_{L·} a family, so `\\lambda_{Lk}` there is an element, not a typo."""
    seen: dict = {}
    for text in texts:
        for base, prefix, last in _INDEXED.findall(text):
            seen.setdefault((base, prefix), set()).add(last)
    return seen


def _read_all(state: _Card, formulas, check_lines, inline, display: bool) -> CardReading:
    state.matrices = _declared(state, formulas, inline)
    state.out.declared = _sized({k: v for part in state.matrices.values() for k, v in part.items()})
    state.out.declared_in = {section: _sized(part) for section, part in state.matrices.items()}
    state.out.distributions = _distributed(state, formulas, inline)
    state.star = _star_multiplies(formulas, inline)
    if _sigmoid_meant(formulas, inline):
        state.define_function(*_sigmoid())
    if _normal_meant(formulas, inline):
        state.define_function("\\Phi", _normal_cdf(state.reading))
    # in the order written: notes redefine f from example to example, inline as often as displayed
    order = sorted([(f.span.line, f.span.col, 0, n) for n, f in enumerate(formulas)]
                   + [(f.span.line, f.span.col, 1, n) for n, f in enumerate(inline)])
    for _, _, kind, n in order:
        formula = formulas[n] if kind == 0 else inline[n]
        for letter, parity in prose.parity(formula):  # "with $k$ even": for the rest of that part of the card
            state.parity.setdefault(formula.section, {})[letter] = parity
        if kind == 0:
            _read_formula(state, n, formulas[n], display)
        else:
            first = len(state.out.claims)
            _read_inline(state, n, inline[n])
            _carry_rounding(state, first)
    _read_base_cases(state, inline)
    read_checks(state, check_lines)
    return state.out


# σ applied, or its derivative: σ(z), σ\left(z\right), σ'(z), σ^{\prime}(z)
_SIGMA_APPLIED = re.compile(r"\\sigma(?![A-Za-z])\s*(?:\(|\\left\s*\(|'|\^\s*\{?\s*(?:'|\\prime))")


def _satisfied_by_unknown(state: _Card, formula: Formula) -> bool:
    """"$d_\\pi$ is the stationary distribution; it satisfies:" before `d_\\pi^T P_\\pi = d_\\pi^T`: an equation
    that a name the sentence gives and the card does not define satisfies (a distribution, an
    eigenvector), not an identity. A name the card defines (the sigmoid "satisfies" σ' = σ(1 − σ)) is
    no unknown, and its formula stays a claim; so does a chain (`\\|e\\|^2 = e^T e = 1` of a unit vector e,
    whose first step holds for every e)."""
    names = prose.satisfied_by(formula)
    if names is None:
        return False
    try:
        if any(len(top_relations(list(s.toks))) > 1 for s in statements(formula.latex)):
            return False
    except MathError:
        return False
    for text in names:
        if text.strip() not in formula.latex:
            continue
        try:
            name = Parser(_tokens(text), state.scope()).expression()
        except (MathError, RecursionError, TypeError, ValueError, AttributeError):
            continue
        if isinstance(name, sp.Symbol) and not state.defined(name, formula.section) \
                and str(name) not in state.out.functions:
            return True
    return False


def _star_multiplies(formulas: tuple[Formula, ...], inline: tuple[Formula, ...]) -> bool:
    """`net_{h1} = w_1 * i_1 + w_2 * i_2 + b_1 * 1`: on a card that never speaks of convolution (nor of
    signals, filters or kernels), `*` between letters is the product of plain-text notes."""
    return not any(prose.convolution(f) for f in formulas + inline)


@functools.cache
def _sigmoid() -> tuple:
    toks = list(statements(r"\sigma(x) = \frac{1}{1 + e^{-x}}")[0].toks)
    name, fn, _ = function_def(toks, function_head(toks), Scope())
    return name, fn


def _normal_cdf(reading) -> FunctionDef:
    """Φ of the standard normal distribution, in the convention the reading takes (see reading.py)."""
    x = sp.Symbol("x")
    cdf = (1 + sp.erf(x / sp.sqrt(2))) / 2
    body = 1 - cdf if reading.flipped("phitail") else cdf - sp.Rational(1, 2) if reading.flipped("phihalf") else cdf
    return FunctionDef((x,), body, frozenset({"phitail", "phihalf"}))


_PHI_APPLIED = re.compile(r"\\Phi(?![A-Za-z])\s*(?:\(|\\left\s*\()")


def _normal_meant(formulas: tuple[Formula, ...], inline: tuple[Formula, ...]) -> bool:
    """A card about the normal distribution that applies Φ without defining it, and writes it nowhere
    else (Φ alone, Φ^T: a feature matrix), means its distribution function: `\\Phi(1.96) = 0.975`."""
    every = formulas + inline
    if not any(prose.normal(f) for f in every):
        return False
    uses = [len(re.findall(r"\\Phi(?![A-Za-z])", f.latex)) for f in every]
    applied = [len(_PHI_APPLIED.findall(f.latex)) for f in every]
    return sum(applied) > 0 and uses == applied


def _sigmoid_meant(formulas: tuple[Formula, ...], inline: tuple[Formula, ...]) -> bool:
    """A card about the sigmoid (its heading or the sentences around its formulas say so) that applies
    σ without defining it means the logistic function: `\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))` is
    then a claim. Not when σ also stands alone (σ², σ_1: a deviation, a singular value), nor when
    the card gives σ a definition of its own (which replaces this one where it is written)."""
    every = formulas + inline
    said = any(prose.sigmoid(f) for f in every)
    if not said:
        return False
    uses = [len(re.findall(r"\\sigma(?![A-Za-z])", f.latex)) for f in every]
    applied = [len(_SIGMA_APPLIED.findall(f.latex)) for f in every]
    return sum(applied) > 0 and uses == applied


# `\text{where } \phi &= …` on the rows after a claim: names the rows above use
_WHERE = re.compile(r"\\(?:text|textrm|mathrm|mbox)\s*\{\s*(?:where|with|其中)(?![A-Za-z])[^{}]*\}[\s&]*$", re.I)


def _about_stated(state: _Card, step) -> bool:
    r"""A claim about an operator the card states in other terms (`\text{tr}(A) = \sum_i a_{ii}`, then
    examples A and B, then `tr(B) = tr(A)` for a B similar to A): the card's letters may be its
    examples or any matrices, which the words say; not claimed."""
    if not state.stated:
        return False
    built = {OPERATOR_NAMES[name] for name in OPERATOR_NAMES if f"\\mathrm{{{name}}}" in state.stated}
    for side in (step.lhs, step.rhs):
        if side is None:
            continue
        if any(side.has(kind) for kind in built):
            return True
        if any(f.func.__name__ in state.stated for f in side.atoms(sp.core.function.AppliedUndef)):
            return True
    return False


def _implications(state: _Card, n: int, found: list, formula: Formula, quoted: str, defs_before: int) -> None:
    r"""`\frac{p}{1-p} = e^z \Rightarrow p = e^z(1 - p)`: two steps of solving joined by an implication
    (each a condition on its own) claim that the second follows from the first (implications.py)."""
    from ankigen.check.chains import Step
    from ankigen.check.implications import unknown_of
    from ankigen.check.statements import implication_between

    joined = [k for k in range(len(found) - 1) if implication_between(formula.latex, found[k], found[k + 1])]
    if not joined:
        return  # most formulas: nothing more to read
    scope = state.scope()
    equations = []
    for k, stmt in enumerate(found):
        step = None
        if stmt.condition or stmt.premise or k - 1 in joined:
            try:
                steps = parse_chain(list(stmt.toks), scope, quoted, display_set=True)
            except (MathError, RecursionError, TypeError, ValueError, AttributeError, ArithmeticError):
                steps = None
            if steps and len(steps) == 1 and steps[0].rel == "=" and steps[0].rhs is not None \
                    and not is_matrix(steps[0].lhs) and not is_matrix(steps[0].rhs):
                step = steps[0]
        equations.append(step)
    defined = {str(d.target) for d in state.out.definitions} | set(state.functions())
    isolated = {side for eq in equations if eq is not None for side in (eq.lhs, eq.rhs) if isinstance(side, sp.Symbol)}
    for k in joined:
        first, second = equations[k], equations[k + 1]
        if first is None or second is None:
            continue
        unknown = unknown_of((first.lhs, first.rhs), (second.lhs, second.rhs), defined, isolated)
        if not unknown:
            continue
        step = Step(first.lhs - first.rhs, "=>", second.lhs - second.rhs, first.start, second.end,
                    lhs_text=quoted[first.start:first.end], rhs_text=quoted[second.start:second.end])
        claim = make_claim(step, quoted, formula.span, formula.latex, False, (n, "=>", k), section=formula.section,
                           defs_at=defs_before, conditions=state.conditions)
        if claim is not None:
            state.out.claims.append(replace(claim, unknown=unknown))


def _where_first(latex: str, found: list) -> list:
    """The statements in the order they are read: from the first one led by "where" on, they give
    the names the statements before them use, and are read first."""
    at = next((k for k, stmt in enumerate(found) if k and stmt.toks
               and _WHERE.search(latex, max(0, stmt.toks[0].start - 80), stmt.toks[0].start)), None)
    pairs = list(enumerate(found))
    return pairs if at is None else pairs[at:] + pairs[:at]


def _read_formula(state: _Card, n: int, formula: Formula, display: bool) -> None:
    latex = formula.latex
    mark = marker(latex)
    if mark == "nocheck":
        state.out.formulas.append(FormulaRow(formula.span, "nocheck"))
        return
    before = len(state.out.claims), len(state.out.definitions) + len(state.out.functions) + len(
        state.out.sequences)
    quoted = shown(latex)
    state.section = formula.section
    defs_before = len(state.out.definitions)  # a step of solving sees none of its own formula's (u = 5)
    head = None
    if state.last_side is not None and state.last_side[2:] == (n - 1, formula.section) and not prose.anew(formula):
        head = state.last_side[:2]  # not after "Alternatively, …": another way to the same quantity
    state.last_side = None
    try:
        found = statements(latex)
        if found and found[0].toks and found[0].toks[0].start != len(latex) - len(latex.lstrip()):
            head = None  # `\text{the z score} = …`: words before the relation, not a display going on
        state.applied = applied_names([t for stmt in found for t in stmt.toks])
        state.bold = bold_letters([t for stmt in found for t in stmt.toks])
        around = _conditions(state, [], formula.near)  # a false one of the formula's own is a false claim
        state.conditions = _conditions(state, [list(stmt.toks) for stmt in found], ()) + around + \
            _probabilities(state, prose.probabilities(formula)) + _counted(state, prose.counted(formula)) + \
            tuple((sp.Symbol(letter), kind, sp.Integer(0)) for letter, kind in state.parity.get(formula.section, {}).items())
        # "if $\alpha = 1$"; "≈ 25.7$ million": a condition, or a value in units the formula does not hold
        condition = prose.condition(formula) or prose.scaled(formula) or prose.not_claimed(formula) \
            or _satisfied_by_unknown(state, formula) or _impossible(around)
        signed = SIGNED.set(_signed(state.conditions))
        try:
            where = prose.where_clause(formula)
            for k, stmt in _where_first(latex, found):
                if (stmt.condition or condition or (stmt.premise and _one_unknown(state, stmt.toks))
                        or where and _a_total(stmt.toks)) and mark != "check":
                    # "if α = 1", H_1: μ_1 ≠ μ_2, a step of solving; "where …, \sum_k n_k = N": a total the
                    # model's data meets (one-hot indicators), not an identity: it defines nothing, claims nothing
                    continue
                _read_statement(state, (n, k), list(stmt.toks), formula, quoted, mark == "check", display,
                                head if k == 0 else None)
                if state.last_side is not None:
                    state.last_side = state.last_side[:2] + (n, formula.section)
            if display:
                _implications(state, n, found, formula, quoted, defs_before)
        finally:
            SIGNED.reset(signed)
    except MathError as exc:
        span = offset_span(formula.span, latex, exc.offset, exc.length)
        if mark == "check":
            state.out.problems.append(Problem("M001", f"cannot read the formula marked '% check': {exc.message}",
                                              span, True, exc.hint))
        state.out.formulas.append(FormulaRow(formula.span, "unreadable", exc.message, exc.construct))
        return
    _carry_rounding(state, before[0])
    claimed = len(state.out.claims) > before[0]
    defined = len(state.out.definitions) + len(state.out.functions) + len(state.out.sequences) > before[1]
    status = "claimed" if claimed else "definition" if defined else "statement" if display else "off"
    state.out.formulas.append(FormulaRow(formula.span, status, "definition" if claimed and defined else ""))


def _one_unknown(state: _Card, toks) -> bool:
    """Whether a premise is an equation in one unknown the card does not define (`λ^2 = 3λ + 2 ⟹ …`):
    a condition. A premise about the card's own names (t for `t_{k+1} = …`), or in several letters
    (`\\log_b p = \\frac{\\log_c p}{\\log_c b} ⟹ …`, an identity), is a step of a derivation."""
    letters = {t.text for t in toks if t.kind == "letter" or (t.kind == "cmd" and t.text[1:] in GREEK)}
    defined = {str(d.target).split("_")[0].split("^")[0] for d in state.out.definitions}
    defined |= {name.split("_")[0] for name in state.out.sequences}
    return len(letters) == 1 and not letters & defined


_APPROXIMATED = re.compile(r"\\approx\s*(-?\d+\.\d+)\s*$")


def _carry_rounding(state: _Card, first: int) -> None:
    """A decimal the card wrote as an approximation (`\\sqrt{10} \\approx 3.1623`) carries its
    rounding into the computations that use it: `\\frac{100}{3.1623 \\times 31.6228} = 1` holds to
    within what the rounding of 3.1623 and 31.6228 explains (each side computed again with every
    such decimal half a unit of its last place up or down), and no further. A decimal never
    written as an approximation (a datum such as 1.44) is exact, as before."""
    claims = state.out.claims
    for k in range(first, len(claims)):
        claim = claims[k]
        if claim.rel != "=" or not (state.rounded or claim.roundings):
            continue
        # A step that writes results of its own (78 - 3.785 × 5.2 = 78 - 19.642) is judged by their
        # rounding alone: the numbers it computes from are exact there, whatever they approximate.
        rounded = set(claim.roundings) or state.rounded
        used = {m.group(0): len(m.group(2)) for m in DECIMAL.finditer(claim.text) if m.group(0) in rounded}
        carried = _rounding_spread(state, claim, list(used.items())[:_MOST_ROUNDED]) if used else None
        if carried is not None and (claim.tolerance is None or carried > claim.tolerance):
            claims[k] = replace(claim, tolerance=carried)
    for claim in claims[first:]:
        m = _APPROXIMATED.search(claim.text) if claim.rel == "~" else None
        if m is not None:
            state.rounded.add(m.group(1).lstrip("-"))


_MOST_ROUNDED = 4  # rounded decimals varied together in one claim: 16 evaluations of each side


def _rounding_spread(state: _Card, claim, used: list[tuple[str, int]]) -> sp.Rational | None:
    """How far the claim's sides can move apart when each rounded decimal in it takes any value that
    rounds to it. Decimals on the right side only (`\\binom{2}{1} P (1 - P) = 2(0.376)(1 - 0.376)` after
    `$P \\approx 0.376$`) move that side alone, whatever the left side names."""
    right_only = {d for d, _ in used} <= set(claim.roundings)

    def sides(text: str):
        found = statements(text)
        steps = parse_chain(list(found[0].toks), state.scope(), text) if len(found) == 1 else None
        if not steps or len(steps) != 1 or not steps[0].rhs.is_number:
            raise ValueError(text)
        if steps[0].lhs.is_number:
            return steps[0].lhs - steps[0].rhs
        if right_only:
            return steps[0].rhs
        raise ValueError(text)

    return rounding_spread(claim.text, used, sides)


def rounding_spread(text: str, used: list[tuple[str, int]], measure) -> sp.Rational | None:
    """How far measure(text) moves when each decimal written in `used` (with its places) takes any
    value that rounds to it: the text read again with each one half a unit of its last place up or
    down (the reader computes numbers as it reads them, so the decimals are varied in the text).
    None when measure refuses a reading (ValueError) or nothing moves."""
    from itertools import product

    def value(text: str):
        found = measure(text)
        if found.has(sp.Integral, sp.Sum, sp.Product, sp.Limit, sp.Derivative):
            raise ValueError(text)  # numerical integration, sixteen times over, is not a rounding's measure
        return sp.N(found, 15)

    try:
        centre = value(text)
        spread = sp.Integer(0)
        for signs in product((-1, 1), repeat=len(used)):
            moved_text = text
            for (written, places), sign in zip(used, signs):
                moved = sp.Rational(written) + sign * sp.Rational(1, 2 * 10 ** places)
                moved_text = re.sub(rf"(?<![\d.]){re.escape(written)}(?![\d.])", f"{float(moved):.{places + 1}f}",
                                    moved_text)
            spread = max(spread, sp.nsimplify(abs(value(moved_text) - centre), rational=True))
    except (MathError, RecursionError, TypeError, ValueError, AttributeError, ArithmeticError):
        return None
    return spread if spread > 0 else None


def _error_function(head, toks: list[Tok], scope) -> bool:
    """`E(w) = \\frac{1}{2}\\sum_n (y_n - t_n)^2`: the plain letter E of a lower-case parameter, whose
    body uses it, is an error or energy function the card defines; E(X) of a random variable (upper
    case) is an expectation."""
    name, params, _ = head
    if name != "E" or not all(p[:1].islower() or p.startswith("\\") for p in params):
        return False
    try:
        fn = function_def(toks, head, scope)[1]
    except (MathError, RecursionError, TypeError, ValueError, AttributeError):
        return False
    return bool(set(fn.params) & fn.body.free_symbols) and not any(
        is_operator_name(type(c).__name__) for c in fn.body.atoms(sp.Function))


# Operators with a meaning of their own, which a card states facts about rather than defines
_OWN_MEANING = {"\\mathrm{" + name + "}" for name in (*OPERATOR_NAMES, "rank", "diag")} | {
    "P", "\\Pr", "\\mathbb{P}"}  # P(A) = \frac{1}{6} + q: the probability of one event


def _chain_function(state: _Card, step):
    """The step after a definition, `σ(z) = \\frac{1}{1 + e^{-z}}`, for a function the card has not
    defined, of distinct symbols its value uses: it defines the function."""
    call = step.lhs
    if step.rel != "=" or step.rhs is None or not isinstance(call, sp.core.function.AppliedUndef):
        return None
    name = call.func.__name__
    params = call.args
    if name in state.functions() or is_operator_name(name) or len(set(params)) != len(params) or \
            not all(isinstance(a, sp.Symbol) for a in params) or not set(params) & step.rhs.free_symbols or \
            any(c.func == call.func for c in step.rhs.atoms(sp.core.function.AppliedUndef)):
        return None
    real = {a: sp.Symbol(a.name, commutative=False) if not a.is_commutative else sp.Symbol(a.name, real=True)
            for a in params}
    return name, FunctionDef(tuple(real[a] for a in params), step.rhs.xreplace(real))


def _parameter_symbols(head) -> list:
    """The parameters of a function head as the card's names would be written (A, \\mathbf{A}, x_1)."""
    out = []
    for p in head[1]:
        out += [sp.Symbol(p), sp.Symbol(p, commutative=False)]
    return out


def _read_statement(state: _Card, key: tuple, toks: list[Tok], formula: Formula, shown: str, marked: bool,
                    display: bool, before: tuple | None = None) -> None:
    """One statement's definitions and claims. Whether a claim is meant is decided later, by form
    (form.py); here a relation only becomes a definition, a function, a sequence or a claim."""
    rels = top_relations(toks)
    if not rels:
        return  # no relation, or only one inside an index such as \sum_{i=1}
    if any(RELATIONS.get(t.text) == "other" for t in rels):
        return  # \propto, \sim, \to …: a statement
    if _inner_product_defined(toks, rels, formula):
        return  # "another inner product, defined by ⟨x, y⟩ = xᵀAy": a new one, no claim about the usual
    section = formula.section
    scope = state.scope()
    head = function_head(toks)
    if head is not None and Parser([], scope).derivative_function(head[0]):
        head = None  # σ'(x) = σ(x)(1 - σ(x)) for a card function σ: a claim about its derivative
    if head is not None and is_operator_name(head[0]) and not _error_function(head, toks, scope):
        head = None  # Var(X) = E[X^2] - E[X]^2 says something of Var, it does not define it
    if head is not None and any(p in state.defined_names(section) or p in state.matrices.get(section, {})
                                or p in state.matrices.get(0, {}) for p in _parameter_symbols(head)):
        head = None  # \text{tr}(\mathbf{A}) = 1 + 4 of the card's A: a value, not what tr means
    after_definition = False
    defined = function_def(toks, head, scope) if head is not None else None
    if defined is not None and not set(defined[1].params) & defined[1].body.free_symbols and (
            defined[1].body.is_number or head[0] in _OWN_MEANING):
        # tr(B) = 2 + 3 + 6 of a B written out elsewhere, \text{tr}(A) = \sum_i \lambda_i of A's
        # eigenvalues: a value of tr, or a theorem about it, not what it is; read as a definition,
        # every tr(…) on the card would be that value. (H(X) = -\sum_i p_i \log p_i names a quantity.)
        if not defined[1].body.is_number:
            state.stated.add(head[0])  # tr(A) = Σ a_ii: said in other terms, see _about_stated
        head = None
    if head is not None:  # f(x) = … defines f, also anew: notes redefine f from example to example
        name, fn, _ = defined
        state.define_function(name, _by_cases(toks, head, scope, fn))
        toks = toks[head[2] + 1:]
        if not any(is_relation(t) for t in toks):
            return
        after_definition = True
    else:
        rec = recurrence(toks)
        if rec is not None:
            _read_sequence(state, toks, rec, formula, shown)
            return
    scope = state.scope()
    # `$$= a_i - y_i$$`: the chain of the display just before goes on (a rule of the contract's "derivation
    # chains", across displays); without one to continue, a leading `=` is read as before
    continued = before is not None and is_relation(toks[0])
    steps = _after_update(parse_chain(toks, scope, shown, display_set=True, head=before if continued else None))
    if steps and steps[-1].rel in ("=", "~") and steps[-1].rhs is not None:
        state.last_side = (steps[-1].rhs, steps[-1].rhs_text, -1, -1)
    if not steps:
        return  # `x \in \mathbb{R}`: a condition
    first = steps[0]
    derivation = (len(steps) > 1 or continued or first.headless) and all(step.rel in ("=", "~") for step in steps)
    inverse = restated = revalued = False
    if not after_definition and first.rel in ("=", ":=") and is_target(toks, first) and not _prime_of_defined(
            state, first.lhs, section):
        target = first.lhs
        if len(steps) == 1 and not marked and "'" in str(target) and isinstance(first.rhs, sp.Symbol) \
                and not state.defined(first.rhs, section):
            return  # y' = p: a new unknown for a derivative (a substitution), which depends on x as y' does
        if target in first.rhs.free_symbols | _elements(first.rhs):
            if len(steps) == 1 and not marked:
                return  # v = \beta v + (1-\beta) g: an update rule
        elif not state.defined(target, section):
            inverse = _defined_through(state, target, first.rhs, section)
            if inverse and not _defined_through(state, target, first.rhs, section, outside=formula):
                return  # x_3 = x_2 / 2 beside x_2 = (x_1 + x_3) / 2 in one display: a system to solve
            after_definition = not inverse
        else:
            after_definition = _redefines(state, target, first.rhs, section, formula,
                                          derivation and not _worked(state, target, steps, formula), first.rhs_text) \
                or _row_case(shown, first.start, first.end)
            revalued = not after_definition and _literal_again(state, target, first.rhs_text, section, first.rhs)
            # y = S + T + R, then on its own y = S × T × R: a second model of y, or a claim about the first
            # With words between (Depth = 4k + 3 for one circuit, Depth = 2k + 5 "for the other"), the
            # same doubt; only a bare number after a computation (N = 113 after 4 × 28) is surely a claim.
            restated = not after_definition and len(steps) == 1 and (
                prose.unled(formula) or revalued or not _LITERAL.match(first.rhs_text))
        if after_definition:
            state.drop_function(str(target))  # f = d + e after f(x) = …: f now holds a value
            text = " ".join(shown[first.start:first.end].split())
            last = steps[-1]
            written = last.rhs if len(steps) > 1 and last.rel in ("=", "~") and _LITERAL.match(last.rhs_text) else None
            state.out.definitions.append(Definition(target, first.rhs, offset_span(
                formula.span, formula.latex, first.start, first.end - first.start), text, section, written))
            steps = steps[1:]
            named = _chain_function(state, steps[0]) if steps else None
            if named is not None:  # ŷ = σ(z) = 1/(1 + e^{-z}): the second step says what σ is
                state.define_function(named[0], named[1])
                last = state.out.definitions[-1]
                state.out.definitions[-1] = replace(last, value=last.value.xreplace({steps[0].lhs: steps[0].rhs}))
                steps = steps[1:]
    if first.rel == ":=" and not after_definition:
        return
    if not display and not marked:
        return
    single = not after_definition and not derivation
    names = [{str(x) for side in (step.lhs, step.rhs) if side is not None for x in side.free_symbols}
             for step in steps]
    given = state.substituted.setdefault(section, set())
    said = prose.substituted(formula)
    # Symmetric matrices spoken of once (a domain \mathbb{S}_{++}^n, "A is symmetric") stay so for the
    # rest of the part of the card, as the derivation that follows takes them.
    if prose.symmetric(formula) or _stated_symmetric(formula.near):
        state.symmetric.add(section)
    if prose.unit(formula):
        state.unit.add(section)
    if prose.independent(formula):
        state.independent.add(section)
    varied = _varied(steps)
    approximated = prose.approximated(formula)
    for j, step in enumerate(steps):
        # "substituting x_k and d_k": the names one side has and the other lacks were given values in
        # the prose, and keep them for the rest of the worked example ("进而有 ∂f(x_k + αd_k)/∂α = …")
        gone = _one_sided(step)
        if said:
            given |= gone
        substituted = said or bool(gone and gone <= given)
        if step.rel == ":=":
            continue
        if step.rel == "=:":
            _named_from_right(state, step, formula, shown)
            continue
        if _about_stated(state, step):
            continue
        claim = make_claim(step, shown, formula.span, formula.latex, False, key + (j,), section=section,
                           marked=marked, single=single, chain=derivation and not after_definition,
                           defs_at=len(state.out.definitions), inverse=inverse, called=bool(scope.called),
                           conditions=state.conditions, declared=state.declared(),
                           symmetric=section in state.symmetric,
                           substituted=substituted,
                           elsewhere=set().union(*(n for k, n in enumerate(names) if k != j)), varied=varied,
                           unit=section in state.unit, restated=restated and j == 0,
                           revalued=revalued and j == 0)
        if claim is not None and approximated and claim.rel == "=":
            claim = replace(claim, approximated=True)
        if claim is not None and section in state.independent:
            claim = replace(claim, independent=True)
        if claim is not None:
            state.out.claims.append(replace(claim, functions=state.written_functions) if state.written_functions
                                     else claim)
    if restated:  # whichever it is, what follows reads y as last written (ln y = ln S + ln T + ln R)
        state.out.definitions.append(Definition(first.lhs, first.rhs, offset_span(
            formula.span, formula.latex, first.start, first.end - first.start),
            " ".join(shown[first.start:first.end].split()), section))


def _inner_product_defined(toks: list[Tok], rels: list[Tok], formula: Formula) -> bool:
    """`⟨x, y⟩ = …` alone on its left, after words that define it."""
    if not toks or toks[0].text != "\\langle" or rels[0].text != "=" or not prose.introduced(formula):
        return False
    at = next((k for k, t in enumerate(toks) if t is rels[0]), 0)
    return at > 0 and toks[at - 1].text == "\\rangle" and sum(t.text == "\\rangle" for t in toks[:at]) == 1


def _by_cases(toks: list[Tok], head, scope, fn: FunctionDef) -> FunctionDef:
    """f(x) = max(αx, x) = {x if x > 0, αx if x ≤ 0}: the form in cases defines f, since it says
    where each piece holds; the shorter one may hold only for values said in words (α < 1)."""
    if fn.body.has(sp.Piecewise):
        return fn
    begin = next((k for k in range(head[2] + 1, len(toks)) if toks[k].text == "\\begin"), None)
    if begin is None:
        return fn
    rels = top_relations(toks[head[2] + 1:begin])  # those inside the cases are their conditions
    equals = [k for k in range(head[2] + 1, begin) if any(toks[k] is t for t in rels)]
    if not equals or any(toks[k].text != "=" for k in equals):
        return fn
    try:
        _, cases, _ = function_def(toks[:head[2] + 1] + toks[equals[-1] + 1:], head, scope)
    except (MathError, RecursionError, TypeError, ValueError, AttributeError):
        return fn
    return cases if cases.body.has(sp.Piecewise) and cases.params == fn.params else fn


def _varied(steps) -> frozenset:
    """The names a formula differentiates by, in any of its steps."""
    found = set()
    for step in steps:
        for side in (step.lhs, step.rhs):
            if side is not None and side.has(sp.Derivative):
                found |= {str(v) for d in side.atoms(sp.Derivative) for v in d.variables}
    return frozenset(found)


def _one_sided(step) -> set:
    """Names on one side of a relation and not the other."""
    if step.rhs is None:
        return set()
    left, right = ({str(x) for x in side.free_symbols} for side in (step.lhs, step.rhs))
    return left ^ right


_BARE = re.compile(r"^\s*-?\d+(?:\.\d+)?\s*$")
# A value written as a number (`69.5`, `2^{20}`, `1.5 \times 10^{-7}`, `61{,}100`), no computation.
_LITERAL = re.compile(r"^\s*-?\d+(?:\{,\}\d{3})*(?:\.\d+)?(?:\s*\^\s*\{?\s*-?\d+(?:\.\d+)?\s*\}?)?"
                      r"(?:\s*\\times\s*10\s*\^\s*\{?\s*-?\d+\s*\}?)?\s*(?:\\%)?\s*$")


def _literal_again(state: _Card, target, rhs_text: str, section: int, value=None) -> bool:
    """`h_T = 78` after `h_T = 69.5`: a name given a number, then another number. A second example's
    parameters (KLEIN-96 after KLEIN-64), or the first value restated wrongly: a doubt, not a certainty.
    So is a number after a computation that wrote its own result (`M = 5` after `M = (5 + 7)/2 = 6`:
    the next data set's median). So is a computation in numbers after a number (`n = 5 \\cdot 4`
    after `n = 3 \\cdot 4`: the next layer's). A number after a computation left open (`N = 113`
    after `N = 4 \\times 28`) stays a claim."""
    old = state.visible_definition(target, section)
    if value is not None and not _LITERAL.match(rhs_text) and getattr(value, "is_number", False):
        return old is not None and getattr(old.value, "is_number", False)
    if not _LITERAL.match(rhs_text):
        return False
    return old is not None and (bool(_LITERAL.match(old.text.partition("=")[2])) or old.written is not None)


def _worked(state: _Card, target, steps, formula: Formula) -> bool:
    """`$$O = \\lfloor 217/2 \\rfloor + 1 = 109$$` for an O defined by W, K, P and S, each given a
    value in words before it: the definition worked out for that example, in numbers alone, which
    claims O's value rather than giving O anew."""
    if not _closed(steps[1:]) or not steps[0].rhs.is_number:
        return False
    old = state.visible_value(target, formula.section)
    if old is None or not old.free_symbols:
        return False
    at = (formula.span.line, formula.span.col)
    given = {d.target: (d.span.line, d.span.col) for d in state.out.examples
             if d.section in (0, formula.section) and (d.span.line, d.span.col) < at}
    for name in old.free_symbols | {target}:
        d = state.visible_definition(name, formula.section)
        if d is not None and given.get(name, (0, 0)) > (d.span.line, d.span.col):
            return False  # "now set $\\theta_1 = 0.1$" after $$\\theta_1 = 0.0$$: the next example's values
    # values given only in displays may have been changed in words the checker does not take as values
    # ("suppose we now set θ₁ = 0.1"): the chain is then the name given anew, as before
    return old.free_symbols <= set(given)


def _redefines(state: _Card, target, value, section: int, formula: Formula, derivation: bool,
               rhs_text: str = "") -> bool:
    """Whether `target = value`, for a name already defined, starts a new definition rather than
    claiming something of the old one: a new full derivation (a second worked example), a name
    introduced again in words ("is defined by", "记为"), or a value in symbols the old definition
    lacks, or in only some of the symbols it depends on (a simplification stated in words).
    A bare value (`N = 113` after `N = 4 \times 28`) and the same symbols stay a claim."""
    if derivation or prose.introduced(formula) or prose.anew(formula):
        return True
    old = state.visible_value(target, section)
    if old is None:
        return False
    if isinstance(value, Literal) and isinstance(old, Literal):
        return True  # A written out anew: the next exercise's matrix, not a claim about the last one
    if _BARE.match(rhs_text) and _BARE.match(state.visible_text(target, section).partition("=")[2]) and \
            state.visible_line(target, section) >= formula.span.line:
        return True  # i = 2 in one row of a table, i = 3 in the next: cases, each with its own value
    new = symbols_of(value) | _function_names(value)
    if not new:
        return False
    known = symbols_of(old) | _function_names(old)
    return bool(new - known) or (new < known and bool(depends_on(old, known - new, known)))


# `d = D n & \text{for } n \in [0, 1]`: the row says for which values it holds, one case of several
_ROW_CASE = re.compile(r"^[^\\]*?(?:\\[,;:!]|\\q?quad|~|&|\s)*\\(?:text|mathrm|textrm)\s*\{\s*(?:for|if|when|whenever|当|若|如果)(?![A-Za-z])")


# `\text{Barrier: } & \beta = 1/2`: a row labelled with the case it gives values for
_ROW_LABEL = re.compile(r"\\(?:text|mathrm|textrm)\s*\{[^{}]*[:：]\s*\}(?:\s|&|\\[,;:! ]|\\q?quad)*$")


# `A = B + C \quad \text{or} \quad A = B C`: two alternatives offered, not a claim that they agree
# ("or equivalently" says they agree: a claim)
_ROW_ALTERNATIVE = re.compile(r"\\(?:text|mathrm|textrm)\s*\{\s*(?:or|或者?)\s*\}(?:\s|&|\\[,;:! ]|\\q?quad)*$")


def _row_case(shown: str, start: int, end: int) -> bool:
    """Whether the row of a definition at [start, end) is one case of several: it goes on with the
    values it is meant for, a label before it names its case, or it is offered as an alternative."""
    rest = shown[end:]
    before = shown[:start]
    return bool(_ROW_CASE.match(rest.split("\\\\", 1)[0]) or _ROW_LABEL.search(before)
                or _ROW_ALTERNATIVE.search(before))


_TRANSPOSED = re.compile(r"\^\s*(?:\{\s*)?(?:\\mathrm\{T\}|\\mathsf\{T\}|\\top|T)\s*\}?\s*$")


def _stated_symmetric(near: tuple[str, ...]) -> bool:
    """`$\\mathbf{S}_b=\\mathbf{S}_b^{\\mathrm{T}}$` in a sentence around the formula: the card says the
    matrix is symmetric."""
    for text in near:
        for piece in re.split(r",|，|\\quad", text):
            left, eq, right = piece.partition("=")
            left, right = left.strip(), right.strip()
            if eq and left and right.startswith(left) and _TRANSPOSED.match(right[len(left):]):
                return True
    return False


def _prime_of_defined(state: _Card, target, section: int) -> bool:
    """`y'` of a y the card defines is its derivative, a claim, never a name being defined."""
    name = str(target)
    if not name.endswith("'"):
        return False
    return state.visible_value(symbol(name[:-1]), section) is not None


def _function_names(expr) -> set:
    """The functions an expression applies, by name: H = σ(XW + b) after H = XW + b is a new H."""
    names = {sp.Symbol(c.func.__name__) for c in expr.atoms(sp.core.function.AppliedUndef)}
    from ankigen.check.matrices import Elementwise

    return names | {sp.Symbol(str(e.args[0])) for e in expr.atoms(Elementwise)}


def _defined_through(state: _Card, target, value, section: int, outside: Formula | None = None) -> bool:
    """`q = \\mathrm{round}(r / S) + Z` after `r = S (q - Z)`: the value needs the name it defines,
    through the card's definitions (those of other displays than `outside`). Two formulas that
    define each other are a relation to check; rows of one display that do are a system of equations."""
    definitions = {d.target: d.value for d in state.out.definitions
                   if d.section in (0, section) and not (outside is not None and _within(d.span, outside))}
    if not definitions or not (value.free_symbols & set(definitions) or state.out.sequences):
        return False  # nothing in the value is defined: it cannot lead back to the name
    try:
        resolved = resolve(value, definitions, state.out.sequences)
    except (TooLarge, Circular):
        return False
    return target in resolved.free_symbols


def _within(span, formula: Formula) -> bool:
    return span.path == formula.span.path and \
        formula.span.line <= span.line <= formula.span.line + formula.latex.count("\n")


_MAYBE_TRANSPOSED = re.compile(r"\^\s*\{?\s*(?:T|\\top|\\intercal|\\mathsf|\\mathrm|\\rm)")


def _declared(state: _Card, formulas, inline) -> dict:
    """The vectors and matrices the card declares (`\\mathbf{W} \\in \\mathbb{R}^{m \\times n}`, in display
    or inline math), by sub-heading: read before its formulas, so that a declared plain `W` is a
    matrix everywhere in its part of the card. Declarations hold like definitions: those before the
    first sub-heading everywhere, the others in their sub-heading; a name declared two ways there
    is not declared."""
    every = list(formulas) + list(inline)
    texts = [f.latex for f in every]
    operators = beside_identity(texts)
    if not operators and not any("mathbb" in f.latex or "mathbf" in f.latex or "matrix" in f.latex
                                 or _MAYBE_TRANSPOSED.search(f.latex) for f in every):
        return {}

    def parse(toks):
        p = Parser(toks, state.scope())
        value = p.expression()
        if not p.done():
            raise MathError("not a name", toks[0].start if toks else 0, 1)
        return value
    by_section: dict = {}
    transposes = {**operators, **transposed(texts, parse)}
    for f in inline:
        if prose.called_symmetric(f):
            state.out.symmetric_names.update(_named_first(f.latex, parse))
    for f in every:
        found = declarations([f.latex], parse, state.out.symmetric_names)
        for name, shapes in list(found.items()) + [(n, s) for n, s in transposes.items() if n not in found]:
            by_section.setdefault(f.section, {}).setdefault(name, set()).update(shapes)
            state.out.declared_anywhere.add(name)
    groups = summed(texts, parse)
    out = {}
    for section in set(by_section) | {0}:
        merged: dict = {}
        for part in (by_section.get(0, {}), by_section.get(section, {}) if section else {}):
            for name, shapes in part.items():
                merged.setdefault(name, set()).update(shapes)
        out[section] = _sized_specials_checked(consistent(shared_shapes(merged, groups)))
    return out


def _named_first(latex: str, parse) -> set[str]:
    """The matrix an inline formula names first (`\\boldsymbol{\\Sigma}_c` of `\\boldsymbol{\\Sigma}_c = …`)."""
    toks = _tokens(latex)
    rels = top_relations(toks)
    try:
        value = parse(toks[:toks.index(rels[0])] if rels else toks)
    except (MathError, RecursionError, TypeError, ValueError, AttributeError):
        return set()
    return {value.name} if isinstance(value, sp.Symbol) and value.is_commutative is False else set()


def _sized(part: dict) -> tuple:
    """The declarations with a shape, as claims carry them (a matrix written out has its value's)."""
    return tuple(sorted((name, shape) for name, shape in part.items() if shape not in (WRITTEN, TRANSPOSED)))


def _sized_specials_checked(found: dict) -> dict:
    """`\\mathbf{I}_n` is the n×n identity when n is a number or a size the card declares; `\\mathbf{I}_t`
    beside no such size is a name (the input gate of an LSTM)."""
    dims = {str(s) for name, shape in found.items() if not name.startswith(_SPECIALS)
            for d in shape if isinstance(d, sp.Basic) for s in d.free_symbols}
    out = {}
    for name, shape in found.items():
        if name.startswith(_SPECIALS):
            size = shape[0]
            if not (size.is_Integer or {str(s) for s in size.free_symbols} <= dims and size.free_symbols):
                continue
        out[name] = shape
    return out


_SPECIALS = ("\\mathbf{I}_", "\\mathbf{0}_", "\\mathbf{1}_")


def _distributed(state: _Card, formulas, inline) -> dict:
    """The random variables the card gives a distribution (`X \\sim \\mathrm{Bernoulli}(p)`), where
    they are given: CardReading.distributions_at() says which hold at a claim."""
    every = list(formulas) + list(inline)
    if not any("\\sim" in f.latex for f in every):
        return ()
    from ankigen.check.probability import distributions
    from ankigen.check.tokens import tokenize

    def name_of(text: str):
        p = Parser(tokenize(text), state.scope())
        value = p.atom()
        if not p.done():
            raise MathError("not a name", 0, 1)
        return value

    def arguments_of(text: str):
        p = Parser(tokenize(text), state.scope())
        args = p.arguments(p.peek().text)
        if not p.done():
            raise MathError("not an argument list", 0, 1)
        return args
    found = []  # (section, line, col, {name: distribution}), in the order written
    for f in sorted(every, key=lambda f: (f.span.line, f.span.col)):
        given = distributions([f.latex], name_of, arguments_of)
        if given:
            found.append((f.section, f.span.line, f.span.col, given))
    return tuple(found)


_INEQUALITIES = ("<", "<=", ">", ">=", "!=")


def _conditions(state: _Card, pieces: list[list[Tok]], near: tuple[str, ...]) -> tuple:
    """Inequalities stated with a formula (`\\sum_k \\gamma^k = \\frac{1}{1-\\gamma}, \\quad 0 < \\gamma < 1`)
    or in the sentences around it ("其中 $x > 0$"): the assumptions its claims are made under. So is
    a total (`$\\sum_{k=1}^{K} p_k = 1$`, "s.t. \\sum_j w_j = 1"): the values of a family add up to it;
    and an equation that is no definition (`where $1/p + 1/q = 1$`, `since $\\|u\\| = 1$`), which
    decide.premises_put_in solves."""
    found = []
    for k, toks in enumerate(pieces + [_tokens(text) for text in near]):
        rels = top_relations(toks) if toks else []
        single = len(rels) == 1 and rels[0].text == "="
        total = single and toks[0].text == "\\sum"
        if single and not total and k < len(pieces):
            continue  # the formula's own equations are its claims, not its premises
        if not rels or (any(RELATIONS.get(t.text) not in _INEQUALITIES for t in rels) and not single):
            continue
        try:
            steps = parse_chain(toks, state.scope(), "")
        except (MathError, RecursionError, TypeError, ValueError, AttributeError):
            continue
        for step in steps or ():
            if total and not (isinstance(step.lhs, sp.Sum) and step.lhs.function.has(sp.Indexed)
                              and step.rhs.is_number):
                continue
            if single and not total and (is_target(toks, step) or function_head(toks) or _a_call(toks)
                                         or is_matrix(step.lhs) or step.lhs.has(sp.core.function.AppliedUndef, Opaque)):
                continue  # x = 3 defines x; f(2) = 4 and a matrix identity are no equation to solve
            if step.rhs is not None and (step.lhs.free_symbols or step.rhs.free_symbols):
                found.append((step.lhs, step.rel, step.rhs))
    for text in near:
        found += _intervals(state, text) + _whole_numbers(state, text)
    return tuple(found)


_ORDERS = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge}


def _impossible(conditions: tuple) -> bool:
    """A condition the formula's reading makes false: `x^i < 0` with x^i read as a power of a positive
    letter by a letter, where the author meant the i-th entry. What is said under it is no claim as
    read. Only such a power: `y (w \\cdot x) \\le 0` is false for positive letters too, but its letters
    are the author's to be negative, and the claims under it stay claims."""
    for left, rel, right in conditions:
        if rel in _ORDERS and any(isinstance(side, sp.Pow) and isinstance(side.base, sp.Symbol)
                                  and isinstance(side.exp, sp.Symbol) for side in (left, right)):
            try:
                if _ORDERS[rel](left, right) is sp.false:
                    return True
            except TypeError:
                continue
    return False


def _a_call(toks: list[Tok]) -> bool:
    """`I(1) = 0`: the value of a function at a point, an axiom about it, not an equation in its letters."""
    return len(toks) > 2 and (toks[0].kind == "letter" or toks[0].text[1:] in GREEK) and toks[1].text == "("


def _signed(conditions: tuple) -> frozenset[str]:
    """The names the conditions let be zero or negative: `b < 0`, `0 \\ge x`, `x > -1`."""
    found = set()
    for left, rel, right in conditions:
        for name, bound, below in ((left, right, rel in ("<", "<=")), (right, left, rel in (">", ">="))):
            if isinstance(name, sp.Symbol) and bound.is_number and bound.is_real \
                    and (bound < 0 or (bound == 0 and below)) and rel in ("<", "<=", ">", ">="):
                found.add(name.name)
    return frozenset(found)


_INTERVAL = re.compile(r"^\s*(?P<names>[^$]{1,60}?)\s*\\in\s*(?:\\left)?\s*(?P<open>[\[(])(?P<lo>[^,\[\]()]{1,20}),"
                       r"(?P<hi>[^,\[\]()]{1,20}?)\s*(?:\\right)?\s*(?P<close>[\])])\s*$")


def _intervals(state: _Card, text: str) -> list:
    """"for all $a, b, \\lambda \\in [0, 1]$": each name lies in the interval, as if the card wrote
    `0 \\le \\lambda \\le 1` beside the formula."""
    m = _INTERVAL.match(text)
    if not m:
        return []
    try:
        lo, hi = (Parser(_tokens(m.group(k)), state.scope()).expression() for k in ("lo", "hi"))
        names = [Parser(_tokens(part), state.scope()).expression() for part in m.group("names").split(",")]
    except (MathError, RecursionError, TypeError, ValueError, AttributeError):
        return []
    if not (lo.is_number and hi.is_number and all(isinstance(n, sp.Symbol) and n.is_commutative for n in names)):
        return []
    low = "<=" if m.group("open") == "[" else "<"
    high = "<=" if m.group("close") == "]" else "<"
    return [c for n in names for c in ((lo, low, n), (n, high, hi))]


# "for $n = 0, 1, 2, \ldots$", "$k = 1, 2, \dots, K$", "$n \in \mathbb{N}$", "$m, n \in \mathbb{Z}$"
_COUNTED = re.compile(r"^\s*(?P<name>[A-Za-z])\s*=\s*(?P<first>-?\d+)\s*,\s*-?\d+\s*,.*\\(?:l|c)?dots")
_WHOLE = re.compile(r"^\s*(?P<names>[A-Za-z](?:\s*,\s*[A-Za-z])*)\s*\\in\s*\\mathbb\s*\{?\s*(?P<set>[NZ])\s*\}?"
                    r"(?P<plus>\s*(?:_\s*\{?\s*\+|\^\s*\{?\s*\+|\^\s*\{?\s*\*|_\s*\{?\s*>\s*0))?")


def _whole_numbers(state: _Card, text: str) -> list:
    """"for $n = 0, 1, 2, \\ldots$", "$n \\in \\mathbb{N}$": the letter counts, a whole number (at least
    the first value named), as the bound of a sum is; de Moivre's formula holds for such n only."""
    m, w = _COUNTED.match(text), _WHOLE.match(text)
    if m:
        letters, low = [m.group("name")], sp.Integer(m.group("first"))
    elif w:
        letters = [part.strip() for part in w.group("names").split(",")]
        low = sp.Integer(1) if w.group("plus") else sp.Integer(0) if w.group("set") == "N" else None
    else:
        return []
    return _whole_letters(state, [(letter, low) for letter in letters])


def _whole_letters(state: _Card, letters) -> list:
    """Conditions that each letter is a whole number, at least its bound (none: any whole number)."""
    found = []
    for letter, low in letters:
        try:
            name = Parser(_tokens(letter), state.scope()).expression()
        except (MathError, RecursionError, TypeError, ValueError, AttributeError):
            continue
        if isinstance(name, sp.Symbol):
            found.append((name, "in", sp.Integers))
            if low is not None:
                found.append((name, ">=", low))
    return found


def _a_total(toks) -> bool:
    """`\\sum_{k=1}^{K} n_k = N`: a sum of a family set equal to a value, with nothing else on its side."""
    rels = top_relations(toks) if toks else []
    if len(rels) != 1 or rels[0].text != "=" or toks[0].text != "\\sum":
        return False
    side = toks[:toks.index(rels[0])]
    k = 1  # past the sum's own scripts, to its body: a family's element (`n_k`), not numbers (`k^2`)
    while k + 1 < len(side) and side[k].text in ("_", "^"):
        k = (closing(side, k + 1) + 1) if side[k + 1].text == "{" else k + 2
        if k <= 0:
            return False
    body = side[k:]
    if not any(t.kind == "op" and t.text == "_" for t in body):
        return False
    depth = 0
    for t in body:
        if t.kind == "op" and t.text in "({[":
            depth += 1
        elif t.kind == "op" and t.text in ")}]":
            depth -= 1
        elif depth == 0 and t.kind == "op" and t.text in "+-":
            return False
    return True


def _counted(state: _Card, letters: tuple) -> tuple:
    """"for positive integers $m$ and $n$": each a whole number (at least 1 when positive) where the
    formula's claims are sampled, as `n \\in \\mathbb{N}` beside it would make it."""
    return tuple(_whole_letters(state, [(letter, sp.Integer(1) if positive else None) for letter, positive in letters]))


def _probabilities(state: _Card, named: tuple[str, ...]) -> tuple:
    """"each trial succeeds with probability $p$", "成功概率为 $p$": a symbol named a probability in
    the prose before a formula lies between 0 and 1, as if the card wrote `0 < p < 1` beside it."""
    found = []
    for text in named:
        toks = _tokens(text)
        if not toks or top_relations(toks):
            continue
        try:
            value = Parser(toks, state.scope()).expression()
        except (MathError, RecursionError, TypeError, ValueError, AttributeError):
            continue
        if isinstance(value, sp.Symbol):
            found += [(sp.Integer(0), "<", value), (value, "<", sp.Integer(1))]
    return tuple(found)


def _tokens(text: str) -> list[Tok]:
    return list(_token_tuple(text))  # a copy: the parser may rewrite its list (log written bare)


@functools.lru_cache(maxsize=512)
def _token_tuple(text: str) -> tuple[Tok, ...]:
    """The tokens of one statement in prose math (`$P = 1$` recurs on card after card)."""
    try:
        found = statements(text)
    except MathError:
        return ()
    return tuple(found[0].toks) if len(found) == 1 else ()


def _free(expr: sp.Expr) -> set:
    """Free symbols and family elements, without the bare names of families."""
    return set(sampled(expr, None)) | _elements(expr)


def _elements(expr: sp.Expr) -> set:
    return set(expr.atoms(sp.Indexed))


def _read_sequence(state: _Card, toks: list[Tok], rec: tuple[str, str, int], formula: Formula, shown: str) -> None:
    name, index, eq = rec
    scope = state.scope()
    p = Parser(toks[eq + 1:], scope)
    n = sp.Symbol(index, integer=True)
    p.bound[index] = n
    body = p.expression()
    if not p.done():
        t = p.peek()
        raise MathError(f"unexpected '{t.text}' in a recurrence", t.start, t.end - t.start)
    start, end = toks[0].start, toks[-1].end
    span = offset_span(formula.span, formula.latex, start, end - start)
    state.out.sequences[name] = Sequence(name, n, body, span, " ".join(shown[start:end].split()))


_BASE_CASE = re.compile(r"^\s*([A-Za-z]|\\[A-Za-z]+)_\{?(\d+)\}?\s*=\s*(-?\d+(?:\.\d+)?)\s*$")


def _read_base_cases(state: _Card, inline: tuple[Formula, ...]) -> None:
    """Inline `$R_0 = 1$` is the base case of a sequence the card defines, before or after it."""
    for formula in inline:
        m = _BASE_CASE.match(formula.latex)
        if m:
            target = symbol(f"{m.group(1)}_{{{m.group(2)}}}")
            if m.group(1) in state.out.sequences and not state.defined(target, 0):
                state.out.definitions.append(Definition(target, sp.Rational(m.group(3)), formula.span,
                                                        " ".join(formula.latex.split()), 0))


def _read_inline(state: _Card, n: int, formula: Formula) -> None:
    """An inline formula: `$f(x) = \\tanh(x)$` defines f from here on; a closed numeric relation
    (`$(10 - 3 + 0)/2 + 1 = 4.5$`) is claimed: with no free symbol there is nothing to misread; an
    inline symbolic definition (`$\\bar{x} = \\frac{1}{m}\\sum x_i$`, either way round) may help a claim
    hold, but never makes a formula a claim. Other inline values are examples, also in a list
    (`$W = 224, K = 7, P = 3$`)."""
    state.section = formula.section
    # `$R_0 = 1$` is also read with the sequences, at the end: a base case if R is one; until then,
    # and on a card without a sequence (`$w_1 = 0.15$`), a value like any other
    try:
        found = statements(formula.latex)
    except (MathError, RecursionError, TypeError, ValueError, AttributeError):
        return
    if not found or any(stmt.condition and not stmt.domain for stmt in found) or prose.condition(formula) \
            or prose.scaled(formula) or prose.not_claimed(formula):
        return  # a condition, or a value in units written after it ("≈ 25.7$ million")
    found = [stmt for stmt in found if not stmt.domain]  # `$P(n) = pq^{n-1} \quad n \ge 1 \quad q = 1-p$`
    conditions = _conditions(state, [], prose.lead_conditions(formula))
    if _impossible(conditions):
        return
    signed = SIGNED.set(_signed(conditions))
    try:
        for k, stmt in enumerate(found):
            _read_inline_statement(state, ("inline", n) if len(found) == 1 else ("inline", n, k), formula,
                                   list(stmt.toks), conditions)
    finally:
        SIGNED.reset(signed)




def _read_inline_statement(state: _Card, key: tuple, formula: Formula, toks: list[Tok], conditions: tuple = ()) -> None:
    try:
        relations = [t.text for t in top_relations(toks)]
        if not relations or any(RELATIONS.get(r) == "other" for r in relations):
            return
        head = function_head(toks)
        if head is not None and relations[0] == "=" and all(r == "\\in" for r in relations[1:]) and (
                not is_operator_name(head[0]) or _error_function(head, toks, state.scope())):
            name, fn, _ = function_def(toks, head, state.scope())
            if set(fn.params) & fn.body.free_symbols:  # g(z) = 0.5 is a value of g, not its definition
                state.define_function(name, fn)
            elif fn.body.free_symbols:
                # f(x, y) = x_1^2 x_2: f given anew, in letters other than its parameters. What it
                # is now is unclear, but it is no longer the f defined before.
                state.drop_function(name)
            return
        steps = parse_chain(toks, state.scope(), formula.latex)
    except (MathError, RecursionError, TypeError, ValueError, AttributeError):
        return
    if steps and steps[0].rel == "<-":
        steps, relations = _after_update(steps), relations[1:]
        if not _closed(steps):
            return  # `$w \leftarrow w - \eta g$`: an update, which claims nothing
    for step in steps:
        if step.rel == "=:":
            _named_from_right(state, step, formula, formula.latex)
    steps = [step for step in steps if step.rel != "=:"]
    relations = relations[:len(steps)]  # what `=:` ends the chain with is a name, not a relation
    if not steps:
        return
    lhs, rhs = steps[0].lhs, steps[0].rhs
    text = " ".join(formula.latex[toks[0].start:toks[-1].end].split())
    span = offset_span(formula.span, formula.latex, toks[0].start, toks[-1].end - toks[0].start)
    worked = len(steps) > 1 and relations[0] == "=" and isinstance(lhs, sp.Symbol) and _closed(steps[1:])
    closed = [j for j, step in enumerate(steps) if _closed([step])]
    if len(steps) > 1 and relations[0] == "=" and isinstance(lhs, sp.Symbol) and closed:
        # `$r = 1 + 2 + 2 = 5$`, `$E = E_1 + E_2 = 0.27 + 0.02 = 0.29$`: a name's value worked out in
        # a sentence. The steps between numbers are claimed; the first is only of a name the card
        # defines, worked out in numbers alone (O = ⌊(W - K + 2P)/S⌋ + 1 for the W, K, P and S given
        # before it), as a display's would be
        if worked and state.defined(lhs, formula.section):
            closed = [0] + closed
        last = steps[-1].rhs
        if not state.defined(lhs, formula.section) and last.is_number and last.is_real:
            state.out.examples.append(Definition(lhs, last, span, text, formula.section))
    elif not _closed(steps):
        # `$\mathbb{P}(|\bar{X} - \mu| \ge t) \le \frac{0.25}{1000 \cdot 0.01} = 0.025$`: a bound worked out
        # in numbers after its symbolic start; the steps between numbers are claimed, as in a display
        closed = [j for j in closed if j > 0]
    if closed:
        for j in closed:
            claim = make_claim(steps[j], formula.latex, formula.span, formula.latex, False, key + (j,),
                               section=formula.section, single=len(steps) == 1,
                               defs_at=len(state.out.definitions), conditions=conditions)
            if claim is not None:
                state.out.claims.append(claim)
        return
    if relations != ["="]:
        return
    solved = _solved(state, steps, formula)
    if solved is not None:
        # "so $e^{-6000\\lambda} = 0.5$": an equation in one unknown, given in a sentence, fixes it for
        # the worked example that follows, as `$\\lambda = 0.000116$` would
        state.out.examples.append(Definition(solved[0], solved[1], span, text, formula.section))
        return
    if isinstance(lhs, sp.Symbol) and rhs.is_number and (rhs.is_real or state.imaginary or state.unit_j) and len(steps) == 1:
        if prose.result(formula) and _worked(state, lhs, steps, formula):
            # "with $W = 224$, …, we get $O = 112$" for a defined O: its value for that example, claimed
            claim = make_claim(steps[0], formula.latex, formula.span, formula.latex, False, key + (0,),
                               section=formula.section, single=True, defs_at=len(state.out.definitions),
                               conditions=conditions)
            if claim is not None:
                state.out.claims.append(claim)
            return
        # `$n = 10$` in a sentence: the value of a worked example, for the display formulas after it
        state.out.examples.append(Definition(lhs, rhs, span, text, formula.section))
        return
    for target, value in ((lhs, rhs), (rhs, lhs)):
        if not (isinstance(target, sp.Symbol) and _free(value) and target not in value.free_symbols):
            continue
        if not state.defined(target, formula.section):
            if not isinstance(value, sp.Symbol):
                state.out.assumptions.append(Definition(target, value, span, text, formula.section))
                break
            continue
        if target is lhs and prose.introduced(formula) and symbols_of(value) and not symbols_of(value) & symbols_of(
                state.visible_value(target, formula.section)):
            # `$f = x_D$` after `f = d + e`: the name given anew in other letters, from here on
            state.drop_function(str(target))
            state.out.definitions.append(Definition(target, value, span, text, formula.section))
            break


def _named_from_right(state: _Card, step, formula: Formula, shown: str) -> None:
    """`… =: dz_2`: the name on the right is given the value on the left, from here on."""
    if isinstance(step.rhs, (sp.Symbol, sp.Indexed)) and step.lhs is not None:
        state.out.definitions.append(Definition(step.rhs, step.lhs, offset_span(
            formula.span, formula.latex, step.start, step.end - step.start),
            " ".join(shown[step.start:step.end].split()), formula.section))


def _after_update(steps) -> list:
    """`w \\leftarrow w - \\eta(g + \\lambda w) = (1 - \\eta\\lambda) w - \\eta g`: the update gives w a new
    value, which claims nothing (w is on both sides) and defines nothing the card can use; the working
    after it is claimed as any chain is. An arrow anywhere else is not read."""
    if not steps or not any(step.rel == "<-" for step in steps):
        return steps
    if steps[0].rel != "<-" or any(step.rel == "<-" for step in steps[1:]):
        return []
    return steps[1:]


def _solved(state: _Card, steps, formula: Formula) -> tuple | None:
    """(unknown, value) of an inline equation `expression = number` in one unknown the card does not
    define, with one real solution; None otherwise (a bare name is a value already; x² = 4 has two)."""
    if len(steps) != 1 or isinstance(steps[0].lhs, sp.Symbol) or not (steps[0].rhs.is_number and steps[0].rhs.is_real):
        return None
    lhs = steps[0].lhs
    unknowns = _free(lhs)
    if len(unknowns) != 1 or lhs.atoms(sp.Indexed, sp.core.function.AppliedUndef) or size(lhs, 40) > 40:
        return None
    unknown = next(iter(unknowns))
    if state.defined(unknown, formula.section) or sum(1 for node in sp.preorder_traversal(lhs) if node == unknown) != 1:
        return None  # written once, the unknown is found by undoing what is done to it: sympy is quick there
    value = _undone(lhs, steps[0].rhs, unknown)
    if value is None or not (value.is_real and value.is_positive):  # the card's letters are positive
        return None
    return unknown, value


def _undone(expr, value, unknown):
    """The value of `unknown`, written once in `expr`, that makes expr equal `value`: each operation on
    it undone in turn (sympy's solve finds all 600 complex roots of e^{-600k} = 0.5, in half a minute)."""
    try:
        for _ in range(30):
            if expr == unknown:
                return sp.nsimplify(value) if value.is_Float else value
            if expr.is_Add or expr.is_Mul:
                known, rest = expr.as_independent(unknown, as_Add=expr.is_Add)
                value = value - known if expr.is_Add else value / known
                expr = rest
            elif isinstance(expr, sp.exp):
                value, expr = sp.log(value), expr.args[0]
            elif isinstance(expr, sp.log):
                value, expr = sp.exp(value), expr.args[0]
            elif expr.is_Pow and not expr.exp.has(unknown):
                value, expr = value ** (1 / expr.exp), expr.base
            elif expr.is_Pow and not expr.base.has(unknown):
                value, expr = sp.log(value) / sp.log(expr.base), expr.exp
            else:
                return None
    except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
        return None
    return None


def _closed(steps) -> bool:
    """Every side a number: no free symbol, family or function to misread."""
    for step in steps:
        for side in (step.lhs, step.rhs):
            if side is None or side.free_symbols or side.atoms(sp.core.function.AppliedUndef, sp.Indexed):
                return False
            if not side.is_number:
                return False
    return True
