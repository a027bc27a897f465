"""Quality measures of PDF reading against builder ground truth (shared by tests and benchmarks/bench_pdf.py).

- body word F1: bag of lower-cased words per page; header, page number and footnote words that
  leak into the body count as false positives, body words lost as false negatives;
- footnote recall: notes found on the right page with their number and (nearly) their text;
- marker links: markers found on the right page, with the right number, after the right word;
- hyphen restoration: words broken at a line end that come back whole;
- sentences intact: sentences wholly on one page that appear unbroken in the page text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from policykb.models import Page

from helpers.pdf_builders import Truth, words_of


@dataclass
class Quality:
    body_f1: float
    footnote_recall: float
    marker_links: float
    hyphens_restored: float
    sentences_intact: float
    printed_pages: float
    counts: dict[str, int]

    def as_dict(self) -> dict[str, float]:
        return {
            "body_word_f1": round(self.body_f1, 4),
            "footnote_recall": round(self.footnote_recall, 4),
            "marker_links": round(self.marker_links, 4),
            "hyphens_restored": round(self.hyphens_restored, 4),
            "sentences_intact": round(self.sentences_intact, 4),
            "printed_pages": round(self.printed_pages, 4),
        }


def _ratio(hit: int, total: int) -> float:
    return hit / total if total else 1.0


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def measure(pages: list[Page], truth: Truth) -> Quality:
    tp = fp = fn = 0
    notes_total = notes_hit = 0
    links_total = links_hit = 0
    hyph_total = hyph_hit = 0
    sent_total = sent_hit = 0
    printed_hit = 0
    by_index = {p.index: p for p in pages}
    for t in truth.pages:
        page = by_index.get(t.index)
        text = page.text if page else ""
        got = Counter(words_of(text))
        want = Counter(t.body_words)
        overlap = sum((got & want).values())
        tp += overlap
        fp += sum(got.values()) - overlap
        fn += sum(want.values()) - overlap
        printed_hit += page is not None and page.printed == t.printed
        found_notes = {n.number: n.text for n in page.footnotes} if page else {}
        for number, note in t.footnotes.items():
            notes_total += 1
            if number in found_notes and _norm(found_notes[number]) == _norm(note):
                notes_hit += 1
        found_links = set()
        if page:
            for block in page.blocks:
                for offset, number in block.markers:
                    before = words_of(block.text[:offset])
                    if before:
                        found_links.add((number, before[-1]))
        for number, word in t.markers:
            links_total += 1
            links_hit += (number, word) in found_links
        page_words = set(got)
        for word in t.hyphenated:
            hyph_total += 1
            hyph_hit += all(w in page_words for w in words_of(word))
        flat = _norm(" ".join(b.text for b in page.blocks)) if page else ""
        for sentence in t.sentences:
            sent_total += 1
            sent_hit += _norm(sentence) in flat
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Quality(
        f1,
        _ratio(notes_hit, notes_total),
        _ratio(links_hit, links_total),
        _ratio(hyph_hit, hyph_total),
        _ratio(sent_hit, sent_total),
        _ratio(printed_hit, len(truth.pages)),
        {
            "pages": len(truth.pages), "footnotes": notes_total, "markers": links_total,
            "hyphenated": hyph_total, "sentences": sent_total,
        },
    )
