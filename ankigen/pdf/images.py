"""Images as the page prints them: a photo larger than the page can print is scaled down first.

The widest an image prints is the study sheet's column, about 170 mm: 2,400 pixels is over 350 dpi
there. An 8,000-pixel photo costs Typst hundreds of megabytes to decode and the PDF megabytes, for
nothing a printer can show. PNG and JPEG keep their format (the name Typst reads them by); a
scaled copy is kept in the cache by the image's content, so the next build does not scale it again.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ankigen.run.output import atomic_path

MAX_SIDE = 2400  # pixels, on the longer side
_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "MPO": "JPEG"}  # MPO: a camera's JPEG with a second frame


def place(source: Path, dest: Path, cache: Path | None) -> None:
    """Put the image at dest for Typst: scaled down when it is larger than a page prints, else a copy."""
    kept = cache / dest.name if cache is not None else None
    if kept is not None and kept.is_file():
        shutil.copyfile(kept, dest)
        return
    if not _scaled(source, dest):
        shutil.copyfile(source, dest)
        return
    if kept is not None:
        try:
            with atomic_path(kept) as tmp:
                shutil.copyfile(dest, tmp)
        except OSError:
            pass  # the cache is an optimisation: an unwritable one costs the next build the scaling


def _scaled(source: Path, dest: Path) -> bool:
    """Whether a scaled copy was written to dest (False: the image is small enough, or not one
    Pillow reads safely, and is used as it is)."""
    from PIL import Image

    try:
        with Image.open(source) as img:
            kind = _FORMATS.get(img.format or "")
            if kind is None or max(img.size) <= MAX_SIDE:
                return False
            if kind == "JPEG":
                img.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at a fraction of the size: much faster
            img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            if kind == "JPEG":
                img.convert("RGB").save(dest, "JPEG", quality=90)
            else:
                img.save(dest, "PNG")
            return True
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return False
