"""Statutes read into chapters and sections (`extract/statute`, `legal/statute`): Riksdagen's HTML and
plain-text renderings of SFS acts, and the provision each passage is."""

from __future__ import annotations

import json

from helpers.paths import FIXTURES

from policykb.chunk import chunk
from policykb.extract import extract
from policykb.extract.statute import read_statute
from policykb.legal.statute import amendment_of, provision_of

# Riksdagen's plain-text rendering of an act without chapters (the shape of /dokument/sfs-1993-387.text):
# header lines, headings between sections, a section number wrapped onto its own line, a stycke that
# opens with a citation of an earlier section, amendment notes, transitional provisions.
LSS_TEXT = """Lag (1993:387) om stöd och service till vissa funktionshindrade

SFS nr: 1993:387
Departement/myndighet: Socialdepartementet
Utfärdad: 1993-05-27
Ändrad: t.o.m. SFS 2023:366

Personkrets

1 §   Denna lag innehåller bestämmelser om insatser för särskilt stöd och
särskild service åt personer
1. med utvecklingsstörning, autism eller autismliknande tillstånd,
2. med betydande och bestående begåvningsmässigt funktionshinder efter
hjärnskada i vuxen ålder. Lag (2022:1131).

Mål för verksamheten

5 §   Verksamhet enligt denna lag ska främja jämlikhet i levnadsvillkor och
full delaktighet i samhällslivet.

6 §   Verksamheten enligt denna lag ska vara av god kvalitet.
1 § gäller också den som har fyllt 65 år, om insatsen beviljats före den dagen.

6 a §
Den enskilde ska ges inflytande och medbestämmande över insatser som ges. Lag (2005:125).

Insatser för särskilt stöd och service

9 §   Insatserna för särskilt stöd och service är
1. rådgivning och annat personligt stöd,
2. biträde av personlig assistent. Lag (2022:1131).

Övergångsbestämmelser

1993:387
Denna lag träder i kraft den 1 januari 1994.

2022:1131
Denna lag träder i kraft den 1 januari 2023.
"""


def test_plain_text_statute_without_chapters(tmp_path):
    path = tmp_path / "sfs-1993-387.txt"
    path.write_text(LSS_TEXT, encoding="utf-8")
    doc = extract(path, manifest={"kind": "statute"})
    assert (doc.meta.identifier, doc.meta.kind, doc.meta.publisher, doc.meta.date) == (
        "SFS 1993:387", "statute", "Socialdepartementet", "1993-05-27")
    assert doc.meta.title == "Lag (1993:387) om stöd och service till vissa funktionshindrade"
    sections = {}
    for passage in chunk(doc):
        sections.setdefault(provision_of("SFS 1993:387", passage.heading_path), []).append(passage)
    assert [c for c in sections if c] == ["SFS 1993:387 1 §", "SFS 1993:387 5 §", "SFS 1993:387 6 §",
                                          "SFS 1993:387 6 a §", "SFS 1993:387 9 §"]
    six = " ".join(p.text for p in sections["SFS 1993:387 6 §"])
    assert "1 § gäller också den som har fyllt 65 år" in six  # a citation, not a new section 1
    assert sections["SFS 1993:387 5 §"][0].heading_path[-2:] == ["Mål för verksamheten", "5 §"]
    first = " ".join(p.text for p in sections["SFS 1993:387 1 §"])
    assert first.startswith("Denna lag innehåller bestämmelser om insatser för särskilt stöd och särskild service")
    assert amendment_of(first) == "2022:1131" and amendment_of(six) is None
    assert sections["SFS 1993:387 6 a §"][0].text.startswith("Den enskilde ska ges inflytande")
    transitional = [p for p in sections[None] if "Övergångsbestämmelser" in p.heading_path]
    assert [p.heading_path[-1] for p in transitional] == ["1993:387", "2022:1131"]


def test_riksdagens_text_of_an_act_is_recognised_without_a_manifest(tmp_path):
    path = tmp_path / "lss.txt"
    path.write_text(LSS_TEXT, encoding="utf-8")
    doc = extract(path)
    assert (doc.meta.identifier, doc.meta.kind) == ("SFS 1993:387", "statute")
    assert "6 a §" in [b.text for b in doc.pages[0].blocks if b.kind == "heading"]
    prose = tmp_path / "rapport.txt"
    prose.write_text("Rapport\n\nEnligt SFS nr: 2017:30 ska … 1 § gäller.\n", encoding="utf-8")
    assert extract(prose).meta.kind != "statute"


def test_riksdagens_html_of_an_act_is_recognised_without_a_manifest(tmp_path):
    path = tmp_path / "hsl.html"
    path.write_bytes((FIXTURES / "riksdagen" / "sfs-2017-30.html").read_bytes())
    doc = extract(path)
    assert (doc.meta.identifier, doc.meta.kind, doc.meta.date) == ("SFS 2017:30", "statute", "2017-02-09")
    # "Ändrad: t.o.m. SFS 2024:1132" in the header does not make the act SFS 2024:1132
    headings = [b.text for b in doc.pages[0].blocks if b.kind == "heading"]
    assert headings[:5] == ["Hälso- och sjukvårdslag (2017:30)", "1 kap. Innehåll och definitioner",
                            "Lagens innehåll", "1 §", "Definitioner"]
    assert "2 a §" in headings and headings.count("Övergångsbestämmelser") == 1
    # the table of contents (div.sfstoc) is not read: each chapter heading once
    assert headings.count("16 kap. Samverkan") == 1


def test_an_ordinary_html_page_is_not_read_as_a_statute(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<h1>Rapport</h1><p>1 § i lagen gäller.</p><p>SFS nr: nämns här</p>", encoding="utf-8")
    doc = extract(path)
    assert doc.meta.kind != "statute"
    assert [b.kind for b in doc.pages[0].blocks] == ["heading", "paragraph", "paragraph"]


def test_provision_of_heading_paths():
    assert provision_of("SFS 2017:30", ["Hälso- och sjukvårdslag (2017:30)", "2 kap. Definitioner", "3 §"]) == \
        "SFS 2017:30 2 kap. 3 §"
    assert provision_of("SFS 2001:453", ["4 kap. Rätten till bistånd", "Rubrik", "2 a §"]) == "SFS 2001:453 4 kap. 2 a §"
    assert provision_of("SFS 2017:30", ["Hälso- och sjukvårdslag (2017:30)", "1 kap. Innehåll"]) is None
    assert provision_of("SFS 2017:30", ["Övergångsbestämmelser", "2021:664"]) is None
    assert provision_of("SOU 2020:19", ["1 §"]) is None


def test_section_canonicals_parse_back_through_the_reference_grammar():
    from policykb.legal import parse_reference

    pages, _ = read_statute((FIXTURES / "riksdagen" / "sfs-2017-30.html").read_text(encoding="utf-8"), html=True)
    from policykb.models import Document, DocumentMeta

    doc = Document(DocumentMeta("hsl", "/x", "0", "html"), pages)
    canonicals = {provision_of("SFS 2017:30", p.heading_path) for p in chunk(doc)} - {None}
    for canonical in canonicals:
        assert [r.canonical for r in parse_reference(canonical)] == [canonical]
    assert json.dumps(sorted(canonicals), ensure_ascii=False).count("2 a §") == 2
