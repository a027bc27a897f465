"""extract(path) -> Document: read one file into pages of blocks and footnotes, with metadata.

Dispatches by file type (checked by content, not only by name): PDF to `extract.pdf`, text and
Markdown to `extract.text`, HTML to `extract.html`. Raises `InputError` subclasses with a message
naming the file and what to do.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import SUPPORTED_SUFFIXES, max_file_bytes
from ..errors import InputError, TooLargeError, UnsupportedInputError
from ..models import Document, DocumentMeta
from .metadata import detect_metadata

ProgressCallback = Callable[[str, int, int], None]

PDF_MAGIC = b"%PDF-"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_file(path: Path, *, limit: int | None = None) -> int:
    """Size and readability checks before any parsing; returns the size in bytes."""
    limit = max_file_bytes() if limit is None else limit
    if not path.exists():
        raise InputError(f"{path}: no such file or directory; check the path")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied; make the file readable")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: the file is empty (0 bytes); nothing to ingest")
    if size > limit:
        raise TooLargeError(
            f"{path}: {size / 2**20:.1f} MB is over the {limit / 2**20:.0f} MB limit; split the file "
            f"or raise the limit with --max-file-mb (or POLICYKB_MAX_FILE_BYTES)"
        )
    return size


def sniff_format(path: Path) -> str:
    """'pdf', 'md', 'html' or 'txt', from the first bytes and then the suffix."""
    with open(path, "rb") as fh:
        head = fh.read(1024)
    suffix = path.suffix.lower()
    if head.lstrip().startswith(PDF_MAGIC):
        return "pdf"
    if suffix == ".pdf":
        raise InputError(
            f"{path}: named .pdf but is not a PDF (no %PDF header; truncated or another format); "
            f"re-download or re-export it"
        )
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedInputError(
            f"{path}: unsupported file type '{suffix or 'no suffix'}'; supported are "
            f"{', '.join(sorted(SUPPORTED_SUFFIXES))}"
        )
    if suffix in {".html", ".htm"}:
        return "html"
    return "md" if suffix == ".md" else "txt"


def extract(
    path: str | os.PathLike,
    *,
    manifest: dict[str, Any] | None = None,
    doc_id: str | None = None,
    ocr: str = "auto",
    max_bytes: int | None = None,
    progress: ProgressCallback | None = None,
) -> Document:
    """Read one file into a Document. `manifest` fields (title, kind, ...) override detection."""
    path = Path(path)
    size = check_file(path, limit=max_bytes)
    fmt = sniff_format(path)
    sha = file_sha256(path)
    if fmt == "pdf":
        from .pdf import extract_pdf_pages

        pages, warnings, pdf_info = extract_pdf_pages(path, ocr=ocr, progress=progress)
    else:
        from .text import decode_text

        text = decode_text(path.read_bytes(), str(path))
        warnings, pdf_info = [], {}
        if fmt == "html":
            from .html import parse_html_pages

            pages = parse_html_pages(text)
        else:
            from .text import parse_text_pages

            pages = parse_text_pages(text, markdown=fmt == "md")
    opening = "\n".join(page.text for page in pages[:3])
    detected = detect_metadata(opening)
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
        date=detected["date"] or pdf_info.get("date"),
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
