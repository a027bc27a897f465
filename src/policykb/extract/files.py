"""Files before they are read: hashing, size checks, type sniffing by content, text decoding.

One rule for each, used by `extract()` on paths, by the API's upload streams (`ContentSniffer`)
and by the CLI's `--file` options (`read_text_file`): a PDF is what starts with `%PDF-`; text is
UTF-8 (with or without BOM), else Windows-1252 with almost no control characters; anything else
is refused with a message naming the file.
"""

from __future__ import annotations

import codecs
import hashlib
import os
from pathlib import Path

from policykb.config import SUPPORTED_SUFFIXES, max_file_bytes
from policykb.errors import InputError, TooLargeError, UnsupportedInputError

PDF_MAGIC = b"%PDF-"
STREAM_CHUNK = 1 << 20
# Bytes that do not occur in text (C0 controls other than tab, newlines and form feed).
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
MAX_CONTROL_RATIO = 0.01


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
            f"{path}: {_size(size)} is over the {_size(limit, 0)} limit; split the file "
            f"or raise the limit with --max-file-mb (or POLICYKB_MAX_FILE_BYTES)"
        )
    return size


def _size(n: int, decimals: int = 1) -> str:
    return f"{n / 2**20:.{decimals}f} MB" if n >= 2**20 else f"{n:,} bytes"


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


def decode_text(data: bytes, path: str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252; anything else is refused."""
    if not data:
        raise InputError(f"{path}: the file is empty (0 bytes); nothing to ingest")
    if b"\x00" in data[:8192]:
        raise UnsupportedInputError(
            f"{path}: looks like a binary file, not text; supported are PDF, .txt, .md and .html"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise InputError(
                f"{path}: not valid UTF-8 (byte {utf8_error.start}) nor Windows-1252 text; "
                f"convert it to UTF-8 (e.g. `iconv -f LATIN1 -t UTF-8`) and ingest again"
            ) from None
        if _control_ratio(text) > MAX_CONTROL_RATIO:
            raise InputError(
                f"{path}: not valid UTF-8 and does not read as Windows-1252 text either; "
                f"convert it to UTF-8 and ingest again"
            )
        return text


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return bad / len(text)


def read_text_file(path: Path, *, limit: int | None = None) -> str:
    """A whole text file given by a user (`refs --file`): size-checked and decoded by the rules above."""
    check_file(path, limit=limit)
    return decode_text(path.read_bytes(), str(path))


class ContentSniffer:
    """Decides from a stream of bytes, chunk by chunk, whether a file is a PDF or text (the rules of
    `sniff_format` and `decode_text`, for uploads that are never held whole in memory)."""

    def __init__(self, name: str):
        self.name = name
        self.head = b""
        self.kind: str | None = None
        self.utf8 = codecs.getincrementaldecoder("utf-8-sig")()
        self.cp1252 = codecs.getincrementaldecoder("cp1252")()
        self.utf8_ok = True
        self.cp1252_ok = True
        self.controls = 0
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        if self.kind is None:
            self.head += chunk[: 1024 - len(self.head)]
            if len(self.head) >= 1024 or len(chunk) < STREAM_CHUNK:
                self._decide()
        if self.kind == "text":
            self._check_text(chunk)

    def _decide(self) -> None:
        if self.head.lstrip().startswith(PDF_MAGIC):
            self.kind = "pdf"
            return
        if b"\x00" in self.head:
            raise self._unsupported()
        self.kind = "text"

    def _check_text(self, chunk: bytes) -> None:
        if b"\x00" in chunk:
            raise self._unsupported()
        self.total += len(chunk)
        self.controls += len(chunk) - len(chunk.translate(None, CONTROL_BYTES))
        if self.utf8_ok:
            try:
                self.utf8.decode(chunk)
            except UnicodeDecodeError:
                self.utf8_ok = False
        if not self.utf8_ok and self.cp1252_ok:
            try:
                self.cp1252.decode(chunk)
            except UnicodeDecodeError:
                self.cp1252_ok = False

    def finish(self) -> str:
        if self.kind is None:
            self._decide()
            if self.kind == "text":
                self._check_text(self.head)
        if self.kind == "pdf":
            return "pdf"
        if self.utf8_ok:
            try:
                self.utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                self.utf8_ok = False
        if not (self.utf8_ok or self.cp1252_ok) or (self.total and self.controls / self.total > MAX_CONTROL_RATIO):
            raise self._unsupported()
        return "text"

    def _unsupported(self) -> UnsupportedInputError:
        return UnsupportedInputError(
            f"{self.name}: neither a PDF (no %PDF- header) nor plain text (UTF-8 or Windows-1252); "
            f"upload PDF, .txt, .md or .html files — convert Word documents to PDF first"
        )
