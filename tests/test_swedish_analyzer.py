"""The Swedish analyser: the same terms for a word however it is inflected, compounded or cited."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from helpers.limits import run_with_memory_limit
from policykb.swedish.analyzer import MAX_TOKEN_LENGTH, Analyzer, stem, vocabulary_words

# A small vocabulary, as the corpus would give it: how often each word stands on its own.
VOCABULARY = Counter(
    {"hem": 40, "hemmet": 12, "sjukvård": 120, "sjuk": 15, "vård": 300, "lagen": 30, "lag": 25,
     "rehabilitering": 80, "plan": 20, "arbete": 30, "uppgifter": 25, "boenden": 10, "särskilda": 30}
)


def analyzer() -> Analyzer:
    return Analyzer(lambda w: VOCABULARY.get(w, 0))


def test_lower_casing_keeps_swedish_letters():
    terms = Analyzer().terms("Åtgärder ÄR Öppna vårdens")
    assert "åtgärd" in terms
    assert any(t.startswith("öpp") for t in terms)
    assert all(t == t.lower() for t in terms)
    assert not any("a" == t[0] for t in terms if t.startswith(("atg", "oppn")))


def test_inflections_share_a_stem():
    assert stem("hemmet") == stem("hem")
    assert stem("boendet") == stem("boende") == stem("boenden")
    assert stem("kommunernas") == stem("kommun")


def test_compound_parts_meet_the_phrase():
    a = analyzer()
    compound = set(a.query_terms("hemsjukvård"))
    phrase = set(a.query_terms("sjukvård i hemmet"))
    assert {"hem", "sjukvård"} <= compound
    assert {"hem", "sjukvård"} <= phrase


def test_linking_s_is_dropped_from_the_head():
    token = analyzer().tokens("sjukvårdslagen")[0]
    assert token.term == "sjukvårdslag"
    assert "sjukvård" in token.parts and "lag" in token.parts


def test_no_vocabulary_means_no_splitting():
    token = Analyzer().tokens("hemsjukvård")[0]
    assert token.parts == ()


def test_inflected_simple_words_are_not_split():
    a = Analyzer(lambda w: {"region": 50, "er": 50, "ioner": 9, "reg": 9}.get(w, 0))
    assert a.tokens("regioner")[0].parts == ()


def test_legal_identifiers_survive_as_tokens():
    terms = Analyzer().terms("enligt 13 a kap. och 2 kap. 3 § HSLF-FS 2016:40, lagen (2017:30) och prop. 2019/20:164")
    assert "13a" in terms
    assert "hslf-fs" in terms
    assert "2016:40" in terms and "2017:30" in terms
    assert "2019/20:164" in terms


def test_hyphenated_words_give_their_parts():
    token = Analyzer().tokens("LSS-boenden")[0]
    assert token.term == "lss-boend"
    assert set(token.parts) == {"lss", "boend"}


def test_stop_words_are_dropped_and_offsets_point_into_the_text():
    text = "Vem ansvarar för rehabilitering i hemmet?"
    tokens = Analyzer().tokens(text)
    assert [text[t.start : t.end] for t in tokens] == ["ansvarar", "rehabilitering", "hemmet"]
    assert Analyzer().terms("och i för att det") == []


def test_vocabulary_words_are_letters_only_and_lower_cased():
    assert list(vocabulary_words("Hälso- och sjukvården 2017:30 LSS-boenden")) == [
        "hälso", "och", "sjukvården", "lss", "boenden"
    ]


def test_an_overlong_run_of_letters_is_no_token_and_costs_no_lookups():
    # A blob read as text: the splitter used to look up (and the lexicon cache) every tail of it.
    looked_up: list[str] = []

    def frequency(word: str) -> int:
        looked_up.append(word)
        return VOCABULARY.get(word, 0)

    blob = "hemsjukvård" * 20_000
    text = f"Hemsjukvård {blob} vård 2017:{blob} 2017:30"
    tokens = Analyzer(frequency).tokens(text)
    assert [t.term for t in tokens] == ["hemsjukvård", "vård", "2017:30"]
    assert max(len(w) for w in looked_up) <= MAX_TOKEN_LENGTH
    assert blob not in set(vocabulary_words(text))
    # The longest real words still count.
    long_word = "sjukvårdshuvudmannaskapsfrågorna"
    assert Analyzer().terms(long_word) and list(vocabulary_words(long_word)) == [long_word]


def test_a_megabytes_long_word_is_analysed_in_bounded_memory():
    result = run_with_memory_limit(
        """
        from policykb.swedish.analyzer import Analyzer
        word = "hemsjukvard" * 300_000  # 3.3 MB, one word
        print(len(Analyzer(lambda w: 5 if len(w) < 8 else 0).tokens(word + " vård")))
        """,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "1"


# -- lemmas and the dictionary (simplemma's and hunspell-sv's data, `data/sv_*.gz`) -------------


def test_lemmas_reach_what_the_stemmer_cannot():
    a = Analyzer()
    gick, gar = a.tokens("gick")[0], a.tokens("går")[0]
    assert gar.terms[-1] in gick.terms and "gå" in gick.terms  # `gick` meets `går` and `gå`
    assert stem("stor") in a.tokens("större")[0].terms
    assert stem("fågel") in a.tokens("fåglarnas")[0].terms  # a genitive -s is looked through
    assert a.tokens("kommunerna")[0].parts == ()  # a regular form adds nothing


def test_the_dictionary_splits_compounds_the_corpus_has_never_seen():
    a = Analyzer(lambda w: 0)  # no corpus evidence at all
    assert {"kvinno", "organisation"} <= set(a.tokens("kvinnoorganisationerna")[0].parts)
    assert {"bemanning", "företag"} <= set(a.tokens("bemanningsföretagen")[0].parts)
    # ...but only into parts the dictionary allows at that place: `rapp` may not begin a compound.
    assert a.tokens("rapporten")[0].parts == ()
    assert a.tokens("verksamheten")[0].parts == ()


def test_dictionary_and_corpus_together_meet_the_phrase():
    a = analyzer()
    assert {"hem", "sjukvård"} <= set(a.query_terms("HEMSJUKVÅRDEN"))
    assert set(a.query_terms("sjukvård i hemmet")) <= set(a.query_terms("hemsjukvården"))
    # Legal identifiers stay whole beside all this.
    assert {"2017:30", "13a"} <= set(a.terms("lagen (2017:30) 13 a kap."))


def test_tokens_with_finds_what_tokens_finds_without_analysing_every_word(corpus_index):
    """`tokens_with(text, terms)` is `tokens(text)` filtered to the tokens carrying a term, for
    every passage of the corpus and the highlight terms of every dev and held-out query (in the
    index's analyser: compound parts split by the corpus vocabulary), and it analyses fewer words."""
    import json

    from policykb.query.search import Searcher

    gold = Path(__file__).resolve().parent / "fixtures" / "gold"
    queries = [q["query"] for name in ("queries-dev.json", "queries-holdout.json")
               for q in json.loads((gold / name).read_text(encoding="utf-8"))]
    with Searcher(corpus_index) as searcher:
        texts = [r[0] for r in searcher.connection().execute("SELECT text FROM passages")]
        term_sets = [searcher.query_analyzer.plan(q).highlight_terms for q in queries]
        fresh = Analyzer(searcher.lexicon.frequency)
        for text in texts:
            fresh.tokens_with(text, term_sets[0])
        every_word = Analyzer(searcher.lexicon.frequency)
        for text in texts:
            every_word.tokens(text)
        assert len(fresh._word_cache) < len(every_word._word_cache) / 3, "most words are never analysed"
        full = searcher.query_analyzer.analyzer
        full_tokens = [full.tokens(t) for t in texts]
        for terms in term_sets:
            for text, tokens in zip(texts, full_tokens):
                expected = [(t.start, t.end, t.terms) for t in tokens if terms.intersection(t.terms)]
                assert [(t.start, t.end, t.terms) for t in full.tokens_with(text, terms)] == expected
