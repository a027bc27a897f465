"""POST /refs: the legal and document references in a text, normalised."""

from __future__ import annotations

from fastapi import APIRouter

from policykb.api.schemas import ERROR_RESPONSES, ReferencesOut, TextIn

router = APIRouter(tags=["analysis"])


@router.post(
    "/refs",
    response_model=ReferencesOut,
    responses={**ERROR_RESPONSES, 413: {"description": "The text is over the body size limit"}},
    summary="Find and normalise references (SFS, kap./§, prop., SOU, HSLF-FS …) in a text",
)
def find_refs(body: TextIn) -> dict:
    """Offsets are into `text`; `canonical` is the DESIGN.md canonical form, `url` a link to the source."""
    from policykb.legal import find_references

    refs = find_references(body.text, date=body.date)
    return {"references": [ref.to_dict(with_detail=True) for ref in refs]}
