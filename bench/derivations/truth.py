"""Ground truth for the derivations deck, with sympy alone (never ankigen).

    .venv/bin/python bench/derivations/truth.py

For every claim-bearing formula of deck/ (keyed by file and line, as in mistakes.json), the
formula is rewritten here by hand in sympy and checked twice: as written on the card (it must
hold) and with its planted mistake applied (it must not). A check returns the relations of the
formula as pairs of sides; each pair is decided symbolically, and where simplify cannot close it,
at random points of the domain the card states (positive reals unless the card says otherwise:
the checker's own assumption, so a planted mistake must be false there). Matrix identities are
decided on symbolic matrices of small fixed sizes and shapes on concrete, all-different sizes.
The statements the deck keeps (an update rule, an equation to solve, theorems about undefined
quantities) are checked to be true as meant. Exits 1 if any check disagrees.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import sympy as sp

HERE = Path(__file__).resolve().parent
D, I, S, M, P, C = "1-derivatives.md", "2-积分与极限.md", "3-sums.md", "4-matrices.md", "5-概率.md", "6-卷积.md"

x, z, t, a, b, p, q, r, lam, mu, sig, gam = sp.symbols("x z t a b p q r lambda mu sigma gamma", positive=True)
k, n = sp.symbols("k n", integer=True, positive=True)
y = sp.Symbol("y", positive=True)
CHECKS = {}


def check(file: str, line: int):
    """Register the check of the formula at file:line; it takes `wrong` and returns (lhs, rhs) pairs."""
    def register(fn):
        CHECKS[(file, line)] = fn
        return fn
    return register


def sigmoid(u):
    return 1 / (1 + sp.exp(-u))


def same(lhs, rhs, domain=None) -> bool:
    """lhs == rhs: symbolically, or else at 30 random points of the domain (symbol -> (lo, hi))."""
    if isinstance(lhs, sp.MatrixBase) or isinstance(rhs, sp.MatrixBase):
        if not (isinstance(lhs, sp.MatrixBase) and isinstance(rhs, sp.MatrixBase)) or lhs.shape != rhs.shape:
            return False
        return all(same(u, v, domain) for u, v in zip(lhs, rhs))
    if isinstance(lhs, (tuple, bool)) or isinstance(rhs, (tuple, bool)):  # shapes, closed verdicts
        return lhs == rhs
    diff = sp.simplify(lhs - rhs)
    if diff == 0:
        return True
    free = sorted(diff.free_symbols, key=str)
    if not free:
        return abs(complex(sp.N(diff, 30))) < 1e-20
    rng = random.Random(1)
    for _ in range(30):
        point = {s: sp.Rational(rng.randint(1, 999), 1000) * ((domain or {}).get(s, (0, 5))[1]
                                                              - (domain or {}).get(s, (0, 5))[0])
                 + (domain or {}).get(s, (0, 5))[0] for s in free}
        if abs(complex(sp.N(diff.subs(point), 30))) > 1e-12:
            return False
    return True


def series(term, lo, hi=sp.oo):
    """A sum, with the condition of convergence sympy attaches taken as the card's condition."""
    total = sp.summation(term, (k, lo, hi))
    return total.args[0][0] if isinstance(total, sp.Piecewise) else total


def defined(product) -> bool:
    """Whether a matrix expression (a callable) has matching shapes."""
    try:
        product()
    except sp.ShapeError:
        return False
    return True


def holds(fn, wrong: bool) -> bool:
    result = fn(wrong)
    domain = result.pop() if result and isinstance(result[-1], dict) else None
    return all(same(lhs, rhs, domain) for lhs, rhs in result)


# -- 1-derivatives.md ---------------------------------------------------------------------------

@check(D, 16)
def _(w):
    s = sigmoid(x)
    return [(sp.diff(s, x), s * (1 + s) if w else s * (1 - s))]


@check(D, 20)
def _(w):
    s = sigmoid(x)
    mid = sp.exp(-x) / ((1 + sp.exp(-x)) if w else (1 + sp.exp(-x)) ** 2)
    return [(sp.diff(s, x), mid), (mid, s * (1 - s))]


@check(D, 24)
def _(w):
    return [(sigmoid(-x), -sigmoid(x) if w else 1 - sigmoid(x))]


@check(D, 28)
def _(w):
    return [(sp.limit(sigmoid(x), x, -sp.oo if w else sp.oo), 1)]


@check(D, 38)
def _(w):
    f = x**3 - 3 * x**2 + 2
    return [(sp.diff(f, x), 3 * x**2 - 6 if w else 3 * x**2 - 6 * x)]


@check(D, 40)
def _(w):
    f = x**3 - 3 * x**2 + 2
    return [(sp.diff(f, x, 2), 3 * x - 6 if w else 6 * x - 6)]


@check(D, 56)
def _(w):
    # L as a function of yhat, yhat = sigma(z); y is a label in {0, 1} but the identity holds for any y
    yh = sp.Symbol("yhat", positive=True)
    L = -(y * sp.log(yh) + (1 - y) * sp.log(1 - yh))
    dL_dyh = sp.diff(L, yh).subs(yh, sigmoid(z))
    dyh_dz = sp.diff(sigmoid(z), z)
    dL_dz = sp.diff(L.subs(yh, sigmoid(z)), z)
    end = y - sigmoid(z) if w else sigmoid(z) - y
    return [(dL_dz, dL_dyh * dyh_dz), (dL_dyh * dyh_dz, end), {y: (0, 1), z: (-3, 3)}]


def _lse_family(size=3):
    xs = sp.symbols(f"x1:{size + 1}", real=True)
    return xs, sum(sp.exp(v) for v in xs)


@check(D, 64)
def _(w):
    xs, total = _lse_family()
    return [(sp.diff(sp.log(total), xs[0]), (1 if w else sp.exp(xs[0])) / total)]


@check(D, 68)
def _(w):
    xs, total = _lse_family()
    p1, p2 = sp.exp(xs[0]) / total, sp.exp(xs[1]) / total  # i = 1, k = 2 (k != i)
    return [(sp.diff(p1, xs[1]), (p1 * p2) if w else -p1 * p2)]


@check(D, 74)
def _(w):
    m = 3
    xs, ys = sp.symbols("x1:4"), sp.symbols("y1:4")
    wv = sp.Symbol("w")
    L = sp.Rational(1, m) * sum((wv * xs[i] - ys[i]) ** 2 for i in range(m))
    rhs = sp.Rational(2, m) * sum((wv * xs[i] - ys[i]) * (1 if w else xs[i]) for i in range(m))
    return [(sp.diff(L, wv), rhs)]


@check(D, 86)
def _(w):
    f = x * sp.exp(-x)
    return [(sp.diff(f, x), sp.exp(-x) - x * sp.exp(-x)),
            (sp.exp(-x) - x * sp.exp(-x), ((1 + x) if w else (1 - x)) * sp.exp(-x))]


@check(D, 88)
def _(w):
    return [(sp.diff(x * sp.exp(-x), x, 2), ((2 - x) if w else (x - 2)) * sp.exp(-x))]


@check(D, 96)
def _(w):
    return [(sp.diff(sp.tanh(x), x), 1 + sp.tanh(x) ** 2 if w else 1 - sp.tanh(x) ** 2)]


@check(D, 100)
def _(w):
    return [(sp.diff(sp.log(1 + sp.exp(x)), x), 1 / (1 + sp.exp(x if w else -x)))]


@check(D, 104)
def _(w):
    return [(sp.diff(sp.log(x), x, 2), (1 if w else -1) / x**2)]


# -- 2-积分与极限.md -------------------------------------------------------------------------------

@check(I, 12)
def _(w):
    return [(sp.integrate(lam * sp.exp(-lam * x), (x, 0, sp.oo)), lam if w else 1)]


@check(I, 16)
def _(w):
    return [(sp.integrate(x * lam * sp.exp(-lam * x), (x, 0, sp.oo)), 1 / lam**2 if w else 1 / lam)]


@check(I, 20)
def _(w):
    return [(sp.integrate(x**2, (x, 0, 1)), sp.Rational(1, 2) if w else sp.Rational(1, 3))]


@check(I, 24)
def _(w):
    return [(sp.integrate(x**2, (x, 0 if w else -1, 1)), sp.Rational(2, 3))]


@check(I, 28)
def _(w):
    return [(sp.integrate(sp.sin(x), (x, 0, 2 * sp.pi if w else sp.pi)), 2)]


@check(I, 32)
def _(w):
    u = sp.Symbol("u", real=True)
    return [(sp.integrate(sp.exp(-u**2 / 2), (u, -sp.oo, sp.oo)), sp.sqrt(sp.pi if w else 2 * sp.pi))]


@check(I, 36)
def _(w):
    u = sp.Symbol("u", real=True)
    m = sp.Symbol("m", real=True)
    const = 1 / sp.sqrt(2 * sp.pi * sig) if w else 1 / (sp.sqrt(2 * sp.pi) * sig)
    return [(const * sp.integrate(sp.exp(-(u - m) ** 2 / (2 * sig**2)), (u, -sp.oo, sp.oo)), 1)]


@check(I, 42)
def _(w):
    parts = (x * sp.exp(x)).subs(x, 1) - (x * sp.exp(x)).subs(x, 0)
    rest = sp.integrate(sp.exp(x), (x, 0, 1))
    second = parts + rest if w else parts - rest
    return [(sp.integrate(x * sp.exp(x), (x, 0, 1)), second), (second, sp.E - (sp.E - 1)),
            (sp.E - (sp.E - 1), 1)]


@check(I, 46)
def _(w):
    return [(sp.limit(sp.sin(x) / x, x, 0), 0 if w else 1)]


@check(I, 48)
def _(w):
    return [(sp.limit((1 + 1 / n) ** n, n, sp.oo), 1 if w else sp.E)]


@check(I, 52)
def _(w):
    return [(sp.limit((1 + x / n) ** n, n, sp.oo), sp.E if w else sp.exp(x))]


@check(I, 58)
def _(w):
    return [(sp.limit(x * sp.log(x), x, 0, "+"), -sp.oo if w else 0)]


@check(I, 62)
def _(w):
    u = sp.Symbol("u", real=True)
    return [(sp.limit(sp.Abs(u) / u, u, 0, "+" if w else "-"), -1)]


@check(I, 68)
def _(w):
    u = sp.Symbol("u", real=True)
    mid = sp.limit((-1 if w else 1) * sp.sin(u) / (2 * u), u, 0)
    return [(sp.limit((1 - sp.cos(u)) / u**2, u, 0), mid), (mid, sp.Rational(1, 2))]


# -- 3-sums.md ----------------------------------------------------------------------------------

@check(S, 10)
def _(w):
    return [(sp.summation(k, (k, 1, n)), n * (n - 1) / 2 if w else n * (n + 1) / 2)]


@check(S, 12)
def _(w):
    return [(sp.summation(k**2, (k, 1, n)), n * (n + 1) * (2 * n - 1 if w else 2 * n + 1) / 6)]


@check(S, 16)
def _(w):
    return [(sp.summation(k**3, (k, 1, n)), (n * (n + 1) / 2) ** (3 if w else 2))]


GAMMA = {gam: (0, 1)}  # the condition the card writes: 0 < gamma < 1


@check(S, 22)
def _(w):
    return [(series(gam**k, 1 if w else 0), 1 / (1 - gam)), GAMMA]


@check(S, 26)
def _(w):
    total = series(gam**k * r, 0)
    return [(total, (gam * r if w else r) / (1 - gam)), GAMMA]


@check(S, 34)
def _(w):
    total = series(k * gam ** (k - 1), 1)
    deriv = sp.diff(1 / (1 - gam), gam)
    return [(total, deriv), (deriv, 1 / (1 - gam) if w else 1 / (1 - gam) ** 2), GAMMA]


@check(S, 40)
def _(w):
    total = sum(a * q**j for j in range(6))  # n = 6 terms; also checked for n = 1 .. 5 below
    ok = [(total, a * (1 - q ** (5 if w else 6)) / (1 - q))]
    for m in range(1, 6):
        ok.append((sum(a * q**j for j in range(m)), a * (1 - q ** (m - 1 if w else m)) / (1 - q)))
    return ok + [{q: (2, 3)}]  # q != 1


@check(S, 44)
def _(w):
    return [(sp.summation(1 / k**2, (k, 1, sp.oo)), sp.pi**2 / (12 if w else 6))]


@check(S, 48)
def _(w):
    return [(sp.summation(x**k / sp.factorial(k), (k, 1 if w else 0, sp.oo)), sp.exp(x))]


@check(S, 54)
def _(w):
    split = sp.summation(1 / k - 1 / (k + 1), (k, 1, n))
    return [(sp.summation(1 / (k * (k + 1)), (k, 1, n)), split),
            (split, 1 - 1 / (n if w else n + 1))]


@check(S, 56)
def _(w):
    return [(sp.product((k + 1) / k, (k, 1, n)), n if w else n + 1)]


# -- 4-matrices.md: identities on symbolic matrices, shapes on sizes m, n, p = 2, 3, 4 ------------

def mat(name: str, rows: int, cols: int) -> sp.Matrix:
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}{i}{j}"))


SIZE = {"m": 2, "n": 3, "p": 4, "d_k": 5, "d_v": 6}


def shape(rows: str, cols: str = "1") -> tuple[int, int]:
    return (SIZE.get(rows, 1), SIZE.get(cols, 1))


@check(M, 14)
def _(w):
    W, xv, bv = mat("W", 2, 3), mat("x", 3, 1), mat("b", 2, 1)
    return [((W * xv + bv).shape, shape("n") if w else shape("m"))]


@check(M, 18)
def _(w):
    d, xv = mat("d", 2, 1), mat("x", 3, 1)
    return [((xv * d.T if w else d * xv.T).shape, shape("m", "n"))]


@check(M, 24)
def _(w):
    A, B = mat("a", 2, 3), mat("b", 3, 4)
    if w:  # A^T B^T is 3x2 times 4x3: not even defined
        return [(defined(lambda: A.T * B.T), True)]
    return [((A * B).T, B.T * A.T)]


@check(M, 26)
def _(w):
    A, B = mat("a", 2, 3), mat("b", 3, 4)
    return [((A * B).T.shape, shape("m", "p") if w else shape("p", "m"))]


def invertible(name: str, size: int = 2) -> sp.Matrix:
    return sp.Matrix(size, size, lambda i, j: sp.Symbol(f"{name}{i}{j}"))


@check(M, 32)
def _(w):
    A, B = invertible("a"), invertible("b")
    return [((A * B).inv(), A.inv() * B.inv() if w else B.inv() * A.inv())]


@check(M, 34)
def _(w):
    A = invertible("a")
    return [(A.inv().T, A.inv() if w else A.T.inv())]


@check(M, 40)
def _(w):
    A, B = invertible("a", 3), invertible("b", 3)
    return [((A * B).trace(), A.trace() * B.trace() if w else (B * A).trace())]


@check(M, 44)
def _(w):
    A, B, Cm = invertible("a", 3), invertible("b", 3), invertible("c", 3)
    mid = (Cm * B * A).trace() if w else (Cm * A * B).trace()
    return [((A * B * Cm).trace(), mid), (mid, (B * Cm * A).trace())]


@check(M, 58)
def _(w):
    xv = mat("x", 3, 1)
    square = sum(v**2 for v in xv)
    inner = xv * xv.T if w else (xv.T * xv)
    return [(sp.Matrix([[square]]), inner), (inner, sp.Matrix([[square]]))]


def gradient(f, xv: sp.Matrix) -> sp.Matrix:
    return sp.Matrix([sp.diff(f, v) for v in xv])


@check(M, 60)
def _(w):
    av, xv = mat("a", 3, 1), mat("x", 3, 1)
    return [(gradient((av.T * xv)[0], xv), av.T if w else av)]


@check(M, 62)
def _(w):
    A, xv = invertible("a", 3), mat("x", 3, 1)
    return [(gradient((xv.T * A * xv)[0], xv), 2 * A * xv if w else (A + A.T) * xv)]


@check(M, 70)
def _(w):
    X, wv, yv = mat("X", 2, 3), mat("w", 3, 1), mat("y", 2, 1)
    res = X * wv - yv
    if w:  # X (Xw - y) is 2x3 times 2x1: not defined
        return [(defined(lambda: X * res), True)]
    return [(gradient((res.T * res)[0], wv), 2 * X.T * res)]


@check(M, 78)
def _(w):
    X, yv = mat("X", 2, 3), mat("y", 2, 1)
    # (X^T X)^{-1} has the shape of X^T X; times X^T y
    return [(((X.T * X).shape[0], (X.T * yv).shape[1]), shape("m" if w else "n"))]


@check(M, 84)
def _(w):
    Q, K = mat("q", 3, 5), mat("k", 3, 5)
    return [((Q * K.T).shape, shape("d_k", "d_k") if w else shape("n", "n"))]


@check(M, 90)
def _(w):
    Q, K, V = mat("q", 3, 5), mat("k", 3, 5), mat("v", 3, 6)
    scores = Q * K.T  # softmax keeps the shape of its argument (row by row)
    return [((scores * V).shape, shape("n", "d_k") if w else shape("n", "d_v"))]


# -- 5-概率.md: expectations computed from the distribution each card gives ---------------------

PROB = {p: (0, 1)}


@check(P, 12)
def _(w):
    mean = 1 * p + 0 * (1 - p)
    return [(mean, 1 - p if w else p), PROB]


@check(P, 16)
def _(w):
    e1, e2 = p, p  # E[X] = p and E[X^2] = E[X] = p since X^2 = X
    mid = p**2 - p if w else p - p**2
    return [(e2 - e1**2, mid), (mid, p * (1 - p)), PROB]


@check(P, 22)
def _(w):
    integral = sp.integrate(x / (b - a), (x, a, b))
    return [(integral, (b - a) / 2 if w else (a + b) / 2), {a: (0, 1), b: (2, 3)}]


@check(P, 24)
def _(w):
    mean = (a + b) / 2
    var = sp.integrate((x - mean) ** 2 / (b - a), (x, a, b))
    return [(var, (b - a) ** 2 / (6 if w else 12)), {a: (0, 1), b: (2, 3)}]


@check(P, 32)
def _(w):
    dens = lam * sp.exp(-lam * x)
    mean = sp.integrate(x * dens, (x, 0, sp.oo))
    var = sp.integrate(x**2 * dens, (x, 0, sp.oo)) - mean**2
    return [(mean, 1 / lam), (var, 1 / lam if w else 1 / lam**2)]


@check(P, 38)
def _(w):
    out = []
    for trials in range(1, 6):  # B(n, p) for n = 1 .. 5, exactly
        pmf = {j: sp.binomial(trials, j) * p**j * (1 - p) ** (trials - j) for j in range(trials + 1)}
        mean = sum(j * v for j, v in pmf.items())
        var = sum(j**2 * v for j, v in pmf.items()) - mean**2
        out += [(mean, trials * p), (var, trials * p if w else trials * p * (1 - p))]
    return out + [PROB]


@check(P, 44)
def _(w):
    # N(mu, sigma^2): E[aX + b] by integrating the density
    u = sp.Symbol("u", real=True)
    m = sp.Symbol("m", real=True)
    dens = sp.exp(-(u - m) ** 2 / (2 * sig**2)) / (sp.sqrt(2 * sp.pi) * sig)
    lhs = sp.integrate((a * u + b) * dens, (u, -sp.oo, sp.oo))
    ex = sp.integrate(u * dens, (u, -sp.oo, sp.oo))
    mid = a * ex + b
    return [(lhs, mid), (mid, a * m if w else a * m + b)]


@check(P, 48)
def _(w):
    u = sp.Symbol("u", real=True)
    m = sp.Symbol("m", real=True)
    dens = sp.exp(-(u - m) ** 2 / (2 * sig**2)) / (sp.sqrt(2 * sp.pi) * sig)
    ex = sp.integrate(u * dens, (u, -sp.oo, sp.oo))
    varx = sp.integrate((u - ex) ** 2 * dens, (u, -sp.oo, sp.oo))
    mean_y = a * ex + b
    var_y = sp.integrate((a * u + b - mean_y) ** 2 * dens, (u, -sp.oo, sp.oo))
    mid = a**2 * varx + (b if w else 0)
    return [(var_y, mid), (mid, a**2 * sig**2)]


@check(P, 54)
def _(w):
    term = k * lam**k * sp.exp(lam if w else -lam) / sp.factorial(k)
    return [(sp.simplify(series(term, 0)), lam)]


@check(P, 58)
def _(w):
    total = series(k * (1 - p) ** (k - 1) * p, 1)
    return [(total, (1 - p) / p if w else 1 / p), PROB]


@check(P, 74)
def _(w):
    num = sp.Rational(99, 100) * sp.Rational(1, 100)
    other = sp.Rational(5, 100) * (sp.Rational(1, 100) if w else sp.Rational(99, 100))
    value = num / (num + other)
    return [(abs(value - sp.Rational(167, 1000)) <= sp.Rational(5, 10000), True)]


# -- 6-卷积.md ------------------------------------------------------------------------------------

@check(C, 17)
def _(w):
    first = sp.floor(sp.Rational(224 + 2 * 3 - 7, 2)) + 1
    mid = sp.floor(sp.Rational(1125 if w else 1115, 10)) + 1
    return [(first, mid), (mid, 112)]


@check(C, 28)
def _(w):
    return [((3 if w else 3**2) * 64 * 128 + 128, 73856)]


@check(C, 34)
def _(w):
    return [(7 * 7 * 512 * 4096 + 4096, 102760448 if w else 102764544)]


@check(C, 38)
def _(w):
    return [((3 if w else 4) * (512**2 + 512), 1050624)]


@check(C, 44)
def _(w):
    DK, DF, Mc, Nc = sp.symbols("D_K D_F M N", positive=True)
    r_ = (DK**2 * Mc * DF**2 + Mc * Nc * DF**2) / (DK**2 * Mc * Nc * DF**2)
    return [(r_, 1 / Nc + 1 / (DK if w else DK**2))]


# -- statements the deck keeps: true as meant, never claimed --------------------------------------

def statements() -> list[tuple[str, bool]]:
    """(description, true as meant) for the formulas that are statements by the contract."""
    out = []
    # 3-sums.md:30 — V = r + gamma V solved: V = r / (1 - gamma)
    V = sp.Symbol("V")
    (solution,) = sp.solve(sp.Eq(V, r + gam * V), V)
    out.append(("3-sums.md:30 Bellman solution", sp.simplify(solution - r / (1 - gam)) == 0))
    # 3-sums.md:62 — log of a product is the sum of logs
    ps = sp.symbols("p1:5", positive=True)
    out.append(("3-sums.md:62 log-likelihood", sp.simplify(sp.expand_log(sp.log(sp.Mul(*ps)))
                                                           - sum(sp.log(v) for v in ps)) == 0))
    # 4-matrices.md:48/52 — trace is the sum of eigenvalues, on a concrete matrix
    A = sp.Matrix([[2, 1, 0], [1, 3, 1], [0, 1, 4]])
    eig = sum(v * mult for v, mult in A.eigenvals().items())
    out.append(("4-matrices.md:52 trace = sum of eigenvalues", sp.simplify(eig - A.trace()) == 0))
    # 4-matrices.md:74/78 — the normal equation is where the gradient of line 70 vanishes
    X, yv = sp.Matrix([[1, 2], [3, 4], [5, 7]]), sp.Matrix([1, 0, 2])
    wstar = (X.T * X).inv() * X.T * yv
    out.append(("4-matrices.md:74 normal equation", X.T * X * wstar == X.T * yv))
    # 5-概率.md:64/68 — linearity always, additivity of variance for independent X, Y (two dice)
    faces = range(1, 7)
    ex = sp.Rational(sum(faces), 6)
    var = sp.Rational(sum(f * f for f in faces), 6) - ex**2
    pairs = [(i, j) for i in faces for j in faces]
    e_sum = sp.Rational(sum(i + j for i, j in pairs), 36)
    v_sum = sp.Rational(sum((i + j) ** 2 for i, j in pairs), 36) - e_sum**2
    out.append(("5-概率.md:64 E linearity", e_sum == 2 * ex))
    out.append(("5-概率.md:68 Var additivity (independent)", v_sum == 2 * var))
    return out


def main() -> int:
    mistakes = json.loads((HERE / "mistakes.json").read_text(encoding="utf-8"))
    keys = {(m["file"], m["line"]) for m in mistakes}
    bad = 0
    for key in sorted(keys - CHECKS.keys()):
        print(f"no sympy check for the mistake at {key[0]}:{key[1]}")
        bad += 1
    for key in sorted(CHECKS.keys() - keys):
        print(f"a sympy check without a mistake: {key[0]}:{key[1]}")
        bad += 1
    for key, fn in sorted(CHECKS.items()):
        right, wrong = holds(fn, False), holds(fn, True)
        flag = "ok " if right and not wrong else "BAD"
        bad += flag == "BAD"
        print(f"{flag} {key[0]}:{key[1]}: as written {'holds' if right else 'FAILS'}; "
              f"with the mistake {'still holds' if wrong else 'fails'}")
    for what, ok in statements():
        bad += not ok
        print(f"{'ok ' if ok else 'BAD'} statement {what}: {'true' if ok else 'FALSE'}")
    print(f"{len(CHECKS)} formulas checked, {bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
