"""Retrieval metrics: the evidence-matching rule and nDCG / Recall / MRR on hand-made rankings."""

from __future__ import annotations

import math

import pytest

from policykb.errors import InputError
from policykb.evaluate.retrieval import (
    Evidence,
    GoldQuery,
    PassageWords,
    RetrievedPassage,
    evaluate,
    parse_gold,
    score_ranking,
)

LONG = "Kommunerna ska enligt 12 kap. 1 och 3 §§ HSL erbjuda en god hälso- och sjukvård åt personer i vissa boendeformer"


def test_eight_word_run_matches_across_punctuation_and_case():
    passage = PassageWords("Inledning. KOMMUNERNA ska, enligt 12 kap. HSL, erbjuda en god hälso- och sjukvård åt dem.")
    assert passage.matches(Evidence(None, LONG, 2))  # letters only: numbers and § are not words


def test_seven_shared_words_do_not_match():
    passage = PassageWords("ska erbjuda en god hälso och sjukvård helt annat")
    assert not passage.matches(Evidence(None, "de ska erbjuda en god hälso och sjukvård åt personer i vissa", 1))


def test_short_evidence_must_occur_whole():
    assert PassageWords("Säkerställa spårbarhet på hjälpmedel och mer").matches(Evidence(None, "spårbarhet på hjälpmedel", 1))
    assert not PassageWords("spårbarhet för hjälpmedel").matches(Evidence(None, "spårbarhet på hjälpmedel", 1))


def _gold() -> GoldQuery:
    return GoldQuery(
        "q", "fråga", "keyword",
        [Evidence("a.txt", "alfa beta gamma", 2), Evidence("a.txt", "delta epsilon", 1), Evidence(None, "zeta eta", 1)],
    )


def test_perfect_ranking_scores_one():
    ranking = [RetrievedPassage("a.txt", t) for t in ("alfa beta gamma", "delta epsilon", "zeta eta")]
    score = score_ranking(_gold(), ranking, 10, known_docs={"a.txt"})
    assert score.ndcg == pytest.approx(1.0)
    assert score.recall == 1.0 and score.mrr == 1.0


def test_each_evidence_counts_once_and_wrong_document_does_not_count():
    ranking = [
        RetrievedPassage("b.txt", "alfa beta gamma"),  # right words, wrong document
        RetrievedPassage("a.txt", "delta epsilon"),
        RetrievedPassage("a.txt", "delta epsilon igen"),  # the same evidence again: no gain
    ]
    score = score_ranking(_gold(), ranking, 10, known_docs={"a.txt", "b.txt"})
    ideal = 3 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert score.ndcg == pytest.approx((1 / math.log2(3)) / ideal)
    assert score.recall == pytest.approx(1 / 3)
    assert score.mrr == pytest.approx(1 / 2)


def test_one_passage_holding_two_evidence_strings_is_credited_at_one_rank():
    ranking = [RetrievedPassage("a.txt", "alfa beta gamma och delta epsilon")]
    score = score_ranking(_gold(), ranking, 10, known_docs={"a.txt"})
    assert score.recall == pytest.approx(2 / 3)
    assert score.ndcg <= 1.0


def test_cut_off_k():
    ranking = [RetrievedPassage("a.txt", "inget"), RetrievedPassage("a.txt", "alfa beta gamma")]
    assert score_ranking(_gold(), ranking, 1).recall == 0.0
    assert score_ranking(_gold(), ranking, 2).mrr == 0.5


def test_report_by_kind():
    gold = [_gold(), GoldQuery("r", "x", "question", [Evidence(None, "zeta eta", 1)])]
    report = evaluate(gold, lambda q, k: [RetrievedPassage("a.txt", "zeta eta")], k=10)
    assert set(report.by_kind) == {"keyword", "question"}
    assert report.by_kind["question"]["ndcg"] == 1.0
    assert report.overall["queries"] == 2


def test_malformed_gold_is_an_input_error():
    with pytest.raises(InputError):
        parse_gold({"not": "a list"})
    with pytest.raises(InputError):
        parse_gold([{"query": "x", "relevant": [{"doc": "a"}]}])
