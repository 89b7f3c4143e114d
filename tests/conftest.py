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


def only_apkg(folder: Path) -> Path:
    found = sorted(folder.glob("*.apkg"))
    assert len(found) == 1, found
    return found[0]


