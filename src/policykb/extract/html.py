"""HTML files: headings, paragraphs, list items and tables from the markup, scripts and styles dropped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from policykb.models import Block, Page

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCK_TAGS = {"p", "li", "div", "section", "article", "blockquote", "dd", "dt", "pre", "br", "tr", "table", "caption"}
_SKIP = {"script", "style", "noscript", "template", "head", "nav"}


class _BlockCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._text: list[str] = []
        self._heading_level: int | None = None
        self._skip_depth = 0
        self._row: list[str] | None = None
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:  # noqa: ANN001
        if tag in _SKIP:
            self._skip_depth += 1
            return
        if tag == "table":
            self._flush()
            self._rows = []
        elif tag == "tr" and self._rows is not None:
            self._row = []
        elif tag in {"td", "th"} and self._row is not None:
            self._cell = []
        elif tag in _HEADINGS:
            self._flush()
            self._heading_level = _HEADINGS[tag]
        elif tag in _BLOCK_TAGS and self._rows is None:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
            return
        if tag in {"td", "th"} and self._cell is not None and self._row is not None:
            self._row.append(_squash(" ".join(self._cell)))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._rows is not None:
            if any(self._row):
                self._rows.append(self._row)
            self._row = None
        elif tag == "table" and self._rows is not None:
            if self._rows:
                self.blocks.append(Block.table(self._rows))
            self._rows = None
        elif tag in _HEADINGS:
            self._flush()
        elif tag in _BLOCK_TAGS and self._rows is None:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._rows is None:
            self._text.append(data)

    def _flush(self) -> None:
        text = _squash("".join(self._text))
        self._text = []
        if text:
            kind = "heading" if self._heading_level else "paragraph"
            self.blocks.append(Block(kind=kind, text=text, level=self._heading_level))
        self._heading_level = None

    def close(self) -> None:
        super().close()
        self._flush()


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def parse_html_pages(text: str) -> list[Page]:
    collector = _BlockCollector()
    collector.feed(text)
    collector.close()
    return [Page(index=0, blocks=collector.blocks)]
