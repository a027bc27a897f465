"""Sentence units of a passage, and the segments a search returns.

A passage (120-220 words, `chunk.py`) is the unit the retrievers score: enough context for BM25
and the embedding model. Inside it, the *units* are its sentences (`sentsplit.sentence_spans`; a
bullet line is a sentence of its own). Each unit is embedded on its own at ingest, and the
passage's vector is the normalised mean of its units' vectors, so the passage costs no extra
embedding; at query time the best-matching unit says where in the passage the answer is.

A search hit is a *segment*: consecutive units of one passage grouped until they reach
`SEGMENT_WORDS` words (a short tail joins the segment before it). Segments are cut at query
time from the stored unit spans, so their size can change without re-indexing.
"""

from __future__ import annotations

from collections.abc import Sequence

from .sentsplit import sentence_spans

SEGMENT_WORDS = 45

Span = tuple[int, int]


def unit_spans(text: str) -> list[Span]:
    """(start, end) offsets of the passage's sentences; the whole text when it has none (so
    every passage has at least one unit)."""
    return sentence_spans(text) or [(0, len(text))]


def segment_spans(text: str, units: Sequence[Span], target_words: int = SEGMENT_WORDS) -> list[tuple[int, int]]:
    """Group consecutive units into segments of at least `target_words` words; returns
    (first unit index, last unit index) pairs, inclusive, covering every unit once."""
    groups: list[list[int]] = []
    current: list[int] = []
    words = 0
    for i, (start, end) in enumerate(units):
        current.append(i)
        words += len(text[start:end].split())
        if words >= target_words:
            groups.append(current)
            current, words = [], 0
    if current:
        if groups and words < target_words / 2:
            groups[-1].extend(current)
        else:
            groups.append(current)
    return [(g[0], g[-1]) for g in groups]
