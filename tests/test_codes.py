"""The diagnostics registry: complete, without dead entries, its examples true, its page current."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest

from ankigen.codes import CODES, GROUPS, Code, Example
from conftest import REPO, run
from test_architecture import GROUND_FLOOR, graph

PACKAGE = REPO / "ankigen"
CODE = re.compile(r"[A-Z][0-9]{3}")
PYPROJECT = '[tool.ankigen]\nroot_deck = "Test deck"\nnamespace = "ankigen-tests"\n'


def _code_constants() -> tuple[set[str], set[str]]:
    """Codes written in ankigen's source: those emitted, and those only compared against.

    A code is emitted wherever it is passed or stored (a call's argument, a tuple kept for a later
    `sink.warning`); in a comparison (`d.code == "S025"`) it is only read."""
    emitted, compared = set(), set()
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "codes.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_compare = {id(n) for c in ast.walk(tree) if isinstance(c, ast.Compare) for n in ast.walk(c)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.fullmatch(node.value):
                (compared if id(node) in in_compare else emitted).add(node.value)
    return emitted, compared


def test_the_scan_finds_codes_however_they_are_emitted() -> None:
    emitted, compared = _code_constants()
    # S020 by f.warning, C005 through a reporter, O004 kept in a tuple for later, M001 in a Problem
    assert {"S020", "C005", "O004", "M001", "B001"} <= emitted
    assert "S025" in compared


def test_every_emitted_code_is_in_the_registry() -> None:
    emitted, compared = _code_constants()
    assert emitted - set(CODES) == set(), "add these codes to ankigen/codes.py"
    assert compared - set(CODES) == set(), "compared against codes that do not exist"


def test_every_registry_code_is_emitted_somewhere() -> None:
    emitted, _ = _code_constants()
    assert set(CODES) - emitted == set(), "dead entries in ankigen/codes.py"


def test_the_registry_stands_on_the_ground_floor() -> None:
    # Every stage may read it, so it may read nothing of theirs.
    assert graph()["ankigen.codes"] <= GROUND_FLOOR


def test_codes_are_defined_once_in_their_group() -> None:
    codes = [c.code for _, _, _, group in GROUPS for c in group]
    assert len(codes) == len(set(codes)) == len(CODES)
    for prefix, _, _, group in GROUPS:
        assert all(c.code.startswith(prefix) for c in group), prefix
        assert [c.code for c in group] == sorted(c.code for c in group), prefix


def test_a_code_without_examples_says_why() -> None:
    for c in CODES.values():
        assert (c.bad is None) == (c.fixed is None) == bool(c.no_example), c.code
        assert (c.other_bad is None) == (not c.severity_note), c.code
        assert c.summary and c.hint and len(c.explanation) > 60, c.code
        assert "\n" not in c.summary and not c.summary.endswith("."), c.code


def _produce(project: Path, example: Example) -> list[tuple[str, str]]:
    """(code, severity) of every diagnostic the real CLI gives for the example in a fresh folder."""
    if example.first is not None:
        _produce(project, example.first)
        for f in example.first.files:
            (project / f.path).unlink()
    for path in example.remove:
        shutil.rmtree(project / path)
    (project / "pyproject.toml").write_text(PYPROJECT + example.settings, encoding="utf-8")
    for f in example.files:
        (project / f.path).parent.mkdir(parents=True, exist_ok=True)
        (project / f.path).write_bytes(f.content())
    result = run(example.command, "--format", "json")
    out = json.loads(result.output)
    assert "diagnostics" in out, out  # a usage error would not be the diagnostic shown
    return [(d["code"], d["severity"]) for d in out["diagnostics"]]


EXAMPLES = [c for c in CODES.values() if c.bad is not None]


@pytest.mark.parametrize("code", EXAMPLES, ids=lambda c: c.code)
def test_the_bad_example_produces_its_code(project: Path, code: Code) -> None:
    found = _produce(project, code.bad)
    assert (code.code, code.severity.value) in found, found
    # Nothing else but what the page says comes with it, and all of that really comes.
    assert {c for c, _ in found} == {code.code, *code.bad.also}, found


@pytest.mark.parametrize("code", [c for c in CODES.values() if c.severity_note], ids=lambda c: c.code)
def test_a_code_of_two_severities_has_an_example_of_the_other(project: Path, code: Code) -> None:
    other = "warning" if code.severity.value == "error" else "error"
    assert _produce(project, code.other_bad) == [(code.code, other)]


@pytest.mark.parametrize("code", EXAMPLES, ids=lambda c: c.code)
def test_the_fixed_example_is_clean(project: Path, code: Code) -> None:
    # Clean of everything, not only of its code: a fix that trades one problem for another teaches nothing.
    assert _produce(project, code.fixed) == []


def _page_module():
    spec = importlib.util.spec_from_file_location("diagnostics_page", REPO / "scripts" / "diagnostics_page.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reference_page_is_current() -> None:
    page = _page_module()
    written = (REPO / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert written == page.page(), f"docs/diagnostics.md is stale: run `{page.COMMAND}`"


def test_the_page_has_a_section_for_every_code() -> None:
    text = _page_module().page()
    assert re.findall(r"^### ([A-Z][0-9]{3})$", text, re.M) == [c.code for _, _, _, g in GROUPS for c in g]
