"""Card sides as Anki's reviewer shows them, measured in headless Chromium.

The page is Anki's own: aqt's webview.css and reviewer.css, its reviewer.js showing the card
HTML the `anki` package renders (the note type's CSS included), and the MathJax 3 build and
settings aqt ships, loaded by reviewer.js as in the desktop app. Only the Qt bridge is missing,
and nothing a card shows depends on it. Chromium is Debian's (`apt-get install chromium`),
driven by Playwright without downloading a browser of its own.
"""

from __future__ import annotations

import mimetypes
import shutil
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote, urlsplit

ORIGIN = "http://anki.test"
PHONE, DESKTOP = 360, 1000


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _page(night: bool) -> str:
    # What aqt's stdHtml writes around the reviewer (webview.py, reviewer.py `revHtml`), minus
    # the Qt bridge. AnkiDroid and AnkiMobile put the same card HTML and CSS in a page of their own.
    return f"""<!doctype html>
<html class="{'night-mode' if night else ''}" dir="ltr" data-bs-theme="{'dark' if night else 'light'}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/_anki/css/webview.css">
<style>body {{ zoom: 1; background-color: var(--canvas); }} html {{ font-family: sans-serif; }}</style>
<link rel="stylesheet" href="/_anki/css/reviewer.css">
</head>
<body class="isLin{' nightMode night_mode' if night else ''}">
<script>window.pycmd = window.bridgeCommand = function () {{ return false; }};</script>
<script src="/_anki/js/reviewer.js"></script>
<div id="_mark" hidden>&#x2605;</div><div id="_flag" hidden>&#x2691;</div>
<div id="qa" dir="auto"></div>
</body></html>"""


@dataclass(frozen=True)
class Side:
    """One rendered card side: what the measuring script found (see measure.js)."""
    name: str
    width: int
    night: bool
    facts: dict

    def where(self) -> str:
        return f"{self.name} at {self.width} px, {'night' if self.night else 'light'}"


class Reviewer:
    """One browser page per screen width and theme, reused for every card like Anki's own."""

    def __init__(self, playwright, media: Path) -> None:
        self.browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        self.media = media
        self.pages: dict[tuple[int, bool], object] = {}
        self.script = (Path(__file__).parent / "measure.js").read_text(encoding="utf-8")

    def close(self) -> None:
        self.browser.close()

    def _serve(self, route) -> None:
        path = unquote(urlsplit(route.request.url).path)
        if path == "/":
            route.fulfill(body=self._html, content_type="text/html; charset=utf-8")
            return
        if path.startswith("/_anki/"):
            file = Path(str(files("_aqt") / "data" / "web")) / path[len("/_anki/"):]
        else:
            file = self.media / path.lstrip("/")
        if not file.is_file():
            route.fulfill(status=404, body="")
            return
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        route.fulfill(body=file.read_bytes(), content_type=kind)

    def page(self, width: int, night: bool):
        key = (width, night)
        if key not in self.pages:
            phone = width < 600
            context = self.browser.new_context(viewport={"width": width, "height": 740 if phone else 800},
                                               is_mobile=phone, has_touch=phone, device_scale_factor=1)
            page = context.new_page()
            self._html = _page(night)
            page.route(f"{ORIGIN}/**", self._serve)
            page.goto(f"{ORIGIN}/")
            page.wait_for_function("typeof _showQuestion === 'function'")
            self.pages[key] = page
        return self.pages[key]

    def show(self, page, html: str, body_class: str) -> None:
        # reviewer.js sets #qa's opacity to 0 while it updates and back to 1 once MathJax is done.
        page.evaluate("document.getElementById('qa').style.opacity = '0.5'")
        page.evaluate("([html, cls]) => _showQuestion(html, '', cls)", [html, body_class])
        page.wait_for_function("document.getElementById('qa').style.opacity === '1'", timeout=30_000)
        # A learner sees an image once it has loaded; measuring before would find it missing.
        page.evaluate("Promise.all(Array.from(document.querySelectorAll('#qa img')).map(i => i.decode().catch(() => null)))")

    def render(self, name: str, html: str, ord_: int, width: int, night: bool) -> Side:
        page = self.page(width, night)
        body = f"card card{ord_ + 1} isLin" + (" nightMode night_mode" if night else "")
        self.show(page, html, body)
        return Side(name, width, night, page.evaluate(self.script))

    def screenshot(self, width: int, night: bool, path: Path) -> None:
        self.page(width, night).screenshot(path=str(path), full_page=True)


def card_sides(col) -> list[tuple[str, str, int]]:
    """(name, html, template ord) of every side of every card in a collection."""
    sides = []
    for cid in sorted(col.find_cards("")):
        card = col.get_card(cid)
        note = card.note()
        name = (note["Id"] or str(note.id)) + f"/{card.ord + 1}"
        sides.append((name + " front", card.question(), card.ord))
        sides.append((name + " back", card.answer(), card.ord))
    return sides
