"""The data that flows through the pipeline: small dataclasses, no behaviour beyond views.

extract -> Document (meta + pages of blocks and footnotes)
annotate -> Reference / Mention / Requirement lists (offsets into block or footnote text)
chunk -> Passage

Offsets are always Python string indices (code points) into the text they name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# The one progress callback of the core: progress(stage, done, total, item). `stage` names the
# step ("extract", "pdf-layout", "annotate", "embed" …), `item` what is being worked on (a file
# name, a document id, or ""). Front ends turn it into a progress bar; the core never prints.
Progress = Callable[[str, int, int, str], None]

# "toc": a table of contents, kept in the export but out of passages, sentences and evidence
BlockKind = Literal["heading", "paragraph", "table", "toc"]
PageStatus = Literal["text", "ocr", "unread"]


@dataclass
class Footnote:
    number: int
    text: str


CELL_SEPARATOR = " | "  # between the cells of a table row in a table block's text


@dataclass
class Block:
    """One heading, paragraph or table on a page.

    `markers` are footnote markers removed from `text`: (offset, footnote number), the offset
    being where the marker stood (just after the word it annotates).
    `rows` holds the cells of a table block; its `text` is the rows joined for search.
    """

    kind: BlockKind
    text: str
    markers: list[tuple[int, int]] = field(default_factory=list)
    level: int | None = None
    rows: list[list[str]] | None = None

    @classmethod
    def table(cls, rows: list[list[str]]) -> Block:
        """A table block whose text is its rows, one per line, cells joined by CELL_SEPARATOR."""
        return cls(kind="table", text="\n".join(CELL_SEPARATOR.join(row) for row in rows), rows=rows)


@dataclass
class Page:
    """A page as read: `index` is the 0-based PDF page, `printed` the number printed on it."""

    index: int
    blocks: list[Block] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    printed: str | None = None
    status: PageStatus = "text"
    note: str | None = None

    BLOCK_SEPARATOR = "\n\n"

    @property
    def text(self) -> str:
        """The page body as one string: blocks joined by a blank line (offsets refer to this)."""
        return self.BLOCK_SEPARATOR.join(b.text for b in self.blocks)

    def block_offsets(self) -> list[int]:
        """Start offset of each block inside `text`."""
        starts, pos = [], 0
        for block in self.blocks:
            starts.append(pos)
            pos += len(block.text) + len(self.BLOCK_SEPARATOR)
        return starts


@dataclass
class DocumentMeta:
    doc_id: str
    path: str
    sha256: str
    source_format: str  # "pdf" | "txt" | "md" | "html"
    title: str | None = None
    kind: str | None = None  # report, guidance, proposition, sou, ds, regulation, presentation, ...
    publisher: str | None = None
    date: str | None = None  # ISO date or prefix: "2026-03-12", "2026-05", "2024"
    identifier: str | None = None  # "SOU 2020:19", "prop. 2019/20:164", "2026-5-10283"
    language: str | None = "sv"
    size_bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Document:
    meta: DocumentMeta
    pages: list[Page] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def page_count(self) -> int:
        return len(self.pages)


@dataclass
class Reference:
    """A legal or document reference found in text, normalised (DESIGN.md canonical form).

    kind: act | chapter | section | prop | sou | ds | dir | bet | rskr | regulation | eu
    `detail` keeps what the canonical string drops: stycke, punkt, page, and the
    chapter/section inside an agency regulation.
    """

    start: int
    end: int
    text: str
    kind: str
    canonical: str
    url: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, with_detail: bool = False) -> dict[str, Any]:
        out = {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "kind": self.kind,
            "canonical": self.canonical,
            "url": self.url,
        }
        if with_detail and self.detail:
            out["detail"] = self.detail
        return out


@dataclass
class Mention:
    """An entity mention: label is TYPE:NAME, e.g. ROLE:MAS, PLAN:SIP, ORG:Socialstyrelsen."""

    start: int
    end: int
    text: str
    label: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Passage:
    """A retrievable unit: consecutive blocks of one document under one heading path."""

    doc_id: str
    ordinal: int  # position within the document
    text: str
    heading_path: list[str]
    page_start: int  # 0-based PDF page index (or pseudo-page for text files)
    page_end: int
    char_start: int  # offset into the page text of page_start
    char_end: int  # offset into the page text of page_end
    footnotes: list[Footnote] = field(default_factory=list)
    printed_pages: list[str | None] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return " › ".join(self.heading_path)


@dataclass
class AnnotatedText:
    """The annotations of one block or one footnote of a page.

    Exactly one of `block_ordinal` (index of the block on its page) and `footnote_number` is set.
    `block_char_start` is the block's offset in the page text, used to find its passage.
    """

    page_index: int
    references: list[Reference]
    mentions: list[Mention]
    block_ordinal: int | None = None
    block_char_start: int = 0
    footnote_number: int | None = None


@dataclass
class DocumentAnnotations:
    items: list[AnnotatedText]


def nearest_footnote_page(pages: list[int] | tuple[int, ...], marker_page: int) -> int | None:
    """Of the pages that carry a footnote with some number, the one a marker on `marker_page`
    points to: the marker's own page, else the nearest page after it, else the nearest before
    (numbering restarts per chapter in many reports, so a number can occur on several pages)."""
    if not pages:
        return None
    return min(pages, key=lambda p: (p < marker_page, abs(p - marker_page)))


Position = tuple[int, int]  # (page index, character offset in the page text)


@dataclass
class PassageSpans:
    """The passages of one document as [start, end) position ranges: which passage holds a point."""

    spans: list[tuple[Position, Position, int]]  # (start, end, passage_id), in reading order

    def at(self, page_index: int, offset: int | None) -> int | None:
        if offset is None:
            return None
        point = (page_index, offset)
        for start, end, pid in self.spans:
            if start <= point < end:
                return pid
        return None
