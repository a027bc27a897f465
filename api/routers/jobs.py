"""GET /jobs/{id}: how an upload's ingest is going."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from policykb.errors import NotFoundError

from policykb.api.deps import JobsDep
from policykb.api.jobs import JobNotFound
from policykb.api.schemas import ERROR_RESPONSES, Job

router = APIRouter(tags=["jobs"])


@router.get("/jobs/{job_id}", response_model=Job, responses=ERROR_RESPONSES, summary="Status, progress and per-file errors of an upload")
def get_job(job_id: Annotated[str, Path(examples=["9f1c2a7e5b3d4c60"])], jobs: JobsDep) -> dict:
    try:
        return jobs.get(job_id)
    except JobNotFound:
        raise NotFoundError(f"no job with id {job_id!r}; job ids are returned by POST /documents") from None
