"""Scoring requirement tracing against a gold file.

Gold items: `{"doc": doc_id, "sentence": "...", "sources": [canonical, ...]}` (optionally
`"footnote": N`). Each gold sentence is looked up among the requirements the index holds for
that document; the predicted sources of the requirement found (none when the sentence was not
recognised as a requirement) are compared with the gold ones as sets. True and false positives
and false negatives are summed over items: micro-averaged precision and recall of `sources`.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from policykb.legal.canonical import level_of
from policykb.errors import InputError
from policykb.store import Store
from policykb.evaluate.metrics import prf

_WORD = re.compile(r"\w+")


def _normal(text: str) -> str:
    return " ".join(text.split()).strip()


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def find_requirement(
    candidates: list[dict[str, Any]], sentence: str, footnote: int | None = None
) -> dict[str, Any] | None:
    """The stored requirement that is the gold sentence: the same text, else one containing it
    (or contained in it: the extraction may have run a heading into a sentence), else the one
    sharing most of its words. A footnote number given with the gold item breaks ties."""
    gold = _normal(sentence)

    def pick(found: list[dict[str, Any]]) -> dict[str, Any] | None:
        if not found:
            return None
        if footnote is not None:
            with_note = [c for c in found if footnote in c["footnotes"]]
            if with_note:
                return with_note[0]
        return found[0]

    exact = pick([c for c in candidates if _normal(c["sentence"]) == gold])
    if exact:
        return exact
    containing = pick([c for c in candidates if gold in _normal(c["sentence"]) or _normal(c["sentence"]) in gold])
    if containing:
        return containing
    gold_words = _words(gold)
    best, best_score = None, 0.0
    for c in candidates:
        words = _words(c["sentence"])
        score = len(words & gold_words) / max(1, len(words | gold_words))
        if score > best_score:
            best, best_score = c, score
    return best if best_score >= 0.7 else None


def evaluate_trace(store: Store, items: list[dict[str, Any]]) -> dict[str, Any]:
    missing_docs = sorted({str(i.get("doc")) for i in items} - store.document_ids())
    if missing_docs:
        raise InputError(
            f"the gold file names documents not in {store.index_dir}: {', '.join(missing_docs[:5])}; "
            f"ingest them first (e.g. `policykb ingest corpus/ --index-dir {store.index_dir}`)"
        )
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for doc_id in {i["doc"] for i in items}:
        rows = store.conn.execute(
            "SELECT r.requirement_id, s.text FROM requirements r JOIN sentences s USING (sentence_id) "
            "WHERE r.doc_id = ? ORDER BY r.requirement_id",
            (doc_id,),
        ).fetchall()
        sources: dict[int, list[tuple[str, int | None]]] = {}
        for rid, canonical, note in store.conn.execute(
            "SELECT rs.requirement_id, rs.canonical, rs.footnote_number FROM requirement_sources rs "
            "JOIN requirements r USING (requirement_id) WHERE r.doc_id = ? ORDER BY rs.requirement_id, rs.ordinal",
            (doc_id,),
        ):
            sources.setdefault(rid, []).append((canonical, note))
        by_doc[doc_id] = [
            {
                "id": rid,
                "sentence": text,
                "sources": [c for c, _ in sources.get(rid, [])],
                "footnotes": {n for _, n in sources.get(rid, []) if n is not None},
            }
            for rid, text in rows
        ]
    totals: Counter[str] = Counter()
    per_kind: dict[str, Counter[str]] = {}
    errors = []
    detected = 0
    for item in items:
        if "sentence" not in item or "sources" not in item:
            raise InputError("every trace gold item needs 'doc', 'sentence' and 'sources'")
        found = find_requirement(by_doc[item["doc"]], item["sentence"], item.get("footnote"))
        detected += found is not None
        predicted = set(found["sources"]) if found else set()
        gold = set(item["sources"])
        for value, outcome in (
            [(v, "tp") for v in gold & predicted] + [(v, "fp") for v in predicted - gold] + [(v, "fn") for v in gold - predicted]
        ):
            totals[outcome] += 1
            per_kind.setdefault(level_of(value), Counter())[outcome] += 1
        if predicted != gold:
            errors.append(
                {"text": item["sentence"], "doc": item["doc"], "found": found is not None,
                 "missing": sorted(gold - predicted), "extra": sorted(predicted - gold)}
            )
    return {
        "items": len(items),
        "detected": detected,
        "overall": prf(totals["tp"], totals["fp"], totals["fn"]),
        "per_kind": {k: prf(c["tp"], c["fp"], c["fn"]) for k, c in sorted(per_kind.items())},
        "errors": errors,
    }
