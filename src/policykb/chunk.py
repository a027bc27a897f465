"""chunk(doc) -> passages: consecutive blocks under one heading path, cut to a target size.

Passages never cross a heading or a document; a paragraph longer than the limit is cut at
sentence ends. Each passage keeps its heading path, page span, offsets into the page text
and the footnotes its markers point to.

Inside a passage (`unit_spans`, `segment_spans` below): its sentence units, and the segments a
search returns. A passage (120-220 words) is the unit the retrievers score: enough context for BM25
and the embedding model. Inside it, the *units* are its sentences (`swedish.sentences.sentence_spans`; a
bullet line is a sentence of its own). Each unit is embedded on its own at ingest, and the
passage's vector is the normalised mean of its units' vectors, so the passage costs no extra
embedding; at query time the best-matching unit says where in the passage the answer is.

A search hit is a *segment*: consecutive units of one passage grouped until they reach
`SEGMENT_WORDS` words (a short tail joins the segment before it). Segments are cut at query
time from the stored unit spans, so their size can change without re-indexing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from policykb.models import Block, Document, Footnote, Page, Passage, nearest_footnote_page
from policykb.swedish.sentences import sentence_spans

# Chosen by measurement on the dev queries (hybrid nDCG@10, same retrieval code; README, Design:
# search): 40/80 words 0.47, 60/120 0.48-0.51, 90/160 0.51, 120/220 0.55-0.56, 160/280 0.54,
# 200/350 0.52-0.54, 250/450 0.51. Letting a short section tail join the passage before it
# (fewer scraps) measured 0.546 against 0.559 for plain greedy packing, so packing stays greedy.
TARGET_WORDS = 120
MAX_WORDS = 220
_SENTENCE_CUT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9”\"•–-])")


@dataclass
class _Piece:
    page: Page
    start: int  # offset in page text
    end: int
    text: str
    markers: list[int]

    @property
    def words(self) -> int:
        return len(self.text.split())


def chunk(doc: Document, *, target_words: int = TARGET_WORDS, max_words: int = MAX_WORDS) -> list[Passage]:
    passages: list[Passage] = []
    heading_stack: list[tuple[int, str]] = []
    current: list[_Piece] = []
    footnote_index = _footnote_index(doc)

    def flush() -> None:
        if current:
            passages.append(_make_passage(doc, len(passages), current, heading_stack, footnote_index))
            current.clear()

    for page in doc.pages:
        for block, block_start in zip(page.blocks, page.block_offsets()):
            if block.kind == "heading":
                flush()
                _push_heading(heading_stack, block)
                continue
            if block.kind == "toc":
                continue  # a table of contents is no passage (extract.mark_tables_of_contents)
            for piece in _pieces(page, block, block_start, max_words):
                if current and sum(p.words for p in current) + piece.words > max_words:
                    flush()
                current.append(piece)
                if sum(p.words for p in current) >= target_words:
                    flush()
    flush()
    return passages


def _push_heading(stack: list[tuple[int, str]], block: Block) -> None:
    # Text files give no heading levels; treat those as one level below a Markdown title.
    level = block.level if block.level is not None else 2
    while stack and stack[-1][0] >= level:
        stack.pop()
    stack.append((level, block.text))


def _pieces(page: Page, block: Block, block_start: int, max_words: int) -> list[_Piece]:
    """The block itself, or its sentence-aligned parts when it is longer than `max_words`."""
    text = block.text
    marker_at = sorted(block.markers)
    if len(text.split()) <= max_words:
        return [_Piece(page, block_start, block_start + len(text), text, [n for _, n in marker_at])]
    cuts = [0] + [m.start() for m in _SENTENCE_CUT.finditer(text)] + [len(text)]
    pieces: list[_Piece] = []
    start = 0
    for i in range(1, len(cuts)):
        end = cuts[i]
        if len(text[start:end].split()) >= max_words * 0.6 or end == len(text):
            segment = text[start:end]
            lead = len(segment) - len(segment.lstrip())
            seg_start, seg_end = start + lead, start + len(segment.rstrip())
            numbers = [n for off, n in marker_at if seg_start <= off <= seg_end]
            pieces.append(_Piece(page, block_start + seg_start, block_start + seg_end, text[seg_start:seg_end], numbers))
            start = end
    return [p for p in pieces if p.text]


def _footnote_index(doc: Document) -> dict[int, list[tuple[int, Footnote]]]:
    index: dict[int, list[tuple[int, Footnote]]] = {}
    for page in doc.pages:
        for note in page.footnotes:
            index.setdefault(note.number, []).append((page.index, note))
    return index


def resolve_footnote(
    footnote_index: dict[int, list[tuple[int, Footnote]]], page_index: int, number: int
) -> Footnote | None:
    """The footnote `number` a marker on `page_index` points to (`models.nearest_footnote_page`)."""
    candidates = footnote_index.get(number)
    if not candidates:
        return None
    page = nearest_footnote_page([p for p, _ in candidates], page_index)
    return next(note for p, note in candidates if p == page)


def _make_passage(
    doc: Document,
    ordinal: int,
    pieces: list[_Piece],
    heading_stack: list[tuple[int, str]],
    footnote_index: dict[int, list[tuple[int, Footnote]]],
) -> Passage:
    footnotes: list[Footnote] = []
    seen: set[int] = set()
    for piece in pieces:
        for number in piece.markers:
            note = resolve_footnote(footnote_index, piece.page.index, number)
            if note is not None and number not in seen:
                footnotes.append(note)
                seen.add(number)
    first, last = pieces[0], pieces[-1]
    pages = sorted({p.page.index for p in pieces})
    printed = [next(p.page.printed for p in pieces if p.page.index == i) for i in pages]
    return Passage(
        doc_id=doc.meta.doc_id,
        ordinal=ordinal,
        text="\n".join(p.text for p in pieces),
        heading_path=[text for _, text in heading_stack],
        page_start=first.page.index,
        page_end=last.page.index,
        char_start=first.start,
        char_end=last.end,
        footnotes=footnotes,
        printed_pages=printed,
    )


# --- Units and segments inside a passage --------------------------------------------------
SEGMENT_WORDS = 45

Span = tuple[int, int]


def unit_spans(text: str) -> list[Span]:
    """(start, end) offsets of the passage's sentences; the whole text when it has none (so
    every passage has at least one unit)."""
    return sentence_spans(text) or [(0, len(text))]


def segment_spans(text: str, units: Sequence[Span], target_words: int = SEGMENT_WORDS) -> list[tuple[int, int]]:
    """Group consecutive units into segments of at least `target_words` words; returns
    (first unit index, last unit index) pairs, inclusive, covering every unit once."""
    groups: list[list[int]] = []
    current: list[int] = []
    words = 0
    for i, (start, end) in enumerate(units):
        current.append(i)
        words += len(text[start:end].split())
        if words >= target_words:
            groups.append(current)
            current, words = [], 0
    if current:
        if groups and words < target_words / 2:
            groups[-1].extend(current)
        else:
            groups.append(current)
    return [(g[0], g[-1]) for g in groups]
