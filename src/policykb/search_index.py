"""The search side of an ingest: vocabulary, FTS5 rows, embeddings and the FAISS index.

Called by `ingest.ingest` inside its write transaction, after the documents are stored:

1. the new documents' words join the corpus vocabulary (`lexicon`), so compounds in them are
   split with a vocabulary that already includes them;
2. their passages are analysed into `passage_fts`;
3. their passages are embedded (only texts the `embedding_cache` has not seen for this model);
4. the FAISS index over *all* passages is written to temporary files, and its checksum and model
   recorded in `settings` in the same transaction. The caller swaps the files in after the
   commit (`PreparedVectors.commit()`), so a crash at any point leaves either the old state or
   a state the next ingest repairs (vectors that do not match the store are rebuilt).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from . import lexical
from .config import VECTORS_META_FILENAME
from .embed import DEFAULT_MODEL, Embedder, load_embedder, passage_vectors
from .store import Store

Progress = Callable[[str, int, int, str], None]


def embedding_input(title: str | None, heading: str, text: str) -> str:
    """What a passage's vector is computed from: its own text.

    Putting the title and heading path in front was measured on the dev queries (hybrid nDCG@10
    0.534 with, 0.551 without, at the same passages) and costs ~15% more tokens; the heading
    path reaches the lexical side through the FTS `context` column instead."""
    del title, heading
    return text


def setting(store: Store, key: str) -> str | None:
    row = store.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_setting(store: Store, key: str, value: str) -> None:
    store.conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


@dataclass
class SearchIndexReport:
    embedded: int = 0  # passages that had to be embedded (the rest came from the cache)
    indexed: int = 0  # passages analysed into FTS5
    vectors: int = 0  # passages in the new FAISS index (0: the old one is still valid)
    model: str = ""
    tokens: int = 0


class SearchIndexer:
    """Keeps the lexical and dense indexes of one store in step with its passages."""

    def __init__(self, store: Store, *, model: str | None = None, embedder: Embedder | None = None):
        self.store = store
        self.current_model = setting(store, "embedding_model")
        self.model = (embedder.model_id if embedder is not None else None) or model or self.current_model or DEFAULT_MODEL
        self._embedder = embedder
        if model is not None and embedder is None:
            self.embedder()  # an explicit --model is checked before any work is done

    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = load_embedder(self.model)
            self.model = self._embedder.model_id
        return self._embedder

    def forget(self, doc_id: str) -> None:
        """Before a stored document is replaced: take its words out of the vocabulary."""
        lexical.forget_document(self.store.conn, doc_id)

    def update(self, doc_ids: Sequence[str], progress: Progress | None = None) -> tuple[SearchIndexReport, Any]:
        """Index the (new or replaced) documents `doc_ids`, and prepare the vectors of the whole
        store when anything changed. Returns the report and the `PreparedVectors` to commit
        after the transaction (or None when the live vectors are still right)."""
        conn = self.store.conn
        report = SearchIndexReport(model=self.model)

        def tick(stage: str, done: int, total: int, item: str = "") -> None:
            if progress is not None:
                progress(stage, done, total, item)

        rows = self._passages(doc_ids)
        if rows:
            lexical.add_vocabulary(conn, lexical.vocabulary(r["text"] for r in rows))
        # Passages the FTS index lacks (new ones, and any left by an index built before FTS).
        missing_fts = self._passages_without_fts()
        if missing_fts:
            analyzer = lexical.Lexicon(lambda: conn).analyzer()
            total = len(missing_fts)
            for start in range(0, total, 500):
                batch = missing_fts[start : start + 500]
                lexical.index_passages(
                    conn,
                    analyzer,
                    [
                        lexical.PassageText(
                            r["passage_id"],
                            r["text"],
                            lexical.passage_context(r["title"], json.loads(r["heading_path"] or "[]")),
                        )
                        for r in batch
                    ],
                )
                tick("index", min(start + 500, total), total, "")
            report.indexed = total

        model_changed = self.current_model is not None and self.current_model != self.model
        if not doc_ids and not missing_fts and not model_changed and self._vectors_current():
            return report, None

        from .vectors import prepare_vectors

        every = self._passages(None)
        inputs = [embedding_input(r["title"], r["heading"], r["text"]) for r in every]
        embedder = self.embedder()
        vectors, embedded = passage_vectors(
            conn, embedder, inputs, progress=lambda done, total: tick("embed", done, total, "")
        )
        report.embedded = embedded
        report.vectors = len(every)
        report.model = embedder.model_id
        prepared = prepare_vectors(self.store.index_dir, vectors, [r["passage_id"] for r in every], embedder.model_id)
        set_setting(self.store, "embedding_model", embedder.model_id)
        set_setting(self.store, "vectors_checksum", prepared.meta.checksum)
        return report, prepared

    def _passages(self, doc_ids: Sequence[str] | None) -> list[Any]:
        sql = (
            "SELECT p.passage_id, p.text, p.heading, p.heading_path, d.title FROM passages p "
            "JOIN documents d ON d.doc_id = p.doc_id"
        )
        if doc_ids is None:
            return self.store.conn.execute(sql + " ORDER BY p.passage_id").fetchall()
        if not doc_ids:
            return []
        marks = ",".join("?" * len(doc_ids))
        return self.store.conn.execute(sql + f" WHERE p.doc_id IN ({marks}) ORDER BY p.passage_id", list(doc_ids)).fetchall()

    def _passages_without_fts(self) -> list[Any]:
        return self.store.conn.execute(
            "SELECT p.passage_id, p.text, p.heading, p.heading_path, d.title FROM passages p "
            "JOIN documents d ON d.doc_id = p.doc_id "
            "WHERE p.passage_id NOT IN (SELECT rowid FROM passage_fts) ORDER BY p.passage_id"
        ).fetchall()

    def _vectors_current(self) -> bool:
        from .vectors import read_meta

        try:
            meta = read_meta(self.store.index_dir)
        except Exception:  # noqa: BLE001 - a damaged vectors.json is simply rebuilt
            return False
        if meta is None:
            return False
        count = self.store.conn.execute("SELECT count(*) FROM passages").fetchone()[0]
        return (
            meta.count == count
            and meta.model_id == self.model
            and meta.checksum == setting(self.store, "vectors_checksum")
            and (self.store.index_dir / VECTORS_META_FILENAME).exists()
        )
