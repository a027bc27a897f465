"""OCR with Tesseract (Swedish model) for scanned and garbage-encoded pages.

The page is rendered with pypdfium2 and read with pytesseract's word boxes; words become rows of
line segments like those of a text layer, so furniture, footnotes, columns and blocks are found
by the same code. Font size is estimated from the line height (x 0.75: ascender to descender).
"""

from __future__ import annotations

import shutil
from functools import lru_cache

from policykb.extract.pdf.chars import Char
from policykb.extract.pdf.lines import RowLines, build_rows, row_segments

OCR_DPI = 300
OCR_LANGUAGE = "swe"
MIN_CONFIDENCE = 30


@lru_cache(maxsize=1)
def tesseract_problem() -> str | None:
    """None when Tesseract with the Swedish model can run; else what is missing."""
    if shutil.which("tesseract") is None:
        return "Tesseract is not installed"
    try:
        import pytesseract

        languages = pytesseract.get_languages(config="")
    except Exception as exc:  # a broken install is reported like a missing one
        return f"Tesseract cannot run ({exc})"
    if OCR_LANGUAGE not in languages:
        return "Tesseract's Swedish model (tesseract-ocr-swe) is not installed"
    return None


def render_page(pdf, index: int):
    """The page as a grayscale image at OCR resolution, and its size in points (pdfium: one thread)."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        bitmap = page.render(scale=OCR_DPI / 72, may_draw_forms=False, grayscale=True)
        image = bitmap.to_pil().convert("L")
        bitmap.close()
    finally:
        page.close()
    return image, width, height


def ocr_image_rows(image, width: float, height: float) -> tuple[list[RowLines], float, float]:
    """Rows of an OCR'd page image, with the page's width and height in points."""
    import os

    import pytesseract

    # Tesseract's OpenMP threads fight each other on small machines (3 s a page with one thread,
    # over 100 s with two on 2 cores); pages are run in parallel instead.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    data = pytesseract.image_to_data(image, lang=OCR_LANGUAGE, output_type=pytesseract.Output.DICT)
    image.close()
    scale = 72 / OCR_DPI
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, word in enumerate(data["text"]):
        if not word or not word.strip():
            continue
        try:
            conf = float(data["conf"][i])
        except (TypeError, ValueError):
            conf = -1
        if conf < MIN_CONFIDENCE:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(key, []).append(i)
    chars: list[Char] = []
    for indexes in lines.values():
        top = min(data["top"][i] for i in indexes) * scale
        bottom = max(data["top"][i] + data["height"][i] for i in indexes) * scale
        size = round(max((bottom - top) * 0.75, 4.0), 1)
        base = bottom - 0.2 * (bottom - top)
        for i in indexes:
            x0 = data["left"][i] * scale
            x1 = (data["left"][i] + data["width"][i]) * scale
            chars.append(Char(data["text"][i].strip(), x0, x1, top, bottom, base, size, 0, False, True, False))
    rows = build_rows([[c] for c in chars])
    out = [r for r in (row_segments(row) for row in rows) if r is not None]
    return out, width, height
