"""Upload jobs: files waiting to be ingested, ingested one job at a time in a child process.

The ingest runs in its own process so that its CPU work (PDF parsing, embedding) neither holds
the server's GIL nor stays in the server's memory afterwards, and so that a crash in a parser
cannot take the server down. The store's single write transaction means a killed ingest leaves
the index as it was. When a job finishes, the API swaps in a new index snapshot.

Each job is written to `uploads/<job>/job.json`, so a restarted server still answers for
finished jobs and runs again the ones it was interrupted in.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from policykb.errors import StoreError
from policykb.store import Store, db_path

from policykb.api.errors import public_message

log = logging.getLogger("policykb.api")

JOB_FILE = "job.json"
# Progress messages from the child are sent at most this often per stage.
PROGRESS_INTERVAL = 0.2
# An upload job waits this long for another writer of the index (`store.writelock`) before failing.
JOB_WRITE_WAIT_SECONDS = 3600.0


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class JobFileRecord:
    name: str
    stored_as: str  # relative to the index directory
    size_bytes: int
    content_type: str
    sha256: str
    status: str = "queued"
    doc_id: str | None = None
    error: str | None = None


@dataclass
class JobRecord:
    job_id: str
    files: list[JobFileRecord]
    status: str = "queued"
    created_at: str = field(default_factory=utc_now)
    started_at: str | None = None
    finished_at: str | None = None
    progress: dict[str, Any] = field(default_factory=lambda: {"stage": None, "done": 0, "total": 0, "item": None})
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    kind: str = "upload"  # upload | fetch
    # A fetch job: what to fetch (identifiers, or a search with its filters); `files` is filled in as
    # the documents arrive, one record per identifier or hit.
    request: dict[str, Any] | None = None
    hits: int | None = None

    def public(self) -> dict[str, Any]:
        data = asdict(self)
        for f in data["files"]:
            f.pop("sha256", None)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobRecord:
        files = [JobFileRecord(**f) for f in data.pop("files")]
        return cls(files=files, **data)


class JobNotFound(KeyError):
    pass


class IngestJobs:
    """The queue of upload jobs and the thread that works through it."""

    def __init__(
        self,
        index_dir: Path,
        *,
        on_ingested: Callable[[], None],
        max_file_bytes: int,
        timeout: float,
    ):
        self.index_dir = Path(index_dir)
        self.uploads_dir = self.index_dir / "uploads"
        self.on_ingested = on_ingested
        self.max_file_bytes = max_file_bytes
        self.timeout = timeout
        self._jobs: dict[str, JobRecord] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._child: multiprocessing.process.BaseProcess | None = None
        self._stopping = threading.Event()
        self.running: str | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        self._load_previous_jobs()
        self._thread = threading.Thread(target=self._work, name="policykb-ingest", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        child = self._child
        if child is not None and child.is_alive():
            # The store's transaction rolls back; the job runs again at the next start.
            child.terminate()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    # -- jobs ----------------------------------------------------------------------------------

    def new_job_dir(self, job_id: str) -> Path:
        path = self.uploads_dir / job_id
        path.mkdir(parents=True, exist_ok=False)
        return path

    def submit(self, job: JobRecord) -> JobRecord:
        with self._lock:
            self._jobs[job.job_id] = job
            self._save(job)
        self._queue.put(job.job_id)
        return job

    def get(self, job_id: str) -> dict[str, Any]:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise JobNotFound(job_id)
            data = job.public()
        # Warnings and errors come from the core and name stored paths: not for the client.
        data["error"] = public_message(data["error"], self.index_dir)
        data["warnings"] = [public_message(w, self.index_dir) for w in data["warnings"]]
        for f in data["files"]:
            f["error"] = public_message(f.get("error"), self.index_dir)
        return data

    def queued_count(self) -> int:
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.status == "queued")

    def _update(self, job: JobRecord, *, save: bool = True, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(job, key, value)
            if save:
                self._save(job)

    def _save(self, job: JobRecord) -> None:
        folder = self.uploads_dir / job.job_id
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / (JOB_FILE + ".tmp")
        tmp.write_text(json.dumps(asdict(job), ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, folder / JOB_FILE)

    def _load_previous_jobs(self) -> None:
        if not self.uploads_dir.is_dir():
            return
        for path in sorted(self.uploads_dir.glob(f"*/{JOB_FILE}"), key=lambda p: p.stat().st_mtime):
            try:
                job = JobRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError, KeyError) as exc:
                log.warning("ignoring unreadable job file %s: %s", path, exc)
                continue
            self._jobs[job.job_id] = job
            if job.status in {"queued", "running"}:
                job.status = "queued"
                job.warnings.append("the server restarted before this job finished; it was run again")
                self._queue.put(job.job_id)

    # -- the worker ----------------------------------------------------------------------------

    def _work(self) -> None:
        while not self._stopping.is_set():
            job_id = self._queue.get()
            if job_id is None or self._stopping.is_set():
                return
            with self._lock:
                job = self._jobs.get(job_id)
            if job is None or job.status not in {"queued"}:
                continue
            self.running = job_id
            try:
                self._run(job)
            except Exception as exc:  # a bug here must not stop the queue
                log.exception("ingest job %s failed", job_id)
                self._update(job, status="failed", error=f"the ingest failed unexpectedly ({exc}); see the server log")
            finally:
                self.running = None
                if job.status in {"queued", "running"} and self._stopping.is_set():
                    # Stopped mid-way: leave it queued for the next start.
                    self._update(job, status="queued")
                elif job.finished_at is None:
                    self._update(job, finished_at=utc_now())

    def _run(self, job: JobRecord) -> None:
        self._update(job, status="running", started_at=utc_now())
        if job.kind == "fetch":
            self._run_fetch(job)
            return
        pending = self._skip_duplicates(job)
        if pending:
            paths = [str(self.index_dir / f.stored_as) for f in pending]
            report = self._ingest_in_child(job, paths)
            if report is None:
                if not self._stopping.is_set():
                    self._update(job, status="failed", finished_at=utc_now())
                return
            self._apply_report(job, pending, report)
            try:
                self.on_ingested()
            except Exception as exc:
                self._update(job, warnings=job.warnings + [f"the new documents could not be loaded yet: {exc}"])
        # A file sent twice in one upload was stored once; the copy shares its document.
        by_sha = {f.sha256: f.doc_id for f in job.files if f.doc_id}
        for f in job.files:
            if f.status == "duplicate" and f.doc_id is None:
                f.doc_id = by_sha.get(f.sha256)
        ok = any(f.status in {"ingested", "unchanged", "duplicate"} for f in job.files)
        self._update(
            job,
            status="done" if ok else "failed",
            finished_at=utc_now(),
            error=None if ok else "no file could be ingested; see the error of each file",
        )

    def _run_fetch(self, job: JobRecord) -> None:
        """Download from Riksdagen and ingest, in a child process like an upload's ingest."""
        report = self._ingest_in_child(job, [], target=run_fetch_child, args=(job.request or {},))
        if report is None:
            if not self._stopping.is_set():
                self._update(job, status="failed", finished_at=utc_now())
            return
        from policykb.ingest import FETCH_FOLDER

        records = []
        for item in report.get("documents", []):
            stored = str(FETCH_FOLDER / item["file"]) if item.get("file") else ""
            records.append(JobFileRecord(
                name=item.get("identifier") or item["asked"], stored_as=stored, size_bytes=_size(self.index_dir / stored)
                if stored else 0, content_type="text" if stored.endswith(".html") else "pdf", sha256="",
                status={"downloaded": "ingested", "restored": "ingested"}.get(item["status"], item["status"]), doc_id=item.get("doc_id"),
                error=item.get("error"),
            ))
        ingest_report = report.get("ingest") or {}
        warnings = job.warnings + list(ingest_report.get("warnings", []))
        if ingest_report.get("documents"):
            try:  # served before the job says it is done
                self.on_ingested()
            except Exception as exc:
                warnings.append(f"the new documents could not be loaded yet: {exc}")
        ok = any(f.status != "failed" for f in records)
        self._update(
            job, files=records, hits=report.get("hits"), warnings=warnings,
            status="done" if ok else "failed", finished_at=utc_now(),
            error=None if ok else "no document could be fetched; see the error of each",
        )

    def _skip_duplicates(self, job: JobRecord) -> list[JobFileRecord]:
        """Files whose content is already in the index are not ingested twice."""
        if not db_path(self.index_dir).exists():
            return [f for f in job.files if f.status == "queued"]
        pending = []
        try:
            store = Store.open(self.index_dir, create=False, readonly=True)
        except StoreError:
            # An older schema (the ingest upgrades it) or a damaged store (the ingest says so).
            return [f for f in job.files if f.status == "queued"]
        with store:
            for f in job.files:
                if f.status != "queued":
                    continue
                row = store.conn.execute(
                    "SELECT doc_id FROM documents WHERE sha256 = ? AND path != ?",
                    (f.sha256, str((self.index_dir / f.stored_as).resolve())),
                ).fetchone()
                if row is None:
                    pending.append(f)
                    continue
                f.status, f.doc_id = "duplicate", row["doc_id"]
                f.error = None
                try:
                    (self.index_dir / f.stored_as).unlink()
                except OSError:
                    pass
        self._update(job)
        return pending

    def _ingest_in_child(self, job: JobRecord, paths: list[str], *, target: Callable[..., None] | None = None,
                         args: tuple = ()) -> dict[str, Any] | None:
        ctx = multiprocessing.get_context("spawn")
        receiver, sender = ctx.Pipe(duplex=False)
        child = ctx.Process(
            target=target or run_ingest_child,
            args=(sender, *(args or (paths,)), str(self.index_dir), self.max_file_bytes),
            name=f"policykb-ingest-{job.job_id}",
            daemon=True,
        )
        child.start()
        sender.close()
        self._child = child
        deadline = time.monotonic() + self.timeout
        report: dict[str, Any] | None = None
        failure: str | None = None
        try:
            while True:
                if time.monotonic() > deadline:
                    child.terminate()
                    failure = (
                        f"the ingest took longer than {self.timeout:.0f} s and was stopped; "
                        f"upload fewer or smaller files at a time"
                    )
                    break
                if receiver.poll(0.2):
                    try:
                        kind, payload = receiver.recv()
                    except (EOFError, OSError):
                        break
                    if kind == "progress":
                        self._update(job, save=False, progress=payload)
                    elif kind == "report":
                        report = payload
                        break
                    elif kind == "error":
                        failure = payload
                        break
                elif not child.is_alive():
                    # Drain what it sent just before exiting.
                    if receiver.poll(0):
                        continue
                    break
        finally:
            child.join(5)
            if child.is_alive():
                child.kill()
                child.join()
            self._child = None
            receiver.close()
        if self._stopping.is_set():
            return None
        if report is None:
            failure = failure or f"the ingest process ended unexpectedly (exit code {child.exitcode}); see the server log"
            for f in job.files:
                if f.status == "queued":
                    f.status, f.error = "failed", failure
            self._update(job, error=failure)
        return report

    def _apply_report(self, job: JobRecord, pending: list[JobFileRecord], report: dict[str, Any]) -> None:
        failures = {str(Path(item["path"]).resolve()): item["error"] for item in report.get("failed", [])}
        doc_ids: dict[str, str] = {}
        if db_path(self.index_dir).exists():
            with Store.open(self.index_dir, create=False, readonly=True) as store:
                for f in pending:
                    row = store.document_by_path(str((self.index_dir / f.stored_as).resolve()))
                    if row is not None:
                        doc_ids[f.stored_as] = row["doc_id"]
        unchanged = set(report.get("unchanged", []))
        for f in pending:
            resolved = str((self.index_dir / f.stored_as).resolve())
            if resolved in failures:
                # Messages name the stored path; the client knows the file by its own name.
                f.status, f.error = "failed", failures[resolved].replace(resolved, f.name).replace(
                    str(self.index_dir / f.stored_as), f.name
                )
            elif f.stored_as in doc_ids:
                f.doc_id = doc_ids[f.stored_as]
                f.status = "unchanged" if f.doc_id in unchanged else "ingested"
            else:
                f.status, f.error = "failed", "the ingest did not store this file; see the server log"
        self._update(job, warnings=job.warnings + list(report.get("warnings", [])))


def _throttled_progress(sender):  # noqa: ANN001, ANN202
    """A progress callback sending at most one message per stage every PROGRESS_INTERVAL (and every last one)."""
    last_sent: dict[str, float] = {}

    def progress(stage: str, done: int, total: int, item: str) -> None:
        now = time.monotonic()
        if done < total and now - last_sent.get(stage, 0.0) < PROGRESS_INTERVAL:
            return
        last_sent[stage] = now
        sender.send(("progress", {"stage": stage, "done": done, "total": total, "item": item or None}))

    return progress


def _run_and_report(sender, what: str, work) -> None:  # noqa: ANN001
    """Run `work(progress)` in a job's process and send its report; a user error is its message,
    anything else a line pointing to the server log (where the traceback goes)."""
    try:
        from policykb.errors import PolicyKBError

        try:
            report = work(_throttled_progress(sender))
        except PolicyKBError as exc:
            sender.send(("error", str(exc)))
            return
        sender.send(("report", report.to_dict()))
    except Exception as exc:
        import traceback

        traceback.print_exc()
        sender.send(("error", f"the {what} failed unexpectedly ({exc.__class__.__name__}: {exc}); see the server log"))
    finally:
        sender.close()


def run_ingest_child(sender, paths: list[str], index_dir: str, max_bytes: int) -> None:  # noqa: ANN001
    """Entry point of the ingest process: runs the core ingest and sends progress and the report."""

    def work(progress):  # noqa: ANN001, ANN202
        from policykb.ingest import ingest

        # A CLI ingest or remove may hold the write lock: wait for it rather than fail the job.
        return ingest(paths, index_dir, max_bytes=max_bytes, progress=progress,
                      wait=JOB_WRITE_WAIT_SECONDS, writer="policykb serve: upload job")

    _run_and_report(sender, "ingest", work)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def run_fetch_child(sender, request: dict[str, Any], index_dir: str, max_bytes: int) -> None:  # noqa: ANN001
    """Entry point of a fetch job's process: downloads from Riksdagen (the base URL from
    $POLICYKB_RIKSDAGEN_URL, never from the client) and ingests, sending progress and the report."""

    def work(progress):  # noqa: ANN001, ANN202
        from policykb.ingest import fetch

        return fetch(
            request.get("identifiers") or [], index_dir, search=request.get("search"), kind=request.get("kind"),
            year_from=request.get("year_from"), year_to=request.get("year_to"), limit=request.get("limit"),
            progress=progress, wait=JOB_WRITE_WAIT_SECONDS, writer="policykb serve: fetch job",
        )

    _run_and_report(sender, "fetch", work)
