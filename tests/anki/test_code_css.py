"""code.css, the colours of highlighted code: generated once, committed, readable day and night."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from ankigen.anki import notetype
from ankigen.source.markdown import highlight_code
from conftest import REPO, only_apkg, run, write

CODE_CSS = REPO / "ankigen" / "anki" / "templates" / "code.css"
PANEL = ".ankigen pre.code"
MODES = {"day": "", "nightMode": ".nightMode ", "night_mode": ".night_mode "}
COMMENTS = ("c", "c1", "ch", "cm", "cpf", "cs")


def _generator():
    spec = importlib.util.spec_from_file_location("code_css", REPO / "scripts" / "code_css.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rules(css: str) -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) for each selector of each rule, comments left out."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        decls = dict(tuple(part.strip() for part in d.split(":", 1)) for d in body.split(";") if d.strip())
        found += [(s.strip(), decls) for s in selectors.split(",")]
    return found


def by_mode(css: str) -> dict[str, dict[str, dict[str, str]]]:
    """Mode → class ('' for the panel itself) → declarations."""
    found: dict[str, dict[str, dict[str, str]]] = {mode: {} for mode in MODES}
    for selector, decls in rules(css):
        for mode, prefix in MODES.items():
            m = re.fullmatch(re.escape(prefix + PANEL) + r"(?: \.tok-([a-z0-9]+))?", selector)
            if m:
                found[mode][m.group(1) or ""] = decls
    return found


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    def luminance(colour: str) -> float:
        r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def lowest_contrast(css: str) -> dict[str, tuple[float, str]]:
    """Per mode, the lowest contrast of the panel's text or a token's colour on the panel, and whose."""
    lowest = {}
    for mode, classes in by_mode(css).items():
        background = classes[""]["background-color"]
        lowest[mode] = min((contrast(decls["color"], background), name or "text") for name, decls in classes.items())
    return lowest


def test_committed_code_css_is_what_the_generator_writes() -> None:
    assert CODE_CSS.read_text(encoding="utf-8") == _generator().stylesheet(), \
        "run .venv/bin/python scripts/code_css.py"


def test_every_rule_is_scoped_to_the_code_panel() -> None:
    selectors = [s for s, _ in rules(CODE_CSS.read_text(encoding="utf-8"))]
    assert len(selectors) > 100
    assert all(re.fullmatch(r"(\.nightMode |\.night_mode )?\.ankigen pre\.code( \.tok-[a-z0-9]+)?", s)
               for s in selectors), [s for s in selectors if "pre.code" not in s]


def test_text_and_every_token_read_at_4_5_to_1_day_and_night() -> None:
    lowest = lowest_contrast(CODE_CSS.read_text(encoding="utf-8"))
    assert set(lowest) == set(MODES)
    for mode, (ratio, name) in lowest.items():
        assert ratio >= 4.5, f"{name} at night ({mode})" if mode != "day" else f"{name} by day"


def test_the_contrast_check_catches_a_faint_colour() -> None:
    css = re.sub(r"^(\.ankigen pre\.code \.tok-c1 \{ color: )#[0-9a-f]{6}", r"\g<1>#dddddd",
                 CODE_CSS.read_text(encoding="utf-8"), flags=re.M)
    ratio, name = lowest_contrast(css)["day"]
    assert name == "c1" and ratio < 1.5


def test_night_recolours_every_class_the_day_colours_under_both_of_ankis_names() -> None:
    modes = by_mode(CODE_CSS.read_text(encoding="utf-8"))
    assert len(modes["day"]) > 40 and {"", "k", "c1", "s2", "mi", "nf"} <= set(modes["day"])
    assert set(modes["nightMode"]) == set(modes["night_mode"]) == set(modes["day"])
    assert modes["nightMode"] == modes["night_mode"]
    assert modes["nightMode"][""]["background-color"] != modes["day"][""]["background-color"]


def test_the_panel_keeps_card_css_scroll_shadows_and_covers_them_in_its_own_colour() -> None:
    css = CODE_CSS.read_text(encoding="utf-8")
    # The background shorthand would reset card.css's background-image (the shadows) to none.
    assert not re.search(r"[{;]\s*background\s*:", css)
    for panel in (decls[""] for decls in by_mode(css).values()):
        assert panel["--ag-cover"] == panel["background-color"]


def test_comments_are_upright_for_cjk_which_has_no_italic() -> None:
    css = CODE_CSS.read_text(encoding="utf-8")
    assert "italic" not in css
    day = by_mode(css)["day"]
    assert all(day[c]["font-style"] == "normal" for c in COMMENTS)


@pytest.mark.parametrize("lang,code,expected", [
    ("python", "def f(x):\n    return x * 2  # 两倍\n", {"k", "nf", "mi", "c1"}),
    ("c", "/* 注释 */\nint main(void) { return 0; }\n", {"cm", "kt", "k", "mi"}),
    ("javascript", 'const s = "a" + 1; // 注释\n', {"kd", "s2", "mf", "c1"}),
])
def test_the_classes_highlighted_code_carries_are_the_ones_code_css_colours(lang: str, code: str,
                                                                           expected: set[str]) -> None:
    used = set(re.findall(r'class="tok-([a-z0-9]+)"', highlight_code(code, lang)))
    styled = set(by_mode(CODE_CSS.read_text(encoding="utf-8"))["day"])
    assert expected <= used & styled, (used, styled)


def test_the_note_types_carry_code_css_after_card_css() -> None:
    code_css = CODE_CSS.read_text(encoding="utf-8")
    for model in (notetype.basic_note_type(), notetype.cloze_note_type()):
        assert model.css.startswith((REPO / "ankigen/anki/templates/card.css").read_text(encoding="utf-8"))
        assert model.css.endswith(code_css)


def test_changing_code_css_changes_both_note_type_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    # The lock stamps a note type's mtime from its hash: a hash blind to code.css would leave
    # Anki with the old colours after an update.
    before = notetype.basic_note_type_hash(), notetype.cloze_note_type_hash()
    real = notetype._template
    monkeypatch.setattr(notetype, "_template",
                        lambda name: real(name) + ("/* new colours */" if name == "code.css" else ""))
    after = notetype.basic_note_type_hash(), notetype.cloze_note_type_hash()
    assert after[0] != before[0] and after[1] != before[1]


CODE_CARDS = """\
## 如何求平方？ {#square-code}

```python
def square(x):
    return x * x  # 注释
```

## `len([1, 2])` 是 {{c1::2}} {#len-cloze}

```python
len([1, 2])
```
"""


def test_in_anki_both_note_types_carry_code_css_and_code_keeps_its_classes(project: Path, anki) -> None:
    write(project / "cards_src/code.md", CODE_CARDS)
    result = run("build", "--no-pdf")
    assert result.exit_code == 0, result.output
    log = anki.import_apkg(only_apkg(project / "dist"))
    assert len(log.new) == 2 and not log.conflicting
    notes = anki.notes()
    basic, cloze = notes["square-code"], notes["len-cloze"]
    assert cloze.note_type()["name"] == "ankigen cloze"
    code_css = CODE_CSS.read_text(encoding="utf-8")
    for note, field, token in ((basic, "Back", '<span class="tok-k">def</span>'),
                               (cloze, "Back Extra", '<span class="tok-nb">len</span>')):
        assert note.note_type()["css"].endswith(code_css)
        assert token in note[field] and "style=" not in note[field], note[field]
    # What the reviewer shows: the note type's style, night rules included, with the card.
    assert ".night_mode .ankigen pre.code .tok-c1" in basic.cards()[0].answer()
