"""Parsing again in one process (`build --watch`): a file whose text is unchanged keeps its cards
and says its diagnostics again; one with images is read anew, since an image can change alone."""

from __future__ import annotations

from pathlib import Path

from ankigen.config import Config
from ankigen.diagnostics import Sink
from ankigen.source.parse import parse_sources
from ankigen.source.sources import read_sources
from conftest import PNG

STRAY = "# 标题\n\n孤立的文字。\n\n## 问题 {#a}\n\n答案。\n"


def _parse(root: Path) -> tuple[list, Sink]:
    sink = Sink()
    return parse_sources(read_sources(root, sink), Config(root_deck="Root"), sink), sink


def test_an_unchanged_file_keeps_its_cards_and_reports_its_warnings_every_time(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src/a.md").write_text(STRAY, encoding="utf-8")
    (tmp_path / "src/b.md").write_text("## 另一个 {#b}\n\n答。\n", encoding="utf-8")
    first, sink1 = _parse(tmp_path / "src")
    (tmp_path / "src/b.md").write_text("## 另一个 {#b}\n\n改过的答。\n", encoding="utf-8")
    second, sink2 = _parse(tmp_path / "src")
    assert [d.code for d in sink1.items] == [d.code for d in sink2.items] == ["S039"]
    assert second[0] is first[0]  # a.md was not parsed again
    assert "改过的答" in second[1].back_html and "改过的答" not in first[1].back_html


def test_an_image_changed_beside_an_unchanged_file_is_packed_anew(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src/a.md").write_text("## 图 {#a}\n\n![方块](a.png)\n", encoding="utf-8")
    (tmp_path / "src/a.png").write_bytes(PNG)
    first, _ = _parse(tmp_path / "src")
    (tmp_path / "src/a.png").write_bytes(PNG + b"\0")  # another picture under the same name
    second, _ = _parse(tmp_path / "src")
    assert first[0].media[0].name != second[0].media[0].name
