"""The remissvar skeleton in Markdown: one heading per proposal, a `Ställningstagande:` line to
fill in, the evidence quoted with full citations.

Every piece of document text (titles, identifiers, headings, quotes, warnings) goes through
`query.markdown.escape_inline`, every link through `query.markdown.link`: the placeholders in
square brackets below are the draft's own Markdown, the document's text never is."""

from __future__ import annotations

from policykb.consult.model import Consultation, Evidence
from policykb.query.markdown import escape_inline, link
from policykb.query.pagelabel import page_label


# -- the remissvar skeleton --------------------------------------------------------------------


def render_markdown(consultation: Consultation) -> str:
    doc = consultation.document
    title = escape_inline(doc.get("title") or doc["doc_id"])
    ident = f" ({escape_inline(doc['identifier'])})" if doc.get("identifier") else ""
    lines = [
        f"# Remissvar: {title}{ident}",
        "",
        f"Remissinstans: [organisation]  ",
        f"Diarienummer: [remissens diarienummer]  ",
        f"Datum: [ÅÅÅÅ-MM-DD]",
        "",
        "## Sammanfattning",
        "",
        "[Organisationens övergripande inställning till förslagen.]",
        "",
    ]
    for warning in consultation.warnings:
        lines += [f"> Obs: {escape_inline(warning)}", ""]
    own_pages = doc["doc_id"] not in consultation.unpaged
    for p in consultation.proposals:
        text = p.text
        if p.label and text.startswith(p.label):
            text = text[len(p.label):].lstrip(". ")
        name = f"{p.label} {_short(text)}" if p.label else _short(text)
        lines += [f"## {p.number}. {escape_inline(name)}", ""]
        where = page_label(p.page, p.printed_page, own_pages)
        if p.heading:
            lines.append(f"*{escape_inline(p.heading)}*" + (f", {where}" if where else ""))
        elif where:
            lines.append(f"*{where}*")
        lines.append("")
        if p.context:
            lines += [f"Mål: {escape_inline(p.context)}", ""]
        lines += [_blockquote(p.text), "", "Ställningstagande: [tillstyrker / avstyrker / tillstyrker med ändringar / inga synpunkter]", ""]
        lines += ["Motivering: [skriv här]", ""]
        if p.evidence:
            lines += ["Underlag:", ""]
            for e in p.evidence:
                lines.append(
                    f"- ”{escape_inline(e.quote)}” — {citation(e, paged=e.doc_id not in consultation.unpaged)}"
                )
            lines.append("")
        if p.provisions:
            lines += ["Hänvisningar i förslaget (lagrum och dokument):", ""]
            for prov in p.provisions:
                elsewhere = (
                    "; citeras även i " + ", ".join(
                        f"{_doc_name(c.title, c.doc_id, c.identifier)} ({c.count})" for c in prov.citing_documents[:5]
                    )
                    if prov.citing_documents else "; citeras inte i andra dokument i kunskapsbasen"
                )
                lines.append(f"- {link(prov.canonical, prov.url)}{elsewhere}")
            lines.append("")
        if p.requirements:
            lines += ["Krav som vilar på dessa lagrum:", ""]
            for row in p.requirements:
                where = page_label(row.get("page"), row.get("printed_page"), row.get("doc_id") not in consultation.unpaged)
                where = f", {where}" if where else ""
                sources = escape_inline(", ".join(row.get("sources") or []))
                name = _doc_name(row.get("title"), row.get("doc_id"), row.get("identifier"))
                lines.append(f"- ”{escape_inline(row.get('sentence', ''))}” — {name}{where} ({sources})")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def citation(e: Evidence, *, paged: bool = True) -> str:
    """`Publisher, *Title* (identifier), s. N.` — what a reader needs to find the quote."""
    parts = []
    if e.publisher:
        parts.append(escape_inline(e.publisher))
    parts.append(f"*{escape_inline(e.title)}*" if e.title else escape_inline(e.doc_id))
    text = ", ".join(parts)
    if e.identifier:
        text += f" ({escape_inline(e.identifier)})"
    where = page_label(e.page, e.printed_page, paged)
    return f"{text}, {where}." if where else f"{text}."


def _doc_name(title: str | None, doc_id: str, identifier: str | None) -> str:
    name = f"*{escape_inline(title)}*" if title else escape_inline(doc_id)
    return f"{name} ({escape_inline(identifier)})" if identifier else name


def _short(text: str, words: int = 12) -> str:
    parts = text.split()
    out = " ".join(parts[:words])
    return out.rstrip(".,;:") + (" …" if len(parts) > words else "")


def _blockquote(text: str) -> str:
    return "\n".join("> " + escape_inline(line) if line.strip() else ">" for line in text.splitlines())
