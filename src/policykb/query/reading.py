"""A stored document laid out for reading: pages of blocks (headings, paragraphs, tables) with
their footnote markers, the footnotes of each page, every legal reference with its offsets, and
the passage each block belongs to — so a reader can open at a search hit and mark its passage.

The export (`query.export`) is what was read; this is the same text with what was found in it.
"""

from __future__ import annotations

import bisect
import json
from typing import Any

from policykb.errors import NotFoundError
from policykb.query.documents import document_detail
from policykb.query.pagelabel import is_paged
from policykb.store import Store, passage_spans


def document_reading(store: Store, doc_id: str, *, first_page: int = 0, page_count: int | None = None) -> dict[str, Any]:
    """`document_detail` (metadata, outline, counts) plus `pages[first_page : first_page + page_count]`.

    Each block: `block_id, kind, level, text, markers, rows, passage_ids, refs`; each footnote:
    `number, text, refs`; a reference: `start, end, text, canonical, url` (offsets into its
    block's or footnote's text)."""
    detail = document_detail(store, doc_id)
    detail["paged"] = is_paged(detail.get("source_format"), detail["page_count"])
    last = None if page_count is None else first_page + page_count
    conn = store.conn
    page_rows = conn.execute(
        "SELECT page_index, printed, status, note FROM pages WHERE doc_id = ? AND page_index >= ? "
        + ("AND page_index < ? " if last is not None else "") + "ORDER BY page_index",
        (doc_id, first_page, last) if last is not None else (doc_id, first_page),
    ).fetchall()
    pages: dict[int, dict[str, Any]] = {
        r["page_index"]: {"index": r["page_index"], "printed": r["printed"], "status": r["status"], "note": r["note"],
                          "blocks": [], "footnotes": []}
        for r in page_rows
    }
    if pages:
        low, high = min(pages), max(pages)
        refs: dict[tuple, list[dict[str, Any]]] = {}
        for r in conn.execute(
            "SELECT block_id, footnote_number, page_index, start, end, text, canonical, url FROM refs "
            "WHERE doc_id = ? AND page_index BETWEEN ? AND ? ORDER BY start",
            (doc_id, low, high),
        ):
            key = ("block", r["block_id"]) if r["block_id"] is not None else ("note", r["page_index"], r["footnote_number"])
            refs.setdefault(key, []).append(
                {"start": r["start"], "end": r["end"], "text": r["text"], "canonical": r["canonical"], "url": r["url"]}
            )
        locate = _Locator(passage_spans(conn, doc_id).spans)
        for r in conn.execute(
            "SELECT block_id, page_index, kind, level, text, char_start, markers, rows FROM blocks "
            "WHERE doc_id = ? AND page_index BETWEEN ? AND ? ORDER BY page_index, ordinal",
            (doc_id, low, high),
        ):
            pages[r["page_index"]]["blocks"].append({
                "block_id": r["block_id"],
                "kind": r["kind"],
                "level": r["level"],
                "text": r["text"],
                "markers": json.loads(r["markers"] or "[]"),
                "rows": json.loads(r["rows"]) if r["rows"] else None,
                # a long paragraph may be cut into several passages: every one it holds
                "passage_ids": list(dict.fromkeys(
                    pid for pid in (locate.at(r["page_index"], r["char_start"]),
                                    locate.at(r["page_index"], r["char_start"] + max(len(r["text"]) - 1, 0)))
                    if pid is not None
                )),
                "refs": refs.get(("block", r["block_id"]), []),
            })
        for r in conn.execute(
            "SELECT page_index, number, text FROM footnotes WHERE doc_id = ? AND page_index BETWEEN ? AND ? "
            "ORDER BY page_index, number",
            (doc_id, low, high),
        ):
            pages[r["page_index"]]["footnotes"].append(
                {"number": r["number"], "text": r["text"], "refs": refs.get(("note", r["page_index"], r["number"]), [])}
            )
    detail["pages"] = list(pages.values())
    return detail


class _Locator:
    """`PassageSpans.at` by bisection: the reading view asks for every block of many pages."""

    def __init__(self, spans: list[tuple[tuple[int, int], tuple[int, int], int]]):
        self.spans = sorted(spans)
        self.starts = [start for start, _, _ in self.spans]

    def at(self, page_index: int, offset: int) -> int | None:
        point = (page_index, offset)
        k = bisect.bisect_right(self.starts, point) - 1
        # passages do not overlap: only the last one starting at or before the point can hold it
        if k >= 0 and point < self.spans[k][1]:
            return self.spans[k][2]
        return None


def passage_page(store: Store, doc_id: str, passage_id: int) -> int:
    """The first page of a passage of `doc_id`; NotFoundError when it is not one of that document's."""
    row = store.get_passage(passage_id)
    if row is None:
        raise NotFoundError(f"no passage with id {passage_id} in the index")
    if row["doc_id"] != doc_id:
        raise NotFoundError(f"passage {passage_id} belongs to document {row['doc_id']!r}, not to {doc_id!r}")
    return row["page_start"]
