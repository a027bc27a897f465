"""policykb consult: the remiss helper — proposals, evidence and a remissvar skeleton."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from policykb.cli.common import IndexDirOption, emit_json, err_console, fail, index_dir, literal, warn, write_binary


def register(app: typer.Typer) -> None:
    app.command("consult")(consult_command)


def consult_command(
    doc_id: Annotated[str, typer.Argument(help="Id of the ingested proposal document (see `policykb docs`).")],
    index_dir_opt: IndexDirOption = None,
    fmt: Annotated[str, typer.Option("--format", help="md (remissvar draft), json, or docx (a Word file; with -o).")] = "md",
    evidence: Annotated[int, typer.Option("--evidence", help="Evidence passages per proposal (0-10).")] = 3,
    mode: Annotated[
        str,
        typer.Option("--mode", help="Search for evidence: lexical (the word index; fast), "
                                    "hybrid or dense (one model run per proposal)."),
    ] = "lexical",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    level: Annotated[
        str, typer.Option("--level", help="Grain of a goal/activity table: fokusområde, delmål or åtgärd.")
    ] = "delmål",
    sources: Annotated[
        list[str] | None,
        typer.Option("--sources", help="Evidence only from these document ids, kinds or publishers (repeatable)."),
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="No evidence from these document ids, kinds or publishers (repeatable).")
    ] = None,
    answers_file: Annotated[
        Path | None,
        typer.Option("--answers", help='JSON file of answers to fill in: {"PROPOSAL_ID": {"position": …, "motivation": …}}.'),
    ] = None,
) -> None:
    """Split a proposal document into its proposals and gather evidence for a remissvar."""
    import json
    import sys

    from policykb.consult import LEVELS, Sources, consult, render_docx, render_markdown
    from policykb.store import Store

    if fmt not in {"md", "json", "docx"}:
        fail(f"--format must be md, json or docx, not {fmt!r}")
    if level not in LEVELS:
        fail(f"--level must be one of {', '.join(LEVELS)}, not {level!r}")
    answers = _read_answers(answers_file) if answers_file is not None else None
    chosen = Sources(include=_split(sources), exclude=_split(exclude))
    if mode not in {"hybrid", "lexical", "dense"}:
        fail(f"--mode must be hybrid, lexical or dense, not {mode!r}")
    if not 0 <= evidence <= 10:
        fail(f"--evidence must be between 0 and 10, not {evidence}")
    directory = index_dir(index_dir_opt)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   console=err_console(), transient=True)
    task = None

    def on_progress(stage: str, done: int, total: int, item: str) -> None:
        nonlocal task
        if task is None:
            task = bar.add_task("gathering evidence", total=total)
        bar.update(task, completed=done, total=total)

    with Store.open(directory, create=False, readonly=True) as store:
        store.require_document(doc_id)
        searcher = _open_searcher(directory) if evidence else None
        try:
            with bar:
                result = consult(store, doc_id, searcher=searcher, evidence=evidence, mode=mode, level=level,
                                 sources=chosen, progress=on_progress)
        finally:
            close = getattr(searcher, "close", None)
            if callable(close):
                close()
    for message in result.warnings:
        warn(message)
    if fmt == "docx":
        write_binary(render_docx(result, answers), output, "a Word remissvar")
        if output is not None:
            err_console().print(f"wrote {len(result.proposals)} proposals to {literal(output)}")
        return
    markdown = render_markdown(result, answers)
    if fmt == "json":
        text = json.dumps({**result.to_dict(), "markdown": markdown}, ensure_ascii=False, indent=2) + "\n"
    else:
        text = markdown
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror}")
        err_console().print(f"wrote {len(result.proposals)} proposals to {literal(output)}")
    elif fmt == "json":
        emit_json(result.to_dict())
    else:
        sys.stdout.write(text)


def _split(values: list[str] | None) -> list[str]:
    """`--sources a,b --sources c` → [a, b, c]."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _read_answers(path: Path) -> dict:
    """The answers file: a JSON object mapping proposal ids (see `--format json`) to answers."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"cannot read answers file {path}: {exc.strerror}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"answers file {path} is not UTF-8 JSON ({exc}); write it as {{\"PROPOSAL_ID\": {{\"position\": …}}}}")
    if not isinstance(data, dict):
        fail(f"answers file {path} must hold a JSON object mapping proposal ids to answers")
    return data


def _open_searcher(directory: Path):  # noqa: ANN202
    """The searcher over the index, or None (with a warning) while it has nothing to search."""
    from policykb.errors import PolicyKBError
    from policykb.query.search import Searcher

    try:
        return Searcher(directory)
    except PolicyKBError as exc:
        warn(f"no evidence passages: {exc}")
        return None
