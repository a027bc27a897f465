"""Figures for the foundation: text-path extraction speed and a full ingest of the bundled corpus.

    python benchmarks/bench_ingest.py [--corpus corpus/] [--repeat 5]

Prints characters/s for the text extractor (extract + chunk, no store) and, for one end-to-end
`ingest` into a fresh temporary index, wall time and peak memory (RSS high-water mark of this process).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from policykb.chunk import chunk
    from policykb.extract import extract
    from policykb.ingest import discover, ingest

    files, _ = discover([args.corpus])
    text_files = [f for f in files if f.suffix.lower() in {".txt", ".md"}]
    chars = sum(len(f.read_text(encoding="utf-8")) for f in text_files)
    timings = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        for f in text_files:
            chunk(extract(f))
        timings.append(time.perf_counter() - start)
    best, median = min(timings), statistics.median(timings)
    print(f"text path: {len(text_files)} files, {chars:,} characters")
    print(f"  extract+chunk: best {best:.3f} s, median {median:.3f} s -> {chars / median:,.0f} chars/s (median)")

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        report = ingest([args.corpus], Path(tmp) / "index")
        seconds = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"ingest of {args.corpus}: {report.documents} documents, {report.pages} pages, "
          f"{report.passages} passages, {report.references} references in {seconds:.2f} s")
    print(f"  peak RSS of this process: {rss_after / 1024:.0f} MB (before ingest {rss_before / 1024:.0f} MB)")
    if report.failed:
        print(f"  failed: {[f.message for f in report.failed]}", file=sys.stderr)


if __name__ == "__main__":
    main()
