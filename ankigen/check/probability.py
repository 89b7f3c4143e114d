"""Expectation and variance where they have one meaning: of random variables the card gives a
distribution (`X \\sim \\mathrm{Bernoulli}(p)`, `X \\sim \\mathcal{N}(\\mu, \\sigma^2)`, `U(a, b)`,
`\\mathrm{Exp}(\\lambda)`, `\\mathrm{Poisson}(\\lambda)`, `\\mathrm{Binomial}(n, p)`). `\\mathbb{E}[…]`,
`\\mathrm{Var}(…)` and `\\mathrm{Cov}(…, …)` of such variables are computed by sympy.stats and put
in the claim; of anything else they stay functions the card does not define (statements).
"""

from __future__ import annotations

import re
from functools import lru_cache

import sympy as sp

# The name as written (without \mathrm, \operatorname, \mathcal) → (sympy.stats class, how the
# written parameters become sympy's: N(μ, σ²) is written with the variance, sympy takes σ).
_DISTRIBUTIONS = {
    "Bernoulli": "Bernoulli", "Bern": "Bernoulli", "N": "Normal", "Normal": "Normal", "Gaussian": "Normal",
    "U": "Uniform", "Uniform": "Uniform", "Unif": "Uniform", "Exp": "Exponential", "Exponential": "Exponential",
    "Poisson": "Poisson", "Pois": "Poisson", "Binomial": "Binomial", "Bin": "Binomial", "B": "Binomial",
    "Geometric": "Geometric", "Geom": "Geometric",
}
_ARITY = {"Bernoulli": 1, "Normal": 2, "Uniform": 2, "Exponential": 1, "Poisson": 1, "Binomial": 2, "Geometric": 1}
_EXPECTATION = {"\\mathbb{E}", "E", "\\mathrm{E}", "\\mathbb{E}}"}
_VARIANCE = {"\\mathrm{Var}", "\\mathrm{var}", "\\mathbb{V}", "\\mathrm{V}", "\\mathrm{D}"}
_COVARIANCE = {"\\mathrm{Cov}", "\\mathrm{cov}"}
_SIM = re.compile(r"\\sim\b")
_NAME = re.compile(r"^\s*(?:\\(?:mathrm|operatorname|text|mathcal|mathscr)\s*\{\s*([A-Za-z]+)\s*\}|([A-Za-z]+))\s*"
                   r"([(\[].*[)\]])\s*$", re.S)


def distributions(texts: list[str], name_of, arguments_of) -> dict:
    """`X \\sim \\mathrm{Bernoulli}(p)` anywhere on the card: {X's name: (distribution, parameters)}.
    `name_of(text)` reads the variable, `arguments_of(text)` the parenthesised parameters."""
    found: dict = {}
    for text in texts:
        for piece in re.split(r",\s*\\quad|\\quad|;|\\qquad", text):
            m = _SIM.search(piece)
            if not m:
                continue
            spec = _NAME.match(piece[m.end():])
            if not spec:
                continue
            kind = _DISTRIBUTIONS.get(spec.group(1) or spec.group(2))
            if kind is None:
                continue
            try:
                names = [name_of(part) for part in piece[:m.start()].split(",")]
                params = arguments_of(spec.group(3))
            except Exception:  # noqa: BLE001 — a declaration that cannot be read declares nothing
                continue
            if len(params) != _ARITY[kind] or any(not isinstance(n, sp.Symbol) for n in names):
                continue
            for n in names:
                found[n.name] = (kind, tuple(params))
    return found


def random_variables(declared: dict) -> dict:
    """sympy.stats variables for the declarations, keyed by the card's symbol."""
    import sympy.stats as stats

    out = {}
    for name, (kind, params) in declared.items():
        if kind == "Normal":
            params = (params[0], sp.sqrt(params[1]))  # written with the variance
        try:
            out[sp.Symbol(name, positive=True)] = getattr(stats, kind)(name, *params)
        except (ValueError, TypeError):
            continue
    return out


def put_in(expr, declared: dict):
    """expr with every expectation, variance and covariance of the declared variables computed."""
    if expr is None or not declared:
        return expr
    calls = [c for c in expr.atoms(sp.core.function.AppliedUndef)
             if kind_of(c) and any(str(s) in declared for a in c.args for s in a.free_symbols)]
    if not calls:
        return expr
    key = tuple(sorted((name, kind, tuple(params)) for name, (kind, params) in declared.items()))
    swaps = {}
    for c in calls:
        value = _computed(c, key)
        if value is not None:
            swaps[c] = value
    return expr.xreplace(swaps)


@lru_cache(maxsize=512)
def _computed(call, declared: tuple):
    """E, Var or Cov of the declared variables, once per call and declarations (a card's claims and
    its readings ask for the same ones). A polynomial in independent variables is worked out from
    each variable's raw moments; anything else goes to sympy.stats, which takes a good part of a
    second for a variance."""
    variables = {sp.Symbol(name, positive=True): (kind, params) for name, kind, params in declared}
    if any(a.has(sp.Indexed, sp.Sum, sp.Product) for a in call.args):
        # the sample X_1, …, X_n of a declared X: sympy.stats would build an n-fold integral (minutes)
        return _of_sample(call, variables)
    fast = _by_moments(call, variables)
    if fast is not None:
        return fast
    import sympy.stats as stats

    rvs = random_variables({name: (kind, params) for name, kind, params in declared})
    args = [a.xreplace(rvs) for a in call.args]
    try:
        if kind_of(call) == "E" and len(args) == 1:
            return stats.E(args[0])
        if kind_of(call) == "Var" and len(args) == 1:
            return stats.variance(args[0])
        if kind_of(call) == "Cov" and len(args) == 2:
            return stats.covariance(args[0], args[1])
    except (ValueError, TypeError, NotImplementedError, AttributeError):
        return None
    return None


def _of_sample(call, variables: dict):
    """E of an expression in a sample X_1, …, X_n of a declared X, each distributed as X: linear over
    terms and over a sum with one index (E[Σ_i g(X_i)] = Σ_i E[g(X)]), so E(\\frac{1}{n}\\sum X_i) = μ.
    None for anything else (a product of sums, Var of a sum: they need independence, not said)."""
    if kind_of(call) != "E" or len(call.args) != 1:
        return None
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(call.args[0])):
        factors = sp.Mul.make_args(term)
        carrying = [f for f in factors if f.has(sp.Indexed) or isinstance(f, sp.Sum)]
        rest = sp.Mul(*[f for f in factors if f not in carrying])
        if len(carrying) > 1 or rest.has(*variables):
            return None
        if not carrying:
            total += rest
            continue
        part = carrying[0]
        if isinstance(part, sp.Sum):
            if len(part.limits) != 1:
                return None
            value = _of_member(part.function, part.limits[0][0], variables)
            if value is None:
                return None
            total += rest * sp.Sum(value, part.limits).doit()
        else:
            value = _of_member(part, None, variables)
            if value is None:
                return None
            total += rest * value
    return total


def _of_member(body, index, variables: dict):
    """E[g(X_i)] for one member X_i of the sample of a declared X (the index of the sum, when given).
    Not of a binomial X: its X_i are the trials it counts (X = X_1 + … + X_n), not copies of X."""
    members = body.atoms(sp.Indexed)
    by_name = {str(v): v for v in variables}
    if not members or len({str(m.base.label) for m in members}) != 1 or len({m.indices for m in members}) != 1:
        return None
    member = next(iter(members))
    if str(member.base.label) not in by_name or (index is not None and member.indices != (index,)):
        return None
    if variables[by_name[str(member.base.label)]][0] == "Binomial":
        return None
    plain = body.xreplace({member: by_name[str(member.base.label)]})
    if plain.has(sp.Indexed, sp.Sum) or (index is not None and plain.has(index)):
        return None
    return _expectation(plain, variables)


def _raw_moment(kind: str, params: tuple, k: int):
    """E[X^k] of one variable, for k ≤ 4, or None."""
    if k == 0:
        return sp.Integer(1)
    if kind == "Bernoulli":
        return params[0]
    if kind == "Normal":
        mu, var = params
        return [mu, mu**2 + var, mu**3 + 3 * mu * var, mu**4 + 6 * mu**2 * var + 3 * var**2][k - 1] if k <= 4 else None
    if kind == "Uniform":
        a, b = params
        return (b ** (k + 1) - a ** (k + 1)) / ((k + 1) * (b - a))
    if kind == "Exponential":
        return sp.factorial(k) / params[0] ** k
    if kind == "Poisson":
        lam = params[0]
        return [lam, lam**2 + lam, lam**3 + 3 * lam**2 + lam, lam**4 + 6 * lam**3 + 7 * lam**2 + lam][k - 1] if k <= 4 \
            else None
    if kind == "Binomial" and k <= 2:
        n, p = params
        return n * p if k == 1 else n * p * (1 - p) + (n * p) ** 2
    if kind == "Geometric" and k <= 2:
        p = params[0]
        return 1 / p if k == 1 else (2 - p) / p**2
    return None


def _expectation(expr, variables: dict):
    """E[expr] for a polynomial in independent variables, from their raw moments; None otherwise."""
    poly_vars = [v for v in variables if expr.has(v)]
    if not poly_vars:
        return expr
    try:
        poly = sp.Poly(sp.expand(expr), *poly_vars)
    except sp.PolynomialError:
        return None
    total = sp.Integer(0)
    for powers, coeff in poly.terms():
        if coeff.has(*poly_vars):
            return None
        term = coeff
        for v, k in zip(poly_vars, powers):
            moment = _raw_moment(*variables[v], k)
            if moment is None:
                return None
            term *= moment
        total += term
    return total


def _by_moments(call, variables: dict):
    """E, Var, Cov of polynomials in the declared variables, or None when they are not polynomials."""
    kind, args = kind_of(call), call.args
    if kind == "E" and len(args) == 1:
        return _expectation(args[0], variables)
    if kind == "Var" and len(args) == 1:
        second, first = _expectation(args[0] ** 2, variables), _expectation(args[0], variables)
        return None if second is None or first is None else sp.expand(second - first**2)
    if kind == "Cov" and len(args) == 2:
        both = _expectation(args[0] * args[1], variables)
        a, b = _expectation(args[0], variables), _expectation(args[1], variables)
        return None if None in (both, a, b) else sp.expand(both - a * b)
    return None


def is_operator_name(name: str) -> bool:
    """E, Var, Cov as written: operators on random variables, never a function a card defines."""
    return name in _EXPECTATION | _VARIANCE | _COVARIANCE


def kind_of(call) -> str | None:
    name = call.func.__name__
    if name in _EXPECTATION:
        return "E"
    if name in _VARIANCE:
        return "Var"
    if name in _COVARIANCE:
        return "Cov"
    return None
