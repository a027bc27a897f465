"""Running the API under uvicorn with limits on what one connection may hold.

uvicorn waits forever for a request's headers and for the rest of a body, and accepts every
connection the kernel hands it: a few thousand half-sent requests (slowloris) hold the server's
open files until new clients time out, and when the process runs out of descriptors asyncio
logs a traceback per failed accept. `GuardedH11Protocol` adds what nginx calls
client_header_timeout, client_body_timeout and a connection limit:

- headers: a request must send all its headers within `header_timeout` seconds of the
  connection opening (or of the previous response on a kept-alive connection), else 408 and close;
- body: while a body is being sent, no more than `body_timeout` seconds may pass between two
  reads, else 408 and close (a slow upload that still makes progress goes on; the app's own
  request timeout and upload size limit bound the rest);
- connections: at `max_connections` open at once, a new connection takes the place of the one
  that has waited longest for its headers (slow clients wait there; real ones send headers at
  once), and only when none is waiting is the newcomer refused with 503. Descriptors never run
  out: the process's soft limit on open files is raised to its hard limit at start and the
  connection limit kept below it.
- the log: one line per dropped or refused connection, never a traceback, and at most ten a
  second per kind, the rest counted in one line (a flood of lines would fill a log, or block
  the server on a full stderr pipe).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import resource
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

logger = logging.getLogger("policykb.server")

# Descriptors the server needs besides client sockets: the index (SQLite + WAL + FAISS), logs,
# the ingest worker's pipes, Python's own files.
RESERVED_DESCRIPTORS = 64
# The largest request head (request line and headers) read before it is complete. h11's default,
# 16 KiB, reset the connection of a long URL whose head arrived in more than one read (the web
# page's GET search form, a pasted 10,000-character query: the page answers that it is too long)
# at random, by how the kernel happened to deliver it; 128 KiB holds any URL a browser sends,
# and times `max_connections` bounds what idle heads can hold.
MAX_REQUEST_HEAD = 128 * 1024


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 512

    def check(self) -> None:
        from policykb.errors import PolicyKBError

        for name in ("header_timeout", "body_timeout"):
            value = getattr(self, name)
            if math.isnan(value) or not 0 < value <= 3600:
                raise PolicyKBError(f"--{name.replace('_', '-')} must be between 0 and 3600 seconds, not {value}")
        if not 1 <= self.max_connections <= 1_000_000:
            raise PolicyKBError(f"--max-connections must be between 1 and 1000000, not {self.max_connections}")


def raise_open_file_limit() -> int:
    """Raise the soft limit on open files to the hard limit; return the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def effective_max_connections(requested: int, open_file_limit: int) -> int:
    """The connection limit actually used: what was asked, but always below the descriptor limit."""
    return max(1, min(requested, open_file_limit - RESERVED_DESCRIPTORS))


def _plain_response(status: int, reason: bytes, detail: str) -> bytes:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    head = (
        b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
        % (status, reason, len(body))
    )
    return head + body


class ThrottledLog:
    """At most `per_second` lines a second for one kind of event, then one line with the count.

    A flood of bad connections must not become a flood of log lines (or block the server on a
    full stderr pipe): the first few are logged one by one, the rest summed up once a second.
    """

    def __init__(self, per_second: int = 10):
        self.per_second = per_second
        self._window: dict[str, float] = {}
        self._logged: dict[str, int] = {}
        self._suppressed: dict[str, int] = {}

    def event(self, kind: str, loop: asyncio.AbstractEventLoop, message: str, *args: Any) -> None:
        now = loop.time()
        if now - self._window.get(kind, -1e9) >= 1.0:
            self._window[kind] = now
            self._logged[kind] = 0
        if self._logged[kind] < self.per_second:
            self._logged[kind] += 1
            logger.warning(message, *args)
            return
        if not self._suppressed.get(kind):
            loop.call_later(1.0, self._summarise, kind)
        self._suppressed[kind] = self._suppressed.get(kind, 0) + 1

    def _summarise(self, kind: str) -> None:
        count = self._suppressed.pop(kind, 0)
        if count:
            logger.warning("%d more connections %s in the last second (not logged one by one)", count, kind)


def guarded_protocol(limits: ConnectionLimits) -> type[H11Protocol]:
    """An H11Protocol subclass bound to `limits` (uvicorn instantiates the class it is given)."""
    log = ThrottledLog()

    class GuardedH11Protocol(H11Protocol):
        _limits = limits

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            over_limit = len(self.connections) >= self._limits.max_connections
            super().connection_made(transport)
            self._deadline: asyncio.TimerHandle | None = None
            self._opened_at = self.loop.time()
            if over_limit and not self._evict_oldest_waiting():
                log.event(
                    "refused", self.loop, "refused connection from %s: %d connections open (limit %d)",
                    _peer(self.client), len(self.connections) - 1, self._limits.max_connections,
                )
                transport.write(_plain_response(503, b"Service Unavailable", "too many open connections; retry shortly"))
                transport.close()
                return
            self._arm(self._limits.header_timeout)

        def _waiting_for_headers(self) -> bool:
            """Nothing of a request read yet, or only part of its headers, and no response under way."""
            responding = self.cycle is not None and not self.cycle.response_complete
            return self.conn.their_state is h11.IDLE and not responding and not self.transport.is_closing()

        def _evict_oldest_waiting(self) -> bool:
            """At the limit, make room by closing the connection that has waited longest for headers.

            Slow clients sit in that state; a real client sends its headers at once. So under a
            slowloris attack new clients are still served and the attackers are the ones dropped.
            """
            waiting = [
                c for c in self.connections
                if c is not self and isinstance(c, GuardedH11Protocol) and c._waiting_for_headers()
            ]
            if not waiting:
                return False
            oldest = min(waiting, key=lambda c: c._opened_at)
            oldest._close_slow("headers", reason="the server is at its connection limit")
            return True

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.transport.is_closing():
                return
            if self.conn.their_state is h11.SEND_BODY:
                # Each read of the body restarts the body clock.
                self._arm(self._limits.body_timeout)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                # A kept-alive connection gets a new header clock for its next request.
                self._opened_at = self.loop.time()
                self._arm(self._limits.header_timeout)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self, seconds: float) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(seconds, self._on_deadline)

        def _disarm(self) -> None:
            deadline = getattr(self, "_deadline", None)
            if deadline is not None:
                deadline.cancel()
                self._deadline = None

        def _on_deadline(self) -> None:
            self._deadline = None
            if self.transport.is_closing():
                return
            if self._waiting_for_headers():
                self._close_slow("headers")
            elif self.conn.their_state is h11.SEND_BODY:
                self._close_slow("body")
            # else: the request was read in full and its response is under way

        def _close_slow(self, what: str, reason: str | None = None) -> None:
            seconds = self._limits.header_timeout if what == "headers" else self._limits.body_timeout
            why = reason or f"no complete request {what} within {seconds:g} s"
            log.event("closed", self.loop, "closed connection from %s: %s", _peer(self.client), why)
            self._disarm()
            if self.cycle is None or not self.cycle.response_started or self.cycle.response_complete:
                detail = f"the request {what} did not arrive within {seconds:g} s" if reason is None else reason
                self.transport.write(_plain_response(408, b"Request Timeout", detail))
            if self.cycle is not None:
                self.cycle.disconnected = True
                self.cycle.message_event.set()
            self.transport.close()

    return GuardedH11Protocol


def _peer(client: Any) -> str:
    if not client:
        return "unknown client"
    host, port = client[0], client[1]
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"


def run_server(app: Any, host: str, port: int, limits: ConnectionLimits, *, log_level: str = "info") -> None:
    """Serve `app` in this process until interrupted (one worker: the index snapshot lives in it)."""
    import uvicorn

    limits.check()
    open_files = raise_open_file_limit()
    bounded = ConnectionLimits(
        header_timeout=limits.header_timeout,
        body_timeout=limits.body_timeout,
        max_connections=effective_max_connections(limits.max_connections, open_files),
    )
    if not logger.handlers:
        # uvicorn configures its own loggers only; ours logs beside them in the same format.
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(log_level.upper() if log_level.upper() in logging.getLevelNamesMapping() else logging.INFO)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        workers=1,
        http=guarded_protocol(bounded),
        h11_max_incomplete_event_size=MAX_REQUEST_HEAD,
        timeout_graceful_shutdown=10,
        backlog=min(2048, bounded.max_connections),
    )
