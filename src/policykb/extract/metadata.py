"""What a document says about itself on its first pages: series number, publisher, date, title.

Used by every extractor; a manifest entry, where given, overrides what is detected here.
"""

from __future__ import annotations

import re

from policykb.models import CELL_SEPARATOR

MONTHS = {
    "januari": 1, "februari": 2, "mars": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7,
    "augusti": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
}

# Order matters: the first series found on the opening pages names the document itself.
SERIES_PATTERNS: list[tuple[str, str, re.Pattern[str]]] = [
    ("sou", "SOU {0}:{1}", re.compile(r"\bSOU\s+(\d{4})\s*:\s*(\d{1,3})\b")),
    ("ds", "Ds {0}:{1}", re.compile(r"\bDs\s+(\d{4})\s*:\s*(\d{1,3})\b")),
    ("proposition", "prop. {0}:{1}", re.compile(r"\b(?:Prop\.|prop\.|Regeringens proposition)\s+(\d{4}/(?:\d{2}|2000))\s*:\s*(\d{1,3})\b")),
    ("directive", "dir. {0}:{1}", re.compile(r"\b(?:Dir\.|dir\.|Kommittédirektiv)\s+(\d{4})\s*:\s*(\d{1,3})\b")),
    ("regulation", "HSLF-FS {0}:{1}", re.compile(r"\bHSLF-FS\s+(\d{4})\s*:\s*(\d{1,3})\b")),
    ("regulation", "SOSFS {0}:{1}", re.compile(r"\bSOSFS\s+(\d{4})\s*:\s*(\d{1,3})\b")),
    ("regulation", "AFS {0}:{1}", re.compile(r"\bAFS\s+(\d{4})\s*:\s*(\d{1,3})\b")),
    ("regulation", "SSMFS {0}:{1}", re.compile(r"\bSSMFS\s+(\d{4})\s*:\s*(\d{1,3})\b")),
    ("statute", "SFS {0}:{1}", re.compile(r"\bSFS\s+(\d{4})\s*:\s*(\d{1,4})\b")),
]
ARTICLE_NUMBER = re.compile(r"\bArtikelnummer:?\s*(\d{4}-\d{1,2}-\d{1,6})\b", re.IGNORECASE)
PUBLISHED = re.compile(
    r"\b(?:Publicerad|Utgiven|Publiceringsdatum|Datum)\b[^\n]{0,60}?"
    r"(?:(\d{4}-\d{2}-\d{2})|(\d{1,2})?\s*(" + "|".join(MONTHS) + r")\s+(\d{4}))",
    re.IGNORECASE,
)
ISO_DATE = re.compile(r"\b(19[5-9]\d|20[0-4]\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b")
SWEDISH_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(19[5-9]\d|20[0-4]\d)\b", re.IGNORECASE)

PUBLISHERS: list[tuple[str, re.Pattern[str]]] = [
    ("Socialstyrelsen", re.compile(r"socialstyrelsen\.se|\bSocialstyrelsen\b")),
    ("Regeringen", re.compile(r"\bRegeringen\b|regeringen\.se|Regeringskansliet")),
    ("Riksdagen", re.compile(r"riksdagen\.se|\bRiksdagen\b")),
    ("Inspektionen för vård och omsorg", re.compile(r"\bIVO\b|ivo\.se")),
    ("Sveriges Kommuner och Regioner", re.compile(r"\bSKR\b|skr\.se")),
    ("Arbetsmiljöverket", re.compile(r"Arbetsmiljöverket")),
    ("Strålsäkerhetsmyndigheten", re.compile(r"Strålsäkerhetsmyndigheten")),
    ("Myndigheten för vård- och omsorgsanalys", re.compile(r"Vårdanalys|vardanalys\.se")),
]
# The publisher a document's own identifier names (an agency's regulation series, a bill).
PUBLISHER_BY_SERIES = {
    "AFS": "Arbetsmiljöverket", "SSMFS": "Strålsäkerhetsmyndigheten", "SOSFS": "Socialstyrelsen",
    "HSLF-FS": "Socialstyrelsen", "prop.": "Regeringen", "dir.": "Regeringen", "SOU": "Regeringen", "Ds": "Regeringen",
}
# How much of the opening a publisher's name may come from: the title page and its verso. A
# name further on is something the document talks about (a README about a folder of AFS
# regulations is not published by Arbetsmiljöverket).
PUBLISHER_SPAN = 1500
# Names of series, cover boilerplate and headings that stand large on a title page but are no
# document's title (issue 17.4).
_NOT_A_TITLE = re.compile(
    r"^(?:\d{1,2}\s+)?"  # a bill's chapter heading keeps its number ("1 Förslag till riksdagsbeslut")
    r"(?:svensk författningssamling|[\wåäö-]+s författningssamling|[\wåäö-]*författningssamling|"
    r"regeringens proposition|proposition|kommittédirektiv|direktiv|statens offentliga utredningar|"
    r"departementsserien|innehållsförteckning|innehåll|förord|sammanfattning|"
    r"propositionens huvudsakliga innehåll|propositionens innehåll|issn.*|isbn.*|"
    r"förslag till riksdagsbeslut|lagtext|ärendet och dess beredning|regeringen (?:föreslår|överlämnar) .*|"
    r"[\wåäö ]*(?:generaldirektör|direktör|avdelningschef|enhetschef))$",
    re.IGNORECASE,
)
_IDENTIFIER_TEXT = re.compile(
    r"\b(?:Regeringens proposition|Prop\.?|prop\.|Dir\.?|dir\.|Kommittédirektiv|SOU|Ds|SFS|AFS|SSMFS|SOSFS|HSLF-FS)"
    r"(?![\wÅÄÖåäö])(?:\s+\d{4}(?:/(?:\d{2}|2000))?\s*:\s*\d{1,4})?"
    r"|\b\d{4}(?:/(?:\d{2}|2000))?\s*:\s*\d{1,4}\b(?!\))"
)
KIND_BY_SERIES = {
    "sou": "sou", "ds": "ds", "proposition": "proposition", "directive": "directive",
    "regulation": "regulation", "statute": "statute",
}


def detect_metadata(opening_text: str) -> dict[str, str | None]:
    """Best guesses from the first pages' text: identifier, kind, publisher, date, title."""
    text = opening_text[:20000]
    found: dict[str, str | None] = {"identifier": None, "kind": None, "publisher": None, "date": None, "title": None}

    article = ARTICLE_NUMBER.search(text)
    if article:
        found["identifier"] = article.group(1)
        found["publisher"] = "Socialstyrelsen"
    else:
        head = text[:1500]
        for kind, template, pattern in SERIES_PATTERNS:
            match = next((m for m in pattern.finditer(head) if not _is_citation(head, m.start())), None)
            if match:
                number = str(int(match.group(2)))
                found["identifier"] = template.format(match.group(1), number)
                found["kind"] = KIND_BY_SERIES[kind]
                break

    if found["publisher"] is None and found["identifier"]:
        series = found["identifier"].split(" ", 1)[0]
        found["publisher"] = PUBLISHER_BY_SERIES.get(series)
    if found["publisher"] is None:
        # not from a table row or a list item: those name other documents and their publishers
        own = "\n".join(
            line for line in text[:PUBLISHER_SPAN].split("\n")
            if CELL_SEPARATOR not in line and not line.lstrip().startswith(("|", "•", "-", "–", "*"))
        )
        for name, pattern in PUBLISHERS:
            if pattern.search(own):
                found["publisher"] = name
                break

    found["date"] = _detect_date(text)
    found["title"] = _detect_title(text)
    return found


def _is_citation(text: str, start: int) -> bool:
    """A series number in parentheses, in a list item or in a table row (a table block's line)
    cites or lists another document."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    before = text[line_start:start]
    if CELL_SEPARATOR in text[line_start : line_end if line_end >= 0 else len(text)]:
        return True
    return "(" in before and ")" not in before or before.lstrip()[:1] in {"•", "-", "–", "*"}


def _detect_date(text: str) -> str | None:
    published = PUBLISHED.search(text)
    if published:
        if published.group(1):
            return published.group(1)
        month = MONTHS[published.group(3).lower()]
        day = published.group(2)
        return f"{published.group(4)}-{month:02d}" + (f"-{int(day):02d}" if day else "")
    # Elsewhere, only a date standing on a short line of its own ("Stockholm den 4 juli 2019")
    # dates the document; a date inside running prose dates some event it describes.
    for line in text[:1500].split("\n"):
        line = line.strip()
        if len(line) > 40:
            continue
        iso = ISO_DATE.search(line)
        if iso:
            return iso.group(0)
        swedish = SWEDISH_DATE.search(line)
        if swedish:
            return f"{swedish.group(3)}-{MONTHS[swedish.group(2).lower()]:02d}-{int(swedish.group(1)):02d}"
    return None


def _detect_title(text: str) -> str | None:
    """The first line that reads like a title: letters, not boilerplate, not a number, not a
    series name or a heading of the front matter, not running prose."""
    lines = text.split("\n")[:40]
    for k, raw in enumerate(lines):
        line = raw.strip().strip("#*_ ").strip()
        if len(line) < 4 or len(line) > 200:
            continue
        following = next((ln.strip() for ln in lines[k + 1 :] if ln.strip()), "")
        if len(line) > 65 and following[:1].islower() and line[-1:] not in ".:!?":
            continue  # a line of prose wrapped onto the next one
        if sum(ch.isalpha() for ch in line) < 0.6 * len(line.replace(" ", "")):
            continue
        if re.match(r"(?i)(denna publikation|publikationen finns|artikelnummer|publicerad|innehåll|förord)\b", line):
            continue
        if re.match(r"^(?:\d{1,2}[.)]|[•●▪–*-])\s", line):
            continue  # an item of a list (the bill's "1. godkänner …"), not a title
        if line[:1].islower() or (len(line) > 90 and line.endswith(".")):
            continue  # a sentence of the body, not a title
        cleaned = clean_title(line)
        if cleaned is None:
            continue
        return cleaned
    return None


def clean_title(text: str) -> str | None:
    """`text` as a title: identifiers taken out ("Vissa skolfrågor Prop. 2012/13:187" → "Vissa
    skolfrågor", "Lag SFS 2025:1461 om ändring …" → "Lag om ändring …"); None when nothing is left
    but a series name, a front-matter heading or a number (issue 17.4)."""
    text = " ".join(text.split())
    if not text or _NOT_A_TITLE.match(text):
        return None
    if re.search(r"\.{4,}|…{2,}", text):
        return None  # a line of a table of contents
    stripped = " ".join(_IDENTIFIER_TEXT.sub(" ", text).split())
    stripped = " ".join(re.sub(r"\(\s*\)", " ", stripped).split()).strip(" ,:;–-")
    if sum(ch.isalpha() for ch in stripped) < 4 or _NOT_A_TITLE.match(stripped):
        return None
    if stripped.isupper() and len(stripped) > 12:
        stripped = stripped[0] + stripped[1:].lower()  # a running header set in capitals
    return stripped


def choose_title(candidates: list[str | None]) -> str | None:
    """The first candidate that is a title (`clean_title`), in the order given: the title page's
    largest text, the file's own title property, the running header, the first title-like line."""
    for candidate in candidates:
        if candidate and not is_junk_title(candidate):
            cleaned = clean_title(candidate)
            if cleaned:
                return cleaned
    return None


def is_junk_title(title: str) -> bool:
    """A title from a file's own properties (PDF info, Word core properties) that is no title: a
    file name, a number, a program's placeholder ("Microsoft Word - …", "Dokument1")."""
    lowered = title.lower()
    if len(title) < 4 or re.fullmatch(r"[\w-]*\d[\w-]*", title):
        return True
    if re.search(r"\.(docx?|rtf|indd|pdf|qxd|odt|xlsx?|pptx?)$", lowered):
        return True
    return any(junk in lowered for junk in ("microsoft word", "untitled", "namnlös", "powerpoint", "dokument1", "document1"))
