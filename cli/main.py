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
    mcp_cmd,
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
mcp_cmd.register(app)
sources_cmds.register(app)


def run() -> None:
    # standalone_mode=False: option and argument errors reach us instead of typer's multi-line
    # usage box, so every user error is one line on stderr and exit code 2.
    try:
        _check_arguments_are_text(sys.argv[1:])
        code = app(standalone_mode=False)
    except PolicyKBError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)
    except (KeyboardInterrupt, typer.Abort):
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except typer.TyperException as exc:  # typer's usage errors (it vendors click's exception classes)
        if type(exc).__name__ == "NoArgsIsHelpError":
            exc.show()  # `policykb` with no arguments: the help text, as before
        else:
            sys.stderr.write(f"error: {_one_line(exc.format_message())}{_help_hint(exc)}\n")
        sys.exit(2)  # a usage error, like every user error
    sys.exit(code if isinstance(code, int) else 0)


def _check_arguments_are_text(argv: list[str]) -> None:
    """Refuse an argument holding bytes that are not UTF-8 (a terminal set to Latin-1), once for
    every command: Python passes them on as lone surrogates, which no store, index or output
    stream can take."""
    from policykb.swedish.text import check_unicode

    for position, value in enumerate(argv):
        previous = argv[position - 1] if position else ""
        if previous.startswith("-") and "=" not in previous:
            what = previous
        elif value.startswith("-") and "=" in value:
            what = value.split("=", 1)[0]
        else:
            what = f"argument {position + 1}"
        check_unicode(value, what)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _help_hint(exc: Exception) -> str:
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return ""
    return f" (see `{ctx.command_path} --help`)"


if __name__ == "__main__":
    run()
