"""Identifiers (or a listing search) → files on disk, with their metadata in the manifest the ingest reads.

`download(requests, folder, client=...)` looks each identifier up in Riksdagen's open data, downloads
the PDF (or, for a statute, Riksdagen's HTML rendering of the act) and writes one `manifest.json`
entry per file: title, date, identifier, publisher (the organ), kind, and the Riksdagen `dok_id`,
`systemdatum` and related documents (`dokreferens`). The ingest then reads the files with that
metadata like any other folder.

All or nothing on the disk: files are downloaded into a staging folder and moved into place, with
the manifest, only once every request has been answered. A source that cannot be reached ends the
run with nothing changed; an identifier Riksdagen does not have (or whose file is broken) is a
failure of that identifier only, and the others are fetched.

A document whose `systemdatum` (Riksdagen's last change) is what the manifest already records, and
whose file is still there, is not downloaded again: re-fetching an unchanged document is a no-op.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policykb.errors import InputError, PolicyKBError
from policykb.models import Progress
from policykb.sources.riksdagen import KIND_TO_DOKTYP, RiksdagenClient, RiksdagenDocument

MANIFEST_NAME = "manifest.json"  # the name `ingest.load_manifests` reads
SOURCE_NAME = "riksdagen"

# Riksdagen's doktyp → policykb's document kind (what `search --kind` filters on).
KIND_BY_DOKTYP = {
    "sou": "sou", "ds": "ds", "prop": "proposition", "dir": "directive", "bet": "committee-report",
    "rskr": "riksdagsskrivelse", "sfs": "statute", "mot": "motion",
}
# What a user may write after --kind: Riksdagen's own types and policykb's names for them.
SEARCH_KINDS = {
    "sou": "sou", "ds": "ds", "dir": "dir", "directive": "dir", "prop": "prop", "proposition": "prop",
    "bet": "bet", "committee-report": "bet", "rskr": "rskr", "sfs": "sfs", "statute": "sfs", "mot": "mot",
}
SUPPORTED_FORMS = "SOU 2020:19, prop. 2019/20:164, Ds 2023:23, dir. 2020:5, bet. 2019/20:SoU8, rskr. 2019/20:266, SFS 2017:30"


@dataclass
class FetchRequest:
    """One thing to fetch: an identifier as the user wrote it and its canonical form, or a hit of a search."""

    asked: str
    canonical: str | None
    found: RiksdagenDocument | None = None  # a search hit comes with its listing entry


@dataclass
class FetchedDocument:
    asked: str
    identifier: str | None
    status: str  # downloaded | unchanged | restored (re-ingested from the kept file) | failed
    dok_id: str | None = None
    title: str | None = None
    file: str | None = None  # the file name in the fetch folder
    path: Path | None = None
    error: str | None = None
    doc_id: str | None = None  # filled in once ingested

    def to_dict(self) -> dict[str, Any]:
        return {
            "asked": self.asked, "identifier": self.identifier, "status": self.status, "dok_id": self.dok_id,
            "title": self.title, "file": self.file, "doc_id": self.doc_id, "error": self.error,
        }


@dataclass
class DownloadReport:
    documents: list[FetchedDocument] = field(default_factory=list)
    hits: int | None = None  # a search's hit count, as the listing reports it
    requests: int = 0  # HTTP requests made

    @property
    def paths(self) -> list[Path]:
        return [d.path for d in self.documents if d.status != "failed" and d.path is not None]


def parse_identifiers(identifiers: list[str]) -> list[FetchRequest]:
    """Each identifier read by the reference parser (any spelling it accepts), checked to be a
    kind of document Riksdagen publishes. Raises InputError before anything is fetched."""
    from policykb.legal import parse_reference

    requests: list[FetchRequest] = []
    seen: set[str] = set()
    for raw in identifiers:
        text = raw.strip()
        if not text:
            continue
        try:
            refs = parse_reference(text)
        except PolicyKBError as exc:
            raise InputError(
                f"{text!r} is not an identifier policykb can fetch: {exc}; fetchable are {SUPPORTED_FORMS}"
            ) from None
        ref = refs[0]
        if ref.kind not in KIND_TO_DOKTYP:
            raise InputError(
                f"{text!r} reads as {ref.canonical}, which is not in Riksdagen's open data (it has {SUPPORTED_FORMS}); "
                f"download it from its publisher and `policykb ingest` the file"
            )
        canonical = ref.canonical
        if ref.kind in ("chapter", "section"):  # a provision: the act it is in
            canonical = re.sub(r"^(SFS \d{4}:\d+).*$", r"\1", canonical)
        if canonical not in seen:
            seen.add(canonical)
            requests.append(FetchRequest(asked=text, canonical=canonical))
    if not requests:
        raise InputError(f"name at least one document to fetch, e.g. {SUPPORTED_FORMS}")
    return requests


def search_requests(client: RiksdagenClient, text: str | None, *, kind: str | None = None,
                    year_from: int | None = None, year_to: int | None = None, limit: int | None = None,
                    progress: Progress | None = None) -> tuple[int, list[FetchRequest]]:
    """The hits of a listing search as fetch requests, and the listing's hit count (reported first
    through `progress("listing", 0, count, text)`, before anything is downloaded)."""
    doktyp = None
    if kind:
        doktyp = SEARCH_KINDS.get(kind.strip().lower())
        if doktyp is None:
            raise InputError(f"--kind {kind!r}: choose one of {', '.join(sorted(SEARCH_KINDS))}")
    if not (text and text.strip()) and not doktyp:
        raise InputError("a search needs words (--search \"nära vård\") or a --kind to list")
    for name, year in (("--year-from", year_from), ("--year-to", year_to)):
        if year is not None and not 1800 <= year <= 2200:
            raise InputError(f"{name} {year}: give a year between 1800 and 2200")
    if limit is not None and limit < 1:
        raise InputError(f"--limit {limit}: give at least 1")
    listing = client.search(
        text.strip() if text else None, doktyp=doktyp,
        date_from=f"{year_from}-01-01" if year_from else None, date_to=f"{year_to}-12-31" if year_to else None,
        limit=limit,
    )
    if progress is not None:
        progress("listing", 0, listing.total, text or doktyp or "")
    requests = [FetchRequest(asked=d.canonical or d.dok_id, canonical=d.canonical, found=d) for d in listing.documents]
    return listing.total, requests


def file_stem(canonical: str | None, dok_id: str) -> str:
    """A file name (and so a document id) that reads as the document: `sou-2020-19`, `prop-2019-20-164`."""
    base = canonical or dok_id
    stem = re.sub(r"[^a-z0-9]+", "-", base.lower().replace("å", "a").replace("ä", "a").replace("ö", "o")).strip("-")
    return stem or "document"


def read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """The fetch folder's manifest entries by file name ({} when there is none or it is unreadable)."""
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        return {e["file"]: e for e in data.get("documents", []) if isinstance(e, dict) and e.get("file")}
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        return {}


def manifest_entry(doc: RiksdagenDocument, file_name: str) -> dict[str, Any]:
    """What the ingest applies (title, kind, publisher, date, identifier) and what it keeps for the
    record (the source, `dok_id`, `systemdatum`, related documents)."""
    title = doc.title
    if doc.subtitle and doc.doktyp not in ("sfs",):
        title = f"{title} – {doc.subtitle}" if title else doc.subtitle
    entry: dict[str, Any] = {
        "file": file_name,
        "title": title or None,
        "kind": KIND_BY_DOKTYP.get(doc.doktyp, doc.doktyp or None),
        "publisher": doc.organ or None,
        "date": doc.date or None,
        "identifier": doc.canonical,
        "language": "sv",
        "source": SOURCE_NAME,
        "dok_id": doc.dok_id,
        "systemdatum": doc.systemdatum or None,
        "related": doc.related,
    }
    return {k: v for k, v in entry.items() if v is not None}


def download(requests: list[FetchRequest], folder: Path, *, client: RiksdagenClient,
             progress: Progress | None = None, hits: int | None = None) -> DownloadReport:
    """Look up and download every request into `folder` (see module doc). Raises
    SourceUnavailableError, with nothing changed on disk, when the source cannot be reached."""
    report = DownloadReport(hits=hits)
    # Folders this run makes are taken away again if it stores nothing (an index directory is not
    # left behind by a fetch that found nothing, or could not reach the source).
    made = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(folder)
    staging = folder / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    staged: list[tuple[Path, Path]] = []
    entries: dict[str, dict[str, Any]] = {}
    try:
        for n, request in enumerate(requests, start=1):
            if progress is not None:
                progress("fetch", n - 1, len(requests), request.asked)
            item = _fetch_one(request, folder, staging, manifest, client, staged, entries)
            report.documents.append(item)
        if progress is not None:
            progress("fetch", len(requests), len(requests), "")
        for tmp, final in staged:
            os.replace(tmp, final)
        if entries:
            _write_manifest(folder, {**manifest, **entries})
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        report.requests = client.requests
        for path in made:  # deepest first
            try:
                path.rmdir()
            except OSError:
                break  # not empty: something was stored
    return report


def _fetch_one(request: FetchRequest, folder: Path, staging: Path, manifest: dict[str, dict[str, Any]],
               client: RiksdagenClient, staged: list[tuple[Path, Path]],
               entries: dict[str, dict[str, Any]]) -> FetchedDocument:
    from policykb.errors import SourceError

    asked = request.asked
    try:
        listed = request.found
        if listed is None:
            listed = client.find(request.canonical or asked)
            if listed is None:
                return FetchedDocument(
                    asked, request.canonical, "failed",
                    error=f"Riksdagen's open data has no {request.canonical} (looked it up by type, year and "
                          f"number, and by free text); check the identifier, or download it from regeringen.se "
                          f"and `policykb ingest` the file",
                )
        doc = client.status(listed.dok_id) or listed
        # The listing knows the PDF when the status has no attachment, and the other way round.
        doc.pdf_url = doc.pdf_url or listed.pdf_url
        doc.html_url = doc.html_url or listed.html_url
        doc.systemdatum = doc.systemdatum or listed.systemdatum
        identifier = doc.canonical or request.canonical
        statute = doc.doktyp == "sfs"
        name = file_stem(identifier, doc.dok_id) + (".html" if statute else ".pdf")
        previous = manifest.get(name)
        if (previous is not None and previous.get("dok_id") == doc.dok_id and doc.systemdatum
                and previous.get("systemdatum") == doc.systemdatum and (folder / name).is_file()):
            return FetchedDocument(asked, identifier, "unchanged", doc.dok_id, doc.title, name, folder / name)
        if statute:
            # `/dokument/{dok_id}.html`: the documented rendering (status answers link it without `.html`)
            url = client.url(f"/dokument/{doc.dok_id}.html")
            body = client.download(url, expect="html", what=f"{identifier} (the act's text)")
        else:
            if not doc.pdf_url:
                return FetchedDocument(
                    asked, identifier, "failed", doc.dok_id, doc.title,
                    error=f"Riksdagen has no PDF of {identifier} yet (status {doc.status or 'unknown'!r}); "
                          f"try again when it is published",
                )
            body = client.download(doc.pdf_url, expect="pdf", what=identifier or doc.dok_id)
        if body is None:
            return FetchedDocument(
                asked, identifier, "failed", doc.dok_id, doc.title,
                error=f"Riksdagen lists {identifier} but its file is missing (404); try again later",
            )
        tmp = staging / name
        tmp.write_bytes(body)
        staged.append((tmp, folder / name))
        entries[name] = manifest_entry(doc, name)
        return FetchedDocument(asked, identifier, "downloaded", doc.dok_id, doc.title, name, folder / name)
    except SourceError as exc:
        return FetchedDocument(asked, request.canonical, "failed", error=str(exc))


def _write_manifest(folder: Path, entries: dict[str, dict[str, Any]]) -> None:
    data = {"documents": [entries[name] for name in sorted(entries)]}
    tmp = folder / f".{MANIFEST_NAME}.tmp"
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, folder / MANIFEST_NAME)
