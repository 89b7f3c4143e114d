"""ankigen: Markdown study notes to checked Anki decks and printable cards."""

__version__ = "0.1.0"


def code_digest() -> str:
    """A digest of ankigen's own files: caches and up-to-date checks start afresh when the code
    changes, even without a new version number (a development install, a patched copy)."""
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        import hashlib
        from pathlib import Path

        h = hashlib.sha256(__version__.encode())
        root = Path(__file__).parent
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".html", ".css"):
                h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
        _CODE_DIGEST = h.hexdigest()[:16]
    return _CODE_DIGEST


_CODE_DIGEST: str | None = None
