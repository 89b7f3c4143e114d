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
_VARIANCE = {"\\mathrm{Var}", "\\mathrm{var}", "\\mathbb{V}", "\\mathrm{D}"}
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
             if _kind(c) and any(str(s) in declared for a in c.args for s in a.free_symbols)]
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
    its readings ask for the same ones; sympy.stats takes a good part of a second for a variance)."""
    import sympy.stats as stats

    rvs = random_variables({name: (kind, params) for name, kind, params in declared})
    args = [a.xreplace(rvs) for a in call.args]
    try:
        if _kind(call) == "E" and len(args) == 1:
            return stats.E(args[0])
        if _kind(call) == "Var" and len(args) == 1:
            return stats.variance(args[0])
        if _kind(call) == "Cov" and len(args) == 2:
            return stats.covariance(args[0], args[1])
    except (ValueError, TypeError, NotImplementedError, AttributeError):
        return None
    return None


def is_operator_name(name: str) -> bool:
    """E, Var, Cov as written: operators on random variables, never a function a card defines."""
    return name in _EXPECTATION | _VARIANCE | _COVARIANCE


def _kind(call) -> str | None:
    name = call.func.__name__
    if name in _EXPECTATION:
        return "E"
    if name in _VARIANCE:
        return "Var"
    if name in _COVARIANCE:
        return "Cov"
    return None
