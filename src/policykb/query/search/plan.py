"""Query understanding: clean the query, expand acronyms and act names, find legal references.

`QueryAnalyzer.plan(text)` turns what the user typed into a `QueryPlan`:
- the analysed terms for the lexical side (whole words and compound parts),
- expansion phrases from the synonym groups of the lawbook (`HSL` <-> `hälso- och
  sjukvårdslagen` <-> `SFS 2017:30`) and the entity patterns (`MAR` <-> `medicinskt ansvarig för
  rehabilitering`), matched both ways,
- the text the dense side embeds (the query, plus the spelled-out forms of what it abbreviates,
  which a small embedding model does not know),
- the canonical forms of the legal references in the query (to boost passages citing them),
- for an English query (`crosslingual.is_english`), its Swedish translation by the care-policy
  glossary: the Swedish terms are what the word index searches for, and the Swedish text is a
  second text for the embedding model (its vector is averaged with the English query's);
- for a Swedish query in everyday words (`doktor`, `psyket`), the words official texts use for the
  same thing (`register`): searched beside the query's own words.

Synonym groups and the reference finder come from `policykb.legal` and `policykb.annotate.entities` when
those modules are installed; both can be passed in explicitly (tests, other corpora).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from policykb.swedish.analyzer import Analyzer
from policykb.swedish.text import check_unicode
from policykb.query.search.crosslingual import Glossary, default_glossary, is_english
from policykb.query.search.register import Register, default_register
from policykb.errors import InputError

MAX_QUERY_CHARS = 1000
# Characters a PDF viewer puts into copied text that are not part of the words: soft hyphens,
# zero-width spaces and joiners, byte-order marks, pdfium's U+FFFE hyphen mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\ufffe"))
# A word broken at a line end with a hyphen, as copied from a PDF: `hemsjuk-\nvården`.
_BROKEN_WORD = re.compile(r"(?<=[^\W\d_])-[ \t]*\r?\n\s*(?=[a-zåäö])")
# A word no document uses is looked up among the corpus words one edit away (a typo) when it is
# at least this long: shorter words have too many neighbours to guess from.
MIN_CORRECTED_LENGTH = 5
_ALPHABET = "abcdefghijklmnopqrstuvwxyzåäöé"
_LETTERS = re.compile(r"[^\W\d_]+")
# At most this many spelled-out forms are added to the dense query per matched group.
MAX_DENSE_EXPANSIONS = 2
# Whether the official forms of a query's everyday words (`register`) are added to the text the
# embedding model reads, as the spelled-out forms of abbreviations are: on the training queries
# with them +0.007 nDCG@10, without +0.005 (README "Search quality").
REGISTER_IN_DENSE = True
_SPACE = re.compile(r"\s+")

ReferenceFinder = Callable[[str], list[str]]


@dataclass
class QueryPlan:
    text: str
    terms: list[str]
    phrases: list[list[str]] = field(default_factory=list)
    dense_text: str = ""
    references: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # An English query's Swedish translation (None for a Swedish query).
    translation: str | None = None
    # The official forms of the query's everyday words (`register`), as analysed terms.
    register_phrases: list[list[str]] = field(default_factory=list)

    @property
    def dense_texts(self) -> list[str]:
        """The texts whose query vectors are averaged for the dense side."""
        return [self.dense_text, self.translation] if self.translation else [self.dense_text]

    @property
    def highlight_terms(self) -> set[str]:
        return set(self.terms) | {t for p in [*self.phrases, *self.register_phrases] for t in p}

    @property
    def has_lexical_terms(self) -> bool:
        return bool(self.terms or self.phrases or self.register_phrases)


def clean_query(text: str, warnings: list[str]) -> str:
    if not isinstance(text, str):
        raise InputError("the query must be text")
    check_unicode(text, "the query")
    text = _BROKEN_WORD.sub("", text.translate(_INVISIBLE))
    # NFKC folds what PDFs are full of (ligatures `ﬁ`, non-breaking and other odd spaces) into
    # the plain letters and spaces the passages were analysed from.
    text = unicodedata.normalize("NFKC", text)
    cleaned = _SPACE.sub(" ", text.replace("\x00", " ")).strip()
    if not cleaned:
        raise InputError('the query is empty; type what you are looking for, e.g. `policykb search "delegering läkemedel"`')
    if not any(c.isalnum() for c in cleaned):
        # `?` or `--`: nothing to match by word or by meaning (the model would rank passages by noise)
        raise InputError(f'the query {cleaned!r} has no letters or digits; type words, e.g. `policykb search '
                         f'"delegering läkemedel"`')
    if len(cleaned) > MAX_QUERY_CHARS:
        cut = cleaned.rfind(" ", 0, MAX_QUERY_CHARS)
        cleaned = cleaned[: cut if cut > MAX_QUERY_CHARS // 2 else MAX_QUERY_CHARS]
        warnings.append(
            f"the query is {len(text)} characters long; only its first {len(cleaned)} were used "
            f"(limit {MAX_QUERY_CHARS})"
        )
    return cleaned


def normalise_groups(raw: Any) -> list[list[str]]:
    """Synonym groups from whatever shape a data module gives: a dict (key -> forms, the key
    included), or an iterable of groups, each an iterable of strings (or one string)."""
    groups: list[list[str]] = []
    if raw is None:
        return groups
    items: Iterable[Any]
    if isinstance(raw, dict):
        items = ([key, *(value if isinstance(value, (list, tuple, set, frozenset)) else [value])] for key, value in raw.items())
    else:
        items = raw
    for item in items:
        if isinstance(item, str):
            continue
        forms = [str(f).strip() for f in item if isinstance(f, str) and str(f).strip()]
        forms = list(dict.fromkeys(forms))
        if len(forms) >= 2:
            groups.append(forms)
    return groups


def default_synonym_groups() -> list[list[str]]:
    """The lawbook's and the entity data's synonym groups, when those modules are present."""
    groups: list[list[str]] = []
    for module_name in ("policykb.legal.lawbook", "policykb.annotate.entities"):
        try:
            module = __import__(module_name, fromlist=["synonym_groups"])
            groups.extend(normalise_groups(module.synonym_groups()))
        except (ImportError, AttributeError):
            continue
    return groups


def default_reference_finder() -> ReferenceFinder | None:
    try:
        from policykb.legal import find_references  # type: ignore[attr-defined]
    except (ImportError, AttributeError):
        return None

    def find(text: str) -> list[str]:
        return list(dict.fromkeys(ref.canonical for ref in find_references(text)))

    return find


def parse_reference_canonicals(text: str) -> list[str]:
    """Canonical forms of a reference given as a filter (`--cites`), in any spelling the legal
    parser accepts; without the parser, the text itself (spaces normalised)."""
    try:
        from policykb.legal import parse_reference  # type: ignore[attr-defined]
    except (ImportError, AttributeError):
        cleaned = _SPACE.sub(" ", text).strip()
        return [cleaned] if cleaned else []
    return list(dict.fromkeys(ref.canonical for ref in parse_reference(text)))


class QueryAnalyzer:
    def __init__(
        self,
        analyzer: Analyzer,
        synonym_groups: Sequence[Sequence[str]] = (),
        reference_finder: ReferenceFinder | None = None,
        *,
        frequency: Callable[[str], int] | None = None,
        glossary: Glossary | None | bool = True,
        known_words: Callable[[Sequence[str]], dict[str, int]] | None = None,
        register: Register | None | bool = True,
    ):
        """`frequency(word)`: how often the corpus uses a word (tells English from Swedish);
        `known_words(words)`: the corpus counts of those of `words` it uses (for typos);
        `glossary`: the English-Swedish glossary (True: the bundled one; None/False: English
        queries are searched as typed); `register`: everyday to official Swedish (True: the
        bundled list; None/False: none)."""
        self.analyzer = analyzer
        self.reference_finder = reference_finder
        self.frequency = frequency
        self.known_words = known_words
        self.glossary = default_glossary() if glossary is True else (glossary or None)
        self.register = default_register() if register is True else (register or None)
        # variant -> its whole-word terms, grouped by first term for matching.
        self._groups: list[list[tuple[str, tuple[str, ...]]]] = []
        self._by_first: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for group in synonym_groups:
            # Inflected forms mostly analyse to the same terms: keep one form per distinct analysis.
            variants: list[tuple[str, tuple[str, ...]]] = []
            seen_terms: set[tuple[str, ...]] = set()
            for form in group:
                terms = tuple(analyzer.terms(form))
                if terms and terms not in seen_terms:
                    seen_terms.add(terms)
                    variants.append((form, terms))
            if len(variants) < 2:
                continue
            gid = len(self._groups)
            self._groups.append(variants)
            for _, terms in variants:
                self._by_first.setdefault(terms[0], []).append((gid, terms))

    def plan(self, text: str) -> QueryPlan:
        warnings: list[str] = []
        cleaned = clean_query(text, warnings)
        translation = None
        lexical_text = cleaned
        if self.glossary is not None and is_english(cleaned, self.frequency, self.glossary):
            translated = self.glossary.translate(cleaned)
            if translated.text:
                translation = translated.text
                # Every Swedish form of every matched term, and the words kept as they are.
                lexical_text = " ; ".join([*translated.terms, *translated.kept])
        # A query typed in capitals is read as written in lower case by the (cased) embedding
        # model; one short all-capitals word is an acronym (`SIP`) and stays as it is.
        dense_text = cleaned.lower() if _shouted(cleaned) else cleaned
        if translation is None and not self._uses_a_corpus_word(cleaned):
            # Only for a query with nothing else to match: corrected among other words, typos
            # changed nothing on the training queries and cost the test queries 0.003 nDCG@10.
            corrections = self.corrections(cleaned)
            if corrections:
                # The corrected word is searched beside the typed one (which may be a real word
                # the corpus lacks), and is what the embedding model reads.
                lexical_text = f"{cleaned} {' '.join(corrections.values())}"
                dense_text = _LETTERS.sub(lambda m: corrections.get(m.group().lower(), m.group()), dense_text)
                warnings.append(
                    "no document uses " + ", ".join(f"'{typed}'" for typed in corrections)
                    + "; also searched for " + ", ".join(f"'{fixed}'" for fixed in corrections.values())
                )
        tokens = self.analyzer.tokens(lexical_text)
        terms = list(dict.fromkeys(t for token in tokens for t in token.terms))
        plan = QueryPlan(text=cleaned, terms=terms, dense_text=dense_text, warnings=warnings, translation=translation)

        whole = [t.term for t in tokens]
        every = set(terms)
        matched: dict[int, set[tuple[str, ...]]] = {}
        for i, term in enumerate(whole):
            for gid, variant in self._by_first.get(term, ()):
                if tuple(whole[i : i + len(variant)]) == variant:
                    matched.setdefault(gid, set()).add(variant)
        for term in every - set(whole):  # parts of hyphenated words and compounds: `LSS-boenden`
            for gid, variant in self._by_first.get(term, ()):
                if len(variant) == 1:
                    matched.setdefault(gid, set()).add(variant)
        spelled_out: list[str] = []
        for gid, seen in matched.items():
            others = [(form, terms_) for form, terms_ in self._groups[gid] if terms_ not in seen]
            for _, variant_terms in others:
                plan.phrases.append(list(variant_terms))
                # Identifiers (`2017:30`) are strong evidence on their own, wherever they stand.
                plan.phrases.extend([t] for t in variant_terms if any(c.isdigit() for c in t) and ":" in t)
            wordy = [form for form, terms_ in others if len(terms_) > 1 and not any(c.isdigit() for c in form)]
            spelled_out.extend(wordy[:MAX_DENSE_EXPANSIONS])
        if translation is None and self.register is not None:
            official = self.register.expansions(lexical_text)
            plan.register_phrases = [list(e.terms) for e in official]
            if REGISTER_IN_DENSE:
                spelled_out.extend(e.form for e in official)
        if spelled_out:
            plan.dense_text = f"{dense_text} ({'; '.join(dict.fromkeys(spelled_out))})"
        if self.reference_finder is not None:
            try:
                plan.references = self.reference_finder(cleaned)
            except Exception:  # noqa: BLE001 - a parser slip must not break search
                plan.references = []
        if not plan.has_lexical_terms:
            plan.warnings.append(
                "the query has no words the word index can match: only stop words (such as 'och', 'i', "
                "'för') or punctuation; searching by meaning only"
            )
        return plan

    def _uses_a_corpus_word(self, text: str) -> bool:
        if self.frequency is None:
            return True
        return any(self.frequency(w.lower()) > 0 for w in _LETTERS.findall(text) if self.analyzer.terms(w))

    def corrections(self, text: str) -> dict[str, str]:
        """Typed word -> the corpus word one edit away (a letter dropped, added, changed or two
        swapped) that the corpus uses most, for each word of `text` that neither the corpus nor
        the Swedish dictionary data nor the English glossary knows.
        `hemsjukvåd` -> `hemsjukvård`. A word the corpus uses, a short word, or one with no
        neighbour is left alone."""
        if self.known_words is None or self.frequency is None:
            return {}
        out: dict[str, str] = {}
        for word in dict.fromkeys(w.lower() for w in _LETTERS.findall(text)):
            if len(word) < MIN_CORRECTED_LENGTH or word in out or self.frequency(word) > 0:
                continue
            if self.analyzer.terms(word) == []:  # a stop word
                continue
            # A Swedish word the corpus lacks is searched as it is (by meaning), not bent into a
            # corpus word one letter away; so is an English word (mixed queries).
            if self.analyzer.is_dictionary_word(word):
                continue
            if self.glossary is not None and self.glossary.knows(word):
                continue
            found = self.known_words(sorted(_one_edit(word)))
            if found:
                out[word] = max(sorted(found), key=lambda w: found[w])
        return out


def _shouted(text: str) -> bool:
    """All letters upper case, and more than one short word (`SIP` is an acronym, not shouting)."""
    words = _LETTERS.findall(text)
    return bool(words) and text.upper() == text and text.lower() != text and (
        len(words) > 1 or len(words[0]) > 5
    )


def _one_edit(word: str) -> set[str]:
    """Every string one deletion, transposition, replacement or insertion away (Norvig)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
    inserts = {a + c + b for a, b in splits for c in _ALPHABET}
    return (deletes | swaps | replaces | inserts) - {word}
