"""Settings people meet with other people's notes: card_heading, check on/off, and bad values,
in front matter and in [tool.ankigen], through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run, write

BOOK = """# Chapter 1

## Section 1.1

### What is a stride? {#stride}

The step of the window.

### What is padding? {#padding}

Zeros around the input: $$N = 4 + 1 = 5$$
"""


def _json(*args: str) -> dict:
    result = run(*args, "--format", "json")
    return json.loads(result.output)


def test_notes_written_at_level_three_give_no_cards_and_a_hint(project: Path) -> None:
    write(project / "cards_src/book.md", BOOK)
    result = run("check")
    assert "warning[S028]: no cards in this file: a card starts at a level-2 heading" not in result.output
    write(project / "cards_src/book.md", BOOK.replace("## Section 1.1\n", ""))
    result = run("check")
    assert "warning[S028]" in result.output and "card_heading: 3" in result.output


def test_card_heading_in_front_matter_makes_level_three_the_cards(project: Path) -> None:
    write(project / "cards_src/book.md", "---\ncard_heading: 3\n---\n" + BOOK)
    data = _json("check")
    assert data["summary"]["cards"] == 2 and data["summary"]["claims"] == 1
    assert not [d for d in data["diagnostics"] if d["code"] in ("S028", "S012")]


def test_card_heading_in_the_project_settings(project: Path) -> None:
    with open(project / "pyproject.toml", "a", encoding="utf-8") as f:
        f.write("card_heading = 3\n")
    write(project / "cards_src/book.md", BOOK)
    assert _json("check")["summary"]["cards"] == 2


def test_bad_front_matter_values_are_located_errors(project: Path) -> None:
    write(project / "cards_src/a.md", "---\ncard_heading: 7\ncheck: maybe\n---\n\n## Q {#q}\n\nA\n")
    result = run("check")
    assert result.exit_code == 1
    assert "cards_src/a.md:2:1: error[S037]: card_heading must be 1, 2, 3, 4 or auto, not 7" in result.output
    assert "cards_src/a.md:3:1: error[S036]: check must be on or off, not 'maybe'" in result.output


def test_check_off_keeps_check_blocks(project: Path) -> None:
    card = "## Q {#q}\n\nA\n\n$$1 + 1 = 3$$\n\n```check\n1 + 1 = 2\n```\n"
    write(project / "cards_src/a.md", "---\ncheck: off\n---\n\n" + card)
    data = _json("check")
    assert data["summary"]["errors"] == 0 and data["summary"]["claims"] == 1
    write(project / "cards_src/a.md", card)
    with open(project / "pyproject.toml", "a", encoding="utf-8") as f:
        f.write('check = "off"\n')
    assert _json("check")["summary"]["errors"] == 0


def test_bad_project_settings_are_usage_errors(project: Path) -> None:
    write(project / "cards_src/a.md", "## Q {#q}\n\nA\n")
    base = (project / "pyproject.toml").read_text(encoding="utf-8")
    for extra, message in [("card_heading = 7\n", "card_heading must be 1, 2, 3, 4 or \"auto\""),
                           ("check_timeout = 0\n", "check_timeout must be a positive integer"),
                           ('paper = "a3"\n', "paper must be one of"),
                           ("nonsense = 1\n", "unknown setting 'nonsense'")]:
        (project / "pyproject.toml").write_text(base + extra, encoding="utf-8")
        result = run("check")
        assert result.exit_code == 2 and message in result.output, (extra, result.output)
    # Each is located at its own line of pyproject.toml (the base table has three lines).
    for extra, key in [("card_heading = 7\n", "card_heading"), ('paper = "a3"\n', "paper"),
                       ('cards_per_page = "9x9"\n', "cards_per_page")]:
        (project / "pyproject.toml").write_text(base + "\n" + extra, encoding="utf-8")
        result = run("check")
        assert f"pyproject.toml:{len(base.splitlines()) + 2}: " in result.output, (key, result.output)
    (project / "pyproject.toml").write_text("[tool.ankigen\n", encoding="utf-8")
    result = run("check")
    assert result.exit_code == 2 and "cannot read TOML" in result.output
    (project / "pyproject.toml").write_text('[tool]\nankigen = 3\n', encoding="utf-8")
    assert "must be a table" in run("check").output
    (project / "pyproject.toml").write_text('[tool.ankigen]\nroot_deck = "A::"\n', encoding="utf-8")
    assert "root_deck must be a deck name" in run("check").output
