"""English queries: language detection, glossary translation, and the query plan built from them."""

from __future__ import annotations

from collections import Counter

import pytest

from policykb.swedish.analyzer import Analyzer
from policykb.query.search.crosslingual import Glossary, default_glossary, is_english
from policykb.query.search.plan import QueryAnalyzer

# Word frequencies of a small Swedish corpus that happens to use a few English words too.
CORPUS = Counter(
    "patient team plan stroke reablement definition vård omsorg kommun lyssna patientens behov".split() * 5
)


def frequency(word: str) -> int:
    return CORPUS.get(word, 0)


@pytest.mark.parametrize(
    "query",
    [
        "rules for delegating medication tasks to home care staff",
        "loneliness among older people",
        "who is responsible for rehabilitation at home",
        "patient safety in home care",
        "pressure ulcers",
    ],
)
def test_english_queries_are_recognised(query):
    assert is_english(query, frequency)


@pytest.mark.parametrize(
    "query",
    [
        "delegering läkemedel omsorgspersonal",
        "reablement definition",  # both words are used by the Swedish corpus
        "lyssna in patientens behov",  # `in` is Swedish too
        "MAR",
        "stroke team",
        "Vad gör en fast vårdkontakt?",
    ],
)
def test_swedish_queries_are_not_english(query):
    assert not is_english(query, frequency)


def test_longest_phrase_wins_and_function_words_drop():
    translated = default_glossary().translate("coordinated individual plan for older people in home care")
    assert translated.text.split(" ")[:3] == ["samordnad", "individuell", "plan"]
    assert "äldre personer" in translated.terms and "hemtjänst" in translated.terms
    assert "for" not in translated.text.split() and "in" not in translated.text.split()


def test_inflected_english_words_match_by_stem():
    glossary = Glossary.from_lines(["nurse\tsjuksköterska", "delegate\tdelegering"])
    translated = glossary.translate("Nurses delegating tasks")
    assert translated.text == "sjuksköterska delegering tasks"
    assert translated.kept == ["tasks"]


def test_a_lone_function_word_is_never_translated():
    glossary = Glossary.from_lines(["who\tWHO", "world health organization\tWHO"])
    assert glossary.translate("who decides").text == "decides"
    assert glossary.translate("the World Health Organization").text == "WHO"


def test_query_plan_of_an_english_query():
    analyzer = Analyzer(frequency)
    plan = QueryAnalyzer(analyzer, frequency=frequency).plan("malnutrition in elderly people")
    assert plan.translation and "undernäring" in plan.translation
    assert "undernäring" in plan.terms and "malnutrition" not in plan.terms
    assert plan.dense_texts == ["malnutrition in elderly people", plan.translation]


def test_query_plan_of_a_swedish_query_is_untouched():
    analyzer = Analyzer(frequency)
    plan = QueryAnalyzer(analyzer, frequency=frequency).plan("undernäring hos äldre")
    assert plan.translation is None and plan.dense_texts == ["undernäring hos äldre"]
    off = QueryAnalyzer(analyzer, frequency=frequency, glossary=None).plan("malnutrition in elderly people")
    assert off.translation is None and "malnutrit" in " ".join(off.terms)


def test_glossary_data_is_well_formed():
    glossary = default_glossary()
    assert len(glossary.entries) >= 500
    assert all(forms and all(f.strip() == f and f for f in forms) for forms in glossary.entries.values())
