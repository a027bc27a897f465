"""How a cited page is named: one convention in every output (issue 17.1).

- `s. 117` — the number printed on the page, where the document prints it (a PDF's page
  numbers) or pins it down itself (a text dump's "… på sidan 40", `extract.text`);
- `sida 5 i filen` — otherwise the page's position in the file, 1-based, worded so that it is
  never taken for a printed number;
- nothing for a text document that carries no page breaks at all.

JSON outputs carry the parts side by side (`page_fields`): `page_index` (0-based position),
`printed` (the printed number or null) and `page_label` (the label above), beside their older
fields (`page`, `pages`, `printed_page`, `printed_pages`), which keep their meaning.
"""

from __future__ import annotations

import sqlite3
from typing import Any


def is_paged(source_format: str | None, page_count: int) -> bool:
    """Whether page positions mean anything. A text dump without page-start marks is read as one
    page, and its "s. 1" would be invented; a one-page PDF really has a page 1."""
    return source_format == "pdf" or page_count > 1


def unpaged_documents(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT doc_id, source_format, page_count FROM documents")
    return {doc_id for doc_id, fmt, count in rows if not is_paged(fmt, count)}


def page_label(page_index: int | None, printed: str | None, paged: bool = True) -> str:
    """`s. 117` (printed), `sida 5 i filen` (position + 1), or '' when there is no page to name."""
    if printed:
        return f"s. {printed}"
    if page_index is None or not paged:
        return ""
    return f"sida {page_index + 1} i filen"


def page_range_label(page_indices: list[int], printed: list[str | None], paged: bool = True) -> str:
    """The pages a passage spans: `s. 117–118` when its first and last pages have printed numbers,
    else `sida 5–6 i filen` by position; '' when the document has no pages to name."""
    if printed and printed[0] and printed[-1]:
        first, last = printed[0], printed[-1]
        return f"s. {first}" if first == last else f"s. {first}–{last}"
    if not page_indices or not paged:
        return ""
    first, last = page_indices[0] + 1, page_indices[-1] + 1
    return f"sida {first} i filen" if first == last else f"sida {first}–{last} i filen"


def page_fields(page_index: int | None, printed: str | None, paged: bool = True) -> dict[str, Any]:
    """The page of a JSON answer: position, printed number and label side by side."""
    return {"page_index": page_index, "printed": printed or None, "page_label": page_label(page_index, printed, paged)}
