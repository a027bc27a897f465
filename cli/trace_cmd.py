"""trace: the requirement matrix, as a table, JSON, CSV or Markdown."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from policykb.cli.common import IndexDirOption, console, emit_json, fail, index_dir, literal, write_binary

FORMATS = ("table", "json", "csv", "md", "docx")


def register(app: typer.Typer) -> None:
    app.command("trace")(trace_command)


def trace_command(
    index_dir_opt: IndexDirOption = None,
    doc: Annotated[str | None, typer.Option("--doc", help="Only this document (see `policykb docs`).")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="region, kommun, vårdgivare, patient, … or unknown.")] = None,
    modality: Annotated[
        str | None, typer.Option("--modality", help="obligation, permission, prohibition, recommendation or right.")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Only requirements resting on REF or a provision inside it ('HSL').")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="table, json, csv, md or docx (a Word table).")] = "table",
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (needed for docx on a terminal).")] = None,
) -> None:
    """One row per requirement (ska, får, bör, …) with its actor and the provisions it rests on."""
    from policykb.store import Store
    from policykb.query.trace import render_docx, to_csv, to_markdown, trace

    output_format = "json" if as_json else output_format.lower()
    if output_format not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {output_format!r}")
    with Store.open(index_dir(index_dir_opt), create=False, readonly=True) as store:
        rows = trace(store, doc_id=doc, actor=actor, modality=modality, source=source)
    if output_format == "docx":
        write_binary(render_docx(rows), output, "a Word table")
    elif output is not None and output_format in {"json", "csv", "md"}:
        text = {"json": lambda: json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n",
                "csv": lambda: to_csv(rows), "md": lambda: to_markdown(rows)}[output_format]()
        write_binary(text.encode("utf-8"), output, "the trace")
    elif output_format == "json":
        emit_json(rows)
    elif output_format == "csv":
        sys.stdout.buffer.write(to_csv(rows).encode("utf-8"))
    elif output_format == "md":
        sys.stdout.write(to_markdown(rows))
    else:
        _print_table(rows)


def _print_table(rows: list[dict]) -> None:
    out = console()
    if not rows:
        out.print("no requirement matches")
        return
    from rich.table import Table

    table = Table(show_lines=True)
    for col in ("doc", "page index", "modality", "actor", "sentence", "sources", "via"):
        table.add_column(col, overflow="fold")
    for row in rows:
        sources = "\n".join(f"{literal(link['canonical'])}\n[dim]{literal(link['url'])}[/]" for link in row["links"])
        table.add_row(
            *(literal(row[key]) for key in ("doc_id", "page", "modality", "actor", "sentence")),
            sources, literal(row["via"] or ""),
        )
    out.print(table)
    out.print(f"{len(rows)} requirements")
