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


MODULES = {
    "searcher": "policykb.query.search.searcher",
    "segments": "policykb.query.search.segments",
    "plan": "policykb.query.search.plan",
    "lexical": "policykb.index.lexical",
    "analyzer": "policykb.swedish.analyzer",
}


def apply_overrides(pairs: list[str]) -> None:
    import importlib

    modules = MODULES
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
    parser.add_argument(
        "--variant", action="append", default=[],
        help="NAME:SETTING=VALUE,SETTING=VALUE ... measured one after another in this process "
             "(the query vectors are computed once); `searcher.ATTR` sets an attribute of the Searcher",
    )
    args = parser.parse_args()
    apply_overrides(args.overrides)
    if args.variant:
        return run_variants(args)
    from policykb.evaluate.retrieval import evaluate_index, load_gold
    from policykb.query.search import Searcher

    out: dict = {}
    with Searcher(args.index_dir, fusion=args.fusion) as searcher:
        cache_query_vectors(searcher, Path(args.index_dir) / "query-vectors.pickle")
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


def cache_query_vectors(searcher, path: Path) -> None:  # noqa: ANN001
    """Embed each query text once (kept in `path` beside the index across runs): variants differ
    in what is done with the vectors, and on a loaded machine the query model is most of the time."""
    import pickle

    original = searcher._embed_query
    cache: dict = pickle.loads(path.read_bytes()) if path.is_file() else {}

    def embed(texts):  # noqa: ANN001, ANN202
        key = (searcher.model_id, tuple(texts))
        if key not in cache:
            cache[key] = original(texts)
            path.write_bytes(pickle.dumps(cache))
        return cache[key]

    searcher._embed_query = embed


def run_variants(args) -> None:  # noqa: ANN001
    """Each variant's overrides applied in turn (and undone), the same searcher and query vectors."""
    import importlib

    from policykb.evaluate.retrieval import evaluate_index, load_gold, paired_bootstrap_interval
    from policykb.query.search import Searcher

    gold = {split: load_gold(SPLITS[split]) for split in args.split}
    results: dict = {}
    with Searcher(args.index_dir, fusion=args.fusion) as searcher:
        cache_query_vectors(searcher, Path(args.index_dir) / "query-vectors.pickle")
        baseline: dict = {}
        for spec in args.variant:
            name, _, settings = spec.partition(":")
            undo = []
            for pair in filter(None, settings.split(",")):
                key, _, value = pair.partition("=")
                module_key, _, attr = key.partition(".")
                target = {"searcher_attr": searcher, "query_analyzer": searcher.query_analyzer}.get(module_key) or importlib.import_module(MODULES[module_key])
                old = getattr(target, attr)
                setattr(target, attr, json.loads(value) if old is None or not isinstance(old, (str, int, float)) else value if isinstance(old, str) else type(old)(json.loads(value)))
                undo.append((target, attr, old))
            for mode in args.modes:
                for split in args.split:
                    report = evaluate_index(searcher, gold[split], mode=mode, k=10)
                    scores = [q.ndcg for q in report.queries]
                    low, high = report.overall["ndcg_ci95"]
                    line = f"{name:28s} {mode:7s} {split:5s} {report.overall['ndcg']:.3f} [{low:.3f}, {high:.3f}]"
                    if (mode, split) in baseline:
                        d_low, d_high = paired_bootstrap_interval(scores, baseline[(mode, split)])
                        diff = sum(scores) / len(scores) - sum(baseline[(mode, split)]) / len(scores)
                        line += f"  vs first {diff:+.3f} [{d_low:+.3f}, {d_high:+.3f}]"
                    else:
                        baseline[(mode, split)] = scores
                    print(line, flush=True)
                    results[f"{name}/{mode}/{split}"] = {"ndcg": report.overall["ndcg"], "ci": [low, high]}
            for target, attr, old in reversed(undo):
                setattr(target, attr, old)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    sys.exit(main())
