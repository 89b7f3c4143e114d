"""Local images referenced from cards, confined to the source tree and named by content."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from ankigen.diagnostics import Sink
from ankigen.model import MediaFile, SourceFile, Span

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".jfif", ".gif", ".svg", ".webp", ".bmp", ".avif"}
# `C:\x`, `C:/x`, `\\server\share`: absolute on Windows, where other people's notes were written.
_WINDOWS_ABSOLUTE = re.compile(r"^(?:[A-Za-z]:[\\/]|[\\/]{2})")
_SVG = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]", re.S | re.I)


def sniff(data: bytes) -> str | None:
    """The image type the bytes hold, as a suffix ('.png'), or None when they are no image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return ".gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    if data[:2] == b"BM" and len(data) >= 26:
        return ".bmp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis"):
        return ".avif"
    if _SVG.match(data.removeprefix(b"\xef\xbb\xbf")[:4096]):
        return ".svg"
    return None


class MediaResolver:
    """Resolves image references of one build; each file is read and hashed once."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.asked = 0  # references resolved: a file that asked for none depends on its text alone
        self._names: dict[Path, str] = {}
        self._index: dict[Path, dict[str, list[Path]]] = {}
        self._first: dict[Path, dict[str, Path]] = {}

    def _by_name(self, root: Path) -> dict[str, Path]:
        """Image files of the tree by lower-case name, the first in path order winning, as a vault
        resolves `![[name]]` wherever its attachments folder is."""
        if root not in self._first:
            self._first[root] = {name: paths[0] for name, paths in self._named(root).items()}
        return self._first[root]

    def _named(self, root: Path) -> dict[str, list[Path]]:
        """Every image file of the tree by lower-case name, in path order."""
        if root not in self._index:
            found: dict[str, list[Path]] = {}
            for path in sorted(root.rglob("*")):
                rel = path.relative_to(root).parts
                if path.suffix.lower() in IMAGE_SUFFIXES and not any(p.startswith(".") for p in rel):
                    found.setdefault(path.name.lower(), []).append(path)
            self._index[root] = found
        return self._index[root]

    def resolve(self, src: str, source: SourceFile, span: Span, line_text: str,
                by_name: bool = False) -> MediaFile | str | None:
        """A MediaFile for a local image, the URL itself for a remote one, None when it is refused.
        by_name: an Obsidian embed (`![[x.png]]`), whose bare name is looked up in the whole tree."""
        self.asked += 1
        if _WINDOWS_ABSOLUTE.match(unquote(src)):  # Markdown hands `C:\x` over as `C:%5Cx`
            return self._absolute(span, unquote(src), line_text, source)
        parts = urlsplit(src)
        if parts.scheme in ("http", "https"):
            self.sink.warning(span, "S030", f"remote image is not packed: {src}",
                              hint="download it next to the card so the deck works offline",
                              source_line=line_text)
            return src
        if parts.scheme or parts.netloc:
            self.sink.error(span, "S031", f"image URL scheme '{parts.scheme}:' is not allowed",
                            hint="use a relative path to a file below the source folder",
                            source_line=line_text)
            return None
        raw = unquote(parts.path)
        if not raw:  # `![]()`: a placeholder nobody filled in costs nothing but the picture
            self.sink.warning(span, "S032", "image has an empty path; it is left out of the card",
                              hint="fill in the path, or delete the image", source_line=line_text)
            return None
        if raw.startswith(("/", "~")):
            return self._absolute(span, raw, line_text, source)
        rel = Path(raw.replace("\\", "/"))  # notes written on Windows: `img\ch1\a.png`
        root = source.root.resolve() if source.root.is_dir() else source.root.resolve().parent
        target = (source.path.parent / rel)
        if by_name and not target.exists() and len(rel.parts) == 1:
            target = self._by_name(root).get(rel.name.lower(), target)
        try:
            resolved = target.resolve(strict=True)
        except (OSError, RuntimeError):
            # A path that leaves the tree is refused before we say whether it exists.
            if not _is_within(target.resolve(), root):
                self._outside(span, raw, line_text)
                return None
            where = (f"looked for beside {source.rel} and by name in the whole source folder"
                     if by_name and len(rel.parts) == 1 else f"the path is relative to {source.rel}")
            # A missing picture costs its card the picture, not the deck its build (a vault whose
            # attachments were not copied, a book whose figures were never committed).
            self.sink.warning(span, "S033", f"image not found: {raw}; it is left out of the card",
                              hint=where, source_line=line_text)
            return None
        if not _is_within(resolved, root):
            self._outside(span, raw, line_text)
            return None
        if not resolved.is_file():
            self.sink.warning(span, "S033", f"image is not a file: {raw}; it is left out of the card",
                              source_line=line_text)
            return None
        if resolved.suffix.lower() not in IMAGE_SUFFIXES:
            self.sink.error(span, "S034", f"not an image file type: {raw}",
                            hint="supported: " + " ".join(sorted(IMAGE_SUFFIXES)), source_line=line_text)
            return None
        name = self._names.get(resolved)
        if name is None:
            name = self._name(resolved)
            self._names[resolved] = name
        if not name:
            self.sink.error(span, "S034", f"not an image: {raw} holds no {resolved.suffix[1:].upper()} data",
                            hint="the file's content is no image Anki can show; export it again as PNG, "
                                 "JPEG or SVG", source_line=line_text)
            return None
        return MediaFile(path=resolved, name=name)

    @staticmethod
    def _name(path: Path) -> str:
        """The packed name: content hash and the type the content really has ('' if none)."""
        data = path.read_bytes()
        kind = sniff(data)
        if kind is None:
            return ""
        suffix = path.suffix.lower()
        if suffix.replace(".jpeg", ".jpg") != kind:  # a JPEG named .png: Anki is told what it holds
            suffix = kind
        return f"ankigen-{hashlib.sha256(data).hexdigest()[:20]}{suffix}"

    def _absolute(self, span: Span, raw: str, line_text: str, source: SourceFile) -> MediaFile | None:
        """An absolute path (`F:/book/docs/imgs/a.png`, `/assets/a.png` of a site's root) whose last
        components name a file inside the source folder is that file, with a warning; nothing
        outside the source folder is ever read."""
        root = source.root.resolve() if source.root.is_dir() else source.root.resolve().parent
        parts = [p for p in re.split(r"[\\/]+", raw) if p and not p.endswith(":") and p not in (".", "..", "~")]
        for k in range(len(parts), 0, -1):
            candidate = root.joinpath(*parts[-k:])
            try:
                found = candidate.resolve(strict=True)
            except (OSError, RuntimeError):
                found = self._ending_with(root, parts[-k:]) if k > 1 or len(parts) == 1 else None
                if found is None:
                    continue
            if found.is_file() and _is_within(found, root):
                rel = os.path.relpath(found, source.path.parent.resolve()).replace(os.sep, "/")
                self.sink.warning(span, "S038", f"image path is absolute: {raw}; used {rel}, the file it names "
                                  "inside the source folder", hint=f"write the path relative to the card's file: {rel}",
                                  source_line=line_text)
                return self.resolve(quote(rel), source, span, line_text)
        # Nothing inside has that name: a missing picture, which costs its card the picture only.
        self.sink.warning(span, "S033", f"image not found: {raw} is an absolute path, and no file inside the "
                          "source folder ends with its last parts; it is left out of the card",
                          hint="copy the image into the source folder and link it with a path relative to "
                               "the card's file", source_line=line_text)
        return None

    def _ending_with(self, root: Path, parts: list[str]) -> Path | None:
        """The one image file of the tree whose path ends with these parts: `/images/r.jpg` of a
        VitePress site is `docs/public/images/r.jpg`. None when none does, or several do."""
        tail = [p.lower() for p in parts]
        hits = [path for path in self._named(root).get(tail[-1], [])
                if [p.lower() for p in path.relative_to(root).parts[-len(tail):]] == tail]
        return hits[0].resolve() if len(hits) == 1 else None

    def _outside(self, span: Span, raw: str, line_text: str) -> None:
        self.sink.error(span, "S035", f"image path leaves the source folder: {raw}",
                        hint="copy the image into the source folder and link it with a relative path",
                        source_line=line_text)


def _is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents
