"""ingest(paths, index_dir) -> IngestReport: files in, documents, passages and annotations stored.

The pipeline in order: discover the files (and their manifests) → ① extract, ③ chunk and ② annotate
each file in reader processes (`--workers`) → ④ one writer stores them → ⑤ the index is updated
(FTS rows, units, embeddings) and the vectors are swapped in after the commit.

One write transaction covers the whole run, so a crash (even kill -9) leaves the previous store
as it was; inside it each file is one savepoint, so a file that cannot be read or stored is
recorded with its reason and the run goes on with the others. Unchanged files (same path and
sha256) are skipped without being read again. One writer at a time (`store.writelock`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policykb.config import SUPPORTED_SUFFIXES
from policykb.errors import InputError, NotFoundError, PolicyKBError, StoreError
from policykb.store import Store, WriteAbortedError, db_path
from policykb.store.writelock import write_lock
from policykb.models import Progress
from policykb.processes import can_start_processes, core_count, spawn_pool


MANIFEST_NAME = "manifest.json"
# A folder's README describes the folder; it is not one of its documents. Named explicitly, it is ingested.
SKIPPED_IN_FOLDERS = {"readme.md", "readme.txt", "readme"}
WORD_PROCESSOR_SUFFIXES = {".doc", ".odt", ".rtf", ".pages"}


@dataclass
class FileFailure:
    path: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "error": self.message}


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[FileFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pages: int = 0
    passages: int = 0
    references: int = 0
    mentions: int = 0
    embedded: int = 0  # sentence units embedded in this run (the others came from the vector cache)
    model: str = ""  # the embedding model of the index
    seconds: float = 0.0
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def documents(self) -> int:
        return len(self.added) + len(self.replaced)

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "added": self.added,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
            "failed": [f.to_dict() for f in self.failed],
            "warnings": self.warnings,
            "pages": self.pages,
            "passages": self.passages,
            "references": self.references,
            "mentions": self.mentions,
            "embedded": self.embedded,
            "model": self.model,
            "seconds": round(self.seconds, 3),
            "store": self.totals,
        }


def discover(paths: Iterable[str | os.PathLike]) -> tuple[list[Path], list[FileFailure], list[str]]:
    """Supported files under `paths` (recursively, sorted; hidden entries and READMEs skipped),
    failures, and notes on the files of other types a folder held (so none is left out unseen)."""
    files: list[Path] = []
    failures: list[FileFailure] = []
    notes: list[str] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            failures.append(FileFailure(str(path), f"{path}: no such file or directory; check the path"))
            continue
        if path.is_file():
            files.append(path)
            continue
        visible = [
            p for p in path.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
        ]
        found = sorted(
            p for p in visible if p.suffix.lower() in SUPPORTED_SUFFIXES and p.name.lower() not in SKIPPED_IN_FOLDERS
        )
        other = Counter(
            p.suffix.lower() or "no suffix" for p in visible
            if p.suffix.lower() not in SUPPORTED_SUFFIXES and p.name != MANIFEST_NAME
        )
        if other:
            kinds = ", ".join(f"{count} {suffix}" for suffix, count in sorted(other.items()))
            hint = " (save word-processor files as .docx or PDF to include them)" if other.keys() & WORD_PROCESSOR_SUFFIXES else ""
            notes.append(
                f"{path}: {sum(other.values())} file(s) of other types not ingested ({kinds}); supported are "
                f"{', '.join(sorted(SUPPORTED_SUFFIXES))}{hint}"
            )
        if not found:
            failures.append(
                FileFailure(
                    str(path),
                    f"{path}: no supported files in this directory (looked for "
                    f"{', '.join(sorted(SUPPORTED_SUFFIXES))}, recursively)",
                )
            )
        files.extend(found)
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, failures, notes


def load_manifests(files: list[Path]) -> tuple[dict[Path, dict[str, Any]], list[str]]:
    """Metadata from `manifest.json` files beside the documents: {resolved path: entry}."""
    entries: dict[Path, dict[str, Any]] = {}
    warnings: list[str] = []
    for folder in sorted({f.resolve().parent for f in files}):
        manifest = folder / MANIFEST_NAME
        if not manifest.is_file():
            continue
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            documents = data["documents"] if isinstance(data, dict) else data
            for entry in documents:
                entries[(folder / entry["file"]).resolve()] = entry
        except (OSError, ValueError, KeyError, TypeError) as exc:
            warnings.append(
                f"{manifest}: ignored ({exc.__class__.__name__}: {exc}); expected "
                f'{{"documents": [{{"file": ..., "title": ...}}]}}'
            )
    return entries, warnings


def check_index_dir_writable(index_dir: Path) -> None:
    """Refuse a read-only index directory before doing any work (also when running as root)."""
    probe = index_dir if index_dir.exists() else next((p for p in index_dir.parents if p.exists()), Path("."))
    mode = probe.stat().st_mode
    if not os.access(probe, os.W_OK) or not (stat.S_IMODE(mode) & 0o222):
        raise StoreError(
            f"index directory {index_dir} is read-only; make it writable or choose another with --index-dir"
        )


@dataclass
class _Read:
    """What a reader (a worker process, or this one) makes of one file: the document, its
    passages and annotations, ready for the one writer; or the reason it could not be read."""

    path: Path
    doc: Any = None
    passages: Any = None
    annotations: Any = None
    error: str | None = None


def _read_file(path: Path, manifest: dict[str, Any] | None, doc_id: str, ocr: str, max_bytes: int | None,
               progress: Progress | None = None, page_workers: int = 1) -> _Read:
    """① extract → ③ chunk → ② annotate one file. Runs in a worker process: pure, no store access.
    `page_workers` > 1 scans a long PDF's pages in that many processes (when this is the only file)."""
    from policykb.annotate import annotate
    from policykb.chunk import chunk
    from policykb.extract import extract

    try:
        doc = extract(path, manifest=manifest, doc_id=doc_id, ocr=ocr, max_bytes=max_bytes, progress=progress,
                      workers=page_workers)
        return _Read(path, doc, chunk(doc), annotate(doc))
    except PolicyKBError as exc:
        return _Read(path, error=str(exc))
    except Exception as exc:  # a parser bug on one odd file must not lose the others
        return _Read(path, error=f"{path}: could not be read ({exc.__class__.__name__}: {exc}); "
                                 f"the file may be damaged — please report it if it opens elsewhere")


def default_workers() -> int:
    return core_count()


def ingest(
    paths: Iterable[str | os.PathLike],
    index_dir: str | os.PathLike,
    *,
    ocr: str = "auto",
    max_bytes: int | None = None,
    model: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    wait: float = 0.0,
    writer: str | None = None,
) -> IngestReport:
    """Ingest files and folders into the store of `index_dir` (see module doc).

    `model` is the embedding model (default: the index's, else `embed.DEFAULT_MODEL`); naming
    another model than the index's re-embeds every passage with it. `workers` reader processes
    (default: one per core) extract and annotate files while this process writes them; at most
    two files per worker are read ahead, so memory stays bounded by that many documents.
    Another writer holding the index (`store.writelock`) is waited for up to `wait` seconds,
    then a `WriterBusyError` names it; `writer` is what this run calls itself in the lock file.
    """
    from policykb.extract import check_file, file_sha256
    from policykb.index.citations import rebuild as rebuild_trace_index
    from policykb.index.citations import rebuild_stale as rebuild_stale_trace_index
    from policykb.index.indexer import SearchIndexer, store_then_vectors

    started = time.perf_counter()
    report = IngestReport()
    index_dir = Path(index_dir)
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise InputError(f"--workers {workers}: give at least 1 (default: the number of cores, {default_workers()})")
    files, failures, notes = discover(paths)
    report.failed.extend(failures)
    report.warnings.extend(notes)
    if not files:
        report.seconds = time.perf_counter() - started
        return report
    check_index_dir_writable(index_dir)
    manifests, manifest_warnings = load_manifests(files)
    report.warnings.extend(manifest_warnings)

    def tick(stage: str, done: int, total: int, item: str = "") -> None:
        if progress is not None:
            progress(stage, done, total, item)

    # One writer at a time: a second one is refused (or waits) before it reads a file.
    with write_lock(index_dir, writer or f"policykb ingest of {len(files)} file(s)", wait=wait):
        store = Store.open(index_dir)
        try:
            indexer = SearchIndexer(store, model=model)
            changed: list[str] = []
            with store_then_vectors(store) as swap:
                # Which files need reading (unchanged ones are skipped without being parsed).
                todo: list[tuple[Path, Any, str]] = []
                taken: set[str] = set()  # doc ids given to files earlier in this run
                for path in files:
                    try:
                        check_file(path, limit=max_bytes)
                        previous = store.document_by_path(str(path.resolve()))
                        if previous is not None and previous["sha256"] == file_sha256(path):
                            report.unchanged.append(previous["doc_id"])
                            continue
                        doc_id = _doc_id_for(store, path, previous, taken)
                        taken.add(doc_id)
                        todo.append((path, previous, doc_id))
                    except PolicyKBError as exc:
                        report.failed.append(FileFailure(str(path), str(exc)))
                done = 0
                tick("files", 0, len(todo), "")
                for read, previous in _read_all(todo, manifests, ocr, max_bytes, workers, tick):
                    done += 1
                    path = read.path
                    tick("files", done, len(todo), path.name)
                    if read.error is not None:
                        report.failed.append(FileFailure(str(path), read.error))
                        continue
                    doc = read.doc
                    try:
                        # One savepoint per file: a file whose writing fails leaves nothing behind
                        # (its earlier version, if any, stays), and the other files are still stored.
                        with store.savepoint("ingest_file"):
                            if previous is not None:
                                indexer.forget(previous["doc_id"])
                            counts = store.write_document(doc, read.passages, read.annotations)
                            rebuild_trace_index(store.conn, doc.meta.doc_id)
                    except WriteAbortedError:
                        raise  # a full disk, a transaction SQLite ended: no later file can be stored
                    except PolicyKBError as exc:
                        report.failed.append(FileFailure(str(path), str(exc)))
                        continue
                    except Exception as exc:  # a bug on one odd file must not lose the others
                        report.failed.append(FileFailure(
                            str(path), f"{path}: could not be stored ({exc.__class__.__name__}: {exc}); "
                                       f"please report it if the file opens elsewhere"))
                        continue
                    changed.append(doc.meta.doc_id)
                    (report.replaced if previous is not None else report.added).append(doc.meta.doc_id)
                    report.warnings.extend(doc.warnings)
                    report.pages += counts["pages"]
                    report.passages += counts["passages"]
                    report.references += counts["references"]
                    report.mentions += counts["mentions"]
                    tick("pages", report.pages, report.pages, path.name)
                # Documents stored before the trace index existed, or built with older rules.
                rebuild_stale_trace_index(store.conn)
                search_report, swap.prepared = indexer.update(changed, progress=progress)
                report.embedded = search_report.embedded
                report.model = search_report.model
            if swap.warning:
                report.warnings.append(swap.warning)
            report.totals = store.stats().to_dict()
        finally:
            store.close()
    report.seconds = time.perf_counter() - started
    return report


def _read_all(todo, manifests, ocr, max_bytes, workers, tick, reader=_read_file):  # noqa: ANN001, ANN202
    """(read, previous) for each file of `todo`, in order. With one worker (or one file) the files
    are read here; otherwise in `workers` processes, at most 2 × workers files in flight. A worker
    that dies (a crash in a native parser, the OOM killer) breaks the whole pool without saying
    which file killed it: the files it had in flight are then read again one process each, so
    only the file that kills its reader fails, and a new pool reads the rest."""
    if workers == 1 or len(todo) <= 1 or not can_start_processes():
        # One file: read here, its PDF pages scanned by `workers` processes (see extract.pdf.reader).
        page_workers = workers if len(todo) == 1 and can_start_processes() else 1
        for path, previous, doc_id in todo:
            def file_tick(stage: str, done: int, total: int, _item: str, _name: str = path.name) -> None:
                tick(stage, done, total, _name)

            yield reader(path, manifests.get(path.resolve()), doc_id, ocr, max_bytes, file_tick,
                         page_workers), previous
        return
    from concurrent.futures.process import BrokenProcessPool

    def submit(pool, item):  # noqa: ANN001, ANN202
        path, _, doc_id = item
        return pool.submit(reader, path, manifests.get(path.resolve()), doc_id, ocr, max_bytes)

    def alone(item):  # noqa: ANN001, ANN202
        with spawn_pool(1) as solo:
            try:
                return submit(solo, item).result()
            except BrokenProcessPool:
                return _Read(item[0], error=f"{item[0]}: the reader process died while reading it (a crash in "
                                            f"a PDF library, or out of memory); the other files were read")

    pending = list(todo)
    while pending:
        pool = spawn_pool(min(workers, len(pending)))
        broken_at = None
        try:
            in_flight: list = []
            position = 0
            while position < len(pending) or in_flight:
                while position < len(pending) and len(in_flight) < 2 * workers:
                    in_flight.append((submit(pool, pending[position]), pending[position]))
                    position += 1
                future, item = in_flight[0]
                try:
                    read = future.result()
                except BrokenProcessPool:
                    broken_at = [it for _, it in in_flight]
                    pending = pending[position:]
                    break
                in_flight.pop(0)
                yield read, item[1]
            else:
                pending = []
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=broken_at is None, cancel_futures=True)
        for item in broken_at or []:
            yield alone(item), item[1]


def _doc_id_for(store: Store, path: Path, previous: Any, taken: set[str]) -> str:
    """The file name, unless another path already uses it, in the store or earlier in this run
    (then name + a short hash)."""
    if previous is not None:
        return previous["doc_id"]
    candidate = path.name
    row = store.conn.execute("SELECT path FROM documents WHERE doc_id = ?", (candidate,)).fetchone()
    if row is None and candidate not in taken:
        return candidate
    import hashlib

    suffix = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]
    return f"{path.stem}-{suffix}{path.suffix}"


@dataclass
class RemoveReport:
    removed: list[str] = field(default_factory=list)
    passages: int = 0  # passages taken out with them
    totals: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"removed": self.removed, "passages": self.passages, "totals": self.totals, "warnings": self.warnings}


def remove(doc_ids: Iterable[str], index_dir: str | os.PathLike, *, progress: Progress | None = None,
           wait: float = 0.0, writer: str | None = None) -> RemoveReport:
    """Take documents and everything derived from them out of the index, all in one transaction:
    either every named document goes or none does. The FAISS index without their passages is
    swapped in after the commit, as after an ingest. An unknown id is a `NotFoundError` naming it,
    raised before anything is changed."""
    from policykb.index.indexer import SearchIndexer, store_then_vectors

    wanted = list(dict.fromkeys(doc_ids))
    if not wanted:
        raise InputError("name at least one document id to remove (see `policykb docs`)")
    index_dir = Path(index_dir)
    # Checked before taking the write lock (no index, a read-only directory: each its own clear
    # error, and no lock file is made); the ids once it is held (another writer may change them).
    if not db_path(index_dir).exists():
        Store.open(index_dir, create=False)  # raises: no index there, and what to do
    check_index_dir_writable(index_dir)
    with write_lock(index_dir, writer or "policykb remove " + " ".join(wanted), wait=wait):
        store = Store.open(index_dir, create=False)
        try:
            unknown = [d for d in wanted if store.get_document(d) is None]
            if unknown:
                raise NotFoundError(
                    f"no document {', '.join(repr(d) for d in unknown)} in {index_dir}; nothing was removed "
                    f"(`policykb docs` lists the ids)"
                )
            report = RemoveReport(removed=wanted)
            try:
                with store_then_vectors(store) as swap:
                    marks = ",".join("?" * len(wanted))
                    report.passages = store.conn.execute(
                        f"SELECT count(*) FROM passages WHERE doc_id IN ({marks})", wanted
                    ).fetchone()[0]
                    swap.prepared = SearchIndexer(store).remove(wanted, progress=progress)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                raise StoreError(
                    f"the index in {index_dir} is busy (an ingest is writing to it); nothing was removed: "
                    f"try again when it has finished"
                ) from None
            if swap.warning:
                report.warnings.append(swap.warning)
            report.totals = store.stats().to_dict()
        finally:
            store.close()
    return report


# Where fetched documents are kept: inside the index directory, so the index and the files it was
# built from move together (documents are stored with their file's path).
FETCH_FOLDER = Path("fetched") / "riksdagen"


@dataclass
class FetchReport:
    documents: list[Any] = field(default_factory=list)  # sources.fetch.FetchedDocument
    hits: int | None = None
    requests: int = 0
    ingest: IngestReport | None = None

    @property
    def failed(self) -> list[Any]:
        return [d for d in self.documents if d.status == "failed"]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "documents": [d.to_dict() for d in self.documents],
            "downloaded": sum(d.status == "downloaded" for d in self.documents),
            "unchanged": sum(d.status == "unchanged" for d in self.documents),
            "failed": len(self.failed),
            "requests": self.requests,
            "ingest": self.ingest.to_dict() if self.ingest is not None else None,
        }
        if self.hits is not None:
            out["hits"] = self.hits
        return out


def fetch(
    identifiers: Iterable[str],
    index_dir: str | os.PathLike,
    *,
    search: str | None = None,
    kind: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    limit: int | None = None,
    source_url: str | None = None,
    client: Any = None,
    progress: Progress | None = None,
    wait: float = 0.0,
    writer: str | None = None,
) -> FetchReport:
    """Fetch documents from Riksdagen's open data by identifier (`SOU 2020:19`, `SFS 2017:30`, any
    spelling the reference parser accepts) or every hit of a listing search, then ingest them.

    Identifiers are checked before any request; an unreachable source raises
    `SourceUnavailableError` with nothing stored. A document Riksdagen lacks is a failure of that
    identifier, listed in the report. Unchanged documents are neither downloaded nor re-ingested.
    The files and their manifest are kept in `index_dir/fetched/riksdagen/`."""
    from policykb.sources.fetch import download, parse_identifiers, search_requests
    from policykb.sources.riksdagen import RiksdagenClient

    identifiers = [i for i in identifiers if i and i.strip()]
    if search is None and (kind or year_from or year_to or limit):
        raise InputError("--kind, --year-from, --year-to and --limit go with --search (a listing to fetch)")
    requests = parse_identifiers(identifiers) if identifiers or search is None else []
    index_dir = Path(index_dir)
    check_index_dir_writable(index_dir)
    client = client or RiksdagenClient(source_url)
    hits = None
    if search is not None:
        hits, found = search_requests(client, search, kind=kind, year_from=year_from, year_to=year_to,
                                      limit=limit, progress=progress)
        known = {r.canonical for r in requests}
        requests += [r for r in found if r.canonical is None or r.canonical not in known]
    downloaded = download(requests, index_dir / FETCH_FOLDER, client=client, progress=progress, hits=hits)
    report = FetchReport(documents=downloaded.documents, hits=hits, requests=downloaded.requests)
    paths = downloaded.paths
    if paths:
        report.ingest = ingest(paths, index_dir, progress=progress, wait=wait,
                               writer=writer or f"policykb fetch of {len(paths)} document(s)")
        failures = {str(Path(f.path).resolve()): f.message for f in report.ingest.failed}
        with Store.open(index_dir, create=False, readonly=True) as store:
            for item in report.documents:
                if item.path is None or item.status == "failed":
                    continue
                resolved = str(item.path.resolve())
                if resolved in failures:
                    item.status, item.error = "failed", failures[resolved]
                    continue
                row = store.document_by_path(resolved)
                item.doc_id = row["doc_id"] if row is not None else None
                if item.status == "unchanged" and item.doc_id in report.ingest.added:
                    item.status = "restored"  # Riksdagen's copy unchanged, but it had been removed from the index
    return report


def watch(
    folder: str | os.PathLike,
    index_dir: str | os.PathLike,
    *,
    interval: float = 60.0,
    keep_deleted: bool = False,
    stable_polls: int = 2,
    on_event: Any = None,
    sleep: Any = time.sleep,
    max_polls: int | None = None,
) -> dict[str, Any]:
    """Keep `index_dir` in step with `folder` (`sources.watch`): ingest new and changed files once
    their size holds, remove the documents of deleted files, until Ctrl-C (or `max_polls`).
    Returns a summary: polls, documents ingested and removed, files that failed."""
    from policykb.sources.watch import FolderWatcher, WatchActions

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder; give the folder to watch")
    if interval <= 0:
        raise InputError(f"--interval {interval}: give a positive number of seconds, e.g. 60")
    index_dir = Path(index_dir)
    check_index_dir_writable(index_dir)
    prefix = str(folder.resolve()) + os.sep

    def ingest_files(paths: list[Path]) -> tuple[dict[str, tuple[str, str]], list[str]]:
        report = ingest(paths, index_dir, writer=f"policykb watch {folder}"[:200])
        failures = {str(Path(f.path).resolve()): f.message for f in report.failed}
        results: dict[str, tuple[str, str]] = {}
        with Store.open(index_dir, create=False, readonly=True) as store:
            for path in paths:
                key = str(path.resolve())
                if key in failures:
                    results[key] = ("failed", failures[key])
                    continue
                row = store.document_by_path(key)
                if row is None:
                    results[key] = ("failed", f"{path}: not stored (see the warnings)")
                else:
                    status = "unchanged" if row["doc_id"] in report.unchanged else "ingested"
                    results[key] = (status, row["doc_id"])
        return results, report.warnings

    def stored() -> dict[str, str]:
        if not db_path(index_dir).exists():
            return {}
        with Store.open(index_dir, create=False, readonly=True) as store:
            return {row["path"]: row["doc_id"] for row in store.conn.execute("SELECT path, doc_id FROM documents")
                    if row["path"].startswith(prefix)}

    def remove_documents(doc_ids: list[str]) -> None:
        remove(doc_ids, index_dir, writer=f"policykb watch {folder}"[:200])

    watcher = FolderWatcher(folder, WatchActions(ingest_files, remove_documents, stored), keep_deleted=keep_deleted,
                            stable_polls=stable_polls, on_event=on_event)
    return watcher.run(interval, sleep=sleep, max_polls=max_polls).to_dict()
