"""Slow and half-sent requests against a real `policykb serve` (issue: hardening, slow clients).

A bounded count of raw sockets stands in for a slowloris attack: they must be answered 408 and
closed after the header/body timeouts, connections over the limit refused with 503 at once, the
server must go on answering normal requests, and its log must hold one line per event, no traceback.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from helpers.served import serve_process
from policykb.api.server import ConnectionLimits, effective_max_connections

from policykb.errors import PolicyKBError

MAX_CONNECTIONS = 12


@pytest.fixture()
def guarded_server(tmp_path: Path):
    """A server with short limits; after it stops, its log is checked against what the test expects."""
    expected: dict[str, str] = {}
    with serve_process(
        tmp_path / "index", log_dir=tmp_path,
        args=["--header-timeout", "1.5", "--body-timeout", "1.5", "--max-connections", str(MAX_CONNECTIONS)],
    ) as server:
        yield server.port, expected
    # serve_process has checked: exit code 0, no traceback in the log.
    if "expect_refused" in expected:
        text = server.log()
        lines = text.splitlines()
        assert sum("refused connection from 127.0.0.1:" in line for line in lines) == int(expected["expect_refused"])
        # At most ten lines a second per kind; the rest are counted in one summary line.
        closed = sum("closed connection from 127.0.0.1:" in line for line in lines)
        summed = sum(int(m.group(1)) for m in re.finditer(r"(\d+) more connections closed", text))
        assert closed <= 10 * 3 and closed + summed == MAX_CONNECTIONS, text


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def _read_all(sock: socket.socket, timeout: float) -> bytes:
    """Everything the server sends until it closes the connection (or `timeout` passes)."""
    sock.settimeout(timeout)
    chunks = []
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    except TimeoutError:
        return b"".join(chunks) + b"<still open>"
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def test_half_sent_headers_get_408_and_are_closed(guarded_server) -> None:
    port, _ = guarded_server
    sock = _connect(port)
    start = time.monotonic()
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
    answer = _read_all(sock, timeout=10)
    waited = time.monotonic() - start
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"headers did not arrive within 1.5 s" in answer
    assert 1.0 < waited < 6.0


def test_a_stalled_body_gets_408_after_the_body_timeout(guarded_server) -> None:
    port, _ = guarded_server
    sock = _connect(port)
    sock.sendall(
        b"POST /refs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        b'{"text": "2 kap. 3'
    )
    answer = _read_all(sock, timeout=15)
    sock.close()
    assert b"<still open>" not in answer
    assert answer.startswith(b"HTTP/1.1 408") or answer == b"", answer


def test_a_body_that_keeps_coming_is_not_cut_off(guarded_server) -> None:
    """The body clock runs between reads: a slow upload that makes progress completes."""
    port, _ = guarded_server
    body = b'{"text": "Enligt 2 kap. 3 \xc2\xa7 h\xc3\xa4lso- och sjukv\xc3\xa5rdslagen ska regionen erbjuda"}'
    sock = _connect(port)
    sock.sendall(
        b"POST /refs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    for start in range(0, len(body), 20):
        time.sleep(0.5)  # 4-5 pieces: longer in all than the body timeout, never idle for it
        sock.sendall(body[start : start + 20])
    answer = _read_all(sock, timeout=15)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert b"SFS 2017:30 2 kap. 3" in answer


def _slow_body(port: int) -> socket.socket:
    """A connection whose request is under way: headers sent, the body trickling (not evictable)."""
    sock = _connect(port)
    sock.sendall(b"POST /refs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99\r\n\r\n{")
    return sock


def test_at_the_limit_a_new_client_takes_the_place_of_one_waiting_for_headers(guarded_server) -> None:
    port, _ = guarded_server
    idle = []
    for _ in range(MAX_CONNECTIONS):
        sock = _connect(port)
        sock.sendall(b"GET /health HTTP/1.1\r\n")  # never finished
        idle.append(sock)
    time.sleep(0.3)
    # A real client is served at once: the connection that waited longest for its headers makes room.
    response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
    assert response.status_code == 200
    evicted = _read_all(idle[0], timeout=5)
    assert evicted.startswith(b"HTTP/1.1 408") and b"connection limit" in evicted, evicted
    for sock in idle:
        sock.close()


def test_connections_over_the_limit_are_refused_when_none_can_make_room(guarded_server) -> None:
    port, _ = guarded_server
    busy = [_slow_body(port) for _ in range(MAX_CONNECTIONS)]
    time.sleep(0.3)
    extra = _connect(port)
    refused = _read_all(extra, timeout=5)
    extra.close()
    assert refused.startswith(b"HTTP/1.1 503"), refused
    assert b"too many open connections" in refused
    # The body timeout drops the stalled requests; then new clients are served again.
    for sock in busy:
        assert _read_all(sock, timeout=10).startswith(b"HTTP/1.1 408")
        sock.close()
    assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200


def test_the_log_has_one_line_per_dropped_connection_and_no_traceback(guarded_server) -> None:
    port, log = guarded_server
    busy = [_slow_body(port) for _ in range(MAX_CONNECTIONS)]
    time.sleep(0.3)
    extras = [_connect(port) for _ in range(3)]
    for sock in extras + busy:
        _read_all(sock, timeout=10)
        sock.close()
    time.sleep(1.5)  # the summary line of a throttled second is written a second later
    # The fixture stops the server, then checks the log: these counts and no traceback.
    log["expect_refused"] = "3"


def test_limits_are_validated_and_bounded_by_the_descriptor_limit() -> None:
    with pytest.raises(PolicyKBError, match="--header-timeout"):
        ConnectionLimits(header_timeout=float("nan")).check()
    with pytest.raises(PolicyKBError, match="--max-connections"):
        ConnectionLimits(max_connections=0).check()
    assert effective_max_connections(512, 256) == 256 - 64
    assert effective_max_connections(100, 100_000) == 100


def test_serve_rejects_bad_limits_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "policykb.cli", "serve", "--index-dir", str(tmp_path), "--body-timeout", "nan"],
        check=False, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "--body-timeout" in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "policykb.cli", "serve", "--index-dir", str(tmp_path), "--max-upload-mb", "nan"],
        check=False, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2 and "--max-upload-mb" in result.stderr
