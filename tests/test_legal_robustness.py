"""Bad and random input: no crash, no hang (a deadline per example), offsets always valid."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykb.annotate.pipeline import find_entities
from policykb.errors import TooLargeError
from policykb.legal import MAX_TEXT_CHARS, ReferenceContext, find_references
from policykb.legal.canonical import parse_canonical

CITATIONS = [
    "Se 1 kap. 1 § och 5 kap. 1 och 4 §§ HSL samt 1 kap. 3 § och 3 kap. patientsäkerhetslagen (2010:659), PSL.",
    "17 Regeringens proposition Åligganden för personal inom hälso- och sjukvården m.m, prop. 1993/94:149, s. 117.",
    "64 9 kap. 1 § Socialstyrelsens föreskrifter och allmänna råd (HSLF-FS 2017:37) om ordination",
    "Bestämmelserna i 2 § andra och tredje styckena, 6 - 9 §§, 11 § andra stycket, 13 - 22, 25, 26 - 26 b §§",
    "artikel 25.6 i Europaparlamentets och rådets direktiv 95/46/EG av den 24 oktober 1995",
    "12 kap. 10 § samma lag, lagen (2000:461) om efterlevandepension, Ds 1997:29, s. 112-121, 141-142",
    "49 § första stycket b) - c) personuppgiftslagen (1998:204). 14 § 1 st. 6) varumärkeslagen (1960:644)",
    "MAS:en och SIP:ar enligt SoL, LSS och HSL; Sveriges Kommuner och Regioners (SKR:s) arbete",
]
ALPHABET = st.sampled_from(list("0123456789 §.,:;()-–/\n\tkapKAPsoSOLHlagenförordning") + ["§§", "kap.", " och ", "\x00", "\u00a0"])


def check(text: str, refs, mentions) -> None:
    for r in refs:
        assert 0 <= r.start < r.end <= len(text) and text[r.start:r.end] == r.text
        parse_canonical(r.canonical)
        assert r.url.startswith("https://")
    for m in mentions:
        assert 0 <= m.start < m.end <= len(text) and text[m.start:m.end] == m.text


@pytest.fixture(scope="module", autouse=True)
def warm():
    find_references("5 kap. 1 § HSL")  # load spaCy outside the deadlines
    find_entities("MAS")


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_random_text(text):
    check(text, find_references(text), find_entities(text))


@settings(max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CITATIONS), st.lists(st.tuples(st.integers(0, 200), st.integers(0, 3), ALPHABET), max_size=8))
def test_mutated_citations(citation, edits):
    text = citation
    for position, op, piece in edits:
        pos = position % (len(text) + 1)
        if op == 0:
            text = text[:pos] + piece + text[pos:]
        elif op == 1:
            text = text[:pos] + text[pos + len(piece):]
        elif op == 2:
            text = text[:pos] + piece + text[pos + 1:]
        else:
            text = text[:pos] + text[pos:pos + 20] * 3 + text[pos + 20:]
    context = ReferenceContext(base_act="9999:999") if len(edits) % 2 else ReferenceContext(date="2026-01-01")
    check(text, find_references(text, context=context), find_entities(text))


@pytest.mark.parametrize("text", [
    "",
    " \n\t ",
    "\x00\x01\x02 5 kap. 1 §\x07 HSL\x1b[31m",
    "((((((( 5 kap. (1 § HSL ))) (2017:30 (SOU 2020:19",
    "§§§§ §§§§§§§§ § § §",
    "kap. kap. kap kap. 1 kap kap.",
    "a" * 5000,
    "5" * 5000,
    "§" * 5000,
    "1 och " * 1000 + "2 §§ HSL",
    "1-" * 2000 + "3 §§ HSL",
    ("x" * 4999 + " ") * 3,
    "prop. " * 1000,
    "(" * 3000 + "1998:204" + ")" * 3000,
    "5 § " + ", ".join(str(i % 900 + 1) for i in range(3000)) + " HSL",
    ", ".join(str(i % 900 + 1) for i in range(3000)) + " och",
])
def test_bad_inputs(text):
    started = time.perf_counter()
    refs, mentions = find_references(text), find_entities(text)
    check(text, refs, mentions)
    assert time.perf_counter() - started < 5


def test_a_long_list_runs_past_the_parsing_window():
    refs = find_references("5 § " + ", ".join(str(i) for i in range(1, 40)) + " HSL")
    assert [r.detail["punkt"] for r in refs] == [str(i) for i in range(1, 40)]
    assert {r.canonical for r in refs} == {"SFS 2017:30 5 §"}


def test_long_lists_are_bounded():
    refs = find_references("1-999 §§ HSL")
    assert len(refs) == 2  # a range this long keeps its endpoints
    assert [r.canonical for r in find_references("1 och " * 1000 + "2 §§ HSL")][-1] == "SFS 2017:30 2 §"


def test_too_large_text_is_refused_quickly():
    big = "Hälso- och sjukvård enligt 5 kap. 1 § HSL.\n\n" * (10 * 1024 * 1024 // 45)
    assert len(big) > MAX_TEXT_CHARS
    started = time.perf_counter()
    with pytest.raises(TooLargeError, match="find_references_by_paragraph"):
        find_references(big)
    with pytest.raises(TooLargeError):
        find_entities(big)
    assert time.perf_counter() - started < 1
