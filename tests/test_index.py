"""index/: the derived side of an ingest, updated from the store (FTS rows, units, vectors)."""

from __future__ import annotations

from pathlib import Path

from policykb.annotate import annotate
from policykb.chunk import chunk
from policykb.index.indexer import SearchIndexer
from policykb.index.vectors import read_meta
from policykb.models import Block, Document, DocumentMeta, Page
from policykb.store import Store


def _doc(doc_id: str, text: str) -> Document:
    page = Page(index=0, blocks=[Block("heading", "Rubrik"), Block("paragraph", text)])
    return Document(meta=DocumentMeta(doc_id, f"/x/{doc_id}", "0" * 64, "txt", title=doc_id), pages=[page])


def test_update_indexes_the_new_documents_and_prepares_vectors_of_the_whole_store(tmp_path: Path):
    index = tmp_path / "index"
    store = Store.open(index)
    docs = [_doc("a.txt", "Kommunen ansvarar för hemsjukvården. Regionen ansvarar för läkarinsatser."),
            _doc("b.txt", "Arbetsmiljön i äldreomsorgen ska vara god. Personalen ska ha kompetens.")]
    with store.transaction():
        for doc in docs:
            store.write_document(doc, chunk(doc), annotate(doc))
        indexer = SearchIndexer(store)
        report, prepared = indexer.update(["a.txt", "b.txt"])
    prepared.commit()
    passages = store.conn.execute("SELECT count(*) FROM passages").fetchone()[0]
    assert store.conn.execute("SELECT count(*) FROM passage_fts").fetchone()[0] == passages
    assert store.conn.execute("SELECT count(*) FROM passage_units").fetchone()[0] >= 4  # a unit per sentence
    assert store.conn.execute("SELECT count FROM lexicon WHERE word = 'hemsjukvården'").fetchone() is not None
    meta = read_meta(index)
    assert meta.count == passages and meta.checksum == store.setting("vectors_checksum")
    assert report.vectors == passages and report.model == store.setting("embedding_model")

    # Nothing changed: the live vectors are still right, nothing to prepare.
    with store.transaction():
        again, prepared_again = SearchIndexer(store).update([])
    assert prepared_again is None and again.embedded == 0

    # A replaced document takes its words out of the vocabulary first.
    with store.transaction():
        SearchIndexer(store).forget("a.txt")
    assert store.conn.execute("SELECT count FROM lexicon WHERE word = 'hemsjukvården'").fetchone() is None
    store.close()
