"""Local images referenced from cards, confined to the source tree and named by content."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ankigen.diagnostics import Sink
from ankigen.model import MediaFile, SourceFile, Span

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".avif"}


class MediaResolver:
    """Resolves image references of one build; each file is read and hashed once."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self._names: dict[Path, str] = {}

    def resolve(self, src: str, source: SourceFile, span: Span, line_text: str) -> MediaFile | str | None:
        """A MediaFile for a local image, the URL itself for a remote one, None when it is refused."""
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
        if not raw:
            self.sink.error(span, "S032", "image has an empty path", source_line=line_text)
            return None
        rel = Path(raw)
        root = source.root.resolve() if source.root.is_dir() else source.root.resolve().parent
        if rel.is_absolute() or raw.startswith("~"):
            self._outside(span, raw, line_text)
            return None
        target = (source.path.parent / rel)
        try:
            resolved = target.resolve(strict=True)
        except (OSError, RuntimeError):
            # A path that leaves the tree is refused before we say whether it exists.
            if not _is_within(target.resolve(strict=False), root):
                self._outside(span, raw, line_text)
                return None
            self.sink.error(span, "S033", f"image not found: {raw}",
                            hint=f"the path is relative to {source.rel}", source_line=line_text)
            return None
        if not _is_within(resolved, root):
            self._outside(span, raw, line_text)
            return None
        if not resolved.is_file():
            self.sink.error(span, "S033", f"image is not a file: {raw}", source_line=line_text)
            return None
        if resolved.suffix.lower() not in IMAGE_SUFFIXES:
            self.sink.error(span, "S034", f"not an image file type: {raw}",
                            hint="supported: " + " ".join(sorted(IMAGE_SUFFIXES)), source_line=line_text)
            return None
        name = self._names.get(resolved)
        if name is None:
            digest = hashlib.sha256(resolved.read_bytes()).hexdigest()[:20]
            name = f"ankigen-{digest}{resolved.suffix.lower()}"
            self._names[resolved] = name
        return MediaFile(path=resolved, name=name)

    def _outside(self, span: Span, raw: str, line_text: str) -> None:
        self.sink.error(span, "S035", f"image path leaves the source folder: {raw}",
                        hint="copy the image into the source folder and link it with a relative path",
                        source_line=line_text)


def _is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents
