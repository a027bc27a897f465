"""MCP latency: `search` and `get_document` through each MCP transport, beside the JSON API, same run.

Over one index (the bundled corpus, built in a temporary directory unless --index-dir is given)
it starts `policykb serve` on a free loopback port and opens, all at once:

- an in-process MCP client session on `create_mcp_server(index)` (no transport: the SDK's direct
  dispatch; what the server itself costs),
- a stdio session on `policykb mcp` in a subprocess (what a desktop assistant sees),
- a streamable HTTP session on `/mcp` of the running `policykb serve` (a remote client),
- a plain HTTP client of the JSON API of the same server (the baseline: `GET /search`, and
  `GET /documents/{id}/export?format=md`, the API's nearest call to `get_document`),
- and the core call itself in this process (`Searcher.search`, `export_document`), for reference.

Calls go one at a time, the transports interleaved round by round (so a load change on the shared
machine hits them alike). Printed: p50 / p95 per transport and the p50 as a ratio to the JSON
API's p50 measured in the same run.

    python benchmarks/bench_mcp.py                     # 5 rounds over 16 queries and the 5 documents
    python benchmarks/bench_mcp.py --rounds 10 --index-dir index --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from bench_api import QUERIES, free_port, percentile, start_server, stop_server  # the JSON API benchmark's

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
K = 10
DOCUMENT_CHARS = 20_000
BASELINE = "JSON API"


async def timed(fn: Callable[[], Awaitable[Any] | Any]) -> float:
    started = time.perf_counter()
    result = fn()
    if asyncio.iscoroutine(result):
        result = await result
    elapsed = time.perf_counter() - started
    if getattr(result, "is_error", False):
        raise SystemExit(f"tool error: {result.content}")
    if isinstance(result, httpx.Response):
        result.raise_for_status()
    return elapsed


async def measure(index: Path, rounds: int, warmup: int) -> dict[str, dict[str, list[float]]]:
    from mcp import Client, StdioServerParameters

    from policykb.api.mcp import create_mcp_server
    from policykb.query.export import export_document
    from policykb.query.search import Searcher
    from policykb.store import Store

    port = free_port()
    proc = start_server(index, port)
    base = f"http://127.0.0.1:{port}"
    stdio = StdioServerParameters(
        command=sys.executable, args=["-m", "policykb.cli", "mcp", "--index-dir", str(index)],
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    try:
        with Store.open(index, create=False, readonly=True) as store:
            documents = sorted(store.document_ids())
        async with (
            Client(create_mcp_server(index), read_timeout_seconds=120) as in_process,
            Client(stdio, read_timeout_seconds=120) as over_stdio,
            Client(f"{base}/mcp", read_timeout_seconds=120) as over_http,
            httpx.AsyncClient(base_url=base, timeout=120) as api,
        ):
            searcher = Searcher(index)
            core_store = Store.open(index, create=False, readonly=True)

            def search_calls(query: str) -> dict[str, Callable[[], Any]]:
                arguments = {"query": query, "k": K}
                return {
                    "core (in process, no MCP)": lambda: searcher.search(query, k=K),
                    BASELINE: lambda: api.get("/search", params={"q": query, "k": K}),
                    "MCP in-process": lambda: in_process.call_tool("search", arguments),
                    "MCP stdio": lambda: over_stdio.call_tool("search", arguments),
                    "MCP HTTP (/mcp)": lambda: over_http.call_tool("search", arguments),
                }

            def document_calls(doc_id: str) -> dict[str, Callable[[], Any]]:
                arguments = {"doc_id": doc_id, "offset": 0, "max_chars": DOCUMENT_CHARS}
                return {
                    "core (in process, no MCP)": lambda: export_document(core_store, doc_id, "md")[:DOCUMENT_CHARS],
                    BASELINE: lambda: api.get(f"/documents/{doc_id}/export", params={"format": "md"}),
                    "MCP in-process": lambda: in_process.call_tool("get_document", arguments),
                    "MCP stdio": lambda: over_stdio.call_tool("get_document", arguments),
                    "MCP HTTP (/mcp)": lambda: over_http.call_tool("get_document", arguments),
                }

            work = [("search", q, search_calls(q)) for q in QUERIES] + [
                ("get_document", d, document_calls(d)) for d in documents
            ]
            times: dict[str, dict[str, list[float]]] = {"search": {}, "get_document": {}}
            for _ in range(warmup):
                for _op, _arg, calls in work:
                    for fn in calls.values():
                        await timed(fn)
            for _ in range(rounds):
                for op, _arg, calls in work:
                    for name, fn in calls.items():
                        times[op].setdefault(name, []).append(await timed(fn))
            searcher.close()
            core_store.close()
        return times
    finally:
        stop_server(proc)


def report(times: dict[str, dict[str, list[float]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for op, by_transport in times.items():
        baseline = percentile(by_transport[BASELINE], 50)
        out[op] = {
            name: {
                "n": len(values),
                "p50_ms": round(percentile(values, 50) * 1000, 2),
                "p95_ms": round(percentile(values, 95) * 1000, 2),
                "p50_vs_json_api": round(percentile(values, 50) / baseline, 2),
            }
            for name, values in by_transport.items()
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, help="an existing index (default: ingest the bundled corpus)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    temp = None
    index = args.index_dir
    if index is None:
        from policykb.ingest import ingest

        temp = Path(tempfile.mkdtemp(prefix="bench-mcp-"))
        index = temp / "index"
        print(f"ingesting {CORPUS} …", file=sys.stderr)
        ingest([CORPUS], index)
    try:
        figures = report(asyncio.run(measure(index, args.rounds, args.warmup)))
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    load = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"load_average": load, **figures}, indent=2))
        return
    print(f"MCP latency, one call at a time (load average {load:.1f} on {os.cpu_count()} cores)")
    for op, rows in figures.items():
        what = f"k={K}" if op == "search" else f"{DOCUMENT_CHARS:,} chars (JSON API: the whole document's Markdown)"
        print(f"\n{op} ({what}; n per transport = {next(iter(rows.values()))['n']})")
        print(f"  {'transport':<28} {'p50 ms':>8} {'p95 ms':>8} {'p50 / JSON API':>15}")
        for name, row in rows.items():
            print(f"  {name:<28} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['p50_vs_json_api']:>15.2f}")


if __name__ == "__main__":
    main()
