"""The spaCy side of the reference parser: a pipeline component on `spacy.blank("sv")`.

The component reads the document's `ReferenceContext` from `doc._.legal_context`, runs the
grammar of `finder.py` over the text and writes the references twice: as Python objects in
`doc._.references` (character offsets, canonical form, URL) and as spans in
`doc.spans["legal_refs"]` (each with `span._.reference`), so that a spaCy user can combine
them with other components. `policykb.annotate.pipeline` composes it with the entity component.
"""

from __future__ import annotations

from policykb.legal.context import ReferenceContext
from policykb.legal.finder import BlockFinder

COMPONENT = "policykb_legal_references"
SPAN_KEY = "legal_refs"


def register() -> None:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

    if not Doc.has_extension("legal_context"):
        Doc.set_extension("legal_context", default=None)
    if not Doc.has_extension("references"):
        Doc.set_extension("references", default=None)
    if not Span.has_extension("reference"):
        Span.set_extension("reference", default=None)
    if COMPONENT not in Language.factories:
        Language.factory(COMPONENT, func=lambda nlp, name: LegalReferences())


class LegalReferences:
    """spaCy component: finds legal references in `doc.text`."""

    def __call__(self, doc):
        context = doc._.legal_context
        if context is None:
            context = ReferenceContext()
            doc._.legal_context = context
        references = BlockFinder(doc.text, context).run()
        context.block_count += 1  # definitions of this block apply to all later blocks
        doc._.references = references
        spans = []
        for ref in references:
            span = doc.char_span(ref.start, ref.end, alignment_mode="expand")
            if span is not None:
                span._.reference = ref
                spans.append(span)
        doc.spans[SPAN_KEY] = spans
        return doc
