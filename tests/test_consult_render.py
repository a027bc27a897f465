"""The remissvar draft and the trace as Word files (and the draft's Markdown with the user's answers):
parsed back with python-docx, and, where LibreOffice is installed, converted to PDF as a reader would."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from policykb.consult.model import CitingDocument, Consultation, Evidence, Proposal, Provision, assign_ids
from policykb.consult.render import POSITION_PLACEHOLDER, render_docx, render_markdown
from policykb.query.pagelabel import page_label
from policykb.query.trace import render_docx as trace_docx
from policykb.query.wordfile import DOCX_MEDIA_TYPE

from helpers.cli import run_cli

PROPOSAL_DOC = "003_98179518a3d1e638.txt"
HOME_CARE = "004_2be6a2c697e985af.txt"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _consultation() -> Consultation:
    law = Evidence(
        doc_id="prop.pdf", title="Insatser för vissa nyanlända", identifier="prop. 2013/14:104", publisher="Regeringen",
        page=10, printed_page="11", passage_id=5, heading="Bakgrund",
        quote="Kommunen ska erbjuda <b>samhällsorientering</b> [x](javascript:alert(1)).", score=0.5,
        group="law", url="https://lagen.nu/prop/2013/14:104#sid11",
    )
    report = Evidence(
        doc_id="rapport.pdf", title="Rehabilitering i hemmet", identifier=None, publisher="Socialstyrelsen", page=3,
        printed_page=None, passage_id=6, heading="", quote="Rehabilitering i hemmet har ökat.", score=0.4,
        url="javascript:alert(1)",
    )
    provision = Provision(
        canonical="SFS 2017:30 2 kap. 3 §", kind="section", url="https://lagen.nu/2017:30#K2P3", as_written="2 kap. 3 § HSL",
        cited_elsewhere=2, citing_documents=[CitingDocument("a.txt", "Ett annat dokument", None, 2, [1])],
    )
    first = Proposal(
        number=1, label="1.1.1", kind="table-row", heading="Fokusområde 1: Kunskap", context="1.1 Det finns kunskapsstöd",
        text="1.1.1 Ta fram ett nationellt kunskapsstöd för rehabilitering.", page=4, printed_page="5", passage_id=1,
        evidence=[law, report], provisions=[provision], actor="Socialstyrelsen", when="2026–2027",
    )
    second = Proposal(
        number=2, label=None, kind="sentence", heading="Uppföljning", context=None, text="Strategin föreslås gälla i 8 år.",
        page=9, printed_page="10", passage_id=2, evidence_note="Inget underlag hittades i andra dokument.",
    )
    assign_ids("strategi.pdf", [first, second])
    return Consultation(
        document={"doc_id": "strategi.pdf", "title": "Nationell strategi", "identifier": "S2025/00109"},
        proposals=[first, second], remiss={"diarienummer": "S2025/00109", "deadline": "2026-06-01"},
    )


def _sdt_tags(document) -> list[str]:  # noqa: ANN001
    return [el.get(qn("w:val")) for el in document.element.body.iter(qn("w:tag"))]


def _footnotes(blob: bytes) -> tuple[str, list[str]]:
    """The footnotes part's text and the targets of its hyperlinks."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        notes = etree.fromstring(archive.read("word/footnotes.xml"))
        rels = etree.fromstring(archive.read("word/_rels/footnotes.xml.rels"))
    text = " ".join("".join(t.text or "" for t in n.iter(f"{{{W_NS}}}t")) for n in notes)
    return text, [r.get("Target") for r in rels if r.get("TargetMode") == "External"]


def test_proposal_ids_are_stable_and_unique() -> None:
    a, b = _consultation().proposals, _consultation().proposals
    assert [p.id for p in a] == [p.id for p in b] and len({p.id for p in a}) == 2
    assert a[0].id.startswith("1.1.1-") and a[1].id.startswith("p-")
    twice = [Proposal(1, None, "sentence", "H", None, "Samma.", 0, None, None), Proposal(2, None, "sentence", "H", None, "Samma.", 0, None, None)]
    assign_ids("d", twice)
    assert twice[1].id == twice[0].id + "-2"


def test_the_word_draft_has_real_styles_footnotes_links_and_fields() -> None:
    consultation = _consultation()
    blob = render_docx(consultation)
    document = Document(io.BytesIO(blob))
    styled = [(p.style.name, p.text) for p in document.paragraphs if p.text.strip()]
    assert styled[0] == ("Title", "Remissvar: Nationell strategi (S2025/00109)")
    headings = [text for style, text in styled if style == "Heading 1"]
    assert headings == ["Sammanfattning", "1. 1.1.1 Ta fram ett nationellt kunskapsstöd för rehabilitering",
                        "2. Strategin föreslås gälla i 8 år", "Övriga synpunkter"]
    assert ("Heading 3", "Gällande rätt") in styled and ("Heading 3", "Andra rapporter och utredningar") in styled
    quotes = [text for style, text in styled if style == "Quote"]
    assert "1.1.1 Ta fram ett nationellt kunskapsstöd för rehabilitering." in quotes
    # document text is text: the markup in the quote is written as it stands, never interpreted
    assert any("<b>samhällsorientering</b> [x](javascript:alert(1))" in q for q in quotes)
    assert any(text == "Diarienummer: S2025/00109" for _, text in styled)
    assert any(text == "Ansvarig: Socialstyrelsen" for _, text in styled)
    assert any("Inget underlag hittades" in text for _, text in styled)
    # the fields to fill in: one position and one motivation per proposal, tagged with its id
    tags = _sdt_tags(document)
    for p in consultation.proposals:
        assert f"position:{p.id}" in tags and f"motivation:{p.id}" in tags
    assert {"remissinstans", "date", "summary", "other"} <= set(tags)
    assert "diarienummer" not in tags  # known from the document, so filled in
    # evidence quotes carry footnotes: document, printed page, a live link (only http(s) is linked)
    assert len(list(document.element.body.iter(qn("w:footnoteReference")))) == 2
    notes, targets = _footnotes(blob)
    assert "Regeringen, Insatser för vissa nyanlända (prop. 2013/14:104), s. 11." in notes
    # no printed page: the one page convention (query.pagelabel) names the page of the file
    assert f"Socialstyrelsen, Rehabilitering i hemmet, {page_label(3, None, True)}." in notes
    assert targets == ["https://lagen.nu/prop/2013/14:104#sid11"]
    # the provision is a hyperlink in the body
    links = [(h.text, h.address) for p in document.paragraphs for h in p.hyperlinks]
    assert ("SFS 2017:30 2 kap. 3 §", "https://lagen.nu/2017:30#K2P3") in links
    assert document.core_properties.title == "Remissvar: Nationell strategi (S2025/00109)"


def test_answers_fill_the_draft_in_word_and_markdown() -> None:
    consultation = _consultation()
    first, second = consultation.proposals
    answers = {
        first.id: {"position": "tillstyrker med ändringar", "motivation": "Stödet behövs.\n\nMen *finansieringen* saknas."},
        "_remissinstans": "Vårdförbundet",
        "_sammanfattning": "Vi är positiva.",
    }
    document = Document(io.BytesIO(render_docx(consultation, answers)))
    texts = [p.text for p in document.paragraphs]
    assert "Ställningstagande: tillstyrker med ändringar" in texts
    assert "Motivering: Stödet behövs." in texts and "Men *finansieringen* saknas." in texts
    assert "Remissinstans: Vårdförbundet" in texts and "Vi är positiva." in texts
    tags = _sdt_tags(document)
    assert f"position:{first.id}" not in tags and f"position:{second.id}" in tags  # answered: text, not a field
    markdown = render_markdown(consultation, answers)
    assert "Ställningstagande: tillstyrker med ändringar" in markdown
    assert "Men \\*finansieringen\\* saknas." in markdown  # the user's text is escaped like the document's
    assert "Remissinstans: Vårdförbundet" in markdown and f"Ställningstagande: {POSITION_PLACEHOLDER}" in markdown
    assert markdown.count("Ställningstagande:") == 2
    # the evidence as footnotes, grouped by what it does
    assert "*Gällande rätt*" in markdown and "[^1]: Regeringen, *Insatser för vissa nyanlända* (prop. 2013/14:104), s. 11." in markdown
    assert "\\[x\\](javascript" in markdown  # the quote's brackets are escaped: no link
    assert "javascript" not in markdown.split("[^2]:")[1]  # a javascript: address is never linked
    assert markdown.rstrip().endswith(f"*Rehabilitering i hemmet*, {page_label(3, None, True)}.")
    assert "## Övriga synpunkter" in markdown


def test_the_trace_as_a_word_table() -> None:
    rows = [
        {"doc_id": "a.txt", "page": 1, "printed_page": "3", "sentence": "Regionen ska erbjuda rehabilitering.",
         "modality": "obligation", "actor": "region", "via": "inline",
         "links": [{"canonical": "SFS 2017:30 2 kap. 3 §", "url": "https://lagen.nu/2017:30#K2P3"},
                   {"canonical": "SFS 2017:30 7 kap. 1 §", "url": "https://lagen.nu/2017:30#K7P1"}]},
        {"doc_id": "b.txt", "page": 0, "printed_page": None, "sentence": "=1+1 får göras.", "modality": "permission",
         "actor": "unknown", "via": None, "links": []},
    ]
    document = Document(io.BytesIO(trace_docx(rows)))
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Dokument", "Sida", "Krav", "Modalitet", "Aktör", "Lagrum", "Via"]
    assert [c.text for c in table.rows[1].cells][:5] == ["a.txt", "s. 3", "Regionen ska erbjuda rehabilitering.", "obligation", "region"]
    assert table.rows[2].cells[2].text == "=1+1 får göras."  # Word does not run formulas: text as written
    links = [(h.text, h.address) for p in table.rows[1].cells[5].paragraphs for h in p.hyperlinks]
    assert links == [("SFS 2017:30 2 kap. 3 §", "https://lagen.nu/2017:30#K2P3"), ("SFS 2017:30 7 kap. 1 §", "https://lagen.nu/2017:30#K7P1")]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # the header repeats on each page
    assert document.paragraphs[0].style.name == "Heading 1"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_word_files(tmp_path: Path) -> None:
    (tmp_path / "remissvar.docx").write_bytes(render_docx(_consultation()))
    (tmp_path / "trace.docx").write_bytes(trace_docx([]))
    done = subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
         str(tmp_path / "remissvar.docx"), str(tmp_path / "trace.docx")],
        capture_output=True, text=True, timeout=180, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / "remissvar.pdf").pages)
    for words in ("Remissvar: Nationell strategi", "Ställningstagande:", "Gällande rätt", "lagen.nu/prop/2013/14:104",
                  "Övriga synpunkter"):
        assert words in " ".join(text.split()), words
    assert "Inga krav" in PdfReader(tmp_path / "trace.pdf").pages[0].extract_text()


def test_consult_and_trace_commands_write_word_files(corpus_index: Path, tmp_path: Path) -> None:
    out = tmp_path / "remissvar.docx"
    done = run_cli("consult", PROPOSAL_DOC, "--index-dir", str(corpus_index), "--evidence", "0", "--format", "docx", "-o", str(out))
    assert done.returncode == 0, done.stderr
    document = Document(out)
    assert document.paragraphs[0].style.name == "Title"
    assert sum(1 for p in document.paragraphs if p.style.name == "Heading 1") >= 22
    done = run_cli("trace", "--doc", HOME_CARE, "--index-dir", str(corpus_index), "--format", "docx", "-o", str(tmp_path / "t.docx"))
    assert done.returncode == 0, done.stderr
    assert len(Document(tmp_path / "t.docx").tables[0].rows) > 5


def test_consult_answers_file_errors(corpus_index: Path, tmp_path: Path) -> None:
    bad = tmp_path / "svar.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    done = run_cli("consult", PROPOSAL_DOC, "--index-dir", str(corpus_index), "--evidence", "0", "--answers", str(bad))
    assert done.returncode == 2 and "JSON object" in done.stderr and "Traceback" not in done.stderr


def test_the_api_answers_word_files_on_request(corpus_index: Path) -> None:
    from fastapi.testclient import TestClient

    from policykb.api import create_app

    with TestClient(create_app(corpus_index, api_key="")) as client:
        body = client.post("/consultation", json={"doc_id": PROPOSAL_DOC, "evidence": 0}).json()
        first = body["proposals"][0]
        answers = {first["id"]: {"position": "avstyrker", "motivation": "Av skäl."}}
        response = client.post("/consultation", json={"doc_id": PROPOSAL_DOC, "evidence": 0, "answers": answers},
                               headers={"Accept": DOCX_MEDIA_TYPE})
        assert response.status_code == 200 and response.headers["content-type"] == DOCX_MEDIA_TYPE
        texts = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
        assert "Ställningstagande: avstyrker" in texts
        trace = client.get("/trace", params={"doc": HOME_CARE}, headers={"Accept": DOCX_MEDIA_TYPE})
        assert trace.status_code == 200 and trace.headers["content-type"] == DOCX_MEDIA_TYPE
        rows = client.get("/trace", params={"doc": HOME_CARE}).json()["rows"]
        assert len(Document(io.BytesIO(trace.content)).tables[0].rows) == len(rows) + 1


def test_a_self_labelled_proposal_and_a_remiss_title_are_not_said_twice() -> None:
    from policykb.consult.render import draft_title, proposal_name

    proposal = Proposal(number=1, label="1", kind="labelled", heading="2 Förslag", context=None,
                        text="Förslag 1: Varje patient ska erbjudas en fast vårdkontakt.", page=0,
                        printed_page=None, passage_id=None)
    assert proposal_name(proposal) == "Förslag 1: Varje patient ska erbjudas en fast vårdkontakt"
    numbered = Proposal(number=2, label="2.1", kind="table-row", heading="", context=None,
                        text="2.1 Det finns tillgång till kompetens.", page=0, printed_page=None,
                        passage_id=None)
    assert proposal_name(numbered) == "2.1 Det finns tillgång till kompetens"
    consultation = Consultation(document={"doc_id": "r.txt", "title": "Remiss: Vård i hemmet"}, proposals=[])
    assert draft_title(consultation) == ("Vård i hemmet", None)
