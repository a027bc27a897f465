"""policykb's data files (lawbook, entity patterns, requirement vocabulary, word lists), versioned
with the code, and the one cached loader every module reads them through."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=None)
def read_text(name: str) -> str:
    """The UTF-8 text of the data file `name` (cached: data files never change while running)."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def read_bytes(name: str) -> bytes:
    """The raw bytes of the data file `name` (compressed word lists)."""
    return resources.files(__name__).joinpath(name).read_bytes()


@lru_cache(maxsize=None)
def load_json(name: str) -> Any:
    """The parsed JSON data file `name`. Callers must not mutate what they get (it is shared)."""
    return json.loads(read_text(name))


def word_lines(name: str) -> list[str]:
    """The non-empty, non-comment lines of a word-list file, stripped."""
    return [line.strip() for line in read_text(name).splitlines() if line.strip() and not line.lstrip().startswith("#")]


def alternatives(lines: Iterable[str]) -> list[tuple[str, list[str]]]:
    """`key<TAB>form[|form...]` lines (the glossaries' shape) as (key, forms); a line without a key
    or a form is left out."""
    entries = []
    for line in lines:
        key, _, rest = line.partition("\t")
        forms = [f.strip() for f in rest.split("|") if f.strip()]
        if key.strip() and forms:
            entries.append((key.strip(), forms))
    return entries
