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

--build also runs `ankigen build` (image files are copied too, keeping their relative paths),
imports the .apkg into a fresh collection of the official `anki` package and scans every field
of every note for what a learner would see wrongly: an HTML tag or comment shown as text, an
`<img>` whose file is not in the collection's media folder, TeX delimiters or commands outside
MathJax (also `$ x $` with spaces, which is not math), Obsidian links and embeds, Markdown
image syntax left as text, d2l roles (`:label:`), cloze markup in a basic note, and a front that
shows more text than the back (a '---' divider inside a card read as the end of the front). Printed per folder: exit codes of check and build, whether the
.apkg and the PDF were written, notes imported, problems by kind (--examples N shows some), and
wall time and peak memory per build stage (ANKIGEN_TIMINGS; peak memory of the whole build is
the largest sum over ankigen and its Typst workers, sampled from /proc).
--check-off sets `check = false` (for notes whose formulas are statements, not claims).
--drop-errors deletes the files with errors from the copy and builds again, so that the import
scan still covers the rest of a folder with a few broken files. --only SUB (repeatable) takes only
those subfolders of each DIR, keeping their paths (so `../img` links still resolve).

    .venv/bin/python bench/corpus.py --build .corpus/pumpkin-book/docs .corpus/Md2Anki/examples

Fetched notes never enter the repository: keep them in a git-ignored folder such as .corpus/.
"""

from __future__ import annotations

import argparse
import collections
import html
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import measured  # noqa: E402  (bench/run.py: a command's time and peak memory)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".avif"}
STAGES = ("fingerprint", "read", "parse", "check", "apkg", "pdf", "pdf (waiting)")
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


def wanted(rel: Path, only: list[str] | None) -> bool:
    """Whether a path relative to the folder is taken: not hidden, and under one of `only` if given."""
    if any(part.startswith(".") for part in rel.parts):
        return False
    return not only or any(rel.as_posix() == o or rel.as_posix().startswith(o.rstrip("/") + "/") for o in only)


def copy_images(src: Path, cards: Path, only: list[str] | None = None) -> int:
    """Copy the image files of src into cards, keeping their relative paths; how many."""
    n = 0
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if path.suffix.lower() not in IMAGE_SUFFIXES or not wanted(rel, only):
            continue
        if path.is_file() and not path.is_symlink():
            (cards / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, cards / rel)
            n += 1
    return n


def make_project(src: Path, dest: Path, heading: str, legacy: bool = False,
                 images: bool = False, check_off: bool = False, only: list[str] | None = None) -> int:
    """Copy the Markdown of src (and its images) into dest/cards_src with a pyproject; the number of files."""
    cards = dest / "cards_src"
    n = 0
    for path in sorted(src.rglob("*.md")):
        if not wanted(path.relative_to(src), only):
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
    if images:
        copy_images(src, cards, only)
    settings = '[tool.ankigen]\nroot_deck = "corpus"\ncache = ""\n' + ("" if legacy else "check_timeout = 600\n")
    if check_off:
        settings += "check = false\n"
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


def run_build(project: Path) -> dict:
    """`ankigen build --format json` in a fresh process: exit code, JSON, seconds, peak MB of the
    process tree (ankigen and its Typst workers), the per-stage timings and the stderr."""
    env = {**os.environ, "ANKIGEN_TIMINGS": "1"}
    cmd = [sys.executable, "-m", "ankigen", "build", "--format", "json"]
    returncode, out, err, seconds, peak_mb = measured(cmd, project, env, interval=0.05)
    try:
        data = json.loads(out)
    except ValueError:
        data = None
    stages = {}
    for line in err.splitlines():
        if line.startswith("ANKIGEN_TIMINGS "):
            stages = {r["stage"]: r for r in json.loads(line.split(" ", 1)[1])}
    peak_mb = max([peak_mb, *(r["peak_mb"] for r in stages.values())])
    return {"exit": returncode, "data": data, "seconds": seconds, "peak_mb": peak_mb,
            "stages": stages, "stderr": err}


_TAGS = ("img|br|hr|div|span|p|a|b|i|u|s|em|strong|sup|sub|font|center|table|tr|td|th|thead|tbody|ul|ol|li|"
         "pre|code|kbd|mark|ins|del|details|summary|iframe|video|audio|source|figure|figcaption|small|big|"
         "script|style|h[1-6]|blockquote|dl|dt|dd|ruby|rt|svg|math|object|embed")
_FIELD_CHECKS = {
    "escaped_html_tag": re.compile(rf"&lt;/?(?:{_TAGS})(?:[\s/]|&gt;)", re.I),
    "html_comment": re.compile(r"&lt;!--|<!--"),
    "raw_tex": re.compile(r"\$\$|\$[^$\s\d<](?:[^$<\n]{0,200}?[^\s\\])?\$|\\(?:begin|end)\{|"
                          r"\\(?:frac|sum|int|prod|alpha|beta|theta|lambda|sigma|mathbf|mathrm|left|right|sqrt|"
                          r"cdot|times|partial|nabla|infty|leq|geq|le|ge|hat|bar|vec|text)(?![A-Za-z])"),
    "spaced_dollar_math": re.compile(r"\$ [^$<\n]{0,200}?[A-Za-z\\_^{}][^$<\n]{0,200}? \$"),
    "obsidian_embed": re.compile(r"!\[\[[^\]\n]+\]\]"),
    "obsidian_link": re.compile(r"(?<!!)\[\[[^\]\n]+\]\]"),
    "markdown_image_as_text": re.compile(r"!\[[^\]\n]*\]\([^)\s]+\)"),
    "d2l_role": re.compile(r":(?:label|eqlabel|numref|eqref|cite|width|begin_tab|end_tab|ref):"),
}
_MATH = re.compile(r"\\\((?:.|\n)*?\\\)|\\\[(?:.|\n)*?\\\]")
_CODE = re.compile(r"<(pre|code)\b[^>]*>(?:.|\n)*?</\1>", re.I)
_IMG = re.compile(r"<img\b[^>]*?\bsrc=\"([^\"]*)\"", re.I)


def field_problems(value: str, media: set[str], cloze: bool) -> list[tuple[str, str]]:
    """(kind, excerpt) for everything a learner would see wrongly in one field's HTML."""
    found = []
    for m in _IMG.finditer(value):
        src = html.unescape(m.group(1))
        if re.match(r"[a-z][a-z0-9+.-]*:", src, re.I):
            found.append(("remote_image", src[:80]))
        elif src not in media:
            found.append(("missing_media", src[:80]))
    if not cloze and re.search(r"\{\{c\d+::", value):
        found.append(("cloze_in_basic_note", value[:80]))
    text = _CODE.sub(" ", value)
    for kind in ("escaped_html_tag", "html_comment"):
        found += [(kind, text[max(0, m.start() - 20):m.end() + 40]) for m in _FIELD_CHECKS[kind].finditer(text)]
    prose = _MATH.sub(" ", text)
    for kind in ("raw_tex", "spaced_dollar_math", "obsidian_embed", "obsidian_link", "markdown_image_as_text",
                 "d2l_role"):
        found += [(kind, prose[max(0, m.start() - 20):m.end() + 40]) for m in _FIELD_CHECKS[kind].finditer(prose)]
    return found


def answer_on_front(note) -> bool:
    """Whether the text shown on the front under the question is longer than the answer: a '---'
    used as a divider inside a card, read as the end of the front."""
    if "Front" not in note:
        return False
    extra = visible(re.sub(r'<div class="question">.*?</div>', "", note["Front"], count=1, flags=re.S))
    return bool(extra) and len(extra) > len(visible(note["Back"]))


def visible(field: str) -> str:
    """A field's text without tags and white space, to compare lengths."""
    return re.sub(r"<[^>]+>|\s", "", field)


def scan_apkg(apkg: Path) -> dict:
    """Import apkg into a fresh Anki collection; notes, import log sizes and field problems by kind."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    with tempfile.TemporaryDirectory(prefix="ankigen-corpus-anki-") as tmp:
        col = Collection(str(Path(tmp) / "collection.anki2"))
        try:
            request = ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
            log = col.import_anki_package(request).log
            media = set(os.listdir(col.media.dir()))
            problems: dict[str, list[str]] = collections.defaultdict(list)
            notes = 0
            for nid in col.find_notes(""):
                note = col.get_note(nid)
                notes += 1
                cloze = note.note_type()["type"] == 1
                where = note["Source"] if "Source" in note else str(nid)
                if answer_on_front(note):
                    problems["answer_on_front"].append(f"{where} [Front]")
                for name in note.keys():
                    if name in ("Source", "Id", "Checks"):
                        continue
                    for kind, excerpt in field_problems(note[name], media, cloze):
                        problems[kind].append(f"{where} [{name}] {excerpt!r}")
            return {"notes": notes, "new": len(log.new), "conflicting": len(log.conflicting),
                    "media": len(media), "problems": dict(problems)}
        finally:
            col.close()


def build_row(name: str, files: int, check_rc: int, build: dict, scan: dict | None, project: Path) -> dict:
    """One folder's build: exits, outputs written, diagnostics by code, stages, import problems."""
    data = build["data"]
    row = {"name": name, "files": files, "check_exit": check_rc, "build_exit": build["exit"],
           "apkg": bool(list((project / "dist").glob("*.apkg"))), "pdf": bool(list((project / "dist").glob("*.pdf"))),
           "seconds": round(build["seconds"], 1), "peak_mb": round(build["peak_mb"]),
           "stages": {k: (v["seconds"], round(v["peak_mb"])) for k, v in build["stages"].items()}}
    if data is None:
        row["crash"] = build["stderr"].strip().splitlines()[-3:] or ["no output"]
    else:
        row["cards"] = data["summary"]["cards"]
        row["codes"] = dict(sorted(collections.Counter(
            d["code"] + ("!" if d["severity"] == "error" else "") for d in data["diagnostics"]).items()))
    internal = [l for l in build["stderr"].splitlines() if "Traceback" in l or "internal" in l.lower()]
    if internal:
        row["internal"] = internal[:3]
    if scan is not None:
        row["notes"] = scan["notes"]
        row["conflicting"] = scan["conflicting"]
        row["problems"] = {k: len(v) for k, v in sorted(scan["problems"].items())}
    return row


def folder_name(src: Path) -> str:
    """The folder's path under .corpus/ when it is there (several repositories have a docs/), else its name."""
    try:
        return src.resolve().relative_to(ROOT / ".corpus").as_posix()
    except ValueError:
        return src.name


def show(name: str, data: dict | None, codes: list[str]) -> None:
    """Print every diagnostic of the given codes."""
    for d in (data or {}).get("diagnostics", []):
        if d["code"] in codes:
            print(f"{name}/{d['path']}:{d['line']}:{d['col']}: {d['code']}: {d['message']}")
            for note in d.get("notes", []):
                print(f"    note: {note}")


def check_folder(src: Path, project: Path, args: argparse.Namespace) -> dict:
    """The check-only row of one folder (with planted mistakes when asked)."""
    name = folder_name(src)
    files = make_project(src, project, args.heading, args.legacy, only=args.only)
    rc, data, seconds, peak, stderr = run_check(project)
    row = table(name, files, rc, data, seconds, peak, stderr)
    show(name, data, args.show)
    if args.plant and data is not None:
        planted = plant(project, data, args.plant)
        _, after, _, _, _ = run_check(project)
        found = {(d["path"], d["line"]) for d in (after or {}).get("diagnostics", [])
                 if d["code"] in ("C001", "C006")}
        missed = [p for p in planted if (p[0], p[1]) not in found]
        row["planted"] = len(planted)
        row["found"] = len(planted) - len(missed)
        for p in missed:
            print(f"missed planted mistake {name}/{p[0]}:{p[1]}: {p[3]}")
    return row


def build_folder(src: Path, project: Path, args: argparse.Namespace) -> dict:
    """The build row of one folder: check, build, import into Anki, scan the fields."""
    name = folder_name(src)
    files = make_project(src, project, args.heading, images=True, check_off=args.check_off, only=args.only)
    check_rc, check_data, _, _, _ = run_check(project)
    build = run_build(project)
    dropped, first = [], build
    if args.drop_errors and build["exit"] == 1 and build["data"]:
        dropped = drop_files_with_errors(project, build["data"])
        if dropped:
            show(name, build["data"], args.show)
            build = run_build(project)
    show(name, build["data"] or check_data, args.show)
    apkgs = sorted((project / "dist").glob("*.apkg"))
    scan = scan_apkg(apkgs[0]) if apkgs else None
    for kind, where in sorted((scan or {}).get("problems", {}).items()):
        for line in where[:args.examples]:
            print(f"{name}: {kind}: {line}")
    row = build_row(name, files, check_rc, build, scan, project)
    if dropped:  # the row describes the second build; say what the first one did
        row["dropped"] = len(dropped)
        row["first_build_exit"] = first["exit"]
        row["first_codes"] = dict(sorted(collections.Counter(
            d["code"] + ("!" if d["severity"] == "error" else "") for d in first["data"]["diagnostics"]).items()))
    return row


def drop_files_with_errors(project: Path, data: dict) -> list[str]:
    """Delete the source files with errors (after printing their errors), so the rest can be built.
    Errors of the PDF (O…) are left alone: they cost only the PDF."""
    errors = [d for d in data["diagnostics"] if d["severity"] == "error" and d["path"].endswith(".md")
              and not d["code"].startswith("O")]
    paths = sorted({d["path"] for d in errors})
    for d in errors:
        print(f"dropped for {d['code']}: {d['path']}:{d['line']}: {d['message']}")
    for path in paths:
        (project / path).unlink(missing_ok=True)
    return paths


def print_table(rows: list[dict], build: bool) -> None:
    """The rows as a Markdown table."""
    if build:
        keys = ["files", "cards", "check_exit", "first_build_exit", "dropped", "build_exit", "apkg", "pdf", "notes",
                "seconds", "peak_mb"]
    else:
        keys = ["files", "cards", "claims", "holds", "fails", "ambiguous", "undecided", "unclaimed", "statements",
                "unreadable", "seconds", "peak_mb", "exit"]
    extra = ["codes (! = error)", "problems in Anki", "stages"] if build else []
    print("\n| folder | " + " | ".join(keys + extra) + " |")
    print("|---" * (len(keys) + len(extra) + 1) + "|")
    for r in rows:
        cells = [str(r.get(k, "–")) for k in keys]
        if build:
            cells.append(" ".join(f"{k}:{v}" for k, v in r.get("codes", {}).items()) or "–")
            cells.append(" ".join(f"{k}:{v}" for k, v in r.get("problems", {}).items()) or "–")
            cells.append(" ".join(f"{k} {s:.1f}s/{m}M" for k, (s, m) in r["stages"].items()
                                  if k in STAGES) or "–")
        print(f"| {r['name']} | " + " | ".join(cells) + " |")


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
    ap.add_argument("--only", action="append", help="take only this subfolder of each DIR (repeatable)")
    ap.add_argument("--build", action="store_true", help="also build, import into Anki and scan the fields")
    ap.add_argument("--check-off", action="store_true", help="with --build: set check = false")
    ap.add_argument("--examples", type=int, default=3, help="with --build: field problems shown per kind")
    ap.add_argument("--drop-errors", action="store_true",
                    help="with --build: when the build fails, delete the files with errors and build once more")
    args = ap.parse_args()
    rows = []
    for src in args.dirs:
        with tempfile.TemporaryDirectory(prefix="ankigen-corpus-") as tmp:
            project = Path(tmp)
            row = build_folder(src, project, args) if args.build else check_folder(src, project, args)
            if args.keep:
                shutil.copytree(project, args.keep / folder_name(src), dirs_exist_ok=True)
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    print_table(rows, args.build)


if __name__ == "__main__":
    main()
