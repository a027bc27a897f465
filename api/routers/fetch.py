"""POST /fetch: documents from Riksdagen's open data by identifier (or a search), ingested as a job."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from policykb.errors import InputError, StoreError

from policykb.api.deps import JobsDep, SettingsDep, require_api_key
from policykb.api.jobs import JobRecord
from policykb.api.schemas import ERROR_RESPONSES, Job

router = APIRouter(tags=["jobs"])


class FetchIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"identifiers": ["SOU 2020:19", "prop. 2019/20:164", "SFS 2017:30"]},
                {"search": "nära vård", "kind": "sou", "year_from": 2017, "limit": 20},
            ]
        },
    )
    identifiers: list[str] = Field(
        default_factory=list, max_length=200,
        description="Identifiers in any spelling the reference parser accepts: SOU 2020:19, prop. 2019/20:164, "
                    "Ds 2023:23, dir. 2020:5, bet. 2019/20:SoU8, SFS 2017:30",
    )
    search: str | None = Field(None, max_length=500, description="Or/also: fetch every hit of this listing search")
    kind: str | None = Field(None, description="With search: sou, ds, dir, prop, bet, rskr or sfs")
    year_from: int | None = Field(None, ge=1800, le=2200)
    year_to: int | None = Field(None, ge=1800, le=2200)
    limit: int | None = Field(None, ge=1, le=500, description="With search: at most this many hits")


@router.post(
    "/fetch",
    status_code=202,
    response_model=Job,
    dependencies=[Depends(require_api_key)],
    responses={
        **ERROR_RESPONSES,
        401: {"description": "Missing or wrong X-API-Key"},
        403: {"description": "Writes are disabled on this server (no POLICYKB_API_KEY)"},
    },
    summary="Fetch documents from Riksdagen by identifier and ingest them (needs X-API-Key); poll GET /jobs/{id}",
)
def fetch_documents(body: FetchIn, settings: SettingsDep, jobs: JobsDep) -> JSONResponse:
    """Identifiers are checked at once (400 for one the parser rejects); the download and the ingest
    run as a job. The server's source is $POLICYKB_RIKSDAGEN_URL (default https://data.riksdagen.se)."""
    from policykb.sources.fetch import parse_identifiers

    identifiers = [i for i in body.identifiers if i.strip()]
    if not identifiers and not (body.search and body.search.strip()):
        raise InputError('name documents to fetch in `identifiers` (e.g. ["SOU 2020:19"]) or give a `search`')
    if identifiers:
        parse_identifiers(identifiers)  # InputError (400) naming the identifier and the accepted forms
    if body.search is None and (body.kind or body.year_from or body.year_to or body.limit):
        raise InputError("kind, year_from, year_to and limit go with `search`")
    job_id = secrets.token_hex(8)
    try:
        jobs.new_job_dir(job_id)
    except OSError as exc:
        raise StoreError(f"cannot record the job in {settings.uploads_dir}: {exc.strerror}; the index directory "
                         f"must be writable") from exc
    request = {**body.model_dump(), "identifiers": identifiers}
    job = jobs.submit(JobRecord(job_id=job_id, files=[], kind="fetch", request=request))
    return JSONResponse(job.public(), status_code=202, headers={"Location": f"/jobs/{job_id}"})
