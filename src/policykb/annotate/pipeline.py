"""The one spaCy pipeline of policykb: `spacy.blank("sv")` plus policykb's rule components.

Components (added in this order):
- `policykb_legal_references` (policykb.annotate.reference_component): legal references -> `doc._.references`,
  `doc.spans["legal_refs"]`; reads the document state from `doc._.legal_context`;
- `policykb_entities` (policykb.annotate.entities): domain entities -> `doc._.mentions`, `doc.spans["entities"]`.

The tokenizer gets one extra infix rule: a hyphen between an upper-case abbreviation and a
lower-case word is split (`SIP-möte` -> `SIP`, `-`, `möte`), so that abbreviations inside
compounds are matched as words while `HSLF-FS` and `E-hälsomyndigheten` stay whole; and so is a
footnote number glued to an abbreviation (`MAS12` -> `MAS`, `12`).

Built once per process and only when text is tagged (spaCy takes a while to import).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from policykb.annotate.entities import COMPONENT as ENTITIES, register as register_entities
from policykb.annotate.reference_component import COMPONENT as REFERENCES, register as register_references
from policykb.models import Mention
from policykb.swedish.text import check_text, tag_long_text

ABBREVIATION_HYPHEN_INFIX = r"(?<=[A-ZÅÄÖ]{2})-(?=[a-zåäö])"
# A footnote marker the text dump glued to an abbreviation (`MAS12`) is split off it.
ABBREVIATION_DIGITS_INFIX = r"(?<=[A-ZÅÄÖ]{2})(?=[0-9]{1,3}(?![0-9]))"
# spaCy strips prefixes/suffixes one character at a time: a 5,000-character run of `§` or `(`
# takes seconds. Texts with such a run get a plain regex tokenization instead (same text).
LONG_RUN_RE = re.compile(r"\S{400,}")
PLAIN_TOKEN_RE = re.compile(r"\w+|[^\w\s]|\s+")


@lru_cache(maxsize=1)
def pipeline():
    import spacy
    from spacy.util import compile_infix_regex

    nlp = spacy.blank("sv")
    nlp.tokenizer.infix_finditer = compile_infix_regex(list(nlp.Defaults.infixes) + [ABBREVIATION_HYPHEN_INFIX, ABBREVIATION_DIGITS_INFIX]).finditer
    nlp.max_length = 10**8  # callers bound the size of what they tag
    register_references()
    register_entities()
    nlp.add_pipe(REFERENCES)
    nlp.add_pipe(ENTITIES)
    return nlp


def run(text: str, components: Iterable[str], **doc_attrs):
    """A Doc of `text` with only the named components run; `doc_attrs` set `doc._.<name>` first."""
    nlp = pipeline()
    doc = make_doc(text)
    for name, value in doc_attrs.items():
        setattr(doc._, name, value)
    for name in components:
        doc = nlp.get_pipe(name)(doc)
    return doc


def make_doc(text: str):
    """The tokenized Doc of `text` (regex tokens when the text has a pathological long run)."""
    nlp = pipeline()
    if LONG_RUN_RE.search(text) is None:
        return nlp.make_doc(text)
    from spacy.tokens import Doc

    words = PLAIN_TOKEN_RE.findall(text)
    return Doc(nlp.vocab, words=words, spaces=[False] * len(words))


def find_entities(text: str) -> list[Mention]:
    """Entity mentions in `text`, in order, with offsets into `text`."""
    check_text(text, streamed_by="tag it with find_entities_by_paragraph (as `policykb entities --file` does)")
    if not text.strip():
        return []
    return run(text, [ENTITIES])._.mentions


def find_entities_by_paragraph(text: str) -> list[Mention]:
    """`find_entities` over a text of any length (`swedish.text.tag_long_text`)."""
    return tag_long_text(text, find_entities)
