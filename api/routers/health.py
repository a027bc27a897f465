"""GET (and HEAD) /health and GET /stats."""

from __future__ import annotations

from fastapi import APIRouter, Response

from policykb import __version__

from policykb.api.deps import JobsDep, SettingsDep, SnapshotDep, StateDep
from policykb.api.errors import public_message
from policykb.api.schemas import ERROR_RESPONSES, Health, Stats

router = APIRouter(tags=["status"])


@router.get("/health", response_model=Health, summary="Is the service up, and what does it serve?")
def health(state: StateDep, snapshot: SnapshotDep, settings: SettingsDep, jobs: JobsDep) -> Health:
    """Always 200 while the process runs; `status` says whether an index is being served."""
    documents = passages = 0
    status = "empty"
    if snapshot.has_store:
        documents, passages = snapshot.fingerprint[0], snapshot.fingerprint[1]
        status = "ok" if documents else "empty"
    if state.last_error and not snapshot.has_store:
        status = "error"
    vectors = "none"
    if snapshot.searcher is not None:
        vectors = snapshot.searcher.vectors_state
    return Health(
        status=status,
        vectors=vectors,
        version=__version__,
        documents=documents,
        passages=passages,
        search=snapshot.searcher is not None,
        writes_enabled=settings.writes_enabled,
        snapshot=snapshot.generation,
        ingest={"running": jobs.running, "queued": jobs.queued_count()},
        error=public_message(state.last_error or snapshot.search_error, settings.index_dir),
    )


# Load balancers and uptime monitors probe with HEAD, and a 405 reads as "down". Like GET, it is
# 200 while the process runs (a HEAD answer has no body, so the GET one is not computed).
@router.head("/health", include_in_schema=False)
def health_head() -> Response:
    return Response(status_code=200)


@router.get("/stats", response_model=Stats, responses=ERROR_RESPONSES, summary="Counts of what the index holds")
def stats(snapshot: SnapshotDep, settings: SettingsDep) -> dict:
    with snapshot.store(timeout=settings.request_timeout) as store:
        out = store.stats().to_dict()
        out["schema_version"] = store.schema_version
    if snapshot.searcher is not None:
        out["vectors"] = snapshot.searcher.vectors_info()
    return out
