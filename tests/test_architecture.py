"""The shape of the code: imports point one way, so every stage can be read without the ones above it."""

from __future__ import annotations

import ast
from pathlib import Path

import ankigen

PACKAGE = Path(ankigen.__file__).parent
GROUND_FLOOR = {"ankigen.model", "ankigen.diagnostics", "ankigen.config"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str], inside_functions: bool = False) -> set[str]:
    """ankigen modules imported when this one is (module-level imports; those inside functions run
    later, and count only with `inside_functions`)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in (ast.walk(tree) if inside_functions else tree.body):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in found if m in modules and m != name}


def graph(inside_functions: bool = False) -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(p, modules, inside_functions) for p in paths}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def test_no_import_cycles() -> None:
    edges = graph()
    assert len(edges) > 40 and {"ankigen.anki.changes", "ankigen.source.sources"} <= edges["ankigen.build"]
    assert cycles(edges) == []


def test_a_build_that_is_up_to_date_imports_no_heavy_library() -> None:
    """`ankigen build` with nothing changed replays the last build: importing the pipeline must not
    bring in the checker, the PDF, the Markdown parser or genanki (a tenth of a second and more)."""
    import subprocess
    import sys

    heavy = ("sympy", "genanki", "markdown_it", "typst", "pikepdf", "yaml", "ankigen.check", "ankigen.pdf")
    code = ("import sys, ankigen.cli, ankigen.build; "
            f"print(sorted({{m.split('.')[0] if not m.startswith('ankigen') else m for m in sys.modules}}))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert not [h for h in heavy if f"'{h}" in loaded], loaded
    edges = graph(inside_functions=True)
    assert {"ankigen.pdf.layout", "ankigen.source.parse"} <= edges["ankigen.build"]  # imported when used


def test_the_checker_has_no_cycle_even_through_imports_inside_functions() -> None:
    """A cycle hidden in function-level imports (stage → messages → reconsider → stage) still ties
    the modules together: check/ has none at all."""
    edges = graph(inside_functions=True)
    check = {m: {d for d in deps if d.startswith("ankigen.check.")} for m, deps in edges.items()
             if m.startswith("ankigen.check.")}
    assert len(check) > 20 and "ankigen.check.form" in check["ankigen.check.stage"]
    assert cycles(check) == []


def test_no_cycle_anywhere_even_through_imports_inside_functions() -> None:
    """A function-level import is a dependency all the same (apkg once imported changes for a tag
    while changes imported apkg to read notes): no two modules may need each other, in any stage."""
    edges = graph(inside_functions=True)
    assert "ankigen.anki.notes" in edges["ankigen.anki.apkg"]  # seen although imported in a function
    assert cycles(edges) == []


def test_the_ground_floor_imports_nothing_above_it() -> None:
    edges = graph()
    for module in GROUND_FLOOR:
        assert edges[module] <= GROUND_FLOOR | {"ankigen"}, (module, edges[module])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


# The top of the package is the pipeline and what every stage shares; the rest lives in the
# subpackage of its stage (README "Development").
TOP = {"__init__", "__main__", "build", "cli", "config", "model", "diagnostics", "codes", "labels", "init"}
STAGES = {"source", "check", "anki", "pdf", "run"}


def test_the_top_holds_only_the_pipeline_and_what_every_stage_shares() -> None:
    assert {p.stem for p in PACKAGE.glob("*.py")} == TOP
    assert {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()} == STAGES


def test_each_stage_says_what_it_owns() -> None:
    for stage in STAGES:
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc.splitlines()) <= 3, stage


def test_stages_do_not_reach_into_later_ones() -> None:
    # Reading sources never needs Anki's or the PDF's side; the check reads sources only.
    edges = graph()
    for module, imported in edges.items():
        if module.startswith(("ankigen.source", "ankigen.check")):
            assert not {m for m in imported if m.startswith(("ankigen.anki", "ankigen.pdf", "ankigen.build"))}, module
        if module.startswith("ankigen.source"):
            assert not {m for m in imported if m.startswith("ankigen.check")}, module


def test_every_module_compiles_without_a_warning() -> None:
    """An invalid escape such as `"\\S"` in a docstring or a table is a warning today and an error in
    a later Python; a LaTeX command belongs in a raw string."""
    import warnings
    for path in sorted(PACKAGE.rglob("*.py")):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            compile(path.read_text(encoding="utf-8"), str(path), "exec")
