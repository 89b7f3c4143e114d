"""Typst jobs, run in this process or in a worker process that reads them from stdin.

A worker is started as `python typst_worker.py` (a file, not `-m`): it imports only typst and
the standard library, so it starts fast and does not need ankigen on its path. Each line it
reads is one JSON job; each line it writes is the JSON answer [ok, text, peak memory in MB].
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

# Chunks are cached by content, so their bytes must not depend on the clock; the merged PDF
# gets the build's date in its own metadata.
FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def run(kind: str, source: str, root: str, out: str | None) -> tuple[bool, str]:
    """(True, answer) or (False, Typst's message). A PDF is written to `out` by rename."""
    import typst

    try:
        if kind == "query":
            rows = typst.query(source, "<m>", field="value", root=root, format="json")
            if isinstance(rows, bytes):
                rows = rows.decode("utf-8")
            return True, rows if isinstance(rows, str) else json.dumps(rows)
        pdf = typst.compile(source, root=root, timestamp=FIXED_TIME, pdf_tags=False)
    except Exception as exc:  # noqa: BLE001 — typst reports its own errors
        return False, str(exc)
    tmp = f"{out}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(pdf)
    os.replace(tmp, out)
    return True, out


def peak_mb() -> int:
    try:
        import resource
    except ImportError:  # Windows: the worker is then never replaced for its size
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // (1024 * 1024) if sys.platform == "darwin" else peak // 1024


def main() -> None:
    for line in sys.stdin:  # ends when the parent closes the pipe, or exits
        ok, answer = run(*json.loads(line))
        sys.stdout.write(json.dumps([ok, answer, peak_mb()]) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
