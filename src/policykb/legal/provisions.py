"""The provision grammar: `12 kap. 1 och 3 §§`, `2 § andra stycket 2-4`, `4 kap. 6 och 7 a-9 §§` ...

A small recursive-descent parser over word/number/§ tokens. It finds *chains* of provisions
(chapters, sections, stycken, punkter) and expands lists and ranges into one item per
provision; which act a chain belongs to is decided by the caller (`finder.py`).

Grammar (tokens are case-insensitive; whitespace and line breaks are free):

    chain    := group (conn group)*
    group    := numlist "kap" ["."] [numlist §-mark details]      chapters, or sections of the last one
              | numlist §-mark details                          sections of the carried chapter
              | ordinal "stycket" details                        (only with a base act: the current section)
    numlist  := num (conn num)*            num := 1-3 digits [letter]; conn := , och eller samt respektive - –
    details  := (stycke | punkt | mening | moment)*  e.g. `första och andra styckena`, `2 st.`, `punkt 3`,
                `första stycket 2-6`, `1 st. 6)`, `2 mom.`, `första meningen`
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

TOKEN_RE = re.compile(r"(?P<para>§+)|(?P<num>\d+)|(?P<word>[^\W\d_]+)|(?P<punct>[^\s\w§])")

ORDINALS = {
    "första": 1, "andra": 2, "tredje": 3, "fjärde": 4, "femte": 5, "sjätte": 6, "sjunde": 7,
    "åttonde": 8, "nionde": 9, "tionde": 10, "elfte": 11, "tolfte": 12,
}
LIST_WORDS = {"och", "eller", "samt", "respektive", "resp"}
RANGE_PUNCT = {"-", "–", "—"}
MAX_RANGE = 60  # a longer "range" is more likely a misreading than 60 cited sections


@dataclass(slots=True)
class Tok:
    kind: str  # para | num | word | punct
    text: str
    start: int
    end: int


@dataclass
class Item:
    """One provision: chapter and/or section (labels like "2 a"), plus detail."""

    chapter: str | None
    section: str | None
    start: int
    end: int
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Chain:
    items: list[Item]
    start: int
    end: int


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Tok]:
    end = len(text) if end is None else end
    return [Tok(m.lastgroup, m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text, start, end)]


def _label(num: str, letter: str | None) -> str:
    return f"{int(num)} {letter}" if letter else str(int(num))


def _split_label(label: str) -> tuple[int, str | None]:
    parts = label.split(" ")
    return int(parts[0]), (parts[1] if len(parts) > 1 else None)


def expand_range(first: str, last: str) -> list[tuple[str, str]]:
    """Labels from first to last inclusive with their role: start | inner | end.

    `26 d - 26 f` -> 26 d, 26 e, 26 f; `7 a-9` -> 7 a, 8, 9; `13 - 22` -> 13 ... 22.
    A reversed or very long range keeps its endpoints only.
    """
    (n1, l1), (n2, l2) = _split_label(first), _split_label(last)
    out: list[str] = [first]
    if n1 == n2 and l2 and (l1 or "") < l2:
        start = ord(l1) + 1 if l1 else ord("a")
        out += [_label(str(n1), chr(c)) for c in range(start, ord(l2))]
    elif n1 < n2 and n2 - n1 <= MAX_RANGE:
        out += [str(n) for n in range(n1 + 1, n2)]
        if l2:
            out.append(str(n2))
    elif not (n1 < n2 or (n1 == n2 and (l1 or "") < (l2 or ""))):
        return [(first, "start"), (last, "end")] if first != last else [(first, "single")]
    out.append(last)
    roles = ["start"] + ["inner"] * (len(out) - 2) + ["end"]
    seen, result = set(), []
    for label, role in zip(out, roles):
        if label not in seen:
            seen.add(label)
            result.append((label, role))
    return result


class ChainParser:
    """Parses provision chains from a token list (one window of text)."""

    def __init__(self, tokens: list[Tok], text: str, *, allow_bare_stycke: bool = False):
        self.t = tokens
        self.text = text
        self.n = len(tokens)
        self.allow_bare_stycke = allow_bare_stycke
        self.scanned_to = 0  # token index the last number list reached (see numlist)

    # -- token helpers -------------------------------------------------------------------

    def word(self, i: int) -> str | None:
        if i < self.n and self.t[i].kind == "word":
            return self.t[i].text.lower()
        return None

    def punct(self, i: int) -> str | None:
        if i < self.n and self.t[i].kind == "punct":
            return self.t[i].text
        return None

    def adjacent(self, i: int, j: int) -> bool:
        """Token j follows token i with no space between."""
        return self.t[i].end == self.t[j].start

    def num(self, i: int) -> tuple[str, int, int] | None:
        """A provision number at i: (label, next index, end offset), or None.

        Rejects parts of other numbers: `2019:1`, `2019/20`, `6.1`, `1,5`, `20%`, and more than 3 digits.
        """
        if i >= self.n or self.t[i].kind != "num" or len(self.t[i].text) > 3:
            return None
        tok = self.t[i]
        if i > 0:
            prev = self.t[i - 1]
            if prev.end == tok.start and (prev.kind in ("num", "word") or prev.text in ":/.,§"):
                return None
        if i + 1 < self.n:
            nxt = self.t[i + 1]
            if nxt.start == tok.end and nxt.text in (":", "/", "%") :
                return None
            if nxt.start == tok.end and nxt.text in (".", ",") and i + 2 < self.n and self.t[i + 2].kind == "num" \
                    and self.t[i + 2].start == nxt.end:
                return None
        j, end, letter = i + 1, tok.end, None
        w = self.word(j)
        if w is not None and len(w) == 1 and "a" <= self.t[j].text <= "z" and self._letter_ok(j):
            letter, end, j = self.t[j].text, self.t[j].end, j + 1
        return _label(tok.text, letter), j, end

    def _letter_ok(self, i: int) -> bool:
        """A one-letter word at i is a section letter (`2 a §`, `4 b i denna paragraf`), not `s.`/`i`."""
        if self._letter_follow(i + 1):
            return True
        letter = self.t[i].text
        if letter in ("i", "s", "f", "m", "t", "o") or (self.punct(i + 1) == "." and self.adjacent(i, i + 1)):
            return False
        return i + 1 >= self.n or self.t[i + 1].kind != "num"

    def _letter_follow(self, j: int) -> bool:
        if j >= self.n:
            return False
        tok = self.t[j]
        if tok.kind == "para":
            return True
        if tok.kind == "punct":
            return tok.text in RANGE_PUNCT or tok.text == ","
        w = tok.text.lower()
        return w == "kap" or w in LIST_WORDS

    def conn(self, i: int) -> tuple[str, int] | None:
        """A list or range connector at i: ("list" | "range", next index)."""
        p = self.punct(i)
        if p in RANGE_PUNCT:
            return "range", i + 1
        if p == ",":
            w = self.word(i + 1)
            if w in ("och", "samt", "eller"):
                return "list", i + 2
            return "list", i + 1
        w = self.word(i)
        if w in LIST_WORDS:
            if w == "resp" and self.punct(i + 1) == ".":
                return "list", i + 2
            return "list", i + 1
        if w == "till" and i + 1 < self.n and self.t[i + 1].kind == "num":
            return "range", i + 1
        return None

    def is_kap(self, i: int) -> int | None:
        if self.word(i) == "kap":
            return i + 2 if self.punct(i + 1) == "." else i + 1
        return None

    def is_para(self, i: int) -> int | None:
        if i < self.n and self.t[i].kind == "para" and len(self.t[i].text) <= 2:
            return i + 1
        return None

    def numlist(self, i: int) -> tuple[list[tuple[str, str]], int, int] | None:
        """num (conn num)*: ([(label, role)], next index, end offset); ranges expanded."""
        first = self.num(i)
        if first is None:
            return None
        label, j, end = first
        items: list[tuple[str, str]] = [(label, "single")]
        while True:
            c = self.conn(j)
            if c is None:
                break
            nxt = self.num(c[1])
            if nxt is None:
                break
            if c[0] == "range":
                prev_label = items.pop()[0]
                items += expand_range(prev_label, nxt[0])
            else:
                items.append((nxt[0], "single"))
            label, j, end = nxt
        self.scanned_to = j
        return items, j, end

    # -- grammar -------------------------------------------------------------------------

    def parse_chain(self, i: int) -> tuple[Chain, int] | None:
        items: list[Item] = []
        chapter: str | None = None
        group = self.parse_group(i, chapter)
        if group is None:
            return None
        g_items, chapter, j = group
        items += g_items
        while True:
            c = self.conn(j)
            if c is None:
                break
            nxt = self.parse_group(c[1], chapter)
            if nxt is None:
                break
            g_items, chapter, j = nxt
            items += g_items
        return Chain(items=items, start=self.t[i].start, end=self.t[j - 1].end), j

    def parse_group(self, i: int, chapter: str | None) -> tuple[list[Item], str | None, int] | None:
        start = self.t[i].start if i < self.n else 0
        if self.allow_bare_stycke and self.word(i) in ORDINALS:
            details, j = self.parse_details(i)
            if details:
                return [Item(None, None, start, self.t[j - 1].end, d) for d in details], chapter, j
            return None
        nl = self.numlist(i)
        if nl is None:
            return None
        nums, j, end = nl
        k = self.is_kap(j)
        if k is not None:
            chapters = nums
            sections = self.numlist(k)
            if sections is not None and len(chapters) == 1 and self.is_para(sections[1]) is not None:
                return self._sections(sections, chapters[0][0], start)
            items = [Item(label, None, start, self.t[k - 1].end, _role(role)) for label, role in chapters]
            return items, chapters[-1][0], k
        if self.is_para(j) is not None:
            return self._sections(nl, chapter, start)
        return None

    def _sections(self, nl, chapter, start) -> tuple[list[Item], str | None, int]:
        nums, j, _ = nl
        j = self.is_para(j)
        end = self.t[j - 1].end
        items = [Item(chapter, label, start, end, _role(role)) for label, role in nums]
        details, k = self.parse_details(j)
        if details:
            last = items.pop()
            end = self.t[k - 1].end
            for d in details:
                items.append(Item(last.chapter, last.section, start, end, {**last.detail, **d}))
        return items, chapter, k

    def parse_details(self, i: int) -> tuple[list[dict[str, Any]], int]:
        """Stycke/punkt/mening/moment after a section; each dict is one provision variant."""
        details: list[dict[str, Any]] = []
        j = i
        after_connector = False
        while j < self.n:
            step = self._detail_step(j, details, after_connector)
            if step is not None:
                j = step
                after_connector = False
                continue
            if details or j == i:
                c = self.conn(j)
                if c is not None and c[1] < self.n and self._detail_starts(c[1], details):
                    j = c[1]
                    after_connector = True
                    continue
            break
        if after_connector:  # a dangling connector belongs to the chain, not to the details
            pass
        return details, j

    def _detail_starts(self, j: int, details) -> bool:
        w = self.word(j)
        if w in ORDINALS or w in ("stycke", "stycket", "punkt", "punkten", "punkterna", "p"):
            return True
        if self.t[j].kind == "num":
            return self._punkt_count(j, details) > 0 or self._num_unit(j) is not None
        if w is not None and len(w) == 1 and self.punct(j + 1) == ")":
            return True
        return False

    def _num_unit(self, j: int) -> str | None:
        """'st' or 'mom' after a number at j."""
        if self.t[j].kind != "num":
            return None
        w = self.word(j + 1)
        if w in ("st", "mom"):
            return w
        return None

    def _punkt_count(self, j: int, details) -> int:
        """How many numbers from j on are punkter: a following §/§§/kap claims the rest."""
        nl = self.numlist(j)
        if nl is None:
            return 0
        nums, k, _ = nl
        if self.is_kap(k) is not None or self._num_unit(j) is not None:
            return 0
        if k < self.n and self.t[k].kind == "para":
            if self.t[k].text == "§§" or len(nums) == 1:
                return 0
            return len(nums) - 1
        return len(nums)

    def _detail_step(self, j: int, details: list[dict[str, Any]], after_connector: bool) -> int | None:
        w = self.word(j)
        # ordinal(s) + stycket/styckena | punkten | meningen
        if w in ORDINALS:
            ords = [ORDINALS[w]]
            k = j + 1
            while True:
                c = self.conn(k)
                if c is None or self.word(c[1]) not in ORDINALS:
                    break
                ords.append(ORDINALS[self.word(c[1])])
                k = c[1] + 1
            unit = self.word(k)
            if unit in ("stycket", "styckena", "stycken"):
                if len(ords) == 1 and details and "punkt" in details[-1] and "stycke" not in details[-1]:
                    details[-1]["stycke"] = ords[0]  # `punkt 4 första stycket`
                    return k + 1
                for n in ords:
                    details.append({"stycke": n})
                return k + 1
            if unit in ("punkten", "punkterna"):
                self._add_punkter(details, [(str(n), "single") for n in ords])
                return k + 1
            if unit in ("meningen", "meningarna"):
                if details:
                    details[-1]["mening"] = ords[0]
                else:
                    details.append({"mening": ords[0]})
                return k + 1
            return None
        if w == "stycke" and j + 1 < self.n and self.t[j + 1].kind == "num":
            details.append({"stycke": int(self.t[j + 1].text)})
            return j + 2
        if w in ("punkt", "punkterna", "p") :
            k = j + 2 if (w == "p" and self.punct(j + 1) == ".") else j + 1
            nl = self.numlist(k)
            if nl is None:
                return None
            self._add_punkter(details, nl[0])
            return nl[1]
        if w == "anvisningarna":
            return j + 1
        if j < self.n and self.t[j].kind == "num":
            unit = self._num_unit(j)
            if unit is not None and len(self.t[j].text) <= 2:
                k = j + 3 if self.punct(j + 2) == "." else j + 2
                if unit == "st":
                    details.append({"stycke": int(self.t[j].text)})
                else:
                    if details and "moment" not in details[-1]:
                        details[-1]["moment"] = int(self.t[j].text)
                    else:
                        details.append({"moment": int(self.t[j].text)})
                return k
            count = self._punkt_count(j, details)
            if count == 0:
                return None
            nl = self.numlist(j)
            nums = nl[0]
            # keep `count` leading items: walk the tokens again to find where they end
            taken, k = [], j
            while len(taken) < count:
                one = self.num(k)
                if one is None:
                    break
                taken.append(one[0])
                k = one[1]
                c = self.conn(k)
                if len(taken) < count and c is not None:
                    k = c[1]
            self._add_punkter(details, nums[:count] if count < len(nums) else nums, keep_previous=after_connector)
            # a punkt may be written `6)` or `7.`: swallow the mark
            if self.punct(k) == ")":
                k += 1
            elif self.punct(k) == "." and k + 1 < self.n and self.t[k + 1].text[:1].islower():
                k += 1
            return k
        # letter punkter: `b)`, `b) - c)`, `10 § f och ...`
        if w is not None and len(w) == 1 and w.isalpha():
            if self.punct(j + 1) == ")":
                letters, k = [w], j + 2
                c = self.conn(k)
                if c is not None and self.word(c[1]) and len(self.word(c[1])) == 1 and self.punct(c[1] + 1) == ")":
                    if c[0] == "range":
                        letters = [chr(x) for x in range(ord(w), ord(self.word(c[1])) + 1)] or [w]
                    else:
                        letters.append(self.word(c[1]))
                    k = c[1] + 2
                self._add_punkter(details, _letter_roles(letters))
                return k
            if not details and w not in ("i", "s", "a", "o") and self.conn(j + 1) is not None:
                self._add_punkter(details, [(w, "single")])
                return j + 1
        return None

    @staticmethod
    def _add_punkter(details: list[dict[str, Any]], nums: list[tuple[str, str]], keep_previous: bool = False) -> None:
        """Punkter of the last stycke: `första stycket 2` refines it, `första stycket och 3` adds to it."""
        base = None
        if details:
            base = {k: v for k, v in details[-1].items() if k not in ("punkt", "range")}
            if "punkt" not in details[-1] and not keep_previous:
                details.pop()
        for label, role in nums:
            d = dict(base or {})
            d["punkt"] = label.replace(" ", "")
            if role != "single":
                d["range"] = role
            details.append(d)


def _role(role: str) -> dict[str, Any]:
    return {} if role == "single" else {"range": role}


def _letter_roles(letters: list[str]) -> list[tuple[str, str]]:
    if len(letters) <= 1:
        return [(x, "single") for x in letters]
    return [(x, "start" if i == 0 else "end" if i == len(letters) - 1 else "inner") for i, x in enumerate(letters)]
