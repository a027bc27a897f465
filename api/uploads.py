"""Accepting uploaded files: type checked by content, size limited, stored under generated names.

The client's file name is only ever shown back to the client; the file is written to
`uploads/<job id>/<job id>-<n>.<pdf|docx|txt|md|html>`, a name made here from a fixed set of parts.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from fastapi.concurrency import run_in_threadpool

from policykb.errors import InputError, StoreError, TooLargeError
from policykb.extract.files import STREAM_CHUNK, ContentSniffer

from policykb.api.jobs import IngestJobs, JobFileRecord, JobRecord
from policykb.api.settings import ApiSettings
TEXT_SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
METADATA_FIELDS = ("title", "kind", "publisher", "date", "identifier", "language")
_DISPLAY_NAME = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class StoredUpload:
    name: str
    path: Path
    size_bytes: int
    content_type: str  # "pdf" | "docx" | "text"
    sha256: str


def display_name(raw: str | None, n: int) -> str:
    """The client's name for the file, for messages only: its last path part, printable, short."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _DISPLAY_NAME.sub("", name).strip()[:200]
    return name or f"file {n}"


def store_upload(source: BinaryIO, client_name: str, dest_dir: Path, stem: str, *, limit: int) -> StoredUpload:
    """Copy one uploaded file into `dest_dir`, checking as it streams that it is PDF, Word (.docx) or text.

    Raises 413 (TooLargeError), 415 (UnsupportedInputError) or 400 (InputError) with a message
    naming the client's file; nothing is left behind on failure.
    """
    digest = hashlib.sha256()
    sniffer = ContentSniffer(client_name)
    tmp = dest_dir / f".{stem}.part"
    size = 0
    try:
        with open(tmp, "wb") as out:
            while True:
                chunk = source.read(STREAM_CHUNK)
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
        if content_type in ("pdf", "docx"):
            suffix = "." + content_type
        else:
            suffix = "." + TEXT_SUFFIXES.get(Path(client_name).suffix.lower(), "txt")
        final = dest_dir / f"{stem}{suffix}"
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return StoredUpload(client_name, final, size, content_type, digest.hexdigest())


async def submit_upload(uploads: list, metadata: dict[str, str], settings: ApiSettings, jobs: IngestJobs) -> JobRecord:
    """Store the uploaded files of one request (form `UploadFile`s) under a new job and queue it.

    `metadata` (any of METADATA_FIELDS) goes into a manifest beside the files. A file sent twice in
    one upload is kept once; the job record says which. The JSON API and the web page both call this."""
    job_id = secrets.token_hex(8)
    try:
        job_dir = jobs.new_job_dir(job_id)
    except OSError as exc:
        raise StoreError(
            f"cannot store uploads in {settings.uploads_dir}: {exc.strerror}; the index directory must be writable"
        ) from exc
    try:
        files = await run_in_threadpool(_store_all, uploads, job_dir, job_id, settings.max_upload_bytes)
        if metadata:
            manifest = {"documents": [{"file": f.path.name, **metadata} for f in files]}
            (job_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    except BaseException:
        shutil.rmtree(job_dir, ignore_errors=True)
        raise
    records: list[JobFileRecord] = []
    seen: set[str] = set()
    for f in files:
        duplicate = f.sha256 in seen
        seen.add(f.sha256)
        if duplicate:
            f.path.unlink(missing_ok=True)
        records.append(
            JobFileRecord(
                name=f.name,
                stored_as=str(f.path.relative_to(settings.index_dir)),
                size_bytes=f.size_bytes,
                content_type=f.content_type,
                sha256=f.sha256,
                status="duplicate" if duplicate else "queued",
            )
        )
    return jobs.submit(JobRecord(job_id=job_id, files=records))


def _store_all(uploads: list, job_dir: Path, job_id: str, limit: int) -> list[StoredUpload]:
    return [
        store_upload(item.file, display_name(item.filename, n), job_dir, f"{job_id}-{n}", limit=limit)
        for n, item in enumerate(uploads, start=1)
    ]
