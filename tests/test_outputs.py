"""The outputs stand alone: a PDF that cannot be made never costs the learner the Anki deck."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import AnkiCollection, run, write

DECK = "## 步幅是什么？ {#stride}\n\n窗口每次移动的距离。\n\n## 填充呢？ {#padding}\n\n在边缘补零。\n"


def _set_font(project: Path, font: str | None) -> None:
    text = (project / "pyproject.toml").read_text(encoding="utf-8").split("pdf_font")[0]
    (project / "pyproject.toml").write_text(text + (f'pdf_font = "{font}"\n' if font else ""), encoding="utf-8")


def test_a_pdf_failure_still_writes_the_deck_and_keeps_the_old_pdf(project: Path, tmp_path: Path) -> None:
    write(project / "cards_src/a.md", DECK)
    assert run("build").exit_code == 0
    dist = project / "dist"
    old_pdf = (dist / "Test deck.pdf").read_bytes()

    write(project / "cards_src/a.md", DECK.replace("补零", "补上零"))
    _set_font(project, "No Such Font")
    failed = run("build")
    assert failed.exit_code == 1
    assert "error[O002]: font 'No Such Font' is not installed" in failed.output
    assert "wrote dist/Test deck.apkg: 0 new, 1 changed, 1 unchanged notes" in failed.output
    assert "Test deck.pdf" not in failed.output.split("error[O002]")[0].split("wrote")[-1]
    assert (dist / "Test deck.pdf").read_bytes() == old_pdf  # left exactly as it was
    assert sorted(p.name for p in dist.iterdir()) == ["Test deck.apkg", "Test deck.pdf"]  # no temporary file

    anki = AnkiCollection(tmp_path / "c.anki2")
    try:
        anki.import_apkg(dist / "Test deck.apkg")
        assert "补上零" in anki.notes()["padding"]["Back"]
    finally:
        anki.close()

    again = run("build")  # a failed PDF is tried again, never replayed as up to date
    assert again.exit_code == 1 and "up to date" not in again.output and "error[O002]" in again.output
    assert "0 new, 0 changed, 2 unchanged notes" in again.output

    _set_font(project, None)
    fixed = run("build")
    assert fixed.exit_code == 0, fixed.output
    assert "0 new, 0 changed, 2 unchanged notes" in fixed.output  # the deck was already right
    assert (dist / "Test deck.pdf").read_bytes() != old_pdf


@pytest.mark.parametrize("on_error", ["stop", "keep"])
def test_no_typst_job_or_temporary_folder_outlives_a_build_with_an_error(project: Path, tmp_path: Path, monkeypatch,
                                                                         on_error: str) -> None:
    import tempfile
    import threading

    from pypdf import PdfReader

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    with (project / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write(f'on_error = "{on_error}"\n')
    # The PDF starts as soon as the cards are parsed; the false claim in the last card is found
    # while it is being typeset, which stops it (and, under "keep", starts it again without that card).
    cards = "".join(f"## 第 {i} 题 {{#q{i}}}\n\n答案 {i}：$x^{i}$\n\n" for i in range(60))
    write(project / "cards_src/a.md", cards + "## 错在哪一题 {#wrong}\n\n$$2 + 2 = 5$$\n")
    failed = run("build")
    assert failed.exit_code == 1 and "error[C001]" in failed.output
    assert not [t for t in threading.enumerate() if t.name.startswith(("ankigen-pdf", "ankigen-typst"))]
    assert list(temp.iterdir()) == []
    if on_error == "stop":
        assert not (project / "dist").exists()
        return
    assert "60 new, 0 changed, 0 unchanged notes, 1 left out" in failed.output
    text = "".join(p.extract_text() for p in PdfReader(project / "dist/Test deck.pdf").pages)
    assert "第 59 题" in text and "错在哪一题" not in text


# --- outputs are one set ------------------------------------------------------------------------


def test_a_set_whose_last_file_fails_replaces_none_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    from ankigen.run.output import staged

    first, second = tmp_path / "deck.apkg", tmp_path / "ankigen.lock"
    first.write_text("old package", encoding="utf-8")
    second.write_text("old lock", encoding="utf-8")
    with pytest.raises(OSError):
        with staged([first, second]) as (a, b):
            a.write_text("new package", encoding="utf-8")
            raise OSError(28, "No space left on device", str(b))
    assert first.read_text(encoding="utf-8") == "old package" and second.read_text(encoding="utf-8") == "old lock"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ankigen.lock", "deck.apkg"]


def test_ctrl_c_during_the_renames_waits_for_the_whole_set(tmp_path: Path, monkeypatch) -> None:
    import os
    import signal

    from ankigen.run import output

    targets = [tmp_path / "a", tmp_path / "b", tmp_path / "c"]
    renamed = []
    real_replace = os.replace

    def replace_then_interrupt(src, dst):
        real_replace(src, dst)
        renamed.append(Path(dst).name)
        if len(renamed) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # arrives between the first rename and the second

    monkeypatch.setattr(output.os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        with output.staged(targets) as temps:
            for tmp in temps:
                tmp.write_text("new", encoding="utf-8")
    assert renamed == ["a", "b", "c"]  # the interruption took effect only after the last
    assert all(t.read_text(encoding="utf-8") == "new" for t in targets)


def test_a_build_removes_what_a_killed_build_left_beside_its_outputs(project: Path) -> None:
    write(project / "cards_src/a.md", DECK)
    assert run("build", "--no-pdf").exit_code == 0
    stale = project / "dist/.Test deck.apkg.x1y2z3.tmp"
    stale.write_bytes(b"")  # what SIGKILL leaves: no cleanup ran
    lock_temp = project / "cards_src/.ankigen.lock.k9m8n7p6.tmp"  # the lock's, killed while renaming
    lock_temp.write_text("{}", encoding="utf-8")
    other = project / "dist/.notes.txt.tmp"
    other.write_text("not ours", encoding="utf-8")
    write(project / "cards_src/a.md", DECK.replace("补零", "补上零"))
    assert run("build", "--no-pdf").exit_code == 0
    assert not stale.exists() and not lock_temp.exists() and other.exists()


def test_an_output_folder_that_is_a_file_is_a_located_fault(project: Path) -> None:
    write(project / "cards_src/a.md", DECK)
    (project / "dist").write_text("a file\n", encoding="utf-8")
    result = run("build")
    assert result.exit_code == 2
    assert "dist:1:1: error[B002]: cannot write: File exists (errno 17)" in result.output
    assert "a file stands where a folder is needed" in result.output
    assert "This is a bug" not in result.output
    (project / "dist").unlink()
    shutil.rmtree(project / ".ankigen-cache")  # the first build made it
    (project / ".ankigen-cache").write_text("a file\n", encoding="utf-8")  # the cache, not an output
    result = run("build")
    assert result.exit_code == 2, result.output
    assert ".ankigen-cache:1:1: error[B002]: cannot write: File exists (errno 17)" in result.output
    assert "This is a bug" not in result.output
    import json

    result = run("build", "--format", "json")  # a program reading JSON gets the same diagnostic
    assert result.exit_code == 2
    [diagnostic] = json.loads(result.output)["diagnostics"]
    assert (diagnostic["path"], diagnostic["code"], diagnostic["severity"]) == (".ankigen-cache", "B002", "error")
    assert "a file stands where a folder is needed" in diagnostic["hint"]


def test_a_replaced_file_keeps_its_mode_and_owner_and_a_link_keeps_its_target(tmp_path: Path) -> None:
    import os

    from ankigen.run.output import write_text_atomic

    private = tmp_path / "private.md"
    private.write_text("old", encoding="utf-8")
    os.chmod(private, 0o600)
    if os.geteuid() == 0:
        os.chown(private, 12345, 12345)
    write_text_atomic(private, "new")
    st = private.stat()
    assert private.read_text(encoding="utf-8") == "new" and st.st_mode & 0o777 == 0o600
    if os.geteuid() == 0:
        assert (st.st_uid, st.st_gid) == (12345, 12345)

    target = tmp_path / "notes/real.md"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    write_text_atomic(link, "new")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new"

    fresh = tmp_path / "fresh.txt"
    write_text_atomic(fresh, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_second_build_of_a_project_waits_for_the_first(project: Path) -> None:
    import fcntl
    import subprocess
    import sys
    import time

    write(project / "cards_src/a.md", DECK)
    (project / ".ankigen-cache").mkdir()
    with open(project / ".ankigen-cache/build.lock", "a", encoding="utf-8") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a build under way holds it, with its process id
        held.write("4242")
        held.flush()
        proc = subprocess.Popen([sys.executable, "-m", "ankigen", "build", "--no-pdf"], cwd=project,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        assert proc.poll() is None and not (project / "dist").exists()
        fcntl.flock(held, fcntl.LOCK_UN)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "waiting for another build of this project (process 4242) to finish" in err
    assert "wrote dist/Test deck.apkg" in out


def test_scratch_folders_of_killed_builds_are_removed_by_the_next(tmp_path: Path, monkeypatch) -> None:
    import subprocess
    import sys
    import tempfile

    from ankigen.run.output import scratch

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    dead = tmp_path / f"ankigen-pdf-{gone}-abc12345"
    (dead / "chunks").mkdir(parents=True)
    live = tmp_path / "ankigen-pdf-1-xyz_1234"  # pid 1 is always running
    live.mkdir()
    # a folder of that shape that ankigen did not make (a benchmark's project, a user's) stays
    theirs = [tmp_path / f"ankigen-bench-{gone}-abc12345", tmp_path / f"ankigen-pdf-{gone}-my-notes"]
    for folder in theirs:
        folder.mkdir()
    with scratch("pdf") as folder:
        assert folder.parent == tmp_path and folder.name.startswith("ankigen-pdf-")
    assert not dead.exists() and live.exists() and not folder.exists()
    assert all(t.exists() for t in theirs)


def test_after_a_build_elsewhere_the_report_compares_with_the_package_here(project: Path, tmp_path: Path) -> None:
    write(project / "cards_src/a.md", DECK)
    assert run("build", "--no-pdf").exit_code == 0
    anki = AnkiCollection(tmp_path / "c.anki2")
    try:
        anki.import_apkg(project / "dist/Test deck.apkg")
        write(project / "cards_src/a.md", DECK.replace("补零", "补上零"))
        other = run("build", "--no-pdf", "--out", "other")
        assert other.exit_code == 0 and "wrote other/Test deck.apkg" in other.output
        lock = (project / "cards_src/ankigen.lock").read_text(encoding="utf-8")
        assert '"package": "../other/Test deck.apkg"' in lock
        here = run("build", "--no-pdf")
        # dist/ still holds the package from before the edit: importing the new one updates a note
        assert "wrote dist/Test deck.apkg: 0 new, 1 changed, 1 unchanged notes" in here.output, here.output
        log = anki.import_apkg(project / "dist/Test deck.apkg")
        assert len(log.updated) == 1 and not log.new and "补上零" in anki.notes()["padding"]["Back"]
    finally:
        anki.close()


def test_a_fault_names_the_output_and_what_to_do_never_a_temporary_file() -> None:
    import errno

    from ankigen.run.output import fault

    path, message, hint = fault(OSError(errno.EROFS, "Read-only file system", "/media/ro/.Deck.apkg.ab12cd34.tmp"),
                                Path("."))
    assert (path, message) == ("/media/ro/Deck.apkg", "cannot write: Read-only file system (errno 30)")
    assert "read-only" in hint
    path, _, hint = fault(OSError(errno.ENOENT, "No such file or directory", "/proc/.x.lock.zz9yy8xx.tmp"), Path("."))
    assert path == "/proc/x.lock" and "no file can be made in it" in hint  # /proc exists: not a missing folder
    _, _, hint = fault(OSError(errno.ENOENT, "No such file or directory", "/no/such/folder/.x.lock.zz9yy8xx.tmp"),
                       Path("."))
    assert "a folder on the way does not exist" in hint


def test_without_a_cache_folder_builds_of_a_project_still_take_turns(tmp_path: Path) -> None:
    import threading

    from ankigen.run.output import one_build_at_a_time

    entered = threading.Event()

    def second() -> None:
        with one_build_at_a_time(None, tmp_path):
            entered.set()

    with one_build_at_a_time(None, tmp_path):
        other = threading.Thread(target=second)
        other.start()
        assert not entered.wait(1.0), "a second build ran while the first held the project"
        with one_build_at_a_time(None, tmp_path / "elsewhere"):
            pass  # another project is not held up
    other.join(30)
    assert entered.is_set()


def test_a_deck_whose_every_card_is_left_out_still_writes_both_outputs(project: Path) -> None:
    """The only card fails its check and has no earlier version: the package holds no note and the
    PDF only its title and contents. Joining a PDF with no study page failed with an IndexError."""
    write(project / "cards_src/a.md", "## Two and two {#two}\n\n$$2 + 2 = 5$$\n")
    result = run("build")
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output and "left out" in result.output
    assert (project / "dist/Test deck.apkg").is_file() and (project / "dist/Test deck.pdf").is_file()
