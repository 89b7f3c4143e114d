"""Shared helpers: a project folder to build in, the real CLI, and a real Anki collection."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ankigen.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ankigen project (pyproject with [tool.ankigen]) as the working folder."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ankigen]\nroot_deck = "Test deck"\nnamespace = "ankigen-tests"\n', encoding="utf-8"
    )
    (tmp_path / "cards_src").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return tmp_path


def interruptible() -> None:
    """In a child about to be sent SIGINT: the default action, even when pytest was started
    with SIGINT ignored (a child inherits that, and Python then never raises KeyboardInterrupt)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str):
    """Run the real CLI in-process; returns click's Result (exit_code, output)."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


class AnkiCollection:
    """A real collection of the official `anki` package, closed at the end of the test."""

    def __init__(self, path: Path) -> None:
        from anki.collection import Collection

        self.col = Collection(str(path))

    def import_apkg(self, apkg: Path):
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        request = ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
        return self.col.import_anki_package(request).log

    def notes(self) -> dict[str, object]:
        """Notes by their Id field."""
        return {n["Id"]: n for n in (self.col.get_note(i) for i in self.col.find_notes(""))}

    def close(self) -> None:
        self.col.close()


@pytest.fixture
def anki(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("anki")
    collection = AnkiCollection(folder / "collection.anki2")
    yield collection
    collection.close()


@pytest.fixture
def bundled(project: Path) -> Path:
    """A copy of the bundled deck in a throw-away project."""
    shutil.rmtree(project / "cards_src")
    shutil.copytree(REPO / "cards_src", project / "cards_src")
    shutil.copy(REPO / "pyproject.toml", project / "pyproject.toml")
    return project


def _png() -> bytes:
    """A valid 1×1 PNG, built from its chunks."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00\x00"))
            + chunk(b"IEND", b""))


PNG = _png()


def only_apkg(folder: Path) -> Path:
    found = sorted(folder.glob("*.apkg"))
    assert len(found) == 1, found
    return found[0]




# Coverage floors of a whole-suite run, lines and branches apart (coverage's own fail_under
# only knows their blend, which lets weak branch coverage hide behind lines).
LINE_FLOOR, BRANCH_FLOOR = 95.0, 90.0


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtestloop(session: pytest.Session):
    """Outside pytest-cov's own wrapper, so its data is combined (subprocesses included) when we look."""
    result = yield
    plugin = session.config.pluginmanager.getplugin("_cov")
    controller = getattr(plugin, "cov_controller", None)
    whole_suite = session.config.args_source is pytest.Config.ArgsSource.TESTPATHS
    if controller is None or not whole_suite or session.testsfailed or session.config.option.keyword \
            or session.config.option.markexpr:
        return result
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        controller.cov.json_report(outfile=f"{tmp}/c.json")
        totals = json.loads(Path(f"{tmp}/c.json").read_text())["totals"]
    lines = 100 * totals["covered_lines"] / max(1, totals["num_statements"])
    branches = 100 * totals["covered_branches"] / max(1, totals["num_branches"])
    verdict = f"coverage: {lines:.2f}% of lines (floor {LINE_FLOOR:g}%), {branches:.2f}% of branches " \
              f"(floor {BRANCH_FLOOR:g}%)"
    reporter = session.config.pluginmanager.getplugin("terminalreporter")
    reporter.write("\n")  # the progress line ends with "[100%]" and no newline
    if lines < LINE_FLOOR or branches < BRANCH_FLOOR:
        reporter.write_line(f"ERROR: {verdict}", red=True, bold=True)
        session.testsfailed += 1
    else:
        reporter.write_line(verdict)
    return result
