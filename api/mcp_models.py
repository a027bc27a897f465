"""The typed results of the MCP tools (`api/mcp.py`): what an assistant gets as structured content.

Where the JSON API already has a model for the same thing (a search hit, a passage, a document
summary, a trace row) the MCP result extends it, so the two front ends describe one shape. What
is added is what an assistant needs to cite without guessing: the page as the document prints it
(`page_label`), a ready citation line, the `policykb://` resource URI, and the canonical form and
link of every legal reference. Models allow extra fields: a field the core adds later (e.g. a
hit's `best_sentence`, a provision's `provision_text`) passes through unchanged.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from policykb.api.schemas import DocumentSummary, PassageDetail, ReferenceOut, SearchHit, SearchMode, TraceRow


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


# -- pieces every result shares ----------------------------------------------------------------


class LinkedReference(_Open):
    canonical: str = Field(description="Canonical form, e.g. 'SFS 2017:30 2 kap. 3 §' or 'prop. 2019/20:164'")
    kind: str = Field(description="act, chapter, section, prop, sou, ds, dir, bet, rskr, regulation, eu")
    url: str = Field(description="Link to the source (lagen.nu for Swedish law and preparatory works)")


class CitationFields(BaseModel):
    page_label: str = Field(
        description="The pages to cite: the printed numbers where the document prints them ('s. 117–118'), "
        "else the page positions; '' for a text document without pages"
    )
    citation: str = Field(description="A citation to quote: 'Publisher, Title (identifier), s. 117'")
    uri: str = Field(description="policykb:// URI of the passage or document (read it as a resource)")


# -- search and passages -----------------------------------------------------------------------


class McpSearchHit(SearchHit, CitationFields):
    best_sentence: str | None = Field(None, description="The sentence of the passage that carries the match")
    printed_pages: list[str | None] = Field(default_factory=list, description="Printed page numbers of `pages`")
    references: list[LinkedReference] = Field(
        default_factory=list, description="Legal and document references made in the passage (text and footnotes)"
    )


class SearchResult(_Open):
    query: str
    mode: SearchMode
    k: int
    hits: list[McpSearchHit]
    warnings: list[str] = Field(default_factory=list)


class PassageResult(PassageDetail, CitationFields):
    model_config = ConfigDict(extra="allow")
    publisher: str | None = None
    document_uri: str = Field(description="policykb://documents/{doc_id}")


class DocumentEntry(DocumentSummary):
    uri: str = Field(description="policykb://documents/{doc_id}")


class DocumentListing(_Open):
    count: int
    documents: list[DocumentEntry]


class DocumentPage(_Open):
    doc_id: str
    title: str | None
    identifier: str | None
    publisher: str | None
    date: str | None
    kind: str | None
    uri: str
    offset: int = Field(description="Where `markdown` starts in the whole document's Markdown (characters)")
    next_offset: int | None = Field(description="Pass this as `offset` for the next part; null at the end")
    truncated: bool = Field(description="True when more of the document follows")
    total_chars: int = Field(description="Length of the whole document's Markdown")
    markdown: str = Field(
        description="The document as Markdown: headings, paragraphs, tables, footnotes; page breaks as "
        "<!-- PDF page N, s. P --> comments (P is the printed page number to cite)"
    )


# -- references and the citation graph ---------------------------------------------------------


class ParsedReference(ReferenceOut):
    detail: dict[str, Any] | None = Field(None, description="Stycke, punkt, page: detail the canonical form leaves out")


class ParsedReferences(_Open):
    count: int
    references: list[ParsedReference]


class CitingProvision(_Open):
    text: str = Field(description="The reference as written in the document")
    canonical: str
    url: str


class CitingFootnote(_Open):
    number: int
    text: str | None


class CitingHit(_Open):
    passage_id: int | None
    page: int | None = Field(description="0-based page index")
    printed_page: str | None
    page_label: str
    heading: str
    sentence: str = Field(description="The citing sentence (or the footnote's text)")
    footnote: CitingFootnote | None
    provisions: list[CitingProvision]
    uri: str | None = Field(description="policykb://passages/{id} of the citing passage")


class CitingDocument(_Open):
    doc_id: str
    title: str | None
    identifier: str | None
    citations: int
    uri: str
    hits: list[CitingHit]


class CitationTarget(_Open):
    canonical: str
    kind: str
    level: str | None
    url: str
    citations: int
    documents: int
    act: str | None = None
    act_title: str | None = None
    in_lawbook: bool | None = None


class WhoCites(_Open):
    query: str
    targets: list[CitationTarget]
    citations: int = Field(description="Every citation found, in all documents")
    documents: list[CitingDocument]
    shown_hits: int = Field(description="Citing passages included here (at most `max_hits`)")
    truncated: bool = Field(description="True when more citing passages exist than are shown")


class CitedProvision(_Open):
    canonical: str
    level: str
    url: str
    citations: int


class CitedAct(_Open):
    canonical: str
    title: str | None
    url: str
    citations: int
    provisions: list[CitedProvision]
    in_corpus: str | None = Field(None, description="Doc id of the act when it is itself in the index")


class CitedDocument(_Open):
    canonical: str
    kind: str
    url: str
    citations: int
    in_corpus: str | None = None


class CorpusLink(_Open):
    target: str
    doc_id: str
    citations: int


class CitedBy(_Open):
    doc_id: str
    title: str | None
    target: str
    citations: int


class DocumentCites(_Open):
    doc_id: str
    title: str | None
    identifier: str | None
    references: int
    acts: list[CitedAct]
    documents: list[CitedDocument]
    cites_in_corpus: list[CorpusLink]
    cited_by: list[CitedBy]


class LawProvision(_Open):
    canonical: str
    level: str
    url: str
    citations: int
    documents: int


class LawChapter(_Open):
    canonical: str
    url: str
    citations: int
    documents: int


class LawProvisions(_Open):
    act: str
    title: str | None
    in_lawbook: bool | None
    url: str
    citations: int
    documents: int
    provisions: list[LawProvision]
    chapters: list[LawChapter]


# -- requirements and the remissvar ------------------------------------------------------------


class SourceLink(_Open):
    canonical: str
    url: str


class Requirement(TraceRow):
    links: list[SourceLink] = Field(default_factory=list, description="Each source with its link")
    printed_page: str | None = None
    heading: str = ""
    page_label: str = ""
    uri: str | None = Field(None, description="policykb://passages/{id} of the requirement's passage")


class TraceResult(_Open):
    total: int = Field(description="Requirements matching the filters")
    truncated: bool
    rows: list[Requirement]


class EvidenceOut(_Open):
    doc_id: str
    title: str | None
    identifier: str | None
    publisher: str | None
    page: int
    printed_page: str | None
    page_label: str
    passage_id: int
    uri: str
    heading: str
    quote: str
    score: float


class ProvisionCitedBy(_Open):
    doc_id: str
    title: str | None
    identifier: str | None
    count: int
    pages: list[int]


class ProvisionOut(_Open):
    canonical: str
    kind: str
    url: str
    as_written: str
    cited_elsewhere: int
    citing_documents: list[ProvisionCitedBy]


class ProposalOut(_Open):
    number: int
    label: str | None
    kind: str
    heading: str
    context: str | None
    text: str
    page: int
    printed_page: str | None
    passage_id: int | None
    evidence: list[EvidenceOut]
    provisions: list[ProvisionOut]
    requirements: list[Requirement]


class ConsultationDraft(_Open):
    document: dict[str, Any]
    proposals: list[ProposalOut]
    warnings: list[str]
    markdown: str = Field(description="The remissvar skeleton: one heading per proposal, a Ställningstagande line, evidence")
