"""PDF to pages of blocks and footnotes: the layout-aware path.

Two passes over lightweight per-page data, never holding more than one pdfium page open:

1. scan: per page, characters (pypdfium2) -> rows of line segments, ruling lines, and whether
   the page needs OCR (no text but an image, or garbage-encoded text);
2. read: with document-wide facts (body size, heading sizes, running headers/footers and printed
   page numbers), per page: drop furniture, split off footnotes, order the rest by columns, and
   build headings/paragraphs with their footnote markers; tables come from pdfplumber's table
   finder on the few pages that have ruling lines.

`extract_pdf_pages` is what `policykb.extract.extract` calls; `extract_pdf` gives a whole Document.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..models import Block, Document, Footnote, Page
from .garbage import garbage_reason
from .pdf_blocks import build_blocks
from .pdf_chars import RawPage, Rule, read_raw_page
from .pdf_columns import reading_order
from .pdf_footnotes import split_footnotes
from .pdf_furniture import PageEdges, decide_furniture, edge_candidates, strip_furniture
from .pdf_lines import RowLines, build_fragments, build_rows, row_segments, underscore_rule

OCR_MODES = ("auto", "always", "never")
SCAN_IMAGE_AREA = 0.3  # a page with no text and images over this fraction of it is a scan
TESSERACT_INSTALL = "apt-get install tesseract-ocr tesseract-ocr-swe"

Progress = Callable[..., None]


@dataclass
class PageScan:
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


def extract_pdf(path: str | os.PathLike, *, ocr: str = "auto", progress: Progress | None = None, **kwargs: Any) -> Document:
    """A whole Document (metadata included) through the common `extract` entry point."""
    from . import extract

    return extract(path, ocr=ocr, progress=progress, **kwargs)


def extract_pdf_pages(
    path: str | os.PathLike, *, ocr: str = "auto", progress: Progress | None = None
) -> tuple[list[Page], list[str], dict[str, str]]:
    """Pages, warnings and what the PDF's info dictionary says (title, date)."""
    if ocr not in OCR_MODES:
        raise InputError(f"--ocr {ocr!r} is not one of {', '.join(OCR_MODES)}")
    path = Path(path)
    pdf = open_pdf(path)
    warnings: list[str] = []
    try:
        info = pdf_info(pdf)
        n_pages = len(pdf)
        scans: list[PageScan] = []
        for index in range(n_pages):
            scans.append(scan_page(pdf, index, ocr))
            if progress is not None:
                progress("pdf-scan", index + 1, n_pages)
        pages = _read_pages(path, pdf, scans, ocr, warnings, progress)
    finally:
        pdf.close()
    return pages, warnings, info


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
    if title and not _junk_title(title):
        out["title"] = title
    for key in ("CreationDate", "ModDate"):
        match = re.match(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?", meta.get(key) or "")
        if match and 1950 <= int(match.group(1)) <= 2100:
            parts = [p for p in match.groups() if p]
            out["date"] = "-".join(parts)
            break
    return out


def _junk_title(title: str) -> bool:
    lowered = title.lower()
    if len(title) < 4 or re.fullmatch(r"[\w-]*\d[\w-]*", title):
        return True
    if re.search(r"\.(docx?|rtf|indd|pdf|qxd|odt|xlsx?|pptx?)$", lowered):
        return True
    return any(junk in lowered for junk in ("microsoft word", "untitled", "namnlös", "powerpoint", "dokument1", "document1"))


def scan_page(pdf, index: int, ocr: str) -> PageScan:
    try:
        raw = read_raw_page(pdf, index)
    except Exception as exc:  # one damaged page must not lose the rest
        scan = PageScan(index, 0.0, 0.0, error=f"page {index + 1} could not be read ({exc})")
        scan.status = "unread"
        return scan
    scan = PageScan(index, raw.width, raw.height, rules=raw.rules, boxes=raw.boxes, rotation=raw.rotation)
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


def _read_pages(path: Path, pdf, scans: list[PageScan], ocr: str, warnings: list[str], progress) -> list[Page]:
    to_ocr = [s for s in scans if s.need_ocr]
    if to_ocr:
        _run_ocr(path, pdf, to_ocr, ocr, warnings, progress)
    for scan in scans:
        if scan.error:
            warnings.append(f"{path}: {scan.error}; stored as unread")
    body_size = _body_size(scans)
    heading_levels = _heading_levels(scans, body_size)
    edges = [edge_candidates(s.rows, s.height) for s in scans]
    furniture = decide_furniture(edges)
    tables = _find_tables(path, scans)
    pages: list[Page] = []
    last_note: Footnote | None = None
    for scan, page_edges in zip(scans, edges):
        page = Page(index=scan.index, printed=furniture.printed.get(scan.index), status=scan.status)
        if scan.status == "unread":
            page.note = scan.error or scan.need_ocr
            pages.append(page)
            continue
        if scan.need_ocr and scan.status == "ocr":
            page.note = f"OCR: {scan.need_ocr}"
        rows = strip_furniture(scan.rows, page_edges, furniture)
        split = split_footnotes(rows, scan.rules, body_size, scan.height, scan.width)
        if split.continuation:
            if last_note is not None:
                last_note.text = _join_note(last_note.text, split.continuation)
            else:  # the note it continues was not read: keep the text as note 0 ("continued")
                split.notes.insert(0, Footnote(0, split.continuation))
        page.footnotes = split.notes
        valid = {note.number for note in split.notes}
        page.blocks = _page_blocks(split.body, tables.get(scan.index, []), body_size, heading_levels, valid)
        last_note = split.notes[-1] if split.notes else None
        pages.append(page)
    return pages


def _join_note(text: str, more: str) -> str:
    from .hyphenation import join_lines

    return join_lines(text, more)[0]


def _page_blocks(rows: list[RowLines], tables: list[Any], body_size: float, heading_levels, valid: set[int]) -> list[Block]:
    """Blocks in reading order, tables placed between the rows above and below them."""
    em = body_size or 10.0
    if not tables:
        return build_blocks(reading_order(rows, em), body_size, heading_levels, valid)
    rows = [r for r in rows if not any(_row_in_table(r, t) for t in tables)]
    blocks: list[Block] = []
    remaining = sorted(rows, key=lambda r: r.base)
    for table in sorted(tables, key=lambda t: t.top):
        above = [r for r in remaining if r.base <= table.top]
        remaining = [r for r in remaining if r.base > table.top]
        blocks.extend(build_blocks(reading_order(above, em), body_size, heading_levels, valid))
        blocks.append(table.block)
    blocks.extend(build_blocks(reading_order(remaining, em), body_size, heading_levels, valid))
    return blocks


def _row_in_table(row: RowLines, table) -> bool:
    inside = 0
    for seg in row.segs:
        cx = (seg.x0 + seg.x1) / 2
        if table.x0 - 2 <= cx <= table.x1 + 2 and table.top - 2 <= row.base <= table.bottom + 2:
            inside += 1
    return inside == len(row.segs)


def _body_size(scans: list[PageScan]) -> float:
    counts: Counter[float] = Counter()
    for scan in scans:
        for row in scan.rows:
            for seg in row.segs:
                counts[round(seg.size * 2) / 2] += seg.n_chars
    return counts.most_common(1)[0][0] if counts else 10.0


def _heading_levels(scans: list[PageScan], body_size: float) -> dict[float, int]:
    """Heading sizes, biggest first: level 1, 2, ...; bold body-size headings come last (key -1)."""
    from .pdf_blocks import HEADING_RATIO

    sizes: Counter[int] = Counter()
    for scan in scans:
        for row in scan.rows:
            for seg in row.segs:
                if seg.size >= HEADING_RATIO * body_size:
                    sizes[round(seg.size)] += 1
    levels = {size: rank + 1 for rank, size in enumerate(sorted(sizes, reverse=True))}
    levels[-1] = len(levels) + 1
    return levels


@dataclass
class _Table:
    x0: float
    top: float
    x1: float
    bottom: float
    block: Block


def _find_tables(path: Path, scans: list[PageScan]) -> dict[int, list[_Table]]:
    """pdfplumber's table finder, run only on pages whose ruling lines could form a table."""
    from .pdf_tables import find_tables, is_table_candidate

    candidates = [s for s in scans if s.rows and s.rotation == 0 and is_table_candidate(s.rules, s.boxes)]
    if not candidates:
        return {}
    out: dict[int, list[_Table]] = {}
    for index, found in find_tables(path, [s.index for s in candidates]):
        out[index] = [_Table(t.x0, t.top, t.x1, t.bottom, t.block) for t in found]
    return out


def _run_ocr(path: Path, pdf, scans: list[PageScan], ocr: str, warnings: list[str], progress) -> None:
    from .ocr import tesseract_problem

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
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    from .ocr import ocr_image_rows, render_page

    workers = max(1, min(len(scans), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = []
        for scan in scans:  # rendering stays on this thread (pdfium is not thread-safe)
            try:
                futures.append((scan, pool.submit(ocr_image_rows, *render_page(pdf, scan.index))))
            except Exception as exc:
                scan.status, scan.rows = "unread", []
                scan.error = f"page {scan.index + 1}: could not be rendered for OCR ({exc})"
            # keep at most a few rendered pages in memory at once
            pending = [f for _, f in futures if not f.done()]
            if len(pending) > workers * 2:
                wait(pending, return_when=FIRST_COMPLETED)
        for done, (scan, future) in enumerate(futures):
            try:
                scan.rows, scan.width, scan.height = future.result()
                scan.rules = []
                scan.status = "ocr"
            except Exception as exc:  # tesseract failures are per page
                scan.status = "unread"
                scan.rows = []
                scan.error = f"page {scan.index + 1}: OCR failed ({exc})"
            if progress is not None:
                progress("pdf-ocr", done + 1, len(scans))
