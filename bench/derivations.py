"""How much of a deck of textbook derivations the checker claims, and how many planted mistakes it finds.

    .venv/bin/python bench/derivations.py [--json OUT] [--keep DIR] [--no-mistakes]
    PYTHONPATH=/tmp/baseline .venv/bin/python bench/derivations.py    # the same against another ankigen

The deck, bench/derivations/deck/*.md, is derivations as people write them in interview and
course notes (English and Chinese): derivatives, integrals, limits, sums and products, vectors
and matrices with shapes, probability, and a few numeric claims of the kind checked since the
start. Every formula is correct (bench/derivations/truth.py proves each with sympy alone) and
nothing is marked `% check`: what is claimed is what the checker claims by form.
bench/derivations/formulas.json gives each display formula its construct and its role by the
contract (claim, definition or statement); bench/derivations/mistakes.json one realistic mistake
for every claim-bearing formula (a sign, a factor, a bound, a transpose, a shape …).

The real CLI (`python -m ankigen check --claims --format json`) runs in a fresh process on a
temporary project holding a copy of the deck. Printed:
- on the correct deck: every diagnostic (any error or warning there is a false alarm), then per
  construct the formulas, how many the contract claims, how many the checker claimed and with
  what verdict, the definitions, statements and unreadable formulas (and the construct that
  stopped the reader), and the formulas claimed that the contract says are not claims;
- then each mistake applied to a fresh copy: found when a diagnostic with a C code (error or
  warning) lands on the formula's lines. Mistakes in different cards share a copy, since each
  card is checked on its own; two in one card never do. Per construct: planted, found, and every
  miss with the checker's status for that formula.

Runs are sequential. A run that has not finished after --timeout seconds (120) is stopped: a
hang the checker's own guard (`check_timeout`, 600 as in bench/corpus.py) did not stop. The deck
is then run card by card (other cards blanked, so lines do not move), the cards that hang again
are reported as hung, and they are kept out of the batches of mistakes, each of their mistakes
getting a run of its own: one hung formula costs its card, not the benchmark.

Any ankigen version works: only the JSON of `check --claims` is read, and the ankigen used is the
one `python -m ankigen` imports (PYTHONPATH included), printed first.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent / "derivations"
DECK = HERE / "deck"
CONSTRUCTS = ("derivative", "integral", "limit", "sum", "matrix", "shape", "probability", "numeric")
SETTINGS = '[tool.ankigen]\nroot_deck = "derivations"\ncache = ""\ncheck_timeout = {}\n'
_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_HEADING = re.compile(r"^#{1,2} ", re.M)


# -- the deck ---------------------------------------------------------------------------------------

def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def without_code(text: str) -> str:
    """The text with fenced code blanked out (same length), so `$$` and `##` in code are not seen."""
    return _FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def display_formulas(text: str) -> list[tuple[int, int]]:
    """(first line, last line) of every `$$…$$` formula."""
    plain = without_code(text)
    return [(line_of(plain, m.start()), line_of(plain, m.end())) for m in _DISPLAY.finditer(plain)]


def card_spans(text: str) -> list[tuple[int, int]]:
    """(heading line, last line) of every card: up to the next level-1 or level-2 heading."""
    plain = without_code(text)
    heads = [(line_of(plain, m.start()), m.group(0)) for m in _HEADING.finditer(plain)]
    last = text.count("\n") + 1
    return [(line, next((n - 1 for n, _ in heads if n > line), last)) for line, h in heads if h == "## "]


def only_cards(texts: dict[str, str], keep: set[tuple[str, int]]) -> dict[str, str]:
    """The deck with every card not in keep (file, heading line) blanked to empty lines, so that
    line numbers stay those of the deck; a file left without cards is left out (the checker would
    warn that it has none)."""
    out = {}
    for name, text in texts.items():
        if not any(file == name for file, _ in keep):
            continue
        lines = text.split("\n")
        for start, end in card_spans(text):
            if (name, start) not in keep:
                lines[start - 1:end] = [""] * (end - start + 1)
        out[name] = "\n".join(lines)
    return out


def all_cards(texts: dict[str, str]) -> list[tuple[str, int]]:
    return [(name, start) for name, text in texts.items() for start, _ in card_spans(text)]


def load_deck() -> tuple[dict[str, str], list[dict], list[dict]]:
    """The deck's texts by file name, the formulas and the mistakes, each formula given its lines
    and card and each mistake its formula. Stops with a message when the manifests and the deck
    disagree: a count over formulas that moved would be silently wrong."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(DECK.glob("*.md"))}
    formulas = json.loads((HERE / "formulas.json").read_text(encoding="utf-8"))
    mistakes = json.loads((HERE / "mistakes.json").read_text(encoding="utf-8"))
    problems = []
    spans = {(name, a): b for name, text in texts.items() for a, b in display_formulas(text)}
    listed = {(f["file"], f["line"]) for f in formulas}
    problems += [f"{n}:{a}: display formula missing from formulas.json" for n, a in sorted(spans.keys() - listed)]
    for f in formulas:
        if (f["file"], f["line"]) not in spans:
            problems.append(f"{f['file']}:{f['line']}: formulas.json names no display formula starting there")
            continue
        f["end"] = spans[(f["file"], f["line"])]
        f["card"] = max(a for a, _ in card_spans(texts[f["file"]]) if a <= f["line"])
        f["mistakes"] = 0
    by_line = {(f["file"], n): f for f in formulas if "end" in f for n in range(f["line"], f["end"] + 1)}
    for m in mistakes:
        f = by_line.get((m["file"], m["line"]))
        line = texts.get(m["file"], "").split("\n")[m["line"] - 1:m["line"]]
        if f is None or f["role"] != "claim":
            problems.append(f"{m['file']}:{m['line']}: the mistake is not in a formula with role 'claim'")
        elif not line or line[0].count(m["before"]) != 1:
            problems.append(f"{m['file']}:{m['line']}: 'before' does not occur exactly once on the line")
        else:
            m["formula"] = f
            f["mistakes"] += 1
    problems += [f"{f['file']}:{f['line']}: a claim without exactly one mistake" for f in formulas
                 if f.get("role") == "claim" and f.get("mistakes") != 1]
    problems += [f"{x['file']}:{x['line']}: unknown construct {x['construct']!r}" for x in formulas + mistakes
                 if x["construct"] not in CONSTRUCTS]
    if problems:
        sys.exit("bench/derivations is inconsistent:\n  " + "\n  ".join(problems))
    return texts, formulas, mistakes


def batches(mistakes: list[dict]) -> list[list[dict]]:
    """The mistakes in groups with at most one per card: each group is one run of the CLI."""
    groups: list[list[dict]] = []
    for m in mistakes:
        card = (m["file"], m["formula"]["card"])
        group = next((g for g in groups if all((o["file"], o["formula"]["card"]) != card for o in g)), None)
        if group is None:
            groups.append(group := [])
        group.append(m)
    return groups


def applied(texts: dict[str, str], mistakes: list[dict]) -> dict[str, str]:
    """The deck with each mistake's `before` replaced by its `after` on its line."""
    out = dict(texts)
    for m in mistakes:
        lines = out[m["file"]].split("\n")
        lines[m["line"] - 1] = lines[m["line"] - 1].replace(m["before"], m["after"], 1)
        out[m["file"]] = "\n".join(lines)
    return out


# -- running the CLI --------------------------------------------------------------------------------

def run_check(texts: dict[str, str], args: argparse.Namespace, keep: Path | None = None) -> dict:
    """`ankigen check --claims --format json` in a fresh process on a project holding texts.
    Returns {"data": the JSON or None, "seconds", "stderr", "timed_out"}: None data is a crash,
    or a run stopped after --timeout seconds (a hang the checker's own guard did not stop)."""
    with tempfile.TemporaryDirectory(prefix="ankigen-derivations-") as tmp:
        project = Path(tmp)
        (project / "cards_src").mkdir()
        for name, text in texts.items():
            (project / "cards_src" / name).write_text(text, encoding="utf-8")
        (project / "pyproject.toml").write_text(SETTINGS.format(args.check_timeout), encoding="utf-8")
        if keep:
            shutil.copytree(project, keep, dirs_exist_ok=True)
        start = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, "-m", "ankigen", "check", "--claims", "--format", "json"],
                                  cwd=project, capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired as exc:
            err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
            return {"data": None, "seconds": time.perf_counter() - start, "stderr": err, "timed_out": True}
        seconds = time.perf_counter() - start
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        data = None
    return {"data": data, "seconds": seconds, "stderr": proc.stderr, "timed_out": False}


def check_deck(texts: dict[str, str], cards: list[tuple[str, int]], args: argparse.Namespace,
               label: str, keep: Path | None = None) -> tuple[dict | None, list[dict]]:
    """The JSON of the CLI on the given cards of texts (the others blanked out), and the cards it
    could not check. When the run as a whole hangs or crashes, each card is run on its own, so one
    hung formula costs its card, not the benchmark; the JSON is then the merge of those runs."""
    run = run_check(only_cards(texts, set(cards)), args, keep)
    why = f"stopped after {args.timeout:.0f} s" if run["timed_out"] else "crashed"
    if run["data"] is not None:
        print(f"  {label}: {run['seconds']:.1f} s", flush=True)
        return run["data"], []
    if len(cards) == 1:
        print(f"  {label}: {why}", flush=True)
        return {"summary": {}, "diagnostics": [], "claims": [], "formulas": []}, \
            [{"file": cards[0][0], "line": cards[0][1], "why": why, "stderr": run["stderr"][-1500:]}]
    print(f"  {label}: {why}; running its {len(cards)} cards one by one", flush=True)
    merged: dict = {"summary": collections.Counter(), "diagnostics": [], "claims": [], "formulas": []}
    lost, seen = [], set()
    for card in cards:
        one = run_check(only_cards(texts, {card}), args)
        if one["data"] is None:
            why = f"stopped after {args.timeout:.0f} s" if one["timed_out"] else "crashed"
            lost.append({"file": card[0], "line": card[1], "why": why, "stderr": one["stderr"][-1500:]})
            print(f"    {card[0]}:{card[1]}: {why}", flush=True)
            continue
        merged["summary"].update({k: v for k, v in one["data"]["summary"].items() if isinstance(v, int)})
        for key in ("claims", "formulas"):
            merged[key] += one["data"].get(key, [])
        for d in one["data"]["diagnostics"]:  # a diagnostic outside the card would come once per run
            if (d["path"], d["line"], d["code"], d["message"]) not in seen:
                seen.add((d["path"], d["line"], d["code"], d["message"]))
                merged["diagnostics"].append(d)
    merged["summary"] = dict(merged["summary"])
    return merged, lost


def ankigen_used() -> str:
    """Where the `ankigen` that the runs import lives, and its version (PYTHONPATH decides)."""
    with tempfile.TemporaryDirectory() as tmp:  # the runs' working directory is not the repository either
        proc = subprocess.run([sys.executable, "-c", "import ankigen; print(ankigen.__file__, "
                               "getattr(ankigen, '__version__', '?'))"], cwd=tmp, capture_output=True, text=True)
    return proc.stdout.strip() or proc.stderr.strip().splitlines()[-1]


# -- reading the JSON ---------------------------------------------------------------------------

def on_formula(items: list[dict], f: dict) -> list[dict]:
    """The entries (claims, formulas or diagnostics) on the lines of formula f."""
    path = f"cards_src/{f['file']}"
    return [i for i in items if i["path"] == path and f["line"] <= i["line"] <= f["end"]]


def status(data: dict, f: dict, lost: list[dict]) -> dict:
    """What the checker made of formula f: claimed (with the verdicts of its claims), or the status
    of the formula (definition, statement, unreadable and what stopped it), or absent; "hung"
    when its card could not be checked at all."""
    if any(c["file"] == f["file"] and c["line"] == f["card"] for c in lost):
        return {"status": "hung"}
    verdicts = [c["status"] for c in on_formula(data.get("claims", []), f)]
    claimed = [v for v in verdicts if v != "not claimed"]
    if claimed:
        return {"status": "claimed", "verdicts": claimed}
    entries = on_formula(data.get("formulas", []), f)
    if entries:
        unread = [e for e in entries if e["status"] == "unreadable"]
        first = unread[0] if unread else entries[0]
        return {"status": first["status"], "construct": first.get("construct"), "reason": first.get("reason")}
    return {"status": "not claimed" if verdicts else "absent"}


def described(s: dict) -> str:
    if s["status"] == "claimed":
        return "claimed: " + ", ".join(s["verdicts"])
    if s["status"] == "unreadable":
        return f"unreadable ({s.get('construct') or s.get('reason')})"
    return s["status"] + (f": {s['reason']}" if s.get("reason") else "")


def alarms(data: dict) -> list[dict]:
    """Errors and warnings: on the correct deck, every one is a false alarm."""
    return [d for d in data["diagnostics"] if d["severity"] in ("error", "warning")]


def found(data: dict, f: dict) -> list[str]:
    """The codes of the C diagnostics (error or warning) on the lines of formula f."""
    return [d["code"] for d in on_formula(alarms(data), f) if d["code"].startswith("C")]


# -- the two parts of the benchmark -----------------------------------------------------------

def correct_deck(texts: dict[str, str], formulas: list[dict], args: argparse.Namespace) -> dict:
    """Run the deck as written; print its diagnostics and the table of what was claimed."""
    data, lost = check_deck(texts, all_cards(texts), args, "correct deck", args.keep)
    print(f"\ncorrect deck: {data['summary']}")
    for c in lost:
        print(f"card not checked: {c['file']}:{c['line']}: {c['why']}")
    false_alarms = alarms(data)
    print(f"\nfalse alarms on the correct deck: {len(false_alarms)}")
    for d in false_alarms:
        print(f"  {d['path']}:{d['line']}:{d.get('col', 0)}: {d['severity']}[{d['code']}] {d['message']}")
        for note in d.get("notes", []):
            print(f"      note: {note}")
    rows = {c: collections.Counter() for c in CONSTRUCTS}
    stopped = {c: collections.Counter() for c in CONSTRUCTS}
    against_contract = []
    for f in formulas:
        f["correct"] = s = status(data, f, lost)
        row = rows[f["construct"]]
        row["formulas"] += 1
        row["to claim"] += f["role"] == "claim"
        if s["status"] == "claimed":
            row["claimed"] += 1
            row["holds" if set(s["verdicts"]) == {"holds"} else
                "FAILS" if "FAILS" in s["verdicts"] else "other verdict"] += 1
            if f["role"] != "claim":
                against_contract.append(f)
        else:
            row[s["status"]] += 1
            if s["status"] == "unreadable":
                stopped[f["construct"]][s.get("construct") or s.get("reason") or "?"] += 1
    columns = ["formulas", "to claim", "claimed", "holds", "FAILS", "other verdict", "definition", "statement",
               "not claimed", "unreadable", "absent", "hung"]
    print("\n| construct | " + " | ".join(columns) + " | unreadable because of |")
    print("|---" * (len(columns) + 2) + "|")
    total = collections.Counter()
    for c in CONSTRUCTS:
        total.update(rows[c])
        why = ", ".join(f"{k} {v}" for k, v in stopped[c].most_common()) or "–"
        print(f"| {c} | " + " | ".join(str(rows[c][k]) for k in columns) + f" | {why} |")
    print("| **all** | " + " | ".join(str(total[k]) for k in columns) + " | |")
    print(f"\nclaimed although the contract makes them a definition or a statement: {len(against_contract)}")
    for f in against_contract:
        print(f"  {f['file']}:{f['line']}: {f['role']} ({f.get('why', '')}): {described(f['correct'])}")
    not_claimed = [f for f in formulas if f["role"] == "claim" and f["correct"]["status"] != "claimed"]
    print(f"\nclaims by the contract that were not claimed: {len(not_claimed)} of {total['to claim']}")
    for f in not_claimed:
        print(f"  {f['file']}:{f['line']} [{f['construct']}]: {described(f['correct'])}")
    return {"summary": data["summary"], "lost_cards": lost, "false_alarms": false_alarms,
            "table": {c: dict(rows[c]) for c in CONSTRUCTS},
            "unreadable_because": {c: dict(stopped[c]) for c in CONSTRUCTS},
            "claimed_against_contract": [f"{f['file']}:{f['line']}" for f in against_contract],
            "formulas": [{k: f[k] for k in ("file", "line", "end", "construct", "role", "correct")}
                         for f in formulas]}


def planted(texts: dict[str, str], mistakes: list[dict], correct: dict, args: argparse.Namespace) -> dict:
    """Apply the mistakes batch by batch, run the CLI, and print what was found per construct.
    Cards that hung on the correct deck are left out of the batches (they would stop every run)
    and get a run of their own per mistake."""
    before = {(d["path"], d["line"], d["code"]) for d in correct["false_alarms"]}
    hung = {(c["file"], c["line"]) for c in correct["lost_cards"]}
    card_of = {id(m): (m["file"], m["formula"]["card"]) for m in mistakes}
    groups = batches([m for m in mistakes if card_of[id(m)] not in hung])
    groups += [[m] for m in mistakes if card_of[id(m)] in hung]
    print(f"\n{len(mistakes)} planted mistakes in {len(groups)} runs")
    results, side_effects = [], []
    for n, group in enumerate(groups, 1):
        cards = sorted({card_of[id(m)] for m in group}) if card_of[id(group[0])] in hung else \
            [c for c in all_cards(texts) if c not in hung]
        data, lost = check_deck(applied(texts, group), cards, args, f"run {n}/{len(groups)} ({len(group)} mistakes)")
        planted_lines = set()
        for m in group:
            f = m["formula"]
            planted_lines |= {(f"cards_src/{f['file']}", k) for k in range(f["line"], f["end"] + 1)}
            codes = found(data, f)
            results.append({**{k: m[k] for k in ("file", "line", "construct", "before", "after", "why")},
                            "found": bool(codes), "codes": codes, "status": described(status(data, f, lost))})
        for d in alarms(data):
            if (d["path"], d["line"]) not in planted_lines and (d["path"], d["line"], d["code"]) not in before:
                side_effects.append(d)  # a diagnostic a mistake caused somewhere else
    table = {c: collections.Counter() for c in CONSTRUCTS}
    for r in results:
        table[r["construct"]]["planted"] += 1
        table[r["construct"]]["found"] += r["found"]
    print("\n| construct | planted | found |\n|---|---|---|")
    for c in CONSTRUCTS:
        print(f"| {c} | {table[c]['planted']} | {table[c]['found']} |")
    print(f"| **all** | {len(results)} | {sum(r['found'] for r in results)} |")
    misses = [r for r in results if not r["found"]]
    print(f"\nmissed: {len(misses)}")
    for c in CONSTRUCTS:
        for r in sorted(misses, key=lambda r: (r["file"], r["line"])):
            if r["construct"] == c:
                print(f"  [{c}] {r['file']}:{r['line']}: {r['before']} -> {r['after']}  ({r['status']})")
    if side_effects:
        print(f"\ndiagnostics away from the planted formulas (not on the correct deck): {len(side_effects)}")
        for d in side_effects:
            print(f"  {d['path']}:{d['line']}: {d['severity']}[{d['code']}] {d['message']}")
    return {"runs": len(groups), "table": {c: dict(table[c]) for c in CONSTRUCTS}, "results": results,
            "side_effects": side_effects}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", type=Path, help="also write everything measured to this file")
    ap.add_argument("--keep", type=Path, help="keep the project of the correct deck in this folder")
    ap.add_argument("--no-mistakes", action="store_true", help="only the correct deck")
    ap.add_argument("--timeout", type=float, default=120,
                    help="seconds before a run of the CLI is stopped as hung (default 120)")
    ap.add_argument("--check-timeout", type=int, default=600,
                    help="the project's check_timeout: the checker's own guard per claim (default 600)")
    args = ap.parse_args()
    texts, formulas, mistakes = load_deck()
    used = ankigen_used()
    print(f"ankigen: {used}")
    cards = len(all_cards(texts))
    print(f"deck: {len(texts)} files, {cards} cards, {len(formulas)} display formulas, {len(mistakes)} mistakes\n")
    report = {"ankigen": used, "cards": cards, "correct": correct_deck(texts, formulas, args)}
    if not args.no_mistakes:
        report["mistakes"] = planted(texts, mistakes, report["correct"], args)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
