"""xref / cites / law / trace latency, in process, on the bundled corpus and on a store 100x larger.

    python benchmarks/bench_xref_trace.py [--copies 100] [--runs 20] [--keep DIR]

The large store is made by replicating every document of the bundled corpus (with all its
rows: pages, blocks, footnotes, passages, references, and the derived citation graph and
requirements) under new document ids, so its citation graph has the real shape, 100 times over.
Query timings exclude opening the store; the reference parser is warmed up first (its model
load is a one-off per process).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from policykb.ingest import ingest  # noqa: E402
from policykb.store import Store, db_path  # noqa: E402
from policykb.query.trace import to_csv, trace  # noqa: E402
from policykb.query.xref import cites, law, xref  # noqa: E402

GUIDANCE = "004_2be6a2c697e985af.txt"

# (table, id column or None, {column: "id" offset kind}) copied per replica
_TABLES = [
    ("pages", None, {}),
    ("blocks", "block_id", {"block_id": "block"}),
    ("footnotes", None, {}),
    ("passages", "passage_id", {"passage_id": "passage"}),
    ("passage_footnotes", None, {"passage_id": "passage"}),
    ("refs", "ref_id", {"ref_id": "ref", "block_id": "block", "passage_id": "passage"}),
    ("mentions", "mention_id", {"mention_id": "mention", "block_id": "block", "passage_id": "passage"}),
    ("sentences", "sentence_id", {"sentence_id": "sentence", "block_id": "block", "passage_id": "passage"}),
    ("citations", None, {"ref_id": "ref", "passage_id": "passage", "sentence_id": "sentence"}),
    ("requirements", "requirement_id", {"requirement_id": "requirement", "sentence_id": "sentence",
                                        "passage_id": "passage"}),
    ("requirement_sources", None, {"requirement_id": "requirement", "ref_id": "ref"}),
    ("trace_index_state", None, {}),
]
_ID_OF = {"block": "blocks.block_id", "passage": "passages.passage_id", "ref": "refs.ref_id",
          "mention": "mentions.mention_id", "sentence": "sentences.sentence_id",
          "requirement": "requirements.requirement_id"}


def replicate(index_dir: Path, copies: int) -> None:
    """Add `copies - 1` replicas of every document, with fresh ids everywhere."""
    conn = sqlite3.connect(db_path(index_dir))
    conn.execute("PRAGMA foreign_keys = OFF")
    span = {k: conn.execute(f"SELECT coalesce(max({c.split('.')[1]}), 0) + 1 FROM {c.split('.')[0]}").fetchone()[0]
            for k, c in _ID_OF.items()}
    originals = [r[0] for r in conn.execute("SELECT doc_id FROM documents")]
    doc_columns = [r[1] for r in conn.execute("PRAGMA table_info(documents)")]
    with conn:
        for n in range(1, copies):
            for doc_id in originals:
                new_id = f"{doc_id}#{n}"
                values = ", ".join(
                    "?" if c == "doc_id" else ("path || '#' || " + str(n) if c == "path" else c) for c in doc_columns
                )
                conn.execute(
                    f"INSERT INTO documents ({', '.join(doc_columns)}) SELECT {values} FROM documents WHERE doc_id = ?",
                    (new_id, doc_id),
                )
            for table, _, remap in _TABLES:
                columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
                select = []
                for c in columns:
                    if c == "doc_id":
                        select.append(f"doc_id || '#{n}'")
                    elif c in remap:
                        select.append(f"{c} + {span[remap[c]] * n}")
                    else:
                        select.append(c)
                if "doc_id" in columns:
                    where = "WHERE instr(doc_id, '#') = 0"
                else:  # keyed through a parent row of an original document
                    parent = {"passage_footnotes": "passage_id IN (SELECT passage_id FROM passages WHERE instr(doc_id, '#') = 0)",
                              "citations": "1", "requirement_sources":
                              "requirement_id IN (SELECT requirement_id FROM requirements WHERE instr(doc_id, '#') = 0)"}
                    where = "WHERE " + parent[table]
                conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(select)} FROM {table} {where}")
    conn.execute("ANALYZE")
    conn.close()


def timed(fn, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def measure(index_dir: Path, runs: int, label: str, doc: str = GUIDANCE) -> None:
    with Store.open(index_dir, create=False, readonly=True) as store:
        xref(store, "HSL")  # warm up the reference parser
        stats = store.stats()
        requirements = store.conn.execute("SELECT count(*) FROM requirements").fetchone()[0]
        citations = store.conn.execute("SELECT count(*) FROM citations").fetchone()[0]
        print(f"\n{label}: {stats.documents} documents, {stats.passages} passages, {stats.references} references, "
              f"{citations} citation rows, {requirements} requirements")
        cases = [
            ("xref '2 kap. 3 § HSL'", lambda: xref(store, "2 kap. 3 § HSL")),
            ("xref 'HSL' (act: all sections)", lambda: xref(store, "HSL")),
            ("xref 'prop. 2019/20:164'", lambda: xref(store, "prop. 2019/20:164")),
            ("cites DOC", lambda: cites(store, doc)),
            ("law 'HSL'", lambda: law(store, "HSL")),
            ("trace --doc DOC", lambda: trace(store, doc_id=doc)),
            ("trace --doc DOC --source HSL", lambda: trace(store, doc_id=doc, source="HSL")),
            ("trace --source '12 kap. HSL'", lambda: trace(store, source="12 kap. HSL")),
            ("trace --actor region --modality permission",
             lambda: trace(store, actor="region", modality="permission")),
            ("trace (everything)", lambda: trace(store)),
            ("trace (everything) as CSV", lambda: to_csv(trace(store))),
        ]
        print(f"{'query':<46}{'rows':>8}{'median ms':>12}{'p95 ms':>10}")
        for name, fn in cases:
            result = fn()
            if isinstance(result, list):
                rows = len(result)
            elif isinstance(result, str):
                rows = result.count("\n") - 1  # CSV lines less the header
            else:
                rows = result.get("citations", "")  # xref and law: citations found
            median, p95 = timed(fn, runs)
            print(f"{name:<46}{rows!s:>8}{median:>12.1f}{p95:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="Build the stores here and keep them.")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="policykb-bench-"))
    try:
        small, large = root / "bundled", root / "large"
        for d in (small, large):
            shutil.rmtree(d, ignore_errors=True)
        started = time.perf_counter()
        ingest([REPO / "corpus"], small)
        print(f"ingested the bundled corpus in {time.perf_counter() - started:.1f} s")
        measure(small, args.runs, "bundled corpus")
        shutil.copytree(small, large)
        started = time.perf_counter()
        replicate(large, args.copies)
        print(f"\nreplicated {args.copies}x in {time.perf_counter() - started:.1f} s "
              f"({db_path(large).stat().st_size / 2**20:.0f} MB)")
        measure(large, max(3, args.runs // 4), f"{args.copies}x store",
                f"{GUIDANCE}#{args.copies - 1}" if args.copies > 1 else GUIDANCE)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
