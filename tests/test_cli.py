"""The real CLI through click's CliRunner: exit codes, diagnostics, outputs."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import interruptible, only_apkg, run, write

GOOD = "## What is 1 + 1? {#one-plus-one}\n\n$1 + 1 = 2$\n"

MALFORMED = """\
---
deck: Test deck
---

## Fine card {#fine}

fine

## Broken {#fine}

duplicate id above

## Image {#img}

![gone](missing.png)
"""


def test_build_with_no_arguments_writes_the_deck(project: Path) -> None:
    write(project / "cards_src/a.md", GOOD)
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "1 card, 1 claim checked (1 exactly). All checks passed." in result.output  # the inline 1 + 1 = 2
    assert "wrote dist/Test deck.apkg: 1 new" in result.output
    with zipfile.ZipFile(project / "dist/Test deck.apkg") as z:
        assert {"collection.anki2", "media"} <= set(z.namelist())
    assert (project / "cards_src/ankigen.lock").exists()


def test_build_src_and_out_arguments(project: Path) -> None:
    write(project / "elsewhere/deck.md", GOOD)
    result = run("build", "elsewhere", "--out", "public")
    assert result.exit_code == 0, result.output
    assert only_apkg(project / "public").name == "Test deck.apkg"
    assert not (project / "dist").exists()


def test_malformed_source_gives_located_diagnostics_and_exit_1(project: Path) -> None:
    write(project / "cards_src/bad.md", MALFORMED)
    result = run("check")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert "cards_src/bad.md:9:1: error[S023]: duplicate card id 'fine'" in lines
    assert "cards_src/bad.md:15:9: warning[S033]: image not found: missing.png; it is left out of the card" in lines
    assert "   9 | ## Broken {#fine}" in lines
    assert any(line.startswith("  = help: ") for line in lines)
    assert "  = note: first used at cards_src/bad.md:5" in lines
    assert lines[-1] == "3 cards, 0 claims checked. Found 1 error and 1 warning."


def test_with_on_error_stop_a_failed_build_writes_nothing_and_keeps_previous_outputs(project: Path) -> None:
    with (project / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write('on_error = "stop"\n')
    write(project / "cards_src/a.md", GOOD)
    assert run("build").exit_code == 0
    apkg, pdf = project / "dist/Test deck.apkg", project / "dist/Test deck.pdf"
    before, pdf_before = apkg.read_bytes(), pdf.read_bytes()
    lock_before = (project / "cards_src/ankigen.lock").read_text(encoding="utf-8")

    write(project / "cards_src/b.md", MALFORMED)
    result = run("build")
    assert result.exit_code == 1
    assert apkg.read_bytes() == before and pdf.read_bytes() == pdf_before
    assert (project / "cards_src/ankigen.lock").read_text(encoding="utf-8") == lock_before
    assert sorted(p.name for p in (project / "dist").iterdir()) == ["Test deck.apkg", "Test deck.pdf"]
    assert "nothing written: fix the errors above; previous outputs are untouched" in result.output


def test_on_error_takes_keep_or_stop(project: Path) -> None:
    with (project / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write('on_error = "skip"\n')
    write(project / "cards_src/a.md", GOOD)
    result = run("check")
    assert result.exit_code == 2
    assert "on_error must be one of keep, stop, not 'skip'" in result.output


def test_check_json_format(project: Path) -> None:
    write(project / "cards_src/bad.md", MALFORMED)
    result = run("check", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    summary = data["summary"]
    assert {k: summary[k] for k in ("cards", "claims", "failed", "errors", "warnings")} == {
        "cards": 3, "claims": 0, "failed": 0, "errors": 1, "warnings": 1}
    assert {"proven", "sampled", "exact"} <= set(summary)
    first = data["diagnostics"][0]
    assert {k: first[k] for k in ("path", "line", "col", "severity", "code")} == {
        "path": "cards_src/bad.md", "line": 9, "col": 1, "severity": "error", "code": "S023"}


def test_build_json_says_what_was_written_and_what_an_import_will_do(project: Path) -> None:
    write(project / "cards_src/a.md", "## One {#one}\n\na\n\n## Two {#two}\n\nb\n")
    first = json.loads(run("build", "--no-pdf", "--format", "json").output)
    assert first["outputs"] == ["dist/Test deck.apkg"] and first["up_to_date"] is False
    assert first["changes"] == {"new": ["one", "two"], "changed": [], "unchanged": 0, "removed": [],
                                "still_removed": 0, "kept_as_built": [], "left_out": [], "conflicting": []}
    write(project / "cards_src/a.md", "## One {#one}\n\na, edited\n")
    second = json.loads(run("build", "--no-pdf", "--format", "json").output)
    assert second["changes"] == {"new": [], "changed": ["one"], "unchanged": 0, "removed": ["two"],
                                 "still_removed": 0, "kept_as_built": [], "left_out": [], "conflicting": []}
    write(project / "cards_src/a.md", "## One {#one}\n\n$$1 + 1 = 3$$\n\n## New {#new}\n\n$$2 = 3$$\n")
    broken = json.loads(run("build", "--no-pdf", "--format", "json").output)
    assert broken["changes"] == {"new": [], "changed": [], "unchanged": 0, "removed": [], "still_removed": 1,
                                 "kept_as_built": ["one"], "left_out": ["new"], "conflicting": []}
    assert broken["summary"]["errors"] == 2
    write(project / "cards_src/a.md", "## One {#one}\n\na, edited\n")
    fixed = json.loads(run("build", "--no-pdf", "--format", "json").output)
    assert fixed["changes"]["unchanged"] == 1 and fixed["up_to_date"] is False  # as kept: nothing to update
    third = json.loads(run("build", "--no-pdf", "--format", "json").output)
    assert third["up_to_date"] is True


def test_warnings_pass_unless_strict(project: Path) -> None:
    write(project / "cards_src/a.md", "## No id here\n\nanswer\n")
    assert run("check").exit_code == 0
    result = run("check", "--strict")
    assert result.exit_code == 1
    assert "warning[S025]" in result.output
    assert "--strict: the warnings above count as errors" in result.output
    built = run("build", "--strict", "--no-pdf")
    assert built.exit_code == 1  # the card counts as broken: left out, since no build packaged it
    assert "0 new, 0 changed, 0 unchanged notes, 1 left out" in built.output
    with (project / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write('on_error = "stop"\n')
    shutil.rmtree(project / "dist")
    built = run("build", "--strict", "--no-pdf")
    assert built.exit_code == 1 and not (project / "dist").exists()
    assert "nothing written: --strict counts the warnings above as errors" in built.output
    assert "fix the errors above" not in built.output


def test_usage_and_configuration_errors_exit_2(project: Path) -> None:
    assert run("build", "no-such-folder").exit_code == 2
    assert run("check", "--format", "yaml").exit_code == 2
    write(project / "pyproject.toml", "[tool.ankigen]\nroot_dekc = 'typo'\n")
    result = run("check")
    assert result.exit_code == 2
    assert "unknown setting 'root_dekc'" in result.output


def test_empty_source_tree_is_a_usage_error(project: Path) -> None:
    result = run("build")
    assert result.exit_code == 2
    assert "no Markdown sources" in result.output


def test_invalid_utf8_names_the_byte_offset(project: Path) -> None:
    (project / "cards_src/latin1.md").write_bytes("## Café {#cafe}\n\nolé\n".encode("latin-1"))
    result = run("check")
    assert result.exit_code == 1
    assert "cards_src/latin1.md:1:7: error[S001]: not valid UTF-8: byte 0xe9 at offset 6" in result.output


def test_bom_and_crlf_are_read_as_plain_text(project: Path) -> None:
    (project / "cards_src/win.md").write_bytes(b"\xef\xbb\xbf## Q {#q}\r\n\r\nA\r\n")
    result = run("check", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output)["summary"]["cards"] == 1


def test_internal_errors_are_reported_without_traceback(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "cards_src/a.md", GOOD)

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("ankigen.anki.apkg.write_apkg", explode)
    result = run("build")
    assert result.exit_code == 2
    assert "internal error: RuntimeError: boom" in result.output
    assert "Traceback" not in result.output
    assert not list((project / "dist").glob("*"))


def test_version_and_help(project: Path) -> None:
    assert run("--version").output.startswith("ankigen, version ")
    out = run("--help").output
    assert "build" in out and "check" in out


def test_check_claims_lists_every_claim_with_its_verdict(project: Path) -> None:
    write(project / "cards_src/a.md", "## Q {#q}\n\nA\n\n```check\n1 + 1 = 2\n(a + b)^2 = a^2 + 2ab + b^2\n"
                                     "\\lfloor x \\rfloor \\le x\n1 + 1 = 3\n```\n")
    result = run("check", "--claims")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "cards_src/a.md:6:1: holds (exact): 1 + 1 = 2" in lines
    assert "cards_src/a.md:7:1: holds (proven symbolically): (a + b)^2 = a^2 + 2ab + b^2" in lines
    assert "cards_src/a.md:8:1: holds (holds at 40 sampled points): \\lfloor x \\rfloor \\le x" in lines
    assert "cards_src/a.md:9:1: FAILS (exact): 1 + 1 = 3" in lines


WARNED = "## Fine card {#fine}\n\n$$x = y +$$\n\nanswer\n\n## No id\n\nanswer\n"


def test_a_replay_names_files_from_where_you_stand(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "cards_src/sub/a.md", WARNED)
    assert "cards_src/sub/a.md:" in run("build").output
    monkeypatch.chdir(project / "cards_src")
    again = run("build")
    assert "up to date" in again.output
    places = [line.split(":")[0] for line in again.output.splitlines() if "warning[" in line]
    assert places and set(places) == {"sub/a.md"}


def test_rebuild_without_changes_is_skipped_and_replays_diagnostics(project: Path) -> None:
    write(project / "cards_src/a.md", WARNED)
    first = run("build")
    assert first.exit_code == 0, first.output
    outputs = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (project / "dist").iterdir()}
    assert len(outputs) == 2
    second = run("build")
    assert second.exit_code == 0, second.output
    assert "up to date" in second.output
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (project / "dist").iterdir()} == outputs
    warnings = [line for line in first.output.splitlines() if "warning[" in line]
    assert warnings and warnings == [line for line in second.output.splitlines() if "warning[" in line]
    summary = [line for line in first.output.splitlines() if line.startswith("2 cards,")]
    assert summary and summary == [line for line in second.output.splitlines() if line.startswith("2 cards,")]


@pytest.mark.parametrize("change", ["edit source", "add image", "touch output", "delete output", "option",
                                    "delete lock", "epoch"])
def test_any_change_of_inputs_or_outputs_rebuilds(project: Path, change: str, monkeypatch) -> None:
    write(project / "cards_src/a.md", GOOD)
    assert run("build").exit_code == 0
    apkg = project / "dist/Test deck.apkg"
    args = ["build"]
    if change == "edit source":
        write(project / "cards_src/a.md", GOOD.replace("1 + 1 = 2", "1 + 2 = 3"))
    elif change == "add image":
        write(project / "cards_src/pic.png", "not really a png")
    elif change == "touch output":
        apkg.write_bytes(apkg.read_bytes() + b"\0")
    elif change == "delete output":
        (project / "dist/Test deck.pdf").unlink()
    elif change == "option":
        args.append("--no-pdf")
    elif change == "delete lock":
        (project / "cards_src/ankigen.lock").unlink()
    elif change == "epoch":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "up to date" not in result.output
    assert "wrote dist/Test deck.apkg" in result.output
    assert zipfile.is_zipfile(apkg)


def test_ids_writes_unique_slugs_keeping_bom_line_ends_and_tags(project: Path) -> None:
    path = project / "cards_src/a.md"
    path.write_bytes("\ufeff## 为什么 ReLU 好？ {.act}\r\n\r\n答\r\n\r\n## 为什么 ReLU 好？\r\n\r\n再答\r\n\r\n"
                     "## Has one {#为什么-relu-好-2}\r\n\r\nx\r\n".encode("utf-8"))
    dry = run("ids", "--dry-run")
    assert dry.exit_code == 0 and "would add" in dry.output
    assert path.read_bytes().startswith("\ufeff## 为什么 ReLU 好？ {.act}\r\n".encode("utf-8"))
    result = run("ids")
    assert result.exit_code == 0, result.output
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\n" not in raw.replace(b"\r\n", b"")
    text = raw.decode("utf-8-sig")
    assert "## 为什么 ReLU 好？ {#为什么-relu-好 .act}\r\n" in text
    assert "## 为什么 ReLU 好？ {#为什么-relu-好-3}\r\n" in text  # -2 was taken
    assert run("check").exit_code == 0
    assert "every card has an id" in run("ids").output


def test_ids_edits_a_file_with_two_names_where_it_stands(project: Path) -> None:
    import os

    path = project / "cards_src/a.md"
    path.write_bytes("## 步幅是什么？\r\n\r\n窗口每次移动的距离。\r\n".encode("utf-8"))
    other = project / "notes-copy.md"
    os.link(path, other)  # the same note under a second name, as a sync tool or a vault link keeps it
    inode = path.stat().st_ino
    result = run("ids")
    assert result.exit_code == 0, result.output
    assert path.stat().st_ino == inode and path.stat().st_nlink == 2
    assert other.read_bytes() == path.read_bytes() == "## 步幅是什么？ {#步幅是什么}\r\n\r\n窗口每次移动的距离。\r\n".encode()


def test_ids_edits_another_users_file_where_it_stands(project: Path) -> None:
    import os

    path = project / "cards_src/a.md"
    path.write_text("## 填充是什么？\n\n在边缘补零。\n", encoding="utf-8")
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    os.chown(path, 65534, 65534)  # a note of the vault's owner, edited by root (or an admin)
    inode = path.stat().st_ino
    assert run("ids").exit_code == 0
    assert (path.stat().st_ino, path.stat().st_uid, path.stat().st_gid) == (inode, 65534, 65534)
    assert path.read_text(encoding="utf-8").startswith("## 填充是什么？ {#填充是什么}\n")


def test_ids_refuses_to_write_when_sources_are_broken(project: Path) -> None:
    write(project / "cards_src/a.md", "## Q\n\n```python\nunclosed\n")
    before = (project / "cards_src/a.md").read_bytes()
    result = run("ids")
    assert result.exit_code == 1 and "no ids written" in result.output
    assert (project / "cards_src/a.md").read_bytes() == before


def test_init_makes_a_deck_that_builds_and_never_overwrites(tmp_path: Path, monkeypatch, anki) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "notes"\n', encoding="utf-8")
    result = run("init", "--deck", "My deck")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith('[project]\nname = "notes"\n') and 'root_deck = "My deck"' in text
    assert "ankigen build" in (tmp_path / "README.ankigen.md").read_text(encoding="utf-8")
    built = run("build")
    assert built.exit_code == 0, built.output
    assert "2 claims checked" in built.output and "All checks passed" in built.output
    log = anki.import_apkg(tmp_path / "dist" / "My deck.apkg")
    assert len(log.new) == 2
    (tmp_path / "cards_src/example.md").write_text("## mine {#mine}\n\nx\n", encoding="utf-8")
    again = run("init")
    assert "nothing to do" in again.output
    assert (tmp_path / "cards_src/example.md").read_text(encoding="utf-8") == "## mine {#mine}\n\nx\n"


def test_init_beside_existing_cards_adds_no_example(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "notes/cards_src/ch1/a.md", "## Conv output size {#conv-output-size}\n\nfloor((W-K+2P)/S)+1\n")
    result = run("init", "notes")
    assert "notes/cards_src already holds cards: no example added" in result.output
    assert not (tmp_path / "notes/cards_src/example.md").exists()
    assert "next: cd notes && ankigen build" in result.output
    monkeypatch.chdir(tmp_path / "notes")
    assert run("build", "--no-pdf").exit_code == 0  # no S023: the example's id is not there to collide
    spaced = run("init", str(tmp_path / "my notes"))
    assert f"next: cd '{tmp_path / 'my notes'}' && ankigen build" in spaced.output


def test_diagnostics_are_coloured_on_a_terminal_only(project: Path) -> None:
    import subprocess
    import sys

    write(project / "cards_src/a.md", "## No id\n\nanswer\n")
    piped = subprocess.run([sys.executable, "-m", "ankigen", "check"], cwd=project, capture_output=True, text=True)
    assert "warning[S025]" in piped.stdout and "\x1b[" not in piped.stdout
    seen = _run_in_pty(project, "check")
    assert b"\x1b[1;33mwarning[S025]\x1b[0m" in seen


def test_watch_rebuilds_on_change_until_interrupted(project: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    import os
    import select

    write(project / "cards_src/a.md", GOOD)

    proc = subprocess.Popen([sys.executable, "-m", "ankigen", "build", "--watch", "--no-pdf"], cwd=project,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, preexec_fn=interruptible)
    try:
        seen = b""

        def wait_for(text: str) -> None:
            nonlocal seen
            deadline = time.monotonic() + 60
            while text.encode() not in seen:
                left = deadline - time.monotonic()
                assert left > 0, f"never saw {text!r} in {seen.decode(errors='replace')}"
                if select.select([proc.stdout], [], [], left)[0]:
                    seen += os.read(proc.stdout.fileno(), 65536)
            seen = seen[seen.index(text.encode()) + len(text):]

        wait_for("watching")
        write(project / "cards_src/a.md", GOOD.replace("1 + 1 = 2", "1 + 2 = 3"))
        wait_for("0 new, 1 changed")
        write(project / "cards_src/a.md", "## Sum {#sum}\n\n$$1 + 1 = 3$$\n")
        wait_for("error[C001]")  # a broken edit is reported, and watching goes on
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0 and b"stopped watching" in seen + out
    finally:
        proc.kill()


def _run_in_pty(project: Path, *args: str) -> bytes:
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI")} | {"TERM": "xterm"}
    subprocess.run([sys.executable, "-m", "ankigen", *args], cwd=project, stdout=follower, stderr=follower,
                   env=env, timeout=120)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    return seen


def test_progress_shows_on_a_terminal_only_and_not_with_quiet(project: Path) -> None:
    import subprocess
    import sys

    write(project / "cards_src/a.md", GOOD)
    assert "typesetting the PDF…".encode() in _run_in_pty(project, "build")
    write(project / "cards_src/a.md", GOOD + "\nmore\n")
    assert "typesetting".encode() not in _run_in_pty(project, "build", "-q")
    write(project / "cards_src/a.md", GOOD + "\neven more\n")
    piped = subprocess.run([sys.executable, "-m", "ankigen", "build"], cwd=project, capture_output=True, text=True)
    assert piped.returncode == 0 and "typesetting" not in piped.stderr + piped.stdout


def test_card_footer_can_be_turned_off(project: Path) -> None:
    import sqlite3

    write(project / "cards_src/a.md", "## Sum {#sum}\n\n$$1 + 1 = 2$$\n")
    with (project / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write("card_footer = false\n")
    assert run("build").exit_code == 0
    with zipfile.ZipFile(project / "dist/Test deck.apkg") as z:
        (project / "c.anki2").write_bytes(z.read("collection.anki2"))
    flds = sqlite3.connect(project / "c.anki2").execute("select flds from notes").fetchone()[0].split("\x1f")
    assert flds[5:7] == ["", "a.md#sum"] and flds[-1] == "sum"  # the browser still finds its source


def test_many_warnings_of_one_kind_are_counted_not_listed(project: Path) -> None:
    cards = "".join(f"## Question {n}\n\nanswer {n}\n\n" for n in range(8))
    write(project / "cards_src/a.md", cards + "## One {#x}\n\ny\n\n## Two {#x}\n\nz\n")
    result = run("check")
    assert result.output.count("warning[S025]") == 5 + 1  # five shown, one in the count line
    assert "… and 3 more warning[S025] like the ones above (`ankigen ids` gives every card an id)" in result.output
    assert "error[S023]" in result.output  # errors are never counted away
    assert len(json.loads(run("check", "--format", "json").output)["diagnostics"]) == 9


def test_starting_ankigen_does_not_import_sympy() -> None:
    # A build with nothing to check (up to date, or every card cached) must not pay sympy's
    # start-up; the checker imports it on the first card it decides.
    import subprocess
    import sys

    code = "import sys, ankigen.cli, ankigen.build, ankigen.check.lines; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_build_report_names_a_card_without_an_id_by_its_place(project: Path) -> None:
    import json

    write(project / "cards_src/a.md", "## Has one {#named}\n\nx\n\n## No id here\n\nanswer\n")
    dry = json.loads(run("build", "--no-pdf", "--dry-run", "--format", "json").output)
    assert dry["changes"]["new"] == ["named", "cards_src/a.md:5"]
    result = run("build", "--no-pdf")
    assert "add 2 new notes: named, cards_src/a.md:5" in result.output


def test_usage_errors_are_json_in_json_mode(project: Path) -> None:
    import json

    result = run("build", "no-such-folder", "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.output) == {"error": {"message": "source folder not found: no-such-folder",
                                                   "exit_code": 2}}
    assert run("build", "no-such-folder").output.startswith("Error: source folder not found")


WRONG = "## Two plus two {#two}\n\n$$2 + 2 = 5$$\n\n## No id here\n\nanswer\n"


def test_github_format_annotates_each_diagnostic_at_its_place(project: Path) -> None:
    write(project / "cards_src/a.md", WRONG)
    result = run("check", "--format", "github")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("::")]
    assert lines[0].startswith("::error file=cards_src/a.md,line=3,endLine=3,col=3,endColumn=11,"
                               "title=ankigen C001::claim does not hold: 2 + 2 = 5%0Anote: ")
    assert lines[1].startswith("::warning file=cards_src/a.md,line=5,endLine=5,col=1,")
    assert "title=ankigen S025::" in lines[1] and "\n" not in lines[1]


def test_select_and_ignore_decide_what_is_reported_and_the_exit_code(project: Path) -> None:
    write(project / "cards_src/a.md", WRONG)
    assert run("check", "--ignore", "C001").exit_code == 0
    result = run("check", "--select", "S0", "--format", "json")
    assert result.exit_code == 0
    assert [d["code"] for d in json.loads(result.output)["diagnostics"]] == ["S025"]
    result = run("check", "--select", "C,S", "--ignore", "S025", "--format", "json")
    assert [d["code"] for d in json.loads(result.output)["diagnostics"]] == ["C001"]
    assert result.exit_code == 1
    # the longest prefix wins: C001 is selected although C is ignored
    assert run("check", "--ignore", "C", "--select", "C001").exit_code == 1
    with (project / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write('ignore = ["C0"]\n')
    assert run("check").exit_code == 0
    assert run("check", "--ignore", "S").exit_code == 1  # the command line replaces the setting


def test_select_and_ignore_settings_are_lists_of_codes(project: Path) -> None:
    write(project / "cards_src/a.md", GOOD)
    with (project / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write('select = "C001"\n')
    result = run("check")
    assert result.exit_code == 2
    assert "select must be a list of codes or prefixes" in result.output


def test_check_without_settings_reads_a_strangers_notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notes = tmp_path / "notes"
    write(notes / "cnn.md", "# CNN\n\n### What size comes out?\n\n"
                            "$$\\frac{224 - 7 + 2 \\times 3}{2} + 1 = 113$$\n")
    write(notes / "ok.md", "---\ncard_heading: auto\n---\n\n# A\n\n#### Two\n\n$$1 + 1 = 2$$\n")
    monkeypatch.chdir(tmp_path)
    result = run("check", "notes", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    # questions at ### and #### are found without card_heading; no S025 for want of ids
    assert data["summary"]["cards"] == 2 and data["summary"]["claims"] == 2
    assert [(d["code"], d["line"]) for d in data["diagnostics"]] == [("C001", 5)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]  # no cache, no lock
    ignoring = json.loads(run("check", "notes", "--ignore", "C009", "--format", "json").output)
    assert "S025" not in [d["code"] for d in ignoring["diagnostics"]]  # --ignore adds to it
    monkeypatch.chdir(notes)
    assert run("check").exit_code == 1  # no cards_src here: the folder itself


def test_card_heading_auto_setting(project: Path) -> None:
    write(project / "cards_src/a.md", "# Chapter\n\n### Two plus two {#two}\n\n$$2 + 2 = 4$$\n")
    before = json.loads(run("check", "--format", "json").output)
    assert before["summary"]["claims"] == 0 and "S028" in [d["code"] for d in before["diagnostics"]]
    with (project / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write('card_heading = "auto"\n')
    result = run("check", "--format", "json")
    assert json.loads(result.output)["summary"]["claims"] == 1


def test_sarif_output_is_valid_sarif_with_rules_from_the_registry(project: Path) -> None:
    from pydantic import ValidationError
    from sarif_pydantic import Sarif

    write(project / "cards_src/a.md", WRONG)
    result = run("check", "--format", "sarif")
    assert result.exit_code == 1
    data = json.loads(result.output)
    log = Sarif.model_validate(data)  # SARIF 2.1.0's object model, from PyPI
    assert log.version == "2.1.0"
    driver = log.runs[0].tool.driver
    assert driver.name == "ankigen" and [r.id for r in driver.rules] == ["C001", "S025"]
    assert driver.rules[0].short_description.text == "a claim does not hold"
    first = log.runs[0].results[0]
    assert (first.rule_id, first.level.value, first.rule_index) == ("C001", "error", 0)
    place = first.locations[0].physical_location
    assert (place.artifact_location.uri, place.region.start_line, place.region.start_column) == ("cards_src/a.md", 3, 3)
    assert first.message.text.startswith("claim does not hold: 2 + 2 = 5\nnote: ")
    data["runs"][0]["results"][0]["level"] = "fatal"  # the validator is no rubber stamp
    with pytest.raises(ValidationError):
        Sarif.model_validate(data)


def test_check_takes_several_files_and_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "a/x.md", "# T\n\n### One\n\n$$1 + 1 = 3$$\n")
    write(tmp_path / "b/y.md", "# T\n\n### Two\n\n$$2 + 2 = 4$$\n")
    write(tmp_path / "c/z.md", "# T\n\n### Three\n\n$$3 + 3 = 7$$\n")
    monkeypatch.chdir(tmp_path)
    result = run("check", "a/x.md", "b", "--format", "json")
    data = json.loads(result.output)
    assert result.exit_code == 1
    assert (data["summary"]["cards"], data["summary"]["claims"], data["summary"]["failed"]) == (2, 2, 1)
    assert [(d["path"], d["code"]) for d in data["diagnostics"]] == [("a/x.md", "C001")]  # c/ is not read
    assert run("check", "b").exit_code == 0


def test_check_of_one_file_reads_the_project_it_uses(project: Path) -> None:
    write(project / "cards_src/sizes.md", "## Input size {#sizes}\n\n$$W = 224$$\n\n## Bad {#bad}\n\n$$2 + 2 = 5$$\n")
    write(project / "cards_src/out.md", "## Output {#out}\n\n$$N = W - 1$$\n\n```check\nuse sizes\nN = 223\n```\n")
    result = run("check", "cards_src/out.md", "--format", "json")
    data = json.loads(result.output)
    assert result.exit_code == 0, result.output  # `use sizes` is found; sizes.md's error is not reported
    assert data["diagnostics"] == [] and data["summary"]["cards"] == 1 and data["summary"]["claims"] == 1
    assert run("check").exit_code == 1


def test_the_command_runs_without_the_cycle_collector(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Its walks over every long-lived object of a big deck were about 2 s of an 8 s one-card edit
    # at 10,000 cards (ankigen/run/heap.py). The entry point itself, as the `ankigen` script runs it.
    import gc

    from ankigen.__main__ import run as entry

    for n in range(12):
        write(project / f"cards_src/f{n}.md", "".join(
            f"## Card {n}-{k} {{#c-{n}-{k}}}\n\n$$x_{{{k}}} = {k} + {n}$$\n\n"
            f"```check\nx_{{{k}}} - {n} = {k} where x_{{{k}}} = {k + n}\n```\n\n" for k in range(10)))
    monkeypatch.setattr("sys.argv", ["ankigen", "build", "--no-pdf", "-q"])
    before = [s["collections"] for s in gc.get_stats()]
    try:
        with pytest.raises(SystemExit) as ended:
            entry()
        assert ended.value.code == 0 and (project / "dist/Test deck.apkg").exists()
        assert [s["collections"] for s in gc.get_stats()] == before
        assert not gc.isenabled()
    finally:
        gc.enable()
