"""`/krav`: the requirement table (each requirement with its modality, actor and legal sources),
filtered by document, actor, modality and source; `/krav.csv` and `/krav.md` download exactly the
rows the same filters give, through the trace's own renderers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from policykb.errors import InputError

from policykb.api.deps import StoreDep
from policykb.api.web.common import PageRoute, render, url_with

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PER_PAGE = 50
Text = Annotated[str | None, Query()]


def _filters(doc: str | None, actor: str | None, modality: str | None, source: str | None) -> dict[str, str | None]:
    values = {name: (value.strip() or None) if value is not None else None
              for name, value in (("doc", doc), ("actor", actor), ("modality", modality), ("source", source))}
    if values["source"] is not None and len(values["source"]) > 200:
        raise InputError("källan i filtret är längre än 200 tecken")
    return values


def _rows(store, filters: dict[str, str | None]) -> list[dict[str, Any]]:  # noqa: ANN001
    from policykb.query.trace import trace

    return trace(store, doc_id=filters["doc"], actor=filters["actor"], modality=filters["modality"], source=filters["source"])


@router.get("/krav", response_class=HTMLResponse, name="web_trace")
def trace_page(request: Request, store: StoreDep, doc: Text = None, actor: Text = None, modality: Text = None,
               source: Text = None, sida: Text = None) -> HTMLResponse:
    from policykb.annotate.requirements import MODALITIES, actor_labels
    from policykb.query.pagelabel import unpaged_documents

    filters = _filters(doc, actor, modality, source)
    rows = _rows(store, filters)
    pages = max(1, -(-len(rows) // PER_PAGE))
    try:
        page = int(sida) if sida and sida.strip() else 1
    except ValueError:
        raise InputError(f"sidan ska vara ett heltal, inte {sida[:40]!r}") from None
    if not 1 <= page <= pages:
        raise InputError(f"sidan {page} finns inte; tabellen har {pages} sidor")
    titles = {d["doc_id"]: d["title"] or d["doc_id"] for d in store.list_documents()}
    return render(
        request, "trace.html",
        rows=rows[(page - 1) * PER_PAGE : page * PER_PAGE], total=len(rows), page=page,
        page_links=[{"number": n, "current": n == page, "url": url_with("/krav", {**filters, "sida": n if n > 1 else None})}
                    for n in range(1, pages + 1)],
        filters=filters, documents=titles, actors=actor_labels(), modalities=MODALITIES,
        unpaged=unpaged_documents(store.conn),
        csv_url=url_with("/krav.csv", filters), md_url=url_with("/krav.md", filters),
    )


@router.get("/krav.csv", name="web_trace_csv")
def trace_csv(store: StoreDep, doc: Text = None, actor: Text = None, modality: Text = None, source: Text = None) -> Response:
    from policykb.query.trace import to_csv

    return Response(to_csv(_rows(store, _filters(doc, actor, modality, source))), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="krav.csv"'})


@router.get("/krav.md", name="web_trace_md")
def trace_markdown(store: StoreDep, doc: Text = None, actor: Text = None, modality: Text = None, source: Text = None) -> Response:
    from policykb.query.trace import to_markdown

    return Response(to_markdown(_rows(store, _filters(doc, actor, modality, source))), media_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="krav.md"'})
