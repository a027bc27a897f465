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
  second text for the embedding model (its vector is averaged with the English query's).

Synonym groups and the reference finder come from `policykb.legal` and `policykb.annotate.entities` when
those modules are installed; both can be passed in explicitly (tests, other corpora).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from policykb.swedish.analyzer import Analyzer
from policykb.swedish.text import check_unicode
from policykb.query.search.crosslingual import Glossary, default_glossary, is_english
from policykb.errors import InputError

MAX_QUERY_CHARS = 1000
# At most this many spelled-out forms are added to the dense query per matched group.
MAX_DENSE_EXPANSIONS = 2
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

    @property
    def dense_texts(self) -> list[str]:
        """The texts whose query vectors are averaged for the dense side."""
        return [self.dense_text, self.translation] if self.translation else [self.dense_text]

    @property
    def highlight_terms(self) -> set[str]:
        return set(self.terms) | {t for p in self.phrases for t in p}

    @property
    def has_lexical_terms(self) -> bool:
        return bool(self.terms or self.phrases)


def clean_query(text: str, warnings: list[str]) -> str:
    if not isinstance(text, str):
        raise InputError("the query must be text")
    check_unicode(text, "the query")
    cleaned = _SPACE.sub(" ", text.replace("\x00", " ")).strip()
    if not cleaned:
        raise InputError('the query is empty; type what you are looking for, e.g. `policykb search "delegering läkemedel"`')
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
    ):
        """`frequency(word)`: how often the corpus uses a word (tells English from Swedish);
        `glossary`: the English-Swedish glossary (True: the bundled one; None/False: English
        queries are searched as typed)."""
        self.analyzer = analyzer
        self.reference_finder = reference_finder
        self.frequency = frequency
        self.glossary = default_glossary() if glossary is True else (glossary or None)
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
        tokens = self.analyzer.tokens(lexical_text)
        terms = list(dict.fromkeys(t for token in tokens for t in token.terms))
        plan = QueryPlan(text=cleaned, terms=terms, dense_text=cleaned, warnings=warnings, translation=translation)

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
        if spelled_out:
            plan.dense_text = f"{cleaned} ({'; '.join(dict.fromkeys(spelled_out))})"
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
