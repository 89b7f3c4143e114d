"""The built .apkg in a real Anki collection: first import, then an edit that keeps history."""

from __future__ import annotations

import json
import re
import shutil
import zipfile

from pathlib import Path

import pytest

from conftest import PNG, AnkiCollection, only_apkg, run, write

DECK_FILE = """\
---
deck: Test deck::Math
tags: [formulas]
---

## What is the derivative of $x^2$? {#derivative-x2 .calculus}

$$\\frac{d}{dx} x^2 = 2x$$

![a square](img/square.png)

## What is $\\sum_{i=1}^{n} i$? {#sum-first-n}

$\\frac{n(n+1)}{2}$, e.g. 55 for $n = 10$.
"""

PLAIN_FILE = """\
# Words

## What does *stride* mean? {#stride}

How far the window moves between two positions.
"""



def _make_deck(project: Path) -> None:
    write(project / "cards_src/math.md", DECK_FILE)
    (project / "cards_src/img").mkdir()
    (project / "cards_src/img/square.png").write_bytes(PNG)
    write(project / "cards_src/topics/words.md", PLAIN_FILE)


def _built_imported_and_reviewed(project: Path, anki, key: str):
    """The test deck built and imported, its card `key` reviewed once: that card as Anki has it."""
    _make_deck(project)
    assert run("build").exit_code == 0
    anki.import_apkg(only_apkg(project / "dist"))
    card_id = anki.notes()[key].cards()[0].id
    _review(anki, card_id)
    return anki.col.get_card(card_id)


def _review(anki, card_id: int) -> None:
    from anki.scheduler.v3 import CardAnswer

    card = anki.col.get_card(card_id)
    card.start_timer()
    states = anki.col._backend.get_scheduling_states(card.id)
    anki.col.sched.answer_card(anki.col.sched.build_answer(card=card, states=states, rating=CardAnswer.EASY))


def test_first_import_has_every_card_with_deck_tags_math_and_media(project: Path, anki) -> None:
    _make_deck(project)
    assert run("build").exit_code == 0
    log = anki.import_apkg(only_apkg(project / "dist"))
    assert len(log.new) == 3 and not log.updated and not log.conflicting

    notes = anki.notes()
    assert set(notes) == {"derivative-x2", "sum-first-n", "stride"}
    deriv = notes["derivative-x2"]
    assert sorted(deriv.tags) == ["calculus", "formulas"]
    assert "\\(x^2\\)" in deriv["Front"]
    assert "\\[\\frac{d}{dx} x^2 = 2x\\]" in deriv["Back"]
    assert deriv["Source"] == "math.md#derivative-x2"
    assert notes["stride"].tags == []

    decks = {n["Id"]: anki.col.decks.name(n.cards()[0].did) for n in notes.values()}
    assert decks == {"derivative-x2": "Test deck::Math", "sum-first-n": "Test deck::Math",
                     "stride": "Test deck::topics::words"}

    media = list(Path(anki.col.media.dir()).iterdir())
    assert len(media) == 1 and media[0].read_bytes() == PNG
    with zipfile.ZipFile(only_apkg(project / "dist")) as z:  # a PNG is stored as it is: deflating it gains nothing
        assert z.getinfo("0").compress_type == zipfile.ZIP_STORED
        assert z.getinfo("collection.anki2").compress_type == zipfile.ZIP_DEFLATED
    assert f'src="{media[0].name}"' in deriv["Back"]
    # One card per note: the reversed template stays empty until a card asks for it.
    assert all(len(n.cards()) == 1 for n in notes.values())


@pytest.mark.parametrize("fixed_clock", [False, True], ids=["clock", "SOURCE_DATE_EPOCH"])
def test_edit_rebuilt_at_once_updates_in_place_and_keeps_history(project: Path, anki, fixed_clock: bool,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    if fixed_clock:  # both builds see the very same second
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    _make_deck(project)
    assert run("build").exit_code == 0
    anki.import_apkg(only_apkg(project / "dist"))
    before = anki.notes()
    card_id = before["stride"].cards()[0].id
    _review(anki, card_id)
    reviewed = anki.col.get_card(card_id)
    assert reviewed.ivl > 0
    mods = {k: n.mod for k, n in before.items()}

    # Edit one card and rebuild within the same second as the first build.
    text = (project / "cards_src/topics/words.md").read_text(encoding="utf-8")
    write(project / "cards_src/topics/words.md", text.replace("How far", "The number of pixels"))
    result = run("build")
    assert result.exit_code == 0
    assert "0 new, 1 changed, 2 unchanged" in result.output

    log = anki.import_apkg(only_apkg(project / "dist"))
    assert len(log.updated) == 1 and len(log.duplicate) == 2 and not log.new and not log.conflicting

    after = anki.notes()
    assert len(anki.col.find_notes("")) == 3
    assert after["stride"].id == before["stride"].id
    assert "The number of pixels" in after["stride"]["Back"]
    assert after["stride"].mod > mods["stride"]
    for key in ("derivative-x2", "sum-first-n"):
        assert after[key].mod == mods[key], "unchanged notes must be skipped, not rewritten"

    card = anki.col.get_card(card_id)
    assert (card.ivl, card.due, card.type, card.queue) == (reviewed.ivl, reviewed.due, reviewed.type, reviewed.queue)
    assert anki.col.db.scalar("select count() from revlog where cid = ?", card_id) == 1


def test_after_an_edit_above_them_every_field_in_anki_is_the_packages(project: Path, anki) -> None:
    # Lines move under every card below an edit; no field may depend on them, or Anki (which keeps
    # an unchanged note as it was) and the package would disagree.
    _make_deck(project)
    write(project / "cards_src/math.md", (project / "cards_src/math.md").read_text(encoding="utf-8") +
          "\n## A card without an id\n\nIts source names the file only.\n")
    assert run("build").exit_code == 0
    anki.import_apkg(only_apkg(project / "dist"))
    text = (project / "cards_src/math.md").read_text(encoding="utf-8")
    write(project / "cards_src/math.md", text.replace("## What is the derivative",
                                                      "## A new first card {#new-first}\n\nLines and lines\n\nmore.\n\n"
                                                      "## What is the derivative"))
    result = run("build")
    assert "1 new, 0 changed, 4 unchanged" in result.output, result.output
    log = anki.import_apkg(only_apkg(project / "dist"))
    assert len(log.new) == 1 and len(log.duplicate) == 4 and not log.updated

    from ankigen.anki.apkg import read_notes

    package = read_notes(only_apkg(project / "dist"))
    in_anki = {anki.col.get_note(i).guid: anki.col.get_note(i) for i in anki.col.find_notes("")}
    assert set(in_anki) == set(package)
    for guid, kept in package.items():
        assert tuple(in_anki[guid].fields) == kept.fields, kept.id
        assert sorted(in_anki[guid].tags) == sorted(kept.tags)
    sources = sorted(n["Source"] for n in in_anki.values())
    assert sources == ["math.md", "math.md#derivative-x2", "math.md#new-first", "math.md#sum-first-n",
                       "topics/words.md#stride"]


def test_a_lost_lock_is_rebuilt_from_the_last_package(project: Path, anki) -> None:
    _make_deck(project)
    assert run("build", "--no-pdf").exit_code == 0
    anki.import_apkg(only_apkg(project / "dist"))
    note = anki.notes()["derivative-x2"]
    note.tags.append("mine")
    anki.col.update_note(note)

    (project / "cards_src/ankigen.lock").unlink()
    text = (project / "cards_src/topics/words.md").read_text(encoding="utf-8")
    write(project / "cards_src/topics/words.md", text.replace("How far", "The number of pixels"))
    math = (project / "cards_src/math.md").read_text(encoding="utf-8")
    write(project / "cards_src/math.md", math.split("## What is $\\sum")[0])  # the sum card leaves
    result = run("build", "--no-pdf")
    assert result.exit_code == 0, result.output
    assert "0 new, 1 changed, 1 unchanged notes, 1 removed from the sources" in result.output
    assert "cards_src/ankigen.lock was missing: rebuilt from the last package" in result.output
    log = anki.import_apkg(only_apkg(project / "dist"))
    assert len(log.updated) == 2 and len(log.duplicate) == 1 and not log.new  # stride edited, sum tagged
    notes = anki.notes()
    assert "The number of pixels" in notes["stride"]["Back"]
    assert "ankigen::removed" in notes["sum-first-n"].tags
    assert "mine" in notes["derivative-x2"].tags  # unchanged, so skipped: the learner's tag stays

    # Neither lock nor package: the report cannot know, and says so; Anki still updates in place.
    (project / "cards_src/ankigen.lock").unlink()
    only_apkg(project / "dist").unlink()
    result = run("build", "--no-pdf")
    assert "no lock and no earlier package: every note counts as new here" in result.output
    log = anki.import_apkg(only_apkg(project / "dist"))
    assert not log.new and len(anki.col.find_notes("")) == 3


def test_tags_added_in_anki_survive_a_rebuild_without_changes(project: Path, anki) -> None:
    _make_deck(project)
    assert run("build").exit_code == 0
    anki.import_apkg(only_apkg(project / "dist"))
    note = anki.notes()["stride"]
    note.tags.append("my-own-tag")
    anki.col.update_note(note)

    shutil.rmtree(project / ".ankigen-cache")  # a real rebuild, not the up-to-date replay
    result = run("build")
    assert result.exit_code == 0 and "up to date" not in result.output
    log = anki.import_apkg(only_apkg(project / "dist"))
    assert not log.updated and len(log.duplicate) == 3
    assert "my-own-tag" in anki.notes()["stride"].tags


def test_renaming_a_question_keeps_the_note_when_it_has_an_id(project: Path, anki) -> None:
    _make_deck(project)
    assert run("build").exit_code == 0
    anki.import_apkg(only_apkg(project / "dist"))
    old_id = anki.notes()["stride"].id
    path = project / "cards_src/topics/words.md"
    write(path, path.read_text(encoding="utf-8").replace("What does *stride* mean?", "Define stride."))
    assert run("build").exit_code == 0
    log = anki.import_apkg(only_apkg(project / "dist"))
    assert len(log.updated) == 1 and not log.new
    assert anki.notes()["stride"].id == old_id


@pytest.mark.parametrize("fixed_clock", [False, True])
def test_removed_card_is_tagged_in_anki_with_its_history(project: Path, anki, fixed_clock: bool,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    if fixed_clock:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    reviewed = _built_imported_and_reviewed(project, anki, "stride")

    write(project / "cards_src/topics/words.md", "# Words\n")  # the card leaves the sources
    dry = run("build", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "tag 1 note ankigen::removed" in dry.output and "stride" in dry.output
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "0 new, 0 changed, 2 unchanged notes, 1 removed from the sources" in result.output
    log = anki.import_apkg(only_apkg(project / "dist"))
    assert len(log.updated) == 1 and not log.new and not log.conflicting

    note = anki.notes()["stride"]
    assert "ankigen::removed" in note.tags
    assert "How far the window moves" in note["Back"], "the content stays as it was"
    assert anki.col.find_notes("tag:ankigen::removed") == [note.id]
    card = anki.col.get_card(reviewed.id)
    assert (card.ivl, card.due, card.queue) == (reviewed.ivl, reviewed.due, reviewed.queue)
    assert anki.col.db.scalar("select count() from revlog where cid = ?", reviewed.id) == 1

    # The next build keeps it, unchanged: the import skips it.
    write(project / "cards_src/extra.md", "## Another? {#another}\n\nyes\n")
    result = run("build")
    assert "1 new, 0 changed, 2 unchanged notes" in result.output and "removed" not in result.output
    log = anki.import_apkg(only_apkg(project / "dist"))
    assert len(log.new) == 1 and not log.updated
    assert "ankigen::removed" in anki.notes()["stride"].tags

    # Put back in the sources, it loses the tag.
    write(project / "cards_src/topics/words.md", PLAIN_FILE)
    result = run("build")
    assert "1 changed" in result.output
    anki.import_apkg(only_apkg(project / "dist"))
    assert "ankigen::removed" not in anki.notes()["stride"].tags
    assert anki.col.db.scalar("select count() from revlog where cid = ?", reviewed.id) == 1


def test_removed_card_without_the_last_package_is_a_warning(project: Path) -> None:
    _make_deck(project)
    assert run("build").exit_code == 0
    (project / "dist" / "Test deck.apkg").unlink()
    write(project / "cards_src/topics/words.md", "# Words\n")
    result = run("build")
    assert result.exit_code == 0
    assert "warning[B001]" in result.output


def test_ids_command_keeps_already_imported_cards_as_the_same_notes(project: Path, anki) -> None:
    # Two id-less cards with the same question are two notes (S024 warns), each kept by `ids`.
    write(project / "cards_src/a.md", "## Why ReLU? {.act}\n\nCheap.\n\n## Why ReLU?\n\nTwice asked.\n\n"
          "## Sigmoid range?\n\n(0, 1)\n")
    first = run("build")
    assert first.exit_code == 0 and "warning[S024]" in first.output
    assert "3 new" in first.output
    anki.import_apkg(only_apkg(project / "dist"))
    notes = list(map(anki.col.get_note, anki.col.find_notes("")))
    relu = next(n for n in notes if "Cheap" in n["Back"])
    twin = next(n for n in notes if "Twice asked" in n["Back"])
    card_id = relu.cards()[0].id
    _review(anki, card_id)

    result = run("ids")
    assert result.exit_code == 0, result.output
    assert "{#why-relu}" in result.output and "3 already built cards keep their note" in result.output
    text = (project / "cards_src/a.md").read_text(encoding="utf-8")
    assert "## Why ReLU? {#why-relu .act}" in text and "## Why ReLU? {#why-relu-2}" in text
    assert "## Sigmoid range? {#sigmoid-range}" in text

    result = run("build")
    assert result.exit_code == 0, result.output
    assert "warning[S025]" not in result.output and "warning[S024]" not in result.output
    log = anki.import_apkg(only_apkg(project / "dist"))
    assert not log.new and not log.conflicting
    after = anki.notes()
    assert set(after) == {"why-relu", "why-relu-2", "sigmoid-range"} and len(anki.col.find_notes("")) == 3
    assert after["why-relu"].id == relu.id and after["why-relu-2"].id == twin.id
    assert anki.col.db.scalar("select count() from revlog where cid = ?", card_id) == 1


CLOZE_FILE = """\
## ReLU 的导数在 $x > 0$ 时为 {{c1::1}}，在 $x < 0$ 时为 {{c2::0::几?}} {#relu-grad-cloze}

在 0 点不可导，实现中通常取 0。

## 卷积输出 {#conv-out-cloze}

$$\\left\\lfloor \\frac{224 - 3 + 2 \\times 1}{2} \\right\\rfloor + 1 = {{c1::112}}$$
"""


def test_cloze_notes_import_with_one_card_per_deletion(project: Path, anki) -> None:
    write(project / "cards_src/cloze.md", CLOZE_FILE)
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "1 claim checked" in result.output  # the cloze inside the formula is checked too
    log = anki.import_apkg(only_apkg(project / "dist"))
    assert len(log.new) == 2 and not log.conflicting
    notes = anki.notes()
    relu, conv = notes["relu-grad-cloze"], notes["conv-out-cloze"]
    assert relu.note_type()["name"] == "ankigen cloze" and relu.note_type()["type"] == 1
    assert len(relu.cards()) == 2 and len(conv.cards()) == 1
    assert "在 0 点不可导" in relu["Back Extra"] and "{{c1::1}}" in relu["Text"]
    first = relu.cards()[0]
    assert "[...]" in first.question() and "几?" in relu.cards()[1].question()
    assert "1" in first.answer()
    assert "112" not in conv.cards()[0].question().split("</style>")[-1]
    assert conv["Checks"] == '<span class="checks">✓ 本卡 1 处计算与推导已验算</span>'  # a Chinese deck: zh

    # Rebuilt without changes and re-imported: nothing is touched.
    (project / ".ankigen-cache" / "build.json").unlink()
    assert run("build").exit_code == 0
    log = anki.import_apkg(only_apkg(project / "dist"))
    assert not log.updated and len(log.duplicate) == 2


def test_a_heading_that_is_all_cloze_is_a_card(project: Path, anki) -> None:
    write(project / "cards_src/cloze.md", "## {{c1::Paris}} is the capital of {{c2::France}} {#paris}\n\n"
                                          "## No answer and no deletion {#empty}\n")
    result = run("build", "--no-pdf")
    assert result.exit_code == 0
    assert "cards_src/cloze.md:3:1: warning[S020]: card has no answer, so it is left out of the deck" in result.output
    assert "cloze.md:1:1" not in result.output and "1 new" in result.output
    write(project / "cards_src/cloze.md", "## {{c1::Paris}} is the capital of {{c2::France}} {#paris}\n")
    assert run("build", "--no-pdf").exit_code == 0
    anki.import_apkg(only_apkg(project / "dist"))
    paris = anki.notes()["paris"]
    assert paris.note_type()["name"] == "ankigen cloze" and len(paris.cards()) == 2
    import re

    shown = re.sub(r"<[^>]+>", "", paris.cards()[0].question().split("</style>")[-1])
    assert "[...] is the capital of France" in shown
    assert "Paris" in paris.cards()[0].answer()


def test_a_deletion_of_a_fraction_inside_a_formula_stays_whole_in_anki(project: Path, anki) -> None:
    write(project / "cards_src/cloze.md", "## The sigmoid rewritten {#sig}\n\n"
          "$$\\frac{1}{1+e^{-x}} = {{c1::\\frac{e^{x}}{1+e^{x}}}} = {{c2::\\sigma(x)::a name}}$$\n")
    result = run("build", "--no-pdf")
    assert result.exit_code == 0, result.output
    # the deletion is read whole; σ on a card about the sigmoid is the logistic function, so both steps are claims
    assert "2 claims checked (2 proven symbolically)" in result.output
    anki.import_apkg(only_apkg(project / "dist"))
    note = anki.notes()["sig"]
    assert len(note.cards()) == 2
    first, second = (c.question().split("</style>")[-1] for c in note.cards())
    answer = note.cards()[0].answer().split("</style>")[-1]
    # Anki ends a deletion at its first `}}`: the fraction must not be cut inside `e^{x}}`
    assert "[...]" in first and "e^{x}" not in first.split("[...]")[1].split("=")[0]
    assert "\\frac{e^{x} }{1+e^{x} }" in answer and "}}}}" not in answer
    assert "a name" in second and "\\frac{e^{x} }{1+e^{x} }" in second
    write(project / "cards_src/cloze.md", "## The sigmoid rewritten {#sig}\n\n"
          "$$\\frac{1}{1+e^{-x}} = {{c1::\\frac{e^{x}}{1-e^{x}}}}$$\n")
    assert "warning[C009]: does not hold" in run("build", "--no-pdf").output  # and a wrong one is caught


def _built_back(project: Path, anki, card_id: str) -> str:
    """Build, import, and the card's Back field, after checking that it shows images and that each
    one's file is in the collection's media."""
    import re

    result = run("build")
    assert result.exit_code == 0, result.output
    anki.import_apkg(only_apkg(project / "dist"))
    back = anki.notes()[card_id]["Back"]
    media = {p.name for p in Path(anki.col.media.dir()).iterdir()}
    sources = re.findall(r'<img src="([^"]+)"', back)
    assert sources and all(src in media for src in sources), (sources, media)
    return back


def test_notes_written_for_other_tools_keep_their_html(project: Path, anki) -> None:
    # Formulas as images, line breaks and another tool's note ids, as vaults for other Anki tools have them.
    (project / "cards_src/img").mkdir()
    (project / "cards_src/img/f1.png").write_bytes(PNG)
    write(project / "cards_src/vault.md", "## 什么是 softmax？ {#softmax}\n\n"
          "定义如下：<br><img src=\"img\\f1.png\" alt=\"softmax\"><br>\n"
          "其中 e<sup>x</sup> 为指数。\n<!--ID: 1712345678901-->\n")
    back = _built_back(project, anki, "softmax")
    assert "<br>" in back and "<sup>x</sup>" in back
    for text in ("&lt;br", "&lt;img", "&lt;sup", "<!--", "ID: 1712345678901"):
        assert text not in back, text


def test_an_obsidian_vault_keeps_its_embedded_images_and_link_texts(project: Path, anki) -> None:
    (project / "cards_src/attachments").mkdir()
    (project / "cards_src/attachments/walk.png").write_bytes(PNG)
    write(project / "cards_src/notes/random walk.md", "## What is a random walk? {#walk}\n\n"
          "A path of random steps; see [[Markov chain|chains]].\n\n![[walk.png|300]]\n")
    back = _built_back(project, anki, "walk")
    assert "see chains." in back and "[[" not in back


def test_a_missing_picture_costs_its_card_the_picture_not_the_deck(project: Path, anki) -> None:
    write(project / "cards_src/a.md", "## 图在哪？ {#fig}\n\n见下图：![网络结构](img/net.png)\n\n<img src=\"img/gone.png\" alt=z>\n"
          "\n![[lost.png]]\n")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert result.output.count("warning[S033]") == 3 and "it is left out of the card" in result.output
    anki.import_apkg(only_apkg(project / "dist"))
    back = anki.notes()["fig"]["Back"]
    assert "<img" not in back and "见下图：网络结构" in back


def test_a_wrong_number_in_a_cloze_is_caught(project: Path) -> None:
    write(project / "cards_src/cloze.md", CLOZE_FILE.replace("{{c1::112}}", "{{c1::113}}"))
    result = run("build")
    assert result.exit_code == 1
    assert "error[C001]" in result.output


def test_reversed_cards_per_card_and_per_file(project: Path, anki) -> None:
    write(project / "cards_src/a.md", "## ReLU {#relu .reverse .act}\n\nmax(0, x)\n\n## Tanh {#tanh}\n\nrange (-1, 1)\n")
    write(project / "cards_src/terms.md", "---\nreverse: true\n---\n\n## 步长 {#stride-zh}\n\nstride\n")
    result = run("build")
    assert result.exit_code == 0, result.output
    anki.import_apkg(only_apkg(project / "dist"))
    notes = anki.notes()
    assert len(notes["relu"].cards()) == 2 and len(notes["tanh"].cards()) == 1
    assert len(notes["stride-zh"].cards()) == 2
    assert notes["relu"].tags == ["act"], "the flag is not a tag"
    reverse = next(c for c in notes["relu"].cards() if c.ord == 1)
    assert "max(0, x)" in reverse.question() and "ReLU" in reverse.answer()


def test_reverse_front_matter_must_be_boolean(project: Path) -> None:
    write(project / "cards_src/a.md", "---\nreverse: sometimes\n---\n\n## Q {#q}\n\nA\n")
    result = run("check")
    assert result.exit_code == 1 and "error[S027]" in result.output


def test_a_file_that_cannot_be_read_keeps_its_cards_as_last_built(project: Path, anki) -> None:
    reviewed = _built_imported_and_reviewed(project, anki, "stride")

    # Saved in another encoding: the file cannot be read at all, so none of its cards is known.
    (project / "cards_src/topics/words.md").write_bytes(PLAIN_FILE.replace("moves", "m\xf6ves").encode("latin-1"))
    write(project / "cards_src/math.md", DECK_FILE.replace("e.g. 55", "e.g. 55 (ten terms)"))
    result = run("build")
    assert result.exit_code == 1 and "topics/words.md:5:" in result.output and "error[S001]" in result.output
    assert "0 new, 1 changed, 1 unchanged notes, 1 kept as last built" in result.output

    log = anki.import_apkg(only_apkg(project / "dist"))
    assert len(log.updated) == 1 and not log.conflicting
    after = anki.notes()
    assert "stride" in after and "ten terms" in after["sum-first-n"]["Back"]
    assert "removed" not in " ".join(after["stride"].tags)
    card = anki.col.get_card(reviewed.id)
    assert (card.ivl, card.due, card.queue) == (reviewed.ivl, reviewed.due, reviewed.queue)


@pytest.mark.parametrize("fixed_clock", [False, True], ids=["clock", "SOURCE_DATE_EPOCH"])
def test_a_card_with_an_error_keeps_its_last_good_note_and_history(project: Path, anki, fixed_clock: bool,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    if fixed_clock:  # every build in the same second: mtimes must still tell Anki the truth
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    _make_deck(project)
    assert run("build").exit_code == 0
    anki.import_apkg(only_apkg(project / "dist"))
    before = anki.notes()
    reviewed = {}
    for key in ("derivative-x2", "stride"):
        card_id = before[key].cards()[0].id
        _review(anki, card_id)
        reviewed[key] = anki.col.get_card(card_id)

    # One card gets a false claim, the other an image that is not one; a third is edited, a fourth added.
    math = DECK_FILE.replace("= 2x$$", "= 3x$$").replace("e.g. 55", "e.g. 55 (ten terms)")
    write(project / "cards_src/math.md", math)
    (project / "cards_src/img/note.png").write_text("not a picture", encoding="utf-8")
    write(project / "cards_src/topics/words.md", PLAIN_FILE + "\n![](../img/note.png)\n\n## New? {#new}\n\nyes\n")
    result = run("build")
    assert result.exit_code == 1
    assert "error[C001]" in result.output and "error[S034]" in result.output
    assert "1 new, 1 changed, 0 unchanged notes, 2 kept as last built" in result.output
    assert "kept as last built (errors above; the note and its history stay as they were): derivative-x2, stride" \
        in result.output
    assert (project / "dist/Test deck.pdf").is_file()

    log = anki.import_apkg(only_apkg(project / "dist"))
    assert len(log.new) == 1 and len(log.updated) == 1 and len(log.duplicate) == 2 and not log.conflicting
    after = anki.notes()
    for key in ("derivative-x2", "stride"):
        assert after[key].mod == before[key].mod and after[key].fields == before[key].fields
        assert after[key].tags == before[key].tags  # nothing tagged removed
        card = anki.col.get_card(reviewed[key].id)
        assert (card.ivl, card.due, card.queue) == (reviewed[key].ivl, reviewed[key].due, reviewed[key].queue)
        assert anki.col.db.scalar("select count() from revlog where cid = ?", card.id) == 1
    assert "ten terms" in after["sum-first-n"]["Back"] and "yes" in after["new"]["Back"]
    # The kept note brings its picture along, also into a collection that never had it.
    fresh = AnkiCollection(tmp_path / "fresh.anki2")
    try:
        fresh.import_apkg(only_apkg(project / "dist"))
        [picture] = re.findall(r'src="([^"]+)"', fresh.notes()["derivative-x2"]["Back"])
        assert (Path(fresh.col.media.dir()) / picture).read_bytes() == PNG
    finally:
        fresh.close()

    # Fixed: both are updated in place, with their history.
    write(project / "cards_src/math.md", math.replace("= 3x$$", "= 2x$$ (the power rule)"))
    write(project / "cards_src/topics/words.md", PLAIN_FILE.replace("How far", "The step") + "\n## New? {#new}\n\nyes\n")
    fixed = run("build")
    assert fixed.exit_code == 0, fixed.output
    assert "0 new, 2 changed, 2 unchanged notes" in fixed.output
    log = anki.import_apkg(only_apkg(project / "dist"))
    assert len(log.updated) == 2 and not log.new and not log.conflicting
    assert "The step" in anki.notes()["stride"]["Back"]
    for key in ("derivative-x2", "stride"):
        assert anki.col.db.scalar("select count() from revlog where cid = ?", reviewed[key].id) == 1


def test_what_an_import_will_not_do_is_said_by_the_build(project: Path, anki) -> None:
    write(project / "cards_src/a.md", "## What is 2 + 2? {#two}\n\nFour.\n\n## Stride? {#stride}\n\nHow far it moves.\n")
    assert run("build", "--no-pdf").exit_code == 0
    anki.import_apkg(only_apkg(project / "dist"))
    old_deck = anki.col.decks.name(anki.notes()["stride"].cards()[0].did)

    # A basic card turned cloze, another moved to a file of its own (another deck).
    write(project / "cards_src/a.md", "## What is 2 + 2? {#two}\n\n{{c1::Four}}.\n")
    write(project / "cards_src/moved/b.md", "## Stride? {#stride}\n\nHow far it moves.\n")
    result = run("build", "--no-pdf")
    assert result.exit_code == 0, result.output
    assert "warning[B003]: this card changed from basic to cloze" in result.output
    assert f"warning[B004]: this card moved from deck '{old_deck}' to 'Test deck::moved::b'" in result.output
    # the report says what the import will do: not an update in place
    assert "1 Anki will skip" in result.output and "skip 1 note as conflicting" in result.output
    assert "in place (history kept): two" not in result.output

    log = anki.import_apkg(only_apkg(project / "dist"))
    assert len(log.conflicting) == 1  # what B003 said: the edit does not arrive
    assert anki.notes()["two"]["Back"] == '<p class="short-answer">Four.</p>'
    assert anki.col.decks.name(anki.notes()["stride"].cards()[0].did) == old_deck  # what B004 said


@pytest.mark.parametrize("known_by", ["lock", "package"])
def test_a_change_of_note_type_is_said_with_only_the_lock_or_only_the_package(project: Path, known_by: str) -> None:
    write(project / "cards_src/a.md", "## What is 2 + 2? {#two}\n\nFour.\n")
    assert run("build", "--no-pdf").exit_code == 0
    lock_file = project / "cards_src/ankigen.lock"
    if known_by == "lock":  # the package was deleted (a clean checkout, `rm -r dist`)
        only_apkg(project / "dist").unlink()
    else:  # a lock from before ankigen recorded note types
        lock = json.loads(lock_file.read_text(encoding="utf-8"))
        for entry in lock["notes"].values():
            del entry["kind"]
        lock_file.write_text(json.dumps(lock), encoding="utf-8")
    for answer in ("{{c1::Four}}.", "{{c1::Four}}!"):  # Anki skips it on every import: said until the author acts
        write(project / "cards_src/a.md", f"## What is 2 + 2? {{#two}}\n\n{answer}\n")
        result = run("build", "--no-pdf")
        assert "warning[B003]: this card changed from basic to cloze" in result.output, result.output
        assert "0 new, 0 changed, 0 unchanged notes" in result.output and "skip 1 note as conflicting" in result.output
        # the lock records the type the note has in Anki
        assert [e["kind"] for e in json.loads(lock_file.read_text(encoding="utf-8"))["notes"].values()] == ["basic"]
    write(project / "cards_src/a.md", "## What is 2 + 2? {#two}\n\nFour!\n")  # reverted: updated in place
    assert "0 new, 1 changed" in (result := run("build", "--no-pdf")).output and "B003" not in result.output
