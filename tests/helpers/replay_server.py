"""A local HTTP server (a real socket) that replays recorded answers of outside services.

Routes match a request by path and by the query parameters they name (a subset of the request's);
the first matching route answers. A route's answers are played in order (the last one repeats),
so "429, then 200" is two answers. An answer can be delayed past the client's timeout. Every
request is logged with its headers, and the server notes whether two requests ever overlapped
(a polite client sends one at a time).
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from helpers.paths import FIXTURES

RIKSDAGEN_FIXTURES = FIXTURES / "riksdagen"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    cut_off: bool = False  # announce the whole body, send half of it, close: a connection dropped mid-answer

    @classmethod
    def file(cls, name: str, *, content_type: str | None = None, replace: dict[str, str] | None = None) -> Answer:
        """A fixture of tests/fixtures/riksdagen, with `replace` applied to its text."""
        body = (RIKSDAGEN_FIXTURES / name).read_bytes()
        for old, new in (replace or {}).items():
            body = body.replace(old.encode(), new.encode())
        if content_type is None:
            content_type = {"json": "application/json; charset=utf-8", "html": "text/html; charset=utf-8",
                            "xml": "application/xml", "pdf": "application/pdf"}.get(name.rsplit(".", 1)[-1], "text/plain")
        return cls(body=body, content_type=content_type)


@dataclass
class Route:
    path: str
    answers: list[Answer]
    params: dict[str, str] = field(default_factory=dict)
    served: int = 0

    def matches(self, path: str, query: dict[str, str]) -> bool:
        return path == self.path and all(query.get(k) == v for k, v in self.params.items())

    def next_answer(self) -> Answer:
        answer = self.answers[min(self.served, len(self.answers) - 1)]
        self.served += 1
        return answer


@dataclass
class LoggedRequest:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


class ReplayServer:
    """`with ReplayServer(routes) as server:` … `server.url` is the base URL to give the client."""

    def __init__(self, routes: list[Route] | None = None):
        self.routes: list[Route] = list(routes or [])
        self.log: list[LoggedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def add(self, path: str, *answers: Answer, **params: str) -> Route:
        route = Route(path, list(answers), params)
        self.routes.insert(0, route)  # later routes are more specific overrides
        return route

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ReplayServer:
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
                with replay._lock:
                    replay.log.append(LoggedRequest(parts.path, query, dict(self.headers)))
                    replay.in_flight += 1
                    replay.max_in_flight = max(replay.max_in_flight, replay.in_flight)
                    route = next((r for r in replay.routes if r.matches(parts.path, query)), None)
                    answer = route.next_answer() if route else Answer(404, b"<html><body>Not found</body></html>",
                                                                       "text/html")
                answered = False

                def leave() -> None:
                    # before the last byte goes out: a client that has its answer may send its next
                    # request at once, before this thread would reach a `finally` — counting it
                    # still in flight then would report an overlap the client never made
                    nonlocal answered
                    if not answered:
                        answered = True
                        with replay._lock:
                            replay.in_flight -= 1

                try:
                    if answer.delay:
                        time.sleep(answer.delay)
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.content_type)
                    self.send_header("Content-Length", str(len(answer.body)))
                    for key, value in answer.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    if answer.cut_off:
                        self.wfile.write(answer.body[: len(answer.body) // 2])
                        self.wfile.flush()
                        leave()
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return
                    leave()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): nothing to answer
                finally:
                    leave()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def requests_to(self, path: str) -> list[LoggedRequest]:
        return [r for r in self.log if r.path == path]


def closed_port_url() -> str:
    """A URL on this machine where nothing listens: a network that is down, without any network."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def write_pdf(path: Path, pages: list[list[str]]) -> bytes:
    """A real PDF with these lines of text on its pages (reportlab); returns its bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for lines in pages:
        y = 780
        for line in lines:
            c.setFont("Helvetica-Bold" if line.isupper() else "Helvetica", 11)
            c.drawString(60, y, line)
            y -= 16
        c.showPage()
    c.save()
    return path.read_bytes()
