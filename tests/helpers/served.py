"""A real `policykb serve` (uvicorn in its own process) on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(index: Path, *, api_key: str | None = None, startup_timeout: float = 90) -> Iterator[str]:
    """`policykb serve` over `index` until the block ends; yields its base URL. The server is
    stopped with SIGINT (as Ctrl-C would) and must exit cleanly."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("POLICYKB_API_KEY", None)
    if api_key:
        env["POLICYKB_API_KEY"] = api_key
    proc = subprocess.Popen(
        [sys.executable, "-m", "policykb.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--index-dir", str(index), "--log-level", "warning"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_timeout
    try:
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"policykb serve exited with {proc.returncode}: {proc.stderr.read()}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"policykb serve did not answer within {startup_timeout} s")
            time.sleep(0.2)
        yield base
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
