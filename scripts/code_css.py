"""Writes ankigen/anki/templates/code.css, the colours of highlighted code, from two Pygments styles.

    .venv/bin/python scripts/code_css.py

Cards are highlighted with Pygments' short token classes (`tok-k`, `tok-c1`: markdown.py's
classprefix) and coloured by this committed file, so a card needs no Pygments at review time and
no stylesheet from the network. Day colours come from Pygments' "friendly", night colours from
"github-dark"; each colour is then darkened (day) or lightened (night), keeping its hue, until it
reads at 4.5:1 on its panel (WCAG AA for normal text). tests/anki/test_code_css.py checks that the
committed file is what this writes.
"""

from __future__ import annotations

import colorsys
from pathlib import Path

from pygments.styles import get_style_by_name
from pygments.token import STANDARD_TYPES, Token, Whitespace

TARGET = Path(__file__).resolve().parent.parent / "ankigen" / "anki" / "templates" / "code.css"
PREFIX = "tok-"
MIN_CONTRAST = 4.5
PANEL = ".ankigen pre.code"
# Anki sets .nightMode (desktop, AnkiMobile) or .night_mode (AnkiDroid) on the body or an ancestor.
NIGHT = (".nightMode", ".night_mode")
DAY_STYLE, DAY_BACKGROUND, DAY_TEXT = "friendly", "#f6f8fa", "#1f2328"
NIGHT_STYLE, NIGHT_BACKGROUND, NIGHT_TEXT = "github-dark", "#2b3036", "#e6edf3"


def luminance(colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def readable(colour: str, background: str) -> str:
    """colour, its lightness moved away from the background's until it reaches MIN_CONTRAST."""
    h, lightness, s = colorsys.rgb_to_hls(*(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)))
    step = -0.005 if luminance(background) > 0.5 else 0.005
    for _ in range(200):  # black or white at the latest, unless the panel is a middle grey
        if contrast(colour, background) >= MIN_CONTRAST:
            return colour
        lightness = min(1.0, max(0.0, lightness + step))
        colour = "#" + "".join(f"{round(c * 255):02x}" for c in colorsys.hls_to_rgb(h, lightness, s))
    raise ValueError(f"no colour reads at {MIN_CONTRAST}:1 on {background}")


def palette(style_name: str, text: str, background: str) -> dict[str, tuple[str, bool, bool]]:
    """(colour, bold, italic) of each token class, the style's own text colour replaced by ours."""
    style = get_style_by_name(style_name)
    own_text = style.style_for_token(Token)["color"]
    found = {}
    for token, css_class in STANDARD_TYPES.items():
        if not css_class or token in Whitespace:  # plain text takes the panel's colour; spaces show none
            continue
        d = style.style_for_token(token)
        colour = text if not d["color"] or d["color"] == own_text else "#" + _six(d["color"])
        found[css_class] = (readable(colour, background), d["bold"], d["italic"])
    return found


def _six(colour: str) -> str:
    return (colour * 2 if len(colour) == 3 else colour).lower()


def rules() -> list[str]:
    day = palette(DAY_STYLE, DAY_TEXT, DAY_BACKGROUND)
    night = palette(NIGHT_STYLE, NIGHT_TEXT, NIGHT_BACKGROUND)
    # A class plain in both palettes needs no rule; one coloured in either needs one in both, or
    # its day colour would show on the night panel.
    classes = sorted(c for c in day if day[c][:2] != (DAY_TEXT, False) or night[c][0] != NIGHT_TEXT)
    out = [_panel(PANEL, DAY_BACKGROUND, DAY_TEXT), _panel(_night(PANEL), NIGHT_BACKGROUND, NIGHT_TEXT)]
    for c in classes:
        colour, bold, italic = day[c]
        # Weights are the day style's in both modes, so a night rule only changes colours.
        weight = " font-weight: bold;" if bold else ""
        # CJK fonts have no italic, and the slant a browser fakes is hard to read: always upright.
        upright = " font-style: normal;" if italic or night[c][2] else ""
        out.append(f"{PANEL} .{PREFIX}{c} {{ color: {colour};{weight}{upright} }}")
    for c in classes:
        out.append(f"{_night(f'{PANEL} .{PREFIX}{c}')} {{ color: {night[c][0]}; }}")
    return out


def _panel(selector: str, background: str, text: str) -> str:
    # background-color, not the shorthand, which would erase card.css's scroll shadows; and
    # --ag-cover, the colour of the covers that hide them, is the panel's, not the card's.
    return f"{selector} {{ --ag-cover: {background}; background-color: {background}; color: {text}; }}"


def _night(selector: str) -> str:
    return ", ".join(f"{mode} {selector}" for mode in NIGHT)


def stylesheet() -> str:
    head = ("/* Highlighted code: Pygments' token classes (tok-…) on a light and a night panel.\n"
            "   Written by scripts/code_css.py (edit that, then run it): day colours from Pygments'\n"
            f"   \"{DAY_STYLE}\", night colours from \"{NIGHT_STYLE}\", each at least {MIN_CONTRAST}:1 on its panel. */\n")
    return head + "\n".join(rules()) + "\n"


def main() -> None:
    TARGET.write_text(stylesheet(), encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
