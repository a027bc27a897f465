"""Page labels people cite (issue 17.1): the document's own printed page where it pins it down,
else the page's position in the file, never an uncertain page shown as if it were printed; one
convention in every output."""

from __future__ import annotations

import json
from collections import Counter

from helpers.paths import FIXTURES, REPO
from policykb.extract import extract
from policykb.extract.text import printed_from_self_references
from policykb.models import Block, Page
from policykb.query.pagelabel import page_label

SPOT_CHECKS = json.loads((FIXTURES / "pagelabels-004.json").read_text(encoding="utf-8"))


def _label_of(pages, snippet: str) -> str:
    # a heading is the block that is the snippet; a sentence is found inside its block
    found = [page for page in pages for block in page.blocks if " ".join(block.text.split()) == snippet] or [
        page for page in pages for block in page.blocks if snippet in " ".join(block.text.split())
    ]
    assert found, snippet
    return page_label(found[0].index, found[0].printed)


def test_forty_spot_checks_in_the_home_care_guidance():
    doc = extract(REPO / SPOT_CHECKS["document"])
    checks = SPOT_CHECKS["checks"]
    assert len(checks) == 40
    kinds = Counter(check["kind"] for check in checks)
    assert len(kinds) == 3 and min(kinds.values()) >= 5
    wrong = [(c["text"], c["label"], _label_of(doc.pages, c["text"])) for c in checks
             if _label_of(doc.pages, c["text"]) != c["label"]]
    assert wrong == []
    # the case of the report: the heading the document places on "sidan 23" was shown as s. 17
    assert _label_of(doc.pages, "Multiprofessionella team") == "s. 23"


def _pages(*bodies: list[tuple[str, str]]) -> list[Page]:
    return [Page(index=i, blocks=[Block(kind, text) for kind, text in body]) for i, body in enumerate(bodies)]


def test_anchors_that_agree_fill_the_pages_between_them_and_disagreeing_ones_do_not():
    refs = ("paragraph", "Mer information finns i Första avsnittet här på sidan 10, i Tredje avsnittet här "
            "sidan 12 och om Femte avsnittet här finns på sidan 16.")
    pages = _pages(
        [("heading", "Inledning till allt"), refs],
        [("heading", "Första avsnittet här"), ("paragraph", "Text om det första.")],
        [("paragraph", "Text om det andra.")],
        [("heading", "Tredje avsnittet här"), ("paragraph", "Text om det tredje.")],
        [("paragraph", "Text om det fjärde.")],
        [("heading", "Femte avsnittet här"), ("paragraph", "Text om det femte.")],
        [("paragraph", "Sista texten.")],
    )
    # pages 1 and 3 say 10 and 12: no break lost between them, page 2 is 11. Page 5 says 16,
    # four on for two positions: a break was lost in between, so page 4 is not known.
    assert printed_from_self_references(pages) == [None, "10", "11", "12", None, "16", None]


def test_a_reference_to_a_heading_that_occurs_twice_or_contradicts_itself_is_no_anchor():
    pages = _pages(
        [("paragraph", "Se Planera vården i hemmet på sidan 40 och i Hjälpmedel i hemmet på sidan 9.")],
        [("heading", "Planera vården i hemmet")],
        [("heading", "Planera vården i hemmet")],
        [("heading", "Hjälpmedel i hemmet"), ("paragraph", "Mer finns i Hjälpmedel i hemmet på sidan 12.")],
    )
    assert printed_from_self_references(pages) == [None, None, None, None]


def test_every_output_uses_one_page_convention(corpus_index):
    from policykb.query.search.searcher import search
    from policykb.query.trace import to_csv, trace
    from policykb.query.xref import xref
    from policykb.store import Store

    hits = [h.to_dict() for h in search(corpus_index, "multiprofessionella team i hemmet", k=10, mode="lexical")]
    assert hits
    for hit in hits:
        assert hit["page_index"] == hit["pages"][0]  # the old field kept, the new beside it
        assert hit["page_label"] in ("", f"s. {hit['printed']}" if hit["printed"] else f"sida {hit['page_index'] + 1} i filen")
    with Store.open(corpus_index, create=False, readonly=True) as store:
        rows = trace(store, doc_id="004_2be6a2c697e985af.txt")
        cited = xref(store, "HSL")
    assert rows and all(r["page_index"] == r["page"] and r["page_label"] == page_label(r["page"], r["printed"]) for r in rows)
    assert any(r["page_label"].startswith("s. ") for r in rows)
    header = to_csv(rows).lstrip("\ufeff").splitlines()[0].split(",")
    assert header[:3] == ["doc_id", "page_label", "page"]
    for doc in cited["documents"]:
        for hit in doc["hits"]:
            assert hit["page_index"] == hit["page"] and hit["printed"] == hit["printed_page"]
            assert hit["page_label"] == (f"s. {hit['printed']}" if hit["printed"] else
                                         (f"sida {hit['page'] + 1} i filen" if hit["page_label"] else ""))
