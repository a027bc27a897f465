"""The "Nuvarande lydelse / Föreslagen lydelse" comparison of a bill, read as a two-column table.

A bill that amends an act sets the provisions it changes side by side: the wording in force on
the left, the proposed wording on the right, under a row of two headings. Read line by line, the
two versions interleave into one column and a reader can no longer see what changes (issue 17.6).
Here the rows from that heading row down to the first line that crosses the gutter (full-width
text again) are split at the right heading's left edge; rows separated by a blank line start a
new table row, so each row holds one paragraph of each version, side by side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policykb.models import Block
from policykb.swedish.hyphenation import join_lines
from policykb.extract.pdf.chars import Rule
from policykb.extract.pdf.lines import RowLines, join_segments

# The wording in force is "Nuvarande lydelse", or, where an amendment not yet in force is the base,
# "Lydelse enligt SFS 2013:530" / "Lydelse enligt prop. 2013/14:81" (read as a heading before).
_LEFT = r"(?:Nuvarande\s+lydelse|Lydelse\s+enligt\s+\S.{2,60}?)"
LEFT_HEADING = re.compile(rf"^\s*{_LEFT}\s*$", re.IGNORECASE)
RIGHT_HEADING = re.compile(r"^\s*Föreslagen\s+lydelse\s*$", re.IGNORECASE)
BOTH_HEADINGS = re.compile(rf"^\s*{_LEFT}\s+Föreslagen\s+lydelse\s*$", re.IGNORECASE)


@dataclass
class Comparison:
    x0: float
    top: float
    x1: float
    bottom: float
    block: Block
    split: float = 0.0  # where the right column begins
    runs_on: bool = False  # it reaches the end of the page's body: it may go on overleaf


def _split_x(row: RowLines) -> float | None:
    """Where the right column begins, when `row` is the comparison's heading row."""
    segs = sorted(row.segs, key=lambda s: s.x0)
    if len(segs) == 2 and LEFT_HEADING.match(segs[0].text) and RIGHT_HEADING.match(segs[1].text):
        return segs[1].x0
    if len(segs) == 1 and BOTH_HEADINGS.match(segs[0].text):
        text = segs[0].text
        at = re.search(r"Föreslagen", text, re.IGNORECASE).start()
        return segs[0].x0 + (segs[0].x1 - segs[0].x0) * at / max(1, len(text))
    return None


def _heading_cells(row: RowLines) -> list[str]:
    """The two headings as printed ("Lydelse enligt SFS 2013:530", "Föreslagen lydelse")."""
    text = " ".join(" ".join(s.text.split()) for s in sorted(row.segs, key=lambda s: s.x0))
    at = re.search(r"Föreslagen\s+lydelse", text, re.IGNORECASE)
    return [text[: at.start()].strip(), text[at.start():].strip()]


def find_comparisons(rows: list[RowLines], em: float, rules: list[Rule] = ()) -> list[Comparison]:
    """The comparisons on a page, each as a table block with the rows it covers. A comparison runs
    from its heading row to the next heading-sized row, the next heading row, a gap of several
    lines, or the page's end."""
    ordered = sorted(rows, key=lambda r: r.base)
    out: list[Comparison] = []
    k = 0
    while k < len(ordered):
        split = _split_x(ordered[k])
        if split is None:
            k += 1
            continue
        heading = ordered[k]
        body = _body(ordered, k + 1, em, _stops(rules, heading, ordered))
        j = k + 1 + len(body)
        if body:
            found = _comparison(heading, body, split, em)
            found.runs_on = j == len(ordered)
            out.append(found)
        k = j
    return out


def _body(ordered: list[RowLines], start: int, em: float, stops: list[float] = ()) -> list[RowLines]:
    """The comparison's rows from `start` down to the next heading-sized row, the next heading
    row, a gap of several lines (the notes at the page foot) or a short rule (`_stops`)."""
    body: list[RowLines] = []
    above = ordered[start - 1].base if start > 0 else float("-inf")
    for row in ordered[start:]:
        if _split_x(row) is not None or row.size >= 1.12 * em:
            break
        if body and row.base - body[-1].base > 4 * em:
            break
        if any(above < y < row.base - 0.7 * row.size for y in stops):
            break
        body.append(row)
        above = row.base
    return body


def _stops(rules: list[Rule], heading: RowLines | None, ordered: list[RowLines]) -> list[float]:
    """Where a short horizontal rule stands: the bill's line under the compared text, before the
    transitional provisions ("1. Denna lag träder i kraft …"), which are no part of either column.
    Rules as wide as the text (under a running header, a table's border) do not count."""
    if not ordered:
        return []
    width = max(r.x1 for r in ordered) - min(r.x0 for r in ordered)
    top = heading.base if heading is not None else float("-inf")
    return [
        (rule.top + rule.bottom) / 2 for rule in rules
        if rule.horizontal and rule.x1 - rule.x0 < 0.5 * width and rule.top > top
    ]


def continue_comparison(
    rows: list[RowLines], previous: Comparison, em: float, rules: list[Rule] = ()
) -> tuple[list[RowLines], Comparison | None]:
    """A comparison that ran to the foot of the previous page and goes on at the top of this one,
    with no heading row of its own: its rows are read with the previous page's column split and
    added to that page's table, a paragraph cut by the page break joined up again, so the two
    versions stay one table (issue 17.6). Returns the rows left for the page's own blocks and the
    comparison when it runs on to the next page too."""
    ordered = sorted(rows, key=lambda r: r.base)
    if not ordered:
        return rows, previous
    first = ordered[0]
    # facing pages set their text at different margins: the split moves with the left margin
    left = min(s.x0 for r in ordered for s in r.segs)
    split = previous.split + left - previous.x0
    table = [list(r) for r in previous.block.rows or []]
    if _split_x(first) is not None or first.size >= 1.12 * em or _crosses_gutter(first, split, em):
        return rows, None  # the page starts with text of its own: the comparison ended overleaf
    right_side = any(s.x0 >= split - em / 2 for s in first.segs)
    centred = len(first.segs) == 1 and abs((first.segs[0].x0 + first.segs[0].x1) / 2 - split) < 2 * em
    unfinished_left = bool(table) and table[-1][0].rstrip()[-1:] not in ".:;!?" and table[-1][0] != table[-1][1]
    if not (right_side or centred or unfinished_left):
        return rows, None  # left-column text after a finished row: the page's own text
    body = _body(ordered, 0, em, _stops(rules, None, ordered))
    if not body:
        return rows, None  # a rule over the page's first line: the comparison ended overleaf
    more = _comparison(None, body, split, em).block.rows or []
    if more and len(table) > 1 and all(
        table[-1][side] and table[-1][side].rstrip()[-1:] not in ".:;!?" for side in (0, 1) if more[0][side]
    ):
        # the paragraph cut by the page break goes on: one row, as on paper
        first_row, more = more[0], more[1:]
        table[-1] = [join_lines(old, new)[0] if new else old for old, new in zip(table[-1], first_row)]
    joined = Block.table(table + more)
    previous.block.text, previous.block.rows = joined.text, joined.rows
    taken = {id(r) for r in body}
    previous.runs_on = len(body) == len(ordered)
    previous.split, previous.x0 = split, left
    return [r for r in rows if id(r) not in taken], previous if previous.runs_on else None


def _crosses_gutter(row: RowLines, split: float, em: float) -> bool:
    return any(s.x0 < split - em / 2 and s.x1 > split + em / 2 for s in row.segs)


def _comparison(heading: RowLines | None, body: list[RowLines], split: float, em: float) -> Comparison:
    """Rows of the table: a blank line, or a change between text set in both columns and text
    that crosses the gutter (a section number, a paragraph the proposal leaves unchanged, shown
    once across both columns), starts a new row; text across the gutter is in both versions."""
    gaps = [b.base - a.base for a, b in zip(body, body[1:])]
    leading = sorted(gaps)[len(gaps) // 2] if gaps else em * 1.2
    # without a heading row: the rows that continue a comparison from the page before
    table: list[list[str]] = [_heading_cells(heading)] if heading is not None else []
    current = ["", ""]
    previous_base, previous_common, previous_text = (
        heading.base if heading is not None else body[0].base - leading
    ), None, ""

    def add(side: int, text: str) -> None:
        current[side] = join_lines(current[side], text)[0] if current[side] else text

    for row in body:
        common = any(s.x0 < split - em / 2 and s.x1 > split + em / 2 for s in row.segs) or (
            # a centred section number ("13 §") heads both versions
            len(row.segs) == 1 and abs((row.segs[0].x0 + row.segs[0].x1) / 2 - split) < 2 * em
            and len(row.segs[0].text) <= 20
        ) or (
            # the short last line of a paragraph set across the gutter
            previous_common and row.base - previous_base <= 1.5 * leading
            and all(s.x1 < split for s in row.segs) and not previous_text.rstrip().endswith((".", ":"))
        )
        if any(current) and (row.base - previous_base > 1.5 * leading or common != previous_common):
            table.append(current)
            current = ["", ""]
        if common:
            text = join_segments(row.segs).text.replace("\ufffe", "-")
            add(0, text)
            add(1, text)
        else:
            for side, segs in enumerate((
                [s for s in row.segs if s.x0 < split - em / 2],
                [s for s in row.segs if s.x0 >= split - em / 2],
            )):
                if segs:
                    add(side, join_segments(segs).text.replace("\ufffe", "-"))
        previous_base, previous_common, previous_text = row.base, common, row.text
    if any(current):
        table.append(current)
    head = [heading] if heading is not None else []
    x0 = min(min(s.x0 for s in r.segs) for r in [*head, *body])
    x1 = max(max(s.x1 for s in r.segs) for r in [*head, *body])
    top = (heading or body[0]).base - (heading or body[0]).size
    return Comparison(x0, top, x1, body[-1].base, Block.table(table), split)
