"""How each claim is decided, and the values a failure shows: the method is part of the report
(`27 proven symbolically, 4 by sampling`), so proving and sampling are told apart here, where
the verdict alone would let either stand in for the other."""

from __future__ import annotations

from pathlib import Path

from ankigen.build import check
from ankigen.config import Config

CLAIMS = [  # (claim, holds, method)
    (r"(a + b)^2 = a^2 + 2 a b + b^2", True, "symbolic"),
    (r"\sin(x)^2 + \cos(x)^2 = 1", True, "symbolic"),
    (r"\lfloor x \rfloor \le x", True, "sampled"),
    (r"\frac{1}{x} > 0", True, "sampled"),
    (r"x^2 \ge 0", True, "sampled"),
    (r"1 + 1 = 2", True, "exact"),
    (r"7 \in \mathbb{N}", True, "exact"),
    (r"\frac{22}{7} \approx 3.14", True, "exact"),
    (r"\frac{225}{2} = 112", False, "exact"),
    (r"\sqrt{2} = 1.41", False, "exact"),
    (r"2^{70} = 1", False, "exact"),
    (r"\sqrt{2} \in \mathbb{Z}", False, "exact"),
    (r"\frac{1}{3} + x = x", False, "sampled"),
    (r"(x - 1)(x + 1) = x^2 + 1", False, "sampled"),
]
NOTES = {  # claim -> the notes its C001 shows, in order
    r"\frac{225}{2} = 112": ["left side = 112.5 (= 225/2), right side = 112 (expected left = right)"],
    r"\sqrt{2} = 1.41": ["left side = ≈ 1.414213562, right side = 1.41 (= 141/100) (expected left = right)"],
    r"2^{70} = 1": ["left side = 1.180591621e+21, right side = 1 (expected left = right)"],
    r"\sqrt{2} \in \mathbb{Z}": ["value: ≈ 1.414213562, not in ℤ"],
    r"\frac{1}{3} + x = x": ["counterexample: x = 1",
                             "left side = 1.333333333 (= 4/3), right side = 1 (expected left = right)"],
    r"(x - 1)(x + 1) = x^2 + 1": ["counterexample: x = 1", "left side = 0, right side = 2 (expected left = right)"],
}
ROUNDING = {r"\frac{225}{2} = 112", r"\sqrt{2} = 1.41"}


def test_each_claim_is_decided_the_way_it_should_be(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    lines = [c for c, _, _ in CLAIMS]
    (src / "a.md").write_text("## Methods {#methods}\n\nText.\n\n```check\n" + "\n".join(lines) + "\n```\n",
                              encoding="utf-8")
    report = check(src, Config(root_deck="M", cache="", project_dir=tmp_path, check_timeout=600))
    got = {text: (verdict.holds, verdict.method)
           for _, text, verdict in report.claims}
    assert got == {c: (holds, method) for c, holds, method in CLAIMS}
    failures = {lines[d.span.line - 6]: d for d in report.diagnostics}
    assert set(failures) == set(NOTES) and {d.code for d in failures.values()} == {"C001"}
    for claim, notes in NOTES.items():
        assert list(failures[claim].notes) == notes, claim
        assert ("\\approx" in (failures[claim].hint or "")) is (claim in ROUNDING), claim
    summary = report.summary
    assert (summary.claims, summary.failed) == (14, 6)
    assert (summary.extra["proven"], summary.extra["sampled"], summary.extra["exact"]) == (2, 3, 3)
