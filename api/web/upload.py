"""`/uppladdning`: upload PDFs, Word files or text with the server's API key (as the JSON API's
`POST /documents` needs it), then `/jobb/{job_id}`: the ingest job's progress and per-file errors.

Without the key, or on a server started without one, the upload is refused on the page itself
(401 / 403), with the form kept."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from policykb.errors import InputError, NotFoundError

from policykb.api.deps import JobsDep, SettingsDep, key_matches
from policykb.api.jobs import JobNotFound
from policykb.api.settings import API_KEY_ENV
from policykb.api.uploads import METADATA_FIELDS, submit_upload
from policykb.api.web.common import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

FIELD_NAMES = {"title": "Titel", "kind": "Dokumenttyp", "publisher": "Utgivare", "date": "Datum",
               "identifier": "Beteckning", "language": "Språk"}
FORM_FIELDS = ("title", "publisher", "kind", "date", "identifier")


def _form_page(request: Request, settings, status: int = 200, error: str | None = None,  # noqa: ANN001
               values: dict[str, str] | None = None) -> HTMLResponse:
    return render(request, "upload.html", status=status, error=error, values=values or {},
                  writes_enabled=settings.writes_enabled, key_env=API_KEY_ENV, fields=FORM_FIELDS,
                  field_names=FIELD_NAMES, max_mb=settings.max_upload_bytes // (1024 * 1024),
                  max_files=settings.max_files_per_upload)


@router.get("/uppladdning", response_class=HTMLResponse, name="web_upload")
def upload_form(request: Request, settings: SettingsDep) -> HTMLResponse:
    return _form_page(request, settings)


@router.post("/uppladdning", name="web_upload_post")
async def upload(request: Request, settings: SettingsDep, jobs: JobsDep) -> Response:
    async with request.form(max_files=settings.max_files_per_upload, max_fields=50, max_part_size=64 * 1024) as form:
        values = {name: str(form.get(name) or "").strip() for name in FORM_FIELDS}
        if not settings.writes_enabled:
            return _form_page(request, settings, 403, values=values, error=(
                f"Uppladdning är avstängd på den här servern. Den som driver servern kan slå på den genom att "
                f"starta den med miljövariabeln {API_KEY_ENV} satt till en hemlig nyckel."))
        if not key_matches(settings, str(form.get("key") or "")):
            return _form_page(request, settings, 401, values=values, error=(
                "Fel eller saknad API-nyckel: skriv nyckeln som servern startades med. Inget laddades upp."))
        uploads = [item for item in form.getlist("file") if not isinstance(item, str) and item.filename]
        if not uploads:
            return _form_page(request, settings, 400, values=values, error="Välj minst en fil att ladda upp.")
        metadata = {name: value for name, value in values.items() if name in METADATA_FIELDS and value}
        job = await submit_upload(uploads, metadata, settings, jobs)
    return RedirectResponse(f"/jobb/{job.job_id}", status_code=303)


STATUS_LABELS = {"queued": "i kö", "running": "läses in", "done": "klart", "failed": "misslyckades",
                 "ingested": "inläst", "duplicate": "finns redan", "error": "fel", "skipped": "hoppades över"}
STAGE_LABELS = {"extract": "läser filerna", "embed": "beräknar vektorer", "index": "indexerar", "store": "sparar",
                "annotate": "hittar hänvisningar"}


@router.get("/jobb/{job_id}", response_class=HTMLResponse, name="web_job")
def job_page(request: Request, jobs: JobsDep, job_id: Annotated[str, Path()]) -> HTMLResponse:
    if len(job_id) > 64 or not job_id.isalnum():
        raise InputError("ett jobb-id består av bokstäver och siffror; det står i adressen du fick efter uppladdningen")
    try:
        job = jobs.get(job_id)
    except JobNotFound:
        raise NotFoundError(f"det finns inget uppladdningsjobb med id {job_id}") from None
    running = job["status"] in ("queued", "running")
    headers = {"Refresh": "2", "Cache-Control": "no-store"} if running else None
    return render(request, "job.html", job=job, running=running, headers=headers,
                  status_labels=STATUS_LABELS, stage_labels=STAGE_LABELS)
