"""A learner who imported a deck built with an older look gets the new one on re-import, with
every card's history: the note type keeps its id and template names, and its mtime moves on."""

from __future__ import annotations

from pathlib import Path

import pytest

import ankigen
from ankigen.anki import notetype
from conftest import FIXTURES, only_apkg, run, write
from test_anki_import import _review

OLD_LOOK = FIXTURES / "upgrade" / "0.1"  # the templates and CSS of ankigen 0.1 (commit 7c693c7)

DECK = """\
## What does ReLU compute? {#relu .reverse}

$\\mathrm{ReLU}(x) = \\max(0, x)$

$$\\max(0, 3) = 3$$

## Output size {#conv-size}

$O = \\lfloor (W - K) / S \\rfloor + {{c1::1}}$
"""


def _old_look(name: str) -> str:
    path = OLD_LOOK / name
    return path.read_text(encoding="utf-8") if path.exists() else ""  # 0.1 had no code.css


def test_new_templates_reach_an_old_collection_with_history_kept(project: Path, anki,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "cards_src/cards.md", DECK)
    with monkeypatch.context() as old:
        old.setattr(notetype, "_template", _old_look)
        old.setattr(ankigen, "_CODE_DIGEST", "ankigen 0.1")  # another version: no build is replayed
        assert run("build", "--no-pdf").exit_code == 0
    log = anki.import_apkg(only_apkg(project / "dist"))
    assert len(log.new) == 2
    notes = anki.notes()
    reviewed = [c.id for n in notes.values() for c in n.cards()]
    assert len(reviewed) == 3  # forward, reversed, one deletion
    for card_id in reviewed:
        _review(anki, card_id)
    before = {cid: anki.col.get_card(cid) for cid in reviewed}
    types = {n.mid for n in notes.values()}
    old_mods = {mid: anki.col.models.get(mid)["mod"] for mid in types}
    assert all("--ag-ground" not in anki.col.models.get(mid)["css"] for mid in types)

    type_count = len(anki.col.models.all_names_and_ids())
    result = run("build", "--no-pdf")
    assert result.exit_code == 0, result.output
    log = anki.import_apkg(only_apkg(project / "dist"))
    assert not log.conflicting and not log.new
    anki.col.models._clear_cache()  # the import went through the backend, past pylib's copy

    for mid in types:
        model = anki.col.models.get(mid)
        assert model["mod"] > old_mods[mid]
        assert "--ag-ground" in model["css"] and ".tok-k" in model["css"]
        names = [t["name"] for t in model["tmpls"]]
        assert names == (list(notetype.TEMPLATE_NAMES) if len(names) == 2 else [notetype.CLOZE_TEMPLATE_NAME])
    basic = anki.col.models.get(notes["relu"].mid)
    assert "ankigen prompt" in basic["tmpls"][1]["qfmt"]
    assert {n.mid for n in anki.notes().values()} == types, "the notes stay on their note types"
    assert len(anki.col.models.all_names_and_ids()) == type_count, "no copy of a note type was added"
    for card_id, old in before.items():
        card = anki.col.get_card(card_id)
        assert (card.ivl, card.due, card.type, card.queue) == (old.ivl, old.due, old.type, old.queue)
        assert anki.col.db.scalar("select count() from revlog where cid = ?", card_id) == 1
