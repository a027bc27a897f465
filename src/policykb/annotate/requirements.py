"""Normative sentences: which sentence states a requirement, of what kind, on whom, resting on what.

`detect_requirement(sentence)` finds the modal verb or phrase that carries the norm (`ska`,
`får inte`, `bör`, `har rätt till`, `ansvarar för` …), decides whether it really does in this
clause, and names the actor bound by it. `choose_sources(inline, footnote)` picks the references
a requirement rests on. Vocabulary lives in `data/requirements.json`.

Why each rule:

* A modal verb in a purpose, goal, expectation, indirect-question or relative clause states no
  requirement (`för att patienten ska få`, `Ambitionen är att andelen ska öka`, `vad som ska
  göras`); one in a reporting clause does (`Av 6 kap. 1 § PSL följer att personalen ska`).
* `får` is a permission only before a verb (`Regionen får överlåta`, `får delegeras`); before a
  noun phrase it means "receives" (`patienten får information`, `får hälso- och sjukvård`).
* A duty to give something to a patient or a närstående (`En patient ska få möjlighet att
  välja`) is that person's right.
* The actor is the subject of the modal verb: the nearest actor before it in its clause (with
  any actor coordinated with it: `Regionen och kommunen ska`), else the one right after it
  (inverted order: `Om … ska vårdgivaren`), else the agent of a passive (`av verksamhetschefen`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from policykb.data import load_json

MODALITIES = ("obligation", "permission", "prohibition", "recommendation", "right")
UNKNOWN_ACTOR = "unknown"
# Reference kinds that are law (a provision or a whole act or regulation), as opposed to
# preparatory works and reports.
LEGAL_KINDS = frozenset({"act", "chapter", "section", "regulation", "eu"})

_WORD = re.compile(r"\w+(?:-\w+)*-?")
_CLAUSE_BOUNDARY = re.compile(r"[,;:–—]")


@dataclass(frozen=True)
class Detection:
    modality: str
    actor: str
    actors: tuple[str, ...]
    trigger: str
    trigger_start: int
    trigger_end: int


@dataclass(frozen=True)
class _Vocabulary:
    triggers: list[tuple[re.Pattern[str], str, int]]  # (pattern, modality, priority)
    in_clause: list[re.Pattern[str]]
    just_before: list[re.Pattern[str]]
    cleft: re.Pattern[str]
    subject_relative: re.Pattern[str]
    right_after_duty: re.Pattern[str]
    beneficiaries: frozenset[str]
    permission: dict[str, Any]
    actor_pattern: re.Pattern[str]
    actor_of: dict[str, str]
    actor_labels: dict[str, str]  # lower-case label or form -> label
    subordinators: dict[str, frozenset[str]]


@lru_cache(maxsize=1)
def vocabulary() -> _Vocabulary:
    data = load_json("requirements.json")
    modalities = data["modalities"]
    triggers = []
    for priority, modality in enumerate(modalities["order"]):
        for pattern in modalities[modality]:
            triggers.append((re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])"), modality, priority))
    rules = data["not_normative"]
    actor_of: dict[str, str] = {}
    for entry in data["actors"]:
        for form in entry["patterns"]:
            actor_of[form.lower()] = entry["actor"]
    forms = sorted(actor_of, key=len, reverse=True)
    actor_pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(f) for f in forms) + r")(?![\w-])")
    labels = {entry["actor"].lower(): entry["actor"] for entry in data["actors"]}
    labels.update({form: actor for form, actor in actor_of.items()})
    permission = data["permission"]
    return _Vocabulary(
        triggers=triggers,
        in_clause=[re.compile(p) for p in rules["in_clause"]],
        just_before=[re.compile(p) for p in rules["just_before"]],
        cleft=re.compile(rules["cleft"]),
        subject_relative=re.compile(rules["subject_relative"]),
        right_after_duty=re.compile(data["right_after_duty"]),
        beneficiaries=frozenset(data["beneficiaries"]),
        permission={
            "skip": frozenset(permission["skip"]),
            "inverted_after": frozenset(permission["inverted_after"]),
            "stop": frozenset(permission["stop"]),
            "receive": frozenset(permission["receive"]),
            "adjective_suffixes": tuple(permission["adjective_suffixes"]),
            "verb_suffixes": tuple(permission["verb_suffixes"]),
            "short_verbs": frozenset(permission["short_verbs"]),
        },
        actor_pattern=actor_pattern,
        actor_of=actor_of,
        actor_labels=labels,
        subordinators={
            "anywhere": frozenset(rules["subordinators_anywhere"]),
            "initial": frozenset(rules["subordinators_initial"]),
            "modal_verbs": frozenset(rules["modal_verbs"]),
        },
    )


def detect_requirement(sentence: str, *, cites_law: bool = False) -> Detection | None:
    """The requirement a sentence states, or None when it states none.

    `cites_law`: the sentence carries law (a legal footnote or an inline provision). A modal
    verb in a relative clause, an indirect question or a subordinate clause then still reports
    a norm ("bestämmelser om vilka rutiner som ska finnas[129]"); in a purpose or goal clause it
    does not.
    """
    # a link's title followed by its address ("Vem får göra vad i vården? https://…") is a
    # question too, not a norm (issue 17.9)
    text = re.sub(r"(?:\s*https?://\S+)+\s*$", "", sentence.strip())
    if not text or text.endswith("?"):
        return None
    low = _lower(sentence)
    vocab = vocabulary()
    candidates: list[tuple[int, int, int, str]] = []  # (start, priority, -length, modality)
    spans: dict[tuple[int, int, str], int] = {}
    for pattern, modality, priority in vocab.triggers:
        for m in pattern.finditer(low):
            candidates.append((m.start(), priority, -(m.end() - m.start()), modality))
            spans[(m.start(), priority, modality)] = m.end()
    candidates.sort()
    tried: set[int] = set()
    for start, priority, _, modality in candidates:
        if start in tried:
            continue  # the best pattern at this position already decided it
        tried.add(start)
        end = spans[(start, priority, modality)]
        if not _is_normative(low, start, vocab, lenient=cites_law):
            continue
        clause = _subordinate_clause(low, start, end, vocab)
        if clause == "subordinate" and not cites_law:
            continue
        if modality == "permission" and not _is_permission(low, start, end, vocab):
            continue
        actors = _actors(low, start, end, vocab, inverted=clause == "after_subordinate")
        actor = actors[0] if actors else UNKNOWN_ACTOR
        if modality == "obligation" and actor in vocab.beneficiaries and vocab.right_after_duty.match(low, start):
            modality = "right"
        return Detection(modality, actor, tuple(actors), sentence[start:end], start, end)
    return None


def _lower(text: str) -> str:
    low = text.lower()
    # Offsets must stay valid: fall back to per-character lowering if lower() changed the length.
    return low if len(low) == len(text) else "".join(ch.lower()[:1] or ch for ch in text)


def _clause_start(low: str, pos: int) -> int:
    start = 0
    for m in _CLAUSE_BOUNDARY.finditer(low, 0, pos):
        start = m.end()
    return start


def _is_normative(low: str, start: int, vocab: _Vocabulary, *, lenient: bool = False) -> bool:
    clause = low[_clause_start(low, start) : start].strip()
    if any(p.search(clause) for p in vocab.in_clause):
        return False
    if not lenient and any(p.search(clause) for p in vocab.just_before):
        if vocab.subject_relative.match(clause) or vocab.cleft.search(low[:start].rstrip()):
            return True
        return False
    return True


def _subordinate_clause(low: str, start: int, end: int, vocab: _Vocabulary) -> str | None:
    """"subordinate" when the trigger is the verb of a när/om/eftersom clause, not of the main
    clause; "after_subordinate" when it is the main verb right after such a clause (its subject
    then follows it); None when no subordinate clause is in the way.

    Swedish puts the subject before the verb in a subordinate clause ("när personalen ska
    utföra", "när en sjuksköterska ansvarar för") but after it in a main clause that follows a
    fronted subordinate one ("Om hjälpmedlet är en medicinteknisk produkt ska vårdgivaren").
    """
    words = low[_clause_start(low, start) : start].split()
    if not words:
        return None
    rules = vocab.subordinators
    clause = " " + " ".join(words) + " "
    if words[0] not in rules["initial"] and not any(f" {w} " in clause for w in rules["anywhere"]):
        return None
    if low[start:end].split()[0] not in rules["modal_verbs"]:
        return "subordinate"
    following = _WORD.search(low, end)
    if following is not None and _looks_like_verb(following.group(), vocab.permission):
        return "subordinate"
    return "after_subordinate"


def _is_permission(low: str, start: int, end: int, vocab: _Vocabulary) -> bool:
    """`får` + verb is a permission; `får` + noun phrase means "receives"."""
    rules = vocab.permission
    words = [m.group() for m in _WORD.finditer(low, end, min(len(low), end + 120))]
    clause = low[_clause_start(low, start) : start].split()
    if clause and clause[0] in rules["inverted_after"]:
        # "Inom vården får en arbetsuppgift delegeras": the subject stands between får and the verb.
        for word in words[:6]:
            if word in rules["stop"]:
                break
            if _looks_like_verb(word, rules):
                return True
    for word in words:
        if word in rules["skip"]:
            continue
        if word in rules["receive"]:
            return False
        return _looks_like_verb(word, rules)
    return False


def _looks_like_verb(word: str, rules: dict[str, Any]) -> bool:
    if word in rules["short_verbs"]:
        return True
    if word in rules["receive"] or word.endswith(rules["adjective_suffixes"]):
        return False
    return len(word) > 2 and word.endswith(rules["verb_suffixes"])


def _actors(low: str, start: int, end: int, vocab: _Vocabulary, *, inverted: bool = False) -> list[str]:
    matches = list(vocab.actor_pattern.finditer(low))
    clause_start = _clause_start(low, start)
    # After a fronted subordinate clause the subject follows the verb; actors before it belong
    # to the subordinate clause.
    before = [] if inverted else [m for m in matches if m.end() <= start]
    in_clause = [m for m in before if m.start() >= clause_start]
    if in_clause:
        return _with_coordinated(low, before, in_clause[-1], vocab)
    # Inverted order: the subject right after the verb ("ska vårdgivaren", "får regionen").
    after = [m for m in matches if m.start() >= end]
    if after and re.fullmatch(r"\s*(?:(?:också|även|därför|dock|alltid|särskilt|endast|inte|då)\s+)*", low[end : after[0].start()]):
        return [vocab.actor_of[after[0].group()]]
    for m in after:
        if re.search(r"\bav\s+$", low[max(end, m.start() - 6) : m.start()]):
            return [vocab.actor_of[m.group()]]
    if before:
        return _with_coordinated(low, before, before[-1], vocab)
    return []


def _with_coordinated(low: str, before: list[re.Match[str]], last: re.Match[str], vocab: _Vocabulary) -> list[str]:
    group = [last]
    index = before.index(last)
    while index > 0:
        previous = before[index - 1]
        if re.fullmatch(r"\s*(?:,|och|eller|samt|,\s*och)\s*", low[previous.end() : group[0].start()]):
            group.insert(0, previous)
            index -= 1
        else:
            break
    out: list[str] = []
    for m in group:
        actor = vocab.actor_of[m.group()]
        if actor not in out:
            out.append(actor)
    return out


def normalise_actor(value: str) -> str | None:
    """The actor label a user's spelling stands for (`regionen`, `Region`, `IVO`), or None."""
    vocab = vocabulary()
    key = " ".join(value.lower().split())
    return vocab.actor_labels.get(key)


def actor_labels() -> list[str]:
    data = load_json("requirements.json")
    return [entry["actor"] for entry in data["actors"]] + [UNKNOWN_ACTOR]


# -- sources ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRef:
    """A reference a requirement may rest on: one stored `refs` row."""

    ref_id: int | None
    kind: str
    canonical: str
    url: str
    footnote_number: int | None = None


def choose_sources(inline: list[SourceRef], footnote: list[SourceRef]) -> tuple[list[SourceRef], str | None]:
    """(sources, via) of one requirement sentence.

    A footnote that cites law is where the author put the legal basis; an act merely named in
    the sentence ("kravet på en god vård i hälso- och sjukvårdslagen") is then subject matter,
    not source. Without such a footnote, law cited in the sentence itself is the basis; failing
    both, whatever the footnote or the sentence cites (preparatory works, reports).
    """
    footnote_law = any(r.kind in LEGAL_KINDS for r in footnote)
    inline_law = any(r.kind in LEGAL_KINDS for r in inline)
    if footnote_law:
        return _distinct_provisions(footnote), "footnote"
    if inline_law:
        return _distinct_provisions(inline), "inline"
    if footnote:
        return _distinct_provisions(footnote), "footnote"
    if inline:
        return _distinct_provisions(inline), "inline"
    return [], None


def _distinct_provisions(refs: list[SourceRef]) -> list[SourceRef]:
    """One entry per canonical, in order; an act named only as the act of provisions cited
    alongside it (`1 kap. 3 § … patientsäkerhetslagen (2010:659)`) adds nothing to them."""
    seen: set[str] = set()
    out: list[SourceRef] = []
    for ref in refs:
        if ref.canonical not in seen:
            seen.add(ref.canonical)
            out.append(ref)
    provisions = {r.canonical for r in out if r.kind in ("chapter", "section")}
    return [
        r for r in out
        if not (r.kind == "act" and any(p.startswith(r.canonical + " ") for p in provisions))
    ]
