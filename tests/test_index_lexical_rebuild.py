"""An index analysed by an older analyser is re-analysed by the next ingest, without re-embedding;
until then a search says so."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from helpers.index_copy import copy_index

from policykb.config import DB_FILENAME
from policykb.index.lexical import ANALYZER_SETTING
from policykb.ingest import ingest
from policykb.query.search import Searcher
from policykb.query.search.searcher import STALE_ANALYSIS_WARNING
from policykb.swedish.analyzer import ANALYZER_VERSION

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def test_stale_analysis_is_rebuilt_from_the_stored_text_only(corpus_index: Path, tmp_path: Path):
    index = copy_index(corpus_index, tmp_path / "index")
    conn = sqlite3.connect(index / DB_FILENAME)
    with conn:
        conn.execute("UPDATE settings SET value = 'old' WHERE key = ?", (ANALYZER_SETTING,))
        # What an older analyser left: a passage indexed under other terms.
        conn.execute("UPDATE passage_fts SET terms = 'föråldrad' WHERE rowid = (SELECT min(rowid) FROM passage_fts)")
    passages = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
    conn.close()

    warnings: list[str] = []
    with Searcher(index) as searcher:
        assert searcher.search("hemsjukvård", k=2, mode="lexical", warn=warnings.append)
    assert STALE_ANALYSIS_WARNING in warnings

    report = ingest([CORPUS], index)  # nothing changed on disk
    assert report.embedded == 0  # the vectors come from the cache
    conn = sqlite3.connect(index / DB_FILENAME)
    assert conn.execute("SELECT value FROM settings WHERE key = ?", (ANALYZER_SETTING,)).fetchone()[0] == ANALYZER_VERSION
    assert conn.execute("SELECT count(*) FROM passage_fts").fetchone()[0] == passages
    assert conn.execute("SELECT count(*) FROM passage_fts WHERE terms = 'föråldrad'").fetchone()[0] == 0
    conn.close()
    warnings.clear()
    with Searcher(index) as searcher:
        assert searcher.search("hemsjukvård", k=2, mode="lexical", warn=warnings.append)
    assert warnings == []
