"""annotate/: `annotate(doc)` tags every block and footnote of a document with one context, and
the one spaCy pipeline composes the reference and entity components."""

from __future__ import annotations

from policykb.annotate import annotate
from policykb.annotate.pipeline import find_entities_by_paragraph, pipeline
from policykb.models import Block, Document, DocumentMeta, Footnote, Page


def _doc(pages: list[Page], date: str | None = None) -> Document:
    return Document(meta=DocumentMeta("d.txt", "/x/d.txt", "0" * 64, "txt", date=date), pages=pages)


def test_every_block_and_footnote_is_tagged_with_one_document_context():
    pages = [
        Page(index=0, blocks=[Block("paragraph", "Patientsäkerhetslagen (2010:659), PSL, gäller. MAS:en ansvarar.")],
             footnotes=[Footnote(1, "Se 2 kap. 3 § HSL.")]),
        Page(index=1, blocks=[Block("heading", "Ansvar"), Block("paragraph", "Enligt 3 kap. 1 § PSL ska IVO granska.")]),
    ]
    ticks = []
    result = annotate(_doc(pages), progress=lambda stage, done, total, item: ticks.append((stage, done, total, item)))
    by_place = {(i.page_index, i.block_ordinal, i.footnote_number): i for i in result.items}
    assert set(by_place) == {(0, 0, None), (0, None, 1), (1, 0, None), (1, 1, None)}
    assert [m.label for m in by_place[(0, 0, None)].mentions] == ["ROLE:MAS"]
    assert [r.canonical for r in by_place[(0, None, 1)].references] == ["SFS 2017:30 2 kap. 3 §"]
    # The abbreviation defined on page 1 resolves on page 2.
    assert [r.canonical for r in by_place[(1, 1, None)].references] == ["SFS 2010:659 3 kap. 1 §"]
    assert [m.label for m in by_place[(1, 1, None)].mentions] == ["ORG:IVO"]
    assert by_place[(1, 1, None)].block_char_start == len("Ansvar") + 2
    assert ticks == [("annotate", 1, 2, "d.txt"), ("annotate", 2, 2, "d.txt")]


def test_the_document_date_decides_which_sol_is_meant():
    page = Page(index=0, blocks=[Block("paragraph", "Enligt 4 kap. 1 § SoL har den enskilde rätt till bistånd.")])
    before = annotate(_doc([page], date="2024-05-01")).items[0].references[0].canonical
    after = annotate(_doc([page], date="2026-01-01")).items[0].references[0].canonical
    assert before == "SFS 2001:453 4 kap. 1 §" and after.startswith("SFS 2025:400")


def test_one_pipeline_with_both_components_and_long_texts_by_paragraph():
    nlp = pipeline()
    assert nlp.pipe_names == ["policykb_legal_references", "policykb_entities"]
    text = "MAS ansvarar.\n\n" + ("Ett stycke utan något. " * 20 + "\n\n") * 3 + "SIP upprättas."
    mentions = find_entities_by_paragraph(text)
    assert [(text[m.start:m.end], m.label) for m in mentions] == [("MAS", "ROLE:MAS"), ("SIP", "PLAN:SIP")]
