"""Facets of a result list: what kinds, publishers, years, documents and cited acts the hits of a
search come from, with counts, and the narrowing of the list to chosen values.

Why the facets count the hits of one result list (and narrowing filters that list) rather than
re-running the search with a filter: a hybrid search always fills its depth (the dense side ranks
every passage), so a filtered re-run would answer "guidance (12)" with a hundred guidance hits.
Counting and narrowing the same list keeps the promise a count makes: choosing a value shows
exactly that many hits. The list is the search's best `MAX_K` hits; a filter given to the
searcher itself (`Filters`) is the tool for "everything in this document".

Values are the stored ones (a document's `kind`, `publisher`, the year of its `date`, its id, the
canonical form of an act its passage cites), so matching is equality; a value from outside
(a URL) is checked against the index first (`check_selection`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Sequence

from policykb.errors import InputError
from policykb.legal.canonical import act_of, lawbook_title

FACETS = ("kind", "publisher", "year", "doc", "cites")


@dataclass
class HitFacts:
    """What a hit's passage and document are, for counting and narrowing."""

    passage_id: int
    kind: str | None
    publisher: str | None
    year: int | None
    doc: str
    doc_title: str | None
    heading_path: list[str]
    acts: list[str]  # canonical acts the passage cites (any level of a reference names its act)
    targets: set[str] = field(default_factory=set)  # every citation target of the passage


@dataclass
class Selection:
    """Chosen facet values (None = not chosen). Years are a range, as the search filters have them."""

    kind: str | None = None
    publisher: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    doc: str | None = None
    cites: list[str] = field(default_factory=list)  # canonical forms; any of them
    cites_text: str | None = None  # as given

    def is_empty(self) -> bool:
        return not (self.kind or self.publisher or self.doc or self.cites
                    or self.year_from is not None or self.year_to is not None)

    def admits(self, facts: HitFacts) -> bool:
        if self.kind is not None and facts.kind != self.kind:
            return False
        if self.publisher is not None and facts.publisher != self.publisher:
            return False
        if self.doc is not None and facts.doc != self.doc:
            return False
        if self.year_from is not None and (facts.year is None or facts.year < self.year_from):
            return False
        if self.year_to is not None and (facts.year is None or facts.year > self.year_to):
            return False
        if self.cites and not facts.targets.intersection(self.cites):
            return False
        return True


def hit_facts(conn: sqlite3.Connection, passage_ids: Sequence[int]) -> dict[int, HitFacts]:
    """The facts of each passage, in two queries."""
    ids = [int(i) for i in dict.fromkeys(passage_ids)]
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    out: dict[int, HitFacts] = {}
    for row in conn.execute(
        "SELECT p.passage_id, p.heading_path, d.doc_id, d.title, d.kind, d.publisher, d.date "
        f"FROM passages p JOIN documents d ON d.doc_id = p.doc_id WHERE p.passage_id IN ({marks})",
        ids,
    ):
        out[row[0]] = HitFacts(
            passage_id=row[0],
            heading_path=json.loads(row[1] or "[]"),
            doc=row[2],
            doc_title=row[3],
            kind=row[4] or None,
            publisher=row[5] or None,
            year=_year(row[6]),
            acts=[],
        )
    for passage_id, target in conn.execute(
        f"SELECT DISTINCT passage_id, target FROM citations WHERE passage_id IN ({marks})", ids
    ):
        facts = out.get(passage_id)
        if facts is None:
            continue
        facts.targets.add(target)
        act = act_of(target)
        if act is not None and act not in facts.acts:
            facts.acts.append(act)
    return out


def _year(date: str | None) -> int | None:
    if not date or len(date) < 4 or not date[:4].isdigit():
        return None
    return int(date[:4])


def facet_counts(facts: Sequence[HitFacts]) -> dict[str, list[dict[str, Any]]]:
    """Per facet, its values in the hits with how many hits carry each, most first (years newest first)."""
    counts: dict[str, dict[Any, int]] = {name: {} for name in FACETS}
    titles: dict[str, str | None] = {}
    for f in facts:
        for name, value in (("kind", f.kind), ("publisher", f.publisher), ("year", f.year), ("doc", f.doc)):
            if value is not None:
                counts[name][value] = counts[name].get(value, 0) + 1
        titles.setdefault(f.doc, f.doc_title)
        for act in f.acts:
            counts["cites"][act] = counts["cites"].get(act, 0) + 1
    out: dict[str, list[dict[str, Any]]] = {}
    for name, values in counts.items():
        if name == "year":
            ordered = sorted(values.items(), key=lambda kv: -kv[0])
        else:
            ordered = sorted(values.items(), key=lambda kv: (-kv[1], str(kv[0]).lower()))
        items = []
        for value, n in ordered:
            item: dict[str, Any] = {"value": value, "count": n, "label": str(value)}
            if name == "doc":
                item["label"] = titles.get(value) or value
            elif name == "cites":
                title = lawbook_title(value)
                item["label"] = f"{title} ({value})" if title else value
            items.append(item)
        out[name] = items
    return out


def check_selection(conn: sqlite3.Connection, selection: Selection, *, min_year: int, max_year: int) -> None:
    """A chosen value that names nothing in the index is a typo or a tampered link: say so."""
    for name, column, value in (("kind", "kind", selection.kind), ("publisher", "publisher", selection.publisher),
                                ("doc", "doc_id", selection.doc)):
        if value is None:
            continue
        if conn.execute(f"SELECT 1 FROM documents WHERE {column} = ? LIMIT 1", (value,)).fetchone() is None:
            raise InputError(f"{name} {value!r}: no document in the index has it; choose one of the values listed")
    for name, year in (("year_from", selection.year_from), ("year_to", selection.year_to)):
        if year is not None and not min_year <= year <= max_year:
            raise InputError(f"{name} {year}: give a year from {min_year} to {max_year}")
    if selection.year_from is not None and selection.year_to is not None and selection.year_from > selection.year_to:
        raise InputError(f"year_from {selection.year_from} is after year_to {selection.year_to}")
    if selection.cites_text is not None and not selection.cites:
        raise InputError(
            f"cites {selection.cites_text!r}: no legal reference found in it; write it as e.g. "
            f"'SFS 2017:30' or '2 kap. 3 § HSL'"
        )
