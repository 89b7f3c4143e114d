"""docs/getting-started.md as a test: its first-deck walkthrough, read from the page and run for real.

Every ```sh block after a `<!-- walkthrough -->` comment runs in order, with `sh -e`, in one empty
folder (a `cd` carries over to the next block), with the venv's `ankigen` on PATH. After the first
`ankigen build` the package is imported into a real Anki collection and each note's first card is
reviewed; after the second it is imported again, and the edited note must have been updated in
place with its history kept. A ```text block right after a walkthrough block shows its output: each
line shown must be printed. A ```markdown block after `<!-- file: PATH -->` must be that file as
`ankigen init` wrote it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO, only_apkg

PAGE = REPO / "docs" / "getting-started.md"
STEP = re.compile(r"<!-- walkthrough -->\n(?P<ticks>`{3,})(?P<lang>\w*)\n(?P<body>.*?)\n(?P=ticks)\n"
                  r"(?:\s*(?P<out_ticks>`{3,})(?P<out_lang>\w*)\n(?P<out_body>.*?)\n(?P=out_ticks)\n)?", re.S)
SHOWN_FILE = re.compile(r"<!-- file: (?P<path>\S+) -->\n(?P<ticks>`{3,})\w*\n(?P<body>.*?)\n(?P=ticks)\n", re.S)


def steps() -> list[tuple[str, list[str]]]:
    """(commands, output lines the page shows for them) of each walkthrough block, in page order."""
    found = []
    for m in STEP.finditer(PAGE.read_text(encoding="utf-8")):
        assert m["lang"] == "sh", m.group(0)
        shown = m["out_body"].splitlines() if m["out_lang"] == "text" else []
        found.append((m["body"], shown))
    return found


def run_step(commands: str, folder: Path, state: Path) -> tuple[Path, str]:
    """Runs one block in `folder` as the reader's shell would; returns the folder it ends in and its output."""
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "ANKIGEN_TIMINGS")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", NO_COLOR="1",
               WALKTHROUGH_STATE=str(state))
    done = subprocess.run(["sh", "-e", "-c", commands + '\npwd > "$WALKTHROUGH_STATE"'], cwd=folder, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    assert done.returncode == 0, f"{commands}\n{done.stdout}"
    return Path(state.read_text(encoding="utf-8").strip()), done.stdout


def review(anki, card_id: int) -> None:
    from anki.scheduler.v3 import CardAnswer

    card = anki.col.get_card(card_id)
    card.start_timer()
    states = anki.col._backend.get_scheduling_states(card.id)
    anki.col.sched.answer_card(anki.col.sched.build_answer(card=card, states=states, rating=CardAnswer.EASY))


def test_the_page_marks_a_walkthrough_with_two_builds_and_an_edit_between() -> None:
    commands = [c for c, _ in steps()]
    builds = [i for i, c in enumerate(commands) if "ankigen build" in c]
    assert "ankigen init" in commands[0] and len(builds) == 2 and builds[1] - builds[0] >= 2, commands


def test_the_first_deck_walkthrough_keeps_history_across_an_edit(tmp_path: Path, anki) -> None:
    folder, state = tmp_path / "walkthrough", tmp_path / "cwd"
    folder.mkdir()
    page = PAGE.read_text(encoding="utf-8")
    builds = 0
    before: dict = {}
    for commands, shown in steps():
        folder, output = run_step(commands, folder, state)
        printed = output.splitlines()
        assert [line for line in shown if line not in printed] == [], output
        if "ankigen init" in commands:
            for m in SHOWN_FILE.finditer(page):
                assert (folder / m["path"]).read_text(encoding="utf-8") == m["body"] + "\n", m["path"]
        if "ankigen build" not in commands:
            continue
        builds += 1
        log = anki.import_apkg(only_apkg(folder / "dist"))
        if builds == 1:
            assert log.new and not log.updated and not log.conflicting
            for note in anki.notes().values():
                review(anki, note.cards()[0].id)
            before = {key: (note.id, dict(note.items()), note.mod,
                            [(c.id, c.ivl, c.due, c.type, c.queue) for c in note.cards()])
                      for key, note in anki.notes().items()}
    assert builds == 2

    # The edit between the builds changed one note; Anki updated it in place and skipped the rest.
    assert len(log.updated) == 1 and not log.new and not log.conflicting, log
    after = anki.notes()
    assert set(after) == set(before)
    changed = [key for key, note in after.items() if dict(note.items()) != before[key][1]]
    assert len(changed) == 1, changed
    for key, note in after.items():
        note_id, _, mod, cards = before[key]
        assert note.id == note_id
        assert (note.mod > mod) if key in changed else (note.mod == mod), key
        # Scheduling and reviews untouched: the reviewed first card keeps its one review.
        assert [(c.id, c.ivl, c.due, c.type, c.queue) for c in note.cards()] == cards, key
        assert anki.col.db.scalar("select count() from revlog where cid = ?", cards[0][0]) == 1, key
