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
from policykb.errors import PolicyKBError, StoreError
from policykb.store import Store, db_path

log = logging.getLogger("policykb.api")

# No path in it: a client is not told where the server keeps its files (errors.public_message).
NO_INDEX_MESSAGE = (
    "no index yet: upload documents with POST /documents, or run `policykb ingest PATH --index-dir DIR` "
    "on the server with the directory this API serves, and the API picks it up"
)
# How often a request may trigger a check for changes made by another process.
CHANGE_CHECK_INTERVAL = 1.0
# Opening search on a snapshot is retried this often, this far apart (an ingest may be between
# committing its store and swapping in its vectors).
SEARCH_OPEN_ATTEMPTS = 5
SEARCH_OPEN_PAUSE = 0.3


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
        self.search_error: str | None = None
        self.vectors_stamp: tuple | None = None

    @property
    def has_store(self) -> bool:
        return bool(self._stores)

    @classmethod
    def empty(cls, index_dir: Path, generation: int) -> IndexSnapshot:
        return cls(index_dir, generation, [], None, ())

    @classmethod
    def open(
        cls,
        index_dir: Path,
        generation: int,
        *,
        connections: int,
        embedders: dict[str, Any] | None = None,
        require_search: bool = False,
    ) -> IndexSnapshot:
        """Pin `connections` read connections to the store as it is now and open search on them.

        When search cannot be opened (no vectors yet, or an ingest between its store commit
        and its vectors swap) this retries briefly; then, with `require_search`, it fails (the
        caller keeps its previous snapshot), else it serves without search and says why.
        """
        if not db_path(index_dir).exists():
            return cls.empty(index_dir, generation)
        search_error = None
        for attempt in range(SEARCH_OPEN_ATTEMPTS):
            stores = _pinned_stores(index_dir, connections)
            try:
                searcher = open_searcher(index_dir, stores[0], embedders if embedders is not None else {})
                # Stale vectors: an ingest between its store commit and its swap is over in a
                # moment, so wait for it; one killed there stays stale, and is served lexically.
                if getattr(searcher, "vectors_state", "current") != "current" and attempt + 1 < SEARCH_OPEN_ATTEMPTS:
                    for s in stores:
                        s.close()
                    time.sleep(SEARCH_OPEN_PAUSE)
                    continue
                break
            except PolicyKBError as exc:
                search_error = str(exc)
                for s in stores:
                    s.close()
                if attempt + 1 < SEARCH_OPEN_ATTEMPTS:
                    time.sleep(SEARCH_OPEN_PAUSE)
            except BaseException:
                for s in stores:
                    s.close()
                raise
        else:
            if require_search:
                raise StoreError(f"search over {index_dir} cannot be opened: {search_error}")
            stores, searcher = _pinned_stores(index_dir, connections), None
        snapshot = cls(index_dir, generation, stores, searcher, _fingerprint(stores[0]))
        snapshot.search_error = None if searcher is not None else search_error
        return snapshot

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
            raise StoreError(NO_INDEX_MESSAGE)
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
        # Query embedders by model id, shared by successive snapshots (loaded once, kept warm).
        self.embedders: dict[str, Any] = {}

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
                new = IndexSnapshot.open(
                    self.index_dir, self._generation, connections=self.read_connections,
                    embedders=self.embedders,
                    # Never trade a snapshot that can search for one that cannot.
                    require_search=self._current.searcher is not None,
                )
            except Exception as exc:
                # Keep serving the previous snapshot; /health reports the problem.
                self.last_error = str(exc)
                log.warning("could not open the index in %s: %s", self.index_dir, exc)
                raise
            self.last_error = None
            new.vectors_stamp = _vectors_stamp(marks)
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
            marks = _change_marks(self.index_dir)
            current = self._current
            if (
                current.has_store
                and _current_fingerprint(self.index_dir) == current.fingerprint
                and _vectors_stamp(marks) == current.vectors_stamp
            ):
                # Files moved but nothing was committed (a long ingest spilling into its WAL,
                # a checkpoint): the snapshot is still current.
                self._seen_change_marks = marks
                return
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


def _pinned_stores(index_dir: Path, connections: int) -> list[Store]:
    """`connections` connections, each in a read transaction, all on the same committed state."""
    for _attempt in range(5):
        stores = [_pinned_store(index_dir) for _ in range(max(1, connections))]
        if len({_fingerprint(s) for s in stores}) == 1:
            return stores
        # A writer committed while the connections were being opened: try again.
        for s in stores:
            s.close()
    raise StoreError(f"the store in {index_dir} kept changing while being opened; try again shortly")


def _pinned_store(index_dir: Path) -> Store:
    store = Store.open(index_dir, create=False, readonly=True)
    # A read transaction keeps this connection on the state committed at this moment.
    store.conn.execute("BEGIN")
    _fingerprint(store)
    return store


def _vectors_stamp(marks: tuple) -> tuple | None:
    return next((m for m in marks if m[0] == VECTORS_META_FILENAME), None)


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
            "(SELECT coalesce(max(passage_id), 0) FROM passages), (SELECT count(*) FROM refs), "
            "(SELECT total(rowid) FROM documents), (SELECT coalesce(max(ingested_at), '') FROM documents)"
        ).fetchone()
    )


def open_searcher(index_dir: Path, store: Store, embedders: dict[str, Any]) -> Any:
    """Search over the snapshot `store` belongs to, or None while the index has no passages."""
    if store.conn.execute("SELECT count(*) FROM passages").fetchone()[0] == 0:
        return None
    from policykb.index.embed import load_embedder

    from policykb.api.snapshot_search import SnapshotSearcher

    model = _setting(store, "embedding_model")
    embedder = embedders.get(model or "")
    if embedder is None:
        embedder = load_embedder(model)
        embedders[model or ""] = embedder
    return SnapshotSearcher(index_dir, store.conn, embedder=embedder)


def _setting(store: Store, key: str) -> str | None:
    try:
        return store.setting(key)
    except sqlite3.Error:
        return None
