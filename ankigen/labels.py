"""The words a learner reads that ankigen writes, not the author: the card footer, the reversed
card's prompt and the PDF's labels, in each language of the `language` setting. One table, so a
language is added in one place and a card never speaks another language than its deck's PDF."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ankigen.config import LANGUAGES
from ankigen.model import Card


@dataclass(frozen=True)
class Labels:
    checked: tuple[str, str]  # the footer badge, for one checked formula and for {n}
    reverse_prompt: str  # above the answer when it is asked as the reversed card's question
    cards: tuple[str, str]  # the PDF's subtitle: how many cards
    contents: str
    cut_out: str  # the heading (and bookmark) of the cut-out cards
    cut_out_intro: str  # how to print them; plain text, escaped where it is typeset
    continued: str  # after the question of a cut-out card whose answer goes on over {total}
    too_big: str  # instead of a part of an answer no cut-out card can hold at a readable size
    cut_short: str  # after the part of an answer too long to print that the study sheet prints
    typst_lang: str  # Typst's text settings: line breaking and quotation marks follow them

    def checked_text(self, n: int) -> str:
        return self.checked[n != 1].format(n=n)

    def cards_text(self, n: int) -> str:
        return self.cards[n != 1].format(n=n)


LABELS = {
    "zh": Labels(
        # what was checked, as a learner counts it: steps of working, not "formulas" (a card
        # showing two formulas may hold five checked steps)
        checked=("✓ 本卡 {n} 处计算与推导已验算", "✓ 本卡 {n} 处计算与推导已验算"),
        reverse_prompt="这是哪个问题的答案？",
        cards=("{n} 张卡片", "{n} 张卡片"),
        contents="目录",
        cut_out="裁剪卡片",
        cut_out_intro="正面在奇数页、背面在其后的偶数页。双面打印时选择“长边翻转”，沿虚线裁开后，"
                      "每张卡片的背面恰好是它的答案。",
        continued="（续 {n}/{total}）",
        too_big="（这一部分放不进卡片，见学习页上的卡片 {id}）",
        cut_short="（答案的其余部分太长，没有印出：请在 Anki 中阅读卡片 {id}）",
        typst_lang='lang: "zh", region: "cn"',
    ),
    "en": Labels(
        checked=("✓ {n} step of working on this card checked", "✓ {n} steps of working on this card checked"),
        reverse_prompt="Which question does this answer?",
        cards=("{n} card", "{n} cards"),
        contents="Contents",
        cut_out="Cut-out cards",
        cut_out_intro="Fronts are on the odd pages, each page's backs on the even page after it. Print "
                      "double-sided, flipping on the long edge, and cut along the dashed lines: the back "
                      "of every card is its answer.",
        continued="(continued {n}/{total})",
        too_big="(This part does not fit on a card: see card {id} on the study sheet.)",
        cut_short="(The rest of this answer is too long to print: read card {id} in Anki.)",
        typst_lang='lang: "en"',
    ),
}
assert tuple(LABELS) == LANGUAGES

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# Formulas, code, HTML tags, link targets and cloze markers are written in Latin letters
# whatever the deck's language: only the prose around them tells.
_NOT_PROSE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$|\\\(.*?\\\)|\\\[.*?\\\]"
                        r"|<[^>\n]*>|\]\([^)\n]*\)|\{\{c\d+::", re.S)
HAN_CHAR = re.compile(f"[{_HAN}]")  # also what parse weighs a front's prose by
_WORD = re.compile(rf"[^\W\d_{_HAN}]+")  # a run of letters other than Han characters
# Cards looked at, taken evenly across the deck: as telling as every card, and a 100,000-card
# deck pays a tenth of a second for them instead of seconds.
SAMPLE = 2_000


def deck_language(setting: str, cards: list[Card] | tuple[Card, ...]) -> str:
    """The language of the deck: the setting, or for `auto` zh when most of the cards' prose is
    Chinese, else en. A Han character counts as one and so does a word of other letters (a
    Chinese note full of English terms such as "Batch Normalization 的作用" is still Chinese);
    zh when Han characters are more than half of these, in questions and answers outside
    formulas, code and HTML tags, over every card of the deck (every n-th of a deck larger than
    SAMPLE). Kana and hangul count as other letters: zh labels suit neither."""
    if setting != "auto":
        return setting
    han = words = 0
    for card in cards[::max(1, len(cards) // SAMPLE)]:
        prose = _NOT_PROSE.sub(" ", "\n".join((card.question, card.front_extra_md, card.back_md)))
        han += len(HAN_CHAR.findall(prose))
        words += len(_WORD.findall(prose))
    return "zh" if han > words else "en"
