"""GET /trace: requirements and the legal provisions they rest on, as JSON or CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from policykb.api.deps import StoreDep
from policykb.api.schemas import ERROR_RESPONSES, TraceOut
from policykb.query.wordfile import DOCX_MEDIA_TYPE

router = APIRouter(tags=["trace"])

@router.get(
    "/trace",
    response_model=TraceOut,
    responses={
        **ERROR_RESPONSES,
        200: {
            "content": {"application/json": {}, "text/csv": {}, DOCX_MEDIA_TYPE: {}},
            "description": f"Trace rows (CSV with Accept: text/csv, a Word table with Accept: {DOCX_MEDIA_TYPE})",
        },
    },
    summary="The trace matrix: each requirement with its modality, actor and legal sources",
)
def trace(
    request: Request,
    store: StoreDep,
    doc: Annotated[str | None, Query(description="Only this document", examples=["004_2be6a2c697e985af.txt"])] = None,
    actor: Annotated[str | None, Query(description="Only this actor", examples=["region", "kommun"])] = None,
    modality: Annotated[
        str | None,
        Query(description="obligation, permission, prohibition, recommendation or right", examples=["obligation"]),
    ] = None,
    source: Annotated[
        str | None, Query(max_length=200, description="Only requirements resting on this provision", examples=["2 kap. 3 § HSL"])
    ] = None,
):
    from policykb.query.trace import render_docx, to_csv
    from policykb.query.trace import trace as trace_rows

    rows = trace_rows(store, doc_id=doc, actor=actor, modality=modality, source=source)
    if DOCX_MEDIA_TYPE in request.headers.get("accept", ""):
        return Response(render_docx(rows), media_type=DOCX_MEDIA_TYPE,
                        headers={"Content-Disposition": 'attachment; filename="trace.docx"'})
    if _wants_csv(request):
        return Response(to_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="trace.csv"'})
    return {"rows": rows}


def _wants_csv(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept.split("text/csv")[0]
