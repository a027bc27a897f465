"""Request and response models: the JSON shapes of DESIGN.md, with Swedish examples for /docs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SearchMode = Literal["hybrid", "lexical", "dense"]


class Problem(BaseModel):
    detail: str = Field(examples=["no document with id 'okänd.pdf' in index (list them with `policykb docs`)"])


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Bad input: what was wrong and what to do"},
    404: {"model": Problem, "description": "No such document, passage or job"},
    422: {"model": Problem, "description": "A parameter is missing or out of range"},
    503: {"model": Problem, "description": "No index yet, or the server is busy"},
}


# -- health and stats ------------------------------------------------------------------------


class IngestQueue(BaseModel):
    running: str | None = Field(None, description="Id of the job being ingested now")
    queued: int = 0


class Health(BaseModel):
    status: Literal["ok", "empty", "error"] = Field(
        description="ok: an index is served; empty: no documents yet; error: the index cannot be opened"
    )
    version: str
    documents: int
    passages: int
    search: bool = Field(description="Whether passage search is available")
    vectors: Literal["current", "stale", "none"] = Field(
        "none",
        description="current: dense search is on; stale: the vectors lag the store (an interrupted ingest) and "
        "search is lexical until `policykb ingest` repairs them; none: no index is served",
    )
    writes_enabled: bool = Field(description="Whether uploads are accepted (POLICYKB_API_KEY is set)")
    snapshot: int = Field(description="Generation of the index snapshot served; grows after each ingest")
    ingest: IngestQueue
    error: str | None = None


class Stats(BaseModel):
    documents: int
    pages: int
    unread_pages: int
    blocks: int
    footnotes: int
    passages: int
    references: int
    mentions: int
    schema_version: int
    model_config = ConfigDict(extra="allow")


# -- search ----------------------------------------------------------------------------------


class SearchHit(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "rank": 1,
                    "score": 0.0331,
                    "passage_id": 412,
                    "doc_id": "004_2be6a2c697e985af.txt",
                    "title": "Hälso- och sjukvård i hemmet – kunskapsstöd",
                    "identifier": None,
                    "pages": [17],
                    "heading": "Ansvar för hälso- och sjukvård i hemmet",
                    "text": "Regionen ska avsätta de läkarresurser som behövs till kommunen …",
                    "highlights": [[0, 8], [27, 40]],
                    "span": [0, 212],
                    "best_sentence": "Regionen ska avsätta de läkarresurser som behövs till kommunen.",
                    "best_sentence_span": [0, 64],
                }
            ]
        },
    )
    rank: int
    score: float
    passage_id: int
    doc_id: str
    title: str | None
    identifier: str | None
    pages: list[int] = Field(description="0-based page indexes the passage spans")
    heading: str
    text: str = Field(description="the segment of the passage that matched (a few sentences)")
    highlights: list[tuple[int, int]] = Field(
        default_factory=list, description="[start, end) offsets in `text` of the words that matched"
    )
    span: tuple[int, int] | None = Field(
        default=None, description="[start, end) offsets of `text` in the passage's full text (/passages/{id})"
    )
    best_sentence: str = Field(default="", description="the sentence of `text` that carries the match")
    best_sentence_span: tuple[int, int] | None = Field(
        default=None, description="[start, end) offsets of `best_sentence` in `text`"
    )


class SearchResponse(BaseModel):
    query: str | None
    like: int | None = None  # the passage id of a more-like-this search (then `query` is null)
    mode: SearchMode
    k: int
    hits: list[SearchHit]
    warnings: list[str] = Field(default_factory=list)


# -- documents and passages ------------------------------------------------------------------


class DocumentSummary(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "doc_id": "003_98179518a3d1e638.txt",
                    "title": "Förslag: Nationell strategi och handlingsplan för rehabilitering och habilitering",
                    "identifier": "2026-5-10283",
                    "kind": "report",
                    "publisher": "Socialstyrelsen",
                    "date": "2026-05",
                    "language": "sv",
                    "source_format": "txt",
                    "page_count": 1,
                    "passages": 79,
                    "ingested_at": "2026-05-20T08:12:03Z",
                }
            ]
        }
    )
    doc_id: str
    title: str | None
    identifier: str | None
    kind: str | None
    publisher: str | None
    date: str | None
    language: str | None
    source_format: str
    page_count: int
    passages: int
    ingested_at: str | None = None


class DocumentList(BaseModel):
    documents: list[DocumentSummary]


class OutlineEntry(BaseModel):
    level: int | None = Field(description="Heading level when known (1 = chapter)")
    text: str
    page: int = Field(description="0-based page index")
    printed: str | None = Field(description="The page number printed on that page, if any")


class CitedReference(BaseModel):
    canonical: str = Field(examples=["SFS 2017:30 12 kap. 1 §"])
    kind: str
    url: str
    count: int


class ReferenceCounts(BaseModel):
    total: int
    by_kind: dict[str, int]
    cited: list[CitedReference] = Field(description="Every reference the document makes, most cited first")


class DocumentDetail(DocumentSummary):
    sha256: str
    size_bytes: int
    unread_pages: int
    warnings: list[str]
    outline: list[OutlineEntry]
    references: ReferenceCounts
    entities: dict[str, int] = Field(description="Entity label → number of mentions")


class ReferenceOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    start: int
    end: int
    text: str
    kind: str
    canonical: str
    url: str


class EntityOut(BaseModel):
    start: int
    end: int
    text: str
    label: str


class FootnoteOut(BaseModel):
    number: int
    text: str
    references: list[ReferenceOut] = Field(default_factory=list)
    entities: list[EntityOut] = Field(default_factory=list)


class PassageDetail(BaseModel):
    passage_id: int
    doc_id: str
    title: str | None
    identifier: str | None
    ordinal: int
    pages: list[int]
    printed_pages: list[str | None]
    heading: str
    heading_path: list[str]
    text: str
    footnotes: list[FootnoteOut]
    references: list[ReferenceOut] = Field(description="References in `text` (offsets into it)")
    entities: list[EntityOut] = Field(description="Entity mentions in `text` (offsets into it)")


# -- text analysis ---------------------------------------------------------------------------


class TextIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "text": "Regionen ska enligt 12 kap. 1 och 3 §§ och 16 kap. 1 § HSL avsätta läkarresurser; "
                    "MAS:en ansvarar för att SIP upprättas.",
                    "date": "2024-05-01",
                }
            ]
        }
    )
    text: str = Field(min_length=1, description="Swedish text to analyse")
    date: str | None = Field(
        None,
        pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$",
        description="Date of the text (YYYY, YYYY-MM or YYYY-MM-DD): decides which act an abbreviation "
        "such as SoL names",
    )


class ReferencesOut(BaseModel):
    references: list[ReferenceOut]


class EntitiesOut(BaseModel):
    entities: list[EntityOut]


# -- trace -----------------------------------------------------------------------------------


class TraceRow(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "doc_id": "004_2be6a2c697e985af.txt",
                    "passage_id": 512,
                    "page": 23,
                    "sentence": "Regionen ska avsätta de läkarresurser som behövs till kommunen.",
                    "modality": "obligation",
                    "actor": "region",
                    "sources": ["SFS 2017:30 12 kap. 1 §", "SFS 2017:30 12 kap. 3 §", "SFS 2017:30 16 kap. 1 §"],
                    "via": "footnote",
                }
            ]
        },
    )
    doc_id: str
    passage_id: int | None
    page: int | None
    sentence: str
    modality: str
    actor: str | None
    sources: list[str]
    via: str | None


class TraceOut(BaseModel):
    rows: list[TraceRow]


# -- uploads, removals and jobs --------------------------------------------------------------


class Removed(BaseModel):
    removed: list[str] = Field(description="The ids of the documents taken out", examples=[["remiss-2026.pdf"]])
    passages: int = Field(description="How many passages went with them")
    totals: dict[str, int] = Field(description="What the index holds now (as GET /stats counts it)")


class JobProgress(BaseModel):
    stage: str | None = None
    done: int = 0
    total: int = 0
    item: str | None = None


class JobFile(BaseModel):
    name: str = Field(description="The file name the client sent (shown only; never used as a path)")
    stored_as: str = Field(description="Where the server keeps the file, relative to the index directory")
    size_bytes: int
    content_type: Literal["pdf", "docx", "text"]
    status: Literal["queued", "ingested", "unchanged", "duplicate", "failed"]
    doc_id: str | None = None
    error: str | None = None


class Job(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "job_id": "9f1c2a7e5b3d4c60",
                    "status": "done",
                    "created_at": "2026-05-20T08:12:03Z",
                    "started_at": "2026-05-20T08:12:03Z",
                    "finished_at": "2026-05-20T08:12:41Z",
                    "progress": {"stage": "embed", "done": 412, "total": 412, "item": None},
                    "files": [
                        {
                            "name": "remiss-rehabilitering.pdf",
                            "stored_as": "uploads/9f1c2a7e5b3d4c60/01-3b9e0d.pdf",
                            "size_bytes": 1843221,
                            "content_type": "pdf",
                            "status": "ingested",
                            "doc_id": "01-3b9e0d.pdf",
                            "error": None,
                        }
                    ],
                    "warnings": [],
                    "error": None,
                }
            ]
        }
    )
    job_id: str
    status: Literal["queued", "running", "done", "failed"]
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    progress: JobProgress
    files: list[JobFile]
    warnings: list[str] = Field(default_factory=list)
    error: str | None = None


# -- consultation ----------------------------------------------------------------------------


class ConsultationIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"doc_id": "003_98179518a3d1e638.txt", "evidence": 3},
                {"job_id": "9f1c2a7e5b3d4c60"},
            ]
        }
    )
    doc_id: str | None = Field(None, description="Id of an ingested proposal document")
    job_id: str | None = Field(None, description="Or: the upload job that ingested it")
    evidence: int = Field(3, ge=0, le=10, description="Evidence passages per proposal")
    max_proposals: int = Field(200, ge=1, le=500)
    mode: SearchMode = "hybrid"
    answers: dict[str, Any] | None = Field(
        None,
        description='Answers filled into the draft: {"PROPOSAL_ID": {"position": "tillstyrker", "motivation": "…"}}, '
        'plus "_remissinstans", "_datum", "_sammanfattning", "_ovriga" as strings',
    )


class ConsultationOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    document: dict[str, Any]
    proposals: list[dict[str, Any]]
    markdown: str
