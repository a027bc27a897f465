"""The legal hooks of a proposal: the provisions it cites (inline and in its footnotes), who else
cites them (the citation graph) and the requirements resting on them (the trace)."""

from __future__ import annotations

import json
from typing import Any

from policykb.consult.model import CitingDocument, Proposal, Provision
from policykb.store import Store


# -- provisions and requirements ---------------------------------------------------------------


def provisions_of(store: Store, proposal: Proposal, doc_id: str, cache: dict[str, Provision]) -> list[Provision]:
    """References the proposal makes (in its text or its footnotes) and who else cites them."""
    found: dict[str, tuple[str, str, str]] = {}
    for block_id, start, end in proposal.spans:
        for r in store.conn.execute(
            "SELECT canonical, kind, url, text FROM refs WHERE block_id = ? AND start >= ? AND end <= ? ORDER BY start",
            (block_id, start, end),
        ):
            found.setdefault(r["canonical"], (r["kind"], r["url"], r["text"]))
        for number in _footnote_numbers(store, block_id, start, end):
            for r in _footnote_refs(store, doc_id, proposal.page, number):
                found.setdefault(r["canonical"], (r["kind"], r["url"], r["text"]))
    out = []
    for canonical, (kind, url, written) in found.items():
        if canonical not in cache:
            cache[canonical] = _provision(store, canonical, kind, url, written, doc_id)
        out.append(cache[canonical])
    return out


def evidence_provisions(
    store: Store, proposal: Proposal, doc_id: str, cache: dict[str, Provision], *, limit: int = 6
) -> list[Provision]:
    """Provisions the evidence passages cite (in their text or their footnotes) that the proposal
    does not cite itself: the law the evidence rests on."""
    from dataclasses import replace

    own = {p.canonical for p in proposal.provisions}
    found: dict[str, tuple[str, str, str]] = {}
    for e in proposal.evidence:
        for r in store.conn.execute(
            "SELECT canonical, kind, url, text FROM refs WHERE passage_id = ? AND kind IN ('act', 'chapter', 'section', "
            "'regulation') ORDER BY start", (e.passage_id,),
        ):
            if r["canonical"] not in own:
                found.setdefault(r["canonical"], (r["kind"], r["url"], r["text"]))
    out = []
    for canonical, (kind, url, written) in list(found.items())[:limit]:
        if canonical not in cache:
            cache[canonical] = _provision(store, canonical, kind, url, written, doc_id)
        out.append(replace(cache[canonical], via="evidence"))
    return out


def _footnote_numbers(store: Store, block_id: int, start: int, end: int) -> list[int]:
    row = store.conn.execute("SELECT markers FROM blocks WHERE block_id = ?", (block_id,)).fetchone()
    if row is None:
        return []
    return [number for offset, number in json.loads(row["markers"]) if start <= offset <= end]


def _footnote_refs(store: Store, doc_id: str, page: int, number: int) -> list[Any]:
    note_page = store.footnote_page(doc_id, number, page)
    if note_page is None:
        return []
    return store.conn.execute(
        "SELECT canonical, kind, url, text FROM refs WHERE doc_id = ? AND page_index = ? AND footnote_number = ?",
        (doc_id, note_page, number),
    ).fetchall()


def _provision(store: Store, canonical: str, kind: str, url: str, written: str, doc_id: str) -> Provision:
    from policykb.query.provisions import provision_texts

    citing = citing_documents(store, canonical, exclude_doc=doc_id)
    return Provision(
        canonical=canonical,
        kind=kind,
        url=url,
        as_written=written,
        cited_elsewhere=sum(c.count for c in citing),
        citing_documents=citing,
        provision_text=provision_texts(store, [canonical]).get(canonical),
    )


def citing_documents(store: Store, canonical: str, *, exclude_doc: str | None = None) -> list[CitingDocument]:
    """Documents (other than `exclude_doc`) citing `canonical` or a provision under it, most first."""
    from policykb.query.xref import xref

    result = xref(store, canonical)
    return [
        CitingDocument(
            doc_id=d["doc_id"], title=d["title"], identifier=d["identifier"], count=d["citations"],
            pages=sorted({h["page"] for h in d["hits"] if h.get("page") is not None}),
        )
        for d in result["documents"]
        if d["doc_id"] != exclude_doc
    ]


def requirements_on(
    store: Store, provisions: list[Provision], cache: dict[str, list[dict[str, Any]]], *, limit: int = 10
) -> list[dict[str, Any]]:
    """Trace rows (requirements) whose sources include any of the provisions."""
    if not provisions:
        return []
    from policykb.query.trace import trace

    rows: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    for provision in provisions:
        if provision.canonical not in cache:
            cache[provision.canonical] = trace(store, source=provision.canonical)
        for row in cache[provision.canonical]:
            key = (row.get("doc_id"), row.get("passage_id"), row.get("sentence"))
            if key not in seen:
                seen.add(key)
                rows.append(row)
    rows = rows[:limit]
    for row in rows:
        meta = store.get_document(row["doc_id"])
        row.setdefault("title", meta.title if meta else None)
        row.setdefault("identifier", meta.identifier if meta else None)
    return rows
