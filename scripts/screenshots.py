#!/usr/bin/env python3
"""Screenshots of the bundled deck's cards in Anki's real desktop reviewer, for the docs.

    .venv/bin/python scripts/screenshots.py [--cards id1,id2,...] [--build] [--out DIR]

For each card (by its Id field) it writes, into docs/screenshots/,
`<id>-<phone|desktop>-<light|night>-<front|back>.png`: the reviewer's web view at 360 and
1000 CSS px wide, as tall as the card, in light and night mode, question and answer side.
A card other than a note's first is named `<id>-card<N>-…` (`--cards relu:2` for a
reversed card, `name:3` for a cloze note's c3).

It imports dist/<deck>.apkg (built first when absent, or always with --build) into a
throwaway Anki profile in a temporary folder (Anki's `-b` base folder; HOME and the XDG
folders point there too), so no real Anki data is read or written. Anki (aqt 26.9.3 with
PyQt6 WebEngine, installed in the venv by the `test` extra) runs in-process under its own
Xvfb, with the software renderer and QTWEBENGINE_DISABLE_SANDBOX=1.

Debian packages it needs (installed with apt-get when missing and run as root):
    xvfb libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
    libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xkb1 libxkbfile1 libegl1 libgl1
    libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libgbm1 libasound2 libdbus-1-3
    libfontconfig1 fonts-noto-cjk
(the xcb ones for Qt's X11 plugin, the rest for Chromium inside QtWebEngine, the font for
the cards' Chinese text).
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CARDS = ["sigmoid-derivative", "gan-objective", "conv-params-flops", "vgg16-params", "mcq-accelerators",
                 "log-uniform-sampling"]
WIDTHS = {"phone": 360, "desktop": 1000}
APT_PACKAGES = (
    "xvfb libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 "
    "libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xkb1 libxkbfile1 libegl1 libgl1 "
    "libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libgbm1 libasound2 libdbus-1-3 "
    "libfontconfig1 fonts-noto-cjk"
).split()
# Taller cards are cut here (and said so); Xvfb's screen is made taller than this.
MAX_HEIGHT = 3600


class Failure(Exception):
    """An expected problem: printed as one message, exit code 1."""


def say(msg: str) -> None:
    # sys.__stderr__: inside Anki, sys.stderr is its error handler, which opens a dialog.
    print(f"screenshots: {msg}", file=sys.__stderr__, flush=True)


# ---------------------------------------------------------------------------------------
# The parent process: system packages, the package, Xvfb, and a time limit on Anki.


def system_problems() -> list[str]:
    """What stops Anki's Qt from starting or the cards from showing their Chinese text."""
    try:
        import PyQt6
    except ImportError:
        raise Failure("PyQt6 is not in this Python; install the test extra: "
                      ".venv/bin/pip install -e '.[test]' (it brings aqt==26.9.3)") from None
    qt = Path(PyQt6.__file__).parent / "Qt6"
    problems = set()
    for lib in (qt / "plugins/platforms/libqxcb.so", qt / "lib/libQt6WebEngineCore.so.6",
                qt / "libexec/QtWebEngineProcess"):
        if not lib.exists():
            raise Failure(f"{lib} is missing: is PyQt6-WebEngine installed?")
        ldd = subprocess.run(["ldd", str(lib)], capture_output=True, text=True).stdout
        problems |= {line.split()[0] for line in ldd.splitlines() if "not found" in line}
    for lib in ("libGL.so.1", "libEGL.so.1"):  # loaded at run time, invisible to ldd
        try:
            ctypes.CDLL(lib)
        except OSError:
            problems.add(lib)
    if not shutil.which("Xvfb"):
        problems.add("Xvfb")
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    if not fonts.strip():
        problems.add("a Chinese font")
    return sorted(problems)


def ensure_system() -> None:
    problems = system_problems()
    if not problems:
        return
    needed = APT_PACKAGES
    if shutil.which("dpkg-query"):
        out = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\n", *APT_PACKAGES],
                             capture_output=True, text=True).stdout
        installed = {line.split()[0] for line in out.splitlines() if line.endswith(" installed")}
        needed = [p for p in APT_PACKAGES if p not in installed] or APT_PACKAGES
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"missing {', '.join(problems)}; installing {' '.join(needed)}")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *needed]):
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL)
        problems = system_problems()
        if not problems:
            return
    raise Failure(f"Anki's Qt cannot start here: missing {', '.join(problems)}. The Debian "
                  f"packages it needs:\n    apt-get install {' '.join(needed)}")


def find_package(build: bool) -> Path:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8")).get("tool", {}).get("ankigen", {})
    out = ROOT / settings.get("out", "dist")
    expected = out / f"{settings.get('root_deck', '')}.apkg"
    if build or not list(out.glob("*.apkg")):
        ankigen = Path(sys.executable).with_name("ankigen")
        say(f"running {ankigen.name} build")
        if subprocess.run([str(ankigen), "build"], cwd=ROOT).returncode:
            raise Failure("`ankigen build` failed; see its messages above")
    if expected.is_file():
        return expected
    found = sorted(out.glob("*.apkg"))
    if len(found) != 1:
        raise Failure(f"expected one .apkg in {out}, found {len(found)}")
    return found[0]


def start_xvfb(scale: float) -> tuple[subprocess.Popen, str]:
    read, write = os.pipe()
    size = f"{int(1280 * scale)}x{int((MAX_HEIGHT + 400) * scale)}x24"
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", size,
                             "-nolisten", "tcp"], pass_fds=[write], stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        display = f.readline().strip()  # Xvfb writes the number once it accepts clients
    if not display:
        proc.kill()
        raise Failure("Xvfb did not start")
    return proc, f":{display}"


def run_anki(job: dict, env: dict, cwd: str, timeout: float) -> int:
    """Runs the child; passes on its own messages and keeps Qt's and Anki's chatter for a
    failure, when it is shown."""
    proc = subprocess.Popen([sys.executable, __file__, "--child", json.dumps(job)], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    killer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
    killer.start()
    log = []
    try:
        for line in proc.stdout:
            if line.startswith("screenshots: "):
                sys.stderr.write(line)
            else:
                log.append(line)
        rc = proc.wait()
    finally:
        killer.cancel()
    if rc == -signal.SIGKILL:
        raise Failure(f"Anki did not finish within {timeout:.0f} s; its last output:\n" + "".join(log[-30:]))
    if rc not in (0, 1):  # 1: a problem the child has explained already
        sys.stderr.write("screenshots: Anki's last output:\n" + "".join(log[-30:]))
    return rc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cards", help="comma-separated card Ids (id:N for a note's Nth card)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--apkg", help="another package than the one in dist/")
    ap.add_argument("--build", action="store_true", help="run `ankigen build` first even when dist/ has a package")
    ap.add_argument("--scale", type=float, default=1, help="device pixels per CSS px (default 1)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds before giving up (default 300)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(json.loads(args.child))
    try:
        ensure_system()
        apkg = Path(args.apkg).resolve() if args.apkg else find_package(args.build)
        if not apkg.is_file():
            raise Failure(f"{apkg} does not exist")
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="ankigen-screens-") as tmp:
            xvfb, display = start_xvfb(args.scale)
            try:
                job = {"apkg": str(apkg), "base": tmp, "out": args.out, "timeout": args.timeout,
                       "cards": args.cards.split(",") if args.cards else None}
                env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
                       "QTWEBENGINE_DISABLE_SANDBOX": "1", "HOME": tmp,
                       "XDG_DATA_HOME": f"{tmp}/data", "XDG_CONFIG_HOME": f"{tmp}/config",
                       "XDG_CACHE_HOME": f"{tmp}/cache", "XDG_RUNTIME_DIR": tmp,
                       "QT_SCALE_FACTOR": str(args.scale),
                       # A running Anki of the user's would otherwise be asked to open the file.
                       "ANKI_SINGLE_INSTANCE_KEY": f"ankigen-screenshots-{os.getpid()}"}
                env.pop("WAYLAND_DISPLAY", None)
                rc = run_anki(job, env, tmp, args.timeout + 30)
            finally:
                xvfb.kill()
                xvfb.wait()
        if rc:
            return 1
        say(f"done in {time.monotonic() - started:.0f} s")
        return 0
    except Failure as e:
        say(str(e))
        return 1


# ---------------------------------------------------------------------------------------
# The child process: Anki itself, driven through its reviewer.

READY_JS = """(() => {
  const qa = document.getElementById("qa");
  return !!qa && qa.style.opacity === "1" && qa.childElementCount > 0
    && (%s) && document.fonts.status === "loaded"
    && [...document.images].every(i => i.complete);
})()"""

# What the screenshot cannot be trusted to show: TeX MathJax left as text, MathJax errors,
# content wider than the viewport and boxes that scroll sideways.
INSPECT_JS = """(() => {
  const qa = document.getElementById("qa"), vw = window.innerWidth, found = [];
  const walker = document.createTreeWalker(qa, NodeFilter.SHOW_TEXT);
  let raw = 0;
  for (let n; (n = walker.nextNode()); )
    if (!n.parentElement.closest("mjx-container, pre, code") && /\\\\[(\\[]/.test(n.data)) raw++;
  if (raw) found.push(raw + " text node(s) with raw TeX");
  const errors = qa.querySelectorAll("mjx-merror, [data-mjx-error]").length;
  if (errors) found.push(errors + " MathJax error(s)");
  if (document.documentElement.scrollWidth > vw)
    found.push("page " + document.documentElement.scrollWidth + " px wide > " + vw);
  const label = el => {
    let tex = "";
    try {
      const items = MathJax.startup.document.getMathItemsWithin(el);
      if (items.length) tex = " `" + items[0].math.trim().slice(0, 40) + "`";
    } catch (e) {}
    return el.tagName.toLowerCase() + [...el.classList].map(c => "." + c).join("") + tex;
  };
  const clipped = (m, top) => {  // inside a box that scrolls: reported as that box
    for (let a = m.parentElement; a && a !== top; a = a.parentElement)
      if (getComputedStyle(a).overflowX !== "visible") return true;
    return false;
  };
  for (const el of qa.querySelectorAll("*")) {
    if (el.closest("mjx-container") !== el && el.closest("mjx-container")) continue;
    if (el.scrollWidth <= el.clientWidth + 1 || !el.clientWidth) continue;
    if (["auto", "scroll"].includes(getComputedStyle(el).overflowX))
      found.push(label(el) + " scrolls sideways (" + el.scrollWidth + " px in " + el.clientWidth + ")");
    else if (el.classList.contains("ankigen")) {
      const right = el.getBoundingClientRect().right;
      for (const m of el.querySelectorAll("mjx-container, img, pre, table"))
        if (m.getBoundingClientRect().right > right + 1 && !clipped(m, el))
          found.push(label(m) + " sticks out of the card by " +
                     Math.ceil(m.getBoundingClientRect().right - right) + " px");
    }
  }
  // A sideways scrollbar takes height of its own.
  const height = Math.ceil(document.body.getBoundingClientRect().bottom + window.scrollY
                           + parseFloat(getComputedStyle(document.body).marginBottom)
                           + window.innerHeight - document.documentElement.clientHeight);
  return {width: vw, height, found};
})()"""


def child(job: dict) -> int:
    import anki.lang
    import aqt
    from aqt import gui_hooks
    from aqt.profiles import ProfileManager, VideoDriver
    from aqt.qt import QTimer

    # A profile folder made beforehand, as Anki leaves it after its first start, so no
    # first-run language dialog waits for a click.
    anki.lang.set_lang("en")
    pm = ProfileManager(ProfileManager.get_created_base_folder(str(Path(job["base"]) / "anki")))
    pm.setupMeta()
    pm.setLang("en")
    pm.create("Screenshots")
    # The software renderer: Xvfb has no GPU.
    pm.set_video_driver(VideoDriver.Software)
    pm.db.close()

    def finish(rc: int) -> None:
        sys.__stdout__.flush()
        sys.__stderr__.flush()
        # Anki's own shutdown (backup, sync, add-on checks) is not wanted from a throwaway profile.
        os._exit(rc)

    def on_timeout() -> None:
        say(f"timed out after {job['timeout']:.0f} s")
        finish(2)

    def start() -> None:
        QTimer.singleShot(int(job["timeout"] * 1000), on_timeout)
        run_steps(aqt.mw, shoot(aqt.mw, job), finish)

    gui_hooks.main_window_did_init.append(start)
    aqt._run(["anki", "-b", pm.base, "-p", "Screenshots"], exec=True)
    say("Anki quit before the screenshots were taken")
    return 2


def run_steps(mw, steps, finish) -> None:
    """Drives a generator that yields ("js", code) to evaluate in the reviewer or ("sleep", ms),
    and is sent the JS result back: Qt runs the whole time, nothing blocks its event loop."""
    from aqt.qt import QTimer

    def advance(value=None) -> None:
        try:
            kind, arg = steps.send(value)
        except StopIteration:
            finish(0)
            return
        except Failure as e:
            say(str(e))
            finish(1)
            return
        except Exception:
            import traceback
            traceback.print_exc(file=sys.__stderr__)
            finish(2)
            return
        if kind == "js":
            mw.web.evalWithCallback(arg, advance)
        else:
            QTimer.singleShot(arg, advance)

    advance()


def wait_until(js: str, what: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while not (yield ("js", js)):
        if time.monotonic() > deadline:
            raise Failure(f"{what} not ready after {seconds:.0f} s")
        yield ("sleep", 100)


def escape(text: str) -> str:
    return "".join("\\" + c if c in '\\"*_:()' else c for c in text)


def choose_cards(col, wanted: list[str] | None) -> list[tuple[str, int]]:
    """(Id, card number) pairs: the ones asked for, or the default set."""
    if wanted:
        chosen = []
        for item in wanted:
            ident, _, n = item.strip().partition(":")
            if not ident or (n and not n.isdigit()):
                raise Failure(f"--cards: {item!r} is not an Id or Id:N")
            chosen.append((ident, int(n or 1)))
        return chosen

    def ids(search: str) -> list[str]:
        return sorted(col.get_note(nid)["Id"] for nid in col.find_notes(search))

    chosen = [(i, 1) for i in DEFAULT_CARDS if ids(f'"Id:{escape(i)}"')]
    # One card of each kind the deck has; short of five, cards with code, then any.
    for search, n in (("tag:mcq", 1), ('"note:ankigen cloze"', 1), ("Reverse:_*", 2)):
        fresh = [i for i in ids(search) if i not in dict(chosen)]
        if fresh:
            chosen.append((fresh[0], n))
    for i in ids("Back:*<pre*") + ids(""):
        if len(chosen) < 5 and i not in dict(chosen):
            chosen.append((i, 1))
    return chosen


def shoot(mw, job: dict):
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.decks import DeckId
    from aqt.theme import Theme

    col = mw.col
    col.import_anki_package(ImportAnkiPackageRequest(
        package_path=job["apkg"], options=ImportAnkiPackageOptions(with_scheduling=False)))
    cards = choose_cards(col, job["cards"])
    for ident, n in cards:
        if not col.find_cards(f'"Id:{escape(ident)}" card:{n}'):
            raise Failure(f"no card {ident}" + (f" number {n}" if n > 1 else "") + f" in {job['apkg']}")
    say("cards: " + ", ".join(i if n == 1 else f"{i}:{n}" for i, n in cards))
    out = Path(job["out"])
    out.mkdir(parents=True, exist_ok=True)
    # The reviewer web view refuses to be narrower than 400 px, a phone is 360.
    mw.web.setMinimumWidth(0)
    mw.setMinimumSize(0, 0)
    deck_id = DeckId(0)
    written = set()
    for mode, theme in (("light", Theme.LIGHT), ("night", Theme.DARK)):
        mw.set_theme(theme)
        for ident, n in cards:
            # A filtered deck of the one card, so the reviewer shows it as it shows any card.
            deck = col.sched.get_or_create_filtered_deck(deck_id)
            deck.name = "Screenshots"
            deck.config.reschedule = False
            deck.config.search_terms[0].search = f'"Id:{escape(ident)}" card:{n}'
            deck.config.search_terms[0].limit = 1
            deck_id = col.sched.add_or_update_filtered_deck(deck).id
            col.decks.select(deck_id)
            mw.moveToState("review")
            name = ident if n == 1 else f"{ident}-card{n}"
            for side in ("front", "back"):
                if side == "back":
                    mw.reviewer._showAnswer()
                yield from wait_until(READY_JS % ("!!document.getElementById('answer')" if side == "back"
                                                  else "!document.getElementById('answer')"),
                                      f"{name} ({side}, {mode})")
                for device, width in WIDTHS.items():
                    info = yield from fit(mw, width)
                    path = out / f"{name}-{device}-{mode}-{side}.png"
                    image = mw.web.grab().toImage()
                    if blank(image):
                        raise Failure(f"{path.name} would be blank: the web view painted nothing")
                    if not image.save(str(path)):
                        raise Failure(f"could not write {path}")
                    written.add(path)
                    notes = info["found"] + ([f"cut at {MAX_HEIGHT} px of {info['height']}"]
                                             if info["height"] > MAX_HEIGHT else [])
                    say(f"{path.name}" + (f": {'; '.join(notes)}" if notes else ""))
    if not job["cards"]:
        # The default set changes with the deck; shots of cards no longer in it go.
        for old in out.glob("*.png"):
            parts = old.stem.rsplit("-", 3)
            if old not in written and len(parts) == 4 and parts[1] in WIDTHS and parts[3] in ("front", "back"):
                old.unlink()
                say(f"removed {old.name}")


def blank(image) -> bool:
    w, h = image.width(), image.height()
    return w == 0 or len({image.pixel(x * w // 20, y * h // 20) for x in range(20) for y in range(20)}) < 2


def fit(mw, width: int):
    """Sizes the main window so the reviewer's viewport is `width` CSS px wide and as tall as
    the card; returns what INSPECT_JS found there."""
    from aqt.qt import QApplication

    web = mw.web
    for _ in range(30):
        info = yield ("js", INSPECT_JS)
        height = max(100, min(info["height"], MAX_HEIGHT))
        if info["width"] == width and web.width() == width and abs(web.height() - height) <= 1:
            yield ("js", "window.scrollTo(0, 0)")
            yield ("sleep", 300)  # a repaint after the scroll, before the grab
            QApplication.processEvents()
            return info
        mw.resize(mw.width() + width - web.width(), mw.height() + height - web.height())
        yield ("sleep", 150)
    raise Failure(f"the reviewer could not be sized to {width} px (it is {info['width']})")


if __name__ == "__main__":
    sys.exit(main())
