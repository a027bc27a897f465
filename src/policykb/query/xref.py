"""Questions to the citation graph: what cites REF, what a document cites, what of an act is cited.

- `xref(store, ref_text)`: every passage citing REF (any spelling the reference parser
  accepts), grouped by document, with page, heading, the citing sentence and the link of each
  provision. A query for an act or chapter finds the sections in it (see `citations`).
- `cites(store, doc_id)`: what one document cites, per act and provision, with counts, and the
  documents of the corpus it cites or that cite it.
- `law(store, act)`: every provision of an act cited in the corpus, most cited first.

Plain dicts out (the JSON shapes of the CLI and API); user errors raise `PolicyKBError`s.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from policykb.legal.canonical import act_of, hierarchy, in_lawbook, lawbook_title, level_of
from policykb.errors import InputError, NotFoundError, StoreError
from policykb.store import Store
from policykb.query.pagelabel import page_fields, unpaged_documents


def require_documents(store: Store) -> None:
    if store.conn.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is None:
        raise StoreError(
            f"the index in {store.index_dir} holds no documents yet: run `policykb ingest PATH` first"
        )


def parse_targets(ref_text: str, *, date: str | None = None) -> list[Any]:
    """The references a query names, most specific only (`SFS 2017:30 2 kap. 3 §` is not also
    a question about `SFS 2017:30`). Raises InputError listing the accepted forms."""
    from policykb.legal import parse_reference

    refs = parse_reference(ref_text, date=date)
    canonicals = {r.canonical for r in refs}
    out, seen = [], set()
    for ref in refs:
        if ref.canonical in seen:
            continue
        ancestors_of_others = any(
            other != ref.canonical and ref.canonical in {t for _, t in hierarchy(other)[1:]} for other in canonicals
        )
        if not ancestors_of_others:
            seen.add(ref.canonical)
            out.append(ref)
    return out


def provision_url(canonical: str, fallback: str = "") -> str:
    """The link of a canonical reference without stycke/punkt detail (lagen.nu, riksdagen.se …)."""
    from policykb.legal import reference_url

    try:
        return reference_url(canonical)
    except (ValueError, KeyError):
        return fallback


def _target_info(store: Store, canonical: str, kind: str, url: str) -> dict[str, Any]:
    act = act_of(canonical)
    row = store.conn.execute(
        "SELECT count(*), count(DISTINCT doc_id) FROM citations WHERE target = ?", (canonical,)
    ).fetchone()
    info: dict[str, Any] = {
        "canonical": canonical,
        "kind": kind,
        "level": level_of(canonical),
        "url": provision_url(canonical, url),
        "citations": row[0],
        "documents": row[1],
    }
    if act is not None:
        info["act"] = act
        info["act_title"] = lawbook_title(act)
        info["in_lawbook"] = in_lawbook(act)
    return info


def xref(store: Store, ref_text: str, *, date: str | None = None) -> dict[str, Any]:
    from policykb.query.provisions import ProvisionTexts

    require_documents(store)
    targets = parse_targets(ref_text, date=date)
    target_info = [_target_info(store, t.canonical, t.kind, t.url) for t in targets]
    # The cited sections' own text, where their act is in the index (fetched as a statute).
    texts = ProvisionTexts(store)
    for info in target_info:
        text = texts.get(info["canonical"])
        if text is not None:
            info["provision_text"] = text
    documents: OrderedDict[str, dict[str, Any]] = OrderedDict()
    hits: dict[tuple, dict[str, Any]] = {}
    total = 0
    unpaged = unpaged_documents(store.conn)
    cursor = store.conn.cursor()
    cursor.row_factory = None  # plain tuples: name lookups on sqlite3.Row dominate large answers
    for target in targets:
        rows = cursor.execute(
            """
            SELECT c.doc_id, c.passage_id, c.page_index, c.sentence_id,
                   r.text, r.canonical, r.url, r.footnote_number,
                   s.text, p.heading, pg.printed, d.title, d.identifier, f.text
            FROM citations c
            JOIN refs r ON r.ref_id = c.ref_id
            JOIN documents d ON d.doc_id = c.doc_id
            LEFT JOIN sentences s ON s.sentence_id = c.sentence_id
            LEFT JOIN passages p ON p.passage_id = c.passage_id
            LEFT JOIN pages pg ON pg.doc_id = c.doc_id AND pg.page_index = c.page_index
            LEFT JOIN footnotes f ON f.doc_id = r.doc_id AND f.page_index = r.page_index
                                  AND f.number = r.footnote_number
            WHERE c.target = ?
            ORDER BY c.doc_id, c.page_index, c.sentence_id, r.ref_id
            """,
            (target.canonical,),
        ).fetchall()
        for (doc_id, passage_id, page, sentence_id, written, cited, cited_url, note, sentence, heading, printed,
             title, identifier, note_text) in rows:
            total += 1
            doc = documents.get(doc_id)
            if doc is None:
                doc = documents[doc_id] = {
                    "doc_id": doc_id, "title": title, "identifier": identifier, "citations": 0, "hits": [],
                }
            doc["citations"] += 1
            key = (doc_id, passage_id, sentence_id, note if sentence_id is None else None)
            hit = hits.get(key)
            if hit is None:
                hit = hits[key] = {
                    "passage_id": passage_id,
                    "page": page,
                    "printed_page": printed,
                    **page_fields(page, printed, doc_id not in unpaged),
                    "heading": heading or "",
                    "sentence": sentence or note_text or "",
                    "footnote": {"number": note, "text": note_text} if note is not None else None,
                    "provisions": [],
                    "_seen": set(),
                }
                doc["hits"].append(hit)
            if (written, cited) not in hit["_seen"]:
                hit["_seen"].add((written, cited))
                provision = {"text": written, "canonical": cited, "url": cited_url}
                text = texts.get(cited)
                if text is not None:
                    provision["provision_text"] = text
                hit["provisions"].append(provision)
    for hit in hits.values():
        del hit["_seen"]
    ordered = sorted(documents.values(), key=lambda d: (-d["citations"], d["doc_id"]))
    for doc in ordered:
        doc["hits"].sort(key=lambda h: (h["page"], h["passage_id"] or 0))
    return {"query": ref_text, "targets": target_info, "citations": total, "documents": ordered}


def unknown_act_message(result: dict[str, Any]) -> str | None:
    """A one-line answer when every target is an act outside the lawbook that nobody cites."""
    targets = result.get("targets") or []
    if targets and all(t.get("in_lawbook") is False and t["citations"] == 0 for t in targets):
        names = ", ".join(t["canonical"] for t in targets)
        return (
            f"{names} is not in the lawbook and is cited 0 times in this index; known: the SFS number "
            f"({names}); check the number, or cite a provision of a known act (e.g. '2 kap. 3 § HSL')"
        )
    return None


def cites(store: Store, doc_id: str) -> dict[str, Any]:
    """What `doc_id` cites: acts with their provisions, other documents, links inside the corpus."""
    require_documents(store)
    meta = store.resolve_document(doc_id)
    doc_id = meta.doc_id
    counts = {
        (row[0], row[1]): row[2]
        for row in store.conn.execute(
            "SELECT target, level, count(*) FROM citations WHERE doc_id = ? GROUP BY target, level", (doc_id,)
        )
    }
    direct = {
        row[0]: row[1]
        for row in store.conn.execute(
            "SELECT target, count(*) FROM citations WHERE doc_id = ? AND direct = 1 GROUP BY target", (doc_id,)
        )
    }
    kinds = {
        row[0]: (row[1], row[2])
        for row in store.conn.execute("SELECT canonical, kind, url FROM refs WHERE doc_id = ? GROUP BY canonical", (doc_id,))
    }
    acts: dict[str, dict[str, Any]] = {}
    others: list[dict[str, Any]] = []
    for (target, level), n in counts.items():
        if level == "act":
            acts[target] = {
                "canonical": target, "title": lawbook_title(target), "url": provision_url(target),
                "citations": n, "provisions": [],
            }
    for (target, level), n in counts.items():
        if level in ("section", "chapter") and direct.get(target):
            acts[act_of(target)]["provisions"].append(
                {"canonical": target, "level": level, "url": provision_url(target), "citations": direct[target]}
            )
        elif level == "document":
            kind, url = kinds.get(target, ("", ""))
            others.append({"canonical": target, "kind": kind, "url": provision_url(target, url), "citations": n})
    links = {
        row["target"]: row["target_doc_id"]
        for row in store.conn.execute("SELECT target, target_doc_id FROM document_links WHERE source_doc_id = ?", (doc_id,))
    }
    for item in others:
        item["in_corpus"] = links.get(item["canonical"])
    for act in acts.values():
        act["in_corpus"] = links.get(act["canonical"])
        act["provisions"].sort(key=lambda p: (-p["citations"], p["canonical"]))
    cited_by = [
        {"doc_id": row["source_doc_id"], "title": row["title"], "target": row["target"], "citations": row["citations"]}
        for row in store.conn.execute(
            "SELECT l.source_doc_id, l.target, l.citations, d.title FROM document_links l "
            "JOIN documents d ON d.doc_id = l.source_doc_id WHERE l.target_doc_id = ? "
            "ORDER BY l.citations DESC, l.source_doc_id",
            (doc_id,),
        )
    ]
    total = store.conn.execute("SELECT count(*) FROM refs WHERE doc_id = ?", (doc_id,)).fetchone()[0]
    return {
        "doc_id": doc_id,
        "title": meta.title,
        "identifier": meta.identifier,
        "references": total,
        "acts": sorted(acts.values(), key=lambda a: (-a["citations"], a["canonical"])),
        "documents": sorted(others, key=lambda o: (-o["citations"], o["canonical"])),
        "cites_in_corpus": [
            {"target": t, "doc_id": d, "citations": counts.get((t, "document"), counts.get((t, "act"), 0))}
            for t, d in sorted(links.items())
        ],
        "cited_by": cited_by,
    }


def law(store: Store, act_text: str, *, date: str | None = None) -> dict[str, Any]:
    """Every provision of an act (or regulation) cited in the corpus, most cited first."""
    require_documents(store)
    refs = parse_targets(act_text, date=date)
    acts = list(OrderedDict.fromkeys(act_of(r.canonical) or (r.canonical if r.kind == "regulation" else None) for r in refs))
    acts = [a for a in acts if a]
    if not acts:
        named = ", ".join(r.canonical for r in refs)
        raise InputError(
            f"{act_text!r} names {named}, which is not an act or an agency regulation; "
            f"give an act like 'HSL', 'patientlagen', 'SFS 2017:30' or a regulation like 'HSLF-FS 2016:40'"
        )
    if len(acts) > 1:
        raise InputError(f"{act_text!r} names several acts ({', '.join(acts)}); ask for one at a time")
    act = acts[0]
    chapters: list[dict[str, Any]] = []
    if act.startswith("SFS "):
        # Every level of every reference that cites the act (its row at act level names it).
        rows = store.conn.execute(
            "SELECT target, level, sum(direct) AS direct, count(*) AS n, count(DISTINCT doc_id) AS docs "
            "FROM citations WHERE ref_id IN (SELECT ref_id FROM citations WHERE target = ?) GROUP BY target, level",
            (act,),
        ).fetchall()
        # A provision's own count is how often it is cited as itself; a chapter also gets a
        # total over the sections in it.
        provisions = [
            {"canonical": r["target"], "level": r["level"], "url": provision_url(r["target"]),
             "citations": r["direct"], "documents": r["docs"]}
            for r in rows if r["target"] != act and r["direct"]
        ]
        chapters = sorted(
            (
                {"canonical": r["target"], "url": provision_url(r["target"]), "citations": r["n"], "documents": r["docs"]}
                for r in rows if r["level"] == "chapter"
            ),
            key=lambda c: (-c["citations"], c["canonical"]),
        )
        whole = next((r for r in rows if r["target"] == act), None)
        title, known = lawbook_title(act), in_lawbook(act)
    else:
        provisions = _regulation_provisions(store, act)
        whole = store.conn.execute(
            "SELECT ? AS target, count(*) AS n, count(DISTINCT doc_id) AS docs FROM citations WHERE target = ?",
            (act, act),
        ).fetchone()
        title, known = None, None
    provisions.sort(key=lambda p: (-p["citations"], p["canonical"]))
    citations = whole["n"] if whole else 0
    if known is False and citations == 0:
        raise NotFoundError(
            f"{act} is not in the lawbook and is cited 0 times in this index; check the number or ask "
            f"for a known act (e.g. 'HSL')"
        )
    return {
        "act": act,
        "title": title,
        "in_lawbook": known,
        "url": provision_url(act),
        "citations": citations,
        "documents": whole["docs"] if whole else 0,
        "provisions": provisions,
        "chapters": chapters,
    }


def _regulation_provisions(store: Store, regulation: str) -> list[dict[str, Any]]:
    """Agency regulations are canonical at document level; their chapters and sections are in detail."""
    counts: dict[str, dict[str, Any]] = {}
    for row in store.conn.execute("SELECT doc_id, detail, url FROM refs WHERE canonical = ?", (regulation,)):
        detail = json.loads(row["detail"] or "{}")
        chapter, section = detail.get("chapter"), detail.get("section")
        if not (chapter or section):
            continue
        label = " ".join(p for p in (f"{chapter} kap." if chapter else "", f"{section} §" if section else "") if p)
        key = f"{label} {regulation}"
        entry = counts.setdefault(
            key, {"canonical": key, "level": "section" if section else "chapter", "url": row["url"],
                  "citations": 0, "documents": set()}
        )
        entry["citations"] += 1
        entry["documents"].add(row["doc_id"])
    return [{**e, "documents": len(e["documents"])} for e in counts.values()]


def most_cited(store: Store, *, level: str = "act", limit: int = 30) -> list[dict[str, Any]]:
    """The acts (or documents, `level="document"`) the corpus cites most, with counts: where a
    reader without a reference in mind can start."""
    rows = store.conn.execute(
        "SELECT target, count(*) AS n, count(DISTINCT doc_id) AS docs FROM citations WHERE level = ? "
        "GROUP BY target ORDER BY n DESC, target LIMIT ?",
        (level, limit),
    ).fetchall()
    return [
        {"canonical": r["target"], "title": lawbook_title(r["target"]) if level == "act" else None,
         "url": provision_url(r["target"]), "citations": r["n"], "documents": r["docs"]}
        for r in rows
    ]
