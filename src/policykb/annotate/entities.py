"""Domain entities: roles (MAS, MAR, PAL, fast vårdkontakt), plans (SIP, vårdplan) and organisations.

Patterns live in `data/entities.json`. Matching is token based (spaCy's PhraseMatcher on the
shared `policykb.annotate.pipeline` pipeline), so nothing matches inside another word (`mas` in `massa`,
`mar` in `Smartare`, `pal` in `palliativa`); abbreviations match case-sensitively (`MAR`, not
`mars`), phrases case-insensitively with their genitive. Overlaps keep the longest match, and
an entity renamed right after another of the same type (`en individuell plan så kallad SIP`)
takes the later, more specific label.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from policykb.models import Mention
from policykb.data import load_json
from policykb.swedish.words import genitive

COMPONENT = "policykb_entities"
SPAN_KEY = "entities"


@dataclass(frozen=True)
class EntityPatterns:
    abbreviations: dict[str, list[str]]  # label -> exact token forms (MAS, MAS:en ...)
    phrases: dict[str, list[str]]  # label -> lower-case phrases (with genitives)
    exact_phrases: dict[str, list[str]]  # label -> case-sensitive phrases (and their upper-case form)
    connectors: tuple[str, ...]


@lru_cache(maxsize=1)
def load_patterns() -> EntityPatterns:
    raw = load_json("entities.json")
    suffixes = raw.get("abbreviation_suffixes", [])
    abbreviations, phrases, exact = {}, {}, {}
    for item in raw["labels"]:
        label = item["label"]
        # Each colon suffix also without its colon, as it is often written: IVOs, SKRs, SIPen.
        forms = [""] + suffixes + [s.lstrip(":") for s in suffixes if s.startswith(":")]
        abbreviations[label] = [a + s for a in item.get("abbreviations", []) for s in forms]
        forms = []
        for phrase in item.get("phrases", []):
            forms += [phrase.lower(), genitive(phrase.lower())]
        phrases[label] = sorted(set(forms))
        exact_forms = []
        for phrase in item.get("exact_phrases", []):
            exact_forms += [phrase, phrase.upper()]
        exact[label] = sorted(set(exact_forms))
    return EntityPatterns(abbreviations, phrases, exact, tuple(raw.get("apposition", {}).get("connectors", [])))


def synonym_groups() -> list[list[str]]:
    """Per label, its surface forms (abbreviations and phrases), for query expansion."""
    patterns = load_patterns()
    groups = []
    for label in patterns.abbreviations:
        forms = patterns.abbreviations[label] + patterns.phrases[label] + \
            [p for p in patterns.exact_phrases[label] if not p.isupper()]
        if forms:
            groups.append(forms)
    return groups


def labels() -> list[str]:
    return list(load_patterns().abbreviations)


class EntityTagger:
    """spaCy component: entity mentions -> `doc._.mentions` and `doc.spans["entities"]`."""

    def __init__(self, nlp):
        from spacy.matcher import PhraseMatcher

        patterns = load_patterns()
        self.abbr = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        for label in patterns.abbreviations:
            if patterns.abbreviations[label]:
                self.abbr.add(label, [nlp.make_doc(t) for t in patterns.abbreviations[label]])
            if patterns.phrases[label]:
                self.lower.add(label, [nlp.make_doc(t) for t in patterns.phrases[label]])
            if patterns.exact_phrases[label]:
                self.exact.add(label, [nlp.make_doc(t) for t in patterns.exact_phrases[label]])
        self.connectors = {tuple(t.text.lower() for t in nlp.make_doc(c)) for c in patterns.connectors}
        self.max_connector = max((len(c) for c in self.connectors), default=0)

    def __call__(self, doc):
        from spacy.util import filter_spans

        vocab = doc.vocab
        spans = []
        for matcher in (self.abbr, self.lower, self.exact):
            for match_id, start, end in matcher(doc):
                spans.append(doc[start:end])
                spans[-1].label_ = vocab.strings[match_id]
        spans = sorted(filter_spans(spans), key=lambda s: s.start)
        labels = [s.label_ for s in spans]
        for i in range(len(spans) - 1):
            a, b = spans[i], spans[i + 1]
            gap = tuple(t.text.lower() for t in doc[a.end:b.start])
            if 0 < len(gap) <= self.max_connector and gap in self.connectors and \
                    labels[i].split(":")[0] == labels[i + 1].split(":")[0]:
                labels[i] = labels[i + 1]
        doc._.mentions = [Mention(s.start_char, s.end_char, s.text, label) for s, label in zip(spans, labels)]
        doc.spans[SPAN_KEY] = spans
        return doc


def register() -> None:
    from spacy.language import Language
    from spacy.tokens import Doc

    if not Doc.has_extension("mentions"):
        Doc.set_extension("mentions", default=None)
    if COMPONENT not in Language.factories:
        Language.factory(COMPONENT, func=lambda nlp, name: EntityTagger(nlp))
