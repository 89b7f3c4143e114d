"""What a failed or undecided claim tells the author: the reporters of each outcome, hints, and
notes with the counterexample, both sides and the definitions the claim used."""

from __future__ import annotations

import difflib

from ankigen.diagnostics import Sink
from ankigen.model import Verdict

_RELATION_TEXT = {"=": "=", "!=": "≠", "<": "<", ">": ">", "<=": "≤", ">=": "≥", "~": "≈", "in": "∈"}


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
    from ankigen.check.reading import DESCRIBE, KINDS

    return "; ".join(DESCRIBE[k][2] for k in KINDS if k in met)


def failure_hint(claim, lhs, rhs) -> str | None:
    from ankigen.check.reconsider import rounded_equal

    if claim.rel == "~":
        return "≈ holds when both sides agree to the digits written on the less precise side"
    if claim.rel == "=" and rounded_equal(lhs, rhs, claim.tolerance):  # 0.333 for 1/3
        return "the sides differ only by rounding: write \\approx"
    return None


def failure_notes(claim, v: Verdict, read, imported) -> list[str]:
    import sympy as sp

    rel = _RELATION_TEXT[claim.rel]
    notes = []
    if v.counterexample:
        notes.append("counterexample: " + ", ".join(f"{k} = {val}" for k, val in v.counterexample))
    if claim.rel == "in":
        notes.append(f"value: {v.lhs_value}, not in {'ℤ' if claim.set_name == 'Z' else 'ℕ'}")
    elif v.lhs_value or v.rhs_value:
        notes.append(f"left side = {v.lhs_value}, right side = {v.rhs_value} (expected left {rel} right)")
    if claim.rel == "~" and claim.tolerance is not None:
        notes.append(f"allowed difference: ±{sp.N(claim.tolerance, 3)}")
    notes.extend(definition_notes(claim, read, imported))
    return notes


def definition_notes(claim, read, imported) -> list[str]:
    """Where each definition the claim used is written, so the author can look there too."""
    visible = read.visible(claim.section, imported)
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
