"""Hostile inputs: peak memory of ingesting crafted files, and the server under slow clients.

Part 1 — peak memory. Each input is ingested by `policykb ingest` in its own process (reader
workers included, measured with wait4's rusage), beside a one-paragraph text file ingested the
same way in the same run, so the figure that matters is the ratio to that baseline (the model,
spaCy and FAISS are loaded either way):
  - a 5 MB text file that is one single word (the compound splitter used to cache every tail);
  - a PDF with one line of text at x = 10^7 (the column finder used to size arrays by it);
  - a PDF of 2,000 pages.
Part 2 — slow clients. `policykb serve` over an index of the bundled corpus; 32 clients search
back to back for --duration seconds, first alone (the baseline), then again while 500 slowloris
connections trickle header bytes (each reconnects when the server drops it). Printed: requests/s
and p50/p95 of the 32 clients in both phases and their ratio, what the slow connections got
(408 after the header timeout, 503 over the connection limit), and the server's open files and
memory at the start, the end of the baseline and the end of the attack.

    python benchmarks/bench_hostile.py                    # both parts, 60 s per phase
    python benchmarks/bench_hostile.py --part server --duration 20 --index-dir index/
    python benchmarks/bench_hostile.py --part memory --pages 500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil
from bench_api import CORPUS, free_port, load, memory_mb, start_server

SLOW_CONNECTIONS = 500
CLIENTS = 32


# ---------------------------------------------------------------- part 1: peak memory of ingest

def write_single_word(path: Path, megabytes: float) -> Path:
    unit = "hälsoochsjukvårdslagstiftningen"
    size = int(megabytes * 2**20)
    path.write_text((unit * (size // len(unit.encode()) + 1))[:size // 2 * 2], encoding="utf-8")
    return path


def write_far_pdf(path: Path) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.drawString(72, 760, "Kommunen ska erbjuda hemsjukvård.")
    c.drawString(1e7, 500, "Text långt utanför sidan")
    c.showPage()
    c.save()
    return path


def write_long_pdf(path: Path, pages: int) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    for page in range(1, pages + 1):
        y = 760
        c.setFont("Helvetica-Bold", 14)
        c.drawString(72, y, f"{page}. Avsnitt om samverkan")
        c.setFont("Helvetica", 10)
        for line in range(6):
            y -= 16
            c.drawString(72, y, f"Regionen ska samverka med kommunen om patienter i hemmet, del {page}.{line}.")
        c.drawString(300, 40, str(page))
        c.showPage()
    c.save()
    return path


def peak_ingest_mb(source: Path, index: Path) -> tuple[float, float, int]:
    """(peak RSS in MB over the ingest process and its workers, seconds, exit code)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "policykb.cli", "ingest", str(source), "--index-dir", str(index), "--workers", "1"],
        env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, time.perf_counter() - started, proc.returncode


def run_memory(args: argparse.Namespace, work: Path) -> dict:
    inputs = work / "inputs"
    inputs.mkdir()
    baseline = inputs / "baseline.txt"
    baseline.write_text("Kommunen ska erbjuda hemsjukvård enligt 12 kap. 1 § HSL.\n", encoding="utf-8")
    cases = {
        "one paragraph (baseline)": baseline,
        "5 MB single word": write_single_word(inputs / "word.txt", args.word_mb),
        "PDF, text at x = 10^7": write_far_pdf(inputs / "far.pdf"),
        f"PDF, {args.pages} pages": write_long_pdf(inputs / "long.pdf", args.pages),
    }
    rows = {}
    for n, (name, path) in enumerate(cases.items()):
        peak, seconds, code = peak_ingest_mb(path, work / f"index-{n}")
        rows[name] = {"file_mb": round(path.stat().st_size / 2**20, 2), "peak_rss_mb": round(peak, 1),
                      "seconds": round(seconds, 1), "exit_code": code}
    base = rows["one paragraph (baseline)"]["peak_rss_mb"]
    for row in rows.values():
        row["ratio_to_baseline"] = round(row["peak_rss_mb"] / base, 2)
    return rows


# ---------------------------------------------------------------- part 2: slow clients

async def slowloris(port: int, count: int, stop: asyncio.Event, outcome: dict) -> None:
    """Keep `count` connections trickling header bytes; reconnect each one the server drops."""

    async def one() -> None:
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                outcome["connect_failed"] += 1
                await asyncio.sleep(0.5)
                continue
            outcome["opened"] += 1
            try:
                writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n")
                while not stop.is_set():
                    await writer.drain()
                    try:
                        answer = await asyncio.wait_for(reader.read(64), timeout=2.0)
                    except TimeoutError:
                        writer.write(b"X-a: b\r\n")  # one more header line, never the blank line
                        continue
                    status = answer[9:12].decode(errors="replace") if answer.startswith(b"HTTP/") else "closed"
                    outcome[status] = outcome.get(status, 0) + 1
                    break
            except OSError:
                outcome["reset"] += 1
            finally:
                writer.close()

    await asyncio.gather(*(one() for _ in range(count)))


def server_state(proc: psutil.Process) -> dict:
    return {"open_files": proc.num_fds(), "rss_mb": memory_mb(proc)}


async def attack_phase(base: str, port: int, duration: float, outcome: dict, server: psutil.Process) -> dict:
    stop = asyncio.Event()
    attacker = asyncio.create_task(slowloris(port, SLOW_CONNECTIONS, stop, outcome))
    await asyncio.sleep(3)  # let the slow connections pile up first
    result = await load(base, CLIENTS, duration, "hybrid", 10)
    result["server at the end of the attack"] = server_state(server)
    stop.set()
    await attacker
    return result


def run_server(args: argparse.Namespace, work: Path) -> dict:
    index = work / "served"
    if args.index_dir:
        shutil.copytree(args.index_dir, index)
    else:
        subprocess.run([sys.executable, "-m", "policykb.cli", "ingest", str(CORPUS), "--index-dir", str(index)],
                       check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"}, stderr=subprocess.DEVNULL)
    port = free_port()
    proc = start_server(index, port)
    server = psutil.Process(proc.pid)
    base = f"http://127.0.0.1:{port}"
    try:
        states = {"start": server_state(server)}
        baseline = asyncio.run(load(base, CLIENTS, args.duration, "hybrid", 10))
        states["after 32 clients"] = server_state(server)
        outcome = {"opened": 0, "connect_failed": 0, "reset": 0}
        attacked = asyncio.run(attack_phase(base, port, args.duration, outcome, server))
        states["during 32 clients + 500 slow (at the end)"] = attacked["server at the end of the attack"]
        states["attack over"] = server_state(server)
        time.sleep(12)  # past the header timeout: the held connections are gone
        states["12 s later"] = server_state(server)
        started = time.perf_counter()
        try:
            healthy = f"{httpx.get(f'{base}/health', timeout=60).status_code} in {time.perf_counter() - started:.2f} s"
        except httpx.HTTPError as exc:
            healthy = f"no answer: {type(exc).__name__}"
    finally:
        proc.send_signal(2)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    log = proc.log_path.read_text()
    keep = ("rps", "p50_ms", "p95_ms", "errors", "requests")
    return {
        "clients alone": {k: baseline[k] for k in keep},
        "clients during attack": {k: attacked[k] for k in keep},
        "rps ratio (attack / alone)": round(attacked["rps"] / baseline["rps"], 2) if baseline["rps"] else None,
        "slow connections": outcome,
        "server": states,
        "health after": healthy,
        "log lines": len(log.splitlines()),
        "tracebacks in log": log.count("Traceback"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["memory", "server", "both"], default="both")
    parser.add_argument("--duration", type=float, default=60.0, help="Seconds per server phase")
    parser.add_argument("--pages", type=int, default=2000, help="Pages of the long PDF")
    parser.add_argument("--word-mb", type=float, default=5.0, help="Size of the single-word file")
    parser.add_argument("--index-dir", type=Path, help="An index to copy and serve (default: ingest corpus/)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = {}
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        work = Path(tmp)
        if args.part in ("memory", "both"):
            report["peak memory of ingest"] = run_memory(args, work)
        if args.part in ("server", "both"):
            report["slow clients"] = run_server(args, work)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for part, figures in report.items():
        print(f"== {part}")
        for name, value in figures.items():
            print(f"  {name}: {json.dumps(value, ensure_ascii=False)}")


if __name__ == "__main__":
    main()
