"""Images referenced from cards: what is packed, under which name, and what is refused with which words."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ankigen.diagnostics import Sink
from ankigen.source.media import MediaResolver, sniff
from ankigen.model import MediaFile, SourceFile, Span
from conftest import PNG

SPAN = Span("cards_src/notes/a.md", 3, 5, 9)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
SVG = b'<?xml version="1.0"?>\n<!-- drawn by hand -->\n<svg xmlns="http://www.w3.org/2000/svg"/>'


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """cards_src/ with notes/a.md, and a sibling folder outside it."""
    root = tmp_path / "cards_src"
    (root / "notes/img/ch14").mkdir(parents=True)
    (root / "notes/a.md").write_text("## Q\n", encoding="utf-8")
    (root / "notes/img/ch14/x.png").write_bytes(PNG)
    (tmp_path / "cards_src_evil").mkdir()
    (tmp_path / "cards_src_evil/secret.png").write_bytes(PNG)
    return root


def resolve(tree: Path, src: str, resolver: MediaResolver | None = None, root: Path | None = None) -> tuple[object, list]:
    """(result, [(severity, code, message, hint)]); every diagnostic is at the image, with its line."""
    sink = Sink() if resolver is None else resolver.sink
    resolver = resolver or MediaResolver(sink)
    source = SourceFile(tree / "notes/a.md", "notes/a.md", root or tree, "## Q\n")
    line = "![x](" + src + ")"
    result = resolver.resolve(src, source, SPAN, line)
    assert all(d.span == SPAN and d.source_line == line for d in sink.items)
    return result, [(d.severity.value, d.code, d.message, d.hint) for d in sink.items]


def packed_name(data: bytes, suffix: str) -> str:
    return f"ankigen-{hashlib.sha256(data).hexdigest()[:20]}{suffix}"


def test_a_local_image_is_packed_under_its_content_hash(tree: Path) -> None:
    result, diags = resolve(tree, "img/ch14/x.png")
    assert diags == []
    assert result == MediaFile(path=(tree / "notes/img/ch14/x.png").resolve(), name=packed_name(PNG, ".png"))


def test_windows_separators_in_a_relative_path_find_the_file(tree: Path) -> None:
    result, diags = resolve(tree, "img\\ch14\\x.png")
    assert diags == [] and isinstance(result, MediaFile) and result.name == packed_name(PNG, ".png")


def test_the_same_file_is_read_once_per_build(tree: Path) -> None:
    resolver = MediaResolver(Sink())
    first, _ = resolve(tree, "img/ch14/x.png", resolver)
    (tree / "notes/img/ch14/x.png").write_bytes(PNG + b"changed after the first card")
    again, _ = resolve(tree, "./img/ch14/x.png", resolver)
    assert again == first


@pytest.mark.parametrize("src", ["/etc/hostname", "~/secret.png", "F:/notes/x.png", "C:\\img\\x.png", "C:%5Cimg%5Cx.png",
                                 "\\\\server\\share\\x.png", "//server/share/x.png"])
def test_absolute_paths_are_named_as_such(tree: Path, src: str) -> None:
    result, diags = resolve(tree, src)
    assert result is None
    from urllib.parse import unquote

    assert diags == [("warning", "S033", f"image not found: {unquote(src)} is an absolute path, and no file inside "
                      "the source folder ends with its last parts; it is left out of the card",
                      "copy the image into the source folder and link it with a path relative to the card's file")]


@pytest.mark.parametrize("src", ["F:/Projects/book/cards_src/notes/img/ch14/x.png", "F:\\book\\notes\\img\\ch14\\x.png",
                                 "/home/me/book/notes/img/ch14/x.png", "/notes/img/ch14/x.png"])
def test_an_absolute_path_whose_end_names_a_file_inside_is_that_file(tree: Path, src: str) -> None:
    result, diags = resolve(tree, src)
    assert isinstance(result, MediaFile) and result.path == (tree / "notes/img/ch14/x.png").resolve()
    [(severity, code, message, hint)] = diags
    assert (severity, code) == ("warning", "S038")
    assert message.endswith("used img/ch14/x.png, the file it names inside the source folder")
    assert hint == "write the path relative to the card's file: img/ch14/x.png"


@pytest.mark.parametrize("src", ["/images/r.png", "/images\\r.png"])
def test_a_site_root_path_is_the_one_file_whose_path_ends_so(tree: Path, src: str) -> None:
    # VitePress serves docs/public/images/r.png as /images/r.png
    (tree / "public/images").mkdir(parents=True)
    (tree / "public/images/r.png").write_bytes(PNG)
    result, diags = resolve(tree, src)
    assert isinstance(result, MediaFile) and result.path == (tree / "public/images/r.png").resolve()
    assert [d[1] for d in diags] == ["S038"] and diags[0][2].endswith("used ../public/images/r.png, the file it "
                                                                      "names inside the source folder")


def test_a_site_root_path_two_files_end_with_is_not_guessed(tree: Path) -> None:
    for folder in ("public/images", "old/images"):
        (tree / folder).mkdir(parents=True)
        (tree / folder / "r.png").write_bytes(PNG)
    result, diags = resolve(tree, "/images/r.png")
    assert result is None and [d[1] for d in diags] == ["S033"]


def test_an_absolute_path_never_reaches_outside_through_a_link_inside(tree: Path) -> None:
    (tree / "notes/img/out.png").symlink_to(tree.parent / "cards_src_evil/secret.png")
    result, diags = resolve(tree, "/srv/site/notes/img/out.png")
    assert result is None and [d[1] for d in diags] == ["S033"]


@pytest.mark.parametrize("src", ["../../cards_src_evil/secret.png", "..\\..\\cards_src_evil\\secret.png",
                                 "../../cards_src_evil/missing.png"])
def test_paths_that_leave_the_tree_are_refused_whether_or_not_they_exist(tree: Path, src: str) -> None:
    result, diags = resolve(tree, src)
    assert result is None
    assert diags == [("error", "S035", f"image path leaves the source folder: {src}",
                      "copy the image into the source folder and link it with a relative path")]


def test_the_source_root_itself_is_inside(tree: Path) -> None:
    (tree / "top.png").write_bytes(PNG)
    result, diags = resolve(tree, "../top.png")
    assert diags == [] and isinstance(result, MediaFile)


def test_building_one_file_confines_images_to_its_folder(tree: Path) -> None:
    (tree / "top.png").write_bytes(PNG)
    one_file = tree / "notes/a.md"
    assert isinstance(resolve(tree, "img/ch14/x.png", root=one_file)[0], MediaFile)
    result, diags = resolve(tree, "../top.png", root=one_file)
    assert result is None and diags[0][1] == "S035"


def test_remote_images_stay_links_with_a_warning(tree: Path) -> None:
    for url in ("https://example.org/a.png", "http://example.org/a.png"):
        result, diags = resolve(tree, url)
        assert result == url
        assert diags == [("warning", "S030", f"remote image is not packed: {url}",
                          "download it next to the card so the deck works offline")]


@pytest.mark.parametrize("src, scheme", [("data:image/png;base64,AAAA", "data"), ("file:///etc/passwd", "file"),
                                         ("javascript:alert(1)", "javascript")])
def test_other_schemes_are_refused(tree: Path, src: str, scheme: str) -> None:
    result, diags = resolve(tree, src)
    assert result is None and diags == [("error", "S031", f"image URL scheme '{scheme}:' is not allowed",
                                         "use a relative path to a file below the source folder")]


def test_empty_missing_and_folder_paths(tree: Path) -> None:
    assert resolve(tree, "") == (None, [("warning", "S032", "image has an empty path; it is left out of the card",
                                         "fill in the path, or delete the image")])
    result, diags = resolve(tree, "img/none.png")
    assert result is None
    assert diags == [("warning", "S033", "image not found: img/none.png; it is left out of the card",
                      "the path is relative to notes/a.md")]
    result, diags = resolve(tree, "img/ch14")
    assert result is None and diags == [("warning", "S033", "image is not a file: img/ch14; it is left out of "
                                                             "the card", None)]


def test_percent_escapes_are_decoded(tree: Path) -> None:
    (tree / "notes/img/a b.png").write_bytes(PNG)
    result, diags = resolve(tree, "img/a%20b.png")
    assert diags == [] and isinstance(result, MediaFile) and result.path.name == "a b.png"


def test_only_image_types_are_packed(tree: Path) -> None:
    (tree / "notes/img/notes.txt").write_bytes(PNG)
    result, diags = resolve(tree, "img/notes.txt")
    assert result is None and diags[0][:3] == ("error", "S034", "not an image file type: img/notes.txt")
    assert diags[0][3] == "supported: .avif .bmp .gif .jfif .jpeg .jpg .png .svg .webp"


def test_a_text_file_named_png_is_not_packed(tree: Path) -> None:
    (tree / "notes/img/fake.png").write_text("I am not a picture", encoding="utf-8")
    result, diags = resolve(tree, "img/fake.png")
    assert result is None
    assert diags == [("error", "S034", "not an image: img/fake.png holds no PNG data", "the file's content is no "
                      "image Anki can show; export it again as PNG, JPEG or SVG")]


def test_the_packed_name_says_what_the_content_is(tree: Path) -> None:
    (tree / "notes/img/photo.JPEG").write_bytes(JPEG)
    (tree / "notes/img/photo.png").write_bytes(JPEG)  # a JPEG saved under the wrong name
    (tree / "notes/img/plan.svg").write_bytes(SVG)
    assert resolve(tree, "img/photo.JPEG")[0].name == packed_name(JPEG, ".jpeg")
    assert resolve(tree, "img/photo.png")[0].name == packed_name(JPEG, ".jpg")
    assert resolve(tree, "img/plan.svg")[0].name == packed_name(SVG, ".svg")


@pytest.mark.parametrize("data, kind", [
    (PNG, ".png"), (JPEG, ".jpg"), (b"GIF89a" + b"\0" * 10, ".gif"), (b"GIF87a" + b"\0" * 10, ".gif"),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 ", ".webp"), (b"BM" + b"\0" * 30, ".bmp"),
    (b"\0\0\0\x1cftypavif" + b"\0" * 8, ".avif"), (b"\0\0\0\x1cftypavis" + b"\0" * 8, ".avif"),
    (SVG, ".svg"), (b"\xef\xbb\xbf  <svg>", ".svg"), (b"<!DOCTYPE svg PUBLIC \"x\">\n<svg\n>", ".svg"),
    (b"BM" + b"\0" * 24, ".bmp"), (b" " * 4091 + b"<svg>", ".svg"),
    (b"", None), (b"\x89PNG", None), (b"BM", None), (b"BM" + b"\0" * 23, None), (b" " * 4092 + b"<svg>", None), (b"RIFF\x10\x00\x00\x00WAVE", None),
    (b"\0\0\0\x1cftypmp42", None), (b"<html><svg></svg></html>", None), (b"<svgx>", None),
    (b"just text", None),
])
def test_sniffed_types(data: bytes, kind: str | None) -> None:
    assert sniff(data) == kind


def test_an_obsidian_embed_is_found_by_its_name_anywhere_in_the_tree(tree: Path) -> None:
    (tree / "attachments").mkdir()
    (tree / "attachments/Grid.PNG").write_bytes(PNG)
    sink = Sink()
    resolver = MediaResolver(sink)
    source = SourceFile(tree / "notes/a.md", "notes/a.md", tree, "")
    found = resolver.resolve("grid.png", source, SPAN, "![[grid.png]]", by_name=True)
    assert isinstance(found, MediaFile) and found.path == (tree / "attachments/Grid.PNG").resolve()
    assert resolver.resolve("grid.png", source, SPAN, "![](grid.png)") is None  # a Markdown path is a path
    assert resolver.resolve("nowhere.png", source, SPAN, "![[nowhere.png]]", by_name=True) is None
    assert [d.hint for d in sink.items] == ["the path is relative to notes/a.md",
                                            "looked for beside notes/a.md and by name in the whole source folder"]
    near = resolver.resolve("img/ch14/x.png", source, SPAN, "![[img/ch14/x.png]]", by_name=True)
    assert isinstance(near, MediaFile)  # a path in an embed is relative, as in Markdown


def test_a_jfif_is_a_jpeg(tree: Path) -> None:
    (tree / "notes/img/photo.jfif").write_bytes(JPEG)
    result, diags = resolve(tree, "img/photo.jfif")
    assert diags == [] and isinstance(result, MediaFile) and result.name.endswith(".jpg")
