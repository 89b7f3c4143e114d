"""The command line: `ankigen build`, `check`, `ids` and `init`."""

from __future__ import annotations

import functools
import json
import sys
import traceback
from pathlib import Path

import click

from ankigen import __version__
from ankigen.config import Config, configured, load_config
from ankigen.diagnostics import format_json, format_summary, format_text

EXIT_FINDINGS = 1
EXIT_FAILURE = 2
ENVIRONMENT_CODES = {"B002"}  # errors of the machine, which exit like a configuration problem


class InternalError(click.ClickException):
    exit_code = EXIT_FAILURE

    def format_message(self) -> str:
        return f"internal error: {self.message}\nThis is a bug in ankigen; please report it with the source that caused it."


class EnvironmentFault(click.ClickException):
    """The file system refused ankigen (B002 outside the writing of outputs): exit code 2, located."""

    exit_code = EXIT_FAILURE

    def __init__(self, where: str, message: str, hint: str) -> None:
        super().__init__(f"{where}:1:1: error[B002]: {message}\n  = help: {hint}")
        self.where, self.text, self.hint = where, message, hint

    def show(self, file=None) -> None:
        click.echo(self.message, err=True)


def _guarded(func):
    """Turn any unexpected exception into exit code 2 and a short message instead of a traceback;
    in --format json mode, errors are JSON too."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return _run(func, args, kwargs)
        except click.ClickException as exc:
            if kwargs.get("fmt") != "json":
                raise
            if isinstance(exc, EnvironmentFault):  # a located fault: a diagnostic, as every other one
                click.echo(json.dumps({"diagnostics": [{"path": exc.where, "line": 1, "col": 1, "severity": "error",
                                                        "code": "B002", "message": exc.text, "hint": exc.hint}],
                                       "error": {"message": exc.message, "exit_code": exc.exit_code}},
                                      ensure_ascii=False, indent=2))
                sys.exit(exc.exit_code)
            # A program reading --format json gets JSON for a usage error too, with the same exit code.
            click.echo(json.dumps({"error": {"message": exc.format_message(), "exit_code": exc.exit_code}},
                                  ensure_ascii=False, indent=2))
            sys.exit(exc.exit_code)

    return wrapper


def _run(func, args, kwargs):
    """func, with every unexpected exception made exit code 2 and a short message, never a traceback."""
    from ankigen.run.interrupt import install

    install()
    try:
        return func(*args, **kwargs)
    except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except BrokenPipeError:  # `ankigen check --claims | head`: the reader left; say nothing more
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_FINDINGS)
    except KeyboardInterrupt as exc:
        import signal

        from ankigen.run.output import WRITTEN

        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a second Ctrl-C ends at once, without a traceback
        said = "interrupted after " + WRITTEN if exc.args == (WRITTEN,) else "interrupted; previous outputs are untouched"
        click.echo(said, err=True)
        sys.exit(130)
    except OSError as exc:  # the machine's fault (a full disk, a read-only cache): said where, not a bug
        if _debug():
            traceback.print_exc()
        from ankigen.run.output import fault

        where, message, hint = fault(exc, Path("."))
        raise EnvironmentFault(where, message, hint) from None
    except Exception as exc:  # noqa: BLE001 — the one place that catches everything
        if _debug():
            traceback.print_exc()
        raise InternalError(f"{type(exc).__name__}: {exc}") from None


def _debug() -> bool:
    import os
    return bool(os.environ.get("ANKIGEN_DEBUG"))


def _settings() -> Config:
    """The project's settings, the PDF's checked by the PDF stage that owns them."""
    from ankigen.pdf.options import check_settings

    config = load_config()
    pyproject = config.project_dir / "pyproject.toml"
    check_settings(config, str(pyproject) if pyproject.is_file() else "defaults")
    return config


def _source(config: Config, src: str | None) -> Path:
    return Path(src) if src else config.resolve(config.src)


def _only(report, parts: list[Path]):
    """The report of the whole project cut down to the files under `parts` (its counts too)."""
    from dataclasses import replace

    from ankigen.build import summarize

    def inside(shown: str) -> bool:
        return any(Path(shown).resolve().is_relative_to(part) for part in parts)

    cards = tuple(c for c in report.cards if inside(c.span.path))
    claims = tuple(c for c in report.claims if inside(c[0].path))
    formulas = tuple(f for f in report.formulas if inside(f.span.path))
    diags = tuple(d for d in report.diagnostics if inside(d.span.path))
    return replace(report, cards=cards, diagnostics=diags, claims=claims, formulas=formulas,
                   summary=summarize(cards, claims, formulas, diags))


def _merged(reports: list):
    """The reports of several paths as one: each path is read as a project of its own (a card's
    `use` reaches cards under the same path)."""
    if len(reports) == 1:
        return reports[0]
    from dataclasses import replace

    from ankigen.build import summarize

    cards, claims, formulas, diags = (tuple(x for r in reports for x in getattr(r, name))
                                      for name in ("cards", "claims", "formulas", "diagnostics"))
    return replace(reports[0], cards=cards, diagnostics=diags, claims=claims, formulas=formulas,
                   summary=summarize(cards, claims, formulas, diags))


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(c.strip().upper() for v in values for c in v.split(",") if c.strip())


def _selected(report, select: tuple[str, ...], ignore: tuple[str, ...]):
    """The report with only the diagnostics `--select`/`--ignore` let through, and its counts
    to match (so the exit code follows what is left); an environment fault is always reported."""
    if not select and not ignore:
        return report
    from dataclasses import replace

    from ankigen.build import summarize
    from ankigen.diagnostics import selected

    kept = tuple(d for d in report.diagnostics
                 if d.code in ENVIRONMENT_CODES or selected(d.code, select, ignore))
    return replace(report, diagnostics=kept, summary=summarize(report.cards, report.claims, report.formulas, kept))


def _emit(report, fmt: str, quiet: bool = False, built: dict | None = None) -> None:
    if fmt == "json":
        click.echo(format_json(report.diagnostics, report.summary, built))
        return
    if fmt == "sarif":
        from ankigen.codes import sarif_rule
        from ankigen.diagnostics import format_sarif

        click.echo(format_sarif(report.diagnostics, __version__, sarif_rule))
        return
    if fmt == "github":
        from ankigen.diagnostics import format_github

        text = format_github(report.diagnostics)
        if text:
            click.echo(text)
        click.echo(format_summary(report.summary))
        return
    shown, hidden = _trim(report.diagnostics)
    text = format_text(shown, color=_colour())
    if text:
        click.echo(text)
    for code, count in hidden.items():
        extra = " (`ankigen ids` gives every card an id)" if code == "S025" else ""
        click.echo(f"… and {count} more warning[{code}] like the ones above{extra}; --format json lists them all\n")
    if not quiet or report.summary.errors:
        click.echo(format_summary(report.summary))


_STATUS = {True: "holds", False: "FAILS", None: "undecided"}


def _claim_status(verdict) -> str:
    if verdict.method == "unclaimed":
        return "not claimed"
    if verdict.method == "ambiguous":
        return "ambiguous"
    return _STATUS[verdict.holds]


def _claim_lines(report) -> list[str]:
    """`check --claims`: every claim with its verdict, then every display formula not claimed."""
    lines = []
    for span, text, verdict in report.claims:
        how = verdict.detail or verdict.method
        lines.append(f"{span.path}:{span.line}:{span.col}: {_claim_status(verdict)} ({how}): {text}")
    for f in report.formulas:
        why = f" ({f.reason})" if f.reason else ""
        lines.append(f"{f.span.path}:{f.span.line}:{f.span.col}: {f.status}{why}")
    return lines


def _claims_json(report) -> dict:
    claims = [{"path": s.path, "line": s.line, "col": s.col, "claim": text, "status": _claim_status(v),
               "holds": v.holds, "method": v.method, "detail": v.detail} for s, text, v in report.claims]
    formulas = [{"path": f.span.path, "line": f.span.line, "col": f.span.col, "status": f.status,
                 **({"reason": f.reason, "construct": f.construct} if f.reason else {})} for f in report.formulas]
    return {"claims": claims, "formulas": formulas}


def _change_lines(c, counts: bool = True) -> str:
    """What an import of the deck does in Anki, with the ids of the cards concerned."""
    def ids(names) -> str:
        shown = ", ".join(names[:8])
        return shown + (f", … ({len(names) - 8} more)" if len(names) > 8 else "")

    lines = []
    if c.new:
        lines.append(f"  add {len(c.new)} new note{'s' * (len(c.new) != 1)}: {ids(c.new)}")
    if c.updated:
        lines.append(f"  update {len(c.updated)} note{'s' * (len(c.updated) != 1)} in place (history kept): "
                     f"{ids(c.updated)}")
    if c.conflicting:
        lines.append(f"  skip {len(c.conflicting)} note{'s' * (len(c.conflicting) != 1)} as conflicting (changed "
                     f"between basic and cloze, warnings above; Anki keeps the old note): {ids(c.conflicting)}")
    if counts:
        lines.append(f"  leave {c.unchanged} note{'s' * (c.unchanged != 1)} unchanged")
    if c.removed:
        lines.append(f"  tag {len(c.removed)} note{'s' * (len(c.removed) != 1)} ankigen::removed (gone from "
                     f"the sources; Anki keeps them, with their history): {ids(c.removed)}")
    if c.still_removed and counts:
        lines.append(f"  leave {c.still_removed} earlier removed note{'s' * (c.still_removed != 1)} as they are")
    if c.kept_as_built:
        lines.append(f"  kept as last built (errors above; the note and its history stay as they were): "
                     f"{ids(c.kept_as_built)}")
    if c.left_out:
        lines.append(f"  left out (errors above; no earlier build packaged them): {ids(c.left_out)}")
    return "\n".join(lines)


def _colour() -> bool:
    """Colours on a terminal only, and never with NO_COLOR set (no-color.org)."""
    import os
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


SHOWN_PER_WARNING = 5


def _trim(diags) -> tuple[list, dict[str, int]]:
    """Past SHOWN_PER_WARNING warnings of one code, count them instead: forty 'card has no id'
    in a stranger's file would bury the one error that matters. Errors are always shown."""
    shown, seen, hidden = [], {}, {}
    for d in diags:
        if d.severity.value == "warning":
            seen[d.code] = seen.get(d.code, 0) + 1
            if seen[d.code] > SHOWN_PER_WARNING:
                hidden[d.code] = hidden.get(d.code, 0) + 1
                continue
        shown.append(d)
    return shown, hidden


def _exit_code(report, strict: bool) -> int:
    if any(d.code in ENVIRONMENT_CODES for d in report.diagnostics):
        return EXIT_FAILURE  # the machine's fault, not the sources'
    if report.summary.errors or (strict and report.summary.warnings):
        return EXIT_FINDINGS
    return 0


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ankigen")
def cli() -> None:
    """Turn Markdown study notes into checked Anki decks."""


format_option = click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "sarif"]), default="text",
                             show_default=True,
                             help="How to print diagnostics (github: workflow commands that annotate a pull request; "
                                  "sarif: SARIF 2.1.0 for code scanning).")
strict_option = click.option("--strict", is_flag=True, default=None, help="Treat warnings as errors.")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(file_okay=True, dir_okay=True))
@format_option
@strict_option
@click.option("--claims", "list_claims", is_flag=True, help="List every claim with how it was decided.")
@click.option("--select", "select", multiple=True, metavar="CODES",
              help="Report only these codes or prefixes (C, S0, C001), comma-separated; repeatable.")
@click.option("--ignore", "ignore", multiple=True, metavar="CODES",
              help="Do not report these codes or prefixes; the longest matching prefix wins.")
@_guarded
def check(paths: tuple[str, ...], fmt: str, strict: bool | None, list_claims: bool, select: tuple[str, ...],
          ignore: tuple[str, ...]) -> None:
    """Parse and check the cards in PATHS, files or folders (default: the configured cards_src/),
    without writing."""
    from ankigen import build as pipeline

    config = _settings()
    if not configured():
        # a stranger's notes: questions at whatever level each file asks them, and nothing written
        from dataclasses import replace

        # (an id matters to a deck's review history, not to a formula: S025 is not reported, whatever
        # --ignore adds)
        config = replace(config, card_heading=0, cache="", ignore=("S025",))
        ignore = (*ignore, "S025")
        if not paths and not config.resolve(config.src).exists():
            paths = (".",)
    strict = config.strict if strict is None else strict
    sources = [_source(config, p) for p in paths] or [_source(config, None)]
    tree = config.resolve(config.src).resolve()
    if paths and tree.is_dir() and all(p.resolve().is_relative_to(tree) for p in sources):
        # parts of the project: read it whole, so that a card's `use` reaches any other card,
        # and report only what is in the parts named
        report = _only(pipeline.check(tree, config), [p.resolve() for p in sources])
    else:
        report = _merged([pipeline.check(source, config) for source in dict.fromkeys(sources)])
    report = _selected(report, _codes(select) or config.select, _codes(ignore) or config.ignore)
    if list_claims and fmt == "text":
        for line in _claim_lines(report):
            click.echo(line)
        click.echo("")
    _emit(report, fmt, built=_claims_json(report) if list_claims else None)
    if fmt == "text" and strict and report.summary.warnings and not report.summary.errors:
        click.echo("--strict: the warnings above count as errors", err=True)
    sys.exit(_exit_code(report, strict))


@cli.command()
@click.argument("src", required=False, type=click.Path(file_okay=True, dir_okay=True))
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: the configured dist/).")
@format_option
@strict_option
@click.option("--pdf/--no-pdf", "pdf", default=None, help="Also write the printable PDF (default: on).")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default=None, help="Paper size of the PDF.")
@click.option("--cards-per-page", default=None, metavar="COLSxROWS", help="Cut-out cards per page, e.g. 2x4.")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
@click.option("--dry-run", is_flag=True, help="Check, and say what the build would change in Anki; write nothing.")
@click.option("--watch", is_flag=True, help="Build, then build again whenever a source changes.")
@_guarded
def build(src: str | None, out: str | None, fmt: str, strict: bool | None, quiet: bool, pdf: bool | None,
          paper: str | None, cards_per_page: str | None, dry_run: bool, watch: bool) -> None:
    """Check the cards in SRC, then write the Anki deck into the output folder."""
    from dataclasses import replace

    from ankigen.pdf.options import check_settings

    config = _settings()
    overrides = {k: v for k, v in (("strict", strict), ("pdf", pdf), ("paper", paper),
                                   ("cards_per_page", cards_per_page)) if v is not None}
    config = replace(config, **overrides)
    check_settings(config, "command line")
    from ankigen.run import progress

    progress.QUIET = quiet or fmt == "json"
    out_dir = Path(out) if out else config.resolve(config.out)
    source = _source(config, src)
    report = _build_once(source, out_dir, config, fmt, quiet, dry_run)
    if watch and not dry_run:
        _watch(source, out_dir, config, fmt, quiet)
    sys.exit(_exit_code(report, config.strict))


def _build_once(source: Path, out_dir: Path, config: Config, fmt: str, quiet: bool, dry_run: bool):
    from ankigen import build as pipeline
    from ankigen.source.sources import display_path

    report = pipeline.build(source, out_dir, config, dry_run=dry_run)
    c = report.changes
    _emit(report, fmt, quiet, {
        "outputs": [display_path(p) for p in report.outputs], "up_to_date": report.up_to_date, "dry_run": dry_run,
        "history": report.history,
        "changes": {"new": list(c.new), "changed": list(c.updated), "unchanged": c.unchanged,
                    "removed": list(c.removed), "still_removed": c.still_removed,
                    "kept_as_built": list(c.kept_as_built), "left_out": list(c.left_out),
                    "conflicting": list(c.conflicting)}})
    if fmt == "text" and not quiet and dry_run:
        if not report.summary.errors:
            click.echo("dry run: nothing written. Importing the deck built now would:")
            click.echo(_change_lines(report.changes))
            _history_line(report.history, pipeline.lock_path(source, config))
    elif fmt == "text" and not quiet and report.up_to_date:
        shown = ", ".join(display_path(p) for p in report.outputs)
        click.echo(f"up to date: nothing changed since the last build of {shown}")
    elif fmt == "text" and not quiet:
        c = report.changes
        for path in report.outputs:
            detail = (f": {len(c.new)} new, {len(c.updated)} changed, {c.unchanged} unchanged notes"
                      + (f", {len(c.removed)} removed from the sources (tagged ankigen::removed)"
                         if c.removed else "")
                      + (f", {len(c.kept_as_built)} kept as last built" if c.kept_as_built else "")
                      + (f", {len(c.left_out)} left out" if c.left_out else "")
                      + (f", {len(c.conflicting)} Anki will skip" if c.conflicting else "")
                      if path.suffix == ".apkg" else "")
            click.echo(f"wrote {display_path(path)}{detail}")
        if report.outputs and (c.new or c.updated or c.removed or c.kept_as_built or c.left_out or c.conflicting):
            click.echo(_change_lines(c, counts=False))
        if report.outputs:
            _history_line(report.history, pipeline.lock_path(source, config))
        if not report.outputs and not report.summary.errors and not report.cards:
            click.echo("no cards found: nothing written (a card starts at a '## ' heading)")
        elif not report.outputs and config.strict and not report.summary.errors:
            click.echo("nothing written: --strict counts the warnings above as errors; previous outputs are "
                       "untouched", err=True)
        elif not report.outputs:
            click.echo("nothing written: fix the errors above; previous outputs are untouched", err=True)
        elif config.pdf and all(p.suffix != ".pdf" for p in report.outputs):
            click.echo("the PDF was not written: fix the PDF errors above (the previous PDF is untouched; "
                       "--no-pdf skips it)", err=True)
    return report


def _history_line(history: str, lock: Path) -> None:
    from ankigen.source.sources import display_path

    if history == "package":
        click.echo(f"{display_path(lock)} was missing: rebuilt from the last package, so unchanged notes stay "
                   "unchanged in Anki (commit the lock with the sources)")
    elif history == "none":
        click.echo("no lock and no earlier package: every note counts as new here; notes already in an Anki "
                   "collection (from a build whose lock and package are gone) are updated there instead")


POLL_MIN, POLL_MAX = 0.1, 0.5  # seconds between two looks at the sources in `build --watch`


def _watch(source: Path, out_dir: Path, config: Config, fmt: str, quiet: bool) -> None:
    """Rebuild whenever a file of the source tree changes, until Ctrl-C."""
    import time

    from ankigen import build as pipeline
    from ankigen.run.heap import settle
    from ankigen.run.timing import report
    from ankigen.run.uptodate import sources_print

    report()  # the first build's stages
    settle()
    lock = pipeline.lock_path(source, config)
    seen = sources_print(source, out_dir, config, lock)  # before saying so: a change right after counts
    sys.stdout.flush()
    click.echo(f"watching {source} for changes (Ctrl-C to stop)", err=True)
    pause = POLL_MIN
    try:
        while True:
            time.sleep(pause)
            start = time.perf_counter()
            now = sources_print(source, out_dir, config, lock)
            # as often as a glance at the sources costs at most a twentieth of a core: an edit is
            # seen within a tenth of a second in a deck of thousands of cards
            pause = min(POLL_MAX, max(POLL_MIN, 20 * (time.perf_counter() - start)))
            if now != seen:
                seen = now
                click.echo("", err=True)
                try:
                    _build_once(source, out_dir, config, fmt, quiet, False)
                except click.ClickException as exc:  # e.g. every source deleted: wait for the next change
                    exc.show()
                report()
                sys.stdout.flush()  # a pipe (an editor, a log) sees each build when it ends
                settle()
    except KeyboardInterrupt:
        click.echo("stopped watching", err=True)
        sys.exit(0)


@cli.command()
@click.argument("src", required=False, type=click.Path(file_okay=True, dir_okay=True))
@click.option("--dry-run", is_flag=True, help="Print the ids that would be added; change nothing.")
@_guarded
def ids(src: str | None, dry_run: bool) -> None:
    """Add a stable {#id} to every card in SRC that has none, rewriting the sources in place.

    Ids are made from the question and are unique in the deck. A card that was already built
    keeps its note in Anki: the lock remembers which note the new id belongs to.
    """
    from ankigen import build as pipeline
    from ankigen.diagnostics import Sink
    from ankigen.source.ids import run_ids

    config = _settings()
    source = _source(config, src)
    pipeline._require_sources(source)
    sink = Sink()
    assigned, changed, adopted = run_ids(source, config, pipeline.lock_path(source, config), sink, dry_run)
    text = format_text(sink.sorted())
    if text:
        click.echo(text)
    if sink.errors:
        click.echo("no ids written: fix the errors above first", err=True)
        sys.exit(EXIT_FINDINGS)
    for a in assigned:
        click.echo(f"{a.card.span.path}:{a.card.span.line}: {'would add' if dry_run else 'added'} {{#{a.id}}}")
    if not assigned:
        click.echo("every card has an id")
    elif not dry_run:
        click.echo(f"wrote {len(changed)} file{'s' * (len(changed) != 1)}; {adopted} already built "
                   f"card{'s' * (adopted != 1)} keep{'s' * (adopted == 1)} {'its' if adopted == 1 else 'their'} note in Anki")


@cli.command()
@click.argument("folder", required=False, default=".", type=click.Path(file_okay=False))
@click.option("--deck", default=None, help="Name of the root deck (default: the folder's name).")
@_guarded
def init(folder: str, deck: str | None) -> None:
    """Start a deck in FOLDER: an example card with a checked formula, a [tool.ankigen] table in
    pyproject.toml and a README snippet. Existing files are never overwritten."""
    from ankigen.init import init as make

    import shlex

    path = Path(folder)
    name = deck or path.resolve().name or "deck"
    had_cards = (path / "cards_src").is_dir() and any((path / "cards_src").rglob("*.md"))
    written = make(path, name)
    if had_cards:
        click.echo(f"{path / 'cards_src'} already holds cards: no example added")
    for p in written:
        click.echo(f"wrote {p}")
    if not written:
        click.echo("nothing to do: [tool.ankigen] and the README snippet are already there")
    click.echo(f"next: cd {shlex.quote(folder)} && ankigen build" if folder != "." else "next: ankigen build")


def main() -> None:
    from ankigen.run.timing import report

    try:
        cli(prog_name="ankigen")
    finally:
        report()
