"""Sentence splitting and the attachment of footnote references to body sentences."""

from __future__ import annotations

from policykb.legal import ReferenceContext
from policykb.annotate.pages import page_sentences
from policykb.models import Block, Footnote, Page
from policykb.swedish.sentences import sentence_spans, split_sentences


def test_swedish_abbreviations_do_not_end_sentences():
    text = ("Det gäller bl.a. MAS, t.ex. enligt 5 kap. 1 § HSL och prop. 2019/20:164 s. 13 ff. jfr 3 kap. PSL. "
            "Nästa mening börjar här. 1 § gäller inte. Sista?")
    assert split_sentences(text) == [
        "Det gäller bl.a. MAS, t.ex. enligt 5 kap. 1 § HSL och prop. 2019/20:164 s. 13 ff. jfr 3 kap. PSL.",
        "Nästa mening börjar här.", "1 § gäller inte.", "Sista?",
    ]
    assert split_sentences("") == [] and split_sentences("   ") == []
    assert split_sentences("Ett.\n\nTvå utan punkt\n• Tre") == ["Ett.", "Två utan punkt", "• Tre"]


def test_spans_are_offsets():
    text = "  Första meningen. Andra meningen!  "
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["Första meningen.", "Andra meningen!"]


def test_footnote_references_attach_to_the_sentence_with_the_marker():
    body = ("Regionen ansvarar inte för sådan vård som kommunen har ansvar för. "
            "Hälso- och sjukvården ska arbeta för att förebygga ohälsa enligt 3 kap. 2 § HSL.")
    marker_after_first = body.index("för.") + len("för.")
    page = Page(index=3, blocks=[
        Block("heading", "Ansvar"),
        Block("paragraph", body, markers=[(marker_after_first, 8), (len(body), 107)]),
    ], footnotes=[Footnote(8, "8 kap. 6 § HSL."), Footnote(107, "Se prop. 2019/20:164 s. 12.")])
    sentences = page_sentences(page, ReferenceContext())
    assert [s.block for s in sentences] == [0, 1, 1]
    first, second = sentences[1], sentences[2]
    assert first.footnotes == [8] and [r.canonical for r in first.footnote_references[8]] == ["SFS 2017:30 8 kap. 6 §"]
    assert first.references == []
    assert second.footnotes == [107]
    assert [(via, r.canonical) for via, r in second.all_references] == [
        ("inline", "SFS 2017:30 3 kap. 2 §"), ("footnote", "prop. 2019/20:164")]
    assert body[second.start:second.end] == second.text and second.page == 3


def test_a_definition_in_a_footnote_applies_to_later_pages():
    context = ReferenceContext()
    page1 = Page(index=0, blocks=[Block("paragraph", "Vården styrs av lag.", markers=[(19, 1)])],
                 footnotes=[Footnote(1, "Lagen (2022:913) om sammanhållen vård- och omsorgsdokumentation, LSVO.")])
    page2 = Page(index=1, blocks=[Block("paragraph", "Enligt 2 kap. 1 § LSVO får uppgifter delas.")])
    page_sentences(page1, context)
    (sentence,) = page_sentences(page2, context)
    assert [r.canonical for r in sentence.references] == ["SFS 2022:913 2 kap. 1 §"]
