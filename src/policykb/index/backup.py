"""backup(index_dir, dest): a consistent copy of an index directory while readers and writers run.

The store is copied with SQLite's online backup API (`sqlite3.Connection.backup`), which copies
one committed state of the database whatever other connections do; copying the files with plain
file I/O could catch a half-written WAL, and closing descriptors of a database this process has
open would drop SQLite's locks on it. The vector files are then copied, and the copy is accepted
only when `vectors.faiss` has the checksum that both the copied `vectors.json` and the copied
store's settings name: an ingest commits the store first and swaps its vectors in right after,
so a copy taken in between is retried, never kept half old, half new. Uploads and temporary files
are left out. Restoring is pointing `--index-dir` at the copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from policykb.config import DB_FILENAME, VECTORS_FILENAME, VECTORS_META_FILENAME
from policykb.errors import InputError, StoreError
from policykb.store import Store, db_path

ATTEMPTS = 5


@dataclass
class BackupReport:
    dest: str
    files: list[str]
    size_bytes: int

    def to_dict(self) -> dict[str, object]:
        return {"dest": self.dest, "files": self.files, "size_bytes": self.size_bytes}


def backup(index_dir: str | os.PathLike, dest: str | os.PathLike) -> BackupReport:
    """Copy the index of `index_dir` into the new directory `dest` (which must not exist)."""
    index_dir, dest = Path(index_dir), Path(dest)
    Store.open(index_dir, create=False, readonly=True).close()  # a clear error when there is no index
    _check_dest(dest)
    dest.mkdir()
    try:
        for attempt in range(ATTEMPTS):
            _copy_store(index_dir, dest)
            copied = _copy_vectors(index_dir, dest)
            if _consistent(dest, copied):
                break
            time.sleep(0.1 * (attempt + 1))  # a writer is between its commit and its swap
        else:
            raise StoreError(
                f"could not take a consistent copy of {index_dir}: its vectors kept changing during "
                f"{ATTEMPTS} attempts; try again when the ingest running on it has finished"
            )
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    files = sorted(p.name for p in dest.iterdir())
    return BackupReport(str(dest), files, index_size(dest))


def index_size(index_dir: str | os.PathLike) -> int:
    """Bytes on disk of an index: the store (with its WAL) and the vector files, not uploads."""
    total = 0
    for item in Path(index_dir).iterdir():
        if item.is_file() and (item.name.startswith(DB_FILENAME) or item.name in (VECTORS_FILENAME, VECTORS_META_FILENAME)):
            total += item.stat().st_size
    return total


def _check_dest(dest: Path) -> None:
    if dest.exists():
        raise InputError(f"{dest} already exists; give a new directory for the backup (it is never overwritten)")
    parent = dest.parent if str(dest.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{parent} does not exist; create it first or give another place for the backup")
    if not os.access(parent, os.W_OK):
        raise InputError(f"{parent} is not writable; give a backup destination where you may write")


def _copy_store(index_dir: Path, dest: Path) -> None:
    target = db_path(dest)
    for stale in dest.glob(f"{DB_FILENAME}*"):
        stale.unlink()
    source = sqlite3.connect(f"{db_path(index_dir).resolve().as_uri()}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.execute("PRAGMA busy_timeout = 10000")
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as exc:
        raise StoreError(f"could not copy the store of {index_dir}: {exc}; check the disk and try again") from exc
    finally:
        copy.close()
        source.close()


def _copy_vectors(index_dir: Path, dest: Path) -> dict[str, bytes]:
    """The vector files as read (json first: a writer replaces the faiss file first, the json
    second, so a json read before the faiss file is never newer than it)."""
    copied: dict[str, bytes] = {}
    for name in (VECTORS_META_FILENAME, VECTORS_FILENAME):
        try:
            copied[name] = (index_dir / name).read_bytes()
        except FileNotFoundError:
            continue
        (dest / name).write_bytes(copied[name])
    return copied


def _consistent(dest: Path, copied: dict[str, bytes]) -> bool:
    conn = sqlite3.connect(db_path(dest))
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = 'vectors_checksum'").fetchone()
    finally:
        conn.close()
    expected = row[0] if row else None
    if VECTORS_FILENAME not in copied or VECTORS_META_FILENAME not in copied:
        return expected is None  # no vectors yet, and the store expects none
    checksum = hashlib.sha256(copied[VECTORS_FILENAME]).hexdigest()
    try:
        named = json.loads(copied[VECTORS_META_FILENAME]).get("checksum")
    except ValueError:
        return False
    return checksum == named == expected
