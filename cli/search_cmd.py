"""search: passages that answer a question, from every document, best first."""

from __future__ import annotations

from typing import Annotated

import typer

from policykb.cli.common import IndexDirOption, JsonOption, console, emit_json, fail, index_dir, warn, whole_number

SNIPPET_CHARS = 320


def register(app: typer.Typer) -> None:
    app.command("search")(search_command)


def search_command(
    query: Annotated[
        str | None, typer.Argument(help="What you are looking for, in Swedish or English.", show_default=False)
    ] = None,
    k: Annotated[str, typer.Option("-k", "--k", metavar="N", help="How many passages to return (at most 100).")] = "10",
    mode: Annotated[str, typer.Option("--mode", help="hybrid (default), lexical or dense.")] = "hybrid",
    kind: Annotated[str | None, typer.Option("--kind", help="Only documents of this kind (report, guidance, ...).")] = None,
    publisher: Annotated[str | None, typer.Option("--publisher", help="Only documents whose publisher contains this.")] = None,
    year_from: Annotated[
        str | None, typer.Option("--year-from", metavar="YEAR", help="Only documents dated this year or later.")
    ] = None,
    year_to: Annotated[
        str | None, typer.Option("--year-to", metavar="YEAR", help="Only documents dated this year or earlier.")
    ] = None,
    doc: Annotated[str | None, typer.Option("--doc", help="Only this document (id, as `policykb docs` lists it).")] = None,
    cites: Annotated[
        str | None, typer.Option("--cites", help="Only passages citing this reference, e.g. '2 kap. 3 § HSL'.")
    ] = None,
    like: Annotated[
        str | None,
        typer.Option("--like", metavar="PASSAGE_ID", help="Passages of other documents like this one (a hit's passage_id)."),
    ] = None,
    as_json: JsonOption = False,
    index_dir_opt: IndexDirOption = None,
) -> None:
    """Search the passages of every document (lexical + dense, fused), or find passages like one."""
    from policykb.query.search import MODES, Filters, Searcher

    if (query is None) == (like is None):
        fail('give either a QUERY or --like PASSAGE_ID, e.g. `policykb search "delegering läkemedel"`')
    if mode not in MODES:
        fail(f"--mode must be one of {', '.join(MODES)}, not {mode!r}")
    k = whole_number(k, "-k")
    like_id = whole_number(like, "--like", "412")
    year_from = whole_number(year_from, "--year-from", "2020")
    year_to = whole_number(year_to, "--year-to", "2020")
    if year_from is not None and year_to is not None and year_from > year_to:
        fail(f"--year-from {year_from} is after --year-to {year_to}; swap them")
    warnings: list[str] = []
    filters = Filters(kind=kind, publisher=publisher, year_from=year_from, year_to=year_to, doc=doc, cites=cites)
    with Searcher(index_dir(index_dir_opt)) as searcher:
        if like_id is not None:
            hits = searcher.like(like_id, k=k, filters=filters, warn=warnings.append)
        else:
            hits = searcher.search(query, k=k, mode=mode, filters=filters, warn=warnings.append)
    for message in warnings:
        warn(message)
    if as_json:
        emit_json(
            {"query": query, "like": like_id, "mode": mode, "k": k, "hits": [h.to_dict() for h in hits],
             "warnings": warnings}
        )
        return
    if not hits:
        message = "no passages of other documents are like it" if like_id is not None else "no passages match"
        if not filters.is_empty():
            message += " with these filters; loosen --kind/--publisher/--year-from/--year-to/--doc/--cites"
        fail(message)
    _print_hits(hits)


def _print_hits(hits) -> None:  # noqa: ANN001
    from rich.text import Text

    from policykb.query.pagelabel import page_range_label

    out = console()
    for hit in hits:
        header = Text()
        header.append(f"{hit.rank:>2}. ", style="bold")
        header.append(hit.title or hit.doc_id, style="bold cyan")
        if hit.identifier:
            header.append(f"  {hit.identifier}", style="cyan")
        label = page_range_label(hit.pages, hit.printed_pages, hit.paged)
        if label:
            header.append(f"  {label}", style="magenta")
        header.append(f"  score {hit.score:.3f}", style="dim")
        out.print(header)
        if hit.heading:
            out.print(Text(f"    {hit.heading}", style="italic"))
        # The answer first: the sentence carrying the match, then the rest of the hit around it.
        if hit.best_sentence:
            out.print(_best_sentence(hit), soft_wrap=True)
        if not hit.best_sentence or len(hit.best_sentence) < len(hit.text.strip()):
            out.print(_snippet(hit.text, hit.highlights), soft_wrap=True, style="dim" if hit.best_sentence else None)
        out.print(Text(f"    passage {hit.passage_id}", style="dim"))
        out.print()


def _best_sentence(hit):  # noqa: ANN001, ANN202
    """The hit's best sentence, matched words in bold (cut to SNIPPET_CHARS)."""
    from rich.text import Text

    start, end = hit.best_sentence_span or (0, len(hit.best_sentence))
    cut = min(end, start + SNIPPET_CHARS)
    line = Text("    » ", style="bold green")
    offset = len(line.plain) - start
    line.append(hit.text[start:cut].replace("\n", " "), style="bold")
    for s, e in hit.highlights:
        if s >= start and e <= cut:
            line.stylize("bold yellow", s + offset, e + offset)
    if cut < end:
        line.append(" …")
    return line


def _snippet(text: str, highlights: list[tuple[int, int]]):  # noqa: ANN202
    """About SNIPPET_CHARS of `text` around the densest run of matches, matches in bold."""
    from rich.text import Text

    start = 0
    if highlights and len(text) > SNIPPET_CHARS:
        best = max(
            range(len(highlights)),
            key=lambda i: sum(1 for s, _ in highlights if highlights[i][0] <= s < highlights[i][0] + SNIPPET_CHARS),
        )
        start = max(0, highlights[best][0] - SNIPPET_CHARS // 4)
        space = text.rfind(" ", 0, start)
        start = space + 1 if space > 0 and start - space < 40 else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + SNIPPET_CHARS // 2 else end
    snippet = Text("    " + ("… " if start > 0 else ""))
    offset = len(snippet.plain) - start
    body = text[start:end].replace("\n", " ")
    snippet.append(body)
    for s, e in highlights:
        if s >= start and e <= end:
            snippet.stylize("bold yellow", s + offset, e + offset)
    if end < len(text):
        snippet.append(" …")
    return snippet

