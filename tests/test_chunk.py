"""Passages: sized by words, never across headings or documents, offsets and footnotes kept."""

from __future__ import annotations

from policykb.chunk import chunk
from policykb.models import Block, Document, DocumentMeta, Footnote, Page


def _para(n: int, word: str = "ord") -> str:
    return " ".join(f"{word}{i}" for i in range(n)) + "."


def _doc(pages: list[Page]) -> Document:
    return Document(DocumentMeta("d.txt", "/d.txt", "x", "txt", title="T"), pages)


def test_passages_close_at_the_target_and_never_pass_the_maximum():
    page = Page(0, [Block("heading", "Rubrik", level=1)] + [Block("paragraph", _para(50)) for _ in range(8)])
    passages = chunk(_doc([page]), target_words=120, max_words=220)
    sizes = [len(p.text.split()) for p in passages]
    assert all(s <= 220 for s in sizes)
    assert sizes[0] >= 120
    assert sum(sizes) == 400


def test_headings_split_and_name_passages():
    page = Page(
        0,
        [
            Block("heading", "Kapitel", level=1),
            Block("paragraph", _para(30, "a")),
            Block("heading", "Avsnitt", level=2),
            Block("paragraph", _para(30, "b")),
        ],
    )
    passages = chunk(_doc([page]))
    assert [p.heading_path for p in passages] == [["Kapitel"], ["Kapitel", "Avsnitt"]]
    assert passages[0].text.startswith("a0") and passages[1].text.startswith("b0")


def test_offsets_point_into_the_page_text_and_footnotes_follow_their_markers():
    first = Block("paragraph", "Kommunen ansvarar för hemsjukvård.", markers=[(33, 1)])
    page = Page(0, [first, Block("paragraph", "Regionen ansvarar för läkarinsatser.")], footnotes=[Footnote(1, "Se 12 kap. HSL.")])
    passages = chunk(_doc([page]))
    assert len(passages) == 1
    p = passages[0]
    assert page.text[p.char_start : p.char_end].startswith("Kommunen ansvarar")
    assert page.text[p.char_start : p.char_end].endswith("läkarinsatser.")
    assert [f.number for f in p.footnotes] == [1]


def test_a_very_long_paragraph_is_cut_at_sentence_ends():
    long = " ".join(f"Mening nummer {i} har några ord till." for i in range(80))
    passages = chunk(_doc([Page(0, [Block("paragraph", long)])]), target_words=120, max_words=220)
    assert len(passages) > 1
    assert all(p.text.rstrip().endswith(".") for p in passages)
    assert all(len(p.text.split()) <= 220 for p in passages)
