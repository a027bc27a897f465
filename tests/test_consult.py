"""The remiss helper: proposals found in a proposal document, evidence, and the remissvar skeleton."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policykb.chunk import chunk
from policykb.consult import consult, render_markdown, split_proposals
from policykb.consult.evidence import Analysis, Subject, best_quote, best_quote_for, distinct_words
from policykb.consult.render import citation
from policykb.ingest import ingest
from policykb.models import Block, Document, DocumentMeta, Page
from policykb.query.pagelabel import page_label
from policykb.errors import InputError
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


def test_a_table_keeps_what_who_and_when_apart_at_each_level(tmp_path: Path) -> None:
    rows = [
        ["Mål", "Förslag på åtgärd", "Ansvarig aktör", "Tidsplan"],
        ["1.1 Fler får rehabilitering i hemmet", "Inför ett nationellt kvalitetsregister för hemrehabilitering.", "Socialstyrelsen", "2027"],
        ["", "Utbilda personal i rehabiliterande arbetssätt.", "Kommuner", "2026–2028"],
        ["1.2 Jämlik tillgång", "Kartlägg väntetider till arbetsterapeut.", "Regioner", ""],
    ]
    table_text = "\n".join(" | ".join(r) for r in rows)
    page = Page(index=0, blocks=[Block(kind="heading", text="Handlingsplan", level=1), Block(kind="table", text=table_text, rows=rows)])
    doc = Document(DocumentMeta(doc_id="plan.pdf", path="/x/plan.pdf", sha256="0" * 64, source_format="pdf", title="Plan"), [page])
    with Store.open(tmp_path / "index") as store:
        store.write_document(doc, chunk(doc))
        actions = split_proposals(store, "plan.pdf", level="åtgärd")
        goals = split_proposals(store, "plan.pdf")
        with pytest.raises(InputError, match="unknown level"):
            split_proposals(store, "plan.pdf", level="kapitel")
    assert [p.kind for p in actions] == ["table-row"] * 3
    assert actions[0].text == "Inför ett nationellt kvalitetsregister för hemrehabilitering."
    assert (actions[0].actor, actions[0].when) == ("Socialstyrelsen", "2027")
    assert actions[1].context == "1.1 Fler får rehabilitering i hemmet"  # a merged cell holds for the row below
    assert actions[2].label == "1.2" and actions[2].when is None
    # a goal with its activities: one proposal, the actors beside the text, not in it
    assert [p.label for p in goals] == ["1.1", "1.2"]
    assert goals[0].text.splitlines() == ["1.1 Fler får rehabilitering i hemmet",
                                          "Inför ett nationellt kvalitetsregister för hemrehabilitering.",
                                          "Utbilda personal i rehabiliterande arbetssätt."]
    assert goals[0].actor == "Socialstyrelsen; Kommuner" and goals[0].when == "2027; 2026–2028"


def test_the_strategy_tables_keep_their_columns_apart(corpus_store: Store) -> None:
    by_label = {p.label: p for p in split_proposals(corpus_store, PROPOSAL_DOC)}
    # 2.1.4 stands in a row the text dump shifted one column left; 7.2.2 in rows shifted right
    assert by_label["2.1.4"].actor == "Högskolor och universitet Regioner och kommuner"
    assert "Utveckla samordning och samverkan mellan akademi" in by_label["2.1.4"].text
    assert "Högskolor" not in by_label["2.1.4"].text
    assert by_label["7.2.2"].text.count("\n") == 3 and "Lämplig myndighet" not in by_label["7.2.2"].text
    actions = split_proposals(corpus_store, PROPOSAL_DOC, level="åtgärd")
    assert len([p for p in actions if p.kind == "table-row"]) > 2 * len([p for p in by_label.values() if p.kind == "table-row"]) - 10
    areas = [p for p in split_proposals(corpus_store, PROPOSAL_DOC, level="fokusområde") if p.kind == "table-row"]
    assert [p.label for p in areas] == ["1", "2", "3", "4", "5", "6", "7"]


def test_remiss_particulars_are_read_from_the_document(corpus_store: Store) -> None:
    from policykb.consult.remiss import find_deadline, find_diarienummer, find_remissinstanser, remiss_metadata

    meta = remiss_metadata(corpus_store, PROPOSAL_DOC)
    assert meta["diarienummer"] == "S2025/00109" and meta["identifier"] == "2026-5-10283"
    assert find_deadline("Remissvaren ska ha kommit in till Socialdepartementet senast den 12 maj 2026.") == "2026-05-12"
    assert find_deadline("Svar senast 2026-06-01 till s.remissvar@regeringskansliet.se") == "2026-06-01"
    assert find_diarienummer("Vårt dnr: 4.1-12345/2025\nÄrende") == "4.1-12345/2025"
    assert find_diarienummer("Remiss av promemorian. Fi2023/01234 Finansdepartementet") == "Fi2023/01234"
    assert find_remissinstanser([("heading", "Remissinstanser"), ("paragraph", "Socialstyrelsen\nInspektionen för vård och omsorg\nSveriges Kommuner och Regioner"),
                                 ("heading", "Remissvaren")]) == ["Socialstyrelsen", "Inspektionen för vård och omsorg", "Sveriges Kommuner och Regioner"]


def test_a_bill_states_its_proposals_under_labels_and_per_provision(tmp_path: Path) -> None:
    index, doc_id = _ingest_text(
        tmp_path,
        "proposition.md",
        "# Regeringens proposition om etablering\n\n"
        "## 2.1 Förslag till lag om ändring i lagen (2010:197) om etableringsinsatser\n\n"
        "Härigenom föreskrivs att 5 och 7 §§ lagen ska ha följande lydelse.\n\n"
        "5 § En etableringsplan ska upphöra att gälla när den nyanlände fått ett arbete.\n\n"
        "7 § Arbetsförmedlingen får besluta att planen förlängs.\n\n"
        "## 5 Etableringsplanens upphörande\n\n"
        "Regeringens förslag: En etableringsplan ska upphöra att gälla när den nyanlände har arbetat sex månader.\n\n"
        "Remissinstanserna: Flera remissinstanser föreslår att tiden blir kortare.\n\n"
        "Regeringens bedömning: Kommunerna bör erbjuda samhällsorientering tidigt.\n\n"
        "## 6 Ikraftträdande\n\nRegeringens förslag: Lagändringarna ska träda i kraft den 1 augusti 2014.\n",
    )
    with Store.open(index, create=False, readonly=True) as store:
        proposals = split_proposals(store, doc_id)
    assert [(p.kind, p.label) for p in proposals if p.kind == "provision"] == [("provision", "5 §"), ("provision", "7 §")]
    labelled = [p.text for p in proposals if p.kind == "labelled"]
    assert labelled == [
        "Regeringens förslag: En etableringsplan ska upphöra att gälla när den nyanlände har arbetat sex månader.",
        "Regeringens bedömning: Kommunerna bör erbjuda samhällsorientering tidigt.",
        "Regeringens förslag: Lagändringarna ska träda i kraft den 1 augusti 2014.",
    ]
    # what the remissinstanser propose is their view, not the bill's proposal
    assert not any("Remissinstanserna" in p.text for p in proposals)


def test_a_document_without_proposals_offers_its_headings(tmp_path: Path) -> None:
    index, doc_id = _ingest_text(
        tmp_path, "rapport.md",
        "# En lägesrapport\n\n## Bakgrund\n\nHemsjukvården har vuxit.\n\n## Resultat\n\nFler får vård hemma.\n",
    )
    with Store.open(index, create=False, readonly=True) as store:
        result = consult(store, doc_id, searcher=None, evidence=0)
    assert result.proposals == []
    assert "no proposals found" in result.warnings[0] and "does not look like a remiss" in result.warnings[0]
    assert [h["text"] for h in result.headings] == ["En lägesrapport", "Bakgrund", "Resultat"]
    markdown = render_markdown(result)
    assert "- Bakgrund" in markdown and "## Övriga synpunkter" in markdown


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


def test_only_statements_of_their_own_are_quoted(corpus_index: Path) -> None:
    """A table row (another bill's `Nuvarande lydelse | Föreslagen lydelse`), a figure's source
    line and a sentence cut from its start are not quoted; a layout's link stub is trimmed."""
    from policykb.query.search import Searcher

    with Store.open(corpus_index, create=False, readonly=True) as store:
        analysis = Analysis(store, Searcher(corpus_index))
        subject = Subject(query="", terms={t: 1.0 for t in analysis.terms("förskrivning hjälpmedel vårdövergång")},
                          references=set(), entities=set())
        assert subject.terms
        table = ("Nuvarande lydelse | Föreslagen lydelse 5 § | 5 § Förskrivning av hjälpmedel ska ske enligt "
                 "förskrivningsprocessen vid varje vårdövergång i kommunen.")
        assert best_quote_for(analysis, table, subject) == ("", [])
        caption = "Källa: förskrivning av hjälpmedel vid en vårdövergång, Socialstyrelsen 2022 och senare år."
        assert best_quote_for(analysis, caption, subject) == ("", [])
        fragment = "och förskrivning av hjälpmedel vid varje vårdövergång ska följas upp av den som förskriver."
        assert best_quote_for(analysis, fragment, subject) == ("", [])
        statement = ("Den som förskriver ett hjälpmedel behöver följa förskrivningsprocessen vid varje vårdövergång. "
                     "➔ Läs mer:")
        quote, shared = best_quote_for(analysis, statement, subject)
        assert quote.startswith("Den som förskriver") and "Läs mer" not in quote and shared


def test_two_forms_of_one_word_are_one_subject_word() -> None:
    # "Strategin föreslås gälla i 8 år": `strategin` and its lemma `strategi` are one word, so the
    # subject is too thin (fewer than MIN_SUBJECT_TERMS words) to tell evidence from chance.
    assert distinct_words({"strategi", "strategin", "habilitering"}) == {"strategi", "habilitering"}
    assert distinct_words({"förskrivning", "hjälpmedel", "vårdövergång"}) == {"förskrivning", "hjälpmedel", "vårdövergång"}
    assert distinct_words(set()) == set()


def test_evidence_comes_from_other_documents_and_shares_the_subject(corpus_index: Path) -> None:
    from policykb.query.search import Searcher

    searcher = Searcher(corpus_index)
    with Store.open(corpus_index, create=False, readonly=True) as store:
        result = consult(store, PROPOSAL_DOC, searcher=searcher, evidence=2)
        limited = consult(store, PROPOSAL_DOC, searcher=searcher, evidence=2, max_proposals=6)
    assert len(limited.proposals) == 6 and any("only the first 6" in w for w in limited.warnings)
    shown = [e for p in result.proposals for e in p.evidence]
    assert shown, "the strategy's proposals on ICF, care transitions and prescribing have evidence in the corpus"
    by_label = {p.label: p for p in result.proposals}
    assert any("ICF" in e.quote for e in by_label["4.1.2"].evidence)
    for p in result.proposals:
        assert len(p.evidence) <= 2
        if not p.evidence:
            assert p.evidence_note.startswith("Inget underlag hittades")
        for e in p.evidence:
            assert e.doc_id != PROPOSAL_DOC and e.quote and e.title and e.matched
            assert e.group in {"law", "guidance", "report"}
    # a passage is quoted for the proposal it fits best, again only as another's best
    seen: dict[int, int] = {}
    for p in result.proposals:
        for e in p.evidence:
            seen[e.passage_id] = seen.get(e.passage_id, 0) + 1
    assert max(seen.values()) <= 2
    # the bare "Strategin föreslås gälla i 8 år" has no subject another document could support
    eight_years = next(p for p in result.proposals if p.text.startswith("Strategin föreslås gälla i 8 år"))
    assert not eight_years.evidence and eight_years.evidence_note
    # the note names the proposal's own words, once each (not the index's stems, nor `strategi` and `strategin`)
    for p in result.proposals:
        if p.evidence_note:
            listed = p.evidence_note.rsplit("(", 1)[1].rstrip(").").split(", ")
            context = " ".join(filter(None, (p.text, p.heading, p.context))).lower()
            assert all(word in context for word in listed) and len(set(listed)) == len(listed), p.evidence_note
    markdown = render_markdown(result)
    first = shown[0]
    assert f"*{first.title}*" in markdown and "[^1]:" in markdown
    assert "Inget underlag hittades" in markdown
    # the one page convention (query.pagelabel): the printed page, else the page of the file
    assert page_label(first.page, first.printed_page, first.doc_id not in result.unpaged) in markdown
    # the proposal document is a text dump without page breaks: its proposals are not given an invented "s. 1"
    assert PROPOSAL_DOC in result.unpaged
    heading_lines = [line for line in markdown.splitlines() if line.startswith("*") and not line.startswith("**")
                     and not line.startswith("*Gällande") and not line.startswith("*Myndigheters") and not line.startswith("*Andra")]
    assert heading_lines and not any("s. " in line for line in heading_lines)
    for p in result.proposals:
        for e in p.evidence:
            if e.doc_id in result.unpaged and not e.printed_page:
                assert "s. " not in citation(e, paged=False)


def test_sources_narrow_and_exclude_where_evidence_comes_from(corpus_index: Path) -> None:
    from policykb.consult import Sources
    from policykb.query.search import Searcher

    searcher = Searcher(corpus_index)
    with Store.open(corpus_index, create=False, readonly=True) as store:
        only = consult(store, PROPOSAL_DOC, searcher=searcher, sources=Sources(include=["guidance"]))
        without = consult(store, PROPOSAL_DOC, searcher=searcher, sources=Sources(exclude=["004_2be6a2c697e985af.txt"]))
        with pytest.raises(InputError, match="--sources 'nosuch'"):
            consult(store, PROPOSAL_DOC, searcher=searcher, sources=Sources(include=["nosuch"]))
        with pytest.raises(InputError, match="never counts as its own evidence"):
            consult(store, PROPOSAL_DOC, searcher=searcher, sources=Sources(include=[PROPOSAL_DOC]))
    assert {e.doc_id for p in only.proposals for e in p.evidence} <= {"004_2be6a2c697e985af.txt"}
    assert "004_2be6a2c697e985af.txt" not in {e.doc_id for p in without.proposals for e in p.evidence}
    assert {e.group for p in only.proposals for e in p.evidence} <= {"guidance"}


def test_consult_command_prints_markdown_or_json(corpus_index: Path) -> None:
    md = run_cli("consult", PROPOSAL_DOC, "--index-dir", str(corpus_index), "--evidence", "0")
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("# Remissvar:") and "Ställningstagande:" in md.stdout
    js = run_cli("consult", PROPOSAL_DOC, "--index-dir", str(corpus_index), "--format", "json", "--evidence", "0")
    assert js.returncode == 0, js.stderr
    data = json.loads(js.stdout)
    assert data["document"]["doc_id"] == PROPOSAL_DOC and len(data["proposals"]) >= 20
    assert data["remiss"]["diarienummer"] == "S2025/00109"
    assert all(p["id"] for p in data["proposals"]) and data["proposals"][1]["actor"]
    bad = run_cli("consult", PROPOSAL_DOC, "--index-dir", str(corpus_index), "--sources", "nosuch")
    assert bad.returncode == 2 and "--sources 'nosuch'" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["okänd.txt"], "no document with id"),
        ([PROPOSAL_DOC, "--format", "pdf"], "--format"),
        ([PROPOSAL_DOC, "--evidence", "50"], "--evidence"),
        ([PROPOSAL_DOC, "--level", "kapitel"], "--level"),
    ],
)
def test_consult_command_errors(corpus_index: Path, args: list[str], words: str) -> None:
    result = run_cli("consult", *args, "--index-dir", str(corpus_index))
    assert result.returncode == 2
    assert words in result.stderr and "Traceback" not in result.stderr
