"""FTS5 lexical index on a real SQLite store: analysis, ranking, safety of query text."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from policykb.index import lexical
from policykb.models import Block, Document, DocumentMeta, Page, Passage
from policykb.store import Store

TEXTS = [
    "Kommunen ansvarar för hemsjukvård i ordinärt boende.",
    "Regionen ansvarar för sjukvård i hemmet när kommunen inte gör det.",
    "Enligt 13 a kap. och HSLF-FS 2016:40 ska vårdgivaren dokumentera.",
    "Delegering av läkemedelshantering till omsorgspersonal.",
]


def _store_with(tmp_path: Path, texts: list[str]) -> Store:
    store = Store.open(tmp_path / "index")
    page = Page(index=0, blocks=[Block("paragraph", t) for t in texts])
    offsets = page.block_offsets()
    passages = [
        Passage("doc.txt", i, t, ["Rubrik"], 0, 0, offsets[i], offsets[i] + len(t)) for i, t in enumerate(texts)
    ]
    doc = Document(DocumentMeta("doc.txt", str(tmp_path / "doc.txt"), "x", "txt", title="Titel"), [page])
    store.write_document(doc, passages)
    conn = store.conn
    lexical.add_vocabulary(conn, lexical.vocabulary(texts))
    rows = conn.execute("SELECT passage_id, text FROM passages ORDER BY ordinal").fetchall()
    analyzer = lexical.Lexicon(lambda: conn).analyzer()
    lexical.index_passages(conn, analyzer, [lexical.PassageText(r[0], r[1], "Titel\nRubrik") for r in rows])
    return store


def _search(store: Store, query: str, limit: int = 10) -> list[tuple[int, float]]:
    analyzer = lexical.Lexicon(lambda: store.conn).analyzer()
    match = lexical.match_expression(analyzer.query_terms(query))
    return lexical.search(store.conn, match, limit) if match else []


def _texts(store: Store, hits: list[tuple[int, float]]) -> list[str]:
    return [store.conn.execute("SELECT text FROM passages WHERE passage_id = ?", (pid,)).fetchone()[0] for pid, _ in hits]


def test_inflected_query_finds_passage(tmp_path):
    store = _store_with(tmp_path, TEXTS)
    assert _texts(store, _search(store, "delegeringen"))[0].startswith("Delegering")


def test_legal_identifier_query(tmp_path):
    store = _store_with(tmp_path, TEXTS)
    for query in ("2016:40", "HSLF-FS", "13 a kap."):
        assert "HSLF-FS 2016:40" in _texts(store, _search(store, query))[0]


@pytest.mark.parametrize(
    "query",
    [
        'hem" OR "x', '"unbalanced', "sjukvård AND", "NEAR(hem sjukvård)", "hem*", "terms:hem", "-hem",
        "sjukvård NOT hem", "(((", "^hem", "{terms}: x", "'; DROP TABLE passages; --",
    ],
)
def test_query_text_never_breaks_fts5(tmp_path, query):
    store = _store_with(tmp_path, TEXTS)
    _search(store, query)  # must not raise sqlite3.OperationalError
    assert store.conn.execute("SELECT count(*) FROM passages").fetchone()[0] == len(TEXTS)


def test_match_expression_quotes_every_term():
    expr = lexical.match_expression(["and", 'a"b'], [["hälso", "sjukvårdslag"]])
    assert expr == '"and" OR "a""b" OR {terms context} : "hälso sjukvårdslag"'
    assert lexical.match_expression([]) is None


def test_replacing_a_document_drops_its_fts_rows(tmp_path):
    store = _store_with(tmp_path, TEXTS)
    assert store.conn.execute("SELECT count(*) FROM passage_fts").fetchone()[0] == len(TEXTS)
    store.delete_document("doc.txt")
    assert store.conn.execute("SELECT count(*) FROM passage_fts").fetchone()[0] == 0


def test_vocabulary_counts_go_up_and_down(tmp_path):
    store = _store_with(tmp_path, TEXTS)
    before = dict(store.conn.execute("SELECT word, count FROM lexicon").fetchall())
    assert before["kommunen"] == 2
    lexical.forget_document(store.conn, "doc.txt")
    assert store.conn.execute("SELECT count(*) FROM lexicon").fetchone()[0] == 0
    lexical.add_vocabulary(store.conn, Counter({"kommunen": 1}))
    assert store.conn.execute("SELECT count FROM lexicon WHERE word = 'kommunen'").fetchone()[0] == 1
