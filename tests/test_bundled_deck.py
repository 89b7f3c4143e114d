"""The bundled deck in cards_src/: checked, complete, and importable into Anki."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import only_apkg, run


def test_check_passes_with_enough_cards_and_claims(bundled: Path) -> None:
    result = run("check", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    summary = data["summary"]
    assert summary["cards"] >= 90
    assert summary["claims"] >= 60
    assert summary["failed"] == 0 and summary["errors"] == 0
    assert not [d for d in data["diagnostics"] if d["code"] == "S025"], "every card needs an id"


def test_every_source_file_has_cards_and_a_sub_deck(bundled: Path) -> None:
    from ankigen.build import check
    from ankigen.config import load_config

    report = check(bundled / "cards_src", load_config(bundled))
    decks_by_file: dict[str, set[str]] = {}
    for card in report.cards:
        decks_by_file.setdefault(Path(card.span.path).name, set()).add(card.deck)
    files = sorted(p.name for p in (bundled / "cards_src").glob("*.md"))
    assert sorted(decks_by_file) == files, "every file gives cards"
    for name, decks in decks_by_file.items():
        [deck] = decks
        assert deck.startswith("深度学习面试::"), name
    assert len({d for decks in decks_by_file.values() for d in decks}) == len(files), "one sub-deck per file"


def test_bundled_deck_imports_into_anki(bundled: Path, anki) -> None:
    result = run("build")
    assert result.exit_code == 0, result.output
    log = anki.import_apkg(only_apkg(bundled / "dist"))
    assert len(log.new) >= 90 and not log.conflicting
    notes = anki.notes()
    decks = {anki.col.decks.name(n.cards()[0].did) for n in notes.values()}
    assert all(d.startswith("深度学习面试::") for d in decks) and len(decks) >= 8
    conv = notes["conv-output-size"]
    assert "\\lfloor" in conv["Back"] and conv["Source"] == "03-卷积.md#conv-output-size"
    # language = "zh" in the project, and card_footer's default shows the checks only.
    assert re.fullmatch(r'<span class="checks">✓ 本卡 \d+ 处计算与推导已验算</span>', conv["Checks"]), conv["Checks"]
    assert "rnn" in notes["bert-sizes"].tags
    # Multiple-choice questions carry their options on the front.
    assert "A. YOLO" in notes["mcq-seq2seq"]["Front"] and "A. YOLO" not in notes["mcq-seq2seq"]["Back"]
    media = list(Path(anki.col.media.dir()).iterdir())
    assert len(media) == 1 and media[0].suffix == ".svg"
    assert f'src="{media[0].name}"' in notes["stacked-3x3"]["Back"]


def test_committed_lock_matches_the_sources(bundled: Path) -> None:
    # A fresh clone must rebuild the very notes of the committed lock: same GUIDs, same mtimes.
    before = (bundled / "cards_src/ankigen.lock").read_text(encoding="utf-8")
    assert run("build").exit_code == 0
    after = (bundled / "cards_src/ankigen.lock").read_text(encoding="utf-8")
    import difflib
    assert after == before, "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), n=1))
