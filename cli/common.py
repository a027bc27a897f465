"""Options, output and error helpers shared by every command."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from policykb.config import INDEX_DIR_ENV, resolve_index_dir

IndexDirOption = Annotated[
    Path | None,
    typer.Option(
        "--index-dir",
        envvar=INDEX_DIR_ENV,
        help="Index directory (default ./index).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout, nothing else.")]
# One writer at a time (store.writelock): how long a writing command waits for another writer.
WaitOption = Annotated[
    float,
    typer.Option("--wait", metavar="SECONDS", min=0,
                 help="If another process is writing to the index, wait this long for it (default: refuse at once)."),
]


def index_dir(value: Path | None) -> Path:
    return resolve_index_dir(value)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    sys.stdout.write("\n")


def fail(message: str, code: int = 2) -> NoReturn:
    """One clear line on stderr and a non-zero exit: for user errors, never a traceback."""
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(code)


def whole_number(value: str | None, option: str, example: str = "10") -> int | None:
    """A number option as typed (None when not given), or one clear line and exit 2 when it is not
    a whole number. Options are read as text and converted here because typer's own message for
    `--year-from 1e20` is a multi-line box; whether the number is in range is the core's rule."""
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        fail(f"{option} {value!r} is not a whole number; write it in digits, e.g. {option} {example}")


def warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


def literal(value: object) -> str:
    """`value` as it is written, for a Rich markup string or a table cell (which Rich also reads as
    markup). Every command that prints document content (titles, publishers, ids, sentences, a
    user's input) passes it through here: a title holding `[/bold]` crashed the printing, one
    holding `[red]` or `[link=…]` restyled the terminal."""
    from rich.markup import escape

    return escape("" if value is None else str(value))


def console():  # noqa: ANN201
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def err_console():  # noqa: ANN201
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def write_binary(data: bytes, output: Path | None, what: str) -> None:
    """A binary file (a .docx) to `output`, or to stdout when that is a pipe or a file; a terminal
    would show bytes, so there it asks for `-o FILE`."""
    if output is None:
        if sys.stdout.isatty():
            fail(f"{what} is a binary file; write it with -o FILE (e.g. -o remissvar.docx) or redirect stdout")
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}; choose a writable path with -o")
