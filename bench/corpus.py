"""Run `ankigen check` over folders of other people's Markdown notes and tabulate what happened.

    .venv/bin/python bench/corpus.py DIR [DIR …] [--heading auto|1|2|3|4] [--show C001] [--plant 30]

Each DIR (a fetched repository of notes, say) is copied into a temporary project: only its
`*.md` files, each given the `card_heading` its own headings suggest (the shallowest level below
1 that it uses) unless --heading says otherwise. The real CLI runs on the copy in a fresh
process, so a crash is exit code 2, exactly as a user would meet it. Printed per folder: files,
cards, display formulas, claims and their verdicts, statements, unreadable formulas by the
construct that stopped them, diagnostics by code, time and peak memory.

--plant N changes one digit in N claims that hold (at most one within 15 lines) and checks
that each is then reported at its own line: the checker's recall on real notes.
--show CODE prints every diagnostic of that code, to read false alarms.
Fetched notes never enter the repository: keep them in a git-ignored folder such as .corpus/.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_HEADING = re.compile(r"^(#{1,6})\s", re.M)
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)


def card_heading(text: str) -> int:
    """The shallowest heading level below 1 that the file uses (2 when it uses none)."""
    levels = {len(m.group(1)) for m in _HEADING.finditer(_FENCE.sub("", text))}
    below = sorted(level for level in levels if 1 < level <= 4)
    return below[0] if below else 2


def with_heading(text: str, level: int) -> str:
    """The file with `card_heading: level` in its front matter (added when it has none)."""
    if level == 2:
        return text
    body = text.lstrip("\ufeff")
    if body.startswith("---\n"):
        return f"---\ncard_heading: {level}\n" + body[4:]
    return f"---\ncard_heading: {level}\n---\n" + body


def promoted(text: str, level: int) -> str:
    """For ankigen versions without card_heading: level-N headings become '## ', shallower ones '# '."""
    if level <= 2:
        return text

    def swap(m: re.Match) -> str:
        n = len(m.group(1))
        return "## " if n == level else "# " if n < level else m.group(0)
    return _HEADING.sub(swap, text)


def make_project(src: Path, dest: Path, heading: str, legacy: bool = False) -> int:
    """Copy the Markdown of src into dest/cards_src with a pyproject; the number of files."""
    cards = dest / "cards_src"
    n = 0
    for path in sorted(src.rglob("*.md")):
        if any(part.startswith(".") for part in path.relative_to(src).parts):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            text = None
        target = cards / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            shutil.copyfile(path, target)
        else:
            level = card_heading(text) if heading == "auto" else int(heading)
            target.write_text(promoted(text, level) if legacy else with_heading(text, level), encoding="utf-8")
        n += 1
    settings = '[tool.ankigen]\nroot_deck = "corpus"\ncache = ""\n' + ("" if legacy else "check_timeout = 600\n")
    (dest / "pyproject.toml").write_text(settings, encoding="utf-8")
    return n


def run_check(project: Path) -> tuple[int, dict | None, float, float, str]:
    """The CLI's exit code, its JSON, seconds, peak MB of the child, and its stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ankigen", "check", "--claims", "--format", "json"],
                          cwd=project, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        data = None
    return proc.returncode, data, seconds, peak, proc.stderr


def table(name: str, files: int, rc: int, data: dict | None, seconds: float, peak: float, stderr: str) -> dict:
    row = {"name": name, "files": files, "exit": rc, "seconds": round(seconds, 1), "peak_mb": round(peak)}
    if data is None:
        row["crash"] = stderr.strip().splitlines()[-1:] if stderr.strip() else ["no output"]
        return row
    s = data["summary"]
    claims = collections.Counter(c["status"] for c in data.get("claims", []))
    formulas = collections.Counter(f["status"] for f in data.get("formulas", []))
    constructs = collections.Counter(f.get("construct", "?") for f in data.get("formulas", [])
                                     if f["status"] == "unreadable")
    codes = collections.Counter(d["code"] for d in data["diagnostics"])
    holds = claims["holds"] if "claims" in data else s["claims"] - s["failed"] - s.get("undecided", 0)
    row.update(cards=s["cards"], claims=s["claims"], holds=holds, fails=s["failed"],
               ambiguous=claims["ambiguous"], undecided=claims["undecided"],
               unclaimed=claims["not claimed"], definitions=formulas["definition"],
               statements=formulas["statement"], unreadable=formulas["unreadable"],
               constructs=dict(constructs.most_common(12)), codes=dict(sorted(codes.items())))
    return row


def plant(project: Path, data: dict, limit: int) -> list[tuple[str, int, str, str]]:
    """Change one digit in up to `limit` claims that hold; (file, line, before, after)."""
    planted, cards_seen = [], set()
    for c in data.get("claims", []):
        if len(planted) >= limit:
            break
        if c["status"] != "holds" or any(p == c["path"] and abs(n - c["line"]) < 15 for p, n in cards_seen):
            continue  # one mistake per formula: two in one chain may cancel out
        path = project / c["path"]
        lines = path.read_text(encoding="utf-8").split("\n")
        line = lines[c["line"] - 1]
        digits = list(re.finditer(r"\d", line[c["col"] - 1:]))
        if not digits:
            continue
        at = c["col"] - 1 + digits[-1].start()
        new_digit = "8" if line[at] == "9" else str(int(line[at]) + 1)
        lines[c["line"] - 1] = line[:at] + new_digit + line[at + 1:]
        path.write_text("\n".join(lines), encoding="utf-8")
        cards_seen.add((c["path"], c["line"]))
        planted.append((c["path"], c["line"], line.strip(), lines[c["line"] - 1].strip()))
    return planted


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--heading", default="auto", choices=["auto", "1", "2", "3", "4"])
    ap.add_argument("--show", action="append", default=[], help="print every diagnostic of this code")
    ap.add_argument("--plant", type=int, default=0, help="plant this many mistakes per folder and find them")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON to this file")
    ap.add_argument("--legacy", action="store_true",
                    help="for ankigen before 0.2 (PYTHONPATH=an old checkout): promote headings, no new settings")
    ap.add_argument("--keep", type=Path, help="keep a copy of each temporary project under this folder")
    args = ap.parse_args()
    rows = []
    for src in args.dirs:
        with tempfile.TemporaryDirectory(prefix="ankigen-corpus-") as tmp:
            project = Path(tmp)
            files = make_project(src, project, args.heading, args.legacy)
            rc, data, seconds, peak, stderr = run_check(project)
            if args.keep:
                shutil.copytree(project, args.keep / src.name, dirs_exist_ok=True)
            row = table(src.name, files, rc, data, seconds, peak, stderr)
            if data is not None:
                for d in data["diagnostics"]:
                    if d["code"] in args.show:
                        print(f"{src.name}/{d['path']}:{d['line']}:{d['col']}: {d['code']}: {d['message']}")
                        for note in d.get("notes", []):
                            print(f"    note: {note}")
            if args.plant and data is not None:
                planted = plant(project, data, args.plant)
                _, after, _, _, _ = run_check(project)
                found = {(d["path"], d["line"]) for d in (after or {}).get("diagnostics", [])
                         if d["code"] in ("C001", "C006")}
                missed = [p for p in planted if (p[0], p[1]) not in found]
                row["planted"] = len(planted)
                row["found"] = len(planted) - len(missed)
                for p in missed:
                    print(f"missed planted mistake {src.name}/{p[0]}:{p[1]}: {p[3]}")
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    keys = ["files", "cards", "claims", "holds", "fails", "ambiguous", "undecided", "unclaimed", "statements",
            "unreadable", "seconds", "peak_mb", "exit"]
    print("\n| folder | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for r in rows:
        print(f"| {r['name']} | " + " | ".join(str(r.get(k, "–")) for k in keys) + " |")


if __name__ == "__main__":
    main()
