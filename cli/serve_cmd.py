"""policykb serve: the HTTP API (uvicorn) over an index directory."""

from __future__ import annotations

from typing import Annotated

import typer

from policykb.cli.common import IndexDirOption, err_console, fail, index_dir, literal


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0 for all interfaces).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    index_dir_opt: IndexDirOption = None,
    cors_origin: Annotated[
        list[str] | None, typer.Option("--cors-origin", help="Allow browser calls from this origin (repeatable).")
    ] = None,
    max_upload_mb: Annotated[float, typer.Option("--max-upload-mb", help="Largest upload accepted.")] = 100.0,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds before a request is abandoned with 503.")] = 30.0,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
    header_timeout: Annotated[
        float, typer.Option("--header-timeout", help="Seconds a client has to send a request's headers.")
    ] = 10.0,
    body_timeout: Annotated[
        float, typer.Option("--body-timeout", help="Seconds allowed between two reads of a request body.")
    ] = 30.0,
    max_connections: Annotated[
        int, typer.Option("--max-connections", help="Open connections beyond which new ones get 503.")
    ] = 512,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs). Uploads need POLICYKB_API_KEY set."""
    from policykb.api import create_app
    from policykb.api.server import ConnectionLimits, run_server
    from policykb.api.settings import API_KEY_ENV

    if not 0 < port < 65536:
        fail(f"--port must be between 1 and 65535, not {port}")
    if not 0 < max_upload_mb <= 1_000_000:
        fail(f"--max-upload-mb must be between 0 and 1000000, not {max_upload_mb}")
    if not 0 < timeout <= 86_400:
        fail(f"--timeout must be between 0 and 86400 seconds, not {timeout}")
    limits = ConnectionLimits(header_timeout=header_timeout, body_timeout=body_timeout, max_connections=max_connections)
    limits.check()
    directory = index_dir(index_dir_opt)
    app = create_app(
        directory,
        cors_origins=cors_origin or None,
        max_upload_bytes=int(max_upload_mb * 1024 * 1024),
        request_timeout=timeout,
        host=host,
    )
    settings = app.state.settings
    out = err_console()
    shown = f"[{host}]" if ":" in host else host
    out.print(f"policykb API for index {literal(directory)} at http://{literal(shown)}:{port} (documentation at /docs)")
    _print_mcp_note(out, settings)
    if settings.writes_enabled:
        out.print("uploads: enabled (clients send the key in the X-API-Key header)")
    else:
        out.print(f"uploads: disabled (set {API_KEY_ENV} to enable them)")
    try:
        # One process: the index snapshot and the ingest queue live in it.
        run_server(app, host, port, limits, log_level=log_level)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port or --host")


def _print_mcp_note(out, settings) -> None:  # noqa: ANN001
    from policykb.api.mcp import LOOPBACK_HOSTS, MCP_PATH
    from policykb.api.settings import MCP_ALLOWED_HOSTS_ENV

    if settings.mcp_allowed_hosts:
        guard = f"answers to {literal(', '.join(settings.mcp_allowed_hosts))} and the loopback names"
    elif settings.host in LOOPBACK_HOSTS:
        guard = "answers to loopback names only (DNS-rebinding protection)"
    else:
        guard = f"accepts any Host header; set {MCP_ALLOWED_HOSTS_ENV} to the names clients use"
    out.print(f"MCP server (streamable HTTP) at {MCP_PATH}: {guard}")
