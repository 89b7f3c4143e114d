"""Identity is the learners' review history: these values may never change between versions."""

from __future__ import annotations

import shutil

from pathlib import Path

from ankigen.anki.identity import deck_id, guid_for_id, guid_for_text, note_type_id
from ankigen.anki.notetype import FIELDS, TEMPLATE_NAMES, basic_note_type
from click.testing import CliRunner

from ankigen.cli import cli
from conftest import run, write


def test_pinned_ids() -> None:
    # If one of these fails, a change would orphan every card users have imported. Do not update
    # the numbers: undo the change.
    assert note_type_id("basic") == 1110603052
    assert note_type_id("cloze") == 1958411169  # the cloze note type, fixed from its first release
    assert deck_id("深度学习面试::卷积神经网络") == 1386293334
    assert guid_for_id("ankigen-dl-interview", "conv-output-size") == "cXQe9Sng<o={5"
    assert guid_for_text("ns", "Deck", "What?") == "d6P(t)on=|Un~"


def test_note_type_schema_is_frozen() -> None:
    # Anki matches fields and templates by name; a rename makes every re-import "conflicting".
    assert FIELDS == ("Front", "Back", "Extra", "Hint", "Reverse", "Checks", "Source", "Id")
    assert TEMPLATE_NAMES == ("Card 1", "Card 2")
    model = basic_note_type()
    assert [f["name"] for f in model.fields] == list(FIELDS)
    assert [t["name"] for t in model.templates] == list(TEMPLATE_NAMES)


def test_guid_follows_the_id_not_the_text() -> None:
    # Pinned values: a GUID that changed between versions of ankigen would orphan every
    # learner's review history on the next import.
    assert guid_for_id("ns", "a") == "?>4=oRLua%`Q"
    assert guid_for_text("ns", "D", "Q?") == "b;P/bS1.^^x8s"
    assert guid_for_id("ns", "a") != guid_for_id("other", "a")
    assert guid_for_text("ns", "D", "Q?") != guid_for_text("ns", "D", "Q!")


def _lock(project: Path) -> str:
    return (project / "cards_src/ankigen.lock").read_text(encoding="utf-8")


def test_rebuild_without_changes_is_byte_identical(project: Path) -> None:
    write(project / "cards_src/a.md", "## One {#one}\n\n$x^2$\n\n## Two {#two}\n\nb\n")
    assert run("build").exit_code == 0
    first = (project / "dist/Test deck.apkg").read_bytes()
    lock = _lock(project)
    shutil.rmtree(project / ".ankigen-cache")  # a real rebuild, not the up-to-date replay
    result = run("build")
    assert result.exit_code == 0 and "up to date" not in result.output
    assert (project / "dist/Test deck.apkg").read_bytes() == first
    assert _lock(project) == lock


def test_source_date_epoch_makes_fresh_builds_reproducible(project: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    write(project / "cards_src/a.md", "## One {#one}\n\na\n")
    assert run("build").exit_code == 0
    first = (project / "dist/Test deck.apkg").read_bytes()
    (project / "cards_src/ankigen.lock").unlink()
    assert run("build").exit_code == 0
    assert (project / "dist/Test deck.apkg").read_bytes() == first
    assert '"mtime": 1700000000' in _lock(project)


def test_moving_a_card_down_the_file_is_not_an_edit(project: Path) -> None:
    write(project / "cards_src/a.md", "## One {#one}\n\na\n")
    assert run("build").exit_code == 0
    write(project / "cards_src/a.md", "## Zero {#zero}\n\nz\n\n## One {#one}\n\na\n")
    result = run("build")
    assert "1 new, 0 changed, 1 unchanged" in result.output


def test_damaged_lock_is_a_clear_error(project: Path) -> None:
    write(project / "cards_src/a.md", "## One {#one}\n\na\n")
    write(project / "cards_src/ankigen.lock", "{not json")
    result = run("build")
    assert result.exit_code == 2
    assert "build manifest is damaged" in result.output


def test_building_part_of_the_project_is_refused_and_changes_nothing(project: Path) -> None:
    # A package of one file would tag every other card ankigen::removed, and its lock would forget them.
    write(project / "cards_src/a.md", "## A {#a}\n\nalpha\n")
    write(project / "cards_src/sub/b.md", "## B {#b}\n\nbeta\n")
    assert run("build", "--no-pdf").exit_code == 0
    lock, package = _lock(project), (project / "dist/Test deck.apkg").read_bytes()
    for part in ("cards_src/a.md", "cards_src/sub", "cards_src/sub/"):
        result = CliRunner().invoke(cli, ["build", "--no-pdf", part])
        assert result.exit_code == 2
        assert f"{part.rstrip('/')} is part of the project's sources (cards_src)" in result.output
        assert f"`ankigen check {part.rstrip('/')}`" in result.output
    assert _lock(project) == lock and (project / "dist/Test deck.apkg").read_bytes() == package
    assert run("check", "cards_src/sub").exit_code == 0
    assert run("build", "--no-pdf", "cards_src").exit_code == 0  # the whole project, named
