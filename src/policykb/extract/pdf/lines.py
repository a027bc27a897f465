"""Characters to fragments (words), rows (one baseline across the page) and lines (a row within one column).

Columns are decided elsewhere (`pdf_columns`): word gaps in a narrow justified column can be
wider than the gutter between two columns (2.3 em against 1.2 em in the bills' comparison text),
so a gap threshold cannot split columns; only the alignment of many rows can.

Small digits set above the baseline (footnote markers: 0.6-0.65 x body size and raised 2-5 pt in
every born-digital document measured) are taken out of the line text and kept as
`raised` (offset, digits) pairs; whether they are footnote markers is decided once the page's
footnotes are known.
"""

from __future__ import annotations

import re

from policykb.extract.pdf.chars import Char, Rule

SMALL_RATIO = 0.85  # a character at most this x line size counts as small (marker, superscript)
MIN_RAISE = 0.8  # points above the baseline for a small character to count as raised

_PRIVATE_USE_BULLET = "•"
UNDERSCORE_RULE = re.compile(r"^[_\u2014\u2013-]{5,}$")


# A unit of length before a raised 2 or 3 makes it an exponent (`mg/m³`, `cm²`), never a footnote
# marker, even where a footnote with that number stands on the page (issue 17.5).
_UNIT_BEFORE = re.compile(r"(?:^|[\s/(·×*])(?:[kcdmµμn]?m|ft|in)$")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def unit_exponent(before: str, digits: str) -> str | None:
    """`digits` as a superscript when they are the exponent of the unit `before` ends with."""
    if digits in ("2", "3") and _UNIT_BEFORE.search(before):
        return digits.translate(_SUPERSCRIPT)
    return None


def text_with_raised(line: "Line", *, skip_leading: bool) -> str:
    """The line's text with its raised digits put back (exponents as superscripts): the text of a
    footnote, where a raised digit is no marker — but the note's own leading number, when
    `skip_leading`, stays out."""
    text, shift = line.text, 0
    for offset, digits in line.raised:
        if skip_leading and offset == 0:
            continue
        pos = offset + shift
        put = unit_exponent(text[:pos], digits) or digits
        text = text[:pos] + put + text[pos:]
        shift += len(put)
    return text


class Line:
    __slots__ = (
        "text", "x0", "x1", "top", "bottom", "base", "size", "bold", "font", "raised", "n_chars",
        "map_errors", "column", "italic", "cells",
    )

    def __init__(self, text, x0, x1, top, bottom, base, size, bold, font, raised, n_chars, map_errors, italic=False):
        self.text = text
        self.italic = italic  # (nearly) every character italic
        self.x0 = x0
        self.x1 = x1
        self.top = top
        self.bottom = bottom
        self.base = base
        self.size = size
        self.bold = bold
        self.font = font
        self.raised = raised  # [(offset in text, digits)]: small raised digit runs removed from text
        self.n_chars = n_chars
        self.map_errors = map_errors
        self.column = 0  # (zone, column) reading slot, set by pdf_columns
        self.cells: list[tuple[float, float, str]] | None = None  # the segments a joined line was made of

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Line({self.text[:40]!r} x={self.x0:.0f}-{self.x1:.0f} base={self.base:.1f} size={self.size})"


class Row:
    """Fragments on one baseline across the whole page width (all columns)."""

    __slots__ = ("frags", "base", "size")

    def __init__(self, frag: list[Char], base: float, size: float):
        self.frags = [frag]
        self.base = base
        self.size = size

    @property
    def x0(self) -> float:
        return min(f[0].x0 for f in self.frags)


def build_fragments(chars: list[Char]) -> list[list[Char]]:
    """Words, roughly: runs of characters in drawing order with no space and no baseline jump.

    A raised small digit glued to a word (a footnote marker) stays in the word's fragment.
    """
    frags: list[list[Char]] = []
    cur: list[Char] | None = None
    cur_base = cur_size = cur_x1 = 0.0
    for ch in chars:
        if cur is not None and not ch.space_before and _same_glyph(cur[-1], ch):
            if ch.c != cur[-1].c or ch.obj == cur[-1].obj:
                cur.append(ch)  # the letters of one ligature glyph share its box ("ﬀ" gives "f", "f")
            continue  # the same letter drawn again by another text operation: fake bold
        if cur is not None and not ch.space_before:
            gap = ch.x0 - cur_x1
            size = max(cur_size, ch.size)
            if gap > 0.3 * size and _abutting(cur[-1], ch):
                gap = 0.0
            if -0.6 * size <= gap <= 0.3 * size:
                drop = ch.base - cur_base
                small = ch.size <= SMALL_RATIO * cur_size
                if abs(ch.size - cur_size) <= 0.15 * size:
                    tol = 0.25 * size
                else:
                    tol = 0.15 * min(cur_size, ch.size)
                if abs(drop) <= tol or (small and -0.75 * cur_size <= drop <= 0.4 * cur_size):
                    last = cur[-1]
                    if not (ch.c == last.c and abs(ch.x0 - last.x0) < 0.3 and abs(drop) < 0.3):
                        cur.append(ch)  # (an overprinted duplicate, fake bold, is skipped)
                    if ch.x1 > cur_x1:
                        cur_x1 = ch.x1
                    if ch.size > cur_size * 1.15:
                        cur_size, cur_base = ch.size, ch.base
                    continue
        cur = [ch]
        cur_base, cur_size, cur_x1 = ch.base, ch.size, ch.x1
        frags.append(cur)
    return frags


def _same_glyph(prev: Char, ch: Char) -> bool:
    """pdfium gives each letter of a ligature (ff, fi, ffl) as a character with the whole glyph's box."""
    return abs(ch.x0 - prev.x0) < 0.01 and abs(ch.x1 - prev.x1) < 0.01 and abs(ch.base - prev.base) < 0.01


def _abutting(prev: Char, ch: Char) -> bool:
    """`ch` is set right where `prev`'s advance ends, so no space stands between them whatever the ink
    gap. Narrow glyphs in a wide advance (Helvetica/Arial "1" inks a third of its width) leave an ink
    gap wider than a word space: "11" and "2011:111" would read "1 1" and "2011 :111" by ink alone.
    A space glyph is at least 0.2 em wide in text faces, so 0.1 em of slack is kerning, not a space."""
    return (
        prev.advance > 0
        and abs(prev.base - ch.base) <= 0.1 * ch.size
        and abs(ch.origin_x - (prev.origin_x + prev.advance)) <= 0.1 * max(prev.size, ch.size)
    )


def build_rows(frags: list[list[Char]]) -> list[Row]:
    """Cluster fragments into rows by baseline; lone raised small fragments join the row they annotate."""
    items = []
    for frag in frags:
        size = dominant_size(frag)
        items.append((_body_baseline(frag, size), size, frag))
    items.sort(key=lambda item: item[0])
    rows: list[Row] = []
    open_rows: list[Row] = []  # rows whose baseline is still within reach
    for base, size, frag in items:
        if open_rows:
            open_rows = [r for r in open_rows if base - r.base <= 0.5 * max(size, r.size)]
        target = None
        for row in open_rows:
            if abs(size - row.size) <= 0.15 * max(size, row.size):
                tol = 0.25 * min(size, row.size)
            else:
                tol = 1.0  # different sizes share a baseline exactly when set on one line
            if abs(base - row.base) <= tol:
                target = row
                break
        if target is None:
            row = Row(frag, base, size)
            rows.append(row)
            open_rows.append(row)
        else:
            target.frags.append(frag)
            if size > target.size:
                target.size = size
    return _attach_raised_rows(rows)


def _attach_raised_rows(rows: list[Row]) -> list[Row]:
    """A row of only small digits (a marker or a footnote number drawn apart) joins the row below it."""
    absorbed: set[int] = set()
    for i, row in enumerate(rows):
        if not _only_digits(row):
            continue
        for j in range(i + 1, min(i + 6, len(rows))):
            below = rows[j]
            drop = below.base - row.base
            if drop > 0.75 * below.size:
                break
            if row.size <= SMALL_RATIO * below.size and drop >= MIN_RAISE and _x_adjacent(row, below):
                below.frags.extend(row.frags)
                absorbed.add(id(row))
                break
    return [row for row in rows if id(row) not in absorbed]


def _only_digits(row: Row) -> bool:
    return all(ch.c.isdigit() or ch.c == "," for frag in row.frags for ch in frag)


def _x_adjacent(small: Row, row: Row) -> bool:
    for frag in small.frags:
        x0, x1 = frag[0].x0, frag[-1].x1
        for other in row.frags:
            if -0.5 * row.size <= x0 - other[-1].x1 <= 0.6 * row.size:
                return True  # right after a word: an in-text marker
            if -0.2 * row.size <= other[0].x0 - x1 <= 1.2 * row.size:
                return True  # just before a word: a footnote's own number
    return False


def make_line(frags: list[list[Char]]) -> Line | None:
    """One line from the fragments of one row segment; fragments are separated by a space."""
    frags = sorted(frags, key=lambda f: f[0].x0)
    chars: list[Char] = []
    starts: set[int] = set()
    for frag in frags:
        starts.add(id(frag[0]))
        chars.extend(frag)
    size = dominant_size(chars)
    base = _body_baseline(chars, size)
    parts: list[str] = []
    raised: list[tuple[int, str]] = []
    bold_n = italic_n = errors = length = 0
    fonts: dict[int, int] = {}
    prev: Char | None = None
    prev_raised_digit = False
    small_limit = SMALL_RATIO * size
    for ch in chars:
        c = ch.c
        if "\ue000" <= c <= "\uf8ff":
            c = _PRIVATE_USE_BULLET  # bullets drawn in a symbol font
        new_word = id(ch) in starts or (
            prev is not None and ch.x0 - prev.x1 > 0.25 * size and not _abutting(prev, ch)
        )
        if ch.size <= small_limit and base - ch.base >= MIN_RAISE and (c.isdigit() or (c == "," and prev_raised_digit)):
            if c == ",":
                raised.append((length, ""))
            elif prev_raised_digit and raised and raised[-1][0] == length and not new_word:
                raised[-1] = (length, raised[-1][1] + c)
            else:
                raised.append((length, c))
            prev_raised_digit = True
            prev = ch
            continue
        if new_word and length and parts[-1] != " ":
            parts.append(" ")
            length += 1
        prev_raised_digit = False
        parts.append(c)
        length += len(c)
        prev = ch
        if ch.bold:
            bold_n += 1
        if ch.italic:
            italic_n += 1
        fonts[ch.font] = fonts.get(ch.font, 0) + 1
        if ch.map_error:
            errors += 1
    text = "".join(parts)
    stripped = text.rstrip()
    if not stripped and not raised:
        return None
    raised = [(min(off, len(stripped)), digits) for off, digits in raised if digits]
    body = [c for c in chars if c.size > small_limit] or chars
    return Line(
        stripped,
        chars[0].x0,
        max(c.x1 for c in chars),
        min(c.top for c in body),
        max(c.bottom for c in body),
        base,
        size,
        bold_n * 2 > max(length, 1),
        max(fonts, key=fonts.get) if fonts else 0,
        raised,
        len(chars),
        errors,
        italic_n * 10 >= 9 * max(sum(fonts.values()), 1),  # wholly italic: a term set in italics is not
    )


def underscore_rule(line: Line) -> Rule | None:
    """A line of underscores or dashes drawn as text is a separator rule ("____" before notes)."""
    if UNDERSCORE_RULE.match(line.text):
        return Rule(line.x0, line.x1, line.base - 1, line.base)
    return None


def dominant_size(chars: list[Char]) -> float:
    counts: dict[float, int] = {}
    for c in chars:
        counts[c.size] = counts.get(c.size, 0) + 1
    best = max(counts, key=counts.get)
    biggest = max(counts)
    # a word with a glued marker has more marker-size characters than it seems: the big size wins
    if biggest != best and counts[biggest] * 3 >= counts[best]:
        return biggest
    return best


def _body_baseline(chars: list[Char], size: float) -> float:
    bases: dict[float, int] = {}
    limit = SMALL_RATIO * size
    for c in chars:
        if c.size > limit:
            key = round(c.base, 1)
            bases[key] = bases.get(key, 0) + 1
    if not bases:
        return chars[0].base
    return max(bases, key=bases.get)


class RowLines:
    """One row as line segments split at gaps wider than `SEGMENT_GAP_EM`; columns join them later."""

    __slots__ = ("segs", "base", "size")

    def __init__(self, segs: list[Line], base: float, size: float):
        self.segs = segs
        self.base = base
        self.size = size

    @property
    def x0(self) -> float:
        return self.segs[0].x0

    @property
    def x1(self) -> float:
        return max(s.x1 for s in self.segs)

    @property
    def top(self) -> float:
        return min(s.top for s in self.segs)

    @property
    def bottom(self) -> float:
        return max(s.bottom for s in self.segs)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segs)


SEGMENT_GAP_EM = 0.9  # narrower than any column gutter seen (1.2 em), wider than a normal word space


def row_segments(row: Row) -> RowLines | None:
    """Split a row at wide gaps into segment lines, left to right."""
    frags = sorted(row.frags, key=lambda f: f[0].x0)
    groups: list[list[list[Char]]] = []
    cur_x1 = cur_size = None
    for frag in frags:
        x0 = frag[0].x0
        x1 = max(c.x1 for c in frag)
        size = max(c.size for c in frag)
        # The gap is measured in ems of the smaller text on either side, not of the row's largest:
        # a bill's 10 pt margin header "Prop. 2012/13:187" stands 1.1 em of its own size before a
        # 15 pt chapter number, which the row's 15 pt em would have glued to it (issue 17.3).
        if cur_x1 is None or x0 - cur_x1 > SEGMENT_GAP_EM * min(cur_size, size):
            groups.append([frag])
            cur_x1, cur_size = x1, size
        else:
            groups[-1].append(frag)
            cur_x1 = max(cur_x1, x1)
            cur_size = size
    segs = [line for line in (make_line(g) for g in groups) if line is not None]
    if not segs:
        return None
    return RowLines(segs, max(segs, key=lambda s: s.n_chars).base, max(s.size for s in segs))


def join_segments(segs: list[Line]) -> Line:
    """Segments of one row within one column become one line (space-joined, markers shifted)."""
    if len(segs) == 1:
        return segs[0]
    segs = sorted(segs, key=lambda s: s.x0)
    parts, raised, offset = [], [], 0
    for seg in segs:
        if parts:
            parts.append(" ")
            offset += 1
        raised.extend((off + offset, digits) for off, digits in seg.raised)
        parts.append(seg.text)
        offset += len(seg.text)
    main = max(segs, key=lambda s: s.n_chars)
    line = Line(
        "".join(parts), segs[0].x0, max(s.x1 for s in segs), min(s.top for s in segs),
        max(s.bottom for s in segs), main.base, max(s.size for s in segs),
        sum(s.n_chars for s in segs if s.bold) * 2 > sum(s.n_chars for s in segs), main.font, raised,
        sum(s.n_chars for s in segs), sum(s.map_errors for s in segs),
        all(s.italic for s in segs),
    )
    line.cells = [(s.x0, s.x1, s.text) for s in segs]  # a table's header row is told by them (blocks)
    return line
