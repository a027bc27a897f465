"""Read-side views of stored documents: summaries and outlines, for `show` and the API."""

from __future__ import annotations

import json
import os
from typing import Any

from .errors import NotFoundError
from .store import Store


def document_summary(index_dir: str | os.PathLike, doc_id: str, *, opening_lines: int = 8) -> dict[str, Any]:
    with Store.open(index_dir, create=False, readonly=True) as store:
        return summarize(store, doc_id, opening_lines=opening_lines)


def summarize(store: Store, doc_id: str, *, opening_lines: int = 8) -> dict[str, Any]:
    """Metadata, page and passage counts, warnings and the first lines of the body text."""
    row = store.conn.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
    if row is None:
        raise NotFoundError(unknown_document_message(store, doc_id))
    meta = store.get_document(doc_id)
    unread = store.conn.execute(
        "SELECT count(*) FROM pages WHERE doc_id = ? AND status = 'unread'", (doc_id,)
    ).fetchone()[0]
    passages = store.conn.execute("SELECT count(*) FROM passages WHERE doc_id = ?", (doc_id,)).fetchone()[0]
    opening: list[str] = []
    for block in store.conn.execute(
        "SELECT text FROM blocks WHERE doc_id = ? ORDER BY page_index, ordinal", (doc_id,)
    ):
        for line in block["text"].split("\n"):
            if line.strip():
                opening.append(line.strip())
        if len(opening) >= opening_lines:
            break
    return {
        "document": meta.to_dict() if meta else {},
        "page_count": row["page_count"],
        "unread_pages": unread,
        "passages": passages,
        "warnings": json.loads(row["warnings"]),
        "ingested_at": row["ingested_at"],
        "opening": opening[:opening_lines],
    }


def unknown_document_message(store: Store, doc_id: str) -> str:
    ids = sorted(store.document_ids())
    close = [i for i in ids if doc_id.lower() in i.lower()]
    hint = f"; did you mean {', '.join(close[:3])}?" if close else ""
    return f"no document with id {doc_id!r} in {store.index_dir}{hint} (list them with `policykb docs`)"
