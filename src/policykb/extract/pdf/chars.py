"""The raw facts of one PDF page from pypdfium2: characters with geometry, size and font, ruling lines, images.

pdfplumber gives the same facts through pdfminer but is 50-60x slower; pdfium's text page API gives
per-character boxes and baselines through a handful of C calls each, which is what makes the
layout-aware path faster than pdfplumber's plain `extract_text()`.

Coordinates are turned top-down (y grows downwards, like pdfplumber's `top`) and, when most of the
text on a page runs at 90/180/270 degrees, rotated so that it runs left to right.

Everything is clipped to the page, as a viewer clips what it draws: characters and rules wholly
outside the page box grown by one page size on each side are dropped (counted in
`RawPage.outside`, so the reader can warn), and the box itself is at most `MAX_PAGE_UNITS` on a
side. Every later structure sized by coordinates (the column finder's occupancy grid) is
therefore bounded by the page, never by what a file claims: one line drawn at x = 10^7 in a
1.6 KB PDF made that grid 8 GB.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass, field


# The largest page PDF allows (ISO 32000-1, Annex C: 14,400 units, 200 inches); a bigger box is cut to it.
MAX_PAGE_UNITS = 14_400.0
# Text render mode 3 draws nothing (OCR layers under scans, hidden text); 7 adds to the clip path only.
_INVISIBLE_RENDER_MODES = {3, 7}


class Char:
    """One character as drawn: `base` is the baseline y; `space_before` marks a gap pdfium saw as a space."""

    __slots__ = (
        "c", "x0", "x1", "top", "bottom", "base", "size", "font", "bold", "space_before", "map_error",
        "angle", "origin_x", "advance", "obj", "italic",
    )

    def __init__(
        self, c, x0, x1, top, bottom, base, size, font, bold, space_before, map_error, angle=0, origin_x=0.0, advance=0.0,
        obj=0, italic=False,
    ):
        self.c = c
        self.angle = angle
        self.origin_x = origin_x
        self.advance = advance  # the glyph's width as set (origin to the next origin), 0 when unknown
        self.obj = obj  # the text object (one text-showing operation) that drew it
        self.italic = italic
        self.x0 = x0
        self.x1 = x1
        self.top = top
        self.bottom = bottom
        self.base = base
        self.size = size
        self.font = font
        self.bold = bold
        self.space_before = space_before
        self.map_error = map_error

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Char({self.c!r} x={self.x0:.1f} base={self.base:.1f} size={self.size:.1f})"


@dataclass
class Rule:
    """A straight horizontal or vertical line (stroked path or thin filled rectangle)."""

    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def horizontal(self) -> bool:
        return (self.x1 - self.x0) >= (self.bottom - self.top)


@dataclass
class RawPage:
    index: int
    width: float
    height: float
    chars: list[Char] = field(default_factory=list)
    hidden_chars: list[Char] = field(default_factory=list)  # invisible or white text, kept for OCR layers
    rules: list[Rule] = field(default_factory=list)
    boxes: int = 0  # filled or stroked rectangles larger than a rule (table cells, shading)
    image_area: float = 0.0  # fraction of the page covered by images (overlaps counted twice)
    fonts: dict[int, str] = field(default_factory=dict)  # font id -> base font name
    rotation: int = 0  # degrees the text was turned to read left to right
    outside: int = 0  # characters drawn wholly outside the page box, not read


class _ObjectFacts:
    __slots__ = ("size", "angle", "font", "bold", "hidden", "italic")

    def __init__(self, size, angle, font, bold, hidden, italic=False):
        self.italic = italic
        self.size = size
        self.angle = angle
        self.font = font
        self.bold = bold
        self.hidden = hidden


def read_raw_page(pdf, index: int) -> RawPage:
    """Characters, rules and images of page `index` of an open `pypdfium2.PdfDocument`."""
    import pypdfium2.raw as R

    page = pdf[index]
    try:
        left, bottom, right, top = page.get_cropbox()
        width = min(max(right - left, 0.0), MAX_PAGE_UNITS)
        height = min(max(top - bottom, 0.0), MAX_PAGE_UNITS)
        raw = RawPage(index=index, width=width, height=height)
        textpage = page.get_textpage()
        try:
            _read_chars(R, textpage, raw, left, top)
        finally:
            textpage.close()
        _read_objects(R, page, raw, left, top)
    finally:
        page.close()
    _clip_to_page(raw)
    _normalise_rotation(raw)
    return raw


def _clip_to_page(raw: RawPage) -> None:
    """Drop what lies wholly outside the page box grown by its own size on every side (see the
    module doc). The margin keeps text of a box that is merely mis-sized where it was placed
    (reportlab writes a rotated page's MediaBox swapped, so its text lies up to a page outside);
    clamping instead would pile far text onto the edge and merge its rows with real ones."""
    w, h = raw.width, raw.height

    def near(x0: float, x1: float, top: float, bottom: float) -> bool:
        return x1 >= -w and x0 <= 2 * w and bottom >= -h and top <= 2 * h

    visible = [ch for ch in raw.chars if near(ch.x0, ch.x1, ch.top, ch.bottom)]
    raw.outside = len(raw.chars) - len(visible)
    raw.chars = visible
    raw.hidden_chars = [ch for ch in raw.hidden_chars if near(ch.x0, ch.x1, ch.top, ch.bottom)]
    raw.rules = [r for r in raw.rules if near(r.x0, r.x1, r.top, r.bottom)]
    for rule in raw.rules:  # a rule may run far beyond the page on one side
        rule.x0, rule.x1 = max(rule.x0, -w), min(rule.x1, 2 * w)
        rule.top, rule.bottom = max(rule.top, -h), min(rule.bottom, 2 * h)


def _read_chars(R, textpage, raw: RawPage, left: float, top: float) -> None:
    n = R.FPDFText_CountChars(textpage)
    if n <= 0:
        return
    text = textpage.get_text_range(0, n)
    if len(text) != n:  # pdfium may fold \r\n; fall back to per-character code points
        text = "".join(chr(R.FPDFText_GetUnicode(textpage, i) or 0xFFFD) for i in range(n))
    l, r, b, t = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    loose = R.FS_RECTF()
    get_loose = R.FPDFText_GetLooseCharBox
    matrix = R.FS_MATRIX()
    objects: dict[int, _ObjectFacts] = {}
    fonts: dict[int, tuple[int, str, bool]] = {}
    get_box, get_origin = R.FPDFText_GetCharBox, R.FPDFText_GetCharOrigin
    get_obj_address = _text_object_address_function(R)
    is_generated, map_error = R.FPDFText_IsGenerated, R.FPDFText_HasUnicodeMapError
    chars, hidden = raw.chars, raw.hidden_chars
    space_pending = False
    for i in range(n):
        c = text[i]
        if c in "\r\n":
            space_pending = True
            continue
        if is_generated(textpage, i):
            space_pending = True
            continue
        key = get_obj_address(textpage, i) or 0
        facts = objects.get(key)
        if facts is None:
            obj = R.FPDFText_GetTextObject(textpage, i)
            facts = _object_facts(R, textpage, i, obj, matrix, fonts, raw)
            objects[key] = facts
        get_box(textpage, i, l, r, b, t)
        get_origin(textpage, i, ox, oy)
        if c == " " or c == "\xa0" or c == "\t":
            space_pending = True
            continue
        if "\uf020" <= c <= "\uf0ff" and "symbol" in raw.fonts.get(facts.font, "").lower():
            c = SYMBOL_FONT.get(ord(c) - 0xF000, c)
        ch = Char(
            c, l.value - left, r.value - left, top - t.value, top - b.value, top - oy.value,
            facts.size, facts.font, facts.bold, space_pending, bool(map_error(textpage, i)),
            facts.angle, ox.value - left, _advance(get_loose(textpage, i, loose), loose, facts.angle), key,
            facts.italic,
        )
        space_pending = False
        (hidden if facts.hidden else chars).append(ch)


# The Adobe Symbol encoding: a Symbol font's characters reach pdfium as U+F020–U+F0FF (the font's
# own codes moved to the private-use area). Greek letters, math and arrows are decoded (`α-/β-`
# in a list of substances, issue 17.5); the codes used for bullets stay private-use, and the line
# builder draws those as a bullet.
_SYMBOL_LETTERS = "ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ"
_SYMBOL_SMALL = "αβχδεφγηιϕκλμνοπθρστυϖωξψζ"
SYMBOL_FONT: dict[int, str] = {
    **{0x41 + k: ch for k, ch in enumerate(_SYMBOL_LETTERS)},
    **{0x61 + k: ch for k, ch in enumerate(_SYMBOL_SMALL)},
    0x22: "∀", 0x24: "∃", 0x27: "∍", 0x2A: "∗", 0x2D: "−", 0x3C: "<", 0x3D: "=", 0x3E: ">",
    0x40: "≅", 0x5E: "⊥", 0xA3: "≤", 0xA5: "∞", 0xAB: "↔", 0xAC: "←", 0xAD: "↑", 0xAE: "→", 0xAF: "↓",
    0xB0: "°", 0xB1: "±", 0xB3: "≥", 0xB4: "×", 0xB5: "∝", 0xB6: "∂", 0xB9: "≠", 0xBA: "≡", 0xBB: "≈",
    0xD6: "√", 0xD7: "⋅", 0xB8: "÷", 0xA2: "′", 0xB2: "″",
}


def _advance(found: bool, loose, angle: int) -> float:
    """The set width of a glyph from pdfium's loose box, whose extent along the text direction runs
    from the origin to the next glyph's origin (the ink box is narrower by the side bearings)."""
    if not found:
        return 0.0
    return abs(loose.right - loose.left) if angle in (0, 180) else abs(loose.top - loose.bottom)


_ADDRESS_FUNCTION: list = []


def _text_object_address_function(R):
    """FPDFText_GetTextObject returning a plain address: a cheap cache key, no ctypes.cast per character."""
    if not _ADDRESS_FUNCTION:
        prototype = ctypes.CFUNCTYPE(ctypes.c_void_p, R.FPDFText_GetTextObject.argtypes[0], ctypes.c_int)
        _ADDRESS_FUNCTION.append(prototype(ctypes.cast(R.FPDFText_GetTextObject, ctypes.c_void_p).value))
    return _ADDRESS_FUNCTION[0]


def _object_facts(R, textpage, i: int, obj, matrix, fonts, raw: RawPage) -> _ObjectFacts:
    size = R.FPDFText_GetFontSize(textpage, i)
    angle = 0
    if R.FPDFText_GetMatrix(textpage, i, matrix):
        scale = math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c)) or 1.0
        size *= scale
        angle = round(math.degrees(math.atan2(matrix.b, matrix.a)) / 90.0) % 4 * 90
    hidden = False
    font_id, bold, italic = 0, False, False
    if obj:
        mode = R.FPDFTextObj_GetTextRenderMode(obj)
        if mode in _INVISIBLE_RENDER_MODES:
            hidden = True
        else:
            rc, gc, bc, ac = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
            if R.FPDFPageObj_GetFillColor(obj, rc, gc, bc, ac) and ac.value > 0:
                if rc.value >= 250 and gc.value >= 250 and bc.value >= 250:
                    hidden = True  # white on (presumed) white: invisible ruler digits and the like
        font = R.FPDFTextObj_GetFont(obj)
        if font:
            fkey = ctypes.cast(font, ctypes.c_void_p).value
            known = fonts.get(fkey)
            if known is None:
                buf = ctypes.create_string_buffer(256)
                length = R.FPDFFont_GetBaseFontName(font, buf, 256)
                name = buf.value.decode("latin-1", "replace") if length else ""
                weight = R.FPDFFont_GetWeight(font)
                lowered = name.lower()
                is_bold = weight >= 600 or any(w in lowered for w in ("bold", "black", "heavy", "semibold", "demi"))
                # flag bit 7 (PDF 32000 9.8.2) or the name: "TimesNewRomanPS-ItalicMT", "Garamond-Kursiv"
                is_italic = bool(R.FPDFFont_GetFlags(font) & 64) or any(
                    w in lowered for w in ("italic", "oblique", "kursiv")
                )
                known = (len(fonts) + 1, name, is_bold, is_italic)
                fonts[fkey] = known
                raw.fonts[known[0]] = name
            font_id, _, bold, italic = known
    return _ObjectFacts(round(size, 1), angle, font_id, bold, hidden, italic)


def _read_objects(R, page, raw: RawPage, left: float, top: float) -> None:
    """Ruling lines, rectangles and images, descending into form XObjects."""
    l, b, r, t = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    page_area = max(raw.width * raw.height, 1.0)

    def visit(get_count, get_obj, owner, depth):
        for k in range(get_count(owner)):
            obj = get_obj(owner, k)
            kind = R.FPDFPageObj_GetType(obj)
            if kind == R.FPDF_PAGEOBJ_FORM:
                if depth < 3:
                    visit(R.FPDFFormObj_CountObjects, R.FPDFFormObj_GetObject, obj, depth + 1)
                continue
            if kind not in (R.FPDF_PAGEOBJ_PATH, R.FPDF_PAGEOBJ_IMAGE):
                continue
            if not R.FPDFPageObj_GetBounds(obj, l, b, r, t):
                continue
            x0, x1 = l.value - left, r.value - left
            y0, y1 = top - t.value, top - b.value
            w, h = x1 - x0, y1 - y0
            if kind == R.FPDF_PAGEOBJ_IMAGE:
                cx0, cx1 = max(x0, 0.0), min(x1, raw.width)
                cy0, cy1 = max(y0, 0.0), min(y1, raw.height)
                if cx1 > cx0 and cy1 > cy0:
                    raw.image_area += (cx1 - cx0) * (cy1 - cy0) / page_area
                continue
            if (h <= 2.5 and w >= 8) or (w <= 2.5 and h >= 8):
                raw.rules.append(Rule(x0, x1, y0, y1))
            elif w > 2.5 and h > 2.5:
                raw.boxes += 1

    visit(R.FPDFPage_CountObjects, R.FPDFPage_GetObject, page, 0)


def _normalise_rotation(raw: RawPage) -> None:
    """Turn the page so that its dominant text direction runs left to right; drop text at other angles."""
    if not raw.chars:
        return
    counts: dict[int, int] = {}
    for ch in raw.chars:
        counts[ch.angle] = counts.get(ch.angle, 0) + 1
    if len(counts) == 1 and 0 in counts:
        return
    dominant = max(counts, key=counts.get)
    # margin text set at another angle (vertical labels, stamps) is not part of the reading flow
    raw.chars = [ch for ch in raw.chars if ch.angle == dominant]
    raw.hidden_chars = [ch for ch in raw.hidden_chars if ch.angle == dominant]
    if dominant:
        _rotate(raw, dominant)


def _rotate(raw: RawPage, angle: int) -> None:
    """Rotate top-down page coordinates by -angle so text at `angle` degrees (PDF, counter-clockwise) runs left to right."""
    w, h = raw.width, raw.height

    def turn(x: float, y: float) -> tuple[float, float]:
        if angle == 90:
            return h - y, x
        if angle == 180:
            return w - x, h - y
        return y, w - x  # 270

    for ch in raw.chars + raw.hidden_chars:
        ax, ay = turn(ch.x0, ch.top)
        bx, by = turn(ch.x1, ch.bottom)
        ch.x0, ch.x1 = min(ax, bx), max(ax, bx)
        ch.top, ch.bottom = min(ay, by), max(ay, by)
        ch.origin_x, ch.base = turn(ch.origin_x, ch.base)
    for rule in raw.rules:
        ax, ay = turn(rule.x0, rule.top)
        bx, by = turn(rule.x1, rule.bottom)
        rule.x0, rule.x1, rule.top, rule.bottom = min(ax, bx), max(ax, bx), min(ay, by), max(ay, by)
    if angle in (90, 270):
        raw.width, raw.height = h, w
    raw.rotation = angle
