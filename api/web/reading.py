"""`/dokument/{doc_id}`: a document to read — metadata, outline, the text page by page with the
footnotes beside their markers, tables as tables, every legal reference a link — opened at the
passage of a search hit (`?stycke=ID`) with that passage marked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from policykb.errors import InputError
from policykb.query.reading import document_reading, passage_page

from policykb.api.deps import StoreDep
from policykb.api.web.common import PageRoute, doc_url, render, url_with, xref_url

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# Pages shown at once: a 300-page report in one page would be megabytes of HTML.
WINDOW = 20
CITED_SHOWN = 20


@router.get("/dokument/{doc_id}", response_class=HTMLResponse, name="web_document")
def document_page(
    request: Request,
    store: StoreDep,
    doc_id: Annotated[str, Path()],
    stycke: Annotated[str | None, Query()] = None,
    sida: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    store.require_document(doc_id)
    passage_id = _positive(stycke, "stycke")
    page_number = _positive(sida, "sida")
    page_count = store.conn.execute("SELECT page_count FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()[0]
    if passage_id is not None:
        first = passage_page(store, doc_id, passage_id)
    elif page_number is not None:
        if page_number > max(page_count, 1):
            raise InputError(f"sidan {page_number} finns inte; dokumentet har {page_count} sidor")
        first = page_number - 1
    else:
        first = 0
    start = (first // WINDOW) * WINDOW
    data = document_reading(store, doc_id, first_page=start, page_count=WINDOW)
    pages = [_page_view(page, data["paged"], passage_id) for page in data["pages"]]
    windows = [
        {"start": s + 1, "end": min(s + WINDOW, page_count), "current": s == start,
         "url": url_with(doc_url(doc_id), {"sida": s + 1 if s else None})}
        for s in range(0, max(page_count, 1), WINDOW)
    ]
    outline = [
        {**h, "url": _page_url(doc_id, h["page"], start) if data["paged"] else f"#sida-{h['page'] + 1}"}
        for h in data["outline"]
    ]
    cited = data["references"]["cited"][:CITED_SHOWN]
    return render(
        request, "document.html", doc=data, pages=pages, windows=windows if len(windows) > 1 else [],
        outline=outline, cited=cited, passage_id=passage_id,
    )


def _positive(value: str | None, name: str) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        number = int(value)
    except ValueError:
        raise InputError(f"{name} ska vara ett positivt heltal, inte {value[:40]!r}") from None
    if number < 1:
        raise InputError(f"{name} ska vara ett positivt heltal, inte {number}")
    return number


def _page_url(doc_id: str, page: int, window_start: int) -> str:
    """A link to page `page` (0-based): an anchor when it is in the window shown, else its window."""
    if window_start <= page < window_start + WINDOW:
        return f"#sida-{page + 1}"
    return url_with(doc_url(doc_id), {"sida": (page // WINDOW) * WINDOW + 1}) + f"#sida-{page + 1}"


def _page_view(page: dict[str, Any], paged: bool, target: int | None) -> dict[str, Any]:
    index = page["index"]
    notes_here = {n["number"] for n in page["footnotes"]}
    seen: set[int] = set()
    blocks = []
    for block in page["blocks"]:
        anchors = [pid for pid in block["passage_ids"] if pid not in seen]
        seen.update(block["passage_ids"])
        blocks.append({
            **block,
            "html": annotated(block["text"], block["refs"], block["markers"], index, notes_here),
            "anchors": anchors,
            "hit": target is not None and target in block["passage_ids"],
            "first_hit": target is not None and target in anchors,
            "cells": [[annotated(c or "", [], [], index, notes_here) for c in row] for row in (block["rows"] or [])],
        })
    return {
        "index": index,
        "number": index + 1,
        "printed": page["printed"],
        "paged": paged,
        "status": page["status"],
        "note": page["note"],
        "blocks": blocks,
        "footnotes": [{**n, "html": annotated(n["text"], n["refs"], [], index, set())} for n in page["footnotes"]],
    }


def _ext_label(url: str) -> str:
    return "på lagen.nu" if "//lagen.nu/" in url else "hos källan"


def annotated(text: str, refs: list[dict[str, Any]], markers: list, page_index: int, notes_here: set[int]) -> Markup:
    """`text` escaped, each reference a link to its xref view with its outside link beside it, each
    footnote marker a link to its note (on this page, else the next, where a note runs over)."""
    spans = []
    last_end = 0
    for ref in sorted(refs, key=lambda r: (r["start"], -r["end"])):
        start, end = int(ref["start"]), int(ref["end"])
        if start < last_end or not 0 <= start < end <= len(text):
            continue  # overlapping or out of range: the text is shown, unlinked
        spans.append((start, end, ref))
        last_end = end
    # a marker inside a reference goes after it: a link cannot hold a link
    moved = []
    for offset, number in markers:
        offset = min(max(int(offset), 0), len(text))
        for start, end, _ in spans:
            if start < offset < end:
                offset = end
        moved.append((offset, int(number)))
    moved.sort()
    out: list[str] = []
    pos = 0
    points = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans), *(o for o, _ in moved)})
    open_ref: dict[str, Any] | None = None
    starts = {s: r for s, _, r in spans}
    ends = {e for _, e, _ in spans}
    for point in points:
        out.append(str(escape(text[pos:point])))
        pos = point
        if open_ref is not None and point in ends:
            out.append("</a>")
            url = open_ref["url"] or ""
            if url.startswith(("https://", "http://")):
                out.append(
                    f'<a class="ext" href="{escape(url)}" rel="noopener noreferrer" '
                    f'title="{escape(open_ref["canonical"])} {_ext_label(url)}" '
                    f'aria-label="{escape(open_ref["canonical"])} {_ext_label(url)}">↗</a>'
                )
            open_ref = None
        for offset, number in moved:
            if offset == point:
                note_page = page_index if number in notes_here else page_index + 1
                out.append(
                    f'<sup class="fn"><a href="#fn-{note_page + 1}-{number}" aria-label="fotnot {number}">{number}</a></sup>'
                )
        if point in starts and open_ref is None:
            open_ref = starts[point]
            out.append(
                f'<a class="ref" href="{escape(xref_url(open_ref["canonical"]))}" '
                f'title="Vem mer hänvisar till {escape(open_ref["canonical"])}?">'
            )
    return Markup("".join(out))
