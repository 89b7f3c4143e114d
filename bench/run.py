"""Times `ankigen build` cold, warm and after a one-card edit on synthetic decks.

Usage: python bench/run.py [--sizes 1000 10000] [--no-pdf]
Each run is a fresh process; wall time and peak memory (max RSS) per stage come from
ANKIGEN_TIMINGS, the total from the process itself. "peak MB" is the largest sum of the resident
memory of ankigen and its Typst workers, sampled from /proc every 20 ms.

"edit (watch)" is what a learner with `ankigen build --watch` open meets: one process that has
built the deck, then WATCH_EDITS edits of one card's answer, each timed from the file's write to
the end of the build it starts (its ANKIGEN_TIMINGS line, printed once the outputs are in place).
The row is the median edit; its peak is the whole watching process's.

--pathological times a cold build of each deck of bench/generate.py's PATHOLOGICAL (one ordinary
card beside one answer of megabytes, or of 10,000 table rows) instead of the sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import PATHOLOGICAL, edit_one, generate, pathological  # noqa: E402

STAGES = ("fingerprint", "read", "parse", "check", "apkg", "pdf", "pdf (waiting)")


def _tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * resource.getpagesize()
        except (OSError, ValueError, IndexError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total / 2**20


def measured(cmd: list[str], cwd: Path, env: dict, interval: float = 0.02) -> tuple[int, str, str, float, float]:
    """Run cmd: (exit code, stdout, stderr, wall seconds, peak MB of its process tree)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_mb(proc.pid))
            time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    sampler.join()
    return proc.returncode, out, err, seconds, peak[0]


def run_build(project: Path, pdf: bool) -> dict:
    env = {**os.environ, "ANKIGEN_TIMINGS": "1"}
    env.pop("SOURCE_DATE_EPOCH", None)
    cmd = [sys.executable, "-m", "ankigen", "build", "-q"] + ([] if pdf else ["--no-pdf"])
    code, out, err, total, peak_mb = measured(cmd, project, env)
    if code != 0:
        raise SystemExit(f"build failed:\n{out}\n{err}")
    line = next(l for l in err.splitlines() if l.startswith("ANKIGEN_TIMINGS "))
    stages = {row["stage"]: row for row in json.loads(line.split(" ", 1)[1])}
    return {"total": total, "peak_mb": max([peak_mb, *(r["peak_mb"] for r in stages.values())]), "stages": stages}


def bench(count: int, pdf: bool) -> list[tuple[str, dict]]:
    with tempfile.TemporaryDirectory(prefix=f"ankigen-bench-{count}-") as tmp:
        project = Path(tmp)
        (project / "pyproject.toml").write_text(
            '[tool.ankigen]\nroot_deck = "Bench"\nnamespace = "ankigen-bench"\n', encoding="utf-8")
        generate(project / "cards_src", count)
        results = [("cold", run_build(project, pdf)), ("warm (no change)", run_build(project, pdf))]
        edit_one(project / "cards_src")
        results.append(("one-card edit", run_build(project, pdf)))
        results.append(("edit (watch)", watch_edits(project, pdf)))
        return results


def bench_pathological(pdf: bool) -> list[tuple[str, dict]]:
    results = []
    for kind in PATHOLOGICAL:
        with tempfile.TemporaryDirectory(prefix="ankigen-bench-dump-") as tmp:
            project = Path(tmp)
            (project / "pyproject.toml").write_text(
                '[tool.ankigen]\nroot_deck = "Dump"\nnamespace = "ankigen-bench"\n', encoding="utf-8")
            pathological(project / "cards_src", kind)
            results.append((kind, run_build(project, pdf)))
    return results


WATCH_EDITS = 5


def watch_edits(project: Path, pdf: bool) -> dict:
    env = {**os.environ, "ANKIGEN_TIMINGS": "1"}
    env.pop("SOURCE_DATE_EPOCH", None)
    cmd = [sys.executable, "-m", "ankigen", "build", "--watch", "-q"] + ([] if pdf else ["--no-pdf"])
    proc = subprocess.Popen(cmd, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    timings: queue.SimpleQueue = queue.SimpleQueue()
    peak = [0.0]

    def read() -> None:
        for line in proc.stderr:
            if line.startswith("ANKIGEN_TIMINGS "):
                timings.put((time.perf_counter(), json.loads(line.split(" ", 1)[1])))

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_mb(proc.pid))
            time.sleep(0.02)

    threading.Thread(target=read, daemon=True).start()
    threading.Thread(target=sample, daemon=True).start()
    try:
        timings.get(timeout=600)  # the first build (up to date here)
        path = sorted((project / "cards_src").rglob("*.md"))[-1]
        edits = []
        for k in range(WATCH_EDITS):
            time.sleep(1.0)  # the watcher is waiting, as it is between a learner's edits
            text = path.read_text(encoding="utf-8")
            start = time.perf_counter()
            path.write_text(text.replace("用来模拟", f"用来模拟{k}", 1), encoding="utf-8")
            end, rows = timings.get(timeout=600)
            edits.append((end - start, rows))
    finally:
        proc.terminate()
        proc.wait()
    seconds, rows = sorted(edits, key=lambda e: e[0])[len(edits) // 2]
    return {"total": seconds, "peak_mb": peak[0], "stages": {row["stage"]: row for row in rows}}


def table(count: int | str, results: list[tuple[str, dict]]) -> str:
    head = f"{'N':>6}  {'run':<17} {'total s':>8} {'peak MB':>8}  " + "  ".join(f"{s:>12}" for s in STAGES)
    rows = [head, "-" * len(head)]
    for name, r in results:
        cells = []
        for s in STAGES:
            row = r["stages"].get(s)
            cells.append(f"{row['seconds']:>6.2f}s/{row['peak_mb']:>4.0f}M" if row else f"{'-':>12}")
        rows.append(f"{count:>6}  {name[:17]:<17} {r['total']:>8.2f} {r['peak_mb']:>8.0f}  " + "  ".join(cells))
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--no-pdf", action="store_true", help="time the .apkg alone")
    parser.add_argument("--pathological", action="store_true", help="time the decks of one pathological card")
    args = parser.parse_args()
    if args.pathological:
        print(table(2, bench_pathological(not args.no_pdf)), flush=True)
        return
    for count in args.sizes:
        print(table(count, bench(count, not args.no_pdf)), flush=True)
        print()


if __name__ == "__main__":
    main()
