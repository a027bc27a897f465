"""Requirement detection: modality, actor, the non-normative uses of modal verbs, source choice."""

from __future__ import annotations

import pytest

from policykb.legal.canonical import hierarchy, within
from policykb.annotate.requirements import SourceRef, choose_sources, detect_requirement, normalise_actor


@pytest.mark.parametrize(
    ("sentence", "modality", "actor"),
    [
        ("Regionen ska avsätta de läkarresurser som behövs till kommunen.", "obligation", "region"),
        ("Vårdgivaren skall planera, leda och kontrollera verksamheten.", "obligation", "vårdgivare"),
        ("En region får överlåta ansvaret för hälso- och sjukvård till en kommun.", "permission", "region"),
        ("Huvudmännens riktlinjer får sedan ligga till grund för mera verksamhetsnära rutiner.", "permission", "unknown"),
        ("Inom hälso- och sjukvården får en arbetsuppgift delegeras till någon annan endast när det är förenligt "
         "med kravet på en god och säker vård.", "permission", "hälso- och sjukvården"),
        ("Läkemedel får inte förvaras i patientens kylskåp.", "prohibition", "unknown"),
        ("Vårdgivaren får dock inte överlåta ansvaret.", "prohibition", "vårdgivare"),
        ("En fast vårdkontakt bör kunna bistå patienter i att samordna vårdens insatser.", "recommendation",
         "fast vårdkontakt"),
        ("Delegering av medicinska arbetsuppgifter måste äga rum i väl organiserade former.", "obligation", "unknown"),
        ("Vårdgivaren ansvarar för att det finns ett ledningssystem.", "obligation", "vårdgivare"),
        ("Hälso- och sjukvårdspersonalen är skyldig att särskilt beakta ett barns behov av information.",
         "obligation", "hälso- och sjukvårdspersonal"),
        ("Kommunerna är också skyldiga att erbjuda anhörigstöd enligt SoL.", "obligation", "kommun"),
        ("En patient har rätt att få en fast vårdkontakt om patienten begär det.", "right", "patient"),
        ("Patienten har rätt till en förnyad medicinsk bedömning.", "right", "patient"),
        # a duty to give something to the patient is the patient's right
        ("En patient ska få möjlighet att välja en fast läkarkontakt.", "right", "patient"),
        ("Närstående ska få möjlighet att medverka vid utformningen av vården.", "right", "närstående"),
        # inverted word order: the subject follows the verb
        ("Om hjälpmedlet är en medicinteknisk produkt ska vårdgivaren genom rutiner säkerställa att användaren "
         "instrueras.", "obligation", "vårdgivare"),
        # reporting frames carry the norm of the law they report
        ("Av 6 kap. 1 § PSL följer att hälso- och sjukvårdspersonalen ska utföra sitt arbete i överensstämmelse "
         "med vetenskap och beprövad erfarenhet.", "obligation", "hälso- och sjukvårdspersonal"),
        ("Det är vårdgivaren som har det övergripande ansvaret för patientsäkerheten.", "obligation", "vårdgivare"),
        ("Den som delegerar en arbetsuppgift måste ha formell och reell kompetens.", "obligation",
         "hälso- och sjukvårdspersonal"),
    ],
)
def test_modality_and_actor(sentence: str, modality: str, actor: str):
    found = detect_requirement(sentence)
    assert found is not None, sentence
    assert (found.modality, found.actor) == (modality, actor)
    assert sentence[found.trigger_start : found.trigger_end] == found.trigger


@pytest.mark.parametrize(
    ("sentence", "actor"),
    [
        ("När hälso- och sjukvård ges i hemmet ska personalen ta hänsyn till patientens privatliv.",
         "hälso- och sjukvårdspersonal"),
        ("Om patienten begär det ska en fast vårdkontakt utses.", "fast vårdkontakt"),
        # after a fronted subordinate clause the subject follows the verb; actors inside the
        # subordinate clause are not bound
        ("Om det är mest ändamålsenligt att samordningen sker i primärvården ska olika insatser för patienten "
         "samordnas där.", "unknown"),
        ("Då ska regionen erbjuda hembesök.", "region"),
    ],
)
def test_main_clause_after_a_subordinate_clause(sentence: str, actor: str):
    found = detect_requirement(sentence)
    assert found is not None and found.modality == "obligation" and found.actor == actor


def test_a_modal_verb_inside_a_subordinate_clause_is_not_the_norm():
    assert detect_requirement(
        "Socialstyrelsen har fått information om att det kan uppstå risker när en sjuksköterska ansvarar för "
        "en stor mängd delegeringar.") is None
    assert detect_requirement("Det är viktigt att personalen vet vad de ska göra när de ska utföra uppgiften.") is None
    # a preposition "om" is not a subordinate clause
    assert detect_requirement("Uppgifter om patientens hälsa ska dokumenteras i journalen.").modality == "obligation"


def test_a_sentence_that_carries_law_keeps_norms_in_relative_clauses():
    sentence = "De läkarresurser som behövs ska regionerna avsätta till kommunerna."
    assert detect_requirement(sentence) is None
    found = detect_requirement(sentence, cites_law=True)
    assert found.modality == "obligation" and found.actor == "region"
    described = ("I föreskrifterna finns bland annat bestämmelser om vilka rutiner som ska finnas för förskrivning "
                 "av medicintekniska produkter.")
    assert detect_requirement(described) is None and detect_requirement(described, cites_law=True) is not None
    # a purpose clause stays a purpose clause
    assert detect_requirement("Regionerna samverkar för att patienten ska få en god vård.", cites_law=True) is None


def test_coordinated_subjects_are_all_bound():
    found = detect_requirement("Regionen och kommunen ska samverka så att en patient får övrig vård.")
    assert found.actor == "region" and found.actors == ("region", "kommun")


@pytest.mark.parametrize(
    "sentence",
    [
        # "får" meaning "receives"
        "Patienten får information om sin vård.",
        "Allt fler människor får hälso- och sjukvård i hemmet.",
        "Många patienter får också parallellt insatser från socialtjänsten.",
        "Barnet kan bli oroligt och få svåra upplevelser.",
        "Personer som får en personcentrerad vård kan också få bättre förståelse om sin sjukdom.",
        # purpose, goal, expectation, indirect question, relative clause
        "Samverkan mellan alla parter är en nyckelfaktor för att patienten ska få samordnade insatser.",
        "Ambitionen är att andelen i befolkningen som har en fast läkarkontakt ska öka.",
        "Patienterna förväntar sig att den ska vara utformad utifrån deras behov.",
        "Det behöver även finnas en plan för vad som ska göras vid en försämring och vilka kontakter som ska tas.",
        "Inför beslut om att en vårdinsats ska genomföras i hemmet behöver vården säkerställa kompetensen.",
        # questions and sentences without a norm
        "Vem får hälso- och sjukvård i hemmet?",
        "Hälso- och sjukvården omfattar även sjuktransporter och omhändertagande av avlidna.",
        "",
    ],
)
def test_not_a_requirement(sentence: str):
    assert detect_requirement(sentence) is None


def test_actor_spellings_normalise_to_labels():
    assert normalise_actor("Regionen") == "region"
    assert normalise_actor("vårdgivarna") == "vårdgivare"
    assert normalise_actor("IVO") == "IVO"
    assert normalise_actor("hälso- och sjukvårdspersonalen") == "hälso- och sjukvårdspersonal"
    assert normalise_actor("någon helt annan") is None


def _ref(kind: str, canonical: str, note: int | None = None) -> SourceRef:
    return SourceRef(None, kind, canonical, f"https://example/{canonical}", note)


def test_a_legal_footnote_is_the_basis_and_a_named_act_in_the_sentence_is_not():
    inline = [_ref("act", "SFS 2017:30")]
    footnote = [_ref("section", "SFS 2010:659 3 kap. 1 §", 58)]
    sources, via = choose_sources(inline, footnote)
    assert [s.canonical for s in sources] == ["SFS 2010:659 3 kap. 1 §"] and via == "footnote"


def test_inline_law_wins_over_a_footnote_citing_only_preparatory_works():
    sources, via = choose_sources([_ref("section", "SFS 2017:30 8 kap. 1 §")], [_ref("prop", "prop. 2019/20:164", 3)])
    assert [s.canonical for s in sources] == ["SFS 2017:30 8 kap. 1 §"] and via == "inline"
    sources, via = choose_sources([], [_ref("prop", "prop. 2019/20:164", 3)])
    assert [s.canonical for s in sources] == ["prop. 2019/20:164"] and via == "footnote"
    assert choose_sources([], []) == ([], None)


def test_sources_are_distinct_and_an_act_named_with_its_provisions_adds_nothing():
    footnote = [
        _ref("section", "SFS 2010:659 1 kap. 3 §"), _ref("chapter", "SFS 2010:659 3 kap."),
        _ref("act", "SFS 2010:659"), _ref("section", "SFS 2010:659 1 kap. 3 §"),
        _ref("act", "SFS 2017:30"),
    ]
    sources, _ = choose_sources([], footnote)
    assert [s.canonical for s in sources] == ["SFS 2010:659 1 kap. 3 §", "SFS 2010:659 3 kap.", "SFS 2017:30"]


def test_hierarchy_of_canonical_references():
    assert hierarchy("SFS 2017:30 2 kap. 3 §") == [
        ("section", "SFS 2017:30 2 kap. 3 §"), ("chapter", "SFS 2017:30 2 kap."), ("act", "SFS 2017:30"),
    ]
    assert hierarchy("SFS 2001:453 4 kap. 2 a §")[1] == ("chapter", "SFS 2001:453 4 kap.")
    assert hierarchy("SFS 1993:387 9 §") == [("section", "SFS 1993:387 9 §"), ("act", "SFS 1993:387")]
    assert hierarchy("SFS 2017:30 13 a kap.") == [("chapter", "SFS 2017:30 13 a kap."), ("act", "SFS 2017:30")]
    assert hierarchy("prop. 2019/20:164") == [("document", "prop. 2019/20:164")]
    assert hierarchy("HSLF-FS 2016:40") == [("document", "HSLF-FS 2016:40")]
    assert within("SFS 2017:30 2 kap. 3 §", "SFS 2017:30 2 kap.")
    assert not within("SFS 2017:30 2 kap. 3 §", "SFS 2017:3")
    assert not within("SFS 2017:30 12 kap. 3 §", "SFS 2017:30 2 kap.")
