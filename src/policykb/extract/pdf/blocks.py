"""Lines in reading order to blocks: headings and paragraphs, with footnote markers as offsets.

A paragraph ends at a wider gap than the page's usual line spacing, at a change of size or style,
at an indented first line after a finished sentence, or at a bullet. A paragraph cut by a column
break continues when the first column stops mid-sentence and the next one goes on in lower case.
"""

from __future__ import annotations

import re

from policykb.models import CELL_SEPARATOR, Block
from policykb.swedish.hyphenation import join_lines
from policykb.extract.pdf.columns import Placed
from policykb.extract.pdf.lines import Line, unit_exponent
from policykb.extract.text import LEAD_IN_WORDS

HEADING_RATIO = 1.12  # size over body size from which a line is a heading
SENTENCE_END = ".!?:;"
_LEADER_ROW = re.compile(r"^(\S.*?[^.\s])\s*\.{5,}\s*(\S.{0,40})$")
_PAGE_NUMBER_VALUE = re.compile(r"[ivxlc]+|\d{1,4}(?:\s*[-–]\s*\d{1,4})?", re.IGNORECASE)
_VALUE_ONLY = re.compile(r"\s*\d{2,7}-\d{2}-\d\s*")  # a CAS number
BULLETS = ("•", "–", "—", "-", "*", "·", "▪", "■", "◦", "o ")


def resolve_markers(line: Line, valid: set[int]) -> tuple[str, list[tuple[int, int]]]:
    """Line text with raised digits that are not markers put back, and the markers that are."""
    if not line.raised:
        return line.text, []
    text = line.text
    markers: list[tuple[int, int]] = []
    shift = 0
    for offset, digits in line.raised:
        number = int(digits) if digits.isdigit() else None
        pos = offset + shift
        exponent = unit_exponent(text[:pos], digits)
        if exponent:
            text = text[:pos] + exponent + text[pos:]
            shift += len(digits)
            continue
        if number is not None and number in valid:
            markers.append((offset + shift, number))
            continue
        pos = offset + shift  # not a footnote marker (an exponent, a stray digit): keep it as text
        text = text[:pos] + digits + text[pos:]
        shift += len(digits)
    return text, markers


class _Open:
    __slots__ = ("kind", "level", "text", "markers", "last", "left", "size", "zone", "column", "bold", "italic", "lines")

    def __init__(self, kind, level, text, markers, line, zone, column):
        self.kind = kind
        self.level = level
        self.text = text
        self.markers = markers
        self.last = line
        self.left = line.x0
        self.size = line.size
        self.zone = zone
        self.column = column
        self.bold = line.bold
        self.italic = line.italic
        self.lines = 1


def build_blocks(
    placed: list[Placed], body_size: float, heading_levels: dict[float, int], valid_markers: set[int]
) -> list[Block]:
    if not placed:
        return []
    leading = _typical_leading(placed)
    col_right: dict[tuple[int, int], float] = {}
    for p in placed:
        key = (p.zone, p.column)
        col_right[key] = max(col_right.get(key, 0.0), p.line.x1)
    blocks: list[Block] = []
    cur: _Open | None = None

    italic_level = heading_levels.get(-1, len(heading_levels) + 1) + 1
    leader_rows: list[list[str]] = []  # an open list of "name ........ value" lines (issue 17.5)

    closed: list[_Open | None] = [None]  # the open block that made blocks[-1]

    header_markers: list[tuple[int, int]] = []  # a header row's note markers, as offsets in the table's text

    def close_leaders() -> None:
        if leader_rows:
            table = Block.table([list(r) for r in leader_rows])
            table.markers = list(header_markers)
            blocks.append(table)
            leader_rows.clear()
            header_markers.clear()

    def close() -> None:
        if cur is not None and cur.text.strip():
            text = cur.text.replace("\ufffe", "-")
            closed[0] = cur
            if _italic_heading(cur):
                blocks.append(Block("heading", text, cur.markers, italic_level))
                return
            blocks.append(Block(cur.kind, text, cur.markers, cur.level if cur.kind == "heading" else None))

    for p in placed:
        line = p.line
        text, markers = resolve_markers(line, valid_markers)
        leader = _LEADER_ROW.match(text)
        if leader and not _PAGE_NUMBER_VALUE.fullmatch(leader.group(2)):
            # a list of substances with their CAS numbers, of items with values: each line a row
            # of two cells, so a value stays with its name (a contents list, whose values are
            # page numbers, is left to `extract.mark_tables_of_contents`)
            close()
            cur = None
            if not leader_rows:
                header = _header_row(blocks, closed[0], line)
                if header is not None:
                    # a marker after the first cell moves by the separator's extra width
                    cut, extra = len(header[0]), len(CELL_SEPARATOR) - 1
                    header_markers.extend((o + extra if o > cut else o, n) for o, n in blocks.pop().markers)
                    leader_rows.append(header)
            leader_rows.append([leader.group(1).strip(), leader.group(2).strip()])
            continue
        if leader_rows and _VALUE_ONLY.fullmatch(text):
            leader_rows[-1][1] += ", " + text.strip()  # a second value on a line of its own
            continue
        close_leaders()
        kind, level = classify(line, text, body_size, heading_levels)
        if cur is not None and _continues(cur, p, line, text, kind, level, leading, col_right, body_size):
            joined, start = join_lines(cur.text, text)
            cur.markers = [(min(o, len(joined)), n) for o, n in cur.markers]
            cur.markers.extend((start + o, n) for o, n in markers)
            cur.text = joined
            cur.last = line
            cur.zone, cur.column = p.zone, p.column
            cur.left = min(cur.left, line.x0)
            cur.italic = cur.italic and line.italic
            cur.lines += 1
            continue
        close()
        cur = _Open(kind, level, text, list(markers), line, p.zone, p.column)
    close()
    close_leaders()
    return blocks


def _header_row(blocks: list[Block], last: _Open | None, first_row: Line) -> list[str] | None:
    """The cells of the row just above a table's first row when that row is the table's header
    ("Cancerframkallande ämnen    CAS-nr" over "Benzidin ........ 92-87-5"): one line set as
    separate segments, its last cell ending where the table's values end. Set in bold it was read
    as a heading, and every row of the table came under it (issue 17.3)."""
    if not blocks or last is None or last.lines != 1 or blocks[-1].kind not in ("heading", "paragraph"):
        return None
    cells = last.last.cells
    if not cells or len(cells) < 2:
        return None
    em = max(first_row.size, 1.0)
    if abs(cells[-1][1] - first_row.x1) > 1.5 * em or cells[-1][0] < first_row.x0 + 0.5 * (first_row.x1 - first_row.x0):
        return None
    return [" ".join(text for _, _, text in cells[:-1]).strip(), cells[-1][2].strip()]


def classify(line: Line, text: str, body_size: float, heading_levels: dict[float, int]) -> tuple[str, int | None]:
    if line.size >= HEADING_RATIO * body_size and len(text) <= 200:
        return "heading", heading_levels.get(round(line.size), 1)
    if (
        line.bold
        and len(text) <= 120
        and text[-1:] not in ".,;"
        and (text[:1].isupper() or text[:1].isdigit())
        and abs(line.size - body_size) <= 0.15 * body_size
    ):
        return "heading", heading_levels.get(-1, len(heading_levels) + 1)
    return "paragraph", None


def _italic_heading(cur: _Open) -> bool:
    """One short italic line standing on its own, not a sentence: the run-in heading style of Swedish
    statutes (a rubrik over its §§) and of the bills' lowest heading level."""
    text = cur.text.strip()
    return (
        cur.kind == "paragraph"
        and cur.italic
        and cur.lines == 1
        and len(text) <= 100
        and text[-1:] not in ".,;:"
        and (text[:1].isupper() or text[:1].isdigit())
        and sum(ch.isalpha() for ch in text) >= 3
        and text.rsplit(None, 1)[-1].lower() not in LEAD_IN_WORDS
        and not _a_name(text)
    )


def _a_name(text: str) -> bool:
    """"Fredrik Reinfeldt", "Catharina Elmsäter-Svärd": a signature. Swedish headings capitalise only
    their first word, so a line of several words that are all capitalised names someone."""
    words = [w for w in text.split() if w[:1].isalpha()]
    return len(words) >= 2 and all(w[:1].isupper() for w in words)


def _continues(cur: _Open, p: Placed, line: Line, text: str, kind: str, level, leading, col_right, body_size) -> bool:
    prev = cur.last
    if kind != cur.kind or level != cur.level:
        return False
    if cur.lines == 1 and cur.italic and not line.italic and _italic_heading(cur) and not text[:1].islower():
        return False  # an italic heading line is not the first line of the paragraph under it
    em = max(line.size, 1.0)
    if (p.zone, p.column) != (cur.zone, cur.column):
        # column or zone break: continue only a sentence that visibly goes on
        return kind == "paragraph" and cur.text[-1:] not in SENTENCE_END and text[:1].islower()
    if abs(line.size - prev.size) > 0.6:
        return False
    if kind == "heading":
        return 0 < line.base - prev.base <= 1.6 * line.size and cur.bold == line.bold
    step = line.base - prev.base
    usual = leading.get(round(line.size), 1.2 * line.size)
    if step <= 0 or step > 1.35 * usual:
        return False
    if text.startswith(BULLETS) or _numbered_item(text):
        return False
    right = col_right.get((p.zone, p.column), prev.x1)
    prev_finished = cur.text[-1:] in SENTENCE_END
    if line.x0 > prev.x0 + 0.8 * em and (prev_finished or prev.x1 < right - 2 * em):
        return False  # indented first line of a new paragraph
    if prev_finished and prev.x1 < right - 4 * em and text[:1].isupper() and line.x0 <= cur.left + 0.5 * em:
        return False  # the previous line stopped short after a full stop: a paragraph end
    return True


def _numbered_item(text: str) -> bool:
    head = text[:5]
    i = 0
    while i < len(head) and head[i].isdigit():
        i += 1
    return 0 < i <= 3 and i < len(text) - 1 and text[i] in ".)" and text[i + 1: i + 2] == " "


def _typical_leading(placed: list[Placed]) -> dict[int, float]:
    """Median baseline step between consecutive same-size lines of one column, per size."""
    steps: dict[int, list[float]] = {}
    prev = None
    for p in placed:
        if prev is not None and (prev.zone, prev.column) == (p.zone, p.column) and abs(prev.line.size - p.line.size) < 0.3:
            step = p.line.base - prev.line.base
            if 0.9 * p.line.size <= step <= 2.2 * p.line.size:
                steps.setdefault(round(p.line.size), []).append(step)
        prev = p
    out = {}
    for size, values in steps.items():
        values.sort()
        out[size] = values[len(values) // 2]
    return out
