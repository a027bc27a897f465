"""The index as the API serves it: one consistent snapshot at a time, swapped whole.

A snapshot is a set of read connections to the store, each holding a read transaction begun
at the same moment, plus the searcher (FAISS vectors and lexical index) opened at that moment.
Every request works on one snapshot from start to end, so a request running while an ingest
commits keeps seeing the corpus as it was: old or new, never a mix of the two.

When the store changes (an upload's ingest finished, or someone ran `policykb ingest` on the
same directory) a new snapshot is opened beside the old one and swapped in with one reference
assignment; the old one closes when its last request has finished.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from policykb.config import VECTORS_META_FILENAME
from policykb.errors import StoreError
from policykb.store import Store, db_path

log = logging.getLogger("policykb.api")

NO_INDEX_MESSAGE = (
    "no index at {index_dir}/ yet: upload documents with POST /documents, or run "
    "`policykb ingest PATH --index-dir {index_dir}` and the API picks it up"
)
# How often a request may trigger a check for changes made by another process.
CHANGE_CHECK_INTERVAL = 1.0


class IndexSnapshot:
    """Store connections pinned to one committed state of the store, and the searcher beside them."""

    def __init__(self, index_dir: Path, generation: int, stores: list[Store], searcher: Any, fingerprint: tuple):
        self.index_dir = index_dir
        self.generation = generation
        self.searcher = searcher
        self.fingerprint = fingerprint
        self.opened_at = time.time()
        self._free: queue.LifoQueue[Store] = queue.LifoQueue()
        for store in stores:
            self._free.put(store)
        self._stores = stores
        self._users = 0
        self._retired = False
        self._lock = threading.Lock()

    @property
    def has_store(self) -> bool:
        return bool(self._stores)

    @classmethod
    def empty(cls, index_dir: Path, generation: int) -> IndexSnapshot:
        return cls(index_dir, generation, [], None, ())

    @classmethod
    def open(cls, index_dir: Path, generation: int, *, connections: int) -> IndexSnapshot:
        if not db_path(index_dir).exists():
            return cls.empty(index_dir, generation)
        for _attempt in range(5):
            stores = [_pinned_store(index_dir) for _ in range(max(1, connections))]
            prints = {_fingerprint(s) for s in stores}
            if len(prints) == 1:
                break
            # A writer committed while the connections were being opened: try again.
            for s in stores:
                s.close()
        else:
            raise StoreError(f"the store in {index_dir} kept changing while being opened; try again shortly")
        try:
            searcher = open_searcher(index_dir, stores[0])
        except BaseException:
            for s in stores:
                s.close()
            raise
        return cls(index_dir, generation, stores, searcher, prints.pop())

    # -- use by requests ---------------------------------------------------------------------

    def acquire(self) -> bool:
        with self._lock:
            if self._retired:
                return False
            self._users += 1
            return True

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            close_now = self._retired and self._users == 0
        if close_now:
            self._close()

    def retire(self) -> None:
        """No new requests; close as soon as the running ones are done."""
        with self._lock:
            self._retired = True
            close_now = self._users == 0
        if close_now:
            self._close()

    @contextmanager
    def store(self, timeout: float) -> Iterator[Store]:
        """A read connection of this snapshot, for the duration of the block."""
        if not self._stores:
            raise StoreError(NO_INDEX_MESSAGE.format(index_dir=self.index_dir))
        try:
            store = self._free.get(timeout=timeout)
        except queue.Empty:
            raise BusyError(
                "all read connections are busy; the server is overloaded, retry in a moment"
            ) from None
        try:
            yield store
        finally:
            self._free.put(store)

    def _close(self) -> None:
        for store in self._stores:
            try:
                store.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            store.close()
        close = getattr(self.searcher, "close", None)
        if callable(close):
            close()
        log.debug("closed index snapshot %d", self.generation)


class BusyError(StoreError):
    status = 503


class AppState:
    """The current snapshot of the index and how to replace it."""

    def __init__(self, index_dir: Path, *, read_connections: int):
        self.index_dir = Path(index_dir)
        self.read_connections = read_connections
        self._generation = 0
        self._current: IndexSnapshot = IndexSnapshot.empty(self.index_dir, 0)
        self._swap_lock = threading.Lock()
        self._check_lock = threading.Lock()
        self._last_check = 0.0
        self._refreshing = False
        self._seen_change_marks: tuple | None = None
        self.last_error: str | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def open(self) -> None:
        self.refresh()

    def close(self) -> None:
        with self._swap_lock:
            old, self._current = self._current, IndexSnapshot.empty(self.index_dir, self._generation)
        old.retire()

    def refresh(self) -> IndexSnapshot:
        """Open a new snapshot of the index as it is now and swap it in (the old one drains)."""
        with self._swap_lock:
            marks = _change_marks(self.index_dir)
            self._generation += 1
            try:
                new = IndexSnapshot.open(self.index_dir, self._generation, connections=self.read_connections)
            except Exception as exc:
                # Keep serving the previous snapshot; /health reports the problem.
                self.last_error = str(exc)
                log.warning("could not open the index in %s: %s", self.index_dir, exc)
                raise
            self.last_error = None
            after = _change_marks(self.index_dir)
            # Opening may itself touch the files (a first reader creates the WAL file); only a
            # commit after the connections were pinned must lead to another refresh.
            if after != marks and new.has_store and _current_fingerprint(self.index_dir) == new.fingerprint:
                marks = after
            self._seen_change_marks = marks
            old, self._current = self._current, new
        old.retire()
        log.info("serving index snapshot %d of %s", new.generation, self.index_dir)
        return new

    @contextmanager
    def snapshot(self) -> Iterator[IndexSnapshot]:
        """The current snapshot, held for the duration of the block."""
        self._maybe_pick_up_changes()
        while True:
            snap = self._current
            if snap.acquire():
                break
            # Retired between the read and the acquire: the next read gives the new one.
        try:
            yield snap
        finally:
            snap.release()

    @property
    def current(self) -> IndexSnapshot:
        return self._current

    # -- changes made by other processes ------------------------------------------------------

    def _maybe_pick_up_changes(self) -> None:
        now = time.monotonic()
        if now - self._last_check < CHANGE_CHECK_INTERVAL or self._refreshing:
            return
        with self._check_lock:
            if now - self._last_check < CHANGE_CHECK_INTERVAL:
                return
            self._last_check = now
            marks = _change_marks(self.index_dir)
            if marks == self._seen_change_marks:
                return
            self._refreshing = True
        threading.Thread(target=self._refresh_in_background, name="policykb-refresh", daemon=True).start()

    def _refresh_in_background(self) -> None:
        try:
            self.refresh()
        except Exception:  # already logged and kept in last_error; the old snapshot stays
            # Do not retry at every request: wait for the files to change again.
            self._seen_change_marks = _change_marks(self.index_dir)
        finally:
            self._refreshing = False


def _change_marks(index_dir: Path) -> tuple:
    """Cheap signs that another process changed the index: sizes and times of its files."""
    marks = []
    for name in (db_path(index_dir).name, db_path(index_dir).name + "-wal", VECTORS_META_FILENAME):
        try:
            st = (index_dir / name).stat()
            marks.append((name, st.st_mtime_ns, st.st_size))
        except OSError:
            marks.append((name, None, None))
    return tuple(marks)


def _pinned_store(index_dir: Path) -> Store:
    store = Store.open(index_dir, create=False, readonly=True)
    # A read transaction keeps this connection on the state committed at this moment.
    store.conn.execute("BEGIN")
    _fingerprint(store)
    return store


def _current_fingerprint(index_dir: Path) -> tuple | None:
    try:
        with Store.open(index_dir, create=False, readonly=True) as store:
            return _fingerprint(store)
    except StoreError:
        return None


def _fingerprint(store: Store) -> tuple:
    return tuple(
        store.conn.execute(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM passages), "
            "(SELECT coalesce(max(passage_id), 0) FROM passages), (SELECT count(*) FROM refs)"
        ).fetchone()
    )


def open_searcher(index_dir: Path, store: Store) -> Any:
    """The search engine over this snapshot, or None while the index has no passages yet."""
    import importlib.util

    if importlib.util.find_spec("policykb.search") is None:
        return None
    from policykb.search import Searcher

    return Searcher.open(index_dir)
