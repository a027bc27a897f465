"""The shape of a Swedish statute's text, and the provision a part of it is.

An act in SFS is written in a fixed shape: chapters (`1 kap. Innehåll och definitioner`), headings
between sections (`Lagens innehåll`), sections (`1 §`, `2 a §`) of one or more stycken, an amendment
note closing a section that was changed (`Lag (2022:1250).`), and the transitional provisions at the
end (`Övergångsbestämmelser`, one block per amending act: `2021:664`). The reader of statute files
(`extract.statute`) writes chapters and sections as headings in exactly the forms below, so that
`provision_of` reads a passage's heading path back as the canonical reference of the section it
holds (`SFS 2017:30 2 kap. 3 §`): one grammar for writing and reading.
"""

from __future__ import annotations

import re

from policykb.legal.canonical import act_canonical

# `1 kap.`, `2 a kap.` followed by the chapter's title; never a line that cites a section.
CHAPTER_LINE = re.compile(r"^(?P<number>\d{1,3}(?: ?[a-z])?) ?kap\.(?:\s+(?P<title>[^§]*))?$")
# `1 §`, `2 a §`, `12b §` opening a section, with its first stycke after it (or nothing).
SECTION_LINE = re.compile(r"^(?P<number>\d{1,3}(?: ?[a-z])?) ?§(?:\s+(?P<rest>.*))?$")
SECTION_HEADING = re.compile(r"^(?P<number>\d{1,3}(?: [a-z])?) §$")
CHAPTER_HEADING = re.compile(r"^(?P<number>\d{1,3}(?: [a-z])?) kap\.(?:\s|$)")
TRANSITIONAL_HEADING = "Övergångsbestämmelser"
TRANSITIONAL_LINE = re.compile(r"^(?:Övergångsbestämmelser|Ikraftträdande- och övergångsbestämmelser)$", re.IGNORECASE)
# One block of the transitional provisions per act: `2021:664` on a line of its own.
TRANSITIONAL_ACT = re.compile(r"^(?P<sfs>\d{4}:\d{1,4})(?:\s|$)")
# `Lag (2022:1250).` / `Förordning (2019:1015).` closing a section: the act that last amended it.
AMENDMENT_NOTE = re.compile(r"(?:^|\s)(?:Lag|Förordning|Kungörelse|Balk) \((?P<sfs>\d{4}:\d{1,4})\)\.?\s*$")


def normal_number(number: str) -> str:
    """`2a` and `2 a` → `2 a` (the canonical spelling of a lettered chapter or section)."""
    m = re.fullmatch(r"(\d+) ?([a-z]?)", number.strip())
    if not m:
        return number.strip()
    return f"{m[1]} {m[2]}" if m[2] else m[1]


def number_key(number: str) -> tuple[int, str]:
    """Order of section numbers: 2 < 2 a < 2 b < 3."""
    m = re.fullmatch(r"(\d+) ?([a-z]?)", number.strip())
    return (int(m[1]), m[2]) if m else (0, "")


def chapter_heading(number: str, title: str | None) -> str:
    label = f"{normal_number(number)} kap."
    return f"{label} {title.strip()}" if title and title.strip() else label


def section_heading(number: str) -> str:
    return f"{normal_number(number)} §"


def provision_of(act: str, heading_path: list[str]) -> str | None:
    """The canonical reference of the section a statute passage belongs to, from its heading path
    (`["Hälso- och sjukvårdslag (2017:30)", "2 kap. Definitioner", "1 §"]` → `SFS 2017:30 2 kap. 1 §`);
    None outside a section (the title, the transitional provisions)."""
    m = re.fullmatch(r"SFS (\d{4}:\d+)", act)
    if not m:
        return None
    chapter = section = None
    for heading in heading_path:
        if heading == TRANSITIONAL_HEADING:
            return None
        c = CHAPTER_HEADING.match(heading)
        if c:
            chapter, section = c["number"], None
            continue
        s = SECTION_HEADING.match(heading)
        if s:
            section = s["number"]
    if section is None:
        return None
    return act_canonical(m[1], chapter, section)


def amendment_of(text: str) -> str | None:
    """The SFS number in a section's closing amendment note (`… Lag (2022:1250).` → `2022:1250`)."""
    m = AMENDMENT_NOTE.search(text)
    return m["sfs"] if m else None
