"""Ingest figures: the text path's speed, and a full ingest end to end beside the machine's bound.

    python benchmarks/bench_ingest.py [--corpus corpus/] [--extra ../shared/pdfs] [--workers N] [--repeat 5]

Prints characters/s for the text extractor (extract + chunk, no store); then, for end-to-end
`ingest` runs into fresh temporary indexes (no shared embedding cache, so everything is embedded):
wall time, the share spent embedding, embedded tokens/s next to the float32 matrix-multiply bound
measured in the same run (what the arithmetic of e5-small allows on this machine), pages/s, and the
peak memory (RSS high-water mark of this process and of its reader processes).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
H, FF, NL = 384, 1536, 12
FLOP_PER_TOKEN = 2 * NL * (H * 3 * H + H * H + 2 * H * FF)  # the linear layers of e5-small: 42.5 MFLOP


def gemm_bound_tokens_per_s(seconds: float = 2.0) -> tuple[float, float]:
    """GFLOP/s of a float32 GEMM shaped like e5-small's FFN on this machine, and the tokens/s it allows."""
    import numpy as np

    a = np.random.default_rng(0).standard_normal((1024, H), dtype=np.float32)
    b = np.random.default_rng(1).standard_normal((H, FF), dtype=np.float32)
    out = np.empty((1024, FF), dtype=np.float32)
    np.matmul(a, b, out=out)
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        np.matmul(a, b, out=out)
        runs += 1
    gflops = runs * 2 * 1024 * H * FF / (time.perf_counter() - start) / 1e9
    return gflops, gflops * 1e9 / FLOP_PER_TOKEN


def timed_ingest(paths: list[Path], workers: int | None) -> dict:
    from policykb.index.embed import load_embedder
    from policykb.ingest import ingest

    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int, item: str) -> None:
        if stage == "embed":
            marks.setdefault("embed_start", time.perf_counter())
            marks["embed_end"] = time.perf_counter()

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        report = ingest(paths, Path(tmp) / "index", workers=workers, progress=progress)
        seconds = time.perf_counter() - start
        import sqlite3

        conn = sqlite3.connect(Path(tmp) / "index" / "policykb.sqlite")
        units = [r[0] for r in conn.execute(
            "SELECT substr(p.text, u.start + 1, u.end - u.start) FROM passage_units u "
            "JOIN passages p USING (passage_id)")]
        conn.close()
    tokens = load_embedder().count_tokens(units)
    embed_seconds = marks.get("embed_end", 0.0) - marks.get("embed_start", 0.0)
    return {"report": report, "seconds": seconds, "embed_seconds": embed_seconds, "tokens": tokens}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--extra", type=Path, default=REPO.parent / "shared" / "pdfs",
                        help="more documents ingested together with the corpus (skipped if absent)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.pop("POLICYKB_EMBEDDING_CACHE", None)  # embed everything: this measures the engine

    from policykb.chunk import chunk
    from policykb.extract import extract
    from policykb.ingest import discover

    files, _, _ = discover([args.corpus])
    text_files = [f for f in files if f.suffix.lower() in {".txt", ".md"}]
    chars = sum(len(f.read_text(encoding="utf-8")) for f in text_files)
    timings = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        for f in text_files:
            chunk(extract(f))
        timings.append(time.perf_counter() - start)
    print(f"text path: {len(text_files)} files, {chars:,} characters; extract+chunk median "
          f"{statistics.median(timings):.3f} s -> {chars / statistics.median(timings):,.0f} chars/s")

    gflops, bound = gemm_bound_tokens_per_s()
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; float32 GEMM {gflops:.0f} GFLOP/s "
          f"-> e5-small bound {bound:,.0f} tokens/s")
    runs = [("corpus", [args.corpus])]
    if args.extra.is_dir():
        runs.append(("corpus + " + args.extra.name, [args.corpus, args.extra]))
    for name, paths in runs:
        result = timed_ingest(paths, args.workers)
        report, seconds = result["report"], result["seconds"]
        rate = result["tokens"] / result["embed_seconds"] if result["embed_seconds"] else 0.0
        print(f"ingest {name}: {report.documents} documents, {report.pages} pages, {report.passages} passages "
              f"in {seconds:.1f} s ({report.pages / seconds:.1f} pages/s); embedding {result['embed_seconds']:.1f} s "
              f"({100 * result['embed_seconds'] / seconds:.0f} %), {result['tokens']:,} tokens at {rate:,.0f} tokens/s "
              f"= {100 * rate / bound:.0f} % of the bound")
        if report.failed:
            print(f"  failed: {[f.message for f in report.failed]}", file=sys.stderr)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {own:.0f} MB, largest reader process {children:.0f} MB")


if __name__ == "__main__":
    main()
