"""A document whose content is hostile to every output format: Rich markup for the terminal,
HTML, Markdown headings and `javascript:` links for Markdown, formulas for spreadsheets."""

from __future__ import annotations

import json
from pathlib import Path

TITLE = "# [/bold] <script>alert(1)</script> [x](javascript:alert(1)) =1+1"
PUBLISHER = "[red]Förlag[/red] <b>x</b>"
# A file name is the document id: markup, a formula start and HTML in it too.
DOC_ID = "=2+3 [red]x <i>id.md"  # no slash: it is a file name
TEXT = f"""{TITLE}

## Bakgrund

=1+1 Kommunen ska erbjuda hemsjukvård enligt 12 kap. 1 § HSL, även [/bold] när <b>det</b> är svårt.

@SUM(1+1) Regionen ska ansvara för rehabilitering enligt 2 kap. 3 § HSL och [red]alla[/red] ska veta det.

## Förslag

Utredningen föreslår att kommunen ska ansvara för [/bold] <script>alert(2)</script> [y](javascript:alert(3)) hemsjukvården enligt 12 kap. 1 § HSL.
"""

# What no rendering may contain raw: an unescaped script tag or javascript: link target.
RAW_HTML = ("<script>", "</script>", "<b>", "<i>")


def write_hostile_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DOC_ID).write_text(TEXT, encoding="utf-8")
    (folder / "manifest.json").write_text(
        json.dumps({"documents": [{"file": DOC_ID, "publisher": PUBLISHER}]}, ensure_ascii=False), encoding="utf-8"
    )
    return folder
