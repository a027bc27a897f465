"""A footnote that closes a paragraph is the source of the whole paragraph (issue 17.9): the four
SIP sentences before "16 kap. 4 § HSL" in the home-care guidance rest on it, not only the last."""

from __future__ import annotations

from pathlib import Path

from policykb.ingest import ingest
from policykb.query.trace import trace
from policykb.query.xref import xref
from policykb.store import Store

SEP = " " * 56

GUIDE = f""" Samordnad individuell plan

Regionen och kommunen ska upprätta en samordnad individuell plan när den enskilde har behov av insatser från
båda huvudmännen. Planen ska upprättas om huvudmännen bedömer att den behövs. Arbetet med planen ska påbörjas
utan dröjsmål. Planen ska när det är möjligt upprättas tillsammans med den enskilde.12

Vårdgivaren ska dokumentera planen i journalen.13 Patienterna uppskattar planen.

{SEP}
12 16 kap. 4 § HSL.
13 3 kap. 1 § patientdatalagen (2008:355).
"""


def _rows(tmp_path: Path) -> tuple[list[dict], Path]:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "sip.txt").write_text(GUIDE, encoding="utf-8")
    index = tmp_path / "index"
    assert not ingest([folder], index).failed
    with Store.open(index, create=False, readonly=True) as store:
        return trace(store, doc_id="sip.txt"), index


def test_a_paragraph_closing_footnote_sources_every_normative_sentence_of_its_paragraph(tmp_path: Path):
    rows, index = _rows(tmp_path)
    sip = [r for r in rows if "plan" in r["sentence"].lower() and "journalen" not in r["sentence"]]
    assert len(sip) == 4
    for row in sip:
        assert row["sources"] == ["SFS 2017:30 16 kap. 4 §"], row["sentence"]
        assert row["via"] == "footnote"
    first = next(r for r in sip if r["sentence"].startswith("Regionen och kommunen"))
    assert first["actor"] == "region"  # "Regionen och kommunen ska": the subject, not an object
    # the next paragraph's own footnote stays its own; a sentence that states no norm has no row
    journal = next(r for r in rows if "journalen" in r["sentence"])
    assert journal["sources"] == ["SFS 2008:355 3 kap. 1 §"]
    assert not any("uppskattar" in r["sentence"] for r in rows)
    # the citation graph still counts the marker once
    with Store.open(index, create=False, readonly=True) as store:
        cited = xref(store, "16 kap. 4 § HSL")
    assert cited["citations"] == 1


def test_a_linked_question_is_no_requirement():
    from policykb.annotate.requirements import detect_requirement

    assert detect_requirement(
        "- På webbplatsen Vem får göra vad i hälso- och sjukvården och tandvården? https://www.socialstyrelsen.se/regler"
    ) is None
    assert detect_requirement("Regionen ska erbjuda kommunen konsultation. https://www.socialstyrelsen.se/x").actor == "region"
