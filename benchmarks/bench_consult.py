"""Time of the remissvar draft for the bundled strategy, as a ratio to a baseline in the same run.

    python benchmarks/bench_consult.py [--index-dir eval-index] [--runs 3]

Issue 18's target: the strategy's draft (`003_98179518a3d1e638.txt`, evidence for every proposal)
in at most 15 s on 2 cores. The baseline, measured in the same process, is one plain lexical
search per proposal (the least any evidence step must do), so the ratio says what the focused
queries, the relevance test and the quotes add on this machine at its current load. Also shown:
a bill's draft where the index holds one (`--bill`, default prop. 2008/09:5 of the shared PDFs),
the `--mode hybrid` draft (one query embedding per proposal) and the Markdown and Word rendering.
The index is built as `benchmarks/eval_consult.py` describes (or pass the test corpus index).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from policykb.consult import consult, render_docx, render_markdown, split_proposals  # noqa: E402
from policykb.query.search import Searcher  # noqa: E402
from policykb.store import Store  # noqa: E402

STRATEGY = "003_98179518a3d1e638.txt"
BILL = "prop-2008-09-5.pdf"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, default=REPO / "eval-index")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hybrid", action="store_true", help="also time --mode hybrid (slow: a model run per proposal)")
    parser.add_argument("--bill", default=BILL, help="a bill in the index to time as well (skipped when absent)")
    args = parser.parse_args()
    searcher = Searcher(args.index_dir)
    with Store.open(args.index_dir, create=False, readonly=True) as store:
        proposals = split_proposals(store, STRATEGY)
        searcher.search("rehabilitering", k=5, mode="lexical")  # warm caches: not part of either figure

        def baseline() -> None:
            for p in proposals:
                searcher.search(p.text[:200], k=10, mode="lexical")

        def draft(mode: str = "lexical"):  # noqa: ANN202
            return consult(store, STRATEGY, searcher=searcher, evidence=3, mode=mode)

        base = _time(baseline, args.runs)
        full = _time(draft, args.runs)
        result = draft()
        md = _time(lambda: render_markdown(result), args.runs)
        docx = _time(lambda: render_docx(result), args.runs)
        print(f"{len(proposals)} proposals; {sum(len(p.evidence) for p in result.proposals)} quotes shown")
        print(f"baseline (one lexical search per proposal): {base:.2f} s")
        print(f"draft, evidence=3 (lexical, searched deeper where needed): {full:.2f} s  = {full / base:.1f} x baseline  "
              f"(target <= 15 s: {'met' if full <= 15 else 'NOT met'})")
        if store.conn.execute("SELECT 1 FROM documents WHERE doc_id = ?", (args.bill,)).fetchone():
            bill = _time(lambda: consult(store, args.bill, searcher=searcher, evidence=3), args.runs)
            count = len(split_proposals(store, args.bill))
            print(f"draft of the bill {args.bill} ({count} proposals): {bill:.2f} s = {bill / base:.1f} x baseline")
        print(f"render Markdown: {md * 1000:.0f} ms, render Word: {docx * 1000:.0f} ms")
        if args.hybrid:
            hybrid = _time(lambda: draft("hybrid"), 1)
            print(f"draft, --mode hybrid: {hybrid:.2f} s = {hybrid / base:.1f} x baseline")


def _time(fn, runs: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(max(1, runs)):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


if __name__ == "__main__":
    main()
