"""The clean extracted text of a stored document: JSON (DESIGN.md's export shape), Markdown or plain text.

Everything comes from the store's pages, blocks and footnotes, so an export shows exactly what
was read and indexed: body blocks with footnote markers as [offset, number] pairs, the footnotes
of each page, and both the PDF page index and the printed page number.
"""

from __future__ import annotations

import json
from typing import Any

from policykb.errors import InputError
from policykb.store import Store
from policykb.query.markdown import escape_cell, escape_inline
from policykb.query.pagelabel import page_fields, unpaged_documents

FORMATS = ("json", "md", "txt")
_MARKER_SLOT = 0xE000  # first of the private-use characters that hold marker places (_with_markers)


def export_document(store: Store, doc_id: str, fmt: str = "json") -> str | dict[str, Any]:
    """`json` gives a dict; `md` and `txt` give a string."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    data = document_export(store, doc_id)
    if fmt == "json":
        return data
    if fmt == "md":
        return to_markdown(data)
    return to_text(data)


def document_export(store: Store, doc_id: str) -> dict[str, Any]:
    meta = store.resolve_document(doc_id)
    doc_id = meta.doc_id
    conn = store.conn
    paged = doc_id not in unpaged_documents(conn)
    pages: list[dict[str, Any]] = []
    by_index: dict[int, dict[str, Any]] = {}
    for row in conn.execute(
        "SELECT page_index, printed, status, note FROM pages WHERE doc_id = ? ORDER BY page_index", (doc_id,)
    ):
        page = {
            "index": row["page_index"], "printed": row["printed"],
            **page_fields(row["page_index"], row["printed"], paged), "status": row["status"], "body": [], "footnotes": [],
        }
        if row["note"]:
            page["note"] = row["note"]
        pages.append(page)
        by_index[row["page_index"]] = page
    for row in conn.execute(
        "SELECT page_index, kind, level, text, markers, rows FROM blocks WHERE doc_id = ? ORDER BY page_index, ordinal",
        (doc_id,),
    ):
        block: dict[str, Any] = {"kind": row["kind"], "text": row["text"], "markers": json.loads(row["markers"] or "[]")}
        if row["level"] is not None:
            block["level"] = row["level"]
        if row["rows"] is not None:
            block["rows"] = json.loads(row["rows"])
        by_index[row["page_index"]]["body"].append(block)
    for row in conn.execute(
        "SELECT page_index, number, text FROM footnotes WHERE doc_id = ? ORDER BY page_index, number", (doc_id,)
    ):
        by_index[row["page_index"]]["footnotes"].append({"number": row["number"], "text": row["text"]})
    return {"doc": meta.to_dict(), "pages": pages}


def _with_markers(text: str, markers: list[list[int]], render) -> str:
    """The block's text as Markdown, each marker rendered at its offset. The text is escaped
    (`escape_inline`), the markers are Markdown: each offset first gets a private-use character,
    which the escaper leaves alone, and that character is then replaced by the rendered marker."""
    ordered = sorted(markers, key=lambda m: m[0])
    slot = _MARKER_SLOT
    # a PDF font may itself give private-use characters: take slots the text does not hold
    while any(chr(slot + k) in text for k in range(len(ordered))):
        slot += len(ordered)
    out, last = [], 0
    for k, (offset, _) in enumerate(ordered):
        out.append(text[last:offset])
        out.append(chr(slot + k))
        last = offset
    out.append(text[last:])
    escaped = escape_inline("".join(out))
    for k, (_, number) in enumerate(ordered):
        escaped = escaped.replace(chr(slot + k), render(number), 1)
    return escaped


def to_markdown(data: dict[str, Any]) -> str:
    doc = data["doc"]
    lines: list[str] = []
    title = doc.get("title") or doc.get("identifier") or doc.get("doc_id")
    lines.append(f"# {escape_inline(title)}")
    facts = [f"{k}: {escape_inline(doc[k])}" for k in ("identifier", "publisher", "date") if doc.get(k)]
    if facts:
        lines.append("")
        lines.append("; ".join(facts))
    multi_page = len(data["pages"]) > 1
    for page in data["pages"]:
        lines.append("")
        if multi_page or page.get("printed"):
            # the one page convention (query.pagelabel), with the file position beside a printed number
            label = page.get("page_label") or f"sida {page['index'] + 1} i filen"
            if page.get("printed"):
                label += f" (sida {page['index'] + 1} i filen)"
            lines.append(f"<!-- {label.replace('--', '- -')} -->")  # `--` would end the comment
            lines.append("")
        if page.get("status") == "unread":
            lines.append(f"> (page not read: {escape_inline(page.get('note') or 'no text')})")
            continue
        # footnote labels are made unique per page: the same number recurs on other pages
        ref = (lambda n, p=page["index"]: f"[^p{p + 1}-{n}]") if multi_page else (lambda n: f"[^{n}]")
        for block in page["body"]:
            if block["kind"] == "table" and block.get("rows"):
                lines.extend(_markdown_table(block["rows"]))
            elif block["kind"] == "heading":
                level = min(max(int(block.get("level") or 1), 1) + 1, 6)
                lines.append("#" * level + " " + _with_markers(block["text"], block["markers"], ref))
            else:
                lines.append(_with_markers(block["text"], block["markers"], ref))
            lines.append("")
        for note in page["footnotes"]:
            lines.append(f"{ref(note['number'])}: {escape_inline(note['text'])}")
        if page["footnotes"]:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _markdown_table(rows: list[list[str]]) -> list[str]:
    width = max(len(r) for r in rows)
    padded = [[escape_cell(c or "") for c in r] + [""] * (width - len(r)) for r in rows]
    out = ["| " + " | ".join(padded[0]) + " |", "|" + "---|" * width]
    out.extend("| " + " | ".join(r) + " |" for r in padded[1:])
    return out


def to_text(data: dict[str, Any]) -> str:
    """Plain text for piping: blocks separated by blank lines, pages by a form feed, notes after the body."""
    pages_out = []
    for page in data["pages"]:
        parts = []
        for block in page["body"]:
            if block["kind"] == "table" and block.get("rows"):
                parts.append("\n".join("\t".join(cell for cell in row) for row in block["rows"]))
            else:
                parts.append(block["text"])
        if page["footnotes"]:
            parts.append("\n".join(f"{n['number']} {n['text']}" for n in page["footnotes"]))
        pages_out.append("\n\n".join(parts))
    return "\n\f\n".join(pages_out).rstrip() + "\n"
