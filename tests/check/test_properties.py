"""Properties of the whole check stage: it never raises, true claims are never reported false, and
verdicts are the same on a slow machine as on a fast one (the budget is counted work)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ankigen.build import check
from strategies import expressions
from ankigen.check import decide as decide_module
from ankigen.config import Config

FIXTURES = Path(__file__).parent.parent / "fixtures" / "check"


def _check_text(tmp_path: Path, text: str):
    src = tmp_path / "src"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir()
    (src / "card.md").write_text(text, encoding="utf-8")
    return check(src, Config(root_deck="P", cache="", project_dir=tmp_path, check_timeout=600))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expressions(7))
def test_a_claim_built_true_is_never_reported_false(tmp_path: Path, expr: sp.Expr) -> None:
    left, right = sp.latex(expr), sp.latex(sp.expand(expr))
    text = (f"## An identity {{#identity}}\n\nBoth sides are one expression.\n\n"
            f"$$\n{left} = {right} % check\n$$\n\n```check\n{left} = {right}\n```\n")
    report = _check_text(tmp_path, text)
    assert report.summary.failed == 0, (left, right, [d.message for d in report.diagnostics])
    assert not [d for d in report.diagnostics if d.code in ("C001", "C006", "M003", "M001")], (left, right)
    assert report.summary.claims == 2


_PIECES = list("xyKe_{}()[]^+-*/=<>0123456789.,\\ fracsqrtlogsumin!|&%'") + [
    "\\times", "\\le", "\\approx", "\\text{ if }", "\\quad", "\\\\", "\\sum_{i=1}^{n}", "\\mathbb{N}", "&=", "x_i",
    "f(x)", "\\frac{", "\\left(", "\\right)", "where ", "C = [3, 4]", "\\begin{aligned}", "\\end{aligned}"]
_LATEXISH = st.lists(st.sampled_from(_PIECES), max_size=25).map("".join)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_LATEXISH, _LATEXISH)
def test_checking_never_raises(tmp_path: Path, display: str, line: str) -> None:
    display = display.replace("$", "")
    line = line.replace("`", "").replace("\n", " ")
    text = f"## Noise {{#noise}}\n\nText.\n\n$$\n{display}\n$$\n\n```check\n{line}\n```\n"
    report = _check_text(tmp_path, text)  # any exception here fails the test
    assert not [d for d in report.diagnostics if d.code == "M003"], [d.message for d in report.diagnostics]


def _listing(tmp_path: Path) -> list[tuple]:
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "true_claims.md", src / "true_claims.md")
    report = check(src, Config(root_deck="P", cache="", project_dir=tmp_path, check_timeout=600))
    return [(s.line, s.col, text, v) for s, text, v in report.claims] + [tuple(d.__dict__.values())
                                                                         for d in report.diagnostics]


def test_verdicts_do_not_depend_on_the_machines_speed(tmp_path: Path) -> None:
    fast = _listing(tmp_path)
    calls = 0

    def tracer(frame, event, arg):  # a line tracer makes Python several times slower
        nonlocal calls
        calls += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        slow = _listing(tmp_path)
    finally:
        sys.settrace(previous)
    assert calls > 100_000
    assert slow == fast


def test_a_tiny_work_budget_gives_c002_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decide_module, "MAX_NODES", 8)
    text = ("## Budget {#budget}\n\nA claim larger than the budget.\n\n```check\n"
            "(x + 1)^2 + (x + 2)^2 + (x + 3)^2 = 3 x^2 + 12 x + 14\n1 + 1 = 2\n```\n")
    first = _check_text(tmp_path, text)
    second = _check_text(tmp_path, text)
    codes = [(d.span.line, d.code, d.message) for d in first.diagnostics]
    assert codes == [(d.span.line, d.code, d.message) for d in second.diagnostics]
    assert [(line, code) for line, code, _ in codes] == [(6, "C002")]
    assert "budget" in codes[0][2]


def test_the_hang_guard_names_the_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def hang(*args):
        raise decide_module._Timeout()

    monkeypatch.setattr(decide_module, "_decide", hang)
    report = _check_text(tmp_path, "## Slow {#slow}\n\nText.\n\n```check\nx + 1 > x\n```\n")
    [d] = report.diagnostics
    assert d.code == "C007" and d.severity.value == "warning" and "this machine" in d.message
