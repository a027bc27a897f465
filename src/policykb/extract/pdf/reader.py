"""PDF to pages of blocks and footnotes: the layout-aware path.

Two passes, never holding more than one pdfium page open and never more than one page's rows:

1. scan: per page, characters (pypdfium2) -> rows of line segments and ruling lines, which go to a
   spool file; what stays in memory is small: the page's furniture candidates (its outermost rows'
   text), font-size counts, whether it needs OCR or may hold a table. OCR'd pages join the spool
   the same way.
2. read: with the document-wide facts decided from those summaries (body size, heading sizes,
   running headers/footers and printed page numbers), per page: rows back from the spool, drop
   furniture, split off footnotes, order the rest by columns, and build headings/paragraphs with
   their footnote markers; tables come from pdfplumber's table finder on the few pages that have
   ruling lines. Only the finished `Page` objects are kept.

Why a spool and not a second read of each page: reading characters from pdfium and building rows
is two thirds of the whole path's time (measured on ../shared/pdfs: 4.6 s of 6.8 s), while
pickling the rows costs 1 %. pdfium also keeps what it parsed of every page it has shown (about
10 kB a page) until the document closes, so a long document is reopened every `REOPEN_EVERY` pages.

`extract_pdf_pages` is what `policykb.extract.extract` calls; `extract_pdf` gives a whole Document.
"""

from __future__ import annotations

import os
import pickle
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policykb.errors import InputError
from policykb.extract.metadata import is_junk_title
from policykb.models import Block, Footnote, Page, Progress
from policykb.extract.pdf.garbage import garbage_reason
from policykb.extract.pdf.blocks import HEADING_RATIO, build_blocks
from policykb.extract.pdf.chars import Rule, read_raw_page
from policykb.extract.pdf.columns import reading_order
from policykb.extract.pdf.footnotes import split_footnotes
from policykb.extract.pdf.furniture import (
    Furniture,
    PageEdges,
    decide_furniture,
    edge_candidates,
    page_number_of,
    strip_furniture,
)
from policykb.extract.pdf.lines import RowLines, build_fragments, build_rows, row_segments, underscore_rule

OCR_MODES = ("auto", "always", "never")
SCAN_IMAGE_AREA = 0.3  # a page with no text and images over this fraction of it is a scan
TESSERACT_INSTALL = "apt-get install tesseract-ocr tesseract-ocr-swe"
REOPEN_EVERY = 200  # pages after which the pdfium document is reopened to drop its per-page caches
HEADER_PAGES = 3  # pages whose running header/footer text is passed on to metadata detection
# A PDF this long, alone in an ingest, is scanned over page ranges in parallel: below it the
# start of a spawned process (~1 s, importing pypdfium2 and numpy) costs more than it saves.
PARALLEL_SCAN_MIN_PAGES = 60
SCAN_RANGE_PAGES = 16



@dataclass
class PageScan:
    """What the first pass keeps of a page; `rows` and `rules` only until they go to the spool."""

    index: int
    width: float
    height: float
    rows: list[RowLines] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    boxes: int = 0
    rotation: int = 0
    need_ocr: str | None = None  # why the page must be OCR'd
    error: str | None = None  # the page could not be read at all
    status: str = "text"
    edges: PageEdges | None = None
    table_candidate: bool = False
    outside: int = 0  # characters drawn outside the page box (not read; see chars._clip_to_page)


class DocumentFacts:
    """Font-size counts over the whole document, from which body and heading sizes are decided."""

    def __init__(self) -> None:
        self.chars_by_size: Counter[float] = Counter()  # size rounded to 0.5 pt -> characters
        self.segment_sizes: Counter[float] = Counter()  # exact size -> line segments

    def add(self, rows: list[RowLines]) -> None:
        for row in rows:
            for seg in row.segs:
                self.chars_by_size[round(seg.size * 2) / 2] += seg.n_chars
                self.segment_sizes[seg.size] += 1

    def body_size(self) -> float:
        return self.chars_by_size.most_common(1)[0][0] if self.chars_by_size else 10.0

    def heading_levels(self, body_size: float) -> dict[float, int]:
        """Heading sizes, biggest first: level 1, 2, ...; bold body-size headings come last (key -1)."""
        sizes = {round(size) for size in self.segment_sizes if size >= HEADING_RATIO * body_size}
        levels: dict[float, int] = {size: rank + 1 for rank, size in enumerate(sorted(sizes, reverse=True))}
        levels[-1] = len(levels) + 1
        return levels


class RowSpool:
    """Each page's rows and rules, pickled to an anonymous temporary file between the two passes."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="policykb-pdf-")
        self._where: dict[int, tuple[int, int]] = {}

    def put(self, index: int, rows: list[RowLines], rules: list[Rule]) -> None:
        data = pickle.dumps((rows, rules), protocol=pickle.HIGHEST_PROTOCOL)
        self._file.seek(0, os.SEEK_END)
        self._where[index] = (self._file.tell(), len(data))
        self._file.write(data)

    def get(self, index: int) -> tuple[list[RowLines], list[Rule]]:
        where = self._where.get(index)
        if where is None:
            return [], []
        self._file.seek(where[0])
        return pickle.loads(self._file.read(where[1]))

    def close(self) -> None:
        self._file.close()


class PdfHandle:
    """The open pypdfium2 document, reopened every `REOPEN_EVERY` pages so its caches stay small."""

    def __init__(self, path: Path):
        self.path = path
        self.doc = open_pdf(path)
        self._shown = 0

    def at(self, index: int):
        self._shown += 1
        if self._shown > REOPEN_EVERY:
            self.doc.close()
            self.doc = open_pdf(self.path)
            self._shown = 1
        return self.doc

    def close(self) -> None:
        if self.doc is not None:
            self.doc.close()
            self.doc = None


def extract_pdf_pages(
    path: str | os.PathLike, *, ocr: str = "auto", progress: Progress | None = None, workers: int = 1
) -> tuple[list[Page], list[str], dict[str, str]]:
    """Pages, warnings and what the PDF says about itself outside the body: its info dictionary
    (title, date) and the text of its running headers/footers (`running_header`, raw lines).
    `workers` > 1: the scan of a long PDF runs over page ranges in that many processes."""
    if ocr not in OCR_MODES:
        raise InputError(f"--ocr {ocr!r} is not one of {', '.join(OCR_MODES)}")
    path = Path(path)
    handle = PdfHandle(path)
    spool: RowSpool | None = None
    warnings: list[str] = []
    try:
        spool = RowSpool()
        info = pdf_info(handle.doc)
        n_pages = len(handle.doc)
        facts = DocumentFacts()
        scans: list[PageScan] = []
        for scan in _scans(path, handle, n_pages, ocr, workers):
            _keep(scan, spool, facts)
            scans.append(scan)
            if progress is not None:
                progress("pdf-scan", len(scans), n_pages, "")
        to_ocr = [s for s in scans if s.need_ocr]
        if to_ocr:
            _run_ocr(path, handle, to_ocr, ocr, warnings, progress, lambda s: _keep(s, spool, facts))
        handle.close()
        for scan in scans:
            if scan.error:
                warnings.append(f"{path}: {scan.error}; stored as unread")
        outside = [s for s in scans if s.outside]
        if outside:
            pages_list = ", ".join(str(s.index + 1) for s in outside[:10]) + (" …" if len(outside) > 10 else "")
            warnings.append(
                f"{path}: {sum(s.outside for s in outside):,} characters drawn outside the page box "
                f"(page {pages_list}) were not read; a viewer does not show them either"
            )
        furniture = decide_furniture([s.edges or PageEdges(s.height) for s in scans])
        header = running_header_text(scans, furniture)
        if header:
            info["running_header"] = header
        pages = _read_pages(path, scans, spool, facts, furniture, progress, info)
    finally:
        handle.close()
        if spool is not None:
            spool.close()
    return pages, warnings, info


def _scans(path: Path, handle: PdfHandle, n_pages: int, ocr: str, workers: int) -> Iterator[PageScan]:
    """Every page's scan, in page order: here, or over page ranges in `workers` processes.

    The scan (characters → rows) is two thirds of the PDF path's time and each page's scan is
    independent of the others, so a long PDF that is the only file of an ingest keeps every core
    busy this way. Ranges of `SCAN_RANGE_PAGES` pages, at most two per worker in flight, come
    back in order, so memory holds a few ranges' rows at most before they go to the spool.
    """
    from policykb.processes import can_start_processes

    if workers <= 1 or n_pages < PARALLEL_SCAN_MIN_PAGES or not can_start_processes():
        for index in range(n_pages):
            yield scan_page(handle.at(index), index, ocr)
        return
    from policykb.processes import spawn_pool

    ranges = [(start, min(start + SCAN_RANGE_PAGES, n_pages)) for start in range(0, n_pages, SCAN_RANGE_PAGES)]
    with spawn_pool(workers) as pool:
        in_flight: list = []
        position = 0
        try:
            while position < len(ranges) or in_flight:
                while position < len(ranges) and len(in_flight) < 2 * workers:
                    in_flight.append(pool.submit(scan_page_range, path, *ranges[position], ocr))
                    position += 1
                yield from in_flight.pop(0).result()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def scan_page_range(path: Path, start: int, stop: int, ocr: str) -> list[PageScan]:
    """Pass 1 over pages [start, stop) with a pdfium document of this process's own."""
    handle = PdfHandle(path)
    try:
        return [scan_page(handle.at(index), index, ocr) for index in range(start, stop)]
    finally:
        handle.close()


def _keep(scan: PageScan, spool: RowSpool, facts: DocumentFacts) -> None:
    """Summarise a scanned (or OCR'd) page and move its rows to the spool."""
    from policykb.extract.pdf.tables import is_table_candidate

    scan.edges = edge_candidates(scan.rows, scan.height)
    if scan.rows:
        facts.add(scan.rows)
        scan.table_candidate = scan.rotation == 0 and is_table_candidate(scan.rules, scan.boxes)
        spool.put(scan.index, scan.rows, scan.rules)
    scan.rows, scan.rules = [], []


def running_header_text(scans: list[PageScan], furniture: Furniture) -> str:
    """The raw text of the repeated header and footer lines of the first pages that have them
    (top band first, page numbers left out): a series number there names the document."""
    lines: list[str] = []
    pages = 0
    for scan in scans:
        if scan.edges is None:
            continue
        found = [
            (key.startswith("bottom:"), text)
            for _, _, key, text in scan.edges.candidates
            if key in furniture.repeated and page_number_of(text) is None
        ]
        if not found:
            continue
        for _, text in sorted(found, key=lambda item: item[0]):
            if text not in lines:
                lines.append(text)
        pages += 1
        if pages >= HEADER_PAGES:
            break
    return "\n".join(lines)


def open_pdf(path: Path):
    import pypdfium2 as pdfium

    try:
        if path.stat().st_size == 0:
            raise InputError(f"{path}: the file is empty (0 bytes); nothing to read")
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}); check the path") from exc
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise InputError(
                f"{path}: the PDF is encrypted (password-protected); remove the password "
                f"(for example `qpdf --decrypt --password=PW in.pdf out.pdf`) and ingest the copy"
            ) from exc
        raise InputError(
            f"{path}: not a readable PDF ({message.rstrip('.')}); the file may be damaged or truncated — "
            f"re-download or re-export it"
        ) from exc


def pdf_info(pdf) -> dict[str, str]:
    """Title and date from the info dictionary, when they look like real values."""
    try:
        meta = pdf.get_metadata_dict(skip_empty=True)
    except Exception:  # a broken info dictionary is no reason to lose the text
        return {}
    out: dict[str, str] = {}
    title = (meta.get("Title") or "").strip()
    if title and not is_junk_title(title):
        out["title"] = title
    for key in ("CreationDate", "ModDate"):
        match = re.match(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?", meta.get(key) or "")
        if match and 1950 <= int(match.group(1)) <= 2100:
            parts = [p for p in match.groups() if p]
            out["date"] = "-".join(parts)
            break
    return out


def scan_page(pdf, index: int, ocr: str) -> PageScan:
    try:
        raw = read_raw_page(pdf, index)
    except Exception as exc:  # one damaged page must not lose the rest
        scan = PageScan(index, 0.0, 0.0, error=f"page {index + 1} could not be read ({exc})")
        scan.status = "unread"
        return scan
    scan = PageScan(
        index, raw.width, raw.height, rules=raw.rules, boxes=raw.boxes, rotation=raw.rotation, outside=raw.outside
    )
    chars = raw.chars
    if not chars and raw.hidden_chars and raw.image_area >= SCAN_IMAGE_AREA:
        chars = raw.hidden_chars  # a scan with an invisible OCR layer: that layer is the text
    if ocr == "always":
        scan.need_ocr = "OCR requested for every page"
        return scan
    if not chars:
        if raw.image_area >= SCAN_IMAGE_AREA:
            scan.need_ocr = "no text layer (scanned page)"
        return scan
    rows = build_rows(build_fragments(chars))
    for row in rows:
        segs = row_segments(row)
        if segs is None:
            continue
        if len(segs.segs) == 1:
            rule = underscore_rule(segs.segs[0])
            if rule is not None:
                scan.rules.append(rule)
                continue
        scan.rows.append(segs)
    text = "\n".join(r.text for r in scan.rows)
    reason = garbage_reason(text, sum(s.n_chars for r in scan.rows for s in r.segs), sum(s.map_errors for r in scan.rows for s in r.segs))
    if reason is not None:
        scan.need_ocr = reason
        scan.rows = []  # never keep garbage as text
    return scan


def title_page_candidates(rows: list[RowLines], body_size: float) -> list[str]:
    """The title page's text by size, largest first: each run of rows set in one size close under
    one another (a title over two lines is one run; rows of other sizes between them, such as a
    margin ruler, do not cut it). `metadata.choose_title` takes the first that is no series name
    ("Svensk författningssamling") or front-matter heading (issue 17.4)."""
    by_size: dict[float, list[RowLines]] = {}
    for row in sorted(rows, key=lambda r: r.base):
        by_size.setdefault(round(row.size * 2) / 2, []).append(row)
    body = round(body_size * 2) / 2  # the document's body size: a cover has little body text
    runs: list[tuple[float, float, str]] = []  # (size, first baseline, text)
    for size, sized in by_size.items():
        if size <= body:
            continue
        start, texts, last = sized[0].base, [], None
        for row in sized:
            if last is not None and row.base - last > 2.2 * size:
                runs.append((size, start, " ".join(texts)))
                start, texts = row.base, []
            texts.append(row.text)
            last = row.base
        runs.append((size, start, " ".join(texts)))
    return [" ".join(text.split()) for _, _, text in sorted(runs, key=lambda r: (-r[0], r[1]))]


def _read_pages(
    path: Path, scans: list[PageScan], spool: RowSpool, facts: DocumentFacts, furniture: Furniture, progress,
    info: dict | None = None,
) -> list[Page]:
    body_size = facts.body_size()
    heading_levels = facts.heading_levels(body_size)
    tables = _TableQueue(path, [s.index for s in scans if s.table_candidate])
    pages: list[Page] = []
    last_note: Footnote | None = None
    running_comparison = None  # a "Nuvarande / Föreslagen lydelse" table that ran to a page's foot
    try:
        for done, scan in enumerate(scans):
            page = Page(index=scan.index, printed=furniture.printed.get(scan.index), status=scan.status)
            pages.append(page)
            if progress is not None:
                progress("pdf-layout", done + 1, len(scans), "")
            if scan.status == "unread":
                page.note = scan.error or scan.need_ocr
                running_comparison = None
                continue
            if scan.need_ocr and scan.status == "ocr":
                page.note = f"OCR: {scan.need_ocr}"
            rows, rules = spool.get(scan.index)
            rows = strip_furniture(rows, scan.edges or PageEdges(scan.height), furniture)
            if info is not None and "title_candidates" not in info and rows and scan.index < 2:
                info["title_candidates"] = title_page_candidates(rows, body_size)
            split = split_footnotes(rows, rules, body_size, scan.height, scan.width)
            if split.continuation:
                if last_note is not None:
                    last_note.text = _join_note(last_note.text, split.continuation)
                else:  # the note it continues was not read: keep the text as note 0 ("continued")
                    split.notes.insert(0, Footnote(0, split.continuation))
            page.footnotes = split.notes
            valid = {note.number for note in split.notes}
            body = split.body
            if running_comparison is not None:
                from policykb.extract.pdf.comparison import continue_comparison

                body, running_comparison = continue_comparison(body, running_comparison, body_size or 10.0, rules)
            if running_comparison is not None:
                page.blocks = []  # the whole page continues the comparison overleaf
                last_note = split.notes[-1] if split.notes else None
                continue
            page.blocks, running_comparison = _page_blocks(
                body, tables.on_page(scan.index), body_size, heading_levels, valid, rules
            )
            last_note = split.notes[-1] if split.notes else None
    finally:
        tables.close()
    return pages


def _join_note(text: str, more: str) -> str:
    from policykb.swedish.hyphenation import join_lines

    return join_lines(text, more)[0]


def _page_blocks(
    rows: list[RowLines], tables: list[Any], body_size: float, heading_levels, valid: set[int],
    rules: list[Rule] = (),
) -> tuple[list[Block], Any]:
    """Blocks in reading order, tables placed between the rows above and below them; a bill's
    "Nuvarande / Föreslagen lydelse" comparison is a table too (`comparison`). Also the page's
    last comparison when it runs to the page's foot (it may go on overleaf), else None."""
    em = body_size or 10.0
    from policykb.extract.pdf.comparison import find_comparisons

    comparisons = find_comparisons(rows, em, rules)
    running = comparisons[-1] if comparisons and comparisons[-1].runs_on else None
    if comparisons:
        covered = {id(r) for c in comparisons for r in rows if c.top <= r.base <= c.bottom + 0.5}
        rows = [r for r in rows if id(r) not in covered]
        tables = [*tables, *comparisons]
    if not tables:
        return build_blocks(reading_order(rows, em), body_size, heading_levels, valid), running
    rows = [r for r in rows if not any(_row_in_table(r, t) for t in tables)]
    blocks: list[Block] = []
    remaining = sorted(rows, key=lambda r: r.base)
    for table in sorted(tables, key=lambda t: t.top):
        above = [r for r in remaining if r.base <= table.top]
        remaining = [r for r in remaining if r.base > table.top]
        blocks.extend(build_blocks(reading_order(above, em), body_size, heading_levels, valid))
        blocks.append(table.block)
    blocks.extend(build_blocks(reading_order(remaining, em), body_size, heading_levels, valid))
    return blocks, running


def _row_in_table(row: RowLines, table) -> bool:
    inside = 0
    for seg in row.segs:
        cx = (seg.x0 + seg.x1) / 2
        if table.x0 - 2 <= cx <= table.x1 + 2 and table.top - 2 <= row.base <= table.bottom + 2:
            inside += 1
    return inside == len(row.segs)


@dataclass
class _Table:
    x0: float
    top: float
    x1: float
    bottom: float
    block: Block


class _TableQueue:
    """pdfplumber's table finder over the candidate pages (those whose ruling lines could form a
    table), run lazily in page order as the second pass reaches them."""

    def __init__(self, path: Path, candidates: list[int]):
        from policykb.extract.pdf.tables import find_tables

        self._found: Iterator | None = find_tables(path, candidates) if candidates else None
        self._next: tuple[int, list] | None = None

    def on_page(self, index: int) -> list[_Table]:
        while self._found is not None and (self._next is None or self._next[0] < index):
            self._next = next(self._found, None)
            if self._next is None:
                self.close()
        if self._next is None or self._next[0] != index:
            return []
        return [_Table(t.x0, t.top, t.x1, t.bottom, t.block) for t in self._next[1]]

    def close(self) -> None:
        if self._found is not None:
            self._found.close()  # closes pdfplumber's file
            self._found = None


def _run_ocr(
    path: Path, handle: PdfHandle, scans: list[PageScan], ocr: str, warnings: list[str], progress,
    keep: Callable[[PageScan], None],
) -> None:
    """OCR the pages that need it, handing each read page to `keep` in page order as it is done."""
    from policykb.extract.pdf.ocr import tesseract_problem

    problem = None if ocr != "never" else "OCR is turned off (--ocr never)"
    if problem is None:
        problem = tesseract_problem()
    if problem is not None:
        for scan in scans:
            scan.status = "unread"
            scan.rows = []
            scan.error = f"{scan.need_ocr}; not read: {problem}"
        pages = ", ".join(str(s.index + 1) for s in scans[:10]) + (" …" if len(scans) > 10 else "")
        advice = (
            "ingest again with --ocr auto" if ocr == "never" else f"install it with `{TESSERACT_INSTALL}` and ingest again"
        )
        warnings.append(
            f"{path}: {len(scans)} page(s) need OCR (pages {pages}) but {problem}; {advice}. "
            f"Those pages are stored as unread, not as text."
        )
        for scan in scans:
            scan.error = None  # reported once above; the page note keeps the reason
            scan.need_ocr = f"{scan.need_ocr}; not read: {problem}"
        return
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    from policykb.extract.pdf.ocr import ocr_image_rows, render_page

    workers = max(1, min(len(scans), os.cpu_count() or 1))
    queue: deque = deque()
    done = 0

    def finish(scan: PageScan, future) -> None:
        nonlocal done
        try:
            scan.rows, scan.width, scan.height = future.result()
            scan.rules = []
            scan.status = "ocr"
            keep(scan)
        except Exception as exc:  # tesseract failures are per page
            scan.status = "unread"
            scan.rows = []
            scan.error = f"page {scan.index + 1}: OCR failed ({exc})"
        done += 1
        if progress is not None:
            progress("pdf-ocr", done, len(scans), "")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for scan in scans:  # rendering stays on this thread (pdfium is not thread-safe)
            try:
                queue.append((scan, pool.submit(ocr_image_rows, *render_page(handle.at(scan.index), scan.index))))
            except Exception as exc:
                scan.status, scan.rows = "unread", []
                scan.error = f"page {scan.index + 1}: could not be rendered for OCR ({exc})"
                done += 1
            # keep at most a few rendered pages in memory at once
            pending = [f for _, f in queue if not f.done()]
            if len(pending) > workers * 2:
                wait(pending, return_when=FIRST_COMPLETED)
            while queue and queue[0][1].done():
                finish(*queue.popleft())
        while queue:
            finish(*queue.popleft())
