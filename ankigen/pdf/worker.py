"""Typst jobs, run in this process or in a worker process that reads them from stdin.

A worker is started as `python worker.py` (a file, not `-m`): it imports only typst and
the standard library, so it starts fast and does not need ankigen on its path. Each line it
reads is one JSON job; each line it writes is the JSON answer [ok, text, diagnostic, peak memory
in MB, anonymous memory in MB or null]. On failure the text is Typst's message and the diagnostic
its full report, with the `┌─ file:line:col` of each place involved: the PDF stage finds the card
to blame from it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

# Chunks are cached by content, so their bytes must not depend on the clock; the merged PDF
# gets the build's date in its own metadata.
FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)

_fonts: dict[str, object] = {}


def installed_fonts(key: str, found=None):
    """The installed fonts, found once per key (the digest of the font files the PDF uses), or
    `found` (a `typst.Fonts` the caller already has) for a new key. Left to itself, every compile
    searches the system's fonts again and parses each face it needs anew: with the fonts kept, a
    chunk compiles in about half the time, and Typst's memo of laid-out text is reused from one
    chunk to the next."""
    import typst

    if key not in _fonts:
        _fonts.clear()  # a font installed or removed since: a new key
        _fonts[key] = found if found is not None else typst.Fonts()
    return _fonts[key]


def run(kind: str, source: str, root: str, out: str | None, fonts_key: str = "") -> tuple[bool, str, str]:
    """(True, answer, "") or (False, Typst's message, its diagnostic). A "pdf" job writes the PDF
    to `out` by rename, a "query" answers with the <m> metadata, a "check" only compiles."""
    import typst

    found = installed_fonts(fonts_key)
    try:
        if kind == "query":
            rows = typst.query(source, "<m>", field="value", root=root, format="json", font_paths=found)
            if isinstance(rows, bytes):
                rows = rows.decode("utf-8")
            return True, rows if isinstance(rows, str) else json.dumps(rows), ""
        pdf = typst.compile(source, root=root, timestamp=FIXED_TIME, pdf_tags=False, font_paths=found)
    except Exception as exc:  # noqa: BLE001 — typst reports its own errors
        if kind == "query":  # typst.query's error has no places in it; compiling tells them
            return False, str(exc).removeprefix("failed to compile document: "), _diagnostic(source, root, found)
        return False, str(exc), str(getattr(exc, "diagnostic", "") or "")
    if kind == "check":
        return True, "", ""
    tmp = f"{out}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(pdf)
    os.replace(tmp, out)
    return True, out, ""


def _diagnostic(source: str, root: str, found) -> str:
    import typst

    try:
        typst.compile(source, root=root, timestamp=FIXED_TIME, pdf_tags=False, font_paths=found)
    except Exception as exc:  # noqa: BLE001
        return str(getattr(exc, "diagnostic", "") or "")
    return ""


def anon_mb() -> int | None:
    """The worker's anonymous memory now (what Typst memoised; Linux only): unlike its peak, this
    leaves out the font files it has mapped (some 100-250 MB of CJK faces), which are shared with
    every other process and no reason to replace the worker."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def peak_mb() -> int:
    try:
        import resource
    except ImportError:  # Windows: the worker is then never replaced for its size
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // (1024 * 1024) if sys.platform == "darwin" else peak // 1024


def main() -> None:
    for line in sys.stdin:  # ends when the parent closes the pipe, or exits
        ok, answer, diagnostic = run(*json.loads(line))
        sys.stdout.write(json.dumps([ok, answer, diagnostic, peak_mb(), anon_mb()]) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
