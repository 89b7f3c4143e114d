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


# Across processes (a build after an edit), parsed files are kept in the project's cache.

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _kept_parse(root: Path, store: Path) -> tuple[list, list]:
    from ankigen.source import parse
    from ankigen.source.kept import ParseStore

    parse._last.clear()  # as a new process: nothing parsed in this one
    sink = Sink()
    cards = parse_sources(read_sources(root, sink), Config(root_deck="Root"), sink, ParseStore(store))
    return cards, sink.items


def test_cards_kept_across_builds_are_the_cards_a_parse_gives(tmp_path: Path) -> None:
    """Every fixture's cards and diagnostics, read back from the store, equal a fresh parse's."""
    import shutil

    for folder in ("check", "parse", "hostile"):
        shutil.copytree(FIXTURES / folder, tmp_path / "src" / folder)
    fresh, fresh_items = _kept_parse(tmp_path / "src", tmp_path / "kept")
    kept_files = list((tmp_path / "kept").iterdir())
    assert len(kept_files) > 30
    again, again_items = _kept_parse(tmp_path / "src", tmp_path / "kept")
    assert again == fresh and again_items == fresh_items
    assert all(a is not f for a, f in zip(again, fresh))  # read back, not this process's objects
    # a file with images is parsed anew every time: an image can change while its text does not
    from ankigen.source.kept import ParseStore

    with_media = {Path(c.span.path).relative_to(tmp_path / "src").as_posix() for c in fresh if c.media}
    assert with_media and not any(ParseStore(tmp_path / "kept")._path(rel).exists() for rel in with_media)


def test_a_kept_parse_that_is_damaged_or_stale_is_parsed_anew(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    path = tmp_path / "src/a.md"
    path.write_text("## 问题 {#a}\n\n答案 $x = 1$。\n", encoding="utf-8")
    first, _ = _kept_parse(tmp_path / "src", tmp_path / "kept")
    [kept] = (tmp_path / "kept").iterdir()
    for damage in ("not json", '{"key": 1}', kept.read_text(encoding="utf-8").replace('"cards":[[', '"cards":[[7,')):
        kept.write_text(damage, encoding="utf-8")
        assert _kept_parse(tmp_path / "src", tmp_path / "kept")[0] == first
    path.write_text("## 问题 {#a}\n\n改过的答案。\n", encoding="utf-8")
    assert "改过的答案" in _kept_parse(tmp_path / "src", tmp_path / "kept")[0][0].back_html


def test_the_store_writes_every_field_of_a_card() -> None:
    """A field added to a card must be added to the store's rows, or kept cards would lose it."""
    import dataclasses

    from ankigen.model import Card, CheckLine, Formula

    assert [f.name for f in dataclasses.fields(Card)] == [
        "id", "question", "front_html", "back_html", "deck", "tags", "span", "formulas", "checks", "media",
        "front_extra_md", "back_md", "end_line", "reverse", "inline", "check_display", "twin"]
    assert [f.name for f in dataclasses.fields(Formula)] == ["latex", "span", "section", "lead", "near", "heading",
                                                           "tail"]
    assert [f.name for f in dataclasses.fields(CheckLine)] == ["text", "span", "section"]
