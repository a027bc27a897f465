"""Joining lines: words broken at a line end come back whole, compound continuations keep their hyphen.

Swedish elides the shared part of coordinated compounds with a hyphen ("hälso- och sjukvård",
"byggnads- eller anläggningsarbete", "barn-, ungdoms- och äldrefrågor"); such a hyphen at a line
end is followed by a conjunction, a comma or a dash and must stay. pdfium marks a hyphen it takes
for a line-end break as U+FFFE, but marks these compound hyphens the same way, so the decision is
made here from the words on both sides.

This is the one rule set for every reader: the PDF reader joins the lines of a block with
`join_lines`, the text reader folds its wrapped lines through the same function, so the same two
lines give the same words whatever file they came from.
"""

from __future__ import annotations

import re

SOFT_HYPHEN_MARKS = ("\ufffe", "\u00ad")
HYPHENS = ("-", "\u2010", "\u2011") + SOFT_HYPHEN_MARKS

# Words that follow the elided part of a coordinated compound.
CONTINUATIONS = {
    "och", "eller", "samt", "respektive", "resp.", "resp", "liksom", "som", "men", "till", "alternativt", "&",
}
# Prefixes written with a hyphen before a lower-case word: "Icke-legitimerad", "icke-vårdande".
# ("själv-", "ex-" are not: "självständigt", "exempelvis" are broken at a line end far more often.)
HYPHENATED_PREFIXES = {"icke"}
_URL_START = re.compile(r"(?:https?|file|ftp)://|www\.", re.I)

_LAST_WORD = re.compile(r"(\S+)$")
_FIRST_WORD = re.compile(r"^(\S+)")


def ends_with_break_hyphen(text: str) -> bool:
    """Does the line end in a hyphen attached to a word (not a free-standing dash)?"""
    if not text or text[-1] not in HYPHENS:
        return False
    return len(text) >= 2 and text[-2].isalnum()


def join_lines(first: str, second: str) -> tuple[str, int]:
    """Join two lines of one paragraph; returns the text and where `second` starts in it.

    The second value lets callers move offsets (markers) of the second line into the joined text.
    """
    if not first:
        return second, 0
    if not second:
        return first, len(first)
    if ends_with_break_hyphen(first):
        stem = first[:-1]
        word = _LAST_WORD.search(stem)
        prefix = word.group(1) if word else ""
        nxt = _FIRST_WORD.search(second)
        next_word = nxt.group(1) if nxt else ""
        bare_next = next_word.strip(".,;:!?)»”\"'").lower()
        if second[0] in ",–—/)" or bare_next in CONTINUATIONS:
            # elided compound part: "hälso- och", "barn-, ungdoms-"
            joined = stem + "-" + ("" if second[0] in ",/)" else " ")
            return joined + second, len(joined)
        if _keeps_hyphen(prefix, next_word):
            joined = stem + "-"
            return joined + second, len(joined)
        return stem + second, len(stem)
    if first.endswith("/") and not _URL_START.match(second):
        return first + second, len(first)  # "och/" + "eller"; a wrapped path; not a new URL
    return first + " " + second, len(first) + 1


def _keeps_hyphen(prefix: str, next_word: str) -> bool:
    """A real hyphen in a compound: "EU-lagstiftning", "e-hälsa", "2019-års", "IT-stöd"."""
    core = prefix.lstrip("(\"'«“")
    if not core:
        return True
    if next_word[:1].isupper() or next_word[:1].isdigit():
        return True
    if len(core) == 1:
        return True
    letters = [c for c in core if c.isalpha()]
    if not letters or all(c.isupper() for c in letters) or not core[-1].islower():
        return True  # abbreviations and numbers: "EU-", "HSL-", "2019-"
    # Not kept for a word that already has a hyphen: "PET-under-" + "sökningar" is "PET-undersökningar",
    # "e-hälso-" + "tjänster" is "e-hälsotjänster" (measured on the shared PDFs and the corpus).
    return core.lower() in HYPHENATED_PREFIXES
