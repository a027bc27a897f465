"""The answer, not just the passage: every hit's best sentence; and more-like-this
(`Searcher.like`, `policykb search --like`, `GET /search?like=`), over the bundled corpus."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from helpers.cli import run_cli

from policykb.api import create_app
from policykb.errors import InputError, NotFoundError
from policykb.query.search import Filters, Searcher
from policykb.query.search.segments import best_sentence

HOME_CARE = "004_2be6a2c697e985af.txt"


@pytest.fixture(scope="module")
def searcher(corpus_index: Path):
    with Searcher(corpus_index) as s:
        yield s


# -- best sentence ---------------------------------------------------------------------------


def test_best_sentence_prefers_the_rarer_terms_then_the_closer_vector():
    units = [(0, 10), (11, 20), (21, 30)]
    # Unit 1 holds a rare term, unit 2 a common one: the rare one carries the match.
    matched = [(12, "hemsjukvård"), (22, "kommun")]
    assert best_sentence(units, matched, idf={"hemsjukvård": 5.0, "kommun": 0.5}) == 1
    # No term matched: the unit closest to the query vector.
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
    assert best_sentence(units, [], unit_vectors=vectors, query_vector=np.array([0.0, 1.0], dtype=np.float32)) == 1
    # Neither signal: the first sentence (a passage's opening says what it is about).
    assert best_sentence(units, []) == 0
    assert best_sentence([], []) is None


@pytest.mark.parametrize("mode", ["hybrid", "lexical", "dense"])
def test_every_hit_names_its_best_sentence(searcher, mode):
    hits = searcher.search("delegering av läkemedel till omsorgspersonal", k=10, mode=mode)
    assert len(hits) == 10
    for hit in hits:
        start, end = hit.best_sentence_span
        assert hit.best_sentence and hit.text[start:end] == hit.best_sentence
        assert hit.best_sentence == hit.best_sentence.strip()
        assert hit.to_dict()["best_sentence"] == hit.best_sentence
    if mode == "lexical":
        # The lexical best sentence holds a matched word (when the text holds one: a passage may
        # match by its heading alone).
        for hit in hits:
            start, end = hit.best_sentence_span
            if hit.highlights:
                assert any(start <= s and e <= end for s, e in hit.highlights), hit.best_sentence


def test_best_sentence_is_one_sentence_of_a_whole_passage(corpus_index):
    with Searcher(corpus_index, segments=False) as whole:
        hits = whole.search("vem ansvarar för läkarresurser i hemsjukvården", k=5, mode="lexical")
    assert hits
    for hit in hits:
        assert len(hit.best_sentence) < len(hit.text)
        start, end = hit.best_sentence_span
        # It holds matched words, and no other sentence of the passage holds more of them.
        inside = {hit.text[s:e].lower() for s, e in hit.highlights if start <= s and e <= end}
        assert inside, hit.best_sentence


def test_terminal_view_leads_with_the_best_sentence(corpus_index):
    done = run_cli("search", "hemsjukvård", "-k", "2", "--json", "--index-dir", str(corpus_index))
    first = json.loads(done.stdout)["hits"][0]
    done = run_cli("search", "hemsjukvård", "-k", "2", "--index-dir", str(corpus_index))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    marked = [i for i, line in enumerate(lines) if line.lstrip().startswith("»")]
    assert len(marked) == 2
    # The sentence comes straight after the hit's title and heading, before the rest of the text.
    assert marked[0] <= 3
    assert first["best_sentence"][:40].split()[0] in lines[marked[0]]


# -- more like this --------------------------------------------------------------------------


def _passage(searcher, query: str, doc: str):
    return searcher.search(query, k=1, mode="lexical", filters=Filters(doc=doc))[0]


def test_like_returns_passages_of_other_documents(searcher):
    source = _passage(searcher, "läkarresurser hemsjukvård kommunen regionen", HOME_CARE)
    hits = searcher.like(source.passage_id, k=10)
    assert len(hits) == 10
    assert all(h.doc_id != HOME_CARE for h in hits)
    assert [h.rank for h in hits] == list(range(1, 11))
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))
    assert all(h.best_sentence and h.text[slice(*h.best_sentence_span)] == h.best_sentence for h in hits)
    # A passage about the doctors the region owes home care finds home care elsewhere.
    top = " ".join(h.text.lower() for h in hits[:5])
    assert "hemsjukvård" in top or "hälso- och sjukvård i hemmet" in top or "läkar" in top


def test_like_reads_its_word_scores_in_one_query_and_ranks_as_with_two(searcher, monkeypatch):
    """More like this reads the BM25 of the source's terms for every other passage in one FTS5
    query (the source's document dropped afterwards); forced to read only 20 scores, the rest are
    scored by a second query, and the hits and scores are the same."""
    from helpers.lexical_calls import record_lexical_queries
    from policykb.query.search import searcher as searcher_module

    source = _passage(searcher, "läkarresurser hemsjukvård kommunen regionen", HOME_CARE)
    only_ids = record_lexical_queries(monkeypatch)
    monkeypatch.setattr(searcher_module, "CANDIDATES", 20)
    one_query = searcher.like(source.passage_id, k=10)
    assert only_ids == [False]
    only_ids.clear()
    monkeypatch.setattr(searcher_module, "LEXICAL_SCORED", 20)
    two_queries = searcher.like(source.passage_id, k=10)
    assert only_ids == [False, True]
    assert [(h.passage_id, round(h.score, 9)) for h in two_queries] == [
        (h.passage_id, round(h.score, 9)) for h in one_query
    ]
    assert all(h.doc_id != HOME_CARE for h in one_query)


def test_like_with_filters(searcher):
    source = _passage(searcher, "rehabilitering i hemmet", HOME_CARE)
    other = "003_98179518a3d1e638.txt"
    hits = searcher.like(source.passage_id, k=5, filters=Filters(doc=other))
    assert hits and {h.doc_id for h in hits} == {other}
    # Filtering on the source's own document leaves nothing: its passages are never "like" it.
    assert searcher.like(source.passage_id, k=5, filters=Filters(doc=HOME_CARE)) == []


def test_like_unknown_or_malformed_passage(searcher):
    with pytest.raises(NotFoundError, match="no such passage"):
        searcher.like(987654321987)
    with pytest.raises(NotFoundError):
        searcher.like(2**70)
    with pytest.raises(InputError, match="passage id"):
        searcher.like("tolv")


def test_like_on_the_command_line(corpus_index, searcher):
    source = _passage(searcher, "samordnad individuell plan", HOME_CARE)
    done = run_cli("search", "--like", str(source.passage_id), "-k", "3", "--json", "--index-dir", str(corpus_index))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["like"] == source.passage_id and data["query"] is None
    assert len(data["hits"]) == 3 and all(h["doc_id"] != HOME_CARE and h["best_sentence"] for h in data["hits"])
    done = run_cli("search", "--like", str(source.passage_id), "-k", "2", "--index-dir", str(corpus_index))
    assert done.returncode == 0 and " 1. " in done.stdout
    for args, needle in [
        (("search",), "either a QUERY or --like"),
        (("search", "vård", "--like", "3"), "either a QUERY or --like"),
        (("search", "--like", "tre"), "--like"),
        (("search", "--like", "987654321987"), "no such passage"),
    ]:
        done = run_cli(*args, "--index-dir", str(corpus_index))
        assert done.returncode == 2, (args, done.stderr)
        assert needle in done.stderr and "Traceback" not in done.stderr


def test_like_over_http(corpus_index, searcher):
    source = _passage(searcher, "samordnad individuell plan", HOME_CARE)
    with TestClient(create_app(corpus_index, api_key="")) as client:
        body = client.get("/search", params={"like": source.passage_id, "k": 4}).json()
        assert body["like"] == source.passage_id and len(body["hits"]) == 4
        assert all(h["doc_id"] != HOME_CARE and h["best_sentence"] for h in body["hits"])
        body = client.get("/search", params={"q": "hemsjukvård", "k": 2}).json()
        assert all(h["best_sentence"] for h in body["hits"])
        for params, status in [({"like": 987654321987}, 404), ({"like": "x"}, 422), ({"q": "vård", "like": 1}, 400), ({}, 400)]:
            response = client.get("/search", params=params)
            assert response.status_code == status, (params, response.text)
            assert "detail" in response.json()
