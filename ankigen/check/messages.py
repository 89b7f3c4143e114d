"""What a failed or undecided claim tells the author: the reporters of each outcome, hints, and
notes with the counterexample, both sides and the definitions the claim used."""

from __future__ import annotations

import difflib

from ankigen.diagnostics import Sink
from ankigen.model import Verdict

_RELATION_TEXT = {"=": "=", "!=": "≠", "<": "<", ">": ">", "<=": "≤", ">=": "≥", "~": "≈", "in": "∈", "=>": "⇒"}


def quiet(*args) -> None:
    """The report of a relation that is not a claim: nothing."""


def reporter(code: str, message: str):
    def report(sink: Sink, claim, read, imported) -> None:
        sink.error(claim.span, code, message)
    return report


def undecided_reporter(v: Verdict):
    def report(sink: Sink, claim, read, imported) -> None:
        loud = sink.error if (claim.in_check_block or claim.marked) else sink.warning
        loud(claim.span, "C002", f"claim could not be checked: {v.detail}",
             "simplify the claim, or bind its symbols with 'where'")
    return report


def binding_hint(name, free: set) -> str:
    close = difflib.get_close_matches(str(name), [str(s) for s in free], n=1)
    return f"did you mean {close[0]}?" if close else "remove it, or check the symbol's spelling"


def ambiguity_hint(met) -> str:
    from ankigen.check.reading import DESCRIBE, INVERTED, KINDS

    return "; ".join(DESCRIBE[k][2] for k in KINDS if (k in met or k + INVERTED in met) and DESCRIBE[k][2])


def failure_hint(claim, lhs, rhs) -> str | None:
    if claim.rel == "~":
        return "≈ holds when both sides agree to the digits written on the less precise side"
    if claim.rel == "=" and rounded_equal(lhs, rhs, claim.rounding):  # 0.333 for 1/3, 112 for 112.5
        return "the sides differ only by rounding: write \\approx"
    return None


def doubt_hint() -> str:
    return ("if it is meant as an identity, it is wrong; if it is an equation, a condition or an example, end "
            "the formula with '% nocheck' (or '% check' to make this an error)")


def rounded_equal(lhs, rhs, tolerance) -> bool:
    """Equal to the digits written: `0.593269992` for 1/(1 + e^{-0.3775})."""
    import sympy as sp

    if tolerance is None or lhs is None or rhs is None or lhs.free_symbols or rhs.free_symbols:
        return False
    try:
        return bool(abs(sp.N(lhs - rhs, 30)) <= tolerance)
    except (TypeError, ValueError):
        return False


def circular_message(exc, visible: dict) -> str:
    """C005 names the symbols that define each other and where each is defined."""
    cycle = _cycle(list(getattr(exc, "names", ())), visible)
    places = [f"{n} (line {visible[n].span.line})" for n in cycle]
    if len(places) < 2:
        return "circular definitions: a symbol is defined through itself"
    return "circular definitions: " + ", ".join(places[:-1]) + f" and {places[-1]} are defined through each other"


def _cycle(starts: list, visible: dict) -> list:
    """The symbols of the first cycle of definitions reached from `starts`, in the order met."""
    for start in starts:
        path, seen = [start], {start}
        while path:
            d = visible.get(path[-1])
            nxt = next((s for s in sorted(d.value.free_symbols, key=str) if s in visible), None) if d else None
            if nxt is None:
                break
            if nxt in seen:
                return path[path.index(nxt):]
            path.append(nxt)
            seen.add(nxt)
    return []


def failure_notes(claim, v: Verdict, read, imported) -> list[str]:
    import sympy as sp

    rel = _RELATION_TEXT[claim.rel]
    notes = []
    if v.counterexample:
        notes.append("counterexample: " + ", ".join(f"{k} = {val}" for k, val in v.counterexample))
    if claim.rel == "in" and claim.target is not None:
        if v.lhs_value or v.rhs_value:
            notes.append(f"shape of the left side: {v.lhs_value}; claimed: {v.rhs_value}")
    elif claim.rel == "in":
        notes.append(f"value: {v.lhs_value}, not in {'ℤ' if claim.set_name == 'Z' else 'ℕ'}")
    elif v.lhs_value or v.rhs_value:
        notes.append(f"left side = {v.lhs_value}, right side = {v.rhs_value} (expected left {rel} right)")
    if claim.rel == "~" and claim.tolerance is not None:
        notes.append(f"allowed difference: ±{sp.N(claim.tolerance, 3)}")
    notes.extend(definition_notes(claim, read, imported))
    return notes


def definition_notes(claim, read, imported) -> list[str]:
    """Where each definition the claim used is written, so the author can look there too."""
    # as the claim saw them, not as the card ends (a later example's inline Y = X^3 + Z is not this one's)
    visible = read.visible(claim.section, imported, claim.defs_at, claim.varied, claim.span.line)
    pending = set(claim.lhs.free_symbols) | (set(claim.rhs.free_symbols) if claim.rhs is not None else set())
    seen, notes = set(), []
    while pending:
        s = pending.pop()
        d = visible.get(s)
        if d is None or s in seen:
            continue
        seen.add(s)
        pending |= set(d.value.free_symbols)
        notes.append(f"{s} is defined at {d.span.path}:{d.span.line}: {d.text}")
    for name, seq in read.sequences.items():
        if any(str(s).startswith(name + "_") for s in claim.lhs.free_symbols | (
                claim.rhs.free_symbols if claim.rhs is not None else set())):
            notes.append(f"{name} is defined at {seq.span.path}:{seq.span.line}: {seq.text}")
    return sorted(notes)[:6]
