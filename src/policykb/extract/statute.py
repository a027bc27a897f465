"""A statute's text (Riksdagen's HTML or plain-text rendering of an SFS act) → one page of blocks.

The act is read line by line through the grammar of `legal.statute`: the title and the rendering's
header (`SFS nr:`, `Departement/myndighet:`, `Utfärdad:`, `Ändrad: t.o.m. SFS …`), chapters,
headings between sections, sections and their stycken, amendment notes, transitional provisions.
Chapters and sections become heading blocks in the forms `legal.statute.provision_of` reads back,
so each section is its own passage (`chunk` never lets a passage cross a heading) and that passage
is the provision `SFS 2017:30 2 kap. 3 §`. The stycken stay paragraphs, each one a block, with the
amendment note (`Lag (2022:1250).`) where the act prints it, at the end of the section's last
stycke.

A section number only opens a section when it comes after the one before it in the same chapter
(`2 §` after `1 §`, `2 a §` after `2 §`): a stycke that starts with a citation (`3 § gäller inte …`)
is not mistaken for a new section. Riksdagen's HTML marks sections with
`<a class="paragraf" name="K1P2">` and chapters with `<h3 name="K1">`; its table of contents
(`<div class="sfstoc">`) is left out, as it repeats the headings.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from policykb.legal.statute import (
    CHAPTER_LINE,
    SECTION_LINE,
    TRANSITIONAL_ACT,
    TRANSITIONAL_HEADING,
    TRANSITIONAL_LINE,
    chapter_heading,
    number_key,
    section_heading,
)
from policykb.models import Block, Page

HEADER_FIELDS = {
    "sfs nr": "sfs", "departement/myndighet": "publisher", "departement": "publisher", "utfärdad": "issued",
    "ändrad": "amended", "ikraft": "in_force", "upphävd": "repealed", "källa": "source", "senast hämtad": "retrieved",
}
_HEADER = re.compile(r"^(?P<key>[A-ZÅÄÖa-zåäö/ ]{3,30}?)\s*:\s*(?P<value>.+)$")
_BLOCK_TAGS = {"p", "br", "div", "li", "tr", "hr", "table", "pre", "dd", "dt", "section", "article", "body"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def looks_like_statute(text: str, fmt: str) -> bool:
    """Whether a text or HTML file is Riksdagen's rendering of an act (read then as a statute
    without a manifest saying so)."""
    if fmt == "html":
        return looks_like_statute_html(text)
    return fmt == "txt" and looks_like_statute_text(text)


def looks_like_statute_html(text: str) -> bool:
    """Riksdagen's rendering of an SFS act: section anchors (`class="paragraf"`) and an `SFS nr` line."""
    head = text[:200_000]
    return 'class="paragraf"' in head and re.search(r"SFS\s*nr", head) is not None


def looks_like_statute_text(text: str) -> bool:
    """Riksdagen's plain-text rendering of an SFS act: an `SFS nr: 2017:30` line near the top."""
    return re.search(r"(?m)^\s*SFS nr:\s*\d{4}:\d+\s*$", text[:3000]) is not None


class _Lines(HTMLParser):
    """HTML → lines of text, each (is_heading, text); the table of contents and scripts left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[bool, str]] = []
        self._text: list[str] = []
        self._heading = False
        self._skip: list[str] = []  # the open tags whose content is skipped

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self._skip:
            if tag == self._skip[0] or tag == "div":
                self._skip.append(tag)
            return
        if tag in {"script", "style", "head", "title"} or (tag == "div" and "sfstoc" in classes):
            self._skip.append(tag)
            return
        if tag in _HEADINGS:
            self._flush()
            self._heading = True
        elif tag in _BLOCK_TAGS or (tag == "a" and "paragraf" in classes):
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag == self._skip[-1] or (tag == "div" and "div" in self._skip):
                while self._skip and self._skip.pop() != tag:
                    pass
            return
        if tag in _HEADINGS:
            self._flush()
            self._heading = False
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._skip and tag in _BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._text.append(data)

    def _flush(self) -> None:
        text = _squash("".join(self._text))
        self._text = []
        if text:
            self.lines.append((self._heading, text))

    def close(self) -> None:
        super().close()
        self._flush()


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def _text_lines(text: str) -> list[tuple[bool, str]]:
    """Plain text → lines; a blank line ends a stycke, a wrapped line continues it."""
    lines: list[tuple[bool, str]] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            lines.append((False, _squash(" ".join(pending))))
            pending.clear()

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = _squash(raw)
        if not line:
            flush()
            continue
        # The heading of the transitional provisions and each act number in them stand alone.
        if TRANSITIONAL_LINE.match(line) or re.fullmatch(r"\d{4}:\d{1,4}", line):
            flush()
            lines.append((False, line))
            continue
        # A new section, chapter or header field starts a line of its own even without a blank line.
        if pending and (SECTION_LINE.match(line) or CHAPTER_LINE.match(line) or _HEADER.match(line)):
            flush()
        pending.append(line)
    flush()
    return lines


def read_statute(text: str, *, html: bool) -> tuple[list[Page], dict[str, Any]]:
    """The act as one page of blocks, and what its header says (title, identifier, publisher, date)."""
    if html:
        parser = _Lines()
        parser.feed(text)
        parser.close()
        lines = parser.lines
    else:
        lines = _text_lines(text)
    blocks: list[Block] = []
    info: dict[str, Any] = {}
    header: dict[str, str] = {}
    title: str | None = None
    chapter_seen = False
    last_section: tuple[int, str] | None = None
    transitional = False
    started = False  # past the title and header: in the body of the act

    def upcoming_is_provision(i: int) -> bool:
        nxt = lines[i + 1][1] if i + 1 < len(lines) else ""
        return bool(SECTION_LINE.match(nxt) or CHAPTER_LINE.match(nxt))

    for i, (is_heading, line) in enumerate(lines):
        if not started:
            field_match = _HEADER.match(line)
            if field_match and field_match["key"].strip().lower() in HEADER_FIELDS:
                header[HEADER_FIELDS[field_match["key"].strip().lower()]] = field_match["value"].strip()
                blocks.append(Block(kind="paragraph", text=line))
                continue
            if title is None and not SECTION_LINE.match(line) and not CHAPTER_LINE.match(line):
                title = line
                blocks.append(Block(kind="heading", text=line, level=1))
                continue
        if TRANSITIONAL_LINE.match(line):
            started = transitional = True
            blocks.append(Block(kind="heading", text=TRANSITIONAL_HEADING, level=2))
            continue
        if transitional:
            act = TRANSITIONAL_ACT.match(line)
            if act and len(line) <= 40:
                blocks.append(Block(kind="heading", text=act["sfs"], level=3))
            else:
                blocks.append(Block(kind="paragraph", text=line))
            continue
        chapter = CHAPTER_LINE.match(line)
        if chapter and (is_heading or len(line) <= 160) and not line.endswith((",", ";")):
            started = chapter_seen = True
            last_section = None
            blocks.append(Block(kind="heading", text=chapter_heading(chapter["number"], chapter["title"]), level=2))
            continue
        section = SECTION_LINE.match(line)
        if section and not is_heading:
            key = number_key(section["number"])
            if last_section is None or key > last_section:
                started = True
                last_section = key
                blocks.append(Block(kind="heading", text=section_heading(section["number"]), level=4))
                rest = (section["rest"] or "").strip()
                if rest:
                    blocks.append(Block(kind="paragraph", text=rest))
                continue
        if started and (is_heading or _reads_as_heading(line)) and upcoming_is_provision(i):
            blocks.append(Block(kind="heading", text=line, level=3))
            continue
        if not started and upcoming_is_provision(i) and title is not None:
            # a heading before the first section of an act without chapters
            started = True
            blocks.append(Block(kind="heading", text=line, level=3))
            continue
        blocks.append(Block(kind="paragraph", text=line))
    info["title"] = title
    sfs = header.get("sfs") or (re.search(r"\((\d{4}:\d+)\)", title or "") or [None, None])[1]
    if sfs and re.fullmatch(r"\d{4}:\d+", sfs.strip()):
        info["identifier"] = f"SFS {sfs.strip()}"
        info["kind"] = "statute"
    if header.get("publisher"):
        info["publisher"] = header["publisher"]
    issued = re.search(r"\d{4}-\d{2}-\d{2}", header.get("issued", ""))
    if issued:
        info["date"] = issued.group(0)
    info["chapters"] = chapter_seen
    return [Page(index=0, blocks=blocks)], info


def _reads_as_heading(line: str) -> bool:
    """A heading between sections in plain text: short, no closing punctuation, not a list item."""
    return (len(line) <= 120 and not line.endswith((".", ",", ";", ":")) and "§" not in line
            and not re.match(r"^\d+\.\s", line))
