"""Writing Word files (.docx): the pieces python-docx does not offer, used by every DOCX renderer
(the trace table, the remissvar draft).

python-docx writes headings, paragraphs and tables in the document's own styles, but has no call
for three things a draft needs, so they are built here from WordprocessingML, in the shapes Word
itself writes (ECMA-376 part 1), which LibreOffice reads too:

- `add_hyperlink`: an external link (`w:hyperlink` with a relationship to the URL). Only http(s)
  addresses are linked, as in `query.markdown.link`: a `javascript:` address from a document
  stays plain text.
- `Footnotes.add`: a real footnote (the `footnotes.xml` part with Word's two separator notes, a
  superscript reference mark in the text). Links inside a footnote are relationships of the
  footnotes part, not of the document.
- `add_field`: a fill-in field (a plain-text content control, `w:sdt`, tagged so a program can
  read the answer back) whose placeholder is highlighted so it is not sent by mistake.

Document text never becomes markup here: it goes into `w:t` elements, which python-docx escapes,
and characters XML 1.0 forbids (control characters from a broken PDF) are dropped first.
"""

from __future__ import annotations

import io
import re
from typing import Any

# Control characters that XML 1.0 does not allow; lxml refuses them outright.
_XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SAFE_URL = re.compile(r"https?://[^\s]+", re.IGNORECASE)
LINK_COLOUR = "0563C1"  # Word's own hyperlink blue

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_FOOTNOTES_XML = (
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
    '</w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
    'w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
    "</w:footnotes>"
)


def clean(text: Any) -> str:
    """Text that can stand in a Word file: no XML-forbidden control characters."""
    return _XML_FORBIDDEN.sub("", "" if text is None else str(text))


def new_document(title: str) -> Any:
    """An empty document (python-docx's template: Title, Heading 1–9, Quote, Table Grid …) with
    `title` in its core properties, and A4 pages with 2.5 cm margins as Swedish offices use."""
    from docx import Document
    from docx.shared import Cm

    document = Document()
    document.core_properties.title = clean(title)[:250]
    document.core_properties.author = "policykb"
    for section in document.sections:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.5)
    return document


def to_bytes(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def add_run(paragraph: Any, text: Any, *, bold: bool = False, italic: bool = False) -> Any:
    run = paragraph.add_run(clean(text))
    run.bold = bold or None
    run.italic = italic or None
    return run


def add_hyperlink(paragraph: Any, text: Any, url: Any, *, part: Any = None) -> Any:
    """A link reading `text` to `url` at the end of `paragraph` (blue, underlined). `part` is the
    package part that holds the paragraph (the footnotes part for a link in a footnote); by
    default the document's. A URL that is not http(s) gives plain text."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    address = "" if url is None else str(url).strip()
    if not _SAFE_URL.fullmatch(address):
        return add_run(paragraph, text)
    owner = part if part is not None else paragraph.part
    r_id = owner.relate_to(address, RT.HYPERLINK, is_external=True)
    link = _element("w:hyperlink", {"r:id": r_id}, _text_run(clean(text), _element("w:color", {"w:val": LINK_COLOUR}),
                                                               _element("w:u", {"w:val": "single"})))
    paragraph._p.append(link)
    return link


def add_field(paragraph: Any, tag: str, alias: str, placeholder: str) -> Any:
    """A fill-in field at the end of `paragraph`: a plain-text content control tagged `tag` (e.g.
    `position:1.1.1-ab12…`) holding the highlighted `placeholder`. Word shows it as a box to type
    in; LibreOffice as a content control; both keep the tag."""
    props = _element(
        "w:sdtPr", {}, _element("w:alias", {"w:val": clean(alias[:60])}), _element("w:tag", {"w:val": clean(tag)}),
        _element("w:text"),
    )
    run = _text_run(clean(" ".join(placeholder.split())), _element("w:highlight", {"w:val": "yellow"}))
    sdt = _element("w:sdt", {}, props, _element("w:sdtContent", {}, run))
    paragraph._p.append(sdt)
    return sdt


def fill_in(document: Any, paragraph: Any, tag: str, alias: str, placeholder: str, value: str | None) -> None:
    """The user's answer where there is one (its first paragraph at the end of `paragraph`, the
    others as paragraphs after it: an answer is text, not a field any more), else `add_field`."""
    if not value or not value.strip():
        add_field(paragraph, tag, alias, placeholder)
        return
    parts = [" ".join(part.split()) for part in value.replace("\r\n", "\n").split("\n") if part.strip()]
    add_run(paragraph, parts[0])
    for part in parts[1:]:
        add_run(document.add_paragraph(), part)


class Footnotes:
    """The footnotes of one document: `add(paragraph, pieces)` puts a reference mark at the end of
    `paragraph` and a note made of `pieces` (plain strings, or `(text, url)` links)."""

    def __init__(self, document: Any) -> None:
        from docx.opc.constants import CONTENT_TYPE as CT
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.opc.packuri import PackURI
        from docx.opc.part import XmlPart
        from docx.oxml import parse_xml

        self._document = document
        self.part = XmlPart(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, parse_xml(_FOOTNOTES_XML), document.part.package)
        document.part.relate_to(self.part, RT.FOOTNOTES)
        self._next = 1

    def add(self, paragraph: Any, pieces: list[Any]) -> int:
        from docx.text.paragraph import Paragraph

        number = self._next
        self._next += 1
        paragraph._p.append(_reference_run("w:footnoteReference", number))
        p = _element("w:p", {}, _element("w:pPr", {}, _element("w:spacing", {"w:after": "0"})),
                     _reference_run("w:footnoteRef", None))
        self.part.element.append(_element("w:footnote", {"w:id": str(number)}, p))
        text = Paragraph(p, None)
        text.add_run(" ")
        for piece in pieces:
            if isinstance(piece, tuple):
                add_hyperlink(text, piece[0], piece[1], part=self.part)
            else:
                text.add_run(clean(piece))
        for run in text.runs:
            run.font.size = _note_size()
        return number


def _note_size() -> Any:
    from docx.shared import Pt

    return Pt(9)


def _reference_run(kind: str, number: int | None) -> Any:
    """A superscript footnote mark: `w:footnoteReference` in the text, `w:footnoteRef` in the note."""
    mark = _element(kind, {} if number is None else {"w:id": str(number)})
    return _element("w:r", {}, _element("w:rPr", {}, _element("w:vertAlign", {"w:val": "superscript"})), mark)


def _element(tag: str, attributes: dict[str, str] | None = None, *children: Any) -> Any:
    """A WordprocessingML element with its (prefixed) attributes and children: what python-docx has
    no API for (links, content controls, footnotes) is built from these."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement(tag)
    for name, value in (attributes or {}).items():
        element.set(qn(name), value)
    for child in children:
        element.append(child)
    return element


def _text_run(text: str, *properties: Any) -> Any:
    """A run (`w:r`) of `text`, spaces kept, with run `properties` (`w:rPr` children)."""
    body = _element("w:t", {"xml:space": "preserve"})
    body.text = text
    return _element("w:r", {}, _element("w:rPr", {}, *properties), body)


def add_table(document: Any, header: list[str], rows: list[list[Any]], *, widths_cm: list[float] | None = None) -> Any:
    """A table in the `Table Grid` style whose first row is a bold header repeated on every page.
    A cell is text, or a list of `(text, url)` links (one per line)."""
    from docx.shared import Cm, Pt

    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, header):
        cell.text = ""
        add_run(cell.paragraphs[0], name, bold=True)
    table.rows[0]._tr.get_or_add_trPr().append(_element("w:tblHeader", {"w:val": "true"}))
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values):
            paragraph = cell.paragraphs[0]
            if isinstance(value, list):
                for i, (text, url) in enumerate(value):
                    if i:
                        paragraph = cell.add_paragraph()
                    add_hyperlink(paragraph, text, url)
            else:
                add_run(paragraph, "" if value is None else value)
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    if widths_cm:
        for row in table.rows:
            for cell, width in zip(row.cells, widths_cm):
                cell.width = Cm(width)
    return table
