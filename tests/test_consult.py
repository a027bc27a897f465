"""The remiss helper: proposals found in a proposal document, evidence, and the remissvar skeleton."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policykb.chunk import chunk
from policykb.consult import consult, render_markdown, split_proposals
from policykb.consult.evidence import best_quote
from policykb.consult.render import citation
from policykb.ingest import ingest
from policykb.models import Block, Document, DocumentMeta, Page
from policykb.store import Store

from helpers.cli import run_cli

PROPOSAL_DOC = "003_98179518a3d1e638.txt"


@pytest.fixture(scope="module")
def corpus_store(corpus_index: Path):
    with Store.open(corpus_index, create=False, readonly=True) as store:
        yield store


def test_the_action_plan_is_split_into_its_numbered_sub_goals(corpus_store: Store) -> None:
    proposals = split_proposals(corpus_store, PROPOSAL_DOC)
    rows = [p for p in proposals if p.kind == "table-row"]
    labels = [p.label for p in rows]
    # Every sub-goal of the seven focus areas, in reading order, each once.
    assert labels == sorted(labels, key=lambda s: [int(x) for x in s.split(".")])
    assert len(labels) == len(set(labels)) >= 24
    assert {"1.1.1", "2.1.4", "4.1.4", "5.3.1", "6.2.2", "7.1.3", "7.2.2"} <= set(labels)
    by_label = {p.label: p for p in rows}
    # The activities proposed for a sub-goal are in its text; its goal is the context.
    assert "Etablera ett nationellt nav" in by_label["6.2.2"].text
    assert by_label["6.2.2"].context.startswith("6.2 ")
    assert by_label["4.1.4"].context.startswith("4.1 ")  # the table continued after a page break
    assert by_label["2.1.1"].heading == "Fokusområde 2: Satsa på kompetensförsörjning"
    assert all("<p>" not in p.text for p in proposals)


def test_proposing_sentences_are_found_and_mere_mentions_are_not(corpus_store: Store) -> None:
    sentences = [p.text for p in split_proposals(corpus_store, PROPOSAL_DOC) if p.kind == "sentence"]
    assert any(s.startswith("Socialstyrelsen föreslår att den övergripande uppföljningen") for s in sentences)
    assert "Strategin föreslås gälla i 8 år." in sentences
    assert any("delutvärdering" in s for s in sentences)
    # An announcement of a list and a relative clause about proposals are not proposals.
    assert not any("föreslår Socialstyrelsen flertalet aktiviteter" in s for s in sentences)
    assert not any("De aktiviteter som föreslås" in s for s in sentences)
    # The summary repeats the proposals; it is skipped.
    assert not any("åttaårig" in s for s in sentences)


def test_proposals_know_their_page_and_passage(corpus_store: Store) -> None:
    for p in split_proposals(corpus_store, PROPOSAL_DOC):
        row = corpus_store.get_passage(p.passage_id)
        assert row["doc_id"] == PROPOSAL_DOC
        assert row["page_start"] <= p.page <= row["page_end"]


def _ingest_text(tmp_path: Path, name: str, text: str) -> tuple[Path, str]:
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    index = tmp_path / "index"
    report = ingest([source], index)
    assert not report.failed, report.failed
    return index, report.added[0]


def test_labelled_numbered_and_section_proposals(tmp_path: Path) -> None:
    index, doc_id = _ingest_text(
        tmp_path,
        "betankande.md",
        "# Ett betänkande om hemsjukvård\n\n"
        "## Bakgrund\n\nHemsjukvården har vuxit under tio år. Kommunerna ansvarar för den.\n\n"
        "Förslag 1: Kommunerna ska få statsbidrag för att anställa fler sjuksköterskor i hemsjukvården.\n\n"
        "## Utredningens förslag\n\n"
        "1. En nationell samordnare för hemsjukvård inrättas.\n\n"
        "2. Socialstyrelsen ges i uppdrag att följa upp hemsjukvården årligen.\n\n"
        "## Förslag till lag om ändring i hälso- och sjukvårdslagen\n\n"
        "Härigenom föreskrivs att 12 kap. 1 § hälso- och sjukvårdslagen ska ha följande lydelse.\n\n"
        "## Konsekvenser\n\n"
        "Kostnaderna för de förslag som föreslås ryms inom ramen. Vi föreslår att reformen utvärderas efter fem år.\n",
    )
    with Store.open(index, create=False, readonly=True) as store:
        proposals = split_proposals(store, doc_id)
    found = [(p.kind, p.label, p.text) for p in proposals]
    assert ("labelled", "1", "Förslag 1: Kommunerna ska få statsbidrag för att anställa fler sjuksköterskor i hemsjukvården.") in found
    assert [(k, label) for k, label, t in found if k == "numbered"] == [("numbered", "1"), ("numbered", "2")]
    section = [p for p in proposals if p.kind == "section"]
    assert len(section) == 1 and section[0].heading.startswith("Förslag till lag om ändring")
    assert "12 kap. 1 §" in section[0].text
    sentences = [t for k, _, t in found if k == "sentence"]
    assert sentences == ["Vi föreslår att reformen utvärderas efter fem år."]
    assert [p.number for p in proposals] == list(range(1, len(proposals) + 1))


def test_a_table_with_a_proposal_column_gives_one_proposal_per_row(tmp_path: Path) -> None:
    rows = [
        ["Mål", "Förslag på åtgärd", "Ansvarig aktör"],
        ["1.1 Fler får rehabilitering i hemmet", "Inför ett nationellt kvalitetsregister för hemrehabilitering.", "Socialstyrelsen"],
        ["", "Utbilda personal i rehabiliterande arbetssätt.", "Kommuner"],
        ["1.2 Jämlik tillgång", "Kartlägg väntetider till arbetsterapeut.", "Regioner"],
    ]
    table_text = "\n".join(" | ".join(r) for r in rows)
    page = Page(index=0, blocks=[Block(kind="heading", text="Handlingsplan", level=1), Block(kind="table", text=table_text, rows=rows)])
    doc = Document(DocumentMeta(doc_id="plan.pdf", path="/x/plan.pdf", sha256="0" * 64, source_format="pdf", title="Plan"), [page])
    with Store.open(tmp_path / "index") as store:
        store.write_document(doc, chunk(doc))
        proposals = split_proposals(store, "plan.pdf")
    assert [p.kind for p in proposals] == ["table-row"] * 3
    assert proposals[0].text == "Inför ett nationellt kvalitetsregister för hemrehabilitering. (Förslag på aktör: Socialstyrelsen)"
    assert proposals[1].context == "1.1 Fler får rehabilitering i hemmet"  # a merged cell holds for the row below
    assert proposals[2].label == "1.2"


def test_the_remissvar_skeleton_has_one_heading_and_position_line_per_proposal(corpus_store: Store) -> None:
    result = consult(corpus_store, PROPOSAL_DOC, searcher=None, evidence=0)
    markdown = render_markdown(result)
    assert markdown.startswith("# Remissvar: Förslag: Nationell strategi och handlingsplan för rehabilitering och habilitering (2026-5-10283)")
    assert markdown.count("\nStällningstagande: ") == len(result.proposals)
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings[0] == "## Sammanfattning" and headings[-1] == "## Övriga synpunkter"
    assert len(headings) == len(result.proposals) + 2
    assert "## 2. 1.1.1 Det finns kunskapsstöd och vägledning" in markdown
    data = result.to_dict()
    assert json.loads(json.dumps(data))["proposals"][0]["text"] == result.proposals[0].text


def test_best_quote_picks_the_sentences_that_match() -> None:
    text = (
        "Inledningen handlar om något annat. Kommunen ansvarar för hemsjukvården. "
        "Fast vårdkontakt ska utses för patienter med behov av samordning. Sista meningen är irrelevant."
    )
    quote = best_quote(text, "fast vårdkontakt samordning patienter", [])
    assert "Fast vårdkontakt ska utses" in quote and len(quote) <= 380
    assert not quote.startswith("Inledningen")


def test_evidence_comes_from_other_documents_with_full_citations(corpus_index: Path) -> None:
    from policykb.query.search import Searcher

    searcher = Searcher(corpus_index)
    with Store.open(corpus_index, create=False, readonly=True) as store:
        result = consult(store, PROPOSAL_DOC, searcher=searcher, evidence=2, max_proposals=6)
    assert len(result.proposals) == 6 and any("only the first 6" in w for w in result.warnings)
    for p in result.proposals:
        assert 1 <= len(p.evidence) <= 2
        for e in p.evidence:
            assert e.doc_id != PROPOSAL_DOC and e.quote and e.title
    markdown = render_markdown(result)
    first = result.proposals[0].evidence[0]
    assert f"*{first.title}*" in markdown and "s. " in markdown
    # the proposal document is a text dump without page breaks: its proposals are not given an invented "s. 1"
    assert PROPOSAL_DOC in result.unpaged
    heading_lines = [line for line in markdown.splitlines() if line.startswith("*") and not line.startswith("**")]
    assert heading_lines and not any("s. " in line for line in heading_lines)
    for p in result.proposals:
        for e in p.evidence:
            if e.doc_id in result.unpaged and not e.printed_page:
                assert "s. " not in citation(e, paged=False)


def test_consult_command_prints_markdown_or_json(corpus_index: Path) -> None:
    md = run_cli("consult", PROPOSAL_DOC, "--index-dir", str(corpus_index), "--evidence", "0")
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("# Remissvar:") and "Ställningstagande:" in md.stdout
    js = run_cli("consult", PROPOSAL_DOC, "--index-dir", str(corpus_index), "--format", "json", "--evidence", "0")
    assert js.returncode == 0, js.stderr
    data = json.loads(js.stdout)
    assert data["document"]["doc_id"] == PROPOSAL_DOC and len(data["proposals"]) >= 20


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["okänd.txt"], "no document with id"),
        ([PROPOSAL_DOC, "--format", "pdf"], "--format"),
        ([PROPOSAL_DOC, "--evidence", "50"], "--evidence"),
    ],
)
def test_consult_command_errors(corpus_index: Path, args: list[str], words: str) -> None:
    result = run_cli("consult", *args, "--index-dir", str(corpus_index))
    assert result.returncode == 2
    assert words in result.stderr and "Traceback" not in result.stderr
