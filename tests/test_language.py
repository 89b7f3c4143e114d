"""What the learner reads that ankigen writes, in the deck's language (`language`), and what the
card footer shows (`card_footer`): the settings, the `auto` rule, and the fields of the built
notes in a real Anki collection."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, AnkiCollection, only_apkg, run, write

from ankigen.config import FOOTER_PARTS, LANGUAGES, ConfigError, load_config
from ankigen.diagnostics import Sink
from ankigen.labels import LABELS, SAMPLE, deck_language
from ankigen.model import Card, Span
from ankigen.source.parse import parse_sources
from ankigen.source.sources import read_sources

EN = """\
## What is one plus one? {#sum}

$$1 + 1 = 2$$

$$2 + 1 = 3$$

## What is two times two? {#product}

$$2 \\times 2 = 4$$

## Stride {#stride .reverse}

How far the window moves between two positions.
"""

ZH = """\
## 一加一等于几？ {#sum}

$$1 + 1 = 2$$

$$2 + 1 = 3$$

## 步长 {#stride .reverse}

窗口每次移动的距离。
"""


def _settings(project: Path, *lines: str) -> None:
    with (project / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))


def test_the_table_has_every_language_and_nothing_else() -> None:
    assert tuple(LABELS) == LANGUAGES == ("zh", "en")
    en, zh = LABELS["en"], LABELS["zh"]
    assert (en.checked_text(1), en.checked_text(4)) == ("✓ 1 step of working on this card checked", "✓ 4 steps of working on this card checked")
    assert (zh.checked_text(1), zh.checked_text(4)) == ("✓ 本卡 1 处计算与推导已验算", "✓ 本卡 4 处计算与推导已验算")
    assert (en.cards_text(1), en.cards_text(2), zh.cards_text(2)) == ("1 card", "2 cards", "2 张卡片")


def test_language_and_card_footer_values(project: Path) -> None:
    assert (load_config(project).language, load_config(project).card_footer) == ("auto", ("checks",))
    base = (project / "pyproject.toml").read_text(encoding="utf-8")
    for extra, language, footer in [('language = "zh"', "zh", ("checks",)),
                                    ('language = "en"\ncard_footer = true', "en", ("checks",)),
                                    ('card_footer = false', "auto", ()),
                                    ('card_footer = []', "auto", ()),
                                    ('card_footer = ["source", "checks"]', "auto", FOOTER_PARTS),
                                    ('card_footer = ["source"]', "auto", ("source",))]:
        (project / "pyproject.toml").write_text(base + extra + "\n", encoding="utf-8")
        config = load_config(project)
        assert (config.language, config.card_footer) == (language, footer), extra


def test_bad_values_are_usage_errors_at_their_line(project: Path) -> None:
    write(project / "cards_src/a.md", "## Q {#q}\n\nA\n")
    base = (project / "pyproject.toml").read_text(encoding="utf-8")
    line = len(base.splitlines()) + 2  # after a blank line
    for extra, message in [('language = "fr"', "language must be one of auto, zh, en, not 'fr'"),
                           ('language = "ZH"', "language must be one of auto, zh, en, not 'ZH'"),
                           ("language = 1", "language must be a str"),
                           ('card_footer = "checks"', "card_footer must be true, false or a list of 'checks', "
                                                      "'source'"),
                           ('card_footer = ["checks", "url"]', "not ['checks', 'url']"),
                           ("card_footer = [1]", "card_footer must be true, false or a list"),
                           ("card_footer = 1", "card_footer must be true, false or a list")]:
        (project / "pyproject.toml").write_text(base + "\n" + extra + "\n", encoding="utf-8")
        result = run("check")
        assert result.exit_code == 2, (extra, result.output)
        assert f"pyproject.toml:{line}: " in result.output and message in result.output, (extra, result.output)
        assert "Traceback" not in result.output
        with pytest.raises(ConfigError):
            load_config(project)


def _card(question: str, answer: str = "", extra: str = "") -> Card:
    return Card(id=None, question=question, front_html="", back_html="", deck="d", tags=(), span=Span("a.md", 1),
                front_extra_md=extra, back_md=answer)


def _parsed(path: Path) -> list[Card]:
    sink = Sink()
    cards = parse_sources(read_sources(path, sink, 100_000), load_config(REPO), sink)
    assert cards and not sink.errors
    return cards


def test_auto_picks_zh_for_the_bundled_deck_and_en_for_an_english_one() -> None:
    assert deck_language("auto", _parsed(REPO / "cards_src")) == "zh"
    assert deck_language("auto", _parsed(FIXTURES / "check/true_claims.md")) == "en"
    assert deck_language("auto", _parsed(FIXTURES / "parse/dividers.md")) == "zh"


def test_auto_counts_han_characters_against_words_of_prose() -> None:
    # A Chinese note full of English terms is Chinese: a word of letters counts once, like a Han character.
    assert deck_language("auto", [_card("Batch Normalization 和 Layer Normalization 的区别？", "训练更稳定")]) == "zh"
    assert deck_language("auto", [_card("What does 卷积 mean?", "A kernel slides over the input")]) == "en"
    # Formulas, code, tags and link targets are Latin whatever the language: not counted.
    formula = "$$\\left\\lfloor \\frac{W - K + 2P}{S} \\right\\rfloor + 1$$ 和 $\\frac{a}{b}$"
    assert deck_language("auto", [_card("输出边长？", formula)]) == "zh"
    assert deck_language("auto", [_card("输出边长？", "$\\sqrt{a^2 + b^2} \\cdot \\mathrm{stride}$")]) == "zh"
    assert deck_language("auto", [_card("输出边长？", "```python\nreturn max(zero, value, other)\n```")]) == "zh"
    assert deck_language("auto", [_card("激活函数", "`torch.nn.functional.relu`")]) == "zh"
    assert deck_language("auto", [_card("激活函数", '<span class="note wide" title="a b">见</span>')]) == "zh"
    assert deck_language("auto", [_card("激活函数", "[文档](https://pytorch.org/docs/stable/index)")]) == "zh"
    # The text of the front counts, its cloze markers do not (ReLU and max against 函数的).
    assert deck_language("auto", [_card("ReLU", extra="{{c1::max}} 函数的")]) == "zh"
    # Over the whole deck, not card by card; a tie or no prose at all is en.
    deck = [_card("What is a stride?", "How far it moves"), _card("步长", "窗口移动的距离是多少")]
    assert deck_language("auto", deck) == "zh"
    assert deck_language("auto", [_card("卷 kernel")]) == "en"
    assert deck_language("auto", [_card("$x$", "$$1 + 1 = 2$$")]) == "en"
    assert deck_language("auto", []) == "en"
    # A big deck is sampled evenly across, not by its first cards.
    assert len([_card("x")] * 2500 + [_card("y")] * 5000) > 2 * SAMPLE
    assert deck_language("auto", [_card("What is a stride?")] * 2500 + [_card("步长是什么")] * 5000) == "zh"
    assert deck_language("auto", [_card("步长是什么")] * 900 + [_card("What is a stride?")] * 6000) == "en"
    # A setting is the setting.
    assert deck_language("en", deck) == "en" and deck_language("zh", [_card("Stride")]) == "zh"


def _fields(project: Path, tmp_path: Path, name: str) -> dict[str, dict[str, str]]:
    """The notes of the package just built, by id, as a fresh Anki collection imports them."""
    anki = AnkiCollection(tmp_path / f"{name}.anki2")
    try:
        log = anki.import_apkg(only_apkg(project / "dist"))
        assert not log.conflicting
        return {key: {**dict(note.items()), "cards": len(note.cards())} for key, note in anki.notes().items()}
    finally:
        anki.close()


def test_english_deck_fields_in_anki(project: Path, tmp_path: Path) -> None:
    write(project / "cards_src/words.md", EN)
    _settings(project, "pdf = false")
    assert run("build").exit_code == 0
    notes = _fields(project, tmp_path, "en")
    assert notes["sum"]["Checks"] == '<span class="checks">✓ 2 steps of working on this card checked</span>'
    assert notes["product"]["Checks"] == '<span class="checks">✓ 1 step of working on this card checked</span>'
    assert notes["stride"]["Checks"] == ""  # nothing checked, no source asked for: no footer
    assert {k: n["Source"] for k, n in notes.items()} == {k: f"words.md#{k}" for k in ("sum", "product", "stride")}
    assert notes["stride"]["Reverse"] == "Which question does this answer?" and notes["stride"]["cards"] == 2
    assert notes["sum"]["Reverse"] == "" and notes["sum"]["cards"] == 1


def test_chinese_deck_fields_in_anki(project: Path, tmp_path: Path) -> None:
    write(project / "cards_src/术语.md", ZH)
    _settings(project, "pdf = false")
    assert run("build").exit_code == 0
    notes = _fields(project, tmp_path, "zh")
    assert notes["sum"]["Checks"] == '<span class="checks">✓ 本卡 2 处计算与推导已验算</span>'
    assert notes["stride"]["Reverse"] == "这是哪个问题的答案？" and notes["stride"]["cards"] == 2
    assert notes["sum"]["Source"] == "术语.md#sum"
    # The setting wins over the cards' language.
    _settings(project, 'language = "en"')
    assert run("build").exit_code == 0
    notes = _fields(project, tmp_path, "zh-en")
    assert notes["sum"]["Checks"] == '<span class="checks">✓ 2 steps of working on this card checked</span>'
    assert notes["stride"]["Reverse"] == "Which question does this answer?"


@pytest.mark.parametrize("setting, sum_checks, stride_checks", [
    ("true", '<span class="checks">✓ 2 steps of working on this card checked</span>', ""),
    ("false", "", ""),
    ('["checks", "source"]', '<span class="checks">✓ 2 steps of working on this card checked</span>'
                             '<span class="source">Q&amp;A &lt;1&gt;.md#sum</span>',
     '<span class="source">Q&amp;A &lt;1&gt;.md#stride</span>'),
    ('["source"]', '<span class="source">Q&amp;A &lt;1&gt;.md#sum</span>',
     '<span class="source">Q&amp;A &lt;1&gt;.md#stride</span>'),
], ids=["true", "false", "checks-source", "source"])
def test_card_footer_parts_in_anki(project: Path, tmp_path: Path, setting: str, sum_checks: str,
                                   stride_checks: str) -> None:
    write(project / "cards_src/Q&A <1>.md", EN)
    _settings(project, "pdf = false", f"card_footer = {setting}")
    assert run("build").exit_code == 0
    notes = _fields(project, tmp_path, "footer")
    assert (notes["sum"]["Checks"], notes["stride"]["Checks"]) == (sum_checks, stride_checks)
    assert notes["stride"]["Source"] == "Q&A <1>.md#stride"  # whatever the footer shows
