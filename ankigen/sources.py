"""Finding the Markdown sources and decoding them."""

from __future__ import annotations

from pathlib import Path

from ankigen.diagnostics import Sink
from ankigen.model import SourceFile, Span


def discover(root: Path) -> list[Path]:
    """Every `*.md` below root, recursively, in sorted path order; hidden folders are skipped."""
    if root.is_file():
        return [root]
    found = []
    for path in root.rglob("*.md"):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when it is below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def decode(path: Path, root: Path, data: bytes, sink: Sink) -> SourceFile | None:
    """UTF-8 text with the BOM dropped and line ends made `\\n`; None (and an error) if not UTF-8."""
    rel = display_path(path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        sink.error(
            Span(rel, line, col),
            "S001",
            f"not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}",
            hint="save the file as UTF-8 (most editors: 'Save with encoding' → UTF-8)",
        )
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceFile(path=path, rel=rel, root=root, text=text)


def read_sources(root: Path, sink: Sink) -> list[SourceFile]:
    """Read and decode every source below root."""
    sources = []
    for path in discover(root):
        try:
            data = path.read_bytes()
        except OSError as exc:
            sink.error(Span(display_path(path), 1, 1), "S002", f"cannot read file: {exc.strerror}")
            continue
        source = decode(path, root, data, sink)
        if source is not None:
            sources.append(source)
    return sources
