"""Every card side of the bundled deck and of a deck of hard cases, as Anki's reviewer shows it
at a phone's 360 px and a desktop's 1000 px, light and night (see reviewer.py).

What a learner would see is asserted, not the CSS that should cause it: nothing wider than the
screen, nothing cut off without a sign that it scrolls, no word broken inside, options that each
start a line, no punctuation starting a line, a readable footer, one divider, typeset math.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, AnkiCollection, only_apkg, run
from reviewer import DESKTOP, PHONE, Reviewer, Side, card_sides, chromium

SCREENS = [(PHONE, False), (PHONE, True), (DESKTOP, False), (DESKTOP, True)]


def _deck(folder: Path, cards: Path, pyproject: str) -> Path:
    shutil.copytree(cards, folder / "cards_src")
    (folder / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Side]]:
    if chromium() is None:
        pytest.fail("Chromium is needed to render cards: apt-get install chromium (scripts/setup.sh does)")
    from playwright.sync_api import sync_playwright

    decks = {
        "bundled": _deck(tmp_path_factory.mktemp("bundled"), REPO / "cards_src",
                         (REPO / "pyproject.toml").read_text(encoding="utf-8")),
        "hard": _deck(tmp_path_factory.mktemp("hard"), FIXTURES / "phone",
                      '[tool.ankigen]\nroot_deck = "Phone"\nnamespace = "ankigen-phone"\npdf = false\n'
                      'language = "zh"\n'),
    }
    out: dict[str, list[Side]] = {}
    with sync_playwright() as playwright:
        for name, folder in decks.items():
            with pytest.MonkeyPatch.context() as mp:
                mp.chdir(folder)
                result = run("build", "--no-pdf")
            assert result.exit_code == 0, result.output
            col = AnkiCollection(folder / "collection.anki2")
            try:
                log = col.import_apkg(only_apkg(folder / "dist"))
                assert not log.conflicting
                reviewer = Reviewer(playwright, Path(col.col.media.dir()))
                try:
                    out[name] = [reviewer.render(side, html, ord_, width, night)
                                 for width, night in SCREENS for side, html, ord_ in card_sides(col.col)]
                finally:
                    reviewer.close()
            finally:
                col.close()
    return out


def _all(rendered: dict[str, list[Side]]) -> list[Side]:
    return [s for sides in rendered.values() for s in sides]


def _problems(rendered, check) -> list[str]:
    return [f"{s.where()}: {p}" for s in _all(rendered) for p in check(s.facts)]


def test_every_card_side_was_rendered(rendered) -> None:
    hard = {s.name for s in rendered["hard"]}
    for case in ("wide-table", "long-inline", "long-display", "statements", "long-code", "options", "derivation-chain",
                 "options-paragraphs", "options-list", "short-answer", "headings", "lone-lines", "table-17", "code-40",
                 "cloze-formula/1", "cloze-formula/2", "reversed/2", "image", "display-in-sentence",
                 "wider-inline", "array-in-line", "assistive-mml"):
        assert any(n.startswith(case) for n in hard), case
    assert len(rendered["bundled"]) >= 4 * 2 * 100


def test_no_side_is_wider_than_the_screen(rendered) -> None:
    assert _problems(rendered, lambda f: [f"{f['document_width']} px wide"]
                     if f["document_width"] > f["viewport"] else []) == []


def test_nothing_is_cut_off_without_a_cue(rendered) -> None:
    assert _problems(rendered, lambda f: f["hidden"]) == []


def test_no_word_is_broken_inside(rendered) -> None:
    assert _problems(rendered, lambda f: [f"broken {w!r}" for w in f["broken"]]
                     + [f"stacked {w!r}" for w in f["stacked"]]) == []


def test_math_is_typeset(rendered) -> None:
    assert _problems(rendered, lambda f: ([f"{f['math_errors']} MathJax errors"] if f["math_errors"] else [])
                     + [f"raw TeX {t!r}" for t in f["raw_tex"]]) == []


def test_punctuation_never_starts_a_line_after_math(rendered) -> None:
    assert _problems(rendered, lambda f: f["orphans"]) == []


def test_options_each_start_a_line(rendered) -> None:
    fronts = [s for s in _all(rendered) if s.name.endswith("front") and len(s.facts["options"]) >= 3]
    assert any(s.name.startswith("options") for s in fronts)
    assert sum(s.name.startswith("mcq") for s in fronts) >= 4 * 4, "the bundled multiple-choice cards"
    assert [f"{s.where()}: {o['marker']}" for s in fronts for o in s.facts["options"] if not o["starts_line"]] == []


def test_the_answer_marks_its_options_on_the_back_only(rendered) -> None:
    sides = [s for s in _all(rendered) if s.name.split("/")[0].startswith(("mcq", "options")) and s.facts["options"]]
    marked = {s.where(): [o["marker"][0] for o in s.facts["options"] if o["marked"]] for s in sides}
    fronts = {w: m for w, m in marked.items() if " front " in w}
    backs = {w: m for w, m in marked.items() if " back " in w}
    assert fronts and all(m == [] for m in fronts.values()), fronts
    assert len(backs) >= 4 * 7 and all(backs.values()), {w: m for w, m in backs.items() if not m}
    assert all(m == ["A", "C"] for w, m in backs.items() if w.startswith("options-paragraphs")), backs
    assert all(m == ["C"] for w, m in backs.items() if w.startswith(("options-list", "options/"))), backs


def test_footer_is_readable_and_aligned_with_the_text(rendered) -> None:
    backs = [s for s in _all(rendered) if s.facts["footer"]]
    assert len(backs) >= 4 * 60
    problems = []
    for s in backs:
        for part in s.facts["footer"]:
            if part["contrast"] < 4.5:
                problems.append(f"{s.where()}: {part['text']!r} at {part['contrast']:.2f}:1")
        if abs(s.facts["footer"][0]["left"] - s.facts["body_left"]) > 1:
            problems.append(f"{s.where()}: footer at {s.facts['footer'][0]['left']}, text at {s.facts['body_left']}")
        if any("已验算" not in p["text"] for p in s.facts["footer"]):
            problems.append(f"{s.where()}: footer not in the deck's language: {s.facts['footer']}")
    assert problems == []


def test_one_divider_between_question_and_answer(rendered) -> None:
    assert _problems(rendered, lambda f: [f"{f['dividers']} divider lines"] if f["dividers"] > 1 else []) == []


def test_headings_inside_an_answer_are_never_smaller_than_its_text(rendered) -> None:
    sides = [s for s in rendered["hard"] if s.name == "headings/1 back"]
    assert len(sides) == 4 and all({h["tag"] for h in s.facts["headings"]} >= {"h4", "h5", "h6"} for s in sides)
    assert _problems(rendered, lambda f: [f"{h['tag']} at {h['px']} px under {f['text_px']} px text"
                                          for h in f["headings"] if f["text_px"] and h["px"] < f["text_px"] - 0.5]) == []


def test_a_one_line_answer_is_set_larger_than_the_text(rendered) -> None:
    sides = [s for s in rendered["hard"] if s.name == "short-answer/1 back"]
    assert len(sides) == 4
    for s in sides:
        body = 17 if s.facts["viewport"] < 500 else 19  # card.css: the text's size on a phone and a desktop
        assert s.facts["short_px"] and min(s.facts["short_px"]) >= 1.15 * body, (s.where(), s.facts["short_px"])


def test_code_is_at_least_14_px(rendered) -> None:
    assert _problems(rendered, lambda f: [f"code at {px} px" for px in f["code_px"] if px < 14]) == []


def test_a_wrapped_line_of_code_hangs_under_its_own_text(rendered) -> None:
    wraps = [(s, w) for s in _all(rendered) for w in s.facts["code_wraps"]]
    assert any(s.name.startswith("long-code") for s, _ in wraps), "the hard case's long comment must wrap on a phone"
    assert [f"{s.where()}: {w['text']!r} continues at {w['continued']:.0f}, its text starts at {w['own']:.0f}"
            for s, w in wraps if w["continued"] < w["own"] + w["ch"]] == []


def test_deletions_in_formulas_are_highlighted_on_their_own_card(rendered) -> None:
    sides = [s for s in rendered["hard"] if s.name.startswith("cloze-formula")]
    in_math = [(s, c) for s in sides for c in s.facts["clozes"] if c["in_math"] and c["text"]]
    assert len(in_math) >= 4 * 4
    for s, c in in_math:
        assert (c["color"] != s.facts["text_color"]) == c["active"], (s.where(), c)
        in_text = [t["color"] for t in s.facts["clozes"] if not t["in_math"] and t["active"]]
        if c["active"] and in_text:
            assert c["color"] == in_text[0], s.where()
    blanks = [c for s, c in in_math if c["active"] and s.name.endswith("front")]
    assert blanks and all(c["text"] == "[...]" for c in blanks)


def test_reversed_card_has_a_prompt_and_the_footer(rendered) -> None:
    front = [s for s in rendered["hard"] if s.name == "reversed/2 front"]
    back = [s for s in rendered["hard"] if s.name == "reversed/2 back"]
    assert len(front) == len(back) == 4
    assert all(s.facts["text"].startswith("这是哪个问题的答案") for s in front), front[0].facts["text"]
    assert all(s.facts["footer"] for s in back)


def test_images_load_and_fit(rendered) -> None:
    with_images = [s for s in _all(rendered) if s.facts["images"]]
    assert {s.name.split("/")[0] for s in with_images} >= {"image", "stacked-3x3"}
    assert _problems(rendered, lambda f: [f"{i['src']} not shown" for i in f["images"] if not i["loaded"]]
                     + [f"{i['src']} past the edge" for i in f["images"] if i["right"] > f["viewport"]]) == []



def _swipes(side: Side) -> list[str]:
    return [f"{side.where()}: {box['what']} hides {box['more']} px" for box in side.facts["scrolling"] if box["math"]
            and not box["what"].startswith("table")]


def test_results_of_formulas_are_in_view_on_a_phone(rendered) -> None:
    phone = [s for s in _all(rendered) if s.facts["viewport"] < 500]
    # A derivation chain, a long sum, a long objective written inline: rows, no swipe.
    hard = [p for s in phone if s.name.split("/")[0] in ("derivation-chain", "long-inline", "long-display", "statements")
            for p in _swipes(s)]
    assert hard == []
    # In the whole bundled deck, only what cannot break (a single long term) may scroll.
    bundled = {s.name for s in rendered["bundled"] if s.facts["viewport"] < 500 and _swipes(s)}
    assert len(bundled) <= 2, sorted(p for s in rendered["bundled"] for p in _swipes(s))


def test_an_inline_formula_on_a_line_of_its_own_is_display_style(rendered) -> None:
    sides = [s for s in rendered["hard"] if s.name == "long-inline/1 back"]
    assert len(sides) == 4
    for s in sides:
        assert (s.facts["display_math"] > 0) == (s.facts["viewport"] < 500), s.where()


def test_a_formula_written_twice_is_shown_once(rendered) -> None:
    assert _problems(rendered, lambda f: [f"{f['twins_shown']} formulas shown twice"] if f["twins_shown"] else []) == []


def test_no_question_or_heading_ends_in_a_line_of_one_character(rendered) -> None:
    assert _problems(rendered, lambda f: [f"lone last character in «{t}»" for t in f["lone"]]) == []


def test_the_reversed_cards_prompt_lines_up_with_its_text(rendered) -> None:
    sides = [s for s in _all(rendered) if s.facts["prompt_left"] is not None]
    assert sides, "no reversed card was rendered"
    assert [f"{s.where()}: prompt at {s.facts['prompt_left']:.0f} px, text at {s.facts['body_left']:.0f} px"
            for s in sides if abs(s.facts["prompt_left"] - s.facts["body_left"]) > 2] == []


def test_a_table_of_short_cells_is_as_narrow_as_its_content(rendered) -> None:
    sides = [s for s in rendered["hard"] if s.name == "table-17/1 back"]
    assert len(sides) == 4
    wide = [s for s in sides if s.facts["viewport"] > 500]
    assert [f"{s.where()}: {box['what']} hides {box['more']} px" for s in wide for box in s.facts["scrolling"]] == []
    phone = [s for s in sides if s.facts["viewport"] < 500]
    assert all(s.facts["sticky_first_column"] for s in phone), "the first column stays in view while the table scrolls"
