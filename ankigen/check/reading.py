"""The places where notation has more than one plausible meaning, and a choice among them.

A Reading says which ambiguities are read against their usual meaning. The usual meaning is
chosen per occurrence (`f(x)` applies f, `n(n+1)` multiplies; `x^{(t)}` is a label, `x^2` a
power; `TP` is one name, `ab` a product); flipping a kind inverts every occurrence of it. A
claim is false only when it fails under every reading of the kinds it contains.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

# Marks a kind met where its second meaning was the usual one (`met` holds "i" or "i~").
INVERTED = "~"

KINDS = ("words", "apply", "labels", "i", "e", "slash", "reach", "span", "log2", "log10", "iterate", "mixed",
         "redefined", "transpose", "identity", "phitail", "phihalf")

# How a reading is described to the author, and how to write the meaning ankigen took.
DESCRIBE = {
    "words": ("letters written together are one name (TP, net)", "letters written together are a product",
              "write \\mathrm{TP} for a name, or T P with a space (or T \\cdot P) for a product"),
    "apply": ("a letter before a parenthesis is a function applied to it",
              "a letter before a parenthesis multiplies it",
              "define the function on the card (f(x) = …), or write L \\cdot (…) for a product"),
    "labels": ("a superscript such as (t), T or corr is a label", "a superscript is a power",
               "write x_{(t)} or x^{\\text{corr}} … for a label, or {x}^{2} with a number for a power"),
    "i": ("i is the imaginary unit", "i is a variable", "write \\mathrm{i} for the imaginary unit"),
    "e": ("e is Euler's number", "e is a variable", "write \\mathrm{e} or \\exp for Euler's number"),
    "slash": ("a/b c is (a/b)·c", "a/b c is a/(b c)", "write \\frac{a}{b} c or \\frac{a}{b c}"),
    "reach": ("a function's argument without brackets runs over the factors after it (\\log x y is \\log(xy))",
              "a function's argument without brackets is its first factor (\\log x y is y \\log x)",
              "write \\log(x y), or y \\log x"),
    "span": ("a sum's terms end at the first term without its index (\\sum_i 2i - 1 is (\\sum_i 2i) - 1)",
             "a sum runs over every term after it (\\sum_i 2i - 1 is \\sum_i (2i - 1))",
             "write \\sum_i (2i - 1) with brackets, or -1 + \\sum_i 2i"),
    # Computer science reads a bare \log to base 2 (log 4 = 2 bits), school mathematics often to base 10.
    "log2": ("\\log without a base is the natural logarithm", "\\log without a base is to base 2",
             "write \\ln for the natural logarithm, or \\log_2 or \\log_{10}"),
    "log10": ("\\log without a base is the natural logarithm", "\\log without a base is to base 10",
              ""),  # said with log2's, which is always met with it
    # Dynamical systems write f^2 for f composed with itself; elsewhere \sigma^2(z) squares the value.
    "iterate": ("a power of a function the card defines is a power of its value (\\sigma^2(z) is (\\sigma(z))^2)",
                "a power of a function the card defines applies it again (f^2(x) is f(f(x)))",
                "write (f(x))^2 for a power, or f(f(x)) for the function applied twice"),
    # School arithmetic writes 10\frac{1}{3} for ten and a third; elsewhere 2\frac{1}{n} is a product.
    # A card that works several examples gives each its own F(x); a bullet may go back to the first one.
    "redefined": ("a function defined again is the new one from there on",
                  "a function defined again is still the one first defined (an earlier example's)",
                  "give each example's function its own name (F_1, F_2), or each example a sub-heading"),
    # Y^T Y - 2 Y^T X w of letters no formula declares: names of their own, or numbers, whose
    # transpose is the number (the 1×1 products of a least-squares derivation are)
    "transpose": ("a transpose mark on a letter no formula declares names a letter of its own (X^T)",
                  "a transpose mark on a letter no formula declares is a number's transpose, the number itself",
                  "declare the shapes (X \\in \\mathbb{R}^{n \\times d}, w \\in \\mathbb{R}^{d}) to check it as matrices"),
    "identity": ("I is a letter", "I is the identity matrix, 1 where the letters are read as numbers",
                 "declare the shapes (W \\in \\mathbb{R}^{d \\times q}) to check it as matrices"),
    # Statistics texts give \Phi as the normal CDF; some tables give the upper tail, others (Laplace's
    # function, in many Chinese and Russian textbooks) the area from 0 to x.
    "phitail": ("\\Phi is the standard normal CDF, P(Z ≤ x)", "\\Phi is the upper tail, P(Z > x)",
                "write 1 - \\Phi(x) for the upper tail, or define \\Phi on the card"),
    "phihalf": ("\\Phi is the standard normal CDF, P(Z ≤ x)", "\\Phi is the area from 0 to x, P(0 < Z < x)",
                "write \\Phi(x) - \\frac{1}{2}, or define \\Phi on the card"),
    "mixed": ("a whole number before a fraction multiplies it (2\\frac{1}{3} is 2/3)",
              "a whole number before a smaller fraction adds to it (10\\frac{1}{3} is ten and a third)",
              "write 10 + \\frac{1}{3}, or 2 \\cdot \\frac{1}{3}"),
}


@dataclass(frozen=True)
class Reading:
    flips: frozenset[str] = frozenset()

    def flipped(self, kind: str) -> bool:
        return kind in self.flips

    def describe(self, met: frozenset[str]) -> str:
        """What this reading means for the kinds a formula contains, in words."""
        parts = []
        for kind in KINDS:
            if kind in met or kind + INVERTED in met:
                first, second, _ = DESCRIBE[kind]
                # a flip reads the other meaning than the usual one, and the usual one was the second
                # where only occurrences of that orientation were met (i outside a complex card)
                first_taken = (kind in self.flips) == (kind not in met)
                parts.append(first if first_taken else second)
        return "; ".join(parts)


USUAL = Reading()


def alternatives(met: frozenset[str], limit: int = 5) -> list[Reading]:
    """Every other reading of the kinds met, fewest flips first (at most 2**limit - 1 of them)."""
    kinds = [k for k in KINDS if k in met or k + INVERTED in met][:limit]
    return [Reading(frozenset(c)) for n in range(1, len(kinds) + 1) for c in combinations(kinds, n)
            if not {"log2", "log10"} <= set(c) and not {"phitail", "phihalf"} <= set(c)]  # one base at a time
