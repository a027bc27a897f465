"""Accepting uploaded files: type checked by content, size limited, stored under generated names.

The client's file name is only ever shown back to the client; the file is written to
`uploads/<job id>/<job id>-<n>.<pdf|txt|md|html>`, a name made here from a fixed set of parts.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from policykb.errors import InputError, TooLargeError, UnsupportedInputError

PDF_MAGIC = b"%PDF-"
CHUNK = 1 << 20
# Bytes that do not occur in text (C0 controls other than tab, newlines and form feed).
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
MAX_CONTROL_RATIO = 0.01
TEXT_SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
METADATA_FIELDS = ("title", "kind", "publisher", "date", "identifier", "language")
_DISPLAY_NAME = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class StoredUpload:
    name: str
    path: Path
    size_bytes: int
    content_type: str  # "pdf" | "text"
    sha256: str


def display_name(raw: str | None, n: int) -> str:
    """The client's name for the file, for messages only: its last path part, printable, short."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _DISPLAY_NAME.sub("", name).strip()[:200]
    return name or f"file {n}"


def store_upload(source: BinaryIO, client_name: str, dest_dir: Path, stem: str, *, limit: int) -> StoredUpload:
    """Copy one uploaded file into `dest_dir`, checking as it streams that it is PDF or text.

    Raises 413 (TooLargeError), 415 (UnsupportedInputError) or 400 (InputError) with a message
    naming the client's file; nothing is left behind on failure.
    """
    digest = hashlib.sha256()
    sniffer = _ContentSniffer(client_name)
    tmp = dest_dir / f".{stem}.part"
    size = 0
    try:
        with open(tmp, "wb") as out:
            while True:
                chunk = source.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise TooLargeError(
                        f"{client_name}: larger than the {limit / 2**20:.0f} MB upload limit; split the file "
                        f"or ask the administrator to raise it (policykb serve --max-upload-mb)"
                    )
                sniffer.feed(chunk)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise InputError(f"{client_name}: the file is empty (0 bytes); nothing to ingest")
        content_type = sniffer.finish()
        suffix = ".pdf" if content_type == "pdf" else "." + TEXT_SUFFIXES.get(Path(client_name).suffix.lower(), "txt")
        final = dest_dir / f"{stem}{suffix}"
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return StoredUpload(client_name, final, size, content_type, digest.hexdigest())


class _ContentSniffer:
    """Decides from the bytes whether a file is a PDF or text (UTF-8 or Windows-1252)."""

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
            if len(self.head) >= 1024 or len(chunk) < CHUNK:
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
