"""fetch and watch: documents from Riksdagen's open data, and a folder kept in sync with the index."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from policykb.cli.common import IndexDirOption, JsonOption, WaitOption, console, emit_json, fail, index_dir, literal, warn


def register(app: typer.Typer) -> None:
    app.command("fetch")(fetch_command)
    app.command("watch")(watch_command)


def _read_identifier_file(path: Path) -> list[str]:
    """One identifier per line; blank lines and `#` comments are skipped."""
    from policykb.extract.files import decode_text

    try:
        raw = path.read_bytes() if str(path) != "-" else sys.stdin.buffer.read()
    except OSError as exc:
        fail(f"{path}: cannot read the identifier file ({exc.strerror}); check the path")
    text = decode_text(raw, str(path))
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def fetch_command(
    identifiers: Annotated[
        list[str] | None,
        typer.Argument(help='Identifiers: "SOU 2020:19", "prop. 2019/20:164", "Ds 2023:23", "dir. 2020:5", '
                       '"bet. 2019/20:SoU8", "SFS 2017:30" (any spelling the reference parser accepts).',
                       show_default=False),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Read identifiers from this file, one per line (`-` for stdin).", show_default=False),
    ] = None,
    search: Annotated[
        str | None,
        typer.Option("--search", help='Fetch every hit of a Riksdagen listing search, e.g. "nära vård".',
                     show_default=False),
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="With --search: sou, ds, dir, prop, bet, rskr or sfs.", show_default=False)
    ] = None,
    year_from: Annotated[str | None, typer.Option("--year-from", help="With --search: from this year.", show_default=False)] = None,
    year_to: Annotated[str | None, typer.Option("--year-to", help="With --search: up to this year.", show_default=False)] = None,
    limit: Annotated[str | None, typer.Option("--limit", help="With --search: fetch at most this many hits.", show_default=False)] = None,
    source: Annotated[str, typer.Option("--from", help="The source (only riksdagen).")] = "riksdagen",
    source_url: Annotated[
        str | None,
        typer.Option("--source-url", envvar="POLICYKB_RIKSDAGEN_URL",
                     help="Base URL of Riksdagen's open data (default https://data.riksdagen.se).", show_default=False),
    ] = None,
    index_dir_opt: IndexDirOption = None,
    wait: WaitOption = 0.0,
    as_json: JsonOption = False,
) -> None:
    """Download documents from Riksdagen's open data by identifier (or a search), then ingest them."""
    from policykb.cli.common import whole_number
    from policykb.ingest import fetch

    if source != "riksdagen":
        fail(f"--from {source!r}: the only source is riksdagen (remisser are on regeringen.se: download and ingest them)")
    wanted = list(identifiers or [])
    if file is not None:
        wanted += _read_identifier_file(file)
    if not wanted and search is None:
        fail('name documents to fetch (e.g. policykb fetch "SOU 2020:19"), --file FILE, or --search WORDS')
    from policykb.cli.store_cmds import _progress_line

    out = console()
    said_count: list[bool] = []
    said_ingest: set = set()
    started = time.monotonic()

    def on_progress(stage: str, done: int, total: int, item: str) -> None:
        if stage in ("files", "embed") and not as_json:  # the ingest after the downloads: the same lines as ingest's log
            _progress_line(stage, done, total, item, time.monotonic() - started, said_ingest)
        elif stage == "listing" and not said_count:
            said_count.append(True)
            if not as_json:
                sys.stderr.write(f"fetch: {total:,} hit(s) in Riksdagen's open data for {item!r}"
                                 + (f"; fetching at most {limit}" if limit else "") + "\n")
                sys.stderr.flush()
        elif stage == "fetch" and item and not as_json:
            sys.stderr.write(f"fetch: {done + 1}/{total} {item}\n")
            sys.stderr.flush()

    report = fetch(
        wanted, index_dir(index_dir_opt), search=search, kind=kind,
        year_from=whole_number(year_from, "--year-from", "2017"), year_to=whole_number(year_to, "--year-to", "2024"),
        limit=whole_number(limit, "--limit", "20"), source_url=source_url, progress=on_progress, wait=wait,
        writer=f"policykb fetch {' '.join(wanted)}"[:200],
    )
    if as_json:
        emit_json(report.to_dict())
    else:
        for item in report.documents:
            shown = literal(item.identifier or item.asked)
            if item.status == "failed":
                continue
            title = literal(item.title or "")
            out.print(f"{item.status:>10}: {shown} — {title} (id {literal(item.doc_id or item.file)})")
        if report.ingest is not None:
            ing = report.ingest
            out.print(f"ingested {ing.documents} document(s) ({len(ing.added)} new, {len(ing.replaced)} replaced, "
                      f"{len(ing.unchanged)} unchanged), {ing.passages} passages")
            for message in ing.warnings:
                warn(message)
        for item in report.failed:
            sys.stderr.write(f"failed: {item.asked}: {item.error}\n")
    if report.failed and not any(d.status != "failed" for d in report.documents):
        raise typer.Exit(2)


def watch_command(
    folder: Annotated[Path, typer.Argument(help="The folder to keep in the index (polled; network shares send no events).",
                                           show_default=False)],
    interval: Annotated[float, typer.Option("--interval", min=0.1, help="Seconds between polls.")] = 60.0,
    keep_deleted: Annotated[
        bool, typer.Option("--keep-deleted", help="Keep the documents of files deleted from the folder.")
    ] = False,
    index_dir_opt: IndexDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Keep the index in step with a folder: ingest new and changed files once stable, remove deleted ones."""
    import json
    import signal

    from policykb.ingest import watch

    def on_event(event: dict) -> None:
        if as_json:
            sys.stdout.write(json.dumps(event, ensure_ascii=False, default=str) + "\n")
            sys.stdout.flush()
            return
        sys.stderr.write(f"watch: {event['message']}\n")
        sys.stderr.flush()

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # SIGTERM (a service manager stopping it) ends the loop as Ctrl-C does; an ingest it interrupts
    # rolls back, so nothing is left half-written.
    signal.signal(signal.SIGTERM, interrupt)
    summary = watch(folder, index_dir(index_dir_opt), interval=interval, keep_deleted=keep_deleted,
                    on_event=on_event)
    if not as_json:
        sys.stderr.write(f"watch: {len(summary['ingested'])} ingested, {len(summary['removed'])} removed, "
                         f"{len(summary['failed'])} failed in {summary['polls']} poll(s)\n")
