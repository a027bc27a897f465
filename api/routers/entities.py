"""POST /entities: roles, plans and organisations mentioned in a text."""

from __future__ import annotations

from fastapi import APIRouter

from policykb.api.schemas import ERROR_RESPONSES, EntitiesOut, TextIn

router = APIRouter(tags=["analysis"])


@router.post(
    "/entities",
    response_model=EntitiesOut,
    responses={**ERROR_RESPONSES, 413: {"description": "The text is over the body size limit"}},
    summary="Find entity mentions (ROLE:MAS, PLAN:SIP, ORG:IVO …) in a text",
)
def find_entity_mentions(body: TextIn) -> dict:
    from policykb.annotate.pipeline import find_entities

    return {"entities": [mention.to_dict() for mention in find_entities(body.text)]}
