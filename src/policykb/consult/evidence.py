"""find_evidence: what *other* documents say about a proposal (hybrid search), quoted."""

from __future__ import annotations

import re
from typing import Any, Protocol

from policykb.consult.model import Evidence, Proposal
from policykb.store import Store
from policykb.swedish.text import clip

QUOTE_CHARS = 360
# The evidence query is the proposal's opening: enough to carry its subject, short enough that
# the embedding stays fast and the lexical side is not swamped by incidental words.
QUERY_CHARS = 500
EVIDENCE_DEPTH = (40, 100)  # search depths tried in turn until other documents are reached


class SearcherLike(Protocol):
    """`policykb.query.search.Searcher` or anything searching the same way (hits with DESIGN.md fields)."""

    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: Any = None) -> list[Any]: ...


# -- evidence ----------------------------------------------------------------------------------


def find_evidence(
    store: Store, searcher: SearcherLike, proposal: Proposal, doc_id: str, *, evidence: int, mode: str
) -> list[Evidence]:
    """The passages of other documents that best match the proposal (hybrid search)."""
    query = clip(" ".join(part for part in (proposal.text, proposal.context) if part), QUERY_CHARS)
    query = query.replace(" …", "")
    # The proposal's own document matches it best; look deeper until others are reached.
    hits: list[Any] = []
    for depth in EVIDENCE_DEPTH:
        hits = searcher.search(query, k=depth, mode=mode)
        if sum(1 for hit in hits if hit.doc_id != doc_id) >= evidence or len(hits) < depth:
            break
    out: list[Evidence] = []
    seen: set[int] = set()
    for hit in hits:
        # Hits are segments: two of one passage would quote the same passage twice.
        if hit.doc_id == doc_id or hit.passage_id in seen:
            continue
        seen.add(hit.passage_id)
        row = store.conn.execute(
            "SELECT d.publisher FROM passages p JOIN documents d USING (doc_id) WHERE p.passage_id = ?",
            (hit.passage_id,),
        ).fetchone()
        printed = [p for p in (getattr(hit, "printed_pages", None) or []) if p]
        out.append(
            Evidence(
                doc_id=hit.doc_id,
                title=hit.title,
                identifier=hit.identifier,
                publisher=row["publisher"] if row else None,
                page=hit.pages[0] if hit.pages else 0,
                printed_page=printed[0] if printed else None,
                passage_id=hit.passage_id,
                heading=hit.heading or "",
                quote=best_quote(hit.text, query, hit.highlights or []),
                score=round(float(hit.score), 4),
            )
        )
        if len(out) >= evidence:
            break
    return out


_WORD = re.compile(r"[A-Za-zÅÄÖåäöÉéÜü]{4,}")


def best_quote(text: str, query: str, highlights: list) -> str:
    """The sentence or two of `text` that share the most words with the query, at most ~360 chars."""
    from policykb.swedish.sentences import sentence_spans

    spans = sentence_spans(text) or [(0, len(text))]
    stems = {w.lower()[:6] for w in _WORD.findall(query)}
    marked = [tuple(h) for h in highlights if len(h) == 2]

    def score(span: tuple[int, int]) -> float:
        s, e = span
        words = {w.lower()[:6] for w in _WORD.findall(text[s:e])}
        lit = sum(1 for hs, he in marked if s <= hs < e)
        return len(words & stems) + 0.5 * lit - 0.002 * max(0, (e - s) - QUOTE_CHARS)

    best = max(range(len(spans)), key=lambda i: score(spans[i]))
    start, end = spans[best]
    # Grow with the neighbouring sentence that scores better while room remains.
    while end - start < QUOTE_CHARS * 0.6:
        left = best - 1 if best > 0 and spans[best - 1][1] <= start else None
        right_i = next((i for i, sp in enumerate(spans) if sp[0] >= end), None)
        options = [
            i for i in (left, right_i)
            if i is not None and spans[i][1] - spans[i][0] + (end - start) <= QUOTE_CHARS and score(spans[i]) >= 1
        ]
        if not options:
            break
        pick = max(options, key=lambda i: score(spans[i]))
        start, end = min(start, spans[pick][0]), max(end, spans[pick][1])
        best = pick if pick < best else best
    quote = " ".join(text[start:end].split())
    return clip(quote, QUOTE_CHARS)
