"""export: the clean extracted text of one document, as JSON, Markdown or plain text."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from policykb.cli.common import IndexDirOption, emit_json, fail, index_dir


def register(app: typer.Typer) -> None:
    app.command("export")(export_command)


def export_command(
    doc_id: Annotated[str, typer.Argument(help="Document id (see `policykb docs`).", show_default=False)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="json, md or txt.")] = "json",
    index_dir_opt: IndexDirOption = None,
) -> None:
    """Print what was read from a document: pages, headings, body, tables and footnotes."""
    from policykb.query.export import FORMATS, export_document
    from policykb.store import Store

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    store = Store.open(index_dir(index_dir_opt), create=False, readonly=True)
    try:
        result = export_document(store, doc_id, fmt)
    finally:
        store.close()
    if isinstance(result, dict):
        emit_json(result)
    else:
        sys.stdout.write(result)
