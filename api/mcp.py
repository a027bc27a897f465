"""policykb over the Model Context Protocol: grounded knowledge for the AI assistants staff use.

One server object (`create_mcp_server`) and two transports:

- stdio, for a desktop assistant that starts `policykb mcp` itself (`cli/mcp_cmd.py`): the server
  opens the index for as long as a client is connected (`IndexAccess.lifespan`);
- streamable HTTP at `/mcp` of `policykb serve` (`mount_mcp`): the same tools read the API's own
  index snapshots (`api/state.py`), so an MCP call and a JSON call made at the same moment see the
  same corpus, and an upload's ingest is picked up by both.

Every tool is read-only and a thin layer over the core call the JSON API makes (search, passage
and document views, the reference parser, xref/cites/law, trace, consult). A user error of the
core (`PolicyKBError`: unknown document, bad reference, empty query …) becomes an MCP tool error
(`isError`) with the core's message, never a crash of the server; the index directory's path is
taken out of every message (`api.errors.public_message`), as in the JSON API.

Citations use the identifiers of DESIGN.md: doc ids (file names), integer passage ids, canonical
references (`SFS 2017:30 2 kap. 3 §`) and their lagen.nu links (`https://lagen.nu/2017:30#K2P3`),
which are the document URIs lagen.nu's own MCP server uses, so an assistant connected to both can
follow a provision from a care-policy passage to the statute.
"""

import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, ToolAnnotations
from pydantic import Field

from policykb import __version__
from policykb.errors import InputError, NotFoundError, PolicyKBError, StoreError
from policykb.query.pagelabel import page_label, page_range_label, unpaged_documents
from policykb.query.search import MAX_QUERY_CHARS, MAX_YEAR, MIN_YEAR
from policykb.store import Store

from policykb.api import mcp_models as m
from policykb.api.errors import public_message
from policykb.api.state import AppState, IndexSnapshot

log = logging.getLogger("policykb.mcp")

MCP_PATH = "/mcp"
SERVER_NAME = "policykb"
MAX_SEARCH_K = 50
DEFAULT_DOCUMENT_CHARS = 20_000
MAX_DOCUMENT_CHARS = 100_000
MARKDOWN_CACHE_SIZE = 8  # documents whose Markdown get_document keeps (for paging)
MAX_TEXT_CHARS = 200_000  # parse_references: a report chapter; longer texts go through the CLI or API
DOCUMENT_URI = "policykb://documents/{doc_id}"
PASSAGE_URI = "policykb://passages/{passage_id}"
DOCUMENTS_URI = "policykb://documents"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

INSTRUCTIONS = """\
policykb is a knowledge base of Swedish care-policy documents (SOU reports, government bills,
Socialstyrelsen reports and guidance, regulations) with every legal reference normalised. Answer
from it, and cite what you use: never invent a document, page or provision.

Identifiers:
- doc_id: the document's file name, e.g. "004_2be6a2c697e985af.txt" (list_documents lists them).
- passage_id: an integer from search results; get_passage(passage_id) gives the whole passage.
- Canonical references: acts "SFS 2017:30", chapters "SFS 2017:30 2 kap.", sections
  "SFS 2017:30 2 kap. 3 §" or "SFS 1993:387 9 §"; preparatory works "prop. 2019/20:164",
  "SOU 2020:19", "Ds 2023:23", "dir. 2020:5", "bet. 2019/20:SoU8"; agency regulations
  "HSLF-FS 2016:40", "SOSFS 2011:9". Tools accept any usual spelling ("2 kap. 3 § HSL",
  "hälso- och sjukvårdslagen", "SoL", "prop. 2019/20:164") and answer in canonical form.
- Every reference has a url: lagen.nu for statutes and preparatory works
  (https://lagen.nu/2017:30#K2P3 is SFS 2017:30 2 kap. 3 §) — the same URIs lagen.nu's own MCP
  server uses, so with both servers you can follow a provision to the statute text.
- Resources: policykb://documents/{doc_id} (the document as Markdown), policykb://passages/{id}.

Flow: search (Swedish works best; English is translated) → get_passage for the hits you use →
answer citing document title and identifier, page (page_label: the printed page number, "s. 117")
and provision (canonical form with its lagen.nu link). Use who_cites for "what relies on 2 kap. 3 §
HSL", trace_requirements for "what must the region do, and on what legal ground", document_cites
and law_provisions for the legal basis of a document or act, get_document to read a document in
parts (pass next_offset back as offset), draft_consultation for a remissvar (consultation
response) draft. Searches take filters: kind, publisher, year_from/year_to, doc_id, cites.
"""

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)

Reference = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description="A legal reference in any usual spelling: '2 kap. 3 § HSL', 'SFS 2017:30 2 kap. 3 §', "
        "'hälso- och sjukvårdslagen', 'SoL', 'prop. 2019/20:164', 'HSLF-FS 2016:40'",
    ),
]
DocId = Annotated[str, Field(min_length=1, max_length=500, description="Document id (list_documents), e.g. '004_2be6a2c697e985af.txt'")]
TextDate = Annotated[
    str | None,
    Field(
        pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$",
        description="Date of the text (YYYY, YYYY-MM or YYYY-MM-DD): decides which act an abbreviation such as "
        "SoL names (SFS 2001:453 before 2025-07-01, SFS 2025:400 after)",
    ),
]


# -- the index the tools read ------------------------------------------------------------------


class IndexAccess:
    """Where the tools get their index snapshot: the served API's state, or one of their own.

    Standalone (stdio, tests), the index is opened when the first client connects and closed when
    the last one leaves; the snapshot machinery of `api/state.py` still applies, so an ingest by
    another process is picked up within a second and a call never sees half of it.
    """

    def __init__(
        self,
        index_dir: str | Path,
        state: Callable[[], AppState] | None = None,
        *,
        request_timeout: float = 30.0,
        read_connections: int = 4,
    ):
        self.index_dir = Path(index_dir).resolve()
        self.request_timeout = request_timeout
        self._provided = state
        self._read_connections = read_connections
        self._own: AppState | None = None
        self._users = 0
        self._lock = threading.Lock()
        self.markdown_cache: OrderedDict[str, tuple[IndexSnapshot, Any, str]] = OrderedDict()
        self.cache_lock = threading.Lock()

    @asynccontextmanager
    async def lifespan(self, _server: MCPServer) -> AsyncIterator[None]:
        if self._provided is not None:
            yield None
            return
        await anyio.to_thread.run_sync(self._enter)
        try:
            yield None
        finally:
            await anyio.to_thread.run_sync(self._leave)

    def _enter(self) -> None:
        with self._lock:
            self._users += 1
            if self._own is None:
                state = AppState(self.index_dir, read_connections=self._read_connections)
                try:
                    state.open()
                except Exception as exc:  # the tools report it; a later ingest is picked up
                    log.error("the index in %s cannot be opened: %s", self.index_dir, exc)
                self._own = state

    def _leave(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._own is not None:
                self._own.close()
                self._own = None

    def state(self) -> AppState:
        state = self._provided() if self._provided is not None else self._own
        if state is None:
            raise StoreError("the index is not open: the MCP server is starting or stopping; retry in a moment")
        return state

    @contextmanager
    def snapshot(self) -> Iterator[IndexSnapshot]:
        with self.state().snapshot() as snapshot:
            yield snapshot

    @contextmanager
    def store(self) -> Iterator[Store]:
        with self.snapshot() as snapshot, snapshot.store(timeout=self.request_timeout) as store:
            yield store

    def public(self, message: str) -> str:
        return public_message(message, self.index_dir) or message


def _as_tool_errors(index: IndexAccess, fn: Callable[..., Any]) -> Callable[..., Any]:
    """The core's user errors as MCP tool errors (isError, the message for the model to read)."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PolicyKBError as exc:
            raise ToolError(index.public(str(exc))) from exc

    return run


# -- citation helpers --------------------------------------------------------------------------


def passage_uri(passage_id: int | None) -> str | None:
    return None if passage_id is None else PASSAGE_URI.format(passage_id=passage_id)


def document_uri(doc_id: str) -> str:
    return DOCUMENT_URI.format(doc_id=doc_id)


def citation_text(title: str | None, identifier: str | None, doc_id: str, where: str, publisher: str | None = None) -> str:
    """`Socialstyrelsen, Title (identifier), s. 117`: plain text (the assistant writes the Markdown)."""
    name = ", ".join(p for p in (publisher, title or doc_id) if p)
    if identifier:
        name += f" ({identifier})"
    return f"{name}, {where}" if where else name


def markdown_part(text: str, offset: int, max_chars: int) -> tuple[str, int]:
    """`text[offset:end]` of at most `max_chars`, ending at a paragraph (or line) break when one
    falls in the second half, so a part never stops in the middle of a sentence that fits."""
    end = min(len(text), offset + max_chars)
    if end < len(text):
        floor = offset + max_chars // 2
        for separator in ("\n\n", "\n"):
            cut = text.rfind(separator, floor, end)
            if cut >= 0:
                end = cut + len(separator)
                break
    return text[offset:end], end


# -- the server --------------------------------------------------------------------------------


def create_mcp_server(
    index_dir: str | Path,
    *,
    state: Callable[[], AppState] | None = None,
    request_timeout: float = 30.0,
) -> MCPServer:
    """The MCP server over `index_dir`: tools, resources, prompts and instructions.

    `state`: the served API's index state (`mount_mcp` passes the app's); without it the server
    opens the index itself while a client is connected.
    """
    index = IndexAccess(index_dir, state, request_timeout=request_timeout)
    with _root_logging_kept():
        server = _new_server(index)
    _register_tools(server, index)
    _register_resources(server, index)
    _register_prompts(server, index)
    return server


@contextmanager
def _root_logging_kept() -> Iterator[None]:
    """Building an `MCPServer` configures the root logger (`logging.basicConfig` with a Rich
    handler); the front ends own their logging (uvicorn's for `serve`, stderr lines for the CLI),
    so the root logger is put back as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _new_server(index: IndexAccess) -> MCPServer:
    return MCPServer(
        SERVER_NAME,
        title="policykb: svenska vård- och omsorgsdokument",
        description="Search, legal references, requirement tracing and remissvar drafts over Swedish care-policy documents",
        instructions=INSTRUCTIONS,
        version=__version__,
        lifespan=index.lifespan,
        log_level="WARNING",
    )


def _tool(server: MCPServer, index: IndexAccess, title: str, description: str) -> Callable[[Callable[..., Any]], Any]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        server.add_tool(
            _as_tool_errors(index, fn), name=fn.__name__, title=title, description=description,
            annotations=READ_ONLY.model_copy(update={"title": title}),
        )
        return fn

    return register


def _register_tools(server: MCPServer, index: IndexAccess) -> None:  # noqa: C901 - one closure per tool
    tool = functools.partial(_tool, server, index)

    @tool(
        "Sök i dokumenten · search passages",
        "Search the passages of every document (hybrid: words and meaning). Swedish queries work best; English "
        "is translated. Each hit has doc_id, title, identifier, the page to cite (page_label, e.g. 's. 117'), "
        "heading, the matching text, the references the passage makes (canonical form + lagen.nu url) and a "
        "passage_id for get_passage.\n"
        "Examples: query='vem ansvarar för rehabilitering i hemmet'; query='MAS ansvar läkemedel'; "
        "query='fast vårdkontakt', kind='guidance'; query='samordnad individuell plan', cites='2 kap. 7 § SoL'; "
        "query='delegering', publisher='Socialstyrelsen', year_from=2020.",
    )
    def search(
        query: Annotated[str, Field(max_length=MAX_QUERY_CHARS, description="What to look for, e.g. 'hemsjukvård läkarinsatser'")],
        k: Annotated[int, Field(ge=1, le=MAX_SEARCH_K, description=f"How many hits (1–{MAX_SEARCH_K})")] = 10,
        mode: Annotated[Literal["hybrid", "lexical", "dense"], Field(description="hybrid (default), lexical (words) or dense (meaning)")] = "hybrid",
        kind: Annotated[str | None, Field(description="Only documents of this kind: report, guidance, proposition, sou, regulation …")] = None,
        publisher: Annotated[str | None, Field(description="Only documents from this publisher, e.g. 'Socialstyrelsen'")] = None,
        year_from: Annotated[int | None, Field(ge=MIN_YEAR, le=MAX_YEAR, description="Only documents dated this year or later")] = None,
        year_to: Annotated[int | None, Field(ge=MIN_YEAR, le=MAX_YEAR, description="Only documents dated this year or earlier")] = None,
        doc_id: Annotated[str | None, Field(description="Only this document (doc id or identifier such as 'SOU 2020:19')")] = None,
        cites: Annotated[str | None, Field(max_length=200, description="Only passages citing this reference, e.g. 'HSL' or '12 kap. 1 § HSL'")] = None,
    ) -> m.SearchResult:
        from policykb.query.documents import passage_references
        from policykb.query.search import Filters

        if not query.strip():
            raise ToolError("the query is empty: give some words to look for, e.g. 'rehabilitering i hemmet'")
        filters = Filters(kind=kind, publisher=publisher, year_from=year_from, year_to=year_to, doc=doc_id, cites=cites)
        warnings: list[str] = []
        with index.snapshot() as snapshot:
            searcher = snapshot.searcher
            if searcher is None:
                raise StoreError(
                    snapshot.search_error
                    or "the index has no passages to search yet: documents must be ingested first (`policykb ingest`)"
                )
            with snapshot.store(timeout=index.request_timeout) as store, searcher.using(store.conn):
                hits = searcher.search(query, k=k, mode=mode, filters=filters, warn=warnings.append)
                references = passage_references(store, [hit.passage_id for hit in hits])
                publishers = {doc: getattr(store.get_document(doc), "publisher", None) for doc in {h.doc_id for h in hits}}
        out = []
        for hit in hits:
            where = page_range_label(hit.pages, hit.printed_pages, hit.paged)
            out.append(
                m.McpSearchHit(
                    **{
                        **hit.to_dict(),
                        "page_label": where,  # the hit's whole page range, e.g. "s. 18–19"
                        "citation": citation_text(hit.title, hit.identifier, hit.doc_id, where, publishers[hit.doc_id]),
                        "uri": passage_uri(hit.passage_id),
                        "references": references.get(hit.passage_id, []),
                    }
                )
            )
        return m.SearchResult(query=query, mode=mode, k=k, hits=out, warnings=[index.public(w) for w in warnings])

    @tool(
        "Läs ett stycke · get a passage",
        "One passage in full, as the document has it: text, heading path, pages (page_label is what to cite), "
        "its footnotes, the references it makes (canonical form + lagen.nu url, with offsets into the text) and "
        "the entities it mentions (ROLE:MAS, PLAN:SIP, ORG:IVO …). Use the passage_id of a search hit. "
        "Example: passage_id=412.",
    )
    def get_passage(
        passage_id: Annotated[int, Field(ge=1, description="The passage_id of a search hit, who_cites hit or trace row")],
    ) -> m.PassageResult:
        return _passage(index, passage_id)

    @tool(
        "Läs ett dokument · read a document",
        "A document's text as Markdown, in parts: headings, paragraphs, tables and footnotes, with page breaks "
        "marked <!-- PDF page 12, s. 117 --> (cite the printed number after 's.'). Read on by passing "
        "next_offset back as offset until truncated is false. "
        "Example: doc_id='004_2be6a2c697e985af.txt', offset=0, max_chars=20000.",
    )
    def get_document(
        doc_id: DocId,
        offset: Annotated[int, Field(ge=0, description="Where to start, in characters (0, or a previous next_offset)")] = 0,
        max_chars: Annotated[
            int, Field(ge=1_000, le=MAX_DOCUMENT_CHARS, description=f"At most this many characters (1,000–{MAX_DOCUMENT_CHARS:,})")
        ] = DEFAULT_DOCUMENT_CHARS,
    ) -> m.DocumentPage:
        with index.snapshot() as snapshot:
            meta, markdown = _document_markdown(index, snapshot, doc_id)
        if offset > len(markdown):
            raise ToolError(
                f"offset {offset} is past the end of {doc_id} ({len(markdown)} characters); start again at offset 0"
            )
        part, end = markdown_part(markdown, offset, max_chars)
        more = end < len(markdown)
        return m.DocumentPage(
            doc_id=meta.doc_id, title=meta.title, identifier=meta.identifier, publisher=meta.publisher,
            date=meta.date, kind=meta.kind, uri=document_uri(meta.doc_id), offset=offset,
            next_offset=end if more else None, truncated=more, total_chars=len(markdown), markdown=part,
        )

    @tool(
        "Lista dokumenten · list documents",
        "Every document in the index: doc_id, title, identifier (SOU/prop./Socialstyrelsen article number), kind, "
        "publisher, date, pages and passages. Examples: no arguments for all; kind='guidance'; "
        "publisher='Socialstyrelsen'.",
    )
    def list_documents(
        kind: Annotated[str | None, Field(description="Only this kind, e.g. 'report', 'guidance', 'sou'")] = None,
        publisher: Annotated[str | None, Field(description="Only documents whose publisher contains this, e.g. 'Socialstyrelsen'")] = None,
    ) -> m.DocumentListing:
        with index.store() as store:
            rows = store.list_documents()
        chosen = [
            row for row in rows
            if (kind is None or (row.get("kind") or "").lower() == kind.strip().lower())
            and (publisher is None or publisher.strip().lower() in (row.get("publisher") or "").lower())
        ]
        documents = [m.DocumentEntry(**row, uri=document_uri(row["doc_id"])) for row in chosen]
        return m.DocumentListing(count=len(documents), documents=documents)

    @tool(
        "Tolka hänvisningar · parse references",
        "Find the legal and document references in a Swedish text and normalise them: canonical form, kind and "
        "link (lagen.nu for statutes, bills and SOU reports). Lists and ranges give one reference per section. "
        "Example: text='enligt 5 kap. 1 och 4 §§ HSL samt prop. 2019/20:164 s. 11' → SFS 2017:30 5 kap. 1 §, "
        "SFS 2017:30 5 kap. 4 §, prop. 2019/20:164 (page 11 in detail).",
    )
    def parse_references(
        text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS, description="Swedish text with references")],
        date: TextDate = None,
    ) -> m.ParsedReferences:
        from policykb.legal import find_references

        if not text.strip():
            raise ToolError("the text is empty: give the sentence or paragraph whose references you want, e.g. '2 kap. 3 § HSL'")
        refs = find_references(text, date=date)
        return m.ParsedReferences(count=len(refs), references=[ref.to_dict(with_detail=True) for ref in refs])

    @tool(
        "Vem hänvisar hit · who cites a provision",
        "Every passage in the corpus that cites a provision or document, grouped by document, with page, heading, "
        "the citing sentence (or footnote) and the provisions as written. An act or chapter also finds its "
        "sections. Examples: reference='2 kap. 3 § HSL'; reference='SFS 2010:659'; reference='prop. 2019/20:164'; "
        "reference='patientsäkerhetslagen'.",
    )
    def who_cites(
        reference: Reference,
        max_hits: Annotated[int, Field(ge=1, le=500, description="At most this many citing passages in the answer")] = 50,
        date: TextDate = None,
    ) -> m.WhoCites:
        from policykb.query.xref import unknown_act_message, xref

        with index.store() as store:
            result = xref(store, reference, date=date)
            unpaged = unpaged_documents(store.conn)
        message = unknown_act_message(result)
        if message:
            raise ToolError(message)
        shown = 0
        documents = []
        for doc in result["documents"]:
            hits = []
            for hit in doc["hits"]:
                if shown >= max_hits:
                    break
                shown += 1
                where = page_label(hit["page"], hit["printed_page"], doc["doc_id"] not in unpaged)
                hits.append({**hit, "page_label": where, "uri": passage_uri(hit["passage_id"])})
            documents.append({**doc, "hits": hits, "uri": document_uri(doc["doc_id"])})
        total_hits = sum(len(doc["hits"]) for doc in result["documents"])
        return m.WhoCites(
            query=result["query"], targets=result["targets"], citations=result["citations"], documents=documents,
            shown_hits=shown, truncated=shown < total_hits,
        )

    @tool(
        "Vad hänvisar dokumentet till · what a document cites",
        "The legal basis of one document: the acts it cites with their provisions (most cited first, with "
        "lagen.nu links), the other documents it cites (bills, SOU reports, regulations), which of those are "
        "themselves in the index, and which documents of the index cite it. "
        "Example: doc_id='004_2be6a2c697e985af.txt'.",
    )
    def document_cites(doc_id: DocId) -> m.DocumentCites:
        from policykb.query.xref import cites

        with index.store() as store:
            return m.DocumentCites(**cites(store, doc_id))

    @tool(
        "Lagrum som citeras · provisions of an act",
        "Every provision of one act (or agency regulation) that the corpus cites, most cited first, with the "
        "number of citations and of citing documents, and chapter totals. Examples: act='HSL'; act='SoL'; "
        "act='SFS 2010:659'; act='patientlagen'; act='HSLF-FS 2016:40'.",
    )
    def law_provisions(
        act: Annotated[str, Field(min_length=1, max_length=200, description="An act by abbreviation, name or SFS number, or an agency regulation")],
        date: TextDate = None,
    ) -> m.LawProvisions:
        from policykb.query.xref import law

        with index.store() as store:
            return m.LawProvisions(**law(store, act, date=date))

    @tool(
        "Krav och deras rättsliga grund · trace requirements",
        "Requirements (ska/bör/får/måste sentences) with their modality, actor and the provisions they rest on "
        "(canonical + lagen.nu link), inline or through a footnote. Filter by document, actor, modality and "
        "source provision (hierarchy-aware: 'HSL' finds any section of HSL). Examples: actor='region', "
        "modality='obligation'; source='12 kap. 1 § HSL'; doc_id='004_2be6a2c697e985af.txt', actor='kommun'.",
    )
    def trace_requirements(
        doc_id: Annotated[str | None, Field(description="Only this document")] = None,
        actor: Annotated[str | None, Field(description="Only this actor: region, kommun, vårdgivare, MAS, Socialstyrelsen …")] = None,
        modality: Annotated[
            Literal["obligation", "permission", "prohibition", "recommendation", "right"] | None,
            Field(description="obligation (ska), permission (får), prohibition (får inte), recommendation (bör), right"),
        ] = None,
        source: Annotated[str | None, Field(max_length=200, description="Only requirements resting on this provision, e.g. '2 kap. 3 § HSL'")] = None,
        limit: Annotated[int, Field(ge=1, le=500, description="At most this many rows")] = 50,
    ) -> m.TraceResult:
        from policykb.query.trace import trace

        with index.store() as store:
            rows = trace(store, doc_id=doc_id, actor=actor, modality=modality, source=source)
            unpaged = unpaged_documents(store.conn)
        shown = [
            {
                **row,
                "page_label": page_label(row["page"], row["printed_page"], row["doc_id"] not in unpaged),
                "uri": passage_uri(row["passage_id"]),
            }
            for row in rows[:limit]
        ]
        return m.TraceResult(total=len(rows), truncated=len(rows) > limit, rows=shown)

    @tool(
        "Remissvar: utkast · draft a consultation response",
        "The groundwork for a remissvar on a proposal document (a remiss): its proposals, each with the strongest "
        "passages of other documents (quoted with page), the provisions it cites and who else cites them, the "
        "requirements resting on those provisions; plus `markdown`, a remissvar skeleton with a "
        "'Ställningstagande:' line per proposal. Slow for a long remiss (a search per proposal). "
        "Example: doc_id='003_98179518a3d1e638.txt', evidence=3.",
    )
    def draft_consultation(
        doc_id: DocId,
        evidence: Annotated[int, Field(ge=0, le=10, description="Evidence passages per proposal")] = 3,
        max_proposals: Annotated[int, Field(ge=1, le=200, description="At most this many proposals")] = 50,
    ) -> m.ConsultationDraft:
        from policykb.consult import consult, render_markdown

        with index.snapshot() as snapshot:
            searcher = snapshot.searcher
            with snapshot.store(timeout=index.request_timeout) as store, (
                searcher.using(store.conn) if searcher is not None else nullcontext()
            ):
                result = consult(store, doc_id, searcher=searcher, evidence=evidence, max_proposals=max_proposals)
        data = result.to_dict()
        for proposal in data["proposals"]:
            for item in proposal["evidence"]:
                item["page_label"] = page_label(item["page"], item["printed_page"], item["doc_id"] not in result.unpaged)
                item["uri"] = passage_uri(item["passage_id"])
            for row in proposal["requirements"]:
                row["page_label"] = page_label(row.get("page"), row.get("printed_page"), row.get("doc_id") not in result.unpaged)
                row["uri"] = passage_uri(row.get("passage_id"))
        return m.ConsultationDraft(
            document=data["document"], proposals=data["proposals"],
            warnings=[index.public(w) for w in data["warnings"]], markdown=render_markdown(result),
        )


def _passage(index: IndexAccess, passage_id: int) -> m.PassageResult:
    from policykb.query.documents import passage_detail

    with index.store() as store:
        detail = passage_detail(store, passage_id)
        meta = store.get_document(detail["doc_id"])
        paged = detail["doc_id"] not in unpaged_documents(store.conn)
    where = page_range_label(detail["pages"], detail["printed_pages"], paged)
    publisher = meta.publisher if meta else None
    return m.PassageResult(
        **detail,
        publisher=publisher,
        page_label=where,
        citation=citation_text(detail["title"], detail["identifier"], detail["doc_id"], where, publisher),
        uri=passage_uri(passage_id),
        document_uri=document_uri(detail["doc_id"]),
    )


def _document_markdown(index: IndexAccess, snapshot: IndexSnapshot, doc_id: str) -> tuple[Any, str]:
    """The document's metadata and whole Markdown (`query.export`), as of `snapshot`.

    The last few are kept per snapshot: paging through a long document asks for the same text
    again and again, and rendering it is most of the cost of a call. An entry is used only for
    the very snapshot it was read from (identity, not generation: a reopened index counts its
    generations from 1 again), so a re-ingested document is never served stale."""
    from policykb.query.export import export_document

    cache = index.markdown_cache
    with index.cache_lock:
        found = cache.get(doc_id)
        if found is not None and found[0] is snapshot:
            cache.move_to_end(doc_id)
            return found[1], found[2]
    with snapshot.store(timeout=index.request_timeout) as store:
        meta = store.require_document(doc_id)
        markdown = export_document(store, doc_id, "md")
    with index.cache_lock:
        cache[doc_id] = (snapshot, meta, markdown)
        cache.move_to_end(doc_id)
        while len(cache) > MARKDOWN_CACHE_SIZE:
            cache.popitem(last=False)
    return meta, markdown


# -- resources ---------------------------------------------------------------------------------


def _register_resources(server: MCPServer, index: IndexAccess) -> None:
    def not_found(exc: PolicyKBError) -> ResourceNotFoundError:
        return ResourceNotFoundError(index.public(str(exc)))

    @server.resource(
        DOCUMENTS_URI, name="documents", title="Dokumenten i kunskapsbasen",
        description="Every document in the index (doc_id, title, identifier, kind, publisher, date)",
        mime_type="application/json",
    )
    def documents() -> str:
        with index.store() as store:
            rows = store.list_documents()
        listing = m.DocumentListing(
            count=len(rows), documents=[m.DocumentEntry(**row, uri=document_uri(row["doc_id"])) for row in rows]
        )
        return listing.model_dump_json()

    @server.resource(
        DOCUMENT_URI, name="document", title="Ett dokument som Markdown",
        description="The whole document as Markdown, with <!-- PDF page N, s. P --> page marks and its footnotes",
        mime_type="text/markdown",
    )
    def document(doc_id: str) -> str:
        try:
            with index.snapshot() as snapshot:
                return _document_markdown(index, snapshot, doc_id)[1]
        except (NotFoundError, InputError) as exc:
            raise not_found(exc) from exc

    @server.resource(
        PASSAGE_URI, name="passage", title="Ett stycke med fotnoter och hänvisningar",
        description="One passage as JSON: text, pages, heading, footnotes, references (canonical + url), entities",
        mime_type="application/json",
    )
    def passage(passage_id: str) -> str:
        try:
            number = int(passage_id)
        except ValueError:
            raise ResourceNotFoundError(f"{passage_id!r} is not a passage id: passage ids are whole numbers from search results") from None
        try:
            return _passage(index, number).model_dump_json()
        except (NotFoundError, InputError) as exc:
            raise not_found(exc) from exc


# -- prompts -----------------------------------------------------------------------------------


def _prompt_error(index: IndexAccess, exc: PolicyKBError) -> MCPError:
    """A prompt argument the core refuses (unknown document, bad reference): an invalid-params
    error with the core's message (any other exception would reach the client as "internal error")."""
    return MCPError(code=INVALID_PARAMS, message=index.public(str(exc)))


def _register_prompts(server: MCPServer, index: IndexAccess) -> None:
    @server.prompt(
        name="remissvar", title="Skriv ett remissvar",
        description="Draft a remissvar (consultation response) on a proposal document for an organisation, "
        "grounded in the corpus and citing document, page and provision",
    )
    def remissvar(
        document: Annotated[str, Field(description="Doc id of the remiss, e.g. '003_98179518a3d1e638.txt'")],
        organisation: Annotated[str, Field(description="Who answers, e.g. 'Region Västerbotten' or 'Umeå kommun'")],
    ) -> str:
        try:
            with index.store() as store:
                meta = store.require_document(document.strip())
        except PolicyKBError as exc:
            raise _prompt_error(index, exc) from exc
        name = meta.title or meta.doc_id
        ident = f" ({meta.identifier})" if meta.identifier else ""
        return (
            f"Skriv ett remissvar från {organisation} på remissen ”{name}”{ident} (doc_id {meta.doc_id}).\n\n"
            f"1. Anropa draft_consultation med doc_id='{meta.doc_id}'. Den ger förslagen, underlag från andra "
            "dokument, lagrummen varje förslag hänvisar till och kraven som vilar på dem, samt ett Markdown-utkast.\n"
            "2. Läs de underlag du vill använda i sin helhet med get_passage(passage_id), och sök vid behov mer "
            "med search (på svenska).\n"
            f"3. Ta ställning till varje förslag ur {organisation}s perspektiv: tillstyrker, avstyrker, "
            "tillstyrker med ändringar eller inga synpunkter, med en kort motivering.\n"
            "4. Belägg varje påstående: dokumentets titel och beteckning, sidan (page_label, t.ex. ”s. 117”) och "
            "lagrummet i kanonisk form med sin lagen.nu-länk (t.ex. SFS 2017:30 2 kap. 3 §, "
            "https://lagen.nu/2017:30#K2P3). Hitta inte på källor; saknas underlag, säg det.\n"
            "5. Följ utkastets rubriker (en per förslag) och lämna det som ett färdigt remissvar i Markdown."
        )

    @server.prompt(
        name="trace_provision", title="Spåra ett lagrum",
        description="Trace what in the corpus rests on one provision: who cites it, which requirements it "
        "grounds, and how it is used, with citations",
    )
    def trace_provision(
        reference: Annotated[str, Field(description="A provision in any usual spelling, e.g. '2 kap. 3 § HSL' or '12 kap. 1 § HSL'")],
    ) -> str:
        from policykb.query.xref import parse_targets, provision_url

        try:
            targets = parse_targets(reference)
        except PolicyKBError as exc:
            raise _prompt_error(index, exc) from exc
        named = "; ".join(f"{t.canonical} ({provision_url(t.canonical, t.url)})" for t in targets)
        first = targets[0].canonical
        return (
            f"Spåra lagrummet {reference.strip()} — kanoniskt: {named} — genom kunskapsbasen.\n\n"
            f"1. who_cites(reference='{first}'): vilka dokument och stycken hänvisar dit, och med vilken mening.\n"
            f"2. trace_requirements(source='{first}'): vilka krav (ska/bör/får) vilar på lagrummet, för vilken "
            "aktör.\n"
            "3. law_provisions för lagen som helhet: hur lagrummet står sig mot lagens andra paragrafer.\n"
            "4. get_passage för de viktigaste träffarna, så att du citerar ordagrant.\n\n"
            "Sammanfatta: vad lagrummet kräver enligt dokumenten, vem som bär ansvaret, och var dokumenten "
            "skiljer sig åt. Ange för varje påstående dokument (titel och beteckning), sida (page_label) och "
            "lagrum i kanonisk form med lagen.nu-länk."
        )


# -- streamable HTTP in the FastAPI app --------------------------------------------------------


def transport_security(bind_host: str, allowed_hosts: tuple[str, ...] | list[str] = ()) -> TransportSecuritySettings:
    """DNS-rebinding protection for `/mcp`: on when the server listens on a loopback address (a web
    page the user visits must not reach it through a rebound name), and on for exactly the given
    host names when some are configured (a server behind a proxy: `POLICYKB_MCP_ALLOWED_HOSTS`).
    Bound to another address with none configured it is off: any Host header is accepted."""
    names = [h.strip() for h in allowed_hosts if h.strip()]
    if not names and bind_host not in LOOPBACK_HOSTS:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost", "[::1]"]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*",
               "http://127.0.0.1", "http://localhost", "http://[::1]"]
    for name in names:
        # "kb.example.org" allows any port of that name; "kb.example.org:8443" only that port.
        has_port = name.rsplit(":", 1)[-1].isdigit() and not name.endswith("]")
        hosts += [name] if has_port else [name, f"{name}:*"]
        for scheme in ("https", "http"):
            origins += [f"{scheme}://{name}"] if has_port else [f"{scheme}://{name}", f"{scheme}://{name}:*"]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)


class McpEndpoint:
    """`/mcp` of the FastAPI app: the ASGI endpoint of the MCP server's streamable HTTP transport.

    `running()` belongs in the app's lifespan: it starts a session manager (the SDK allows one
    run per manager, so each lifespan gets a new one) and stops it, closing the open sessions,
    when the app shuts down. Between lifespans the endpoint answers 503.
    """

    def __init__(self, server: MCPServer, settings: Any):
        self.server = server
        self.security = transport_security(settings.host, settings.mcp_allowed_hosts)
        self.host = settings.host
        self._asgi: Any = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        from mcp.server.streamable_http_manager import StreamableHTTPASGIApp

        self.server.streamable_http_app(streamable_http_path=MCP_PATH, transport_security=self.security, host=self.host)
        manager = self.server.session_manager
        async with manager.run():
            self._asgi = StreamableHTTPASGIApp(manager)
            try:
                yield
            finally:
                self._asgi = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._asgi is None:
            from policykb.api.middleware import send_json_error

            await send_json_error(send, 503, "the MCP server is not running (the API is starting or stopping); retry in a moment")
            return
        await self._asgi(scope, receive, send)


def mount_mcp(app: Any, settings: Any) -> McpEndpoint:
    """Add `/mcp` (streamable HTTP) to the FastAPI `app`, over the app's own index state.

    The returned endpoint's `running()` must be entered in the app's lifespan.
    """
    from starlette.routing import Route

    server = create_mcp_server(settings.index_dir, state=lambda: app.state.index, request_timeout=settings.request_timeout)
    endpoint = McpEndpoint(server, settings)
    # The route itself, not a mount: a mount would answer `/mcp` with a redirect to `/mcp/`.
    app.router.routes.append(Route(MCP_PATH, endpoint=endpoint))
    return endpoint
