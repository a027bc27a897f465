"""One writer at a time per index directory: an exclusive advisory lock file.

Why a lock file and not SQLite's own lock: SQLite lets a second writer wait `busy_timeout` and
then fails it with `database is locked` — after an ingest has already read and embedded its
files, and as a traceback. A writer (ingest, remove) instead takes `index/.policykb-write.lock`
with `fcntl.flock` *before* any work, writes its pid and command into it, and a second writer is
refused at once naming the holder (or waits up to `wait` seconds for it). Readers (search, the
API's snapshots, backup) never take it: WAL lets them read while one writer writes.

flock locks belong to the open file, so the kernel drops the lock when its holder dies (even by
kill -9): a stale lock file holds no lock, and its leftover text is ignored.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from policykb.errors import StoreError

LOCK_FILENAME = ".policykb-write.lock"
POLL_SECONDS = 0.1


class WriterBusyError(StoreError):
    """Another process is writing to the index (the API answers 409)."""

    status = 409


def lock_path(index_dir: str | os.PathLike) -> Path:
    return Path(index_dir) / LOCK_FILENAME


def lock_holder(index_dir: str | os.PathLike) -> dict | None:
    """What the current (or last) writer wrote into the lock file: pid, command, since."""
    try:
        return json.loads(lock_path(index_dir).read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None


@contextmanager
def write_lock(index_dir: str | os.PathLike, command: str, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the index's write lock for the block. Another holder: wait up to `wait` seconds for
    it, then raise `WriterBusyError` naming it (nothing has been changed yet)."""
    index_dir = Path(index_dir)
    from policykb.store import DiskFullError, disk_full_message, is_disk_full

    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path(index_dir), os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFullError(disk_full_message(index_dir)) from None
        raise StoreError(
            f"cannot create the write lock {lock_path(index_dir)} ({exc.strerror}); make the index "
            f"directory writable or choose another with --index-dir"
        ) from None
    try:
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriterBusyError(_busy_message(index_dir, wait)) from None
                time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
        since = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        _write_holder(fd, json.dumps({"pid": os.getpid(), "command": command, "since": since}))
        try:
            yield
        finally:
            _write_holder(fd, "")
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _write_holder(fd: int, text: str) -> None:
    """Who holds the lock, for the message a second writer gets. Only informative: on a full
    disk it may not be written, and the lock (held by the kernel, not the text) still holds."""
    try:
        os.ftruncate(fd, 0)
        if text:
            os.pwrite(fd, text.encode("utf-8"), 0)
    except OSError:
        pass


def _busy_message(index_dir: Path, wait: float) -> str:
    holder = lock_holder(index_dir) or {}
    who = f"process {holder['pid']}" if holder.get("pid") else "another process"
    if holder.get("command"):
        who += f" ({holder['command']}"
        who += f", since {holder['since']})" if holder.get("since") else ")"
    waited = f" for {wait:g} s" if wait > 0 else ""
    return (
        f"the index in {index_dir} is being written by {who}; nothing was changed{waited}: "
        f"retry when it has finished, or pass --wait SECONDS to wait for it"
    )
