"""Headings at a page break, tables' header rows, footers and a comparison across pages (issue 17.3,
17.6): bill-like pages built with reportlab, laid out as Regeringskansliet sets them, so the
truth is exact."""

from __future__ import annotations

from pathlib import Path

from policykb.chunk import chunk
from policykb.extract.pdf.reader import extract_pdf_pages

HEIGHT, WIDTH = 686, 468
HEADER = "Prop. 2099/00:42"
BODY = ("Regeringen beslutade att ge en särskild utredare i uppdrag att se över hur",
        "insatserna för nyanlända kan förbättras och hur kommunerna kan stödja",
        "arbetet med etableringen på arbetsmarknaden under de första åren.")


def _bill(path: Path, chapters: dict[int, str]) -> None:
    """Six pages of a bill. The running header "Prop. 2099/00:42" stands in the outer margin on the
    first baseline (10 pt), the page number in the bottom margin. A chapter opens at the top of a
    page in 15 pt with its number set a tab apart ("3   Ärendet …"); on an even page it shares the
    header's baseline, 1.1 em of the header's size to the right of it."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=(WIDTH, HEIGHT))
    for p in range(6):
        top = HEIGHT - 49
        c.setFont("Times-Roman", 10)
        c.drawString(37 if p % 2 == 0 else 355, top, HEADER)
        c.drawString(WIDTH / 2, 30, str(p + 1))
        y = top - 30
        if p in chapters:
            number, title = chapters[p].split(" ", 1)
            c.setFont("Times-Roman", 15)
            x = 122.4 if p % 2 == 0 else 51.7
            c.drawString(x, top + (0 if p % 2 == 0 else -4), number)
            c.drawString(x + 45, top + (0 if p % 2 == 0 else -4), title)
            c.setFont("Times-Roman", 10)
        for k in range(36):
            c.drawString(122 if p % 2 == 0 else 51, y, BODY[k % 3])
            y -= 14
        c.showPage()
    c.save()


def test_a_chapter_heading_at_the_top_of_a_page_keeps_its_number_and_starts_a_new_path(tmp_path: Path):
    from policykb.extract import extract

    path = tmp_path / "prop.pdf"
    chapters = {0: "1 Förslag till riksdagsbeslut", 2: "3 Ärendet och dess beredning", 3: "4 Överväganden"}
    _bill(path, chapters)
    pages = extract_pdf_pages(path, ocr="never")[0]
    headings = {p.index: [b.text for b in p.blocks if b.kind == "heading"] for p in pages}
    # the chapter number is the heading's, not a page number; the header beside it is furniture
    assert headings == {0: [chapters[0]], 1: [], 2: [chapters[2]], 3: [chapters[3]], 4: [], 5: []}
    assert [p.printed for p in pages] == ["1", "2", "3", "4", "5", "6"]
    assert all(HEADER not in b.text for p in pages for b in p.blocks)
    # after the break the passage is under the new chapter, never the previous one
    for passage in chunk(extract(path, ocr="never")):
        first = passage.page_start
        expected = chapters[max(k for k in chapters if k <= first)]
        assert passage.heading_path == [expected], (passage.page_start, passage.heading_path)


def test_the_chapters_of_the_shared_bills_keep_their_numbers(real_pdfs: Path):
    """prop. 2012/13:144 as riksdagen.se serves it: chapter headings with their numbers."""
    pages = extract_pdf_pages(real_pdfs / "prop-2012-13-144-riksdagen.pdf", ocr="never")[0]
    headings = [b.text for p in pages for b in p.blocks if b.kind == "heading" and b.level == 2]
    assert "1 Förslag till riksdagsbeslut" in headings
    assert "2 Ärendet och dess beredning" in headings


def test_a_tables_header_row_is_the_tables_first_row_not_a_heading(tmp_path: Path):
    """AFS 2011:19, bilaga 1: a bold row "Cancerframkallande ämnen    CAS-nr" over substances with
    their CAS numbers set after dot leaders; the bold row is the table's header."""
    from reportlab.pdfgen import canvas

    path = tmp_path / "afs.pdf"
    substances = [("Benzidin", "92-87-5"), ("Erionit", "12510-42-8"), ("4-Nitrodifenyl", "92-93-3")]
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.setFont("Helvetica-Bold", 10)
    c.drawString(71, 760, "Grupp A – Ämnen som enligt 45 § inte får hanteras")
    c.setFont("Helvetica", 9.5)
    c.drawString(71, 742, "Bestämmelserna i 45 § gäller även ämnets salter och när ämnet innehåller kristallvatten.")
    c.setFont("Helvetica-Bold", 9.5)
    c.drawString(71, 724, "Cancerframkallande ämnen")
    c.drawRightString(389.5, 724, "CAS-nr")
    c.setFont("Helvetica", 9.5)
    y = 712
    for name, cas in substances:
        c.drawString(71, y, name + " " + "." * int((300 - c.stringWidth(name + " ", "Helvetica", 9.5)) / c.stringWidth(".", "Helvetica", 9.5)))
        c.drawRightString(389.5, y, cas)
        y -= 12
    c.drawString(71, y - 20, "Förbudet gäller inte ämnen som hanteras i slutna system.")
    c.showPage()
    c.save()
    page = extract_pdf_pages(path, ocr="never")[0][0]
    assert [b.text for b in page.blocks if b.kind == "heading"] == ["Grupp A – Ämnen som enligt 45 § inte får hanteras"]
    table = next(b for b in page.blocks if b.kind == "table")
    assert table.rows == [["Cancerframkallande ämnen", "CAS-nr"], *map(list, substances)]


def test_a_comparison_headed_lydelse_enligt_is_a_table_with_its_own_headings(tmp_path: Path):
    """prop. 2012/13:187 compares with an amendment not yet in force: "Lydelse enligt SFS 2013:530"."""
    from reportlab.pdfgen import canvas

    path = tmp_path / "prop.pdf"
    c = canvas.Canvas(str(path), pagesize=(WIDTH, HEIGHT))
    c.setFont("Times-Roman", 10)
    c.drawString(122, 600, "Härigenom föreskrivs att 28 kap. 3 § skollagen ska ha följande lydelse.")
    c.drawString(122, 576, "Lydelse enligt SFS 2013:530")
    c.drawString(275, 576, "Föreslagen lydelse")
    c.drawString(263, 553, "3 §")
    for k, (old, new) in enumerate([("Beslut av Statens skolverk", "Beslut av Statens skolverk"),
                                    ("får överklagas hos allmän", "får överklagas hos allmän"),
                                    ("förvaltningsdomstol.", "förvaltningsdomstol om beslutet gäller legitimation.")]):
        c.drawString(122, 541 - 11.5 * k, old)
        c.drawString(275, 541 - 11.5 * k, new)
    c.showPage()
    c.save()
    page = extract_pdf_pages(path, ocr="never")[0][0]
    assert not [b.text for b in page.blocks if b.kind == "heading"]
    table = next(b for b in page.blocks if b.kind == "table")
    assert table.rows[0] == ["Lydelse enligt SFS 2013:530", "Föreslagen lydelse"]
    assert table.rows[-1] == ["Beslut av Statens skolverk får överklagas hos allmän förvaltningsdomstol.",
                              "Beslut av Statens skolverk får överklagas hos allmän förvaltningsdomstol om beslutet gäller legitimation."]


def _comparison_pages(path: Path, *, ends_overleaf: bool) -> None:
    """prop. 2013/14:104, 2.1: a comparison whose proposed wording runs past the foot of an even
    page (text at x 122, right column at 275) and goes on at the top of the odd page (text at
    x 51, right column at 204) mid-sentence, then the next section, then ordinary text."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=(WIDTH, HEIGHT))
    c.setFont("Times-Roman", 10)
    c.drawString(37, HEIGHT - 49, HEADER)
    c.drawString(122, 600, "Härigenom föreskrivs att 8 § lagen (2010:197) ska ha följande lydelse.")
    c.drawString(122, 576, "Nuvarande lydelse")
    c.drawString(275, 576, "Föreslagen lydelse")
    c.drawString(262, 553, "8 §")
    y = 541
    left = ["Av etableringsplanen ska det", "framgå under vilken tid den", "gäller."]
    right = ["En etableringsplan ska omfatta", "högst 24 månader. Planen får", "förlängas med den tid som"]
    for k in range(3):
        c.drawString(122, y, left[k])
        c.drawString(275, y, right[k])
        y -= 11.5
    c.drawString(WIDTH / 2, 30, "6")
    c.showPage()
    c.setFont("Times-Roman", 10)
    c.drawString(355, HEIGHT - 49, HEADER)
    top = HEIGHT - 60
    if not ends_overleaf:
        c.drawString(204, top, "motsvarar tiden för vård av barn.")
        top -= 23
        c.drawString(192, top, "9 §")
        top -= 11.5
        c.drawString(51, top, "Planen upphör att gälla när")
        c.drawString(204, top, "Planen upphör att gälla när")
        top -= 11.5
        c.drawString(51, top, "tiden har löpt ut.")
        c.drawString(204, top, "tiden har löpt ut eller arbete ges.")
        top -= 23  # the short rule under the compared text, then the transitional provisions
        c.line(51, top + 11, 143, top + 11)
        c.drawString(59.7, top, "1. Denna lag träder i kraft den 1 augusti 2014 och gäller alla planer.")
        top -= 60
    c.setFont("Times-Roman", 15)
    c.drawString(51, top, "3 Ärendet och dess beredning")
    c.setFont("Times-Roman", 10)
    for k in range(6):
        top -= 14
        c.drawString(51, top, BODY[k % 3])
    c.drawString(WIDTH / 2, 30, "7")
    c.showPage()
    c.save()


def test_a_comparison_going_on_overleaf_is_one_table(tmp_path: Path):
    path = tmp_path / "prop.pdf"
    _comparison_pages(path, ends_overleaf=False)
    pages = extract_pdf_pages(path, ocr="never")[0]
    tables = [b for p in pages for b in p.blocks if b.kind == "table"]
    assert len(tables) == 1 and tables[0] in pages[0].blocks
    assert tables[0].rows == [
        ["Nuvarande lydelse", "Föreslagen lydelse"],
        ["8 §", "8 §"],
        ["Av etableringsplanen ska det framgå under vilken tid den gäller.",
         "En etableringsplan ska omfatta högst 24 månader. Planen får förlängas med den tid som "
         "motsvarar tiden för vård av barn."],
        ["9 §", "9 §"],
        ["Planen upphör att gälla när tiden har löpt ut.", "Planen upphör att gälla när tiden har löpt ut eller arbete ges."],
    ]
    # what follows the comparison on the second page is that page's own text
    assert [b.text for b in pages[1].blocks][:3] == [
        "1. Denna lag träder i kraft den 1 augusti 2014 och gäller alla planer.",
        "3 Ärendet och dess beredning", " ".join(BODY * 2)]


def test_a_comparison_that_ends_at_a_pages_foot_takes_nothing_from_the_next_page(tmp_path: Path):
    path = tmp_path / "prop.pdf"
    _comparison_pages(path, ends_overleaf=True)
    pages = extract_pdf_pages(path, ocr="never")[0]
    table = next(b for b in pages[0].blocks if b.kind == "table")
    assert len(table.rows) == 3
    assert [b.kind for b in pages[1].blocks][:2] == ["heading", "paragraph"]
