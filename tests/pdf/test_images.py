"""Images print at most at 300 dpi, whole, and are in the PDF once however often they print."""

from __future__ import annotations

import json
import math
import random
import threading
import time
from pathlib import Path

import pikepdf
import pytest
import typst
from PIL import Image, ImageDraw

from ankigen.pdf.images import MAX_SIDE, PRINT_DPI, Budget, place
from conftest import run, write

STUDY_PT = (210 - 36) * 72 / 25.4 - 10.5  # an answer's width on A4: what layout.py scales for


def _photo(path: Path, size: tuple[int, int], kind: str, dpi: int | None = None) -> Path:
    img = Image.new("RGB", size, "white")
    draw, rng = ImageDraw.Draw(img), random.Random(size[0])
    for _ in range(200):  # something to compress, or a copy would be a few bytes
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.ellipse([x, y, x + 40, y + 40], fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    img.save(path, kind, **({"dpi": (dpi, dpi)} if dpi else {}))
    return path


def _measured(folder: Path, name: str) -> float:
    """The width Typst gives the image when nothing constrains it, in pt."""
    (folder / "q.typ").write_text(f'#context [#metadata(measure(image("{name}")).width.pt()) <w>]',
                                  encoding="utf-8")
    return float(json.loads(typst.query(str(folder / "q.typ"), "<w>", field="value"))[0])


@pytest.mark.parametrize("kind, suffix, dpi", [("PNG", "png", None), ("JPEG", "jpg", None), ("PNG", "png", 150)])
def test_a_large_image_gets_300_dpi_where_it_prints_widest_and_keeps_its_size(tmp_path: Path, kind, suffix,
                                                                               dpi) -> None:
    big = _photo(tmp_path / f"big.{suffix}", (4000, 2000), kind, dpi)
    cache = tmp_path / "cache"
    place(big, tmp_path / f"media-a.{suffix}", cache, STUDY_PT)
    with Image.open(tmp_path / f"media-a.{suffix}") as img:
        assert img.format == kind
        assert img.size == (math.ceil(STUDY_PT / 72 * PRINT_DPI), math.ceil(STUDY_PT / 72 * PRINT_DPI) // 2)
    # its natural size (wider than the page: it prints at the text's width) is what it was
    assert _measured(tmp_path, f"media-a.{suffix}") == pytest.approx(_measured(tmp_path, big.name), rel=0.01)
    assert len(list(cache.iterdir())) == 1
    big.write_bytes(b"not read again")  # the next build takes the cached copy, by content and width
    place(big, tmp_path / f"media-a2.{suffix}", None, STUDY_PT)
    assert (tmp_path / f"media-a2.{suffix}").read_bytes() == b"not read again"  # no cache: as it is


def test_a_small_print_of_a_dense_image_is_scaled_to_its_own_size(tmp_path: Path) -> None:
    """1,200 pixels at 600 dpi print 2 inches wide: 600 pixels are enough, at 300 dpi."""
    dense = _photo(tmp_path / "dense.jpg", (1200, 900), "JPEG", 600)
    place(dense, tmp_path / "media-d.jpg", None, STUDY_PT)
    with Image.open(tmp_path / "media-d.jpg") as img:
        assert img.size == (600, 450) and round(img.info["dpi"][0]) == 300
    assert _measured(tmp_path, "media-d.jpg") == pytest.approx(144.0, rel=0.005)


def test_a_strip_longer_than_any_page_is_bounded_on_its_longer_side(tmp_path: Path) -> None:
    strip = _photo(tmp_path / "strip.png", (500, 20_000), "PNG")
    place(strip, tmp_path / "media-s.png", None, STUDY_PT)
    with Image.open(tmp_path / "media-s.png") as img:
        assert max(img.size) == MAX_SIDE and img.size[0] == 500 * MAX_SIDE // 20_000


def test_an_opaque_screenshot_saved_with_alpha_is_scaled_as_rgb_and_a_transparent_one_keeps_it(tmp_path: Path) -> None:
    """Most RGBA screenshots are opaque everywhere: scaled without the channel (a third less time and
    memory), their pixels the same. A figure with a transparent background keeps it."""
    opaque = _photo(tmp_path / "shot.png", (4000, 2000), "PNG")
    with Image.open(opaque) as img:
        img.convert("RGBA").save(opaque)
    see_through = tmp_path / "figure.png"
    with Image.open(opaque) as img:
        faded = img.convert("RGBA")
        faded.putalpha(128)
        faded.save(see_through)
    place(opaque, tmp_path / "media-o.png", None, STUDY_PT)
    place(see_through, tmp_path / "media-t.png", None, STUDY_PT)
    with Image.open(tmp_path / "media-o.png") as o, Image.open(tmp_path / "media-t.png") as t:
        assert o.mode == "RGB" and t.mode == "RGBA" and o.size == t.size
        assert t.getchannel("A").getextrema() == (128, 128)
        assert o.getpixel((5, 5)) == t.getpixel((5, 5))[:3]  # the same picture


def test_two_large_images_are_never_decoded_at_once_while_small_ones_are() -> None:
    budget, inside, release = Budget(100), [], threading.Event()

    def scale(name: str, pixels: int) -> None:
        with budget.holding(pixels):
            inside.append(name)
            release.wait(10)

    first = threading.Thread(target=scale, args=("first", 60))
    first.start()
    while "first" not in inside:
        time.sleep(0.01)
    small = threading.Thread(target=scale, args=("small", 30))
    second = threading.Thread(target=scale, args=("second", 60))
    small.start()
    second.start()
    second.join(0.3)
    assert sorted(inside) == ["first", "small"]  # 60 + 30 fit in 100; another 60 waits
    release.set()
    for t in (first, small, second):
        t.join(10)
    assert sorted(inside) == ["first", "second", "small"]
    with budget.holding(500):  # one image larger than the whole budget is still scaled, alone
        assert budget.used == 500


def test_small_images_and_other_files_are_copied_as_they_are(tmp_path: Path) -> None:
    small = _photo(tmp_path / "small.png", (800, 600), "PNG")
    place(small, tmp_path / "media-s.png", tmp_path / "cache", STUDY_PT)
    assert (tmp_path / "media-s.png").read_bytes() == small.read_bytes()
    assert not (tmp_path / "cache").exists()
    svg = tmp_path / "d.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="9000" height="10"/>', encoding="utf-8")
    place(svg, tmp_path / "media-d.svg", None, STUDY_PT)
    assert (tmp_path / "media-d.svg").read_bytes() == svg.read_bytes()


def placed_images(pdf: pikepdf.Pdf) -> list[tuple[int, tuple, float, float, int, int]]:
    """Every image drawn: (page, object, printed width and height in pt, pixels across and down),
    by following each page's drawing state to each `Do` of an image, through forms."""
    found = []

    def times(m, n):
        return [m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3], m[2] * n[0] + m[3] * n[2],
                m[2] * n[1] + m[3] * n[3], m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5]]

    def walk(page_no, stream, resources, ctm) -> None:
        stack = []
        for operands, operator in pikepdf.parse_content_stream(stream):
            op = str(operator)
            if op == "q":
                stack.append(ctm)
            elif op == "Q":
                ctm = stack.pop()
            elif op == "cm":
                ctm = times([float(v) for v in operands], ctm)
            elif op == "Do":
                obj = resources.XObject[operands[0]]
                if obj.Subtype == pikepdf.Name.Image:
                    found.append((page_no, obj.objgen, math.hypot(ctm[0], ctm[1]), math.hypot(ctm[2], ctm[3]),
                                  int(obj.Width), int(obj.Height)))
                else:
                    matrix = [float(v) for v in obj.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                    walk(page_no, obj, obj.get("/Resources", resources), times(matrix, ctm))

    for no, page in enumerate(pdf.pages, 1):
        walk(no, page, page.Resources, [1, 0, 0, 1, 0, 0])
    return found


def test_in_the_pdf_each_image_is_embedded_once_at_300_dpi_and_printed_whole(project: Path) -> None:
    pictures = project / "cards_src" / "img"
    pictures.mkdir()
    _photo(pictures / "photo.png", (3000, 1500), "PNG")
    _photo(pictures / "photo.jpg", (3000, 1500), "JPEG")
    _photo(pictures / "tall.png", (800, 3000), "PNG")  # taller than a page at the text's width
    write(project / "cards_src" / "a.md", "# Pictures\n\n"
          "## What does the photo show? {#first}\n\n![circles](img/photo.png)\n\n"
          "## And as a JPEG? {#second}\n\n![circles](img/photo.jpg)\n\n"
          "## The photo again? {#third}\n\n![circles](img/photo.png)\n\n"
          "## A tall figure? {#tall}\n\nIts bottom must print too:\n\n![strip](img/tall.png)\n")
    assert run("build").exit_code == 0
    _assert_once_at_300_dpi_and_whole(project)
    # an edit swaps the changed chunks' pages into the last PDF: their images are made one again
    text = (project / "cards_src" / "a.md").read_text(encoding="utf-8")
    write(project / "cards_src" / "a.md", text.replace("And as a JPEG?", "And as a JPEG, once more?"))
    assert run("build").exit_code == 0
    _assert_once_at_300_dpi_and_whole(project)


def _assert_once_at_300_dpi_and_whole(project: Path) -> None:
    with pikepdf.open(next((project / "dist").glob("*.pdf"))) as pdf:
        placed = placed_images(pdf)
        height_pt = float(pdf.pages[0].mediabox[3])
    by_object: dict[tuple, list] = {}
    for page, obj, w_pt, h_pt, w_px, h_px in placed:
        by_object.setdefault(obj, []).append((page, w_pt, h_pt, w_px, h_px))
    sizes = sorted(uses[0][3:] for uses in by_object.values())
    assert sizes == [(800, 3000), (2012, 1006), (2012, 1006)]  # three images, each once
    # on the study sheet, and on the cut-out cards but for the strip (too tall for one: a pointer)
    assert sum(len(uses) for uses in by_object.values()) == 7
    for uses in by_object.values():
        widest = max(w_pt for _, w_pt, *_ in uses)
        assert uses[0][3] / (widest / 72) <= PRINT_DPI + 1  # at most 300 dpi where it prints widest
    for page, obj, w_pt, h_pt, w_px, h_px in placed:
        assert h_pt < height_pt and w_pt / h_pt == pytest.approx(w_px / h_px, rel=0.01)  # whole, not cropped
