"""The PDF's own words follow `language`: read back with pypdf."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from conftest import run, write

LONG_EN = "## A very long answer {#long-answer}\n\n" + "\n\n".join(
    f"Paragraph {i}: in backpropagation the gradient is a product of every layer's derivative, so with "
    "many layers it can shrink or grow exponentially; this paragraph is long on purpose." for i in range(1, 30)) + "\n"

SHORT_ZH = "## 什么是步长？ {#stride}\n\n窗口每次移动的像素数。\n"


def _read(project: Path) -> tuple[list[str], list[str]]:
    reader = PdfReader(project / "dist" / "Test deck.pdf")
    return [item.title for item in reader.outline], [p.extract_text() for p in reader.pages]


def test_an_english_deck_has_english_labels(project: Path) -> None:
    write(project / "cards_src/notes.md", LONG_EN + "\n## What is a stride? {#stride}\n\nHow far the window moves.\n")
    result = run("build")
    assert result.exit_code == 0, result.output
    marks, texts = _read(project)
    assert marks == ["Contents", "notes", "Cut-out cards"]
    assert "2 cards · ankigen" in texts[0]
    assert texts[1].startswith("Contents")
    whole = "\n".join(texts)
    assert "flipping on the long edge" in " ".join(whole.split())
    assert "(continued 1/" in whole and "(continued 2/" in whole
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in whole), "no Chinese label is left"


def test_the_setting_wins_over_the_cards_language(project: Path) -> None:
    write(project / "cards_src/术语.md", SHORT_ZH)
    with (project / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write('language = "en"\n')
    assert run("build").exit_code == 0
    marks, texts = _read(project)
    assert marks == ["Contents", "术语", "Cut-out cards"] and "1 card · ankigen" in texts[0]
    (project / "pyproject.toml").write_text(
        (project / "pyproject.toml").read_text(encoding="utf-8").replace('"en"', '"zh"'), encoding="utf-8")
    assert run("build").exit_code == 0
    marks, texts = _read(project)
    assert marks == ["目录", "术语", "裁剪卡片"] and "1 张卡片 · ankigen" in texts[0]
