"""Tagging speed: references and entities over the bundled corpus, one core, model load excluded.

Reads corpus/*.txt directly, splits each file into blank-line paragraphs (about the blocks
extraction makes) and tags them in order with one ReferenceContext per document. Prints
words per second for references, for entities and for both together (as `annotate` runs them);
the CPU time is shown too, since wall time suffers when other processes share the core.

    python benchmarks/bench_tagging.py [CORPUS_DIR] [--repeat N]
Target (issue 3): the whole ~64k-word corpus in under 1 s for references and for entities.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(Path(__file__).resolve().parents[1] / "corpus"))
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is reported")
    args = parser.parse_args()

    from policykb.annotate.entities import COMPONENT as ENTITIES
    from policykb.annotate.pipeline import find_entities
    from policykb.legal import ReferenceContext, find_references
    from policykb.annotate.reference_component import COMPONENT as REFERENCES
    from policykb.annotate.pipeline import pipeline, run

    files = sorted(Path(args.corpus).glob("*.txt"))
    documents = [[p for p in re.split(r"\n[ \t]*\n", f.read_text(encoding="utf-8")) if p.strip()] for f in files]
    words = sum(len(p.split()) for doc in documents for p in doc)
    chars = sum(len(p) for doc in documents for p in doc)
    pipeline()  # model load: spaCy import, tokenizer, phrase matchers
    find_entities("MAS")
    find_references("5 kap. 1 § HSL")

    def refs_only():
        n = 0
        for doc in documents:
            context = ReferenceContext()
            for block in doc:
                n += len(find_references(block, context=context))
        return n

    def entities_only():
        return sum(len(find_entities(block)) for doc in documents for block in doc)

    def both():
        n = 0
        for doc in documents:
            context = ReferenceContext()
            for block in doc:
                d = run(block, [REFERENCES, ENTITIES], legal_context=context)
                n += len(d._.references) + len(d._.mentions)
        return n

    print(f"corpus: {len(files)} files, {sum(len(d) for d in documents)} blocks, {words:,} words, {chars:,} chars")
    for name, fn in [("references", refs_only), ("entities", entities_only), ("both (annotate)", both)]:
        best, best_cpu, found = float("inf"), float("inf"), 0
        for _ in range(args.repeat):
            t, c = time.perf_counter(), time.process_time()
            found = fn()
            best = min(best, time.perf_counter() - t)
            best_cpu = min(best_cpu, time.process_time() - c)
        print(f"{name:16s} {best:6.3f} s wall {best_cpu:6.3f} s cpu  {words / best:>10,.0f} words/s  ({found} found)")


if __name__ == "__main__":
    main()
