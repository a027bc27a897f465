"""Entity mentions: forms, case rules, word boundaries, hard negatives, apposition."""

from __future__ import annotations

import pytest

from policykb.annotate.entities import labels, synonym_groups
from policykb.annotate.pipeline import find_entities


def found(text: str) -> list[tuple[str, str]]:
    return [(m.text, m.label) for m in find_entities(text)]


@pytest.mark.parametrize("text, expected", [
    ("MAS:en ansvarar", [("MAS:en", "ROLE:MAS")]),
    ("alla MAS:ar i länet", [("MAS:ar", "ROLE:MAS")]),
    ("medicinskt ansvariga sjuksköterskor", [("medicinskt ansvariga sjuksköterskor", "ROLE:MAS")]),
    ("Medicinskt Ansvarig för Rehabilitering", [("Medicinskt Ansvarig för Rehabilitering", "ROLE:MAR")]),
    ("MAR:s roll", [("MAR:s", "ROLE:MAR")]),
    ("patientansvarig läkare (PAL)", [("patientansvarig läkare", "ROLE:PAL"), ("PAL", "ROLE:PAL")]),
    ("en fast vårdkontakt", [("fast vårdkontakt", "ROLE:FAST_VARDKONTAKT")]),
    ("fasta vårdkontakter", [("fasta vårdkontakter", "ROLE:FAST_VARDKONTAKT")]),
    ("SIP:en", [("SIP:en", "PLAN:SIP")]),
    ("samordnade individuella planer", [("samordnade individuella planer", "PLAN:SIP")]),
    ("samordnad individuell plans innehåll", [("samordnad individuell plans", "PLAN:SIP")]),
    ("ett SIP-möte hölls", [("SIP", "PLAN:SIP")]),
    ("vårdplanen uppdateras", [("vårdplanen", "PLAN:VARDPLAN")]),
    ("Socialstyrelsens föreskrifter", [("Socialstyrelsens", "ORG:Socialstyrelsen")]),
    ("SOCIALSTYRELSEN", [("SOCIALSTYRELSEN", "ORG:Socialstyrelsen")]),
    ("Sveriges Kommuner och Regioners (SKR:s) arbete",
     [("Sveriges Kommuner och Regioners", "ORG:SKR"), ("SKR:s", "ORG:SKR")]),
    ("IVO:s tillsyn", [("IVO:s", "ORG:IVO")]),
    ("Inspektionen för vård och omsorg", [("Inspektionen för vård och omsorg", "ORG:IVO")]),
    ("Vårdanalys rapport", [("Vårdanalys", "ORG:Vardanalys")]),
    ("E-hälsomyndighetens tjänster", [("E-hälsomyndighetens", "ORG:E-halsomyndigheten")]),
    ("regeringen och riksdagen", [("regeringen", "ORG:Regeringen"), ("riksdagen", "ORG:Riksdagen")]),
    # apposition: the later, more specific name wins
    ("En individuell plan så kallad SIP är ett verktyg", [("individuell plan", "PLAN:SIP"), ("SIP", "PLAN:SIP")]),
])
def test_forms(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", [
    "En himla massa utredningar",
    "Smartare användning",
    "palliativa team och Palme",
    "I mars 2022 och i MARS",
    "den första vårdkontakten",
    "en nationell handlingsplan",
    "fördelning av patientansvar och fast läkarkontakt",
    "i Sveriges kommuner och regioner finns olika lösningar",  # lower case: not the organisation
    "regeringsformen och riksdagsbeslut",
    "masken, mas, sip, ivo",
    "vårdplanering",
])
def test_negatives(text):
    assert found(text) == []


def test_offsets_and_labels():
    text = "Denna gång inkom svar från 5 forskare och 3 MAR."
    (m,) = find_entities(text)
    assert text[m.start:m.end] == "MAR" and m.label == "ROLE:MAR"
    assert set(labels()) == {"ROLE:MAS", "ROLE:MAR", "ROLE:PAL", "ROLE:FAST_VARDKONTAKT", "PLAN:SIP", "PLAN:VARDPLAN",
                             "ORG:Socialstyrelsen", "ORG:SKR", "ORG:IVO", "ORG:Vardanalys", "ORG:E-halsomyndigheten",
                             "ORG:Regeringen", "ORG:Riksdagen"}


def test_synonym_groups():
    groups = synonym_groups()
    sip = next(g for g in groups if "SIP" in g)
    assert "samordnad individuell plan" in sip and "SIP:ar" in sip
    mas = next(g for g in groups if "MAS" in g)
    assert "medicinskt ansvarig sjuksköterska" in mas
    assert not any(g == [] for g in groups)


def test_inflected_and_glued_forms_found_in_real_text_are_tagged():
    # Issue 17.8: the genitive/definite of an abbreviation without its colon, the weak adjectives of a
    # multi-word role after a genitive, and a footnote number glued to an abbreviation.
    cases = {
        "IVOs tillsyn": [("IVOs", "ORG:IVO")],
        "enligt SKRs rapport": [("SKRs", "ORG:SKR")],
        "MARs uppgifter": [("MARs", "ROLE:MAR")],
        "SIPen upprättas": [("SIPen", "PLAN:SIP")],
        "patientens samordnade individuella plan": [("samordnade individuella plan", "PLAN:SIP")],
        "patientens fasta vårdkontakt": [("fasta vårdkontakt", "ROLE:FAST_VARDKONTAKT")],
        "den fasta vårdkontakten": [("fasta vårdkontakten", "ROLE:FAST_VARDKONTAKT")],
        "Det ansvarar MAS12.": [("MAS", "ROLE:MAS")],
        "Mars, massa och COVID19.": [],
    }
    for text, expected in cases.items():
        assert found(text) == expected, text
