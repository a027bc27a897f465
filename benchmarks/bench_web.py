"""The web page's search view under load, beside the JSON `/search` in the same run.

Starts `policykb serve` on a free loopback port over an index of the bundled corpus (built in a
temporary directory unless --index-dir is given). For 1 and 8 concurrent clients (threads, one
keep-alive connection each) it fetches:

- `/?q=…` the search page (HTML): time to first byte (response head received) and full load
  (the HTML read and then the page's own static files — style sheet and htmx — fetched in
  parallel, as a browser with an empty cache does);
- the same page again (the hit list of a query is kept per index snapshot: paging and facet
  clicks are this case);
- `/search?q=…&k=10` (JSON), the baseline: time to first byte and to the whole body.

Each query is asked once per level and endpoint; the queries are the typical ones of
bench_api.py combined with qualifiers, other ones for each level, so every first page view
really searches. Figures:
p50 / p95 in ms and the ratio to the JSON baseline's p50; page weight in kB (HTML, CSS, JS; and
gzip-compressed, for a server behind a compressing proxy).

    python benchmarks/bench_web.py [--index-dir DIR] [--json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from bench_api import free_port, percentile, start_server, stop_server  # one way to run a server for every benchmark

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
BASE_QUERIES = [
    "vem ansvarar för rehabilitering i hemmet",
    "fast vårdkontakt för patienter i hemsjukvården",
    "samordnad individuell plan SIP",
    "medicinskt ansvarig för rehabilitering",
    "läkarinsatser i kommunal hälso- och sjukvård",
    "hjälpmedel i dagliga livet",
    "kompetensförsörjning legitimerad personal",
    "primärvården som nav i nära vård",
    "delegering av hälso- och sjukvårdsuppgifter",
    "habilitering för vuxna med funktionsnedsättning",
]
QUALIFIERS = {1: ["", " för äldre", " i kommunen", " och samverkan"],
              8: [" för barn", " i regionen", " och uppföljning", " i särskilt boende"]}
WEIGHT_QUERY = "rehabilitering i hemmet"  # a typical query, not among the timed ones
# 40 distinct queries per level: the hit lists a level's cold page views fetch are not yet kept
QUERIES = {level: [q + s for s in qualifiers for q in BASE_QUERIES] for level, qualifiers in QUALIFIERS.items()}


def timed_get(client: httpx.Client, url: str, params: dict | None = None) -> tuple[float, float, bytes]:
    """(time to the response head, time to the whole body, the body) in seconds."""
    start = time.perf_counter()
    with client.stream("GET", url, params=params) as response:
        first = time.perf_counter() - start
        body = response.read()
        if response.status_code != 200:
            raise RuntimeError(f"{url} {params}: {response.status_code} {body[:200]!r}")
    return first, time.perf_counter() - start, body


STATIC = re.compile(rb'(?:src|href)="(/static/[^"]+)"')


def page_load(client: httpx.Client, assets: ThreadPoolExecutor, base: str, query: str) -> tuple[float, float, int]:
    start = time.perf_counter()
    ttfb, _, html = timed_get(client, f"{base}/", {"q": query})
    urls = [u.decode() for u in dict.fromkeys(STATIC.findall(html))]
    # a browser with an empty cache fetches the style sheet and the script in parallel
    sizes = list(assets.map(lambda u: len(httpx.get(base + u, timeout=60).content), urls))
    return ttfb, time.perf_counter() - start, len(html) + sum(sizes)


def run_level(base: str, clients: int, kind: str) -> dict[str, list[float]]:
    """Every query once, spread over `clients` threads; per request (ttfb, full) in ms."""
    todo = list(QUERIES[clients])
    lock = threading.Lock()
    ttfb: list[float] = []
    full: list[float] = []

    def worker() -> None:
        with httpx.Client(timeout=120) as client, ThreadPoolExecutor(2) as assets:
            while True:
                with lock:
                    if not todo:
                        return
                    query = todo.pop()
                if kind == "json":
                    first, whole, _ = timed_get(client, f"{base}/search", {"q": query, "k": 10})
                elif kind == "page":
                    first, whole, _ = page_load(client, assets, base, query)
                else:  # the page again: its hit list is kept
                    first, whole, _ = timed_get(client, f"{base}/", {"q": query})
                with lock:
                    ttfb.append(first * 1000)
                    full.append(whole * 1000)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"ttfb": ttfb, "full": full}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, help="an existing index (default: ingest corpus/ into a temp dir)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    tmp = None
    index = args.index_dir
    if index is None:
        from policykb.ingest import ingest

        tmp = tempfile.TemporaryDirectory(prefix="bench-web-")
        index = Path(tmp.name) / "index"
        print(f"ingesting {CORPUS} …", file=sys.stderr)
        ingest([CORPUS], index)
    port = free_port()
    proc, base = start_server(index, port, "--timeout", "120"), f"http://127.0.0.1:{port}"
    try:
        # one warm-up search loads the query model, as the first user of a fresh server would pay
        httpx.get(f"{base}/search", params={"q": "uppvärmning", "k": 1}, timeout=120)
        weights = {}
        html = httpx.get(f"{base}/", params={"q": WEIGHT_QUERY}, timeout=120).content
        weights["html"] = len(html)
        for url in dict.fromkeys(STATIC.findall(html)):
            body = httpx.get(base + url.decode(), timeout=60).content
            weights["css" if url.endswith(b".css") else "js"] = len(body)
            weights[("css" if url.endswith(b".css") else "js") + "_gzip"] = len(gzip.compress(body))
        weights["html_gzip"] = len(gzip.compress(html))
        results: dict[str, dict] = {}
        for clients in (1, 8):
            for kind in ("json", "page", "page_again"):
                figures = run_level(base, clients, kind)
                results[f"{kind}@{clients}"] = {
                    "requests": len(figures["ttfb"]),
                    "ttfb_p50": percentile(figures["ttfb"], 50), "ttfb_p95": percentile(figures["ttfb"], 95),
                    "full_p50": percentile(figures["full"], 50), "full_p95": percentile(figures["full"], 95),
                    "mean_full": statistics.fmean(figures["full"]),
                }
    finally:
        stop_server(proc)
        if tmp is not None:
            tmp.cleanup()

    load = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"weights_bytes": weights, "results": results, "load_average": load}, indent=2))
        return
    kb = lambda n: f"{n / 1024:.1f} kB"  # noqa: E731
    total = weights["html"] + weights.get("css", 0) + weights.get("js", 0)
    total_gz = weights["html_gzip"] + weights.get("css_gzip", 0) + weights.get("js_gzip", 0)
    print(f"page weight of the search view ({WEIGHT_QUERY!r}): HTML {kb(weights['html'])}, CSS {kb(weights.get('css', 0))}, "
          f"htmx {kb(weights.get('js', 0))} = {kb(total)} ({kb(total_gz)} gzip-compressed)")
    print(f"load average at the end: {load:.1f} on {os.cpu_count()} cores")
    print(f"{'endpoint @ clients':<22} {'n':>3} {'TTFB p50':>9} {'p95':>8} {'full p50':>9} {'p95':>8}  full p50 / JSON p50")
    for clients in (1, 8):
        baseline = results[f"json@{clients}"]["full_p50"]
        for kind in ("json", "page", "page_again"):
            r = results[f"{kind}@{clients}"]
            label = {"json": "/search JSON", "page": "/ page, cold", "page_again": "/ page, again"}[kind]
            print(f"{label + ' @ ' + str(clients):<22} {r['requests']:>3} {r['ttfb_p50']:>7.0f}ms {r['ttfb_p95']:>6.0f}ms "
                  f"{r['full_p50']:>7.0f}ms {r['full_p95']:>6.0f}ms  {r['full_p50'] / baseline:>5.2f}x")


if __name__ == "__main__":
    main()
