"""English queries over Swedish documents: tell English from Swedish, translate with a glossary.

The 4-bit multilingual e5-small places an English query far from the Swedish passages that
answer it, and the Swedish word index has nothing to match in English words. So an English
query is translated into Swedish terms with the care-policy glossary in
`data/glossary_en_sv.tsv` (hundreds of general terms of the field: roles, organisations, forms
of care, legal and administrative language): the Swedish terms feed the word index, and the
Swedish text becomes a second query for the embedding model.

- `is_english(text, frequency)`: a query is English when more of its words are English (an
  English function word, or a glossary word the corpus does not use as a Swedish word) than
  Swedish (å/ä/ö, a Swedish function word, or a word the corpus uses). `reablement definition`
  stays Swedish: both words occur in the Swedish corpus.
- `Glossary.translate(text)`: the longest glossary phrase at each position wins, words compared by
  their English Snowball stem (`nurses` = `nurse`, `delegating` = `delegate`); English function
  words outside a phrase are dropped; other words (names, acronyms: `MAR`, `Region Skåne`) are
  kept as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from policykb.data import alternatives, word_lines

MAX_PHRASE_WORDS = 6
# A word the Swedish corpus uses at least this often counts as Swedish (`team`, `plan`, `stroke`).
SWEDISH_WORD_FREQUENCY = 3
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d+(?:[-:/]\d+)*")
_SWEDISH_LETTERS = set("åäöÅÄÖ")

Frequency = Callable[[str], int]


@dataclass
class Translation:
    """Swedish for an English text: `text` (one form per matched term, unknown words kept, in
    the query's order), `terms` (every Swedish form of every matched term), what was matched."""

    text: str
    terms: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def english_stop_words() -> frozenset[str]:
    return frozenset(word_lines("stopwords_en.txt"))


@lru_cache(maxsize=1)
def _stemmer():  # noqa: ANN202
    import Stemmer

    return Stemmer.Stemmer("english")


def _stem(word: str) -> str:
    return _stemmer().stemWord(word.lower().replace("’", "'"))


def words(text: str) -> list[str]:
    return _WORD.findall(text)


class Glossary:
    """English phrase (as a tuple of stems) -> Swedish forms."""

    def __init__(self, entries: list[tuple[str, list[str]]]):
        self.entries: dict[tuple[str, ...], list[str]] = {}
        for english, swedish in entries:
            key = tuple(_stem(w) for w in words(english))
            if not key or not swedish:
                continue
            forms = self.entries.setdefault(key, [])
            forms.extend(f for f in swedish if f not in forms)
        self.vocabulary = frozenset(stem for key in self.entries for stem in key)

    def with_fallback(self, other: Glossary) -> Glossary:
        """This glossary, plus `other`'s entries for the phrases this one lacks."""
        merged = Glossary([])
        merged.entries = {**other.entries, **self.entries}
        merged.vocabulary = self.vocabulary | other.vocabulary
        return merged

    def knows(self, word: str) -> bool:
        """Whether `word` is an English word of the glossary or an English function word."""
        lowered = word.lower()
        return lowered in english_stop_words() or _stem(lowered) in self.vocabulary

    @classmethod
    def from_lines(cls, lines: list[str]) -> Glossary:
        return cls(alternatives(lines))

    def translate(self, text: str) -> Translation:
        tokens = words(text)
        stems = [_stem(t) for t in tokens]
        stops = english_stop_words()
        out = Translation(text="")
        parts: list[str] = []
        i = 0
        while i < len(tokens):
            for length in range(min(MAX_PHRASE_WORDS, len(tokens) - i), 0, -1):
                forms = self.entries.get(tuple(stems[i : i + length]))
                # A lone function word is never translated (`who` is not WHO, `it` is not IT).
                if forms and not (length == 1 and tokens[i].lower() in stops):
                    parts.append(forms[0])
                    out.terms.extend(f for f in forms if f not in out.terms)
                    out.matched.append(" ".join(tokens[i : i + length]))
                    i += length
                    break
            else:
                token = tokens[i]
                if token.lower() not in stops:
                    parts.append(token)
                    out.kept.append(token)
                i += 1
        out.text = " ".join(parts)
        return out


# The field glossary (care and social policy), then general vocabulary of government, law, work,
# schools, tax, transport and the like for the words it lacks (`repealed`, `teacher`, `three`;
# measured with and without: README "Search quality").
GLOSSARY_FILES = ("glossary_en_sv.tsv", "glossary_en_sv_general.tsv")


@lru_cache(maxsize=2)
def default_glossary(general: bool = True) -> Glossary:
    """The bundled glossary: the field's entries, and (`general`) the general file's for any
    English phrase the field's do not have (the field's translation wins: `care` is `vård`)."""
    glossary = Glossary.from_lines(word_lines(GLOSSARY_FILES[0]))
    if general:
        glossary = glossary.with_fallback(Glossary.from_lines(word_lines(GLOSSARY_FILES[1])))
    return glossary


def is_english(text: str, frequency: Frequency | None = None, glossary: Glossary | None = None) -> bool:
    """More English words than Swedish ones (see the module doc); `frequency(word)` is how often
    the corpus uses a lower-cased word (without it, only function words and å/ä/ö decide)."""
    from policykb.swedish.analyzer import stop_words

    glossary = glossary or default_glossary()
    english_stops, swedish_stops = english_stop_words(), stop_words()
    english = swedish = 0
    for token in words(text):
        lowered = token.lower()
        if _SWEDISH_LETTERS.intersection(token) or (lowered in swedish_stops and lowered not in english_stops):
            swedish += 1
        elif lowered in english_stops and lowered not in swedish_stops:
            english += 1
        elif lowered in english_stops:  # `under`: both languages
            continue
        elif frequency is not None and frequency(lowered) >= SWEDISH_WORD_FREQUENCY:
            swedish += 1
        elif _stem(lowered) in glossary.vocabulary:
            english += 1
    return english > swedish
