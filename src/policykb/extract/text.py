"""Text files (.txt, .md): recover pages, headings, paragraphs and footnotes from flat text.

The seed format is text pulled out of PDFs by a tool that lost the layout but left traces of it:

* a line of only spaces opens a footnote block; footnotes are lines `N text`, continued on
  lines that do not start with a number;
* the first line of a new page starts with a single space (the block of footnotes, if any,
  ends the page before it);
* footnote markers trail the word they annotate: `enligt HSL.5`, `kommunen.6`, `äldre10`;
* words are hyphenated across lines (`akutsjuk-\\nvården`), and some files put a blank line
  after every line, so blank lines do not always mean a new paragraph.

Everything here is a heuristic over those traces; each one is a small function with its reason.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from policykb.models import Block, Footnote, Page
from policykb.swedish.hyphenation import join_lines
from policykb.swedish.text import is_toc_line

FOOTNOTE_SEPARATOR = re.compile(r"^ {5,}$")
FOOTNOTE_START = re.compile(r"^ ?(\d{1,3}) +(\S.*)$")
PAGE_START = re.compile(r"^ [^\s]")
BULLET = re.compile(r"^\s*(?:[•●▪■◦‒–\-*➔→]|\d{1,2}[.)])\s+")
MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
MD_TABLE_ROW = re.compile(r"^\|.*\|$")
MD_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")
SENTENCE_END = re.compile(r"[.!?:;”\"»)]\d{0,3}\s*$")  # a footnote marker may trail the period
# Footnote markers glued to the end of a word or after closing punctuation; validated later
# against the footnote numbers that actually exist on the page.
MARKER = re.compile(r"(?<=[A-Za-zÅÄÖåäöéü.,;:)\]”\"’])(\d{1,3})(?=[\s.,;:)\]]|$)")


@dataclass
class _RawPage:
    body: list[str] = field(default_factory=list)  # lines, blank lines kept as ""
    footnotes: list[list]= field(default_factory=list)  # [number, text]


def split_pages(text: str) -> list[_RawPage]:
    """Cut the flat text into pages at the traces the extraction left (see module doc)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n \n").split("\n")
    uses_page_marks = _uses_page_marks(lines)
    pages = [_RawPage()]
    in_notes = False
    blank_seen_in_notes = False
    # Numbers glued to words in this page's body so far: markers still waiting for their note.
    waiting: set[int] = set()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if FOOTNOTE_SEPARATOR.match(line):
            in_notes, blank_seen_in_notes = True, False
            continue
        if in_notes:
            if not stripped:
                blank_seen_in_notes = True
                continue
            notes = pages[-1].footnotes
            start = FOOTNOTE_START.match(line)
            if start and _continues_numbering(notes, int(start.group(1)), blank_seen_in_notes):
                notes.append([int(start.group(1)), start.group(2).strip()])
                blank_seen_in_notes = False
                continue
            if notes and not line.startswith(" ") and (
                not blank_seen_in_notes or _continues_cut_note(notes, stripped, _next_line(lines, i))
            ):
                notes[-1][1] += " " + stripped
                blank_seen_in_notes = False
                continue
            # Anything else after the notes is the next page's body.
            in_notes = False
            pages.append(_RawPage())
            waiting = _glued_numbers(line)
            pages[-1].body.append(line)
            continue
        start = FOOTNOTE_START.match(line)
        if start and _opens_unseparated_notes(pages[-1], int(start.group(1)), stripped, waiting):
            # Some pages lost the separator line: their notes start right after the body, with
            # the number of a marker glued to a word above.
            pages[-1].footnotes.append([int(start.group(1)), start.group(2).strip()])
            in_notes, blank_seen_in_notes = True, False
            continue
        if uses_page_marks and PAGE_START.match(line) and _has_body(pages[-1]) and not BULLET.match(line[1:]):
            pages.append(_RawPage())
            waiting = set()
        pages[-1].body.append(line)
        waiting |= _glued_numbers(line)
    return [p for p in pages if _has_body(p) or p.footnotes]


def _continues_numbering(notes: list[list], number: int, blank_seen: bool) -> bool:
    """Notes are numbered in order: after note N comes N+1 (N+2 if one was lost), even after a
    blank line; a number out of sequence is body text (a page header, a count, a list)."""
    if not notes:
        return not blank_seen
    last = notes[-1][0]
    return last < number <= last + 2


# A note cut mid-sentence ("... som är behörig att förordna och") or after an abbreviation that
# needs what follows ("... prop. 2017/18:83, s." + "16.", "regleras i 2 kap." + "Läkemedelsverkets").
_NOTE_CUT_MID_SENTENCE = re.compile(r"[^.!?)”\"]\s*$")
_LINK = re.compile(r"\[?(?:https?:|file:|www\.)")
_NOTE_CUT_AFTER_ABBREVIATION = re.compile(r"\b(?:s|sid|prop|jfr|kap|nr|SFS|SOU|Ds)\.?\s*$")


def _continues_cut_note(notes: list[list], line: str, next_line: str) -> bool:
    """A line after a blank continues the last note when that note stopped mid-sentence: the
    layout put a blank line inside a note. Proof is the line going on in lower case, the note
    ending in an abbreviation, or the next line carrying on the note numbering."""
    text = notes[-1][1]
    if FOOTNOTE_START.match(line) or _LINK.match(line):
        return False  # a number out of sequence ("30 HÄLSO- OCH SJUKVÅRD I HEMMET") or a bare link
    if _NOTE_CUT_AFTER_ABBREVIATION.search(text):
        return True
    if not _NOTE_CUT_MID_SENTENCE.search(text):
        return False
    if line[:1].islower() or line[:1].isdigit():
        return True
    start = FOOTNOTE_START.match(next_line)
    return bool(start) and _continues_numbering(notes, int(start.group(1)), False)


def _next_line(lines: list[str], i: int) -> str:
    for line in lines[i + 1 :]:
        if line.strip():
            return line
    return ""


def _glued_numbers(line: str) -> set[int]:
    return {
        int(m.group(1)) for m in MARKER.finditer(line) if not _is_not_a_marker(line, m.start(), m.end())
    }


def _opens_unseparated_notes(page: _RawPage, number: int, stripped: str, waiting: set[int]) -> bool:
    if number not in waiting or BULLET.match(stripped):
        return False
    return not any(n == number for n, _ in page.footnotes)


def _uses_page_marks(lines: list[str]) -> bool:
    """Only trust leading-space page marks in files that also have footnote separators."""
    return any(FOOTNOTE_SEPARATOR.match(ln) for ln in lines)


def _has_body(page: _RawPage) -> bool:
    return any(ln.strip() for ln in page.body)


# A running header the dump kept as a body line: the title in capitals, with the printed page
# number before or after it on even and odd pages ("30 HÄLSO- OCH SJUKVÅRD I HEMMET").
_HEADER_LINE = re.compile(r"^\s*(?:(\d{1,4})\s+)?([A-ZÅÄÖÉÜ][A-ZÅÄÖÉÜ0-9 ,:&–\-]{10,}?)(?:\s+(\d{1,4}))?\s*$")
_CAPS_WORD_LINE = re.compile(r"^\s*[A-ZÅÄÖÉÜ][A-ZÅÄÖÉÜ\-]{3,}\s*$")


def _header_key(line: str) -> tuple[str, int | None] | None:
    match = _HEADER_LINE.match(line)
    if not match or len(match.group(2).split()) < 2 or sum(c.isalpha() for c in match.group(2)) < 10:
        return None
    number = match.group(1) or match.group(3)
    return " ".join(match.group(2).split()), (int(number) if number else None)


def running_headers(text: str) -> Counter[str]:
    """The running headers a text dump kept as body lines: capitals-only lines (a page number
    before or after them aside) that recur, most frequent first."""
    counts: Counter[str] = Counter()
    for line in text.split("\n"):
        found = _header_key(line)
        if found:
            counts[found[0]] += 1
    return Counter({key: n for key, n in counts.items() if n >= 2})


def _strip_running_headers(raw_pages: list[_RawPage], headers: Counter[str]) -> tuple[list[_RawPage], dict[int, int]]:
    """The pages without their running-header lines (and the publisher line under them), split
    where a header stands below body text: a header opens a printed page, so a page break was
    lost there. Returns the pages and the printed numbers the headers carry {page position: n}."""
    out: list[_RawPage] = []
    printed: dict[int, int] = {}
    for raw in raw_pages:
        current = _RawPage()
        out.append(current)
        skip_publisher = False
        for line in raw.body:
            found = _header_key(line)
            if found and found[0] in headers:
                if _has_body(current):
                    current = _RawPage()
                    out.append(current)
                if found[1] is not None:
                    printed[len(out) - 1] = found[1]
                skip_publisher = True
                continue
            if skip_publisher and not line.strip():
                continue
            if skip_publisher and _CAPS_WORD_LINE.match(line):
                skip_publisher = False
                continue
            skip_publisher = False
            current.body.append(line)
        current.footnotes = raw.footnotes
    return [p for p in out if _has_body(p) or p.footnotes], printed


def parse_text_pages(text: str, *, markdown: bool = False) -> list[Page]:
    """Pages of blocks and footnotes from flat text (see module doc)."""
    raw_pages = split_pages(text)
    headers = running_headers(text)
    header_printed: dict[int, int] = {}
    if headers:
        raw_pages, header_printed = _strip_running_headers(raw_pages, headers)
    double_spaced = _is_double_spaced([line for raw in raw_pages for line in raw.body + [""]])
    width = _typical_line_width(text)
    pages: list[Page] = []
    for index, raw in enumerate(raw_pages):
        footnotes = [Footnote(number=n, text=_clean_inline(t)) for n, t in raw.footnotes]
        blocks = _blocks_from_lines(raw.body, double_spaced=double_spaced, width=width, markdown=markdown)
        pages.append(Page(index=index, blocks=blocks, footnotes=footnotes))
    _attach_markers(pages)
    if not pages:
        pages = [Page(index=0)]
    for page, printed in zip(pages, printed_from_self_references(pages, header_printed)):
        page.printed = printed
    return pages


# "Mer information finns i Planera vården i hemmet på sidan 40": the document names the printed
# page of one of its own headings.
_SELF_REFERENCE = re.compile(r"\b(?:på\s+)?(?:sidan|sid\.)\s+(\d{1,4})\b", re.IGNORECASE)
_FOLD = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    return " ".join(_FOLD.sub(" ", text.lower()).split())


def printed_from_self_references(pages: list[Page], printed: dict[int, int] | None = None) -> list[str | None]:
    """The printed page number of each page, where the document's own cross-references pin it
    down; None elsewhere (issue 17.1).

    A text dump keeps no printed page numbers, and its page breaks are reconstructed from traces
    that are sometimes missing and sometimes false, so the page's position can be several pages
    off the number a reader sees in the original. What the document does say is where its own
    headings are: "… finns i Planera vården i hemmet på sidan 40". Each such reference to a
    heading that occurs once in the text is an anchor (page position → printed number). A page at
    an anchor gets its number; a page between two anchors gets one only when both give the same
    offset (no break was lost or invented between them), otherwise none: an uncertain page is
    never shown as if it were printed. Anchors that contradict each other count for nothing.
    `printed` adds anchors the pages print themselves (a running header's number: {position: n})."""
    headings: dict[str, list[int]] = {}
    for page in pages:
        for block in page.blocks:
            if block.kind == "heading":
                key = _fold(block.text)
                if len(key) >= 8 and " " in key:
                    headings.setdefault(key, []).append(page.index)
    unique = {key: found[0] for key, found in headings.items() if len(found) == 1}
    claims: dict[int, set[int]] = {}
    for page in pages:
        for block in page.blocks:
            text = " ".join(block.text.split())
            for match in _SELF_REFERENCE.finditer(text):
                window = _fold(text[max(0, match.start() - 120) : match.start()])
                # the heading's whole name, introduced as a place ("i …", "om …"), at the end of
                # the window or just before "finns"
                named = [
                    key for key in unique
                    if re.search(rf"\b(?:i|om|se|under)\s+{re.escape(key)}(?:\s+finns)?$", window)
                ]
                if not named:
                    continue
                key = max(named, key=len)
                claims.setdefault(unique[key], set()).add(int(match.group(1)))
    for position, number in (printed or {}).items():
        claims.setdefault(pages[position].index, set()).add(number)
    anchors = sorted((index, next(iter(numbers))) for index, numbers in claims.items() if len(numbers) == 1)
    # an anchor whose number runs backwards against its neighbours is a misread reference
    anchors = [
        (i, n) for k, (i, n) in enumerate(anchors)
        if all(n2 > n for i2, n2 in anchors[k + 1 :]) and all(n2 < n for i2, n2 in anchors[:k])
    ]
    out: list[str | None] = [None] * len(pages)
    position = {page.index: k for k, page in enumerate(pages)}
    for (i, n), nxt in zip(anchors, [*anchors[1:], None]):
        out[position[i]] = str(n)
        if nxt is not None and nxt[1] - nxt[0] == n - i:
            for j in range(i + 1, nxt[0]):
                out[position[j]] = str(j + n - i)
    return out


def _is_double_spaced(lines: list[str]) -> bool:
    """True when (almost) every body line is followed by a blank line, as in some PDF dumps."""
    followed = total = 0
    for here, nxt in zip(lines, lines[1:]):
        if here.strip() and not FOOTNOTE_SEPARATOR.match(here):
            total += 1
            followed += not nxt.strip()
    return total >= 6 and followed / total > 0.8


def _typical_line_width(text: str) -> int:
    """The width the source wrapped its lines at (upper quartile of line lengths)."""
    lengths = sorted(len(ln.rstrip()) for ln in text.split("\n") if len(ln.strip()) > 20)
    if len(lengths) < 10:
        return 80
    return max(40, lengths[int(len(lengths) * 0.75)])


@dataclass
class _Line:
    text: str
    blank_before: bool


def _blocks_from_lines(lines: list[str], *, double_spaced: bool, width: int, markdown: bool) -> list[Block]:
    items: list[_Line] = []
    blank = True
    for line in lines:
        if not line.strip():
            blank = True
            continue
        items.append(_Line(line.rstrip(), blank_before=blank and not double_spaced))
        blank = False

    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            text = _join_lines(paragraph)
            if text:
                blocks.append(Block(kind="paragraph", text=text))
            paragraph.clear()

    i = 0
    while i < len(items):
        item = items[i]
        stripped = item.text.strip()
        md = MD_HEADING.match(stripped) if markdown or stripped.startswith("#") else None
        if md:
            flush()
            blocks.append(Block(kind="heading", text=_clean_inline(md.group(2)), level=len(md.group(1))))
            i += 1
            continue
        table_len = _markdown_table_run(items, i) if markdown else 0
        if table_len:
            flush()
            blocks.append(Block.table([_markdown_cells(it.text) for k, it in enumerate(items[i : i + table_len]) if k != 1]))
            i += table_len
            continue
        table_len = _tab_table_run(items, i)
        if table_len:
            flush()
            blocks.append(Block.table([_tab_cells(it.text) for it in items[i : i + table_len]]))
            i += table_len
            continue
        if is_toc_line(item.text):
            # Table-of-contents lines ("Förord\t3", "Referenser.....45") are not headings or prose.
            flush()
            paragraph.append(stripped)
            flush()
            i += 1
            continue
        heading_len = _heading_run(items, i, width, paragraph_open=bool(paragraph))
        if heading_len:
            flush()
            text = _join_lines([it.text for it in items[i : i + heading_len]])
            blocks.append(Block(kind="heading", text=_clean_inline(text.strip("*_ ")), level=None))
            i += heading_len
            continue
        starts_new = item.blank_before or bool(BULLET.match(stripped))
        if starts_new:
            flush()
        paragraph.append(item.text)
        if _ends_paragraph(item.text, width) and (double_spaced or _next_starts_new(items, i)):
            flush()
        i += 1
    flush()
    return blocks


def _markdown_table_run(items: list[_Line], i: int) -> int:
    """Lines of a pipe table starting at items[i]: a header row, a rule row (`|---|:--:|`), then
    rows up to the first line that is not one (0 if no table starts here)."""
    if i + 1 >= len(items) or not MD_TABLE_ROW.match(items[i].text.strip()):
        return 0
    if items[i + 1].blank_before or not MD_TABLE_RULE.match(items[i + 1].text.strip()):
        return 0
    end = i + 2
    while end < len(items) and not items[end].blank_before and MD_TABLE_ROW.match(items[end].text.strip()):
        end += 1
    return end - i


def _tab_table_run(items: list[_Line], i: int) -> int:
    """Lines of a tab-separated table starting at items[i] (a PDF's table as text dumps write it):
    a header of three or more cells, then every following line holding a tab. Its columns are
    kept apart (what is proposed, who should do it), where running them into one paragraph
    made them one. A table-of-contents line (`Förord<TAB>3`) has one tab and is no header."""
    header = items[i].text
    if header.count("\t") < 2 or is_toc_line(header):
        return 0
    end = i + 1
    while end < len(items) and "\t" in items[end].text and not is_toc_line(items[end].text):
        end += 1
    return end - i if end - i >= 2 else 0


def _tab_cells(line: str) -> list[str]:
    return [_clean_inline(cell).strip() for cell in line.rstrip("\n").split("\t")]


def _markdown_cells(line: str) -> list[str]:
    """The cells of a pipe-table row; `\\|` is a pipe inside a cell."""
    inner = line.strip()[1:-1]
    cells = re.split(r"(?<!\\)\|", inner)
    return [_clean_inline(cell.replace("\\|", "|")) for cell in cells]


def _next_starts_new(items: list[_Line], i: int) -> bool:
    if i + 1 >= len(items):
        return True
    nxt = items[i + 1].text.strip()
    return items[i + 1].blank_before or bool(BULLET.match(nxt)) or nxt[:1].isupper()


def _ends_paragraph(line: str, width: int) -> bool:
    """A line that ends a sentence well short of the wrap width ends its paragraph."""
    stripped = line.rstrip()
    return bool(SENTENCE_END.search(stripped)) and len(stripped) < 0.8 * width


# A line ending in one of these words leads into what follows: a sentence, not a heading (also used by
# `pdf_blocks` for italic lines).
LEAD_IN_WORDS = {
    "att", "och", "som", "om", "för", "med", "till", "av", "i", "på", "är", "de", "den", "det",
    "en", "ett", "har", "kan", "ska", "bör", "får", "eller", "samt", "vid", "från", "omfatta", "avses",
    "the", "and",
}


def _looks_like_heading_line(text: str, width: int) -> bool:
    s = text.strip().strip("*_").strip()
    if not s or len(s) > min(70, int(0.8 * width)):
        return False
    if BULLET.match(text.strip()) or re.match(r"\d{1,3} \S", s):
        return False  # list items and footnote-like lines ("3 Prop. 2013/14:106 s. 99")
    if s[-1] in ".,;:–-—" and not s.endswith("..."):
        return False
    if re.search(r"[.!?]\d{1,3}$", s):
        return False  # a sentence followed by its footnote marker
    if sum(ch.isalpha() for ch in s) < 3:
        return False
    return True


def _heading_run(items: list[_Line], i: int, width: int, *, paragraph_open: bool) -> int:
    """Length of a heading that starts at items[i] (0 if none).

    A heading is 1-3 short lines without a final period, opened with a capital letter or a
    section number, standing after the end of a paragraph and followed by a line that starts
    body text with a capital letter.
    """
    first = items[i].text.strip().strip("*_").strip()
    if paragraph_open and not items[i].blank_before:
        return 0
    if not first or not (first[0].isupper() or re.match(r"\d+(\.\d+)*\.?\s+\D", first)):
        return 0
    run = 0
    while i + run < len(items) and run < 3:
        line = items[i + run]
        if run and line.blank_before:
            break
        if not _looks_like_heading_line(line.text, width):
            break
        if run and not line.text.strip()[:1].islower():
            break
        run += 1
    if not run:
        return 0
    last = items[i + run - 1].text.strip()
    if last.split()[-1].lower() in LEAD_IN_WORDS:
        return 0
    if last.endswith("?") is False and SENTENCE_END.search(last) and not last.endswith(")"):
        return 0
    nxt = items[i + run] if i + run < len(items) else None
    if nxt is None:
        return run if run == 1 and len(first) < 60 else 0
    nxt_text = nxt.text.strip()
    if not nxt_text or not (nxt_text[0].isupper() or BULLET.match(nxt_text) or nxt_text[0] in "”\"»"):
        return 0
    if run == 1 and _looks_like_heading_line(nxt.text, width) and not nxt.blank_before:
        # Two short lines in a row with no body after them: a list or a slide, not a heading.
        after = items[i + 2].text.strip() if i + 2 < len(items) else ""
        if not after or _looks_like_heading_line(items[i + 2].text, width):
            return 0
    return run


def _join_lines(lines: list[str]) -> str:
    """Join wrapped lines by the one line-joining rule (`swedish.hyphenation.join_lines`)."""
    out = ""
    for raw in lines:
        out, _ = join_lines(out, raw.strip())
    return _clean_inline(out)


_SPACES = re.compile(r"[ \t\u00a0]+")


def _clean_inline(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _attach_markers(pages: list[Page]) -> None:
    """Move trailing footnote numbers out of the body text into `Block.markers`.

    A number glued to a word is a marker only if that footnote exists on this page or the next
    one (a paragraph may run over the page break) and has not been claimed already. Notes are
    told apart by page and number, since a fact box may restart its numbering at 1.
    """
    claimed: set[tuple[int, int]] = set()
    for pi, page in enumerate(pages):
        available = {(pi, n.number) for n in page.footnotes}
        if pi + 1 < len(pages):
            available |= {(pi + 1, n.number) for n in pages[pi + 1].footnotes}
        available -= claimed
        if not available:
            continue
        for block in page.blocks:
            if block.kind == "table":
                continue  # a number in a cell is data; the cells (`rows`) must keep matching the text
            new_text, markers = _strip_markers(block.text, {n for _, n in available})
            if markers:
                block.text, block.markers = new_text, markers
                for _, number in markers:
                    pair = (pi, number) if (pi, number) in available else (pi + 1, number)
                    claimed.add(pair)
                    available.discard(pair)


def _strip_markers(text: str, candidates: set[int]) -> tuple[str, list[tuple[int, int]]]:
    out: list[str] = []
    markers: list[tuple[int, int]] = []
    pos = 0
    removed = 0
    for match in MARKER.finditer(text):
        number = int(match.group(1))
        if number not in candidates or _is_not_a_marker(text, match.start(), match.end()):
            continue
        out.append(text[pos : match.start()])
        removed_before = removed
        removed += match.end() - match.start()
        markers.append((match.start() - removed_before, number))
        pos = match.end()
        candidates = candidates - {number}
    if not markers:
        return text, []
    out.append(text[pos:])
    return "".join(out), markers


def _is_not_a_marker(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 12) : start]
    # Legal and document numbers: "2017:30", "SoU8" after a session "2019/20:", "2 a §§".
    if re.search(r"[:/]\w*$", before):
        return True
    if re.search(r"\b(?:kap|prop|bet|rskr|dir|SOU|Ds|nr|s|sid|p)\.?\s*$", before, re.IGNORECASE):
        return True
    after = text[end : end + 4]
    if re.match(r"\s*(?:§|kap\b|%|procent)", after):
        return True
    return False
