"""Is this page's text layer garbage? (a font without a usable Unicode map)

Three signs, from the notes on the shared test PDFs: control characters or U+FFFD in the text,
characters pdfium reports as having no Unicode mapping, and "shifted-letter" words: fonts whose
codes are glyph ids come out as the right letters shifted by 29 code points ("GHOV" for "dels",
"*|UDQ3HUVVRQ" for "Göran Persson"); shifting back gives Swedish words.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from policykb.data import word_lines

GLYPH_ID_SHIFT = 29
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_TOKEN = re.compile(r"[\x21-\x7e]{3,}")
# The share of a page's words that must be shifted-letter words for the page to be garbage
# (see _shifted_garbage); garbled pages of the shared PDFs have 5-100 %.
SHIFTED_SHARE = 0.03


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    return frozenset(word_lines("swedish_common_words.txt"))


def unshift(token: str) -> str:
    return "".join(chr(ord(c) + GLYPH_ID_SHIFT) if ord(c) + GLYPH_ID_SHIFT < 0x250 else c for c in token)


def shifted_tokens(text: str) -> list[str]:
    """Tokens (every occurrence) that are not words as they stand but become common Swedish words
    shifted back."""
    words = common_words()
    found: list[str] = []
    for token in _TOKEN.findall(text):
        plain = token.strip(".,;:()").lower()
        if plain in words:
            continue
        back = unshift(token).lower()
        for candidate in (back, back.strip(".,;:()")):
            if len(candidate) >= 3 and candidate in words:
                found.append(token.strip(".,;:()"))
                break
    return found


def _shifted_garbage(text: str) -> int:
    """How many shifted-letter words make this page garbage, or 0 when they do not.

    The whole page is weighed, never a few tokens: real text holds tokens that happen to shift
    to a word (`620` is `som`, `027` is `mot`, an acronym may be anything), and on a long page
    with `620` twice the old rule "two shifted words" threw the page away. A font whose codes are
    glyph ids garbles every word set in it, so its pages show many *different* shifted words
    making up a real share of the page. Garbage therefore needs both: shifted words at least
    `SHIFTED_SHARE` of the page's words, and two distinct ones (or one of four letters or more,
    which no number and few acronyms give) — one token repeated is a number, not a font.
    """
    found = shifted_tokens(text)
    if not found:
        return 0
    n_words = len(text.split())
    if len(found) < max(1, math.ceil(SHIFTED_SHARE * n_words)):
        return 0
    distinct = set(found)
    long_word = any(len(unshift(t)) >= 4 for t in distinct)
    return len(found) if len(distinct) >= 2 or long_word else 0


def garbage_reason(text: str, n_chars: int, map_errors: int) -> str | None:
    """Why the page text cannot be trusted, or None when it reads as text."""
    if n_chars == 0:
        return None
    controls = len(_CONTROL.findall(text))
    if controls >= 3 and controls / max(n_chars, 1) > 0.005:
        return f"{controls} control characters in the text layer"
    if map_errors >= 3 and map_errors / max(n_chars, 1) > 0.01:
        return f"{map_errors} characters without a Unicode mapping"
    hits = _shifted_garbage(text)
    if hits:
        return f"a font without a usable Unicode map ({hits} shifted-letter words)"
    return None
