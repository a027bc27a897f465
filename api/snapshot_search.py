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

from policykb.query.search import Searcher


class SnapshotSearcher(Searcher):
    def __init__(self, index_dir: Path, conn: Any, *, embedder: Any = None):
        self._request = threading.local()
        self._request.conn = conn
        self._snapshot_vectors: Any = None
        super().__init__(index_dir, embedder=embedder)
        # Load and check the vectors against the pinned store now: a mismatch (an ingest
        # between its store commit and its vectors swap) fails the snapshot, not a request.
        self._snapshot_vectors = super().vector_index()
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
        return self._snapshot_vectors if self._snapshot_vectors is not None else super().vector_index()

    @property
    def embedder(self) -> Any:
        return self._embedder

    def vectors_info(self) -> dict[str, Any]:
        meta = self._snapshot_vectors.meta
        return {"model": meta.model_id, "dimension": meta.dimension, "count": meta.count, "index_type": meta.index_type}
