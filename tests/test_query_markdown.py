"""Document text in policykb's Markdown and CSV: the one Markdown escaper (`query/markdown.py`)
and the CSV cell rule (`query/trace.py`), alone and in every renderer that uses them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from helpers.hostile import DOC_ID, TITLE
from markdown_it import MarkdownIt

from policykb.query.markdown import escape_cell, escape_inline, link
from policykb.query.trace import csv_cell, to_csv, to_markdown

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def rendered(markdown: str) -> str:
    """HTML as a CommonMark viewer with raw HTML allowed would show it."""
    return MarkdownIt("commonmark").render(markdown)


def assert_inert(html: str) -> None:
    """Nothing from the document became markup: no tag of its own, no link of its own."""
    for raw in ("<script", "<b>", "<i>", 'href="javascript'):
        assert raw not in html, raw


def test_escape_inline_keeps_document_text_literal():
    escaped = escape_inline(TITLE + "\n# second line *em* _em_ `code` a\\b")
    assert "\n" not in escaped and escaped.startswith("\\#")
    html = rendered(escaped)
    assert_inert(html)
    assert "<h1" not in html and "<em>" not in html and "<code>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "[x](javascript:alert(1))" in html
    assert "*em* _em_ `code` a\\b" in html


def test_links_are_made_only_to_http_addresses():
    assert link("SFS 2017:30 5 kap. 1 §", "https://lagen.nu/2017:30#K5P1") == (
        "[SFS 2017:30 5 kap. 1 §](https://lagen.nu/2017:30#K5P1)"
    )
    assert link("klicka [här]", "javascript:alert(1)") == "klicka \\[här\\]"
    assert link("x", "data:text/html,<script>") == "x"
    # a parenthesis would end the link target early: it is percent-encoded
    assert 'href="https://example.org/%28x%29"' in rendered(link("y", "https://example.org/(x)"))


def test_a_table_cell_stays_in_its_cell():
    assert escape_cell("a | b\nc <b>") == "a \\| b c \\<b\\>"


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_csv_cells_that_a_spreadsheet_would_run_are_prefixed(start: str):
    assert csv_cell(f"{start}1+1") == f"'{start}1+1"
    assert csv_cell("Kommunen ska 1+1") == "Kommunen ska 1+1"
    assert csv_cell(-5) == -5 and csv_cell("") == "" and csv_cell(None) is None


def _row(sentence: str, doc_id: str = "=HYPERLINK(\"http://x\")") -> dict:
    return {
        "doc_id": doc_id, "page": 0, "printed_page": None, "passage_id": 1, "heading": "-rubrik",
        "sentence": sentence, "modality": "obligation", "actor": "+kommun", "sources": ["SFS 2017:30 5 kap. 1 §"],
        "via": "inline", "links": [{"canonical": "SFS 2017:30 5 kap. 1 §", "url": "https://lagen.nu/2017:30#K5P1"}],
    }


def test_trace_csv_and_markdown_neutralise_hostile_rows():
    rows = [_row("=1+1 Kommunen ska"), _row("@SUM(A1:A9) Regionen ska"), _row("\tKommunen ska", doc_id="\r@x")]
    cells = [c for r in csv.reader(io.StringIO(to_csv(rows).lstrip("\ufeff"))) for c in r]
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert "'=1+1 Kommunen ska" in cells and "'@SUM(A1:A9) Regionen ska" in cells
    md = to_markdown([_row("<script>alert(1)</script> [x](javascript:alert(1))")])
    assert_inert(rendered(md))


# -- every renderer over a stored hostile document -------------------------------------------


def test_export_markdown_of_a_hostile_document(hostile_index: Path):
    from policykb.query.export import export_document
    from policykb.store import Store

    with Store.open(hostile_index, create=False, readonly=True) as store:
        md = export_document(store, DOC_ID, "md")
    html = rendered(md)
    assert_inert(html)
    assert html.count("<h1>") == 1 and "<h1>[/bold] &lt;script&gt;" in html  # the title, as written
    assert "[red]Förlag[/red] &lt;b&gt;x&lt;/b&gt;" in html  # the publisher


def test_trace_of_a_hostile_document(hostile_index: Path):
    from policykb.query.trace import trace
    from policykb.store import Store

    with Store.open(hostile_index, create=False, readonly=True) as store:
        rows = trace(store)
    assert rows and rows[0]["doc_id"] == DOC_ID
    assert_inert(rendered(to_markdown(rows)))
    cells = [c for r in csv.reader(io.StringIO(to_csv(rows).lstrip("\ufeff"))) for c in r]
    assert f"'{DOC_ID}" in cells and not [c for c in cells if c.startswith(FORMULA_STARTS)]


def test_remissvar_of_a_hostile_document(hostile_index: Path):
    from policykb.consult import consult, render_markdown
    from policykb.store import Store

    with Store.open(hostile_index, create=False, readonly=True) as store:
        md = render_markdown(consult(store, DOC_ID, searcher=None))
    html = rendered(md)
    assert_inert(html)
    assert html.count("<h1>") == 1 and "Remissvar: [/bold] &lt;script&gt;" in html
    assert 'href="https://lagen.nu/2017:30#K12P1"' in html  # policykb's own links still work
    assert "”Kommunen ska erbjuda" in md and "\\[/bold\\] när \\<b\\>det" in md  # the requirement quoted, escaped
