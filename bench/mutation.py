"""Mutation run over ankigen's core modules with mutmut: which one-token changes the tests miss.

    .venv/bin/python bench/mutation.py [GROUP …] [--max-children 2] [--keep DIR] [--show N]

GROUPs (all by default): identity (identity, lock, changes, media), markdown, decide (claims and
deciding them), reader (LaTeX to sympy: tokens, reader, names, commands). mutmut is a development tool, not a dependency: `pip install
mutmut==3.8.1` into the venv first. It takes tens of minutes per group on two cores, so it runs
from here, never in CI.

The tracked files of the work tree (edits included), and the untracked test files under tests/ (new
tests not yet committed), are copied to a temporary folder, where
mutmut gets a `[tool.mutmut]` section naming the group's modules and the tests that exercise
them; the work tree itself is never touched. Printed per module: mutants, killed, survived, no
test reached them, timeouts, and the survival rate (survived / mutants tried); then the diff of
each survivor, so each can be killed with a test or recorded as equivalent.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "identity": (
        ["ankigen/anki/identity.py", "ankigen/anki/lock.py", "ankigen/anki/changes.py", "ankigen/source/media.py"],
        ["tests/anki/test_identity.py", "tests/anki/test_lock.py", "tests/source/test_media.py", "tests/source/test_parse.py"],
    ),
    "markdown": (
        ["ankigen/source/markdown.py", "ankigen/source/rawhtml.py"],
        ["tests/source/test_markdown.py", "tests/source/test_dialect.py", "tests/source/test_parse.py", "tests/source/test_media.py"],
    ),
    "decide": (
        ["ankigen/check/claims.py", "ankigen/check/decide.py", "ankigen/check/operators.py",
         "ankigen/check/form.py"],
        ["tests/check/test_decide.py", "tests/check/test_form.py", "tests/check/test_operators.py",
         "tests/check/test_check_fixtures.py", "tests/check/test_locations.py", "tests/check/test_methods.py"],
    ),
    "reader": (
        ["ankigen/check/tokens.py", "ankigen/check/reader.py", "ankigen/check/names.py",
         "ankigen/check/commands.py"],
        ["tests/check/test_reader.py", "tests/check/test_check_fixtures.py", "tests/check/test_locations.py"],
    ),
}

# mutmut's exit codes (mutmut/stats.py), folded into the columns printed here.
_STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
           36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout", None: "not run"}
_COLUMNS = ("killed", "survived", "no tests", "timeout", "other")


def copy_tree(dest: Path) -> None:
    """The tracked files of the work tree, as they are now, into dest; and the untracked, not ignored
    files under tests/, so that tests not yet committed are run too."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    new = subprocess.run(["git", "ls-files", "-z", "--others", "--exclude-standard", "tests"], cwd=ROOT,
                         capture_output=True, check=True).stdout
    for name in (files + b"\0" + new).decode().split("\0"):
        if name and (ROOT / name).is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target)


def configure(dest: Path, modules: list[str], tests: list[str]) -> None:
    """A [tool.mutmut] section for the group; coverage is off (it would measure the trampolines)."""
    def toml_list(items: list[str]) -> str:
        return "[" + ", ".join(json.dumps(i) for i in items) + "]"

    tests = [t for t in tests if (dest / t).exists()]
    section = (
        "\n[tool.mutmut]\n"
        'source_paths = ["ankigen"]\n'  # the whole package is copied, or its imports break
        f"only_mutate = {toml_list(modules)}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(tests)}\n"
        'pytest_add_cli_args = ["--no-cov", "-p", "no:cacheprovider", "-q", "-x"]\n'
        "also_copy = [\"tests\", \"cards_src\", \"bench\"]\n"
    )
    with (dest / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write(section)


def results(dest: Path) -> dict[str, dict[str, str]]:
    """module path -> mutant name -> status, from mutmut's .meta files."""
    out: dict[str, dict[str, str]] = {}
    for meta in sorted((dest / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        module = meta.relative_to(dest / "mutants").as_posix()[: -len(".meta")]
        statuses = {}
        for name, code in data.get("exit_code_by_key", {}).items():
            status = _STATUS.get(code, "other")
            statuses[name] = status if status in _COLUMNS else "other" if status != "not run" else status
        out[module] = statuses
    return out


def table(by_module: dict[str, dict[str, str]]) -> list[str]:
    lines = ["| module | mutants | " + " | ".join(_COLUMNS) + " | survival |",
             "|---|---|" + "---|" * len(_COLUMNS) + "---|"]
    totals: collections.Counter = collections.Counter()
    for module, statuses in by_module.items():
        counts = collections.Counter(statuses.values())
        totals.update(counts)
        lines.append(_row(module, counts))
    lines.append(_row("all", totals))
    return lines


def _row(label: str, counts: collections.Counter) -> str:
    tried = sum(counts[c] for c in _COLUMNS)
    rate = f"{100 * counts['survived'] / tried:.1f}%" if tried else "–"
    return f"| {label} | {tried} | " + " | ".join(str(counts[c]) for c in _COLUMNS) + f" | {rate} |"


def run_group(name: str, max_children: int, keep: Path | None, show: int) -> int:
    modules, tests = GROUPS[name]
    work = Path(tempfile.mkdtemp(prefix=f"ankigen-mutation-{name}-")) if keep is None else keep / name
    if work.exists() and keep is not None and (work / "mutants").exists():
        print(f"[{name}] resuming in {work}")
    else:
        work.mkdir(parents=True, exist_ok=True)
        copy_tree(work)
        configure(work, modules, tests)
    started = time.monotonic()
    mutmut = [sys.executable, "-m", "mutmut"]
    proc = subprocess.run([*mutmut, "run", "--max-children", str(max_children)], cwd=work,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    took = time.monotonic() - started
    by_module = results(work)
    print(f"\n## {name}: {took / 60:.1f} min (mutmut exit {proc.returncode}; in {work})\n")
    if not by_module:
        print(proc.stderr[-3000:])
        return 1
    print("\n".join(table(by_module)))
    survivors = [m for statuses in by_module.values() for m, s in statuses.items() if s == "survived"]
    for mutant in survivors[:show]:
        diff = subprocess.run([*mutmut, "show", mutant], cwd=work, capture_output=True, text=True).stdout
        print("\n" + diff.strip())
    if len(survivors) > show:
        print(f"\n… and {len(survivors) - show} more survivors (`mutmut show NAME` in {work})")
    if keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("groups", nargs="*", metavar="GROUP", help=", ".join(GROUPS))
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="work in DIR/GROUP and keep it (a rerun resumes)")
    parser.add_argument("--show", type=int, default=200, help="print at most N survivors' diffs")
    args = parser.parse_args()
    unknown = [g for g in args.groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group {unknown[0]!r}; choose from {', '.join(GROUPS)}")
    try:
        import mutmut  # noqa: F401
    except ImportError:
        print("mutmut is not installed: .venv/bin/pip install mutmut==3.8.1", file=sys.stderr)
        return 2
    return max(run_group(g, args.max_children, args.keep, args.show) for g in args.groups or GROUPS)


if __name__ == "__main__":
    sys.exit(main())
