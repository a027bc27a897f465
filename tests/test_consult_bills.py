"""The remiss helper on a bill (issue 18, round 3): its own proposals read once, law-making
vocabulary taken for form, and no evidence from another bill's proposal text or from the
consulted bill's own parts. The fixtures are small real extracts of the shapes met in
prop. 2008/09:5, 2012/13:187 and 2013/14:104 (the shared PDFs are not needed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from policykb.chunk import chunk
from policykb.consult import consult, split_proposals
from policykb.consult.evidence import (
    Analysis,
    Subject,
    best_quote_for,
    document_parts,
    not_quotable,
    procedural,
    proposal_subject,
)
from policykb.models import Block, Document, DocumentMeta, Page
from policykb.store import Store
from policykb.swedish.analyzer import Analyzer


def _doc(doc_id: str, pages: list[Page], *, identifier: str | None = None, kind: str | None = None,
         path: str | None = None) -> Document:
    return Document(
        DocumentMeta(doc_id=doc_id, path=path or f"/x/{doc_id}", sha256=str(abs(hash(doc_id))).rjust(64, "0"),
                     source_format="pdf", title=doc_id, identifier=identifier, kind=kind),
        pages,
    )


@contextmanager
def _quoting(tmp_path: Path, indexed_text: str, subject_words: str) -> Iterator[tuple[Analysis, Subject]]:
    """An index of one short document, and a subject of `subject_words`, to ask `best_quote_for` with."""
    doc = _doc("other.pdf", [Page(index=0, blocks=[Block(kind="paragraph", text=indexed_text)])])
    with Store.open(tmp_path / "index") as store:
        store.write_document(doc, chunk(doc))
        analysis = Analysis(store, None)
        yield analysis, Subject(query="", terms={t: 1.0 for t in analysis.terms(subject_words)},
                                references=set(), entities=set())


LYDELSE_HEADER = ["Nuvarande lydelse", "Föreslagen lydelse"]
LAW_TABLE = [
    LYDELSE_HEADER,
    ["3 kap. 7 § Den som låter utföra byggnads- eller anläggningsarbete ansvarar för samordningen.",
     # the number on a line of its own, as a PDF's table cell has it
     "3 kap.\n7 § Den som låter utföra byggnads- eller anläggningsarbete ska utse en byggarbetsmiljösamordnare."],
    ["", "7 a § Byggarbetsmiljösamordnaren ska samordna planeringen av arbetsmiljöarbetet på arbetsstället."],
]


def _bill() -> Document:
    def table(rows: list[list[str]]) -> Block:
        return Block(kind="table", text="\n".join(" | ".join(r) for r in rows), rows=rows)

    pages = [
        Page(index=0, printed="1", blocks=[
            Block(kind="heading", text="2.1 Förslag till lag om ändring i arbetsmiljölagen (1977:1160)", level=2),
            Block(kind="paragraph", text="Härigenom föreskrivs att 3 kap. 7 § arbetsmiljölagen ska ha följande lydelse."),
            table(LAW_TABLE),
        ]),
        Page(index=1, printed="2", blocks=[
            Block(kind="heading", text="5 Byggarbetsmiljösamordnare", level=2),
            Block(kind="paragraph", text="Regeringens förslag: Den som låter utföra ett byggnads- eller anläggningsarbete "
                                         "ska utse en lämplig byggarbetsmiljösamordnare."),
            # extraction took the first line of a paragraph for a heading: the rest continues it
            Block(kind="heading", text="Promemorians förslag (Ds 2008:24): Överensstämmer i sak med", level=3),
            Block(kind="paragraph", text="regeringens förslag. I promemorian föreslås dock att samordnaren utses tidigare."),
            Block(kind="heading", text="Skälen för regeringens förslag: Den föreslagna lagändringen bör", level=3),
            Block(kind="paragraph", text="träda i kraft så snart som möjligt. Bestämmelsen bör tillämpas på alla nya bygglov."),
        ]),
        Page(index=2, printed="3", blocks=[
            Block(kind="heading", text="Lagrådsremissens lagförslag", level=1),
            Block(kind="heading", text="Förslag till lag om ändring i arbetsmiljölagen (1977:1160)", level=2),
            table(LAW_TABLE),
        ]),
        Page(index=3, printed="4", blocks=[]),  # a scanned appendix page without a text layer
        Page(index=4, printed="5", blocks=[]),
        Page(index=5, printed="6", blocks=[]),
    ]
    return _doc("prop-2008-09-5.pdf", pages, identifier="prop. 2008/09:5", kind="proposition")


def test_a_bill_states_each_proposal_once_and_from_a_sentence_start(tmp_path: Path) -> None:
    bill = _bill()
    with Store.open(tmp_path / "index") as store:
        store.write_document(bill, chunk(bill))
        proposals = split_proposals(store, bill.meta.doc_id)
    provisions = [p for p in proposals if p.kind == "provision"]
    # the proposed column only (the law as it stands is not proposed), and not again from the
    # lagrådsremiss's law proposal in the appendix
    assert [p.label for p in provisions] == ["3 kap. 7 §", "7 a §"]
    assert provisions[0].text == ("3 kap. 7 § Den som låter utföra byggnads- eller anläggningsarbete ska utse en "
                                  "byggarbetsmiljösamordnare.")
    assert all("ansvarar för samordningen" not in p.text for p in proposals)
    assert [p.text for p in proposals if p.kind == "labelled"] == [
        "Regeringens förslag: Den som låter utföra ett byggnads- eller anläggningsarbete ska utse en lämplig "
        "byggarbetsmiljösamordnare."
    ]
    # a line taken for a heading is joined to its continuation: nothing starts mid-sentence
    assert all(not p.text[:1].islower() for p in proposals)
    assert len({p.text for p in proposals}) == len(proposals)


def test_law_making_vocabulary_is_form_not_subject() -> None:
    analyzer = Analyzer(split_compounds=False)
    form = ("Beslutet kan överklagas till allmän förvaltningsdomstol. Lagen träder i kraft den 1 augusti 2014 "
            "och övergångsbestämmelserna gäller enligt 3 kap. 1–3 §§; bemyndigandet att meddela föreskrifter "
            "justeras språkligt. Den gäller senast den 31 juli och tidigast den 1 augusti.")
    terms = {t.term for t in analyzer.tokens(form) if len(t.term) > 2}
    assert terms and all(procedural(t) for t in terms), [t for t in terms if not procedural(t)]
    direction = {t.term for t in analyzer.tokens("Stödet ska stärkas och förbättras; det har stor betydelse.")
                 if len(t.term) > 2}
    assert {t for t in direction if not procedural(t)} <= {"stöd", "ska"}, direction
    subject = {t.term for t in analyzer.tokens("etableringsplanen byggarbetsmiljösamordnare legitimation vårdövergångar")}
    assert not any(procedural(t) for t in subject)


def test_a_procedural_proposal_has_no_subject_to_find_evidence_for(tmp_path: Path) -> None:
    bill = _bill()
    with Store.open(tmp_path / "index") as store:
        store.write_document(bill, chunk(bill))
        analysis = Analysis(store, None)
        analysis.consulted(bill.meta.doc_id)
        proposal = split_proposals(store, bill.meta.doc_id)[0]
        proposal.text = "Regeringens förslag: Lagändringarna ska träda i kraft den 1 augusti 2014 och beslut får överklagas."
        subject = proposal_subject(store, analysis, proposal, references=set())
    assert subject.terms == {}


def test_another_documents_proposal_text_is_not_evidence(tmp_path: Path) -> None:
    lagtext = "Regeringens proposition 2012/13:187 › 2 Lagtext › 2.1 Förslag till lag om ändring i skollagen (2010:800)"
    assert not_quotable("15 § En legitimerad lärare har ansvar för undervisningen.", lagtext, "proposition")
    assert not_quotable("7 § Etableringsplanen ska utformas tillsammans med den nyanlände.",
                        "Prop. 2013/14:104 › Promemorians lagförslag (Ds 2013:69)", "proposition")
    assert not not_quotable("Lärare med lång erfarenhet bör kunna bli behöriga.",
                            "Regeringens proposition 2012/13:187 › 4 Lärare och förskollärare med lång yrkeserfarenhet",
                            "proposition")
    with _quoting(tmp_path, "Text om etableringsplaner.", "etableringsplan nyanländ arbete") as (analysis, subject):
        labelled = ("Regeringens förslag: En etableringsplan ska upphöra när den nyanlände avvisar ett erbjudet "
                    "lämpligt arbete utan godtagbart skäl.")
        assert best_quote_for(analysis, labelled, subject) == ("", [])
        reasons = ("En nyanländ som avvisar ett lämpligt arbete utan godtagbart skäl bör inte längre ha kvar sin "
                   "etableringsplan.")
        assert best_quote_for(analysis, reasons, subject)[0] == reasons
        # a change of law stated in running text is that document's proposal too
        repeal = ("Vid samma tidpunkt bör också bestämmelsen i lagen om etableringsinsatser för nyanlända om "
                  "ersättning för arbete upphävas.")
        assert best_quote_for(analysis, repeal, subject) == ("", [])


def test_the_consulted_documents_parts_never_support_it(tmp_path: Path) -> None:
    def pages(printed: list[str]) -> list[Page]:
        return [Page(index=i, printed=p, blocks=[Block(kind="paragraph", text=f"Artikel {p}. Medlemsstaterna ska se "
                                                       "till att en samordnare utses för varje byggarbetsplats.")])
                for i, p in enumerate(printed)]

    bill = _bill()
    docs = [
        bill,
        # its scanned appendix, ingested as a file of its own: named as the bill's part ...
        _doc("prop-2008-09-5-bilaga1-scanned.pdf", pages(["4", "5", "6"])),
        # ... or named otherwise, but printed on the pages the bill holds without text
        _doc("bilaga-skannad.pdf", pages(["4", "5", "6"])),
        # another copy under the same identifier
        _doc("kopia.pdf", pages(["1", "2"]), identifier="Prop. 2008/09:5"),
        # a regulation that happens to share some page numbers is not a part
        _doc("afs-2011-19.pdf", pages([str(n) for n in range(2, 20)]), identifier="AFS 2011:19", kind="regulation"),
    ]
    with Store.open(tmp_path / "index") as store:
        for doc in docs:
            store.write_document(doc, chunk(doc))
        parts = document_parts(store, bill.meta.doc_id)
        result = consult(store, bill.meta.doc_id, searcher=None, evidence=0)
    assert parts == {"prop-2008-09-5.pdf", "prop-2008-09-5-bilaga1-scanned.pdf", "bilaga-skannad.pdf", "kopia.pdf"}
    assert result.proposals


def test_a_proposal_stated_in_its_documents_topic_needs_a_quote_on_that_topic(tmp_path: Path) -> None:
    """`förebygga ohälsa och olycksfall` is every work-environment text's purpose formula: a quote
    sharing only it is not about a proposal on building-site coordinators."""
    from policykb.consult.evidence import TOPIC_SHARE

    topic_words = "byggarbetsmiljösamordnaren arbetsstället byggherren"
    filler = " ".join(f"Avsnittet beskriver del {n} av skälen, remissinstansernas synpunkter och konsekvenserna." for n in range(12))
    bill = _doc("bill.pdf", [Page(index=i, blocks=[
        Block(kind="heading", text=f"{i + 1} Avsnitt {i + 1}", level=2),
        Block(kind="paragraph", text=f"Stycke {i}: {topic_words} ska samordna arbetet och förebygga ohälsa. {filler}"),
    ]) for i in range(6)], kind="proposition")
    other = _doc("regler.pdf", [Page(index=0, blocks=[Block(kind="paragraph", text=(
        "Arbetsgivaren ska förebygga ohälsa och olycksfall. Byggarbetsmiljösamordnaren ska samordna arbetet."))])])
    with Store.open(tmp_path / "index") as store:
        for doc in (bill, other):
            store.write_document(doc, chunk(doc))
        analysis = Analysis(store, None)
        analysis.consulted("bill.pdf")
        assert store.conn.execute("SELECT count(*) FROM passages WHERE doc_id = 'bill.pdf'").fetchone()[0] >= 6
        topic = {t.term for t in analysis.analyzer.tokens(topic_words) if analysis.is_topic(t.term)}
        assert topic and TOPIC_SHARE == 0.5
        subject = Subject(query="", terms={t: 1.0 for t in topic | {"ohäls", "olycksfal"}}, references=set(),
                          entities=set(), topic=topic)
        assert subject.stated_in_topic
        assert not Subject(query="", terms={"ohäls": 1.0, "olycksfal": 1.0, "förebyg": 1.0}, references=set(),
                           entities=set(), topic=set()).stated_in_topic


def _ingest_texts(tmp_path: Path, files: dict[str, str]) -> tuple[Path, list[str]]:
    from policykb.ingest import ingest

    sources = []
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        sources.append(tmp_path / name)
    report = ingest(sources, tmp_path / "index")
    assert not report.failed, report.failed
    return tmp_path / "index", report.added


FILLER_TOPICS = [
    "buller från maskiner", "belysning vid bildskärmsarbete", "vibrationer i handhållna verktyg", "nattarbete och vila",
    "kemiska ämnen i laboratorier", "ergonomi vid lyft", "psykosocial arbetsmiljö", "första hjälpen och krisstöd",
    "personlig skyddsutrustning", "stegar och arbetsbockar", "truckar och lyftanordningar", "smittrisker i vården",
    "ensamarbete i hemtjänsten", "minderåriga i arbetslivet", "strålning från röntgen", "tryckbärande anordningar",
    "arbete på väg", "asbest vid rivning", "kylrum och kyla", "värme i gjuterier",
]


def test_a_quote_sharing_only_a_purpose_formula_is_not_evidence_for_a_topical_proposal(tmp_path: Path) -> None:
    """The topic gate end to end: on a bill about building-site coordinators, a regulation's
    `förebygga ohälsa och olycksfall` sentence shares three key words of the proposal, but none
    of the bill's topic; the sentence that names the coordinator is kept."""
    from policykb.consult.evidence import document_info, gather_candidates
    from policykb.query.search import Searcher

    bill = "# Regeringens proposition om byggarbetsmiljösamordnare\n\n" + "".join(
        f"## {n} Byggarbetsmiljösamordnarens uppgifter del {n}\n\n"
        f"Byggarbetsmiljösamordnaren på arbetsstället ska enligt avsnitt {n} samordna byggherrens planering. "
        f"Byggherren utser byggarbetsmiljösamordnaren för arbetsstället.\n\n"
        for n in range(1, 9)
    ) + ("## 9 Samordnarens ansvar\n\nRegeringens förslag: Byggarbetsmiljösamordnaren som byggherren utser ska samordna arbetet "
         "för att förebygga ohälsa och olycksfall på arbetsstället.\n")
    # enough other passages that the bill's words are rare in the index, as in a real one
    places = ["industrin", "vården", "skolan", "handeln", "jordbruket", "transporterna"]
    rules = "# Arbetsmiljöverkets föreskrifter\n\n" + "".join(
        f"## {i + 1} Om {topic} i {place}\n\nArbetsgivaren ska undersöka riskerna med {topic} i {place} och "
        f"dokumentera åtgärderna i en handlingsplan.\n\n"
        for i, (topic, place) in enumerate((t, p) for t in FILLER_TOPICS for p in places)
    ) + "## 130 Syfte\n\nArbetsgivaren ska med dessa regler förebygga ohälsa och olycksfall i arbetet.\n"
    guidance = ("# Vägledning om byggarbetsplatser\n\n## Gemensamt arbetsställe\n\nPå ett gemensamt arbetsställe "
                "ska byggarbetsmiljösamordnaren samordna skyddsåtgärderna så att ohälsa och olycksfall förebyggs.\n")
    index, (bill_id, rules_id, guidance_id) = _ingest_texts(
        tmp_path, {"proposition.md": bill, "foreskrifter.md": rules, "vagledning.md": guidance})
    searcher = Searcher(index)
    with Store.open(index, create=False, readonly=True) as store:
        analysis = Analysis(store, searcher)
        analysis.consulted(bill_id)
        proposal = next(p for p in split_proposals(store, bill_id) if p.text.startswith("Regeringens förslag"))
        subject = proposal_subject(store, analysis, proposal, references=set())
        assert subject.stated_in_topic, (subject.terms, subject.topic)

        def quotes(s: Subject, allowed: set[str]) -> list[str]:
            return [c.evidence.quote for c in gather_candidates(
                store, searcher, analysis, proposal, s, consulted=bill_id, allowed=allowed, mode="lexical",
                doc_info=document_info(store))]

        ungated = Subject(subject.query, subject.terms, subject.references, subject.entities, topic=set())
        formula_only = quotes(ungated, {rules_id})
        gated = quotes(subject, {rules_id})
        topical = quotes(subject, {rules_id, guidance_id})
    formula = "Arbetsgivaren ska med dessa regler förebygga ohälsa och olycksfall i arbetet."
    assert formula_only == [formula]  # it does share three of the proposal's key words ...
    assert gated == []  # ... but none of the bill's topic
    assert topical == ["På ett gemensamt arbetsställe ska byggarbetsmiljösamordnaren samordna skyddsåtgärderna så "
                       "att ohälsa och olycksfall förebyggs."]


def test_a_source_list_and_a_list_of_professions_are_not_evidence(tmp_path: Path) -> None:
    with _quoting(tmp_path, "Text om primärvård.", "primärvårdsreform tillgänglig logoped psykolog") as (analysis, subject):
        sources = ("Följande propositioner har varit viktiga utgångspunkter i arbetet:\n"
                   "- Proposition 2019/20:164. Inriktningen för en nära och tillgänglig vård – en primärvårdsreform.\n"
                   "- God och nära vård. En primärvårdsreform - Delbetänkande av utredningen (SOU 2018:39).")
        assert best_quote_for(analysis, sources, subject) == ("", [])
        professions = ("Inom rehabiliteringsområdet arbetar flera olika yrkesgrupper, som till exempel arbetsterapeuter, "
                       "dietister, fysioterapeuter, logopeder eller psykologer.")
        assert best_quote_for(analysis, professions, subject) == ("", [])
        # a statement that cites a document, and one about the professions, stay quotable
        statement = ("- Regeringen föreslår i prop. 2019/20:164 att en primärvårdsreform ska göra vården mer "
                     "tillgänglig för patienterna.")
        assert best_quote_for(analysis, statement, subject)[0]
        about = "Logopeder och psykologer saknar i dag en reglerad specialistutbildning i primärvården."
        assert best_quote_for(analysis, about, subject)[0] == about
        # a table read as running text, from its caption on (a note marker before it)
        caption = ("Planer regleras i lag. 103 Tabell 1 Översikt av planer i primärvården Plan Reglering Syftet är att "
                   "Av planen ska det framgå tillgänglig primärvårdsreform")
        quote, _ = best_quote_for(analysis, caption, subject)
        assert "Tabell" not in quote


def test_what_a_regulation_or_a_directive_states_is_not_a_proposal(tmp_path: Path) -> None:
    """Shapes met in SSMFS 2018:5, AFS 2023:15 and dir. 2016:15 (the helper's round 4 read them as proposals)."""
    levels = [["Undersökning/Socialstyrelsens åtgärdskod", "Radionuklid", "Läkemedel",
               "Diagnostisk referensnivå – administrerad aktivitet"],
              ["Hjärna/7111", "I-123", "Ioflupan (FP-CIT)", "200 MBq"],
              ["Lunga – perfusion/7311", "Tc-99m", "MAA", "100 MBq"]]
    pages = [
        Page(index=0, printed="1", blocks=[
            Block(kind="heading", text="Nuklearmedicinska undersökningar av vuxna", level=2),
            Block(kind="table", text="\n".join(" | ".join(r) for r in levels), rows=levels),
            Block(kind="heading", text="12 kap. Läkares anmälan och läkares rekommendationer", level=2),
            Block(kind="paragraph", text="1 § Läkare ska anmäla sjukdomar som kan ha samband med arbetet till "
                                         "Arbetsmiljöverket."),
            Block(kind="heading", text="Uppdraget", level=2),
            Block(kind="paragraph", text="Om utredaren kommer fram till att det krävs kompletterande bestämmelser, "
                                         "ska sådana föreslås. Informationshanteringsutredningen föreslår en sådan "
                                         "reglering i förslaget till myndighetsdatalag (SOU 2015:39)."),
            # the document's own identifier, a running header inside a sentence, does not make it another's
            Block(kind="paragraph", text="Eftertaxering föreslås inte få ske om beslutet skulle Prop. 1991/92:43 "
                                         "framstå som uppenbart oskäligt."),
        ]),
    ]
    doc = _doc("mixed.pdf", pages, identifier="Prop. 1991/92:43")
    with Store.open(tmp_path / "index") as store:
        store.write_document(doc, chunk(doc))
        proposals = split_proposals(store, "mixed.pdf")
    assert [p.text for p in proposals] == [
        "Eftertaxering föreslås inte få ske om beslutet skulle Prop. 1991/92:43 framstå som uppenbart oskäligt."
    ]


def test_another_documents_talk_of_its_own_proposal_is_not_evidence(tmp_path: Path) -> None:
    with _quoting(tmp_path, "Text om medicinska kontroller.", "medicinska kontroller små företag referensnivå") as (
            analysis, subject):
        for text in ("Förslaget bedöms inte ha några konsekvenser för små företags förutsättningar eller för "
                     "medicinska kontroller.",
                     "1. Dessa föreskrifter träder i kraft den 1 januari 2020, då föreskrifterna om diagnostiska "
                     "referensnivåer för medicinska kontroller upphör att gälla."):
            assert best_quote_for(analysis, text, subject) == ("", []), text
        statement = "Små företag behöver stöd för att kunna erbjuda medicinska kontroller till sina anställda."
        assert best_quote_for(analysis, statement, subject)[0] == statement
        # what rules cover, and the lead-in of a list, say nothing of the subject themselves
        for text in ("1 § Bestämmelserna om dosgränser i 2 kap. 1 § gäller inte när medicinska kontroller görs "
                     "för små företag.",
                     "Rekommendationerna om medicinska kontroller för små företag lyfter särskilt följande:"):
            assert best_quote_for(analysis, text, subject) == ("", []), text
        # a link stub after a statement is not a lead-in
        linked = "Små företag kan få stöd med medicinska kontroller av företagshälsovården. ➔ Läs mer:"
        assert best_quote_for(analysis, linked, subject)[0].startswith("Små företag kan få stöd")


def test_one_quote_is_shown_once_for_a_proposal() -> None:
    from policykb.consult.evidence import Candidate, assign_evidence
    from policykb.consult.model import Evidence

    def candidate(passage_id: int, quote: str, relevance: float, rank: int) -> Candidate:
        evidence = Evidence(doc_id="afs.pdf", title="AFS", identifier=None, publisher=None, page=0, printed_page=None,
                            passage_id=passage_id, heading="", quote=quote, score=relevance, group="law", url=None,
                            matched=[])
        return Candidate(evidence=evidence, coverage=relevance, shared=[], search_score=0.0, rank=rank)

    repeated = "2. En klinisk undersökning av hjärta och lungor."
    chosen = assign_evidence({"p1": [candidate(1, repeated, 0.6, 0), candidate(2, repeated, 0.55, 1),
                                     candidate(3, "Arbetsgivaren ska erbjuda en medicinsk kontroll.", 0.5, 2)]}, 3)
    assert [e.passage_id for e in chosen["p1"]] == [1, 3]
    # nearly the same words (two bills' impact statements) are one quote too
    impact = ("Förslaget bedöms inte ha några eller endast försumbara konsekvenser för företagande eller små "
              "företags förutsättningar, övriga ansvariga myndigheters administrationskostnader och miljön.")
    again = impact.replace("och miljön", "eller för miljön")
    chosen = assign_evidence({"p1": [candidate(1, impact, 0.6, 0), candidate(2, again, 0.55, 1)]}, 3)
    assert [e.passage_id for e in chosen["p1"]] == [1]


def test_the_quote_gate_weighs_the_models_reading_with_the_words_shared(tmp_path: Path) -> None:
    """A quote passes the gate on the embedding model's cosine together with the proposal's distinctive
    words it holds: a quote on the proposal's point passes at a cosine at which one sharing none of
    its words does not, and the same quote read as far by the model does not pass either."""
    from policykb.consult.evidence import GATE_FLOOR, Candidate, _through_the_gate, gate_features, gate_score
    from policykb.consult.model import Evidence, Proposal

    # twenty documents on other things, so that the proposal's words are distinctive in the index
    files = {f"d{n}.txt": f"Arbetsmiljö\n\nDetta avsnitt handlar om {topic} och vad arbetsgivaren bör tänka på."
             for n, topic in enumerate(FILLER_TOPICS)}
    files["fall.txt"] = "Fall\n\nFallprevention i rehabiliteringen minskar antalet höftfrakturer bland äldre i ordinärt boende."
    index, _ = _ingest_texts(tmp_path, files)

    def candidate(passage_id: int, quote: str) -> Candidate:
        evidence = Evidence(doc_id="fall.txt", title="Kunskapsstöd", identifier=None, publisher=None, page=0,
                            printed_page=None, passage_id=passage_id, heading="", quote=quote, score=1.0,
                            group="guidance", url=None, matched=[])
        return Candidate(evidence=evidence, coverage=0.5, shared=[], search_score=1.0)

    class Scored:
        """A searcher whose model scores quotes by a table."""

        def __init__(self, scores: dict[str, float]) -> None:
            self.scores, self.asked = scores, []

        def similarity(self, query: str, texts: list[str], passage_ids: list | None = None) -> list[float]:
            self.asked.append(query)
            return [self.scores[t] for t in texts]

    with Store.open(index, create=False, readonly=True) as store:
        analysis = Analysis(store, None)
        proposal = Proposal(number=9, label="9", kind="labelled", heading="", context=None,
                            text="Förslag 9: Fallprevention i rehabiliteringen efter höftfrakturer.", page=0,
                            printed_page=None, passage_id=None)
        near = candidate(1, "Fallprevention i rehabiliteringen minskar antalet höftfrakturer bland äldre.")
        far = candidate(2, "Demensteam arbetar i ordinärt boende med stöd till anhöriga.")
        shared = gate_features(analysis, proposal.text, near.evidence.quote, 0.88)
        assert shared[1] == 1.0 and shared[2] > 0  # every distinctive word of the proposal, several of them
        assert gate_features(analysis, proposal.text, far.evidence.quote, 0.88)[1:] == (0.0, 0.0)

        model = Scored({near.evidence.quote: 0.88, far.evidence.quote: 0.88})
        assert _through_the_gate(model, analysis, proposal, [near, far]) == [near]
        assert model.asked == [proposal.text[:300]]
        # the same words, read by the model as far from the proposal
        assert gate_score(gate_features(analysis, proposal.text, near.evidence.quote, 0.80)) < GATE_FLOOR
        assert _through_the_gate(Scored({near.evidence.quote: 0.80}), analysis, proposal, [near]) == []
        # without a model (a lexical-only searcher) the lexical test alone decides
        assert _through_the_gate(object(), analysis, proposal, [near, far]) == [near, far]
