"""Cold start: `policykb --help` and a cold `policykb search`, this tree against a baseline revision.

    python benchmarks/bench_startup.py --index-dir index [--baseline REV] [--runs 7]

Each run is a fresh process (as a user at a terminal starts it). The baseline is the same package
at another git revision (default: the parent commit), unpacked into a temporary folder and run
with the same interpreter and index, the two interleaved run by run so that load from other jobs
hits both alike; the ratio after/before is the figure that counts.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def unpack_revision(rev: str, target: Path) -> Path:
    """The package of `rev` laid out as an importable `policykb` (cli/ and api/ inside it, as installed)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "src/policykb", "cli", "api"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target / "tree", filter="data")
    package = target / "pkg" / "policykb"
    package.parent.mkdir(parents=True)
    (target / "tree" / "src" / "policykb").rename(package)
    (target / "tree" / "cli").rename(package / "cli")
    (target / "tree" / "api").rename(package / "api")
    return target / "pkg"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index-dir", type=Path, default=REPO / "index")
    parser.add_argument("--baseline", default="HEAD~1")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--query", default="vem ansvarar för rehabilitering i hemmet")
    args = parser.parse_args()
    if not (args.index_dir / "policykb.sqlite").exists():
        sys.exit(f"no index in {args.index_dir}: run `policykb ingest corpus/ --index-dir {args.index_dir}` first")
    with tempfile.TemporaryDirectory() as tmp:
        baseline = unpack_revision(args.baseline, Path(tmp))
        base_env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        trees = {"baseline": {**base_env, "PYTHONPATH": str(baseline)}, "this tree": {**base_env}}
        trees["this tree"].pop("PYTHONPATH", None)
        commands = {
            "--help": ["--help"],
            "search": ["search", args.query, "--index-dir", str(args.index_dir.resolve()), "--json"],
        }
        times: dict[tuple[str, str], list[float]] = {(t, c): [] for t in trees for c in commands}
        for _ in range(args.runs):
            for command, argv in commands.items():
                for tree, env in trees.items():
                    start = time.perf_counter()
                    subprocess.run([sys.executable, "-m", "policykb.cli.main", *argv], env=env, cwd=tmp,
                                   capture_output=True, check=True)
                    times[(tree, command)].append(time.perf_counter() - start)
    print(f"cold start, median of {args.runs} fresh processes (load {os.getloadavg()[0]:.1f}); "
          f"baseline {args.baseline}")
    for command in commands:
        before, after = (statistics.median(times[(t, command)]) for t in trees)
        print(f"  policykb {command:8s} baseline {before:.3f} s   this tree {after:.3f} s   ratio {after / before:.2f}")


if __name__ == "__main__":
    main()
