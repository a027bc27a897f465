"""The body text of a stored document as sentences, with the references inside each sentence and
the references of the footnotes its markers point to.

Built from the store (blocks, their footnote markers, footnotes, refs), not from a fresh parse,
so that the citation graph and the requirement trace always agree with the references the
tagger stored: what `xref` counts is exactly what `trace` links.

A paragraph cut by a page break ("… men inte sådan hälso- och sjukvård som" | "läkare ger.")
is read as one text: the last block of a page that stops mid-sentence runs on into the first
block of the next page when that one starts in lower case.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache

from policykb.swedish.sentences import sentence_spans
from policykb.data import load_json
from policykb.models import PassageSpans, nearest_footnote_page
from policykb.store import passage_spans



@dataclass
class StoredRef:
    ref_id: int
    kind: str
    canonical: str
    url: str
    start: int
    end: int
    passage_id: int | None


@dataclass
class _Piece:
    block_id: int
    page_index: int
    char_start: int  # the block's offset in its page text
    text: str
    markers: list[tuple[int, int]]
    offset: int  # where this block starts in the chain text


@dataclass
class Sentence:
    """A sentence of the body (block_id set) or of a footnote (footnote_number set)."""

    page_index: int
    start: int  # offset in the first block (or the footnote)
    end: int  # start + length: may pass the block's end when the sentence runs over a page break
    text: str
    block_id: int | None = None
    footnote_number: int | None = None
    page_char: int | None = None  # offset in the page text, to find the passage
    inline: list[StoredRef] = field(default_factory=list)
    # (footnote page, footnote number) of each marker in the sentence, in order
    footnotes: list[tuple[int, int]] = field(default_factory=list)
    # the footnotes whose marker closes the paragraph this sentence is in, when the sentence has
    # none of its own: the sources the paragraph as a whole rests on (issue 17.9)
    paragraph_footnotes: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class DocumentText:
    doc_id: str
    sentences: list[Sentence]
    footnote_refs: dict[tuple[int, int], list[StoredRef]]  # (page, number) -> refs of that footnote
    footnote_sentences: list[Sentence]
    ref_sentence: dict[int, int]  # ref_id -> index into sentences (body) of the citing sentence
    passages: PassageSpans

    def passage_at(self, page_index: int, page_char: int | None) -> int | None:
        return self.passages.at(page_index, page_char)


def load_document_text(conn: sqlite3.Connection, doc_id: str) -> DocumentText:
    blocks = conn.execute(
        "SELECT block_id, page_index, ordinal, kind, text, char_start, markers FROM blocks "
        "WHERE doc_id = ? ORDER BY page_index, ordinal",
        (doc_id,),
    ).fetchall()
    refs_by_block: dict[int, list[StoredRef]] = {}
    footnote_refs: dict[tuple[int, int], list[StoredRef]] = {}
    for row in conn.execute(
        "SELECT ref_id, block_id, footnote_number, page_index, kind, canonical, url, start, end, passage_id "
        "FROM refs WHERE doc_id = ? ORDER BY ref_id",
        (doc_id,),
    ):
        ref = StoredRef(row[0], row[4], row[5], row[6], row[7], row[8], row[9])
        if row[1] is not None:
            refs_by_block.setdefault(row[1], []).append(ref)
        elif row[2] is not None:
            footnote_refs.setdefault((row[3], row[2]), []).append(ref)
    notes = conn.execute(
        "SELECT page_index, number, text FROM footnotes WHERE doc_id = ? ORDER BY page_index, number", (doc_id,)
    ).fetchall()
    pages_of_note: dict[int, list[int]] = {}
    for page_index, number, _ in notes:
        pages_of_note.setdefault(number, []).append(page_index)
    passages = passage_spans(conn, doc_id)

    sentences: list[Sentence] = []
    ref_sentence: dict[int, int] = {}
    for chain in _chains(blocks):
        _split_chain(chain, refs_by_block, pages_of_note, sentences, ref_sentence)

    footnote_sentences: list[Sentence] = []
    for page_index, number, text in notes:
        refs = footnote_refs.get((page_index, number), [])
        for start, end in sentence_spans_in(text):
            footnote_sentences.append(
                Sentence(
                    page_index=page_index, start=start, end=end, text=text[start:end], footnote_number=number,
                    inline=[r for r in refs if start <= r.start < end],
                )
            )
    return DocumentText(doc_id, sentences, footnote_refs, footnote_sentences, ref_sentence, passages)


def _chains(blocks: list[sqlite3.Row]) -> list[list[_Piece]]:
    """Runs of paragraph blocks that read as one text.

    Two kinds: a paragraph cut by a page break (the last block of a page stops mid-sentence and
    the first block of the next page goes on in lower case), and a lead-in with its bullet list
    ("Det innebär att vården särskilt ska" + "- vara av god kvalitet …" + "- vara lätt
    tillgänglig.[26]"): the list completes the lead-in's sentence, so a footnote at its end
    is that sentence's footnote.
    """
    chains: list[list[_Piece]] = []
    previous: tuple | None = None  # (page, is last on its page, text) of the block before
    last_ordinal: dict[int, int] = {}
    for row in blocks:
        last_ordinal[row[1]] = max(last_ordinal.get(row[1], -1), row[2])
    for row in blocks:
        block_id, page_index, ordinal, kind, text, char_start, markers = row
        if kind != "paragraph" or not text.strip():
            previous = None
            continue
        piece = _Piece(block_id, page_index, char_start, text, [tuple(m) for m in json.loads(markers)], 0)
        if previous is not None and chains and _runs_on(previous, page_index, ordinal, text):
            last = chains[-1][-1]
            piece.offset = last.offset + len(last.text) + 1
            chains[-1].append(piece)
        else:
            chains.append([piece])
        previous = (page_index, ordinal == last_ordinal[page_index], text)
    return chains


_BULLET = re.compile(r"^\s*[-•–*▪●◦]\s")
_OPEN_END = re.compile(r"(?:[^.!?”\"’»)\]\s]|:)\s*$")


def _runs_on(previous: tuple, page_index: int, ordinal: int, text: str) -> bool:
    prev_page, prev_last_on_page, prev_text = previous
    next_page_start = page_index == prev_page + 1 and ordinal == 0 and prev_last_on_page
    if not (page_index == prev_page or next_page_start):
        return False
    if not _OPEN_END.search(prev_text):
        return False
    if _BULLET.match(text):
        return True  # a list item after a lead-in or after an item that does not end the list
    return next_page_start and text[:1].islower() and not _BULLET.match(prev_text)


@lru_cache(maxsize=1)
def _run_in_opener() -> re.Pattern[str]:
    data = load_json("requirements.json")
    words = sorted(data["sentence_openers"]["words"], key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in words)
    # A capitalised opener right after a lower-case word or a number, or glued after a period.
    return re.compile(rf"(?:(?<=[a-zåäöé0-9]) |(?<=[.!?\]]))(?=(?:{alternatives})(?![\w-]))")


def sentence_spans_in(text: str) -> list[tuple[int, int]]:
    """Sentences of `text`, also cut where the dump ran a heading or page header into a sentence."""
    out: list[tuple[int, int]] = []
    opener = _run_in_opener()
    for start, end in sentence_spans(text):
        cuts = [m.start() for m in opener.finditer(text, start + 1, end)]
        for cut in cuts:
            piece_end = cut
            while piece_end > start and text[piece_end - 1].isspace():
                piece_end -= 1
            if piece_end > start:
                out.append((start, piece_end))
            start = cut
            while start < end and text[start].isspace():
                start += 1
        if end > start:
            out.append((start, end))
    return out


def _split_chain(
    chain: list[_Piece],
    refs_by_block: dict[int, list[StoredRef]],
    pages_of_note: dict[int, list[int]],
    sentences: list[Sentence],
    ref_sentence: dict[int, int],
) -> None:
    text = " ".join(p.text for p in chain)
    markers: list[tuple[int, int, int]] = []  # (chain offset, footnote page, number)
    for piece in chain:
        for offset, number in piece.markers:
            page = nearest_footnote_page(pages_of_note.get(number, []), piece.page_index)
            if page is not None:
                markers.append((piece.offset + offset, page, number))
    refs: list[tuple[int, StoredRef]] = []
    for piece in chain:
        for ref in refs_by_block.get(piece.block_id, []):
            refs.append((piece.offset + ref.start, ref))
    first = len(sentences)
    for start, end in sentence_spans_in(text):
        anchor = next(p for p in reversed(chain) if p.offset <= start)
        sentence = Sentence(
            page_index=anchor.page_index,
            start=start - anchor.offset,
            end=end - anchor.offset,
            text=text[start:end],
            block_id=anchor.block_id,
            page_char=anchor.char_start + start - anchor.offset,
        )
        # A marker belongs to the sentence it stands in or right after (kommunen.[6]).
        sentence.footnotes = [(page, number) for offset, page, number in markers if start < offset <= end]
        for offset, ref in refs:
            if start <= offset < end:
                sentence.inline.append(ref)
                ref_sentence[ref.ref_id] = len(sentences)
        sentences.append(sentence)
    _share_closing_footnotes(sentences[first:], text, markers)


# What may stand after the last word of a paragraph and still leave its marker "closing" it.
_TRAILING = re.compile(r"[\s.!?”\"’»)\]]*$")


def _share_closing_footnotes(paragraph: list[Sentence], text: str, markers: list[tuple[int, int, int]]) -> None:
    """A footnote whose marker ends a paragraph of several sentences ("… ska upprätta en SIP.[12]"
    after four sentences about the SIP) gives the source of the paragraph, not only of its last
    sentence: every other sentence of the paragraph that has no footnote of its own gets it as a
    paragraph footnote. The citation graph keeps counting the marker once (`footnotes`); the
    requirement trace reads both (`index.citations`)."""
    if len(paragraph) < 2 or not markers:
        return
    tail = _TRAILING.search(text).start()
    closing = [(page, number) for offset, page, number in markers if offset >= tail]
    if not closing or paragraph[-1].footnotes[-len(closing):] != closing:
        return
    for sentence in paragraph[:-1]:
        if not sentence.footnotes:
            sentence.paragraph_footnotes = list(closing)


