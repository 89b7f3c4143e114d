"""Which characters the installed fonts cover: a missing glyph is a warning naming it, never a surprise.

A colour-emoji font, when installed, is put after the configured fonts, so that emoji print.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ankigen.diagnostics import Sink
from ankigen.model import Card, Span
from ankigen.run.output import write_text_atomic
from ankigen.pdf.measure import digest


EMOJI_FONT = "Noto Color Emoji"  # Debian's fonts-noto-color-emoji


@dataclass(frozen=True)
class FontSet:
    """The fonts the PDF is set in, beyond the configured one."""

    key: str  # a digest of the font files used: compiled chunks are kept only as long as it stays
    fallback: tuple[str, ...] = ()  # installed families tried after the configured ones
    found: object = field(default=None, compare=False, repr=False)  # the typst.Fonts they were found in


def check_fonts(cards: list[Card], font: str, sink: Sink, cache: Path | None, place: Span) -> FontSet | None:
    """Warn about characters no font covers (Typst prints a box for each); None when the
    configured font is missing."""
    import typst

    fonts = typst.Fonts()
    families = fonts.families()
    if font not in families:
        sink.error(place, "O002", f"font '{font}' is not installed",
                   hint="install Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk), set pdf_font "
                        "in [tool.ankigen] to an installed CJK font, or build with --no-pdf")
        return None
    fallback = (EMOJI_FONT,) if EMOJI_FONT in families else ()
    paths = [(f.path, f.index) for f in fonts.fonts()
             if f.family in (font, "DejaVu Sans Mono", "DejaVu Serif", *fallback) and f.weight == 400 and f.path]
    covered = _known_covered(cache, paths)
    if covered is None:
        covered = _covered(paths)
        _remember_covered(cache, paths, covered)
    texts = [card.question + card.front_extra_md + card.back_md for card in cards]
    missing = {ch for ch in set().union(*map(set, texts)) if ord(ch) not in covered and not ch.isspace()}
    first_use: dict[str, Card] = {}
    for card, text in zip(cards, texts) if missing else ():
        for ch in dict.fromkeys(text):  # in the order written
            if ch in missing and ch not in first_use:
                first_use[ch] = card
    by_card: dict[Card, list[str]] = {}
    for ch, card in first_use.items():
        by_card.setdefault(card, []).append(ch)
    for card, chars in by_card.items():
        shown = ", ".join(f"U+{ord(c):04X} ({_visible(c)})" for c in chars[:8]) + (" …" if len(chars) > 8 else "")
        sink.warning(card.span, "O003", f"no installed font has {shown}; the PDF prints a box for each",
                     hint="install a font that covers them (for Chinese: apt-get install fonts-noto-cjk, for "
                          "emoji: fonts-noto-color-emoji), or set pdf_font in [tool.ankigen]")
    return FontSet(_fonts_key(paths), fallback, fonts)


def _fonts_key(paths) -> str:
    stats = []
    for path, index in sorted(set(paths)):
        try:
            st = Path(path).stat()
            stats.append(f"{path}|{index}|{st.st_size}|{st.st_mtime_ns}")
        except OSError:
            stats.append(f"{path}|missing")
    return digest("\n".join(stats))


def _covered(paths) -> set[int]:
    """Every code point the fonts have a glyph for."""
    from fontTools.ttLib import TTCollection, TTFont

    covered: set[int] = set(range(0x20, 0x7F))
    for path, index in dict.fromkeys(paths):
        try:
            if str(path).endswith((".ttc", ".otc")):
                face = TTCollection(path, lazy=True).fonts[index]
            else:
                face = TTFont(path, lazy=True, fontNumber=index)
            covered.update(face.getBestCmap() or {})
        except Exception:  # noqa: BLE001 — an unreadable font just covers nothing
            continue
    return covered


def _known_covered(cache: Path | None, paths) -> set[int] | None:
    """What an earlier build found these very font files to cover. Reading their tables (and
    importing fontTools) costs most of a second, which an edit that brings one new character
    must not pay: the whole coverage is kept, as ranges, not just the characters used so far."""
    try:
        data = json.loads(cache.read_text(encoding="utf-8")) if cache else {}
        if data.get("fonts") != _fonts_key(paths):
            return None
        return {point for low, high in data["ranges"] for point in range(int(low), int(high) + 1)}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remember_covered(cache: Path | None, paths, covered: set[int]) -> None:
    if cache is None:
        return
    ranges: list[list[int]] = []
    for point in sorted(covered):
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    try:
        write_text_atomic(cache, json.dumps({"fonts": _fonts_key(paths), "ranges": ranges}))
    except OSError:
        pass


def _visible(ch: str) -> str:
    """The character in quotes, or its name when it does not print (a variation selector, a joiner)."""
    import unicodedata

    return f"'{ch}'" if ch.isprintable() and unicodedata.category(ch) not in ("Mn", "Cf") else \
        unicodedata.name(ch, "unnamed").lower()
