"""The one Markdown escaper: text from documents placed into the Markdown that policykb writes
(trace tables, exports, the remissvar draft)."""

from __future__ import annotations

from typing import Any


def escape_cell(text: Any) -> str:
    """A table cell: on one line (a newline would end the row), backslashes and pipes escaped."""
    value = "" if text is None else str(text)
    value = " ".join(value.split())
    return value.replace("\\", "\\\\").replace("|", "\\|")
