"""Footnotes: the run of smaller rows at the page foot that starts with a note number.

The rule (measured on the shared PDFs, see EXTRACTION-NOTES.md): footnote text is about 0.8 x the
body size and sits below the last body row; size alone is not enough (the bills set quoted statute
text in 9 pt mid-page), so the run must reach the page foot, begin with a number and be confirmed
by a separator rule above it, a raised note number, or a marker with that number in the body.
Rows at the top of the run before the first number continue the previous page's last note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policykb.models import Footnote
from policykb.swedish.hyphenation import join_lines
from policykb.extract.pdf.chars import Rule
from policykb.extract.pdf.lines import Line, RowLines, join_segments, text_with_raised

FOOTNOTE_RATIO = 0.92  # rows at most this x body size may be footnote text
_LEADING_NUMBER = re.compile(r"^(\d{1,3})[.)]?\s+(?!§|kap\b|kap\.|st\b|st\.|p\b|p\.|mom)(\S.*)$")


@dataclass
class FootnoteSplit:
    body: list[RowLines]
    notes: list[Footnote] = field(default_factory=list)
    continuation: str | None = None  # text continuing the previous page's last note


def note_start(line: Line) -> tuple[int, str, bool] | None:
    """(number, text, raised) when the line begins a footnote."""
    if line.raised and line.raised[0][0] == 0 and line.raised[0][1].isdigit():
        return int(line.raised[0][1]), text_with_raised(line, skip_leading=True).lstrip(), True
    match = _LEADING_NUMBER.match(text_with_raised(line, skip_leading=False))
    if match:
        return int(match.group(1)), match.group(2), False
    return None


def split_footnotes(
    rows: list[RowLines], rules: list[Rule], body_size: float, page_height: float, page_width: float
) -> FootnoteSplit:
    rows = sorted(rows, key=lambda r: r.base)
    k = len(rows)
    limit = FOOTNOTE_RATIO * body_size
    while k > 0 and rows[k - 1].size <= limit:
        k -= 1
    zone = rows[k:]
    if not zone or zone[0].top < 0.3 * page_height:
        return FootnoteSplit(rows)
    lines = [join_segments(r.segs) for r in zone]
    body_bottom = rows[k - 1].bottom if k > 0 else 0.0
    has_rule = any(
        rule.horizontal
        and body_bottom - 2 <= rule.top <= zone[0].top + 1
        and (rule.x1 - rule.x0) < 0.8 * page_width
        for rule in rules
    )
    start = None
    for idx, line in enumerate(lines):
        if note_start(line) is not None:
            start = idx
            break
    if start is None:
        if has_rule:  # the whole foot continues a note from the previous page
            return FootnoteSplit(rows[:k], [], _join([text_with_raised(ln, skip_leading=False) for ln in lines]))
        return FootnoteSplit(rows)
    number, _, raised = note_start(lines[start])  # type: ignore[misc]
    body_markers = {int(d) for row in rows[:k] for seg in row.segs for _, d in seg.raised if d.isdigit()}
    if not (has_rule or raised or number in body_markers):
        return FootnoteSplit(rows)
    continuation = None
    if start > 0:
        if has_rule:
            continuation = _join([text_with_raised(ln, skip_leading=False) for ln in lines[:start]])
        else:
            k += start  # small rows above the first number and no rule: body text (captions, quotes)
            lines = lines[start:]
            start = 0
    notes: list[Footnote] = []
    for line in lines[start:]:
        begun = note_start(line)
        if begun is not None:
            n, text, is_raised = begun
            prev = notes[-1].number if notes else None
            if prev is None or n == prev + 1 or (is_raised and n > prev):
                notes.append(Footnote(n, text))
                continue
        if notes:
            notes[-1].text = join_lines(notes[-1].text, text_with_raised(line, skip_leading=False))[0]
    for note in notes:
        note.text = note.text.replace("\ufffe", "-")
    return FootnoteSplit(rows[:k], notes, continuation)


def _join(texts: list[str]) -> str:
    out = ""
    for text in texts:
        out = join_lines(out, text)[0]
    return out.replace("\ufffe", "-")
