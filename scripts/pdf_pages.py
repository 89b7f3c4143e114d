#!/usr/bin/env python3
"""Pictures of the bundled deck's PDF for the docs: one study-sheet page and one sheet of cut-out
cards (its fronts and, on the next page, its mirrored backs), rendered from dist/<deck>.pdf.

    .venv/bin/python scripts/pdf_pages.py [--build] [--study-page N] [--dpi 100] [--out DIR]

It writes docs/screenshots/pdf-study-sheet.png, pdf-cut-out-fronts.png and pdf-cut-out-backs.png.
The PDF is built first (`ankigen build`) when dist/ has none, or always with --build. The
study-sheet page is page 6 unless --study-page says otherwise (in the bundled deck: the start of
the CNN section); the cut-out pages are found from the PDF's bookmarks (the last one is the
cut-out part: its first page of fronts). Pages are drawn by `pdftoppm` from
Debian's poppler-utils, installed with apt-get when missing and run as root.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Failure(Exception):
    """An expected problem: printed as one message, exit code 1."""


def say(msg: str) -> None:
    print(f"pdf_pages: {msg}", file=sys.stderr, flush=True)


def ensure_pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("pdftoppm is missing; installing poppler-utils")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "poppler-utils"]):
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=False)
        found = shutil.which("pdftoppm")
        if found:
            return found
    raise Failure("pdftoppm is missing: apt-get install poppler-utils")


def find_pdf(build: bool) -> Path:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8")).get("tool", {}).get("ankigen", {})
    out = ROOT / settings.get("out", "dist")
    if build or not list(out.glob("*.pdf")):
        ankigen = Path(sys.executable).with_name("ankigen")
        say(f"running {ankigen.name} build")
        if subprocess.run([str(ankigen), "build", "--pdf"], cwd=ROOT).returncode:
            raise Failure("`ankigen build` failed; see its messages above")
    found = sorted(out.glob("*.pdf"))
    if len(found) != 1:
        raise Failure(f"expected one .pdf in {out}, found {len(found)}")
    return found[0]


def cut_out_page(pdf: Path) -> tuple[int, int]:
    """(1-based first page of the cut-out cards' fronts, page count)."""
    import pikepdf

    sys.path.insert(0, str(ROOT))
    from ankigen.labels import LABELS

    titles = {words.cut_out for words in LABELS.values()}
    with pikepdf.open(pdf) as doc, doc.open_outline() as tree:
        pages = {page.objgen: i for i, page in enumerate(doc.pages)}
        for item in tree.root:
            if item.title in titles:
                dest = item.destination if item.destination is not None else item.action.D
                return pages[dest[0].objgen] + 1, len(doc.pages)
    raise Failure(f"{pdf} has no bookmark {' or '.join(sorted(titles))}")


def render(pdftoppm: str, pdf: Path, page: int, dpi: int, target: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="ankigen-pdf-pages-") as tmp:
        subprocess.run([pdftoppm, "-f", str(page), "-l", str(page), "-r", str(dpi), "-png",
                        "-singlefile", str(pdf), f"{tmp}/page"], check=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(f"{tmp}/page.png", target)
    say(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target} (page {page})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", action="store_true", help="run `ankigen build` first even when dist/ has a PDF")
    ap.add_argument("--study-page", type=int, default=6, help="1-based page of the study sheet (default 6)")
    ap.add_argument("--dpi", type=int, default=100, help="pixels per inch (default 100)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = ap.parse_args()
    try:
        pdftoppm = ensure_pdftoppm()
        pdf = find_pdf(args.build)
        fronts, count = cut_out_page(pdf)
        if not 1 <= args.study_page < fronts:
            raise Failure(f"--study-page {args.study_page}: the study sheet is pages 1 to {fronts - 1}")
        if fronts + 1 > count:
            raise Failure(f"{pdf} has no page of backs after page {fronts}")
        out = Path(args.out)
        render(pdftoppm, pdf, args.study_page, args.dpi, out / "pdf-study-sheet.png")
        render(pdftoppm, pdf, fronts, args.dpi, out / "pdf-cut-out-fronts.png")
        render(pdftoppm, pdf, fronts + 1, args.dpi, out / "pdf-cut-out-backs.png")
        return 0
    except Failure as e:
        say(str(e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
