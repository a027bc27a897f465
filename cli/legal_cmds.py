"""refs and entities: tag text given on the command line, in a file or on stdin."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from policykb.cli.common import JsonOption, console, emit_json, literal

TextArgument = Annotated[
    str | None, typer.Argument(help="The text to tag; '-' reads stdin.", show_default=False)
]
FileOption = Annotated[
    Path | None, typer.Option("--file", "-f", help="Read the text from this file (UTF-8).", show_default=False)
]
DATE_RE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


def register(app: typer.Typer) -> None:
    app.command("refs")(refs_command)
    app.command("entities")(entities_command)


def read_input(text: str | None, file: Path | None) -> str:
    """The text from TEXT, '-' (stdin) or --file; exactly one of them."""
    from policykb.errors import InputError
    from policykb.extract.files import read_text_file

    if text is not None and file is not None:
        raise InputError("give the text either as TEXT or with --file, not both")
    if file is not None:
        return read_text_file(file)
    if text is None:
        raise InputError("no text given: pass TEXT, '-' to read stdin, or --file F")
    if text == "-":
        return sys.stdin.read()
    return text


def refs_command(
    text: TextArgument = None,
    file: FileOption = None,
    date: Annotated[
        str | None, typer.Option("--date", help="Document date YYYY[-MM[-DD]]: which SoL, HSL ... is meant.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Find legal references (acts, sections, propositions, SOU, regulations, EU law) and normalise them."""
    from policykb.errors import InputError
    from policykb.legal import find_references_by_paragraph

    if date is not None and not DATE_RE.fullmatch(date):
        raise InputError(f"--date {date!r} is not a date; write YYYY-MM-DD (or YYYY-MM, YYYY)")
    refs = find_references_by_paragraph(read_input(text, file), date=date)
    if as_json:
        emit_json([r.to_dict() for r in refs])
        return
    from rich.table import Table

    table = Table(title=f"{len(refs)} references", show_lines=False)
    for column in ("at", "text", "kind", "canonical", "detail", "url"):
        table.add_column(column, overflow="fold")
    for r in refs:
        detail = ", ".join(f"{k} {v}" for k, v in r.detail.items() if k != "range" or v != "single")
        table.add_row(str(r.start), *(literal(v) for v in (" ".join(r.text.split()), r.kind, r.canonical, detail, r.url)))
    console().print(table)


def entities_command(text: TextArgument = None, file: FileOption = None, as_json: JsonOption = False) -> None:
    """Find domain entities: MAS, MAR, PAL, fast vårdkontakt, SIP, vårdplan and the agencies."""
    from policykb.annotate.pipeline import find_entities_by_paragraph

    mentions = find_entities_by_paragraph(read_input(text, file))
    if as_json:
        emit_json([m.to_dict() for m in mentions])
        return
    from rich.table import Table

    table = Table(title=f"{len(mentions)} entity mentions")
    for column in ("at", "text", "label"):
        table.add_column(column)
    for m in mentions:
        table.add_row(str(m.start), literal(" ".join(m.text.split())), literal(m.label))
    console().print(table)
