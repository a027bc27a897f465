"""The Word path: headings, paragraphs, tables, notes and pages from .docx, and what is refused."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from policykb.api.uploads import store_upload
from policykb.errors import UnsupportedInputError
from policykb.extract import extract
from policykb.extract.files import ContentSniffer, sniff_format
from tests.helpers.paths import FIXTURES

BILL_DOCX = FIXTURES / "docx" / "prop-2012-13-144.docx"
BILL_PDF = FIXTURES / "pdfs" / "prop-2012-13-144-riksdagen.pdf"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _notes_part(document, kind: str, notes: dict[int, str]) -> None:
    """Add a footnotes or endnotes part (python-docx cannot write notes) with the given notes."""
    tag = "footnote" if kind == "footnotes" else "endnote"
    body = "".join(
        f'<w:{tag} w:id="{note_id}"><w:p><w:r><w:{tag}Ref/></w:r><w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p></w:{tag}>'
        for note_id, text in notes.items()
    )
    xml = (
        f'<w:{kind} xmlns:w="{W_NS}"><w:{tag} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{tag}>'
        f'<w:{tag} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:{tag}>'
        f"{body}</w:{kind}>"
    )
    content_type = CT.WML_FOOTNOTES if kind == "footnotes" else CT.WML_ENDNOTES
    part = Part(PackURI(f"/word/{kind}.xml"), content_type, xml.encode(), document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES if kind == "footnotes" else RT.ENDNOTES)


def _note_reference(paragraph, kind: str, note_id: int) -> None:
    run = paragraph.add_run()
    ref = OxmlElement(f"w:{kind}Reference")
    ref.set(qn("w:id"), str(note_id))
    run._r.append(ref)


def _built_docx(path: Path) -> Path:
    """A small Swedish guidance text with every construct the reader handles."""
    document = docx.Document()
    document.core_properties.title = "Vård i hemmet – vägledning"
    document.sections[0].header.paragraphs[0].text = "SIDHUVUD Socialstyrelsen vägledning"
    document.sections[0].footer.paragraphs[0].text = "SIDFOT sida 1 av 2"
    document.add_heading("Vård i hemmet", level=1)
    first = document.add_paragraph("Regionen och kommunen får sluta avtal enligt HSL.")
    _note_reference(first, "footnote", 2)  # Word ids need not be the displayed numbers
    first.add_run(" Hälso- och sjukvård ges i hemmet")
    _note_reference(first, "footnote", 3)
    first.add_run(".")
    rubrik = document.styles.add_style("Rubrik 2", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("Ansvar och avtal", style=rubrik)
    outlined = document.add_paragraph("Läkarmedverkan")
    level = OxmlElement("w:outlineLvl")
    level.set(qn("w:val"), "2")
    outlined._p.get_or_add_pPr().append(level)
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["Huvudman", "Ansvar", "Lag"], ["Region", "Läkare", "HSL"], ["Kommun", "Sjuksköterska", ""]]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    merged = table.cell(2, 1).merge(table.cell(2, 2))
    merged.text = "Sjuksköterska och rehabilitering"
    _note_reference(merged.paragraphs[0], "footnote", 4)
    document.add_page_break()
    last = document.add_paragraph("Kommunen ska avsätta de resurser som behövs")
    _note_reference(last, "endnote", 1)
    last.add_run(".")
    _notes_part(document, "footnotes", {2: "15 kap. 1 § HSL.", 3: "12 kap. 1 § HSL.", 4: "Se tabellkälla."})
    _notes_part(document, "endnotes", {1: "8 kap. 6 § HSL."})
    out = path / "vagledning.docx"
    document.save(out)
    return out


@pytest.fixture
def built(tmp_path: Path):
    return extract(_built_docx(tmp_path))


def test_headings_from_styles_and_outline_levels(built):
    headings = [(b.text, b.level) for p in built.pages for b in p.blocks if b.kind == "heading"]
    assert headings == [("Vård i hemmet", 1), ("Ansvar och avtal", 2), ("Läkarmedverkan", 3)]
    assert built.meta.source_format == "docx"
    assert built.meta.title == "Vård i hemmet – vägledning"  # the core properties


def test_footnote_markers_are_offsets_and_notes_sit_on_the_marker_page(built):
    first = built.pages[0].blocks[1]
    assert first.text == "Regionen och kommunen får sluta avtal enligt HSL. Hälso- och sjukvård ges i hemmet."
    assert first.markers == [(first.text.index("HSL.") + 4, 1), (first.text.index(" i hemmet") + 9, 2)]
    assert [(n.number, n.text) for n in built.pages[0].footnotes] == [
        (1, "15 kap. 1 § HSL."), (2, "12 kap. 1 § HSL."), (3, "Se tabellkälla."),
    ]
    # the endnote continues the numbering and stands on the page of its marker (after the break)
    assert len(built.pages) == 2
    last = built.pages[1].blocks[0]
    assert last.markers == [(len("Kommunen ska avsätta de resurser som behövs"), 4)]
    assert [(n.number, n.text) for n in built.pages[1].footnotes] == [(4, "8 kap. 6 § HSL.")]


def test_a_table_is_one_table_block_with_its_cells(built):
    tables = [b for p in built.pages for b in p.blocks if b.kind == "table"]
    assert len(tables) == 1
    assert tables[0].rows == [
        ["Huvudman", "Ansvar", "Lag"], ["Region", "Läkare", "HSL"], ["Kommun", "Sjuksköterska och rehabilitering"],
    ]
    (offset, number), = tables[0].markers
    assert number == 3 and tables[0].text[:offset].endswith("och rehabilitering")


def test_running_headers_and_footers_are_left_out(built):
    text = " ".join(p.text for p in built.pages)
    assert "SIDHUVUD" not in text and "SIDFOT" not in text


def test_without_page_breaks_a_document_is_one_page(tmp_path: Path):
    document = docx.Document()
    for i in range(30):
        document.add_paragraph(f"Stycke {i} om ansvar för hälso- och sjukvård i hemmet.")
    document.save(tmp_path / "en.docx")
    doc = extract(tmp_path / "en.docx")
    assert doc.page_count == 1 and len(doc.pages[0].blocks) == 30


def _body_5grams(path: Path) -> set[tuple[str, ...]]:
    words = [w for p in extract(path).pages for b in p.blocks for w in re.findall(r"\w+", b.text.lower())]
    return {tuple(words[i : i + 5]) for i in range(len(words) - 4)}


def test_the_bill_reads_the_same_from_word_and_from_pdf():
    """prop. 2012/13:144 as Word and as Riksdagen's PDF. Measured: 96.7% of the PDF's body word
    5-grams are in the .docx and 99.0% the other way round; what differs is the table of contents
    (left out of the .docx) and the automatic heading numbers (not in Word's text)."""
    from_docx, from_pdf = _body_5grams(BILL_DOCX), _body_5grams(BILL_PDF)
    assert len(from_pdf & from_docx) / len(from_pdf) >= 0.95
    assert len(from_docx & from_pdf) / len(from_docx) >= 0.97
    doc = extract(BILL_DOCX)
    assert doc.meta.identifier == "prop. 2012/13:144" and doc.meta.date == "2013-04-18"
    assert doc.page_count > 5  # the pages Word recorded when it last laid the bill out
    headings = [b.text for p in doc.pages for b in p.blocks if b.kind == "heading"]
    assert "Det svenska sjöfartsstödet" in headings
    assert not any("Sjöfartsstödets inriktning Prop. 2012/13:144" in p.text for p in doc.pages[1:])  # no running header


def _zip(path: Path, names: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return path


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bilagor.docx", "zip", "not a Word document"),
        ("bilagor.zip", "zip", "not a Word document"),
        ("gammal.doc", OLE + b"\0" * 600 + "WordDocument".encode("utf-16-le"), "save it as .docx or PDF"),
        ("skyddad.docx", OLE + b"\0" * 600 + "EncryptedPackage".encode("utf-16-le"), "password-protected"),
    ],
)
def test_what_is_not_a_readable_docx_is_refused_with_what_to_do(tmp_path: Path, name, content, expected):
    path = tmp_path / name
    if content == "zip":
        _zip(path, {"data/rapport.txt": b"text"})
    else:
        path.write_bytes(content)
    with pytest.raises(UnsupportedInputError, match=expected) as info:
        sniff_format(path)
    assert ".docx or PDF" in str(info.value)
    sniffer = ContentSniffer(name)
    data = path.read_bytes()
    with pytest.raises(UnsupportedInputError, match=expected):
        for i in range(0, len(data), 100):
            sniffer.feed(data[i : i + 100])
        sniffer.finish()


def test_a_docx_is_recognised_by_content_on_disk_and_in_an_upload(tmp_path: Path):
    data = BILL_DOCX.read_bytes()
    renamed = tmp_path / "proposition.bin"
    renamed.write_bytes(data)
    assert sniff_format(renamed) == "docx"
    stored = store_upload(io.BytesIO(data), "prop.docx", tmp_path, "job-1", limit=10 * 2**20)
    assert stored.content_type == "docx" and stored.path.suffix == ".docx"
    assert extract(stored.path).meta.identifier == "prop. 2012/13:144"
