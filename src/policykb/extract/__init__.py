"""extract(path) -> Document: read one file into pages of blocks and footnotes, with metadata.

Dispatches by file type (checked by content, not only by name): PDF to `extract.pdf`, Word
(.docx) to `extract.docx`, text and Markdown to `extract.text`, HTML to `extract.html`. Raises `InputError` subclasses with a message
naming the file and what to do.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from policykb.extract.files import check_file, decode_text, file_sha256, sniff_format
from policykb.extract.metadata import choose_title, detect_metadata
from policykb.extract.statute import looks_like_statute
from policykb.models import Document, DocumentMeta, Page, Progress
from policykb.swedish.text import is_toc_line


def extract(
    path: str | os.PathLike,
    *,
    manifest: dict[str, Any] | None = None,
    doc_id: str | None = None,
    ocr: str = "auto",
    max_bytes: int | None = None,
    progress: Progress | None = None,
    workers: int = 1,
) -> Document:
    """Read one file into a Document. `manifest` fields (title, kind, ...) override detection.
    `workers` > 1 scans a long PDF's pages in that many processes."""
    path = Path(path)
    size = check_file(path, limit=max_bytes)
    fmt = sniff_format(path)
    sha = file_sha256(path)
    if fmt == "pdf":
        from policykb.extract.pdf.reader import extract_pdf_pages

        pages, warnings, pdf_info = extract_pdf_pages(path, ocr=ocr, progress=progress, workers=workers)
    elif fmt == "docx":
        from policykb.extract.docx import read_docx

        pages, pdf_info = read_docx(path)
        warnings = []
    else:
        text = decode_text(path.read_bytes(), str(path))
        warnings, pdf_info = [], {}
        statute = (manifest or {}).get("kind") == "statute"
        if fmt in ("html", "txt") and (statute or looks_like_statute(text, fmt)):
            # an act (Riksdagen's rendering of an SFS): chapters and sections, each section a passage
            from policykb.extract.statute import read_statute

            pages, pdf_info = read_statute(text, html=fmt == "html")
        elif fmt == "html":
            from policykb.extract.html import parse_html_pages

            pages = parse_html_pages(text)
        else:
            from policykb.extract.text import parse_text_pages

            pages = parse_text_pages(text, markdown=fmt == "md")
    mark_tables_of_contents(pages)
    opening = "\n".join(page.text for page in pages[:3])
    detected = detect_metadata(opening)
    if fmt in {"txt", "md"}:
        from policykb.extract.text import running_headers

        headers = running_headers(text)
        if headers:
            pdf_info = {**pdf_info, "running_header_title": headers.most_common(1)[0][0]}
    # `pdf_info`: what the file says about itself (PDF info dictionary, Word core properties)
    for key in ("identifier", "kind", "publisher"):
        if pdf_info.get(key):  # what a statute's own header says beats a guess from its text
            detected[key] = pdf_info[key]
    header = pdf_info.get("running_header")
    if header and detected["identifier"] is None:
        # a statute or a consolidated regulation often names itself only in its running header
        from_header = detect_metadata(header)
        for key in ("identifier", "kind", "publisher"):
            detected[key] = detected[key] or from_header[key]
    meta = DocumentMeta(
        doc_id=doc_id or path.name,
        path=str(path.resolve()),
        sha256=sha,
        source_format=fmt,
        # the title page's largest text, the file's title property, the running header, the
        # first title-like line: the first of them that is no series name or TOC heading
        title=choose_title([
            *pdf_info.get("title_candidates", []), pdf_info.get("title"), pdf_info.get("running_header_title"),
            detected["title"],
        ]) or detected["identifier"] or (header.strip() if header and len(header) <= 40 else None),
        kind=detected["kind"],
        publisher=detected["publisher"],
        date=pdf_info.get("date") if pdf_info.get("kind") == "statute" else detected["date"] or pdf_info.get("date"),
        identifier=detected["identifier"],
        language="sv",
        size_bytes=size,
    )
    for key, value in (manifest or {}).items():
        if key in {"title", "kind", "publisher", "date", "identifier", "language"} and value:
            setattr(meta, key, value)
    if not any(page.blocks for page in pages):
        warnings.append(f"{path}: no readable text was found")
    return Document(meta=meta, pages=pages, warnings=warnings)


_TOC_ENTRY = re.compile(r"(?:\.{4,}|…{2,}|\t)\s*\d{1,4}(?![\d‐-])")  # not a CAS number (53-96-3)


def mark_tables_of_contents(pages: list[Page]) -> None:
    """Blocks that are a table of contents become kind "toc" (issue 17.3): a contents list ranks
    high for any query (it holds every heading's words) but says nothing itself. They stay in the
    export; chunking, the sentences of the trace and the consultation evidence leave them out.

    A paragraph is a contents list when it is made of leader-dot entries ("Lagtext ....5"), at
    least one per 160 characters; under a heading "Innehåll"/"Innehållsförteckning", short lines
    ending in a page number are entries too."""
    for page in pages:
        under_toc_heading = False
        for block in page.blocks:
            if block.kind == "heading":
                under_toc_heading = bool(re.fullmatch(r"(?i)\s*innehåll(?:sförteckning)?\s*", block.text))
                continue
            if block.kind != "paragraph":
                continue
            entries = len(_TOC_ENTRY.findall(block.text))
            lines = [ln for ln in block.text.split("\n") if ln.strip()]
            if (entries and len(block.text) / entries <= 160) or (
                under_toc_heading and lines and all(is_toc_line(ln, without_leaders=True) for ln in lines)
            ):
                block.kind = "toc"
