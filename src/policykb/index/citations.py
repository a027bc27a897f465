"""rebuild(conn, doc_id): the citation graph and the requirements of one stored document.

Runs at ingest, inside the ingest transaction, right after the document and its references are
written; everything here is derived from those rows and can be rebuilt at any time.
`TRACE_INDEX_VERSION` names the rules: when they change, bump it and the next ingest rebuilds
every document built with older ones (`rebuild_stale`).

The citation graph: which passage cites which provision or document, at every level.

A citation of `SFS 2017:30 2 kap. 3 §` is also a citation of `SFS 2017:30 2 kap.` and of
`SFS 2017:30`, so a question about the act finds its sections and a question about a chapter
finds the sections in it. Those expansions are stored as rows (`direct = 0`) rather than
worked out with string prefixes at query time: counting per level is then a plain GROUP BY on
an index, at any corpus size.

Documents cite each other by identifier (`SOU 2020:19`, `prop. 2019/20:164`): each document's
identifier is stored in its canonical form, and the `document_links` view joins the two.
"""

from __future__ import annotations

import sqlite3

from policykb.legal import identifier_canonicals
from policykb.legal.canonical import hierarchy
from policykb.store.document_sentences import DocumentText, Sentence, StoredRef, load_document_text
from policykb.annotate.requirements import LEGAL_KINDS, SourceRef, choose_sources, detect_requirement
from policykb.models import Progress

TRACE_INDEX_VERSION = 3  # 2: the hierarchy is derived from the one canonical grammar (old acts cited with "s. N"); 3: a paragraph-closing footnote sources every sentence of the paragraph


def rebuild(conn: sqlite3.Connection, doc_id: str) -> dict[str, int]:
    """Replace the derived rows of `doc_id`; returns counts of what was written.

    All or nothing: a failure leaves the document's earlier derived rows as they were.
    """
    conn.execute("SAVEPOINT trace_index")
    try:
        counts = _rebuild(conn, doc_id)
    except BaseException:
        conn.execute("ROLLBACK TO trace_index")
        conn.execute("RELEASE trace_index")
        raise
    conn.execute("RELEASE trace_index")
    return counts


def _rebuild(conn: sqlite3.Connection, doc_id: str) -> dict[str, int]:
    for table in ("citations", "requirements", "sentences", "document_identifiers"):
        conn.execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))
    meta = conn.execute("SELECT identifier, date FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
    if meta is None:
        return {"citations": 0, "requirements": 0}
    for canonical in identifier_canonicals(meta[0], meta[1]):
        conn.execute("INSERT OR IGNORE INTO document_identifiers (doc_id, canonical) VALUES (?, ?)", (doc_id, canonical))

    text = load_document_text(conn, doc_id)
    writer = _SentenceWriter(conn, text)
    n_citations = _write_citations(conn, text, writer)
    n_requirements = _write_requirements(conn, text, writer)
    conn.execute(
        "INSERT OR REPLACE INTO trace_index_state (doc_id, version) VALUES (?, ?)", (doc_id, TRACE_INDEX_VERSION)
    )
    return {"citations": n_citations, "requirements": n_requirements}


def rebuild_stale(conn: sqlite3.Connection, progress: Progress | None = None) -> list[str]:
    """Rebuild every document never built, or built with older rules; returns their ids."""
    stale = [
        row[0]
        for row in conn.execute(
            "SELECT d.doc_id FROM documents d LEFT JOIN trace_index_state s USING (doc_id) "
            "WHERE s.version IS NULL OR s.version != ? ORDER BY d.doc_id",
            (TRACE_INDEX_VERSION,),
        )
    ]
    for n, doc_id in enumerate(stale):
        if progress:
            progress("trace", n, len(stale), doc_id)
        rebuild(conn, doc_id)
    return stale


class _SentenceWriter:
    """Stores each sentence once, the first time a citation or a requirement needs it."""

    def __init__(self, conn: sqlite3.Connection, text: DocumentText):
        self.conn = conn
        self.text = text
        self.ids: dict[int, int] = {}

    def id_for(self, sentence: Sentence) -> int:
        key = id(sentence)
        if key not in self.ids:
            passage_id = self.text.passage_at(sentence.page_index, sentence.page_char)
            if passage_id is None:
                passage_id = next((r.passage_id for r in sentence.inline if r.passage_id is not None), None)
            cur = self.conn.execute(
                "INSERT INTO sentences (doc_id, page_index, block_id, footnote_number, start, end, passage_id, text) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (
                    self.text.doc_id, sentence.page_index, sentence.block_id, sentence.footnote_number,
                    sentence.start, sentence.end, passage_id, sentence.text,
                ),
            )
            self.ids[key] = cur.lastrowid
        return self.ids[key]


def _write_citations(conn: sqlite3.Connection, text: DocumentText, writer: _SentenceWriter) -> int:
    # The sentence that cites a footnote's references is the one its marker stands in.
    marked_by: dict[tuple[int, int], Sentence] = {}
    for sentence in text.sentences:
        for note in sentence.footnotes:
            marked_by.setdefault(note, sentence)
    rows = []
    for sentence in text.sentences:
        for ref in sentence.inline:
            rows.extend(_citation_rows(text.doc_id, ref, sentence, writer))
    cited_in_body = {ref.ref_id for s in text.sentences for ref in s.inline}
    for (page, number), refs in text.footnote_refs.items():
        sentence = marked_by.get((page, number))
        for ref in refs:
            rows.extend(_citation_rows(text.doc_id, ref, sentence, writer, page_index=page))
    # References in blocks that are not sentence text (headings, tables) still count.
    for row in conn.execute(
        "SELECT ref_id, kind, canonical, url, start, end, passage_id, page_index FROM refs "
        "WHERE doc_id = ? AND block_id IS NOT NULL",
        (text.doc_id,),
    ):
        if row[0] not in cited_in_body:
            ref = StoredRef(row[0], row[1], row[2], row[3], row[4], row[5], row[6])
            rows.extend(_citation_rows(text.doc_id, ref, None, writer, page_index=row[7]))
    conn.executemany(
        "INSERT OR IGNORE INTO citations (ref_id, doc_id, target, level, direct, passage_id, page_index, sentence_id) "
        "VALUES (?,?,?,?,?,?,?,?)",
        rows,
    )
    return len(rows)


def _citation_rows(
    doc_id: str,
    ref: StoredRef,
    sentence: Sentence | None,
    writer: _SentenceWriter,
    *,
    page_index: int | None = None,
) -> list[tuple]:
    sentence_id = writer.id_for(sentence) if sentence is not None else None
    page = sentence.page_index if sentence is not None else page_index
    passage_id = ref.passage_id
    if passage_id is None and sentence is not None:
        passage_id = writer.text.passage_at(sentence.page_index, sentence.page_char)
    return [
        (ref.ref_id, doc_id, target, level, int(target == ref.canonical), passage_id, page, sentence_id)
        for level, target in hierarchy(ref.canonical)
    ]


def _write_requirements(conn: sqlite3.Connection, text: DocumentText, writer: _SentenceWriter) -> int:
    n = 0
    for sentence in [*text.sentences, *text.footnote_sentences]:
        inline = [_source(r) for r in sentence.inline]
        footnote = [
            _source(r, number)
            for page, number in (sentence.footnotes or sentence.paragraph_footnotes)
            for r in text.footnote_refs.get((page, number), [])
        ]
        cites_law = any(r.kind in LEGAL_KINDS for r in (*inline, *footnote))
        detection = detect_requirement(sentence.text, cites_law=cites_law)
        if detection is None:
            continue
        sources, via = choose_sources(inline, footnote)
        sentence_id = writer.id_for(sentence)
        passage_id = conn.execute("SELECT passage_id FROM sentences WHERE sentence_id = ?", (sentence_id,)).fetchone()[0]
        cur = conn.execute(
            "INSERT INTO requirements (doc_id, sentence_id, passage_id, page_index, modality, actor, actors, trigger, via) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            (
                text.doc_id, sentence_id, passage_id, sentence.page_index, detection.modality, detection.actor,
                ",".join(detection.actors), detection.trigger, via,
            ),
        )
        conn.executemany(
            "INSERT INTO requirement_sources (requirement_id, ordinal, canonical, url, ref_id, footnote_number) "
            "VALUES (?,?,?,?,?,?)",
            [(cur.lastrowid, i, s.canonical, s.url, s.ref_id, s.footnote_number) for i, s in enumerate(sources)],
        )
        n += 1
    return n


def _source(ref: StoredRef, footnote_number: int | None = None) -> SourceRef:
    return SourceRef(ref.ref_id, ref.kind, ref.canonical, ref.url, footnote_number)
