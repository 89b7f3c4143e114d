"""Render other people's notes as Anki's reviewer shows them, on a phone and a desktop, and
tabulate what a learner would see wrongly.

    .venv/bin/python bench/screens.py DIR [DIR …] [--only SUB] [--limit N] [--shots OUT] [--examples 3]

Each DIR is built as `bench/corpus.py --build` builds it (its `*.md` files with the
`card_heading` their headings suggest, their images, `check = false`, and here `pdf = false`),
by the real CLI in a fresh process; when that build fails, the files with errors are dropped and
it builds once more. The .apkg is imported into a fresh collection of the `anki` package and
every card side (or --limit N of them, evenly spread) is rendered by tests/anki/reviewer.py at
360 px and 1000 px, light and night, and measured by tests/anki/measure.js: the facts that
tests/anki/test_screens.py asserts on the bundled deck. Printed per folder: sides rendered,
problems by kind, and --examples N examples of each (the note's Source, file#id, the screen,
what was measured). --shots OUT saves full-page screenshots of the worst sides (most problems)
into OUT/<folder>/; --keep DIR keeps each project with its collection. Needs Debian's Chromium
(apt-get install chromium) and Playwright. A remote image is counted apart (the reviewer serves
only the media folder); which element widens the page is found by a small script of its own.

    .venv/bin/python bench/screens.py .corpus/ml-interviews-book/contents --limit 200 --shots /tmp/shots
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "anki"))
from corpus import drop_files_with_errors, folder_name, make_project, run_build  # noqa: E402
from reviewer import DESKTOP, PHONE, Reviewer, card_sides  # noqa: E402

# Not a measurement of its own: which elements make a side wider than the screen (measure.js
# says only that it is), the outermost of each overflowing branch.
PAST_EDGE = """() => {
  const vw = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll("#qa *")) {
    const r = el.getBoundingClientRect();
    if (r.right <= vw + 1 || (el.parentElement && el.parentElement.getBoundingClientRect().right > vw + 1)) continue;
    let inside = false;  // content of a box that scrolls or clips does not widen the page
    for (let a = el.parentElement; a && a.id !== "qa"; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") { inside = true; break; }
    }
    if (inside) continue;
    out.push(el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.trim().replace(/\\s+/g, ".") : "")
             + " «" + Array.from((el.textContent || "").trim()).slice(0, 40).join("") + "» to " + Math.round(r.right));
  }
  return out.slice(0, 3);
}"""
SCREENS = [(PHONE, False), (PHONE, True), (DESKTOP, False), (DESKTOP, True)]


def problems(name: str, f: dict) -> list[tuple[str, str]]:
    """(kind, what was measured) for one rendered side: test_screens.py's assertions, as data."""
    out = []
    if f["document_width"] > f["viewport"]:
        out.append(("wider_than_screen", f"{f['document_width']} px in {f['viewport']}"))
    out += [("cut_off", h) for h in f["hidden"]]
    out += [("word_broken", w) for w in f["broken"]]
    out += [("cjk_stacked", w) for w in f["stacked"]]
    if f["math_errors"]:
        out.append(("math_error", f"{f['math_errors']} errors"))
    out += [("raw_tex", t) for t in f["raw_tex"]]
    out += [("punctuation_after_math", o) for o in f["orphans"]]
    if name.endswith("front") and len(f["options"]) >= 3:
        out += [("option_not_line_start", o["marker"]) for o in f["options"] if not o["starts_line"]]
    for part in f["footer"]:
        if part["contrast"] < 4.5:
            out.append(("footer_contrast", f"{part['text']!r} {part['contrast']:.2f}:1"))
    if f["footer"] and f["body_left"] is not None and abs(f["footer"][0]["left"] - f["body_left"]) > 1:
        out.append(("footer_misaligned", f"{f['footer'][0]['left']} vs {f['body_left']}"))
    if f["dividers"] > 1:
        out.append(("dividers", f"{f['dividers']} lines"))
    out += [("code_small", f"{px} px") for px in f["code_px"] if px < 14]
    for i in f["images"]:
        if not i["loaded"]:  # the reviewer serves the media folder only: a remote image cannot load
            remote = re.match(r"[a-z][a-z0-9+.-]*:", i["src"] or "", re.I)
            out.append(("image_remote" if remote else "image_not_shown", i["src"]))
        elif i["right"] > f["viewport"]:
            out.append(("image_past_edge", f"{i['src']} right {i['right']:.0f}"))
    return out


def sample(items: list, limit: int | None) -> list:
    if not limit or limit >= len(items):
        return items
    return [items[i * len(items) // limit] for i in range(limit)]


def spread(found: list[tuple[str, str]], n: int) -> list[tuple[str, str]]:
    """n examples from as many different sides as there are, evenly spread."""
    firsts = list({side: (side, line) for side, line in reversed(found)}.values())[::-1]
    return sample(firsts, n)


def build(src: Path, project: Path, args: argparse.Namespace) -> Path | None:
    """Build src into project as a new user would; the .apkg, or None."""
    make_project(src, project, args.heading, images=True, check_off=True, only=args.only)
    with (project / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write('namespace = "ankigen-screens"\npdf = false\n')
    result = run_build(project)
    if result["exit"] == 1 and result["data"] and drop_files_with_errors(project, result["data"]):
        result = run_build(project)
    apkgs = sorted((project / "dist").glob("*.apkg"))
    if not apkgs:
        print(f"{folder_name(src)}: no .apkg (build exit {result['exit']}): {result['stderr'][-500:]}")
    return apkgs[0] if apkgs else None


def screen(width: int, night: bool) -> str:
    return f"{width}{'n' if night else ''}"


def render_folder(src: Path, args: argparse.Namespace, playwright) -> dict:
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    name = folder_name(src)
    with tempfile.TemporaryDirectory(prefix="ankigen-screens-") as tmp:
        project = Path(tmp)
        apkg = build(src, project, args)
        if apkg is None:
            return {"name": name, "sides": 0, "kinds": {}}
        col = Collection(str(project / "collection.anki2"))
        try:
            col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg),
                                                             options=ImportAnkiPackageOptions()))
            source = {}
            for cid in col.find_cards(""):
                note = col.get_card(cid).note()
                source[(note["Id"] or str(note.id))] = note["Source"]
            all_sides = card_sides(col)
            sides = sample(all_sides, args.limit)
            reviewer = Reviewer(playwright, Path(col.media.dir()))
            found: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
            per_side: list[tuple[int, str, str, int, bool]] = []
            try:
                for width, night in SCREENS:
                    for side, html, ord_ in sides:
                        facts = reviewer.render(side, html, ord_, width, night).facts
                        kind_of_side = side.rsplit(" ", 1)[1]
                        where = f"{source.get(side.split('/')[0], '?')} {kind_of_side} @{screen(width, night)}"
                        ps = problems(side, facts)
                        if facts["document_width"] > facts["viewport"]:
                            culprits = reviewer.page(width, night).evaluate(PAST_EDGE)
                            ps = [(k, w + ", by " + "; ".join(culprits) if k == "wider_than_screen" else w)
                                  for k, w in ps]
                        for kind, what in ps:
                            found[kind].append((side, f"{where}: {what}"))
                        if ps:
                            per_side.append((len({k for k, _ in ps}) * 100 + len(ps), side, html, ord_, width, night))
                if args.shots:
                    out = args.shots / name.replace("/", "_")
                    out.mkdir(parents=True, exist_ok=True)
                    shot, seen = 0, set()
                    for _, side, html, ord_, width, night in sorted(per_side, key=lambda t: -t[0]):
                        if side in seen or shot >= args.worst:
                            continue
                        seen.add(side)
                        reviewer.render(side, html, ord_, width, night)
                        path = out / f"{shot:02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', side)}-{screen(width, night)}.png"
                        reviewer.screenshot(width, night, path)
                        shot += 1
            finally:
                reviewer.close()
        finally:
            col.close()
        if args.keep:
            shutil.copytree(project, args.keep / name, dirs_exist_ok=True)
    print(f"\n## {name}: {len(sides)} of {len(all_sides)} sides, × {len(SCREENS)} screens")
    for kind, where in sorted(found.items(), key=lambda kv: -len(kv[1])):
        print(f"{kind}: {len(where)} on {len({s for s, _ in where})} sides")
        for _, line in spread(where, args.examples):
            print(f"    {line}")
    return {"name": name, "sides": len(sides), "all": len(all_sides),
            "kinds": {k: len({s for s, _ in v}) for k, v in found.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--only", action="append", help="take only this subfolder of each DIR (repeatable)")
    ap.add_argument("--heading", default="auto", choices=["auto", "1", "2", "3", "4"])
    ap.add_argument("--limit", type=int, help="render only this many sides, evenly spread")
    ap.add_argument("--examples", type=int, default=3, help="examples printed per kind of problem")
    ap.add_argument("--shots", type=Path, help="save screenshots of the worst sides under this folder")
    ap.add_argument("--keep", type=Path, help="keep each project and its collection under this folder")
    ap.add_argument("--worst", type=int, default=8, help="with --shots: how many sides")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        rows = [render_folder(src, args, playwright) for src in args.dirs]
    kinds = sorted({k for r in rows for k in r["kinds"]}) or ["problems"]
    print("\nSides with each problem (a side counts once per kind, over its 4 screens)\n")
    print("| folder | sides | " + " | ".join(kinds) + " |")
    print("|---" * (len(kinds) + 2) + "|")
    for r in rows:
        print(f"| {r['name']} | {r['sides']}/{r.get('all', 0)} | "
              + " | ".join(str(r["kinds"].get(k, "–")) for k in kinds) + " |")


if __name__ == "__main__":
    main()
