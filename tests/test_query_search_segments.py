"""Sentence units and segments: how a passage is cut, and how segments are ranked."""

from __future__ import annotations

import numpy as np

from policykb.swedish.analyzer import Analyzer
from policykb.query.search.segments import PassageUnits, best_unit_scores, rank_segments
from policykb.chunk import segment_spans, unit_spans

TEXT = (
    "Kommunen ansvarar för hälso- och sjukvård i särskilda boenden. Regionen avsätter läkare.\n"
    "• Fast vårdkontakt utses av verksamhetschefen\n"
    "• Information till patienten\n"
    "Delegering av läkemedel kräver en bedömning av sjuksköterskan. Den som tar emot en delegering "
    "måste ha reell kompetens för uppgiften."
)


def test_units_are_the_sentences_and_bullets():
    units = [TEXT[s:e] for s, e in unit_spans(TEXT)]
    assert units[0] == "Kommunen ansvarar för hälso- och sjukvård i särskilda boenden."
    assert "• Fast vårdkontakt utses av verksamhetschefen" in units
    assert units[-1] == "Den som tar emot en delegering måste ha reell kompetens för uppgiften."
    assert len(units) == 5


def test_a_text_without_sentence_ends_is_one_unit():
    assert unit_spans("rubrik utan punkt") == [(0, 17)]
    assert unit_spans("") == [(0, 0)]


def test_segments_cover_every_unit_once_and_reach_the_target():
    spans = unit_spans(TEXT)
    groups = segment_spans(TEXT, spans, target_words=12)
    covered = [i for first, last in groups for i in range(first, last + 1)]
    assert covered == list(range(len(spans)))
    for first, last in groups[:-1]:
        assert len(TEXT[spans[first][0] : spans[last][1]].split()) >= 12
    # A short tail joins the segment before it.
    assert segment_spans("Ett två tre fyra. Fem.", [(0, 17), (18, 22)], target_words=4) == [(0, 1)]


def _units(text, vectors=None):
    return PassageUnits(unit_spans(text), vectors)


def test_lexical_segments_prefer_the_matching_part_of_a_passage():
    analyzer = Analyzer()
    terms = analyzer.query_terms("delegering läkemedel")
    idf = {t: 2.0 for t in terms}
    segments = rank_segments(
        [(1, 1.0)], {1: TEXT}, {1: _units(TEXT)}, analyzer=analyzer, query_terms=terms, idf=idf, target_words=12
    )
    assert len(segments) >= 2
    assert "Delegering av läkemedel" in TEXT[segments[0].start : segments[0].end]
    assert segments[0].score > segments[-1].score


def test_a_segment_of_a_strong_passage_can_outrank_a_weaker_passage():
    analyzer = Analyzer()
    other = "Hjälpmedel förskrivs av arbetsterapeuter. Det sker efter en bedömning av behovet i hemmet."
    terms = analyzer.query_terms("delegering läkemedel")
    segments = rank_segments(
        [(1, 1.0), (2, 0.2)],
        {1: TEXT, 2: other},
        {1: _units(TEXT), 2: _units(other)},
        analyzer=analyzer,
        query_terms=terms,
        idf={t: 2.0 for t in terms},
        target_words=8,
    )
    assert [s.passage_id for s in segments][:2] == [1, 1]


def test_dense_segments_use_the_best_unit():
    spans = unit_spans(TEXT)
    vectors = np.zeros((len(spans), 2), dtype=np.float32)
    vectors[:, 1] = 1.0
    vectors[-1] = [1.0, 0.0]  # the last sentence points where the query does
    units = {1: PassageUnits(spans, vectors)}
    query = np.array([1.0, 0.0], dtype=np.float32)
    assert best_unit_scores(units, query) == {1: 1.0}
    segments = rank_segments([(1, 1.0)], {1: TEXT}, units, analyzer=Analyzer(), query_vector=query, target_words=8)
    assert TEXT[segments[0].start : segments[0].end].endswith("reell kompetens för uppgiften.")


def test_an_expansion_phrase_counts_only_where_its_words_stand_together():
    analyzer = Analyzer()
    text = (
        "Insatser enligt lagen om stöd och service ges av kommunen. "
        "Stöd ges också som service i hemmet, enligt lagen i övrigt och andra regler."
    )
    phrase = analyzer.terms("lagen om stöd och service")
    key = " ".join(phrase)
    segments = rank_segments(
        [(1, 1.0)],
        {1: text},
        {1: _units(text)},
        analyzer=analyzer,
        expansion_phrases=[phrase],
        idf={key: 2.0, **{t: 2.0 for t in phrase}},
        target_words=5,
    )
    assert len(segments) == 2
    by_start = sorted(segments, key=lambda s: s.start)
    assert by_start[0].terms[key] == 1 and by_start[1].terms[key] == 0
    assert text[segments[0].start : segments[0].end].startswith("Insatser enligt lagen om stöd")


def test_the_first_segment_of_a_passage_wins_a_tie():
    text = "Ett två tre fyra fem sex. Sju åtta nio tio elva tolv."
    segments = rank_segments([(1, 1.0)], {1: text}, {1: _units(text)}, analyzer=Analyzer(), target_words=5)
    assert len(segments) == 2
    assert segments[0].start == 0 and segments[0].lead and not segments[1].lead
    assert segments[0].score > segments[1].score
