"""HTTP API under load: /search throughput and latency on loopback, alone and during an ingest.

Starts `policykb serve` on a free loopback port over an index of the bundled corpus (built in
a temporary directory unless --index-dir is given), then for each concurrency level runs that
many clients (asyncio + httpx, one connection each) issuing searches back to back for
--duration seconds, and reports requests/s, p50/p95/p99 latency and errors. Then it uploads a
document (a changed copy of a corpus file, so it is really ingested) and runs the same load
until the ingest is done. Finally the server's memory (RSS) and the ingest process's peak.

    python benchmarks/bench_api.py                    # 30 s per level, concurrency 1, 8, 32
    python benchmarks/bench_api.py --duration 10 --mode lexical --json
    python benchmarks/bench_api.py --concurrency 1,32 --duration 20 --skip-upload   # issue 17.14

Each level is also given as a ratio to the first level measured in the same run (its baseline):
throughput ×, p50 ×, p95 × — on a shared machine the absolute figures move with the load, the
ratios much less.

Targets (issue 6): p50 <= 60 ms at concurrency 1 in hybrid mode; no errors at 32.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
KEY = "bench-key"
QUERIES = [
    "vem ansvarar för rehabilitering i hemmet",
    "fast vårdkontakt för patienter i hemsjukvården",
    "samordnad individuell plan SIP",
    "medicinskt ansvarig för rehabilitering",
    "läkarinsatser i kommunal hälso- och sjukvård",
    "2 kap. 3 § HSL",
    "hjälpmedel i dagliga livet",
    "kompetensförsörjning legitimerad personal",
    "primärvården som nav i nära vård",
    "uppföljning av omställningen till nära vård",
    "delegering av hälso- och sjukvårdsuppgifter",
    "patientens delaktighet och egenvård",
    "habilitering för vuxna med funktionsnedsättning",
    "fallprevention i särskilt boende",
    "arbetsterapeutens roll i hemmet",
    "who is responsible for home rehabilitation",
]


def rotated_sentences(text: str) -> str:
    out = []
    for paragraph in text.split("\n\n"):
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])", paragraph)
        out.append(" ".join(sentences[1:] + sentences[:1]) if len(sentences) > 1 else paragraph + " (omskriven)")
    return "\n\n".join(out)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def load(base: str, concurrency: int, duration: float, mode: str, k: int, until: threading.Event | None = None) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    snapshots: set[str] = set()
    stop_at = time.perf_counter() + duration

    async def client(n: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            i = n
            while True:
                if until is not None:
                    if until.is_set():
                        return
                elif time.perf_counter() >= stop_at:
                    return
                query = QUERIES[i % len(QUERIES)]
                i += 1
                started = time.perf_counter()
                try:
                    response = await http.get("/search", params={"q": query, "k": k, "mode": mode})
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    errors.append(f"{response.status_code}: {response.text[:200]}")
                    continue
                latencies.append(elapsed)
                snapshots.add(response.headers.get("x-index-snapshot", "?"))

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(concurrency)))
    wall = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "seconds": round(wall, 2),
        "requests": len(latencies),
        "errors": len(errors),
        "error_examples": errors[:3],
        "rps": round(len(latencies) / wall, 1) if wall else 0.0,
        "p50_ms": round(1000 * percentile(latencies, 50), 1),
        "p95_ms": round(1000 * percentile(latencies, 95), 1),
        "p99_ms": round(1000 * percentile(latencies, 99), 1),
        "mean_ms": round(1000 * statistics.fmean(latencies), 1) if latencies else None,
        "snapshots": sorted(snapshots),
    }


def start_server(index: Path, port: int, *args: str) -> subprocess.Popen:
    """`policykb serve [ARGS]` on `port`, returned once it can search; its log goes to `proc.log_path`
    (a pipe nobody reads would fill up and block the server on its next log line). The benchmarks
    of the web page, MCP and hostile clients start their servers here too."""
    env = {**os.environ, "POLICYKB_API_KEY": KEY, "HF_HUB_OFFLINE": "1"}
    log_path = index.parent / f"serve-{port}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "policykb.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--index-dir", str(index), "--log-level", "warning", *args],
            env=env, stdout=subprocess.DEVNULL, stderr=log, text=True,
        )
    proc.log_path = log_path  # type: ignore[attr-defined]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"policykb serve exited: {log_path.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json().get("search"):
                return proc
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("policykb serve did not become ready (with search) within 120 s")


def stop_server(proc: subprocess.Popen) -> None:
    """Ctrl-C, as a user would; killed if it does not stop within 20 s."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def memory_mb(proc: psutil.Process) -> float:
    return round(proc.memory_info().rss / 2**20, 1)


def run_upload_load(base: str, server: psutil.Process, args: argparse.Namespace, upload_path: Path) -> dict:
    done = threading.Event()
    job_info: dict = {}
    peak_child = [0.0]

    def upload_and_wait() -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            started = time.perf_counter()
            response = http.post(
                "/documents", headers={"X-API-Key": KEY},
                files={"file": (upload_path.name, upload_path.read_bytes(), "text/plain")},
            )
            response.raise_for_status()
            job_id = response.json()["job_id"]
            while True:
                job = http.get(f"/jobs/{job_id}").json()
                for child in server.children(recursive=True):
                    try:
                        peak_child[0] = max(peak_child[0], child.memory_info().rss / 2**20)
                    except psutil.Error:
                        pass
                if job["status"] in {"done", "failed"}:
                    break
                time.sleep(0.2)
            job_info.update(job=job, seconds=round(time.perf_counter() - started, 2))
        done.set()

    thread = threading.Thread(target=upload_and_wait)
    thread.start()
    result = asyncio.run(load(base, args.ingest_concurrency, 0, args.mode, args.k, until=done))
    thread.join()
    job = job_info["job"]
    result.update(
        ingest_seconds=job_info["seconds"],
        job_status=job["status"],
        file_status=[f["status"] for f in job["files"]],
        ingest_process_peak_rss_mb=round(peak_child[0], 1),
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, help="An index to copy and serve (default: ingest corpus/ afresh)")
    parser.add_argument("--duration", type=float, default=30.0, help="Seconds per concurrency level")
    parser.add_argument("--concurrency", default="1,8,32", help="Comma-separated client counts")
    parser.add_argument("--ingest-concurrency", type=int, default=8, help="Clients searching during the ingest")
    parser.add_argument("--mode", default="hybrid", choices=["hybrid", "lexical", "dense"])
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="Print one JSON document")
    parser.add_argument("--skip-upload", action="store_true", help="Only the search levels, no upload+ingest run")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-api-"))
    try:
        index = work / "index"
        if args.index_dir:
            shutil.copytree(args.index_dir, index)
        else:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "policykb.cli", "ingest", str(CORPUS), "--index-dir", str(index),
                            "--json"], check=True, stdout=subprocess.DEVNULL, env={**os.environ, "HF_HUB_OFFLINE": "1"})
            print(f"indexed the bundled corpus in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        # The largest corpus document with each paragraph's sentences rotated: the same kind of text,
        # but passages the embedding cache has not seen, so the upload is ingested and embedded in full.
        source = max(CORPUS.glob("*.txt"), key=lambda p: p.stat().st_size)
        upload = work / f"omskriven-{source.name}"
        upload.write_text(rotated_sentences(source.read_text(encoding="utf-8")), encoding="utf-8")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(index, port)
        server = psutil.Process(proc.pid)
        try:
            idle_rss = memory_mb(server)
            asyncio.run(load(base, 2, 3.0, args.mode, args.k))  # warm-up: model, caches, connections
            levels = [int(c) for c in args.concurrency.split(",") if c.strip()]
            results = []
            peak = idle_rss
            for level in levels:
                results.append(asyncio.run(load(base, level, args.duration, args.mode, args.k)))
                peak = max(peak, memory_mb(server))
            during = None if args.skip_upload else run_upload_load(base, server, args, upload)
            peak = max(peak, memory_mb(server))
            after_rss = memory_mb(server)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        report = {
            "mode": args.mode,
            "k": args.k,
            "duration_s": args.duration,
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "levels": results,
            "ratios_to_first_level": [_ratios(results[0], r) for r in results],
            "during_ingest": during,
            "server_rss_mb": {"after_start_and_warmup": idle_rss, "peak_sampled": peak, "after_ingest": after_rss},
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return
    print(f"/search, mode {args.mode}, k {args.k}, {args.duration:g} s per level, {os.cpu_count()} CPUs "
          f"(load average at the end {report['load_average']})")
    print(f"{'clients':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7}")
    for r in results:
        print(f"{r['concurrency']:>8} {r['rps']:>8} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['p99_ms']:>8} "
              f"{r['requests']:>9} {r['errors']:>7}")
    for ratio in report["ratios_to_first_level"][1:]:
        print(f"{ratio['concurrency']:>8} clients vs {results[0]['concurrency']}: throughput ×{ratio['rps']}, "
              f"p50 ×{ratio['p50']}, p95 ×{ratio['p95']}")
    d = during
    if d is None:
        m = report["server_rss_mb"]
        print(f"server RSS: {m['after_start_and_warmup']} MB after warm-up, {m['peak_sampled']} MB peak")
        return
    print(f"during upload+ingest ({d['concurrency']} clients, {d['ingest_seconds']} s, job {d['job_status']} "
          f"{d['file_status']}, snapshots seen {d['snapshots']}):")
    print(f"{d['concurrency']:>8} {d['rps']:>8} {d['p50_ms']:>8} {d['p95_ms']:>8} {d['p99_ms']:>8} "
          f"{d['requests']:>9} {d['errors']:>7}")
    for r in [*results, d]:
        for example in r["error_examples"]:
            print(f"  error: {example}")
    m = report["server_rss_mb"]
    print(f"server RSS: {m['after_start_and_warmup']} MB after warm-up, {m['peak_sampled']} MB peak, "
          f"{m['after_ingest']} MB after the ingest; ingest process peak {d['ingest_process_peak_rss_mb']} MB")


def _ratios(base: dict, level: dict) -> dict:
    """A level's figures as multiples of the baseline level's (the first measured in the run)."""
    def ratio(a: float, b: float) -> float | None:
        return round(a / b, 2) if b else None

    return {
        "concurrency": level["concurrency"],
        "rps": ratio(level["rps"], base["rps"]),
        "p50": ratio(level["p50_ms"], base["p50_ms"]),
        "p95": ratio(level["p95_ms"], base["p95_ms"]),
    }


if __name__ == "__main__":
    main()
