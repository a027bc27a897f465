"""GET /search: ranked passages for a question, from every document."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from policykb.errors import InputError, StoreError

from policykb.api.deps import SettingsDep, SnapshotDep
from policykb.api.schemas import ERROR_RESPONSES, SearchMode, SearchResponse
from policykb.query.search import MAX_K, MAX_QUERY_CHARS, MAX_YEAR, MIN_YEAR

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchResponse, responses=ERROR_RESPONSES, summary="Search passages")
def search(
    snapshot: SnapshotDep,
    settings: SettingsDep,
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_QUERY_CHARS,
            description="The question or words to look for, in Swedish or English",
            openapi_examples={
                "fråga": {"summary": "En fråga", "value": "vem ansvarar för rehabilitering i hemmet"},
                "lagrum": {"summary": "Ett lagrum", "value": "2 kap. 3 § HSL"},
                "roll": {"summary": "En roll", "value": "medicinskt ansvarig för rehabilitering"},
            },
        ),
    ] = None,
    like: Annotated[
        int | None,
        Query(
            ge=-(2**63),
            lt=2**63,
            description="Instead of `q`: passages of other documents like this passage (a hit's `passage_id`)",
        ),
    ] = None,
    k: Annotated[int, Query(ge=1, le=MAX_K, description="How many passages to return")] = 10,
    mode: Annotated[SearchMode, Query(description="hybrid (default), lexical or dense")] = "hybrid",
    kind: Annotated[str | None, Query(description="Only documents of this kind", examples=["guidance"])] = None,
    doc: Annotated[str | None, Query(description="Only this document id")] = None,
    cites: Annotated[
        str | None, Query(max_length=200, description="Only passages citing this reference", examples=["HSL"])
    ] = None,
    publisher: Annotated[str | None, Query(description="Only documents from this publisher")] = None,
    year_from: Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR)] = None,
    year_to: Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR)] = None,
) -> dict:
    if (q is None) == (like is None):
        raise InputError("give either `q` (words to look for) or `like` (a passage id), e.g. q=rehabilitering i hemmet")
    if q is not None and not q.strip():
        raise InputError("the query `q` is empty; type some words to look for, e.g. q=rehabilitering i hemmet")
    searcher = snapshot.searcher
    if searcher is None:
        raise StoreError(
            snapshot.search_error
            or "the index has no passages to search yet: upload documents (POST /documents) or run `policykb ingest`"
        )
    from policykb.query.search import Filters

    filters = Filters(kind=kind, publisher=publisher, year_from=year_from, year_to=year_to, doc=doc, cites=cites)
    warnings: list[str] = []
    with snapshot.store(timeout=settings.request_timeout) as store, searcher.using(store.conn):
        if like is not None:
            hits = searcher.like(like, k=k, filters=filters, warn=warnings.append)
        else:
            hits = searcher.search(q, k=k, mode=mode, filters=filters, warn=warnings.append)
    return {
        "query": q,
        "like": like,
        "mode": mode,
        "k": k,
        "hits": [hit.to_dict() for hit in hits],
        "warnings": warnings,
    }
