"""Body sentences of a page with the references inside them and those of their footnotes.

Extraction removes footnote markers from block text and keeps them in `Block.markers` as
(offset, number): the offset is where the marker stood, right after the word or the sentence
it annotates. A marker belongs to the sentence it closes or sits in, so the references of
footnote N are attached to that sentence (`via="footnote"`), beside the ones written in the
sentence itself (`via="inline"`). Requirement tracing builds on `page_sentences`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from policykb.models import Block, Footnote, Mention, Page, Reference
from policykb.swedish.sentences import sentence_spans
from policykb.legal.context import ReferenceContext


@dataclass
class PageTags:
    """References (and optionally mentions) of every block and footnote of one page."""

    block_references: list[list[Reference]]
    footnote_references: dict[int, list[Reference]]
    block_mentions: list[list[Mention]] = field(default_factory=list)
    footnote_mentions: dict[int, list[Mention]] = field(default_factory=dict)


@dataclass
class SentenceRefs:
    page: int  # Page.index (0-based PDF page)
    block: int  # ordinal of the block on its page
    start: int  # offsets into the block's text
    end: int
    text: str
    kind: str  # the block's kind: heading | paragraph | table
    references: list[Reference]  # written in the sentence (offsets into the block's text)
    footnotes: list[int]  # numbers of the footnotes whose markers sit in or at the end of it
    footnote_references: dict[int, list[Reference]]  # number -> references of that footnote

    @property
    def all_references(self) -> list[tuple[str, Reference]]:
        """[(via, reference)]: "inline" ones first, then "footnote" ones in marker order."""
        out = [("inline", r) for r in self.references]
        for number in self.footnotes:
            out += [("footnote", r) for r in self.footnote_references.get(number, [])]
        return out


def tag_page(page: Page, context: ReferenceContext, *, entities: bool = False) -> PageTags:
    """Tag a page's blocks, then its footnotes, in that order, with one document context."""
    from policykb.annotate.pipeline import run
    from policykb.legal import SEGMENT_CHARS, find_references
    from policykb.annotate.reference_component import COMPONENT

    def tag(text: str) -> tuple[list[Reference], list[Mention]]:
        if not text.strip():
            return [], []
        if entities and len(text) <= SEGMENT_CHARS:
            from policykb.annotate.entities import COMPONENT as ENTITIES

            doc = run(text, [COMPONENT, ENTITIES], legal_context=context)
            return doc._.references, doc._.mentions
        refs = find_references(text, context=context)
        if entities:
            from policykb.annotate.pipeline import find_entities

            return refs, find_entities(text)
        return refs, []

    tags = PageTags([], {})
    for block in page.blocks:
        refs, mentions = tag(block.text)
        tags.block_references.append(refs)
        tags.block_mentions.append(mentions)
    for note in page.footnotes:
        refs, mentions = tag(note.text)
        tags.footnote_references[note.number] = refs
        tags.footnote_mentions[note.number] = mentions
    return tags


def page_sentences(
    page: Page, context: ReferenceContext | None = None, *, tags: PageTags | None = None
) -> list[SentenceRefs]:
    """Every body sentence of `page` with its inline references and its footnotes' references.

    Pass the document's `ReferenceContext` and call page by page in order, so that
    definitions from earlier pages apply; `tags` reuses an earlier `tag_page` of this page.
    """
    if tags is None:
        tags = tag_page(page, context or ReferenceContext())
    footnotes: dict[int, Footnote] = {n.number: n for n in page.footnotes}
    out: list[SentenceRefs] = []
    for ordinal, block in enumerate(page.blocks):
        refs = tags.block_references[ordinal] if ordinal < len(tags.block_references) else []
        spans = sentence_spans(block.text)
        if not spans:
            continue
        markers = _markers_by_sentence(block, spans)
        for i, (start, end) in enumerate(spans):
            numbers = [n for n in markers.get(i, []) if n in footnotes]
            out.append(SentenceRefs(
                page=page.index, block=ordinal, start=start, end=end, text=block.text[start:end], kind=block.kind,
                references=[r for r in refs if start <= r.start < end],
                footnotes=numbers,
                footnote_references={n: tags.footnote_references.get(n, []) for n in numbers},
            ))
    return out


def _markers_by_sentence(block: Block, spans: list[tuple[int, int]]) -> dict[int, list[int]]:
    """Sentence index -> footnote numbers: a marker annotates the text just before it."""
    starts = [s for s, _ in spans]
    out: dict[int, list[int]] = {}
    for offset, number in sorted(block.markers):
        i = bisect.bisect_left(starts, offset) - 1  # the last sentence starting before the marker
        i = max(i, 0)
        if number not in out.setdefault(i, []):
            out[i].append(number)
    return out
