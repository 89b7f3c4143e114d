"""The PDF's own settings: paper sizes and the grid of cut-out cards, checked where they are set."""

from __future__ import annotations

from dataclasses import dataclass

from pathlib import Path

from ankigen.config import Config, ConfigError, setting_line, setting_place
from ankigen.model import Span

# Where a PDF setting is reported when no pyproject.toml holds it (the defaults).
SETTINGS = Span("[tool.ankigen]", 1, 1)
PAPERS = {"a4": ("a4", 210.0, 297.0), "letter": ("us-letter", 215.9, 279.4)}


@dataclass(frozen=True)
class PdfOptions:
    paper: str = "a4"
    cols: int = 2
    rows: int = 4
    font: str = "Noto Serif CJK SC"
    font_place: Span = SETTINGS  # where pdf_font is set, for a font that is missing
    language: str = "zh"  # of the labels (labels.py): the deck's, `auto` already decided


def font_place(config: Config) -> Span:
    """`pyproject.toml:LINE` of pdf_font, or of the file when the default font is the one missing."""
    pyproject = config.project_dir / "pyproject.toml"
    if not pyproject.is_file():
        return SETTINGS
    from ankigen.source.sources import display_path

    return Span(display_path(pyproject), setting_line(pyproject, "pdf_font") or 1, 1)


def parse_grid(text: str) -> tuple[int, int]:
    """'2x4' → (2 columns, 4 rows)."""
    parts = text.lower().replace("×", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"cards per page must look like 2x4, not {text!r}")
    cols, rows = (int(p) for p in parts)
    if not (1 <= cols <= 4 and 1 <= rows <= 6):
        raise ValueError("cards per page: 1 to 4 columns and 1 to 6 rows")
    return cols, rows


def check_settings(config: Config, where: str) -> None:
    """A usage error (exit 2) for a paper or grid the PDF cannot take; where is a pyproject.toml
    (the message then names the setting's line) or words such as 'command line'."""
    def place(key: str) -> str:
        return setting_place(Path(where), key) if where.endswith("pyproject.toml") else where

    if config.paper not in PAPERS:
        raise ConfigError(f"{place('paper')}: paper must be one of {', '.join(PAPERS)}, not {config.paper!r}")
    try:
        parse_grid(config.cards_per_page)
    except ValueError as exc:
        raise ConfigError(f"{place('cards_per_page')}: {exc}") from None
