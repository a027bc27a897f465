"""GET /documents, GET /documents/{id}, GET /documents/{id}/export, POST /documents (upload),
DELETE /documents/{id}."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from policykb.errors import InputError, UnsupportedInputError

from policykb.api.deps import JobsDep, SettingsDep, StateDep, StoreDep, require_api_key
from policykb.api.schemas import ERROR_RESPONSES, DocumentDetail, DocumentList, Job, Removed
from policykb.api.uploads import METADATA_FIELDS, submit_upload

router = APIRouter(tags=["documents"])

DocId = Annotated[str, Path(description="Document id (see GET /documents)", examples=["004_2be6a2c697e985af.txt"])]
# GET and export also take the file name or the identifier in any spelling (`AFS 2023:15`,
# `prop. 2019/20:164`: a path parameter, so the identifier's slash may stay as it is).
DocName = Annotated[
    str,
    Path(description="Document id, file name or identifier (e.g. AFS 2023:15)", examples=["004_2be6a2c697e985af.txt"]),
]


@router.get("/documents", response_model=DocumentList, responses=ERROR_RESPONSES, summary="All documents in the index")
def list_documents(store: StoreDep) -> dict:
    return {"documents": store.list_documents()}


EXPORT_MEDIA = {"json": "application/json", "md": "text/markdown; charset=utf-8", "txt": "text/plain; charset=utf-8"}
# DELETE waits this long for another writer (an upload job, a CLI ingest), within the request timeout; then 409.
REMOVE_WAIT_SECONDS = 20.0


@router.get(
    "/documents/{doc_id:path}/export",
    responses={
        **ERROR_RESPONSES,
        200: {
            "description": "The clean extracted text: pages, headings, body, footnotes",
            "content": {"application/json": {}, "text/markdown": {}, "text/plain": {}},
        },
    },
    summary="The document's clean text as JSON, Markdown or plain text",
)
def export_document(
    doc_id: DocName,
    store: StoreDep,
    format: Annotated[Literal["json", "md", "txt"], Query(description="json, md or txt")] = "json",
) -> Response:
    from policykb.query.export import export_document as export

    result = export(store, doc_id, format)
    if format == "json":
        body = result if isinstance(result, dict) else json.loads(result)
        body.get("doc", {}).pop("path", None)  # where the server keeps the file stays private
        return JSONResponse(body)
    return PlainTextResponse(result, media_type=EXPORT_MEDIA[format])


@router.get(
    "/documents/{doc_id:path}",
    response_model=DocumentDetail,
    responses=ERROR_RESPONSES,
    summary="One document: metadata, heading outline with pages, reference counts",
)
def get_document(doc_id: DocName, store: StoreDep) -> dict:
    from policykb.query.documents import document_detail

    return document_detail(store, doc_id)


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "One or more PDF, .docx, .txt, .md or .html files (repeat the field)",
                        },
                        **{
                            name: {"type": "string", "description": f"Optional {name} for every file sent"}
                            for name in METADATA_FIELDS
                        },
                    },
                },
                "examples": {
                    "remiss": {
                        "summary": "En remiss som PDF",
                        "value": {"file": ["remiss-rehabilitering.pdf"], "title": "Remiss: Nationell strategi", "publisher": "Socialstyrelsen"},
                    }
                },
            }
        },
    }
}


@router.post(
    "/documents",
    status_code=202,
    response_model=Job,
    dependencies=[Depends(require_api_key)],
    openapi_extra=UPLOAD_BODY,
    responses={
        **ERROR_RESPONSES,
        401: {"description": "Missing or wrong X-API-Key"},
        403: {"description": "Uploads are disabled on this server (no POLICYKB_API_KEY)"},
        413: {"description": "A file or the request is over the size limit"},
        415: {"description": "A file is neither PDF, Word (.docx) nor text"},
    },
    summary="Upload documents to ingest (needs X-API-Key); poll GET /jobs/{id}",
)
async def upload_documents(request: Request, settings: SettingsDep, jobs: JobsDep) -> JSONResponse:
    """Files are checked by content, stored under generated names and ingested in the background."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise UnsupportedInputError(
            f"send the files as multipart/form-data (one or more `file` fields), not {content_type or 'no content type'}"
        )
    async with request.form(max_files=settings.max_files_per_upload, max_fields=50, max_part_size=64 * 1024) as form:
        uploads = [item for key in ("file", "files") for item in form.getlist(key) if not isinstance(item, str)]
        if not uploads:
            raise InputError("no file in the upload: send one or more files in `file` fields (multipart/form-data)")
        metadata = {name: str(form[name]).strip() for name in METADATA_FIELDS if form.get(name) and str(form[name]).strip()}
        job = await submit_upload(uploads, metadata, settings, jobs)
    return JSONResponse(job.public(), status_code=202, headers={"Location": f"/jobs/{job.job_id}"})


@router.delete(
    "/documents/{doc_id}",
    response_model=Removed,
    dependencies=[Depends(require_api_key)],
    responses={
        **ERROR_RESPONSES,
        401: {"description": "Missing or wrong X-API-Key"},
        403: {"description": "Writes are disabled on this server (no POLICYKB_API_KEY)"},
    },
    summary="Remove a document and everything derived from it (needs X-API-Key)",
)
async def delete_document(doc_id: DocId, settings: SettingsDep, state: StateDep) -> dict:
    """Passages, references, citations, requirements, search rows and vectors go with it, in one
    transaction; the answer comes once the removal is committed and served."""
    from policykb.ingest import remove

    report = await run_in_threadpool(remove, [doc_id], settings.index_dir, wait=REMOVE_WAIT_SECONDS)
    try:
        await run_in_threadpool(state.refresh)
    except Exception:  # noqa: BLE001 - the removal is committed; /health reports a snapshot problem
        pass
    return report.to_dict()
