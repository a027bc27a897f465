"""A real `policykb serve` (uvicorn in its own process) on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from helpers.signals import interruptible


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running `policykb serve`: its base URL, port, process, and the file its log goes to
    (a file, not a pipe: a pipe nobody reads fills up and blocks the server on its next line)."""

    base: str
    port: int
    proc: subprocess.Popen
    log_path: Path
    returncode: int | None = field(default=None)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serve_process(
    index: Path, *, api_key: str | None = None, args: Sequence[str] = (), startup_timeout: float = 90,
    clean_exit: bool = True, log_dir: Path | None = None,
) -> Iterator[Server]:
    """`policykb serve [ARGS]` over `index` until the block ends. The server is stopped with SIGINT
    (as Ctrl-C would); with `clean_exit` it must then exit with 0 and no traceback in its log.
    The log is a file in `log_dir` (a test's tmp_path; default: the system's temporary folder)."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("POLICYKB_API_KEY", None)
    if api_key:
        env["POLICYKB_API_KEY"] = api_key
    handle, log_name = tempfile.mkstemp(prefix="policykb-serve-", suffix=".log", dir=log_dir)
    with os.fdopen(handle, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "policykb.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--index-dir", str(index), "--log-level", "warning", *args],
            env=env, stdout=subprocess.DEVNULL, stderr=log, text=True, preexec_fn=interruptible,
        )
    server = Server(f"http://127.0.0.1:{port}", port, proc, Path(log_name))
    deadline = time.monotonic() + startup_timeout
    try:
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"policykb serve exited with {proc.returncode}: {server.log()}")
            try:
                if httpx.get(f"{server.base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"policykb serve did not answer within {startup_timeout} s")
            time.sleep(0.2)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        server.returncode = proc.returncode
    if clean_exit:
        assert server.returncode == 0, server.log()
        assert "Traceback" not in server.log(), server.log()


@contextmanager
def served(index: Path, *, api_key: str | None = None, startup_timeout: float = 90) -> Iterator[str]:
    """`policykb serve` over `index` until the block ends; yields its base URL."""
    with serve_process(index, api_key=api_key, startup_timeout=startup_timeout, clean_exit=False) as server:
        yield server.base
