"""What a reader cites must survive the PDF reader (issue 17): short footnotes that recur word for
word are footnotes, not running footers (17.2). Built with reportlab, with exact ground truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.pdf_builders import build_pdf
from helpers.pdf_quality import measure
from policykb.extract.pdf.reader import extract_pdf_pages


@pytest.mark.parametrize("layout", ["report", "twocol"])
@pytest.mark.parametrize("numbers", ["raised", "inline"])
def test_repeated_short_footnotes_are_not_furniture(tmp_path: Path, layout: str, numbers: str):
    notes = links = notes_total = links_total = 0
    for seed in (3, 11):
        path = tmp_path / f"{layout}-{numbers}-{seed}.pdf"
        truth = build_pdf(path, layout=layout, pages=6, seed=seed, notes="repeated", note_numbers=numbers)
        texts = [note for page in truth.pages for note in page.footnotes.values()]
        # the fixture shows the problem: the same short note on many pages
        assert max(texts.count(t) for t in set(texts)) >= 3
        pages = extract_pdf_pages(path)[0]
        quality = measure(pages, truth)
        notes += round(quality.footnote_recall * quality.counts["footnotes"])
        links += round(quality.marker_links * quality.counts["markers"])
        notes_total += quality.counts["footnotes"]
        links_total += quality.counts["markers"]
        # the running header and the page numbers are still furniture
        assert quality.printed_pages == 1.0
        assert all("lägesrapport" not in page.text.lower() for page in pages)
    assert notes / notes_total >= 0.97
    assert links / links_total >= 0.97
