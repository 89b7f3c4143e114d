"""Images as the page prints them: no more pixels than 300 dpi at the largest size they print.

An image prints at its natural size (its pixels at its own dpi, 72 when it names none) unless that
is wider than the text: then at the text's width. The widest text is the study sheet's (about
174 mm on A4), so 300 dpi there is about 2,050 pixels across, and fewer for an image whose natural
size is smaller. A larger PNG or JPEG is scaled down before Typst reads it, and its dpi raised by
the same ratio, so that its natural size, and with it every page it is on, stays as it was (to a
fraction of a percent: a JPEG's dpi is a whole number). An 8,000-pixel photo costs Typst hundreds
of megabytes to decode and the PDF megabytes, for nothing a printer can show. The scaled copy is
kept in the cache by the image's content and the width it was scaled for, so the next build does
not scale it again. Images are scaled on every core (Pillow works outside the interpreter's lock),
with at most PIXELS_AT_ONCE decoded at a time.
"""

from __future__ import annotations

import math
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

from ankigen.run.output import atomic_path

PRINT_DPI = 300
PIXELS_AT_ONCE = 40_000_000  # decoded across the threads that scale images: 160 MB of RGBA
MAX_SIDE = 6000  # pixels on the longer side, whatever the width: a 500 × 20,000 strip is still decoded whole
_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "MPO": "JPEG"}  # MPO: a camera's JPEG with a second frame


class Budget:
    """Pixels being scaled at once, across threads: several small images scale side by side, two
    photographs of 30 megapixels one after the other (each is decoded whole: 120 MB and more)."""

    def __init__(self, pixels: int = PIXELS_AT_ONCE) -> None:
        self.pixels, self.used = pixels, 0
        self.free = threading.Condition()

    @contextmanager
    def holding(self, pixels: int):
        with self.free:
            self.free.wait_for(lambda: self.used == 0 or self.used + pixels <= self.pixels)
            self.used += pixels
        try:
            yield
        finally:
            with self.free:
                self.used -= pixels
                self.free.notify_all()


def place(source: Path, dest: Path, cache: Path | None, widest_pt: float, budget: Budget | None = None) -> None:
    """Put the image at dest for Typst: scaled down when it has more pixels than it can print
    across `widest_pt` (the widest text it may stand in) at PRINT_DPI, else a copy. `budget`: the
    pixels other threads are scaling at the same time."""
    kept = cache / f"{dest.stem}.{round(widest_pt)}{dest.suffix}" if cache is not None else None
    if kept is not None and kept.is_file():
        shutil.copyfile(kept, dest)
        return
    if not _scaled(source, dest, widest_pt, budget or Budget()):
        shutil.copyfile(source, dest)
        return
    if kept is not None:
        try:
            with atomic_path(kept) as tmp:
                shutil.copyfile(dest, tmp)
        except OSError:
            pass  # the cache is an optimisation: an unwritable one costs the next build the scaling


def most_pixels(width_px: int, dpi: float, widest_pt: float) -> int:
    """How many pixels across an image needs: PRINT_DPI over the width it prints at."""
    printed_pt = min(width_px * 72 / dpi, widest_pt)
    return max(1, math.ceil(printed_pt / 72 * PRINT_DPI - 1e-6))  # 1500.0000001 is 1,500


def natural_dpi(info: dict) -> float:
    """The dpi Typst reads an image's natural size by: its own, or 72."""
    dpi = info.get("dpi")
    try:
        x = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        x = 0.0
    return x if 1.0 <= x <= 10_000.0 else 72.0


def _scaled(source: Path, dest: Path, widest_pt: float, budget: Budget) -> bool:
    """Whether a scaled copy was written to dest (False: the image is small enough, or not one
    Pillow reads safely, and is used as it is)."""
    from PIL import Image

    try:
        with Image.open(source) as img:
            kind = _FORMATS.get(img.format or "")
            if kind is None:
                return False
            dpi = natural_dpi(img.info)
            width = min(most_pixels(img.width, dpi, widest_pt), img.width)
            if max(img.size) > MAX_SIDE:
                width = min(width, max(1, img.width * MAX_SIDE // max(img.size)))
            if width >= img.width:
                return False
            ratio = width / img.width
            size = (width, max(1, round(img.height * ratio)))
            if kind == "JPEG":
                img.draft("RGB", size)  # decode at a fraction of the size: much faster
            with budget.holding(img.width * img.height):
                picture = _opaque(img)
                # whole-pixel box averaging first, to within 2× of the size, then Lanczos: the same
                # picture at print size in about two thirds of the time
                small = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
                del picture
                scaled_dpi = (dpi * ratio, dpi * ratio)  # the same natural size in fewer pixels
                if kind == "JPEG":
                    small.convert("RGB").save(dest, "JPEG", quality=90, dpi=scaled_dpi)
                else:
                    small.save(dest, "PNG", dpi=scaled_dpi, compress_level=1)  # Typst compresses it again in the PDF
                return True
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return False


def _opaque(img):
    """An RGBA image whose alpha is opaque everywhere (most screenshots) as RGB: Pillow scales RGBA
    through a premultiplied copy, a third more time and memory for a channel that says nothing."""
    if img.mode != "RGBA":
        return img
    img.load()
    return img.convert("RGB") if img.getchannel("A").getextrema()[0] == 255 else img
