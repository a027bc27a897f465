"""Whole texts handed to the taggers: the size guard of one call, and paragraph spans for streaming.

A call that tags text (`find_references`, `find_entities`) accepts at most `MAX_TEXT_CHARS`
characters: beyond that one call would hold a whole book's tokens at once. Longer texts are
tagged paragraph by paragraph (`paragraph_spans`), which is what `policykb refs --file` does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TypeVar

from policykb.errors import InputError, TooLargeError

MAX_TEXT_CHARS = 5_000_000
T = TypeVar("T")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_SURROGATE = re.compile("[\ud800-\udfff]")
# A table-of-contents line: dot leaders or a tab, then the page number.
_TOC_LEADERS = re.compile(r"(\.{4,}|\t)\s*\d+\s*$")
# A table-of-contents entry whose leaders extraction lost: a short line ending in a page number.
_TOC_BARE_ENTRY = re.compile(r".{3,100}\s\d{1,3}")


def check_unicode(text: str, what: str = "the input") -> str:
    """`text` if it is valid Unicode. A lone surrogate (U+D800-U+DFFF) is what Python makes of
    bytes that are not UTF-8 in a command-line argument (a terminal set to Latin-1), or of a
    surrogate escape in JSON; it cannot be encoded, stored or printed, so it is refused here with
    what to do instead of failing later with a traceback."""
    bad = _SURROGATE.search(text)
    if bad is not None:
        raise InputError(
            f"{what} is not valid text (character {bad.start() + 1} is a byte that is not UTF-8); "
            f"set your terminal to UTF-8 (e.g. LANG=sv_SE.UTF-8) and type it again"
        )
    return text


def check_text(text: object, *, streamed_by: str) -> str:
    """`text` if it is a string one call may tag; else a clear error naming `streamed_by`, the way
    to tag a longer text."""
    if not isinstance(text, str):
        raise InputError(f"text must be a string, not {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise TooLargeError(
            f"text of {len(text):,} characters is over the limit of {MAX_TEXT_CHARS:,} for one call; "
            f"{streamed_by}"
        )
    return check_unicode(text)


def paragraph_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of the blank-line separated paragraphs of `text`, in order."""
    start = 0
    for m in _PARAGRAPH_BREAK.finditer(text):
        yield start, m.start()
        start = m.end()
    yield start, len(text)


def tag_long_text(text: str, tag: Callable[[str], list[T]]) -> list[T]:
    """`tag(text)` for a text of any length: in one call up to `MAX_TEXT_CHARS`, beyond that paragraph
    by paragraph, each found span (anything with `start`/`end`) moved to its offsets in the whole text."""
    if len(text) <= MAX_TEXT_CHARS:
        return tag(text)
    out: list[T] = []
    for lo, hi in paragraph_spans(text):
        for span in tag(text[lo:hi]):
            span.start += lo
            span.end += lo
            out.append(span)
    return out


def bounded_segments(text: str, max_chars: int) -> list[tuple[int, int]]:
    """(start, end) segments of at most about `max_chars`, cut at a paragraph break in the second
    half of the window where there is one, else at a line end or a space."""
    if len(text) <= max_chars:
        return [(0, len(text))]
    segments, lo = [], 0
    while len(text) - lo > max_chars:
        m = None
        for m in _PARAGRAPH_BREAK.finditer(text, lo + max_chars // 2, lo + max_chars):
            pass
        if m is not None:
            cut = m.end()
        else:
            cut = text.rfind("\n", lo + 1, lo + max_chars)
            if cut <= lo:
                cut = text.rfind(" ", lo + 1, lo + max_chars)
            cut = cut + 1 if cut > lo else lo + max_chars
        segments.append((lo, cut))
        lo = cut
    segments.append((lo, len(text)))
    return segments


def is_toc_line(text: str, *, without_leaders: bool = False) -> bool:
    """Is `text` a line of a table of contents? With `without_leaders`, also a short line that only
    ends in a page number ("Inledning 5"), where the caller knows a contents list is likely."""
    if _TOC_LEADERS.search(text):
        return True
    return without_leaders and _TOC_BARE_ENTRY.fullmatch(text) is not None


def clip(text: str, limit: int) -> str:
    """`text` cut to at most about `limit` characters at a word boundary, with " …" when cut."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip() + " …"


# Share of one text's word 5-grams found in another at which the two say the same (the same
# paragraph in two reports, a repeated slide, one sentence of a regulation in two passages): what
# search drops as a near-duplicate hit and the remiss helper as a repeated quote.
DUPLICATE_CONTAINMENT = 0.8


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    """The text's word n-grams (lower-cased, split on white space); a shorter text is one n-gram."""
    words = text.lower().split()
    if len(words) < n:
        return {tuple(words)}
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def containment(a: set, b: set) -> float:
    """The share of the smaller shingle set found in the other (a segment inside a passage
    that says the same counts as a duplicate, as do two equal passages)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))
