"""Finds and normalises the legal references of one block of text.

Three layers:
1. *atoms* found by regular expressions: acts (abbreviations, names, `lagen (1993:387) om ...`,
   `SFS 2017:30`, anaphora like `samma lag`), government documents (prop., SOU, Ds, dir., bet.,
   rskr.), agency regulations (HSLF-FS, SOSFS, AFS) and EU acts;
2. *provision chains* (`5 kap. 1 och 4 §§`) parsed by `provisions.ChainParser` in windows
   around `§` and `kap`;
3. *attachment*, in reading order: a chain takes the act written right after it (`... §§ HSL`,
   `... § i lagen (2004:575)`, `... § samma lag`, `... § Socialstyrelsens föreskrifter (HSLF-FS
   2021:52)`), else the act right before it (`HSL 5 kap.`, `SFS 2017:30 2 kap. 3 §`), else the
   base act of the context, else the act named last in the same block; with none of these a
   bare `§` is not a reference.

Definitions (`patientsäkerhetslagen (2010:659), PSL`) are learned into the `ReferenceContext`
before attachment, each valid from its position on.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from policykb.models import Reference
from policykb.legal.canonical import act_canonical, act_kind, document_canonical, reference_url
from policykb.legal.context import ReferenceContext
from policykb.legal.lawbook import GENERIC_ACT_WORDS, Lawbook, load_lawbook
from policykb.legal.provisions import ChainParser, Chain, Item, tokenize

# --- patterns ----------------------------------------------------------------------------

SFS_NO = r"\d{4}\s*:\s*\d{1,4}(?:\s*s\.\s*\d{1,3})?"
ACT_SUFFIX = (
    r"(?:lag|lagen|lagens|förordning|förordningen|förordningens|balk|balken|balkens|ordning|ordningen|"
    r"formen|formens|kungörelse|kungörelsen|stadga|stadgan|grundlag|grundlagen|tillkännagivande|"
    r"tillkännagivandet|instruktion|instruktionen|reglemente|reglementet)"
)
# A named act with its number: `hälso- och sjukvårdslagen (2017:30)`, `lagen (1993:387)`, `Förordning (1910:103 s. 1)`
NAMED_NUMBER_RE = re.compile(
    r"(?<![\w-])(?P<name>(?:[^\W\d_]{1,30}-\s{0,3}och\s{1,3})?(?:[^\W\d_][\w-]{0,40}?)??(?i:" + ACT_SUFFIX + r"))"
    r"\s{0,40}\(\s{0,40}(?:SFS\s{0,3})?(?P<id>" + SFS_NO + r")\s{0,40}\)",
)
SFS_RE = re.compile(r"(?<![\w-])SFS\s{0,3}(?P<id>\d{4}\s?:\s?\d{1,4})(?![\d:])")
AMENDED_RE = re.compile(
    r"(?:lydelse(?:n)?\s+enligt|ändrad\s+genom|ändrad\s+senast\s+genom)\s{0,40}\(\s{0,40}(?P<id>\d{4}:\d{1,4})\s{0,40}\)"
)
AMENDMENT_NOTE_RE = re.compile(r"(?:^|(?<=[.!?]\s)|(?<=\n))\s*Lag\s\((?P<id>\d{4}:\d{1,4})\)\.")
# `lagen (2010:801) om införande av skollagen (2010:800)`: the act after "om införande av" is part of the
# title of the numbered act, which is the one its own provisions (`(33 §)`) belong to. (Not so after
# "om ändring i": there the provisions that follow are usually those of the amended act.)
INTRODUCING_TITLE_RE = re.compile(r"\s{1,3}om\s+införande\s+av\s+")
TRAILING_SFS_RE = re.compile(r"\s{0,3}\(\s{0,3}(?:SFS\s{0,3})?\d{4}\s?:\s?\d{1,4}\s{0,3}\)")
ABBR_SHAPE = r"[A-ZÅÄÖ](?:[A-Za-zÅÄÖåäö]{0,5}[A-ZÅÄÖ])"
DEFINITION_RE = re.compile(
    r"\)(?P<title>\s{1,3}(?:om|angående|med|till)\s[^,()\n]{0,160}?)?"
    r"(?:(?P<sep>\s{0,3},\s{0,3}|\s{0,3}\(\s{0,3})(?:nedan\s+(?:kallad\s+)?|förkortad\s+|i\s+det\s+följande\s+)?|\s{1,3})"
    r"(?P<abbr>" + ABBR_SHAPE + r")(?=\s{0,3}[),.;:]|\s*$|\s+(?:och|samt|eller)\b)"
)
NAME_ABBR_RE = re.compile(r"\s{0,3}\(\s{0,3}(?:nedan\s+(?:kallad\s+)?|förkortad\s+)?(?P<abbr>" + ABBR_SHAPE + r")\s{0,3}\)")
ANAPHORA_RE = re.compile(
    r"(?<![\w-])(?:(?P<same>[Ss]amma\s+(?P<same_kind>lag|förordning|balk))"
    r"|(?P<named>(?:[Nn]ämnda|[Ff]örutnämnda|[Oo]vannämnda)\s+(?P<named_kind>lag|förordning)(?:en)?)"
    r"|(?P<ordinal>[Dd]en\s+(?P<which>först|sist|senast)nämnda(?:\s+(?:lagen|förordningen))?)"
    r"|(?P<this>[Dd]enna\s+(?:lag|förordning|paragraf))"
    r"|(?P<bare>(?:[Dd]en\s+)?lagen)(?!\s*\(|\s+om\b|\s+\d))(?![\w-])"
)
LEGAL_PREPOSITIONS = {"enligt", "enl", "i", "av", "jfr", "se", "till", "mot", "under", "med", "och", "samt", "eller"}

PAGES = (
    r"(?P<pages>\d{1,4}(?:\s{0,2}[-–]\s{0,2}\d{1,4})?(?:\s{0,2}f{1,2}\.?)?"
    r"(?:\s{0,2}(?:,|och)\s{0,2}(?:s\.|sid\.?)?\s{0,2}\d{1,4}(?:\s{0,2}[-–]\s{0,2}\d{1,4})?(?:\s{0,2}f{1,2}\.?)?"
    r"(?!\s{0,3}(?:kap|§|st\b|mom)))*)"
)
PAGE_TAIL = r"(?:\s{0,3},?\s{0,3}(?:s\.|sid\.?|sidan|sidorna)\s{0,3}" + PAGES + r"(?!\s{0,3}(?:kap|§)))?"
RM = r"\d{4}/\d{2,4}"
DOC_RES: list[tuple[str, re.Pattern[str]]] = [
    ("prop", re.compile(
        r"(?<![\w-])(?:[Pp]rop\.?|[Pp]roposition(?:en)?|Kungl\.\s{0,3}Maj:ts\s+prop\.)\s{0,3}"
        r"(?:(?P<rm>" + RM + r")\s{0,2}:\s{0,2}(?P<no>\d{1,4})"
        r"|(?P<year>1[89]\d\d)\s{0,2}:\s{0,2}(?P<series>[AB]\s?)?(?P<no2>\d{1,4})"
        r"|nr\s{0,2}(?P<no3>\d{1,4})/(?P<year3>1[89]\d\d)"
        r"|(?P<year4>1[89]\d\d)\s+nr\s+(?P<no4>\d{1,4}))" + PAGE_TAIL)),
    # `Regeringens proposition Primärvård, privata vårdgivare m.m. 1994/95:195, s. 41`: title, then the number
    ("prop", re.compile(
        r"(?<![\w-])[Rr]egeringens\s+proposition(?:\s|\.\s)(?:(?!prop\.|[Pp]roposition|[.!?]\s+[A-ZÅÄÖ])[^()\n]){0,200}?"
        r"(?P<rm>" + RM + r")\s{0,2}:\s{0,2}(?P<no>\d{1,4})(?![\d:])" + PAGE_TAIL)),
    ("sou", re.compile(r"(?<![\w-])SOU\s{0,3}(?P<year>\d{4})\s{0,2}:\s{0,2}(?P<no>\d{1,4})(?![\d:])" + PAGE_TAIL)),
    ("ds", re.compile(r"(?<![\w-])D[sS]\s{0,3}(?P<year>\d{4})\s{0,2}:\s{0,2}(?P<no>\d{1,4})(?![\d:])" + PAGE_TAIL)),
    ("dir", re.compile(r"(?<![\w-])(?:[Dd]ir\.|[Kk]ommittédirektiv(?:et)?)\s{0,3}(?P<year>\d{4})\s{0,2}:\s{0,2}(?P<no>\d{1,4})(?![\d:])")),
    ("bet", re.compile(
        r"(?<![\w-])(?:(?:[Bb]et\.|[Bb]etänkande(?:t)?)\s{0,3}(?P<rm>" + RM + r")\s{0,2}:\s{0,2}(?P<no>[A-ZÅÄÖ][A-Za-zÅÄÖåäö]{0,3}\d{1,3})"
        r"|(?P<rm2>" + RM + r"):(?P<no2>[A-ZÅÄÖ][A-Za-zÅÄÖåäö]{0,3}U\d{1,3}))(?![\w:])")),
    ("rskr", re.compile(r"(?<![\w-])(?:[Rr]skr\.|[Rr]iksdagsskrivelse(?:n)?)\s{0,3}(?P<rm>" + RM + r")\s{0,2}:\s{0,2}(?P<no>\d{1,4})(?![\d:])")),
]
DOC_CONTINUATION_RE = re.compile(
    r"\s{0,3}(?:,|och|samt)\s{0,3}(?P<id>(?:" + RM + r"|\d{4})\s?:\s?\d{1,4})(?![\d:/])" + PAGE_TAIL
)
ANFORDA_PROP_RE = re.compile(r"(?<![\w-])a\.\s?prop\." + PAGE_TAIL)
UNKNOWN_REGULATION_RE = re.compile(r"(?<![\w-])(?P<prefix>[A-ZÅÄÖ]{1,8}(?:-[A-ZÅÄÖ]{0,4})?FS)\s{0,3}(?P<year>\d{4})\s?:\s?(?P<no>\d{1,4})")
REGULATION_TITLE_RE = re.compile(
    r"(?:[A-ZÅÄÖ][\wåäö-]{0,40}s\s+)?(?:föreskrifter(?:na)?|allmänna\s+råd)(?:\s+och\s+allmänna\s+råd)?"
    r"(?:\s{0,3}\(\s{0,3}|\s+)(?=[A-ZÅÄÖ]{1,8}(?:-[A-ZÅÄÖ]{0,4})?FS\s{0,3}\d{4})"
)
EU_RE = re.compile(
    r"(?:(?P<issuer>(?:Europaparlamentets\s+och\s+rådets|[Rr]ådets|[Kk]ommissionens)\s+)?"
    r"(?P<type>förordning|direktiv)(?:en|et)?\s{0,3}\((?P<org>EU|EG|EEG|Euratom)\)\s{0,3}(?:nr\s{0,3})?(?P<a>\d{1,4})/(?P<b>\d{1,4})"
    r"(?:\s+av\s+den\s+\d{1,2}\s+[a-zåäö]{3,9}\s+\d{4})?)"
    r"|(?:(?P<issuer2>(?:Europaparlamentets\s+och\s+rådets|[Rr]ådets|[Kk]ommissionens)\s+)?(?:direktiv(?:et)?\s{0,3})?"
    r"(?<![\w/])(?P<dy>\d{2}|\d{4})/(?P<dn>\d{1,4})/(?P<dorg>EG|EEG|EU|EUF|Euratom)(?![\w/])"
    r"(?:\s+av\s+den\s+\d{1,2}\s+[a-zåäö]{3,9}\s+\d{4})?)"
    r"|(?P<celex>(?!))"
)
ARTICLE_RE = re.compile(r"(?<![\w-])[Aa]rtikel(?:n)?\s{1,3}(?P<article>\d{1,3}(?:\.\d{1,3}){0,3})\s{1,3}i\s{1,3}$")
_SPACES_RE = re.compile(r"\s*")
_STRAY_PERIOD_RE = re.compile(r"\.\s+")
_AFTER_CHAIN_RE = re.compile(r"(,|i|enligt)\s+")
# The act a bill proposes (`3 kap. 6–13 §§ i lagförslaget`, `4 § i den föreslagna lagen`,
# `5 § i förslaget till lag om …`): it has no SFS number yet and is not the act named last, so its
# provisions are no citation of any act in force (issue 17.7). A proposal to amend an act
# (`förslaget till lag om ändring i socialtjänstlagen`) numbers its provisions as that act does:
# it is left to the act's name that follows.
PROPOSED_ACT_RE = re.compile(
    r"(?:lagförslag(?:et|en)?|(?:det\s+)?nya\s+lagförslaget|den\s+föreslagna\s+(?:nya\s+)?(?:lagen|förordningen)"
    r"|(?:det\s+)?förslaget\s+till\s+(?:ny\s+)?(?:lag|förordning)(?!\s+om\s+ändring))(?![\wåäö-])",
    re.IGNORECASE,
)
UNKNOWN_ACT_NAME_RE = re.compile(
    r"[^\W\d_][\w-]{0,40}?(?:lagen|förordningen|balken|kungörelsen|stadgan|ordningen)(?![\w-])"
)
# Cheap gates: most blocks have no number like 2017:30 and no slash; skip the costly patterns then.
NUMBERED_GATE_RE = re.compile(r"\d{4}\s{0,2}[:/]|\d\s+nr\s|nr\s{0,2}\d")
SFS_NUMBER_GATE_RE = re.compile(r"\(\s{0,40}(?:SFS\s{0,3})?\d{4}\s{0,2}:")
CELEX_RE = re.compile(r"(?<![\w])(?P<celex>3\d{4}[A-Z]\d{4}|3\d{2}[A-Z]\d{4})(?![\w])")
CHAIN_TRIGGER_RE = re.compile(r"§|(?<![\w])[Kk]ap(?![\wåäö])")
STYCKE_TRIGGER_RE = re.compile(r"(?<![\w])(?:stycket|styckena)(?![\w])")
WINDOW_BEFORE, WINDOW_AFTER = 160, 80


@dataclass
class Atom:
    start: int
    end: int
    kind: str  # act | anaphora | doc | regulation | unknown_regulation | eu
    data: dict[str, Any] = field(default_factory=dict)
    consumed: bool = False


# --- compiled per lawbook / learned vocabulary ------------------------------------------------


def _words_pattern(forms: list[str]) -> str:
    escaped = sorted({re.escape(f).replace(r"\ ", r"\s+") for f in forms}, key=len, reverse=True)
    return "|".join(escaped)


@lru_cache(maxsize=64)
def _abbreviation_re(extra: frozenset[str]) -> re.Pattern[str]:
    book = load_lawbook()
    forms = set(book.by_abbreviation) | set(extra)
    return re.compile(r"(?<![\w-])(?P<abbr>" + _words_pattern(sorted(forms)) + r")(?::s)?(?![\w-]|:[a-zåäö])")


@lru_cache(maxsize=64)
def _name_re(extra: frozenset[str]) -> re.Pattern[str]:
    """Known names, lower case; matched against the lower-cased text (much faster than IGNORECASE)."""
    book = load_lawbook()
    forms = set(book.by_name) | set(book.by_title) | {e.lower() for e in extra} | \
        {n for n in book.eu_by_name if not n.isupper()}
    return re.compile(r"(?P<name>" + _words_pattern(sorted(forms)) + r")(?![\w-])")


def _word_start(text: str, pos: int) -> bool:
    return pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] in "-_")


@lru_cache(maxsize=1)
def _eu_abbreviation_re() -> re.Pattern[str]:
    book = load_lawbook()
    forms = [n for n in book.eu_by_name if n.isupper()]
    return re.compile(r"(?<![\w-])(?P<abbr>" + _words_pattern(forms) + r")(?![\w-])") if forms else re.compile(r"(?!)")


@lru_cache(maxsize=1)
def _regulation_re() -> re.Pattern[str]:
    prefixes = _words_pattern(list(load_lawbook().regulation_series))
    return re.compile(
        r"(?<![\w-])(?P<prefix>" + prefixes + r")\s{0,3}(?P<year>\d{4})\s?:\s?(?P<no>\d{1,4})(?![\d:])"
    )


# --- the finder ----------------------------------------------------------------------------


class BlockFinder:
    """Finds the references of one block of text against a document context."""

    def __init__(self, text: str, context: ReferenceContext, book: Lawbook | None = None):
        self.text = text
        self.ctx = context
        self.book = book or load_lawbook()
        self.date = context.date
        self.atoms: list[Atom] = []
        self.block_acts: list[tuple[int, str]] = []  # (position, act id) named so far in this block
        self._sentence_starts: list[int] | None = None
        self._atom_starts: list[int] = []
        self._name_matches: list[re.Match[str]] = []
        self._numbered = NUMBERED_GATE_RE.search(text) is not None
        self._named_numbers = list(NAMED_NUMBER_RE.finditer(text)) if SFS_NUMBER_GATE_RE.search(text) else []
        self._lower = text.lower() if len(text.lower()) == len(text) else None

    def _names(self):
        """Matches of known (and learned) act names at word starts."""
        if self._lower is None:
            pattern = re.compile(_name_re(self.ctx.learned_names()).pattern, re.IGNORECASE)
            haystack = self.text
        else:
            pattern, haystack = _name_re(self.ctx.learned_names()), self._lower
        return [m for m in pattern.finditer(haystack) if _word_start(haystack, m.start())]

    # -- phase 0: definitions ---------------------------------------------------------------

    def learn_definitions(self) -> dict[int, int]:
        """Learn `NAME (SFS), ABBR` and `NAME (ABBR)`; return {name start: definition end}."""
        text, extended = self.text, {}
        for m in self._named_numbers:
            act_id = _norm_sfs(m["id"])
            name = m["name"]
            if name.lower() not in GENERIC_ACT_WORDS:
                self.ctx.learn_name(_strip_genitive(name), act_id, m.end())
            d = DEFINITION_RE.match(text, m.end() - 1)
            if d and not d["sep"] and (d["abbr"][0].lower() != name[0].lower() or text[d.end():d.end() + 1] == ":"):
                d = None  # `patientlagen (2014:821) SKR:s ...`: with no comma or parenthesis, only a matching initial
            if d:
                self.ctx.learn_abbreviation(d["abbr"], act_id, d.end())
                extended[m.start()] = d.end()
        self._name_matches = self._names()  # after the names learned above; reused by find_atoms
        for m in self._name_matches:
            d = NAME_ABBR_RE.match(text, m.end())
            if d:
                act = self._act_for_name(text[m.start():m.end()], m.start())
                if act:
                    self.ctx.learn_abbreviation(d["abbr"], act, d.end())
                    extended[m.start()] = d.end()
        return extended

    # -- phase 1: atoms -----------------------------------------------------------------------

    def find_atoms(self, extended: dict[int, int]) -> None:
        text, atoms = self.text, self.atoms
        for m in self._named_numbers:
            act_id = _norm_sfs(m["id"])
            end = extended.get(m.start(), m.end())
            end = max(end, self._title_end(act_id, m.end()), self._introduced_act_end(m.end()))
            atoms.append(Atom(m.start(), end, "act", {"id": act_id, "kind": _kind_of(m["name"], self.book, act_id),
                                                      "explicit": True, "name": m["name"]}))
        for m in SFS_RE.finditer(text) if self._numbered else ():
            act_id = _norm_sfs(m["id"])
            atoms.append(Atom(m.start(), m.end(), "act", {"id": act_id, "kind": _kind_of("", self.book, act_id), "explicit": True}))
        for m in AMENDED_RE.finditer(text) if self._numbered else ():
            act_id = _norm_sfs(m["id"])
            atoms.append(Atom(m.start("id") - 1, m.end(), "act", {"id": act_id, "kind": "lag", "explicit": True}))
        if self.ctx.base_act:
            for m in AMENDMENT_NOTE_RE.finditer(text):
                atoms.append(Atom(m.start("id") - 5, m.end(), "act",
                                  {"id": _norm_sfs(m["id"]), "kind": "lag", "explicit": True, "amendment_of": self.ctx.base_act}))
        for m in self._name_matches:
            name = text[m.start():m.end()]
            eu = self.book.eu_by_name.get(name.lower())
            if eu is not None:
                atoms.append(Atom(m.start(), m.end(), "eu", {"celex": eu.celex}))
                continue
            act_id = self._act_for_name(name, m.start())
            if act_id:
                atoms.append(Atom(m.start(), extended.get(m.start(), m.end()), "act",
                                  {"id": act_id, "kind": _kind_of(name, self.book, act_id), "name": name}))
        for m in _abbreviation_re(self.ctx.learned_abbreviations()).finditer(text):
            abbr = m["abbr"]
            act_id = self.ctx.abbreviation(abbr, m.start())
            weak = False
            if act_id is None:
                act = self.book.act_by_abbreviation(abbr, self.date)
                if act is None:
                    continue
                act_id, weak = act.id, abbr in self.book.weak_abbreviations
            atoms.append(Atom(m.start(), m.end(), "act", {"id": act_id, "kind": _kind_of("", self.book, act_id),
                                                          "weak": weak, "abbr": abbr}))
        for m in _eu_abbreviation_re().finditer(text):
            atoms.append(Atom(m.start(), m.end(), "eu", {"celex": self.book.eu_by_name[m["abbr"].lower()].celex}))
        for m in ANAPHORA_RE.finditer(text):
            atoms.append(Atom(m.start(), m.end(), "anaphora", {
                "group": _outer_group(m), "kind": m["same_kind"] or m["named_kind"] or "lag",
                "which": m["which"], "text": m.group()}))
        for kind, pattern in DOC_RES if self._numbered else ():
            for m in pattern.finditer(text):
                self._document_atom(kind, m)
        for m in ANFORDA_PROP_RE.finditer(text) if "prop" in text else ():
            atoms.append(Atom(m.start(), m.end(), "anaphora", {"group": "anforda", "kind": "prop", "pages": m["pages"]}))
        for m in _regulation_re().finditer(text) if self._numbered else ():
            atoms.append(Atom(m.start(), m.end(), "regulation", {"prefix": m["prefix"], "id": f"{m['year']}:{int(m['no'])}"}))
        for m in UNKNOWN_REGULATION_RE.finditer(text) if self._numbered else ():
            if m["prefix"] not in self.book.regulation_series:
                atoms.append(Atom(m.start(), m.end(), "unknown_regulation", {}))
        eu_matches = list(EU_RE.finditer(text)) if "/" in text else []
        eu_matches += list(CELEX_RE.finditer(text)) if self._has_digit_letter_run() else []
        for m in eu_matches:
            celex = _celex(m)
            if celex:
                start = m.start()
                article = ARTICLE_RE.search(text, max(0, start - 40), start)
                data = {"celex": celex}
                if article:
                    data["article"] = article["article"]
                    start = article.start()
                atoms.append(Atom(start, m.end(), "eu", data))
        self._resolve_overlaps()

    def _has_digit_letter_run(self) -> bool:
        return bool(re.search(r"\d[A-Z]\d", self.text))

    def _document_atom(self, kind: str, m: re.Match[str]) -> None:
        identifier = _document_id(kind, m)
        if identifier is None:
            return
        self.atoms.append(Atom(m.start(), m.end(), "doc", {"kind": kind, "id": identifier, "pages": m.groupdict().get("pages")}))
        if kind in ("prop", "sou", "ds", "bet", "rskr"):
            pos = m.end()
            while True:
                c = DOC_CONTINUATION_RE.match(self.text, pos)
                if not c:
                    break
                ident = re.sub(r"\s", "", c["id"])
                if kind == "prop" and "/" not in ident:
                    break  # `prop. 1938:267 och 1952:15`: a bare calendar-year number may be an SFS number
                if kind in ("sou", "ds") and "/" in ident:
                    break
                ident = _strip_leading_zeros(ident)
                self.atoms.append(Atom(c.start("id"), c.end(), "doc", {"kind": kind, "id": ident, "pages": c["pages"]}))
                pos = c.end()

    def _title_end(self, act_id: str, pos: int) -> int:
        """End of the act's title when the text spells it out after the number (`... (1993:387) om stöd ...`)."""
        act = self.book.acts.get(act_id)
        if act is None:
            return pos
        for title in act.title_forms:
            tail = title.split(" ", 1)[1] if " " in title else ""
            if not tail:
                continue
            m = re.compile(r"\s+" + re.escape(tail).replace(r"\ ", r"\s+"), re.IGNORECASE).match(self.text, pos)
            if m:
                return m.end()
        return pos

    def _introduced_act_end(self, pos: int) -> int:
        """End of `om införande av NAME [(SFS)]` right after a numbered act (see INTRODUCING_TITLE_RE)."""
        title = INTRODUCING_TITLE_RE.match(self.text, pos)
        if title is None:
            return pos
        for named in self._named_numbers:
            if named.start() == title.end():
                return named.end()
        for name in self._name_matches:
            if name.start() == title.end():
                number = TRAILING_SFS_RE.match(self.text, name.end())
                return number.end() if number else name.end()
        return pos

    def _act_for_name(self, name: str, position: int) -> str | None:
        learned = self.ctx.name(_strip_genitive(name), position) or self.ctx.name(name, position)
        if learned:
            return learned
        act = self.book.act_by_name(name, self.date)
        return act.id if act else None

    def _resolve_overlaps(self) -> None:
        # Longest first at each start; an atom inside an earlier, longer one is dropped.
        self.atoms.sort(key=lambda a: (a.start, -(a.end - a.start)))
        kept: list[Atom] = []
        for atom in self.atoms:
            if kept and atom.start < kept[-1].end:
                continue
            kept.append(atom)
        self.atoms = kept
        self._atom_starts = [a.start for a in kept]

    # -- phase 2: provision chains ------------------------------------------------------------

    def find_chains(self) -> list[Chain]:
        text = self.text
        spans: list[list[int]] = []
        triggers = list(CHAIN_TRIGGER_RE.finditer(text))
        if self.ctx.base_act:
            triggers += list(STYCKE_TRIGGER_RE.finditer(text))
        for m in sorted(triggers, key=lambda m: m.start()):
            lo, hi = max(0, m.start() - WINDOW_BEFORE), min(len(text), m.end() + WINDOW_AFTER)
            if spans and lo <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], hi)
            else:
                spans.append([lo, hi])
        chains: list[Chain] = []
        done = 0  # text before this offset is parsed already
        for lo, hi in spans:
            lo = max(lo, done)
            # start and end the window at whitespace so that no number is cut in two
            while lo > done and not text[lo - 1].isspace():
                lo -= 1
            while True:
                while hi < len(text) and not text[hi].isspace():
                    hi += 1
                found, cut = self._parse_window(lo, hi)
                if not cut or hi >= len(text):
                    break
                hi = min(len(text), hi + max(WINDOW_AFTER, hi - lo))  # a chain runs on past the window: widen it
            chains += found
            done = max(done, hi)
        return chains

    def _parse_window(self, lo: int, hi: int) -> tuple[list[Chain], bool]:
        """Chains in text[lo:hi], and whether the last one reaches the end of the window."""
        tokens = tokenize(self.text, lo, hi)
        parser = ChainParser(tokens, self.text, allow_bare_stycke=bool(self.ctx.base_act))
        found: list[Chain] = []
        cut = False
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.kind == "num" or (tok.kind == "word" and parser.allow_bare_stycke):
                parsed = parser.parse_chain(i) if self._free(tok.start) else None
                if parsed is not None and parsed[0].items:
                    found.append(parsed[0])
                    cut = cut or parsed[0].end >= hi - 12  # it may go on after the window
                    i = parsed[1]
                    continue
                # every number of a list that led to no `§`/`kap.` fails the same way: skip them all
                i = max(i + 1, parser.scanned_to)
                continue
            i += 1
        return found, cut

    def _free(self, pos: int) -> bool:
        """No atom covers pos: the numbers of `SFS 2017:30` or `prop. 2019/20:164` are not provisions."""
        i = bisect.bisect_right(self._atom_starts, pos) - 1
        return i < 0 or not (self.atoms[i].start <= pos < self.atoms[i].end)

    # -- phase 3: attachment and output --------------------------------------------------------

    def run(self) -> list[Reference]:
        extended = self.learn_definitions()
        self.find_atoms(extended)
        chains = self.find_chains()
        by_start = {a.start: a for a in self.atoms}
        events: list[tuple[int, int, Any]] = [(a.start, 1, a) for a in self.atoms]
        plans = []
        for chain in chains:
            target, span_end = self._postfix_target(chain, by_start)
            prefix = None
            if target is not None:
                target.consumed = True
            else:
                prefix = self._prefix_act(chain)
                if prefix is not None:
                    prefix.consumed = True
            plans.append((chain, target, span_end, prefix))
        for plan in plans:
            events.append((plan[0].start, 0, plan))
        events.sort(key=lambda e: (e[0], e[1]))
        out: list[Reference] = []
        for _, order, payload in events:
            if order == 0:
                out += self._emit_chain(*payload)
            else:
                atom = payload
                if atom.consumed:
                    self._note_named(atom)
                    continue
                out += self._emit_atom(atom)
        out.sort(key=lambda r: (r.start, r.end))
        return out

    def _postfix_target(self, chain: Chain, by_start: dict[int, Atom]) -> tuple[Atom | None, int]:
        """The act (or regulation) written right after a chain, if any."""
        text = self.text
        pos = chain.end
        plain = _SPACES_RE.match(text, pos).end()
        candidates = [(plain, False)]
        m = _AFTER_CHAIN_RE.match(text, plain)
        if m:
            candidates.append((m.end(), m.group(1) == ","))
        m = _STRAY_PERIOD_RE.match(text, pos)
        if m:  # `3 kap. 1§. PSL` at the end of a footnote: a stray period before the act
            atom = by_start.get(m.end())
            if atom is not None and atom.data.get("abbr") and not text[atom.end:].split("\n", 1)[0].strip(" .\t"):
                return atom, atom.end
        for at, after_comma in candidates:
            proposed = None if after_comma else PROPOSED_ACT_RE.match(text, at)
            if proposed:
                return Atom(proposed.start(), proposed.end(), "unknown_regulation", {}), proposed.end()
            atom = by_start.get(at)
            if atom is not None and atom.kind in ("act", "anaphora", "regulation", "unknown_regulation"):
                if atom.kind == "anaphora" and atom.data["group"] in ("anforda", "bare"):
                    continue
                if after_comma and not (atom.kind == "act" and atom.data.get("abbr")):
                    continue
                return atom, atom.end
            if after_comma:
                continue
            t = REGULATION_TITLE_RE.match(text, at)
            if t:
                atom = by_start.get(t.end())
                if atom is not None and atom.kind in ("regulation", "unknown_regulation"):
                    return atom, atom.end
            u = UNKNOWN_ACT_NAME_RE.match(text, at)
            if u:
                # `23 § okändalagen`: a provision of an act we do not know is not one of the base act
                return Atom(u.start(), u.end(), "unknown_regulation", {}), u.end()
        return None, chain.end

    def _prefix_act(self, chain: Chain) -> Atom | None:
        before = self.text[: chain.start].rstrip()
        if len(before) == chain.start:
            return None
        for atom in reversed(self.atoms):
            if atom.end <= len(before):
                if atom.end == len(before) and atom.kind == "act" and not atom.consumed:
                    return atom
                break
        return None

    def _emit_chain(self, chain: Chain, target: Atom | None, span_end: int, prefix: Atom | None) -> list[Reference]:
        act_id: str | None = None
        start = chain.start
        if target is not None:
            if target.kind == "unknown_regulation":
                return []
            if target.kind == "regulation":
                return self._regulation_refs(target, chain)
            if target.kind == "act":
                act_id = target.data["id"]
                self._note_named(target)
            else:
                act_id = self._resolve_anaphora(target, chain.start)
                if act_id is None:
                    return []
        else:
            if prefix is not None:
                act_id = prefix.data["id"]
                start = prefix.start
            elif self.ctx.base_act:
                act_id = self.ctx.base_act
            elif self.block_acts:
                act_id = self.block_acts[-1][1]
                if act_id in self.ctx.chaptered and not any(item.chapter for item in chain.items):
                    # "Av 8 kap. regeringsformen följer … 1–7 samt 9 och 10 §§ ändras": the sections are
                    # those of the chapter under discussion, not of the act named last, whose sections sit
                    # in chapters. (In an act's own text, `base_act`, a bare `3 §` is in the current chapter.)
                    return []
            else:
                return []
        if any(item.chapter for item in chain.items):
            self.ctx.chaptered.add(act_id)
        # A prefix act (`HSL 5 kap.`) starts every reference's span; otherwise each item's own start does.
        return [self._provision_ref(act_id, item, start if start < chain.start else item.start, max(span_end, item.end))
                for item in chain.items]

    def _provision_ref(self, act_id: str, item: Item, start: int, end: int) -> Reference:
        detail = {k: v for k, v in item.detail.items()}
        canonical = act_canonical(act_id, item.chapter, item.section)
        kind = act_kind(item.chapter, item.section)
        return Reference(start=start, end=end, text=self.text[start:end], kind=kind, canonical=canonical,
                         url=reference_url(canonical, detail), detail=detail)

    def _regulation_refs(self, target: Atom, chain: Chain) -> list[Reference]:
        target.consumed = True
        canonical = f"{target.data['prefix']} {target.data['id']}"
        refs = []
        for item in chain.items:
            detail = {k: v for k, v in item.detail.items()}
            if item.chapter:
                detail["chapter"] = item.chapter
            if item.section:
                detail["section"] = item.section
            refs.append(Reference(start=item.start, end=target.end, text=self.text[item.start:target.end],
                                  kind="regulation", canonical=canonical, url=reference_url(canonical, detail),
                                  detail=detail))
        return refs

    def _note_named(self, atom: Atom) -> None:
        if atom.kind == "act":
            self.block_acts.append((atom.start, atom.data["id"]))
            self.ctx.last_act = atom.data["id"]
            self.ctx.last_by_kind[_anaphora_kind(atom.data.get("kind"))] = atom.data["id"]
        elif atom.kind == "doc":
            self.ctx.last_document[atom.data["kind"]] = atom.data["id"]

    def _resolve_anaphora(self, atom: Atom, position: int) -> str | None:
        group = atom.data["group"]
        if group == "same" or group == "named":
            return self.ctx.last_by_kind.get(_anaphora_kind(atom.data["kind"])) or self.ctx.last_act
        if group == "ordinal":
            if not self.block_acts:
                return None
            distinct: list[str] = []
            for _, act_id in self.block_acts:
                if act_id in distinct:
                    distinct.remove(act_id)
                distinct.append(act_id)
            return distinct[0] if atom.data["which"] == "först" else distinct[-1]
        if group == "this":
            return self.ctx.base_act
        if group == "bare":
            # `lagen` / `den lagen` only points back within its own sentence
            if self.block_acts and self._same_sentence(self.block_acts[-1][0], position):
                return self.block_acts[-1][1]
            return None
        return None

    def _same_sentence(self, a: int, b: int) -> bool:
        if self._sentence_starts is None:
            from policykb.swedish.sentences import sentence_spans

            self._sentence_starts = [s for s, _ in sentence_spans(self.text)]
        return bisect.bisect_right(self._sentence_starts, a) == bisect.bisect_right(self._sentence_starts, b)

    def _emit_atom(self, atom: Atom) -> list[Reference]:
        text = self.text
        if atom.kind == "act":
            if atom.data.get("weak") and not self.ctx.accept_weak_abbreviations \
                    and not self._legal_preposition_before(atom.start):
                return []
            self._note_named(atom)
            act_id = atom.data["id"]
            canonical = act_canonical(act_id)
            detail = {}
            if atom.data.get("amendment_of"):
                detail["amendment_of"] = atom.data["amendment_of"]
            return [Reference(atom.start, atom.end, text[atom.start:atom.end], "act", canonical,
                              reference_url(canonical, detail), detail)]
        if atom.kind == "anaphora":
            if atom.data["group"] == "anforda":
                ident = self.ctx.last_document.get("prop")
                if not ident:
                    return []
                return self._document_refs(atom, "prop", ident, atom.data.get("pages"))
            if atom.data["group"] == "this":
                return []  # `denna lag` on its own says nothing the reader does not know
            act_id = self._resolve_anaphora(atom, atom.start)
            if act_id is None:
                return []
            canonical = act_canonical(act_id)
            return [Reference(atom.start, atom.end, text[atom.start:atom.end], "act", canonical,
                              reference_url(canonical), {"anaphora": True})]
        if atom.kind == "doc":
            self._note_named(atom)
            return self._document_refs(atom, atom.data["kind"], atom.data["id"], atom.data.get("pages"))
        if atom.kind == "regulation":
            canonical = f"{atom.data['prefix']} {atom.data['id']}"
            return [Reference(atom.start, atom.end, text[atom.start:atom.end], "regulation", canonical,
                              reference_url(canonical), {})]
        if atom.kind == "eu":
            canonical = f"CELEX {atom.data['celex']}"
            detail = {"article": atom.data["article"]} if atom.data.get("article") else {}
            return [Reference(atom.start, atom.end, text[atom.start:atom.end], "eu", canonical,
                              reference_url(canonical, detail), detail)]
        return []

    def _document_refs(self, atom: Atom, kind: str, ident: str, pages: str | None) -> list[Reference]:
        canonical = document_canonical(kind, ident)
        text = self.text[atom.start:atom.end]
        groups = _page_groups(pages) if pages else [None]
        refs = []
        for page in groups:
            detail = {"page": page} if page else {}
            refs.append(Reference(atom.start, atom.end, text, kind, canonical, reference_url(canonical, detail), detail))
        return refs

    def _legal_preposition_before(self, pos: int) -> bool:
        m = re.search(r"([^\W\d_]+)\.?\s*$", self.text[max(0, pos - 30):pos])
        return bool(m and m.group(1).lower() in LEGAL_PREPOSITIONS)


# --- helpers ---------------------------------------------------------------------------------


def _outer_group(m: re.Match[str]) -> str:
    for name in ("same", "named", "ordinal", "this", "bare"):
        if m.group(name):
            return name
    return "bare"


def _anaphora_kind(kind: str | None) -> str:
    if kind in ("förordning", "kungörelse"):
        return "förordning"
    if kind == "balk":
        return "balk"
    return "lag"


def _kind_of(name: str, book: Lawbook, act_id: str) -> str:
    act = book.acts.get(act_id)
    if act is not None:
        return act.kind
    low = name.lower()
    if "förordning" in low:
        return "förordning"
    if "balk" in low:
        return "balk"
    if "kungörelse" in low:
        return "kungörelse"
    return "lag"


def _norm_sfs(raw: str) -> str:
    raw = re.sub(r"\s+", " ", raw.strip())
    m = re.match(r"(\d{4})\s?:\s?(\d+)(?:\s?s\.\s?(\d+))?", raw)
    if not m:
        return raw
    year, number, page = m.groups()
    # lagen.nu keeps leading zeros of old numbers (1736:0123, 1810:0926): so do we.
    out = f"{year}:{number}"
    if page:
        out += f" s. {page}"
    return out


def _strip_leading_zeros(ident: str) -> str:
    head, _, number = ident.rpartition(":")
    return f"{head}:{int(number)}" if number.isdigit() else ident


def _strip_genitive(name: str) -> str:
    low = name.lower()
    for suffix in ("lagens", "förordningens", "balkens", "formens", "ordningens"):
        if low.endswith(suffix):
            return name[:-1]
    return name


def _document_id(kind: str, m: re.Match[str]) -> str | None:
    g = m.groupdict()
    if kind == "prop":
        if g.get("rm"):
            return f"{g['rm']}:{int(g['no'])}"
        if g.get("year"):
            series = (g.get("series") or "").strip()
            series = "" if series == "A" else series
            return f"{g['year']}:{series}{int(g['no2'])}"
        if g.get("no3"):
            return f"{g['year3']}:{int(g['no3'])}"
        if g.get("no4"):
            return f"{g['year4']}:{int(g['no4'])}"
        return None
    if kind == "bet":
        if g.get("rm"):
            return f"{g['rm']}:{g['no']}"
        return f"{g['rm2']}:{g['no2']}"
    if kind == "rskr":
        return f"{g['rm']}:{int(g['no'])}"
    return f"{g['year']}:{int(g['no'])}"


def _celex(m: re.Match[str]) -> str | None:
    g = m.groupdict()
    if g.get("celex"):
        c = g["celex"]
        if len(c) == 8:  # old 8-character form `392L0100` -> 31992L0100
            c = "3" + ("19" if c[1] >= "5" else "20") + c[1:]
        return c
    if g.get("type"):
        kind = "R" if g["type"] == "förordning" else "L"
        a, b = g["a"], g["b"]
        if kind == "L" or (g["org"] == "EU" and len(a) == 4 and "nr" not in m.group()):
            year, number = a, b  # directives and post-2015 EU regulations: year/number
        else:
            number, year = a, b  # older regulations: nr number/year
        return _celex_id(year, kind, number)
    if g.get("dy"):
        return _celex_id(g["dy"], "L", g["dn"])
    return None


def _celex_id(year: str, kind: str, number: str) -> str | None:
    if len(year) == 2:
        year = ("19" if year >= "50" else "20") + year
    if not (1950 <= int(year) <= 2100) or len(number) > 4:
        return None
    return f"3{year}{kind}{int(number):04d}"


def _page_groups(pages: str) -> list[str]:
    """'22 och 46' -> ['22', '46']; '11-12' -> ['11-12']; '119 f.' -> ['119 f.']."""
    parts = re.split(r"\s*(?:,|och)\s*(?:s\.|sid\.?)?\s*", pages.strip())
    out = []
    for p in parts:
        p = re.sub(r"\s*([-–])\s*", "-", p.strip())
        if p:
            out.append(p)
    return out or [pages]
