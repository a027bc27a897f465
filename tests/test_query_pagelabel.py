"""Cited pages: printed numbers first, positions where a document has pages, nothing where it has none."""

from __future__ import annotations

import sqlite3

from policykb.query.pagelabel import is_paged, page_label, page_range_label, unpaged_documents


def test_page_label_prefers_the_printed_number():
    assert page_label(3, "117") == "s. 117"
    assert page_label(3, None) == "sida 4 i filen"  # never shown as if it were printed
    assert page_label(0, None, paged=False) == ""
    assert page_label(0, "5", paged=False) == "s. 5"  # a printed number is always real
    assert page_label(None, None) == ""


def test_page_ranges():
    assert page_range_label([116, 117], ["117", "118"]) == "s. 117–118"
    assert page_range_label([4, 4], [None]) == "sida 5 i filen"
    assert page_range_label([4, 5], ["7", None]) == "sida 5–6 i filen"  # half known is not known
    assert page_range_label([0], [None], paged=False) == ""


def test_only_text_without_page_breaks_is_unpaged():
    assert is_paged("pdf", 1)  # a one-page PDF has a page 1
    assert is_paged("txt", 12)  # page-start marks recovered from the dump
    assert not is_paged("txt", 1) and not is_paged("md", 1) and not is_paged("html", 0)


def test_unpaged_documents_from_a_store_table(tmp_path):
    conn = sqlite3.connect(tmp_path / "docs.sqlite")
    conn.execute("CREATE TABLE documents (doc_id TEXT, source_format TEXT, page_count INTEGER)")
    conn.executemany(
        "INSERT INTO documents VALUES (?, ?, ?)",
        [("a.txt", "txt", 1), ("b.txt", "txt", 40), ("c.pdf", "pdf", 1)],
    )
    assert unpaged_documents(conn) == {"a.txt"}
