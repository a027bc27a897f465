"""The citation graph: which passage cites which provision or document, at every level.

A citation of `SFS 2017:30 2 kap. 3 §` is also a citation of `SFS 2017:30 2 kap.` and of
`SFS 2017:30`, so a question about the act finds its sections and a question about a chapter
finds the sections in it. Those expansions are stored as rows (`direct = 0`) rather than
worked out with string prefixes at query time: counting per level is then a plain GROUP BY on
an index, at any corpus size.

Documents cite each other by identifier (`SOU 2020:19`, `prop. 2019/20:164`): each document's
identifier is stored in its canonical form, and the `document_links` view joins the two.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

_SFS = re.compile(r"^(?P<act>SFS \d{4}:\d+)(?: (?P<chapter>\d+(?: [a-z])?) kap\.)?(?: (?P<section>\d+(?: [a-z])?) §)?$")
_SFS_ID = re.compile(r"^SFS (\d{4}:\d+)")

LEVELS = ("section", "chapter", "act", "document")


def hierarchy(canonical: str) -> list[tuple[str, str]]:
    """[(level, canonical)] from the reference itself up to its act.

    `SFS 2017:30 2 kap. 3 §` → section, `SFS 2017:30 2 kap.` chapter, `SFS 2017:30` act;
    anything that is not an SFS provision (prop., SOU, HSLF-FS …) is one document-level entry.
    """
    m = _SFS.match(canonical)
    if not m:
        return [("act" if canonical.startswith("SFS ") else "document", canonical)]
    act, chapter, section = m["act"], m["chapter"], m["section"]
    levels: list[tuple[str, str]] = []
    if section:
        levels.append(("section", canonical))
    if chapter:
        levels.append(("chapter", f"{act} {chapter} kap."))
    levels.append(("act", act))
    return levels


def level_of(canonical: str) -> str:
    return hierarchy(canonical)[0][0]


def act_of(canonical: str) -> str | None:
    """`SFS 2017:30` for any provision of that act, None for other references."""
    m = _SFS_ID.match(canonical)
    return f"SFS {m.group(1)}" if m else None


def within(canonical: str, scope: str) -> bool:
    """True when `canonical` is `scope` or a provision inside it (chapter in act, section in chapter)."""
    return any(target == scope for _, target in hierarchy(canonical))


@lru_cache(maxsize=1)
def _lawbook_titles() -> dict[str, str]:
    """SFS number -> title of every act in the lawbook data file ({} when it is not there)."""
    try:
        data = json.loads(resources.files("policykb.data").joinpath("lawbook.json").read_text("utf-8"))
    except (FileNotFoundError, OSError, ValueError):
        return {}
    out: dict[str, str] = {}
    for act in data.get("acts", []) if isinstance(data, dict) else []:
        if isinstance(act, dict) and act.get("id"):
            out[str(act["id"])] = str(act.get("title") or act["id"])
    return out


def lawbook_title(act_canonical: str) -> str | None:
    """The title of an act in the lawbook (`Hälso- och sjukvårdslag (2017:30)`), None if unknown."""
    m = _SFS_ID.match(act_canonical)
    return _lawbook_titles().get(m.group(1)) if m else None


def in_lawbook(act_canonical: str) -> bool:
    return lawbook_title(act_canonical) is not None


def identifier_canonicals(identifier: str | None, date: str | None) -> list[str]:
    """The canonical forms of a document identifier (`Prop. 2019/20:164` → `prop. 2019/20:164`).

    Uses the reference parser; an identifier it does not read as a reference (an article
    number like `2026-5-10283`) links nothing.
    """
    if not identifier or not identifier.strip():
        return []
    from policykb.errors import PolicyKBError
    from policykb.legal import parse_reference

    try:
        refs = parse_reference(identifier, date=date)
    except PolicyKBError:
        return []
    return sorted({r.canonical for r in refs})
