"""export: JSON, Markdown and text of a stored PDF document, through the API and the CLI."""

from __future__ import annotations

import json

import pytest

from policykb.errors import NotFoundError
from policykb.query.export import export_document
from policykb.ingest import ingest
from policykb.store import Store

from helpers.cli import run_cli


@pytest.fixture(scope="module")
def report_index(built_pdfs, tmp_path_factory):
    index = tmp_path_factory.mktemp("export_index")
    path, truth = built_pdfs["report"]
    report = ingest([str(path)], index)
    assert report.added, report.failed
    return index, report.added[0], truth


def test_json_export_has_pages_printed_numbers_markers_and_notes(report_index):
    index, doc_id, truth = report_index
    with Store.open(index, create=False, readonly=True) as store:
        data = export_document(store, doc_id, "json")
    assert data["doc"]["doc_id"] == doc_id
    pages = data["pages"]
    assert [p["index"] for p in pages] == list(range(len(truth.pages)))
    assert [p["printed"] for p in pages] == [t.printed for t in truth.pages]
    first = pages[0]
    assert first["body"][0]["kind"] == "heading"
    assert {n["number"] for n in first["footnotes"]} == set(truth.pages[0].footnotes)
    for block in first["body"]:
        for offset, number in block["markers"]:
            assert number in truth.pages[0].footnotes
            assert 0 < offset <= len(block["text"])


def test_markdown_and_text_exports(report_index):
    index, doc_id, truth = report_index
    with Store.open(index, create=False, readonly=True) as store:
        md = export_document(store, doc_id, "md")
        txt = export_document(store, doc_id, "txt")
    first_note = min(truth.pages[0].footnotes)
    assert f"[^p1-{first_note}]: {truth.pages[0].footnotes[first_note]}" in md
    assert f"[^p1-{first_note}]" in md.split(f"[^p1-{first_note}]:")[0]  # the marker in the body too
    assert "<!-- s. 5 (sida 1 i filen) -->" in md
    assert "## 1 Inledning" in md
    assert "\f" in txt and truth.pages[0].headings[0] in txt
    assert f"{first_note} {truth.pages[0].footnotes[first_note]}" in txt


def test_table_blocks_export_as_markdown_tables(tmp_path):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle
    from reportlab.lib.styles import getSampleStyleSheet

    path = tmp_path / "tabell.pdf"
    styles = getSampleStyleSheet()
    table = Table(
        [["Region", "Antal", "Andel"], ["Norrbotten", "120", "12 %"], ["Skåne", "480", "31 %"]],
        style=TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]),
    )
    SimpleDocTemplate(str(path), pagesize=A4).build(
        [Paragraph("Tabellen visar antalet ärenden per region.", styles["Normal"]), table,
         Paragraph("Källa: Socialstyrelsen.", styles["Normal"])]
    )
    index = tmp_path / "index"
    report = ingest([str(path)], index)
    with Store.open(index, create=False, readonly=True) as store:
        data = export_document(store, report.added[0], "json")
        md = export_document(store, report.added[0], "md")
    body = data["pages"][0]["body"]
    kinds = [b["kind"] for b in body]
    assert kinds == ["paragraph", "table", "paragraph"]
    assert body[1]["rows"] == [["Region", "Antal", "Andel"], ["Norrbotten", "120", "12 %"], ["Skåne", "480", "31 %"]]
    assert "| Region | Antal | Andel |" in md and "| Skåne | 480 | 31 % |" in md


def test_text_document_pages_are_not_called_pdf_pages(tmp_path):
    # a text dump's pages come from its page-start marks (a leading space after a footnote block)
    path = tmp_path / "rapport.txt"
    path.write_text(
        " Första sidan\n\nKommunen ansvarar för hemsjukvården enligt HSL.1\n    \n"
        "1 Hälso- och sjukvårdslagen (2017:30).\n"
        " Andra sidan\n\nRegionen ansvarar för primärvården och läkarinsatserna.\n",
        encoding="utf-8",
    )
    index = tmp_path / "index"
    report = ingest([str(path)], index)
    with Store.open(index, create=False, readonly=True) as store:
        data = export_document(store, report.added[0], "json")
        md = export_document(store, report.added[0], "md")
    assert data["doc"]["source_format"] == "txt" and len(data["pages"]) == 2
    assert "<!-- sida 1 i filen -->" in md and "<!-- sida 2 i filen -->" in md


def test_unknown_id_is_not_found(report_index):
    index, _, _ = report_index
    with Store.open(index, create=False, readonly=True) as store:
        with pytest.raises(NotFoundError):
            export_document(store, "no-such-doc", "json")


def test_cli_export(report_index):
    index, doc_id, truth = report_index
    result = run_cli("export", doc_id, "--format", "json", "--index-dir", str(index))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["pages"][2]["printed"] == "7"
    md = run_cli("export", doc_id, "--format", "md", "--index-dir", str(index))
    assert md.returncode == 0 and md.stdout.startswith("# ")
    missing = run_cli("export", "nope", "--index-dir", str(index))
    assert missing.returncode == 2
    assert "nope" in missing.stderr and "Traceback" not in missing.stderr
    bad = run_cli("export", doc_id, "--format", "docx", "--index-dir", str(index))
    assert bad.returncode == 2 and "--format" in bad.stderr
