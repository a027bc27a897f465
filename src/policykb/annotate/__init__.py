"""annotate(doc) -> DocumentAnnotations: the references and entity mentions of every block and footnote.

Pages are walked in order with one `ReferenceContext` dated by the document's date, so an
abbreviation defined on page 3 (`patientsäkerhetslagen (2010:659), PSL`) resolves on page 40,
and SoL means the act in force when the document was written.
"""

from __future__ import annotations

from policykb.legal.context import ReferenceContext
from policykb.annotate.pages import tag_page
from policykb.models import AnnotatedText, Document, DocumentAnnotations, Progress


def annotate(doc: Document, progress: Progress | None = None) -> DocumentAnnotations:
    """Tag every block and footnote of `doc`; `progress("annotate", done_pages, total_pages, doc_id)`."""
    context = ReferenceContext(date=doc.meta.date)
    items: list[AnnotatedText] = []
    total = len(doc.pages)
    for n, page in enumerate(doc.pages):
        tags = tag_page(page, context, entities=True)
        for ordinal, start in enumerate(page.block_offsets()):
            items.append(AnnotatedText(
                page_index=page.index,
                references=tags.block_references[ordinal],
                mentions=tags.block_mentions[ordinal],
                block_ordinal=ordinal,
                block_char_start=start,
            ))
        for note in page.footnotes:
            items.append(AnnotatedText(
                page_index=page.index,
                references=tags.footnote_references.get(note.number, []),
                mentions=tags.footnote_mentions.get(note.number, []),
                footnote_number=note.number,
            ))
        if progress is not None:
            progress("annotate", n + 1, total, doc.meta.doc_id)
    return DocumentAnnotations(items=items)
