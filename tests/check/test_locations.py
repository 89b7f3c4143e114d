"""Diagnostics point at the character that caused them: line and column, in check blocks and in
display math, on the first line of a formula and further down."""

from __future__ import annotations

from pathlib import Path

from ankigen.build import check
from ankigen.config import Config

SOURCE = """## Locations {#locations}

Text.

```check
  x + ) = 1
1 + 1 = 3
\\frac{1}{2} = 0.5 where q=2
```

$$
\\begin{aligned}
y &= 2 + 2 \\\\
  &= 5
\\end{aligned}
$$

$$z = \\oint_C t \\, dt % check$$
"""


def test_each_diagnostic_points_at_its_character(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.md").write_text(SOURCE, encoding="utf-8")
    report = check(src, Config(root_deck="L", cache="", project_dir=tmp_path, check_timeout=600))
    got = sorted((d.span.line, d.span.col, d.code) for d in report.diagnostics)
    lines = SOURCE.split("\n")
    assert got == [
        (6, lines[5].index(")") + 1, "M001"),        # the stray parenthesis
        (7, 1, "C001"),                                # the claim starts the line
        (8, 1, "C004"),                                # an unused binding names the claim
        (14, lines[13].index("=") + 1, "C001"),        # a chain step is located at its relation
        (18, lines[17].index("\\oint") + 1, "M001"),    # the construct that could not be read
    ]


def test_a_claim_that_opens_with_a_sized_bracket_is_quoted_once(tmp_path: Path) -> None:
    """`\\left` starts like `\\le`: read as a relation continuing the display before, the left side
    was quoted twice (`\\left( 1 + 2 \\right) \\left( 1 + 2 \\right) = 4`)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.md").write_text("## Brackets {#brackets}\n\n$$\\left( 1 + 2 \\right) = 4$$\n\n"
                              "$$\\left|\\left[3\\right]\\right| = 4$$\n", encoding="utf-8")
    report = check(src, Config(root_deck="L", cache="", project_dir=tmp_path, check_timeout=600))
    assert [text for _, text, _ in report.claims] == ["\\left( 1 + 2 \\right) = 4", "\\left|\\left[3\\right]\\right| = 4"]



NOTES = """## Two examples {#two-examples}

Expanding a square:

$$(c + 1)^2 = c^2 + 2c + 2$$

Some lines of another example follow.

.

.

.

.

Another example: define $c = d^3 + 1$ for a new $d$.
"""


def test_a_failure_names_only_the_definitions_it_used(tmp_path: Path) -> None:
    """A note says where a name was defined as the claim saw it: an inline value further on, in
    another example, is not this one's, and naming it would send the author to the wrong place."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.md").write_text(NOTES, encoding="utf-8")
    report = check(src, Config(root_deck="L", cache="", project_dir=tmp_path))
    failed = [d for d in report.diagnostics if d.span.line == 5]
    assert len(failed) == 1 and failed[0].code in ("C001", "C009")
    assert "left side" in " ".join(failed[0].notes)
    assert not any("is defined at" in note for note in failed[0].notes)
