"""The SQLite store: one file per index directory, WAL mode, versioned schema.

Everything policykb knows lives here except the FAISS vectors (see `vectors.py`), which are
derived from the passages and the embedding cache and can always be rebuilt.

Writers hold one transaction per ingest (`Store.transaction()`); readers in other processes
keep seeing the previous state until it commits (WAL), and a killed writer leaves the
previous state intact.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policykb.config import DB_FILENAME
from policykb.errors import NotFoundError, StoreError
from policykb.models import Document, DocumentAnnotations, DocumentMeta, Passage, PassageSpans, nearest_footnote_page

# Each entry upgrades the schema from version i to i+1. Append, never edit a released one.
MIGRATIONS: list[str] = [
    # 1: documents, pages, blocks, footnotes, passages, annotations, embedding cache
    """
    CREATE TABLE documents (
        doc_id TEXT PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL,
        source_format TEXT NOT NULL,
        title TEXT,
        kind TEXT,
        publisher TEXT,
        date TEXT,
        identifier TEXT,
        language TEXT,
        size_bytes INTEGER NOT NULL DEFAULT 0,
        page_count INTEGER NOT NULL DEFAULT 0,
        warnings TEXT NOT NULL DEFAULT '[]',
        ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    );
    CREATE TABLE pages (
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        page_index INTEGER NOT NULL,
        printed TEXT,
        status TEXT NOT NULL DEFAULT 'text',
        note TEXT,
        text TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (doc_id, page_index)
    );
    CREATE TABLE blocks (
        block_id INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        page_index INTEGER NOT NULL,
        ordinal INTEGER NOT NULL,
        kind TEXT NOT NULL,
        level INTEGER,
        text TEXT NOT NULL,
        char_start INTEGER NOT NULL,
        markers TEXT NOT NULL DEFAULT '[]',
        rows TEXT
    );
    CREATE INDEX blocks_doc ON blocks(doc_id, page_index, ordinal);
    CREATE TABLE footnotes (
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        page_index INTEGER NOT NULL,
        number INTEGER NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (doc_id, page_index, number)
    );
    CREATE TABLE passages (
        passage_id INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        text TEXT NOT NULL,
        heading TEXT NOT NULL DEFAULT '',
        heading_path TEXT NOT NULL DEFAULT '[]',
        page_start INTEGER NOT NULL,
        page_end INTEGER NOT NULL,
        char_start INTEGER NOT NULL,
        char_end INTEGER NOT NULL,
        printed_pages TEXT NOT NULL DEFAULT '[]',
        text_hash TEXT NOT NULL
    );
    CREATE INDEX passages_doc ON passages(doc_id, ordinal);
    CREATE TABLE passage_footnotes (
        passage_id INTEGER NOT NULL REFERENCES passages(passage_id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (passage_id, number)
    );
    -- References found in a block (footnote_number NULL) or in a footnote (block_id NULL).
    -- start/end are offsets into that block's or footnote's text.
    CREATE TABLE refs (
        ref_id INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        page_index INTEGER NOT NULL,
        block_id INTEGER,
        footnote_number INTEGER,
        passage_id INTEGER,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        text TEXT NOT NULL,
        kind TEXT NOT NULL,
        canonical TEXT NOT NULL,
        url TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX refs_canonical ON refs(canonical);
    CREATE INDEX refs_doc ON refs(doc_id);
    CREATE INDEX refs_passage ON refs(passage_id);
    CREATE TABLE mentions (
        mention_id INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        page_index INTEGER NOT NULL,
        block_id INTEGER,
        footnote_number INTEGER,
        passage_id INTEGER,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        text TEXT NOT NULL,
        label TEXT NOT NULL
    );
    CREATE INDEX mentions_label ON mentions(label);
    CREATE INDEX mentions_doc ON mentions(doc_id);
    -- Vectors keyed by what produced them, so unchanged passages are never embedded twice.
    CREATE TABLE embedding_cache (
        model TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (model, text_hash)
    );
    """,
    # 2: citation graph (passage -> provision, expanded up the act hierarchy; document ->
    # document through identifiers) and requirements with their sources. All of it is derived
    # from blocks, footnotes and refs by `trace_index.rebuild`; trace_index_state says which
    # documents are built and with which version of the rules.
    """
    CREATE TABLE sentences (
        sentence_id INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        page_index INTEGER NOT NULL,
        block_id INTEGER,
        footnote_number INTEGER,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        passage_id INTEGER,
        text TEXT NOT NULL
    );
    CREATE INDEX sentences_doc ON sentences(doc_id);
    -- One row per reference and level: `2 kap. 3 § HSL` gives a section row (direct = 1) and
    -- rows for `SFS 2017:30 2 kap.` and `SFS 2017:30` (direct = 0).
    CREATE TABLE citations (
        ref_id INTEGER NOT NULL REFERENCES refs(ref_id) ON DELETE CASCADE,
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        target TEXT NOT NULL,
        level TEXT NOT NULL,
        direct INTEGER NOT NULL,
        passage_id INTEGER,
        page_index INTEGER NOT NULL,
        sentence_id INTEGER REFERENCES sentences(sentence_id) ON DELETE SET NULL,
        PRIMARY KEY (ref_id, target)
    );
    CREATE INDEX citations_target ON citations(target, doc_id);
    CREATE INDEX citations_doc ON citations(doc_id, level, target);
    -- The canonical forms a document is known by (`SOU 2020:19`), to link citations to it.
    CREATE TABLE document_identifiers (
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        canonical TEXT NOT NULL,
        PRIMARY KEY (doc_id, canonical)
    );
    CREATE INDEX document_identifiers_canonical ON document_identifiers(canonical);
    CREATE VIEW document_links AS
        SELECT c.doc_id AS source_doc_id, i.doc_id AS target_doc_id, c.target AS target,
               count(*) AS citations
        FROM citations c JOIN document_identifiers i ON i.canonical = c.target
        WHERE i.doc_id != c.doc_id AND c.level IN ('document', 'act')
        GROUP BY c.doc_id, i.doc_id, c.target;
    CREATE TABLE requirements (
        requirement_id INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        sentence_id INTEGER NOT NULL REFERENCES sentences(sentence_id) ON DELETE CASCADE,
        passage_id INTEGER,
        page_index INTEGER NOT NULL,
        modality TEXT NOT NULL,
        actor TEXT NOT NULL,
        actors TEXT NOT NULL DEFAULT '',
        trigger TEXT NOT NULL,
        via TEXT
    );
    CREATE INDEX requirements_doc ON requirements(doc_id);
    CREATE TABLE requirement_sources (
        requirement_id INTEGER NOT NULL REFERENCES requirements(requirement_id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        canonical TEXT NOT NULL,
        url TEXT NOT NULL,
        ref_id INTEGER,
        footnote_number INTEGER,
        PRIMARY KEY (requirement_id, ordinal)
    );
    CREATE INDEX requirement_sources_canonical ON requirement_sources(canonical);
    CREATE TABLE trace_index_state (
        doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
        version INTEGER NOT NULL
    );
    """,
    # 3: search — the analysed passage text in FTS5, the corpus vocabulary for compound splitting,
    # and index-wide settings (the embedding model the vectors were built with).
    """
    CREATE VIRTUAL TABLE passage_fts USING fts5(
        terms, parts, context,
        tokenize = "unicode61 remove_diacritics 0 tokenchars ':/-'"
    );
    CREATE TRIGGER passages_fts_delete AFTER DELETE ON passages BEGIN
        DELETE FROM passage_fts WHERE rowid = old.passage_id;
    END;
    CREATE TABLE lexicon (
        word TEXT PRIMARY KEY,
        count INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 4: search units — the sentences of each passage (offsets into passages.text) that are
    # embedded one by one; their vectors live in embedding_cache under text_hash.
    """
    CREATE TABLE passage_units (
        passage_id INTEGER NOT NULL REFERENCES passages(passage_id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        text_hash TEXT NOT NULL,
        PRIMARY KEY (passage_id, ordinal)
    ) WITHOUT ROWID;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


@dataclass
class StoreStats:
    documents: int
    pages: int
    unread_pages: int
    blocks: int
    footnotes: int
    passages: int
    references: int
    mentions: int

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


# SQLite's integers (and so its rowids) are signed 64-bit.
MIN_ROWID, MAX_ROWID = -(2**63), 2**63 - 1


def db_path(index_dir: Path) -> Path:
    return Path(index_dir) / DB_FILENAME


class Store:
    """A connection to the store of one index directory.

    Use `Store.open(index_dir)` to create or upgrade it and `Store.open(index_dir, create=False)`
    for read-only commands, which must not create an empty index as a side effect.
    """

    def __init__(self, conn: sqlite3.Connection, index_dir: Path):
        self.conn = conn
        self.index_dir = index_dir

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, index_dir: str | os.PathLike, *, create: bool = True, readonly: bool = False) -> Store:
        index_dir = Path(index_dir)
        path = db_path(index_dir)
        if not path.exists():
            if not create:
                raise StoreError(
                    f"no index at {index_dir}/ yet: run `policykb ingest PATH` first "
                    f"(or pass --index-dir / set POLICYKB_INDEX_DIR to an existing index)"
                )
            try:
                index_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create index directory {index_dir}: {exc.strerror}; "
                    f"choose a writable place with --index-dir"
                ) from exc
        if not readonly and not os.access(index_dir, os.W_OK):
            raise StoreError(
                f"index directory {index_dir} is not writable; fix its permissions "
                f"or choose another with --index-dir"
            )
        try:
            if readonly:
                conn = sqlite3.connect(
                    f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
                )
            else:
                conn = sqlite3.connect(path, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open store {path}: {exc}; check the file and its permissions") from exc
        conn.row_factory = sqlite3.Row
        # Autocommit mode: transactions are opened explicitly by `transaction()`.
        conn.isolation_level = None
        store = cls(conn, index_dir)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 10000")
            if not readonly:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
            store._check_and_migrate(readonly=readonly)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(
                f"{path} is not a policykb store or is damaged ({exc}); "
                f"move it away and run `policykb ingest` again"
            ) from exc
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_and_migrate(self, *, readonly: bool) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the store in {self.index_dir} has schema version {version}, newer than this "
                f"policykb understands ({SCHEMA_VERSION}); upgrade policykb or use another --index-dir"
            )
        if version == SCHEMA_VERSION:
            return
        if readonly:
            raise StoreError(
                f"the store in {self.index_dir} has schema version {version}; run `policykb ingest` "
                f"once to upgrade it to version {SCHEMA_VERSION}"
            )
        with self.transaction():
            for target in range(version, SCHEMA_VERSION):
                for statement in _split_sql(MIGRATIONS[target]):
                    self.conn.execute(statement)
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    # -- transactions ----------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; rolls back on any exception (and on a killed process).

        SQLite may end the transaction on its own (a full disk: SQLITE_FULL can roll back the
        whole transaction, not just the statement), so COMMIT and ROLLBACK are only sent while
        `in_transaction` holds: a COMMIT then would commit nothing and later writes would each
        autocommit, a ROLLBACK would fail with "no transaction is active" over the real error.
        A full disk becomes one `DiskFullError` (what, how much is free); nothing is stored."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException as exc:
            self._rollback()
            if is_disk_full(exc):
                raise DiskFullError(disk_full_message(self.index_dir)) from None
            raise
        if not self.conn.in_transaction:
            raise WriteAbortedError(
                f"the write transaction on {self.index_dir} ended before its commit (SQLite rolled it back); "
                f"nothing was stored: run the command again"
            )
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            if is_disk_full(exc):
                raise DiskFullError(disk_full_message(self.index_dir)) from None
            raise

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # SQLite ended it meanwhile: there is nothing left to undo

    @contextmanager
    def savepoint(self, name: str = "unit") -> Iterator[sqlite3.Connection]:
        """A nested all-or-nothing unit inside the open transaction: on any exception everything
        written since it began is undone (the rest of the transaction stays) and the exception
        goes on. Ingest writes each file inside one, so a file that fails leaves nothing.

        A full disk, or a transaction SQLite has already rolled back, cannot be confined to one
        unit: they raise `WriteAbortedError` (`DiskFullError`), which ends the whole run —
        going on would write the next units outside any transaction."""
        if not self.conn.in_transaction:
            raise StoreError("a savepoint needs an open transaction (Store.transaction())")
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield self.conn
        except BaseException as exc:
            if is_disk_full(exc):
                raise DiskFullError(disk_full_message(self.index_dir)) from None
            if not self.conn.in_transaction:
                raise WriteAbortedError(
                    f"the write transaction on {self.index_dir} was rolled back by SQLite "
                    f"({exc.__class__.__name__}: {exc}); nothing was stored: run the command again"
                ) from None
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        else:
            self.conn.execute(f"RELEASE {name}")

    # -- documents -------------------------------------------------------------------------

    def document_by_path(self, path: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM documents WHERE path = ?", (path,)).fetchone()

    def document_ids(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT doc_id FROM documents")}

    def get_document(self, doc_id: str) -> DocumentMeta | None:
        row = self.conn.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return _meta_from_row(row) if row else None

    def list_documents(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT d.*, (SELECT count(*) FROM passages p WHERE p.doc_id = d.doc_id) AS passages "
            "FROM documents d ORDER BY d.doc_id"
        ).fetchall()
        out = []
        for row in rows:
            item = _meta_from_row(row).to_dict()
            item["page_count"] = row["page_count"]
            item["passages"] = row["passages"]
            item["warnings"] = json.loads(row["warnings"])
            item["ingested_at"] = row["ingested_at"]
            out.append(item)
        return out

    def delete_document(self, doc_id: str) -> None:
        with self.transaction() as conn:
            # passage_footnotes cascade from passages; the rest cascade from documents.
            conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def write_document(
        self,
        doc: Document,
        passages: list[Passage],
        annotations: DocumentAnnotations | None = None,
    ) -> dict[str, int]:
        """Store a document with its pages, blocks, footnotes, passages and annotations.

        Replaces any earlier version of the same path. Runs inside the caller's transaction
        when there is one. Returns the number of rows written per kind.
        """
        meta = doc.meta
        with self.transaction() as conn:
            conn.execute("DELETE FROM documents WHERE path = ? OR doc_id = ?", (meta.path, meta.doc_id))
            conn.execute(
                "INSERT INTO documents (doc_id, path, sha256, source_format, title, kind, publisher, "
                "date, identifier, language, size_bytes, page_count, warnings) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    meta.doc_id, meta.path, meta.sha256, meta.source_format, meta.title, meta.kind,
                    meta.publisher, meta.date, meta.identifier, meta.language, meta.size_bytes,
                    len(doc.pages), json.dumps(doc.warnings, ensure_ascii=False),
                ),
            )
            block_ids: dict[tuple[int, int], int] = {}
            n_blocks = n_footnotes = 0
            for page in doc.pages:
                conn.execute(
                    "INSERT INTO pages (doc_id, page_index, printed, status, note, text) VALUES (?,?,?,?,?,?)",
                    (meta.doc_id, page.index, page.printed, page.status, page.note, page.text),
                )
                for ordinal, (block, start) in enumerate(zip(page.blocks, page.block_offsets())):
                    cur = conn.execute(
                        "INSERT INTO blocks (doc_id, page_index, ordinal, kind, level, text, char_start, markers, rows) "
                        "VALUES (?,?,?,?,?,?,?,?,?)",
                        (
                            meta.doc_id, page.index, ordinal, block.kind, block.level, block.text, start,
                            json.dumps(block.markers),
                            json.dumps(block.rows, ensure_ascii=False) if block.rows is not None else None,
                        ),
                    )
                    block_ids[(page.index, ordinal)] = cur.lastrowid
                    n_blocks += 1
                for note in page.footnotes:
                    conn.execute(
                        "INSERT OR REPLACE INTO footnotes (doc_id, page_index, number, text) VALUES (?,?,?,?)",
                        (meta.doc_id, page.index, note.number, note.text),
                    )
                    n_footnotes += 1
            passage_ids = self._stable_passage_ids(meta.doc_id, passages)
            for passage, passage_id in zip(passages, passage_ids):
                conn.execute(
                    "INSERT INTO passages (passage_id, doc_id, ordinal, text, heading, heading_path, page_start, "
                    "page_end, char_start, char_end, printed_pages, text_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        passage_id, meta.doc_id, passage.ordinal, passage.text, passage.heading,
                        json.dumps(passage.heading_path, ensure_ascii=False), passage.page_start,
                        passage.page_end, passage.char_start, passage.char_end,
                        json.dumps(passage.printed_pages), text_hash(passage.text),
                    ),
                )
                for note in passage.footnotes:
                    conn.execute(
                        "INSERT OR REPLACE INTO passage_footnotes (passage_id, number, text) VALUES (?,?,?)",
                        (passage_id, note.number, note.text),
                    )
            n_refs = n_mentions = 0
            if annotations is not None:
                n_refs, n_mentions = self._write_annotations(
                    meta.doc_id, annotations, block_ids, passages, passage_ids
                )
        return {
            "pages": len(doc.pages),
            "blocks": n_blocks,
            "footnotes": n_footnotes,
            "passages": len(passages),
            "references": n_refs,
            "mentions": n_mentions,
        }

    def _stable_passage_ids(self, doc_id: str, passages: list[Passage]) -> list[int]:
        """The ids of a document's passages, derived from what they are, not from when they were
        written: a saved link or a citation to a passage keeps working after the document is
        ingested again, as long as the passage's text is unchanged (`stable_passage_id`).

        Runs after the document's old rows are deleted, so an unchanged passage gets its old id
        back. An id another document's passage holds (a hash collision, about one in 10^9 for a
        corpus of 10^5 passages) moves on to the next salt, so ids stay unique."""
        taken: set[int] = set()
        seen: dict[tuple[str, str], int] = {}
        out: list[int] = []
        for passage in passages:
            key = (passage.heading, passage.text)
            occurrence = seen.get(key, 0)
            seen[key] = occurrence + 1
            salt = 0
            while True:
                pid = stable_passage_id(doc_id, passage.heading, passage.text, occurrence, salt)
                if pid not in taken and self.conn.execute(
                    "SELECT 1 FROM passages WHERE passage_id = ?", (pid,)
                ).fetchone() is None:
                    break
                salt += 1
            taken.add(pid)
            out.append(pid)
        return out

    def _write_annotations(
        self,
        doc_id: str,
        annotations: DocumentAnnotations,
        block_ids: dict[tuple[int, int], int],
        passages: list[Passage],
        passage_ids: list[int],
    ) -> tuple[int, int]:
        locate = _PassageLocator(passages, passage_ids)
        n_refs = n_mentions = 0
        for item in annotations.items:
            block_id = block_ids.get((item.page_index, item.block_ordinal)) if item.block_ordinal is not None else None
            for ref in item.references:
                passage_id = locate(item.page_index, item.block_char_start + ref.start) if item.block_ordinal is not None \
                    else locate.for_footnote(item.page_index, item.footnote_number)
                self.conn.execute(
                    "INSERT INTO refs (doc_id, page_index, block_id, footnote_number, passage_id, start, end, text, "
                    "kind, canonical, url, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        doc_id, item.page_index, block_id, item.footnote_number, passage_id, ref.start, ref.end,
                        ref.text, ref.kind, ref.canonical, ref.url, json.dumps(ref.detail, ensure_ascii=False),
                    ),
                )
                n_refs += 1
            for mention in item.mentions:
                passage_id = locate(item.page_index, item.block_char_start + mention.start) if item.block_ordinal is not None \
                    else locate.for_footnote(item.page_index, item.footnote_number)
                self.conn.execute(
                    "INSERT INTO mentions (doc_id, page_index, block_id, footnote_number, passage_id, start, end, "
                    "text, label) VALUES (?,?,?,?,?,?,?,?,?)",
                    (
                        doc_id, item.page_index, block_id, item.footnote_number, passage_id, mention.start,
                        mention.end, mention.text, mention.label,
                    ),
                )
                n_mentions += 1
        return n_refs, n_mentions

    # -- passages --------------------------------------------------------------------------

    # -- shared lookups: every read-side module asks these instead of writing its own SQL ------

    def settings(self) -> dict[str, str]:
        return read_settings(self.conn)

    def setting(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def require_document(self, doc_id: str) -> DocumentMeta:
        """The document's metadata; a NotFoundError that names close ids when there is none."""
        meta = self.get_document(doc_id)
        if meta is None:
            raise NotFoundError(self.unknown_document_message(doc_id))
        return meta

    def unknown_document_message(self, doc_id: str) -> str:
        ids = sorted(self.document_ids())
        close = [i for i in ids if doc_id.lower() in i.lower()]
        named = self.documents_named(doc_id)
        if named:
            close = [m.doc_id for m in named] + [i for i in close if i not in {m.doc_id for m in named}]
        hint = f"; did you mean {', '.join(close[:3])}?" if close else ""
        return f"no document with id {doc_id!r} in the index{hint} (list them with `policykb docs`)"

    def resolve_document(self, name: str) -> DocumentMeta:
        """The one document `name` names: its id, its file name, or its identifier in any spelling
        the reference parser reads (`AFS 2023:15`, `afs 2023:15`, `Prop. 2019/20:164`). Every
        front end that takes a document (`show`, `export`, `GET /documents/{id}` …) resolves it
        here. A name that fits several documents, or none, is a NotFoundError that lists them."""
        meta = self.get_document(name)
        if meta is not None:
            return meta
        named = self.documents_named(name)
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            ids = ", ".join(m.doc_id for m in named[:5])
            raise NotFoundError(f"{name!r} names {len(named)} documents ({ids}); give the document id instead")
        raise NotFoundError(self.unknown_document_message(name))

    def documents_named(self, name: str) -> list[DocumentMeta]:
        """The documents whose file name or identifier is `name` (not their id: see resolve_document)."""
        name = name.strip()
        if not name:
            return []
        found: dict[str, None] = {}
        lowered = name.lower()
        for row in self.conn.execute("SELECT doc_id, path FROM documents"):
            if row["doc_id"].lower() == lowered or row["path"] == name or Path(row["path"]).name == name:
                found[row["doc_id"]] = None
        from policykb.legal import identifier_canonicals

        wanted = set(identifier_canonicals(name, None))
        folded = " ".join(name.lower().split())
        # The canonical forms each document is known by are stored (`document_identifiers`, written
        # with the citation graph); only a document without them has its identifier parsed here.
        known: dict[str, set[str]] = {}
        for doc_id, canonical in self.conn.execute("SELECT doc_id, canonical FROM document_identifiers"):
            known.setdefault(doc_id, set()).add(canonical)
        for row in self.conn.execute("SELECT doc_id, identifier, date FROM documents WHERE identifier IS NOT NULL"):
            identifier = row["identifier"]
            if " ".join(identifier.lower().split()) == folded:
                found[row["doc_id"]] = None
            elif wanted:
                forms = known.get(row["doc_id"])
                if forms is None:
                    forms = set(identifier_canonicals(identifier, row["date"]))
                if wanted & forms:
                    found[row["doc_id"]] = None
        return [meta for meta in (self.get_document(doc_id) for doc_id in found) if meta is not None]

    def passage_at(self, doc_id: str, page_index: int, offset: int) -> int | None:
        """The passage of `doc_id` holding the character at `offset` of page `page_index`."""
        return passage_spans(self.conn, doc_id).at(page_index, offset)

    def footnote_page(self, doc_id: str, number: int, marker_page: int) -> int | None:
        """The page of footnote `number` that a marker on `marker_page` points to."""
        pages = [r[0] for r in self.conn.execute(
            "SELECT page_index FROM footnotes WHERE doc_id = ? AND number = ?", (doc_id, number))]
        return nearest_footnote_page(pages, marker_page)

    def get_passage(self, passage_id: int) -> sqlite3.Row | None:
        # SQLite cannot even bind an integer outside 64 bits (OverflowError): such an id names no row.
        if not MIN_ROWID <= passage_id <= MAX_ROWID:
            return None
        return self.conn.execute(
            "SELECT p.*, d.title, d.identifier, d.kind AS doc_kind, d.publisher, d.date "
            "FROM passages p JOIN documents d USING (doc_id) WHERE p.passage_id = ?",
            (passage_id,),
        ).fetchone()

    def passage_footnotes(self, passage_id: int) -> list[dict[str, Any]]:
        return [
            {"number": r["number"], "text": r["text"]}
            for r in self.conn.execute(
                "SELECT number, text FROM passage_footnotes WHERE passage_id = ? ORDER BY number", (passage_id,)
            )
        ]

    # -- summary ---------------------------------------------------------------------------

    def stats(self) -> StoreStats:
        def count(sql: str) -> int:
            return self.conn.execute(sql).fetchone()[0]

        return StoreStats(
            documents=count("SELECT count(*) FROM documents"),
            pages=count("SELECT count(*) FROM pages"),
            unread_pages=count("SELECT count(*) FROM pages WHERE status = 'unread'"),
            blocks=count("SELECT count(*) FROM blocks"),
            footnotes=count("SELECT count(*) FROM footnotes"),
            passages=count("SELECT count(*) FROM passages"),
            references=count("SELECT count(*) FROM refs"),
            mentions=count("SELECT count(*) FROM mentions"),
        )


class WriteAbortedError(StoreError):
    """The write transaction is gone: the whole run stops (nothing of it was stored)."""


class DiskFullError(WriteAbortedError):
    """The disk (or the store's size limit) is full; the store is as it was before the run."""


def is_disk_full(exc: BaseException) -> bool:
    """SQLite's SQLITE_FULL ("database or disk is full"), or ENOSPC/EDQUOT from a file write
    (the vector files). One test for both, as both mean the same to the user."""
    import errno

    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        return code == 13 or "database or disk is full" in str(exc)  # 13: SQLITE_FULL
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def disk_full_message(index_dir: Path) -> str:
    """What happened, how much space there is, what is needed, and what to do (one line)."""
    import shutil

    from policykb.config import VECTORS_FILENAME

    try:
        free = f"{shutil.disk_usage(index_dir).free / 2**20:,.1f} MB free"
    except OSError:
        free = "free space unknown"
    try:
        vectors = (index_dir / VECTORS_FILENAME).stat().st_size
    except OSError:
        vectors = 0
    try:
        store = sum(p.stat().st_size for p in index_dir.glob(DB_FILENAME + "*"))
    except OSError:
        store = 0
    return (
        f"the disk holding the index in {index_dir} is full ({free}; an ingest needs room for its new rows "
        f"and a new copy of the vectors, {vectors / 2**20:,.1f} MB, beside the store's {store / 2**20:,.1f} MB): "
        f"nothing was stored and the index is as it was; free some space and run the command again"
    )


def read_settings(conn: sqlite3.Connection) -> dict[str, str]:
    """The index's settings (embedding model, vectors checksum, …), for readers holding a bare connection."""
    return dict(conn.execute("SELECT key, value FROM settings").fetchall())


def passage_spans(conn: sqlite3.Connection, doc_id: str) -> PassageSpans:
    """The stored passages of `doc_id` as position ranges (which passage holds a point)."""
    return PassageSpans([
        ((r[0], r[1]), (r[2], r[3]), r[4])
        for r in conn.execute(
            "SELECT page_start, char_start, page_end, char_end, passage_id FROM passages "
            "WHERE doc_id = ? ORDER BY ordinal",
            (doc_id,),
        )
    ])


class _PassageLocator:
    """Maps a (page, offset in page text) or a footnote to the passage that holds it."""

    def __init__(self, passages: list[Passage], passage_ids: list[int]):
        self.spans = PassageSpans([
            ((p.page_start, p.char_start), (p.page_end, p.char_end), pid) for p, pid in zip(passages, passage_ids)
        ])
        self.footnote_owner: dict[tuple[int, int], int] = {}
        for p, pid in zip(passages, passage_ids):
            for note in p.footnotes:
                self.footnote_owner.setdefault((p.page_start, note.number), pid)
                self.footnote_owner.setdefault((p.page_end, note.number), pid)

    def __call__(self, page_index: int, offset: int) -> int | None:
        return self.spans.at(page_index, offset)

    def for_footnote(self, page_index: int, number: int | None) -> int | None:
        if number is None:
            return None
        return self.footnote_owner.get((page_index, number))


# Passage ids stay below 2**53 so that JSON clients reading them as doubles (JavaScript) keep
# them exact; 0 is never used (some clients treat it as "no id").
PASSAGE_ID_BITS = 53


def stable_passage_id(doc_id: str, heading: str, text: str, occurrence: int = 0, salt: int = 0) -> int:
    """A passage's id from its document, heading and text (and, for a passage that repeats
    under the same heading, which repeat it is): the same passage of the same document gets
    the same id in every ingest, in every index. 1 <= id < 2**53."""
    import hashlib

    digest = hashlib.blake2b(
        "\x1f".join((doc_id, heading, text, str(occurrence), str(salt))).encode("utf-8"), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big") % (2**PASSAGE_ID_BITS - 1) + 1


def text_hash(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _meta_from_row(row: sqlite3.Row) -> DocumentMeta:
    return DocumentMeta(
        doc_id=row["doc_id"],
        path=row["path"],
        sha256=row["sha256"],
        source_format=row["source_format"],
        title=row["title"],
        kind=row["kind"],
        publisher=row["publisher"],
        date=row["date"],
        identifier=row["identifier"],
        language=row["language"],
        size_bytes=row["size_bytes"],
    )


def _split_sql(script: str) -> list[str]:
    """Split a migration script into complete statements (triggers keep their inner ';')."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        if not pending and line.strip().startswith("--"):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements
