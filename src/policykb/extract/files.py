"""Files before they are read: hashing, size checks, type sniffing by content, text decoding.

One rule for each, used by `extract()` on paths, by the API's upload streams (`ContentSniffer`)
and by the CLI's `--file` options (`read_text_file`): a PDF is what starts with `%PDF-`; a Word
document is a ZIP archive holding `word/document.xml`; text is UTF-8 (with or without BOM), else
Windows-1252 with almost no control characters. Other ZIP archives, old `.doc` files and
password-protected Word documents (both OLE compound files, the latter with an `EncryptedPackage`
stream) are refused with a message saying to save the file as .docx or PDF; so is anything else.
"""

from __future__ import annotations

import codecs
import hashlib
import os
from pathlib import Path

from policykb.config import SUPPORTED_SUFFIXES, max_file_bytes
from policykb.errors import InputError, TooLargeError, UnsupportedInputError

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCX_MAIN_PART = "word/document.xml"
# The name of the stream Office writes a password-protected document into, as an OLE directory
# entry stores it (UTF-16LE).
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
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
    if head.startswith(ZIP_MAGIC) or suffix == ".docx":
        _check_docx(path, head)
        return "docx"
    if head.startswith(OLE_MAGIC):
        raise _ole_error(str(path), _contains(path, ENCRYPTED_STREAM))
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


def _check_docx(path: Path, head: bytes) -> None:
    """A .docx is a ZIP archive with the main part `word/document.xml`; refuse anything else."""
    import zipfile

    if head.startswith(OLE_MAGIC):
        raise _ole_error(str(path), _contains(path, ENCRYPTED_STREAM))
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        raise InputError(
            f"{path}: named .docx but is not a readable Word document (damaged or truncated ZIP); "
            f"open it in Word or LibreOffice and save it again as .docx or PDF"
        ) from None
    if DOCX_MAIN_PART not in names:
        raise UnsupportedInputError(_not_word_zip(str(path)))


def _not_word_zip(name: str) -> str:
    return (
        f"{name}: a ZIP archive without {DOCX_MAIN_PART}, so not a Word document; unpack it and "
        f"ingest the files inside, or save the document as .docx or PDF"
    )


def _ole_error(name: str, encrypted: bool) -> UnsupportedInputError:
    if encrypted:
        return UnsupportedInputError(
            f"{name}: a password-protected (encrypted) Word document, which cannot be read; remove the "
            f"password in Word and save it as .docx or PDF"
        )
    return UnsupportedInputError(
        f"{name}: an old Word 97–2003 (.doc) or other Office binary file, which is not read; open it in "
        f"Word or LibreOffice and save it as .docx or PDF"
    )


def _contains(path: Path, needle: bytes) -> bool:
    """Whether the file holds `needle` anywhere, read in chunks."""
    tail = b""
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(STREAM_CHUNK), b""):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle) :]
    return False


def decode_text(data: bytes, path: str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252; anything else is refused."""
    if not data:
        raise InputError(f"{path}: the file is empty (0 bytes); nothing to ingest")
    if b"\x00" in data[:8192]:
        raise UnsupportedInputError(
            f"{path}: looks like a binary file, not text; supported are PDF, .docx, .txt, .md and .html"
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
    """Decides from a stream of bytes, chunk by chunk, whether a file is a PDF, a Word document or
    text (the rules of `sniff_format` and `decode_text`, for uploads that are never held whole in
    memory). A ZIP archive counts as Word when the name of its main part passes in the stream (every
    member's name stands in its local header and again in the central directory)."""

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
        self.tail = b""  # the end of the previous chunk, for names cut across two chunks
        self.found = False  # word/document.xml in a ZIP, EncryptedPackage in an OLE file

    def feed(self, chunk: bytes) -> None:
        if self.kind is None:
            self.head += chunk[: 1024 - len(self.head)]
            if len(self.head) >= 1024 or len(chunk) < STREAM_CHUNK:
                self._decide()
        if self.kind == "text":
            self._check_text(chunk)
        elif self.kind in ("zip", "ole") and not self.found:
            needle = DOCX_MAIN_PART.encode() if self.kind == "zip" else ENCRYPTED_STREAM
            self.found = needle in self.tail + chunk
            self.tail = chunk[-len(needle) :]

    def _decide(self) -> None:
        if self.head.lstrip().startswith(PDF_MAGIC):
            self.kind = "pdf"
            return
        if self.head.startswith(ZIP_MAGIC):
            self.kind = "zip"
            return
        if self.head.startswith(OLE_MAGIC):
            self.kind = "ole"
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
            elif self.kind in ("zip", "ole"):
                needle = DOCX_MAIN_PART.encode() if self.kind == "zip" else ENCRYPTED_STREAM
                self.found = needle in self.head
        if self.kind == "pdf":
            return "pdf"
        if self.kind == "zip":
            if not self.found:
                raise UnsupportedInputError(_not_word_zip(self.name))
            return "docx"
        if self.kind == "ole":
            raise _ole_error(self.name, self.found)
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
            f"upload PDF, .docx, .txt, .md or .html files"
        )
