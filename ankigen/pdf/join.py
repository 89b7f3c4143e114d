"""The chunks joined into one PDF, and joined again after an edit.

pikepdf (qpdf) copies every page of every chunk into a new document and adds what no chunk can
know on its own: page numbers, blank pages before rectos, bookmarks, the contents' links and the
document's metadata. At 10,000 cards that is some 3,000 pages and two seconds, on every edit. So
the last joined PDF is kept (in `kept`, a folder of the cache) with the names and page counts of
the parts it was made of: when only a few parts changed, each keeping its page count (an edit
within a card, most often), their pages are swapped into the last PDF and everything else stays.
The result has the same pages, numbers, bookmarks and links as joining anew; only the order of
the objects in the file differs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from ankigen.pdf.chunks import PAGE_LINK, Part, PdfError, start_pages
from ankigen.run.output import atomic_path, write_text_atomic

KEPT_PDF, KEPT_PARTS = "joined.pdf", "joined.json"
REJOIN_MAX = 8  # parts changed: beyond this, joining anew costs about as much


@dataclass(frozen=True)
class _Joined:
    """What a joined PDF was made of."""

    parts: tuple[str, ...]  # each part's file name: a digest of its source
    rectos: tuple[bool, ...]
    counts: tuple[int, ...]
    numbers: str
    numbered: tuple[int, int]
    digest: str  # of the joined PDF's bytes


def merge(parts: list[Part], numbers: Path | None, numbered: range, bookmarks: list[tuple[str, int]],
          title: str, build_time: int, kept: Path | None = None) -> bytes:
    """One PDF of the parts; page i in `numbered` gets page i of `numbers` laid over it."""
    import pikepdf

    joined = None
    if kept is not None and numbers is not None:
        try:
            joined = _rejoin(kept, parts, numbers, numbered, bookmarks, title, build_time)
        except (pikepdf.PdfError, OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            joined = None  # whatever is wrong with the kept PDF, joining anew is right
    if joined is None:
        joined = _join(parts, numbers, numbered, bookmarks, title, build_time)
    data, counts = joined
    if kept is not None and numbers is not None:
        _keep(kept, _Joined(tuple(p.path.name for p in parts), tuple(p.recto for p in parts), tuple(counts),
                            numbers.name, (numbered.start, numbered.stop), hashlib.sha256(data).hexdigest()), data)
    return data


def _join(parts: list[Part], numbers: Path | None, numbered: range, bookmarks: list[tuple[str, int]],
          title: str, build_time: int) -> tuple[bytes, list[int]]:
    import pikepdf

    out = pikepdf.new()
    opened = []
    try:
        for part in parts:
            opened.append(pikepdf.open(part.path))
        counts = [len(src.pages) for src in opened]  # len() of a page list is not cheap: once each
        at = 0
        for src, count, start in zip(opened, counts, start_pages(counts, [p.recto for p in parts])):
            if start > at:  # a blank page, so that this part begins on a recto
                box = src.pages[0].mediabox
                out.add_blank_page(page_size=(float(box[2]) - float(box[0]), float(box[3]) - float(box[1])))
            out.pages.extend(src.pages)
            at = start + count
        pages = [page.obj for page in out.pages]
        if numbers is not None:
            nums = pikepdf.open(numbers)
            opened.append(nums)
            last = min(at, len(nums.pages))
            for i in numbered:
                if i < last:
                    _overlay(out, pikepdf.Page(pages[i]), nums.pages[i])
        data = _finish(out, pages, counts[0] if counts else 0, {}, bookmarks, title, build_time,
                       max((src.pdf_version for src in opened), default="1.7"))
        return data, counts
    except (pikepdf.PdfError, OSError) as exc:  # OSError: another build pruned a chunk meanwhile
        raise PdfError(f"the chunks could not be joined: {exc}") from None
    finally:
        for src in opened:
            src.close()


def _rejoin(kept: Path, parts: list[Part], numbers: Path, numbered: range, bookmarks: list[tuple[str, int]],
            title: str, build_time: int) -> tuple[bytes, list[int]] | None:
    """The last joined PDF with the pages of the parts that changed swapped in, or None when it
    cannot be done so (another layout of parts, a part whose page count changed, nothing kept)."""
    import pikepdf

    last = _kept(kept)
    if last is None:
        return None
    joined, data = last
    if (len(parts) != len(joined.parts) or tuple(p.recto for p in parts) != joined.rectos
            or numbers.name != joined.numbers or (numbered.start, numbered.stop) != joined.numbered):
        return None
    changed = [i for i, part in enumerate(parts) if part.path.name != joined.parts[i]]
    if len(changed) > REJOIN_MAX:
        return None
    counts = list(joined.counts)
    starts = start_pages(counts, list(joined.rectos))
    opened = []
    try:
        out = pikepdf.open(io.BytesIO(data))
        opened.append(out)
        tree = out.Root.Pages
        pages = list(tree.Kids)
        if len(pages) != (starts[-1] + counts[-1] if counts else 0) or any("/Kids" in page for page in pages):
            return None  # not the flat page list a join writes
        sources = {}
        for i in changed:
            sources[i] = pikepdf.open(parts[i].path)
            opened.append(sources[i])
            if len(sources[i].pages) != counts[i]:
                return None
        nums = pikepdf.open(numbers) if changed else None
        if nums is not None:
            opened.append(nums)
        moved: dict[tuple[int, int], object] = {}  # a replaced page -> its replacement
        kids = tree.Kids
        for i, src in sources.items():
            for j, page in enumerate(src.pages):
                at = starts[i] + j
                new = out.copy_foreign(page.obj)
                new.Parent = tree
                moved[pages[at].objgen] = new
                kids[at] = new
                pages[at] = new
                if at in numbered and at < len(nums.pages):
                    _overlay(out, pikepdf.Page(new), nums.pages[at])
        versions = [out.pdf_version, *(src.pdf_version for src in sources.values())]
        return _finish(out, pages, counts[0] if counts else 0, moved, bookmarks, title, build_time,
                       max(versions)), counts
    finally:
        for pdf in opened:
            pdf.close()


def _finish(out, pages: list, front: int, moved: dict, bookmarks: list[tuple[str, int]], title: str,
            build_time: int, version: str) -> bytes:
    """The contents' links, the bookmarks and the metadata; the document's bytes."""
    import pikepdf

    _images_once(pages)
    _page_links(pages, range(front), moved)
    if "/Outlines" in out.Root:
        del out.Root.Outlines
    with out.open_outline() as tree:
        tree.root.extend(pikepdf.OutlineItem(name, pikepdf.Array([pages[page], pikepdf.Name.Fit]))
                         for name, page in bookmarks)
    stamp = dt.datetime.fromtimestamp(build_time, dt.timezone.utc).strftime("D:%Y%m%d%H%M%SZ")
    out.docinfo["/Title"] = title
    out.docinfo["/Author"] = "ankigen"
    out.docinfo["/Creator"] = "ankigen (Typst, pikepdf)"
    out.docinfo["/CreationDate"] = stamp
    out.docinfo["/ModDate"] = stamp
    buffer = io.BytesIO()
    out.save(buffer, deterministic_id=True, compress_streams=True, min_version=version)
    return buffer.getvalue()


def _images_once(pages: list) -> None:
    """Each image in the file once. A chunk embeds the images its pages show, so an image on the
    study sheet and on its cut-out card (two chunks) came twice, and a photo twice is megabytes.
    Images alike in pixels and description (its colour profile and transparency compared by
    their content, as each chunk has its own copies) are made one object; the copies are left
    unreferenced, and a PDF is saved without what nothing refers to."""
    import pikepdf

    by_size: dict[tuple, list] = {}  # (width, height, length): the images seen, compared only then
    prints: dict[tuple, str] = {}
    chosen: dict[tuple, object] = {}  # an image's objgen -> the one object it is now
    forms: set[tuple] = set()

    def fingerprint(obj, depth: int = 0) -> str:
        """What an object holds, with what it refers to resolved (a stream: its raw bytes too)."""
        if depth > 8:
            return "…"
        if isinstance(obj, pikepdf.Object) and obj.is_indirect and obj.objgen in prints:
            return prints[obj.objgen]
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            inner = repr(sorted((str(k), fingerprint(v, depth + 1)) for k, v in obj.items() if k != "/Length"))
            if isinstance(obj, pikepdf.Stream):
                inner += hashlib.sha256(obj.read_raw_bytes()).hexdigest()
        elif isinstance(obj, pikepdf.Array):
            inner = repr([fingerprint(v, depth + 1) for v in obj])
        else:
            inner = bytes(obj.unparse()).decode("latin-1") if isinstance(obj, pikepdf.Object) else repr(obj)
        value = hashlib.sha256(inner.encode("utf-8", "surrogatepass")).hexdigest()
        if isinstance(obj, pikepdf.Object) and obj.is_indirect:
            prints[obj.objgen] = value
        return value

    def one(image):
        if image.objgen in chosen:
            return chosen[image.objgen]
        key = (image.get("/Width"), image.get("/Height"), image.get("/Length"))
        same = next((seen for seen in by_size.get(key, ()) if fingerprint(seen) == fingerprint(image)), None)
        if same is None:
            by_size.setdefault(key, []).append(image)
            same = image
        chosen[image.objgen] = same
        return same

    def walk(resources) -> None:
        xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
        if not isinstance(xobjects, pikepdf.Dictionary):
            return
        for name in list(xobjects.keys()):
            obj = xobjects[name]
            if not isinstance(obj, pikepdf.Stream) or not obj.is_indirect:
                continue
            if obj.get("/Subtype") == pikepdf.Name.Image:
                same = one(obj)
                if same.objgen != obj.objgen:
                    xobjects[name] = same
            elif obj.get("/Subtype") == pikepdf.Name.Form and obj.objgen not in forms:
                forms.add(obj.objgen)
                walk(obj.get("/Resources"))

    for page in pages:
        walk(page.get("/Resources"))


def _kept(folder: Path) -> tuple[_Joined, bytes] | None:
    try:
        row = json.loads((folder / KEPT_PARTS).read_text(encoding="utf-8"))
        joined = _Joined(tuple(map(str, row["parts"])), tuple(map(bool, row["rectos"])),
                         tuple(map(int, row["counts"])), str(row["numbers"]), tuple(map(int, row["numbered"])),
                         str(row["digest"]))
        data = (folder / KEPT_PDF).read_bytes()
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if hashlib.sha256(data).hexdigest() != joined.digest or len(joined.parts) != len(joined.counts):
        return None  # another build's, or damaged
    return joined, data


def _keep(folder: Path, joined: _Joined, data: bytes) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(folder / KEPT_PDF) as tmp:
            tmp.write_bytes(data)
        write_text_atomic(folder / KEPT_PARTS, json.dumps(
            {"parts": joined.parts, "rectos": joined.rectos, "counts": joined.counts, "numbers": joined.numbers,
             "numbered": joined.numbered, "digest": joined.digest}))
    except OSError:
        pass  # keeping it only saves time


def _overlay(pdf, page, other) -> None:
    """Lay another PDF's page over a page of the same size. (pikepdf's add_overlay names the
    form with random letters, which would make every build's PDF differ.)"""
    import pikepdf

    form = pdf.copy_foreign(other.as_form_xobject())
    name = page.add_resource(form, pikepdf.Name.XObject, name=pikepdf.Name("/AnkigenNumber"))
    # the page's own drawing is wrapped in q…Q, so that no state it leaves behind moves the number
    page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
    page.contents_add(pikepdf.Stream(pdf, b"\nQ q 1 0 0 1 0 0 cm " + bytes(name.unparse()) + b" Do Q"),
                      prepend=False)


def _page_links(pages: list, front: range, moved: dict) -> None:
    """Turn the links to PAGE_LINK + number on the front pages into jumps within the document;
    a jump to a page since replaced (`moved`) leads to its replacement."""
    import pikepdf

    for i in front:
        for annot in pages[i].get("/Annots", []):
            action = annot.get("/A")
            if action is None:
                continue
            if action.get("/S") == pikepdf.Name.GoTo and moved:
                dest = action.get("/D")
                if isinstance(dest, pikepdf.Array) and len(dest) and dest[0].objgen in moved:
                    dest[0] = moved[dest[0].objgen]
                continue
            uri = str(action.get("/URI", ""))
            if not uri.startswith(PAGE_LINK) or not uri[len(PAGE_LINK):].isdigit():
                continue
            target = int(uri[len(PAGE_LINK):]) - 1
            if 0 <= target < len(pages):
                annot.A = pikepdf.Dictionary(S=pikepdf.Name.GoTo, D=pikepdf.Array([pages[target], pikepdf.Name.Fit]))
