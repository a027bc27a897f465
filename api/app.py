"""create_app(index_dir): the FastAPI application over one index directory."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from policykb import __version__

from policykb.api.errors import install_error_handlers
from policykb.api.jobs import IngestJobs
from policykb.api.mcp import MCP_PATH, mount_mcp
from policykb.api.middleware import BodySizeLimit, RequestTimeout
from policykb.api.settings import ApiSettings
from policykb.api.state import AppState

log = logging.getLogger("policykb.api")

DESCRIPTION = """
Sök, hänvisningar, spårning och remissvar över svenska vård- och omsorgsdokument.

*Search, legal references, requirement tracing, uploads and a draft consultation response
(remissvar) over Swedish care-policy documents.*

- Reading needs no key. Uploading (`POST /documents`) needs the server's key in `X-API-Key`.
- Errors are JSON: `{"detail": "what went wrong and what to do"}` with status 400, 401, 403,
  404, 413, 415, 422 or 503.
- References are in canonical form (`SFS 2017:30 2 kap. 3 §`, `prop. 2019/20:164`); any
  spelling the parser accepts (`2 kap. 3 § HSL`) may be used in queries.
"""

TAGS = [
    {"name": "status", "description": "Hälsa och statistik · health and counts"},
    {"name": "search", "description": "Sök bland stycken · passage search"},
    {"name": "documents", "description": "Dokument: lista, innehåll, export, uppladdning"},
    {"name": "passages", "description": "Ett stycke med fotnoter, hänvisningar och entiteter"},
    {"name": "analysis", "description": "Hitta hänvisningar och entiteter i en text"},
    {"name": "citations", "description": "Vem hänvisar till vad · cross-references"},
    {"name": "trace", "description": "Krav och deras rättsliga grund · requirement tracing"},
    {"name": "jobs", "description": "Inläsning av uppladdade filer · ingest jobs"},
    {"name": "consultation", "description": "Remisshjälp: förslag, underlag och remissvarsutkast"},
]


def create_app(
    index_dir: str | os.PathLike,
    *,
    api_key: str | None = None,
    cors_origins: list[str] | None = None,
    **limits,
) -> FastAPI:
    """The API over `index_dir`.

    `api_key`: the key uploads need (default: $POLICYKB_API_KEY; unset: uploads refused).
    `cors_origins`: origins allowed to call from a browser (default: $POLICYKB_CORS_ORIGINS; none).
    `limits`: any `ApiSettings` field, e.g. `max_upload_bytes`, `request_timeout`.
    """
    settings = ApiSettings.build(Path(index_dir), api_key=api_key, cors_origins=cors_origins, **limits)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = AppState(settings.index_dir, read_connections=settings.read_connections)
        try:
            state.open()
        except Exception as exc:  # the API still starts; /health says what is wrong
            log.error("the index in %s cannot be opened: %s", settings.index_dir, exc)
        jobs = IngestJobs(
            settings.index_dir,
            on_ingested=state.refresh,
            max_file_bytes=settings.max_upload_bytes,
            timeout=settings.ingest_timeout,
        )
        app.state.index = state
        app.state.jobs = jobs
        jobs.start()
        try:
            async with mcp_endpoint.running():  # the MCP sessions at /mcp
                yield
        finally:
            jobs.stop()
            state.close()

    app = FastAPI(
        title="policykb",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    _include_routers(app)
    mcp_endpoint = mount_mcp(app, settings)

    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Accept", "X-API-Key"],
        )
    # Added last so they run first: nothing is parsed before the limits are checked.
    app.add_middleware(RequestTimeout, timeout_for=lambda scope: _timeout_for(scope, settings))
    app.add_middleware(BodySizeLimit, limit_for=lambda scope: _body_limit_for(scope, settings))
    return app


# The JSON API's upload and the web page's upload form.
UPLOAD_PATHS = ("/documents", "/uppladdning")


def _is_upload(scope: dict) -> bool:
    return scope.get("method") == "POST" and scope.get("path", "").rstrip("/") in UPLOAD_PATHS


def _body_limit_for(scope: dict, settings: ApiSettings) -> int:
    if _is_upload(scope):
        # Room for the multipart framing and the metadata fields around the files.
        return settings.max_upload_bytes + 256 * 1024
    return settings.max_body_bytes


def _timeout_for(scope: dict, settings: ApiSettings) -> float | None:
    # An upload's duration depends on the client's connection, not on the server's work.
    if _is_upload(scope):
        return None
    # MCP streams its answers (and a GET holds a stream open); its sessions have their own timeout.
    if scope.get("path", "").rstrip("/") == MCP_PATH:
        return None
    if scope.get("path", "").rstrip("/") == "/consultation":
        return settings.consultation_timeout
    return settings.request_timeout


def _include_routers(app: FastAPI) -> None:
    from policykb.api.routers import (
        consultation,
        documents,
        entities,
        fetch,
        health,
        jobs,
        passages,
        refs,
        search,
        trace,
        xref,
    )

    for module in (health, search, documents, passages, refs, entities, xref, trace, jobs, consultation, fetch):
        app.include_router(module.router)
    from policykb.api.web import install as install_web_page  # the HTML pages at / and their static files

    install_web_page(app)
