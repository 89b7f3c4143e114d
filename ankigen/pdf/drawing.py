"""LaTeX formulas drawn as SVG with ziamath, each distinct formula once, cached by content."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

_VIEWBOX = re.compile(r'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"')
DRAW_SIZE = 20.0  # ziamath's font size; the SVG is scaled to the text size in Typst


@dataclass(frozen=True)
class Drawing:
    """An SVG file name, with its size in units of DRAW_SIZE and the depth below the baseline."""

    name: str
    width: float
    height: float
    depth: float


class FormulaDrawer:
    """Draws formulas into a folder; a cache folder keeps the SVGs between builds."""

    def __init__(self, folder: Path, cache: Path | None) -> None:
        self.folder = folder
        self.cache = cache
        self.drawn: dict[tuple[str, bool], Drawing | None] = {}
        self.problems: dict[tuple[str, bool], str] = {}  # why a formula could not be drawn

    def draw(self, latex: str, display: bool) -> Drawing | None:
        key = (latex.strip(), display)
        if key not in self.drawn:
            self.drawn[key] = self._draw(*key)
        return self.drawn[key]

    def problem(self, latex: str, display: bool) -> str:
        """Why draw() gave None for this formula."""
        return self.problems.get((latex.strip(), display), "not drawn")

    def _draw(self, latex: str, display: bool) -> Drawing | None:
        digest = hashlib.sha256(f"{int(display)}\x1f{latex}".encode("utf-8")).hexdigest()[:24]
        name = f"m{digest}.svg"
        svg = None
        if self.cache is not None and (self.cache / name).is_file():
            svg = (self.cache / name).read_text(encoding="utf-8")
        if svg is None:
            try:
                import ziamath

                svg = ziamath.Math.fromlatex(latex, size=DRAW_SIZE, inline=not display).svg()
            except Exception as exc:  # noqa: BLE001 — ziamath raises many kinds on bad TeX
                self.problems[(latex, display)] = f"{type(exc).__name__}: {exc}".strip(": ")
                return None
            if self.cache is not None:
                try:
                    self.cache.mkdir(parents=True, exist_ok=True)
                    (self.cache / name).write_text(svg, encoding="utf-8")
                except OSError:
                    pass  # the cache only saves time
        m = _VIEWBOX.search(svg)
        # ziamath draws some formulas it cannot lay out (\mathop{\text{lcm}} alone) with a negative
        # height, which Typst refuses: such a drawing would fail the whole chunk it is in.
        if not m or float(m.group(3)) <= 0 or float(m.group(4)) <= 0:
            self.problems[(latex, display)] = "ziamath drew it without a size" if not m else \
                "ziamath drew it with a negative size"
            return None
        (self.folder / name).write_text(svg, encoding="utf-8")
        _, top, width, height = (float(v) for v in m.groups())
        return Drawing(name, width, height, max(0.0, height + top))
