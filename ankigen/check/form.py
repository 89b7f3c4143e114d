"""Whether a relation on a card is meant as a claim, decided from its form and context before it is
evaluated (SOURCE_FORMAT.md, "Claimed by form, never by verdict").

A relation is *certain* (a failure is an error) when it is closed, applies an operator (a sum,
integral, limit or derivative) against a closed form, is a step of a derivation, or says
something of what the card defines; *doubtful* (a failure is a warning that says how to mark it)
when it has the form of an identity over symbols nobody defined; and a *statement* (not checked)
when its form says it is an equation to solve, a condition, an example whose values are in the
prose, or a property of a function the card does not define. Nothing here looks at a verdict.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import sympy as sp

from ankigen.check.moments import averaged, claimed as moment_identity
from ankigen.check.decide import author_form, sampled
from ankigen.check.matrices import FAMILY, IDENTITY, ONES, ZEROS, Grad, Member, is_matrix, letter_of
from ankigen.check.vocabulary import Opaque

CERTAIN, DOUBTFUL, STATEMENT = "certain", "doubtful", "statement"
EXAMPLE = "an example whose values the card gives in words"
_OPERATORS = (sp.Sum, sp.Product, sp.Integral, sp.Limit, sp.Derivative, Grad)


@dataclass(frozen=True)
class Form:
    kind: str  # certain, doubtful or statement
    reason: str = ""


def symbols_of(expr) -> set:
    """The free symbols and family elements a side is written in (not the bare names of families)."""
    if expr is None:
        return set()
    return set(sampled(expr, None)) | {e for e in expr.atoms(sp.Indexed) if not e.free_symbols - _index_free(e)}


def _index_free(e: sp.Indexed) -> set:
    return set().union(*(i.free_symbols for i in e.indices)) if e.indices else set()


def depends_on(expr, some: set, every: set) -> bool:
    """Whether `expr` changes when the symbols in `some` do (the rest held fixed): what a side is
    really about, so that (K^2 C + C D)/(K^2 C D) is about K and D, not C."""
    if not some:
        return False
    if expr.has(*_OPERATORS):
        return True  # evaluating an operator at two points may take long; assume what it says
    rng = random.Random(sp.srepr(expr))
    # a floor is flat between its steps: a small move of every symbol may stay on one step twice
    tries = 6 if expr.has(sp.floor, sp.ceiling) else 2
    for k in range(tries + 2):
        # small values: at w·x in the hundreds a sigmoid is 1 to thirty digits, and would seem to depend on
        # nothing; the last two tries use thousandths (e^{-600k} is 10^{-260} at k = 1, flat to any digits)
        scale = 1 if k < tries else 1000
        base = {s: sp.Rational(rng.randint(1, 20), rng.randint(4, 9) * scale) for s in sorted(every, key=str)}
        moved = dict(base)
        moved.update({s: base[s] + sp.Rational(rng.randint(1, 20), rng.randint(4, 9) * scale)
                      for s in sorted(some, key=str)})  # in a set's order, the draws would follow the hash seed
        try:
            a, b = sp.N(expr.xreplace(base), 30), sp.N(expr.xreplace(moved), 30)
            if not (a.is_number and b.is_number):
                return True
            if abs(a - b) > 1e-20 * max(1, abs(a)):
                return True
        except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
            return True
    return False


def effective(expr, every: set) -> set:
    """The symbols of `expr` it depends on."""
    own = symbols_of(expr)
    return {s for s in own if depends_on(expr, {s}, every)} if own else set()


def _unknown_calls(expr) -> list:
    """Applications of functions the card does not define (its own functions are put in when read)."""
    if expr is None or not expr.has(sp.core.function.AppliedUndef):
        return []
    return list(expr.atoms(sp.core.function.AppliedUndef))


_GROUPS = ((sp.Derivative, Grad), (sp.Integral,), (sp.Limit,), (sp.Sum, sp.Product))


def _has_operator(expr) -> bool:
    return expr is not None and expr.has(*_OPERATORS)


def _operator_form(lhs, rhs) -> bool:
    """One side applies an operator the other side does not: a derivative, an integral, a limit, or a
    sum or product (`\\frac{\\partial}{\\partial x_i} \\log \\sum_j e^{x_j}` against a softmax with a sum)."""
    return rhs is not None and any(lhs.has(*group) != rhs.has(*group) for group in _GROUPS)


def _beyond_the_operator(written, lhs, rhs) -> bool:
    """`\\|f - g\\|_1 = \\int_0^{1/2} 1\\,dx + \\int_{1/2}^1 1\\,dx` of an f and g the card describes in words:
    the operator's side is a number, the other side holds names: an equation in them, no identity."""
    plain = [k for k, w in enumerate(written) if not _has_operator(w)]
    if rhs is None or len(plain) != 1:
        return False
    sides = (lhs, rhs)
    return bool(symbols_of(sides[plain[0]])) and not symbols_of(sides[1 - plain[0]])


def _operator_bodies_known(written, resolved, defined: set[str], variables: set[str], other) -> bool:
    """An operator's body says what it adds up, integrates or differentiates: no function or family
    the card does not give (the family differentiated by is the variable itself), and a derivative
    of something that depends on its variable. A derivative, integral or limit of data nobody gives
    (`\\frac{d}{dw} \\frac{1}{n}\\sum_i (w x_i - y_i)^2`) is an identity over that data when the other
    side is written in the same data."""
    calculus = [n for n in written.atoms(sp.Derivative, sp.Integral, sp.Limit)]
    over_data = []
    # outer operators first: a sum inside a derivative of data belongs to it (and the order of a set
    # of atoms changes with the hash seed, which must not change a verdict)
    for node in sorted(written.atoms(*_OPERATORS), key=lambda n: (-sum(1 for _ in sp.preorder_traversal(n)), sp.srepr(n))):
        if any(node != c and node in c.args[0].atoms(*_OPERATORS) for c in over_data):
            continue
        body = node.args[0]
        families = {str(b.label) for b in body.atoms(sp.IndexedBase)}
        written_out = {f for f in other if not isinstance(other, dict) or _in_range(node, other[f])}
        allowed = set(defined) | variables | (written_out if node in calculus or not calculus else set())
        if _unknown_calls(body) or families - allowed:
            return False
        if node in calculus and families - set(defined) - variables:
            over_data.append(node)
    for node in resolved.atoms(Grad):
        if not node.args[0].has(node.args[1]):
            return False  # ∂s/∂W of an s this card does not define
    for node in resolved.atoms(sp.Derivative):
        names = {str(v.base.label) if isinstance(v, sp.Indexed) else str(v) for v, _ in node.variable_count}
        names |= {n.partition("_{")[0] for n in names}  # x_{i} is an element of the family x
        if node.expr.free_symbols and not (names & {str(f) for f in node.expr.free_symbols}):
            return False  # ∂L/∂z of an L the card does not define
    return True


_NUMBERED = re.compile(r"^(.+)_\{(\d+)\}$")


def _numbered_families(expr) -> dict[str, set[int]]:
    """The families a side writes elements of at whole-number indices, with those indices
    (a: {1, 2} of `a_1 + 2a_2`)."""
    found: dict[str, set[int]] = {}
    for s in expr.free_symbols:
        m = _NUMBERED.match(s.name) if isinstance(s, sp.Symbol) else None
        if m:
            found.setdefault(m.group(1), set()).add(int(m.group(2)))
    return found


def _in_range(node, indices: set[int]) -> bool:
    r"""Some element written is among those a sum adds up: `a_1 + a_2` against `\sum_{i=3}^N a_i` are
    other elements (a constraint that moves terms across, `a_1 y_1 + a_2 y_2 = -\sum_{i=3}^N y_i a_i`),
    while a wrong `a_4` beside `a_1 + 2a_2` against `\sum_{i=1}^3` is that sum's identity written wrong."""
    if not isinstance(node, sp.Sum):
        return True
    return any(all(not ((low.is_number and k < low) or (high.is_number and k > high)) for _, low, high in node.limits)
               for k in indices)


def _identity_in_data(written, lhs, rhs, known: set[str], summed: tuple) -> bool:
    """`\\sum_i x_i - n\\bar{x} = 0` of `\\bar{x} = \\frac{1}{n}\\sum_i x_i`, a softmax's derivative against
    `y_i(1 - y_i)`: the data nobody gives (the x_i) is the data the card's own definitions add up, so the
    relation is an identity over it. `summed` holds, per written side, the families that the definitions
    of its names add up."""
    if rhs is None or not any(summed):
        return False
    unknown = set()
    for side in written:
        for node in side.atoms(*_OPERATORS):
            if _unknown_calls(node.args[0]):
                return False
            unknown |= {str(b.label) for b in node.args[0].atoms(sp.IndexedBase)} - known
    if not unknown or not unknown <= set().union(*summed):
        return False
    if _same_data(written, summed):
        return True
    left, right = ({str(b.label) for b in side.atoms(sp.IndexedBase)} for side in (lhs, rhs))
    return all((f in left) == (f in right) for f in unknown)  # on neither side, once put in: it cancels


def _same_data(written, summed: tuple) -> bool:
    """Both sides are written in one set of data: families they write or add up through the card's
    definitions (`\\sum_i (x_i - \\bar{x}) = \\sum_i x_i - n\\bar{x}`). A side without it, a number, is no
    identity's: 40 is a worked example's, whose data is in the prose, and 0 a condition's as often as
    not (`\\alpha_i (y_i (w \\cdot x_i + b) - 1) = 0`, KKT's, for the w that adds up the data)."""
    if len(written) != 2 or len(summed) != 2 or not any(summed):
        return False
    data = [{str(b.label) for b in w.atoms(sp.IndexedBase)} | set(s) for w, s in zip(written, summed)]
    return bool(data[0]) and data[0] == data[1]


def _names_value(claim, lhs, rhs, defined) -> bool:
    """`\\int_0^1 x^2 \\, dx = c`, `\\sum_{i=1}^{n} i = S`: one side a letter the card does not define and
    the other side does not contain, beside an integral, sum or limit: it names that value."""
    if rhs is None or not (claim.lhs.has(*_OPERATORS) or claim.rhs.has(*_OPERATORS)):
        return False
    for name, resolved, other in ((claim.rhs, rhs, lhs), (claim.lhs, lhs, rhs)):
        if isinstance(name, sp.Symbol) and resolved == name and str(name) not in defined \
                and name not in other.free_symbols and name not in (ZEROS, ONES, IDENTITY):
            return True
    # c \sum_{i=1}^{M} \frac{1}{i} = c H_M: the side without the sum has one name the card does not define
    # where the sum's side has its bound, which it lacks; the name is the value's (the harmonic number)
    for written, plain, operated, resolved in ((claim.lhs, claim.rhs, lhs, rhs), (claim.rhs, claim.lhs, rhs, lhs)):
        if not written.has(sp.Sum, sp.Product) or written.has(sp.Derivative, sp.Integral, sp.Limit, Grad) \
                or plain.has(*_OPERATORS):
            continue
        bounds = {s for node in written.atoms(sp.Sum, sp.Product) for _, *ends in node.limits for end in ends
                  for s in end.free_symbols if not s.name.startswith("|")}
        new = symbols_of(resolved) - symbols_of(operated)
        if bounds and not bounds & symbols_of(resolved) and len(new) == 1 \
                and all(isinstance(x, sp.Symbol) and str(x) not in defined for x in new):
            return True
    return False


def _for_every_function(claim, lhs, rhs) -> bool:
    r"""`\log \frac{P(X, Z)}{q(Z)} = \log P(X, Z) - \log q(Z)`, `\int p(z) f(z) dz = \int \frac{p(z)}{q(z)} q(z) f(z) dz`:
    an identity of values of functions the card does not define, true whatever they are. Its form says
    so: each side applies them, one side nothing the other does not, a function both apply at the same
    arguments (Bayes' rule, a factorisation, detailed balance or σ(-x) = 1 - σ(x) relate different
    values, which only the model or the function's own rule makes equal), no derivative (an
    equation the function meets: σ' = σ(1 - σ)), and any integral is the whole of each side, over
    the same variable and bounds (`\int p(z) dz = 1` needs p to be a density)."""
    if claim.rel != "=" or rhs is None:
        return False
    sides = [claim.lhs, claim.rhs, lhs, rhs]
    if any(side.has(sp.Derivative, Grad, sp.Limit, sp.Sum, sp.Product) for side in sides):
        return False
    left, right = (set(side.atoms(sp.core.function.AppliedUndef)) for side in (lhs, rhs))
    if not left or not right or not (left <= right or right <= left):
        return False
    for name in {c.func for c in left} & {c.func for c in right}:
        if {c for c in left if c.func == name} != {c for c in right if c.func == name}:
            return False  # f(x) + f(y) = 2f(x), σ(-x) = 1 - σ(x): values at other arguments, a property
    integrals = [side.atoms(sp.Integral) for side in (lhs, rhs)]
    if any(integrals):
        return all(isinstance(side, sp.Integral) for side in (lhs, rhs)) and lhs.limits == rhs.limits
    return True


def _unknown_value(expr) -> bool:
    """A side that is the value of a function the card does not define: `f(2)`, `\\sigma(z)`."""
    return isinstance(expr, sp.core.function.AppliedUndef)


def _has_values(expr) -> bool:
    """Numbers that look like data (3, 5/8, 0.4), not the 1s and 2s of algebra."""
    for n in expr.atoms(sp.Number):
        if isinstance(n, sp.Float) or (n.is_Rational and (abs(n.p) >= 3 or n.q >= 3)):
            return True
    return False


def _by_parts(written: list, defined: set[str]) -> bool:
    """`\\int u \\ dv = uv - \\int v \\ du`: an integral without bounds by a name the card does not
    define, of names it does not define either, none of them the variable itself. Read as letters, u
    would be a constant; the notes mean it as a function of v."""
    for side in written:
        for node in side.atoms(sp.Integral):
            (var, *bounds), = node.limits if len(node.limits) == 1 else ((None,),)
            names = {str(s) for s in node.function.free_symbols}
            if var is not None and not bounds and str(var) not in defined and names \
                    and var not in node.function.free_symbols and not names & defined:
                return True
    return False


# `… = -\frac{1}{b}\sum_j |w_j| + \text{const}`: the rest is absorbed into a constant nobody writes out
_UP_TO_A_CONSTANT = {"\\mathrm{const}", "\\mathrm{constant}", "\\mathrm{const.}", "\\mathrm{cst}"}


def _function_alone(claim, written: list, defined: set[str]) -> bool:
    """A letter the card differentiates as a function (`y' - y = e^{t}`) and does not define, standing
    alone beside an antiderivative in another variable (an integrating factor's step): read as a
    constant, the step would be wrong."""
    integrals = [op for side in written for op in side.atoms(sp.Integral) if all(len(lim) == 1 for lim in op.limits)]
    if not claim.functions or not integrals:
        return False
    variables = {str(v) for op in integrals for v in op.variables}
    return any(s.name in claim.functions and s.name not in variables and s.name not in defined
               for side in written for s in side.free_symbols if isinstance(s, sp.Symbol))


def _anticommuting(claim, defined: set[str]) -> bool:
    """`ij = -ji`, `\\sigma_x \\sigma_y = -\\sigma_y \\sigma_x`: a product of names the card does not
    define, said to be minus itself. Of numbers that says one of them is 0, which nobody writes as a
    rule; it is the rule of quaternion units or Pauli matrices."""
    left, right = claim.lhs, claim.rhs
    if right is None or claim.rel != "=" or not isinstance(left, sp.Mul):
        return False
    factors = [f.base if isinstance(f, sp.Pow) else f for f in left.args]
    return len(factors) >= 2 and all(isinstance(f, sp.Symbol) and f.name not in defined for f in factors) \
        and -right == left


def _matrix_operators(lhs, rhs) -> str:
    """Why a claim about vectors and matrices with sums, integrals or limits is not decided, or "":
    a sum with finite bounds is written out at each point, term by term."""
    sides = [side for side in (lhs, rhs) if side is not None]
    if any(side.has(sp.Product, sp.Integral, sp.Limit) for side in sides):
        return "a product, integral or limit of vectors or matrices, which is not decided"
    if any(side.has(sp.Sum) and side.has(sp.Derivative) for side in sides):
        return "a derivative of a sum of vectors or matrices, which is not decided"
    if any(not b.label.is_commutative for side in sides for b in side.atoms(sp.IndexedBase)):
        # w_1 x_1 + \cdots + w_n x_n = \boldsymbol{w}^T \boldsymbol{x}: w_i are the entries of the bold w
        return "the entries of a vector beside the vector written whole, which are not read"
    if any(bound.is_infinite for side in sides for total in side.atoms(sp.Sum) for _, *bounds in total.limits
           for bound in bounds):
        return "an infinite sum of vectors or matrices, which is not decided"
    members = {m.args[0].name.removesuffix(FAMILY) for side in sides for m in side.atoms(Member)}
    if members & {s.name for side in sides for s in side.free_symbols}:
        # w^T x = \sum_j w_j x_j: the members are the vector's entries, not vectors of their own
        return "a sum over the members of a vector the claim also writes whole: its entries, perhaps"
    plain = {letter_of(str(s)) for side in sides for s in side.free_symbols if s.is_commutative}
    both = sorted({letter_of(name) for name in members} & plain)
    if both:  # \|z_i\|^2 beside \boldsymbol{z}_j: the same vectors with the bold left out, or their entries
        return f"the letter {both[0]} is written both bold and plain: the same vectors, or their entries"
    return ""


_TWO_NUMBERS = re.compile(r"^\s*(\d+)\s*=\s*(\d+)\s*$")


def _a_code(text: str) -> bool:
    """`3 = 1110`, `5 = 101`: a small number beside a run of 0s and 1s."""
    found = _TWO_NUMBERS.match(text)
    return bool(found) and any(len(y) >= 3 and set(y) <= {"0", "1"} and len(x) <= 2
                               for x, y in (found.groups(), found.groups()[::-1]))


def _of_a_number(written, lhs, rhs, defined: set[str]) -> bool:
    """`g_6 = \\frac{\\partial out}{\\partial f_6} = 1` after `out = 5^2 = 25`: the written derivative is of a
    name, which its definition made a number (the side comes to a number, or keeps ∂25/∂f_6)."""
    for side, resolved in zip(written, (lhs, rhs)):
        names = [d for d in side.atoms(sp.Derivative) if isinstance(d.expr, sp.Symbol) and str(d.expr) in defined]
        if names and resolved is not None and (resolved.is_number or any(
                d.expr.is_number for d in resolved.atoms(sp.Derivative))):
            return True
    return False


def classify(claim, lhs, rhs, defined: set[str], families: set[str] = frozenset(),
             summed: tuple = ()) -> Form:
    """What the claim's form says it is; `lhs`/`rhs` have the card's definitions put in, `defined`
    names what the card (and the cards it uses) defines, and `families` the indexed families it gives
    values (sequences, lists in `where`): a symbol x defined on the card says nothing of x_i. `summed` names,
    per written side, the families that the definitions of its names add up (x of
    `\\bar{x} = \\frac{1}{n}\\sum_i x_i`)."""
    matrices = is_matrix(lhs) or is_matrix(rhs)
    unread = matrices and _matrix_operators(lhs, rhs)
    if unread:
        return Form(STATEMENT, unread)
    if claim.in_check_block or claim.marked:
        return Form(CERTAIN)
    if _a_code(claim.text):
        return Form(STATEMENT, "a number and its code (unary, binary) joined by =, which says how it is written")
    if any(s.name in _UP_TO_A_CONSTANT for side in (claim.lhs, claim.rhs) if side is not None
           for s in side.free_symbols):
        return Form(STATEMENT, "equal up to a constant the formula does not give (+ const)")
    if claim.revalued:
        return Form(DOUBTFUL, "a number for a name first given another number: the next example's value, "
                              "or a claim about the first")
    if not matrices and moment_identity(claim, lhs, rhs):
        if averaged(lhs, rhs):  # the steps of a bias-variance split lean on what the words assume of D
            return Form(DOUBTFUL, "an identity of expectations over a variable, which may rest on what the card "
                                  "assumes of it in words (a noise of mean zero, independent of the data)")
        return Form(CERTAIN)  # Var(X) = E[X^2] - E[X]^2: true of every distribution, or false
    written = [claim.lhs] + ([claim.rhs] if claim.rhs is not None else [])
    if any(side.has(Opaque) for side in written + [lhs, rhs] if side is not None):
        return Form(STATEMENT, "it uses notation whose value is not known here (an operator over a set, a "
                               "distribution the card does not give)")
    if any(_unknown_value(side) for side in written):
        return Form(STATEMENT, "the value of a function the card does not define")
    if any(_unknown_calls(side) for side in written + [lhs, rhs]) and not _for_every_function(claim, lhs, rhs):
        return Form(STATEMENT, "a property of a function the card does not define")  # a = g(z); ∂a/∂z = a(1 - a)
    if claim.substituted and rhs is not None and symbols_of(claim.lhs) ^ symbols_of(claim.rhs):
        return Form(STATEMENT, EXAMPLE)  # "substituting x_k and d_k": the values are in the prose
    if _by_parts(written, defined):
        return Form(STATEMENT, "an integral of a name the card does not define by another (\\int u\\,dv): "
                               "u is a function of v, which the formula does not give")
    if _normalisation(claim.lhs, claim.rhs):
        return Form(STATEMENT, "an integral without bounds set equal to a value: over a domain the card does not give")
    if claim.rel in ("<", ">", "<=", ">=") and any(
            len(lim) == 1 for side in written for node in side.atoms(sp.Integral) for lim in node.limits):
        # Jensen's ∫ log(g) p dλ ≤ log ∫ g p dλ: over the whole space, not an antiderivative, whose
        # constant would make any inequality between two of them true or false
        return Form(STATEMENT, "an inequality between integrals without bounds: over a domain the card does not give")
    if any(node.args[1] not in node.args[0].free_symbols for side in (lhs, rhs) if side is not None
           for node in side.atoms(sp.Limit)):
        # \lim_{D \to \infty} (d_{max} - d_{min}) / d_{min} = 0: the distances depend on D only in the
        # words; read as they are written, the limit would be of a constant
        return Form(STATEMENT, "a limit of a quantity not written as a function of its variable")
    if _of_a_number(written, lhs, rhs, defined):
        return Form(STATEMENT, "a derivative of a name the card gives a number (a forward pass's value): how it "
                               "changes with the other name is in the computation, not in the number")
    if _stationary(claim, lhs, rhs):
        return Form(STATEMENT, "a derivative set to zero: a condition for a stationary point")
    if _constant_chosen(claim, lhs, rhs) and not _same_data(written, summed):
        return Form(STATEMENT, "an equation for the constant that makes a sum or an integral equal a number")
    if _names_value(claim, lhs, rhs, defined):
        return Form(STATEMENT, "a letter nowhere else, naming the value of the other side")
    element = _by_element_of_whole(written + [lhs] + ([rhs] if rhs is not None else []))
    if element is not None:
        return Form(STATEMENT, f"a derivative by {author_form(element)}, an element of a letter the formula writes "
                               "whole: how the whole depends on it is not written")
    if matrices and not any(side.has(sp.Derivative, sp.Integral, sp.Limit, Grad) for side in written):
        return _matrix_form(claim, written, lhs, rhs, defined)  # its sums are written out, whatever they add
    if _operator_form(claim.lhs, claim.rhs) and _beyond_the_operator(written, lhs, rhs):
        return Form(STATEMENT, "an integral, sum or limit of numbers set equal to names: an equation in them")
    if _operator_form(claim.lhs, claim.rhs) and _function_alone(claim, written, defined):
        return Form(STATEMENT, "a function of the variable written without its argument (y for y(t))")
    if _operator_form(claim.lhs, claim.rhs):
        variables = {str(v.base.label) if isinstance(v, sp.Indexed) else str(v).partition("_{")[0]
                     for w in written for d in w.atoms(sp.Derivative) for v in d.variables}
        data = [{str(b.label) for b in side.atoms(sp.IndexedBase)} for side in written]
        others = [data[1], data[0]] if len(data) == 2 else [set()]
        if not any(side.has(sp.Derivative, sp.Integral, sp.Limit, Grad) for side in written):
            # a sum against a closed form: its values must be given, unless the closed form is written
            # in the same elements (`\\sum_{i=1}^{3} i a_i = a_1 + 2a_2 + 3a_3`)
            numbered = [_numbered_families(side) for side in written]
            others = [numbered[1], numbered[0]] if len(numbered) == 2 else [set()]
        if all(_operator_bodies_known(w, r, set(families), variables, o)
               for w, r, o in zip(written, (lhs, rhs), others)):
            return Form(CERTAIN)
        if _identity_in_data(written, lhs, rhs, set(families) | variables, summed):
            return Form(CERTAIN)
        return Form(STATEMENT, "an operator over values or a function the card does not give")
    if is_matrix(lhs) or is_matrix(rhs):
        return _matrix_form(claim, written, lhs, rhs, defined)
    if _anticommuting(claim, defined):
        return Form(STATEMENT, "a rule of elements that do not commute (ij = -ji): they are not numbers")
    left, right = symbols_of(lhs), symbols_of(rhs)
    if not left and not right:
        return Form(CERTAIN)
    every = left | right
    if rhs is not None and bool(left) != bool(right):
        if depends_on(lhs if left else rhs, left or right, every) and not _same_data(written, summed):
            return Form(STATEMENT, EXAMPLE if _about(written, defined) or claim.chain
                        else "an equation to solve or a condition")
    elif left - right and right - left:
        return Form(STATEMENT, "an equation between different unknowns")
    elif _example(lhs, rhs, left, right, every):
        return Form(STATEMENT, EXAMPLE)
    elif rhs is not None and claim.rel == "=" and left != right and not claim.inverse:
        only = {x for x in effective(lhs, every) ^ effective(rhs, every) if str(x) not in claim.elsewhere}
        if only:  # a symbol the rest of a derivation also has is not introduced here: a dropped term  # a Taylor remainder with its xi: it holds for some value, a theorem's equation
            return Form(STATEMENT, f"an equation for {author_form(sorted(only, key=str)[0])}, on one side only")
    factor = _factor_of_one_side(lhs, rhs, claim) if claim.rel == "=" else None
    if factor is not None:
        return Form(STATEMENT, f"{author_form(factor)} multiplies one side only: the step puts in a value of it "
                               "the formula does not give")
    if claim.inverse:
        return Form(DOUBTFUL, "two formulas that define each other")
    if claim.restated:
        return Form(DOUBTFUL, "a second formula for a name defined just before: another definition, "
                              "or a claim about the first")
    if rhs is not None and _different_families(written, defined, families, claim.elsewhere):
        return Form(STATEMENT, "an equation between sums of different families (a step that names what the "
                               "other side adds up)")
    if _sums_unknown_values(lhs, rhs, families):  # needs Σ y_j = 1 or the like, said in words
        return Form(DOUBTFUL, "a relation between sums of values the card does not give")
    if _about(written, defined) or claim.called or not (claim.single or claim.chain):
        return Form(CERTAIN)
    same = effective(lhs, every) == effective(rhs, every) if rhs is not None else True
    if claim.chain:
        # written in the same letters, a step claims whatever it makes of them: a wrong term
        # (`1 - e + e/K + e + e/K` for `… - e/K`) must not make it a substitution
        return Form(CERTAIN) if same or left == right else Form(
            STATEMENT, "a substitution in a chain about nothing defined")
    if same and claim.rel == "=" and _solved_for(lhs, rhs, every):
        return Form(STATEMENT, "an equation to solve: linear in its unknowns, with a solution other than 0")
    if same and claim.rel in ("=", "!="):
        return Form(DOUBTFUL, "an identity over symbols the card does not define")
    return Form(STATEMENT, "a relation between symbols the card does not define")


def _by_element_of_whole(sides):
    r"""`\frac{\partial}{\partial w_{ij}} (-h^T w v) = -h_i v_j`: the variable is an element of w, and the
    body holds w itself (a matrix read as a letter), not the element: read so, the derivative would be 0."""
    for side in sides:
        for d in side.atoms(sp.Derivative):
            # the letter alone, not a family's elements x_j (whose label sympy counts as free)
            alone = d.expr.free_symbols - {s for e in d.expr.atoms(sp.Indexed) for s in e.free_symbols}
            for var in d.variables:
                base = str(var.base.label) if isinstance(var, sp.Indexed) else str(var).partition("_")[0]
                if base and base != str(var) and var not in d.expr.free_symbols and any(str(s) == base for s in alone):
                    return var
    return None


def _factor_of_one_side(lhs, rhs, claim):
    r"""`C \frac{\Gamma(a)}{b^a} = \frac{\Gamma(a)}{\sqrt{k\pi}\,\Gamma(k/2)} …`: a letter that multiplies the
    whole of one side and is absent from the other. No identity holds for every value of it, so the
    step uses the value the card gives it elsewhere (`\qquad (C = …)`, in words), which is not read."""
    if rhs is None or claim.rhs is None:
        return None
    written = {str(s) for s in claim.lhs.free_symbols}, {str(s) for s in claim.rhs.free_symbols}
    if claim.called:  # an expectation computed took m from E(\frac{1}{m}\sum_j Y_j): the names written on both sides
        written = tuple(w | claim.elsewhere for w in written)
    for side, other, also in ((lhs, rhs, written[1]), (rhs, lhs, written[0])):
        for f in sp.Mul.make_args(side):
            base = f.base if isinstance(f, sp.Pow) and f.exp.is_number else f
            # m of E(\frac{1}{m}\sum_j Y_j) = \frac{\theta}{m} is written on both sides: no value is put in
            if isinstance(base, sp.Symbol) and base not in other.free_symbols and str(base) not in also \
                    and base not in (side / f).free_symbols and other.free_symbols:
                return base
    return None


def _solved_for(lhs, rhs, every) -> bool:
    """`0.9x + 0.4(1 - x) = x`: both sides of degree at most 1 in the one unknown, which the
    equation then fixes (x = 0.8), as a step of solving does. A wrong linear identity has no
    solution (3x + 6 = 3x + 5) or every number (it holds), or only 0 (0.9x = 0.8x: nothing to solve)."""
    if not every or len(every) > 4:
        return False
    unknowns = sorted(every, key=str)  # several: `100 - 10 p_0 - 5 p_1 = 10 p_0 + 5 p_1`, one line of a system
    try:
        sides = [sp.Poly(side, *unknowns) for side in (lhs, rhs)]
    except (sp.PolynomialError, sp.GeneratorsNeeded, ValueError, TypeError):
        return False
    if any(p.total_degree() > 1 or not all(c.is_number for c in p.coeffs()) for p in sides):
        return False
    difference = sides[0] - sides[1]
    return difference.total_degree() == 1 and difference.coeff_monomial(1) != 0


def _normalisation(lhs, rhs) -> bool:
    """`\\int p \\, d\\mu = 1`: an integral without bounds against a side free of its variable. An
    antiderivative (`\\int x \\, dx = \\frac{x^2}{2} + C`) has the variable on the other side."""
    if rhs is None:
        return False
    for side, other in ((lhs, rhs), (rhs, lhs)):
        for integral in side.atoms(sp.Integral) if isinstance(side, sp.Basic) else ():
            unbounded = [lim[0] for lim in integral.limits if len(lim) == 1]
            if unbounded and not any(other.has(v) for v in unbounded):
                return True
    return False


def _operations(expr) -> tuple:
    """How many transposes and inverses a side applies: `A^T` against `A` is a condition (symmetric),
    `(A^{-1})^T` against `(A^T)^{-1}` the same operations in another order, an identity."""
    from ankigen.check.matrices import Inverse, Transpose

    return len(expr.atoms(Transpose)), len(expr.atoms(Inverse))


def _constant(s) -> bool:
    """The identity, zeros and ones, of any size or sized (`\\mathbf{I}_n`): constants, not unknowns."""
    return str(s).split("_{")[0] in (r"\mathbf{I}", r"\mathbf{0}", r"\mathbf{1}")


def _matrix_symbols(expr) -> set:
    return {s for s in expr.free_symbols if s.is_commutative is False} if expr is not None else set()


def _stationary(claim, lhs, rhs) -> bool:
    """`\\frac{\\partial L}{\\partial \\theta} = 0`, `\\nabla_{\\mathbf{w}} J = \\mathbf{0}`: setting a derivative to
    zero states where it vanishes; it is an equation, not an identity."""
    if rhs is None or claim.rel != "=":
        return False
    for side, other in ((claim.lhs, claim.rhs), (claim.rhs, claim.lhs)):
        zero = other == 0 or (isinstance(other, sp.Symbol) and other.name.startswith("\\mathbf{0}"))
        if zero and side.has(sp.Derivative, Grad):
            return True
    return False


def _different_families(written, defined: set[str], families, elsewhere) -> bool:
    """`\\sum_j [(\\sum_{i \\in I_j} g_i) w_j] = \\sum_j G_j w_j`: each side adds up a family the other does not
    write and the card does not give; the step names G_j, as `a = b` between different unknowns would."""
    if len(written) != 2:
        return False
    known, said = set(families), {str(n) for n in elsewhere} - set(defined)  # A = … defines A, not A_k
    left, right = ({str(b.label) for b in w.atoms(sp.IndexedBase)} - known for w in written)
    # the new names are written nowhere else in the derivation (g and h were, in the step before)
    return bool(left - right) and bool(right - left) and bool((left - right - said) or (right - left - said))


def _sums_unknown_values(lhs, rhs, families) -> bool:
    """Both sides add up a family nobody gives values (`\\sum_j y_j \\log \\ldots`): what holds may
    rest on a property said in words (one-hot, normalised)."""
    found = 0
    for side in (lhs, rhs):
        if side is None:
            continue
        for node in side.atoms(sp.Sum, sp.Product):
            if {str(b.label) for b in node.function.atoms(sp.IndexedBase)} - set(families):
                found += 1
                break
    return found == 2


def _about(written: list, defined: set[str]) -> bool:
    names = set()
    for side in written:
        names |= {str(s) for s in side.free_symbols}
        names |= {str(b.label) for b in side.atoms(sp.IndexedBase)}
    return bool(names & defined)


def _constant_chosen(claim, lhs, rhs) -> bool:
    """`\\sum_{x=1}^{3} c x = 1`, `\\int_0^2 k x \\, dx = 1`: a sum or integral of a constant times a
    function, set equal to a number, is the equation that chooses the constant (a normalisation),
    as `6c = 1` is. A parameter inside the function too (`\\int_0^\\infty \\lambda e^{-\\lambda x} dx = 1`)
    leaves it an identity to check."""
    if rhs is None or claim.rel != "=":
        return False
    for written, side, other, other_written in ((claim.lhs, lhs, rhs, claim.rhs), (claim.rhs, rhs, lhs, claim.lhs)):
        # the number must be written: `\\sum_i (x_i - \\bar{x}) = \\sum_i x_i - n\\bar{x}` is 0 only once x̄ is put in
        if other.free_symbols or other_written.free_symbols or not side.free_symbols \
                or not written.has(sp.Sum, sp.Integral, sp.Product):
            continue
        if not side.has(sp.Sum, sp.Integral, sp.Product):  # computed already: 6c, and linear in it
            return depends_on(side, side.free_symbols, side.free_symbols) and any(
                isinstance(p, sp.Symbol) and _linear_in(side, p) for p in side.free_symbols)
        for node in side.atoms(sp.Sum, sp.Integral, sp.Product):
            body = node.function
            if any(body.has(p) and not (body / p).has(p) for p in node.free_symbols):
                return True
        # `\\sum_{t=0}^{T} R^{-t}(\\xi_1 \\phi^t - \\xi_0) = 0`, "we require": linear in the constants it
        # chooses, as `6c = 1` is; `\\sum_k \\binom{n}{k} p^k (1-p)^{n-k} = 1` is not, and is an identity
        labels = {b.label for b in side.atoms(sp.IndexedBase)}
        bounds = {s for node in side.atoms(sp.Sum, sp.Integral, sp.Product) for lim in node.limits
                  for end in lim[1:] for s in end.free_symbols}
        if any(isinstance(p, sp.Symbol) and p not in labels and p not in bounds and _linear_in(side, p)
               for p in side.free_symbols):
            return True
    return False


def _linear_in(expr, p) -> bool:
    try:
        first = sp.diff(expr, p)
        return first != 0 and sp.diff(first, p) == 0
    except (TypeError, ValueError, NotImplementedError, AttributeError):
        return False


def _example(lhs, rhs, left: set, right: set, every: set) -> bool:
    """One side holds symbols the other lacks and depends on them, while the other holds numbers
    where they were (|5/8 - 3/7|^p for |m_1/m - m_2/m'|^p): an example whose values are in the prose."""
    if rhs is None:
        return False
    for side, only, other in ((lhs, left - right, rhs), (rhs, right - left, lhs)):
        if only and _has_values(other) and depends_on(side, only, every):
            return True
    return False


def _reversed_products(a, b) -> bool:
    """`\\mathbf{h}_1 \\mathbf{h}_2` and `\\mathbf{h}_2 \\mathbf{h}_1`: the same factors in the other order."""
    if not (isinstance(a, sp.Mul) and isinstance(b, sp.Mul)):
        return False
    left, right = a.args_cnc(), b.args_cnc()
    return len(left[1]) >= 2 and left[0] == right[0] and left[1] == right[1][::-1] and left[1] != right[1]


def _linear_system(lhs, rhs, unknown: str) -> bool:
    """`Cp = Dp + h`: the unknown in every term but a constant one, once in each: equilibrium prices, a
    system the next step solves, which an identity would not be (it would hold at p = 0 too)."""
    terms = [t for side in (lhs, rhs) for t in sp.Add.make_args(side)]
    with_it = [t for t in terms if any(str(s) == unknown for s in t.free_symbols)]
    constant = [t for t in terms if t not in with_it and t != 0]
    return bool(with_it) and bool(constant) and all(
        sum(1 for a in sp.preorder_traversal(t) if isinstance(a, sp.Symbol) and str(a) == unknown) == 1
        for t in with_it)


def _by_family(letters: set, lhs, rhs) -> set:
    """`t_k` inside `\\sum_k t_k \\mathbf{p}_k` and `t_1` written out are the one family t; so are the
    members of \\mathbf{p}: each letter by its family's name, where the claim sums one."""
    sides = [side for side in (lhs, rhs) if side is not None]
    stems = {str(b.label) for side in sides for b in side.atoms(sp.IndexedBase)}
    stems |= {m.args[0].name.removesuffix(FAMILY) for side in sides for m in side.atoms(Member)}
    out = set()
    for s in letters:
        name = str(s.base.label) if isinstance(s, sp.Indexed) else s.name.removesuffix(FAMILY)
        stem = name.partition("_{")[0] if "_{" in name else name.partition("_")[0]
        out.add(stem if stem in stems else s)
    return out


def _matrix_form(claim, written: list, lhs, rhs, defined: set[str]) -> Form:
    """Vectors and matrices: a claim of a shape is certain. A side without symbols (`= 0`, `= I`,
    `= 1`) makes an equation or a condition (`(A - \\lambda I)v = 0`, `U^T U = I`, `\\|x\\| = 1`), and
    a matrix said equal to itself transformed (`A = A^T`, `U^{-1} = U^T`) a condition: statements.
    An identity is certain about what the card declares or defines, doubtful over undeclared
    letters with the same letters on both sides, and otherwise an equation (`Av = \\lambda v`)."""
    if claim.rel == "in":
        return Form(CERTAIN)
    if claim.rel == "!=" and _reversed_products(claim.lhs, claim.rhs):
        return Form(STATEMENT, "a product said not to commute (AB ≠ BA)")
    dims = {s for _, shape in claim.declared for d in shape if isinstance(d, sp.Basic) for s in d.free_symbols}
    dim_names = {str(s) for s in dims}
    left = {s for s in symbols_of(lhs) if str(s) not in dim_names and not _constant(s)}
    right = {s for s in symbols_of(rhs) if str(s) not in dim_names and not _constant(s)}
    if any(side is not None and side.has(sp.Sum) for side in (lhs, rhs)):
        left = _by_family(left | lhs.atoms(sp.Indexed), lhs, rhs)
        right = _by_family(right | (rhs.atoms(sp.Indexed) if rhs is not None else set()), lhs, rhs)
    if not left and not right and not _matrix_symbols(lhs) | _matrix_symbols(rhs):
        return Form(CERTAIN)  # matrices written out in numbers: a computation, right or wrong
    if rhs is not None and bool(left) != bool(right):
        return Form(STATEMENT, "an equation or a condition on vectors and matrices")
    only = _matrix_symbols(lhs)
    if rhs is not None and len(only) == 1 and only == _matrix_symbols(rhs) and left == right == only and \
            lhs.count(next(iter(only))) == 1 and rhs.count(next(iter(only))) == 1 and _operations(lhs) != _operations(rhs):
        return Form(STATEMENT, "a condition on a matrix (symmetric, orthogonal …)")
    if rhs is not None and left != right:
        return Form(STATEMENT, "an equation: one side has an unknown the other lacks")
    if rhs is not None and len(left) == 1 and left == right and _linear_system(lhs, rhs, str(next(iter(left)))):
        return Form(STATEMENT, "a linear system in an unknown vector, to solve (Cp = Dp + h)")
    if _about(written, defined) or claim.called:
        return Form(CERTAIN)
    if not (claim.single or claim.chain):
        return Form(CERTAIN)
    # Here both sides hold the same letters (or there is one side): an identity, if a doubtful one.
    return Form(DOUBTFUL, "an identity over vectors and matrices the card does not declare")
