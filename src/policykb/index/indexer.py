"""The search side of an ingest: vocabulary, FTS5 rows, sentence units, embeddings, FAISS.

Called by `ingest.ingest` inside its write transaction, after the documents are stored:

1. the new documents' words join the corpus vocabulary (`lexicon`), so compounds in them are
   split with a vocabulary that already includes them;
2. their passages are analysed into `passage_fts`;
3. their passages are cut into sentence units (`chunk.unit_spans`, table `passage_units`);
4. every unit is embedded (only texts the `embedding_cache` has not seen for this model), and a
   passage's vector is the normalised mean of its units' vectors;
5. the FAISS index over *all* passages is written to temporary files, and its checksum and model
   recorded in `settings` in the same transaction. The caller swaps the files in after the
   commit (`PreparedVectors.commit()`), so a crash at any point leaves either the old state or
   a state the next ingest repairs (vectors that do not match the store are rebuilt).

Why units: the search scores a passage by its best sentence as well as by the whole (a passage
about many things is found by the one sentence that answers), and returns the segment of the
passage around the matching sentences (`query/search/`, `chunk.py`). Embedding the units instead of
the passage costs about 12% more tokens (each unit carries the model's prefix and special tokens).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from policykb.index import lexical
from policykb.index.embed import DEFAULT_MODEL, Embedder, load_embedder, passage_vectors
from policykb.index.vectors import remove_stale_temp_files
from policykb.store import Store, text_hash
from policykb.chunk import unit_spans
from policykb.errors import PolicyKBError
from policykb.models import Progress

# What indexing needs of a passage: its text, and the title and headings the lexical index adds as context.
PASSAGE_ROWS_SQL = (
    "SELECT p.passage_id, p.text, p.heading, p.heading_path, d.title, "
    "(SELECT group_concat(f.text, '\n') FROM passage_footnotes f WHERE f.passage_id = p.passage_id) AS notes "
    "FROM passages p JOIN documents d ON d.doc_id = p.doc_id"
)


def unit_rows(text: str) -> list[tuple[int, int, str]]:
    """(start, end, text hash) of each sentence unit of a passage text."""
    return [(start, end, text_hash(text[start:end])) for start, end in unit_spans(text)]


def mean_vectors(unit_vectors, owners, count: int):  # noqa: ANN001, ANN201
    """Row i: the normalised mean of the unit vectors whose owner is i (0..count-1)."""
    import numpy as np

    out = np.zeros((count, unit_vectors.shape[1]), dtype=np.float32)
    np.add.at(out, np.asarray(owners, dtype=np.int64), unit_vectors)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-12)


@dataclass
class SearchIndexReport:
    embedded: int = 0  # passages that had to be embedded (the rest came from the cache)
    indexed: int = 0  # passages analysed into FTS5
    vectors: int = 0  # passages in the new FAISS index (0: the old one is still valid)
    model: str = ""
    tokens: int = 0


class VectorSwap:
    """The `PreparedVectors` a write transaction will swap in once the store has committed."""

    prepared: Any = None
    warning: str | None = None  # set when the swap failed: the store is committed, the vectors stale


@contextmanager
def store_then_vectors(store: Store) -> Iterator[VectorSwap]:
    """One write of an index, in the one order that can be repaired: the store's transaction
    commits, then the prepared vector files (put in `swap.prepared` inside the block) are swapped
    in; on any failure before that they are discarded. Used by `ingest` and `remove`.

    Why this order: the store records the new vectors' checksum in its transaction, so a swap
    that never happens (a kill, a failed rename) leaves vector files the store can tell are stale
    (`vectors.vectors_state`): readers fall back to lexical search and the next ingest rebuilds
    them from the embedding cache. A failed swap is therefore a warning, not an error: the
    documents are stored."""
    swap = VectorSwap()
    try:
        with store.transaction():
            yield swap
        if swap.prepared is not None:
            try:
                swap.prepared.commit()
                swap.prepared = None
            except OSError as exc:
                swap.warning = (
                    f"the new vectors could not be put in place ({exc.strerror or exc}); search answers "
                    f"lexically until `policykb ingest PATH` (any path, even an unchanged one) rebuilds them"
                )
    finally:
        if swap.prepared is not None:
            swap.prepared.discard()


class SearchIndexer:
    """Keeps the lexical and dense indexes of one store in step with its passages."""

    def __init__(self, store: Store, *, model: str | None = None, embedder: Embedder | None = None):
        self.store = store
        # Opening the index for writing is when a killed writer's leftovers are cleaned.
        remove_stale_temp_files(store.index_dir)
        self.current_model = store.setting("embedding_model")
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

    def remove(self, doc_ids: Sequence[str], progress: Progress | None = None) -> Any:
        """Take stored documents out, inside the caller's transaction: their words leave the
        vocabulary, the documents go (`Store.delete_document`; every row derived from them —
        passages, units, FTS rows, references, citations, sentences, requirements — cascades
        with them), and a FAISS index of the remaining passages is prepared. Returns the
        `PreparedVectors` to commit after the transaction, or None when no vectors exist.

        The remaining passages' vectors are taken from the live index when it matches the store,
        so nothing is embedded and no model is loaded; otherwise the vectors are rebuilt from the
        embedding cache as an ingest would."""
        conn = self.store.conn
        marks = ",".join("?" * len(doc_ids))
        gone = {r[0] for r in conn.execute(f"SELECT passage_id FROM passages WHERE doc_id IN ({marks})", list(doc_ids))}
        live = self._live_vectors()
        for doc_id in doc_ids:
            self.forget(doc_id)
            self.store.delete_document(doc_id)
        if live is None:
            if self.current_model is None:
                return None  # an index that never had vectors
            return self.update([], progress=progress)[1]
        from policykb.index.vectors import prepare_vectors

        keep = [pid for pid in live.meta.passage_ids if pid not in gone]
        prepared = prepare_vectors(self.store.index_dir, live.vectors_for(keep), keep, live.meta.model_id)
        self.store.set_setting("vectors_checksum", prepared.meta.checksum)
        return prepared

    def _live_vectors(self) -> Any:
        """The committed FAISS index, when it is the one the store expects; else None."""
        from policykb.index.vectors import VectorIndex

        if not self._vectors_current():
            return None
        try:
            return VectorIndex.load(self.store.index_dir, expected_model=self.model)
        except PolicyKBError:
            return None

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
        # An index analysed by another version of the analyser is analysed again, all of it (a
        # query must be analysed as its passages were); the vectors are rebuilt from the cache.
        lexical.forget_stale_analysis(self.store)
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
                            lexical.passage_context(r["title"], json.loads(r["heading_path"] or "[]"), r["notes"]),
                        )
                        for r in batch
                    ],
                )
                tick("index", min(start + 500, total), total, "")
            report.indexed = total

        missing_units = self._passages_without_units()
        if missing_units:
            conn.executemany(
                "INSERT INTO passage_units (passage_id, ordinal, start, end, text_hash) VALUES (?, ?, ?, ?, ?)",
                [
                    (r["passage_id"], ordinal, start, end, digest)
                    for r in missing_units
                    for ordinal, (start, end, digest) in enumerate(unit_rows(r["text"]))
                ],
            )

        model_changed = self.current_model is not None and self.current_model != self.model
        if not doc_ids and not missing_fts and not missing_units and not model_changed and self._vectors_current():
            return report, None

        from policykb.index.vectors import prepare_vectors

        every = self._passages(None)
        position = {r["passage_id"]: i for i, r in enumerate(every)}
        texts = {r["passage_id"]: r["text"] for r in every}
        units = conn.execute(
            "SELECT passage_id, start, end FROM passage_units ORDER BY passage_id, ordinal"
        ).fetchall()
        inputs = [texts[u["passage_id"]][u["start"] : u["end"]] for u in units]
        embedder = self.embedder()
        unit_vectors, embedded = passage_vectors(
            conn, embedder, inputs, progress=tick
        )
        vectors = mean_vectors(unit_vectors, [position[u["passage_id"]] for u in units], len(every))
        report.embedded = embedded
        report.vectors = len(every)
        report.model = embedder.model_id
        prepared = prepare_vectors(self.store.index_dir, vectors, [r["passage_id"] for r in every], embedder.model_id)
        self.store.set_setting("embedding_model", embedder.model_id)
        self.store.set_setting("vectors_checksum", prepared.meta.checksum)
        return report, prepared

    def _passages(self, doc_ids: Sequence[str] | None) -> list[Any]:
        sql = PASSAGE_ROWS_SQL
        if doc_ids is None:
            return self.store.conn.execute(sql + " ORDER BY p.passage_id").fetchall()
        if not doc_ids:
            return []
        marks = ",".join("?" * len(doc_ids))
        return self.store.conn.execute(sql + f" WHERE p.doc_id IN ({marks}) ORDER BY p.passage_id", list(doc_ids)).fetchall()

    def _passages_without_fts(self) -> list[Any]:
        return self.store.conn.execute(
            PASSAGE_ROWS_SQL + " WHERE p.passage_id NOT IN (SELECT rowid FROM passage_fts) ORDER BY p.passage_id"
        ).fetchall()

    def _passages_without_units(self) -> list[Any]:
        return self.store.conn.execute(
            "SELECT p.passage_id, p.text FROM passages p "
            "WHERE NOT EXISTS (SELECT 1 FROM passage_units u WHERE u.passage_id = p.passage_id) "
            "ORDER BY p.passage_id"
        ).fetchall()

    def _vectors_current(self) -> bool:
        """The live vector files match the store (`vectors.vectors_state`): when they do not — a
        writer killed between its store commit and its swap — every update rebuilds them, from
        the embedding cache (nothing is re-embedded), even one that changed no document."""
        from policykb.index.vectors import VECTORS_CURRENT, vectors_state

        count = self.store.conn.execute("SELECT count(*) FROM passages").fetchone()[0]
        return vectors_state(self.store.index_dir, self.store.settings(), count, self.model) == VECTORS_CURRENT
