"""Every error leaves the API as JSON with a `detail` a person can act on, never a traceback."""

from __future__ import annotations

import logging
import re
import uuid
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from policykb.errors import PolicyKBError

log = logging.getLogger("policykb.api")


def public_message(message: str | None, index_dir: Path) -> str | None:
    """`message` as a client may see it: without the server's own paths.

    The core's messages name the index directory (on the command line it is the user's own, and
    worth naming); over HTTP it tells a client where the server keeps its files. Here the served
    index, and any path inside it (the store, an upload), is just "the index". `index_dir` is the
    resolved directory (`ApiSettings.build`), which is what the core's messages contain."""
    if not message:
        return message
    out = message
    for directory in dict.fromkeys((str(index_dir), str(Path(index_dir).resolve()))):
        if not Path(directory).is_absolute() or directory == "/":
            continue
        # the directory itself or a path inside it, never a longer name beginning the same way
        inside = rf"{re.escape(directory)}(?:/[^\s:;,'\"`)]*)?(?=$|[\s:;,'\"`)/]|\.(?:\s|$))"
        out = re.sub(rf"\bthe index in {inside}", "the index", out)
        out = re.sub(rf"\bno index at {inside}", "no index", out)
        out = re.sub(inside, "the index", out)
    return out


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PolicyKBError, _policykb_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


async def _policykb_error(request: Request, exc: PolicyKBError) -> JSONResponse:
    headers = {"Retry-After": "5"} if exc.status == 503 else None
    detail = public_message(str(exc), request.app.state.settings.index_dir)
    return JSONResponse({"detail": detail}, status_code=exc.status, headers=headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path", "header")]
        where = ".".join(loc) or "request"
        errors.append({"field": where, "message": err.get("msg", "invalid value")})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "the request is not valid"
    return JSONResponse({"detail": detail, "errors": errors}, status_code=422)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such endpoint: {request.method} {request.url.path}; see /docs for the API"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}; see /docs for the API"
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    incident = uuid.uuid4().hex[:12]
    log.error("unexpected error %s on %s %s", incident, request.method, request.url.path, exc_info=exc)
    return JSONResponse(
        {"detail": f"internal error (incident {incident}); the server log has the details — please report it"},
        status_code=500,
    )
