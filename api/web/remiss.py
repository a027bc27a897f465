"""`/remiss`: the remissvar helper in the browser. Choose a document, see its proposals with the
evidence from other documents and the provisions they cite, type a position and a motivation for
each, and download the draft as Markdown or Word with those answers filled in.

Gathering the evidence searches once per proposal and takes from seconds to minutes, longer than a
page request may run. So a document's consultation is worked out in the background, one at a time,
on a snapshot of the index, and kept per snapshot: the page shows its progress (and reloads itself,
with or without JavaScript) until it is ready, and the draft download reuses it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import OrderedDict
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, Response

from policykb.errors import InputError, PolicyKBError

from policykb.api.deps import SettingsDep, SnapshotDep, StoreDep
from policykb.api.errors import public_message
from policykb.api.web.common import PageRoute, render

log = logging.getLogger("policykb.api.web")
router = APIRouter(route_class=PageRoute, include_in_schema=False)

POSITIONS = ("tillstyrker", "avstyrker", "tillstyrker med ändringar", "inga synpunkter")
MAX_ANSWER_CHARS = 20_000
KEPT = 16  # finished consultations kept (per snapshot and document)
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class ConsultRun:
    doc_id: str
    generation: int
    status: str = "queued"  # queued | running | done | failed
    done: int = 0
    total: int = 0
    result: Any = None
    error: str | None = None
    started: float = field(default_factory=time.time)


class ConsultRuns:
    """Consultations being worked out or done, keyed by (snapshot generation, document)."""

    def __init__(self, app_state: Any, settings: Any):
        self._app_state = app_state  # the index's AppState: each run takes its own snapshot
        self._settings = settings
        self._runs: OrderedDict[tuple[int, str], ConsultRun] = OrderedDict()
        self._lock = threading.Lock()
        self._queue: queue.Queue[ConsultRun] = queue.Queue()
        self._worker: threading.Thread | None = None

    def get_or_start(self, generation: int, doc_id: str) -> ConsultRun:
        key = (generation, doc_id)
        with self._lock:
            run = self._runs.get(key)
            if run is not None and run.status != "failed":
                self._runs.move_to_end(key)
                return run
            run = ConsultRun(doc_id=doc_id, generation=generation)
            self._runs[key] = run
            while len(self._runs) > KEPT:
                oldest = next(iter(self._runs))
                if self._runs[oldest].status in ("queued", "running"):
                    break
                self._runs.pop(oldest)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="policykb-web-consult", daemon=True)
                self._worker.start()
        self._queue.put(run)
        return run

    def find(self, generation: int, doc_id: str) -> ConsultRun | None:
        with self._lock:
            return self._runs.get((generation, doc_id))

    def _work(self) -> None:
        from policykb.consult import consult

        while True:
            run = self._queue.get()
            run.status = "running"

            def progress(stage: str, done: int, total: int, item: str, run: ConsultRun = run) -> None:
                run.done, run.total = done, total

            try:
                with self._app_state.snapshot() as snapshot:
                    searcher = snapshot.searcher
                    with snapshot.store(timeout=self._settings.request_timeout) as store, (
                        searcher.using(store.conn) if searcher is not None else nullcontext()
                    ):
                        run.result = consult(store, run.doc_id, searcher=searcher, progress=progress)
                run.status = "done"
            except PolicyKBError as exc:
                run.error, run.status = public_message(str(exc), self._settings.index_dir), "failed"
            except Exception as exc:  # noqa: BLE001 - reported on the page; the worker goes on
                log.error("consultation of %s failed", run.doc_id, exc_info=exc)
                run.error, run.status = "ett internt fel inträffade; serverns logg har detaljerna", "failed"


def _runs(request: Request) -> ConsultRuns:
    runs = getattr(request.app.state, "web_consult", None)
    if runs is None:
        runs = request.app.state.web_consult = ConsultRuns(request.app.state.index, request.app.state.settings)
    return runs


DocId = Annotated[str, Path()]


@router.get("/remiss", response_class=HTMLResponse, name="web_remiss")
def remiss_start(request: Request, store: StoreDep) -> HTMLResponse:
    return render(request, "remiss_start.html", documents=store.list_documents())


@router.get("/remiss/{doc_id}", response_class=HTMLResponse, name="web_remiss_document")
def remiss_document(request: Request, doc_id: DocId, snapshot: SnapshotDep, settings: SettingsDep) -> HTMLResponse:
    with snapshot.store(timeout=settings.request_timeout) as store:
        meta = store.require_document(doc_id).to_dict()
    run = _runs(request).get_or_start(snapshot.generation, doc_id)
    if run.status == "failed":
        raise InputError(run.error or "underlaget kunde inte tas fram")
    if run.status != "done":
        return render(request, "remiss_wait.html", doc=meta, run=run,
                      headers={"Retry-After": "3", "Cache-Control": "no-store"})
    return render(request, "remiss.html", doc=meta, consultation=run.result, positions=POSITIONS,
                  own_paged=doc_id not in run.result.unpaged, particulars=PARTICULARS)


@router.post("/remiss/{doc_id}/utkast", name="web_remiss_draft")
async def remiss_draft(request: Request, doc_id: DocId, snapshot: SnapshotDep) -> Response:
    """The draft with the answers typed into the page; `format` is `md` or `docx`."""
    from policykb.consult.render import render_docx, render_markdown

    run = _runs(request).find(snapshot.generation, doc_id)
    if run is None or run.status != "done":
        raise HTTPException(409, "underlaget för remissvaret är inte klart; öppna remissidan och vänta tills det är klart")
    async with request.form(max_files=0, max_fields=2 * len(run.result.proposals) + 20) as form:
        fmt = str(form.get("format") or "md")
        answers = _answers(form, run.result)
    if fmt not in ("md", "docx"):
        raise InputError(f"okänt format {fmt[:20]!r}; välj md eller docx")
    name = "remissvar-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in doc_id.rsplit(".", 1)[0])[:60]
    if fmt == "docx":
        return Response(render_docx(run.result, answers), media_type=DOCX_MEDIA_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="{name}.docx"'})
    return Response(render_markdown(run.result, answers), media_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.md"'})


# The draft's own fields (the renderer's `ANSWER_KEYS`) as the page names them.
PARTICULARS = (("_remissinstans", "remissinstans", "Remissinstans (er organisation)", False),
               ("_datum", "datum", "Datum", False),
               ("_sammanfattning", "sammanfattning", "Sammanfattning", True),
               ("_ovriga", "ovriga", "Övriga synpunkter", True))


def _answers(form: Any, consultation: Any) -> dict[str, Any]:
    """The typed answers by proposal id (and the draft's own fields by their keys); a position
    outside the list or an oversize text is refused."""
    answers: dict[str, Any] = {}
    for key, name, label, _ in PARTICULARS:
        value = str(form.get(name) or "").strip()
        if len(value) > MAX_ANSWER_CHARS:
            raise InputError(f"{label} är längre än {MAX_ANSWER_CHARS} tecken")
        if value:
            answers[key] = value
    for p in consultation.proposals:
        position = str(form.get(f"position-{p.id}") or "").strip()
        motivation = str(form.get(f"motivering-{p.id}") or "").strip()
        if position and position not in POSITIONS:
            raise InputError(f"ställningstagandet {position[:40]!r} för förslag {p.number} är inget av: {', '.join(POSITIONS)}")
        if len(motivation) > MAX_ANSWER_CHARS:
            raise InputError(f"motiveringen till förslag {p.number} är längre än {MAX_ANSWER_CHARS} tecken")
        if position or motivation:
            answers[p.id] = {"position": position, "motivation": motivation}
    return answers
