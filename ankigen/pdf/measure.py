"""How big each cut-out card's text can be, and how wide each display formula is.

Typst answers both in one measuring pass, so the document itself is typeset without a single
`measure` (which doubled the cost of every cell). Answers are cached by the content of the
card side, so a rebuild measures only what changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ankigen import code_digest
from ankigen.run import memo
from ankigen.run.output import write_text_atomic

SIZES_PT = (14.0, 13.0, 12.0, 11.0, 10.0, 9.0, 8.0, 7.0)
CACHE_FORMAT = 3  # 2: the markup lists each card's formula translations; translations Typst accepted;
# 3: and how its long blocks divide


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class SideFit:
    """The largest size at which a card side fits its cell; None with block heights at the smallest."""

    size: float | None
    blocks: tuple[float, ...] = ()


@dataclass(frozen=True)
class Frame:
    """The inner box of a cell, in points, and everything else that changes a measurement."""

    width: float
    height: float
    setting: str  # font, paper and grid: a new setting starts a new cache

    def key(self) -> str:
        return digest(f"{CACHE_FORMAT}|{code_digest()}|{self.width:.3f}|{self.height:.3f}|{self.setting}")


class MeasureCache:
    def __init__(self, path: Path | None, frame: Frame) -> None:
        self.path = path
        self.frame_key = frame.key()
        self.widths: dict[str, float] = {}
        self.sides: dict[str, SideFit] = {}
        self.markup: dict[str, list] = {}  # card content -> its Typst markup (see pdf._Renderer.card)
        self.valid: set[str] = set()  # translated formulas Typst accepted (pdf._Layout.validate)
        if path is None:
            return
        kept = memo.recall(path)
        if kept is not None:
            frame_key, widths, sides, markup, valid = kept
            if frame_key == self.frame_key:
                self.widths, self.sides, self.markup, self.valid = dict(widths), dict(sides), dict(markup), set(valid)
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("frame") == self.frame_key:
                self.widths = {k: float(v) for k, v in data["widths"].items()}
                self.sides = {k: SideFit(v[0], tuple(v[1])) for k, v in data["sides"].items()}
                self.markup = data.get("markup") or {}
                self.valid = set(data.get("valid") or ())
            memo.keep(path, (data.get("frame"), dict(self.widths), dict(self.sides), dict(self.markup),
                             set(self.valid)))
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            pass  # a missing or damaged cache only costs time

    def save(self, widths: set[str], sides: set[str], markup: set[str], formulas: set[str]) -> None:
        """Keep what this build used, so the cache does not grow with every edit."""
        if self.path is None:
            return
        kept = (self.frame_key, {k: self.widths[k] for k in sorted(widths) if k in self.widths},
                {k: self.sides[k] for k in sorted(sides) if k in self.sides},
                {k: self.markup[k] for k in sorted(markup) if k in self.markup}, self.valid & formulas)
        if memo.recall(self.path) == kept:
            return  # an edit that measured nothing new: the file already says this
        data = {"frame": self.frame_key, "widths": kept[1],
                "sides": {k: [fit.size, list(fit.blocks)] for k, fit in kept[2].items()},
                "markup": kept[3], "valid": sorted(kept[4])}
        try:
            write_text_atomic(self.path, json.dumps(data, separators=(",", ":")))
        except OSError:
            return
        memo.keep(self.path, kept)


def measure_source(preamble: str, frame: Frame, formulas: dict[str, str], sides: dict[str, list[str]]) -> str:
    """A Typst document whose <m> metadata answer the questions for what is not cached."""
    sizes = ", ".join(f"{s}pt" for s in SIZES_PT)
    out = [preamble, f"""
#set page(width: 40cm, height: auto)
#let dm(key, body, alt: none, rows: none) = if rows == none {{ body }} else {{
  layout(size => if measure(body).width > size.width {{ rows }} else {{ body }})
}}
#let formula(key, eq) = context [#metadata((t: "f", k: key, w: measure(eq).width / text.size)) <m>]
#let side(key, blocks) = context {{
  let body = blocks.join(parbreak())
  let fits(s) = measure(block(width: {frame.width:.3f}pt, text(size: s, body))).height <= {frame.height:.3f}pt
  let sizes = ({sizes})
  // the largest size, then the smallest: a long answer that fits at neither is laid out twice, not
  // once per size (text only grows taller with its size)
  let found = if fits(sizes.first()) {{ sizes.first() }} else if not fits(sizes.last()) {{ none }} else {{
    sizes.slice(1).find(fits)
  }}
  let found = if found == none {{ none }} else {{ found.pt() }}
  let hs = if found == none {{
    blocks.map(b => measure(block(width: {frame.width:.3f}pt, text(size: {SIZES_PT[-1]}pt, b))).height.pt())
  }} else {{ () }}
  [#metadata((t: "s", k: key, s: found, h: hs)) <m>]
}}
"""]
    for key, eq in formulas.items():
        out.append(f'#formula("{key}", {eq})\n')
    for key, blocks in sides.items():
        items = "".join(f"[{b}], " for b in blocks) or "[], "
        out.append(f'#side("{key}", ({items}))\n')
    return "".join(out)


def entry_starts(source: str) -> list[tuple[int, str]]:
    """The first line of each question of a measuring document, with its key (see chunks.blame)."""
    return [(n, line.split('"', 2)[1]) for n, line in enumerate(source.split("\n"), 1)
            if line.startswith(('#formula("', '#side("'))]


def read_answers(rows: list[dict], cache: MeasureCache) -> None:
    """Store the rows of the measuring pass in the cache."""
    for row in rows:
        if row["t"] == "f":
            cache.widths[str(row["k"])] = float(row["w"])
        else:
            size = row["s"]
            cache.sides[str(row["k"])] = SideFit(None if size is None else float(size),
                                                 tuple(float(h) for h in row["h"]))
