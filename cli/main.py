"""The `policykb` console script: builds the typer app and turns user errors into exit code 2."""

from __future__ import annotations

import sys

import typer

from policykb.errors import PolicyKBError

from policykb.cli import (
    collection_cmds,
    consult_cmd,
    eval_cmd,
    export_cmd,
    legal_cmds,
    search_cmd,
    serve_cmd,
    sources_cmds,
    store_cmds,
    trace_cmd,
    xref_cmds,
)

app = typer.Typer(
    name="policykb",
    help="A searchable, cross-referenced knowledge base over Swedish care-policy documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

store_cmds.register(app)
collection_cmds.register(app)
search_cmd.register(app)
export_cmd.register(app)
legal_cmds.register(app)
eval_cmd.register(app)
xref_cmds.register(app)
trace_cmd.register(app)
serve_cmd.register(app)
consult_cmd.register(app)
sources_cmds.register(app)


def run() -> None:
    try:
        app()
    except PolicyKBError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)


if __name__ == "__main__":
    run()
