"""Read-side views of stored documents: summaries and outlines, for `show` and the API."""

from __future__ import annotations

import json
import os
from typing import Any

from policykb.errors import NotFoundError
from policykb.store import Store


def document_summary(index_dir: str | os.PathLike, doc_id: str, *, opening_lines: int = 8) -> dict[str, Any]:
    with Store.open(index_dir, create=False, readonly=True) as store:
        return summarize(store, doc_id, opening_lines=opening_lines)


def summarize(store: Store, doc_id: str, *, opening_lines: int = 8) -> dict[str, Any]:
    """Metadata, page and passage counts, warnings and the first lines of the body text."""
    meta = store.resolve_document(doc_id)
    doc_id = meta.doc_id
    row = store.conn.execute("SELECT page_count, warnings, ingested_at FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
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
        "document": meta.to_dict(),
        "page_count": row["page_count"],
        "unread_pages": unread,
        "passages": passages,
        "warnings": json.loads(row["warnings"]),
        "ingested_at": row["ingested_at"],
        "opening": opening[:opening_lines],
    }


def document_detail(store: Store, doc_id: str) -> dict[str, Any]:
    """Metadata, counts, the heading outline with pages, and what the document cites.
    `doc_id` may be any name `Store.resolve_document` reads (id, file name, identifier)."""
    doc_id = store.resolve_document(doc_id).doc_id
    row = store.conn.execute(
        "SELECT d.*, (SELECT count(*) FROM passages p WHERE p.doc_id = d.doc_id) AS passages, "
        "(SELECT count(*) FROM pages g WHERE g.doc_id = d.doc_id AND g.status = 'unread') AS unread_pages "
        "FROM documents d WHERE d.doc_id = ?",
        (doc_id,),
    ).fetchone()
    if row is None:
        store.require_document(doc_id)
    meta = store.get_document(doc_id).to_dict()
    meta.pop("path", None)  # where the server keeps the file is nobody else's business
    return {
        **meta,
        "page_count": row["page_count"],
        "passages": row["passages"],
        "unread_pages": row["unread_pages"],
        "ingested_at": row["ingested_at"],
        "warnings": json.loads(row["warnings"]),
        "outline": document_outline(store, doc_id),
        "references": reference_counts(store, doc_id),
        "entities": {
            r["label"]: r["n"]
            for r in store.conn.execute(
                "SELECT label, count(*) AS n FROM mentions WHERE doc_id = ? GROUP BY label ORDER BY n DESC, label",
                (doc_id,),
            )
        },
    }


def document_outline(store: Store, doc_id: str) -> list[dict[str, Any]]:
    """Every heading in reading order with its level and the page it is on."""
    return [
        {"level": r["level"], "text": r["text"], "page": r["page_index"], "printed": r["printed"]}
        for r in store.conn.execute(
            "SELECT b.level, b.text, b.page_index, g.printed FROM blocks b "
            "LEFT JOIN pages g ON g.doc_id = b.doc_id AND g.page_index = b.page_index "
            "WHERE b.doc_id = ? AND b.kind = 'heading' ORDER BY b.page_index, b.ordinal",
            (doc_id,),
        )
    ]


def reference_counts(store: Store, doc_id: str) -> dict[str, Any]:
    """How often the document cites each reference (body and footnotes), most cited first."""
    cited = [
        {"canonical": r["canonical"], "kind": r["kind"], "url": r["url"], "count": r["n"]}
        for r in store.conn.execute(
            "SELECT canonical, kind, min(url) AS url, count(*) AS n FROM refs WHERE doc_id = ? "
            "GROUP BY canonical, kind ORDER BY n DESC, canonical",
            (doc_id,),
        )
    ]
    by_kind: dict[str, int] = {}
    for item in cited:
        by_kind[item["kind"]] = by_kind.get(item["kind"], 0) + item["count"]
    return {"total": sum(by_kind.values()), "by_kind": by_kind, "cited": cited}


def passage_references(store: Store, passage_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The references each passage makes, in its text or its footnotes: canonical form, kind and
    link, each once, in order of first mention. A search hit carries them so that a reader (or an
    assistant) can cite the provision beside the page without fetching the passage."""
    out: dict[int, list[dict[str, Any]]] = {int(pid): [] for pid in passage_ids}
    ids = list(out)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for r in store.conn.execute(
            "SELECT passage_id, canonical, kind, min(url) AS url, min(ref_id) AS first FROM refs "
            f"WHERE passage_id IN ({','.join('?' * len(chunk))}) "
            "GROUP BY passage_id, canonical, kind ORDER BY passage_id, first",
            chunk,
        ):
            out[r["passage_id"]].append({"canonical": r["canonical"], "kind": r["kind"], "url": r["url"]})
    return out


def passage_detail(store: Store, passage_id: int) -> dict[str, Any]:
    """A passage with its page span, heading, footnotes, references and entity mentions.

    Offsets of references and mentions are into the passage text (or, for those in a footnote,
    into the footnote's text), so a client can mark them up directly.
    """
    row = store.get_passage(passage_id)
    if row is None:
        raise NotFoundError(
            f"no passage with id {passage_id} in the index; passage ids come from search "
            f"results and stay the same while the passage's text is unchanged"
        )
    text = row["text"]
    footnotes = {note["number"]: {**note, "references": [], "entities": []} for note in store.passage_footnotes(passage_id)}
    blocks = {
        r["block_id"]: r["text"]
        for r in store.conn.execute(
            "SELECT block_id, text FROM blocks WHERE block_id IN "
            "(SELECT block_id FROM refs WHERE passage_id = ? UNION SELECT block_id FROM mentions WHERE passage_id = ?)",
            (passage_id, passage_id),
        )
    }
    references: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    for table, out_key in (("refs", "references"), ("mentions", "entities")):
        for r in store.conn.execute(
            f"SELECT * FROM {table} WHERE passage_id = ? ORDER BY page_index, block_id, footnote_number, start",
            (passage_id,),
        ):
            item = _annotation_out(r, table)
            if r["footnote_number"] is not None:
                note = footnotes.get(r["footnote_number"])
                if note is not None:
                    note[out_key].append(item)
                continue
            located = _locate(text, blocks.get(r["block_id"], ""), r["start"], r["end"])
            if located is None:
                continue
            item["start"], item["end"] = located
            (references if table == "refs" else entities).append(item)
    pages = list(range(row["page_start"], row["page_end"] + 1))
    return {
        "passage_id": passage_id,
        "doc_id": row["doc_id"],
        "title": row["title"],
        "identifier": row["identifier"],
        "ordinal": row["ordinal"],
        "pages": pages,
        "printed_pages": json.loads(row["printed_pages"]),
        "heading": row["heading"],
        "heading_path": json.loads(row["heading_path"]),
        "text": text,
        "footnotes": list(footnotes.values()),
        "references": sorted(references, key=lambda item: item["start"]),
        "entities": sorted(entities, key=lambda item: item["start"]),
    }


def _annotation_out(row: Any, table: str) -> dict[str, Any]:
    if table == "mentions":
        return {"start": row["start"], "end": row["end"], "text": row["text"], "label": row["label"]}
    item = {
        "start": row["start"], "end": row["end"], "text": row["text"], "kind": row["kind"],
        "canonical": row["canonical"], "url": row["url"],
    }
    detail = json.loads(row["detail"] or "{}")
    if detail:
        item["detail"] = detail
    return item


def _locate(passage_text: str, block_text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where block_text[start:end] is in the passage text (the passage holds the block or part of it)."""
    surface = block_text[start:end]
    if not surface:
        return None
    # The surface with some of its surroundings pins down which occurrence it is.
    for margin in (40, 15, 0):
        lo = max(0, start - margin)
        window = block_text[lo : end + margin]
        at = passage_text.find(window)
        if at >= 0:
            return at + (start - lo), at + (end - lo)
    return None
