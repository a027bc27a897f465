"""Is this page's text layer garbage? (a font without a usable Unicode map)

Three signs, from the notes on the shared test PDFs: control characters or U+FFFD in the text,
characters pdfium reports as having no Unicode mapping, and "shifted-letter" words: fonts whose
codes are glyph ids come out as the right letters shifted by 29 code points ("GHOV" for "dels",
"*|UDQ3HUVVRQ" for "Göran Persson"); shifting back gives Swedish words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from policykb.data import word_lines

GLYPH_ID_SHIFT = 29
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_TOKEN = re.compile(r"[\x21-\x7e]{3,}")


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    return frozenset(word_lines("swedish_common_words.txt"))


def unshift(token: str) -> str:
    return "".join(chr(ord(c) + GLYPH_ID_SHIFT) if ord(c) + GLYPH_ID_SHIFT < 0x250 else c for c in token)


def shifted_words(text: str) -> int:
    """Tokens that are not words as they stand but become common Swedish words shifted back."""
    words = common_words()
    hits = 0
    for token in _TOKEN.findall(text):
        plain = token.strip(".,;:()").lower()
        if plain in words:
            continue
        back = unshift(token).lower()
        for candidate in (back, back.strip(".,;:()")):
            if len(candidate) >= 3 and candidate in words:
                hits += 1
                break
    return hits


def _has_long_shifted_word(text: str) -> bool:
    words = common_words()
    for token in _TOKEN.findall(text):
        back = unshift(token).lower().strip(".,;:()")
        if len(back) >= 4 and back in words and token.strip(".,;:()").lower() not in words:
            return True
    return False


def garbage_reason(text: str, n_chars: int, map_errors: int) -> str | None:
    """Why the page text cannot be trusted, or None when it reads as text."""
    if n_chars == 0:
        return None
    controls = len(_CONTROL.findall(text))
    if controls >= 3 and controls / max(n_chars, 1) > 0.005:
        return f"{controls} control characters in the text layer"
    if map_errors >= 3 and map_errors / max(n_chars, 1) > 0.01:
        return f"{map_errors} characters without a Unicode mapping"
    hits = shifted_words(text)
    if hits >= 2 or (hits == 1 and _has_long_shifted_word(text)):
        return f"a font without a usable Unicode map ({hits} shifted-letter words)"
    return None
