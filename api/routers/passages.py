"""GET /passages/{id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from policykb.api.deps import StoreDep
from policykb.api.schemas import ERROR_RESPONSES, PassageDetail

router = APIRouter(tags=["passages"])


@router.get(
    "/passages/{passage_id}",
    response_model=PassageDetail,
    responses=ERROR_RESPONSES,
    summary="A passage: text, pages, heading, footnotes, references and entities",
)
def get_passage(passage_id: Annotated[int, Path(ge=1, examples=[412])], store: StoreDep) -> dict:
    from policykb.query.documents import passage_detail

    return passage_detail(store, passage_id)
