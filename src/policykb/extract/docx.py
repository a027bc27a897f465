"""Word files (.docx): headings, paragraphs, tables, footnotes and endnotes, through python-docx.

python-docx gives the package, the body in reading order (`Document.iter_inner_content`), the
styles with their base styles, table rows and the core properties. It does not expose footnotes,
endnotes, the references to them inside runs, nor page-type breaks (its run text drops them), so
the runs are walked here as the lxml elements python-docx builds, and the notes are read from the
footnotes/endnotes parts that python-docx has already loaded (found through the document part's
relationships, not by a fixed path inside the zip).

Decisions, each with its reason:

* Headings: a paragraph is a heading when its outline level (`w:outlineLvl`, on the paragraph or
  inherited through its style's base styles) is 0–8, or its style is named `heading N` /
  `Heading N` / `Rubrik N` (with or without the space, `Rubrik 1 utan numrering` too) or `Title`.
  The level is N (outline level + 1). Word stores the English built-in names whatever the
  interface language; Swedish templates add their own `Rubrik …` styles.
* Table-of-contents paragraphs (styles `toc N`) are left out: they repeat the headings with page
  numbers and would only add duplicate hits.
* Running headers and footers live in their own parts and are never read; only the body is.
* Pages: a .docx has no fixed pages. A page ends at an explicit page break (`w:br w:type="page"`),
  at a page break Word recorded when it last laid the document out (`w:lastRenderedPageBreak`),
  and at a section break that starts a new page; breaks with no text between them make one break,
  never an empty page. A paragraph the layout cut is split into two blocks, as the PDF reader does.
  A document without any of these is one page. Printed page numbers are unknown (`printed` None).
* Footnotes and endnotes: a reference in a run becomes a marker `(offset, number)` in its block,
  the offset just after the word it follows; the note becomes a `Footnote` on the page of its
  marker. Footnotes are numbered 1, 2, … in the order of their references (what Word displays);
  endnotes continue after the last footnote number so the two never collide on a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policykb.errors import InputError
from policykb.models import CELL_SEPARATOR, Block, Footnote, Page

_HEADING_STYLE = re.compile(r"^(?:heading|rubrik)\s*([1-9])\b", re.IGNORECASE)
_TOC_STYLE = re.compile(r"^(?:toc|innehåll)\s*[1-9]$", re.IGNORECASE)
_MAX_STYLE_DEPTH = 20  # base-style chains are short; a cycle in a broken file must not hang


@dataclass
class _Text:
    """Text being built with its whitespace squashed as it grows, and the markers inside it."""

    chars: list[str] = field(default_factory=list)
    markers: list[tuple[int, int]] = field(default_factory=list)

    def add(self, text: str) -> None:
        for ch in text:
            if ch.isspace():
                if self.chars and self.chars[-1] != " ":
                    self.chars.append(" ")
            else:
                self.chars.append(ch)

    def mark(self, number: int) -> None:
        self.markers.append((len("".join(self.chars).rstrip()), number))

    def result(self) -> tuple[str, list[tuple[int, int]]]:
        text = "".join(self.chars).rstrip()
        return text, [(min(offset, len(text)), number) for offset, number in self.markers]

    def empty(self) -> bool:
        return not "".join(self.chars).strip()


class _Reader:
    def __init__(self, document: Any):
        from docx.oxml.ns import qn

        self.qn = qn
        self.document = document
        self.pages: list[Page] = [Page(index=0)]
        self.break_pending = False  # a page break seen; the next text starts a new page
        self.note_numbers: dict[tuple[str, str], int] = {}  # (kind, w:id) -> displayed number
        self.note_pages: dict[tuple[str, str], int] = {}
        self.outline_cache: dict[str, int | None] = {}
        self._pending_notes: list[tuple[str, str]] = []  # notes referenced in the block being read
        body = document.element.body
        self.footnote_count = len({r.get(qn("w:id")) for r in body.iter(qn("w:footnoteReference"))})

    # -- page breaks -------------------------------------------------------------------------

    def _page(self) -> Page:
        if self.break_pending:
            self.break_pending = False
            if self.pages[-1].blocks:
                self.pages.append(Page(index=len(self.pages)))
        return self.pages[-1]

    def _add_block(self, block: Block) -> None:
        self._page().blocks.append(block)

    # -- body --------------------------------------------------------------------------------

    def read_body(self) -> None:
        from docx.table import Table

        for item in self.document.iter_inner_content():
            if isinstance(item, Table):
                self._table(item)
            else:
                self._paragraph(item)
                sect = item._p.find(f"{self.qn('w:pPr')}/{self.qn('w:sectPr')}")
                if sect is not None and _starts_new_page(sect, self.qn):
                    self.break_pending = True

    def _paragraph(self, paragraph: Any) -> None:
        style = paragraph.style
        if style is not None and _TOC_STYLE.match(style.name or ""):
            return
        level = self._heading_level(paragraph)
        kind = "heading" if level else "paragraph"
        text = _Text()
        for piece in self._walk(paragraph._p):
            if piece == "\f":
                if not text.empty() and kind == "paragraph":
                    self._flush(text, kind, level)
                    text = _Text()
                self.break_pending = True
            elif isinstance(piece, tuple):
                text.mark(self._note_number(*piece))
            else:
                text.add(piece)
        self._flush(text, kind, level)

    def _flush(self, text: _Text, kind: str, level: int | None) -> None:
        body, markers = text.result()
        if not body:
            return
        self._add_block(Block(kind=kind, text=body, markers=markers, level=level))  # type: ignore[arg-type]
        page = len(self.pages) - 1
        for key in self._pending_notes:
            self.note_pages.setdefault(key, page)
        self._pending_notes.clear()

    def _note_number(self, kind: str, note_id: str) -> int:
        key = (kind, note_id)
        if key not in self.note_numbers:
            first = 1 if kind == "footnote" else self.footnote_count + 1
            self.note_numbers[key] = first + sum(1 for k in self.note_numbers if k[0] == kind)
        self._pending_notes.append(key)
        return self.note_numbers[key]

    def _walk(self, element: Any):
        """The text of a paragraph (or of a cell's paragraph) in order: strings, "\\f" for a page
        break, ("footnote"|"endnote", id) for a note reference. Deleted text, field codes and
        drawings are skipped."""
        qn = self.qn
        skip = {qn("w:pPr"), qn("w:rPr"), qn("w:del"), qn("w:instrText"), qn("w:delText"),
                qn("w:drawing"), qn("w:pict"), qn("w:object"), qn("w:footnoteRef"), qn("w:endnoteRef")}
        alternate = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"
        for child in element.iterchildren():
            tag = child.tag
            if tag in skip or tag == alternate or not isinstance(tag, str):
                continue
            if tag == qn("w:t"):
                yield child.text or ""
            elif tag in (qn("w:tab"), qn("w:ptab"), qn("w:cr")):
                yield " "
            elif tag == qn("w:br"):
                yield "\f" if child.get(qn("w:type")) == "page" else " "
            elif tag == qn("w:lastRenderedPageBreak"):
                yield "\f"
            elif tag == qn("w:noBreakHyphen"):
                yield "-"
            elif tag == qn("w:softHyphen"):
                continue
            elif tag == qn("w:footnoteReference"):
                yield ("footnote", child.get(qn("w:id")))
            elif tag == qn("w:endnoteReference"):
                yield ("endnote", child.get(qn("w:id")))
            else:  # runs, hyperlinks, insertions, smart tags, simple fields, content controls
                yield from self._walk(child)
                if tag == qn("w:p"):
                    yield " "  # paragraphs inside a table cell or a note

    def _heading_level(self, paragraph: Any) -> int | None:
        direct = paragraph._p.find(f"{self.qn('w:pPr')}/{self.qn('w:outlineLvl')}")
        if direct is not None:
            return _outline_to_level(direct.get(self.qn("w:val")))
        style = paragraph.style
        if style is None:
            return None
        if style.style_id not in self.outline_cache:
            self.outline_cache[style.style_id] = self._style_level(style)
        return self.outline_cache[style.style_id]

    def _style_level(self, style: Any) -> int | None:
        for _ in range(_MAX_STYLE_DEPTH):
            if style is None:
                return None
            name = style.name or ""
            named = _HEADING_STYLE.match(name)
            if named:
                return int(named.group(1))
            if name.lower() == "title":
                return 1
            outline = style.element.find(f"{self.qn('w:pPr')}/{self.qn('w:outlineLvl')}")
            if outline is not None:
                return _outline_to_level(outline.get(self.qn("w:val")))
            style = style.base_style
        return None

    def _table(self, table: Any) -> None:
        rows: list[list[str]] = []
        cell_markers: list[list[list[tuple[int, int]]]] = []
        breaks = False
        for row in table.rows:
            cells, markers, seen = [], [], set()
            for cell in row.cells:
                # A merged cell is given once per grid column it spans. The elements themselves are
                # kept (not their id()): lxml may reuse a freed proxy's id for another element.
                if cell._tc in seen:
                    continue
                seen.add(cell._tc)
                text = _Text()
                for piece in self._walk(cell._tc):
                    if piece == "\f":
                        breaks = True
                    elif isinstance(piece, tuple):
                        text.mark(self._note_number(*piece))
                    else:
                        text.add(piece)
                body, marks = text.result()
                cells.append(body)
                markers.append(marks)
            if any(cells):
                rows.append(cells)
                cell_markers.append(markers)
        if breaks:
            self.break_pending = True  # a table is never cut: it stays on its first page, what follows starts the next
        if not rows:
            return
        block = Block.table(rows)
        block.markers = _table_markers(rows, cell_markers)
        self._add_block(block)
        page = len(self.pages) - 1
        for key in self._pending_notes:
            self.note_pages.setdefault(key, page)
        self._pending_notes.clear()

    # -- notes -------------------------------------------------------------------------------

    def attach_notes(self) -> None:
        texts = {("footnote", k): v for k, v in self._note_texts("footnotes").items()}
        texts.update({("endnote", k): v for k, v in self._note_texts("endnotes").items()})
        for key, number in self.note_numbers.items():
            text = texts.get(key)
            if text:
                self.pages[self.note_pages.get(key, 0)].footnotes.append(Footnote(number=number, text=text))
        for page in self.pages:
            page.footnotes.sort(key=lambda note: note.number)

    def _note_texts(self, kind: str) -> dict[str, str]:
        """w:id -> text of each real note (separators and continuation notices have a w:type)."""
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.oxml.parser import parse_xml

        reltype = RT.FOOTNOTES if kind == "footnotes" else RT.ENDNOTES
        try:
            part = self.document.part.part_related_by(reltype)
        except (KeyError, ValueError):
            return {}
        root = parse_xml(part.blob)
        notes: dict[str, str] = {}
        tag = self.qn("w:footnote" if kind == "footnotes" else "w:endnote")
        for note in root.iterchildren(tag):
            if note.get(self.qn("w:type")) not in (None, "normal"):
                continue
            text = _Text()
            for p in note.iter(self.qn("w:p")):
                for piece in self._walk(p):
                    if isinstance(piece, str) and piece != "\f":
                        text.add(piece)
                text.add(" ")
            body, _ = text.result()
            if body:
                notes[note.get(self.qn("w:id"))] = body
        return notes


def _outline_to_level(value: str | None) -> int | None:
    try:
        level = int(value or "")
    except ValueError:
        return None
    return level + 1 if 0 <= level <= 8 else None  # 9 is "body text"


def _starts_new_page(sect: Any, qn: Any) -> bool:
    kind = sect.find(qn("w:type"))
    return (kind.get(qn("w:val")) if kind is not None else "nextPage") in ("nextPage", "oddPage", "evenPage")


def _table_markers(rows: list[list[str]], markers: list[list[list[tuple[int, int]]]]) -> list[tuple[int, int]]:
    """Cell-relative markers as offsets into the table block's text (rows joined as Block.table joins them)."""
    out, pos = [], 0
    for row, row_markers in zip(rows, markers):
        for i, (cell, cell_markers) in enumerate(zip(row, row_markers)):
            out.extend((pos + offset, number) for offset, number in cell_markers)
            pos += len(cell) + (len(CELL_SEPARATOR) if i < len(row) - 1 else 0)
        pos += 1  # the newline between rows
    return out


def read_docx(path: Path) -> tuple[list[Page], dict[str, str]]:
    """Pages of a .docx and what its core properties say (`title`, `date`) when they look real."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError) as exc:
        raise InputError(
            f"{path}: not a readable Word document ({exc.__class__.__name__}); open it in Word or "
            f"LibreOffice and save it again as .docx or PDF"
        ) from None
    reader = _Reader(document)
    reader.read_body()
    reader.attach_notes()
    pages = [page for page in reader.pages if page.blocks or page.footnotes] or [Page(index=0)]
    for index, page in enumerate(pages):
        page.index = index
    return pages, _core_info(document)


def _core_info(document: Any) -> dict[str, str]:
    from policykb.extract.metadata import is_junk_title

    out: dict[str, str] = {}
    core = document.core_properties
    title = (core.title or "").strip()
    if title and not is_junk_title(title):
        out["title"] = title
    when = core.created or core.modified
    if when is not None and 1950 <= when.year <= 2100:
        out["date"] = when.date().isoformat()
    return out
