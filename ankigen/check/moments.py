"""Expectation, variance and covariance of random variables the card gives no distribution.

`\\mathrm{Var}(X) = \\mathbb{E}[X^2] - (\\mathbb{E}[X])^2`, `\\mathrm{Var}(aX + b) = a^2 \\mathrm{Var}(X)`,
`\\mathbb{E}[(\\hat\\theta - \\theta)^2] = \\mathrm{Var}(\\hat\\theta) + (\\mathbb{E}[\\hat\\theta] - \\theta)^2`:
identities that hold for every distribution. Such an equation is claimed by its form (identity): both
sides take an expectation, a variance or a covariance, and every letter in it appears inside one. It
is decided on sampled finite distributions, exactly, with rational values and probabilities: an
identity of moments that holds on every finite distribution holds on all, and one that does not
fails on almost any of them, which then is the counterexample (decide).

Which letters are random is not written. A letter also written outside every expectation is a
constant (a in `a^2 \\mathrm{Var}(X)`); one written only inside is read both ways: each such letter
random, and only the capital and hatted ones random (b in `\\mathrm{Var}(aX + b)`), as textbooks
write random variables. Neither reading may leave an expectation of constants alone. The claim
fails only when it fails under both.
"""

from __future__ import annotations

import random
import re
import zlib
from fractions import Fraction

import sympy as sp

from ankigen.check.probability import kind_of
from ankigen.check.vocabulary import Opaque
from ankigen.model import Verdict

TRIALS = 6  # sampled distributions per reading
OUTCOMES = 4  # outcomes of a joint distribution (dependent variables)
MARGINAL = 3  # values of each variable on its own (independent variables)
MAX_RANDOM = 5  # more random letters than this are not sampled jointly (3**5 outcomes)
_TOLERANCE = sp.Float("1e-12", 30)
# the mean, the spread, the correlation and the sample mean of a variable, by name: μ_X, σ^2, \bar{X}
_NAMED = re.compile(r"^\\(?:mu|sigma|rho|bar|overline)(?![A-Za-z])")
_PROCESS = re.compile(r"^(?:\\mathrm\{)?[A-Z]\}?(?:_.*)?$|^m_|^\\(?:mu|sigma)(?![A-Za-z])")
_RANDOM_BY_CONVENTION = re.compile(r"^(?:\\mathrm\{)?[A-Z]+\}?(?:_.*)?$|^\\(?:hat|widehat|tilde|widetilde)\b")


# \mathbb{E}_{D}[…], E_{\mathcal{D}}[…], \mathbb{E}_{x \sim p}[…]: an expectation over the variable its subscript names
_AVERAGED = re.compile(r"^(?:E|\\mathbb\{E\}|\\mathrm\{E\})_\{(.+)\}$")


def calls(expr) -> list:
    """The expectations, variances and covariances applied in expr, and expectations over a named variable."""
    if expr is None:
        return []
    return [c for c in expr.atoms(sp.core.function.AppliedUndef, Opaque)
            if (kind_of(c) is not None if not isinstance(c, Opaque) else over(c) is not None)]


def over(call) -> str | None:
    r"""The variable an expectation written with a subscript averages over (D of \mathbb{E}_{D}[…], x of
    \mathbb{E}_{x \sim p}[…]), as the reader names it; None for any other node."""
    if not isinstance(call, Opaque) or len(call.args) != 2:
        return None
    m = _AVERAGED.match(str(call.args[0]))
    return m and m[1].split("\\sim")[0].replace(" ", "") or None


def _args(call) -> tuple:
    return call.args[1:] if isinstance(call, Opaque) else call.args


def _kind(call) -> str | None:
    return "E" if isinstance(call, Opaque) else kind_of(call)


def identity(rel: str, lhs, rhs, written: bool = False) -> bool:
    """The form of an identity of moments: an equation each of whose sides takes an expectation,
    variance or covariance of one argument (two for a covariance), with nothing the card leaves
    unknown outside them and every letter written inside one. A side without one (`\\mathbb{E}[X] = 0`,
    `\\mathrm{Var}(\\bar X) = \\sigma^2 / n`) states a property, which no distribution-free rule decides."""
    if rel != "=" or rhs is None or not (calls(lhs) and calls(rhs)):
        return False
    sides = (lhs, rhs)
    if any(side.has(sp.Derivative, sp.Integral, sp.Limit, sp.Sum, sp.Product, sp.Indexed, sp.MatrixBase)
           or not side.is_commutative for side in sides):
        return False
    found = calls(lhs) + calls(rhs)
    subscripts = {over(c) for c in found}
    if subscripts != {None}:
        return len(subscripts) == 1 and _averaged(sides, found, subscripts.pop(), written)
    if any(len(c.args) != (2 if kind_of(c) == "Cov" else 1) for c in found):
        return False
    inside = set().union(*(a.free_symbols for c in found for a in c.args))
    if any(s not in inside for side in sides for s in side.free_symbols):
        return False
    if any(_NAMED.match(s.name) for s in inside):
        return False  # E[(X - μ)^2] = Var(X): μ is the mean, which no letter says
    # E[S^2] = Var(X), E[\bar X] = E[X]: other variables on each side, whose relation the card gives
    # in words; an identity speaks of the same variables on both sides
    left, right = (set().union(*(a.free_symbols for c in calls(side) for a in c.args)) for side in sides)
    if not left & right or any(_RANDOM_BY_CONVENTION.match(s.name) for s in left ^ right):
        return False
    # a function the card does not define is allowed only as a function of random letters (E[g(X)]);
    # outside every expectation, or a conditional expectation E(·|·), it is a value nobody gives
    outside = [side.xreplace({c: sp.Dummy() for c in calls(side)}) for side in sides]
    unknown = [f for side in outside for f in side.atoms(sp.core.function.AppliedUndef)]
    # g(X) of a random X is itself random, f(x) a value, \hat{f}(x; D) an estimate; X(t) of a time t
    # is a process, and m_X(t) its mean function, which the letters do not tie to it
    inner = [f for c in found for a in c.args for f in a.atoms(sp.core.function.AppliedUndef) if kind_of(f) is None]
    if any(_PROCESS.match(f.func.__name__) for f in inner):
        return False
    nested = [f for c in found for f in c.atoms(sp.core.function.AppliedUndef) if "|" in f.func.__name__]
    return not unknown and not nested and not any(side.has(Opaque) for side in sides)


def claimed(claim, lhs, rhs) -> bool:
    """An identity of moments both as written and with the card's definitions put in (`= p - p^2`
    after "$E[X] = p$" is a property of X, not an identity)."""
    return identity(claim.rel, claim.lhs, claim.rhs, True) and identity(claim.rel, lhs, rhs)


def randoms_of(found, var: str) -> frozenset:
    """What an expectation over var averages: var itself and the letters it labels (y_D of D)."""
    inside = set().union(*(a.free_symbols for c in found for a in _args(c)))
    return frozenset(s for s in inside if (s.name == var or s.name.endswith((f"_{{{var}}}", f"_{var}")))
                     and not _AVERAGED.match(s.name))


def _averaged(sides, found, var: str, written: bool) -> bool:
    r"""`\mathbb{E}_D[2(f(x; D) - \bar f(x)) \bar f(x)] = 2 \bar f(x) \mathbb{E}_D[f(x; D)] - 2 \bar f(x)^2`: an
    identity of expectations over one named variable. What does not depend on it is a constant, written
    inside or outside (\bar f(x), y); each expectation averages something that does. A mean named as
    such (\bar f, μ) must be given by its definition once the definitions are put in: `E_D[(f - \bar f)^2]
    = E_D[f^2] - \bar f^2` holds only because \bar f is E_D[f]."""
    randoms = randoms_of(found, var)
    if not randoms or any(not (a.free_symbols & randoms) for c in found for a in _args(c)) \
            or any(len(_args(c)) != 1 for c in found):
        return False
    outside = [side.xreplace({c: sp.Dummy() for c in calls(side)}) for side in sides]
    if any(side.free_symbols & randoms or side.has(Opaque) for side in outside):
        return False
    if any(over(o) != var for c in found for o in c.atoms(Opaque)) \
            or any(kind_of(f) for c in found for f in c.atoms(sp.core.function.AppliedUndef)):
        return False  # an argmax, another average, or a variance inside: not modelled
    if written:
        return True
    # E_x[g(F(x))] = E_x[g(G(x) + a h(x))]: values of functions the card does not define, related only by
    # what the card says of them (a model's update H_t = H_{t-1} + a h_t): a property, not an identity
    applied = [{f for f in side.atoms(sp.core.function.AppliedUndef) if kind_of(f) is None} for side in sides]
    if applied[0] != applied[1]:
        return False
    names = [f.func.__name__ for side in sides for f in side.atoms(sp.core.function.AppliedUndef)]
    return not any(_NAMED.match(n) for n in names + [s.name for side in sides for s in side.free_symbols])


def scalar_values(expr):
    """f(\\mathbf{x}; D) is a number, the value of a function at a vector: a vector written only as such an
    argument is read with a plain letter, so that the identity is one of numbers."""
    if expr is None:
        return None
    vectors = {s for s in expr.free_symbols if not s.is_commutative}
    applied = list(expr.atoms(sp.core.function.AppliedUndef))
    if not vectors or expr.xreplace({f: sp.Dummy() for f in applied}).free_symbols & vectors:
        return expr
    return expr.xreplace({v: sp.Symbol(v.name) for v in vectors})


def averaged(lhs, rhs) -> bool:
    """Whether the identity's expectations are over a named variable."""
    return any(over(c) is not None for c in calls(lhs) + calls(rhs))


def decide(lhs, rhs, independent: bool) -> Verdict:
    """Whether lhs = rhs holds for every distribution of its random letters (for every distribution
    of independent ones, where the card says they are independent). Where it fails in general but
    holds for independent variables the card does not call independent, the verdict is ambiguous."""
    readings = _readings(lhs, rhs)
    if not readings:
        return Verdict(None, "unclaimed", "no letter in it can be random")
    failed = None
    for randoms in readings:
        verdict = _sampled(lhs, rhs, randoms, independent)
        if verdict.holds is not False:
            return verdict
        failed = failed or verdict
    if not independent:
        for randoms in readings:
            if len(randoms) > 1 and _sampled(lhs, rhs, randoms, True).holds:
                names = ", ".join(sorted(str(s) for s in randoms))
                return Verdict(None, "ambiguous", f"{names} are independent (the card does not say so)")
    return failed


def _readings(lhs, rhs) -> list[frozenset]:
    found = calls(lhs) + calls(rhs)
    var = next((over(c) for c in found if over(c) is not None), None)
    if var is not None:
        return [randoms_of(found, var)]
    inside = set().union(*(a.free_symbols for c in found for a in c.args))
    outside = set().union(*(side.xreplace({c: sp.Dummy() for c in calls(side)}).free_symbols for side in (lhs, rhs)))
    alone = frozenset(inside - outside)
    # a letter in two expectations is a variable they average over (X in Var(cX + d) = c^2 Var(X));
    # one written once may be a constant (d there, C in Var(X + C) = Var(X))
    repeated = frozenset(s for s in alone if sum(1 for c in found if any(s in a.free_symbols for a in c.args)) > 1)
    conventional = frozenset(s for s in alone if _RANDOM_BY_CONVENTION.match(s.name))
    out = []
    for randoms in (repeated, conventional, alone):  # the first reading's counterexample is the one shown
        if randoms and randoms not in out and len(randoms) <= MAX_RANDOM and all(
                c.free_symbols & randoms or not any(a.free_symbols & alone for a in c.args) for c in found):
            out.append(randoms)
    return out


def _sampled(lhs, rhs, randoms: frozenset, independent: bool) -> Verdict:
    rng = random.Random(20261206)
    ordered = sorted(randoms, key=str)
    names = {c.args[0] for c in calls(lhs) + calls(rhs) if isinstance(c, Opaque)}
    constants = sorted((lhs.free_symbols | rhs.free_symbols) - randoms - names, key=str)
    valid = 0
    for _ in range(TRIALS):
        fixed = {c: sp.Integer(rng.randint(2, 7)) for c in constants}
        world = _independent(ordered, rng) if independent else _joint(ordered, rng)
        left, right = _value(lhs, world, fixed), _value(rhs, world, fixed)
        if left is None or right is None:
            continue
        valid += 1
        if abs(left - right) > _TOLERANCE * max(1, abs(left), abs(right)):
            return Verdict(False, "sampled", "", _example(ordered, world, fixed, independent),
                           _show(left), _show(right))
    if valid < TRIALS // 2:
        return Verdict(None, "undecided", f"defined on only {valid} of {TRIALS} sampled distributions")
    return Verdict(True, "sampled", f"holds on {valid} sampled distributions"
                   + (" of independent variables" if independent else ""))


def _joint(randoms: list, rng: random.Random) -> list:
    """Outcomes (probability, {letter: value}) of one joint distribution: the letters may depend."""
    weights = [rng.randint(1, 4) for _ in range(OUTCOMES)]
    total = sum(weights)
    return [(sp.Rational(w, total), {s: sp.Integer(rng.randint(1, 6)) for s in randoms}) for w in weights]


def _independent(randoms: list, rng: random.Random) -> list:
    """Outcomes of independent letters: each its own values and probabilities, the joint their product."""
    world = [(sp.Integer(1), {})]
    for s in randoms:
        weights = [rng.randint(1, 4) for _ in range(MARGINAL)]
        total = sum(weights)
        values = [sp.Integer(rng.randint(1, 6)) for _ in range(MARGINAL)]
        world = [(p * sp.Rational(w, total), {**given, s: v}) for p, given in world for w, v in zip(weights, values)]
    return world


def _value(expr, world: list, fixed: dict):
    """expr's number on this distribution, or None where it is not defined (a zero variance divided by)."""
    known: dict = {}

    def moment(call):
        if call not in known:
            kind, args = _kind(call), _args(call)
            if kind == "E":
                known[call] = _expect(args[0], world, fixed, moment)
            elif kind == "Var":
                known[call] = _expect(args[0] ** 2, world, fixed, moment) - _expect(args[0], world, fixed, moment) ** 2
            else:
                known[call] = _expect(args[0] * args[1], world, fixed, moment) \
                    - _expect(args[0], world, fixed, moment) * _expect(args[1], world, fixed, moment)
        return known[call]

    try:
        value = sp.N(_at(expr, {}, fixed, moment), 30)
    except (ZeroDivisionError, ValueError, TypeError, ArithmeticError):
        return None
    return value if value.is_real and value.is_finite else None


def _expect(arg, world: list, fixed: dict, moment):
    return sp.Add(*[p * _at(arg, values, fixed, moment) for p, values in world])


def _at(expr, values: dict, fixed: dict, moment):
    """expr at one outcome: its moments (which do not depend on the outcome) first, then the letters,
    then each function the card does not define, as an arbitrary one (a fixed value per argument)."""
    inner = {c: moment(c) for c in calls(expr)}
    done = expr.xreplace(inner).xreplace(values).xreplace(fixed)
    return done.replace(lambda e: isinstance(e, sp.core.function.AppliedUndef), _arbitrary)


def _arbitrary(call):
    seed = zlib.crc32(f"{call.func.__name__}{call.args}".encode())
    return sp.Integer(1 + seed % 9)


def _example(randoms: list, world: list, fixed: dict, independent: bool) -> tuple:
    shown = []
    if independent:
        for s in randoms:
            marginal: dict = {}
            for p, values in world:
                marginal[values[s]] = marginal.get(values[s], 0) + p
            shown.append((str(s), _distribution(marginal)))
    else:
        together: dict = {}
        for p, values in world:
            point = tuple(values[s] for s in randoms)
            together[point] = together.get(point, 0) + p
        name = str(randoms[0]) if len(randoms) == 1 else "(" + ", ".join(str(s) for s in randoms) + ")"
        points = {(k[0] if len(k) == 1 else "(" + ", ".join(str(v) for v in k) + ")"): p for k, p in together.items()}
        shown.append((name, _distribution(points)))
    return tuple(shown) + tuple((str(c), str(v)) for c, v in fixed.items())


def _distribution(points: dict) -> str:
    parts = [f"{value} with probability {Fraction(int(p.p), int(p.q))}" for value, p in points.items()]
    return ", ".join(parts)


def _show(value) -> str:
    exact = sp.nsimplify(value, rational=True, tolerance=1e-20)
    return str(exact) if isinstance(exact, sp.Rational) and exact.q < 10**6 else str(sp.N(value, 6))
