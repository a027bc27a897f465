"""extract(path) -> Document: read one file into pages of blocks and footnotes, with metadata.

Dispatches by file type (checked by content, not only by name): PDF to `extract.pdf`, Word
(.docx) to `extract.docx`, text and Markdown to `extract.text`, HTML to `extract.html`. Raises `InputError` subclasses with a message
naming the file and what to do.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from policykb.extract.files import check_file, decode_text, file_sha256, sniff_format
from policykb.extract.metadata import detect_metadata
from policykb.extract.statute import looks_like_statute
from policykb.models import Document, DocumentMeta, Progress


def extract(
    path: str | os.PathLike,
    *,
    manifest: dict[str, Any] | None = None,
    doc_id: str | None = None,
    ocr: str = "auto",
    max_bytes: int | None = None,
    progress: Progress | None = None,
) -> Document:
    """Read one file into a Document. `manifest` fields (title, kind, ...) override detection."""
    path = Path(path)
    size = check_file(path, limit=max_bytes)
    fmt = sniff_format(path)
    sha = file_sha256(path)
    if fmt == "pdf":
        from policykb.extract.pdf.reader import extract_pdf_pages

        pages, warnings, pdf_info = extract_pdf_pages(path, ocr=ocr, progress=progress)
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
    opening = "\n".join(page.text for page in pages[:3])
    detected = detect_metadata(opening)
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
        title=pdf_info.get("title") or detected["title"],
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
