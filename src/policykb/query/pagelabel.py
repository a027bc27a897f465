"""How a cited page is named: the printed number (`s. 117`) where the document prints one, else
the page's position; nothing for a text document that carries no page breaks at all."""

from __future__ import annotations

import sqlite3


def is_paged(source_format: str | None, page_count: int) -> bool:
    """Whether page positions mean anything. A text dump without page-start marks is read as one
    page, and its "s. 1" would be invented; a one-page PDF really has a page 1."""
    return source_format == "pdf" or page_count > 1


def unpaged_documents(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT doc_id, source_format, page_count FROM documents")
    return {doc_id for doc_id, fmt, count in rows if not is_paged(fmt, count)}


def page_label(page_index: int | None, printed: str | None, paged: bool = True) -> str:
    """`s. 117` (printed), `s. 5` (position + 1), or '' when the document has no pages to name."""
    if printed:
        return f"s. {printed}"
    if page_index is None or not paged:
        return ""
    return f"s. {page_index + 1}"


def page_range_label(page_indices: list[int], printed: list[str | None], paged: bool = True) -> str:
    """The pages a passage spans: `s. 117–118` by printed numbers where the document prints them, else
    by position; '' when the document has no pages to name."""
    numbers = [p for p in printed if p]
    if numbers:
        first, last = numbers[0], numbers[-1]
    elif page_indices and paged:
        first, last = str(page_indices[0] + 1), str(page_indices[-1] + 1)
    else:
        return ""
    return f"s. {first}" if first == last else f"s. {first}–{last}"
