"""Photos are scaled to what a page prints before Typst reads them; small images stay as they are."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from ankigen.pdf.images import MAX_SIDE, place


def _photo(path: Path, size: tuple[int, int], kind: str) -> Path:
    Image.new("RGB", size, (200, 30, 30)).save(path, kind)
    return path


def test_a_large_photo_is_scaled_and_kept_in_the_cache(tmp_path: Path) -> None:
    big = _photo(tmp_path / "big.jpg", (6000, 3000), "JPEG")
    cache = tmp_path / "cache"
    place(big, tmp_path / "media-a.jpg", cache)
    with Image.open(tmp_path / "media-a.jpg") as img:
        assert img.format == "JPEG" and img.size == (MAX_SIDE, MAX_SIDE // 2)
    assert (cache / "media-a.jpg").is_file()
    big.write_bytes(b"not read again")  # the next build takes the cached copy, by its content name
    place(big, tmp_path / "media-b.jpg", cache)
    place(big, tmp_path / "media-a2.jpg", None)
    assert (tmp_path / "media-a2.jpg").read_bytes() == b"not read again"  # no cache: as it is
    tall = _photo(tmp_path / "tall.png", (500, 5000), "PNG")
    place(tall, tmp_path / "media-c.png", None)
    with Image.open(tmp_path / "media-c.png") as img:
        assert img.format == "PNG" and img.size == (MAX_SIDE // 10, MAX_SIDE)


def test_small_images_and_other_files_are_copied_as_they_are(tmp_path: Path) -> None:
    small = _photo(tmp_path / "small.png", (800, 600), "PNG")
    place(small, tmp_path / "media-s.png", tmp_path / "cache")
    assert (tmp_path / "media-s.png").read_bytes() == small.read_bytes()
    assert not (tmp_path / "cache").exists()
    svg = tmp_path / "d.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="9000" height="10"/>', encoding="utf-8")
    place(svg, tmp_path / "media-d.svg", None)
    assert (tmp_path / "media-d.svg").read_bytes() == svg.read_bytes()
