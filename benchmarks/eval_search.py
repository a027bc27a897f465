"""Search quality on the train and test query sets, side by side, with bootstrap 95 % intervals.

    python benchmarks/eval_search.py --index-dir .evalindex [--modes hybrid lexical dense] [--split train]
        [--set NAME=VALUE ...] [--per-query]

The index is the bundled corpus plus the 12 shared PDFs (`policykb ingest corpus/ PDFS --index-dir
.evalindex`); the query sets are `tests/fixtures/gold/queries-train.json` (98: every choice is made
on them) and `queries-test.json` (63: only reported). `--set` overrides a module constant of the
search for this run (`--set segments.LEAD_BONUS=0.0`, `--set searcher.DENSE_WEIGHT=0.6`) so
variants are measured in one process against the same index. `--per-query` prints per-query
figures of the TRAIN split only: choices are never made on test queries one by one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "tests" / "fixtures" / "gold"
SPLITS = {"train": GOLD / "queries-train.json", "test": GOLD / "queries-test.json"}


def apply_overrides(pairs: list[str]) -> None:
    import importlib

    modules = {
        "searcher": "policykb.query.search.searcher",
        "segments": "policykb.query.search.segments",
        "plan": "policykb.query.search.plan",
        "lexical": "policykb.index.lexical",
        "analyzer": "policykb.swedish.analyzer",
    }
    for pair in pairs:
        name, _, value = pair.partition("=")
        module_key, _, attr = name.partition(".")
        module = importlib.import_module(modules[module_key])
        current = getattr(module, attr)
        setattr(module, attr, type(current)(json.loads(value)) if not isinstance(current, str) else value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", default=str(REPO / ".evalindex"))
    parser.add_argument("--modes", nargs="+", default=["hybrid", "lexical", "dense"])
    parser.add_argument("--split", nargs="+", default=["train", "test"], choices=sorted(SPLITS))
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--fusion", default="score")
    parser.add_argument("--per-query", action="store_true")
    parser.add_argument("--by-kind", action="store_true")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    apply_overrides(args.overrides)
    from policykb.evaluate.retrieval import evaluate_index, load_gold
    from policykb.query.search import Searcher

    out: dict = {}
    with Searcher(args.index_dir, fusion=args.fusion) as searcher:
        for mode in args.modes:
            for split in args.split:
                start = time.perf_counter()
                report = evaluate_index(searcher, load_gold(SPLITS[split]), mode=mode, k=10)
                o = report.overall
                low, high = o["ndcg_ci95"]
                out[f"{mode}/{split}"] = {
                    "ndcg": o["ndcg"], "ci": [low, high], "recall": o["recall"], "mrr": o["mrr"],
                    "per_query": {q.id: round(q.ndcg, 4) for q in report.queries} if split == "train" else None,
                    "by_kind": {k: v["ndcg"] for k, v in report.by_kind.items()},
                }
                print(
                    f"{mode:8s} {split:5s} nDCG@10 {o['ndcg']:.3f} [{low:.3f}, {high:.3f}]  "
                    f"R@10 {o['recall']:.3f}  MRR {o['mrr']:.3f}  ({time.perf_counter() - start:.0f} s)",
                    flush=True,
                )
                if args.by_kind:
                    print("    " + "  ".join(f"{k} {v['ndcg']:.2f}" for k, v in report.by_kind.items()))
                if args.per_query and split == "train":
                    for q in report.queries:
                        print(f"    {q.id} {q.kind:10s} {q.ndcg:.3f}  {q.query}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    sys.exit(main())
