"""The lexical index: SQLite FTS5 over analysed passage text, ranked by BM25.

Each passage is stored three times over in `passage_fts` (migration 2), already analysed by
`analysis.Analyzer` so that FTS5 only has to split on spaces:

- `terms`: the whole-word terms in text order (phrases match here),
- `parts`: the parts of compounds and hyphenated words (`hemsjukvård` -> `hem sjukvård`),
- `context`: the document title and the passage's heading path.

BM25 weighs a match in `parts` or `context` below a match in the passage's own words.
The corpus vocabulary (`lexicon`) drives the compound splitter; it is kept in the store so that
a query is split with the same vocabulary its passages were.

Queries never reach FTS5 as typed: `match_expression` builds the MATCH string from analysed
terms, each one quoted, so quotes, `AND`, `NEAR`, `*`, `:` or `-` in a query are plain text.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from policykb.swedish.analyzer import ANALYZER_VERSION, Analyzer, vocabulary_words

# Keep in step with migration 2 in store.py.
# BM25 weight of a match in each column: terms, parts, context.
COLUMN_WEIGHTS = (1.0, 0.5, 0.5)
PHRASE_COLUMNS = "{terms context}"


@dataclass
class PassageText:
    passage_id: int
    text: str
    context: str = ""  # title and heading path


# -- vocabulary ------------------------------------------------------------------------------


def vocabulary(texts: Iterable[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(vocabulary_words(text))
    return counts


def add_vocabulary(conn: sqlite3.Connection, counts: Counter[str]) -> None:
    conn.executemany(
        "INSERT INTO lexicon (word, count) VALUES (?, ?) "
        "ON CONFLICT(word) DO UPDATE SET count = count + excluded.count",
        counts.items(),
    )


def remove_vocabulary(conn: sqlite3.Connection, counts: Counter[str]) -> None:
    conn.executemany("UPDATE lexicon SET count = count - ? WHERE word = ?", [(n, w) for w, n in counts.items()])
    conn.execute("DELETE FROM lexicon WHERE count <= 0")


def forget_document(conn: sqlite3.Connection, doc_id: str) -> None:
    """Take a stored document's words out of the vocabulary (before it is replaced or deleted)."""
    texts = [r[0] for r in conn.execute("SELECT text FROM passages WHERE doc_id = ?", (doc_id,))]
    if texts:
        remove_vocabulary(conn, vocabulary(texts))


class Lexicon:
    """Word frequencies from the store, memoised; `pending` adds words not yet committed
    (the documents of the ingest in progress)."""

    def __init__(self, connection: Callable[[], sqlite3.Connection], pending: Counter[str] | None = None):
        self._connection = connection
        self._pending = pending or Counter()
        self._cache: dict[str, int] = {}

    def frequency(self, word: str) -> int:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        row = self._connection().execute("SELECT count FROM lexicon WHERE word = ?", (word,)).fetchone()
        value = (row[0] if row else 0) + self._pending.get(word, 0)
        if len(self._cache) < 500_000:
            self._cache[word] = value
        return value

    def known(self, words: Sequence[str]) -> dict[str, int]:
        """The corpus counts of those of `words` the corpus uses (one query for many words)."""
        out: dict[str, int] = {}
        words = list(words)
        conn = self._connection()
        for start in range(0, len(words), 500):
            chunk = words[start : start + 500]
            rows = conn.execute(
                f"SELECT word, count FROM lexicon WHERE count > 0 AND word IN ({','.join('?' * len(chunk))})", chunk
            )
            out.update({word: count for word, count in rows})
        return out

    def analyzer(self) -> Analyzer:
        return Analyzer(self.frequency)


# -- indexing --------------------------------------------------------------------------------

ANALYZER_SETTING = "lexical_analyzer"


def forget_stale_analysis(store: Any) -> bool:
    """Empty the lexical index when it was built by another analyser version (the indexer then
    analyses every passage again, as it does for passages it has not indexed yet); True if so.
    An index from before the setting existed counts as version 1."""
    if store.setting(ANALYZER_SETTING) == ANALYZER_VERSION:
        return False
    store.conn.execute("DELETE FROM passage_fts")
    store.set_setting(ANALYZER_SETTING, ANALYZER_VERSION)
    return True


def analysis_is_current(conn: sqlite3.Connection) -> bool:
    """Whether the lexical index was built by this analyser (else a query is analysed differently
    from its passages until the next ingest rebuilds it)."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (ANALYZER_SETTING,)).fetchone()
    return row is not None and row[0] == ANALYZER_VERSION


def analysed_columns(analyzer: Analyzer, text: str, context: str) -> tuple[str, str, str]:
    tokens = analyzer.tokens(text)
    terms = " ".join(t.term for t in tokens)
    parts = " ".join(p for t in tokens for p in t.parts)
    context_terms = " ".join(analyzer.query_terms(context)) if context else ""
    return terms, parts, context_terms


def index_passages(conn: sqlite3.Connection, analyzer: Analyzer, passages: Sequence[PassageText]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO passage_fts (rowid, terms, parts, context) VALUES (?, ?, ?, ?)",
        [(p.passage_id, *analysed_columns(analyzer, p.text, p.context)) for p in passages],
    )


def passage_context(title: str | None, heading_path: Sequence[str], footnotes: str | None = None) -> str:
    """What the lexical index adds to a passage beside its text: the document title, the heading
    path, and the text of the footnotes its markers point to, so a word found only in a footnote
    (a source, a proposition cited there) finds the passage that carries the marker (issue 17.7)."""
    return "\n".join([title or "", *heading_path, footnotes or ""]).strip()


# -- querying --------------------------------------------------------------------------------


def quote(term: str) -> str:
    """An FTS5 string: whatever `term` holds, it is matched as text, never as syntax."""
    return '"' + term.replace('"', '""') + '"'


def match_expression(terms: Sequence[str], phrases: Sequence[Sequence[str]] = ()) -> str | None:
    """`"t1" OR "t2" OR {terms context} : "p1 p2"` — any one term or phrase may match; BM25 ranks
    passages that match more and rarer ones higher. None when there is nothing to match."""
    items = [quote(t) for t in dict.fromkeys(terms) if t]
    for phrase in phrases:
        words = [w for w in phrase if w]
        if len(words) == 1:
            items.append(quote(words[0]))
        elif words:
            items.append(f"{PHRASE_COLUMNS} : {quote(' '.join(words))}")
    items = list(dict.fromkeys(items))
    return " OR ".join(items) if items else None


def search(
    conn: sqlite3.Connection,
    match: str,
    limit: int,
    *,
    allowed_sql: str | None = None,
    allowed_params: Sequence[object] = (),
    only_ids: Sequence[int] | None = None,
) -> list[tuple[int, float]]:
    """(passage_id, score) best first; score = -bm25, higher is better.

    `allowed_sql` is a SELECT of passage ids the hits must come from (filters); `only_ids`
    scores just those passages (to complete the lexical scores of dense candidates).
    """
    weights = ", ".join(str(w) for w in COLUMN_WEIGHTS)
    sql = f"SELECT rowid, bm25(passage_fts, {weights}) AS s FROM passage_fts WHERE passage_fts MATCH ?"
    params: list[object] = [match]
    if allowed_sql:
        sql += f" AND rowid IN ({allowed_sql})"
        params.extend(allowed_params)
    if only_ids is not None:
        if not only_ids:
            return []
        sql += f" AND rowid IN ({','.join('?' * len(only_ids))})"
        params.extend(int(i) for i in only_ids)
    sql += " ORDER BY s LIMIT ?"
    params.append(int(limit))
    return [(int(r[0]), -float(r[1])) for r in conn.execute(sql, params)]
