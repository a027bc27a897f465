"""POST /consultation: a proposal document's proposals with evidence, provisions and a remissvar draft."""

from __future__ import annotations

from contextlib import nullcontext

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response

from policykb.errors import InputError, NotFoundError

from policykb.api.deps import JobsDep, SettingsDep, SnapshotDep
from policykb.api.jobs import JobNotFound
from policykb.api.schemas import ERROR_RESPONSES, ConsultationIn, ConsultationOut
from policykb.query.wordfile import DOCX_MEDIA_TYPE

router = APIRouter(tags=["consultation"])


@router.post(
    "/consultation",
    response_model=ConsultationOut,
    responses={
        **ERROR_RESPONSES,
        409: {"description": "The upload job has not finished yet"},
        200: {
            "content": {"application/json": {}, "text/markdown": {}, DOCX_MEDIA_TYPE: {}},
            "description": "Proposals with evidence (JSON), or only the remissvar draft with Accept: text/markdown "
            f"or as a Word file with Accept: {DOCX_MEDIA_TYPE}",
        },
    },
    summary="Remisshjälp: split a proposal document into proposals and gather the evidence for a remissvar",
)
def consultation(body: ConsultationIn, request: Request, snapshot: SnapshotDep, settings: SettingsDep, jobs: JobsDep):
    """For each proposal: its text and page, the strongest passages from *other* documents, the
    provisions it cites and who else cites them, the requirements resting on those provisions;
    plus `markdown`, a remissvar skeleton with a `Ställningstagande:` line per proposal."""
    from policykb.consult import consult, render_docx, render_markdown

    doc_id = _document_of(body, jobs)
    searcher = snapshot.searcher
    with snapshot.store(timeout=settings.request_timeout) as store, (
        searcher.using(store.conn) if searcher is not None else nullcontext()
    ):
        result = consult(
            store, doc_id, searcher=searcher, evidence=body.evidence,
            max_proposals=body.max_proposals, mode=body.mode,
        )
    accept = request.headers.get("accept", "")
    if DOCX_MEDIA_TYPE in accept:
        return Response(render_docx(result, body.answers), media_type=DOCX_MEDIA_TYPE,
                        headers={"Content-Disposition": 'attachment; filename="remissvar.docx"'})
    if "text/markdown" in accept:
        return PlainTextResponse(render_markdown(result, body.answers), media_type="text/markdown; charset=utf-8")
    return {**result.to_dict(), "markdown": render_markdown(result, body.answers)}


def _document_of(body: ConsultationIn, jobs) -> str:  # noqa: ANN001
    if bool(body.doc_id) == bool(body.job_id):
        raise InputError("give either `doc_id` (an ingested document) or `job_id` (an upload job), not both or neither")
    if body.doc_id:
        return body.doc_id
    try:
        job = jobs.get(body.job_id)
    except JobNotFound:
        raise NotFoundError(f"no job with id {body.job_id!r}; job ids are returned by POST /documents") from None
    if job["status"] in {"queued", "running"}:
        raise HTTPException(409, f"job {body.job_id} is still {job['status']}; poll GET /jobs/{body.job_id} until it is done")
    docs = [f["doc_id"] for f in job["files"] if f.get("doc_id")]
    if not docs:
        raise InputError(f"job {body.job_id} ingested no document ({job.get('error') or 'see GET /jobs/' + body.job_id})")
    if len(set(docs)) > 1:
        raise InputError(f"job {body.job_id} ingested {len(set(docs))} documents ({', '.join(sorted(set(docs)))}); pass one as `doc_id`")
    return docs[0]
