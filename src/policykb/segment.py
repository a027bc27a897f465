"""sentence_spans(text) -> [(start, end)]: Swedish sentences of one block, as offsets.

Legal prose is full of periods that end nothing: `2 kap. 3 §`, `prop. 2019/20:164 s. 11`,
`t.ex.`, `bl.a.`, `m.m.`. A period ends a sentence only when the next word opens a new one
(capital letter, digit, quote, dash) and the word before it is not an abbreviation that
expects more. Footnote markers have already been taken out of the text by the extractor, so
`kommunen.6 Regionen` arrives as `kommunen. Regionen`.

Offsets are into the text given; spans never include the surrounding whitespace.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

# A candidate boundary: end punctuation (with any closing quote or bracket), then whitespace.
_BOUNDARY = re.compile(r"[.!?…]+[”\"’»)\]]*(?=\s+)")
_WORD_BEFORE = re.compile(r"(\S+)$")
_OPENS_SENTENCE = re.compile(r"[A-ZÅÄÖÉÜ0-9”\"'«»(\[•–—-]")


@lru_cache(maxsize=1)
def _abbreviations() -> tuple[frozenset[str], frozenset[str]]:
    """(abbreviations that never end a sentence, those that do when a capital follows)."""
    data = json.loads(resources.files("policykb.data").joinpath("requirements.json").read_text("utf-8"))
    sentence = data["sentences"]
    return (
        frozenset(a.lower() for a in sentence["abbreviations_never_final"]),
        frozenset(a.lower() for a in sentence["abbreviations_maybe_final"]),
    )


def sentence_spans(text: str) -> list[tuple[int, int]]:
    never_final, maybe_final = _abbreviations()
    spans: list[tuple[int, int]] = []
    start = _skip_space(text, 0)
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if end <= start:
            continue
        next_start = _skip_space(text, end)
        if next_start >= len(text):
            break
        if not _OPENS_SENTENCE.match(text[next_start]):
            continue
        word = _WORD_BEFORE.search(text[start : match.start() + 1])
        token = word.group(1).lower() if word else ""
        token = token.lstrip("(”\"'«[")
        if token in never_final:
            continue
        if token in maybe_final and not text[next_start].isupper():
            continue
        if re.fullmatch(r"\d{1,3}\.", token) and text[next_start].isdigit():
            continue  # "avsnitt 2. 3" style numbering, not an end
        if re.fullmatch(r"[a-zåäö]\.", token) and token not in ("å.",):
            # single lower-case letters with a period: "a.", "s." are abbreviations/list labels
            continue
        spans.append((start, _trim_end(text, start, end)))
        start = next_start
    if start < len(text):
        end = _trim_end(text, start, len(text))
        if end > start:
            spans.append((start, end))
    return spans


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def sentence_at(text: str, offset: int) -> tuple[int, int] | None:
    """The span holding `offset`, or ending exactly at it (a marker right after the period)."""
    for start, end in sentence_spans(text):
        if start <= offset <= end:
            return start, end
    return None
