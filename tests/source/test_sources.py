"""Decoding sources: what `check` says about a file is what `build` will live with."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ankigen.diagnostics import Sink
from ankigen.source.sources import decode
from conftest import run, write


def test_control_characters_are_dropped_with_a_warning_at_their_place(tmp_path: Path) -> None:
    sink = Sink()
    source = decode(tmp_path / "a.md", tmp_path, "## 问\x02题\r\n\r\n答\x1f案\x7f与\x85。\tok\n".encode(), sink)
    assert source is not None and source.text == "## 问题\n\n答案与。\tok\n"
    assert [(d.span.line, d.span.col, d.code, d.severity.value, d.message, d.source_line) for d in sink.items] == [
        (1, 5, "S004", "warning", "control character U+0002 dropped", "## 问␂题"),
        (3, 2, "S004", "warning", "control character U+001F, U+007F, U+0085 dropped", "答␟案␡与\ufffd。\tok"),
    ]


def test_clean_text_is_left_alone(tmp_path: Path) -> None:
    sink = Sink()
    text = "## Q\n\n\tindented\u00a0and\u200bzero-width ✓\n"
    assert decode(tmp_path / "a.md", tmp_path, text.encode(), sink).text == text and sink.items == []


def test_check_reports_what_build_drops(project: Path) -> None:
    write(project / "cards_src/a.md", "## Q {#q}\n\nAn answer\x02 with a stray byte.\n")
    checked = run("check")
    assert checked.exit_code == 0
    assert "cards_src/a.md:3:10: warning[S004]: control character U+0002 dropped" in checked.output
    assert "\x02" not in checked.output
    built = run("build", "--no-pdf")
    assert built.exit_code == 0 and "warning[S004]" in built.output
    with zipfile.ZipFile(project / "dist/Test deck.apkg") as z:
        assert b"An answer with a stray byte." in z.read("collection.anki2")
