"""What a remiss says about itself: its diarienummer, the answer deadline, the remissinstanser.

These stand in the remiss's own text (a covering letter, the first pages of a report, a bill's
list of remissinstanser), in a few fixed shapes:

- diarienummer: the Government Offices' `S2025/00109` (ministry letters, a four-digit year, a
  serial number, sometimes a unit: `Fi2023/01234/S1`), or an agency's `Dnr 4.1-12345/2025`
  after `Dnr`/`Diarienummer`/`Vår beteckning`. A labelled one wins over a bare one; the first
  in reading order wins among equals (a report names its own commission before others).
- deadline: `Svar senast 2026-06-01`, `… ska ha kommit in … senast den 1 juni 2026`, `Remisstid:
  … 2026-06-01`; written as an ISO date.
- remissinstanser: the lines under a heading `Remissinstanser` (or after `Remissinstanserna är:`),
  one organisation a line, until the next heading or prose.

`detect_not_remiss` is the honest answer for an upload that is no remiss at all: no proposal
found and none of the signs above.
"""

from __future__ import annotations

import re
from typing import Any

from policykb.store import Store

MONTHS = {
    "januari": 1, "februari": 2, "mars": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7,
    "augusti": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
}
# Regeringskansliet: ministry letters (S, Fi, Ju, U, A, M, N, Ku, UD, Fö, I, LI, SB …), year, serial.
GOVERNMENT_DNR = re.compile(r"(?<![\w/])((?:[A-ZÅÄÖ][a-zåäö]?|UD|LI|SB)\s?(?:19|20)\d{2}/\d{2,6}(?:/[A-ZÅÄÖ0-9-]+)?)(?![\w/])")
LABELLED_DNR = re.compile(
    r"\b(?:Dnr|Diarienr|Diarienummer|Vår beteckning|Vårt dnr|Er beteckning|Ert dnr)\.?\s*:?\s*"
    r"([A-ZÅÄÖa-zåäö]{0,4}\s?[\d][\w.\-/ ]{2,30}?\d)(?=[\s,;)]|$)",
)
_DATE = r"(\d{4}-\d{2}-\d{2}|\d{1,2}\s+(?:" + "|".join(MONTHS) + r")\s+\d{4})"
DEADLINE = [
    re.compile(r"\bSvar(?:et)?\s+(?:ska\s+ha\s+kommit\s+in\s+)?senast\s+(?:den\s+)?" + _DATE, re.I),
    re.compile(r"\bsenast\s+(?:den\s+)?" + _DATE + r"[^.]{0,80}\b(?:remissvar|svar|yttrande)", re.I),
    re.compile(r"\b(?:remissvar(?:en)?|yttrande(?:t)?|svar(?:en)?)\b[^.]{0,120}?\bsenast\s+(?:den\s+)?" + _DATE, re.I),
    re.compile(r"\bRemisstid(?:en)?\b[^.\n]{0,40}?" + _DATE, re.I),
]
REMISSINSTANS_HEADING = re.compile(r"^\s*(?:Förteckning över\s+)?remissinstanse?r(?:na)?\b\s*(?:är)?\s*:?\s*$", re.I)
# The opening pages where a remiss's particulars stand; a bill lists its remissinstanser later.
OPENING_PAGES = 6
OPENING_CHARS = 40_000


def remiss_metadata(store: Store, doc_id: str) -> dict[str, Any]:
    """`{"title", "identifier", "diarienummer", "deadline", "remissinstanser"}` of a document (None/[] where not found)."""
    meta = store.require_document(doc_id)
    rows = store.conn.execute(
        "SELECT page_index, kind, text FROM blocks WHERE doc_id = ? ORDER BY page_index, ordinal", (doc_id,)
    ).fetchall()
    opening, size = [], 0
    for row in rows:
        if row["page_index"] >= OPENING_PAGES and size:
            break
        opening.append(row["text"])
        size += len(row["text"])
        if size > OPENING_CHARS:
            break
    head = "\n".join(opening)
    return {
        "title": meta.title,
        "identifier": meta.identifier,
        "diarienummer": find_diarienummer(head),
        "deadline": find_deadline(head),
        "remissinstanser": find_remissinstanser([(r["kind"], r["text"]) for r in rows]),
    }


def find_diarienummer(text: str) -> str | None:
    labelled = LABELLED_DNR.search(text)
    if labelled:
        return " ".join(labelled.group(1).split())
    bare = GOVERNMENT_DNR.search(text)
    return bare.group(1).replace(" ", "") if bare else None


def find_deadline(text: str) -> str | None:
    for pattern in DEADLINE:
        m = pattern.search(text)
        if m:
            return iso_date(m.group(1))
    return None


def iso_date(text: str) -> str | None:
    text = " ".join(text.split()).lower()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    m = re.fullmatch(r"(\d{1,2}) (\w+) (\d{4})", text)
    if m and m.group(2) in MONTHS:
        return f"{m.group(3)}-{MONTHS[m.group(2)]:02d}-{int(m.group(1)):02d}"
    return None


def find_remissinstanser(blocks: list[tuple[str, str]], limit: int = 400) -> list[str]:
    """The organisations listed after a `Remissinstanser` heading (one a line, or a list paragraph)."""
    for i, (kind, text) in enumerate(blocks):
        first, _, rest = text.strip().partition("\n")
        if not REMISSINSTANS_HEADING.match(first):
            continue
        lines = [ln for ln in rest.splitlines() if ln.strip()]
        for kind2, text2 in blocks[i + 1:]:
            if kind2 == "heading" or len(lines) >= limit:
                break
            lines += [ln for ln in text2.splitlines() if ln.strip()]
        names = []
        for line in lines:
            line = line.strip(" -•–*\t;,.")
            # prose ends the list: a list line is a name, short, without a finite verb's sentence
            if not line or len(line) > 120 or line.count(" ") > 14 or line.endswith(":"):
                break
            names.extend(part.strip() for part in re.split(r"\s*;\s*", line) if part.strip())
        if names:
            return names[:limit]
    return []
