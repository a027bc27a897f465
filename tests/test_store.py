"""store/: the stored document read back as sentences (the one sentence model the citation graph
and the trace build on), the shared lookups, and savepoints."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykb.annotate import annotate
from policykb.chunk import chunk
from policykb.errors import NotFoundError, StoreError
from policykb.index.citations import rebuild
from policykb.models import Block, Document, DocumentMeta, Footnote, Page
from policykb.store import Store
from policykb.store.document_sentences import load_document_text


def _document(doc_id: str, pages: list[Page]) -> Document:
    meta = DocumentMeta(doc_id=doc_id, path=f"/nowhere/{doc_id}", sha256="0" * 64, source_format="txt")
    return Document(meta=meta, pages=pages)


def _store(index: Path, doc: Document) -> Store:
    store = Store.open(index)
    with store.transaction():
        store.write_document(doc, chunk(doc), annotate(doc))
        rebuild(store.conn, doc.meta.doc_id)
    return store


BODY = ("Regionen ansvarar inte för sådan vård som kommunen har ansvar för. "
        "Hälso- och sjukvården ska arbeta för att förebygga ohälsa enligt 3 kap. 2 § HSL.")


def test_footnote_references_attach_to_the_sentence_with_the_marker(tmp_path: Path):
    marker_after_first = BODY.index("för.") + len("för.")
    page = Page(index=3, blocks=[
        Block("heading", "Ansvar"),
        Block("paragraph", BODY, markers=[(marker_after_first, 8), (len(BODY), 107)]),
    ], footnotes=[Footnote(8, "8 kap. 6 § HSL."), Footnote(107, "Se prop. 2019/20:164 s. 12.")])
    with _store(tmp_path / "index", _document("a.txt", [page])) as store:
        text = load_document_text(store.conn, "a.txt")
        body = [s for s in text.sentences if s.text.startswith(("Regionen", "Hälso"))]
        first, second = body
        assert first.footnotes == [(3, 8)] and first.inline == []
        assert [r.canonical for r in text.footnote_refs[(3, 8)]] == ["SFS 2017:30 8 kap. 6 §"]
        assert second.footnotes == [(3, 107)]
        assert [r.canonical for r in second.inline] == ["SFS 2017:30 3 kap. 2 §"]
        assert [r.canonical for r in text.footnote_refs[(3, 107)]] == ["prop. 2019/20:164"]
        # The trace index rests the requirement of the second sentence on the provision written in
        # it (the bill in its footnote is preparatory work, not a legal source beside a provision).
        rows = store.conn.execute(
            "SELECT rs.canonical FROM requirements r JOIN requirement_sources rs USING (requirement_id) "
            "JOIN sentences s USING (sentence_id) WHERE r.doc_id = 'a.txt' AND s.text LIKE 'Hälso%' "
            "ORDER BY rs.ordinal").fetchall()
        assert [r[0] for r in rows] == ["SFS 2017:30 3 kap. 2 §"]


def test_a_definition_in_a_footnote_applies_to_later_pages(tmp_path: Path):
    page1 = Page(index=0, blocks=[Block("paragraph", "Vården styrs av lag.", markers=[(19, 1)])],
                 footnotes=[Footnote(1, "Lagen (2022:913) om sammanhållen vård- och omsorgsdokumentation, LSVO.")])
    page2 = Page(index=1, blocks=[Block("paragraph", "Enligt 2 kap. 1 § LSVO får uppgifter delas.")])
    with _store(tmp_path / "index", _document("b.txt", [page1, page2])) as store:
        text = load_document_text(store.conn, "b.txt")
        (sentence,) = [s for s in text.sentences if s.page_index == 1]
        assert [r.canonical for r in sentence.inline] == ["SFS 2022:913 2 kap. 1 §"]


def test_shared_lookups(tmp_path: Path):
    page = Page(index=0, blocks=[Block("paragraph", BODY, markers=[(len(BODY), 1)])],
                footnotes=[Footnote(1, "Se 3 kap. 2 § HSL.")])
    page2 = Page(index=1, blocks=[Block("paragraph", "Mer text här.")], footnotes=[Footnote(1, "En annan not.")])
    with _store(tmp_path / "index", _document("c.txt", [page, page2])) as store:
        assert store.require_document("c.txt").doc_id == "c.txt"
        with pytest.raises(NotFoundError, match="did you mean c.txt"):
            store.require_document("c.tx")
        (pid,) = [r[0] for r in store.conn.execute("SELECT passage_id FROM passages WHERE page_start = 0")]
        assert store.passage_at("c.txt", 0, 5) == pid
        assert store.passage_at("c.txt", 5, 0) is None
        assert store.footnote_page("c.txt", 1, 0) == 0 and store.footnote_page("c.txt", 1, 1) == 1
        assert store.footnote_page("c.txt", 9, 0) is None
        with store.transaction():
            store.set_setting("x", "1")
        assert store.setting("x") == "1" and store.settings()["x"] == "1"


def test_savepoint_undoes_only_its_own_writes(tmp_path: Path):
    store = Store.open(tmp_path / "index")
    with pytest.raises(StoreError):
        with store.savepoint():
            pass
    with store.transaction():
        store.set_setting("kept", "1")
        with pytest.raises(RuntimeError):
            with store.savepoint("one_file"):
                store.set_setting("lost", "1")
                raise RuntimeError("boom")
    assert store.setting("kept") == "1" and store.setting("lost") is None
    store.close()
