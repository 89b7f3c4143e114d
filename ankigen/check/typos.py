"""Typos that make a new symbol: a name used in one formula only, defined nowhere, one index or one
letter away from a name the card defines or uses elsewhere (`\\epsilon_{t-2}` beside
`\\epsilon_{t-1}`, `M_{02}` beside `M_{01}`). Such a symbol turns a wrong step into an equation
between different unknowns, which is not a claim; so it is reported on its own, as a warning that
names the likely intended symbol.
"""

from __future__ import annotations

import re
from collections import Counter

import sympy as sp


def names_in(expr) -> set[str]:
    if expr is None:
        return set()
    return {str(s) for s in expr.free_symbols if isinstance(s, sp.Symbol)}


def usage(claims, definitions) -> Counter:
    """In how many formulas of the card each name is written."""
    per_formula: dict[tuple, set[str]] = {}
    for c in claims:
        per_formula.setdefault(c.key[:2], set()).update(names_in(c.lhs) | names_in(c.rhs))
    for d in definitions:
        per_formula.setdefault(("def", d.span.line, d.span.col), set()).update(names_in(d.target) | names_in(d.value))
    counts: Counter = Counter()
    for names in per_formula.values():
        counts.update(names)
    return counts


def _one_apart(a: str, b: str) -> bool:
    """One character changed (not added or removed), in a name long enough that this means
    something: `M_{02}`/`M_{01}`, `C_{im}`/`C_{in}`, never `a`/`b`."""
    if len(a) != len(b) or len(a) < 4 or a == b:
        return False
    diffs = [k for k, (x, y) in enumerate(zip(a, b)) if x != y]
    if len(diffs) != 1:
        return False
    k = diffs[0]
    base_a, _, _ = a.partition("_{")
    if "_{" in a and k >= len(base_a) + 2:
        return True  # in the index
    letters = re.sub(r"\\[A-Za-z]+\{([^{}]*)\}", r"\1", base_a)
    return k < len(base_a) and len(letters) >= 3  # in a name of several letters, never one letter for another


def suspects(claim, counts: Counter, defined: set[str], families: set[str] = frozenset(),
             runs: dict | None = None) -> list[tuple[str, str]]:
    """(written name, likely intended name) for the claim's names used once and defined nowhere
    (an element of a sequence or a listed family is defined by it, and so is one of a family the
    card writes at other indices too: `runs`, from card.runs_of)."""
    known = defined | {n for n, k in counts.items() if k >= 2}
    found = []
    for name in sorted(names_in(claim.lhs) | names_in(claim.rhs)):
        if counts.get(name, 0) != 1 or name in defined or name.partition("_{")[0] in families:
            continue
        base, _, sub = name.partition("_{")
        if sub.endswith("}") and len((runs or {}).get((base, sub[:-2].strip()), set()) - {sub[-2:-1]}) >= 2:
            continue  # λ_{Rk} beside λ_{R1} and λ_{Rm}: one of a family written at other indices too
        close = sorted(k for k in known if _one_apart(name, k))
        if close:
            found.append((name, close[0]))
    return found
