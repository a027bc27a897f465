"""consult(store, doc_id, searcher) -> Consultation: the groundwork for a remissvar.

A proposal document (a remiss) is split into its proposals; for each the corpus is asked three
things: what do *other* documents say about it (hybrid search), which legal provisions does it
cite and who else cites them (the citation graph), and which requirements rest on those
provisions (the trace). The result renders as JSON or as a Markdown remissvar skeleton with
one heading per proposal, a `Ställningstagande:` line to fill in, and the evidence quoted with
full citations.

The jobs, one module each: `proposals` (splitting the document), `evidence` (search and quotes),
`provisions` (citation graph and trace), `render` (the Markdown skeleton); `model` holds the
dataclasses they pass on.
"""

from __future__ import annotations

from typing import Any

from policykb.consult.evidence import (
    Analysis,
    Sources,
    SearcherLike,
    assign_evidence,
    document_parts,
    document_info,
    find_evidence,
    gather_candidates,
    no_evidence_note,
    proposal_subject,
)
from policykb.consult.model import Consultation, Evidence, Proposal, Provision, assign_ids
from policykb.consult.proposals import LEVELS, split_proposals
from policykb.consult.provisions import evidence_provisions, provisions_of, requirements_on
from policykb.consult.remiss import remiss_metadata
from policykb.consult.render import render_docx, render_markdown
from policykb.query.pagelabel import unpaged_documents
from policykb.models import Progress
from policykb.store import Store

__all__ = ["Consultation", "Evidence", "LEVELS", "Proposal", "Provision", "SearcherLike", "Sources", "consult",
           "find_evidence", "render_docx", "render_markdown", "split_proposals"]


# -- the whole run -----------------------------------------------------------------------------


def consult(
    store: Store,
    doc_id: str,
    *,
    searcher: SearcherLike | None,
    evidence: int = 3,
    max_proposals: int = 200,
    mode: str = "lexical",
    level: str = "delmål",
    sources: Sources | None = None,
    progress: Progress | None = None,
) -> Consultation:
    """Split `doc_id` into proposals and gather evidence, provisions and requirements for each."""
    meta = _document_meta(store, doc_id)
    remiss = remiss_metadata(store, doc_id)
    proposals = split_proposals(store, doc_id, level=level)
    assign_ids(doc_id, proposals)
    warnings: list[str] = []
    headings: list[dict[str, Any]] = []
    if not proposals:
        headings = _headings(store, doc_id)
        looks_like_remiss = any(remiss.get(k) for k in ("diarienummer", "deadline", "remissinstanser"))
        warnings.append(
            f"no proposals found in {doc_id}: it has no `Förslag` sections or tables, numbered "
            f"recommendations or sentences with `föreslår`"
            + ("" if looks_like_remiss else "; it does not look like a remiss (no diarienummer, answer deadline or "
               "remissinstanser either)")
            + (f"; its {len(headings)} headings are offered to answer instead" if headings else "")
        )
    if len(proposals) > max_proposals:
        warnings.append(f"{len(proposals)} proposals found; only the first {max_proposals} are included")
        proposals = proposals[:max_proposals]
    # The consulted document and its parts (a separately ingested appendix) never support it.
    parts = document_parts(store, doc_id)
    allowed = sources.allowed(store, doc_id, parts) if sources is not None and (sources.include or sources.exclude) else (
        {r[0] for r in store.conn.execute("SELECT doc_id FROM documents")} - parts
    )
    if searcher is None and evidence:
        warnings.append("no search index: evidence passages are missing; run `policykb ingest` to build it")
    provisions_cache: dict[str, Provision] = {}
    requirements_cache: dict[str, list[dict[str, Any]]] = {}
    gathering = searcher is not None and evidence > 0
    analysis = Analysis(store, searcher) if gathering else None
    if analysis is not None:
        analysis.consulted(doc_id)
    info = document_info(store) if gathering else {}
    candidates: dict[str, list] = {}
    subjects: dict[str, Any] = {}
    for n, proposal in enumerate(proposals):
        if progress is not None:
            progress("consult", n, len(proposals), proposal.label or proposal.text[:40])
        proposal.provisions = provisions_of(store, proposal, doc_id, provisions_cache)
        if gathering:
            subject = proposal_subject(store, analysis, proposal, references={p.canonical for p in proposal.provisions})
            subjects[proposal.id] = subject
            candidates[proposal.id] = gather_candidates(
                store, searcher, analysis, proposal, subject, consulted=doc_id, allowed=allowed, mode=mode, doc_info=info,
                want=evidence,
            )
    chosen = assign_evidence(candidates, evidence) if gathering else {}
    for proposal in proposals:
        proposal.evidence = chosen.get(proposal.id, [])
        if gathering and not proposal.evidence:
            proposal.evidence_note = no_evidence_note(subjects[proposal.id])
        proposal.provisions += evidence_provisions(store, proposal, doc_id, provisions_cache)
        proposal.requirements = requirements_on(store, proposal.provisions, requirements_cache)
    if progress is not None:
        progress("consult", len(proposals), len(proposals), "")
    return Consultation(
        document=meta, proposals=proposals, warnings=warnings, unpaged=unpaged_documents(store.conn),
        remiss=remiss, headings=headings,
    )


def _document_meta(store: Store, doc_id: str) -> dict[str, Any]:
    data = store.require_document(doc_id).to_dict()
    data.pop("path", None)
    return data


def _headings(store: Store, doc_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """The document's headings (no table of contents, no front matter): what to answer when it states no proposals."""
    from policykb.consult.evidence import FRONT_MATTER

    rows = store.conn.execute(
        "SELECT b.text, b.page_index, g.printed FROM blocks b LEFT JOIN pages g "
        "ON g.doc_id = b.doc_id AND g.page_index = b.page_index WHERE b.doc_id = ? AND b.kind = 'heading' "
        "ORDER BY b.page_index, b.ordinal", (doc_id,),
    ).fetchall()
    out, seen = [], set()
    for r in rows:
        text = " ".join(r["text"].split())
        if not text or text in seen or FRONT_MATTER.match(text):
            continue
        seen.add(text)
        out.append({"text": text, "page": r["page_index"], "printed_page": r["printed"]})
        if len(out) >= limit:
            break
    return out
