"""From ranked passages to ranked segments: the units a search returns.

The retrievers score whole passages (`search.Searcher`): BM25 needs the passage's words and the
embedding model its context. But a passage of 120-220 words often answers a question in one or
two sentences and talks about something else in the rest, and a reader (and an evaluation that
credits each piece of evidence once, at the rank that first shows it) is better served by the
part that answers. So the best passages are cut into segments (`units.segment_spans`: sentences
grouped to about 45 words) and every segment is scored

    SEGMENT_PASSAGE_WEIGHT x passage score + (1 - SEGMENT_PASSAGE_WEIGHT) x local score

where the passage score is the passage's fused score (0..1) and the local score is how well the
segment itself matches: the best cosine of its sentence units with the query vector and a BM25
of its own words against the query terms and expansion phrases (a phrase counts where its words
stand together, as in the passage-level FTS5 query; IDF from the whole index), each scaled over all the
segments in play and averaged; a passage's first segment gets `LEAD_BONUS` on top (it holds the
evidence twice as often as a later one). A segment of a strong passage can therefore outrank the best
segment of a weaker one, and two segments of one passage can both make the top k when both
match. Measured on the dev and held-out queries (README, Design: search).
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from policykb.chunk import SEGMENT_WORDS, segment_spans

if TYPE_CHECKING:
    import numpy as np

# How many of the best passages are cut into segments (at least k).
SEGMENT_DEPTH = 30
SEGMENT_PASSAGE_WEIGHT = 0.7
# Inside the local score: the dense share (the rest is the segment's BM25).
SEGMENT_DENSE_WEIGHT = 0.5
# Added to the score of a passage's first segment: a passage starts where a heading or a paragraph
# starts, and its opening sentences usually state what it is about.
LEAD_BONUS = 0.02
BM25_K1 = 1.2
BM25_B = 0.75
# BM25 of the expansion terms (synonyms) counts this much next to the query's own words.
EXPANSION_WEIGHT = 0.5


@dataclass
class PassageUnits:
    spans: list[tuple[int, int]]
    vectors: Any = None  # n_units x d float32, or None (no vectors stored)


@dataclass
class Segment:
    passage_id: int
    start: int  # offsets into the passage text
    end: int
    score: float = 0.0
    dense: float | None = None  # best unit cosine
    lead: bool = False  # the passage's first segment
    terms: Counter = field(default_factory=Counter)


def load_units(
    conn: sqlite3.Connection, passage_ids: Sequence[int], model_id: str | None = None
) -> dict[int, PassageUnits]:
    """The sentence units of `passage_ids`, with their vectors from the embedding cache when
    `model_id` is given (a unit whose vector is missing leaves its passage without vectors)."""
    import numpy as np

    out: dict[int, PassageUnits] = {}
    ids = [int(i) for i in dict.fromkeys(passage_ids)]
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        marks = ",".join("?" * len(chunk))
        if model_id is None:
            rows = conn.execute(
                f"SELECT passage_id, start, end, NULL FROM passage_units WHERE passage_id IN ({marks}) "
                f"ORDER BY passage_id, ordinal",
                chunk,
            )
        else:
            rows = conn.execute(
                "SELECT u.passage_id, u.start, u.end, c.vector FROM passage_units u "
                "LEFT JOIN embedding_cache c ON c.model = ? AND c.text_hash = u.text_hash "
                f"WHERE u.passage_id IN ({marks}) ORDER BY u.passage_id, u.ordinal",
                [model_id, *chunk],
            )
        blobs: dict[int, list] = {}
        for pid, start, end, blob in rows:
            out.setdefault(pid, PassageUnits([])).spans.append((start, end))
            blobs.setdefault(pid, []).append(blob)
        if model_id is not None:
            for pid, items in blobs.items():
                if all(b is not None for b in items):
                    out[pid].vectors = np.frombuffer(b"".join(items), dtype=np.float32).reshape(len(items), -1)
    return out


def best_unit_scores(units: dict[int, PassageUnits], query_vector: np.ndarray) -> dict[int, float]:
    """Per passage: the best cosine of one of its units with the query."""
    return {
        pid: float((u.vectors @ query_vector).max())
        for pid, u in units.items()
        if u.vectors is not None and len(u.vectors)
    }


def term_idf(conn: sqlite3.Connection, terms: Sequence[str]) -> dict[str, float]:
    """BM25 IDF of each term over the whole index (a match in any column counts)."""
    from policykb.index.lexical import quote

    total = conn.execute("SELECT count(*) FROM passage_fts").fetchone()[0] or 1
    out = {}
    for term in dict.fromkeys(terms):
        n = conn.execute(
            "SELECT count(*) FROM passage_fts WHERE passage_fts MATCH ?", (quote(term),)
        ).fetchone()[0]
        out[term] = math.log((total - n + 0.5) / (n + 0.5) + 1.0)
    return out


def rank_segments(
    ranked: Sequence[tuple[int, float]],
    texts: dict[int, str],
    units: dict[int, PassageUnits],
    *,
    analyzer: Any,
    tokens: Callable[[str], list] | None = None,
    query_terms: Sequence[str] = (),
    expansion_terms: Sequence[str] = (),
    expansion_phrases: Sequence[Sequence[str]] = (),
    idf: dict[str, float] | None = None,
    query_vector: np.ndarray | None = None,
    depth: int = SEGMENT_DEPTH,
    target_words: int = SEGMENT_WORDS,
) -> list[Segment]:
    """Segments of the first `depth` passages of `ranked` ((passage id, score 0..1), best first),
    best first. Lexical scoring needs `query_terms` and `idf`; dense scoring `query_vector`.
    `tokens(text)` analyses a passage (default `analyzer.tokens`; the searcher passes a cached one)."""
    tokens_of = tokens or analyzer.tokens
    phrases = [tuple(p) for p in dict.fromkeys(tuple(p) for p in expansion_phrases) if len(p) > 1]
    segments: list[Segment] = []
    passage_score = dict(ranked[:depth])
    for pid, _ in ranked[:depth]:
        text = texts.get(pid)
        info = units.get(pid)
        if text is None:
            continue
        spans = info.spans if info and info.spans else [(0, len(text))]
        vectors = info.vectors if info is not None else None
        tokens = tokens_of(text) if query_terms or expansion_terms or phrases else []
        position = 0
        for first, last in segment_spans(text, spans, target_words):
            start, end = spans[first][0], spans[last][1]
            segment = Segment(pid, start, end, lead=first == 0)
            if vectors is not None and query_vector is not None:
                segment.dense = float((vectors[first : last + 1] @ query_vector).max())
            words: list[str] = []
            while position < len(tokens) and tokens[position].start < end:
                if tokens[position].start >= start:
                    segment.terms.update(tokens[position].terms)
                    words.append(tokens[position].term)
                position += 1
            for phrase in phrases:
                count = _occurrences(words, phrase)
                if count:
                    segment.terms[" ".join(phrase)] += count
            segments.append(segment)
    if not segments:
        return []
    lexical = _bm25(segments, query_terms, [*expansion_terms, *(" ".join(p) for p in phrases)], idf or {})
    top_lexical = max(lexical, default=0.0)
    dense_values = [s.dense for s in segments if s.dense is not None]
    low, high = (min(dense_values), max(dense_values)) if dense_values else (0.0, 0.0)
    use_lexical = top_lexical > 0
    use_dense = bool(dense_values)
    dense_share = (SEGMENT_DENSE_WEIGHT if use_lexical else 1.0) if use_dense else 0.0
    for segment, bm25 in zip(segments, lexical):
        local = (1.0 - dense_share) * (bm25 / top_lexical if use_lexical else 0.0)
        if use_dense:
            dense = segment.dense if segment.dense is not None else low
            local += dense_share * ((dense - low) / (high - low) if high > low else 1.0)
        own = passage_score[segment.passage_id]
        segment.score = SEGMENT_PASSAGE_WEIGHT * own + (1 - SEGMENT_PASSAGE_WEIGHT) * local
        if segment.lead:
            segment.score += LEAD_BONUS
    segments.sort(key=lambda s: -s.score)
    return segments


def _bm25(
    segments: Sequence[Segment], terms: Sequence[str], expansions: Sequence[str], idf: dict[str, float]
) -> list[float]:
    weights = {t: EXPANSION_WEIGHT for t in expansions}
    weights.update({t: 1.0 for t in terms})
    if not weights:
        return [0.0] * len(segments)
    lengths = [sum(s.terms.values()) for s in segments]
    average = (sum(lengths) / len(lengths)) or 1.0
    out = []
    for segment, length in zip(segments, lengths):
        score = 0.0
        norm = BM25_K1 * (1 - BM25_B + BM25_B * length / average)
        for term, weight in weights.items():
            tf = segment.terms.get(term, 0)
            if tf:
                score += weight * idf.get(term, 0.0) * tf * (BM25_K1 + 1) / (tf + norm)
        out.append(score)
    return out


def _occurrences(words: Sequence[str], phrase: tuple[str, ...]) -> int:
    n = len(phrase)
    return sum(1 for i in range(len(words) - n + 1) if tuple(words[i : i + n]) == phrase)


def best_sentence(
    units: Sequence[tuple[int, int]],
    matched: Sequence[tuple[int, str]],
    *,
    idf: dict[str, float] | None = None,
    unit_vectors: Any = None,
    query_vector: np.ndarray | None = None,
) -> int | None:
    """The index (into `units`) of the unit that carries the match best, or None without units.

    `units` are (start, end) spans of the sentences in play; `matched` the (offset, term) of every
    query term found in them. A unit's lexical score is the IDF of the distinct query terms it holds
    (a rare word says more than `kommun`), its dense score its cosine with the query; each is scaled
    over the units and the two are averaged (the mix the segment ranking uses). With neither
    signal the first unit wins: a passage's opening usually says what it is about."""
    if not units:
        return None
    idf = idf or {}
    lexical = []
    for start, end in units:
        terms = {term for offset, term in matched if start <= offset < end}
        lexical.append(sum(idf.get(term, 1.0) for term in terms))
    top = max(lexical)
    dense: list[float] | None = None
    if unit_vectors is not None and query_vector is not None and len(unit_vectors) == len(units):
        dense = (unit_vectors @ query_vector).tolist()
    scores = []
    for i in range(len(units)):
        parts = []
        if top > 0:
            parts.append(lexical[i] / top)
        if dense is not None:
            low, high = min(dense), max(dense)
            parts.append((dense[i] - low) / (high - low) if high > low else 1.0)
        scores.append(sum(parts) / len(parts) if parts else 0.0)
    return max(range(len(units)), key=lambda i: (scores[i], -i))
