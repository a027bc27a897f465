"""Running headers, footers and printed page numbers, found by repetition across pages and position.

Candidates are the line segments of the outermost rows of a page (top and bottom bands). A
segment whose text, with digits masked, recurs on enough pages is furniture; a segment that is
only a page number ("12", "- 12 -", "Sida 12", "12 (81)", "12 av 81") is furniture wherever it
stands in a band. Numbers found this way become `Page.printed`; when several candidates compete
on a page, the one that agrees with the document's most common offset (printed - index) wins.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from policykb.extract.pdf.blocks import HEADING_RATIO
from policykb.extract.pdf.footnotes import FOOTNOTE_RATIO, note_start
from policykb.extract.pdf.lines import Line, RowLines

BAND = 0.14  # fraction of the page height counted as top or bottom band
CONTENT_BAND = 0.04  # … and below the page's first text / above its last (a small page on a big box)
EDGE_ROWS = 3  # rows from each end of the page that may hold furniture

_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*)?(?:(?:sida|sid\.|s\.|page)\s*)?(\d{1,4})(?:\s*[-–—])?(?:\s*(?:\(\s*\d{1,4}\s*\)|(?:av|/|of)\s*\d{1,4}))?$",
    re.IGNORECASE,
)


def furniture_key(text: str) -> str:
    return _SPACES.sub(" ", _DIGITS.sub("#", text.lower())).strip()


@dataclass
class PageEdges:
    """The furniture candidates of one page: (row index, segment index, key, text) per band."""

    height: float
    candidates: list[tuple[int, int, str, str]] = field(default_factory=list)
    bases: list[float] = field(default_factory=list)  # baseline of each candidate


def edge_candidates(rows: list[RowLines], height: float) -> PageEdges:
    """Furniture is what repeats at the same place *outside the body*. A short footnote ("3 Ibid.",
    "4 Se not 3.") can recur word for word at the same height page after page, so repetition
    alone would take it for a footer: a bottom-band segment confirmed as a footnote — it opens
    with a note number, is set smaller than the body, and the body above carries a marker with
    that number — is never a candidate (issue 17.2)."""
    edges = PageEdges(height)
    if not rows:
        return edges
    order = sorted(range(len(rows)), key=lambda i: rows[i].base)
    chosen = set(order[:EDGE_ROWS]) | set(order[-EDGE_ROWS:])
    body_size = _body_size(rows)
    markers = {int(d) for row in rows for seg in row.segs for _, d in seg.raised if d.isdigit()}
    # A page printed inside a larger box (an A5 regulation on an A4 page: AFS 2023:15 sets its
    # header 144 pt down an 842 pt page) has its margins where the text begins and ends, not at
    # the box's edges: the bands are also measured from the page's outermost text.
    content_top = min(r.top for r in rows)
    content_bottom = max(r.bottom for r in rows)
    top_limit = max(BAND * height, content_top + CONTENT_BAND * height)
    bottom_limit = min((1 - BAND) * height, content_bottom - CONTENT_BAND * height)
    for i in chosen:
        row = rows[i]
        in_top = row.bottom <= top_limit
        in_bottom = row.top >= bottom_limit
        if not (in_top or in_bottom):
            continue
        band = "top" if in_top else "bottom"
        for j, seg in enumerate(row.segs):
            if seg.raised and seg.raised[0][0] == 0:
                continue  # begins with a raised note number: a footnote, however often it recurs
            if band == "bottom" and _confirmed_footnote(seg, body_size, markers):
                continue
            if _heading_number(row, j, body_size):
                continue
            edges.candidates.append((i, j, band + ":" + furniture_key(seg.text), seg.text))
            edges.bases.append(row.base)
    return edges


def _body_size(rows: list[RowLines]) -> float:
    """The size most characters of the page are set in."""
    sizes: Counter[float] = Counter()
    for row in rows:
        for seg in row.segs:
            sizes[round(seg.size * 2) / 2] += seg.n_chars
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _heading_number(row: RowLines, j: int, body_size: float) -> bool:
    """A chapter number set apart from its heading ("3   Ärendet och dess beredning" at the top of a
    bill's page) looks like a page number standing in the band; it is the heading's when the
    segment right after it in the row is heading-sized text of the same size, a tab's width away.
    Taken for a page number, the heading lost its number and the page after the break kept the
    previous chapter's heading path (issue 17.3)."""
    seg = row.segs[j]
    if page_number_of(seg.text) is None or j + 1 >= len(row.segs) or not body_size:
        return False
    after = row.segs[j + 1]
    return (
        seg.size >= HEADING_RATIO * body_size
        and abs(after.size - seg.size) <= 0.1 * seg.size
        and after.text[:1].isalpha()
        and 0 <= after.x0 - seg.x1 <= 4 * seg.size
    )


def _confirmed_footnote(seg: Line, body_size: float, markers: set[int]) -> bool:
    begun = note_start(seg)
    if begun is None:
        return False
    number = begun[0]
    return seg.size <= FOOTNOTE_RATIO * body_size and number in markers


@dataclass
class Furniture:
    """What to remove from each page and the printed page number of each page."""

    repeated: set[str]
    printed: dict[int, str]


def decide_furniture(all_edges: list[PageEdges]) -> Furniture:
    n_pages = len(all_edges)
    # a running header stands at the same height on every page; a recurring footnote text does not
    positions: dict[str, list[float]] = {}
    for edges in all_edges:
        seen: dict[str, float] = {}
        for (_, _, key, _), base in zip(edges.candidates, edges.bases):
            seen.setdefault(key, base)
        for key, base in seen.items():
            positions.setdefault(key, []).append(base)
    counts: Counter[str] = Counter()
    for key, bases in positions.items():
        counts[key] = max(sum(1 for other in bases if abs(other - base) <= 2.5) for base in bases)
    threshold = 2 if n_pages <= 4 else max(3, int(0.25 * n_pages + 0.999))
    repeated = {key for key, count in counts.items() if count >= threshold and _has_words_or_number(key)}
    # printed page numbers: standalone numbers in a band, or numbers inside repeated header lines
    varying = _varying_keys(all_edges, repeated)
    offsets: Counter[int] = Counter()
    per_page: list[list[int]] = []
    for index, edges in enumerate(all_edges):
        numbers = []
        for _, _, key, text in edges.candidates:
            number = page_number_of(text)
            if number is None and key in repeated:
                found = _DIGITS.findall(text)
                # a repeated header with one varying number ("Prop. 2013/14:104  5"): the last number
                if found and key in varying and len(found[-1]) <= 4:
                    number = int(found[-1])
            if number is not None:
                numbers.append(number)
        per_page.append(numbers)
        if len(numbers) == 1:
            offsets[numbers[0] - index] += 1
    best_offset = offsets.most_common(1)[0][0] if offsets else None
    printed: dict[int, str] = {}
    for index, numbers in enumerate(per_page):
        if not numbers:
            continue
        if best_offset is not None and (best_offset + index) in numbers:
            printed[index] = str(best_offset + index)
        elif len(numbers) == 1:
            printed[index] = str(numbers[0])
    return Furniture(repeated, printed)


def _has_words_or_number(key: str) -> bool:
    return any(c.isalnum() or c == "#" for c in key.split(":", 1)[1])


def _varying_keys(all_edges: list[PageEdges], repeated: set[str]) -> set[str]:
    """Repeated lines whose last number changes from page to page: it is a page number."""
    values: dict[str, set[str]] = {}
    for edges in all_edges:
        for _, _, key, text in edges.candidates:
            if key in repeated:
                found = _DIGITS.findall(text)
                if found:
                    values.setdefault(key, set()).add(found[-1])
    return {key for key, seen in values.items() if len(seen) > 2}


def page_number_of(text: str) -> int | None:
    match = PAGE_NUMBER.match(text.strip())
    if not match:
        return None
    return int(match.group(1))


def strip_furniture(rows: list[RowLines], edges: PageEdges, furniture: Furniture) -> list[RowLines]:
    """The page's rows without furniture segments (rows left empty disappear)."""
    drop: dict[int, set[int]] = {}
    for i, j, key, text in edges.candidates:
        if key in furniture.repeated or page_number_of(text) is not None:
            drop.setdefault(i, set()).add(j)
    if not drop:
        return rows
    out = []
    for i, row in enumerate(rows):
        gone = drop.get(i)
        if not gone:
            out.append(row)
            continue
        segs: list[Line] = [s for j, s in enumerate(row.segs) if j not in gone]
        if segs:
            out.append(RowLines(segs, row.base, max(s.size for s in segs)))
    return out
