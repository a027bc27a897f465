"""Everyday Swedish in a query finds the official words of the documents (`query/search/register.py`)."""

from __future__ import annotations

import pytest

from policykb.data import alternatives, word_lines
from policykb.query.search.plan import QueryAnalyzer
from policykb.query.search.register import REGISTER_FILE, Register, default_register, word_keys
from policykb.swedish.analyzer import Analyzer

ENTRIES = [
    ("doktor", ["läkare"]),
    ("psyke", ["psykiatrisk vård", "psykiatri"]),
    ("på smällen", ["gravid"]),
    ("bestämma själv", ["självbestämmande"]),
    ("gamla", ["äldre"]),
]


@pytest.fixture(scope="module")
def register() -> Register:
    return Register(ENTRIES)


def forms(register: Register, text: str) -> list[str]:
    return [e.form for e in register.expansions(text)]


@pytest.mark.parametrize("word", ["doktor", "doktorn", "doktorer", "Doktorerna"])
def test_a_word_matches_in_its_inflected_forms(register, word):
    assert forms(register, f"fråga {word} om medicinen") == ["läkare"]


def test_definite_forms_and_stop_words_in_phrases(register):
    assert forms(register, "ska vårdcentralen ta hand om psyket") == ["psykiatrisk vård", "psykiatri"]
    assert forms(register, "röntgen när man är på smällen") == ["gravid"]
    assert forms(register, "får patienten bestämma själv") == ["självbestämmande"]


def test_phrases_match_only_as_a_whole_and_in_order(register):
    assert forms(register, "själv bestämma") == []
    assert forms(register, "bestämma vad som gäller") == []


def test_official_words_already_in_the_query_add_nothing(register):
    assert forms(register, "läkare och doktor") == []
    assert forms(register, "psykiatri för psyket") == ["psykiatrisk vård"]


def test_the_official_word_is_not_widened_to_the_everyday_one(register):
    assert forms(register, "läkare inom psykiatrisk vård för äldre") == []


def test_words_the_stemmer_merges_stay_apart():
    register = Register([("vården", ["hälso- och sjukvård"]), ("vårdare", ["vårdpersonal"]), ("skepp", ["fartyg"])])
    assert forms(register, "vårdaren kom hem") == ["vårdpersonal"]
    assert forms(register, "vårdarna") == ["vårdpersonal"]
    assert forms(register, "vård av äldre") == ["hälso- och sjukvård"]
    assert forms(register, "skepparen") == []


def test_word_keys_relate_the_stemmer_s_forms():
    assert word_keys("doktor") & word_keys("doktorer")
    assert word_keys("doktorn") & word_keys("doktor")


def test_the_bundled_list_parses_and_every_line_is_an_entry():
    lines = word_lines(REGISTER_FILE)
    entries = alternatives(lines)
    assert len(entries) == len(lines) > 100, "every non-comment line is `everyday<TAB>official[|official]`"
    everyday = [e for e, _ in entries]
    assert len(everyday) == len(set(everyday)), "each everyday phrase is listed once"
    assert len(default_register()) > 100


def test_the_plan_searches_the_official_forms_beside_the_query_and_tells_the_dense_side():
    analyzer = Analyzer()
    plan = QueryAnalyzer(analyzer, register=Register(ENTRIES)).plan("vad säger doktorn om psyket")
    assert ["läk"] in plan.register_phrases or [analyzer.terms("läkare")[0]] in plan.register_phrases
    assert [*analyzer.terms("psykiatrisk vård")] in plan.register_phrases
    assert "läkare" in plan.dense_text and "psykiatrisk vård" in plan.dense_text
    assert set(analyzer.terms("läkare")) <= plan.highlight_terms
    # The query's own words are searched as typed; the official forms are an expansion beside them.
    assert set(analyzer.terms("doktorn")) <= set(plan.terms)


def test_english_queries_are_not_given_swedish_register_forms():
    plan = QueryAnalyzer(Analyzer(), register=Register([("nurse", ["sjuksköterska"])])).plan(
        "what does the nurse do at home"
    )
    assert plan.register_phrases == []


def test_no_register():
    plan = QueryAnalyzer(Analyzer(), register=None).plan("vad säger doktorn")
    assert plan.register_phrases == []


def test_an_everyday_query_finds_the_documents_official_words(corpus_index):
    """`doktorn` is not a word of the corpus's guidance on care at home; `läkare` is. The lexical
    side alone finds passages about physicians, with the official word highlighted."""
    from policykb.query.search import Searcher

    with Searcher(corpus_index) as searcher:
        assert searcher.lexicon.frequency("doktorn") == 0
        hits = searcher.search("när kommer doktorn hem till patienten", k=10, mode="lexical")
        marked = {h.text[a:b].lower() for h in hits for a, b in h.highlights}
        assert any(word.startswith("läkar") for word in marked), marked
        without = Searcher(corpus_index)
        without.query_analyzer.register = None
        try:
            plain = without.search("när kommer doktorn hem till patienten", k=10, mode="lexical")
        finally:
            without.close()
        plain_marked = {h.text[a:b].lower() for h in plain for a, b in h.highlights}
        assert not any(word.startswith("läkar") for word in plain_marked)
