"""Search over the bundled corpus (indexed once per session): quality, filters, output, bad input."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from helpers.index_copy import copy_index

from policykb.errors import InputError, ModelError, StoreError
from policykb.evaluate.retrieval import evaluate_index, load_gold
from policykb.legal.canonical import hierarchy
from policykb.query.search import MAX_K, Filters, Searcher, search
from policykb.query.search.searcher import VECTORS_STALE_WARNING
from policykb.store import Store

GOLD = Path(__file__).resolve().parent / "fixtures" / "gold" / "queries-dev.json"
# Written before the system was run on it (README, Design: search): a check on fitting to the dev set.
HOLDOUT = Path(__file__).resolve().parent / "fixtures" / "gold" / "queries-holdout.json"
MODES = ("hybrid", "lexical", "dense")


@pytest.fixture(scope="module")
def searcher(corpus_index: Path):
    with Searcher(corpus_index) as s:
        yield s


@pytest.fixture(scope="module")
def quality(searcher):
    gold = load_gold(GOLD)
    return {mode: evaluate_index(searcher, gold, mode=mode, k=10) for mode in MODES}


@pytest.fixture(scope="module")
def holdout_quality(searcher):
    gold = load_gold(HOLDOUT)
    return {mode: evaluate_index(searcher, gold, mode=mode, k=10) for mode in MODES}


# The target is hybrid nDCG@10 >= 0.60 on the TEST split of the out-of-sample query sets
# (tests/fixtures/gold/queries-test.json, over the corpus and the 12 shared PDFs; measured with
# benchmarks/eval_search.py, README "Search quality"): measured 0.575 [0.511, 0.636], not reached.
# Here, over the bundled corpus only, the in-suite proxy is the dev queries at 0.65 (measured 0.581);
# strict, so reaching it fails the run until this marker is removed.
@pytest.mark.xfail(
    reason="hybrid nDCG@10 is 0.575 on the test split (target 0.60) and 0.58 on the dev queries (target 0.65)",
    strict=True,
)
def test_hybrid_reaches_the_quality_target(quality):
    assert quality["hybrid"].overall["ndcg"] >= 0.65


# Just below what the chosen configuration measures (README "Search quality": dev 0.568 / R 0.824 /
# MRR 0.817, held-out 0.551 / R 0.874); these sets are in-sample for the older choices only.
def test_hybrid_quality_does_not_regress(quality, holdout_quality):
    assert quality["hybrid"].overall["ndcg"] >= 0.55
    assert quality["hybrid"].overall["recall"] >= 0.78
    assert quality["hybrid"].overall["mrr"] >= 0.77
    assert holdout_quality["hybrid"].overall["ndcg"] >= 0.53
    assert holdout_quality["hybrid"].overall["recall"] >= 0.84


def test_hybrid_beats_both_single_modes(quality, holdout_quality):
    for report in (quality, holdout_quality):
        hybrid = report["hybrid"].overall["ndcg"]
        assert hybrid > report["lexical"].overall["ndcg"]
        assert hybrid > report["dense"].overall["ndcg"]


def test_english_queries_are_answered_from_swedish_passages(holdout_quality, quality):
    for report in (quality, holdout_quality):
        assert report["hybrid"].by_kind["english"]["ndcg"] >= 0.4
        assert report["hybrid"].by_kind["english"]["recall"] >= 0.7


def test_hit_shape_and_highlights(searcher):
    hits = searcher.search("delegering av läkemedel", k=5)
    assert 1 <= len(hits) <= 5
    first = hits[0].to_dict()
    assert set(first) >= {"rank", "score", "passage_id", "doc_id", "title", "identifier", "pages", "heading", "text", "highlights"}
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))
    words = {hits[0].text[s:e].lower() for s, e in hits[0].highlights}
    assert any(w.startswith(("delegering", "läkemed")) for w in words)


def test_hits_are_segments_of_their_passages(searcher, corpus_index):
    conn = searcher.connection()

    def passage_text(pid: int) -> str:
        return conn.execute("SELECT text FROM passages WHERE passage_id = ?", (pid,)).fetchone()[0]

    with Searcher(corpus_index, segments=True) as segmenting:
        for mode in ("hybrid", "lexical", "dense"):
            hits = segmenting.search("delegering av läkemedel till omsorgspersonal", k=10, mode=mode)
            assert len(hits) == 10
            for hit in hits:
                start, end = hit.span
                assert passage_text(hit.passage_id)[start:end] == hit.text
                assert hit.to_dict()["span"] == [start, end]
            assert any(len(h.text) < len(passage_text(h.passage_id)) for h in hits)
    # By default a hit is its whole passage (README, Search quality), its best sentence named.
    for hit in searcher.search("delegering av läkemedel", k=5):
        assert hit.text == passage_text(hit.passage_id) and hit.span == (0, len(hit.text))


def test_module_level_search_opens_the_index(corpus_index):
    hits = search(corpus_index, "hemsjukvård", k=3, mode="lexical")
    assert len(hits) == 3


def test_modes_differ_and_all_return(searcher):
    query = "fast vårdkontakt"
    results = {mode: [h.passage_id for h in searcher.search(query, k=10, mode=mode)] for mode in ("hybrid", "lexical", "dense")}
    assert all(len(r) == 10 for r in results.values())
    assert results["lexical"] != results["dense"]


def test_english_query_works_through_the_dense_side(searcher):
    hits = searcher.search("rules for delegating medication tasks to home care staff", k=10)
    assert len(hits) == 10
    assert any("deleger" in h.text.lower() for h in hits)


def test_filters_apply_before_the_cut(searcher):
    docs = {h.doc_id for h in searcher.search("rehabilitering", k=50)}
    assert len(docs) > 1
    one = sorted(docs)[0]
    hits = searcher.search("rehabilitering", k=10, filters=Filters(doc=one))
    assert len(hits) == 10 and {h.doc_id for h in hits} == {one}
    guidance = searcher.search("rehabilitering", k=5, filters=Filters(kind="guidance"))
    assert guidance and all(h.doc_id == "004_2be6a2c697e985af.txt" for h in guidance)
    publisher = searcher.search("rehabilitering", k=5, filters=Filters(publisher="region västerbotten"))
    assert publisher and all(h.doc_id == "001_e4a7aa5cf866e425.txt" for h in publisher)
    dated = searcher.search("rehabilitering", k=5, filters=Filters(year_from=2026, year_to=2026))
    assert dated and {h.doc_id for h in dated} <= {"001_e4a7aa5cf866e425.txt", "003_98179518a3d1e638.txt"}
    assert searcher.search("rehabilitering", filters=Filters(year_to=1990)) == []


@pytest.mark.parametrize("query", ["vem ansvarar för rehabilitering i hemmet", "MAR delegering läkemedel", "5 kap. 7 § HSL"])
def test_dense_candidates_get_their_bm25_without_a_second_query_and_the_same_ranking(searcher, monkeypatch, query):
    """The lexical query of a hybrid search reads up to LEXICAL_SCORED scores; when a query
    matches more passages than that, the dense candidates outside them are scored by a second
    query. Both paths rank alike: with 20 candidates a side and only those 20 scores read, every
    hit and score is the same as with every matching passage read in one query."""
    from helpers.lexical_calls import record_lexical_queries
    from policykb.query.search import searcher as searcher_module

    only_ids_calls = record_lexical_queries(monkeypatch)
    monkeypatch.setattr(searcher_module, "CANDIDATES", 20)
    one_query = searcher.search(query, k=10)
    # One query per lexical part (the query's own words; the official forms of its everyday
    # words when it has any), none restricted to the dense candidates.
    assert only_ids_calls and not any(only_ids_calls), "the dense candidates' BM25 needs no query of its own"
    only_ids_calls.clear()
    monkeypatch.setattr(searcher_module, "LEXICAL_SCORED", 20)
    two_queries = searcher.search(query, k=10)
    assert any(only_ids_calls), "the dense candidates beyond the 20 scores read are scored apart"
    assert [(h.passage_id, round(h.score, 9)) for h in two_queries] == [
        (h.passage_id, round(h.score, 9)) for h in one_query
    ]


def test_near_duplicates_collapse(searcher):
    hits = searcher.search("god och nära vård omställning primärvården", k=20)
    texts = [" ".join(h.text.split()).lower() for h in hits]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_query_is_an_input_error(searcher, query):
    with pytest.raises(InputError, match="empty"):
        searcher.search(query)


@pytest.mark.parametrize("query", ["?", "?!…", "--", "§ …", "\u00ad\u00a0!"])
def test_a_query_of_punctuation_only_is_an_input_error(searcher, query):
    for mode in ("lexical", "dense", "hybrid"):
        with pytest.raises(InputError, match="no letters or digits"):
            searcher.search(query, mode=mode)


def test_very_long_query_is_truncated_with_a_warning(searcher):
    warnings: list[str] = []
    hits = searcher.search("hemsjukvård kommunens ansvar " * 800, k=3, warn=warnings.append)
    assert len(hits) == 3
    assert any("characters" in w for w in warnings)


def test_stop_word_query(searcher):
    warnings: list[str] = []
    hits = searcher.search("och i för att det", warn=warnings.append)
    assert hits and any("stop words" in w for w in warnings)
    with pytest.raises(InputError, match="stop words"):
        searcher.search("och i för att det", mode="lexical")


@pytest.mark.parametrize("query", ['"hemsjukvård', "hem AND vård NEAR(x y) *", "- : ^ {terms}", 'a"b"c"'])
def test_fts5_syntax_in_queries_is_plain_text(searcher, query):
    for mode in ("lexical", "hybrid"):
        searcher.search(query, mode=mode)


def test_k_limits(searcher):
    with pytest.raises(InputError, match="at least 1"):
        searcher.search("vård", k=0)
    warnings: list[str] = []
    hits = searcher.search("vård", k=100_000, mode="lexical", warn=warnings.append)
    assert len(hits) <= MAX_K and warnings


def test_unknown_mode(searcher):
    with pytest.raises(InputError, match="mode"):
        searcher.search("vård", mode="fuzzy")


def test_no_index_yet_says_to_ingest(tmp_path):
    with pytest.raises(StoreError, match="ingest"):
        Searcher(tmp_path / "nothing-here")


def test_index_built_with_another_model_is_refused(corpus_index, tmp_path):
    copy = tmp_path / "copy"
    copy_index(corpus_index, copy)

    class OtherModel:
        model_id = "some/other-model"
        dimension = 384

    with pytest.raises(ModelError, match="other-model"):
        Searcher(copy, embedder=OtherModel())
    meta = copy / "vectors.json"
    meta.write_text(meta.read_text().replace('"model_id": "', '"model_id": "x'))
    # Vectors of another model are never searched: the answer is lexical, with one warning to re-index.
    with Searcher(copy) as s:
        warnings: list[str] = []
        hits = s.search("vård", mode="dense", warn=warnings.append)
        assert warnings == [VECTORS_STALE_WARNING]
        lexical = s.search("vård", mode="lexical")
        assert [h.passage_id for h in hits] == [h.passage_id for h in lexical]


def test_concurrent_searches(searcher):
    expected = [h.passage_id for h in searcher.search("samordnad individuell plan", k=5)]
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(3):
                results.append([h.passage_id for h in searcher.search("samordnad individuell plan", k=5)])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == [expected] * 12


def test_synonym_expansion_both_ways(corpus_index):
    groups = [["MAR", "medicinskt ansvarig för rehabilitering"]]
    with Searcher(corpus_index, synonym_groups=groups, reference_finder=None) as s:
        plan = s.query_analyzer.plan("MAR arbetsuppgifter")
        assert ["medicinsk", "ansvar", "rehabilitering"] in plan.phrases
        assert "medicinskt ansvarig för rehabilitering" in plan.dense_text
        back = s.query_analyzer.plan("vad gör medicinskt ansvarig för rehabilitering")
        assert ["mar"] in back.phrases


def test_reference_in_query_boosts_citing_passages(corpus_index, tmp_path):
    copy = tmp_path / "copy"
    copy_index(corpus_index, copy)
    query = "kommunens ansvar för hälso- och sjukvård"
    with Searcher(copy, synonym_groups=[], reference_finder=None) as plain:
        ranked = [h.passage_id for h in plain.search(query, k=40)]
    # Two passages ranked 13th and 21st cite a (made-up, so rarely cited) provision.
    chosen = {ranked[12], ranked[20]}
    with Store.open(copy) as store, store.transaction() as conn:
        conn.executemany(
            "INSERT INTO refs (doc_id, page_index, passage_id, start, end, text, kind, canonical, url) "
            "SELECT doc_id, 0, passage_id, 0, 5, 'x', 'section', 'SFS 2099:1 1 kap. 1 §', '' "
            "FROM passages WHERE passage_id = ?",
            [(p,) for p in chosen],
        )
        # ... and the citation graph that search reads, at each level, as the trace index writes it.
        for ref_id, doc_id, passage_id in conn.execute(
                "SELECT ref_id, doc_id, passage_id FROM refs WHERE canonical = 'SFS 2099:1 1 kap. 1 §'").fetchall():
            conn.executemany(
                "INSERT INTO citations (ref_id, doc_id, target, level, direct, passage_id, page_index) "
                "VALUES (?, ?, ?, ?, ?, ?, 0)",
                [(ref_id, doc_id, target, level, int(level == "section"), passage_id)
                 for level, target in hierarchy("SFS 2099:1 1 kap. 1 §")],
            )
    with Searcher(copy, synonym_groups=[], reference_finder=lambda text: ["SFS 2099:1 1 kap. 1 §"]) as boosted:
        reranked = [h.passage_id for h in boosted.search(query, k=40)]
    assert all(reranked.index(p) < ranked.index(p) for p in chosen)
    assert chosen & set(reranked[:10])
    with Searcher(copy) as searcher:
        # The act-level filter finds the section-level citations (any spelling the parser accepts).
        cites = [h.passage_id for h in searcher.search("ansvar", k=50, filters=Filters(cites="SFS 2099:1"))]
    assert set(cites) == chosen


def test_cites_filter_uses_the_reference_parser(searcher):
    hits = searcher.search("kommunens ansvar", k=20, filters=Filters(cites="HSL"))
    assert hits
    conn = searcher.connection()
    for hit in hits:
        canonicals = {r[0] for r in conn.execute("SELECT canonical FROM refs WHERE passage_id = ?", (hit.passage_id,))}
        assert any(c == "SFS 2017:30" or c.startswith("SFS 2017:30 ") for c in canonicals)


def test_unknown_kind_or_document_is_named(searcher):
    with pytest.raises(InputError, match="kinds here: .*guidance"):
        searcher.search("vård", filters=Filters(kind="novel"))
    with pytest.raises(InputError, match="policykb docs"):
        searcher.search("vård", filters=Filters(doc="no-such.pdf"))


def test_similarity_reads_meaning_not_shared_words(searcher):
    proposal = "Fallprevention ska ingå i rehabiliteringen av äldre personer i ordinärt boende."
    on_point = "Äldre som bor hemma bör erbjudas träning av styrka och balans för att förebygga fall."
    setting_only = "Kommunen erbjuder vård och omsorg av demensteam till personer i ordinärt boende."
    near, far = searcher.similarity(proposal, [on_point, setting_only])
    assert near > far
    assert searcher.similarity(proposal, []) == []


def test_similarity_takes_a_stored_sentence_vector_for_a_quote_of_its_passage(searcher):
    """A text that is one of its passage's sentence units, as stored, is not embedded again: its
    cosine is the stored unit vector's, equal to embedding it afresh; any other text is embedded."""
    from policykb.query.search.segments import load_units

    conn = searcher.connection()
    pid, text = conn.execute("SELECT passage_id, text FROM passages ORDER BY passage_id LIMIT 1").fetchone()
    units = load_units(conn, [pid], searcher.model_id)[pid]
    start, end = units.spans[0]
    sentence = " ".join(text[start:end].split())
    other = "Kommunen erbjuder vård och omsorg av demensteam till personer i ordinärt boende."
    query = "Vem ansvarar för vården i hemmet?"
    fresh = searcher.similarity(query, [sentence, other])
    calls = []
    model = searcher._model()
    original = model.encode_passages
    model.encode_passages = lambda texts: calls.append(list(texts)) or original(texts)
    try:
        reused = searcher.similarity(query, [sentence, other], [pid, pid])
    finally:
        model.encode_passages = original
    assert calls == [[other]]  # the sentence came from the store
    assert reused == pytest.approx(fresh, abs=1e-3)
