"""The one Markdown escaper: text from documents placed into the Markdown that policykb writes
(trace tables, exports, the remissvar draft).

Document text is data, never Markdown: a title is whatever a PDF's info dictionary or a file's
first line says, so it may hold `<script>`, `[x](javascript:…)` or a line starting with `#`.
Copied raw, a Markdown viewer runs the HTML, offers the link, or makes a heading of it. Every
piece of document text therefore goes through `escape_inline` (or `escape_cell` in a table), and
every link policykb writes through `link`, which only ever links http(s) addresses.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

# Backslash, `*`, `_` and backquote: escapes, emphasis, code; `[ ]`: links and footnote
# references; `< >`: HTML and autolinks.
_INLINE_SPECIAL = re.compile(r"[\\*_`\[\]<>]")
# A `#` starting a line makes it a heading (a quote's `>` is escaped with the HTML brackets).
_LINE_START = re.compile(r"^#")
_SAFE_URL = re.compile(r"https?://[^\s]+", re.IGNORECASE)


def escape_inline(text: Any) -> str:
    """Document text (a title, a heading, a quote, a paragraph) as literal text inside one line of
    Markdown: whitespace runs (newlines too) become one space, Markdown's inline specials and
    HTML brackets are backslash-escaped, and a leading `#` is escaped so the text never turns
    the line it starts into a heading."""
    value = "" if text is None else str(text)
    value = " ".join(value.split())
    value = _INLINE_SPECIAL.sub(lambda m: "\\" + m.group(), value)
    return _LINE_START.sub(r"\#", value, count=1)


def escape_cell(text: Any) -> str:
    """A table cell: `escape_inline` (so on one line: a newline would end the row), pipes escaped."""
    return escape_inline(text).replace("|", "\\|")


def link(text: Any, url: Any) -> str:
    """`[text](url)` when `url` is an http(s) address, else the escaped text alone: a
    `javascript:` or `data:` address from a document never becomes a link. Characters that would
    end the link target (spaces, parentheses, angle brackets) are percent-encoded."""
    label = escape_cell(text)  # pipes too: the link may stand in a table cell
    address = "" if url is None else str(url).strip()
    if not _SAFE_URL.fullmatch(address):
        return label
    return f"[{label}]({quote(address, safe=':/?#[]@!$&*+,;=%~.-_')})"
