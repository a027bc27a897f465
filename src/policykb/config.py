"""Settings shared by the core and both front ends, with their environment overrides."""

from __future__ import annotations

import os
from pathlib import Path

INDEX_DIR_ENV = "POLICYKB_INDEX_DIR"
MAX_FILE_BYTES_ENV = "POLICYKB_MAX_FILE_BYTES"
CACHE_DIR_ENV = "POLICYKB_CACHE_DIR"

DEFAULT_INDEX_DIR = Path("index")
DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024
DB_FILENAME = "policykb.sqlite"
VECTORS_FILENAME = "vectors.faiss"
VECTORS_META_FILENAME = "vectors.json"

SUPPORTED_SUFFIXES = {".pdf", ".docx", ".txt", ".md", ".html", ".htm"}


def resolve_index_dir(value: str | os.PathLike | None = None) -> Path:
    """The index directory: an explicit value, else $POLICYKB_INDEX_DIR, else ./index."""
    if value:
        return Path(value)
    env = os.environ.get(INDEX_DIR_ENV)
    return Path(env) if env else DEFAULT_INDEX_DIR


def cache_dir() -> Path:
    """Where derived, shareable files live (the embedding engine's dequantised weights):
    $POLICYKB_CACHE_DIR, else $XDG_CACHE_HOME/policykb, else ~/.cache/policykb."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "policykb"


def max_file_bytes(megabytes: float | None = None) -> int:
    """The largest file policykb reads: `megabytes` when given (`--max-file-mb`), else
    $POLICYKB_MAX_FILE_BYTES, else 100 MB. A value that is not a positive number is an error."""
    import math

    from policykb.errors import InputError

    if megabytes is not None:
        if not isinstance(megabytes, (int, float)) or not math.isfinite(megabytes) or megabytes <= 0:
            raise InputError(f"--max-file-mb {megabytes!r}: give a positive number of megabytes, e.g. 100")
        return max(1, int(megabytes * 1024 * 1024))
    env = os.environ.get(MAX_FILE_BYTES_ENV)
    if env:
        try:
            value = int(env)
        except ValueError:
            value = 0
        if value <= 0:
            raise InputError(f"{MAX_FILE_BYTES_ENV}={env!r} is not a positive whole number of bytes; fix or unset it")
        return value
    return DEFAULT_MAX_FILE_BYTES
