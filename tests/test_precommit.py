"""The repository's pre-commit hook, run for real by pre-commit on a fresh repository of notes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD = "# CNN\n\n### What size comes out?\n\n$$\\left\\lfloor \\frac{224 - 7 + 2 \\times 3}{2} \\right\\rfloor + 1 = 112$$\n"
BAD = GOOD.replace("\\left\\lfloor ", "").replace(" \\right\\rfloor", "")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)


def _try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess:
    pre_commit = Path(sys.executable).parent / "pre-commit"
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    return subprocess.run([str(pre_commit), "try-repo", str(ROOT), "ankigen-check", "--all-files"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=1200)


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_the_hook_passes_a_right_formula_and_stops_a_wrong_one(tmp_path: Path) -> None:
    repo = tmp_path / "notes"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "a@example.org")
    _git(repo, "config", "user.name", "A")
    (repo / "cnn.md").write_text(GOOD, encoding="utf-8")
    _git(repo, "add", "cnn.md")
    home = tmp_path / "pre-commit-home"
    good = _try_repo(repo, home)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "ankigen check" in good.stdout and "Passed" in good.stdout
    (repo / "cnn.md").write_text(BAD, encoding="utf-8")
    _git(repo, "add", "cnn.md")
    bad = _try_repo(repo, home)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "cnn.md:5:3: error[C001]: claim does not hold" in bad.stdout
    assert not (repo / ".ankigen-cache").exists()  # a notes repository is left as it was
