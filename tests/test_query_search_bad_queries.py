"""Queries as people type or paste them: only stop words, only a legal reference, only an acronym,
Swedish mixed with English, a typo, capitals, text pasted from a PDF (soft hyphens, non-breaking
spaces, a word broken at a line end, ligatures). Each gets sensible results or a clear message,
in every mode, never an error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.cli import run_cli

from policykb.errors import InputError
from policykb.query.search import Searcher
from policykb.query.search.plan import clean_query

MODES = ("hybrid", "lexical", "dense")


@pytest.fixture(scope="module")
def searcher(corpus_index: Path):
    with Searcher(corpus_index) as s:
        yield s


def _texts(hits) -> str:
    return " ".join(h.text.lower() for h in hits)


@pytest.mark.parametrize("mode", MODES)
def test_only_stop_words(searcher, mode):
    warnings: list[str] = []
    if mode == "lexical":
        with pytest.raises(InputError, match="only stop words"):
            searcher.search("och i för att det", mode=mode)
        return
    hits = searcher.search("OCH I FÖR ATT DET", k=3, mode=mode, warn=warnings.append)
    assert hits and any("stop words" in w for w in warnings)


@pytest.mark.parametrize("mode", MODES)
def test_only_a_legal_reference(searcher, mode):
    hits = searcher.search("16 kap. 2 § HSL", k=5, mode=mode)
    assert len(hits) == 5
    if mode != "dense":  # the words `16 kap. 2 §` and the act's name are matched; meaning alone may drift
        assert any("16 kap" in h.text and ("HSL" in h.text or "sjukvårdslag" in h.text) for h in hits[:3])


@pytest.mark.parametrize("mode", MODES)
def test_only_an_acronym(searcher, mode):
    hits = searcher.search("SIP", k=5, mode=mode)
    assert len(hits) == 5
    if mode != "dense":
        text = " ".join(h.text for h in hits[:3])
        assert "SIP" in text or "samordnad individuell plan" in text.lower()


@pytest.mark.parametrize("mode", MODES)
def test_mixed_swedish_and_english(searcher, mode):
    hits = searcher.search("hemsjukvård responsibility kommunen", k=5, mode=mode)
    assert len(hits) == 5
    if mode != "dense":
        assert "hemsjukvård" in _texts(hits[:3])


@pytest.mark.parametrize("mode", MODES)
def test_misspelled_word_is_searched_as_the_corpus_word_with_a_note(searcher, mode):
    warnings: list[str] = []
    hits = searcher.search("hemsjukvåd", k=5, mode=mode, warn=warnings.append)
    assert any("'hemsjukvåd'" in w and "'hemsjukvård'" in w for w in warnings), warnings
    assert len(hits) == 5
    if mode != "dense":
        assert all("hemsjukvård" in h.text.lower() for h in hits[:3])
    # A word the corpus uses is never "corrected", nor a short one.
    assert searcher.query_analyzer.corrections("hemsjukvård kommun ssk") == {}


@pytest.mark.parametrize("mode", MODES)
def test_upper_case_is_the_same_query(searcher, mode):
    lower = [h.passage_id for h in searcher.search("samordnad individuell plan i hemmet", k=5, mode=mode)]
    upper = [h.passage_id for h in searcher.search("SAMORDNAD INDIVIDUELL PLAN I HEMMET", k=5, mode=mode)]
    assert lower == upper


@pytest.mark.parametrize(
    "pasted",
    [
        "hem\u00adsjuk\u00advård\u00a0i\u00a0hemmet",  # soft hyphens, non-breaking spaces
        "hemsjuk-\nvård i hemmet",  # a word broken at a line end
        "\ufeffhemsjukvård\u200b i\u2009hemmet",  # a byte-order mark, zero-width and thin spaces
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_text_pasted_from_a_pdf(searcher, pasted, mode):
    plain = [h.passage_id for h in searcher.search("hemsjukvård i hemmet", k=5, mode=mode)]
    assert [h.passage_id for h in searcher.search(pasted, k=5, mode=mode)] == plain


def test_pasted_text_cleaning():
    warnings: list[str] = []
    assert clean_query("ﬁnansiering av\u00a0hem\u00adsjuk-\n  vård", warnings) == "finansiering av hemsjukvård"
    # A hyphen before `och` or a line break without a hyphen keeps the words apart.
    assert clean_query("hälso- och\nsjukvård", warnings) == "hälso- och sjukvård"
    assert not warnings
    with pytest.raises(InputError, match="empty"):
        clean_query("\u00ad\u200b\ufeff \u00a0", warnings)


def test_the_command_line_says_what_it_corrected(corpus_index):
    done = run_cli("search", "HEMSJUKVÅD", "-k", "2", "--json", "--index-dir", str(corpus_index))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert len(data["hits"]) == 2 and "hemsjukvård" in data["warnings"][0]
    assert "warning:" in done.stderr and "Traceback" not in done.stderr
