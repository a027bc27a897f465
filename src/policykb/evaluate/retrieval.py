"""Retrieval evaluation against graded query sets (shape of `queries-dev.json`).

A query set is a JSON list of `{"id", "query", "kind", "relevant": [{"doc", "evidence", "grade"}]}`.
A returned passage matches an evidence string when the two share a run of 8 consecutive words
(words = runs of letters, lower-cased; an evidence string shorter than 8 words must occur whole).
When the evidence names a document that is in the index, the passage must come from it.

Metrics at cut-off k (each evidence string counts once, however many passages match it):
- nDCG@k: the gain at a rank is 2^grade - 1 of the best evidence first matched there (an
  evidence already matched higher up gives nothing); the ideal ranking puts one evidence per
  rank, best grade first, so nDCG <= 1 and packing several evidence strings into one long
  passage is not rewarded beyond the rank it takes.
- Recall@k: the share of evidence strings matched by the top k.
- MRR: 1 / rank of the first passage that matches any evidence (0 if none in the top k).
Reported overall (mean over queries) and per query kind, each mean with a bootstrap 95 %
interval over the queries (`bootstrap_interval`): with 60-100 queries a difference of 0.02
nDCG is usually inside it, and a figure without one invites reading noise as progress.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policykb.errors import InputError

RUN_LENGTH = 8
BOOTSTRAP_SAMPLES = 2000
_WORD = re.compile(r"[^\W\d_]+")


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


@dataclass
class Evidence:
    doc: str | None
    text: str
    grade: int
    words: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.words = tuple(words(self.text))

    @property
    def gain(self) -> float:
        return 2.0**self.grade - 1.0


@dataclass
class GoldQuery:
    id: str
    query: str
    kind: str
    evidence: list[Evidence]


@dataclass
class RetrievedPassage:
    doc_id: str
    text: str


class PassageWords:
    """A passage's word sequence, with its 8-word runs for matching."""

    def __init__(self, text: str):
        self.words = words(text)
        self.joined = " " + " ".join(self.words) + " "
        self.runs = {
            tuple(self.words[i : i + RUN_LENGTH]) for i in range(max(0, len(self.words) - RUN_LENGTH + 1))
        }

    def matches(self, evidence: Evidence) -> bool:
        ev = evidence.words
        if not ev:
            return False
        if len(ev) < RUN_LENGTH:
            return " " + " ".join(ev) + " " in self.joined
        return any(ev[i : i + RUN_LENGTH] in self.runs for i in range(len(ev) - RUN_LENGTH + 1))


@dataclass
class QueryScore:
    id: str
    kind: str
    query: str
    ndcg: float
    recall: float
    mrr: float
    matched: int
    evidence: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "query": self.query,
            "ndcg": round(self.ndcg, 4),
            "recall": round(self.recall, 4),
            "mrr": round(self.mrr, 4),
            "matched": self.matched,
            "evidence": self.evidence,
        }


def bootstrap_interval(
    values: Sequence[float], *, samples: int = BOOTSTRAP_SAMPLES, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """The percentile bootstrap interval of the mean of `values` (queries resampled with
    replacement; a fixed seed, so a report is reproducible)."""
    import random

    if not values:
        return (0.0, 0.0)
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(samples))
    tail = (1.0 - level) / 2.0
    low = means[int(tail * (samples - 1))]
    high = means[int(round((1.0 - tail) * (samples - 1)))]
    return (low, high)


def paired_bootstrap_interval(
    a: Sequence[float], b: Sequence[float], *, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0
) -> tuple[float, float]:
    """95 % interval of mean(a - b) over paired per-query scores (is a better than b?)."""
    if len(a) != len(b):
        raise ValueError("paired scores must be of equal length")
    return bootstrap_interval([x - y for x, y in zip(a, b)], samples=samples, seed=seed)


@dataclass
class EvalReport:
    mode: str
    k: int
    queries: list[QueryScore] = field(default_factory=list)

    @staticmethod
    def _mean(items: Sequence[QueryScore]) -> dict[str, float]:
        n = max(len(items), 1)
        low, high = bootstrap_interval([q.ndcg for q in items])
        return {
            "ndcg": round(sum(q.ndcg for q in items) / n, 4),
            "ndcg_ci95": [round(low, 4), round(high, 4)],
            "recall": round(sum(q.recall for q in items) / n, 4),
            "mrr": round(sum(q.mrr for q in items) / n, 4),
            "queries": len(items),
        }

    @property
    def overall(self) -> dict[str, float]:
        return self._mean(self.queries)

    @property
    def by_kind(self) -> dict[str, dict[str, float]]:
        kinds = sorted({q.kind for q in self.queries})
        return {kind: self._mean([q for q in self.queries if q.kind == kind]) for kind in kinds}

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "k": self.k,
            "overall": self.overall,
            "by_kind": self.by_kind,
            "queries": [q.to_dict() for q in self.queries],
        }


def load_gold(path: str | os.PathLike) -> list[GoldQuery]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the query set ({exc.strerror}); check the path") from exc
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc}); expected a list of queries") from exc
    return parse_gold(data, source=str(path))


def is_query_set(data: Any) -> bool:
    """True when `data` looks like a retrieval query set (for the shape-dispatching `eval`)."""
    return (
        isinstance(data, list)
        and bool(data)
        and all(isinstance(item, dict) and "query" in item and "relevant" in item for item in data)
    )


def parse_gold(data: Any, *, source: str = "query set") -> list[GoldQuery]:
    if not is_query_set(data):
        raise InputError(
            f"{source}: expected a JSON list of {{'id', 'query', 'kind', 'relevant': [{{'doc', 'evidence', "
            f"'grade'}}]}} items"
        )
    out = []
    for n, item in enumerate(data):
        try:
            evidence = [
                Evidence(doc=r.get("doc"), text=str(r["evidence"]), grade=int(r.get("grade", 1)))
                for r in item["relevant"]
            ]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"{source}: item {n} has a malformed 'relevant' list ({exc})") from exc
        out.append(GoldQuery(str(item.get("id", n)), str(item["query"]), str(item.get("kind", "all")), evidence))
    return out


def score_ranking(
    gold: GoldQuery, ranking: Sequence[RetrievedPassage], k: int, known_docs: set[str] | None = None
) -> QueryScore:
    """Score one ranked list against one gold query (see module doc)."""
    evidence = gold.evidence
    known_docs = known_docs or set()
    matched: set[int] = set()
    dcg = 0.0
    first_hit: int | None = None
    for rank, passage in enumerate(ranking[:k], start=1):
        pw = PassageWords(passage.text)
        new_gain = 0.0
        any_match = False
        for i, ev in enumerate(evidence):
            if ev.doc and ev.doc in known_docs and ev.doc != passage.doc_id:
                continue
            if pw.matches(ev):
                any_match = True
                if i not in matched:
                    matched.add(i)
                    new_gain = max(new_gain, ev.gain)
        if any_match and first_hit is None:
            first_hit = rank
        dcg += new_gain / math.log2(rank + 1)
    ideal_gains = sorted((ev.gain for ev in evidence), reverse=True)[:k]
    idcg = sum(g / math.log2(r + 1) for r, g in enumerate(ideal_gains, start=1))
    return QueryScore(
        id=gold.id,
        kind=gold.kind,
        query=gold.query,
        ndcg=dcg / idcg if idcg > 0 else 0.0,
        recall=len(matched) / len(evidence) if evidence else 0.0,
        mrr=1.0 / first_hit if first_hit else 0.0,
        matched=len(matched),
        evidence=len(evidence),
    )


def evaluate(
    gold: Sequence[GoldQuery],
    retrieve: Callable[[str, int], Sequence[RetrievedPassage]],
    *,
    k: int = 10,
    mode: str = "hybrid",
    known_docs: set[str] | None = None,
) -> EvalReport:
    """Run `retrieve(query, k)` for every gold query and score it."""
    report = EvalReport(mode=mode, k=k)
    for item in gold:
        report.queries.append(score_ranking(item, retrieve(item.query, k), k, known_docs))
    return report


def evaluate_index(
    searcher: Any, gold: Sequence[GoldQuery], *, mode: str = "hybrid", k: int = 10
) -> EvalReport:
    """Evaluate a `search.Searcher` on a query set."""

    def retrieve(query: str, k: int) -> list[RetrievedPassage]:
        return [RetrievedPassage(h.doc_id, h.text) for h in searcher.search(query, k=k, mode=mode)]

    return evaluate(gold, retrieve, k=k, mode=mode, known_docs=searcher.document_ids())
