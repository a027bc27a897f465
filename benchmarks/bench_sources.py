"""What showing a cited provision's own text costs: xref / trace with and without the act in the index.

    python benchmarks/bench_sources.py [--runs 20] [--index-dir DIR]

Builds an index of the bundled corpus (unless --index-dir names one), times `trace` (every
requirement), `xref HSL` and `xref "16 kap. 4 § HSL"` on it (the baseline: no statute stored, so no
`provision_text`), then copies it, ingests Riksdagen's rendering of SFS 2017:30
(tests/fixtures/riksdagen/sfs-2017-30.html) into the copy, and times the same queries again. Figures
are medians, printed with their ratio to the baseline of the same run; the count of answers that
carry a `provision_text` shows the statute is really used.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from policykb.ingest import ingest  # noqa: E402
from policykb.query.trace import trace  # noqa: E402
from policykb.query.xref import xref  # noqa: E402
from policykb.store import Store  # noqa: E402

STATUTE = REPO / "tests" / "fixtures" / "riksdagen" / "sfs-2017-30.html"
QUERIES = {
    "trace (all requirements)": lambda store: trace(store),
    "xref HSL": lambda store: xref(store, "HSL"),
    "xref 16 kap. 4 § HSL": lambda store: xref(store, "16 kap. 4 § HSL"),
}


def with_text(name: str, result) -> int:  # noqa: ANN001
    if name.startswith("trace"):
        return sum(1 for row in result for link in row["links"] if "provision_text" in link)
    return sum(1 for t in result["targets"] if "provision_text" in t) + sum(
        1 for d in result["documents"] for h in d["hits"] for p in h["provisions"] if "provision_text" in p)


def timings(index: Path, runs: int) -> dict[str, tuple[float, int]]:
    out = {}
    with Store.open(index, create=False, readonly=True) as store:
        for name, query in QUERIES.items():
            result = query(store)  # warm-up (parser, page cache)
            seconds = []
            for _ in range(runs):
                started = time.perf_counter()
                query(store)
                seconds.append(time.perf_counter() - started)
            out[name] = (statistics.median(seconds), with_text(name, result))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--index-dir", type=Path, help="an index of the bundled corpus to start from")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sources-") as tmp:
        base = Path(tmp) / "corpus"
        if args.index_dir:
            shutil.copytree(args.index_dir, base)
        else:
            ingest([REPO / "corpus"], base)
        before = timings(base, args.runs)
        with_statute = Path(tmp) / "with-statute"
        shutil.copytree(base, with_statute)
        statute_dir = Path(tmp) / "statute"
        statute_dir.mkdir()
        shutil.copy(STATUTE, statute_dir / STATUTE.name)
        report = ingest([statute_dir], with_statute)
        assert report.added == [STATUTE.name], report.to_dict()
        after = timings(with_statute, args.runs)
    print(f"{'query':<28} {'baseline ms':>12} {'with SFS 2017:30 ms':>20} {'ratio':>7} {'answers with provision_text':>28}")
    for name in QUERIES:
        (b, _), (a, n) = before[name], after[name]
        print(f"{name:<28} {b * 1000:>12.2f} {a * 1000:>20.2f} {a / b:>7.2f} {n:>28}")


if __name__ == "__main__":
    main()
