"""GET /xref?ref= (what cites a provision or document) and GET /cites/{doc_id} (what a document cites)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from policykb.api.deps import StoreDep
from policykb.api.schemas import ERROR_RESPONSES

router = APIRouter(tags=["citations"])


@router.get("/xref", responses=ERROR_RESPONSES, summary="Every passage citing a provision or document")
def xref(
    store: StoreDep,
    ref: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="A reference in any spelling the parser accepts",
            openapi_examples={
                "paragraf": {"summary": "En paragraf", "value": "2 kap. 3 § HSL"},
                "kanonisk": {"summary": "Kanonisk form", "value": "SFS 2017:30 2 kap. 3 §"},
                "lag": {"summary": "En hel lag", "value": "hälso- och sjukvårdslagen"},
                "proposition": {"summary": "En proposition", "value": "prop. 2019/20:164"},
            },
        ),
    ],
) -> dict[str, Any]:
    from policykb.query.xref import xref as find_citing

    return find_citing(store, ref)


@router.get("/cites/{doc_id}", responses=ERROR_RESPONSES, summary="What one document cites, with counts")
def cites(doc_id: Annotated[str, Path(examples=["004_2be6a2c697e985af.txt"])], store: StoreDep) -> dict[str, Any]:
    from policykb.query.xref import cites as cited_by

    return cited_by(store, doc_id)


@router.get("/law", responses=ERROR_RESPONSES, summary="Every provision of an act cited in the corpus, most cited first")
def law(
    store: StoreDep,
    act: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="An act by abbreviation, name or SFS number",
            openapi_examples={"förkortning": {"summary": "Förkortning", "value": "HSL"},
                              "sfs": {"summary": "SFS-nummer", "value": "SFS 2010:659"}},
        ),
    ],
) -> dict[str, Any]:
    from policykb.query.xref import law as provisions_of

    return provisions_of(store, act)
