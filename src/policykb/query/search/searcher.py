"""Passage search: lexical (FTS5 BM25) and dense (FAISS) retrieval, fused, filtered.

    from policykb.query.search.searcher import Searcher, search
    hits = search("index", "vem ansvarar för rehabilitering i hemmet", k=10)
    with Searcher("index") as searcher:          # opens the store and FAISS once
        searcher.search("MAR arbetsuppgifter", mode="hybrid", filters=Filters(kind="report"))

How a hybrid query runs:
1. `query.QueryAnalyzer` cleans it (a very long query is cut, with a warning), expands
   acronyms and act names both ways, finds legal references in it, and translates an English
   query into Swedish terms (`crosslingual`).
2. Lexical: BM25 over the analysed passages, top `CANDIDATES`. Dense: the query embedded with
   the index's model (an English query's vector averaged with its Swedish translation's), top
   `CANDIDATES` passages from FAISS. Passages citing a reference in the query join the
   candidates. Filters restrict both sides inside the search, before anything is cut.
3. Every candidate gets both scores (the dense score from its stored vector and its best
   sentence unit, the BM25 score by a second FTS5 query restricted to the candidates), each
   normalised over the candidates, and the fused score is their weighted sum, plus a boost for
   citing a referenced act or section. Normalised score fusion beats reciprocal-rank fusion
   here because it keeps how far apart the scores are (see README "Design: search").
4. The best passages are cut into segments of a few sentences, ranked by their passage's score
   and their own match (`segments.py`); near-duplicates (the same paragraph in two reports, a
   repeated slide) drop out, and the top k become `Hit`s with the matched words' offsets.

`Searcher` is safe for concurrent use: each thread gets its own read-only SQLite connection;
FAISS searches are read-only; the embedding model is loaded once, on the first dense query.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policykb.index import lexical
from policykb.config import VECTORS_META_FILENAME
from policykb.errors import InputError, ModelError, NotFoundError, StoreError
from policykb.query.pagelabel import is_paged, page_fields, page_range_label
from policykb.chunk import SEGMENT_WORDS
from policykb.query.search.segments import (
    SEGMENT_DEPTH,
    PassageUnits,
    best_sentence,
    best_unit_scores,
    load_units,
    rank_segments,
    term_idf,
)
from policykb.query.search.plan import (
    QueryAnalyzer,
    QueryPlan,
    ReferenceFinder,
    default_reference_finder,
    default_synonym_groups,
    parse_reference_canonicals,
)
from policykb.store import Store, read_settings
from policykb.swedish.text import DUPLICATE_CONTAINMENT, check_unicode, containment, shingles

MODES = ("hybrid", "lexical", "dense")
# Passages whose sentence units (and their vectors, ~15 kB a passage) a searcher keeps in memory.
UNITS_CACHE_PASSAGES = 2048
MAX_K = 100  # the most hits one search returns (CLI, API and the MCP tools alike)
CANDIDATES = 100  # per side, before fusion
# The years a --year-from/--year-to filter may name (CLI, API and the MCP tools alike); outside
# them a year is a typo, and beyond 64 bits SQLite cannot even bind it.
MIN_YEAR, MAX_YEAR = 1800, 2200
# Normalised score fusion: fused = DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * lexical. Chosen on
# the training queries (0.4 / 0.5 / 0.6 / 0.7; README "Search quality").
DENSE_WEIGHT = 0.6
RRF_K = 60
# Added to the fused score (scale 0..1) of a passage citing a reference named in the query,
# scaled by how specific the reference is in this index (log N/n / log N): a section cited by
# three passages counts fully, an act half the corpus cites hardly at all.
REFERENCE_BOOST = 0.15
# BM25 of the expansion phrases (synonyms of what the query names) counts this much next to the
# BM25 of the query's own words. 0: on the training queries the lexical expansion added +0.002
# nDCG@10 and on the test queries it took 0.003 away, so it is off (the dense side still reads
# the spelled-out forms; README "Search quality"). A searcher may turn it back on.
EXPANSION_WEIGHT = 0.0
# BM25 of the official forms of a query's everyday words (`register.py`: `psyket` -> `psykiatrisk
# vård`) next to the BM25 of the query's own words. Chosen on the training queries (0 / 0.25 / 0.5 /
# 1 / 1.5 / 2: +0.004 / +0.004 / +0.003 / +0.007 / +0.005 / +0.004 nDCG@10; README "Search quality").
REGISTER_WEIGHT = 1.0
# A passage's dense score: this much the cosine of its vector, the rest its best sentence unit's.
# Chosen on the training queries (0 / 0.3 / 0.5): the best sentence alone.
PASSAGE_VECTOR_WEIGHT = 0.0
# Analysed passages kept in memory by a Searcher (keyed by text, so an ingest cannot make them stale).
TOKEN_CACHE_SIZE = 5000
FUSIONS = ("score", "rrf")
# More like this: how many of the source passage's most distinctive terms make its lexical query.
LIKE_TERMS = 25
# How many BM25 scores the one lexical query of a hybrid search reads: its best CANDIDATES are the
# lexical candidates, and the rest give the dense candidates their BM25 without a second FTS5 query
# (`rowid IN (...)` re-runs the MATCH once per id: ~8 ms a query on the bundled corpus, against
# ~1 ms for reading every matching passage). Only when a query matches more passages than this
# are the dense candidates outside them scored by a second query.
LEXICAL_SCORED = 2000

Warn = Callable[[str], None]


@dataclass
class Filters:
    """Restrict a search to some documents or passages; applied before the top k is cut."""

    kind: str | None = None
    publisher: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    doc: str | None = None
    cites: str | None = None

    def is_empty(self) -> bool:
        return not any(v not in (None, "") for v in self.__dict__.values())


@dataclass
class Hit:
    rank: int
    score: float
    passage_id: int
    doc_id: str
    title: str | None
    identifier: str | None
    pages: list[int]
    heading: str
    text: str
    highlights: list[tuple[int, int]] = field(default_factory=list)
    printed_pages: list[str | None] = field(default_factory=list)
    span: tuple[int, int] | None = None  # where `text` sits in the passage's full text
    paged: bool = True  # False for a text document without page breaks: its pages say nothing
    # The sentence of `text` that carries the match (the answer, not just the passage), and its
    # [start, end] offsets into `text`.
    best_sentence: str = ""
    best_sentence_span: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "passage_id": self.passage_id,
            "doc_id": self.doc_id,
            "title": self.title,
            "identifier": self.identifier,
            "pages": self.pages,
            **page_fields(
                self.pages[0] if self.pages else None, self.printed_pages[0] if self.printed_pages else None, self.paged
            ),
            "printed_pages": self.printed_pages,
            "page_range_label": page_range_label(self.pages, self.printed_pages, self.paged),
            "heading": self.heading,
            "text": self.text,
            "highlights": [list(h) for h in self.highlights],
            "span": list(self.span) if self.span is not None else None,
            "best_sentence": self.best_sentence,
            "best_sentence_span": list(self.best_sentence_span) if self.best_sentence_span is not None else None,
        }


def search(
    index: str | os.PathLike | Searcher,
    query: str,
    k: int = 10,
    mode: str = "hybrid",
    filters: Filters | None = None,
    *,
    warn: Warn | None = None,
) -> list[Hit]:
    """Search an index directory (opened for this call) or an open `Searcher`."""
    if isinstance(index, Searcher):
        return index.search(query, k=k, mode=mode, filters=filters, warn=warn)
    with Searcher(index) as searcher:
        return searcher.search(query, k=k, mode=mode, filters=filters, warn=warn)


VECTORS_STALE_WARNING = (
    "the vectors do not match the store (an ingest was interrupted or is still running) and are being "
    "rebuilt, so these are lexical results only; run `policykb ingest PATH` (any path, even an unchanged "
    "one) to repair them"
)


STALE_ANALYSIS_WARNING = (
    "the index's words were analysed by an older version of policykb, so word matches may be missed; "
    "run `policykb ingest PATH` (any path, even an unchanged one) to re-analyse them (nothing is re-embedded)"
)


class Searcher:
    """An open index: the store, the lexicon, the FAISS vectors and the query embedder."""

    def __init__(
        self,
        index_dir: str | os.PathLike,
        *,
        synonym_groups: Sequence[Sequence[str]] | None = None,
        reference_finder: ReferenceFinder | None | bool = True,
        fusion: str = "score",
        dense_weight: float = DENSE_WEIGHT,
        embedder: Any = None,
        segments: bool = False,
        segment_words: int = SEGMENT_WORDS,
    ):
        """`segments`: return the best segments of the best passages, or whole passages (the
        default: segments helped the training queries by 0.007 nDCG@10 and cost the test queries
        0.024; each hit names its best sentence either way); `segment_words`: the size segments
        are grouped to."""
        if fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {FUSIONS}")
        self.index_dir = Path(index_dir)
        self.fusion = fusion
        self.dense_weight = dense_weight
        self.segments = segments
        self.segment_words = segment_words
        self._token_cache: dict[str, list] = {}
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._units_cache: OrderedDict[tuple[int, str | None], PassageUnits] = OrderedDict()
        self._embedder = embedder
        self._vectors: Any = None
        self._vectors_stamp: tuple[int, int] | None = None
        store = Store.open(self.index_dir, create=False, readonly=True)
        self._register(store.conn)
        settings = store.settings()
        self.model_id = settings.get("embedding_model")
        if store.conn.execute("SELECT count(*) FROM passages").fetchone()[0] == 0:
            raise StoreError(f"the index in {self.index_dir} has no passages yet; run `policykb ingest PATH` first")
        if embedder is not None and self.model_id and embedder.model_id != self.model_id:
            raise ModelError(
                f"the index in {self.index_dir} was built with model {self.model_id!r}, not "
                f"{embedder.model_id!r}; search with the index's model or re-index with "
                f"`policykb ingest PATH --model {embedder.model_id}`"
            )
        self.lexicon = lexical.Lexicon(self.connection)
        self.analysis_current = lexical.analysis_is_current(store.conn)
        groups = default_synonym_groups() if synonym_groups is None else synonym_groups
        if reference_finder is True:
            reference_finder = default_reference_finder()
        self.query_analyzer = QueryAnalyzer(
            self.lexicon.analyzer(), groups, reference_finder or None, frequency=self.lexicon.frequency,
            known_words=self.lexicon.known,
        )

    # -- connections ---------------------------------------------------------------------------

    def _register(self, conn: sqlite3.Connection) -> None:
        self._local.conn = conn
        with self._lock:
            self._connections.append(conn)

    def connection(self) -> sqlite3.Connection:
        """The read connection every query of this thread runs on.

        With `vector_index()` this is the extension point for pinning a snapshot: a subclass
        returning one connection (holding a read transaction) and the vectors checked against
        it sees one consistent corpus while an ingest commits (the API does this).
        """
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = Store.open(self.index_dir, create=False, readonly=True).conn
            self._register(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._connections.clear()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def document_ids(self) -> set[str]:
        return {r[0] for r in self.connection().execute("SELECT doc_id FROM documents")}

    # -- dense side ----------------------------------------------------------------------------

    def vector_index(self):  # noqa: ANN202
        """The FAISS index, (re)loaded when an ingest has swapped in new vectors."""
        from policykb.index.vectors import VECTORS_CURRENT, VectorIndex, vectors_state

        meta_path = self.index_dir / VECTORS_META_FILENAME
        try:
            stat = meta_path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
        if self._vectors is not None and stamp == self._vectors_stamp:
            return self._vectors
        with self._lock:
            if self._vectors is not None and stamp == self._vectors_stamp:
                return self._vectors
            conn = self.connection()
            settings = read_settings(conn)
            count = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
            # The cheap check first: stale vectors are not read (and hashed) again on every query.
            if vectors_state(self.index_dir, settings, count) != VECTORS_CURRENT:
                raise StoreError(
                    f"the vectors in {self.index_dir} do not match the store; run `policykb ingest` to rebuild them"
                )
            index = VectorIndex.load(self.index_dir, expected_model=settings.get("embedding_model"), expected_count=count)
            expected = settings.get("vectors_checksum")
            if expected and index.meta.checksum != expected:
                raise StoreError(
                    f"the vectors in {self.index_dir} are not the ones the store was last indexed with; "
                    f"an ingest may be running or was interrupted: run `policykb ingest` again to re-index"
                )
            self._vectors, self._vectors_stamp = index, stamp
            self.model_id = index.meta.model_id
            return index

    def usable_vectors(self, warn: Warn | None = None):  # noqa: ANN201
        """The FAISS index when it matches the store; else None, with one warning. The vectors
        lag the store only when a writer was stopped between its store commit and its vector
        swap (or is between them now); the store itself is whole, so search goes on lexically
        rather than refusing (`vectors.vectors_state`, README "Store")."""
        try:
            return self.vector_index()
        except (StoreError, ModelError):
            if warn is not None:
                warn(VECTORS_STALE_WARNING)
            return None

    def _model(self):  # noqa: ANN202
        """The index's embedding model, loaded on first use (ModelError if it cannot be)."""
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    from policykb.index.embed import load_embedder

                    self._embedder = load_embedder(self.model_id)
        return self._embedder

    def similarity(self, query: str, texts: Sequence[str], passage_ids: Sequence[int | None] | None = None) -> list[float]:
        """The cosine of each of `texts` (read as passages) to `query` (read as a query) under the
        index's embedding model: how near in meaning a text is to a question or a proposal.

        `passage_ids` (one per text, or None) names the passage a text was cut from: a text that is
        one of that passage's sentence units, as stored, takes the unit's stored vector instead of
        being embedded again (a remiss draft's quotes are mostly single sentences: 84 % of the
        strategy's; embedding them one by one was 7 of its 8 seconds)."""
        if not texts:
            return []
        import numpy as np

        stored = self._stored_unit_vectors(texts, passage_ids) if passage_ids is not None else {}
        model = self._model()
        fresh = [i for i in range(len(texts)) if i not in stored]
        with self._lock:
            query_vector = model.encode_queries([query])[0]
            vectors = model.encode_passages([texts[i] for i in fresh]) if fresh else []
        by_index = dict(stored)
        by_index.update(zip(fresh, vectors))
        return [float(np.dot(by_index[i], query_vector)) for i in range(len(texts))]

    def _stored_unit_vectors(self, texts: Sequence[str], passage_ids: Sequence[int | None]) -> dict[int, Any]:
        """Index of a text -> the stored vector of the sentence unit of its passage it equals
        (compared with whitespace runs made single spaces, as quotes are)."""
        wanted = {int(pid) for pid in passage_ids if pid is not None}
        if not wanted or not self.model_id:
            return {}
        conn = self.connection()
        units = self._load_units(conn, sorted(wanted), self.model_id)
        marks = ",".join("?" * len(wanted))
        passage_text = dict(conn.execute(f"SELECT passage_id, text FROM passages WHERE passage_id IN ({marks})", sorted(wanted)))
        out: dict[int, Any] = {}
        for i, (text, pid) in enumerate(zip(texts, passage_ids)):
            unit = units.get(int(pid)) if pid is not None else None
            if unit is None or unit.vectors is None or pid not in passage_text:
                continue
            whole = passage_text[pid]
            for (start, end), vector in zip(unit.spans, unit.vectors):
                if " ".join(whole[start:end].split()) == text:
                    out[i] = vector
                    break
        return out

    def _embed_query(self, texts: Sequence[str]):  # noqa: ANN202
        """One query vector (1 x d): the normalised mean of the texts' vectors (an English query
        and its Swedish translation)."""
        model = self._model()
        with self._lock:  # one query at a time through the model: it already uses every core
            vectors = model.encode_queries(list(texts))
        if len(vectors) == 1:
            return vectors
        import numpy as np

        mean = vectors.mean(axis=0, keepdims=True)
        return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)

    # -- filters -------------------------------------------------------------------------------

    def _filter_sql(self, filters: Filters | None) -> tuple[str | None, list[object]]:
        if filters is None or filters.is_empty():
            return None, []
        where, params = [], []
        self._check_filter_values(filters)
        if filters.kind:
            where.append("lower(d.kind) = lower(?)")
            params.append(filters.kind.strip())
        if filters.publisher:
            where.append("lower(d.publisher) LIKE '%' || lower(?) || '%'")
            params.append(filters.publisher.strip())
        if filters.year_from is not None:
            where.append("CAST(substr(d.date, 1, 4) AS INTEGER) >= ?")
            params.append(int(filters.year_from))
        if filters.year_to is not None:
            where.append("d.date IS NOT NULL AND CAST(substr(d.date, 1, 4) AS INTEGER) <= ?")
            params.append(int(filters.year_to))
        if filters.doc:
            doc = filters.doc.strip()
            where.append("(d.doc_id = ? OR d.identifier = ? OR d.path = ?)")
            params.extend([doc, doc, doc])
        if filters.cites:
            canonicals = parse_reference_canonicals(filters.cites)
            if not canonicals:
                raise InputError(
                    f"--cites {filters.cites!r}: no legal reference found in it; write it as e.g. "
                    f"'SFS 2017:30', '2 kap. 3 § HSL' or 'prop. 2019/20:164'"
                )
            # The citation graph, as `xref` reads it: an act's row stands for its chapters and sections.
            marks = ", ".join("?" for _ in canonicals)
            where.append(f"p.passage_id IN (SELECT c.passage_id FROM citations c WHERE c.target IN ({marks}))")
            params.extend(canonicals)
        sql = "SELECT p.passage_id FROM passages p JOIN documents d ON d.doc_id = p.doc_id WHERE " + " AND ".join(where)
        return sql, params

    def _check_filter_values(self, filters: Filters) -> None:
        """A year out of range, or a --kind or --doc that names nothing in the index, is a typo:
        say what there is."""
        for option, year in (("--year-from", filters.year_from), ("--year-to", filters.year_to)):
            if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
                raise InputError(f"{option} {year}: give a year from {MIN_YEAR} to {MAX_YEAR}, e.g. {option} 2020")
        for option, value in (("--kind", filters.kind), ("--publisher", filters.publisher), ("--doc", filters.doc),
                              ("--cites", filters.cites)):
            if value:
                check_unicode(value, option)
        conn = self.connection()
        if filters.kind:
            kinds = sorted({r[0] for r in conn.execute("SELECT DISTINCT kind FROM documents") if r[0]})
            if filters.kind.strip().lower() not in {k.lower() for k in kinds}:
                raise InputError(
                    f"--kind {filters.kind!r}: no document of that kind in the index; "
                    f"kinds here: {', '.join(kinds) or 'none recorded'}"
                )
        if filters.doc:
            doc = filters.doc.strip()
            found = conn.execute(
                "SELECT 1 FROM documents WHERE doc_id = ? OR identifier = ? OR path = ?", (doc, doc, doc)
            ).fetchone()
            if found is None:
                raise InputError(f"--doc {doc!r}: no such document in the index; `policykb docs` lists them")

    # -- search --------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int = 10,
        mode: str = "hybrid",
        filters: Filters | None = None,
        *,
        warn: Warn | None = None,
    ) -> list[Hit]:
        if mode not in MODES:
            raise InputError(f"unknown mode {mode!r}; use one of: {', '.join(MODES)}")
        k = self._check_k(k, warn)
        plan = self.query_analyzer.plan(query)
        for message in plan.warnings:
            if warn is not None:
                warn(message)
        if not self.analysis_current and warn is not None and mode != "dense":
            warn(STALE_ANALYSIS_WARNING)
        if mode == "lexical" and not plan.has_lexical_terms:
            raise InputError(
                "nothing to search for: the query has only stop words or punctuation; add a content word, "
                "or use --mode dense or hybrid"
            )
        conn = self.connection()
        allowed_sql, allowed_params = self._filter_sql(filters)
        allowed_ids: list[int] | None = None
        if allowed_sql is not None:
            allowed_ids = [r[0] for r in conn.execute(allowed_sql, allowed_params)]
            if not allowed_ids:
                return []
        depth = max(CANDIDATES, 2 * k)

        lexical_scores: dict[int, float] = {}
        scored = _LexicalScores([])
        matches = (
            lexical.match_expression(plan.terms),
            lexical.match_expression([], plan.phrases),
            lexical.match_expression([], plan.register_phrases),
        )
        def lexical_side() -> tuple[_LexicalScores, dict[int, float]]:
            """The lexical query's scores and its best `depth` candidates, each scored exactly."""
            read = self._lexical(conn, matches, max(depth, LEXICAL_SCORED), allowed_sql, allowed_params)
            return read, read.exact(conn, list(read.ranked())[:depth])

        if mode in ("hybrid", "lexical"):
            scored, lexical_scores = lexical_side()
        dense_scores: dict[int, float] = {}
        query_vector = None
        if mode in ("hybrid", "dense"):
            index = self.usable_vectors(warn)
            if index is None:  # stale vectors: answer from what is consistent, the lexical side
                if mode == "dense":
                    scored, lexical_scores = lexical_side()
                mode = "lexical"
        if mode in ("hybrid", "dense"):
            query_vector = self._embed_query(plan.dense_texts)
            scores, ids = index.search(query_vector, depth, allowed_ids=allowed_ids)
            dense_scores = {int(i): float(s) for s, i in zip(scores[0], ids[0]) if i >= 0}

        citing: dict[int, float] = {}
        if mode == "hybrid" and plan.references:
            citing = self._citing(conn, plan.references, allowed_sql, allowed_params, depth)

        units: dict[int, PassageUnits] = {}
        if mode == "lexical":
            ranked = _normalised(sorted(lexical_scores.items(), key=lambda kv: -kv[1]), _max_scaled)
        elif mode == "dense":
            units = self._load_units(conn, list(dense_scores), self.model_id)
            dense_scores = self._with_best_units(dense_scores, units, query_vector)
            ranked = _normalised(sorted(dense_scores.items(), key=lambda kv: -kv[1]), _min_max)
        else:
            ranked, units = self._fuse(conn, scored, lexical_scores, dense_scores, citing, query_vector)
        if not self.segments:
            ranked_spans = [(pid, score, None) for pid, score in ranked]
            return self._hits(conn, ranked_spans, k, plan.highlight_terms, units=units, query_vector=query_vector)
        return self._segment_hits(conn, ranked, units, plan, query_vector, k)

    def like(
        self,
        passage_id: int,
        k: int = 10,
        filters: Filters | None = None,
        *,
        warn: Warn | None = None,
    ) -> list[Hit]:
        """Passages of OTHER documents that say what passage `passage_id` says, best first.

        What a reader wants after finding one good passage, and what a remissvar needs as
        evidence: the same question as treated elsewhere. The passage itself is the query, on
        both sides: dense, its stored vector (the mean of its sentence units) against the other
        passages'; lexical, its `LIKE_TERMS` most distinctive terms (term frequency x IDF, the
        classic more-like-this query), BM25-ranked. The two are fused as a search's are
        (`_fuse`: normalised scores, `dense_weight`). Passages of the same document are left out
        (its neighbours would crowd out everything else); filters apply as in `search`. Each
        hit is a whole passage, its best sentence the one closest to the source passage.
        """
        k = self._check_k(k, warn)
        try:
            pid = int(passage_id)
        except (TypeError, ValueError) as exc:
            raise InputError(f"--like {passage_id!r}: give a passage id, a whole number from a search hit") from exc
        conn = self.connection()
        source = conn.execute("SELECT doc_id, text FROM passages WHERE passage_id = ?", (pid,)).fetchone() if (
            -(2**63) <= pid < 2**63
        ) else None
        if source is None:
            raise NotFoundError(
                f"passage {pid}: no such passage in the index; use the passage_id of a search hit "
                f"(`policykb search QUERY --json`)"
            )
        allowed_sql, allowed_params = self._filter_sql(filters)
        other_sql = "SELECT passage_id FROM passages WHERE doc_id != ?"
        other_params: list[object] = [source["doc_id"]]
        if allowed_sql is not None:
            other_sql += f" AND passage_id IN ({allowed_sql})"
            other_params.extend(allowed_params)
        same_doc_ids = {r[0] for r in conn.execute("SELECT passage_id FROM passages WHERE doc_id = ?", (source["doc_id"],))}
        same_doc = len(same_doc_ids)
        depth = max(CANDIDATES, 2 * k)

        terms = self._distinctive_terms(conn, source["text"])
        match = lexical.match_expression(terms)
        lexical_scores: dict[int, float] = {}
        scored = _LexicalScores([])
        if match:
            # One query, the source's document dropped afterwards (as a `rowid IN (…)` filter of
            # every other passage, SQLite ran the 25-term MATCH once per passage: ~0.3 s a call);
            # its scores beyond the candidates give the dense candidates their BM25 (see search).
            scored = self._lexical(conn, (match,), max(depth, LEXICAL_SCORED) + same_doc, allowed_sql, allowed_params)
            others = [c for c in scored.ranked() if c not in same_doc_ids]
            lexical_scores = scored.exact(conn, others[:depth])
        dense_scores: dict[int, float] = {}
        query_vector = None
        index = self.usable_vectors(warn)
        if index is not None:
            query_vector = index.vectors_for([pid])
            allowed_ids = None
            if allowed_sql is not None:
                allowed_ids = [r[0] for r in conn.execute(other_sql, other_params)]
            if allowed_ids is None or allowed_ids:
                # Unfiltered, the source's own document is dropped after the search: ask for that much more.
                want = depth if allowed_ids is not None else depth + same_doc
                scores, ids = index.search(query_vector, want, allowed_ids=allowed_ids)
                other = None if allowed_ids is not None else {
                    r[0] for r in conn.execute(
                        f"SELECT passage_id FROM passages WHERE doc_id != ? AND passage_id IN "
                        f"({','.join('?' * len(ids[0]))})", [source["doc_id"], *(int(i) for i in ids[0])]
                    )
                }
                dense_scores = {
                    int(i): float(s) for s, i in zip(scores[0], ids[0]) if i >= 0 and (other is None or int(i) in other)
                }
        candidates = list(dict.fromkeys([*lexical_scores, *dense_scores]))
        if not candidates:
            return []
        if query_vector is not None:
            missing = [c for c in candidates if c not in dense_scores]
            if missing:
                for c, score in zip(missing, (index.vectors_for(missing) @ query_vector[0]).tolist()):
                    dense_scores[c] = float(score)
        if match:
            lexical_scores.update(scored.exact(conn, [c for c in candidates if c not in lexical_scores]))
        lexical_norm = _max_scaled({c: lexical_scores.get(c, 0.0) for c in candidates})
        if query_vector is None:
            fused = lexical_norm
        else:
            dense_norm = _min_max({c: dense_scores.get(c, 0.0) for c in candidates})
            w = self.dense_weight if match else 1.0
            fused = {c: w * dense_norm[c] + (1 - w) * lexical_norm[c] for c in candidates}
        ranked = sorted(fused.items(), key=lambda kv: -kv[1])
        return self._hits(conn, [(c, score, None) for c, score in ranked], k, set(terms), query_vector=query_vector)

    def _distinctive_terms(self, conn: sqlite3.Connection, text: str) -> list[str]:
        """The `LIKE_TERMS` terms of `text` with the highest term frequency x IDF; a term found in
        this passage alone (a typo, a page header) says nothing about other passages."""
        from collections import Counter

        counts = Counter(term for token in self._passage_tokens(text) for term in token.terms)
        if not counts:
            return []
        # IDF for the commonest terms only: one FTS5 count each, and a word said once in a
        # passage rarely names its subject.
        pool = [t for t, _ in counts.most_common(LIKE_TERMS * 3)]
        idf = term_idf(conn, pool)
        total = conn.execute("SELECT count(*) FROM passage_fts").fetchone()[0] or 1
        single = math.log((total - 0.5) / 1.5 + 1.0)  # the IDF of a term in one passage
        weighted = [(counts[t] * idf[t], t) for t in pool if idf[t] < single - 1e-9]
        return [t for _, t in sorted(weighted, key=lambda x: (-x[0], x[1]))[:LIKE_TERMS]]

    @staticmethod
    def _check_k(k: int, warn: Warn | None) -> int:
        try:
            k = int(k)
        except (TypeError, ValueError) as exc:
            raise InputError(f"-k must be a whole number, not {k!r}") from exc
        if k < 1:
            raise InputError(f"-k {k}: ask for at least 1 result")
        if k > MAX_K:
            if warn is not None:
                warn(f"-k {k} is more than the {MAX_K} results a search returns; showing at most {MAX_K}")
            k = MAX_K
        return k

    def _lexical(
        self,
        conn: sqlite3.Connection,
        matches: Sequence[str | None],
        limit: int,
        allowed_sql: str | None = None,
        allowed_params: Sequence[object] = (),
    ) -> _LexicalScores:
        """The BM25 scores of each part of the query, up to `limit` passages a part: its own words
        (weight 1), their expansions (EXPANSION_WEIGHT) and the official forms of its everyday
        words (REGISTER_WEIGHT)."""
        parts = []
        for match, weight in zip(matches, (1.0, EXPANSION_WEIGHT, REGISTER_WEIGHT)):
            if not match or not weight:
                continue
            found = lexical.search(conn, match, limit, allowed_sql=allowed_sql, allowed_params=allowed_params)
            parts.append(_LexicalPart(match, weight, dict(found), complete=len(found) < limit))
        return _LexicalScores(parts)

    def _citing(
        self, conn: sqlite3.Connection, canonicals: list[str], allowed_sql: str | None, params: list[object], limit: int
    ) -> dict[int, float]:
        """Passages citing any of `canonicals` (an act also matches its chapters and sections),
        each with the specificity (0..1) of the most specific reference it cites."""
        import math

        total = max(conn.execute("SELECT count(*) FROM passages").fetchone()[0], 2)
        out: dict[int, float] = {}
        for canonical in canonicals:
            sql = "SELECT DISTINCT passage_id FROM citations WHERE passage_id IS NOT NULL AND target = ?"
            args: list[object] = [canonical]
            if allowed_sql:
                sql += f" AND passage_id IN ({allowed_sql})"
                args.extend(params)
            ids = [r[0] for r in conn.execute(sql, args)]
            if not ids:
                continue
            specificity = max(0.0, math.log(total / len(ids)) / math.log(total))
            for pid in ids[: int(limit) * 5]:
                out[pid] = max(out.get(pid, 0.0), specificity)
        return out

    def _load_units(self, conn: sqlite3.Connection, passage_ids: Sequence[int], model_id: str | None) -> dict[int, PassageUnits]:
        """`segments.load_units` through a cache kept by this searcher. Safe across ingests: a
        passage id is a hash of its document, heading path and text (store), so the units under
        an id, and their vectors for one model, never change; reading them was ~6 ms a query."""
        wanted = list(dict.fromkeys(int(i) for i in passage_ids))
        out: dict[int, PassageUnits] = {}
        missing: list[int] = []
        with self._lock:
            for pid in wanted:
                cached = self._units_cache.get((pid, model_id))
                if cached is None:
                    missing.append(pid)
                else:
                    self._units_cache.move_to_end((pid, model_id))
                    out[pid] = cached
        if missing:
            loaded = load_units(conn, missing, model_id)
            with self._lock:
                for pid, units in loaded.items():
                    self._units_cache[(pid, model_id)] = units
                while len(self._units_cache) > UNITS_CACHE_PASSAGES:
                    self._units_cache.popitem(last=False)
            out.update(loaded)
        return out

    def _fuse(
        self,
        conn: sqlite3.Connection,
        scored: _LexicalScores,
        lexical_scores: dict[int, float],
        dense_scores: dict[int, float],
        citing: dict[int, float],
        query_vector: Any,
    ) -> tuple[list[tuple[int, float]], dict[int, PassageUnits]]:
        """Fused, best first; `scored`: the lexical query's scores, which give every candidate its
        BM25 (`lexical_scores` holds the lexical candidates')."""
        candidates = list(dict.fromkeys([*lexical_scores, *dense_scores, *citing]))
        if not candidates:
            return [], {}
        # Complete both scores for every candidate.
        missing_dense = [c for c in candidates if c not in dense_scores]
        if missing_dense and query_vector is not None:
            vectors = self.vector_index().vectors_for(missing_dense)
            for pid, score in zip(missing_dense, (vectors @ query_vector[0]).tolist()):
                dense_scores[pid] = float(score)
        units = self._load_units(conn, candidates, self.model_id)
        dense_scores = self._with_best_units(dense_scores, units, query_vector)
        if self.fusion == "rrf":
            return _normalised(_rrf([lexical_scores, dense_scores], citing), _max_scaled), units
        lexical_scores.update(scored.exact(conn, [c for c in candidates if c not in lexical_scores]))
        dense_norm = _min_max({c: dense_scores.get(c, 0.0) for c in candidates})
        lexical_norm = _max_scaled({c: lexical_scores.get(c, 0.0) for c in candidates})
        # A query no passage matches a word of is ranked by meaning alone.
        w = self.dense_weight if any(part.scores for part in scored.parts) else 1.0
        fused = {
            c: w * dense_norm[c] + (1 - w) * lexical_norm[c] + REFERENCE_BOOST * citing.get(c, 0.0)
            for c in candidates
        }
        return sorted(fused.items(), key=lambda kv: -kv[1]), units

    @staticmethod
    def _with_best_units(
        dense_scores: dict[int, float], units: dict[int, PassageUnits], query_vector: Any
    ) -> dict[int, float]:
        """A passage's dense score: PASSAGE_VECTOR_WEIGHT x the cosine of its (mean) vector plus
        the rest x the best cosine of one of its sentence units, so that one sentence that
        answers the query is not averaged away by the rest of the passage."""
        if query_vector is None:
            return dense_scores
        best = best_unit_scores(units, query_vector[0])
        return {
            pid: PASSAGE_VECTOR_WEIGHT * score + (1 - PASSAGE_VECTOR_WEIGHT) * best.get(pid, score)
            for pid, score in dense_scores.items()
        }

    def _segment_hits(
        self,
        conn: sqlite3.Connection,
        ranked: list[tuple[int, float]],
        units: dict[int, PassageUnits],
        plan: QueryPlan,
        query_vector: Any,
        k: int,
    ) -> list[Hit]:
        """The top k segments of the best passages (see `segments.py`)."""
        if not ranked:
            return []
        depth = max(SEGMENT_DEPTH, k)
        top = [pid for pid, _ in ranked[:depth]]
        missing = [pid for pid in top if pid not in units]
        if missing:
            units.update(self._load_units(conn, missing, self.model_id if query_vector is not None else None))
        texts = {pid: row["text"] for pid, row in _passage_rows(conn, top).items()}
        terms = list(dict.fromkeys(plan.terms))
        # An expansion phrase counts where its words stand together, as on the passage side.
        expansions = [p[0] for p in plan.phrases if len(p) == 1 and p[0] not in terms]
        phrases = [p for p in plan.phrases if len(p) > 1]
        keys = [*terms, *expansions, *(" ".join(p) for p in phrases)]
        idf = term_idf(conn, keys) if keys else {}
        segments = rank_segments(
            ranked,
            texts,
            units,
            analyzer=self.query_analyzer.analyzer,
            tokens=self._passage_tokens,
            query_terms=terms,
            expansion_terms=expansions,
            expansion_phrases=phrases,
            idf=idf,
            query_vector=None if query_vector is None else query_vector[0],
            depth=depth,
            target_words=self.segment_words,
        )
        return self._hits(
            conn,
            [(s.passage_id, s.score, (s.start, s.end)) for s in segments],
            k,
            plan.highlight_terms,
            units=units,
            query_vector=query_vector,
            idf=idf,
        )

    def _passage_tokens(self, text: str) -> list:
        """The analysed tokens of a passage text, memoised: the best passages of one query are
        often the best of the next, and analysing 30 passages is most of a query's Python time."""
        cache = self._token_cache
        found = cache.get(text)
        if found is None:
            found = self.query_analyzer.analyzer.tokens(text)
            with self._lock:
                if len(cache) >= TOKEN_CACHE_SIZE:
                    cache.pop(next(iter(cache)))
                cache[text] = found
        return found

    def _hits(
        self,
        conn: sqlite3.Connection,
        ranked: list[tuple[int, float, tuple[int, int] | None]],
        k: int,
        terms: set[str],
        *,
        units: dict[int, PassageUnits] | None = None,
        query_vector: Any = None,
        idf: dict[str, float] | None = None,
    ) -> list[Hit]:
        """The first k of `ranked` (passage id, score, span of the passage text or None for the
        whole passage) that do not repeat a hit already taken, as `Hit`s, each with the words
        matching `terms` highlighted and its best sentence named (`segments.best_sentence`)."""
        if not ranked:
            return []
        kept: list[tuple[int, float, tuple[int, int], sqlite3.Row]] = []
        seen_shingles: list[set[tuple[str, ...]]] = []
        position = 0
        while len(kept) < k and position < len(ranked):
            # Fetch a few more than k at a time: near-duplicates drop out.
            window = ranked[position : position + k * 2 + 10]
            position += len(window)
            rows = _passage_rows(conn, [pid for pid, _, _ in window])
            for pid, score, span in window:
                row = rows.get(pid)
                if row is None:
                    continue
                start, end = span if span is not None else (0, len(row["text"]))
                sh = shingles(row["text"][start:end])
                if any(containment(sh, other) >= DUPLICATE_CONTAINMENT for other in seen_shingles):
                    continue
                kept.append((pid, score, (start, end), row))
                seen_shingles.append(sh)
                if len(kept) == k:
                    break
        analyzer = self.query_analyzer.analyzer
        units = dict(units or {})
        missing = [pid for pid, _, _, _ in kept if pid not in units]
        if missing:
            units.update(self._load_units(conn, missing, self.model_id if query_vector is not None else None))
        if idf is None:
            idf = term_idf(conn, sorted(terms)) if terms else {}
        hits = []
        for rank, (pid, score, (start, end), row) in enumerate(kept, start=1):
            text = row["text"][start:end]
            # Only the words that carry a query term are analysed (`tokens_with`): a hit's first
            # analysis, compound splitting included, was most of a cold search's own work.
            matched = [(t, terms.intersection(t.terms)) for t in analyzer.tokens_with(text, terms)]
            highlights = [(t.start, t.end) for t, found in matched if found]
            sentence_span = _best_sentence_span(
                text, start, units.get(pid), [(t.start, term) for t, found in matched for term in found],
                idf, None if query_vector is None else query_vector[0],
            )
            hits.append(
                Hit(
                    rank=rank,
                    score=score,
                    passage_id=pid,
                    doc_id=row["doc_id"],
                    title=row["title"],
                    identifier=row["identifier"],
                    pages=list(range(row["page_start"], row["page_end"] + 1)),
                    heading=row["heading"],
                    text=text,
                    highlights=highlights,
                    printed_pages=json.loads(row["printed_pages"] or "[]"),
                    span=(start, end),
                    paged=is_paged(row["source_format"], row["page_count"]),
                    best_sentence=text[sentence_span[0] : sentence_span[1]],
                    best_sentence_span=sentence_span,
                )
            )
        return hits


def _best_sentence_span(
    text: str,
    offset: int,
    info: PassageUnits | None,
    matched: list[tuple[int, str]],
    idf: dict[str, float],
    query_vector: Any,
) -> tuple[int, int]:
    """[start, end] in `text` (which starts at `offset` of its passage) of its best sentence unit;
    the sentences are the passage's stored units, or split afresh for an index without them."""
    from policykb.swedish.sentences import sentence_spans

    spans: list[tuple[int, int]] = []
    vectors = None
    if info is not None and info.spans:
        inside = [i for i, (s, e) in enumerate(info.spans) if s < offset + len(text) and e > offset]
        spans = [(max(info.spans[i][0] - offset, 0), min(info.spans[i][1] - offset, len(text))) for i in inside]
        if info.vectors is not None and inside:
            vectors = info.vectors[inside[0] : inside[-1] + 1]
    if not spans:
        spans = sentence_spans(text) or [(0, len(text))]
    chosen = best_sentence(spans, matched, idf=idf, unit_vectors=vectors, query_vector=query_vector)
    start, end = spans[chosen or 0]
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass
class _LexicalPart:
    """One FTS5 query of a search and the scores it read; `complete`: every passage it matches is
    among them, so a passage not there scores 0 on it."""

    match: str
    weight: float
    scores: dict[int, float]
    complete: bool


@dataclass
class _LexicalScores:
    """The lexical side of a search: its parts' scores, each weighted, summed per passage."""

    parts: list[_LexicalPart]

    def ranked(self) -> dict[int, float]:
        """Every passage read, by its summed score over the parts that read it, best first (the
        lexical candidates are the first of these)."""
        total: dict[int, float] = {}
        for part in self.parts:
            for pid, score in part.scores.items():
                total[pid] = total.get(pid, 0.0) + part.weight * score
        return dict(sorted(total.items(), key=lambda kv: -kv[1]))

    def exact(self, conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, float]:
        """The summed score of each of `ids` over every part: read where the part read it, 0
        where the part is complete without it, else from an FTS5 query restricted to those ids
        (`rowid IN (…)` runs the MATCH once per id: only for a part that matched more passages
        than it read, never on the bundled corpus)."""
        out = dict.fromkeys(ids, 0.0)
        for part in self.parts:
            unread = [] if part.complete else [i for i in ids if i not in part.scores]
            found = dict(lexical.search(conn, part.match, len(unread), only_ids=unread)) if unread else {}
            for i in ids:
                score = part.scores.get(i, found.get(i))
                if score is not None:
                    out[i] += part.weight * score
        return out


def _passage_rows(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, sqlite3.Row]:
    if not ids:
        return {}
    rows = conn.execute(
        "SELECT p.passage_id, p.doc_id, p.text, p.heading, p.page_start, p.page_end, p.printed_pages, "
        "d.title, d.identifier, d.source_format, d.page_count FROM passages p JOIN documents d ON d.doc_id = p.doc_id "
        f"WHERE p.passage_id IN ({','.join('?' * len(ids))})",
        [int(i) for i in ids],
    )
    return {r["passage_id"]: r for r in rows}


def _min_max(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    span = hi - lo
    return {k: (v - lo) / span if span > 0 else 1.0 for k, v in scores.items()}


def _max_scaled(scores: dict[int, float]) -> dict[int, float]:
    """BM25 divided by the best candidate's: a passage with no matching word stays at 0."""
    hi = max(scores.values(), default=0.0)
    return {k: max(v, 0.0) / hi if hi > 0 else 0.0 for k, v in scores.items()}


def _rrf(rankings: Sequence[dict[int, float]], citing: dict[int, float]) -> list[tuple[int, float]]:
    fused: dict[int, float] = {}
    for scores in rankings:
        for rank, pid in enumerate(sorted(scores, key=lambda p: -scores[p]), start=1):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank)
    for pid, specificity in citing.items():
        fused[pid] = fused.get(pid, 0.0) + specificity / (RRF_K + 1)
    return sorted(fused.items(), key=lambda kv: -kv[1])


Scale = Callable[[dict[int, float]], dict[int, float]]


def _normalised(ranked: list[tuple[int, float]], scale: Scale) -> list[tuple[int, float]]:
    """The same order with scores scaled to 0..1 (what the segment ranking mixes)."""
    scaled = scale(dict(ranked))
    return [(pid, scaled[pid]) for pid, _ in ranked]
