"""Keeping a folder and the index in step by polling it (network shares send no change events).

`FolderWatcher.poll()` looks at the folder once and acts on what has settled:

- a new or changed file is ingested once its size and modification time have been the same on
  `stable_polls` consecutive polls (default two), so a file still being copied in — growing between
  polls — is not read half-written;
- a file that fails (unreadable, not really a PDF) is reported once and not tried again until it
  changes; the others go on;
- a document whose file has been gone for `stable_polls` polls is removed from the index (an editor
  that saves by delete-and-rename brings the file back within a poll), unless `keep_deleted`;
- another process writing the index (`WriterBusyError`) or any other user error of the ingest is
  reported and the same files are tried at the next poll.

What "ingest" and "remove" mean is passed in (`policykb.ingest.watch` passes the real ones: the
ingest sits above this package in the house), as is the clock-free loop: `run` sleeps with the
`sleep` it is given between polls and ends cleanly on KeyboardInterrupt (Ctrl-C, SIGTERM), never in
the middle of a write, whose transaction would roll back anyway.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policykb.config import SUPPORTED_SUFFIXES
from policykb.errors import PolicyKBError

Signature = tuple[int, int]  # (size, mtime in ns)
Event = dict[str, Any]
# Skipped in the folder: hidden files, partial downloads, Office lock files, the folder's README.
SKIPPED_PREFIXES = (".", "~$")
SKIPPED_NAMES = {"readme.md", "readme.txt", "readme"}


@dataclass
class WatchActions:
    """What the watcher does with what it finds (see module doc)."""

    # ingest(paths) -> ({resolved path: (status, doc id or failure message)}, warnings), the status
    # being "ingested", "unchanged" or "failed"
    ingest: Callable[[list[Path]], tuple[dict[str, tuple[str, str]], list[str]]]
    # remove(doc ids)
    remove: Callable[[list[str]], None]
    # stored() -> {resolved path: doc id} of the documents whose file lies in the folder
    stored: Callable[[], dict[str, str]]


@dataclass
class WatchSummary:
    polls: int = 0
    ingested: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"polls": self.polls, "ingested": self.ingested, "removed": self.removed, "failed": self.failed}


class FolderWatcher:
    def __init__(self, folder: str | os.PathLike, actions: WatchActions, *, keep_deleted: bool = False,
                 stable_polls: int = 2, on_event: Callable[[Event], None] | None = None):
        self.folder = Path(folder)
        self.actions = actions
        self.keep_deleted = keep_deleted
        self.stable_polls = max(1, stable_polls)
        self.on_event = on_event or (lambda event: None)
        self.summary = WatchSummary()
        self._seen: dict[str, tuple[Signature, int]] = {}  # path → (signature, polls it has held)
        self._handled: dict[str, Signature] = {}  # path → the version last given to the ingest
        self._missing: dict[str, int] = {}  # stored path → polls it has been missing

    def _event(self, kind: str, message: str, **extra: Any) -> None:
        self.on_event({"event": kind, "message": message, **extra})

    def scan(self) -> dict[str, Signature]:
        """The supported files in the folder (recursively) with their size and modification time."""
        found: dict[str, Signature] = {}
        for root, dirs, files in os.walk(self.folder):
            dirs[:] = [d for d in dirs if not d.startswith(SKIPPED_PREFIXES)]
            for name in files:
                if name.startswith(SKIPPED_PREFIXES) or name.lower() in SKIPPED_NAMES:
                    continue
                if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
                    continue
                path = Path(root) / name
                try:
                    st = path.stat()
                except OSError:
                    continue  # deleted between the listing and the stat
                found[str(path.resolve())] = (st.st_size, st.st_mtime_ns)
        return found

    def poll(self) -> WatchSummary:
        if not self.folder.is_dir():
            from policykb.errors import InputError

            raise InputError(f"{self.folder}: not a folder (was it unmounted or moved?); give the folder to watch")
        self.summary.polls += 1
        files = self.scan()
        ready: list[str] = []
        for path, signature in files.items():
            previous = self._seen.get(path)
            held = previous[1] + 1 if previous is not None and previous[0] == signature else 1
            self._seen[path] = (signature, held)
            if self._handled.get(path) == signature:
                continue
            if held >= self.stable_polls and signature[0] > 0:
                ready.append(path)
            elif held == 1:
                self._event("waiting", f"{_short(path)}: changed; ingested once its size holds", path=path)
        for path in list(self._seen):
            if path not in files:
                del self._seen[path]
                self._handled.pop(path, None)
        if ready:
            self._ingest(sorted(ready), files)
        self._remove_deleted(files)
        return self.summary

    def _ingest(self, paths: list[str], files: dict[str, Signature]) -> None:
        try:
            results, warnings = self.actions.ingest([Path(p) for p in paths])
        except PolicyKBError as exc:
            # Another writer, a full disk, a read-only index: nothing of it was stored; try again next poll.
            self._event("error", f"{exc}; will try again at the next poll", paths=paths)
            return
        for message in warnings:
            self._event("warning", message)
        for path in paths:
            self._handled[path] = files[path]
            status, detail = results.get(path, ("failed", f"{_short(path)}: the ingest did not report this file"))
            if status == "failed":
                self.summary.failed.append(path)
                self._event("failed", detail, path=path)
            elif status == "ingested":
                self.summary.ingested.append(detail)
                self._event("ingested", f"{_short(path)}: ingested as {detail}", path=path, doc_id=detail)
            else:
                self._event("unchanged", f"{_short(path)}: already in the index as {detail}", path=path, doc_id=detail)

    def _remove_deleted(self, files: dict[str, Signature]) -> None:
        if self.keep_deleted:
            return
        stored = self.actions.stored()
        gone = []
        for path, doc_id in stored.items():
            if path in files:
                self._missing.pop(path, None)
                continue
            self._missing[path] = self._missing.get(path, 0) + 1
            if self._missing[path] >= self.stable_polls:
                gone.append((path, doc_id))
        if not gone:
            return
        try:
            self.actions.remove([doc_id for _, doc_id in gone])
        except PolicyKBError as exc:
            self._event("error", f"{exc}; will try again at the next poll")
            return
        for path, doc_id in gone:
            self._missing.pop(path, None)
            self.summary.removed.append(doc_id)
            self._event("removed", f"{_short(path)}: deleted from the folder; document {doc_id} removed",
                        path=path, doc_id=doc_id)

    def run(self, interval: float, *, sleep: Callable[[float], None] = time.sleep,
            max_polls: int | None = None) -> WatchSummary:
        """Poll every `interval` seconds until Ctrl-C (KeyboardInterrupt) or `max_polls` polls."""
        try:
            while True:
                self.poll()
                if max_polls is not None and self.summary.polls >= max_polls:
                    break
                sleep(interval)
        except KeyboardInterrupt:
            self._event("stopped", f"stopped after {self.summary.polls} poll(s)")
        return self.summary


def _short(path: str) -> str:
    return Path(path).name
