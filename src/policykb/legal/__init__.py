"""Legal references: find, normalise and link citations of Swedish law and government documents.

Public API (the rest of policykb codes against these names):

- `find_references(text, *, date=None, context=None) -> list[Reference]`
- `ReferenceContext`: per-document state, so a document is tagged block by block in order
- `parse_reference(query, *, date=None) -> list[Reference]` for user input; raises `InputError`
- `reference_url(canonical, detail=None) -> str`
- `lawbook.synonym_groups()` for query expansion

`find_references` runs the grammar directly; the spaCy component in `pipeline.py` wraps the same
grammar for spaCy pipelines (ingest tags through it, together with the entity component).
"""

from __future__ import annotations

import re

from policykb.errors import InputError
from policykb.models import Reference
from policykb.swedish.text import MAX_TEXT_CHARS, bounded_segments, check_text, tag_long_text
from policykb.legal.canonical import parse_canonical, reference_url
from policykb.legal.context import ReferenceContext

__all__ = [
    "MAX_TEXT_CHARS",
    "Reference",
    "ReferenceContext",
    "find_references",
    "find_references_by_paragraph",
    "identifier_canonicals",
    "parse_reference",
    "reference_url",
]

SEGMENT_CHARS = 50_000  # longer texts are tagged in paragraph-aligned segments of about this size


def find_references(
    text: str, *, date: str | None = None, context: ReferenceContext | None = None
) -> list[Reference]:
    """All references in `text`, in order, with offsets into `text`.

    `context` carries definitions and the last-named act from earlier blocks of the same
    document (pass the same object for each block, in reading order); `date` (ISO or prefix)
    decides date-dependent abbreviations such as SoL when the context has none.
    """
    check_text(text, streamed_by="tag it with find_references_by_paragraph (as `policykb refs --file` does)")
    if context is None:
        context = ReferenceContext(date=date)
    elif date and not context.date:
        context.date = date
    if not text.strip():
        context.block_count += 1
        return []
    # The spaCy component (`pipeline.LegalReferences`) runs this same grammar over `doc.text`;
    # calling the grammar directly gives identical references without importing spaCy, which
    # costs about a second of start-up (and pulls in torch through thinc where torch is installed)
    # — too much for a query typed at the terminal. Ingest tags through the spaCy pipeline.
    from policykb.legal.finder import BlockFinder

    out: list[Reference] = []
    for lo, hi in bounded_segments(text, SEGMENT_CHARS):
        references = BlockFinder(text[lo:hi], context).run()
        context.block_count += 1  # definitions of this block apply to all later blocks
        for ref in references:
            if lo:
                ref.start += lo
                ref.end += lo
            out.append(ref)
    return out


def find_references_by_paragraph(text: str, *, date: str | None = None) -> list[Reference]:
    """`find_references` over a text of any length (`swedish.text.tag_long_text`), with one context
    for all its paragraphs, so definitions and the last-named act carry over."""
    context = ReferenceContext(date=date)
    return tag_long_text(text, lambda part: find_references(part, context=context))


ACCEPTED_FORMS = (
    "'2 kap. 3 § HSL', 'SFS 2017:30 2 kap. 3 §', '2 kap. HSL', 'HSL', 'hälso- och sjukvårdslagen', "
    "'lagen (1993:387)', 'SFS 2017:30', '2017:30', 'prop. 2019/20:164', 'SOU 2020:19', 'Ds 2023:23', "
    "'dir. 2020:5', 'bet. 2019/20:SoU8', 'rskr. 2019/20:266', 'HSLF-FS 2016:40', 'SOSFS 2011:9', "
    "'AFS 2020:1', 'förordning (EU) 2016/679', 'CELEX 32016R0679'"
)


def parse_reference(query: str, *, date: str | None = None) -> list[Reference]:
    """References in a user's query (`2 kap. 3 § HSL`, `SFS 2017:30 2 kap. 3 §`, `HSL`, `prop. 2019/20:164`).

    Every canonical string parses back to itself. Raises InputError listing the accepted
    forms when nothing in the query is a reference.
    """
    query = (query or "").strip()
    if not query:
        raise InputError(f"empty reference; write one like {ACCEPTED_FORMS}")
    if len(query) > 2000:
        raise InputError("a reference query is at most 2,000 characters; cite one provision or document")
    refs = find_references(query, date=date, context=ReferenceContext(date=date, accept_weak_abbreviations=True))
    if not refs:
        refs = _parse_loose(query, date)
    if not refs:
        raise InputError(f"{query!r} is not a reference policykb understands; accepted forms: {ACCEPTED_FORMS}")
    return refs


def _parse_loose(query: str, date: str | None) -> list[Reference]:
    """Query-only readings: a bare SFS number, a canonical string, an abbreviation in any case."""
    from policykb.legal.lawbook import load_lawbook

    m = re.fullmatch(r"(\d{4}:\d{1,4})", query)
    if m:
        return find_references(f"SFS {m[1]}", date=date)
    try:
        kind, _ = parse_canonical(query)
    except ValueError:
        kind = None
    if kind is not None:
        return [Reference(0, len(query), query, kind, query, reference_url(query), {})]
    book = load_lawbook()
    by_upper = {a.upper(): a for a in book.by_abbreviation}
    fixed = re.sub(r"(?<![\w-])([A-Za-zÅÄÖåäö]{2,6})(?::s)?(?![\w-])",
                   lambda w: by_upper.get(w[1].upper(), w[0]), query)
    if fixed != query:
        refs = find_references(fixed, date=date, context=ReferenceContext(date=date, accept_weak_abbreviations=True))
        for ref in refs:
            ref.text = query[ref.start:ref.end]
        return refs
    return []


def identifier_canonicals(identifier: str | None, date: str | None) -> list[str]:
    """The canonical forms of a document identifier (`Prop. 2019/20:164` → `prop. 2019/20:164`).

    An identifier the parser does not read as a reference (an article number like
    `2026-5-10283`) links nothing.
    """
    if not identifier or not identifier.strip():
        return []
    from policykb.errors import PolicyKBError

    try:
        refs = parse_reference(identifier, date=date)
    except PolicyKBError:
        return []
    return sorted({r.canonical for r in refs})
