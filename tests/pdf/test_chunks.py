"""A big deck's PDF, typeset in chunks by worker processes and joined: read back with pypdf.

The chunk sizes are made small so that a few dozen cards make many chunks; everything else
(Typst, the workers, pikepdf) is the real thing.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from ankigen.pdf import chunks as pdf_chunks
from ankigen.pdf.layout import _surely_fits
from ankigen.pdf.measure import Frame, measure_source
from conftest import run, write

DECKS = ("激活函数", "卷积网络", "优化方法")


def _deck(name: str, count: int, extra: str = "") -> str:
    cards = [f"## {name}第 {n} 题：这一题问什么？ {{#{'abc'[DECKS.index(name)]}-{n}}}\n\n"
             f"{name}的第 {n} 个答案，$x_{{{n}}}^2 + 1$。\n\n$$y_{{{n}}} = \\frac{{{n}}}{{{n} + 1}}$$\n"
             for n in range(count)]
    return f"---\ndeck: Test deck::{name}\n---\n\n{extra}" + "\n".join(cards)


@pytest.fixture()
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_chunks, "SINGLE_CHUNK", 12)
    monkeypatch.setattr(pdf_chunks, "CHUNK_MIN", 4)
    monkeypatch.setattr(pdf_chunks, "CHUNK_SPAN", 8)
    monkeypatch.setattr(pdf_chunks, "CHUNK_MAX", 20)


def _build_big(project: Path) -> PdfReader:
    for i, name in enumerate(DECKS):
        write(project / f"cards_src/{i}.md", _deck(name, 25))
    result = run("build")
    assert result.exit_code == 0, result.output
    return PdfReader(project / "dist/Test deck.pdf")


def _chunks(project: Path) -> set[str]:
    return {p.name for p in (project / ".ankigen-cache/pdf-chunks").glob("*.pdf")}


def test_chunks_join_into_one_document_with_contents_numbers_and_bookmarks(project, small_chunks) -> None:
    reader = _build_big(project)
    assert len(_chunks(project)) >= 10, "the deck was not split into chunks"
    texts = [p.extract_text() for p in reader.pages]

    marks = {item.title: reader.get_destination_page_number(item) for item in reader.outline}
    assert list(marks) == ["目录", *DECKS, "裁剪卡片"]
    contents = texts[1].replace(" ", "")
    for deck in DECKS:  # the contents page and the bookmark agree, and the deck's heading is there
        listed = int(re.search(re.escape(deck) + r"[.\s]*(\d+)", contents).group(1))
        assert listed == marks[deck] + 1, deck
        assert f"{deck}第 0 题" in texts[marks[deck]].replace("\n", "")
    page_of = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}
    links = {page_of[a.get_object()["/A"]["/D"][0].idnum] for a in reader.pages[1]["/Annots"]}
    assert links == {marks[deck] for deck in DECKS} | {marks["裁剪卡片"]}, "contents lines jump to their pages"
    first = marks["裁剪卡片"]
    assert first % 2 == 0, "the fronts begin on an odd page"
    assert "裁剪卡片." in texts[first].replace(" ", ""), "how to print them tops the first page of fronts"
    for i in range(1, first):  # page numbers run on across chunks
        if i == first - 1 and not texts[i].strip():
            continue  # the blank page that puts the fronts on an odd page
        assert texts[i].split()[-1] == str(i + 1), (i, texts[i][-40:])

    cards = list(range(first, len(texts)))
    assert not any(texts[i].strip() == "" for i in cards), "no blank page among the cut-out cards"
    for deck, letter in zip(DECKS, "abc"):
        for n in range(25):
            pages = [i for i in cards if re.search(rf"\b{letter}-{n}\b", texts[i])]
            assert len(pages) == 2 and pages[0] % 2 == 0 and pages[1] == pages[0] + 1, (letter, n, pages)


def test_an_edit_recompiles_only_the_chunks_it_touches(project, small_chunks) -> None:
    _build_big(project)
    before = _chunks(project)
    text = (project / "cards_src/1.md").read_text(encoding="utf-8")
    write(project / "cards_src/1.md", text.replace("卷积网络的第 13 个答案", "卷积网络的第 13 个答案（改过）"))
    assert run("build").exit_code == 0
    after = _chunks(project)
    # the study-sheet chunk and the cut-out chunk of the card; the contents if a page moved
    assert 2 <= len(after - before) <= 4, (len(before), len(after - before))

    write(project / "cards_src/0.md", _deck(DECKS[0], 25, extra="## 新的一题 {#new}\n\n新的答案。\n\n"))
    assert run("build").exit_code == 0
    assert len(_chunks(project) - after) <= 6, "a new card must not shift every later chunk"
    assert "新的答案" in "".join(p.extract_text() for p in PdfReader(project / "dist/Test deck.pdf").pages)


def test_a_rebuild_from_scratch_writes_the_same_pdf(project, small_chunks, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    _build_big(project)
    first = (project / "dist/Test deck.pdf").read_bytes()
    shutil.rmtree(project / ".ankigen-cache")
    shutil.rmtree(project / "dist")
    assert run("build").exit_code == 0
    assert (project / "dist/Test deck.pdf").read_bytes() == first


@pytest.mark.parametrize("frame", [Frame(210.0, 150.0, "a4 2x4"), Frame(97.0, 75.0, "letter 4x6")],
                         ids=["a4-2x4", "letter-4x6"])
def test_questions_assumed_to_fit_do_fit(tmp_path: Path, frame: Frame) -> None:
    """Short plain questions skip the measuring pass: Typst must agree that they fit at 14 pt."""
    import json

    import typst

    from ankigen.labels import LABELS
    from ankigen.pdf.layout import _PREAMBLE

    questions = [("深" * n, "W" * n, "Mm" * (n // 2)) for n in range(1, 60)]
    sides = {f"s{i}-{j}": [f"#strong[{q}]"] for i, qs in enumerate(questions) for j, q in enumerate(qs)
             if _surely_fits([f"#strong[{q}]"], frame)}
    assert len(sides) > 10
    for words in LABELS.values():  # line breaking follows the text's language
        preamble = _PREAMBLE.format(title='"t"', font='"Noto Serif CJK SC"', gap=0.65, draw=16, lang=words.typst_lang)
        (tmp_path / "m.typ").write_text(measure_source(preamble, frame, {}, sides), encoding="utf-8")
        rows = typst.query(str(tmp_path / "m.typ"), "<m>", field="value", format="json")
        sizes = {row["k"]: row["s"] for row in json.loads(rows)}
        assert sizes == {key: 14.0 for key in sides}, words.typst_lang


def test_a_damaged_cached_chunk_is_typeset_again(project) -> None:
    from conftest import run, write

    write(project / "cards_src/a.md", "## 步幅是什么？ {#stride}\n\n窗口每次移动的距离。\n")
    assert run("build").exit_code == 0
    chunks = list((project / ".ankigen-cache/pdf-chunks").glob("*.pdf"))
    assert chunks
    for chunk in chunks:
        chunk.write_text("x\n", encoding="utf-8")  # a disk fault, a sync tool's half copy
    write(project / "cards_src/a.md", "## 步幅是什么？ {#stride}\n\n窗口每次移动的像素数。\n")
    result = run("build")
    assert result.exit_code == 0 and "O020" not in result.output, result.output
    assert "像素数" in "".join(p.extract_text() for p in PdfReader(project / "dist/Test deck.pdf").pages)


def _read(path: Path) -> tuple[list[str], list[tuple[str, int]], list[set[int]]]:
    """Each page's text, the bookmarks with their pages, and the pages each page's links jump to."""
    reader = PdfReader(path)
    page_of = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}
    links = [{page_of[a.get_object()["/A"]["/D"][0].idnum] for a in page.get("/Annots", [])
              if "/D" in a.get_object().get("/A", {})} for page in reader.pages]
    marks = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    return [p.extract_text() for p in reader.pages], marks, links


def test_an_edit_swaps_its_pages_into_the_last_pdf_which_reads_as_one_joined_anew(project, small_chunks,
                                                                                monkeypatch) -> None:
    """After an edit that moves no page, the kept PDF gets the edited chunks' pages: every page's
    text, its number, the bookmarks and the contents' links are those of a PDF joined anew."""
    from ankigen.pdf import join

    joined_anew = []
    real = join._join
    monkeypatch.setattr(join, "_join", lambda *args: joined_anew.append(1) or real(*args))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    _build_big(project)
    assert joined_anew == [1]
    text = (project / "cards_src/1.md").read_text(encoding="utf-8")
    write(project / "cards_src/1.md", text.replace("卷积网络的第 13 个答案", "卷积网络的第 13 个回答"))
    assert run("build").exit_code == 0
    assert joined_anew == [1], "the edit joined every chunk again"
    swapped = _read(project / "dist/Test deck.pdf")
    assert "卷积网络的第 13 个回答" in "".join(swapped[0]).replace("\n", "")

    shutil.rmtree(project / ".ankigen-cache")
    shutil.rmtree(project / "dist")
    assert run("build").exit_code == 0 and joined_anew == [1, 1]
    assert swapped == _read(project / "dist/Test deck.pdf")


def test_a_kept_pdf_that_is_damaged_is_joined_anew(project, small_chunks) -> None:
    _build_big(project)
    kept = project / ".ankigen-cache/pdf-joined/joined.pdf"
    kept.write_bytes(kept.read_bytes()[:1000])  # a sync tool's half copy
    text = (project / "cards_src/1.md").read_text(encoding="utf-8")
    write(project / "cards_src/1.md", text.replace("卷积网络的第 13 个答案", "卷积网络的第 13 个回答"))
    assert run("build").exit_code == 0
    pages, marks, _ = _read(project / "dist/Test deck.pdf")
    assert "卷积网络的第 13 个回答" in "".join(pages).replace("\n", "") and [m for m, _ in marks][0] == "目录"


def test_a_chunk_ends_once_its_markup_is_large() -> None:
    """Typst's memory grows with the document: a chunk holds at most CHUNK_BYTES of markup, however
    few its cards, and cards of ordinary size are cut by their keys alone."""
    keys = [f"card-{n}" for n in range(30)]
    third = pdf_chunks.CHUNK_BYTES // 3 + 1
    assert [len(r) for r in pdf_chunks.split(keys, [third] * 30)] == [3] * 10
    assert pdf_chunks.split(keys, [100] * 30) == pdf_chunks.split(keys) == [range(0, 30)]
    big = [f"card-{n}" for n in range(2000)]
    assert pdf_chunks.split(big, [100] * 2000) == pdf_chunks.split(big)


def test_a_chunk_ends_once_its_images_are_large() -> None:
    keys = [f"card-{n}" for n in range(30)]
    half = pdf_chunks.CHUNK_PIXELS // 2
    assert [len(r) for r in pdf_chunks.split(keys, [100] * 30, [half] * 30)] == [2] * 15
    assert pdf_chunks.split(keys, [100] * 30, [0] * 30) == [range(0, 30)]


def test_images_divide_the_pdf_into_chunks_and_a_bad_one_is_named(project, monkeypatch) -> None:
    # Typst holds every decoded image of a chunk: LLM interview notes with 716 images peaked at
    # 1.5 GB over the build's processes, 0.9 GB once chunks were bounded by their images' pixels.
    from PIL import Image

    monkeypatch.setattr(pdf_chunks, "CHUNK_PIXELS", 25_000)
    for n in range(6):
        Image.new("RGB", (120, 100), (40 * n, 90, 200)).save(project / f"cards_src/p{n}.png")
    (project / "cards_src/bad.png").write_bytes(b"\x89PNG\r\n\x1a\nnot an image")
    write(project / "cards_src/a.md", "".join(f"## 图 {n} {{#pic-{n}}}\n\n![图 {n}](p{n}.png)\n\n" for n in range(6))
          + "## 坏图 {#bad}\n\n![坏](bad.png)\n")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert result.output.count("warning[O005]") == 1 and "bad.png" in result.output
    reader = PdfReader(project / "dist/Test deck.pdf")
    assert sum(len(page.images) for page in reader.pages) >= 6
    # each chunk holds at most two of the 12,000-pixel images
    assert len(list((project / ".ankigen-cache/pdf-chunks").glob("*.pdf"))) >= 6
