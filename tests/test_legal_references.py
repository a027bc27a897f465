"""The reference parser: canonical forms, lists and ranges, detail, acts by date, definitions, anaphora, negatives."""

from __future__ import annotations

import pytest

from policykb.errors import InputError
from policykb.legal import ReferenceContext, find_references, parse_reference, reference_url
from policykb.legal.lawbook import load_lawbook, synonym_groups


def canon(text: str, **kwargs) -> list[str]:
    return [r.canonical for r in find_references(text, **kwargs)]


@pytest.mark.parametrize("text, expected", [
    ("enligt 2 kap. 3 § HSL", ["SFS 2017:30 2 kap. 3 §"]),
    ("4 kap. 2 a § SoL", ["SFS 2001:453 4 kap. 2 a §"]),
    ("9 § LSS", ["SFS 1993:387 9 §"]),
    ("3 kap. patientsäkerhetslagen", ["SFS 2010:659 3 kap."]),
    ("hälso- och sjukvårdslagen (2017:30)", ["SFS 2017:30"]),
    ("hälso- och sjukvårdslagens bestämmelser", ["SFS 2017:30"]),
    ("lagen (1993:387) om stöd och service till vissa funktionshindrade", ["SFS 1993:387"]),
    ("lagen om stöd och service till vissa funktionshindrade", ["SFS 1993:387"]),
    ("enligt HSL 5 kap.", ["SFS 2017:30 5 kap."]),
    ("SFS 2017:30 2 kap. 3 §", ["SFS 2017:30 2 kap. 3 §"]),
    ("13 a kap. 1 § HSL", ["SFS 2017:30 13 a kap. 1 §"]),
    ("6 kap 2§ PSL.", ["SFS 2010:659 6 kap. 2 §"]),
    ("8 kap. 7 § och 12 kap. 5 § i HSL", ["SFS 2017:30 8 kap. 7 §", "SFS 2017:30 12 kap. 5 §"]),
    ("4 kap. 4 § lagen (2017:612) om samverkan vid utskrivning från sluten hälso- och sjukvård, LUS.",
     ["SFS 2017:612 4 kap. 4 §"]),
    ("Regeringens proposition 2019/20:164", ["prop. 2019/20:164"]),
    ("Prop. 2019/20:164, s. 11-12.", ["prop. 2019/20:164"]),
    ("Regeringens proposition Primärvård, privata vårdgivare m.m. 1994/95:195, s. 41.", ["prop. 1994/95:195"]),
    ("Regeringens proposition. Åligganden för personal m.m. 1993/94:149, s. 67.", ["prop. 1993/94:149"]),
    ("Regeringens proposition om vård. Beslut 2019/20:266 fattades.", []),
    ("(SOU \n2020:19)", ["SOU 2020:19"]),
    ("Ds 2023:23", ["Ds 2023:23"]),
    ("dir. 2020:5", ["dir. 2020:5"]),
    ("bet. 2019/20:SoU8 och rskr. 2019/20:266", ["bet. 2019/20:SoU8", "rskr. 2019/20:266"]),
    ("SOSFS 2011:9", ["SOSFS 2011:9"]),
    ("AFS 2020:1", ["AFS 2020:1"]),
    ("förordning (EU) 2016/679", ["CELEX 32016R0679"]),
    ("direktiv 95/46/EG", ["CELEX 31995L0046"]),
    ("rådets förordning (EEG) nr 2092/91", ["CELEX 31991R2092"]),
    ("EU:s dataskyddsförordning", ["CELEX 32016R0679"]),
])
def test_canonical_forms(text, expected):
    assert canon(text) == expected


def test_lists_and_ranges_expand_to_sections():
    assert canon("5 kap. 1 och 4 §§ HSL") == ["SFS 2017:30 5 kap. 1 §", "SFS 2017:30 5 kap. 4 §"]
    assert canon("12 kap. 1 och 3 §§ och 16 kap. 1 § HSL") == [
        "SFS 2017:30 12 kap. 1 §", "SFS 2017:30 12 kap. 3 §", "SFS 2017:30 16 kap. 1 §"]
    assert canon("3 kap. 5-7 §§ HSL") == [f"SFS 2017:30 3 kap. {n} §" for n in (5, 6, 7)]
    refs = find_references("3 kap. 5–7 §§ HSL")
    assert [r.detail.get("range") for r in refs] == ["start", "inner", "end"]
    assert canon("4 kap. 7 a-9 §§ RB") == ["SFS 1942:740 4 kap. 7 a §", "SFS 1942:740 4 kap. 8 §", "SFS 1942:740 4 kap. 9 §"]
    assert canon("26 d - 26 f §§ brottsbalken") == [f"SFS 1962:700 26 {x} §" for x in "def"]
    assert canon("4 kap. 1 § och 2 a §§ SoL") == ["SFS 2001:453 4 kap. 1 §", "SFS 2001:453 4 kap. 2 a §"]
    # the gold case of the issue
    assert canon("Se 1 kap. 1 § och 5 kap. 1 och 4 §§ HSL samt 1 kap. 3 § och 3 kap. patientsäkerhetslagen "
                 "(2010:659), PSL.") == ["SFS 2017:30 1 kap. 1 §", "SFS 2017:30 5 kap. 1 §", "SFS 2017:30 5 kap. 4 §",
                                         "SFS 2010:659 1 kap. 3 §", "SFS 2010:659 3 kap."]


def test_stycke_punkt_in_detail_and_url_not_canonical():
    (ref,) = find_references("5 kap. 1 § första stycket 2 HSL")
    assert ref.canonical == "SFS 2017:30 5 kap. 1 §"
    assert ref.detail == {"stycke": 1, "punkt": "2"}
    assert ref.url == "https://lagen.nu/2017:30#K5P1S1N2"
    refs = find_references("1 kap. 4 § första stycket 2-6 PSL")
    assert {r.canonical for r in refs} == {"SFS 2010:659 1 kap. 4 §"}
    assert [r.detail["punkt"] for r in refs] == ["2", "3", "4", "5", "6"]
    (ref,) = find_references("6 kap. 3 § andra stycket PSL")
    assert ref.url.endswith("#K6P3S2")
    (ref,) = find_references("13 a kap. 1 § punkt 3 HSL")
    assert ref.url == "https://lagen.nu/2017:30#K13aP1S1N3"
    (ref,) = find_references("Prop. 1993/94:149, s. 117.")
    assert ref.detail == {"page": "117"} and ref.url == "https://lagen.nu/prop/1993/94:149#sid117"


def test_regulation_provisions_stay_in_detail():
    (ref,) = find_references("64 9 kap. 1 § Socialstyrelsens föreskrifter och allmänna råd (HSLF-FS 2017:37) om ordination")
    assert ref.canonical == "HSLF-FS 2017:37" and ref.kind == "regulation"
    assert ref.detail["chapter"] == "9" and ref.detail["section"] == "1"
    (ref,) = find_references("130 3 kap. 1§ första stycket 2 HSLF-FS 2021:52.")
    assert ref.canonical == "HSLF-FS 2021:52" and ref.detail == {"chapter": "3", "section": "1", "stycke": 1, "punkt": "2"}
    # an unknown agency series takes its provision with it: nothing is guessed
    assert canon("2 kap. 3 § Vägverkets föreskrifter VVFS 1996:200") == []


def test_sol_is_resolved_by_date():
    assert canon("enligt SoL", date="2024-12-31") == ["SFS 2001:453"]
    assert canon("enligt SoL", date="2025-07-01") == ["SFS 2025:400"]
    assert canon("enligt SoL", date="2026-03") == ["SFS 2025:400"]
    assert canon("socialtjänstlagen", date="2026") == ["SFS 2025:400"]
    assert canon("enligt HSL", date="2010-05-01") == ["SFS 1982:763"]
    assert canon("enligt SoL") == ["SFS 2001:453"]  # undated: the lawbook's undated_as_of date
    # an explicit number always wins over the date
    assert canon("socialtjänstlagen (2001:453)", date="2026-01-01") == ["SFS 2001:453"]


def test_definitions_apply_to_later_blocks():
    context = ReferenceContext(date="2026-01-01")
    assert canon("Se lagen (2022:913) om sammanhållen vård- och omsorgsdokumentation, LSVO.", context=context) == [
        "SFS 2022:913"]
    assert canon("Enligt 3 kap. 1 § LSVO ska", context=context) == ["SFS 2022:913 3 kap. 1 §"]
    # a document's own definition overrides the date rule for SoL
    context = ReferenceContext(date="2026-01-01")
    find_references("socialtjänstlagen (2001:453), SoL", context=context)
    assert canon("4 kap. 1 § SoL", context=context) == ["SFS 2001:453 4 kap. 1 §"]
    # a name learned from `NAME (number)` is valid after its definition only
    context = ReferenceContext()
    assert canon("Påhittadelagen gäller.", context=context) == []
    assert canon("påhittadelagen (1960:729) gäller", context=context) == ["SFS 1960:729"]
    assert canon("Enligt 3 § påhittadelagen", context=context) == ["SFS 1960:729 3 §"]


def test_anaphora():
    assert canon("enligt 6 kap. lagen (1998:674) om inkomstgrundad ålderspension efter samordning enligt "
                 "12 kap. 10 § samma lag") == ["SFS 1998:674 6 kap.", "SFS 1998:674 12 kap. 10 §"]
    assert canon("Enligt HSL ska vården vara god och den lagen kräver mer.") == ["SFS 2017:30", "SFS 2017:30"]
    # `lagen` with no act named before it in the sentence is generic
    assert canon("inom lagens ram och enligt lagen") == []
    assert canon("HSL gäller. Lagen säger mer.") == ["SFS 2017:30"]
    refs = find_references("(se prop. 2002/03:12, s. 51. Se också a. prop. s. 62.)")
    assert [(r.canonical, r.detail.get("page")) for r in refs] == [("prop. 2002/03:12", "51"), ("prop. 2002/03:12", "62")]
    # samma lag across blocks of one document
    context = ReferenceContext()
    find_references("Bestämmelser finns i 4 § förvaltningslagen (2017:900).", context=context)
    assert canon("Av 5 § samma lag framgår", context=context) == ["SFS 2017:900 5 §"]


def test_bare_provision_takes_the_act_of_its_block_or_the_base_act():
    assert canon("Av 16 kap. 2 § HSL framgår att ... enligt 8 kap. 9 § som") == [
        "SFS 2017:30 16 kap. 2 §", "SFS 2017:30 8 kap. 9 §"]
    assert canon("Enligt 3 § ska nämnden") == []  # no act anywhere: not a reference
    assert canon("Enligt 3 § ska nämnden", context=ReferenceContext(base_act="2017:30")) == ["SFS 2017:30 3 §"]


def test_an_act_introduced_by_another_is_part_of_its_title():
    # `lagen (2010:801) om införande av skollagen (33 §)`: section 33 of the introducing act; after
    # "om ändring i" the sections that follow are the amended act's
    introduced = canon("Skollagen (2010:800) gäller. Detta framgår av lagen (2010:801) om införande av skollagen (33 §).")
    assert introduced == ["SFS 2010:800", "SFS 2010:801", "SFS 2010:801 33 §"]
    amended = canon("Skollagen (2010:800) gäller. Enligt lagen (2012:493) om ändring i skollagen ska 2 kap. 13 § ha "
                    "följande lydelse.")
    assert amended[-1] == "SFS 2010:800 2 kap. 13 §"


def test_bare_sections_do_not_take_a_chaptered_act_named_in_passing():
    # prop. 2008/09:5: the sections are those of the chapter under discussion, not of the constitution,
    # whose sections sit in chapters; a bare `3 §` of a chapterless act still takes it
    text = ("Av 8 kap. regeringsformen följer att det är regeringen som beslutar. Lagrådet förordar därför "
            "att normgivningsbestämmelserna i 1–7 samt 9 och 10 §§ ändras.")
    assert canon(text) == ["SFS 1974:152 8 kap."]
    assert canon("Enligt lagen (1993:387) om stöd och service till vissa funktionshindrade gäller 9 §.") == [
        "SFS 1993:387", "SFS 1993:387 9 §"]
    # in an act's own text a bare section is in the current chapter
    assert canon("Se 5 kap. 4 §. Av 3 § framgår", context=ReferenceContext(base_act="2017:30")) == [
        "SFS 2017:30 5 kap. 4 §", "SFS 2017:30 3 §"]


@pytest.mark.parametrize("text", [
    "Ökningen är störst där 20% fler (79%) känner till omställningen 2025 jämfört med 2022.",
    "Riksdagsbeslut november 2020",
    "trädde i kraft den 1 januari 2019",
    "Ring 08-555 553 00 eller 0771-11 22 33",
    "Rapport 2024:19 Myndigheten för delaktighet; 2024.",
    "se s. 56-58 i betänkandet [1]",
    "12 221 kommuner har svarat, år 20231.",
    "§ 1 Regioner och kommuner ska",
    "inte är reglerat i lag",
    "enligt 5 § ska nämnden",
    "2019:1",
    "§§§§ kap. kap kap. § 1 § §",
    "De statliga utredningar och propositioner som listas på sida 11.",
    "Smartare användning av PL-nummer",
])
def test_negatives(text):
    assert canon(text) == []


def test_weak_abbreviations_need_a_legal_context():
    assert canon("enligt PL ska") == ["SFS 2014:821"]
    assert canon("6 kap. 2 § PL") == ["SFS 2014:821 6 kap. 2 §"]
    assert canon("Detta PL gäller") == []
    assert canon("58 3 kap. 1§. PSL  \n59 6 kap. 2 § PL.") == ["SFS 2010:659 3 kap. 1 §", "SFS 2014:821 6 kap. 2 §"]


def test_offsets_point_into_the_text():
    text = "Huvudman är den region som enligt hälso- och sjukvårdslagen (2017:30), HSL, ansvarar."
    (ref,) = find_references(text)
    assert text[ref.start:ref.end] == ref.text == "hälso- och sjukvårdslagen (2017:30), HSL"
    long_text = ("Inledning utan referenser. " * 2500) + "\n\nEnligt 5 kap. 1 § HSL ska vården vara god."
    (ref,) = find_references(long_text)  # longer than one segment
    assert long_text[ref.start:ref.end] == ref.text == "5 kap. 1 § HSL"


@pytest.mark.parametrize("query, expected", [
    ("2 kap. 3 § HSL", ["SFS 2017:30 2 kap. 3 §"]),
    ("SFS 2017:30 2 kap. 3 §", ["SFS 2017:30 2 kap. 3 §"]),
    ("hälso- och sjukvårdslagen", ["SFS 2017:30"]),
    ("HSL", ["SFS 2017:30"]),
    ("hsl", ["SFS 2017:30"]),
    ("PL", ["SFS 2014:821"]),
    ("2 kap. HSL", ["SFS 2017:30 2 kap."]),
    ("prop. 2019/20:164", ["prop. 2019/20:164"]),
    ("2017:30", ["SFS 2017:30"]),
])
def test_parse_reference(query, expected):
    assert [r.canonical for r in parse_reference(query)] == expected


@pytest.mark.parametrize("canonical", [
    "SFS 2017:30", "SFS 2010:659 3 kap.", "SFS 2017:30 2 kap. 3 §", "SFS 2001:453 4 kap. 2 a §", "SFS 1993:387 9 §",
    "SFS 2017:30 13 a kap. 1 §", "prop. 2019/20:164", "SOU 2020:19", "Ds 2023:23", "dir. 2020:5",
    "bet. 2019/20:SoU8", "rskr. 2019/20:266", "HSLF-FS 2021:52", "SOSFS 2011:9", "AFS 2020:1", "CELEX 32016R0679",
])
def test_canonical_parses_back_to_itself(canonical):
    assert [r.canonical for r in parse_reference(canonical)] == [canonical]


def test_parse_reference_errors_list_accepted_forms():
    for bad in ("", "   ", "vad som helst", "§§§"):
        with pytest.raises(InputError) as info:
            parse_reference(bad)
        assert "2 kap. 3 § HSL" in str(info.value)


def test_reference_url():
    assert reference_url("SFS 2017:30") == "https://lagen.nu/2017:30"
    assert reference_url("SFS 2017:30 5 kap. 1 §", {"stycke": 1, "punkt": "2"}) == "https://lagen.nu/2017:30#K5P1S1N2"
    assert reference_url("SFS 1938:279 29 §", {"moment": 2}) == "https://lagen.nu/1938:279#P29O2"
    assert reference_url("SFS 1736:0123 s. 2 18 kap. 9 §") == "https://lagen.nu/1736:0123_2#K18P9"
    assert reference_url("prop. 2009/10:165", {"page": "207"}) == "https://lagen.nu/prop/2009/10:165#sid207"
    assert reference_url("SOU 2000:2") == "https://lagen.nu/sou/2000:2"
    assert reference_url("bet. 1996/97:NU11") == "https://lagen.nu/bet/1996/97:NU11"
    assert reference_url("rskr. 1996/97:266") == "https://lagen.nu/rskr/1996/97:266"
    assert reference_url("CELEX 31995L0046", {"article": "25.6"}) == "https://lagen.nu/ext/celex/31995L0046#25.6"
    assert reference_url("HSLF-FS 2016:40").startswith("https://www.socialstyrelsen.se/")
    with pytest.raises(ValueError):
        reference_url("not a reference")


def test_lawbook_facts_and_synonyms():
    book = load_lawbook()
    required = ["2017:30", "2017:80", "2001:453", "2025:400", "2001:937", "1993:387", "2010:659", "2014:821",
                "2008:355", "2017:612", "2009:400", "2008:962", "2017:725", "2017:900", "2004:168", "1985:125",
                "1990:52", "1988:870", "1991:1128", "1991:1129"]
    assert set(required) <= set(book.acts)
    assert {"HSLF-FS", "SOSFS", "AFS"} <= set(book.regulation_series)
    assert book.acts["2025:400"].in_force_from == "2025-07-01" and book.acts["2001:453"].in_force_to == "2025-06-30"
    groups = synonym_groups()
    sol = next(g for g in groups if "SoL" in g)
    assert "socialtjänstlagen" in sol and "socialtjänstlagens" in sol
    hsl = next(g for g in groups if "HSL" in g)
    assert "hälso- och sjukvårdslagen" in hsl
    lss = next(g for g in groups if "LSS" in g)
    assert "lagen om stöd och service till vissa funktionshindrade" in lss
