"""consult(store, doc_id, searcher) -> Consultation: the groundwork for a remissvar.

A proposal document (a remiss) is split into its proposals; for each the corpus is asked three
things: what do *other* documents say about it (hybrid search), which legal provisions does it
cite and who else cites them (the citation graph), and which requirements rest on those
provisions (the trace). The result renders as JSON or as a Markdown remissvar skeleton with
one heading per proposal, a `Ställningstagande:` line to fill in, and the evidence quoted with
full citations.

Finding proposals: remisser state them in a few recognisable ways, and all are looked for:
- a table with a column headed `Förslag …` / `Åtgärd …` / `Rekommendation …`: each row;
- the same table flattened into running text by extraction: a paragraph that opens with such
  a header and continues with numbered goals (`1.1`, `1.1.1`): each deepest-numbered part;
- a paragraph labelled `Förslag:`, `Förslag 3:`, `Rekommendation 2.` …;
- under a heading such as `Utredningens förslag` or `Förslag till lag …`: its numbered or
  bulleted items, or else the section itself;
- anywhere else, a sentence in which someone proposes or recommends (`Socialstyrelsen
  föreslår att …`, `Strategin föreslås gälla i 8 år`), except relative clauses about proposals
  (`de aktiviteter som föreslås`) and announcements of a list (`föreslår flera aktiviteter`).
Summaries, tables of contents and reference lists are skipped: they repeat or list, not propose.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from policykb.errors import NotFoundError
from policykb.query.pagelabel import page_label, unpaged_documents
from policykb.store import Store

ProgressCallback = Callable[[str, int, int, str], None]

PROPOSAL_HEADING = re.compile(
    r"\b(förslag|författningsförslag|rekommendation(?:er)?|åtgärdsförslag|vi föreslår|föreslår)\b", re.I
)
SKIP_SECTION = re.compile(
    r"^\s*(innehåll(?:sförteckning)?|förord|sammanfattning|summary|referenser|källor|litteratur(?:förteckning)?|"
    r"bilagor?|deltagare|externa granskare|projektdeltagare|projektledning|kunskapsstöd inom)\b",
    re.I,
)
LABELLED = re.compile(
    r"^\s*(?:(?:utredningens|vårt|våra|myndighetens|socialstyrelsens)\s+)?"
    r"(?P<word>förslag|rekommendation|åtgärd|åtgärdsförslag)(?:\s+(?P<num>\d+(?:\.\d+)*))?\s*[:.–—-]\s+(?=\S)",
    re.I,
)
LABEL_HINT = re.compile(r"\b(förslag|rekommendation|åtgärd|åtgärdsförslag)(\s+\d+(\.\d+)*)?\s*[:.–—-]\s", re.I)
NUMBERED_ITEM = re.compile(r"^\s*(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})[.)]?\s+(?=[A-ZÅÄÖ])")
BULLET_ITEM = re.compile(r"^\s*[-•–*]\s+(?!➔)")
# A proposing verb in the present, active or passive (`förslås` is a common misspelling).
PROPOSING = re.compile(r"\b(föreslår|föreslås|förslås|rekommenderar|rekommenderas|förordar|förordas)\b", re.I)
RELATIVE_BEFORE = re.compile(r"\b(som|vilka?|vad)\s+(?:\w+\s+){0,2}$", re.I)
# `föreslår flera aktiviteter` announces a list of proposals; it is not one itself.
ANNOUNCEMENT_AFTER = re.compile(
    r"^\s*(?:\w+\s+){0,2}(flera|flertalet|ett antal|några|följande|\d+|sju|åtta|nio|tio)\s+"
    r"(förslag|aktiviteter|åtgärder|insatser|rekommendationer|ändringar)\b",
    re.I,
)
TABLE_PROPOSAL_HEADER = re.compile(r"\b(förslag|åtgärd|aktivitet|rekommendation)", re.I)
TABLE_ACTOR_HEADER = re.compile(r"\b(aktör|ansvarig|ansvar|huvudman|vem)", re.I)
# Goal numbers in a flattened table: `1.1`, `2.1.3`, `2.1.` (not dates or SFS numbers).
GOAL_NUMBER = re.compile(r"(?<![\d:/.])\b(\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+(?=[A-ZÅÄÖ])")
TOC_LINE = re.compile(r"(\.{4,}|\t)\s*\d+\s*$|\s\d{1,3}$")

QUOTE_CHARS = 360
# The evidence query is the proposal's opening: enough to carry its subject, short enough that
# the embedding stays fast and the lexical side is not swamped by incidental words.
QUERY_CHARS = 500
EVIDENCE_DEPTH = (40, 100)  # search depths tried in turn until other documents are reached


class SearcherLike(Protocol):
    """`policykb.query.search.Searcher` or anything searching the same way (hits with DESIGN.md fields)."""

    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: Any = None) -> list[Any]: ...


@dataclass
class Evidence:
    doc_id: str
    title: str | None
    identifier: str | None
    publisher: str | None
    page: int
    printed_page: str | None
    passage_id: int
    heading: str
    quote: str
    score: float


@dataclass
class CitingDocument:
    doc_id: str
    title: str | None
    identifier: str | None
    count: int
    pages: list[int]


@dataclass
class Provision:
    canonical: str
    kind: str
    url: str
    as_written: str
    cited_elsewhere: int
    citing_documents: list[CitingDocument]


@dataclass
class Proposal:
    number: int
    label: str | None
    kind: str  # table-row | numbered | labelled | section | sentence
    heading: str
    context: str | None
    text: str
    page: int
    printed_page: str | None
    passage_id: int | None
    evidence: list[Evidence] = field(default_factory=list)
    provisions: list[Provision] = field(default_factory=list)
    requirements: list[dict[str, Any]] = field(default_factory=list)
    # where the proposal is in the store: (block_id, start, end) in block text
    spans: list[tuple[int, int, int]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("spans")
        return data


@dataclass
class Consultation:
    document: dict[str, Any]
    proposals: list[Proposal]
    warnings: list[str] = field(default_factory=list)
    # documents whose page positions mean nothing (text without page breaks): cited without a page
    unpaged: set[str] = field(default_factory=set, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "proposals": [p.to_dict() for p in self.proposals],
            "warnings": self.warnings,
            "markdown": self.markdown(),
        }

    def markdown(self) -> str:
        return render_markdown(self)


# -- the whole run -----------------------------------------------------------------------------


def consult(
    store: Store,
    doc_id: str,
    *,
    searcher: SearcherLike | None,
    evidence: int = 3,
    max_proposals: int = 200,
    mode: str = "hybrid",
    progress: ProgressCallback | None = None,
) -> Consultation:
    """Split `doc_id` into proposals and gather evidence, provisions and requirements for each."""
    meta = _document_meta(store, doc_id)
    proposals = split_proposals(store, doc_id)
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
    meta = store.get_document(doc_id)
    if meta is None:
        from policykb.query.documents import unknown_document_message

        raise NotFoundError(unknown_document_message(store, doc_id))
    data = meta.to_dict()
    data.pop("path", None)
    return data


# -- splitting ---------------------------------------------------------------------------------


@dataclass
class _Block:
    block_id: int
    page: int
    printed: str | None
    kind: str
    text: str
    rows: list[list[str]] | None
    char_start: int


def split_proposals(store: Store, doc_id: str) -> list[Proposal]:
    """The proposals of a document, in reading order (see the module doc for how)."""
    meta = store.get_document(doc_id)
    if meta is None:
        from policykb.query.documents import unknown_document_message

        raise NotFoundError(unknown_document_message(store, doc_id))
    title = _norm(meta.title or "")
    blocks = [
        _Block(r["block_id"], r["page_index"], r["printed"], r["kind"], r["text"],
               json.loads(r["rows"]) if r["rows"] else None, r["char_start"])
        for r in store.conn.execute(
            "SELECT b.block_id, b.page_index, b.kind, b.text, b.rows, b.char_start, g.printed FROM blocks b "
            "LEFT JOIN pages g ON g.doc_id = b.doc_id AND g.page_index = b.page_index "
            "WHERE b.doc_id = ? ORDER BY b.page_index, b.ordinal",
            (doc_id,),
        )
    ]
    found: list[Proposal] = []
    heading = ""
    skipping = False
    # A table cut by a page break continues under the same heading with the goals above it.
    goal_context: dict[int, str] = {}
    proposal_section: list[_Block] | None = None  # body blocks under a proposal heading
    section_heading = ""

    def close_section() -> None:
        nonlocal proposal_section
        if proposal_section is not None and section_heading:
            found.extend(_section_proposals(section_heading, proposal_section))
        proposal_section = None

    for i, block in enumerate(blocks):
        text = block.text.strip()
        if not text or _norm(text) == title or TOC_LINE.search(text) and _is_toc_like(text):
            continue
        if block.kind == "heading" or _looks_like_heading(text):
            close_section()
            heading = text
            goal_context = {}
            skipping = bool(SKIP_SECTION.match(text))
            if not skipping and PROPOSAL_HEADING.search(text) and block.kind == "heading":
                proposal_section, section_heading = [], text
            continue
        if skipping:
            continue
        if proposal_section is not None:
            proposal_section.append(block)
            continue
        if block.kind == "table" and block.rows:
            found.extend(_table_rows(heading, block))
        elif _flattened_table_header(text):
            found.extend(_flattened_table(heading, block, goal_context))
        else:
            found.extend(_labelled_and_proposing(heading, block, title))
    close_section()
    for n, proposal in enumerate(found, start=1):
        proposal.number = n
        proposal.passage_id = _passage_at(store, doc_id, proposal)
    return found


def _section_proposals(heading: str, body: list[_Block]) -> list[Proposal]:
    """Items under a proposal heading: numbered/bulleted items, else cue sentences, else the section."""
    out: list[Proposal] = []
    for block in body:
        text = block.text
        if block.kind == "table" and block.rows:
            out.extend(_table_rows(heading, block))
        elif NUMBERED_ITEM.match(text) or BULLET_ITEM.match(text) or LABELLED.match(text):
            m = NUMBERED_ITEM.match(text) or LABELLED.match(text)
            label = m.group("num") if m and m.groupdict().get("num") else None
            out.append(_proposal("numbered", heading, block, 0, len(text), label=label))
        elif _flattened_table_header(text):
            out.extend(_flattened_table(heading, block, {}))
    if not out:
        for block in body:
            out.extend(_proposing_sentences(heading, block))
    if not out and body:
        # The section states one proposal in prose (e.g. `Förslag till lag om ändring i …`).
        first = body[0]
        spans, text = [], ""
        for block in body:
            if len(text) > 800:
                break
            spans.append((block.block_id, 0, len(block.text)))
            text = f"{text}\n{block.text}" if text else block.text
        proposal = _proposal("section", heading, first, 0, len(first.text))
        proposal.text, proposal.spans = _clip(text, 1200), spans
        out.append(proposal)
    return out


def _table_rows(heading: str, block: _Block) -> list[Proposal]:
    rows = [[(c or "").strip() for c in row] for row in block.rows or []]
    if len(rows) < 2:
        return []
    header = rows[0]
    proposal_cols = [i for i, cell in enumerate(header) if TABLE_PROPOSAL_HEADER.search(cell)]
    actor_cols = {i for i, cell in enumerate(header) if TABLE_ACTOR_HEADER.search(cell)}
    proposal_cols = [i for i in proposal_cols if i not in actor_cols] or proposal_cols
    if not proposal_cols:
        return []
    col = proposal_cols[0]
    out = []
    context_cells: dict[int, str] = {}
    for row in rows[1:]:
        for i, cell in enumerate(row):
            if cell and i != col and i not in actor_cols:
                context_cells[i] = cell  # merged cells: a goal holds for the rows below it
        cell = row[col] if col < len(row) else ""
        if not cell:
            continue
        actors = "; ".join(row[i] for i in sorted(actor_cols) if i < len(row) and row[i])
        start = block.text.find(cell)
        proposal = _proposal("table-row", heading, block, max(start, 0), max(start, 0) + len(cell) if start >= 0 else len(block.text))
        proposal.text = cell + (f" (Förslag på aktör: {actors})" if actors else "")
        proposal.context = " · ".join(v for k, v in sorted(context_cells.items())) or None
        proposal.label = _leading_number(proposal.context or "")
        out.append(proposal)
    return out


def _flattened_table_header(text: str) -> bool:
    """A paragraph that is a table whose header names proposals, followed by numbered goals."""
    first = GOAL_NUMBER.search(text)
    if first is None or first.start() > 200:
        return False
    return bool(TABLE_PROPOSAL_HEADER.search(text[: first.start()])) and len(GOAL_NUMBER.findall(text)) >= 1


def _flattened_table(heading: str, block: _Block, context: dict[int, str]) -> list[Proposal]:
    """Each deepest-numbered part of a flattened goal/activity table, its parent goals as context.

    `context` holds the open parent goals by level and is updated, so that a table continued in
    the next block (after a page break) keeps the goal its first rows belong to.
    """
    text = block.text
    marks = [(m.start(), m.group(1)) for m in GOAL_NUMBER.finditer(text)]
    if not marks:
        return []
    depth = max(len(num.split(".")) for _, num in marks)
    out = []
    for j, (start, num) in enumerate(marks):
        end = marks[j + 1][0] if j + 1 < len(marks) else len(text)
        segment_end = len(text[:end].rstrip())
        level = len(num.split("."))
        if level < depth:
            context[level] = text[start:segment_end]
            for deeper in [lvl for lvl in context if lvl > level]:
                del context[deeper]
            continue
        proposal = _proposal("table-row", heading, block, start, segment_end, label=num)
        parents = [context[lvl] for lvl in sorted(context) if lvl < level and _is_parent(context[lvl], num)]
        proposal.context = " · ".join(parents) or None
        out.append(proposal)
    return out


def _is_parent(goal_text: str, num: str) -> bool:
    parent = _leading_number(goal_text) or ""
    return num.startswith(parent.rstrip(".") + ".")


def _labelled_and_proposing(heading: str, block: _Block, title: str) -> list[Proposal]:
    """`Förslag 2: …` parts of a paragraph (extraction may have run them into the text before),
    and proposing sentences in the rest. A running header repeating the title is no label."""
    from policykb.swedish.sentences import sentence_spans

    text = block.text
    starts = []
    if LABEL_HINT.search(text):
        starts = [
            s for s, _ in sentence_spans(text)
            if LABELLED.match(text[s:]) and not (title and _norm(text[s:]).startswith(title))
        ]
    if not starts:
        return _proposing_sentences(heading, block)
    out = _proposing_sentences(heading, block, end=starts[0])
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text.rstrip())
        out.append(_proposal("labelled", heading, block, start, end, label=_label_of(text[start:])))
    return out


def _proposing_sentences(heading: str, block: _Block, *, end: int | None = None) -> list[Proposal]:
    from policykb.swedish.sentences import sentence_spans

    out = []
    text = block.text if end is None else block.text[:end]
    if not PROPOSING.search(text):
        return out
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        if sentence.rstrip().endswith("?"):
            continue
        for m in PROPOSING.finditer(sentence):
            if RELATIVE_BEFORE.search(sentence[: m.start()]) or ANNOUNCEMENT_AFTER.match(sentence[m.end():]):
                continue
            out.append(_proposal("sentence", heading, block, start, end))
            break
    return out


def _proposal(kind: str, heading: str, block: _Block, start: int, end: int, *, label: str | None = None) -> Proposal:
    return Proposal(
        number=0,
        label=label,
        kind=kind,
        heading=heading,
        context=None,
        text=_clip(_plain(block.text[start:end]), 2000),
        page=block.page,
        printed_page=block.printed,
        passage_id=None,
        spans=[(block.block_id, start, end)],
    )


def _passage_at(store: Store, doc_id: str, proposal: Proposal) -> int | None:
    if not proposal.spans:
        return None
    block_id, start, _ = proposal.spans[0]
    row = store.conn.execute("SELECT page_index, char_start FROM blocks WHERE block_id = ?", (block_id,)).fetchone()
    if row is None:
        return None
    page, offset = row["page_index"], row["char_start"] + start
    hit = store.conn.execute(
        "SELECT passage_id FROM passages WHERE doc_id = ? "
        "AND (page_start < ? OR (page_start = ? AND char_start <= ?)) "
        "AND (page_end > ? OR (page_end = ? AND char_end > ?)) ORDER BY ordinal LIMIT 1",
        (doc_id, page, page, offset, page, page, offset),
    ).fetchone()
    return hit["passage_id"] if hit else None


def _looks_like_heading(text: str) -> bool:
    """A short line without closing punctuation that extraction left as a paragraph."""
    if "\n" in text or len(text) > 120 or len(text.split()) > 16:
        return False
    if text[-1] in ".!?;,:" or text[0] in "-•–*➔(\"”" or not (text[0].isupper() or text[0].isdigit()):
        return False
    # Table rows flattened into one line start with a number and run on; headings rarely do.
    return not NUMBERED_ITEM.match(text) or bool(re.match(r"^\d+(\.\d+)*\s+\S+(\s+\S+){0,8}$", text))


def _is_toc_like(text: str) -> bool:
    return bool(re.search(r"(\.{4,}|\t)\s*\d+\s*$", text)) or bool(re.fullmatch(r".{3,100}\s\d{1,3}", text))


def _label_of(text: str) -> str | None:
    m = LABELLED.match(text)
    return m.group("num") if m else None


def _leading_number(text: str) -> str | None:
    m = re.match(r"\s*(\d{1,2}(?:\.\d{1,2}){0,3})", text)
    return m.group(1) if m else None


_MARKUP = re.compile(r"</?(?:p|i|b|em|strong|br|span)\s*/?>", re.I)


def _plain(text: str) -> str:
    """Text without the stray HTML tags and emphasis marks that extraction sometimes leaves."""
    text = _MARKUP.sub(" ", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip() + " …"


# -- evidence ----------------------------------------------------------------------------------


def find_evidence(
    store: Store, searcher: SearcherLike, proposal: Proposal, doc_id: str, *, evidence: int, mode: str
) -> list[Evidence]:
    """The passages of other documents that best match the proposal (hybrid search)."""
    query = _clip(" ".join(part for part in (proposal.text, proposal.context) if part), QUERY_CHARS)
    query = query.replace(" …", "")
    # The proposal's own document matches it best; look deeper until others are reached.
    hits: list[Any] = []
    for depth in EVIDENCE_DEPTH:
        hits = searcher.search(query, k=depth, mode=mode)
        if sum(1 for hit in hits if hit.doc_id != doc_id) >= evidence or len(hits) < depth:
            break
    out: list[Evidence] = []
    seen: set[int] = set()
    for hit in hits:
        # Hits are segments: two of one passage would quote the same passage twice.
        if hit.doc_id == doc_id or hit.passage_id in seen:
            continue
        seen.add(hit.passage_id)
        row = store.conn.execute(
            "SELECT d.publisher FROM passages p JOIN documents d USING (doc_id) WHERE p.passage_id = ?",
            (hit.passage_id,),
        ).fetchone()
        printed = [p for p in (getattr(hit, "printed_pages", None) or []) if p]
        out.append(
            Evidence(
                doc_id=hit.doc_id,
                title=hit.title,
                identifier=hit.identifier,
                publisher=row["publisher"] if row else None,
                page=hit.pages[0] if hit.pages else 0,
                printed_page=printed[0] if printed else None,
                passage_id=hit.passage_id,
                heading=hit.heading or "",
                quote=best_quote(hit.text, query, hit.highlights or []),
                score=round(float(hit.score), 4),
            )
        )
        if len(out) >= evidence:
            break
    return out


_WORD = re.compile(r"[A-Za-zÅÄÖåäöÉéÜü]{4,}")


def best_quote(text: str, query: str, highlights: list) -> str:
    """The sentence or two of `text` that share the most words with the query, at most ~360 chars."""
    from policykb.swedish.sentences import sentence_spans

    spans = sentence_spans(text) or [(0, len(text))]
    stems = {w.lower()[:6] for w in _WORD.findall(query)}
    marked = [tuple(h) for h in highlights if len(h) == 2]

    def score(span: tuple[int, int]) -> float:
        s, e = span
        words = {w.lower()[:6] for w in _WORD.findall(text[s:e])}
        lit = sum(1 for hs, he in marked if s <= hs < e)
        return len(words & stems) + 0.5 * lit - 0.002 * max(0, (e - s) - QUOTE_CHARS)

    best = max(range(len(spans)), key=lambda i: score(spans[i]))
    start, end = spans[best]
    # Grow with the neighbouring sentence that scores better while room remains.
    while end - start < QUOTE_CHARS * 0.6:
        left = best - 1 if best > 0 and spans[best - 1][1] <= start else None
        right_i = next((i for i, sp in enumerate(spans) if sp[0] >= end), None)
        options = [
            i for i in (left, right_i)
            if i is not None and spans[i][1] - spans[i][0] + (end - start) <= QUOTE_CHARS and score(spans[i]) >= 1
        ]
        if not options:
            break
        pick = max(options, key=lambda i: score(spans[i]))
        start, end = min(start, spans[pick][0]), max(end, spans[pick][1])
        best = pick if pick < best else best
    quote = " ".join(text[start:end].split())
    return _clip(quote, QUOTE_CHARS)


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


def _footnote_numbers(store: Store, block_id: int, start: int, end: int) -> list[int]:
    row = store.conn.execute("SELECT markers FROM blocks WHERE block_id = ?", (block_id,)).fetchone()
    if row is None:
        return []
    return [number for offset, number in json.loads(row["markers"]) if start <= offset <= end]


def _footnote_refs(store: Store, doc_id: str, page: int, number: int) -> list[Any]:
    # The footnote nearest the marker: on its page, else the closest page after it.
    note = store.conn.execute(
        "SELECT page_index FROM footnotes WHERE doc_id = ? AND number = ? "
        "ORDER BY page_index < ?, abs(page_index - ?) LIMIT 1",
        (doc_id, number, page, page),
    ).fetchone()
    if note is None:
        return []
    return store.conn.execute(
        "SELECT canonical, kind, url, text FROM refs WHERE doc_id = ? AND page_index = ? AND footnote_number = ?",
        (doc_id, note["page_index"], number),
    ).fetchall()


def _provision(store: Store, canonical: str, kind: str, url: str, written: str, doc_id: str) -> Provision:
    citing = citing_documents(store, canonical, exclude_doc=doc_id)
    return Provision(
        canonical=canonical,
        kind=kind,
        url=url,
        as_written=written,
        cited_elsewhere=sum(c.count for c in citing),
        citing_documents=citing,
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


# -- the remissvar skeleton --------------------------------------------------------------------


def render_markdown(consultation: Consultation) -> str:
    doc = consultation.document
    title = doc.get("title") or doc["doc_id"]
    ident = f" ({doc['identifier']})" if doc.get("identifier") else ""
    lines = [
        f"# Remissvar: {title}{ident}",
        "",
        f"Remissinstans: [organisation]  ",
        f"Diarienummer: [remissens diarienummer]  ",
        f"Datum: [ÅÅÅÅ-MM-DD]",
        "",
        "## Sammanfattning",
        "",
        "[Organisationens övergripande inställning till förslagen.]",
        "",
    ]
    for warning in consultation.warnings:
        lines += [f"> Obs: {warning}", ""]
    own_pages = doc["doc_id"] not in consultation.unpaged
    for p in consultation.proposals:
        text = p.text
        if p.label and text.startswith(p.label):
            text = text[len(p.label):].lstrip(". ")
        name = f"{p.label} {_short(text)}" if p.label else _short(text)
        lines += [f"## {p.number}. {name}", ""]
        where = page_label(p.page, p.printed_page, own_pages)
        if p.heading:
            lines.append(f"*{p.heading}*" + (f", {where}" if where else ""))
        elif where:
            lines.append(f"*{where}*")
        lines.append("")
        if p.context:
            lines += [f"Mål: {p.context}", ""]
        lines += [_blockquote(p.text), "", "Ställningstagande: [tillstyrker / avstyrker / tillstyrker med ändringar / inga synpunkter]", ""]
        lines += ["Motivering: [skriv här]", ""]
        if p.evidence:
            lines += ["Underlag:", ""]
            for e in p.evidence:
                lines.append(f"- ”{e.quote}” — {citation(e, paged=e.doc_id not in consultation.unpaged)}")
            lines.append("")
        if p.provisions:
            lines += ["Hänvisningar i förslaget (lagrum och dokument):", ""]
            for prov in p.provisions:
                elsewhere = (
                    "; citeras även i " + ", ".join(
                        f"{_doc_name(c.title, c.doc_id, c.identifier)} ({c.count})" for c in prov.citing_documents[:5]
                    )
                    if prov.citing_documents else "; citeras inte i andra dokument i kunskapsbasen"
                )
                lines.append(f"- [{prov.canonical}]({prov.url}){elsewhere}")
            lines.append("")
        if p.requirements:
            lines += ["Krav som vilar på dessa lagrum:", ""]
            for row in p.requirements:
                where = page_label(row.get("page"), row.get("printed_page"), row.get("doc_id") not in consultation.unpaged)
                where = f", {where}" if where else ""
                sources = ", ".join(row.get("sources") or [])
                name = _doc_name(row.get("title"), row.get("doc_id"), row.get("identifier"))
                lines.append(f"- ”{row.get('sentence', '').strip()}” — {name}{where} ({sources})")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def citation(e: Evidence, *, paged: bool = True) -> str:
    """`Publisher, *Title* (identifier), s. N.` — what a reader needs to find the quote."""
    parts = []
    if e.publisher:
        parts.append(e.publisher)
    parts.append(f"*{e.title}*" if e.title else e.doc_id)
    text = ", ".join(parts)
    if e.identifier:
        text += f" ({e.identifier})"
    where = page_label(e.page, e.printed_page, paged)
    return f"{text}, {where}." if where else f"{text}."


def _doc_name(title: str | None, doc_id: str, identifier: str | None) -> str:
    name = f"*{title}*" if title else doc_id
    return f"{name} ({identifier})" if identifier else name


def _short(text: str, words: int = 12) -> str:
    parts = text.split()
    out = " ".join(parts[:words])
    return out.rstrip(".,;:") + (" …" if len(parts) > words else "")


def _blockquote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in text.splitlines())
