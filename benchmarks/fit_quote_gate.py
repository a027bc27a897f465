"""Fit the remiss helper's quote gate on the judged quotes, and check it left out one document at a time.

    python benchmarks/fit_quote_gate.py --index-dir eval-index [--as-shipped]

The gate (`policykb.consult.evidence.GATE_WEIGHTS`) is a logistic model of whether a judge calls a
quote relevant to its proposal, from the three readings `gate_features` takes of the pair. Its
training data are every quote judged so far (`tests/fixtures/consult/judgements.json`, all pools,
each pair of proposal and quote once); the readings need the evaluation index (its IDF) and the
embedding model (the cosine), so `eval_consult.py build` comes first.

Printed: the weights and floor fitted on all pairs (what the code holds), then leave-one-document-
out on the later rounds' pairs (every round since the constructed remisses; the first rounds' pairs
came from a retrieval that no longer exists and only train): for each consulted document the model
and its floor fitted without it, and what the gate keeps of its judged quotes — beside the round-8
cosine floor alone, chosen again the same way without the document, for comparison.

The floor rule (`choose_floor`): the lowest score at which the later rounds' quotes kept are ≥ 60 %
relevant and ≤ 10 % not (issue 18's targets), else the score that best separates relevant from not.
The model is fitted by Newton's method with an L2 penalty of 1/2 on the weights (scikit-learn's
default, C = 1; not tuned), the bias unpenalised.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

# beside this file: the blind remisses judged after the gate was frozen
from eval_consult import FINAL_BLIND

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "consult" / "judgements.json"
# The pools of the first rounds: quotes of a retrieval since replaced (whole paragraphs as queries,
# other bills' proposal text): they train the gate but are not what it is checked on.
EARLY_POOLS = {"before", "after", "rebuilt", "round2"}
LABELS = ("relevant", "partly", "not")


def judged_pairs(fixture: dict, leave_out: tuple[str, ...] = ()) -> list[dict]:
    """Each judged pair of proposal and quote once (a later pool's label wins), but for `leave_out`'s pools."""
    pairs: dict[tuple[str, str], dict] = {}
    for pool, items in fixture.items():
        if pool in ("about", "split") or pool in leave_out:
            continue
        for item in items:
            for e in item.get("evidence", []):
                if e.get("judgement") in LABELS:
                    pairs[(item["text"][:300], e["quote"])] = {
                        "pool": pool, "doc": item["doc_id"], "proposal": item["text"], "quote": e["quote"],
                        "label": e["judgement"],
                    }
    return list(pairs.values())


def add_features(pairs: list[dict], index_dir: Path) -> None:
    from policykb.consult.evidence import PROPOSAL_CHARS, Analysis, gate_features
    from policykb.query.search import Searcher
    from policykb.store import Store

    searcher = Searcher(index_dir)
    with Store.open(index_dir, create=False, readonly=True) as store:
        analysis = Analysis(store, searcher)
        by_proposal: dict[str, list[dict]] = {}
        for pair in pairs:
            by_proposal.setdefault(pair["proposal"], []).append(pair)
        for proposal, items in by_proposal.items():
            cosines = searcher.similarity(proposal[:PROPOSAL_CHARS], [p["quote"] for p in items])
            for pair, cosine in zip(items, cosines):
                pair["cosine"] = cosine
                pair["features"] = gate_features(analysis, proposal, pair["quote"], cosine)


def fit(x: np.ndarray, y: np.ndarray, penalty: float = 1.0, steps: int = 50) -> tuple[np.ndarray, float]:
    """Logistic regression by Newton's method: weights (L2 penalty/2 · |w|²) and an unpenalised bias."""
    design = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(design.shape[1])
    ridge = np.diag([penalty] * x.shape[1] + [0.0])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = design.T @ (p - y) + ridge @ beta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + ridge
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-10:
            break
    return beta[:-1], float(beta[-1])


def choose_floor(scores: list[float], labels: list[str], least: int = 5) -> float:
    """The lowest score keeping ≥ 60 % relevant and ≤ 10 % not; else the best relevant-minus-not."""
    best: tuple[float, float] | None = None
    for floor in sorted(set(scores)):
        kept = [label for score, label in zip(scores, labels) if score >= floor]
        if len(kept) < least:
            break
        relevant = kept.count("relevant") / len(kept)
        not_relevant = kept.count("not") / len(kept)
        if relevant >= 0.6 and not_relevant <= 0.1:
            return floor
        if best is None or relevant - not_relevant > best[0]:
            best = (relevant - not_relevant, floor)
    return best[1] if best else max(scores)


def _share(labels: list[str]) -> str:
    n = len(labels)
    if not n:
        return "   0 kept"
    count = Counter(labels)
    return f"{n:4d} kept, {count['relevant'] / n:4.0%} relevant, {count['not'] / n:4.0%} not"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, default=REPO / "eval-index")
    parser.add_argument("--judgements", type=Path, default=FIXTURE)
    parser.add_argument("--as-shipped", action="store_true",
                        help="leave out the blind remisses judged after the freeze: the constants the code holds")
    args = parser.parse_args()
    leave_out = FINAL_BLIND if args.as_shipped else ()
    pairs = judged_pairs(json.loads(args.judgements.read_text(encoding="utf-8")), leave_out)
    add_features(pairs, args.index_dir)

    def model(train: list[dict]) -> tuple[np.ndarray, float, float]:
        x = np.array([p["features"] for p in train])
        weights, bias = fit(x, np.array([p["label"] == "relevant" for p in train], dtype=float))
        later = [p for p in train if p["pool"] not in EARLY_POOLS]
        scores = [float(np.dot(weights, p["features"]) + bias) for p in later]
        return weights, bias, choose_floor(scores, [p["label"] for p in later])

    weights, bias, floor = model(pairs)
    print(f"{len(pairs)} judged pairs ({dict(Counter(p['label'] for p in pairs))})")
    print(f"GATE_WEIGHTS = ({', '.join(f'{w:.4f}' for w in weights)})  GATE_BIAS = {bias:.4f}  GATE_FLOOR = {floor:.4f}"
          f"  (probability {1 / (1 + math.exp(-floor)):.2f})")

    later = [p for p in pairs if p["pool"] not in EARLY_POOLS]
    kept_gate: list[str] = []
    kept_cosine: list[str] = []
    print(f"\nleft out one document at a time ({len(later)} judged pairs of the later rounds):")
    for doc in sorted({p["doc"] for p in later}):
        train = [p for p in pairs if p["doc"] != doc]
        w, b, f = model(train)
        test = [p for p in later if p["doc"] == doc]
        gate = [p["label"] for p in test if float(np.dot(w, p["features"]) + b) >= f]
        train_later = [p for p in train if p["pool"] not in EARLY_POOLS]
        cosine_floor = choose_floor([p["cosine"] for p in train_later], [p["label"] for p in train_later])
        cosine = [p["label"] for p in test if p["cosine"] >= cosine_floor]
        kept_gate += gate
        kept_cosine += cosine
        print(f"  {doc:42s} {len(test):3d} judged | gate {_share(gate)} | cosine ≥ {cosine_floor:.4f} {_share(cosine)}")
    print(f"  {'all':42s} {len(later):3d} judged | gate {_share(kept_gate)} | cosine floor {_share(kept_cosine)}")
    print(f"  judged, before either: {_share([p['label'] for p in later])}")


if __name__ == "__main__":
    sys.exit(main())
