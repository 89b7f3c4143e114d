"""What one bad formula or card costs the PDF: only itself. Each formula is Typst math, else a
drawing, else its LaTeX source; a card Typst refuses is printed plain, named at its own line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from ankigen.pdf import chunks as pdf_chunks
from ankigen.pdf.chunks import Refusal, blame, refusal
from conftest import run, write


def _text(project: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(project / "dist/Test deck.pdf").pages)


def test_big_intersection_and_a_long_form_operator_are_typst_math(project: Path) -> None:
    write(project / "cards_src/sets.md", "## 交集与最小公倍数 {#sets}\n\n"
          "$$\\bigcap_{k=1}^{n} S_k \\subseteq S_1$$\n\n$$\\mathop{\\text{lcm}}(4, 6) = 12$$\n")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "O004" not in result.output and "O021" not in result.output and "O022" not in result.output
    reader = PdfReader(project / "dist/Test deck.pdf")
    assert not any(page.images for page in reader.pages)  # neither was drawn as an image
    assert "lcm" in _text(project)


def test_labelled_braces_marked_relations_boxes_and_colours_are_typst_math(project: Path) -> None:
    """Drawn by ziamath, which has no Chinese glyphs, a brace's label printed as empty boxes."""
    write(project / "cards_src/marks.md", "## 两个模型之比 {#marks}\n\n"
          "$$\\underbrace{\\frac{p(a)}{p(b)}}_{\\text{后验比率}} \\stackrel{\\text{定义}}{=} {\\color{blue} r} "
          "\\xlongequal{(1)} \\boxed{s}$$\n")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "O004" not in result.output and "O021" not in result.output and "O022" not in result.output
    assert not any(page.images for page in PdfReader(project / "dist/Test deck.pdf").pages)
    text = _text(project)
    assert "后验比率" in text and "定义" in text


def test_a_formula_nothing_can_draw_is_printed_as_source_with_a_warning(project: Path) -> None:
    write(project / "cards_src/op.md", "## 空算子 {#empty-op}\n\n前文。\n\n$$\\mathop{\\text{}}$$\n\n"
          "## 别的卡 {#other}\n\n$$a^2 + b^2$$\n")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert ("op.md:5:3: warning[O004]: formula printed as LaTeX source (ziamath drew it with a negative size): "
            "\\mathop{\\text{}}") in result.output
    assert "op.md:7" not in result.output
    assert "\\mathop{\\text{}}" in _text(project)


BROKEN = "## 第一张坏卡 {#bad-one}\n\n坏的内容一。\n\n## 好卡 {#good}\n\n好的内容。\n\n" \
         "## 第二张坏卡 {#bad-two}\n\n坏的内容二。\n"


def test_two_cards_typst_refuses_are_both_named_and_the_rest_typesets(project: Path, monkeypatch) -> None:
    """Simulates markup Typst refuses in two cards (ankigen escapes all text, so only a bug of ours
    can cause it): each is printed plain, reported at its own line, and the PDF is written."""
    import ankigen.pdf.layout

    real = ankigen.pdf.layout._Renderer.split_side

    def split_side(self, card, md_text):
        blocks, splits = real(self, card, md_text)
        return (blocks + ["#no-such-function()"] if "坏的内容" in md_text else blocks), splits

    monkeypatch.setattr(ankigen.pdf.layout._Renderer, "split_side", split_side)
    write(project / "cards_src/b.md", BROKEN)
    result = run("build")
    assert result.exit_code == 0, result.output
    for line, card in ((1, "bad-one"), (9, "bad-two")):
        assert (f"b.md:{line}:1: warning[O022]: Typst could not typeset card '{card}', so it is printed as "
                "plain text: unknown variable: no-such-function") in result.output
    assert result.output.count("O022") == 2
    text = _text(project).replace(" ", "")
    assert "坏的内容一。" in text and "坏的内容二。" in text and "好的内容。" in text


def test_two_broken_cards_in_one_chunk_of_many(project: Path, monkeypatch) -> None:
    """In a deck of several chunks typeset by workers, both bad cards are found and every other card printed."""
    import ankigen.pdf.layout

    monkeypatch.setattr(pdf_chunks, "SINGLE_CHUNK", 6)
    monkeypatch.setattr(pdf_chunks, "CHUNK_MIN", 3)
    monkeypatch.setattr(pdf_chunks, "CHUNK_SPAN", 4)
    monkeypatch.setattr(pdf_chunks, "CHUNK_MAX", 8)
    real = ankigen.pdf.layout._Renderer.split_side

    def split_side(self, card, md_text):
        blocks, splits = real(self, card, md_text)
        return (blocks + ["#panic()"] if "坏" in md_text else blocks), splits

    monkeypatch.setattr(ankigen.pdf.layout._Renderer, "split_side", split_side)
    cards = [f"## 题 {n} {{#q-{n}}}\n\n{'坏' if n in (3, 4) else '好'}答案 {n}。\n" for n in range(20)]
    write(project / "cards_src/many.md", "\n".join(cards))
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "many.md:13:1: warning[O022]: Typst could not typeset card 'q-3'" in result.output
    assert "many.md:17:1: warning[O022]: Typst could not typeset card 'q-4'" in result.output
    assert result.output.count("O022") == 2
    text = _text(project).replace(" ", "")
    assert all(f"答案{n}。" in text for n in range(20))


def test_markup_typst_refuses_outside_any_card_fails_the_pdf_fast(project: Path, monkeypatch) -> None:
    import ankigen.pdf.layout

    monkeypatch.setattr(ankigen.pdf.layout, "_STUDY_CARD", ankigen.pdf.layout._STUDY_CARD + "\n#no-such-thing\n")
    write(project / "cards_src/a.md", "## 问 {#q}\n\n答。\n")
    result = run("build")
    assert "error[O020]: the PDF could not be typeset: unknown variable: no-such-thing" in result.output
    assert (project / "dist/Test deck.apkg").exists()


def test_refusal_reads_every_place_in_its_own_file() -> None:
    diagnostic = ("error: file not found\n  ┌─ abc.typ:1:22\n  │\n\nhelp: while calling `md`\n"
                  "  ┌─ abc.typ:5:4\n  │\n  ┌─ other.typ:9:1\n")
    assert refusal("file not found", diagnostic, "abc.typ") == Refusal("file not found", (1, 5))


@pytest.mark.parametrize("lines, owners", [((1,), []), ((3,), ["a"]), ((4, 9), ["a", "b"]), ((20, 3), ["b", "a"])])
def test_blame_gives_each_line_to_the_owner_it_falls_in(lines, owners) -> None:
    assert blame([(3, "a"), (7, "b")], lines) == owners
