"""The canonical reference strings of DESIGN.md and the links built from them.

| kind | canonical |
|---|---|
| act / chapter / section | `SFS 2017:30`, `SFS 2010:659 3 kap.`, `SFS 2017:30 2 kap. 3 §`, `SFS 2001:453 4 kap. 2 a §` |
| prop, sou, ds, dir, bet, rskr | `prop. 2019/20:164`, `SOU 2020:19`, `Ds 2023:23`, `dir. 2020:5`, `bet. 2019/20:SoU8`, `rskr. 2019/20:266` |
| regulation | `HSLF-FS 2016:40` (a chapter/section inside it stays in `detail`) |
| eu | `CELEX 32016R0679` |

This module is the one grammar of canonical strings: `parse_canonical` reads them, and the
citation hierarchy (`hierarchy`, `level_of`, `act_of`, `within`) is derived from what it reads,
so an old act cited with its page (`SFS 1910:103 s. 1 5 §`) is a section of `SFS 1910:103 s. 1`
everywhere — in the citation graph, `xref`, `law` and search's `--cites`.

Stycke, punkt, mening, moment, page and article live in `detail`; `reference_url` puts them in
the URL fragment (lagen.nu scheme: K kapitel, P paragraf, O moment, S stycke, N punkt, M mening).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from policykb.legal.lawbook import load_lawbook

DOCUMENT_PREFIX = {"prop": "prop.", "sou": "SOU", "ds": "Ds", "dir": "dir.", "bet": "bet.", "rskr": "rskr."}

_SFS_CANONICAL = re.compile(
    r"^SFS (?P<id>\d{4}:\d+(?: s\. \d+)?)"
    r"(?: (?P<chapter>\d+(?: [a-z])?) kap\.)?"
    r"(?: (?P<section>\d+(?: [a-z])?) §)?$"
)
_DOC_CANONICAL = re.compile(r"^(?P<prefix>prop\.|SOU|Ds|dir\.|bet\.|rskr\.) (?P<id>\d{4}(?:/\d{2,4})?:[A-Za-zÅÄÖåäö]*\d+)$")
_EU_CANONICAL = re.compile(r"^CELEX (?P<celex>[34]\d{4}[A-Z]\d{4})$")
_REG_CANONICAL = re.compile(r"^(?P<prefix>[A-ZÅÄÖ]+(?:-[A-Z]+)?) (?P<year>\d{4}):(?P<number>\d+)$")


def act_canonical(sfs_id: str, chapter: str | None = None, section: str | None = None) -> str:
    out = f"SFS {sfs_id}"
    if chapter:
        out += f" {chapter} kap."
    if section:
        out += f" {section} §"
    return out


def act_kind(chapter: str | None, section: str | None) -> str:
    if section:
        return "section"
    if chapter:
        return "chapter"
    return "act"


def document_canonical(kind: str, identifier: str) -> str:
    return f"{DOCUMENT_PREFIX[kind]} {identifier}"


def parse_canonical(canonical: str) -> tuple[str, dict[str, Any]]:
    """(kind, parts) of a canonical string; raises ValueError when it is not one."""
    m = _SFS_CANONICAL.match(canonical)
    if m:
        parts = {k: v for k, v in m.groupdict().items() if v}
        return act_kind(parts.get("chapter"), parts.get("section")), parts
    m = _DOC_CANONICAL.match(canonical)
    if m:
        kind = next(k for k, v in DOCUMENT_PREFIX.items() if v == m["prefix"])
        return kind, {"id": m["id"]}
    m = _EU_CANONICAL.match(canonical)
    if m:
        return "eu", {"celex": m["celex"]}
    m = _REG_CANONICAL.match(canonical)
    if m and m["prefix"] in load_lawbook().regulation_series:
        return "regulation", {"prefix": m["prefix"], "year": m["year"], "number": m["number"]}
    raise ValueError(f"not a canonical reference: {canonical!r}")


def _compact(label: str) -> str:
    return label.replace(" ", "")


def provision_fragment(parts: dict[str, Any], detail: dict[str, Any]) -> str:
    fragment = ""
    chapter = parts.get("chapter") or detail.get("chapter")
    section = parts.get("section") or detail.get("section")
    if chapter:
        fragment += "K" + _compact(str(chapter))
    if section:
        fragment += "P" + _compact(str(section))
    if detail.get("moment"):
        fragment += f"O{detail['moment']}"
    if detail.get("stycke"):
        fragment += f"S{detail['stycke']}"
    if detail.get("punkt"):
        if not detail.get("stycke"):
            fragment += "S1"  # a punkt right after the section number is in its first stycke
        fragment += "N" + _compact(str(detail["punkt"]))
    if detail.get("mening"):
        fragment += f"M{detail['mening']}"
    return fragment


def reference_url(canonical: str, detail: dict[str, Any] | None = None) -> str:
    """A link a person can open: lagen.nu for acts, preparatory works and EU law; the agency for regulations."""
    detail = detail or {}
    book = load_lawbook()
    kind, parts = parse_canonical(canonical)
    if kind in ("act", "chapter", "section"):
        if detail.get("amendment_of"):
            return book.act_url.format(id=book.lagen_nu_id(detail["amendment_of"])) + f"#L{parts['id']}"
        url = book.act_url.format(id=book.lagen_nu_id(parts["id"]))
        fragment = provision_fragment(parts, {k: v for k, v in detail.items() if k not in ("chapter", "section")})
        return url + ("#" + fragment if fragment else "")
    if kind == "regulation":
        series = book.regulation_series[parts["prefix"]]
        return series.url.format(year=parts["year"], number=parts["number"])
    if kind == "eu":
        url = book.eu_url.format(celex=parts["celex"])
        return url + (f"#{detail['article']}" if detail.get("article") else "")
    series = book.document_series[kind]
    url = series["url"].format(id=quote(parts["id"], safe="/:"))
    page = detail.get("page")
    if page and series.get("page_fragment"):
        first = re.match(r"\d+", str(page))
        if first:
            url += series["page_fragment"].format(page=first.group())
    elif detail.get("avsnitt"):
        url += "#S" + str(detail["avsnitt"]).replace(".", "-")
    return url


# -- the citation hierarchy ---------------------------------------------------------------------

LEVELS = ("section", "chapter", "act", "document")


def _parse_or_none(canonical: str) -> tuple[str, dict[str, Any]] | None:
    try:
        return parse_canonical(canonical)
    except ValueError:
        return None


def hierarchy(canonical: str) -> list[tuple[str, str]]:
    """[(level, canonical)] from the reference itself up to its act.

    `SFS 2017:30 2 kap. 3 §` → section, `SFS 2017:30 2 kap.` chapter, `SFS 2017:30` act;
    anything that is not an SFS provision (prop., SOU, HSLF-FS …) is one document-level entry.
    """
    parsed = _parse_or_none(canonical)
    if parsed is None or parsed[0] not in ("act", "chapter", "section"):
        return [("act" if canonical.startswith("SFS ") else "document", canonical)]
    kind, parts = parsed
    sfs_id, chapter = parts["id"], parts.get("chapter")
    levels: list[tuple[str, str]] = []
    if kind == "section":
        levels.append(("section", canonical))
    if chapter:
        levels.append(("chapter", act_canonical(sfs_id, chapter)))
    levels.append(("act", act_canonical(sfs_id)))
    return levels


def level_of(canonical: str) -> str:
    return hierarchy(canonical)[0][0]


def act_of(canonical: str) -> str | None:
    """`SFS 2017:30` for any provision of that act, None for other references."""
    level, act = hierarchy(canonical)[-1]
    return act if level == "act" else None


def within(canonical: str, scope: str) -> bool:
    """True when `canonical` is `scope` or a provision inside it (chapter in act, section in chapter)."""
    return any(target == scope for _, target in hierarchy(canonical))


def lawbook_title(act: str) -> str | None:
    """The title of an act in the lawbook (`Hälso- och sjukvårdslag (2017:30)`), None if unknown."""
    parsed = _parse_or_none(act)
    if parsed is None or parsed[0] not in ("act", "chapter", "section"):
        return None
    known = load_lawbook().acts.get(parsed[1]["id"])
    return known.title if known else None


def in_lawbook(act: str) -> bool:
    return lawbook_title(act) is not None
