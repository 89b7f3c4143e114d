"""What this process last read from or wrote to a cache file, kept while the file stays as it was.

A process that builds again (`build --watch`) would otherwise decode the same JSON on every
edit: at 10,000 cards, most of a second per cache. The file's size, modification time and inode
tell whether it is still what was kept; another process that rewrites it changes them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

_kept: dict[str, tuple[tuple[int, int, int], Any]] = {}


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def recall(path: Path) -> Any | None:
    """The value kept for the file, if the file has not changed since; the caller must not change it."""
    kept = _kept.get(str(path))
    return kept[1] if kept is not None and kept[0] == _stamp(path) else None


def keep(path: Path, value: Any) -> None:
    """Remember `value` as what the file holds now (just read, or just written)."""
    stamp = _stamp(path)
    if stamp is None:
        _kept.pop(str(path), None)
    else:
        _kept[str(path)] = (stamp, value)
