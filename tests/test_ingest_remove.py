"""Removing documents: everything derived from them goes, the other documents stay as they were."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers.cli import run_cli
from helpers.index_copy import copy_index

from policykb.api.app import create_app
from policykb.config import DB_FILENAME
from policykb.errors import NotFoundError
from policykb.index.lexical import vocabulary
from policykb.index.vectors import VectorIndex
from policykb.ingest import remove
from policykb.query.search import Filters, Searcher

GONE = "004_2be6a2c697e985af.txt"  # the guidance document: most references and requirements
KEY = "test-key-remove"
QUERIES = ["vem ansvarar för rehabilitering i hemmet", "delegering av läkemedel", "samordnad individuell plan"]

# Per document: each table derived from it, counted through the column that ties it to its document.
PER_DOCUMENT = {
    "passages": "SELECT count(*) FROM passages WHERE doc_id = ?",
    "refs": "SELECT count(*) FROM refs WHERE doc_id = ?",
    "mentions": "SELECT count(*) FROM mentions WHERE doc_id = ?",
    "sentences": "SELECT count(*) FROM sentences WHERE doc_id = ?",
    "citations": "SELECT count(*) FROM citations WHERE doc_id = ?",
    "requirements": "SELECT count(*) FROM requirements WHERE doc_id = ?",
    "requirement_sources": "SELECT count(*) FROM requirement_sources s JOIN requirements r USING (requirement_id) WHERE r.doc_id = ?",
    "units": "SELECT count(*) FROM passage_units u JOIN passages p USING (passage_id) WHERE p.doc_id = ?",
    "fts": "SELECT count(*) FROM passage_fts WHERE rowid IN (SELECT passage_id FROM passages WHERE doc_id = ?)",
    "footnotes": "SELECT count(*) FROM passage_footnotes f JOIN passages p USING (passage_id) WHERE p.doc_id = ?",
    "identifiers": "SELECT count(*) FROM document_identifiers WHERE doc_id = ?",
}


def _counts(index: Path) -> dict[str, dict[str, int]]:
    conn = sqlite3.connect(index / DB_FILENAME)
    try:
        docs = [r[0] for r in conn.execute("SELECT doc_id FROM documents")]
        return {d: {name: conn.execute(sql, (d,)).fetchone()[0] for name, sql in PER_DOCUMENT.items()} for d in docs}
    finally:
        conn.close()


def _orphans(index: Path) -> dict[str, int]:
    conn = sqlite3.connect(index / DB_FILENAME)
    try:
        return {
            "fts": conn.execute("SELECT count(*) FROM passage_fts WHERE rowid NOT IN (SELECT passage_id FROM passages)").fetchone()[0],
            "units": conn.execute("SELECT count(*) FROM passage_units WHERE passage_id NOT IN (SELECT passage_id FROM passages)").fetchone()[0],
            "citations": conn.execute("SELECT count(*) FROM citations WHERE ref_id NOT IN (SELECT ref_id FROM refs)").fetchone()[0],
            "sources": conn.execute(
                "SELECT count(*) FROM requirement_sources WHERE requirement_id NOT IN (SELECT requirement_id FROM requirements)"
            ).fetchone()[0],
        }
    finally:
        conn.close()


def _lexicon_total(index: Path) -> int:
    conn = sqlite3.connect(index / DB_FILENAME)
    try:
        return conn.execute("SELECT coalesce(sum(count), 0) FROM lexicon").fetchone()[0]
    finally:
        conn.close()


def _dense_results(index: Path, doc_ids: list[str]) -> dict[tuple[str, str], list[tuple[int, float]]]:
    """Whole-passage dense hits per query, restricted to each document: what a removal must not touch."""
    with Searcher(index, segments=False) as searcher:
        return {
            (q, d): [(h.passage_id, round(h.score, 6)) for h in searcher.search(q, k=5, mode="dense", filters=Filters(doc=d))]
            for q in QUERIES
            for d in doc_ids
        }


@pytest.fixture
def copied(corpus_index: Path, tmp_path: Path) -> Path:
    return copy_index(corpus_index, tmp_path / "index")


def test_remove_takes_everything_derived_and_leaves_the_rest(copied: Path):
    before = _counts(copied)
    remaining = sorted(set(before) - {GONE})
    dense_before = _dense_results(copied, remaining)
    conn = sqlite3.connect(copied / DB_FILENAME)
    gone_words = sum(vocabulary(r[0] for r in conn.execute("SELECT text FROM passages WHERE doc_id = ?", (GONE,))).values())
    gone_passages = {r[0] for r in conn.execute("SELECT passage_id FROM passages WHERE doc_id = ?", (GONE,))}
    conn.close()
    lexicon_before = _lexicon_total(copied)
    vectors_before = VectorIndex.load(copied)
    assert before[GONE]["requirements"] > 0 and before[GONE]["fts"] > 0

    report = remove([GONE], copied)

    assert report.removed == [GONE] and report.passages == before[GONE]["passages"]
    after = _counts(copied)
    assert set(after) == set(remaining)
    assert after == {d: before[d] for d in remaining}  # every other document's rows, table by table
    assert _orphans(copied) == {"fts": 0, "units": 0, "citations": 0, "sources": 0}
    assert _lexicon_total(copied) == lexicon_before - gone_words
    vectors_after = VectorIndex.load(copied)
    assert vectors_after.count == vectors_before.count - len(gone_passages)
    assert not set(vectors_after.meta.passage_ids) & gone_passages
    kept = vectors_after.meta.passage_ids
    assert (vectors_after.vectors_for(kept) == vectors_before.vectors_for(kept)).all()
    assert _dense_results(copied, remaining) == dense_before
    with Searcher(copied) as searcher:
        for query in QUERIES:
            assert all(hit.doc_id != GONE for hit in searcher.search(query, k=10))


def test_an_unknown_id_removes_nothing(copied: Path):
    before = _counts(copied)
    with pytest.raises(NotFoundError, match="nope.pdf") as info:
        remove([GONE, "nope.pdf"], copied)
    assert "nothing was removed" in str(info.value) and "policykb docs" in str(info.value)
    assert _counts(copied) == before


def test_remove_on_the_command_line(copied: Path):
    unknown = run_cli("remove", "nope.pdf", "--index-dir", str(copied))
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1 and "nope.pdf" in unknown.stderr
    done = run_cli("remove", GONE, "--index-dir", str(copied), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["removed"] == [GONE] and report["totals"]["documents"] == 4


def test_delete_route_needs_the_key_and_answers_404_for_unknown_ids(copied: Path):
    with TestClient(create_app(copied, api_key=KEY)) as client:
        assert client.delete(f"/documents/{GONE}").status_code == 401
        missing = client.delete("/documents/nope.pdf", headers={"X-API-Key": KEY})
        assert missing.status_code == 404 and "nope.pdf" in missing.json()["detail"]
        assert any(d["doc_id"] == GONE for d in client.get("/documents").json()["documents"])
        done = client.delete(f"/documents/{GONE}", headers={"X-API-Key": KEY})
        assert done.status_code == 200 and done.json()["removed"] == [GONE]
        assert client.get(f"/documents/{GONE}").status_code == 404
        hits = client.get("/search", params={"q": "vård i hemmet", "k": 10}).json()["hits"]
        assert hits and all(h["doc_id"] != GONE for h in hits)
    with TestClient(create_app(copied, api_key="")) as client:
        assert client.delete("/documents/001_e4a7aa5cf866e425.txt").status_code == 403
