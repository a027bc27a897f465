"""FAISS + FTS5 query latency and memory at 100k and 1M synthetic passages.

    python benchmarks/bench_scale.py [--sizes 100000 1000000] [--queries 200]

Synthetic data shaped like the real thing:
- vectors: 384-d, L2-normalised, drawn around 2,000 topic centres (real embeddings cluster;
  uniform random vectors would be an unrealistically hard case for an inverted-file index);
- text: 80 analysed terms per passage from a 60,000-term Zipfian vocabulary, stored in the
  store's own `passage_fts` table (the real schema and tokenizer), queried with the real
  `lexical.match_expression` / `lexical.search` on 3-6 term OR-queries.

Prints for each size: the index type `vectors.index_type_for` picks (flat up to 200k, IVF
above), build time, dense top-100 latency p50/p95 and recall@10 against exact search, FTS5
top-100 latency p50/p95, and memory (resident growth after loading, file sizes).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
from pathlib import Path

DIM = 384
TOPICS = 2000
VOCABULARY = 60_000
TERMS_PER_PASSAGE = 80


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def synthetic_vectors(n: int, seed: int = 0):  # noqa: ANN201
    import numpy as np

    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((TOPICS, DIM), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        topic = rng.integers(0, TOPICS, stop - start)
        chunk = centres[topic] + 0.08 * rng.standard_normal((stop - start, DIM), dtype=np.float32)
        out[start:stop] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
    return out


def percentiles(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[int(0.95 * (len(values) - 1))]


def bench_dense(n: int, queries: int, workdir: Path) -> dict:
    import numpy as np

    from policykb.index.vectors import VectorIndex, index_type_for, prepare_vectors

    vectors = synthetic_vectors(n)
    ids = np.arange(n, dtype=np.int64) + 1
    start = time.perf_counter()
    prepare_vectors(workdir, vectors, ids, "synthetic").commit()
    build = time.perf_counter() - start
    rng = np.random.default_rng(1)
    qs = vectors[rng.integers(0, n, queries)] + 0.05 * rng.standard_normal((queries, DIM), dtype=np.float32)
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    exact = np.argsort(-(qs @ vectors.T), axis=1)[:, :10] + 1 if n <= 200_000 else None
    if exact is None:  # chunked exact search, to measure the approximate index's recall
        exact = np.zeros((queries, 10), dtype=np.int64)
        best = np.full((queries, 10), -np.inf, dtype=np.float32)
        for s in range(0, n, 200_000):
            scores = qs @ vectors[s : s + 200_000].T
            merged_scores = np.hstack([best, scores])
            merged_ids = np.hstack([exact, np.arange(s, s + scores.shape[1])[None, :].repeat(queries, 0) + 1])
            top = np.argsort(-merged_scores, axis=1)[:, :10]
            best = np.take_along_axis(merged_scores, top, 1)
            exact = np.take_along_axis(merged_ids, top, 1)
    del vectors
    gc.collect()
    before = rss_mb()
    index = VectorIndex.load(workdir, expected_model="synthetic", expected_count=n)
    after = rss_mb()
    times, recall = [], []
    for i in range(queries):
        t = time.perf_counter()
        _, found = index.search(qs[i : i + 1], 100)
        times.append((time.perf_counter() - t) * 1000)
        recall.append(len(set(found[0, :10].tolist()) & set(exact[i].tolist())) / 10)
    p50, p95 = percentiles(times)
    return {
        "index_type": index_type_for(n),
        "build_s": round(build, 1),
        "p50_ms": round(p50, 2),
        "p95_ms": round(p95, 2),
        "recall@10": round(sum(recall) / len(recall), 3),
        "file_mb": round((workdir / "vectors.faiss").stat().st_size / 2**20, 1),
        "rss_growth_mb": round(after - before, 1),
    }


def bench_lexical(n: int, queries: int, workdir: Path) -> dict:
    import numpy as np

    from policykb.index import lexical
    from policykb.store import Store

    rng = np.random.default_rng(2)
    # Zipf-like term frequencies over a fixed vocabulary of made-up words.
    ranks = np.arange(1, VOCABULARY + 1)
    weights = 1.0 / ranks**1.07
    weights /= weights.sum()
    words = [f"t{i:05d}x" for i in range(VOCABULARY)]
    store = Store.open(workdir / "fts")
    start = time.perf_counter()
    with store.transaction() as conn:
        for s in range(0, n, 50_000):
            m = min(n, s + 50_000) - s
            terms = rng.choice(VOCABULARY, size=(m, TERMS_PER_PASSAGE), p=weights)
            conn.executemany(
                "INSERT INTO passage_fts (rowid, terms, parts, context) VALUES (?, ?, '', '')",
                ((s + i + 1, " ".join(words[t] for t in row)) for i, row in enumerate(terms)),
            )
    conn = store.conn
    conn.execute("INSERT INTO passage_fts (passage_fts) VALUES ('optimize')")
    build = time.perf_counter() - start
    store.close()
    before = rss_mb()
    store = Store.open(workdir / "fts", create=False, readonly=True)
    times = []
    for _ in range(queries):
        # Real queries mix a few common words with rarer ones.
        size = int(rng.integers(3, 7))
        picked = [words[int(rng.integers(20, 500))]] + [words[int(rng.integers(200, 20_000))] for _ in range(size - 1)]
        match = lexical.match_expression(picked)
        t = time.perf_counter()
        lexical.search(store.conn, match, 100)
        times.append((time.perf_counter() - t) * 1000)
    after = rss_mb()
    p50, p95 = percentiles(times)
    db = workdir / "fts" / "policykb.sqlite"
    store.close()
    return {
        "build_s": round(build, 1),
        "p50_ms": round(p50, 2),
        "p95_ms": round(p95, 2),
        "db_mb": round(db.stat().st_size / 2**20, 1),
        "rss_growth_mb": round(after - before, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="policykb-scale-") as tmp:
            dense = bench_dense(n, args.queries, Path(tmp))
            print(f"{n:>9,} passages  FAISS: {dense}", flush=True)
        with tempfile.TemporaryDirectory(prefix="policykb-scale-") as tmp:
            lexical_figures = bench_lexical(n, args.queries, Path(tmp))
            print(f"{n:>9,} passages  FTS5:  {lexical_figures}", flush=True)


if __name__ == "__main__":
    main()
