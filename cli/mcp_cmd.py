"""policykb mcp: the MCP server over stdio, for a desktop AI assistant that starts it itself."""

from __future__ import annotations

from policykb.cli.common import IndexDirOption, fail, index_dir


def register(app) -> None:  # noqa: ANN001
    app.command("mcp")(mcp_command)


def mcp_command(index_dir_opt: IndexDirOption = None) -> None:
    """Serve the index to an AI assistant over MCP on stdin/stdout (read-only tools, resources, prompts).

    Configure the assistant to run `policykb mcp --index-dir DIR`; nothing but MCP messages is
    written to stdout, log lines go to stderr. Over HTTP, `policykb serve` offers the same server at /mcp.
    """
    from policykb.store import db_path

    directory = index_dir(index_dir_opt)
    if not db_path(directory).exists():
        fail(
            f"no index at {directory}: run `policykb ingest PATH --index-dir {directory}` first, "
            f"or pass the --index-dir of an existing index"
        )
    from policykb.api.mcp import create_mcp_server

    try:
        create_mcp_server(directory).run("stdio")
    except KeyboardInterrupt:  # the assistant closed the connection by interrupting us
        pass
