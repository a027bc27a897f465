"""remove and backup: taking documents out of the index and copying the whole index."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from policykb.cli.common import IndexDirOption, JsonOption, WaitOption, console, emit_json, index_dir, warn


def register(app: typer.Typer) -> None:
    app.command("remove")(remove_command)
    app.command("backup")(backup_command)


def remove_command(
    doc_ids: Annotated[list[str], typer.Argument(help="Document ids (see `policykb docs`).", show_default=False)],
    index_dir_opt: IndexDirOption = None,
    wait: WaitOption = 0.0,
    as_json: JsonOption = False,
) -> None:
    """Remove documents and everything derived from them (all or none)."""
    from policykb.ingest import remove

    report = remove(doc_ids, index_dir(index_dir_opt), wait=wait)
    if as_json:
        emit_json(report.to_dict())
        return
    out = console()
    out.print(f"removed {len(report.removed)} document(s) with {report.passages} passages: {', '.join(report.removed)}")
    t = report.totals
    out.print(f"index now holds {t['documents']} documents, {t['passages']} passages, {t['references']} references")
    for message in report.warnings:
        warn(message)


def backup_command(
    dest: Annotated[Path, typer.Argument(help="A new directory for the copy (must not exist).", show_default=False)],
    index_dir_opt: IndexDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Copy the index consistently while it is in use; restore with --index-dir DEST."""
    from policykb.index.backup import backup

    report = backup(index_dir(index_dir_opt), dest)
    if as_json:
        emit_json(report.to_dict())
        return
    console().print(
        f"backed up to {report.dest} ({report.size_bytes / 2**20:.1f} MB: {', '.join(report.files)}); "
        f"use it with --index-dir {report.dest}"
    )
