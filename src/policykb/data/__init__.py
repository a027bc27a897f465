"""policykb's data files (lawbook, entity patterns, requirement vocabulary, word lists), versioned
with the code, and the one cached loader every module reads them through."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar

T = TypeVar("T")


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


def parsed(name: str, parse: Callable[[bytes], T], check: Callable[[Any], bool]) -> T:
    """`parse(read_bytes(name))`, kept between processes as a marshal file in the cache directory
    (`config.cache_dir()`/data), so that a cold process (one `policykb search`) reads the parsed
    tables instead of splitting a word list of 100,000 lines again: 31 ms instead of 65 for the two
    Swedish tables. The file's name carries a hash of the data file and the Python version, so a
    new data file or interpreter never reads an old one; a cache file that does not load or fails
    `check` (truncated, from elsewhere) is parsed afresh and rewritten; a cache directory that
    cannot be written only costs the time."""
    import hashlib
    import marshal
    import os
    import sys

    from policykb.config import cache_dir

    raw = read_bytes(name)
    version = f"py{sys.version_info[0]}{sys.version_info[1]}-m{marshal.version}"
    path = cache_dir() / "data" / f"{name}.{hashlib.sha256(raw).hexdigest()[:16]}.{version}.marshal"
    try:
        value = marshal.loads(path.read_bytes())
        if check(value):
            return value
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = parse(raw)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(marshal.dumps(value))
        os.replace(temporary, path)
    except (OSError, ValueError):
        pass
    return value
