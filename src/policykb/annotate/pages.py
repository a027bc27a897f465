"""tag_page: the references (and entity mentions) of every block and footnote of one page.

Blocks first, then footnotes, with one `ReferenceContext` for the whole document, so that a
definition on an earlier page (`patientsäkerhetslagen (2010:659), PSL`) resolves here. Which
sentence a footnote's references belong to is decided later, from the stored text
(`store.document_sentences`), so that the citation graph and the trace read one model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from policykb.models import Mention, Page, Reference
from policykb.legal.context import ReferenceContext


@dataclass
class PageTags:
    """References (and optionally mentions) of every block and footnote of one page."""

    block_references: list[list[Reference]]
    footnote_references: dict[int, list[Reference]]
    block_mentions: list[list[Mention]] = field(default_factory=list)
    footnote_mentions: dict[int, list[Mention]] = field(default_factory=dict)


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
