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

from policykb.consult.evidence import SearcherLike, find_evidence
from policykb.consult.model import Consultation, Evidence, Proposal, Provision, assign_ids
from policykb.consult.proposals import split_proposals
from policykb.consult.provisions import provisions_of, requirements_on
from policykb.consult.render import render_docx, render_markdown
from policykb.query.pagelabel import unpaged_documents
from policykb.models import Progress
from policykb.store import Store

__all__ = ["Consultation", "Evidence", "Proposal", "Provision", "SearcherLike", "consult", "render_docx", "render_markdown", "split_proposals"]



# -- the whole run -----------------------------------------------------------------------------


def consult(
    store: Store,
    doc_id: str,
    *,
    searcher: SearcherLike | None,
    evidence: int = 3,
    max_proposals: int = 200,
    mode: str = "hybrid",
    progress: Progress | None = None,
) -> Consultation:
    """Split `doc_id` into proposals and gather evidence, provisions and requirements for each."""
    meta = _document_meta(store, doc_id)
    proposals = split_proposals(store, doc_id)
    assign_ids(doc_id, proposals)
    warnings: list[str] = []
    if not proposals:
        warnings.append(
            f"no proposals found in {doc_id}: it has no `Förslag` sections or tables, numbered "
            f"recommendations or sentences with `föreslår`; is it a proposal document?"
        )
    if len(proposals) > max_proposals:
        warnings.append(f"{len(proposals)} proposals found; only the first {max_proposals} are included")
        proposals = proposals[:max_proposals]
    if searcher is None and evidence:
        warnings.append("no search index: evidence passages are missing; run `policykb ingest` to build it")
    provisions_cache: dict[str, Provision] = {}
    requirements_cache: dict[str, list[dict[str, Any]]] = {}
    for n, proposal in enumerate(proposals):
        if progress is not None:
            progress("consult", n, len(proposals), proposal.label or proposal.text[:40])
        if searcher is not None and evidence:
            proposal.evidence = find_evidence(store, searcher, proposal, doc_id, evidence=evidence, mode=mode)
        proposal.provisions = provisions_of(store, proposal, doc_id, provisions_cache)
        proposal.requirements = requirements_on(store, proposal.provisions, requirements_cache)
    if progress is not None:
        progress("consult", len(proposals), len(proposals), "")
    return Consultation(document=meta, proposals=proposals, warnings=warnings, unpaged=unpaged_documents(store.conn))


def _document_meta(store: Store, doc_id: str) -> dict[str, Any]:
    data = store.require_document(doc_id).to_dict()
    data.pop("path", None)
    return data
