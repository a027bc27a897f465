"""Limits every request must respect, as plain ASGI middleware (they run before any parsing).

- Body size: a request whose Content-Length is over the limit is refused with 413 before its
  body is read; a chunked body is counted as it streams and cut off at the limit.
- Time: a request that has not started its response after the timeout gets 503. The work
  itself may go on in its thread, but the client is not kept waiting.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.exceptions import HTTPException

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def send_json_error(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(HTTPException):
    """Raised from `receive`; an HTTPException so that body parsers pass it on as a 413."""

    def __init__(self, limit: int):
        super().__init__(413, _too_large_message(limit))


class BodySizeLimit:
    """413 for bodies over `limit_for(scope)` bytes, whether announced or streamed."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[Scope], int]):
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                await send_json_error(send, 400, "the Content-Length header is not a number")
                return
            if too_big:
                await send_json_error(send, 413, _too_large_message(limit), [(b"connection", b"close")])
                return

        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await send_json_error(send, 413, _too_large_message(limit), [(b"connection", b"close")])


class RequestTimeout:
    """503 when no response has started within `timeout_for(scope)` seconds (None: no limit)."""

    def __init__(self, app: ASGIApp, timeout_for: Callable[[Scope], float | None]):
        self.app = app
        self.timeout_for = timeout_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        timeout = self.timeout_for(scope) if scope["type"] == "http" else None
        if timeout is None:
            await self.app(scope, receive, send)
            return
        started = asyncio.Event()

        async def tracking_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.set()
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, tracking_send))
        waiter = asyncio.ensure_future(started.wait())
        try:
            done, _ = await asyncio.wait({task, waiter}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            task.cancel()
            waiter.cancel()
            raise
        if task in done or waiter in done:
            waiter.cancel()
            await task  # the response is under way (or done): let it finish
            return
        # The worker thread cannot be stopped; its result is dropped when it ends.
        task.cancel()
        task.add_done_callback(_drop_result)
        waiter.cancel()
        await send_json_error(
            send,
            503,
            f"the request took longer than {timeout:g} s and was abandoned; narrow it "
            f"(fewer results, a shorter text) or retry when the server is less busy",
            [(b"retry-after", b"5")],
        )


def _drop_result(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _too_large_message(limit: int) -> str:
    if limit >= 1024 * 1024:
        size = f"{limit / 2**20:.0f} MB"
    else:
        size = f"{limit / 1024:.0f} KB"
    return f"the request body is larger than the {size} this endpoint accepts; send less (split the file or text)"
