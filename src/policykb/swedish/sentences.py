"""A Swedish sentence splitter for policy prose and footnotes.

Rule based, no model: a sentence ends at `.`, `!` or `?` (plus closing quotes or brackets)
followed by space and a capital letter, a digit, a bullet or the end of the text; a blank
line or a new bullet line always ends one. Abbreviations that do not end sentences
(`bl.a.`, `t.ex.`, `kap.`, `s.`, `prop.`, `jfr`, `dvs.` ...) and a number followed by `§` or
`kap.` (`enligt 2. kap` is not a boundary) never split.
"""

from __future__ import annotations

import re

# Abbreviations after which a period never ends the sentence (lower-cased, without the final period).
NON_TERMINAL = {
    "bl.a", "t.ex", "kap", "s", "sid", "prop", "jfr", "dvs", "d.v.s", "ca", "c:a", "enl", "nr", "st", "resp",
    "p", "f", "ff", "a", "kl", "fr.o.m", "t.o.m", "inkl", "exkl", "el", "dir", "bet", "rskr", "kungl", "mom",
    "jfr.", "ang", "avd", "bil", "tab", "fig", "uppl", "red", "publ", "vol", "dnr", "art", "punkt", "stycket",
    "t.o.m", "o", "s.k", "osv.", "bl", "m.a.o", "i.e", "e.g", "etc.", "min", "tel", "ex", "resp.", "förf",
    "prof", "dr", "mr", "ms", "mrs", "sek", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "okt", "nov", "dec",
}
BOUNDARY_RE = re.compile(r"[.!?]+[\"”’)\]]*(?=\s)|\n[ \t]*\n|\n(?=[ \t]*[•\-–*]\s)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, leading/trailing whitespace excluded; covers all non-space text."""
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    for m in BOUNDARY_RE.finditer(text):
        end = m.end()
        if m.group()[0] in ".!?":
            if not _ends_sentence(text, m.start(), end):
                continue
        _append(spans, text, start, end)
        start = end
    _append(spans, text, start, n)
    return spans


def split_sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))


def _ends_sentence(text: str, dot: int, end: int) -> bool:
    # what follows: a capital, digit, bullet or quote after whitespace, or the end of the text
    rest = text[end:end + 40].lstrip()
    if not rest:
        return True
    first = rest[0]
    if not (first.isupper() or first.isdigit() or first in "•–-*\"”(["):
        return False
    # the word the punctuation closes
    i = dot
    while i > 0 and not text[i - 1].isspace() and text[i - 1] not in "([\"":
        i -= 1
    word = text[i:dot].lower()
    if text[dot] == "." and (word in NON_TERMINAL or word.rstrip(".") in NON_TERMINAL):
        return False
    if text[dot] == "." and len(word) == 1 and word.isalpha():
        return False  # initials and `a. prop.`
    if text[dot] == "." and word.isdigit():
        # `1. Regionen ska`: a list number at the start of a line is not a sentence of its own
        line_start = text.rfind("\n", 0, i) + 1
        if text[line_start:i].strip() == "":
            return False
        if re.match(r"\s*(?:§|kap\b)", text[end:end + 8]):
            return False
    if first.isdigit() and re.match(r"\d+\s*(?:§|kap\b)", rest):
        # `... enligt 2 kap. 3 § HSL. 4 kap. 1 § PSL` still splits; but `s. 5 §` never occurs
        return True
    return True
