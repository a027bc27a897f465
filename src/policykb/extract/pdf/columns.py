"""Columns per page by x-clustering of rows, and the reading order they imply.

A gutter is a vertical strip of white that runs through several consecutive rows with text on
both sides of it in most of them. Word spaces in justified text wander from row to row and
list numbers ("1.", "2.4") are too narrow to count as a column, so neither makes a gutter.
Rows a gutter runs through form a zone read column by column; rows that cross every gutter
(titles, headings, full-width text) are zones of their own, kept in their place.
"""

from __future__ import annotations

from dataclasses import dataclass

from policykb.extract.pdf.lines import Line, RowLines, join_segments

MIN_EVIDENCE_ROWS = 3  # rows with text on each side of the strip
MIN_COLUMN_EMS = 5.0  # median text width on each side, in ems: list numbers are narrower
MAX_GRID_CELLS = 2000  # columns of the occupancy grid (see find_gutters)


@dataclass
class Gutter:
    x0: float
    x1: float
    r0: int  # first and last row index (in the sorted rows) the gutter runs through
    r1: int
    evidence: int

    @property
    def mid(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Placed:
    line: Line
    zone: int
    column: int


def find_gutters(rows: list[RowLines], em: float) -> list[Gutter]:
    if len(rows) < MIN_EVIDENCE_ROWS:
        return []
    import numpy as np

    x_min = min(r.x0 for r in rows)
    x_max = max(r.x1 for r in rows)
    if int(x_max - x_min) + 2 < 4 * MIN_COLUMN_EMS * em / 2:
        return []
    # The grid has one cell per point up to MAX_GRID_CELLS cells, coarser cells beyond: its size
    # is bounded by a constant, never by how far apart a file places its text (the characters are
    # already clipped to the page box, chars._clip_to_page). Pages up to 2000 pt wide (A2
    # landscape is 1684) keep the one-point grid.
    scale = max(1.0, (x_max - x_min + 2) / MAX_GRID_CELLS)
    width = int((x_max - x_min) / scale) + 2
    n = len(rows)
    occ = np.zeros((n, width), dtype=np.int16)
    for i, row in enumerate(rows):
        for seg in row.segs:
            occ[i, max(int((seg.x0 - x_min) / scale), 0): int((seg.x1 - x_min) / scale) + 1] = 1
    g = max(4, int(round(0.5 * em / scale)))
    if width <= g + 2:
        return []
    # int16 holds any count of cells in a row (width <= MAX_GRID_CELLS + 2).
    cum = np.concatenate([np.zeros((n, 1), dtype=np.int16), occ.cumsum(axis=1, dtype=np.int16)], axis=1)
    window = cum[:, g:] - cum[:, :-g]  # occupied cells in [x, x+g)
    free = window == 0
    left = cum[:, :-g] > 0
    right = (cum[:, -1:] - cum[:, g:]) > 0
    # Columns need not share baselines (a heading shifts one column's grid), so the evidence is
    # rows with text left of the strip and rows with text right of it, within one run of rows
    # that nothing crosses.
    has_left = free & left
    has_right = free & right
    counts = np.minimum(has_left.sum(axis=0), has_right.sum(axis=0))
    candidates = np.nonzero(counts >= MIN_EVIDENCE_ROWS)[0]
    if candidates.size == 0:
        return []
    free_t = free.T.tolist()
    left_t = has_left.T.tolist()
    right_t = has_right.T.tolist()
    found: list[Gutter] = []
    for x in candidates.tolist():
        col_free, col_left, col_right = free_t[x], left_t[x], right_t[x]
        i = 0
        while i < n:
            if not col_free[i]:
                i += 1
                continue
            j = i
            n_left = n_right = 0
            while j < n and col_free[j]:
                n_left += col_left[j]
                n_right += col_right[j]
                j += 1
            evidence = min(n_left, n_right)
            if evidence >= MIN_EVIDENCE_ROWS:
                found.append(Gutter(x * scale + x_min, (x + g) * scale + x_min, i, j - 1, evidence))
            i = j
    merged = _merge_adjacent(found)
    accepted: list[Gutter] = []
    for gutter in sorted(merged, key=lambda gt: -gt.evidence):
        if any(_conflict(gutter, other) for other in accepted):
            continue
        if _sides_are_columns(rows, gutter, em):
            accepted.append(gutter)
    return sorted(accepted, key=lambda gt: gt.x0)


def _merge_adjacent(found: list[Gutter]) -> list[Gutter]:
    """Neighbouring x positions whose row runs overlap are one gutter (widest extent, best run)."""
    out: list[Gutter] = []
    for gt in sorted(found, key=lambda gt: (gt.x0, gt.r0)):
        for prev in reversed(out):
            if prev.x1 < gt.x0 - 1:
                continue
            if gt.r0 <= prev.r1 and prev.r0 <= gt.r1:
                prev.x1 = max(prev.x1, gt.x1)
                if (gt.evidence, gt.r1 - gt.r0) > (prev.evidence, prev.r1 - prev.r0):
                    prev.r0, prev.r1, prev.evidence = gt.r0, gt.r1, gt.evidence
                break
        else:
            out.append(Gutter(gt.x0, gt.x1, gt.r0, gt.r1, gt.evidence))
    return out


def _conflict(a: Gutter, b: Gutter) -> bool:
    rows_overlap = a.r0 <= b.r1 and b.r0 <= a.r1
    near = abs(a.mid - b.mid) < 2 * (a.x1 - a.x0 + b.x1 - b.x0)
    return rows_overlap and near


def _sides_are_columns(rows: list[RowLines], gutter: Gutter, em: float) -> bool:
    lefts, rights = [], []
    mid = gutter.mid
    for row in rows[gutter.r0: gutter.r1 + 1]:
        left_segs = [s for s in row.segs if s.x1 <= mid]
        right_segs = [s for s in row.segs if s.x0 >= mid]
        if left_segs:
            lefts.append(max(s.x1 for s in left_segs) - min(s.x0 for s in left_segs))
        if right_segs:
            rights.append(max(s.x1 for s in right_segs) - min(s.x0 for s in right_segs))
    if len(lefts) < MIN_EVIDENCE_ROWS or len(rights) < MIN_EVIDENCE_ROWS:
        return False
    return _median(lefts) >= MIN_COLUMN_EMS * em and _median(rights) >= MIN_COLUMN_EMS * em


def _median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2]


def reading_order(rows: list[RowLines], em: float) -> list[Placed]:
    """Lines in reading order: zone by zone from the top, each zone column by column."""
    rows = sorted(rows, key=lambda r: r.base)
    gutters = find_gutters(rows, em)
    placed: list[Placed] = []
    zone = -1
    prev_active: tuple[int, ...] | None = None
    pending: list[list[Line]] = []

    def flush() -> None:
        for column, lines in enumerate(pending):
            for line in lines:
                placed.append(Placed(line, zone, column))

    for i, row in enumerate(rows):
        active = tuple(k for k, gt in enumerate(gutters) if gt.r0 <= i <= gt.r1)
        if active != prev_active:
            flush()
            zone += 1
            pending = [[] for _ in range(len(active) + 1)]
            prev_active = active
        if not active:
            pending[0].append(join_segments(row.segs))
            continue
        mids = [gutters[k].mid for k in active]
        by_column: list[list[Line]] = [[] for _ in range(len(mids) + 1)]
        for seg in row.segs:
            centre = (seg.x0 + seg.x1) / 2
            column = sum(1 for m in mids if centre > m)
            by_column[column].append(seg)
        for column, segs in enumerate(by_column):
            if segs:
                pending[column].append(join_segments(segs))
    flush()
    return placed
