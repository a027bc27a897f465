"""Everyday Swedish to the words of official texts: `doktor` finds `läkare`, `på smällen` finds `gravid`.

The documents are written in the register of authorities and law (`trycksår`, `psykiatrisk vård`,
`sanktionsavgift`); people search in their own (`liggsår`, `psyket`, `böter`). Neither the word
index (no shared word) nor the 4-bit e5-small (which rarely bridges the two) finds one from the
other. `data/register_sv.tsv` lists, for everyday words and phrases, the words official texts use
for the same thing (only where they differ). A query's everyday phrases add those forms to the
search as expansions: the word index searches them at `REGISTER_WEIGHT` of the query's own words,
and the embedding model reads them beside the query (see `searcher.py`).

Unlike a general thesaurus (every sense of every word: `ska` -> `skal`, measured to hurt, README
"Search quality"), the list is one sense per entry, the one a question about care and public
administration means, and directional: `läkare` in a query is not widened to `doktor`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from policykb.data import alternatives, word_lines
from policykb.swedish.analyzer import Analyzer, lemma_stem, stem

REGISTER_FILE = "register_sv.tsv"
# The longest everyday phrase matched, in words.
MAX_PHRASE_TERMS = 6
# Inflection endings of Swedish nouns, adjectives and verbs (definite, plural, genitive, past): what
# may follow a listed word's base in a query word of the same lemma (no derivations: `-are`, `-ig`).
_ENDINGS = frozenset(
    ["", "s", "n", "t", "a", "e", "r", "en", "et", "na", "ar", "er", "or", "de", "te", "ad", "at", "ns", "ts",
     "ens", "ets", "nas", "ade", "arna", "erna", "orna", "arnas", "ernas", "ornas"]
)
# A stem shorter than this is shared by too many unrelated words to match a listed word by.
MIN_KEY_LENGTH = 4
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass(frozen=True)
class Expansion:
    """An official form (`psykiatrisk vård`) of what the query says in everyday words (`psyket`)."""

    everyday: str
    form: str
    terms: tuple[str, ...]


@dataclass
class _Entry:
    words: tuple[str, ...]  # the everyday phrase's words, lower-cased
    everyday: str
    forms: list[str]
    # The forms analysed, on the entry's first match: analysing all ~1,500 entries when a searcher
    # opens cost ~60 ms of every cold `policykb search`.
    expansions: list[Expansion] | None = None


class Register:
    """Everyday phrases -> their official forms. A phrase is matched word by word, every word of
    it in order (`på smällen`, `bestämma själv`), each in any inflected form (`doktorn`,
    `doktorer` for `doktor`; see `inflects`)."""

    def __init__(self, entries: Sequence[tuple[str, Sequence[str]]], analyzer: Analyzer | None = None):
        self.analyzer = analyzer or Analyzer()
        # Candidates by the words' keys; `inflects` then tells words that share a stem apart.
        self._by_keys: dict[tuple[str, ...], list[_Entry]] = {}
        for everyday, forms in entries:
            words = tuple(self._words(everyday))
            if not words or len(words) > MAX_PHRASE_TERMS:
                continue
            candidates = self._by_keys.setdefault(tuple(entry_key(w) for w in words), [])
            entry = next((c for c in candidates if c.words == words), None)
            if entry is None:
                candidates.append(_Entry(words, everyday, list(forms)))
            else:
                entry.forms.extend(f for f in forms if f not in entry.forms)

    def __len__(self) -> int:
        return sum(len(c) for c in self._by_keys.values())

    @staticmethod
    def _words(text: str) -> list[str]:
        """The lower-cased words of `text`, stop words included: in a phrase they carry its sense
        (`klara sig själv`, `ta hand om`)."""
        return [w.lower() for w in _WORD.findall(text)]

    def expansions(self, text: str) -> list[Expansion]:
        """The official forms of every everyday phrase in `text`, longest phrase first at each
        position, each form once; forms whose words the query already has add nothing."""
        words = self._words(text)
        keys = [word_keys(w) for w in words]
        present = set(self.analyzer.terms(text))
        out: list[Expansion] = []
        i = 0
        while i < len(words):
            for length in range(min(MAX_PHRASE_TERMS, len(words) - i), 0, -1):
                found = self._lookup(words[i : i + length], keys[i : i + length])
                if found:
                    out.extend(e for e in found if not set(e.terms) <= present and e not in out)
                    i += length
                    break
            else:
                i += 1
        return out

    def _lookup(self, words: Sequence[str], keys: Sequence[set[str]]) -> list[Expansion]:
        """The expansions of the listed phrase the words are forms of; of several (`vården`,
        `vårdare` for `vårdarna`), the one sharing the most letters with them."""
        best: tuple[int, list[Expansion]] = (-1, [])
        for combination in product(*keys):
            for entry in self._by_keys.get(combination, ()):
                shared = [inflects(word, listed) for word, listed in zip(words, entry.words)]
                if all(n is not None for n in shared) and sum(shared) > best[0]:
                    best = (sum(shared), self._expansions(entry))
        return best[1]

    def _expansions(self, entry: _Entry) -> list[Expansion]:
        if entry.expansions is None:
            found: list[Expansion] = []
            for form in entry.forms:
                terms = tuple(self.analyzer.terms(form))
                if terms and all(e.terms != terms for e in found):
                    found.append(Expansion(entry.everyday, form, terms))
            entry.expansions = found
        return entry.expansions


def inflects(word: str, listed: str) -> int | None:
    """How many letters `word` (from a query) shares with `listed` (a word of the list) as an
    inflected form of it, or None when it is not one; their stems are known to agree. It is when
    it is `listed`, less at most its last two letters, plus a Swedish inflection ending
    (`doktorn`, `doktorer` for `doktor`; `psyke` for `psyket`), so that words the stemmer merges
    but which are different words stay apart (`vårdare` is not `vården`, `skeppare` not `skepp`);
    irregular forms the lemma data relates (`gammal`, `gamla`) count as sharing their lemma."""
    for cut in range(3):
        base = listed[: len(listed) - cut]
        if len(base) >= MIN_KEY_LENGTH - 1 and word.startswith(base) and word[len(base) :] in _ENDINGS:
            return len(base)
    lemma_word = lemma_stem(word)
    if lemma_word is not None and lemma_word in {lemma_stem(listed), stem(listed)}:
        return len(lemma_word)
    return None


def entry_key(word: str) -> str:
    """The key a listed word is found under: its stem, or the word itself when the stemmer cuts
    it down to a short stem many other words share (`hemligt` -> `hem`, which `hemma` has too)."""
    stemmed = stem(word)
    return stemmed if len(stemmed) >= MIN_KEY_LENGTH or stemmed == word else word


def word_keys(word: str) -> set[str]:
    """The stems under which a query word may be listed: its own, its lemma's (simplemma's data),
    that of the word without a definite `-n`/`-t` (`doktorn` -> `doktor`, `psyket` -> `psyke`),
    which Snowball leaves on after a vowel or `r`, and its stem's stem (Snowball takes `-er` off
    `doktorer` but also `-or` off `doktor`: both end at `dokt`)."""
    keys = {word, stem(word), stem(stem(word))}
    if word.isalpha():
        lemma = lemma_stem(word)
        if lemma:
            keys.add(lemma)
        if len(word) > 4 and word[-1] in "nt":
            keys.add(stem(word[:-1]))
    return keys


@lru_cache(maxsize=1)
def default_register() -> Register:
    """The bundled register list. Its phrases are matched on whole-word terms, which do not depend
    on an index's vocabulary (only compound parts do), so one analysis serves every index."""
    return Register(alternatives(word_lines(REGISTER_FILE)))
