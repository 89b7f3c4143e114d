"""The lock's mtimes, its file format, and the change report, as plain functions.

Every rule here is one of Anki's import rules seen from our side (ANKI_IMPORT_RULES.md §3, §7):
a wrong mtime either loses an edit (not newer) or wipes the learner's tags (newer for nothing).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from ankigen.anki.changes import REMOVED_TAG, Changes, compare, removed_notes
from ankigen.config import ConfigError
from ankigen.diagnostics import Sink
from ankigen.anki.identity import _base91, guid_for_text
from ankigen.anki.lock import Kept, Lock, Stamp, build_time, known_guids, lock_text, read_lock, stamp_note_type, stamp_notes
from ankigen.model import Note
from ankigen.anki.notes import content_hash, fields_of


def note(guid: str, hash_: str = "h", card_id: str = "", mtime: int = 0, kind: str = "basic") -> Note:
    fields = tuple(f"{guid}-{name}" for name in fields_of(kind)[:-1]) + (card_id,)
    return Note(guid, fields, ("t",), "Deck", hash_, mtime, kind)


# --- mtimes -----------------------------------------------------------------------------------

def test_a_new_note_gets_the_build_time() -> None:
    assert stamp_notes([note("g")], Lock(), 500)[0].mtime == 500


def test_an_unchanged_note_keeps_its_mtime_even_from_the_future() -> None:
    lock = Lock({"g": Stamp("h", 900)})
    assert stamp_notes([note("g")], lock, 500)[0].mtime == 900
    assert stamp_notes([note("g")], Lock({"g": Stamp("h", 100)}), 500)[0].mtime == 100


def test_a_changed_note_is_strictly_newer_than_before_and_than_now() -> None:
    assert stamp_notes([note("g", "new")], Lock({"g": Stamp("h", 100)}), 500)[0].mtime == 500
    # the same second, or a clock behind the last build: still strictly newer
    assert stamp_notes([note("g", "new")], Lock({"g": Stamp("h", 500)}), 500)[0].mtime == 501
    assert stamp_notes([note("g", "new")], Lock({"g": Stamp("h", 900)}), 500)[0].mtime == 901


def test_note_types_follow_the_same_rule() -> None:
    lock = Lock(note_types={"basic": Stamp("t1", 300)})
    assert stamp_note_type("basic", "t1", lock, 500) == Stamp("t1", 300)
    assert stamp_note_type("basic", "t2", lock, 300) == Stamp("t2", 301)
    assert stamp_note_type("cloze", "t3", lock, 500) == Stamp("t3", 500)


def test_build_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build_time() == 1700000000
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert build_time() == 0
    for unset in ("", None):
        if unset is None:
            monkeypatch.delenv("SOURCE_DATE_EPOCH")
        else:
            monkeypatch.setenv("SOURCE_DATE_EPOCH", unset)
        monkeypatch.setattr("time.time", lambda: 1234.9)
        assert build_time() == 1234
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    with pytest.raises(ConfigError, match=r"SOURCE_DATE_EPOCH must be a whole number of seconds, not 'soon'"):
        build_time()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "-1")
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH must not be negative"):
        build_time()


# --- the file ---------------------------------------------------------------------------------

def test_lock_text_is_sorted_readable_json() -> None:
    notes = [note("b", "hb", "id-b", 20), note("a", "ha", "", 10, "cloze")]
    kept = {"b": Kept("id-b", "Deck::甲", ("x", "y"), ("F", "B"), "basic")}
    text = lock_text(notes, {"basic": Stamp("tb", 5)}, kept)
    assert text.endswith("}\n") and "甲" in text  # not \u escapes: the lock is read in reviews
    assert text.splitlines()[1] == ' "format": 1,'
    assert json.loads(text) == {
        "format": 1,
        "note_types": {"basic": {"hash": "tb", "mtime": 5}},
        "notes": {
            "a": {"hash": "ha", "mtime": 10, "id": "", "deck": "Deck", "kind": "cloze"},
            "b": {"hash": "hb", "mtime": 20, "id": "id-b", "deck": "Deck", "kind": "basic",
                  "removed": {"deck": "Deck::甲", "tags": ["x", "y"], "fields": ["F", "B"], "kind": "basic"}},
        },
    }
    assert list(json.loads(text)["notes"]) == ["a", "b"]


def test_the_lock_reads_back_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "ankigen.lock"
    kept = {"b": Kept("id-b", "D", ("x",), ("F", "B"), "cloze")}
    path.write_text(lock_text([note("a", "ha", "id-a", 10), note("b", "hb", "id-b", 20)],
                              {"cloze": Stamp("tc", 7)}, kept), encoding="utf-8")
    lock = read_lock(path)
    assert lock.notes == {"a": Stamp("ha", 10, "id-a", "Deck", "basic"), "b": Stamp("hb", 20, "id-b", "Deck", "basic")}
    assert lock.note_types == {"cloze": Stamp("tc", 7)}
    assert lock.removed == kept


def test_an_older_lock_without_ids_types_or_kinds_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "ankigen.lock"
    path.write_text(json.dumps({"format": 1, "notes": {
        "a": {"hash": "h", "mtime": "12"},
        "b": {"hash": "h", "mtime": 3, "removed": {"deck": "D", "tags": [], "fields": ["F"]}}}}), encoding="utf-8")
    lock = read_lock(path)
    assert lock.notes["a"] == Stamp("h", 12, "") and lock.note_types == {}
    assert lock.removed == {"b": Kept("", "D", (), ("F",), "basic")}


def test_a_missing_lock_is_empty(tmp_path: Path) -> None:
    assert read_lock(tmp_path / "none.lock") == Lock()


@pytest.mark.parametrize("text, why", [
    ("{", "Expecting"),
    ('{"format": 2, "notes": {}}', "unknown format 2"),
    ('{"notes": {}}', "unknown format None"),
    ('{"format": 1}', "'notes'"),
    ('{"format": 1, "notes": {"a": {"mtime": 1}}}', "'hash'"),
    ('{"format": 1, "notes": {"a": {"hash": "h", "mtime": "x"}}}', "invalid literal"),
    ('{"format": 1, "notes": []}', "'list' object"),
    ('[]', "'list' object"),
    ('{"format": 1, "notes": {"a": {"hash": "h", "mtime": 1, "removed": {"deck": "D"}}}}', "'tags'"),
])
def test_a_damaged_lock_says_how_to_recover(tmp_path: Path, text: str, why: str) -> None:
    path = tmp_path / "ankigen.lock"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_lock(path)
    message = str(info.value)
    assert message.startswith(f"{path}: the build manifest is damaged (") and why in message
    assert message.endswith("restore it from version control, or delete it: the next build makes it again "
                            "from the last package in the output folder (without that package, every note "
                            "counts as new, and Anki updates the ones it has)")


def test_known_guids_are_those_built_with_an_id() -> None:
    lock = Lock({"g2": Stamp("h", 1, "b"), "g1": Stamp("h", 1, "a"), "g3": Stamp("h", 1, "")})
    assert known_guids(lock) == {"a": "g1", "b": "g2"}
    assert list(known_guids(lock)) == ["a", "b"]


# --- identity edge cases the pinned values do not reach -------------------------------------------

def test_guid_edge_cases() -> None:
    assert _base91(b"\x00") == "a"
    assert _base91(b"\x00\x5b") == "ba"  # 91 = "b" followed by "a"
    assert guid_for_text("ns", "D", "  Q?\n") == guid_for_text("ns", "D", "Q?")
    assert guid_for_text("ns", "D", "Q?") != guid_for_text("ns", "E", "Q?")


# --- what the next import does ----------------------------------------------------------------

def test_compare_sorts_notes_by_what_the_import_does() -> None:
    lock = Lock({"same": Stamp("h", 1), "edited": Stamp("h", 1), "gone": Stamp("h", 1), "long-gone": Stamp("r", 1)},
                removed={"long-gone": Kept("", "D", (), ())})
    notes = [note("same"), note("edited", "h2", "edited-id"), note("fresh", "h", "fresh-id"), note("gone"),
             note("long-gone", "r"), note("nameless")]
    kept = {"gone": Kept("", "D", (), ()), "long-gone": Kept("", "D", (), ())}
    changes = compare(lock, notes, kept)
    assert changes == Changes(new=("fresh-id", "nameless-Source"), updated=("edited-id",), unchanged=1,
                              removed=("gone-Source",), still_removed=1)
    assert changes.counts() == {"new": 2, "changed": 1, "unchanged": 1, "removed": 1, "still_removed": 1,
                                "kept_as_built": 0, "left_out": 0, "conflicting": 0}


def test_the_report_names_cards_as_the_build_knows_them() -> None:
    notes = [note("g1", card_id="has-id"), note("g2"), Note("g3", ("", "", "", "", "", "", "", ""), (), "D", "h")]
    assert compare(Lock(), notes, {}, {"g2": "a.md:7"}).new == ("has-id", "a.md:7", "g3")


def test_a_removed_card_with_an_id_is_named_by_it(tmp_path: Path) -> None:
    sink = Sink()
    removed_notes(Lock({"gone": Stamp("h", 1, "old-card")}), [], tmp_path / "none.apkg", tmp_path / "l", sink)
    assert "a card left the sources ('old-card')" in sink.items[0].message


def test_a_removed_note_that_changed_in_the_lock_is_tagged_again() -> None:
    lock = Lock({"g": Stamp("old", 1)}, removed={"g": Kept("", "D", (), ())})
    assert compare(lock, [note("g", "new")], {"g": Kept("", "D", (), ())}).removed == ("g-Source",)


def test_removed_notes_come_from_the_lock_and_are_tagged(tmp_path: Path) -> None:
    fields = tuple(f"v{i}" for i in range(len(fields_of("basic"))))
    lock = Lock({"here": Stamp("h", 1), "gone": Stamp("h", 1)},
                removed={"gone": Kept("x", "D::E", ("mine", REMOVED_TAG), fields)})
    sink = Sink()
    out, kept = removed_notes(lock, [note("here")], tmp_path / "missing.apkg", tmp_path / "ankigen.lock", sink)
    assert sink.items == [] and list(kept) == ["gone"]
    tags = ("ankigen::removed", "mine")
    values = dict(zip(fields_of("basic"), fields))
    assert out == [Note("gone", fields, tags, "D::E", content_hash(values, tags, "basic"), kind="basic")]


def test_a_removed_note_no_package_holds_is_a_warning(tmp_path: Path) -> None:
    lock = Lock({"gone": Stamp("h", 1)}, removed={})
    package = tmp_path / "dist/deck.apkg"
    package.parent.mkdir()
    import zipfile
    with zipfile.ZipFile(package, "w"):
        pass  # an empty archive: it holds no notes
    sink = Sink()
    out, kept = removed_notes(lock, [], package, tmp_path / "ankigen.lock", sink)
    assert out == [] and kept == {}
    [d] = sink.items
    assert (d.code, d.severity.value, d.span.path, d.span.line) == ("B001", "warning", str(tmp_path / "ankigen.lock"), 1)
    assert d.message == ("a card left the sources (without an id (GUID gone)), but the last package does not "
                         f"hold it, so it cannot be tagged {REMOVED_TAG}")
    assert d.hint == f"keep {package} between builds; in Anki the note stays as it was"


def test_kept_fields_of_another_shape_are_not_used(tmp_path: Path) -> None:
    lock = Lock({"gone": Stamp("h", 1)}, removed={"gone": Kept("", "D", (), ("too", "few"))})
    sink = Sink()
    out, _ = removed_notes(lock, [], tmp_path / "none.apkg", tmp_path / "ankigen.lock", sink)
    assert out == [] and [d.code for d in sink.items] == ["B001"]


def test_the_lock_rebuilt_from_a_package_is_the_lock_that_build_wrote(project: Path) -> None:
    import sqlite3
    import zipfile

    from ankigen.anki.apkg import lock_from_package
    from conftest import run, write

    write(project / "cards_src/a.md", "## One {#one .t}\n\na\n\n## {{c1::Two}} {#two}\n\n## No id\n\nc\n")
    write(project / "cards_src/b.md", "## Gone {#gone}\n\nsoon\n")
    assert run("build", "--no-pdf").exit_code == 0
    (project / "cards_src/b.md").unlink()
    assert run("build", "--no-pdf").exit_code == 0
    package = project / "dist/Test deck.apkg"
    # all but which package the lock describes, which only the lock's place can say
    assert lock_from_package(package) == replace(read_lock(project / "cards_src/ankigen.lock"), package="")
    assert lock_from_package(project / "dist/none.apkg") is None

    # A package whose note type differs from today's: its hash is unknown, so it is sent again.
    tampered = project / "dist/old.apkg"
    with zipfile.ZipFile(package) as z:
        (project / "c.anki2").write_bytes(z.read("collection.anki2"))
    conn = sqlite3.connect(project / "c.anki2")
    models = json.loads(conn.execute("SELECT models FROM col").fetchone()[0])
    for model in models.values():
        model["css"] += "/* older */"
    conn.execute("UPDATE col SET models = ?", (json.dumps(models),))
    conn.commit()
    conn.close()
    with zipfile.ZipFile(tampered, "w") as z:
        z.write(project / "c.anki2", "collection.anki2")
    rebuilt = lock_from_package(tampered)
    assert {k: s.hash for k, s in rebuilt.note_types.items()} == {"basic": "", "cloze": ""}
    assert rebuilt.notes == read_lock(project / "cards_src/ankigen.lock").notes
