"""The remissvar draft, as Markdown and as a Word file: the remiss's particulars at the top, a
summary, one section per proposal (the proposal quoted, a position and a motivation to fill in,
the evidence as footnoted quotations grouped by what it does, the provisions it rests on),
"Övriga synpunkter" at the end.

`answers` maps a proposal's id (`Proposal.id`) to what the user typed:
`{"position": "tillstyrker", "motivation": "…"}`; it fills the draft instead of the blank. A
few keys that are not proposal ids fill the rest of the draft (`ANSWER_KEYS`): the
organisation, the date, the summary and the other comments, each a string.

Markdown: every piece of document text (titles, identifiers, headings, quotes, warnings, answers)
goes through `query.markdown.escape_inline`, every link through `query.markdown.link`: the
placeholders in square brackets are the draft's own Markdown, the document's text never is.
Word: real heading styles (Title, Heading 1–3), quotations in the Quote style, evidence as
footnotes with the source as a link, fields to fill in as tagged content controls
(`query.wordfile`).
"""

from __future__ import annotations

import re
from typing import Any

from policykb.consult.model import EVIDENCE_GROUPS, Consultation, Evidence, Proposal
from policykb.query.markdown import escape_inline, link
from policykb.query.pagelabel import page_label

POSITION_PLACEHOLDER = "[tillstyrker / avstyrker / tillstyrker med ändringar / inga synpunkter]"
MOTIVATION_PLACEHOLDER = "[skriv här]"
# Answers that are not about one proposal: what they fill in.
ANSWER_KEYS = {
    "_remissinstans": "Remissinstans",
    "_datum": "Datum",
    "_sammanfattning": "Sammanfattning",
    "_ovriga": "Övriga synpunkter",
}
SUMMARY_PLACEHOLDER = "[Organisationens övergripande inställning till förslagen.]"
OTHER_PLACEHOLDER = "[Synpunkter som inte gäller ett enskilt förslag, eller: Inga övriga synpunkter.]"

Answers = dict[str, Any]


# -- what both renderers say -------------------------------------------------------------------


def _answer(answers: Answers | None, key: str) -> dict[str, str]:
    value = (answers or {}).get(key)
    if isinstance(value, str):
        return {"text": value.strip()}
    if isinstance(value, dict):
        return {k: str(v).strip() for k, v in value.items() if v is not None and str(v).strip()}
    return {}


def _text_answer(answers: Answers | None, key: str) -> str:
    value = _answer(answers, key)
    return value.get("text") or value.get("motivation") or ""


def particulars(consultation: Consultation, answers: Answers | None = None) -> list[tuple[str, str | None, str]]:
    """The lines at the top: (label, value known, placeholder)."""
    remiss = consultation.remiss or {}
    return [
        ("Remissinstans", _text_answer(answers, "_remissinstans") or None, "[organisation]"),
        ("Diarienummer", remiss.get("diarienummer"), "[remissens diarienummer]"),
        ("Datum", _text_answer(answers, "_datum") or None, "[ÅÅÅÅ-MM-DD]"),
    ] + ([("Svar senast", remiss["deadline"], "")] if remiss.get("deadline") else [])


REMISS_PREFIX = re.compile(r"^\s*remiss\s*[:–—-]\s*", re.I)
# A proposal whose text names it by its label (`Förslag 1: …`, `Rekommendation 2.3. …`).
SELF_LABELLED = r"^\w+\s+{label}\s*[:.]"


def draft_title(consultation: Consultation) -> tuple[str, str | None]:
    doc = consultation.document
    remiss = consultation.remiss or {}
    title = remiss.get("title") or doc.get("title") or doc["doc_id"]
    # `Remiss: X` answered is `Remissvar: X`, not `Remissvar: Remiss: X`
    title = REMISS_PREFIX.sub("", title) or title
    return title, (remiss.get("identifier") or doc.get("identifier"))


def proposal_name(p: Proposal) -> str:
    text = p.text
    if p.label and text.startswith(p.label):
        text = text[len(p.label):].lstrip(". ")
    elif p.label and re.match(SELF_LABELLED.format(label=re.escape(p.label)), text):
        return _short(text)
    return f"{p.label} {_short(text)}" if p.label else _short(text)


def citation_parts(e: Evidence, *, paged: bool = True) -> tuple[str, str | None, str | None, str]:
    """(publisher, title or doc id, identifier, page label) of a piece of evidence."""
    return (e.publisher or "", e.title or e.doc_id, e.identifier, page_label(e.page, e.printed_page, paged))


def grouped_evidence(p: Proposal) -> list[tuple[str, list[Evidence]]]:
    """The evidence under the name of what it does (current law, guidance, other reports), in that order."""
    out = []
    for key, name in EVIDENCE_GROUPS.items():
        items = [e for e in p.evidence if (e.group if e.group in EVIDENCE_GROUPS else "report") == key]
        if items:
            out.append((name, items))
    return out


def _where(p: Proposal, own_pages: bool) -> str:
    return page_label(p.page, p.printed_page, own_pages)


def _requirement_where(row: dict[str, Any], consultation: Consultation) -> str:
    return page_label(row.get("page"), row.get("printed_page"), row.get("doc_id") not in consultation.unpaged)


# -- Markdown ----------------------------------------------------------------------------------


def render_markdown(consultation: Consultation, answers: Answers | None = None) -> str:
    """The draft as Markdown (footnotes in the `[^n]` form pandoc and GitHub read)."""
    title, ident = draft_title(consultation)
    lines = [f"# Remissvar: {escape_inline(title)}" + (f" ({escape_inline(ident)})" if ident else ""), ""]
    top = particulars(consultation, answers)
    for i, (label, value, placeholder) in enumerate(top):
        end = "" if i == len(top) - 1 else "  "
        lines.append(f"{label}: {escape_inline(value) if value else placeholder}{end}")
    lines.append("")
    summary = _text_answer(answers, "_sammanfattning")
    lines += ["## Sammanfattning", "", *(_paragraphs_md(summary) if summary else [SUMMARY_PLACEHOLDER, ""])]
    for warning in consultation.warnings:
        lines += [f"> Obs: {escape_inline(warning)}", ""]
    if not consultation.proposals and consultation.headings:
        lines += ["Rubriker i dokumentet (att besvara i stället för förslag):", ""]
        lines += [f"- {escape_inline(h['text'])}" for h in consultation.headings]
        lines.append("")
    notes: list[str] = []
    own_pages = consultation.document["doc_id"] not in consultation.unpaged
    for p in consultation.proposals:
        lines += _proposal_md(p, consultation, own_pages, _answer(answers, p.id), notes)
    other = _text_answer(answers, "_ovriga")
    lines += ["## Övriga synpunkter", "", *(_paragraphs_md(other) if other else [OTHER_PLACEHOLDER, ""])]
    if notes:
        lines += [f"[^{n}]: {note}" for n, note in enumerate(notes, start=1)]
    return "\n".join(lines).rstrip() + "\n"


def _proposal_md(p: Proposal, consultation: Consultation, own_pages: bool, answer: dict[str, str], notes: list[str]) -> list[str]:
    lines = [f"## {p.number}. {escape_inline(proposal_name(p))}", ""]
    where = _where(p, own_pages)
    if p.heading:
        lines.append(f"*{escape_inline(p.heading)}*" + (f", {where}" if where else ""))
    elif where:
        lines.append(f"*{where}*")
    lines.append("")
    if p.context:
        lines += [f"Mål: {escape_inline(p.context)}", ""]
    who = [f"Ansvarig: {escape_inline(p.actor)}" if p.actor else "", f"Tid: {escape_inline(p.when)}" if p.when else ""]
    if any(who):
        lines += ["  \n".join(w for w in who if w), ""]
    lines += [_blockquote(p.text), ""]
    position = answer.get("position")
    lines += [f"Ställningstagande: {escape_inline(position) if position else POSITION_PLACEHOLDER}", ""]
    motivation = answer.get("motivation")
    if motivation:
        paragraphs = _paragraphs_md(motivation)
        lines += [f"Motivering: {paragraphs[0]}", *paragraphs[1:]]
        if paragraphs[-1] != "":
            lines.append("")
    else:
        lines += [f"Motivering: {MOTIVATION_PLACEHOLDER}", ""]
    groups = grouped_evidence(p)
    if groups:
        lines += ["Underlag:", ""]
        for name, items in groups:
            lines += [f"*{name}*", ""]
            for e in items:
                notes.append(citation(e, paged=e.doc_id not in consultation.unpaged))
                lines.append(f"- ”{escape_inline(e.quote)}”[^{len(notes)}]")
            lines.append("")
    elif p.evidence_note:
        lines += [f"Underlag: {escape_inline(p.evidence_note)}", ""]
    lines += _provisions_md(p)
    if p.requirements:
        lines += ["Krav som vilar på dessa lagrum:", ""]
        for row in p.requirements:
            where = _requirement_where(row, consultation)
            sources = escape_inline(", ".join(row.get("sources") or []))
            name = _doc_name(row.get("title"), row.get("doc_id"), row.get("identifier"))
            lines.append(f"- ”{escape_inline(row.get('sentence', ''))}” — {name}{', ' + where if where else ''} ({sources})")
        lines.append("")
    return lines


def _provisions_md(p: Proposal) -> list[str]:
    lines: list[str] = []
    for via, title in (("proposal", "Hänvisningar i förslaget (lagrum och dokument):"),
                       ("evidence", "Lagrum som underlaget hänvisar till:")):
        items = [prov for prov in p.provisions if (prov.via or "proposal") == via]
        if not items:
            continue
        lines += [title, ""]
        for prov in items:
            elsewhere = (
                "; citeras även i " + ", ".join(
                    f"{_doc_name(c.title, c.doc_id, c.identifier)} ({c.count})" for c in prov.citing_documents[:5]
                )
                if prov.citing_documents else "; citeras inte i andra dokument i kunskapsbasen"
            )
            text = f" — ”{escape_inline(prov.provision_text)}”" if prov.provision_text else ""
            lines.append(f"- {link(prov.canonical, prov.url)}{elsewhere}{text}")
        lines.append("")
    return lines


def citation(e: Evidence, *, paged: bool = True) -> str:
    """`Publisher, *Title* (identifier), s. N.` and its link — what a reader needs to find the quote."""
    publisher, name, ident, where = citation_parts(e, paged=paged)
    text = ", ".join(([escape_inline(publisher)] if publisher else []) + [f"*{escape_inline(name)}*" if e.title else escape_inline(name)])
    if ident:
        text += f" ({escape_inline(ident)})"
    text = f"{text}, {where}." if where else f"{text}."
    if _is_web_address(e.url):
        text += f" {link(e.url, e.url)}"
    return text


def _is_web_address(url: str | None) -> bool:
    return bool(url) and str(url).strip().lower().startswith(("http://", "https://"))


def _paragraphs_md(text: str) -> list[str]:
    out: list[str] = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        if chunk.strip():
            out += [escape_inline(chunk), ""]
    return out or [""]


def _doc_name(title: str | None, doc_id: str | None, identifier: str | None) -> str:
    name = f"*{escape_inline(title)}*" if title else escape_inline(doc_id)
    return f"{name} ({escape_inline(identifier)})" if identifier else name


def _short(text: str, words: int = 12) -> str:
    parts = text.split()
    out = " ".join(parts[:words])
    return out.rstrip(".,;:") + (" …" if len(parts) > words else "")


def _blockquote(text: str) -> str:
    return "\n".join("> " + escape_inline(line) if line.strip() else ">" for line in text.splitlines())


# -- Word --------------------------------------------------------------------------------------


def render_docx(consultation: Consultation, answers: Answers | None = None) -> bytes:
    """The draft as a Word file (.docx) that opens in Word and LibreOffice: the same content as
    `render_markdown`, in real styles, with footnoted quotations and fields to fill in."""
    from policykb.query.wordfile import Footnotes, add_field, add_hyperlink, add_run, fill_in, new_document, to_bytes

    title, ident = draft_title(consultation)
    heading = f"Remissvar: {title}" + (f" ({ident})" if ident else "")
    document = new_document(heading)
    notes = Footnotes(document)
    document.add_heading(_clean(heading), level=0)
    for label, value, placeholder in particulars(consultation, answers):
        paragraph = document.add_paragraph()
        add_run(paragraph, f"{label}: ", bold=True)
        if value or not placeholder:
            add_run(paragraph, value or "")
        else:
            add_field(paragraph, f"{_tag(label)}", label, placeholder)
    document.add_heading("Sammanfattning", level=1)
    fill_in(document, document.add_paragraph(), "summary", "Sammanfattning", SUMMARY_PLACEHOLDER,
            _text_answer(answers, "_sammanfattning"))
    for warning in consultation.warnings:
        add_run(document.add_paragraph(style="Intense Quote"), f"Obs: {warning}")
    if not consultation.proposals and consultation.headings:
        document.add_paragraph("Rubriker i dokumentet (att besvara i stället för förslag):")
        for h in consultation.headings:
            document.add_paragraph(_clean(h["text"]), style="List Bullet")
    own_pages = consultation.document["doc_id"] not in consultation.unpaged
    for p in consultation.proposals:
        answer = _answer(answers, p.id)
        document.add_heading(_clean(f"{p.number}. {proposal_name(p)}"), level=1)
        where = _where(p, own_pages)
        if p.heading or where:
            add_run(document.add_paragraph(), ", ".join(x for x in (p.heading, where) if x), italic=True)
        if p.context:
            paragraph = document.add_paragraph()
            add_run(paragraph, "Mål: ", bold=True)
            add_run(paragraph, p.context)
        for label, value in (("Ansvarig", p.actor), ("Tid", p.when)):
            if value:
                paragraph = document.add_paragraph()
                add_run(paragraph, f"{label}: ", bold=True)
                add_run(paragraph, value)
        for line in [ln for ln in p.text.splitlines() if ln.strip()] or [p.text]:
            add_run(document.add_paragraph(style="Quote"), line)
        paragraph = document.add_paragraph()
        add_run(paragraph, "Ställningstagande: ", bold=True)
        fill_in(document, paragraph, f"position:{p.id}", "Ställningstagande", POSITION_PLACEHOLDER, answer.get("position"))
        paragraph = document.add_paragraph()
        add_run(paragraph, "Motivering: ", bold=True)
        fill_in(document, paragraph, f"motivation:{p.id}", "Motivering", MOTIVATION_PLACEHOLDER, answer.get("motivation"))
        groups = grouped_evidence(p)
        if groups:
            document.add_heading("Underlag", level=2)
            for name, items in groups:
                document.add_heading(name, level=3)
                for e in items:
                    quote = document.add_paragraph(style="Quote")
                    add_run(quote, f"”{e.quote}”")
                    notes.add(quote, _note_pieces(e, paged=e.doc_id not in consultation.unpaged))
        elif p.evidence_note:
            paragraph = document.add_paragraph()
            add_run(paragraph, "Underlag: ", bold=True)
            add_run(paragraph, p.evidence_note, italic=True)
        for via, name in (("proposal", "Lagrum och dokument som förslaget hänvisar till"),
                          ("evidence", "Lagrum som underlaget hänvisar till")):
            items = [prov for prov in p.provisions if (prov.via or "proposal") == via]
            if not items:
                continue
            document.add_heading(name, level=2)
            for prov in items:
                paragraph = document.add_paragraph(style="List Bullet")
                add_hyperlink(paragraph, prov.canonical, prov.url)
                elsewhere = (
                    "; citeras även i " + ", ".join(
                        f"{c.title or c.doc_id}{' (' + c.identifier + ')' if c.identifier else ''} ({c.count})"
                        for c in prov.citing_documents[:5]
                    )
                    if prov.citing_documents else "; citeras inte i andra dokument i kunskapsbasen"
                )
                add_run(paragraph, elsewhere)
                if prov.provision_text:
                    add_run(document.add_paragraph(style="Quote"), prov.provision_text)
        if p.requirements:
            document.add_heading("Krav som vilar på dessa lagrum", level=2)
            for row in p.requirements:
                paragraph = document.add_paragraph(style="List Bullet")
                add_run(paragraph, f"”{row.get('sentence', '')}” — ")
                add_run(paragraph, row.get("title") or row.get("doc_id") or "", italic=bool(row.get("title")))
                where = _requirement_where(row, consultation)
                extra = (f" ({row['identifier']})" if row.get("identifier") else "") + (f", {where}" if where else "")
                add_run(paragraph, extra + " (")
                for i, item in enumerate(row.get("links") or [{"canonical": c, "url": None} for c in row.get("sources") or []]):
                    if i:
                        add_run(paragraph, ", ")
                    add_hyperlink(paragraph, item["canonical"], item.get("url"))
                add_run(paragraph, ")")
    document.add_heading("Övriga synpunkter", level=1)
    fill_in(document, document.add_paragraph(), "other", "Övriga synpunkter", OTHER_PLACEHOLDER,
            _text_answer(answers, "_ovriga"))
    return to_bytes(document)


def _note_pieces(e: Evidence, *, paged: bool) -> list[Any]:
    publisher, name, ident, where = citation_parts(e, paged=paged)
    text = ", ".join(x for x in (publisher, name) if x) + (f" ({ident})" if ident else "") + (f", {where}." if where else ".")
    return [text, " ", (e.url, e.url)] if _is_web_address(e.url) else [text]


def _tag(label: str) -> str:
    return {"Remissinstans": "remissinstans", "Datum": "date", "Diarienummer": "diarienummer"}.get(label, label.lower())


def _clean(text: str) -> str:
    from policykb.query.wordfile import clean

    return clean(text)
