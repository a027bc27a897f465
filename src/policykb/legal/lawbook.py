"""The lawbook: acts, EU acts, regulation series and document series from `data/lawbook.json`.

Loaded once per process (`load_lawbook()` is cached). Resolution of an abbreviation or a
name that several acts share (SoL, socialtjänstlagen, kommunallagen) goes by the document
date against each act's in-force period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from policykb.data import load_json
from policykb.swedish.words import genitive

GENERIC_ACT_WORDS = {
    "lag", "lagen", "lagens", "förordning", "förordningen", "förordningens", "kungörelse", "kungörelsen",
    "stadga", "stadgan", "balk", "balken", "tillkännagivande", "tillkännagivandet", "instruktion",
    "instruktionen", "grundlag", "grundlagen",
}


@dataclass(frozen=True)
class Act:
    id: str  # SFS number, e.g. "2017:30"
    title: str
    kind: str  # lag | förordning | balk | grundlag
    names: tuple[str, ...]
    title_forms: tuple[str, ...]
    abbreviations: tuple[str, ...]
    in_force_from: str | None
    in_force_to: str | None
    lagen_nu: str | None = None

    def in_force_on(self, date: str) -> bool:
        if self.in_force_from and date < self.in_force_from:
            return False
        if self.in_force_to and date > self.in_force_to:
            return False
        return True


@dataclass(frozen=True)
class RegulationSeries:
    prefix: str
    name: str
    url: str


@dataclass(frozen=True)
class EuAct:
    celex: str
    title: str
    names: tuple[str, ...]


@dataclass
class Lawbook:
    acts: dict[str, Act]
    by_abbreviation: dict[str, list[Act]]
    by_name: dict[str, list[Act]]  # lower-case surface form (incl. genitive) -> acts
    by_title: dict[str, list[Act]]  # lower-case "lagen om ..." form -> acts
    eu_by_name: dict[str, EuAct]  # lower-case name -> EU act
    regulation_series: dict[str, RegulationSeries]
    document_series: dict[str, dict[str, Any]]
    undated_as_of: str
    act_url: str
    eu_url: str
    weak_abbreviations: frozenset[str] = field(default_factory=frozenset)

    def resolve(self, candidates: list[Act], date: str | None) -> Act | None:
        """The act among candidates in force on `date` (ISO or prefix); undated texts use `undated_as_of`."""
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        day = normalise_date(date) or self.undated_as_of
        for act in candidates:
            if act.in_force_on(day):
                return act
        # Outside every period: before the first act or after the last one.
        ordered = sorted(candidates, key=lambda a: a.in_force_from or "")
        return ordered[0] if day < (ordered[0].in_force_from or "") else ordered[-1]

    def act_by_abbreviation(self, abbreviation: str, date: str | None) -> Act | None:
        return self.resolve(self.by_abbreviation.get(abbreviation, []), date)

    def act_by_name(self, name: str, date: str | None) -> Act | None:
        key = " ".join(name.lower().split())
        return self.resolve(self.by_name.get(key, []) or self.by_title.get(key, []), date)

    def lagen_nu_id(self, sfs_id: str) -> str:
        act = self.acts.get(sfs_id)
        if act and act.lagen_nu:
            return act.lagen_nu
        # Old acts carry a page: "1910:103 s. 1" -> lagen.nu "1910:103_s.1".
        return sfs_id.replace(" s. ", "_s.").replace(" ", "")


def normalise_date(date: str | None) -> str | None:
    """'2026-03-12' stays; '2026-05' -> '2026-05-01'; '2024' -> '2024-01-01'; junk -> None."""
    if not date:
        return None
    date = date.strip()[:10]
    parts = date.split("-")
    if not parts[0].isdigit() or len(parts[0]) != 4:
        return None
    year = parts[0]
    month = parts[1] if len(parts) > 1 and parts[1].isdigit() else "01"
    day = parts[2] if len(parts) > 2 and parts[2].isdigit() else "01"
    return f"{year}-{int(month):02d}-{int(day):02d}"


@lru_cache(maxsize=1)
def load_lawbook() -> Lawbook:
    raw = load_json("lawbook.json")
    acts: dict[str, Act] = {}
    by_abbreviation: dict[str, list[Act]] = {}
    by_name: dict[str, list[Act]] = {}
    by_title: dict[str, list[Act]] = {}
    for item in raw["acts"]:
        act = Act(
            id=item["id"],
            title=item["title"],
            kind=item["kind"],
            names=tuple(item.get("names", [])),
            title_forms=tuple(item.get("title_forms", [])),
            abbreviations=tuple(item.get("abbreviations", [])),
            in_force_from=item.get("in_force_from"),
            in_force_to=item.get("in_force_to"),
            lagen_nu=item.get("lagen_nu"),
        )
        acts[act.id] = act
        for abbreviation in act.abbreviations:
            by_abbreviation.setdefault(abbreviation, []).append(act)
        for name in act.names:
            for form in {name.lower(), genitive(name.lower())}:
                by_name.setdefault(form, []).append(act)
        for title in act.title_forms:
            for form in {title.lower(), genitive(title.lower())}:
                by_title.setdefault(form, []).append(act)
    eu_by_name = {}
    for item in raw.get("eu_acts", []):
        eu = EuAct(celex=item["celex"], title=item["title"], names=tuple(item.get("names", [])))
        for name in eu.names:
            eu_by_name[name.lower()] = eu
            if not name.isupper():
                eu_by_name[genitive(name.lower())] = eu
    series = {
        s["prefix"]: RegulationSeries(prefix=s["prefix"], name=s["name"], url=s["url"])
        for s in raw["regulation_series"]
    }
    documents = {d["kind"]: d for d in raw["document_series"]}
    return Lawbook(
        acts=acts,
        by_abbreviation=by_abbreviation,
        by_name=by_name,
        by_title=by_title,
        eu_by_name=eu_by_name,
        regulation_series=series,
        document_series=documents,
        undated_as_of=raw["undated_as_of"]["date"],
        act_url=raw["act_url"]["url"],
        eu_url=raw["eu_url"]["url"],
        weak_abbreviations=frozenset(raw.get("weak_abbreviations", {}).get("abbreviations", [])),
    )


def synonym_groups() -> list[list[str]]:
    """Per act: its abbreviation(s) and the surface forms of its names, for query expansion.

    Acts that share an abbreviation (the SoL of 2001 and of 2025) share a group: a search
    for "SoL" should find both.
    """
    book = load_lawbook()
    groups: list[list[str]] = []
    index: dict[str, int] = {}
    for act in book.acts.values():
        forms: list[str] = []
        for abbreviation in act.abbreviations:
            forms += [abbreviation, f"{abbreviation}:s"]
        for name in act.names:
            forms += [name, genitive(name)]
        for title in act.title_forms:
            forms.append(title)
        if not forms:
            continue
        key = next((index[f] for f in act.abbreviations + act.names if f in index), None)
        if key is None:
            index.update({f: len(groups) for f in act.abbreviations + act.names})
            groups.append([])
            key = len(groups) - 1
        for form in forms:
            if form not in groups[key]:
                groups[key].append(form)
    for eu in {id(e): e for e in book.eu_by_name.values()}.values():
        groups.append(list(eu.names))
    return groups
