"""split_proposals(store, doc_id): the proposals of a remiss, in reading order.

Finding proposals: remisser state them in a few recognisable ways, and all are looked for:
- a table with a column headed `Förslag …` / `Åtgärd …` / `Rekommendation …`: each row;
- the same table flattened into running text by extraction: a paragraph that opens with such
  a header and continues with numbered goals (`1.1`, `1.1.1`): each deepest-numbered part;
- a paragraph labelled `Förslag:`, `Förslag 3:`, `Rekommendation 2.` …;
- under a heading such as `Utredningens förslag` or `Förslag till lag …`: its numbered or
  bulleted items, or else the section itself;
- anywhere else, a sentence in which someone proposes or recommends (`Socialstyrelsen
  föreslår att …`, `Strategin föreslås gälla i 8 år`), except relative clauses about proposals
  (`de aktiviteter som föreslås`) and announcements of a list (`föreslår flera aktiviteter`).
Summaries, tables of contents and reference lists are skipped: they repeat or list, not propose.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from policykb.consult.model import APPARATUS_HEADINGS, Proposal, document_references
from policykb.store import Store
from policykb.swedish.sentences import sentence_spans
from policykb.swedish.text import clip, is_toc_line

PROPOSAL_HEADING = re.compile(
    r"\b(förslag|författningsförslag|rekommendation(?:er)?|åtgärdsförslag|vi föreslår|föreslår)\b", re.I
)
# A chapter of an act or a regulation (`12 kap. Läkares anmälan och läkares rekommendationer`): rules
# in force under their subject's name, not a section of proposals.
STATUTE_CHAPTER = re.compile(r"^\s*\d+\s*(?:[a-z]\s+)?kap\.\s", re.I)
SKIP_SECTION = re.compile(
    r"^\s*(" + "|".join((*APPARATUS_HEADINGS, "sammanfattning", "summary", "kunskapsstöd inom")) + r")\b", re.I
)
LABELLED = re.compile(
    r"^\s*(?:(?:utredningens|vårt|våra|myndighetens|socialstyrelsens|regeringens|kommitténs|utredarens|"
    r"departementets|arbetsgruppens|promemorians)\s+)?"
    r"(?P<word>förslag|bedömning|rekommendation|åtgärd|åtgärdsförslag)(?:\s+(?P<num>\d+(?:\.\d+)*))?\s*[:.–—-]\s+(?=\S)",
    re.I,
)
GOVERNMENT_LABEL = re.compile(r"^\s*Regeringens\s+(?:förslag|bedömning)\b", re.I)
OTHERS_LABEL = re.compile(r"^\s*(?:utredningens|arbetsgruppens|kommitténs|utredarens|promemorians)\s+(?:förslag|bedömning)\b", re.I)
LABEL_HINT = re.compile(r"\b(förslag|bedömning|rekommendation|åtgärd|åtgärdsförslag)(\s+\d+(\.\d+)*)?\s*[:.–—-]\s", re.I)
NUMBERED_ITEM = re.compile(r"^\s*(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})[.)]?\s+(?=[A-ZÅÄÖ])")
BULLET_ITEM = re.compile(r"^\s*[-•–*]\s+(?!➔)")
# A proposing verb in the present, active or passive (`förslås` is a common misspelling).
PROPOSING = re.compile(r"\b(föreslår|föreslås|förslås|rekommenderar|rekommenderas|förordar|förordas)\b", re.I)
RELATIVE_BEFORE = re.compile(r"\b(som|vilka?|vad)\s+(?:\w+\s+){0,2}$", re.I)
# A task to propose, not a proposal: a directive's `… ska sådana föreslås`, `bör det föreslås`.
MODAL_BEFORE = re.compile(r"\b(ska|skall|bör|får|kan|kunna|behöver)\s+(?:\w+\s+){0,2}$", re.I)
# `föreslår flera aktiviteter` announces a list of proposals; it is not one itself.
ANNOUNCEMENT_AFTER = re.compile(
    r"^\s*(?:\w+\s+){0,2}(flera|flertalet|ett antal|några|följande|\d+|sju|åtta|nio|tio)\s+"
    r"(förslag|aktiviteter|åtgärder|insatser|rekommendationer|ändringar)\b",
    re.I,
)
# A header cell naming proposals: the word itself, not a compound that starts with it (a table of
# reference levels has `Socialstyrelsens åtgärdskod` and `administrerad aktivitet`, a measurement).
TABLE_PROPOSAL_HEADER = re.compile(
    r"\b(?:förslag(?:en)?|åtgärd(?:er|en|erna)?|aktivitet(?:er|en|erna)?|rekommendation(?:er|en|erna)?)\b", re.I
)
# What is proposed is said in words: most cells of a proposal column are at least this many words
# (`Ta fram ett nationellt kunskapsstöd för …`), not names or figures (`Hjärna/7111`, `200 MBq`).
STATEMENT_WORDS = 4
TABLE_ACTOR_HEADER = re.compile(r"\b(aktör|ansvarig|ansvar|huvudman|vem)", re.I)
# Goal numbers in a flattened table: `1.1`, `2.1.3`, `2.1.` (not dates or SFS numbers).
GOAL_NUMBER = re.compile(r"(?<![\d:/.])\b(\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+(?=[A-ZÅÄÖ])")


# -- splitting ---------------------------------------------------------------------------------


@dataclass
class _Block:
    block_id: int
    page: int
    printed: str | None
    kind: str
    text: str
    rows: list[list[str]] | None
    char_start: int


def split_proposals(store: Store, doc_id: str, *, level: str = "delmål") -> list[Proposal]:
    """The proposals of a document, in reading order (see the module doc for how).

    `level` chooses the grain of a goal/activity table: `åtgärd` (each activity), `delmål` (each
    sub-goal with its activities) or `fokusområde` (each focus area: its sub-goals together)."""
    if level not in LEVELS:
        from policykb.errors import InputError

        raise InputError(f"unknown level {level!r}; use one of: {', '.join(LEVELS)}")
    meta = store.require_document(doc_id)
    title = _norm(meta.title or "")
    blocks = [
        _Block(r["block_id"], r["page_index"], r["printed"], r["kind"], r["text"],
               json.loads(r["rows"]) if r["rows"] else None, r["char_start"])
        for r in store.conn.execute(
            "SELECT b.block_id, b.page_index, b.kind, b.text, b.rows, b.char_start, g.printed FROM blocks b "
            "LEFT JOIN pages g ON g.doc_id = b.doc_id AND g.page_index = b.page_index "
            "WHERE b.doc_id = ? ORDER BY b.page_index, b.ordinal",
            (doc_id,),
        )
    ]
    blocks = _join_broken_headings(blocks)
    from policykb.legal import identifier_canonicals

    own = frozenset(identifier_canonicals(meta.identifier, meta.date))
    found: list[Proposal] = []
    heading = ""
    skipping = False
    # A table cut by a page break continues under the same heading with the goals above it.
    goal_context: dict[int, str] = {}
    table_goals: dict[int, str] = {}
    proposal_section: list[_Block] | None = None  # body blocks under a proposal heading
    section_heading = ""

    def close_section() -> None:
        nonlocal proposal_section
        if proposal_section is not None and section_heading:
            found.extend(_section_proposals(section_heading, proposal_section, level, own))
        proposal_section = None

    for i, block in enumerate(blocks):
        text = block.text.strip()
        if not text or _norm(text) == title or is_toc_line(text, without_leaders=True):
            continue
        if block.kind == "heading" or _looks_like_heading(text):
            close_section()
            if APPENDIX_HEADING.match(text) and any(p.kind != "sentence" for p in found):
                # the appendices (after the document's own stated proposals, so not a table of
                # contents listing them): the inquiry's, the working group's and the lagrådsremiss's
                # proposals again, the remissinstanser, the Lagrådet's opinion — not this
                # document's proposals, and its own law proposal read a second and third time
                break
            heading = text
            goal_context = {}
            table_goals = {}
            skipping = bool(SKIP_SECTION.match(text))
            if (not skipping and PROPOSAL_HEADING.search(text) and block.kind == "heading"
                    and not STATUTE_CHAPTER.match(text)):
                proposal_section, section_heading = [], text
            continue
        if skipping:
            continue
        if proposal_section is not None:
            proposal_section.append(block)
            continue
        if block.kind == "table" and block.rows:
            found.extend(_table_rows(heading, block, level, table_goals))
        elif _flattened_table_header(text):
            found.extend(_flattened_table(heading, block, goal_context))
        else:
            found.extend(_labelled_and_proposing(heading, block, title, own))
    close_section()
    # Where the document states its proposals under labels (`Regeringens förslag:`), a sentence
    # that merely says `föreslår` elsewhere (the reasons, the remissinstanser's views) repeats them.
    if sum(1 for p in found if p.kind in ("labelled", "provision")) >= 3:
        found = [p for p in found if p.kind != "sentence"]
    # A bill states the government's proposals and, beside each, what the inquiry or working
    # group proposed (`Utredningens förslag: I huvudsak detsamma …`): those are background.
    if any(p.kind == "labelled" and GOVERNMENT_LABEL.match(p.text) for p in found):
        found = [p for p in found if not (p.kind == "labelled" and OTHERS_LABEL.match(p.text))]
    found = _first_statements(found)
    if level == "fokusområde":
        found = _by_focus_area(found)
    for n, proposal in enumerate(found, start=1):
        proposal.number = n
        proposal.passage_id = _passage_at(store, doc_id, proposal)
    return found


# Where a bill's (or report's) appendices begin: the proposals of the inquiry, memorandum or
# working group it rests on, the list of consulted bodies, the Lagrådet's opinion, the minutes.
# (The `Bilaga N` running header is not text of its own in an extracted page; these headings are.)
APPENDIX_HEADING = re.compile(
    r"^\s*(?:Bilaga\s+\d+\b|(?:utredningens|utredarens|promemorians|promemoriornas|arbetsgruppens|kommitténs|"
    r"betänkandets|lagrådsremissens|departementspromemorians)\s+(?:lag|författnings)förslag\b|"
    r"Sammanfattning av (?:betänkandet|promemorian|promemoriorna|utredningsförslaget|utredningens)|"
    r"Förteckning över remissinstanser|Lagrådets yttrande|Utdrag ur protokoll)",
    re.I,
)


def _join_broken_headings(blocks: list[_Block]) -> list[_Block]:
    """A `heading` that is the start of a sentence (extraction took a line for a heading:
    `Promemorians förslag (Ds 2013:69): Överensstämmer i sak med` / `regeringens förslag. I …`)
    joined to its continuation: else the continuation is read as a proposal starting mid-sentence,
    and the broken line as a heading that opens a proposal section."""
    out: list[_Block] = []
    for block in blocks:
        last = out[-1] if out else None
        if (
            last is not None and last.kind == "heading" and block.kind == "paragraph"
            and FRAGMENT_CONTINUES.match(block.text) and not last.text.rstrip().endswith((".", "!", "?", ":"))
            and len(last.text.split()) >= 3
        ):
            out[-1] = _Block(last.block_id, last.page, last.printed, "paragraph",
                             f"{last.text.rstrip()} {block.text.lstrip()}", None, last.char_start)
            continue
        out.append(block)
    return out


FRAGMENT_CONTINUES = re.compile(r"^\s*[a-zåäö]")


def _first_statements(found: list[Proposal]) -> list[Proposal]:
    """Each proposal once: the same words stated again (a summary's repetition, a law proposal
    printed again) are the first statement's."""
    seen: set[str] = set()
    out = []
    for p in found:
        key = _norm(p.text)
        if key in seen:
            continue
        seen.add(key)
        out.append(p)
    return out


def _by_focus_area(found: list[Proposal]) -> list[Proposal]:
    """Table proposals under one heading (a focus area) as one proposal; others as they are."""
    out: list[Proposal] = []
    for p in found:
        last = out[-1] if out else None
        if p.kind == "table-row" and last is not None and last.kind == "table-row" and last.heading == p.heading:
            last.text = clip(f"{last.text}\n{p.text}", 4000)
            last.spans.extend(p.spans)
            last.actor = "; ".join(dict.fromkeys(a for a in (last.actor or "").split("; ") + (p.actor or "").split("; ") if a)) or None
            continue
        if p.kind == "table-row":
            p.level, p.context = "fokusområde", None
            p.label = _leading_number(re.sub(r"^\D*", "", p.heading)) or p.label
        out.append(p)
    return out


# A proposed provision in a `Förslag till lag …` section: `12 §`, `3 kap. 2 a §`, `5 a §`.
PROVISION_START = re.compile(r"^\s*(?P<num>(?:\d+\s*kap\.\s*)?\d+\s*(?:[a-z]\s*)?§)\s+(?=\S)")
PROVISION_INLINE = re.compile(r"(?:^|(?<=[.:]\s))\s*(?P<num>(?:\d+\s*kap\.\s*)?\d+\s*(?:[a-z]\s*)?§)\s+(?=[A-ZÅÄÖ])")
STATUTE_PROPOSAL = re.compile(r"^\s*(?:\d+(?:\.\d+)*\s+)?Förslag till (?:lag|förordning)\b", re.I)


def _section_proposals(heading: str, body: list[_Block], level: str = "delmål", own: frozenset[str] = frozenset()) -> list[Proposal]:
    """Items under a proposal heading: each proposed provision of a `Förslag till lag …`,
    numbered/bulleted items, else cue sentences, else the section."""
    out: list[Proposal] = []
    if STATUTE_PROPOSAL.match(heading):
        for block in body:
            if block.kind == "table" and block.rows and _proposed_column(block.rows[0]) is not None:
                out.extend(_proposed_provisions(heading, block, out))
                continue
            # a provision starts a paragraph, or follows the enacting formula in the same one
            starts = [m for m in PROVISION_INLINE.finditer(block.text)]
            for j, m in enumerate(starts):
                end = starts[j + 1].start() if j + 1 < len(starts) else len(block.text)
                out.append(_proposal("provision", heading, block, m.start("num"), end,
                                     label=" ".join(m.group("num").split())))
        if out:
            return out
    for block in body:
        text = block.text
        if block.kind == "table" and block.rows:
            out.extend(_table_rows(heading, block, level))
        elif NUMBERED_ITEM.match(text) or BULLET_ITEM.match(text) or LABELLED.match(text):
            m = NUMBERED_ITEM.match(text) or LABELLED.match(text)
            label = m.group("num") if m and m.groupdict().get("num") else None
            out.append(_proposal("numbered", heading, block, 0, len(text), label=label))
        elif _flattened_table_header(text):
            out.extend(_flattened_table(heading, block, {}))
    if not out:
        for block in body:
            out.extend(_proposing_sentences(heading, block, own=own))
    if not out and body:
        # The section states one proposal in prose (e.g. `Förslag till lag om ändring i …`).
        first = body[0]
        spans, text = [], ""
        for block in body:
            if len(text) > 800:
                break
            spans.append((block.block_id, 0, len(block.text)))
            text = f"{text}\n{block.text}" if text else block.text
        proposal = _proposal("section", heading, first, 0, len(first.text))
        proposal.text, proposal.spans = clip(text, 1200), spans
        out.append(proposal)
    return out


PROPOSED_COLUMN = re.compile(r"^\s*Föreslagen lydelse\s*$", re.I)
# A provision's start at the start of a table cell's line: `2 kap. 13 §`, `7 a §`.
PROVISION_LINE = re.compile(r"(?:^|(?<=\n)|(?<=[.:]\s))\s*(?P<num>(?:\d+\s*kap\.\s*)?\d+\s*(?:[a-z]\s*)?§)\s+(?=[A-ZÅÄÖ])")


def _proposed_column(header: list[str]) -> int | None:
    for i, cell in enumerate(header):
        if PROPOSED_COLUMN.match(_plain(cell or "")):
            return i
    return None


def _proposed_provisions(heading: str, block: _Block, before: list[Proposal]) -> list[Proposal]:
    """The provisions of a `Nuvarande lydelse | Föreslagen lydelse` table as proposed: the right
    column only (the left is the law as it stands, the same provision a second time), each
    provision from its number to the next; rows before the first number (the table goes on
    after a page break) continue the provision above."""
    col = _proposed_column(block.rows[0]) if block.rows else None
    if col is None:
        return []
    text = "\n".join(_plain(row[col] or "") for row in block.rows[1:] if col < len(row) and (row[col] or "").strip())
    starts = list(PROVISION_LINE.finditer(text))
    out: list[Proposal] = []
    lead = text[: starts[0].start()].strip() if starts else text.strip()
    if lead and before and before[-1].kind == "provision":
        before[-1].text = clip(f"{before[-1].text}\n{lead}", 2000)
    for j, m in enumerate(starts):
        end = starts[j + 1].start() if j + 1 < len(starts) else len(text)
        own = text[m.start("num"):end].strip()
        label = " ".join(m.group("num").split())
        at = block.text.find(own[:60])
        proposal = _proposal("provision", heading, block, max(at, 0), max(at, 0) + len(own) if at >= 0 else len(block.text),
                             label=label)
        # the number on one line (`3 kap.` / `6 §` in a cell): the label as the text's start
        proposal.text = clip(f"{label} {text[m.end('num'):end].strip()}", 2000)
        out.append(proposal)
    return out


TABLE_TIME_HEADER = re.compile(r"\b(tid|tidsplan|när|period|tidpunkt|klart|genomförande ?år)\b", re.I)
LEVELS = ("fokusområde", "delmål", "åtgärd")


def _table_rows(heading: str, block: _Block, level: str = "delmål", carried: dict[int, str] | None = None) -> list[Proposal]:
    """The proposals of a table whose header names them (`Förslag på aktivitet`, `Åtgärd` …).

    Columns are kept apart: the proposal column is what is proposed, an actor column
    (`Förslag på aktörer`, `Ansvarig`) who should do it, a time column when; the columns to the
    left are goals (`Övergripande mål`, `Delmål`), a merged cell holding for the rows below it.
    At level `åtgärd` each row is a proposal; at `delmål` (and `fokusområde`, merged later) the
    rows under one goal of the deepest goal column are one, their activities listed in turn.
    `carried` keeps the goals open across a table cut by a page break.
    """
    rows = [[_plain(c or "").strip() for c in row] for row in block.rows or []]
    if len(rows) < 2:
        return []
    header = rows[0]
    actor_cols = [i for i, cell in enumerate(header) if TABLE_ACTOR_HEADER.search(cell)]
    time_cols = [i for i, cell in enumerate(header) if TABLE_TIME_HEADER.search(cell) and i not in actor_cols]
    proposal_cols = [i for i, cell in enumerate(header) if TABLE_PROPOSAL_HEADER.search(cell) and i not in actor_cols + time_cols]
    if not proposal_cols:
        return []
    col = proposal_cols[0]
    cells = [row[col] for row in rows[1:] if col < len(row) and row[col] and row[col] != header[col]]
    if not cells or sum(1 for c in cells if len(c.split()) >= STATEMENT_WORDS) * 2 < len(cells):
        return []
    goal_cols = [i for i in range(col) if header[i]]
    context_cells = carried if carried is not None else {}
    depth_of = _goal_depths(rows[1:], goal_cols)
    items: list[tuple[dict[int, str], str, str, str]] = []  # (goals, proposal, actor, when)
    header_cells = {c for c in header if c}
    for row in rows[1:]:
        if {c for c in row if c} <= header_cells:
            continue  # the header repeated after a page break
        goals, cell, actor, when = _read_row(row, col, goal_cols, actor_cols, time_cols, depth_of)
        for i, value in sorted(goals.items()):
            context_cells[i] = value
            for deeper in [g for g in context_cells if g > i]:
                del context_cells[deeper]
        if cell:
            items.append((dict(context_cells), cell, actor, when))
        elif actor and items:  # an actor on a line of its own belongs to the activity above
            goals_, cell_, actor_, when_ = items[-1]
            items[-1] = (goals_, cell_, "; ".join(a for a in (actor_, actor) if a), when_)
    out: list[Proposal] = []
    deepest = max(goal_cols) if goal_cols else None
    if level == "åtgärd" or deepest is None:
        for goals, cell, actor, when in items:
            out.append(_table_proposal(heading, block, goals, [cell], [actor], [when], deepest, as_goal=False))
        return out
    groups: list[tuple[dict[int, str], list[str], list[str], list[str]]] = []
    for goals, cell, actor, when in items:
        if groups and groups[-1][0].get(deepest) == goals.get(deepest):
            groups[-1][1].append(cell)
            groups[-1][2].append(actor)
            groups[-1][3].append(when)
        else:
            groups.append((goals, [cell], [actor], [when]))
    for goals, cells, actors, whens in groups:
        out.append(_table_proposal(heading, block, goals, cells, actors, whens, deepest, as_goal=True))
    return out


GOAL_CELL = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+(?=[A-ZÅÄÖ])")


def _goal_depths(rows: list[list[str]], goal_cols: list[int]) -> dict[int, int]:
    """Which goal column a numbered goal of each depth belongs in (`1.1` → the first, `1.1.1` →
    the second …), read from the deepest numbers the table holds."""
    depths = {len(m.group(1).split(".")) for row in rows for c in row if (m := GOAL_CELL.match(c))}
    if not depths or not goal_cols:
        return {}
    deepest = max(depths)
    out = {}
    for d in depths:
        index = len(goal_cols) - 1 - (deepest - d)
        if index >= 0:
            out[d] = goal_cols[index]
    return out


def _read_row(row: list[str], col: int, goal_cols: list[int], actor_cols: list[int], time_cols: list[int],
              depth_of: dict[int, int]) -> tuple[dict[int, str], str, str, str]:
    """(goals by column, what is proposed, who, when) of a row. A row as a text dump wrote it may
    be shifted (a goal in the first column, an activity where the goal should be): numbered goals
    go to their goal column by depth, and of the other cells the last is the actor where the
    table has an actor column, the rest what is proposed."""
    def in_place(i: int, cell: str) -> bool:
        m = GOAL_CELL.match(cell)
        return m is None or depth_of.get(len(m.group(1).split(".")), i) == i

    width = max([col, *goal_cols, *actor_cols, *time_cols]) + 1
    aligned = len(row) >= width and bool(row[col]) and all(in_place(i, c) for i, c in enumerate(row) if c)
    if aligned:
        goals = {i: row[i] for i in goal_cols if i < len(row) and row[i]}
        actor = "; ".join(row[i] for i in actor_cols if i < len(row) and row[i])
        when = "; ".join(row[i] for i in time_cols if i < len(row) and row[i])
        return goals, row[col], actor, when
    goals, rest = {}, []
    filled = [c for c in row if c]
    for c in row:
        if not c:
            continue
        m = GOAL_CELL.match(c)
        if m and len(m.group(1).split(".")) in depth_of:
            goals[depth_of[len(m.group(1).split("."))]] = c
        else:
            rest.append(c)
    actor = rest.pop() if actor_cols and len(rest) >= 2 else ""
    if actor_cols and len(filled) == 1 and not goals and row.index(rest[0]) >= min(actor_cols):
        return goals, "", rest[0], ""
    return goals, " ".join(rest), actor, ""


def _table_proposal(heading: str, block: _Block, goals: dict[int, str], cells: list[str], actors: list[str],
                    whens: list[str], deepest: int | None, *, as_goal: bool) -> Proposal:
    """One proposal of a table: at goal level the goal stated, then each activity on a line."""
    goal = goals.get(deepest) if deepest is not None else None
    start = block.text.find(cells[0])
    proposal = _proposal("table-row", heading, block, max(start, 0),
                         max(start, 0) + len(cells[0]) if start >= 0 else len(block.text))
    if as_goal and goal and deepest is not None:
        proposal.text = "\n".join([goal, *cells])
        proposal.label = _leading_number(goal)
        proposal.context = " · ".join(v for k, v in sorted(goals.items()) if k < deepest) or None
        proposal.level = "delmål"
    else:
        proposal.text = "\n".join(cells)
        proposal.context = " · ".join(v for k, v in sorted(goals.items())) or None
        proposal.label = _leading_number(goal or proposal.context or "")
        proposal.level = "åtgärd"
    proposal.actor = "; ".join(dict.fromkeys(a for a in actors if a)) or None
    proposal.when = "; ".join(dict.fromkeys(w for w in whens if w)) or None
    return proposal


def _flattened_table_header(text: str) -> bool:
    """A paragraph that is a table whose header names proposals, followed by numbered goals."""
    first = GOAL_NUMBER.search(text)
    if first is None or first.start() > 200:
        return False
    # a header is a few labels, not running sentences (`… behandlas i avsnitten 4, 7 och 16.1. I …`
    # refers to a section, it does not start a table)
    if re.search(r"[.!?]\s+[A-ZÅÄÖ]", text[: first.start()]):
        return False
    return bool(TABLE_PROPOSAL_HEADER.search(text[: first.start()])) and len(GOAL_NUMBER.findall(text)) >= 1


def _flattened_table(heading: str, block: _Block, context: dict[int, str]) -> list[Proposal]:
    """Each deepest-numbered part of a flattened goal/activity table, its parent goals as context.

    `context` holds the open parent goals by level and is updated, so that a table continued in
    the next block (after a page break) keeps the goal its first rows belong to.
    """
    text = block.text
    marks = [(m.start(), m.group(1)) for m in GOAL_NUMBER.finditer(text)]
    if not marks:
        return []
    depth = max(len(num.split(".")) for _, num in marks)
    out = []
    for j, (start, num) in enumerate(marks):
        end = marks[j + 1][0] if j + 1 < len(marks) else len(text)
        segment_end = len(text[:end].rstrip())
        level = len(num.split("."))
        if level < depth:
            context[level] = text[start:segment_end]
            for deeper in [lvl for lvl in context if lvl > level]:
                del context[deeper]
            continue
        proposal = _proposal("table-row", heading, block, start, segment_end, label=num)
        parents = [context[lvl] for lvl in sorted(context) if lvl < level and _is_parent(context[lvl], num)]
        proposal.context = " · ".join(parents) or None
        out.append(proposal)
    return out


def _is_parent(goal_text: str, num: str) -> bool:
    parent = _leading_number(goal_text) or ""
    return num.startswith(parent.rstrip(".") + ".")


def _labelled_and_proposing(heading: str, block: _Block, title: str, own: frozenset[str] = frozenset()) -> list[Proposal]:
    """`Förslag 2: …` parts of a paragraph (extraction may have run them into the text before),
    and proposing sentences in the rest. A running header repeating the title is no label."""

    text = block.text
    starts = []
    if LABEL_HINT.search(text):
        starts = [
            s for s, _ in sentence_spans(text)
            # a label opens a sentence with a capital (`regeringens förslag. I …` continues one)
            if LABELLED.match(text[s:]) and text[s:].lstrip()[:1].isupper()
            and not (title and _norm(text[s:]).startswith(title))
        ]
    if not starts:
        return _proposing_sentences(heading, block, own=own)
    out = _proposing_sentences(heading, block, end=starts[0], own=own)
    # what follows a proposal in a bill (the remissinstanser's views, the reasons) is not part of it
    stops = [s for s, _ in sentence_spans(text) if LABEL_ENDS.match(text[s:])]
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text.rstrip())
        end = min([end, *(s for s in stops if start < s < end)])
        out.append(_proposal("labelled", heading, block, start, len(text[:end].rstrip()), label=_label_of(text[start:])))
    return out


LABEL_ENDS = re.compile(
    r"\s*(?:Remissinstanserna|Remissinstanser(?:na)?\s*\(|Skälen för|Lagrådet|Bakgrund:|Promemorians förslag|"
    r"Promemoriornas förslag|Utredningens förslag|Arbetsgruppens förslag)", re.I
)


def _proposing_sentences(heading: str, block: _Block, *, end: int | None = None,
                         own: frozenset[str] = frozenset()) -> list[Proposal]:
    """Sentences that propose (`föreslår`, `föreslås`, `rekommenderar`): not a question, a relative
    clause, a task to propose or an announcement of a list, nor another document's proposal
    reported under its identifier (`own`: the consulted document's identifiers, which a running
    header may put inside a sentence)."""

    out = []
    text = block.text if end is None else block.text[:end]
    if not PROPOSING.search(text):
        return out
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        if sentence.rstrip().endswith("?"):
            continue
        for m in PROPOSING.finditer(sentence):
            before = sentence[: m.start()]
            if RELATIVE_BEFORE.search(before) or MODAL_BEFORE.search(before) or ANNOUNCEMENT_AFTER.match(sentence[m.end():]):
                continue
            if _cites_a_document(sentence, own):
                break  # another document's proposal, reported (`I propositionen … (prop. 2019/20:164) föreslår regeringen …`)
            out.append(_proposal("sentence", heading, block, start, end))
            break
    return out


def _cites_a_document(sentence: str, own: frozenset[str] = frozenset()) -> bool:
    """Whether a sentence names a report, bill, memorandum or directive other than `own` by its identifier."""
    return any(ref.canonical not in own for ref in document_references(sentence))


def _proposal(kind: str, heading: str, block: _Block, start: int, end: int, *, label: str | None = None) -> Proposal:
    return Proposal(
        number=0,
        label=label,
        kind=kind,
        heading=heading,
        context=None,
        text=clip(_plain(block.text[start:end]), 2000),
        page=block.page,
        printed_page=block.printed,
        passage_id=None,
        spans=[(block.block_id, start, end)],
    )


def _passage_at(store: Store, doc_id: str, proposal: Proposal) -> int | None:
    if not proposal.spans:
        return None
    block_id, start, _ = proposal.spans[0]
    row = store.conn.execute("SELECT page_index, char_start FROM blocks WHERE block_id = ?", (block_id,)).fetchone()
    if row is None:
        return None
    return store.passage_at(doc_id, row["page_index"], row["char_start"] + start)


def _looks_like_heading(text: str) -> bool:
    """A short line without closing punctuation that extraction left as a paragraph."""
    if "\n" in text or len(text) > 120 or len(text.split()) > 16:
        return False
    if text[-1] in ".!?;,:" or text[0] in "-•–*➔(\"”" or not (text[0].isupper() or text[0].isdigit()):
        return False
    # Table rows flattened into one line start with a number and run on; headings rarely do.
    return not NUMBERED_ITEM.match(text) or bool(re.match(r"^\d+(\.\d+)*\s+\S+(\s+\S+){0,8}$", text))


def _label_of(text: str) -> str | None:
    m = LABELLED.match(text)
    return m.group("num") if m else None


def _leading_number(text: str) -> str | None:
    m = re.match(r"\s*(\d{1,2}(?:\.\d{1,2}){0,3})", text)
    return m.group(1) if m else None


_MARKUP = re.compile(r"</?(?:p|i|b|em|strong|br|span)\s*/?>", re.I)


def _plain(text: str) -> str:
    """Text without the stray HTML tags and emphasis marks that extraction sometimes leaves."""
    text = _MARKUP.sub(" ", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()
