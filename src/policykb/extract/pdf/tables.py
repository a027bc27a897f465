"""Ruled tables through pdfplumber's table finder, run only on pages whose ruling lines could form one.

pdfplumber parses every character of a page it looks at (the slow part), so it is opened lazily
and only for candidate pages; each page's cache is flushed after use to keep memory flat.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from policykb.models import Block
from policykb.swedish.hyphenation import join_lines
from policykb.extract.pdf.chars import Rule


@dataclass
class FoundTable:
    x0: float
    top: float
    x1: float
    bottom: float
    block: Block


def is_table_candidate(rules: list[Rule], boxes: int) -> bool:
    horizontal = sum(1 for r in rules if r.horizontal)
    vertical = len(rules) - horizontal
    return (horizontal >= 3 and vertical >= 2) or boxes >= 4 or (horizontal >= 2 and boxes >= 2)


def find_tables(path: Path, indexes: list[int]) -> Iterator[tuple[int, list[FoundTable]]]:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        for index in indexes:
            page = pdf.pages[index]
            try:
                found = []
                x_off, y_off = page.bbox[0], page.bbox[1]
                for table in page.find_tables():
                    rows = _clean_rows(table.extract())
                    if rows is None:
                        continue
                    x0, top, x1, bottom = table.bbox
                    found.append(FoundTable(x0 - x_off, top - y_off, x1 - x_off, bottom - y_off, Block.table(rows)))
                if found:
                    yield index, found
            finally:
                page.close()


def _clean_rows(raw: list[list[str | None]]) -> list[list[str]] | None:
    rows = []
    for raw_row in raw:
        row = [_cell_text(cell) for cell in raw_row]
        if any(row):
            rows.append(row)
    if len(rows) < 2:
        return None
    filled_columns = sum(1 for col in range(max(len(r) for r in rows)) if any(col < len(r) and r[col] for r in rows))
    if filled_columns < 2:
        return None  # a frame around text, not a table
    return rows


def _cell_text(cell: str | None) -> str:
    if not cell:
        return ""
    out = ""
    for line in cell.split("\n"):
        line = line.strip()
        if line:
            out = join_lines(out, line)[0]
    return out.replace("\ufffe", "-").replace("\u00ad", "")
