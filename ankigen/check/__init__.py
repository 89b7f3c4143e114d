"""Checking formulas: LaTeX read into sympy under each plausible reading, definitions and claims
found on each card, claims decided under a counted budget, verdicts cached by content."""

from ankigen.check.cache import ClaimCache
from ankigen.check.stage import CheckStats, check_cards, span_line

__all__ = ["CheckStats", "ClaimCache", "check_cards", "span_line"]
