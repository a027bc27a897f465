"""The Swedish text analyser shared by the lexical index and by queries.

One function of text: `Analyzer.tokens(text)` -> `Token`s with offsets into the original text.
The same analyser runs over passages at ingest and over queries at search time, so whatever it
does (lower-casing, stemming, splitting compounds) is symmetric by construction.

- Lower-casing keeps å/ä/ö (they are letters of their own in Swedish, not accented a/o).
- Snowball Swedish stemming (PyStemmer), plus two light steps Snowball leaves out: the definite
  neuter `-et` (`hemmet`, `boendet`) and a doubled final consonant (`hemm` -> `hem`).
- Legal identifiers survive as single tokens: `2017:30`, `2019/20:164`, `HSLF-FS`, and a
  lettered chapter or section number (`13 a kap.`, `2 a §`) becomes `13a`.
- Lemmas beside the stems: a word form whose lemma (simplemma's Swedish data, `data/sv_lemma_stems`)
  stems to something the form's own stem cannot reach (`gick` -> `gå`, `större` -> `stor`,
  `fåglar` -> `fågel`) gets the lemma's stem as an extra term, so it meets the other forms.
- Compounds are split by a real dictionary plus the corpus vocabulary (Koehn & Knight style:
  both parts must be words, linking `-s` and a dropped final vowel allowed). A part is a word when
  hunspell-sv says it may stand at that place in a compound (`data/sv_compound_parts`: `hälso`,
  `läkar` may begin one, `sjukvård` end one; `rapp` may not begin one, so `rapporten` stays whole),
  or when the corpus uses it on its own often enough; the parts are indexed beside the whole word: `hemsjukvård` -> `hemsjukvård` + `hem`, `sjukvård`,
  so that it meets `sjukvård i hemmet`; `sjukvårdslagen` -> `sjukvårdslag` + `sjukvård`, `lag`.
  Hyphenated words give their parts too (`LSS-boenden` -> `lss-boend` + `lss`, `boend`).
- Stop words (the Snowball Swedish list, in `data/stopwords_sv.txt`) are dropped.
- A token longer than `MAX_TOKEN_LENGTH` characters is dropped too: no Swedish word or legal
  identifier is that long, such a run is noise (a binary blob read as text, a garbled line), and
  the compound splitter's work and the vocabulary's memory grow with the square of a word's length.

Terms only ever contain letters, digits and `:/-`, which the FTS5 tokenizer keeps inside tokens
(the `tokenize` option of `passage_fts` in the store's schema), so an analysed text can be stored and matched verbatim.
"""

from __future__ import annotations

import gzip
import math
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from policykb.data import parsed, word_lines

# Bumped whenever the terms the analyser produces change: an index analysed with another version
# has its lexical index rebuilt by the next ingest (`index.indexer`), the vectors untouched.
ANALYZER_VERSION = "2"

# A lettered chapter/section number: `13 a kap.`, `2 a §`, `4 kap. 2 b §`.
_SECTION_NUMBER = r"(?P<secnum>\d+)\s?(?P<secletter>[a-zA-Z])(?=\s*(?:kap\b|§))"
# Document and act numbers: `2017:30`, `2019/20:164`, `2019/20:SoU8`.
_IDENT = r"(?P<ident>\d{4}(?:/\d{2,4})?:[0-9A-Za-zÅÄÖåäö]+)"
# Words, including inner hyphens (en dash too): `LSS-boenden`, `HSLF-FS`, `covid-19`.
_WORD = r"(?P<word>[^\W_]+(?:[-‐‑–][^\W_]+)*)"
TOKEN_PATTERN = re.compile(f"{_SECTION_NUMBER}|{_IDENT}|{_WORD}")
_HYPHENS = re.compile(r"[-‐‑–]")
_VOWELS = set("aeiouyåäö")

# The longest token that is indexed. Swedish compounds in the corpus stay under ~40 letters
# (`sjukvårdshuvudmannaskapsfrågorna` is 32); a longer token is skipped, both at ingest and in
# queries, so every per-token structure (the splitter's candidate parts, the word and frequency
# caches, the lexicon table) is bounded by this constant instead of by the input.
MAX_TOKEN_LENGTH = 64
# `tokens_with` analyses a word only if it contains the first this-many letters of a wanted term
# (a stem may differ from its word after them: `gata` -> `gat` in `gatubelysning`).
PROBE_LETTERS = 3
# ... and a word of at most this many letters when the term is shorter than that.
SHORT_WORD = 6
MIN_COMPOUND_LENGTH = 7  # shorter words are rarely compounds worth splitting
MIN_HEAD_LENGTH = 3
MIN_TAIL_LENGTH = 3
MIN_PART_FREQUENCY = 3  # a part must be a word seen at least this often on its own
SHORT_PART_FREQUENCY = 10  # a three-letter part must be commoner still (`hem`, `lag`)
# Derivational endings that also occur as words or word fragments; never a compound's tail.
_SUFFIX_TAILS = frozenset(
    "ning ningen ningar ningarna ande ende andet het heten heter else lig liga ligt lighet isk iska "
    "iskt ska skt tion ion ioner era erar erad erade ering eringen ens ern erna arna orna".split()
)

# Inflection endings of the nouns and adjectives that end compounds, with what the base form has
# instead (`kvinnorna` -> `kvinna`, `platsen` -> `plats`), longest first.
_INFLECTIONS = tuple(
    (ending, restored)
    for ending, restored in (
        ("ornas", "a"), ("arnas", ""), ("ernas", ""), ("orna", "a"), ("arna", ""), ("erna", ""),
        ("ens", ""), ("ets", ""), ("ers", ""), ("ars", ""), ("ors", "a"),
        ("en", ""), ("et", ""), ("er", ""), ("ar", ""), ("or", "a"), ("na", ""), ("an", "a"),
        ("n", ""), ("t", ""), ("s", ""), ("a", ""), ("e", ""),
    )
)

Frequency = Callable[[str], int]


@dataclass(frozen=True, slots=True)
class Token:
    """One word of the original text: its index term, extra terms for its parts, its span."""

    term: str
    start: int
    end: int
    parts: tuple[str, ...] = ()

    @property
    def terms(self) -> tuple[str, ...]:
        return (self.term, *self.parts)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    return frozenset(word_lines("stopwords_sv.txt"))


@lru_cache(maxsize=1)
def lemma_stems() -> dict[str, str]:
    """Word form -> the stem of its lemma, for the forms whose own stem differs from it in more
    than an ending (see `scripts/build_swedish_data.py`). Parsed once per machine (`data.parsed`)."""
    return parsed("sv_lemma_stems.tsv.gz", _parse_lemma_stems, lambda v: isinstance(v, dict) and len(v) > 0)


def _parse_lemma_stems(raw: bytes) -> dict[str, str]:
    text = gzip.decompress(raw).decode("utf-8")
    return dict(tuple(line.split("\t", 1)) for line in text.splitlines() if line and not line.startswith("#"))


@lru_cache(maxsize=1)
def compound_parts() -> tuple[frozenset[str], frozenset[str]]:
    """(forms that may begin a compound, base forms of words that may end one), from hunspell-sv.
    Parsed once per machine (`data.parsed`)."""
    return parsed("sv_compound_parts.txt.gz", _parse_compound_parts, _two_word_sets)


def _parse_compound_parts(raw: bytes) -> tuple[frozenset[str], frozenset[str]]:
    lines = gzip.decompress(raw).decode("utf-8").split("\n")
    begin, end = lines.index("[begin]"), lines.index("[end]")
    return frozenset(lines[begin + 1 : end]), frozenset(w for w in lines[end + 1 :] if w)


def _two_word_sets(value: object) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, frozenset) and v for v in value)


def lemma_stem(word: str) -> str | None:
    """The stem of `word`'s lemma when it is not the word's own stem (a genitive `-s` is looked
    through: `fåglars` as `fåglar`)."""
    table = lemma_stems()
    found = table.get(word)
    if found is None and word.endswith("s") and len(word) > 3:
        found = table.get(word[:-1])
    return found


@lru_cache(maxsize=1)
def _stemmer():  # noqa: ANN202
    import Stemmer

    return Stemmer.Stemmer("swedish")


def stem(word: str) -> str:
    """Snowball Swedish, then the definite neuter `-et` and a doubled final consonant."""
    stemmed = _stemmer().stemWord(word)
    if len(stemmed) >= 6 and stemmed.endswith("et"):
        stemmed = stemmed[:-2]
    if len(stemmed) >= 4 and stemmed[-1] == stemmed[-2] and stemmed[-1] not in _VOWELS and stemmed[-1].isalpha():
        stemmed = stemmed[:-1]
    return stemmed


def vocabulary_words(text: str) -> Iterable[str]:
    """The lower-cased letter-only words of `text` (and of its hyphenated words' parts): what the
    compound splitter counts as the corpus vocabulary."""
    for match in TOKEN_PATTERN.finditer(text):
        word = match.group("word")
        if word is None or len(word) > MAX_TOKEN_LENGTH:
            continue
        for part in _HYPHENS.split(word.lower()):
            if part.isalpha():
                yield part


class Analyzer:
    """Turns text into index terms. `frequency(word)` gives how often a lower-cased word occurs
    in the corpus on its own; without it compounds are not split."""

    def __init__(
        self, frequency: Frequency | None = None, *, split_compounds: bool = True, lemmas: bool = True,
        dictionary: bool = True,
    ):
        self._frequency = frequency
        self._split = split_compounds and frequency is not None
        self._lemmas = lemmas
        self._begin, self._end = compound_parts() if dictionary else (frozenset(), frozenset())
        self._stops = stop_words()
        self._word_cache: dict[str, tuple[str, tuple[str, ...]] | None] = {}

    # -- public ----------------------------------------------------------------------------

    def tokens(self, text: str) -> list[Token]:
        out: list[Token] = []
        for match in TOKEN_PATTERN.finditer(text):
            if match.end() - match.start() > MAX_TOKEN_LENGTH:
                continue  # noise, not a word (see MAX_TOKEN_LENGTH)
            if match.group("secnum") is not None:
                term = match.group("secnum") + match.group("secletter").lower()
                out.append(Token(term, match.start(), match.end()))
                continue
            if match.group("ident") is not None:
                out.append(Token(match.group("ident").lower(), match.start(), match.end()))
                continue
            analysed = self._word(match.group("word"))
            if analysed is not None:
                term, parts = analysed
                out.append(Token(term, match.start(), match.end(), parts))
        return out

    def tokens_with(self, text: str, terms: Collection[str]) -> list[Token]:
        """The tokens of `text` that carry one of `terms` (what `tokens` gives, filtered), without
        analysing the words that cannot: a word's terms are its stem, its compound parts and its
        lemma's stem, and the first two are pieces of the word, so a word holding the start
        (`PROBE_LETTERS`) of no term is skipped unless its lemma is irregular (`lemma_stems`).
        Highlighting a search's hits this way analyses a few words of each instead of all, and
        the first analysis of a word (compound splitting with lexicon lookups) is most of a cold
        search's own work."""
        wanted = set(terms)
        if not wanted:
            return []
        probes = {t[:PROBE_LETTERS] for t in wanted if len(t) >= PROBE_LETTERS}
        # A term shorter than a probe (`s`, `år`) is the stem of a short word only (Snowball keeps
        # a word's first syllable): testing it as a substring would let every word through.
        shorts = tuple(t for t in wanted if len(t) < PROBE_LETTERS)
        irregular = lemma_stems() if self._lemmas else {}
        out: list[Token] = []
        for match in TOKEN_PATTERN.finditer(text):
            if match.end() - match.start() > MAX_TOKEN_LENGTH:
                continue
            if match.group("secnum") is not None:
                term = match.group("secnum") + match.group("secletter").lower()
                if term in wanted:
                    out.append(Token(term, match.start(), match.end()))
                continue
            if match.group("ident") is not None:
                term = match.group("ident").lower()
                if term in wanted:
                    out.append(Token(term, match.start(), match.end()))
                continue
            word = match.group("word")
            analysed = self._word_cache.get(word, False)
            if analysed is False:  # not analysed yet: only if it may carry a wanted term
                lowered = word.lower()
                if not (
                    any(probe in lowered for probe in probes)
                    or (shorts and len(lowered) <= SHORT_WORD and lowered.startswith(shorts))
                    or lowered in irregular
                    or (lowered.endswith("s") and lowered[:-1] in irregular)
                ):
                    continue
                analysed = self._word(word)
            if analysed is not None and not wanted.isdisjoint((analysed[0], *analysed[1])):
                out.append(Token(analysed[0], match.start(), match.end(), analysed[1]))
        return out

    def terms(self, text: str) -> list[str]:
        """The whole-word terms in text order (compound parts left out)."""
        return [t.term for t in self.tokens(text)]

    def query_terms(self, text: str) -> list[str]:
        """Every distinct term a query contributes (whole words and parts), in first-seen order."""
        seen: dict[str, None] = {}
        for token in self.tokens(text):
            for term in token.terms:
                seen.setdefault(term, None)
        return list(seen)

    # -- words -----------------------------------------------------------------------------

    def _word(self, raw: str) -> tuple[str, tuple[str, ...]] | None:
        cached = self._word_cache.get(raw, False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        result = self._analyse_word(raw)
        if len(self._word_cache) < 200_000:
            self._word_cache[raw] = result
        return result

    def _analyse_word(self, raw: str) -> tuple[str, tuple[str, ...]] | None:
        lowered = raw.lower()
        pieces = [p for p in _HYPHENS.split(lowered) if p]
        if len(pieces) > 1:
            stems = [self._stem_piece(p) for p in pieces]
            parts: list[str] = []
            for piece, stemmed in zip(pieces, stems):
                if piece in self._stops:
                    continue
                parts.append(stemmed)
                parts.extend(self._compound_parts(piece))
            return "-".join(stems), tuple(dict.fromkeys(p for p in parts if p))
        if lowered in self._stops:
            return None
        stemmed = self._stem_piece(lowered)
        parts = self._compound_parts(lowered)
        if self._lemmas and lowered.isalpha():
            lemma = lemma_stem(lowered)
            if lemma is not None and lemma != stemmed and lemma not in parts:
                parts.append(lemma)
        return stemmed, tuple(parts)

    @staticmethod
    def _stem_piece(piece: str) -> str:
        return stem(piece) if piece.isalpha() else piece

    # -- compounds -------------------------------------------------------------------------

    def _compound_parts(self, word: str) -> list[str]:
        """Stems of the parts of `word` when it splits into corpus words, else []."""
        if not self._split or len(word) < MIN_COMPOUND_LENGTH or not word.isalpha():
            return []
        parts = self._split_compound(word, depth=2)
        if not parts:
            return []
        whole = stem(word)
        return [s for s in dict.fromkeys(stem(p) for p in parts) if s != whole]

    def is_dictionary_word(self, word: str) -> bool:
        """Whether the Swedish dictionary data knows `word` (lower case) as a word, an inflected
        form, or a compound of its parts: a word no document uses is then a real word the
        corpus lacks (`liggsår`), not a typo."""
        if lemma_stem(word) is not None or word in self._begin or self._may_end(word):
            return True
        if not word.isalpha() or len(word) < MIN_COMPOUND_LENGTH:
            return False
        for i in range(MIN_HEAD_LENGTH + 1, len(word) - MIN_TAIL_LENGTH):
            head, tail = word[:i], word[i:]
            if (head in self._begin or self._may_end(head) or self._may_end(head[:-1])) and self._may_end(tail):
                return True
        return False

    def _may_end(self, part: str) -> bool:
        """Whether the dictionary lets `part` end a compound: `part` or the base form its
        inflection ending hides (`resurser` -> `resurs`, `kvinnorna` -> `kvinna`) is listed.
        Endings are taken off by rule rather than by Snowball, which cuts too hard for this
        (`samheten` -> `sam`) and not consistently (`resurs` -> `resur`, `resurser` -> `resurs`)."""
        if part in self._end:
            return True
        for ending, restored in _INFLECTIONS:
            if part.endswith(ending) and len(part) - len(ending) > MIN_TAIL_LENGTH:
                if part[: len(part) - len(ending)] + restored in self._end:
                    return True
        return False

    def _split_compound(self, word: str, depth: int) -> list[str]:
        """The best split of `word` into two corpus words (recursing into each), or []."""
        freq = self._frequency
        assert freq is not None
        best: tuple[float, str, str] | None = None
        for i in range(MIN_HEAD_LENGTH, len(word) - MIN_TAIL_LENGTH + 1):
            head, tail = word[:i], word[i:]
            if tail in self._stops or tail in _SUFFIX_TAILS:
                continue
            tail_freq = freq(tail)
            if tail_freq < _needed_frequency(tail, self._may_end(tail)):
                continue
            if head in self._stops:
                continue
            for candidate in _head_forms(head):
                if len(candidate) < MIN_HEAD_LENGTH or candidate in self._stops:
                    continue
                head_freq = freq(candidate)
                # A compound-form (`hälso`, `läkar`) or a word the dictionary lets end a compound
                # (`sjukvårds` = `sjukvård` + linking -s).
                listed = candidate in (head, head[:-1]) and (
                    (len(candidate) > MIN_HEAD_LENGTH and candidate in self._begin) or self._may_end(candidate)
                )
                if head_freq < _needed_frequency(candidate, listed):
                    continue
                # Geometric mean of the parts' frequencies (+1: a dictionary part may be new to
                # the corpus): prefers splits into common words.
                score = math.sqrt((head_freq + 1) * (tail_freq + 1))
                if best is None or score > best[0]:
                    best = (score, candidate, tail)
        if best is None:
            return []
        _, head, tail = best
        if depth <= 1:
            return [head, tail]
        out: list[str] = []
        for part in (head, tail):
            out.append(part)
            if len(part) >= MIN_COMPOUND_LENGTH:
                out.extend(self._split_compound(part, depth - 1))
        return out


def _needed_frequency(part: str, listed: bool = False) -> int:
    """How often the corpus must use `part` on its own for it to count as a word; a part the
    dictionary lists for its place needs no corpus evidence, unless it is three letters long
    (`hem`, `lag`, but also `kon`, `ung`: those must also occur on their own)."""
    if listed:
        return 1 if len(part) <= MIN_TAIL_LENGTH else 0
    return SHORT_PART_FREQUENCY if len(part) <= MIN_TAIL_LENGTH else MIN_PART_FREQUENCY


def _head_forms(head: str) -> list[str]:
    """What a compound's first part may stand for: itself, without a linking -s
    (`sjukvårds` -> `sjukvård`), with -s replaced by -e (`arbets` -> `arbete`), or with a
    dropped final vowel restored (`skol` -> `skola`)."""
    forms = [head]
    if head.endswith("s") and len(head) > MIN_HEAD_LENGTH:
        forms.append(head[:-1])
        forms.append(head[:-1] + "e")
    if head[-1] not in _VOWELS:
        forms.append(head + "a")
        forms.append(head + "e")
    return forms
