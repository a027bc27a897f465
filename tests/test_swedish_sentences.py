"""Sentence splitting and the attachment of footnote references to body sentences."""

from __future__ import annotations

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
