"""Passage search bound to one index snapshot.

`policykb.query.search.Searcher` opens a connection per thread and reloads the FAISS vectors when an
ingest swaps in new ones: right for a CLI process, but in a server it would let one request
read the new store beside the old vectors (or fail on the mismatch) while an ingest commits.
Here the searcher runs its SQL on the request's pinned connection and keeps the vectors it
loaded with the snapshot, so each search sees one consistent corpus.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from policykb.errors import ModelError, StoreError
from policykb.query.search import Searcher


class SnapshotSearcher(Searcher):
    def __init__(self, index_dir: Path, conn: Any, *, embedder: Any = None):
        self._request = threading.local()
        self._request.conn = conn
        self._snapshot_vectors: Any = None
        self._vectors_error: Exception | None = None
        super().__init__(index_dir, embedder=embedder)
        # Load and check the vectors against the pinned store now. A mismatch (an ingest between
        # its store commit and its vectors swap, or one killed there) leaves this snapshot
        # lexical-only: every search answers with a warning until an ingest repairs the vectors.
        try:
            self._snapshot_vectors = super().vector_index()
        except (StoreError, ModelError) as exc:
            self._vectors_error = exc
        self._request.conn = None

    @contextmanager
    def using(self, conn: Any) -> Iterator[SnapshotSearcher]:
        """Search on `conn` (a pinned connection of the snapshot) for the duration of the block."""
        previous = getattr(self._request, "conn", None)
        self._request.conn = conn
        try:
            yield self
        finally:
            self._request.conn = previous

    def connection(self):  # noqa: ANN202
        conn = getattr(self._request, "conn", None)
        return conn if conn is not None else super().connection()

    def vector_index(self):  # noqa: ANN202
        if self._vectors_error is not None:
            raise self._vectors_error  # stale for this snapshot: `usable_vectors` falls back to lexical
        return self._snapshot_vectors if self._snapshot_vectors is not None else super().vector_index()

    @property
    def vectors_state(self) -> str:
        from policykb.index.vectors import VECTORS_CURRENT, VECTORS_STALE

        return VECTORS_STALE if self._vectors_error is not None else VECTORS_CURRENT

    @property
    def embedder(self) -> Any:
        return self._embedder

    def vectors_info(self) -> dict[str, Any]:
        if self._snapshot_vectors is None:
            return {"state": self.vectors_state}
        meta = self._snapshot_vectors.meta
        return {"state": self.vectors_state, "model": meta.model_id, "dimension": meta.dimension,
                "count": meta.count, "index_type": meta.index_type}
