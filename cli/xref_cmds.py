"""xref, cites and law: questions to the citation graph."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from policykb.cli.common import IndexDirOption, JsonOption, console, emit_json, fail, index_dir, literal


def register(app: typer.Typer) -> None:
    app.command("xref")(xref_command)
    app.command("cites")(cites_command)
    app.command("law")(law_command)


DateOption = Annotated[
    str | None,
    typer.Option("--date", help="Resolve date-dependent abbreviations (SoL) as of YYYY-MM-DD.", show_default=False),
]


def _open(index_dir_opt):  # noqa: ANN001, ANN202
    from policykb.store import Store

    return Store.open(index_dir(index_dir_opt), create=False, readonly=True)


def xref_command(
    ref: Annotated[str, typer.Argument(help="A reference in any spelling: '2 kap. 3 § HSL', 'HSL', 'prop. 2019/20:164'.")],
    index_dir_opt: IndexDirOption = None,
    date: DateOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every passage that cites REF, grouped by document (a law or chapter also finds its sections)."""
    from policykb.query.xref import unknown_act_message, xref

    with _open(index_dir_opt) as store:
        result = xref(store, ref, date=date)
    message = unknown_act_message(result)
    if message:
        fail(message)
    if as_json:
        emit_json(result)
        return
    out = console()
    for target in result["targets"]:
        title = f" — {literal(target['act_title'])}" if target.get("act_title") else ""
        out.print(f"[bold]{literal(target['canonical'])}[/]{title}  {literal(target['url'])}")
        out.print(f"  cited {target['citations']} times in {target['documents']} documents")
        if target.get("provision_text"):  # the act is in the index (policykb fetch "SFS …")
            for line in target["provision_text"].splitlines():
                if line.strip():
                    out.print(f"  [italic]{literal(line)}[/]")
    if not result["documents"]:
        out.print("no passage in the index cites it")
        return
    for doc in result["documents"]:
        out.print()
        label = doc["title"] or doc["doc_id"]
        out.print(f"[bold]{literal(label)}[/] ({literal(doc['doc_id'])}) — {doc['citations']} citations")
        for hit in doc["hits"]:
            page = literal(hit["page_label"] or "page ?")
            heading = f" · {literal(hit['heading'])}" if hit["heading"] else ""
            out.print(f"  {page}, passage {hit['passage_id']}{heading}")
            out.print(f"    {literal(hit['sentence'])}")
            if hit["footnote"]:
                note = hit["footnote"]
                out.print(f"    [dim]footnote {note['number']}: {literal(note['text'])}[/]")
            for provision in hit["provisions"]:
                out.print(f"    → {literal(provision['canonical'])}  {literal(provision['url'])}")


def cites_command(
    doc_id: Annotated[str, typer.Argument(help="Document id (see `policykb docs`).")],
    index_dir_opt: IndexDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """What one document cites: acts and their provisions, other documents, with counts."""
    from policykb.query.xref import cites

    with _open(index_dir_opt) as store:
        result = cites(store, doc_id)
    if as_json:
        emit_json(result)
        return
    out = console()
    out.print(
        f"[bold]{literal(result['title'] or doc_id)}[/] ({literal(doc_id)}): {result['references']} references"
    )
    for act in result["acts"]:
        title = f" {literal(act['title'])}" if act["title"] else ""
        out.print(f"\n[bold]{literal(act['canonical'])}[/]{title} — {act['citations']}  {literal(act['url'])}")
        for p in act["provisions"]:
            out.print(f"  {p['citations']:>4}  {literal(p['canonical'])}  {literal(p['url'])}")
    if result["documents"]:
        out.print("\n[bold]Documents[/]")
        for d in result["documents"]:
            here = f"  (in the index: {literal(d['in_corpus'])})" if d.get("in_corpus") else ""
            out.print(f"  {d['citations']:>4}  {literal(d['canonical'])}  {literal(d['url'])}{here}")
    if result["cited_by"]:
        out.print("\n[bold]Cited by[/]")
        for d in result["cited_by"]:
            out.print(f"  {d['citations']:>4}  {literal(d['doc_id'])}  {literal(d['title'] or '')}")


def law_command(
    act: Annotated[str, typer.Argument(help="An act or regulation: 'HSL', 'patientlagen', 'SFS 2017:30', 'HSLF-FS 2016:40'.")],
    index_dir_opt: IndexDirOption = None,
    date: DateOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every provision of ACT cited in the index, most cited first."""
    from policykb.query.xref import law

    with _open(index_dir_opt) as store:
        result = law(store, act, date=date)
    if as_json:
        emit_json(result)
        return
    _print_law(result)


def _print_law(result: dict[str, Any]) -> None:
    out = console()
    title = f" {literal(result['title'])}" if result["title"] else ""
    out.print(
        f"[bold]{literal(result['act'])}[/]{title}: cited {result['citations']} times in {result['documents']} "
        f"documents  {literal(result['url'])}"
    )
    if not result["provisions"]:
        out.print("no single provision of it is cited (only the act as a whole)")
    for p in result["provisions"]:
        out.print(f"  {p['citations']:>4}  {literal(p['canonical']):<28} in {p['documents']} docs  {literal(p['url'])}")
    if result["chapters"]:
        out.print("by chapter (the chapter itself and the sections in it):")
        for c in result["chapters"]:
            out.print(
                f"  {c['citations']:>4}  {literal(c['canonical']):<28} in {c['documents']} docs  {literal(c['url'])}"
            )
