"""The trace matrix: one row per requirement, with the provisions it rests on.

`trace(store, doc_id=, actor=, modality=, source=)` returns rows of the DESIGN.md shape
(`doc_id, passage_id, page, sentence, modality, actor, sources [canonical], via`) plus the link
of each source (`links`), the printed page number and the heading. `source` is hierarchy-aware:
`HSL` finds requirements resting on any section of HSL, `2 kap. HSL` those in its chapter 2.

`to_csv` and `to_markdown` render rows for a spreadsheet and for a word processor.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from policykb.errors import InputError
from policykb.annotate.requirements import MODALITIES, UNKNOWN_ACTOR, actor_labels, normalise_actor
from policykb.store import Store
from policykb.query.xref import parse_targets, require_documents
from policykb.query.markdown import escape_cell, link


def trace(
    store: Store,
    *,
    doc_id: str | None = None,
    actor: str | None = None,
    modality: str | None = None,
    source: str | None = None,
    date: str | None = None,
) -> list[dict[str, Any]]:
    require_documents(store)
    where, params = [], []
    if doc_id is not None:
        store.require_document(doc_id)
        where.append("r.doc_id = ?")
        params.append(doc_id)
    if actor is not None:
        label = UNKNOWN_ACTOR if actor.strip().lower() == UNKNOWN_ACTOR else normalise_actor(actor)
        if label is None:
            raise InputError(f"unknown actor {actor!r}; use one of: {', '.join(actor_labels())}")
        # Any actor the requirement binds, not only the first ("Regionen och kommunen ska").
        where.append("(r.actor = ? OR ',' || r.actors || ',' LIKE ?)")
        params.extend([label, f"%,{label},%"])
    if modality is not None:
        value = modality.strip().lower()
        if value not in MODALITIES:
            raise InputError(f"unknown modality {modality!r}; use one of: {', '.join(MODALITIES)}")
        where.append("r.modality = ?")
        params.append(value)
    if source is not None:
        targets = [t.canonical for t in parse_targets(source, date=date)]
        clauses = []
        for target in targets:
            clauses.append("rs.canonical = ? OR (rs.canonical >= ? AND rs.canonical < ?)")
            params.extend([target, target + " ", target + "!"])
        where.append(
            "EXISTS (SELECT 1 FROM requirement_sources rs WHERE rs.requirement_id = r.requirement_id AND ("
            + " OR ".join(f"({c})" for c in clauses) + "))"
        )
    sql = (
        "SELECT r.requirement_id, r.doc_id, r.passage_id, r.page_index, r.modality, r.actor, r.actors, r.trigger, "
        "r.via, s.text AS sentence, s.footnote_number, p.heading, pg.printed "
        "FROM requirements r JOIN sentences s ON s.sentence_id = r.sentence_id "
        "LEFT JOIN passages p ON p.passage_id = r.passage_id "
        "LEFT JOIN pages pg ON pg.doc_id = r.doc_id AND pg.page_index = r.page_index"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY r.doc_id, r.page_index, r.sentence_id"
    )
    cursor = store.conn.cursor()
    cursor.row_factory = None  # plain tuples: name lookups on sqlite3.Row dominate large answers
    rows = cursor.execute(sql, params).fetchall()
    sources: dict[int, list[tuple[str, str]]] = {}
    if rows:
        ids = [r[0] for r in rows]
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start : chunk_start + 500]
            for s in cursor.execute(
                f"SELECT requirement_id, canonical, url FROM requirement_sources "
                f"WHERE requirement_id IN ({','.join('?' * len(chunk))}) ORDER BY requirement_id, ordinal",
                chunk,
            ):
                sources.setdefault(s[0], []).append((s[1], s[2]))
    out = []
    for (rid, doc, passage_id, page, modality_, actor_, _, trigger, via, sentence, note, heading, printed) in rows:
        linked = sources.get(rid, [])
        out.append(
            {
                "doc_id": doc,
                "passage_id": passage_id,
                "page": page,
                "sentence": sentence,
                "modality": modality_,
                "actor": actor_,
                "sources": [c for c, _ in linked],
                "via": via,
                "links": [{"canonical": c, "url": u} for c, u in linked],
                "printed_page": printed,
                "heading": heading or "",
                "in_footnote": note,
                "trigger": trigger,
                "requirement_id": rid,
            }
        )
    return out


CSV_COLUMNS = ["doc_id", "page", "printed_page", "passage_id", "heading", "sentence", "modality", "actor",
               "sources", "via", "urls"]


# A cell starting with one of these is a formula to Excel and LibreOffice (`=1+1`, `@SUM(…)`,
# `+`/`-` too; tab and CR can hide one): OWASP's CSV-injection rule is to prefix it with `'`.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A value for the CSV: text that a spreadsheet would run as a formula gets a leading `'`
    (shown as text, the cell's content otherwise kept); numbers and empty cells are left alone."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: list[dict[str, Any]]) -> str:
    """UTF-8 CSV with a byte-order mark (so Excel reads the å, ä, ö), every field quoted as needed,
    several sources in one cell joined by "; " and their links beside them; no cell is a formula
    (`csv_cell`)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            csv_cell(value)
            for value in (
                row["doc_id"], row["page"], row["printed_page"] or "", row["passage_id"] or "", row["heading"],
                row["sentence"], row["modality"], row["actor"], "; ".join(row["sources"]), row["via"] or "",
                "; ".join(item["url"] for item in row["links"]),
            )
        )
    return buffer.getvalue()


def to_markdown(rows: list[dict[str, Any]]) -> str:
    """A pipe table (pipes in text escaped), each source a link, for pandoc or a Markdown-aware
    word processor; the links also stand as plain URLs so they survive a paste into Word."""
    header = ["doc_id", "page", "sentence", "modality", "actor", "sources", "via"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    for row in rows:
        links = "; ".join(
            f"{link(item['canonical'], item['url'])} {escape_cell(item['url'])}" for item in row["links"]
        )
        cells = [
            escape_cell(row["doc_id"]), escape_cell(row["page"]), escape_cell(row["sentence"]), escape_cell(row["modality"]),
            escape_cell(row["actor"]), links, escape_cell(row["via"] or ""),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_docx(rows: list[dict[str, Any]], *, title: str = "Kravmatris") -> bytes:
    """The trace as a Word table (.docx): one row per requirement, its sources as links to the
    provisions, the header row repeated on every page; landscape, as a seven-column table needs."""
    from docx.enum.section import WD_ORIENT

    from policykb.query.pagelabel import page_label
    from policykb.query.wordfile import add_run, add_table, new_document, to_bytes

    document = new_document(title)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.add_heading(title, level=1)
    add_run(document.add_paragraph(), f"{len(rows)} krav" if rows else "Inga krav matchar urvalet.")
    if rows:
        header = ["Dokument", "Sida", "Krav", "Modalitet", "Aktör", "Lagrum", "Via"]
        body = [
            [
                row["doc_id"],
                page_label(row["page"], row.get("printed_page")),
                row["sentence"], row["modality"], row["actor"],
                [(item["canonical"], item["url"]) for item in row["links"]] or "",
                row["via"] or "",
            ]
            for row in rows
        ]
        add_table(document, header, body, widths_cm=[3.5, 1.5, 9.5, 2.5, 2.5, 4.0, 1.7])
    return to_bytes(document)
