"""Skipping a build whose inputs and outputs are exactly as the last build left them.

The fingerprint covers every file of the source tree (Markdown by content, images by size and
time), the lock, the settings, SOURCE_DATE_EPOCH and the ankigen version; the outputs are
compared by content. A match replays the last build's diagnostics instead of redoing it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

from ankigen import code_digest
from ankigen.config import Config
from ankigen.diagnostics import diagnostic_from_row, diagnostic_row
from ankigen.model import Diagnostic, Summary
from ankigen.run.output import write_text_atomic
from ankigen.source.sources import display_path

FORMAT = 1
_BY_CONTENT = (".md", ".lock", ".toml", ".yaml", ".yml")


def sources_print(src: Path, out: Path, config: Config, lock_file: Path) -> str:
    """Everything a build reads except the lock (which the build itself may rewrite)."""
    h = hashlib.sha256(f"{FORMAT}|{code_digest()}|{config!r}|{out.resolve()}|"
                       f"{os.environ.get('SOURCE_DATE_EPOCH', '')}".encode("utf-8"))
    files = sorted(p for p in src.rglob("*") if p.is_file() and p != lock_file) if src.is_dir() else [src]
    for path in [*files, config.project_dir / "pyproject.toml"]:
        h.update(b"\x1e" + str(path).encode("utf-8", "surrogateescape") + b"\x1f")
        try:
            if path.suffix in _BY_CONTENT:
                with path.open("rb") as f:  # streamed: a huge file must not be held in memory here
                    h.update(hashlib.file_digest(f, "sha256").digest())
            else:
                st = path.stat()
                h.update(f"{st.st_size}|{st.st_mtime_ns}".encode())
        except OSError:
            h.update(b"missing")
    return h.hexdigest()


def with_lock(sources: str, lock_file: Path) -> str:
    """The build's fingerprint: the sources as read at its start, the lock as it left it."""
    try:
        lock = lock_file.read_bytes()
    except OSError:
        lock = b"missing"
    return hashlib.sha256(sources.encode() + b"\x1e" + lock).hexdigest()


def _digest(path: Path) -> str | None:
    try:
        with path.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None


# A replay may run from another folder than the build it repeats: its paths are kept absolute
# and shown again as the user would type them from where they stand now.
def _anywhere(d: Diagnostic) -> Diagnostic:
    return replace(d, span=replace(d.span, path=str(Path(d.span.path).absolute())))


def _here(d: Diagnostic) -> Diagnostic:
    return replace(d, span=replace(d.span, path=display_path(Path(d.span.path))))


class Stamp:
    """What the last successful build saw and wrote, kept in the cache folder."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def replay(self, print_: str, outputs: list[Path]):
        """(diagnostics, summary, notes) of the last build when nothing changed since, else None."""
        if self.path is None:
            return None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data["fingerprint"] != print_ or sorted(data["outputs"]) != sorted(map(str, outputs)):
                return None
            if any(_digest(Path(p)) != d for p, d in data["outputs"].items()):
                return None
            summary = Summary(**data["summary"])
            return tuple(_here(diagnostic_from_row(r)) for r in data["diagnostics"]), summary, int(data["notes"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def record(self, print_: str, outputs: list[Path], diagnostics, summary: Summary, notes: int) -> None:
        if self.path is None:
            return
        data = {"fingerprint": print_, "outputs": {str(p): _digest(p) for p in outputs},
                "diagnostics": [diagnostic_row(_anywhere(d)) for d in diagnostics], "notes": notes,
                "summary": {"cards": summary.cards, "claims": summary.claims, "failed": summary.failed,
                            "errors": summary.errors, "warnings": summary.warnings, "extra": summary.extra}}
        try:
            write_text_atomic(self.path, json.dumps(data, ensure_ascii=False))
        except OSError:
            pass  # only the next build's speed depends on it
