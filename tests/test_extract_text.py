"""The text path: pages, footnotes, markers, hyphenation and headings recovered from flat text."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykb.errors import InputError
from policykb.extract import extract
from policykb.extract.metadata import detect_metadata
from policykb.extract.files import decode_text
from policykb.extract.text import parse_text_pages

SEED = (
    " Ansvar vid vård i hemmet \n\n"
    "Regionen och kommunen får sluta avtal med någon annan om att utföra de \n\n"
    "uppgifter som regionen eller kommunen ansvarar för enligt HSL.5 När en \n\n"
    "region ingår ett sådant avtal är regionen fortfarande huvudman, men inte \n\n"
    "vårdgivare för akutsjuk-\n\n"
    "vården. Hälso- och sjukvård ges i hemmet.6  \n\n"
    "Vem får vård i hemmet?  \n\n"
    "Vård kan ges till personer som bor i ordinärt boende eller i särskilda \n\n"
    "boenden för äldre7 eller i bostäder med särskild service.  \n\n"
    "                                                        \n"
    "5 15 kap. 1 § HSL. \n"
    "6 12 kap. 1 och 3 §§ och 16 kap. 1 § HSL som gäller \n"
    "kommunens ansvar. \n"
    "7 5 kap. 5 § SoL. \n"
    " läkare ger. Regionen ska avsätta de läkarresurser som behövs till \n\n"
    "kommunen.8  \n\n"
    "                                                        \n"
    "8 8 kap. 6 § HSL. \n"
)


def test_footnotes_are_split_from_the_body_and_pages_recovered():
    pages = parse_text_pages(SEED)
    assert len(pages) == 2
    assert [f.number for f in pages[0].footnotes] == [5, 6, 7]
    assert pages[0].footnotes[1].text == "12 kap. 1 och 3 §§ och 16 kap. 1 § HSL som gäller kommunens ansvar."
    assert [f.number for f in pages[1].footnotes] == [8]
    assert "15 kap." not in pages[0].text


def test_markers_are_removed_and_linked_to_their_footnote():
    pages = parse_text_pages(SEED)
    body = pages[0].blocks[1]
    assert "enligt HSL. När" in body.text
    numbers = [n for _, n in body.markers]
    assert numbers == [5, 6]
    offset = body.markers[0][0]
    assert body.text[:offset].endswith("enligt HSL.")
    last = pages[1].blocks[0]
    assert last.text.endswith("till kommunen.") and last.markers == [(len(last.text), 8)]
    assert any(n == 7 for b in pages[0].blocks for _, n in b.markers)


def test_hyphenation_is_joined_but_real_hyphens_kept():
    text = parse_text_pages(SEED)[0].text
    assert "akutsjukvården" in text
    assert "Hälso- och sjukvård" in text


def test_headings_are_recovered_from_layout():
    pages = parse_text_pages(SEED)
    headings = [b.text for b in pages[0].blocks if b.kind == "heading"]
    assert headings == ["Ansvar vid vård i hemmet", "Vem får vård i hemmet?"]


def test_numbers_that_are_not_markers_stay_in_the_text():
    text = (
        "Enligt prop. 2019/20:164 och SOU 2020:19 ska vården stärkas. Se bet. 2019/20:SoU8. \n"
        "Det gäller 30 procent av alla 2 a § i lagen.\n"
        "                          \n"
        "8 Se ovan.\n"
        "19 Se nedan.\n"
        "30 Ännu en not.\n"
    )
    pages = parse_text_pages(text)
    body = pages[0].text
    assert "2019/20:164" in body and "SOU 2020:19" in body and "SoU8" in body and "30 procent" in body
    assert all(not b.markers for b in pages[0].blocks)


def test_bundled_corpus_pages_and_footnotes(corpus_dir: Path):
    doc = extract(corpus_dir / "004_2be6a2c697e985af.txt")
    notes = {f.number: f.text for p in doc.pages for f in p.footnotes}
    assert notes[8] == "8 kap. 6 § HSL."
    assert len(notes) >= 100
    linked = {n for p in doc.pages for b in p.blocks for _, n in b.markers}
    # Nearly every footnote has its marker found in the body.
    assert len(linked & set(notes)) / len(notes) >= 0.9
    sentence = "Regionen ansvarar inte för sådan hälso- och sjukvård som en kommun i regionen har ansvar för."
    assert any(sentence in p.text for p in doc.pages)


def test_cp1252_text_is_decoded_and_garbage_refused(tmp_path: Path):
    assert decode_text("Hälso- och sjukvård".encode("cp1252"), "x.txt") == "Hälso- och sjukvård"
    with pytest.raises(InputError, match="not valid UTF-8"):
        decode_text(bytes([0x81, 0x8D, 0x8F]) * 20, "bad.txt")
    with pytest.raises(InputError, match="empty"):
        decode_text(b"", "empty.txt")


def test_markdown_headings(tmp_path: Path):
    path = tmp_path / "notes.md"
    path.write_text("# Titel\n\nEn första mening.\n\n## Del två\n\nMer text här.\n", encoding="utf-8")
    doc = extract(path)
    kinds = [(b.kind, b.level, b.text) for b in doc.pages[0].blocks]
    assert kinds[0] == ("heading", 1, "Titel") and kinds[2] == ("heading", 2, "Del två")


def test_markdown_pipe_tables(tmp_path: Path):
    path = tmp_path / "tabell.md"
    path.write_text(
        "# Ersättning\n\nTabellen visar läget.\n\n"
        "| Region | Antal | Not |\n|:---|---:|---|\n| Norrbotten | 120 | a \\| b |\n| Skåne | 480 | prop. 2019/20:164 |\n\n"
        "Efter tabellen.\n",
        encoding="utf-8",
    )
    blocks = extract(path).pages[0].blocks
    assert [b.kind for b in blocks] == ["heading", "paragraph", "table", "paragraph"]
    table = blocks[2]
    assert table.rows == [["Region", "Antal", "Not"], ["Norrbotten", "120", "a | b"], ["Skåne", "480", "prop. 2019/20:164"]]
    assert table.text.splitlines()[0] == "Region | Antal | Not" and "---" not in table.text


def test_html_blocks(tmp_path: Path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>t</title><style>p{}</style></head><body><h1>Rubrik</h1><p>Stycke ett.</p>"
        "<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table><script>x()</script></body></html>",
        encoding="utf-8",
    )
    blocks = extract(path).pages[0].blocks
    assert [(b.kind, b.text) for b in blocks[:2]] == [("heading", "Rubrik"), ("paragraph", "Stycke ett.")]
    assert blocks[2].kind == "table" and blocks[2].rows == [["A", "B"], ["1", "2"]]
    assert "x()" not in " ".join(b.text for b in blocks)


def test_metadata_detection():
    meta = detect_metadata("Artikelnummer: 2026-5-10283\nPublicerad: www.socialstyrelsen.se, maj 2026\n")
    assert meta["identifier"] == "2026-5-10283" and meta["publisher"] == "Socialstyrelsen" and meta["date"] == "2026-05"
    sou = detect_metadata("God och nära vård\nEn primärvårdsreform\nSOU 2018:39\n")
    assert sou["identifier"] == "SOU 2018:39" and sou["kind"] == "sou" and sou["title"] == "God och nära vård"
    cited = detect_metadata("Bakgrund\n• Effektiv vård (SOU 2016:2)\n")
    assert cited["identifier"] is None
    listed = detect_metadata("Underlag\n\nfil | dokument\nprop-1.pdf | Prop. 2013/14:104 Insatser för nyanlända\n")
    assert listed["identifier"] is None  # a table of documents lists them; it is none of them
    prose = detect_metadata("Förord\nRegeringen beslutade den 4 juli 2019 att ge Socialstyrelsen ett uppdrag om uppföljning.\n")
    assert prose["date"] is None
