"""The printable PDF, read back with pypdf: content, fonts, duplex geometry, continuations."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import run, write

DECK = """\
---
deck: Test deck::卷积
---

## 卷积输出尺寸怎么算？ {#conv-size}

$$N = \\left\\lfloor \\frac{W - K + 2P}{S} \\right\\rfloor + 1$$

向下取整不能省，例如 $W = 224$ 时输出 112。

## 什么是步长？ {#stride}

窗口每次移动的像素数 $S$。

## 选择题：下列哪个是激活函数？ {#mcq}

A. ReLU

B. SGD

---

**A**。SGD 是优化算法。
"""

LONG = "## 一个很长的回答 {#long-answer}\n\n" + "\n\n".join(
    f"第 {i} 段：反向传播时梯度是各层导数的连乘，层数多时会指数级变小或变大，这一段文字故意写得很长。" * 2
    for i in range(1, 30)) + "\n"


def _pdf(project: Path) -> Path:
    return project / "dist" / "Test deck.pdf"


def _positions(page) -> dict[str, tuple[float, float]]:
    """Where each card id (printed in monospace) starts on the page."""
    found: dict[str, tuple[float, float]] = {}

    def visit(text, cm, tm, font, size):
        word = text.strip()
        if re.fullmatch(r"[a-z][a-z0-9-]+", word) and word not in found:
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found[word] = (x, y)

    page.extract_text(visitor_text=visit)
    return found


def test_pdf_has_every_question_cjk_font_and_no_raw_tex(project: Path) -> None:
    write(project / "cards_src/cnn.md", DECK)
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "wrote dist/Test deck.pdf" in result.output
    reader = PdfReader(_pdf(project))
    text = "\n".join(p.extract_text() for p in reader.pages)
    for question in ("卷积输出尺寸怎么算？", "什么是步长？", "选择题：下列哪个是激活函数？"):
        assert question in text.replace(" ", "")
    assert "\\frac" not in text and "$$" not in text and "\\lfloor" not in text
    fonts = set()
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont")))
    assert any("CJK" in f for f in fonts), fonts


def test_fronts_and_backs_sit_at_mirrored_positions(project: Path) -> None:
    write(project / "cards_src/cnn.md", DECK)
    assert run("build").exit_code == 0
    reader = PdfReader(_pdf(project))
    pages = [i for i, p in enumerate(reader.pages) if "conv-size" in p.extract_text()]
    front, back = pages[-2], pages[-1]  # the study sheet mentions ids too; the card pages come last
    assert front % 2 == 0, "fronts must be on odd (recto) pages"
    width = float(reader.pages[front].mediabox.width)
    fpos, bpos = _positions(reader.pages[front]), _positions(reader.pages[back])
    assert set(fpos) >= {"conv-size", "stride", "mcq"} and set(bpos) >= {"conv-size", "stride", "mcq"}
    cell = (width - 2 * 10 * 72 / 25.4) / 2
    for card in ("conv-size", "stride", "mcq"):
        (fx, fy), (bx, by) = fpos[card], bpos[card]
        assert abs(fy - by) < 1.0, card  # same row
        front_col = int((fx - 10 * 72 / 25.4) // cell)
        back_col = int((bx - 10 * 72 / 25.4) // cell)
        assert back_col == 1 - front_col, card  # mirrored across the long edge
    assert fpos["conv-size"][0] < fpos["stride"][0]


def test_long_answer_continues_on_another_card_with_a_warning(project: Path) -> None:
    write(project / "cards_src/long.md", LONG)
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "warning[O010]: card 'long-answer' is too long for one cut-out card: continued on" in result.output
    text = "\n".join(p.extract_text() for p in PdfReader(_pdf(project)).pages)
    assert "续 1/" in text and "续 2/" in text
    assert "第 29 段" in text.replace("\n", "")


def test_no_pdf_and_paper_options(project: Path) -> None:
    write(project / "cards_src/cnn.md", DECK)
    assert run("build", "--no-pdf").exit_code == 0
    assert not _pdf(project).exists()
    assert run("build", "--paper", "letter", "--cards-per-page", "3x5").exit_code == 0
    box = PdfReader(_pdf(project)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    assert run("build", "--cards-per-page", "9x9").exit_code == 2


def test_missing_font_fails_the_pdf_clearly_but_not_the_deck(project: Path) -> None:
    write(project / "cards_src/cnn.md", DECK)
    with open(project / "pyproject.toml", "a", encoding="utf-8") as f:
        f.write('pdf_font = "No Such Font"\n')
    result = run("build")
    assert result.exit_code == 1
    assert "pyproject.toml:4:1: error[O002]: font 'No Such Font' is not installed" in result.output
    assert "fonts-noto-cjk" in result.output
    assert sorted(p.name for p in (project / "dist").iterdir()) == ["Test deck.apkg"]


def test_characters_no_font_covers_are_a_warning_and_the_pdf_is_written(project: Path) -> None:
    write(project / "cards_src/glyphs.md", "## 象形文字 {#glyphs}\n\n𓀀 是埃及象形文字。\n")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "glyphs.md:1:1: warning[O003]: no installed font has U+13000 ('𓀀')" in result.output
    assert _pdf(project).read_bytes().startswith(b"%PDF")
    assert (project / "dist/Test deck.apkg").exists()


def test_the_fonts_are_read_once_and_their_coverage_kept_for_every_character(project: Path, monkeypatch) -> None:
    """An edit that brings new characters is judged from the coverage the first build kept
    (reading the fonts' tables costs most of a second): covered ones pass, a missing one is found."""
    from ankigen.pdf import fonts as pdf_fonts

    write(project / "cards_src/a.md", "## 问题 {#a}\n\n答案。\n")
    assert run("build").exit_code == 0
    monkeypatch.setattr(pdf_fonts, "_covered", lambda paths: pytest.fail("the fonts were read again"))
    write(project / "cards_src/a.md", "## 问题 {#a}\n\n篇幅与𓀀。\n")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "a.md:1:1: warning[O003]: no installed font has U+13000 ('𓀀')" in result.output
    assert "U+7BC7" not in result.output  # 篇, new to the deck, is in the fonts


def _emoji_font_installed() -> bool:
    import typst

    from ankigen.pdf.fonts import EMOJI_FONT

    return EMOJI_FONT in typst.Fonts().families()


def test_an_emoji_prints_in_colour_when_the_emoji_font_is_installed(project: Path) -> None:
    if not _emoji_font_installed():
        pytest.skip("fonts-noto-color-emoji is not installed (scripts/setup.sh installs it)")
    write(project / "cards_src/e.md", "## 学会了吗？ {#emoji}\n\n学会了 🎉 继续加油 🚀\n")
    result = run("build")
    assert result.exit_code == 0 and "O003" not in result.output, result.output
    assert "/Type3" in _font_types(_pdf(project))  # Typst embeds colour glyphs as a Type 3 font


def test_an_emoji_without_an_emoji_font_is_a_warning(project: Path, monkeypatch) -> None:
    from ankigen.pdf import fonts as pdf_fonts

    monkeypatch.setattr(pdf_fonts, "EMOJI_FONT", "No Such Emoji Font")  # as on a machine without it
    write(project / "cards_src/e.md", "## 学会了吗？ {#emoji}\n\n学会了 🎉\n")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "e.md:1:1: warning[O003]: no installed font has U+1F389 ('🎉')" in result.output
    assert _pdf(project).read_bytes().startswith(b"%PDF")


def _font_types(path: Path) -> set[str]:
    return {str(font.get_object().get("/Subtype")) for page in PdfReader(path).pages
            for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values()}


@pytest.mark.parametrize("hostile", ["#import \"x.typ\"", "#read(\"/etc/passwd\")", "$ #eval(\"1\") $",
                                     "] #panic(\"x\") ["])
def test_typst_syntax_in_sources_is_text(project: Path, hostile: str) -> None:
    write(project / "cards_src/h.md", f"## Q {{#q}}\n\n{hostile}\n")
    assert run("build").exit_code == 0
    text = "".join(p.extract_text() for p in PdfReader(_pdf(project)).pages)
    assert hostile.split("(")[0].strip("$ ]") in text


def test_an_undecodable_image_is_left_out_of_the_pdf_with_a_warning(project: Path) -> None:
    write(project / "cards_src/img.md", "## 图 {#pic}\n\n![坏图](broken.png)\n")
    (project / "cards_src/broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "warning[O005]: image cannot be drawn in the PDF: broken.png" in result.output
    assert _pdf(project).exists() and (project / "dist/Test deck.apkg").exists()


def test_images_are_drawn_in_the_pdf(project: Path) -> None:
    from conftest import PNG

    write(project / "cards_src/图.md", "## 有图的卡片 {#with-image}\n\n![方块](图片/方块.png)\n")
    (project / "cards_src/图片").mkdir()
    (project / "cards_src/图片/方块.png").write_bytes(PNG)
    result = run("build")
    assert result.exit_code == 0 and "O005" not in result.output, result.output
    reader = PdfReader(_pdf(project))
    images = [page for page in reader.pages if page.images]
    assert len(images) == 2  # the study sheet and the back of the card (the front has none)
    assert "[图片" not in "".join(p.extract_text() for p in reader.pages)


def test_a_translation_typst_refuses_is_drawn_alone_with_a_warning_at_the_formula(project, monkeypatch):
    """Simulates a translation bug in one formula: that formula is drawn, every other one stays
    Typst math, and the warning stands at the formula."""
    import ankigen.pdf.layout
    from ankigen.pdf.texmath import to_typst

    def buggy(latex, display):
        return "$ #bad-call() $" if "mc^2" in latex else to_typst(latex, display)

    monkeypatch.setattr(ankigen.pdf.layout, "to_typst", buggy)
    write(project / "cards_src" / "a.md", "## 质能？ {#f}\n\n$$E = mc^2$$\n\n## 平方？ {#g}\n\n行内 $x^2$。\n")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert ("a.md:3:3: warning[O021]: Typst refused the translation of a formula; it is drawn as an image: "
            "E = mc^2") in result.output
    assert "a.md:5:1" not in result.output
    reader = PdfReader(_pdf(project))
    assert any(page.images for page in reader.pages) or "/XObject" in str(reader.pages[2].get("/Resources"))


def test_cloze_cards_on_paper_hide_then_fill_the_deletions(project):
    from pypdf import PdfReader

    write(project / "cards_src/a.md", "## Sigmoid 的值域是 {{c1::(0, 1)::区间}} {#sig-range}\n\n见图。\n")
    assert run("build").exit_code == 0
    text = "\n".join(p.extract_text() for p in PdfReader(project / "dist" / "Test deck.pdf").pages)
    assert "[区间]" in text and "(0, 1)" in text and "{{c1::" not in text


def test_deletions_in_the_answer_show_as_blanks_on_the_front(project):
    from pypdf import PdfReader

    write(project / "cards_src/a.md", "## 卷积输出多大？ {#out}\n\n输出为 {{c1::112}}，步长为 {{c2::2::几}}。\n")
    assert run("build").exit_code == 0
    pages = [p.extract_text() for p in PdfReader(project / "dist" / "Test deck.pdf").pages]
    fronts = [t for t in pages if "卷积输出多大" in t and "[…]" in t]
    assert fronts and "[几]" in fronts[-1] and "112" not in fronts[-1]
    assert any("112" in t and "2" in t and "[…]" not in t for t in pages)


def test_a_formula_shared_by_two_cards_survives_removing_the_first(project: Path) -> None:
    # Each card's cached Typst markup must carry every display formula it uses, not only those
    # no earlier card had: otherwise the second card, restored from the cache alone, lost it.
    shared = "$$N = \\frac{W - K}{S} + 1$$"
    write(project / "cards_src/a.md", f"## First {{#first}}\n\n{shared}\n\n## Second {{#second}}\n\n{shared}\n")
    assert run("build").exit_code == 0
    write(project / "cards_src/a.md", f"## Second {{#second}}\n\n{shared}\n")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "Second" in "".join(p.extract_text() for p in PdfReader(_pdf(project)).pages)


BLOCKS = """\
## 激活函数怎么比？ {#compare}

| 函数 | 值域 |
|---|---|
| Sigmoid | (0, 1) |
| ReLU | [0, ∞) |

> 引用：ReLU 在正半轴上梯度恒为 1。

详见 [PyTorch 文档](https://pytorch.org/docs/stable/nn.html)。

***

分隔线之后的一段。
"""


def test_tables_quotes_links_and_rules_reach_the_pdf(project: Path) -> None:
    write(project / "cards_src/blocks.md", BLOCKS)
    result = run("build")
    assert result.exit_code == 0, result.output
    reader = PdfReader(_pdf(project))
    text = "\n".join(p.extract_text() for p in reader.pages).replace(" ", "")
    for cell in ("函数", "值域", "Sigmoid", "(0,1)", "ReLU", "[0,∞)"):
        assert cell in text, cell
    assert "引用：ReLU在正半轴上梯度恒为1。" in text
    assert "PyTorch文档" in text and "分隔线之后的一段。" in text
    assert "|---|" not in text and "> 引用" not in text and "***" not in text
    assert "](https" not in text  # a link prints as its text: paper cannot follow a URL
    # The table's cells stand side by side: the header row's two cells share a baseline.
    rows: dict[str, float] = {}

    def visit(chunk, cm, tm, font, size):
        word = chunk.strip()
        if word in ("函数", "值域") and word not in rows:
            rows[word] = tm[5] * cm[3] + cm[5]

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    assert set(rows) == {"函数", "值域"} and abs(rows["函数"] - rows["值域"]) < 1.0


FIXTURES = Path(__file__).parent.parent / "fixtures" / "pdf"


def _sizes(page) -> list[tuple[float, str, str]]:
    """(size in points as printed, text, font name) of each run of text on a page."""
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            scale = ((tm[2] * cm[0] + tm[3] * cm[2]) ** 2 + (tm[2] * cm[1] + tm[3] * cm[3]) ** 2) ** 0.5
            runs.append((size * scale, text.strip(), str(font.get("/BaseFont", "")) if font else ""))

    page.extract_text(visitor_text=visit)
    return runs


def test_no_cut_out_card_prints_below_the_floor_and_every_continuation_exists(project: Path) -> None:
    source = (FIXTURES / "long_cards.md").read_text(encoding="utf-8")
    write(project / "cards_src/long.md", source)
    result = run("build")
    assert result.exit_code == 0, result.output
    ids = re.findall(r"\{#([a-z0-9-]+)\}", source)
    reader = PdfReader(_pdf(project))
    marks = {item.title: reader.get_destination_page_number(item) for item in reader.outline}
    first = marks["裁剪卡片"]
    assert first % 2 == 0, "fronts on an odd page"
    pages = reader.pages[first:]
    texts = [p.extract_text() for p in pages]
    assert all(t.strip() for t in texts), "no blank page among the cut-out cards"
    assert "双面打印" in texts[0], "how to print them shares the first page of fronts"

    runs = [run for page in pages for run in _sizes(page) if run[1] not in ids]
    smallest = min(size for size, text, font in runs if "Math" not in font)
    assert smallest >= 7.0 - 0.05, smallest
    # Math has smaller scripts by design; a formula too wide for the card breaks into rows rather
    # than shrinking, so its base-level symbols keep the floor too.
    zeta = [size for size, text, font in runs if "Math" in font and "𝜁" in text]
    assert zeta and min(zeta) >= 7.0 - 0.05, zeta

    fronts = "".join(texts[::2]).replace(" ", "").replace("\n", "")
    for card in ("code-40", "table-60", "paragraph-70"):
        total = int(re.search(rf"'{card}' is too long for one cut-out card: continued on (\d+) cards",
                              result.output).group(1))
        assert total >= 2, card
    continued = re.findall(r"([\u4e00-\u9fff]+)（续1/(\d+)）", fronts)
    assert len(continued) == 3, continued
    for question, n in continued:
        for k in range(1, int(n) + 1):
            assert f"{question}（续{k}/{n}）" in fronts, (question, k, n)
    backs = "".join(texts[1::2]).replace(" ", "").replace("\n", "")
    assert "h40=block_40(h39)" in backs and "h1=block_1(h0)" in backs, "every line of the code is printed"
    assert backs.count("layer") >= 2 and "conv60" in backs, "each part of a long table repeats its header"
    assert "第70句" in backs
    assert "见学习页上的卡片tall-formula" in backs and "之后还有一句话" in backs
    assert ("'tall-formula' is too long for one cut-out card: 1 part(s) too big for any card printed only on "
            "the study sheet") in result.output


def test_cloze_text_once_on_the_study_sheet_and_mcq_answers_marked(project: Path) -> None:
    source = (FIXTURES / "long_cards.md").read_text(encoding="utf-8")
    write(project / "cards_src/long.md", source)
    assert run("build").exit_code == 0
    reader = PdfReader(_pdf(project))
    marks = {item.title: reader.get_destination_page_number(item) for item in reader.outline}
    study = "".join(p.extract_text() for p in reader.pages[:marks["裁剪卡片"]]).replace(" ", "")
    assert study.count("最大值是") == 1 and "[…]" not in study, "a cloze card's text once, filled in"
    assert "C.Dropout✓" in study and "A.ReLU✓" not in study, "the correct option is marked on the study sheet"
    cards = [p.extract_text().replace(" ", "") for p in reader.pages[marks["裁剪卡片"]:]]
    mcq_front = next(t for t in cards if "以下哪个不是激活函数" in t)
    assert "✓" not in mcq_front, "a front gives nothing away"
    assert any("C.Dropout✓" in t and "Dropout是正则化方法" in t for t in cards[1::2]), "the back names the option"
    # the filled-in words are marked on the answer side: a highlight drawn behind them
    back = next(p for p in reader.pages[marks["裁剪卡片"]:][1::2] if "0.25" in p.extract_text())
    assert b"0.99215686 0.9137255 0.65882355 scn" in back.get_contents().get_data(), "the filled-in words are highlighted"


def test_an_answer_no_dozen_cards_could_hold_is_read_on_the_study_sheet(project: Path) -> None:
    rows = "".join(f"| {i} | {i * i} |\n" for i in range(3000))
    write(project / "cards_src/table.md", f"## 平方表 {{#squares}}\n\n| n | n² |\n|---|---|\n{rows}")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert ("'squares' is too long for one cut-out card: it would fill more than 12 cards, so it is printed "
            "only on the study sheet") in result.output
    reader = PdfReader(_pdf(project))
    marks = {item.title: reader.get_destination_page_number(item) for item in reader.outline}
    study = "".join(p.extract_text() for p in reader.pages[:marks["裁剪卡片"]]).replace(" ", "")
    assert "2999" in study and "8994001" in study, "the whole table is on the study sheet"
    cards = [p.extract_text().replace(" ", "").replace("\n", "") for p in reader.pages[marks["裁剪卡片"]:]]
    assert len(cards) == 2 and "见学习页上的卡片squares" in cards[1]


def test_an_answer_of_megabytes_is_translated_only_as_far_as_the_sheet_prints(project: Path) -> None:
    """A generated formula of 470,000 characters between two paragraphs: the PDF translates the
    head of the answer only (the formula cost half a minute and a gigabyte), prints the first
    paragraph and points to Anki for the rest, and says how long the answer is."""
    huge = " + ".join(f"a_{{{i}}}" for i in range(40000))
    write(project / "cards_src/dump.md", f"## 展开式 {{#dump}}\n\n开头一段。\n\n$$S = {huge}$$\n\n结尾一段。\n")
    result = run("build")
    assert result.exit_code == 0, result.output
    assert re.search(r"dump.md:1:1: warning\[O011\]: card 'dump' is too long to print whole \(4\d\d,\d{3} characters",
                     result.output), result.output
    text = "".join(page.extract_text() for page in PdfReader(_pdf(project)).pages).replace("\n", "")
    assert "开头一段" in text and "请在 Anki 中阅读卡片 dump" in text and "结尾一段" not in text
    with zipfile.ZipFile(project / "dist/Test deck.apkg") as z:
        assert "结尾一段".encode() in z.read("collection.anki2")  # Anki has the whole answer


def test_an_answer_too_long_to_print_is_cut_between_rows_and_says_where_the_rest_is(project: Path) -> None:
    """A data dump (15,000 rows) costs seconds, not minutes: the study sheet prints its first rows
    under the header, then a line pointing to Anki; the note itself stays whole."""
    rows = "".join(f"| {n} | {n * n} |\n" for n in range(1, 15001))
    write(project / "cards_src/dump.md", "## 平方表 {#squares}\n\n| n | 平方 |\n|---|---|\n" + rows)
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "dump.md:1:1: warning[O011]: card 'squares' is too long to print whole" in result.output
    text = "".join(page.extract_text() for page in PdfReader(_pdf(project)).pages)
    flat = text.replace("\n", "").replace(" ", "")
    assert "12321" in flat and "224700100" not in flat  # 111²'s row is printed, 14990²'s is not
    assert "请在 Anki 中阅读卡片 squares" in text.replace("\n", "")
    with zipfile.ZipFile(project / "dist/Test deck.apkg") as z:
        assert b"224700100" in z.read("collection.anki2")  # 14990² = 224,700,100: Anki has every row
